//! Test data: the fixture of `notes/fixture` (nova's bincode bytes, read by
//! [`crate::nova_format`]) and the reference verifier's intermediates, plus the full nova key when
//! `ZKML_NOVA_VK` names it (e.g. the output of `notes/fixture/assemble_vk.py`).

use crate::field::point_from_coords;
use crate::instance::RelaxedInstance;
use crate::nova_format::{NovaModelKey, NovaVerifierKey, parse_model_key, parse_proof, parse_vk};
use crate::wire::CompressedProof;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::PrimeField;
use std::string::String;
use std::sync::OnceLock;
use std::vec::Vec;

/// The 448 model-specific vk bytes (`F_arity ‖ pp_digest ‖ vk_primary`).
pub(crate) const VK_MODEL: &[u8] = include_bytes!("../notes/fixture/vk_model.bin");
/// The 3-step proof (nova bincode).
pub(crate) const PROOF3: &[u8] = include_bytes!("../notes/fixture/proof.bin");
/// The 1-step proof (nova bincode).
pub(crate) const PROOF1: &[u8] = include_bytes!("../notes/fixture/proof1.bin");
/// Intermediates of the 3-step proof.
pub(crate) const INTER3: &str = include_str!("../notes/fixture/intermediates_proof3.txt");
/// Intermediates of the 1-step proof.
pub(crate) const INTER1: &str = include_str!("../notes/fixture/intermediates_proof1.txt");
/// nova's `dk_primary` (compressed), a constant of every Bn256EngineKZG key.
pub(crate) const DK_PRIMARY: [u8; 32] =
    hex32("702552d34af3bfb8a9b18245b201b93f44ec320fa42981db0f80d79e2e5c0429");
/// nova's `dk_secondary` (compressed), a constant of every GrumpkinEngine key.
pub(crate) const DK_SECONDARY: [u8; 32] =
    hex32("b77cd6c6b95524ff9e5fffddf520f714b70d1a63857379000deb8c38736c4a94");

/// `digest_vk2` of the fixture's secondary key (SPEC §6.4), `LE32`.
/// `digest_vk2`: nova's digest of the constant secondary verifier key (SPEC §6.4), `LE32`.
pub(crate) const NOVA_VK_DIGEST: [u8; 32] = {
    // 0x01d371b225dc4d01f704c3051548d1e8ff80524258c039cb79c9ac5f31a83ea6, big-endian
    let be: [u8; 32] = [
        0x01, 0xd3, 0x71, 0xb2, 0x25, 0xdc, 0x4d, 0x01, 0xf7, 0x04, 0xc3, 0x05, 0x15, 0x48, 0xd1,
        0xe8, 0xff, 0x80, 0x52, 0x42, 0x58, 0xc0, 0x39, 0xcb, 0x79, 0xc9, 0xac, 0x5f, 0x31, 0xa8,
        0x3e, 0xa6,
    ];
    let mut le = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        le[i] = be[31 - i];
        i += 1;
    }
    le
};

const fn digit(c: u8) -> u8 {
    if c <= b'9' { c - b'0' } else { c - b'a' + 10 }
}

/// 32 bytes from 64 hex digits, in the order written.
pub(crate) const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = digit(b[2 * i]) * 16 + digit(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// The intermediates of the 3-step (`true`) or 1-step proof.
pub(crate) fn intermediates(three: bool) -> &'static str {
    if three { INTER3 } else { INTER1 }
}

/// The bytes of the 3-step (`true`) or 1-step proof.
pub(crate) fn proof_bytes(three: bool) -> &'static [u8] {
    if three { PROOF3 } else { PROOF1 }
}

/// A fixture proof in our types.
pub(crate) fn proof(bytes: &[u8]) -> CompressedProof {
    parse_proof(bytes).unwrap()
}

/// The fixture's model key in our types.
pub(crate) fn model_key() -> NovaModelKey {
    parse_model_key(VK_MODEL, &DK_PRIMARY).unwrap()
}

/// nova's 408 primary key bytes of the fixture.
pub(crate) fn nova_key_bytes() -> [u8; 408] {
    let mut out = [0u8; 408];
    out.copy_from_slice(&VK_MODEL[40..]);
    out
}

/// The value text of `name = …` in an intermediates file.
pub(crate) fn value<'a>(text: &'a str, name: &str) -> &'a str {
    let prefix = std::format!("{name} = ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {name}"))
}

/// All `0x…` big-endian integers in a value, in order, as elements of `F`.
pub(crate) fn hex_values<F: PrimeField>(v: &str) -> Vec<F> {
    v.split("0x")
        .skip(1)
        .map(|h| {
            let h: String = h.chars().take_while(char::is_ascii_hexdigit).collect();
            let h = std::format!("{h:0>64}");
            let bytes: Vec<u8> = (0..32)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            F::from_be_bytes_mod_order(&bytes)
        })
        .collect()
}

/// The scalars of intermediate `name`.
pub(crate) fn scalars<F: PrimeField>(text: &str, name: &str) -> Vec<F> {
    hex_values(value(text, name))
}

/// The one scalar of intermediate `name`.
pub(crate) fn scalar<F: PrimeField>(text: &str, name: &str) -> F {
    let v = scalars(text, name);
    assert_eq!(v.len(), 1, "{name}");
    v[0]
}

/// A point intermediate `(x, y)`.
pub(crate) fn point<P: SWCurveConfig>(text: &str, name: &str) -> Affine<P>
where
    P::BaseField: PrimeField,
{
    let c = scalars::<P::BaseField>(text, name);
    point_from_coords(c[0], c[1], false).unwrap()
}

/// A relaxed instance intermediate `{X: [..], comm_W: (..), comm_E: (..), u: ..}`.
pub(crate) fn relaxed<P: SWCurveConfig>(
    text: &str,
    name: &str,
) -> RelaxedInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: PrimeField,
{
    let f = scalars::<P::ScalarField>(text, name);
    let q = scalars::<P::BaseField>(text, name);
    let p = |i: usize| point_from_coords(q[i], q[i + 1], false).unwrap();
    RelaxedInstance {
        comm_w: p(2),
        comm_e: p(4),
        x: [f[0], f[1]],
        u: f[6],
    }
}

/// nova's whole verifier key from `$ZKML_NOVA_VK`, or `None` (the tests that need it then skip).
pub(crate) fn nova_vk() -> Option<&'static NovaVerifierKey> {
    static VK: OnceLock<Option<NovaVerifierKey>> = OnceLock::new();
    VK.get_or_init(|| {
        let bytes = std::fs::read(std::env::var("ZKML_NOVA_VK").ok()?).ok()?;
        Some(parse_vk(&bytes).unwrap())
    })
    .as_ref()
}

/// [`nova_vk`], printing why `test` is skipped when the key is not available.
pub(crate) fn nova_vk_or_skip(test: &str) -> Option<&'static NovaVerifierKey> {
    let vk = nova_vk();
    if vk.is_none() {
        std::eprintln!("{test}: skipped (set ZKML_NOVA_VK to nova's fixture vk.bin)");
    }
    vk
}

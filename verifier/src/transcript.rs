//! nova's Keccak256 Fiat–Shamir transcript (SPEC §5, non-`evm` encoding).

use crate::field::{coords, le32};
use alloc::vec::Vec;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::PrimeField;
use core::marker::PhantomData;
use sha3::{Digest, Keccak256};

/// Domain separator put before every squeeze and by [`Transcript::dom_sep`].
const DOM_SEP: &[u8] = b"NoDS";
/// Prefix of the persona label in [`Transcript::new`].
const PERSONA: &[u8] = b"NoTR";

/// The bytes a value contributes to a transcript (nova's `TranscriptReprTrait`).
pub trait Repr {
    /// Appends the encoding of `self` to `out`.
    fn repr(&self, out: &mut Vec<u8>);
}

impl Repr for ark_bn254::Fr {
    fn repr(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&le32(self));
    }
}

impl Repr for ark_bn254::Fq {
    fn repr(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&le32(self));
    }
}

/// A commitment: `LE32(x) ‖ LE32(y) ‖ [infinity]` (65 bytes; the identity is 64 zero bytes then 1).
impl<P: SWCurveConfig> Repr for Affine<P>
where
    P::BaseField: PrimeField,
{
    fn repr(&self, out: &mut Vec<u8>) {
        let (x, y, infinity) = coords(self);
        out.extend_from_slice(&le32(&x));
        out.extend_from_slice(&le32(&y));
        out.push(u8::from(infinity));
    }
}

/// A slice: the concatenation of its items (no length).
impl<T: Repr> Repr for [T] {
    fn repr(&self, out: &mut Vec<u8>) {
        self.iter().for_each(|item| item.repr(out));
    }
}

/// A vector: the concatenation of its items (no length).
impl<T: Repr> Repr for Vec<T> {
    fn repr(&self, out: &mut Vec<u8>) {
        self.as_slice().repr(out);
    }
}

/// A fixed-size array: the concatenation of its items.
impl<T: Repr, const N: usize> Repr for [T; N] {
    fn repr(&self, out: &mut Vec<u8>) {
        self.as_slice().repr(out);
    }
}

/// `keccak256(m ‖ 0) ‖ keccak256(m ‖ 1)` of the message fed into `hasher`.
fn keccak2(hasher: Keccak256) -> [u8; 64] {
    let mut out = [0u8; 64];
    let mut low = hasher.clone();
    low.update([0u8]);
    out[..32].copy_from_slice(&low.finalize());
    let mut high = hasher;
    high.update([1u8]);
    out[32..].copy_from_slice(&high.finalize());
    out
}

/// A Keccak256 transcript whose challenges are elements of `F`.
#[derive(Clone, Debug)]
pub struct Transcript<F: PrimeField> {
    state: [u8; 64],
    round: u64,
    buf: Vec<u8>,
    field: PhantomData<F>,
}

impl<F: PrimeField> Transcript<F> {
    /// A fresh transcript with persona `label`.
    pub fn new(label: &[u8]) -> Self {
        let mut hasher = Keccak256::new();
        hasher.update(PERSONA);
        hasher.update(label);
        Self {
            state: keccak2(hasher),
            round: 0,
            buf: Vec::new(),
            field: PhantomData,
        }
    }

    /// Absorbs `label ‖ repr(value)`.
    pub fn absorb<T: Repr + ?Sized>(&mut self, label: &[u8], value: &T) {
        self.buf.extend_from_slice(label);
        value.repr(&mut self.buf);
    }

    /// Adds a domain separator `"NoDS" ‖ bytes`.
    pub fn dom_sep(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(DOM_SEP);
        self.buf.extend_from_slice(bytes);
    }

    /// Squeezes a challenge: 64 bytes of Keccak output read little-endian and reduced mod `p`.
    pub fn squeeze(&mut self, label: &[u8]) -> F {
        let mut hasher = Keccak256::new();
        hasher.update(&self.buf);
        hasher.update(DOM_SEP);
        hasher.update(self.round.to_le_bytes());
        hasher.update(self.state);
        hasher.update(label);
        self.state = keccak2(hasher);
        self.round += 1;
        self.buf.clear();
        F::from_le_bytes_mod_order(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Fq, Fr};

    /// The value of `key=` on the line of `notes/kat.txt` that starts with `prefix`.
    fn kat(prefix: &str, key: &str) -> [u8; 32] {
        let text = include_str!("../notes/kat.txt");
        let line = text
            .lines()
            .find(|l| l.starts_with(prefix))
            .expect("kat line");
        let hex = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .expect("kat key");
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn keccak_kat_primary() {
        let mut t = Transcript::<Fr>::new(b"KAT");
        let c0 = t.squeeze(b"c0");
        t.absorb(b"a", &Fr::from(5u64));
        t.absorb(b"v", &[Fr::from(1u64), Fr::from(2u64)][..]);
        let c1 = t.squeeze(b"c1");
        t.dom_sep(b"IPA");
        let c2 = t.squeeze(b"c2");
        assert_eq!(le32(&c0), kat("keccak_e1", "c0"));
        assert_eq!(le32(&c1), kat("keccak_e1", "c1"));
        assert_eq!(le32(&c2), kat("keccak_e1", "c2"));
    }

    #[test]
    fn keccak_kat_secondary() {
        let mut t = Transcript::<Fq>::new(b"KAT");
        let c0 = t.squeeze(b"c0");
        t.absorb(b"a", &Fq::from(5u64));
        let c1 = t.squeeze(b"c1");
        assert_eq!(le32(&c0), kat("keccak_e2", "c0"));
        assert_eq!(le32(&c1), kat("keccak_e2", "c1"));
    }

    #[test]
    fn tampering_changes_challenges() {
        let mut a = Transcript::<Fr>::new(b"KAT");
        let mut b = Transcript::<Fr>::new(b"KAT");
        a.absorb(b"a", &Fr::from(5u64));
        b.absorb(b"a", &Fr::from(6u64));
        assert_ne!(a.squeeze(b"c"), b.squeeze(b"c"));
        assert_ne!(a.squeeze(b"c"), a.squeeze(b"c"));
    }

    #[test]
    fn point_repr() {
        use ark_ec::AffineRepr;
        let mut out = Vec::new();
        crate::field::G1::identity().repr(&mut out);
        let mut expected = [0u8; 65];
        expected[64] = 1;
        assert_eq!(out, expected);
        out.clear();
        crate::field::G1::generator().repr(&mut out);
        assert_eq!(out.len(), 65);
        assert_eq!((out[0], out[32], out[64]), (1, 2, 0));
    }
}

//! The secondary SNARK: nova's Spartan `snark::RelaxedR1CSSNARK` over Grumpkin with the IPA
//! polynomial commitment (SPEC §7).
//!
//! Multi-message flow (costs in field-multiplication equivalents, measured on the fixture with the
//! real 16,384-generator key; one message ≈ 288k):
//! 1. [`SecondaryVerification::start`]: transcript, outer/inner/batch sum-checks and their final
//!    checks, the shape evaluation (eq tables 32k + 89k) and the IPA challenges — ≈ 124k.
//! 2. [`SecondaryVerification::scalars`]: the GLV-split MSM scalars — ≈ 66k. Keep them between
//!    messages (SCALE-encodable, ≈ 545 KB) or recompute them in every message.
//! 3. [`SecondaryVerification::advance`] with the message's budget until it returns `true`
//!    (≈ 2.3M in all: 9 messages at 288k). The IPA check is one MSM over the 16,384 generators and
//!    `L_j, R_j, G_c, C` (30 more points), GLV-split into 32,828 points of ≤ 128-bit scalars.
//!
//! [`verify`] does it all at once. The state between messages is [`SecondaryVerification`] (IPA
//! challenges and the MSM state: ≤ 270 KB of bucket sums mid-window, a few hundred bytes between
//! windows) plus the scalars if kept.

use crate::VerifyError;
use crate::field::{Fq, Grumpkin};
use crate::instance::RelaxedInstance;
use crate::ipa::{IpaCheck, IpaProof};
use crate::msm::{Cost, GLV_BITS, Msm, Scalars, glv_bases};
use crate::polys::{eq, eq_table, sparse_eval};
use crate::shape::Shape;
use crate::sumcheck;
use crate::transcript::Transcript;
use crate::wire::codec::{read_point, read_scalar, read_vec, write_point, write_scalar, write_vec};
use alloc::vec::Vec;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One};
use parity_scale_codec::{Decode, Encode, Input, Output};

/// Window width of the IPA MSM (measured best for 16,384 points, see `msm` tests).
pub const MSM_WINDOW: u32 = 13;

/// `digest_vk2`: nova's digest of the constant secondary verifier key (SPEC §6.4), `LE32`.
pub const NOVA_VK_DIGEST: [u8; 32] = {
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

/// The secondary SNARK proof (nova's `snark::RelaxedR1CSSNARK`, fields in nova's order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondarySnark {
    /// Outer sum-check (`log2 num_cons` rounds, degree 3), compressed round polynomials.
    pub sc_outer: Vec<Vec<Fq>>,
    /// `(Az, Bz, Cz)` at `r_x`.
    pub claims_outer: [Fq; 3],
    /// `E(r_x)`.
    pub eval_e: Fq,
    /// Inner sum-check (`log2 num_vars + 1` rounds, degree 2).
    pub sc_inner: Vec<Vec<Fq>>,
    /// `W(r_y[1..])`.
    pub eval_w: Fq,
    /// Batching sum-check of the two opening claims (degree 2).
    pub sc_batch: Vec<Vec<Fq>>,
    /// The two evaluations at the batched point.
    pub evals_batch: Vec<Fq>,
    /// The IPA opening proof.
    pub ipa: IpaProof,
}

/// The constant secondary verifier data: shape, Pedersen generators, `G_c`, `h`, the vk digest.
/// Build it with [`SecondaryKey::new`] (or decode it), which also derives the GLV bases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondaryKey {
    /// The R1CS shape (compact).
    pub shape: Shape,
    /// `ck_s.ck[0]`: the IPA inner-product generator.
    pub g_c: Grumpkin,
    /// `ck_v.h` = `dk_secondary.h`: the blinding generator (used by derandomization).
    pub h: Grumpkin,
    /// `digest_vk2` (see [`NOVA_VK_DIGEST`]).
    pub digest: Fq,
    /// `gens ‖ φ(gens)`: the Pedersen generators `ck_v` followed by their endomorphism images
    /// (the bases of the GLV-split MSM).
    glv_bases: Vec<Grumpkin>,
}

impl SecondaryKey {
    /// Assembles the key from nova's data (one multiplication per generator for the endomorphism
    /// images).
    pub fn new(shape: Shape, gens: Vec<Grumpkin>, g_c: Grumpkin, h: Grumpkin, digest: Fq) -> Self {
        let glv_bases = glv_bases(&gens);
        Self {
            shape,
            g_c,
            h,
            digest,
            glv_bases,
        }
    }

    /// The Pedersen generators `ck_v` (16,384).
    pub fn gens(&self) -> &[Grumpkin] {
        &self.glv_bases[..self.glv_bases.len() / 2]
    }
}

/// The inner sum-check's final claim, deferred so that the matrix evaluation can run in a message of
/// its own: `e == (Ã + r·B̃ + r²·C̃)(r_x, r_y)·eval_z`. The transcript does not depend on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixClaim {
    /// The outer sum-check's point.
    pub r_x: Vec<Fq>,
    /// The inner sum-check's point.
    pub r_y: Vec<Fq>,
    /// The matrix batching challenge.
    pub r: Fq,
    /// The inner sum-check's final value.
    pub e: Fq,
    /// `Z(r_y)`.
    pub eval_z: Fq,
}

impl MatrixClaim {
    /// Evaluates the shape's matrices at the claim's point and checks the claim.
    pub fn check(&self, shape: &Shape, cost: &mut Cost) -> Result<(), VerifyError> {
        let (nx, ny) = (self.r_x.len(), self.r_y.len());
        let ry = self
            .r_y
            .split_first()
            .ok_or(VerifyError::Malformed("secondary: r_y"))?;
        let [va, vb, vc] = shape.eval(&eq_table(&self.r_x), &eq_table(ry.1), *ry.0)?;
        cost.mults +=
            shape.mult_count() as u64 + (1u64 << nx) + (1u64 << (ny - 1)) + 4 * (nx + ny) as u64;
        if self.e != (va + self.r * vb + self.r.square() * vc) * self.eval_z {
            return Err(VerifyError::Check("secondary: inner sum-check final claim"));
        }
        Ok(())
    }
}

/// A secondary verification past its transcript: the deferred matrix claim, then the IPA MSM.
/// Small and SCALE-encodable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondaryVerification {
    /// The inner sum-check claim still to check.
    pub claim: MatrixClaim,
    /// The IPA state after its transcript part.
    pub ipa: IpaCheck,
    /// The MSM `Σ â·s_i·G_i` in progress.
    pub msm: Msm,
}

fn log2(n: u32) -> usize {
    n.trailing_zeros() as usize
}

impl SecondaryVerification {
    /// The transcript part: outer/inner/batch sum-checks with their final checks (the inner one
    /// deferred to [`MatrixClaim::check`]) and the IPA challenges. `instance` is `Un2` after
    /// derandomization.
    pub fn start(
        key: &SecondaryKey,
        instance: &RelaxedInstance<Grumpkin, Fq>,
        proof: &SecondarySnark,
        cost: &mut Cost,
    ) -> Result<Self, VerifyError> {
        let shape = &key.shape;
        let (claim, ipa) = run_transcript(
            &key.digest,
            shape.num_cons,
            shape.num_vars,
            instance,
            proof,
            cost,
        )?;
        if key.gens().len() != 1 << ipa.x.len() {
            return Err(VerifyError::Malformed("secondary: generator count"));
        }
        Ok(Self {
            claim,
            ipa,
            msm: Msm::new(MSM_WINDOW, GLV_BITS)?,
        })
    }

    /// The MSM scalars of the IPA check ([`IpaCheck::msm_scalars`]), GLV-split (≈ 4·2^k
    /// multiplication equivalents). Recompute them at every message, or keep them
    /// (SCALE-encodable, ≈ 545 KB).
    pub fn scalars(&self, proof: &SecondarySnark, cost: &mut Cost) -> Scalars {
        Scalars::glv(&self.ipa.msm_scalars(&proof.ipa, cost), cost)
    }

    /// Advances the IPA check's MSM by at most `budget` multiplication equivalents. Returns
    /// `Ok(true)` once the MSM is complete and the IPA equation holds (the secondary SNARK is
    /// verified), `Ok(false)` while work remains.
    pub fn advance(
        &mut self,
        key: &SecondaryKey,
        proof: &SecondarySnark,
        scalars: &Scalars,
        budget: u64,
        cost: &mut Cost,
    ) -> Result<bool, VerifyError> {
        let extra = self.ipa.msm_extra_bases(&proof.ipa, &key.g_c)?;
        let extra_glv = glv_bases(&extra);
        let n = key.gens().len();
        if scalars.len() != key.glv_bases.len() + extra_glv.len() {
            return Err(VerifyError::Malformed("secondary: scalar count"));
        }
        let parts = [
            key.gens(),
            &extra_glv[..extra.len()],
            &key.glv_bases[n..],
            &extra_glv[extra.len()..],
        ];
        cost.mults += extra.len() as u64;
        match self.msm.step_parts(&parts, scalars, budget, cost)? {
            Some(sum) if sum.is_zero() => Ok(true),
            Some(_) => Err(VerifyError::Check("secondary: IPA equation")),
            None => Ok(false),
        }
    }
}

/// The transcript part of the secondary verifier (SPEC §7 steps 1–7 and the IPA challenges); the
/// inner sum-check's final claim, which needs the matrix evaluation `(Ã, B̃, C̃)(r_x, r_y)`, is
/// returned for [`MatrixClaim::check`].
fn run_transcript(
    digest: &Fq,
    num_cons: u32,
    num_vars: u32,
    instance: &RelaxedInstance<Grumpkin, Fq>,
    proof: &SecondarySnark,
    cost: &mut Cost,
) -> Result<(MatrixClaim, IpaCheck), VerifyError> {
    let mut t = Transcript::<Fq>::new(b"RelaxedR1CSSNARK");
    t.absorb(b"vk", digest);
    t.absorb(b"U", instance);
    let (nx, nw) = (log2(num_cons), log2(num_vars));
    let ny = nw + 1;

    // Outer sum-check.
    let tau: Vec<Fq> = (0..nx).map(|_| t.squeeze(b"t")).collect();
    let (e, r_x) = sumcheck::verify(Fq::from(0u64), nx, 3, &proof.sc_outer, &mut t)?;
    let [az, bz, cz] = proof.claims_outer;
    if e != eq(&tau, &r_x) * (az * bz - instance.u * cz - proof.eval_e) {
        return Err(VerifyError::Check("secondary: outer sum-check final claim"));
    }
    t.absorb(b"claims_outer", &[az, bz, cz, proof.eval_e][..]);

    // Inner sum-check.
    let r = t.squeeze(b"r");
    let r2 = r.square();
    let (e, r_y) = sumcheck::verify(az + r * bz + r2 * cz, ny, 2, &proof.sc_inner, &mut t)?;
    let eval_x = sparse_eval(&[instance.u, instance.x[0], instance.x[1]], &r_y[1..]);
    let eval_z = (Fq::one() - r_y[0]) * proof.eval_w + r_y[0] * eval_x;
    let claim = MatrixClaim {
        r_x: r_x.clone(),
        r_y: r_y.clone(),
        r,
        e,
        eval_z,
    };
    t.absorb(b"w", &[proof.eval_w][..]);

    // Batch the openings (W at r_y[1..], E at r_x) into one at r_b.
    if proof.evals_batch.len() != 2 {
        return Err(VerifyError::Malformed("secondary: evals_batch length"));
    }
    let rho = t.squeeze(b"r");
    let (rounds, max) = ([nw, nx], nw.max(nx));
    let (e, r_b) = sumcheck::verify_batch(
        &[proof.eval_w, proof.eval_e],
        &rounds,
        &[Fq::one(), rho],
        2,
        &proof.sc_batch,
        &mut t,
    )?;
    let points: [&[Fq]; 2] = [&r_y[1..], &r_x];
    let expected = eq(&r_b[max - rounds[0]..], points[0]) * proof.evals_batch[0]
        + rho * eq(&r_b[max - rounds[1]..], points[1]) * proof.evals_batch[1];
    if e != expected {
        return Err(VerifyError::Check("secondary: batch sum-check final claim"));
    }
    t.absorb(b"l", &proof.evals_batch);
    let c = t.squeeze(b"c");
    let lagrange = |n: usize| -> Fq { r_b[..max - n].iter().map(|r| Fq::one() - r).product() };
    let comm = (instance.comm_w + instance.comm_e * c).into_affine();
    let eval =
        lagrange(rounds[0]) * proof.evals_batch[0] + c * lagrange(rounds[1]) * proof.evals_batch[1];
    cost.mults += 1600 + 2 * max as u64;
    cost.invs += 1;

    Ok((
        claim,
        IpaCheck::new(&mut t, &comm, &r_b, eval, &proof.ipa, cost)?,
    ))
}

/// Verifies the secondary SNARK at once (native use and tests).
pub fn verify(
    key: &SecondaryKey,
    instance: &RelaxedInstance<Grumpkin, Fq>,
    proof: &SecondarySnark,
) -> Result<(), VerifyError> {
    let mut cost = Cost::default();
    let mut v = SecondaryVerification::start(key, instance, proof, &mut cost)?;
    v.claim.check(&key.shape, &mut cost)?;
    let scalars = v.scalars(proof, &mut cost);
    if v.advance(key, proof, &scalars, u64::MAX, &mut cost)? {
        Ok(())
    } else {
        Err(VerifyError::Check("secondary: MSM did not finish"))
    }
}

/// Reads a sum-check proof: a vector of compressed round polynomials.
fn read_sumcheck<I: Input>(input: &mut I) -> Result<Vec<Vec<Fq>>, parity_scale_codec::Error> {
    read_vec(input, |i| read_vec(i, read_scalar))
}

/// Writes a sum-check proof.
fn write_sumcheck<O: Output + ?Sized>(polys: &[Vec<Fq>], out: &mut O) {
    write_vec(polys, out, |p, o| {
        write_vec(p, o, |x, o| write_scalar(x, o))
    });
}

impl Encode for SecondarySnark {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        write_sumcheck(&self.sc_outer, out);
        self.claims_outer.iter().for_each(|x| write_scalar(x, out));
        write_scalar(&self.eval_e, out);
        write_sumcheck(&self.sc_inner, out);
        write_scalar(&self.eval_w, out);
        write_sumcheck(&self.sc_batch, out);
        write_vec(&self.evals_batch, out, |x, o| write_scalar(x, o));
        self.ipa.encode_to(out);
    }
}

impl Decode for SecondarySnark {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(Self {
            sc_outer: read_sumcheck(input)?,
            claims_outer: [
                read_scalar(input)?,
                read_scalar(input)?,
                read_scalar(input)?,
            ],
            eval_e: read_scalar(input)?,
            sc_inner: read_sumcheck(input)?,
            eval_w: read_scalar(input)?,
            sc_batch: read_sumcheck(input)?,
            evals_batch: read_vec(input, read_scalar)?,
            ipa: IpaProof::decode(input)?,
        })
    }
}

impl Encode for SecondaryKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.shape.encode_to(out);
        write_vec(self.gens(), out, |p, o| write_point(p, o));
        write_point(&self.g_c, out);
        write_point(&self.h, out);
        write_scalar(&self.digest, out);
    }
}

impl Decode for SecondaryKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(Self::new(
            Shape::decode(input)?,
            read_vec(input, read_point)?,
            read_point(input)?,
            read_point(input)?,
            read_scalar(input)?,
        ))
    }
}

impl Encode for MatrixClaim {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        write_vec(&self.r_x, out, |x, o| write_scalar(x, o));
        write_vec(&self.r_y, out, |x, o| write_scalar(x, o));
        [self.r, self.e, self.eval_z]
            .iter()
            .for_each(|x| write_scalar(x, out));
    }
}

impl Decode for MatrixClaim {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let r_x = read_vec(input, read_scalar)?;
        let r_y: Vec<Fq> = read_vec(input, read_scalar)?;
        if r_y.is_empty() {
            return Err("secondary: empty r_y".into());
        }
        Ok(Self {
            r_x,
            r_y,
            r: read_scalar(input)?,
            e: read_scalar(input)?,
            eval_z: read_scalar(input)?,
        })
    }
}

impl Encode for SecondaryVerification {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.claim.encode_to(out);
        self.ipa.encode_to(out);
        self.msm.encode_to(out);
    }
}

impl Decode for SecondaryVerification {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(Self {
            claim: MatrixClaim::decode(input)?,
            ipa: IpaCheck::decode(input)?,
            msm: Msm::decode(input)?,
        })
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Test data: the fixture intermediates and (when `ZKML_NOVA_VK` names nova's bincode vk, e.g.
    //! the output of `notes/fixture/assemble_vk.py`) the real secondary key.
    use crate::field::{Fq, Fr, Grumpkin};
    use crate::shape::{Csr, Shape};
    use ark_ff::{BigInteger, Field, PrimeField};
    use std::string::String;
    use std::sync::OnceLock;
    use std::vec::Vec;

    /// The intermediates file of the 3-step (`true`) or 1-step proof.
    pub fn intermediates(three: bool) -> &'static str {
        if three {
            include_str!("../notes/fixture/intermediates_proof3.txt")
        } else {
            include_str!("../notes/fixture/intermediates_proof1.txt")
        }
    }

    /// The raw proof bytes (nova bincode).
    pub fn proof_bytes(three: bool) -> &'static [u8] {
        if three {
            include_bytes!("../notes/fixture/proof.bin")
        } else {
            include_bytes!("../notes/fixture/proof1.bin")
        }
    }

    fn hex_to<F: PrimeField>(s: &str) -> F {
        let s = s.trim().trim_start_matches("0x");
        let s = if s.len() % 2 == 1 {
            std::format!("0{s}")
        } else {
            String::from(s)
        };
        let bytes: Vec<u8> = (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        F::from_be_bytes_mod_order(&bytes)
    }

    fn raw<'a>(text: &'a str, name: &str) -> &'a str {
        let prefix = std::format!("{name} = ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no {name}"))
    }

    /// A scalar or vector of scalars named `name`.
    pub fn scalars<F: PrimeField>(text: &str, name: &str) -> Vec<F> {
        raw(text, name)
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(hex_to)
            .collect()
    }

    /// One scalar.
    pub fn scalar<F: PrimeField>(text: &str, name: &str) -> F {
        scalars(text, name)[0]
    }

    /// A Grumpkin point written `(x, y)`.
    pub fn point(text: &str, name: &str) -> Grumpkin {
        let v: Vec<Fr> = raw(text, name)
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(hex_to)
            .collect();
        Grumpkin::new(v[0], v[1])
    }

    /// Field `key` inside a `{X: [..], comm_W: (..), comm_E: (..), u: ..}` line.
    pub fn instance(text: &str, name: &str) -> (Grumpkin, Grumpkin, Fq, [Fq; 2]) {
        let line = raw(text, name);
        let field = |k: &str| {
            let start = line.find(&std::format!("{k}: ")).unwrap() + k.len() + 2;
            let rest = &line[start..];
            let end = if rest.starts_with('[') || rest.starts_with('(') {
                rest.find([']', ')']).unwrap() + 1
            } else {
                rest.find(['}', ',']).unwrap()
            };
            &rest[..end]
        };
        let pt = |k: &str| {
            let v: Vec<Fr> = field(k)
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .map(hex_to)
                .collect();
            Grumpkin::new(v[0], v[1])
        };
        let x: Vec<Fq> = field("X")
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(hex_to)
            .collect();
        (pt("comm_W"), pt("comm_E"), hex_to(field("u")), [x[0], x[1]])
    }

    /// Reader over nova bincode bytes (test-only: decompresses halo2curves points).
    pub struct Reader<'a> {
        /// The bytes.
        pub b: &'a [u8],
        /// The read position.
        pub o: usize,
    }

    impl Reader<'_> {
        /// A little-endian u64.
        pub fn u64(&mut self) -> u64 {
            let v = u64::from_le_bytes(self.b[self.o..self.o + 8].try_into().unwrap());
            self.o += 8;
            v
        }
        /// A canonical LE32 scalar.
        pub fn fe<F: PrimeField>(&mut self) -> F {
            let v = F::from_le_bytes_mod_order(&self.b[self.o..self.o + 32]);
            assert_eq!(v.into_bigint().to_bytes_le(), &self.b[self.o..self.o + 32]);
            self.o += 32;
            v
        }
        /// A compressed Grumpkin point (halo2curves: flags 0x80 = y odd, 0x40 = identity).
        pub fn pt(&mut self) -> Grumpkin {
            let mut x = [0u8; 32];
            x.copy_from_slice(&self.b[self.o..self.o + 32]);
            self.o += 32;
            let (odd, inf) = (x[31] & 0x80 != 0, x[31] & 0x40 != 0);
            x[31] &= 0x3f;
            if inf {
                return Grumpkin::identity();
            }
            let x = Fr::from_le_bytes_mod_order(&x);
            let mut y = (x * x * x - Fr::from(17u64)).sqrt().unwrap();
            if y.into_bigint().is_odd() != odd {
                y = -y;
            }
            Grumpkin::new(x, y)
        }
        /// A vector with a u64 count.
        pub fn vec<T>(&mut self, f: impl Fn(&mut Self) -> T) -> Vec<T> {
            let n = self.u64() as usize;
            (0..n).map(|_| f(self)).collect()
        }
    }

    /// nova's secondary verifier key parts.
    pub struct NovaVk2 {
        /// `ck_v` generators.
        pub gens: Vec<Grumpkin>,
        /// `ck_v.h`.
        pub h: Grumpkin,
        /// `ck_s.ck[0]`.
        pub g_c: Grumpkin,
        /// The shape.
        pub shape: Shape,
    }

    /// The real secondary key from `$ZKML_NOVA_VK`, or `None` (tests then skip with a message).
    pub fn nova_vk2() -> Option<&'static NovaVk2> {
        static VK: OnceLock<Option<NovaVk2>> = OnceLock::new();
        VK.get_or_init(|| {
            let path = std::env::var("ZKML_NOVA_VK").ok()?;
            let b = std::fs::read(path).ok()?;
            let mut r = Reader {
                b: &b,
                o: 8 + 2 * 271_800 + 32 + 408,
            };
            let gens = r.vec(Reader::pt);
            let h = r.pt();
            let ck_s = r.vec(Reader::pt);
            let _h_s = r.pt();
            let (nc, nv, nio) = (r.u64() as u32, r.u64() as u32, r.u64() as u32);
            let mut mats: [Csr; 3] = Default::default();
            for m in mats.iter_mut() {
                m.data = r.vec(Reader::fe::<Fq>);
                m.indices = r.vec(Reader::u64);
                m.indptr = r.vec(Reader::u64);
                let _cols = r.u64();
            }
            let shape = Shape::from_csr(nc, nv, nio, [&mats[0], &mats[1], &mats[2]]).unwrap();
            Some(NovaVk2 {
                gens,
                h,
                g_c: ck_s[0],
                shape,
            })
        })
        .as_ref()
    }

    /// The S2 part of a fixture proof (bytes 7,360..12,104 of the bincode proof).
    pub fn nova_s2(three: bool) -> super::SecondarySnark {
        let mut r = Reader {
            b: proof_bytes(three),
            o: 1064 + 6296,
        };
        let sc = |r: &mut Reader| r.vec(|r| r.vec(Reader::fe::<Fq>));
        let sc_outer = sc(&mut r);
        let claims_outer = [r.fe(), r.fe(), r.fe()];
        let eval_e = r.fe();
        let sc_inner = sc(&mut r);
        let eval_w = r.fe();
        let sc_batch = sc(&mut r);
        let evals_batch = r.vec(Reader::fe::<Fq>);
        let l_vec = r.vec(Reader::pt);
        let r_vec = r.vec(Reader::pt);
        let a_hat = r.fe();
        assert_eq!(r.o, 1064 + 6296 + 4744);
        super::SecondarySnark {
            sc_outer,
            claims_outer,
            eval_e,
            sc_inner,
            eval_w,
            sc_batch,
            evals_batch,
            ipa: crate::ipa::IpaProof {
                l_vec,
                r_vec,
                a_hat,
            },
        }
    }

    /// `Un2` after derandomization, from the intermediates.
    pub fn un2(three: bool) -> crate::instance::RelaxedInstance<Grumpkin, Fq> {
        let (comm_w, comm_e, u, x) = instance(intermediates(three), "Un2_derandomized");
        crate::instance::RelaxedInstance {
            comm_w,
            comm_e,
            x,
            u,
        }
    }

    /// `G_c` of nova's IPA key (second point of `from_label("ipa", 2)`).
    pub fn g_c() -> Grumpkin {
        let x = "0x1fec929d8d41481bf0a0a691ef0d9cb69a8e83a6710715b7c694d07554bf8e24";
        let y = "0x10cc0ec5d233ff8e2bce98b76c4a243ee237133e44f88e265c7e46dd750870d9";
        Grumpkin::new(hex_to(x), hex_to(y))
    }

    /// The real [`super::SecondaryKey`] if `ZKML_NOVA_VK` is set.
    pub fn key() -> Option<super::SecondaryKey> {
        let vk = nova_vk2()?;
        Some(super::SecondaryKey::new(
            vk.shape.clone(),
            vk.gens.clone(),
            vk.g_c,
            vk.h,
            crate::field::from_le32_canonical(&super::NOVA_VK_DIGEST).unwrap(),
        ))
    }

    /// Prints the skip message and returns the key if present.
    pub fn nova_vk2_or_skip(test: &str) -> Option<&'static NovaVk2> {
        let vk = nova_vk2();
        if vk.is_none() {
            std::eprintln!("{test}: skipped (set ZKML_NOVA_VK to nova's fixture vk.bin)");
        }
        vk
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;
    use alloc::boxed::Box;
    use alloc::vec;
    use ark_ec::AffineRepr;

    /// Runs the transcript part on a fixture proof with the matrix evaluations taken from the
    /// intermediates (no shape needed), checking `r_x`, `r_y` on the way.
    fn transcript_part(
        three: bool,
        proof: &SecondarySnark,
        u: &RelaxedInstance<Grumpkin, Fq>,
    ) -> Result<IpaCheck, VerifyError> {
        let text = intermediates(three);
        let digest = crate::field::from_le32_canonical(&NOVA_VK_DIGEST).unwrap();
        let (claim, ipa) = run_transcript(&digest, 16384, 16384, u, proof, &mut Cost::default())?;
        let (rx, ry): (Vec<Fq>, Vec<Fq>) = (scalars(text, "S2.r_x"), scalars(text, "S2.r_y"));
        let [va, vb, vc] = if claim.r_x == rx && claim.r_y == ry {
            [
                scalar(text, "S2.v_A"),
                scalar(text, "S2.v_B"),
                scalar(text, "S2.v_C"),
            ]
        } else {
            [Fq::one(); 3]
        };
        if claim.e != (va + claim.r * vb + claim.r.square() * vc) * claim.eval_z {
            return Err(VerifyError::Check("secondary: inner sum-check final claim"));
        }
        Ok(ipa)
    }

    /// The IPA check with `Σ â·s_i·G_i = â·Ĝ` taken from the intermediates (`Ĝ` = `g_hat`), the rest
    /// of the MSM ([`IpaCheck::msm_extra_bases`]) computed here.
    fn ipa_holds(
        ipa: &IpaCheck,
        proof: &SecondarySnark,
        g_hat: &Grumpkin,
    ) -> Result<(), VerifyError> {
        use ark_ec::VariableBaseMSM;
        use ark_ff::Zero;
        let s = ipa.msm_scalars(&proof.ipa, &mut Cost::default());
        let extra = ipa.msm_extra_bases(&proof.ipa, &g_c())?;
        let rest = ark_ec::short_weierstrass::Projective::msm(&extra, &s[s.len() - extra.len()..])
            .unwrap();
        if (rest + *g_hat * proof.ipa.a_hat).is_zero() {
            Ok(())
        } else {
            Err(VerifyError::Check("ipa"))
        }
    }

    #[test]
    fn fixture_intermediates_and_ipa_equation() {
        for three in [true, false] {
            let text = intermediates(three);
            let (proof, u) = (nova_s2(three), un2(three));
            let ipa = transcript_part(three, &proof, &u).unwrap();
            assert_eq!(ipa.comm, point(text, "S2.C"));
            assert_eq!(ipa.eval, scalar::<Fq>(text, "S2.v"));
            assert_eq!(ipa.r0, scalar::<Fq>(text, "IPA.r0"));
            assert_eq!(ipa.x, scalars::<Fq>(text, "IPA.x"));
            assert_eq!(ipa.b_hat, scalar::<Fq>(text, "IPA.b_hat"));
            let g_hat = point(text, "IPA.G_hat");
            ipa_holds(&ipa, &proof, &g_hat).unwrap();
            assert!(ipa_holds(&ipa, &proof, &g_c()).is_err());
        }
    }

    #[test]
    fn fixture_tampering_rejected() {
        let (proof, u) = (nova_s2(true), un2(true));
        let g_hat = point(intermediates(true), "IPA.G_hat");
        let accepts = |p: &SecondarySnark, u: &RelaxedInstance<Grumpkin, Fq>| {
            transcript_part(true, p, u).and_then(|ipa| ipa_holds(&ipa, p, &g_hat))
        };
        accepts(&proof, &u).unwrap();
        let one = Fq::one();
        type Tamper<'a> = Box<dyn Fn(&mut SecondarySnark) + 'a>;
        let tampered: Vec<(&str, Tamper)> = vec![
            ("sc_outer", Box::new(|p| p.sc_outer[3][1] += one)),
            ("claims_outer", Box::new(|p| p.claims_outer[1] += one)),
            ("eval_e", Box::new(|p| p.eval_e += one)),
            ("sc_inner", Box::new(|p| p.sc_inner[0][0] += one)),
            ("eval_w", Box::new(|p| p.eval_w += one)),
            ("sc_batch", Box::new(|p| p.sc_batch[13][0] += one)),
            ("evals_batch", Box::new(|p| p.evals_batch[1] += one)),
            ("evals_batch length", Box::new(|p| p.evals_batch.push(one))),
            (
                "sc_outer rounds",
                Box::new(|p| {
                    p.sc_outer.pop();
                }),
            ),
            ("empty round poly", Box::new(|p| p.sc_inner[2].clear())),
            ("long round poly", Box::new(|p| p.sc_batch[0].push(one))),
            ("L", Box::new(|p| p.ipa.l_vec[0] = p.ipa.r_vec[0])),
            ("R", Box::new(|p| p.ipa.r_vec[13] = Grumpkin::generator())),
            ("a_hat", Box::new(|p| p.ipa.a_hat += one)),
            (
                "rounds",
                Box::new(|p| {
                    p.ipa.l_vec.pop();
                    p.ipa.r_vec.pop();
                }),
            ),
        ];
        for (name, f) in tampered {
            let mut p = proof.clone();
            f(&mut p);
            assert!(accepts(&p, &u).is_err(), "{name} accepted");
        }
        let mut v = u.clone();
        v.u += one;
        assert!(accepts(&proof, &v).is_err());
        let mut v = u.clone();
        v.x[1] += one;
        assert!(accepts(&proof, &v).is_err());
        let mut v = u.clone();
        v.comm_w = (v.comm_w + Grumpkin::generator()).into_affine();
        assert!(accepts(&proof, &v).is_err());
        let mut v = u.clone();
        v.comm_e = Grumpkin::identity();
        assert!(accepts(&proof, &v).is_err());
    }

    #[test]
    fn snark_scale_round_trip() {
        let proof = nova_s2(false);
        let bytes = proof.encode();
        assert_eq!(
            crate::wire::codec::decode_all::<SecondarySnark>(&bytes).unwrap(),
            proof
        );
        assert!(
            crate::wire::codec::decode_all::<SecondarySnark>(&bytes[..bytes.len() - 1]).is_err()
        );
        // A non-canonical a_hat (last 32 bytes).
        let mut bad = bytes.clone();
        let n = bad.len();
        bad[n - 32..].copy_from_slice(&[0xff; 32]);
        assert!(crate::wire::codec::decode_all::<SecondarySnark>(&bad).is_err());
        // An off-curve L_0: its y is bytes 32..64 of the first point after the sum-checks and evals.
        let mut bad = bytes.clone();
        let pos = n - 32 - 1 - 14 * 65 - 1 - 14 * 65 + 32;
        bad[pos] ^= 1;
        assert!(crate::wire::codec::decode_all::<SecondarySnark>(&bad).is_err());
    }

    #[test]
    fn key_codec_and_checks() {
        use crate::shape::Csr;
        let csr = Csr {
            data: vec![Fq::one(), Fq::from(5u64)],
            indices: vec![0, 3],
            indptr: vec![0, 1, 2, 2, 2],
        };
        let shape = Shape::from_csr(4, 2, 1, [&csr, &csr, &csr]).unwrap();
        let g = Grumpkin::generator();
        let gens = vec![g, (g + g).into_affine()];
        let key = SecondaryKey::new(shape, gens.clone(), g, g, Fq::from(7u64));
        assert_eq!(key.gens(), &gens[..]);
        let bytes = key.encode();
        assert_eq!(
            crate::wire::codec::decode_all::<SecondaryKey>(&bytes).unwrap(),
            key
        );
        assert!(crate::wire::codec::decode_all::<SecondaryKey>(&bytes[..bytes.len() - 1]).is_err());
        // A generator off the curve (its y is the 33rd..64th byte after the shape and the length).
        let mut bad = bytes.clone();
        let pos = key.shape.encode().len() + 1 + 32;
        bad[pos] ^= 1;
        assert!(crate::wire::codec::decode_all::<SecondaryKey>(&bad).is_err());
        // The fixture proof against this tiny key: wrong sizes are rejected, not a panic.
        let (proof, u) = (nova_s2(true), un2(true));
        assert!(verify(&key, &u, &proof).is_err());
    }

    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn real_key_end_to_end() {
        let Some(key) = key() else {
            std::eprintln!(
                "real_key_end_to_end: skipped (set ZKML_NOVA_VK to nova's fixture vk.bin)"
            );
            return;
        };
        let bytes = key.encode();
        std::eprintln!("secondary key: {} bytes SCALE", bytes.len());
        assert_eq!(
            crate::wire::codec::decode_all::<SecondaryKey>(&bytes).unwrap(),
            key
        );
        for three in [true, false] {
            let (proof, u) = (nova_s2(three), un2(three));
            verify(&key, &u, &proof).unwrap();
            // Resumable, one message = 288k: `start` and the scalars in the first message, then MSM
            // messages, the state through SCALE between messages; scalars kept, or recomputed in each.
            for keep in [true, false] {
                let mut cost = Cost::default();
                let mut v = SecondaryVerification::start(&key, &u, &proof, &mut cost).unwrap();
                let kept = v.scalars(&proof, &mut cost);
                let first = cost;
                assert!(first.total() <= 288_000);
                let mut messages = 1;
                loop {
                    messages += 1;
                    v = SecondaryVerification::decode(&mut &v.encode()[..]).unwrap();
                    let mut c = Cost::default();
                    let scalars = if keep {
                        kept.clone()
                    } else {
                        v.scalars(&proof, &mut c)
                    };
                    let budget = 288_000 - c.total();
                    let done = v.advance(&key, &proof, &scalars, budget, &mut c).unwrap();
                    assert!(c.total() <= 288_000);
                    cost.mults += c.mults;
                    cost.invs += c.invs;
                    if done {
                        break;
                    }
                }
                std::eprintln!(
                    "secondary (proof {}): start + scalars {} mults + {} inversions; total {} \
                     mult-equivalents; {messages} messages of 288k (scalars {})",
                    if three { 3 } else { 1 },
                    first.mults,
                    first.invs,
                    cost.total(),
                    if keep { "kept" } else { "recomputed in each" }
                );
            }
            let mut bad = proof.clone();
            bad.ipa.a_hat += Fq::one();
            assert_eq!(
                verify(&key, &u, &bad),
                Err(VerifyError::Check("secondary: IPA equation"))
            );
        }
        // Scalars of the wrong length.
        let (proof, u) = (nova_s2(true), un2(true));
        let mut v = SecondaryVerification::start(&key, &u, &proof, &mut Cost::default()).unwrap();
        let few = Scalars::glv(&[Fq::one()], &mut Cost::default());
        assert!(
            v.advance(&key, &proof, &few, u64::MAX, &mut Cost::default())
                .is_err()
        );
        let mut bad_key = key.clone();
        bad_key.digest += Fq::one();
        assert!(verify(&bad_key, &un2(true), &nova_s2(true)).is_err());
        bad_key = key.clone();
        bad_key.glv_bases.truncate(16384);
        assert!(
            SecondaryVerification::start(
                &bad_key,
                &un2(true),
                &nova_s2(true),
                &mut Cost::default()
            )
            .is_err()
        );
    }
}

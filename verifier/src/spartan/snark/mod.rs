//! The secondary SNARK: nova's Spartan `snark::RelaxedR1CSSNARK` over Grumpkin with the IPA
//! polynomial commitment (SPEC §7).
//!
//! The verification runs in stages (see [`crate::Verification`] for their work figures):
//! 1. [`transcript`]: the transcript, the outer, inner and batch sum-checks with the final checks
//!    of the outer and batch ones, and the IPA challenges. The inner sum-check's final claim needs
//!    the shape evaluation and is returned as a [`MatrixClaim`].
//! 2. [`MatrixClaim::check`]: the shape evaluation (two eq tables over the constraints and the
//!    variables, then the shape's own multiplications) and the inner final check.
//! 3. [`IpaMsm::new`]: the scalars of the IPA check's MSM.
//! 4. [`IpaMsm::step`] with a budget until it returns `true`: one MSM over the 16,384 generators,
//!    through the key's table of their multiples, and over `L_j, R_j, G_c, C` (30 more points),
//!    in as many slices as the budgets require.
//!
//! [`verify`] does it all at once.

mod key;

pub use key::SecondaryKey;
pub(crate) use key::{SecondaryHead, TableReader};

use crate::codec::{read_scalar, read_sumcheck, read_vec, write_scalar, write_sumcheck, write_vec};
use crate::error::VerifyError;
use crate::field::{Fq, Grumpkin};
use crate::instance::RelaxedInstance;
use crate::meter::Meter;
use crate::msm::{Cost, Point, SplitMsm};
use crate::pcs::ipa::{IpaCheck, IpaProof};
use crate::spartan::polys::{eq, eq_table_fe, sparse_eval};
use crate::spartan::shape::Shape;
use crate::spartan::sumcheck;
use crate::transcript::Transcript;
use alloc::boxed::Box;
use alloc::vec::Vec;
use ark_ec::CurveGroup;
use ark_ff::{Field, One};
use parity_scale_codec::{Decode, Encode, Input, Output};

/// Bound of the work [`IpaMsm::step`] counts before the MSM's first unit of a call: two per extra
/// base (the IPA's `L_j`, `R_j`, `G_c` and `C`: `2·log2(n) + 2`, 30 for 16,384 generators), put
/// in the kernel's form.
pub(crate) const EXTRA_BASES_BOUND: u64 = 64;

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

/// The inner sum-check's final claim, deferred so that the matrix evaluation can run in a message of
/// its own: `e == (Ã + r·B̃ + r²·C̃)(r_x, r_y)·eval_z`. The transcript does not depend on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MatrixClaim {
    /// The outer sum-check's point.
    r_x: Vec<Fq>,
    /// The inner sum-check's point.
    r_y: Vec<Fq>,
    /// The matrix batching challenge.
    r: Fq,
    /// The inner sum-check's final value.
    e: Fq,
    /// `Z(r_y)`.
    eval_z: Fq,
}

impl MatrixClaim {
    /// Evaluates the shape's matrices at the claim's point and checks the claim.
    pub(crate) fn check(&self, shape: &Shape, cost: &mut Cost) -> Result<(), VerifyError> {
        let (nx, ny) = (self.r_x.len(), self.r_y.len());
        let ry = self
            .r_y
            .split_first()
            .ok_or(VerifyError::Malformed("secondary: r_y"))?;
        let mut tx = eq_table_fe(&self.r_x);
        let v = shape.eval_combined(&mut tx, &eq_table_fe(ry.1), *ry.0, self.r)?;
        cost.mults +=
            shape.mult_count() as u64 + (1u64 << nx) + (1u64 << (ny - 1)) + 4 * (nx + ny) as u64;
        if self.e != v * self.eval_z {
            return Err(VerifyError::Check("secondary: inner sum-check final claim"));
        }
        Ok(())
    }
}

fn log2(n: u32) -> usize {
    n.trailing_zeros() as usize
}

/// The transcript stage for `instance` (`Un2` after derandomization): the sum-checks with their
/// final checks (the inner one deferred to [`MatrixClaim::check`]) and the IPA challenges.
pub(crate) fn transcript(
    key: &SecondaryKey,
    instance: &RelaxedInstance<Grumpkin, Fq>,
    proof: &SecondarySnark,
    cost: &mut Cost,
) -> Result<(MatrixClaim, IpaCheck), VerifyError> {
    let shape = &key.shape;
    let (claim, ipa) = run_transcript(
        &key.digest,
        shape.num_cons,
        shape.num_vars,
        instance,
        proof,
        cost,
    )?;
    if key.num_gens() != 1 << ipa.x.len() {
        return Err(VerifyError::Malformed("secondary: generator count"));
    }
    Ok((claim, ipa))
}

/// The IPA check's MSM `Σ â·s_i·G_i + …` in progress: the IPA state and the MSM state, kept
/// between calls.
#[derive(Clone, Debug)]
pub(crate) struct IpaMsm {
    /// The IPA state after its transcript part.
    ipa: IpaCheck,
    /// The MSM over the generators and the IPA's own bases ([`IpaCheck::msm_scalars`]).
    msm: Box<SplitMsm>,
}

impl IpaMsm {
    /// Computes the MSM scalars of the IPA check (≈ 2·2^k multiplication equivalents).
    pub(crate) fn new(
        ipa: IpaCheck,
        proof: &SecondarySnark,
        cost: &mut Cost,
    ) -> Result<Self, VerifyError> {
        let scalars = ipa.msm_scalars(&proof.ipa, Fq::one(), cost);
        let msm = Box::new(SplitMsm::new(&scalars, 1 << ipa.x.len(), cost)?);
        Ok(Self { ipa, msm })
    }

    /// Advances the MSM while `meter` (in multiplication equivalents) covers its next unit of
    /// work. Returns `Ok(true)` once
    /// the MSM is complete and the IPA equation holds (the secondary SNARK is verified),
    /// `Ok(false)` while work remains.
    pub(crate) fn step(
        &mut self,
        key: &SecondaryKey,
        proof: &SecondarySnark,
        meter: &mut dyn Meter,
        cost: &mut Cost,
    ) -> Result<bool, VerifyError> {
        let extra = self.ipa.msm_extra_bases(&proof.ipa, &key.g_c)?;
        let extra: Vec<Point> = extra.iter().map(Point::from_ark).collect();
        cost.mults += 2 * extra.len() as u64;
        meter.spend(2 * extra.len() as u64);
        match self.msm.step(&key.table, &extra, meter, cost)? {
            Some(true) => Ok(true),
            Some(false) => Err(VerifyError::Check("secondary: IPA equation")),
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
pub(crate) fn verify(
    key: &SecondaryKey,
    instance: &RelaxedInstance<Grumpkin, Fq>,
    proof: &SecondarySnark,
) -> Result<(), VerifyError> {
    let mut cost = Cost::default();
    let (claim, ipa) = transcript(key, instance, proof, &mut cost)?;
    claim.check(&key.shape, &mut cost)?;
    let mut msm = IpaMsm::new(ipa, proof, &mut cost)?;
    if msm.step(key, proof, &mut { u64::MAX }, &mut cost)? {
        Ok(())
    } else {
        Err(VerifyError::Check("secondary: MSM did not finish"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all;
    use crate::field::{Fr, from_le32_canonical};
    use crate::fixture::*;
    use alloc::boxed::Box;
    use alloc::vec;
    use ark_ec::AffineRepr;
    use ark_grumpkin::GrumpkinConfig;

    /// The S2 part of a fixture proof.
    fn nova_s2(three: bool) -> SecondarySnark {
        proof(proof_bytes(three)).secondary
    }

    /// `Un2` after derandomization, from the intermediates.
    fn un2(three: bool) -> RelaxedInstance<Grumpkin, Fq> {
        relaxed::<GrumpkinConfig>(intermediates(three), "Un2_derandomized")
    }

    /// `G_c` of nova's IPA key (second point of `from_label("ipa", 2)`).
    fn g_c() -> Grumpkin {
        let c = hex_values::<Fr>(
            "0x1fec929d8d41481bf0a0a691ef0d9cb69a8e83a6710715b7c694d07554bf8e24, \
             0x10cc0ec5d233ff8e2bce98b76c4a243ee237133e44f88e265c7e46dd750870d9",
        );
        Grumpkin::new(c[0], c[1])
    }

    /// The real secondary key if `ZKML_NOVA_VK` is set.
    fn key() -> Option<SecondaryKey> {
        nova_vk().map(|vk| vk.constants.secondary.clone())
    }

    /// Runs the transcript part on a fixture proof with the matrix evaluations taken from the
    /// intermediates (no shape needed), checking `r_x`, `r_y` on the way.
    fn transcript_part(
        three: bool,
        proof: &SecondarySnark,
        u: &RelaxedInstance<Grumpkin, Fq>,
    ) -> Result<IpaCheck, VerifyError> {
        let text = intermediates(three);
        let digest = from_le32_canonical(&NOVA_VK_DIGEST).unwrap();
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
        let s = ipa.msm_scalars(&proof.ipa, Fq::one(), &mut Cost::default());
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
            assert_eq!(ipa.comm, point::<GrumpkinConfig>(text, "S2.C"));
            assert_eq!(ipa.eval, scalar::<Fq>(text, "S2.v"));
            assert_eq!(ipa.r0, scalar::<Fq>(text, "IPA.r0"));
            assert_eq!(ipa.x, scalars::<Fq>(text, "IPA.x"));
            assert_eq!(ipa.b_hat, scalar::<Fq>(text, "IPA.b_hat"));
            let g_hat = point::<GrumpkinConfig>(text, "IPA.G_hat");
            ipa_holds(&ipa, &proof, &g_hat).unwrap();
            assert!(ipa_holds(&ipa, &proof, &g_c()).is_err());
        }
    }

    #[test]
    fn fixture_tampering_rejected() {
        let (proof, u) = (nova_s2(true), un2(true));
        let g_hat = point::<GrumpkinConfig>(intermediates(true), "IPA.G_hat");
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
        assert_eq!(decode_all::<SecondarySnark>(&bytes).unwrap(), proof);
        assert!(decode_all::<SecondarySnark>(&bytes[..bytes.len() - 1]).is_err());
        // A non-canonical a_hat (last 32 bytes).
        let mut bad = bytes.clone();
        let n = bad.len();
        bad[n - 32..].copy_from_slice(&[0xff; 32]);
        assert!(decode_all::<SecondarySnark>(&bad).is_err());
        // An off-curve L_0: its y is bytes 32..64 of the first point after the sum-checks and evals.
        let mut bad = bytes.clone();
        let pos = n - 32 - 1 - 14 * 65 - 1 - 14 * 65 + 32;
        bad[pos] ^= 1;
        assert!(decode_all::<SecondarySnark>(&bad).is_err());
    }

    #[test]
    fn key_codec_and_checks() {
        use crate::fixture::{Csr, shape_from_csr};
        let csr = Csr {
            data: vec![Fq::one(), Fq::from(5u64)],
            indices: vec![0, 3],
            indptr: vec![0, 1, 2, 2, 2],
        };
        let shape = shape_from_csr(4, 2, 1, [&csr, &csr, &csr]).unwrap();
        let g = Grumpkin::generator();
        let gens = vec![g, (g + g).into_affine()];
        let key = SecondaryKey::new(shape, gens.clone(), g, g, Fq::from(7u64));
        // Layer w of the table holds 2^{15·w}·G_i.
        let n = gens.len();
        assert_eq!(key.num_gens(), n);
        for (w, layer) in key.table.chunks(n).enumerate() {
            for (p, g) in layer.iter().zip(&gens) {
                let k = Fq::from(2u64).pow([15 * w as u64]);
                assert_eq!(p.to_ark(), (*g * k).into_affine());
            }
        }
        let bytes = key.encode();
        assert_eq!(decode_all::<SecondaryKey>(&bytes).unwrap(), key);
        assert!(decode_all::<SecondaryKey>(&bytes[..bytes.len() - 1]).is_err());
        // A table coordinate that is not canonical (the first point's x: limbs of all ones).
        let mut bad = bytes.clone();
        bad[4..40].copy_from_slice(&[0xff; 36]);
        assert!(decode_all::<SecondaryKey>(&bad).is_err());
        // A table of 17 layers of 3 points, or one point short.
        let (table, rest) = bytes[4..].split_at(72 * 2 * 17);
        for points in [
            [table, &table[..72 * 17]].concat(),
            table[..72 * 33].to_vec(),
        ] {
            let mut bad = ((points.len() / 72) as u32).to_le_bytes().to_vec();
            bad.extend_from_slice(&points);
            bad.extend_from_slice(rest);
            assert!(decode_all::<SecondaryKey>(&bad).is_err());
        }
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
        assert_eq!(decode_all::<SecondaryKey>(&bytes).unwrap(), key);
        for three in [true, false] {
            let (proof, u) = (nova_s2(three), un2(three));
            verify(&key, &u, &proof).unwrap();
            // Resumable, one message = 288k: the transcript and the scalars in the first message
            // (the matrix claim is checked by `verify` above), then MSM messages.
            let mut cost = Cost::default();
            let (_, ipa) = transcript(&key, &u, &proof, &mut cost).unwrap();
            let mut msm = IpaMsm::new(ipa, &proof, &mut cost).unwrap();
            let first = cost;
            assert!(first.total() <= 288_000, "first message: {}", first.total());
            let mut messages = 1;
            loop {
                messages += 1;
                let mut c = Cost::default();
                let done = msm.step(&key, &proof, &mut 288_000, &mut c).unwrap();
                assert!(c.total() <= 288_000, "slice {}: {}", messages, c.total());
                cost.mults += c.mults;
                cost.invs += c.invs;
                if done {
                    break;
                }
            }
            std::eprintln!(
                "secondary (proof {}): transcript + scalars {} mults + {} inversions; total {} \
                 mult-equivalents; {messages} messages of 288k",
                if three { 3 } else { 1 },
                first.mults,
                first.invs,
                cost.total(),
            );
            let mut bad = proof.clone();
            bad.ipa.a_hat += Fq::one();
            assert_eq!(
                verify(&key, &u, &bad),
                Err(VerifyError::Check("secondary: IPA equation"))
            );
        }
        // Scalars of the wrong length.
        let (proof, u) = (nova_s2(true), un2(true));
        let (_, ipa) = transcript(&key, &u, &proof, &mut Cost::default()).unwrap();
        let mut few = IpaMsm {
            ipa,
            msm: Box::new(SplitMsm::new(&[Fq::one(); 40], 8, &mut Cost::default()).unwrap()),
        };
        assert!(
            few.step(&key, &proof, &mut { u64::MAX }, &mut Cost::default())
                .is_err()
        );
        let mut bad_key = key.clone();
        bad_key.digest += Fq::one();
        assert!(verify(&bad_key, &un2(true), &nova_s2(true)).is_err());
        bad_key = key.clone();
        bad_key.table.truncate(16384);
        assert!(transcript(&bad_key, &un2(true), &nova_s2(true), &mut Cost::default()).is_err());
    }
}

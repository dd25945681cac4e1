//! Verification of a compressed proof: at once ([`verify`], native use), or metered and resumable
//! ([`Verification`], for programs): a [`Verification`] owns the decoded proof and its statement,
//! and each [`Verification::advance`] works while its [`Meter`] covers the next piece of work, so
//! that a program can spread one verification over several messages and keep the state in memory
//! in between.
//!
//! Work is counted in units of about one BN254 field multiplication in a Gear program (2.6e6 gas
//! under gtest); a program's meter turns the gas a message has left into units each time it is
//! asked. The fixed stages (the folds, the primary SNARK, the secondary transcript, the IPA
//! scalars, the matrix claim) run whole when the meter covers their charge, an upper bound of
//! their measured cost; the 16,384-point IPA MSM runs in units of work (batches of points, levels
//! of a window's reduction), each started when the meter covers its bound.

use crate::constants::ConstantKey;
use crate::error::VerifyError;
use crate::field::{Fq, Fr, Grumpkin};
use crate::instance::RelaxedInstance;
use crate::meter::{Counted, Granted, Meter, Weighted};
use crate::msm::{Cost, SplitMsm};
use crate::nova::{Folded, fold};
use crate::pcs::hyperkzg::PairingInputs;
use crate::pcs::ipa::IpaCheck;
use crate::spartan::ppsnark;
use crate::spartan::snark::{self, IpaMsm, MatrixClaim};
use crate::wire::{CompressedProof, VerifierKey};
use alloc::vec::Vec;

/// Work of the output hashes, folds and derandomization (about ten Poseidon permutations and
/// twelve scalar multiplications, on the field kernel): 1.127e11 gas measured alone in one message
/// under gtest (`cargo test --release --test gtest fixed_stages -- --nocapture`), 43,350 units;
/// charged with a 16 % margin.
pub(crate) const FOLD_UNITS: u64 = 51_000;
/// Work of the primary SNARK: sum-checks, a 37-point MSM (on the field kernel) and a two-pair
/// pairing: 2.70e11 gas measured alone in one message under gtest (`cargo test --release --test
/// gtest fixed_stages -- --nocapture`), 103,800 units; charged with a 16 % margin.
pub(crate) const PRIMARY_UNITS: u64 = 121_000;
/// Least work of a two-pair pairing (1.51e11 gas, `cargo run --release -p zkml-gas-bench`): a
/// batched proof defers its pairing, and its primary stage is charged [`PRIMARY_UNITS`] less this,
/// which stays an upper bound of the stage without the pairing.
pub(crate) const PAIRING_UNITS: u64 = 55_000;
/// Work of the secondary SNARK's transcript: its sum-checks and the IPA challenges.
pub(crate) const TRANSCRIPT_UNITS: u64 = 20_000;
/// Work of the secondary matrix claim: two 16,384-entry eq tables and the shape evaluation (B's
/// rows equal to A's evaluated once), on the field kernel: 2.345e11 gas measured alone in one
/// message under gtest (`cargo test --release --test gtest fixed_stages -- --nocapture`), 90,200
/// units; charged with a 16 % margin.
pub(crate) const MATRIX_UNITS: u64 = 105_000;
/// Work of the IPA MSM's scalars (the IPA's `s_i`, as canonical integers): 7.01e10 gas
/// measured alone in one message under gtest (`cargo test --release --test gtest fixed_stages --
/// --nocapture`), 26,970 units; charged with a 17 % margin. A batch charges its combined scalars,
/// less work, the same.
pub(crate) const SCALAR_UNITS: u64 = 31_500;
/// Units one multiplication counted inside the MSM costs, in hundredths. The MSM counts the field
/// kernel's multiplications (1.0e6 gas each), doublings' extra work, copies of points and a
/// per-point allowance, and bounds each unit of work before it starts;
/// `msm_weight_bounds_the_worst_case` (benches/gas) checks under gtest that no unit, on typical or
/// on worst-case inputs (all doublings, empty buckets), costs more gas than it is charged.
/// Measured per counted multiplication (16,384 buckets): a typical batch 1.32e6 gas, the
/// costliest batch 1.52e6 (the binding unit: 90 % of its charge at 0.65 unit of 2.6e6 gas), a
/// first batch 0.83e6, a typical reduction 1.25e6, the costliest reduction 1.38e6.
pub(crate) const MSM_WEIGHT_PERCENT: u64 = 65;
/// Work of the IPA MSM over 16,384 Grumpkin points and the final check (2.2M counted
/// multiplication equivalents: 278,528 points through the key's table and one reduction, see
/// `msm_16384_matches_arkworks_and_counts`).
pub(crate) const MSM_UNITS: u64 = 2_200_000 * MSM_WEIGHT_PERCENT / 100;
/// Smallest MSM slice worth a call: the largest unit of the MSM's work and the IPA's extra bases
/// counted before it, so that a call given it always makes progress.
pub(crate) fn min_msm_slice() -> u64 {
    ((SplitMsm::largest_unit() + snark::EXTRA_BASES_BOUND) * MSM_WEIGHT_PERCENT).div_ceil(100)
}
/// Work of a whole verification, as reported by [`Progress::Pending`].
pub const TOTAL_UNITS: u64 =
    FOLD_UNITS + PRIMARY_UNITS + TRANSCRIPT_UNITS + MATRIX_UNITS + SCALAR_UNITS + MSM_UNITS;

/// nova's `CompressedSNARK::verify` (SPEC §2): returns `zn`, the output of `num_steps` steps of
/// the step function from `z0`, if the proof is valid for the model key `vk` and the constant key
/// `ck`. Runs everything at once (native use, tests); a program runs the same work in stages with
/// a [`Verification`].
///
/// # Errors
/// A [`VerifyError`] naming the check the proof fails.
pub fn verify(
    vk: &VerifierKey,
    ck: &ConstantKey,
    proof: &CompressedProof,
    z0: &[Fr],
    num_steps: u64,
) -> Result<Vec<Fr>, VerifyError> {
    let sk = &ck.secondary;
    let folded = fold(
        &vk.folding,
        &ck.oracles,
        &sk.h,
        &proof.folding,
        z0,
        num_steps,
    )?;
    ppsnark::verify(&vk.primary, &folded.primary, &proof.primary)?;
    snark::verify(sk, &folded.secondary, &proof.secondary)?;
    Ok(proof.folding.zn.clone())
}

/// The next piece of work of a [`Verification`]. Alone, a verification checks the secondary
/// matrix claim last, after the IPA MSM, so that the MSM's slices fill the first message after
/// the fixed stages; batched, before its IPA scalars, where the batch takes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The output hashes that bind `z0`, `zn` and `num_steps`, the three folds and the
    /// derandomization (SPEC §2).
    Folds,
    /// The primary SNARK for `Un1` (SPEC §8).
    Primary,
    /// The secondary SNARK's transcript for `Un2`: its sum-checks and the IPA challenges (SPEC §7).
    SecondaryTranscript,
    /// The secondary inner sum-check's deferred final claim: the shape evaluation.
    MatrixClaim,
    /// The IPA MSM's scalars.
    IpaScalars,
    /// The IPA MSM and the final IPA check, in slices.
    IpaMsm,
    /// Nothing: the proof verified.
    Done,
}

impl Stage {
    /// Units a call needs at least to make progress in this stage: the stage's estimated work
    /// for the fixed stages (the primary's without its pairing when `deferred`), the smallest
    /// slice for the MSM.
    fn units(self, deferred: bool) -> u64 {
        match self {
            Stage::Folds => FOLD_UNITS,
            Stage::Primary if deferred => PRIMARY_UNITS - PAIRING_UNITS,
            Stage::Primary => PRIMARY_UNITS,
            Stage::SecondaryTranscript => TRANSCRIPT_UNITS,
            Stage::MatrixClaim => MATRIX_UNITS,
            Stage::IpaScalars => SCALAR_UNITS,
            Stage::IpaMsm => min_msm_slice(),
            Stage::Done => 0,
        }
    }
}

/// Where a verification stands after [`Verification::advance`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// More work remains: `done` of about `total` units are done.
    Pending {
        /// Units done so far.
        done: u64,
        /// Estimated units of the whole verification.
        total: u64,
    },
    /// The proof verified; its public output `zn`.
    Done(Vec<Fr>),
}

/// What each stage starts from.
#[derive(Clone, Debug)]
enum State {
    /// Nothing yet.
    Folds,
    /// The two folded instances.
    Primary(Folded),
    /// `Un2`.
    SecondaryTranscript(RelaxedInstance<Grumpkin, Fq>),
    /// The deferred claim, and the IPA state when the IPA comes next (batched).
    MatrixClaim(MatrixClaim, Option<IpaCheck>),
    /// The IPA state, and the deferred claim when it comes after the IPA (alone).
    IpaScalars(IpaCheck, Option<MatrixClaim>),
    /// The MSM in progress, and the deferred claim when it comes next (alone).
    IpaMsm(IpaMsm, Option<MatrixClaim>),
    /// The proof verified.
    Done,
}

/// A verification in progress. After an error it is over: the proof is rejected (the state stays
/// at the stage that failed).
#[derive(Clone, Debug)]
pub struct Verification {
    state: State,
    proof: CompressedProof,
    z0: Vec<Fr>,
    num_steps: u64,
    done: u64,
    /// Set while the verification is part of a batch ([`crate::BatchVerification`]): the primary
    /// stage keeps its pairing inputs for the batch instead of pairing, and [`Verification::advance`]
    /// stops before the IPA scalars, whose check the batch combines.
    deferred: bool,
    /// The deferred pairing's inputs, once the primary stage ran deferred.
    pairing: Option<PairingInputs>,
}

impl Verification {
    /// Starts verifying `proof` for `num_steps` steps from `z0`.
    pub fn new(proof: CompressedProof, z0: Vec<Fr>, num_steps: u64) -> Self {
        Self {
            state: State::Folds,
            proof,
            z0,
            num_steps,
            done: 0,
            deferred: false,
            pairing: None,
        }
    }

    /// Units done so far (at most [`TOTAL_UNITS`]).
    pub fn done(&self) -> u64 {
        self.done
    }

    /// The next stage.
    pub fn stage(&self) -> Stage {
        match self.state {
            State::Folds => Stage::Folds,
            State::Primary(_) => Stage::Primary,
            State::SecondaryTranscript(_) => Stage::SecondaryTranscript,
            State::MatrixClaim(..) => Stage::MatrixClaim,
            State::IpaScalars(..) => Stage::IpaScalars,
            State::IpaMsm(..) => Stage::IpaMsm,
            State::Done => Stage::Done,
        }
    }

    /// Units the next stage needs at least.
    pub(crate) fn next_units(&self) -> u64 {
        self.stage().units(self.deferred)
    }

    /// Defers the pairing and the IPA check to a batch; only before any work is done.
    pub(crate) fn defer(&mut self) -> Result<(), VerifyError> {
        if self.done != 0 || !matches!(self.state, State::Folds) {
            return Err(VerifyError::Malformed(
                "batch: a verification already started",
            ));
        }
        self.deferred = true;
        Ok(())
    }

    /// Ends the deferral after the batch checked the pairing: the verification goes on alone
    /// from the IPA scalars.
    pub(crate) fn undefer(&mut self) {
        self.deferred = false;
    }

    /// The deferred pairing's inputs and the IPA state, once a deferred verification has reached
    /// the IPA scalars.
    pub(crate) fn deferred_checks(&self) -> Option<(&PairingInputs, &IpaCheck)> {
        match (&self.state, &self.pairing) {
            (State::IpaScalars(ipa, _), Some(pairing)) if self.deferred => Some((pairing, ipa)),
            _ => None,
        }
    }

    /// The proof under verification.
    pub(crate) fn proof(&self) -> &CompressedProof {
        &self.proof
    }

    /// Marks a deferred verification verified once the batch's checks covered its pairing and its
    /// IPA check; returns its output `zn`.
    pub(crate) fn complete(&mut self, units: u64) -> Vec<Fr> {
        self.state = State::Done;
        self.done = (self.done + units).min(TOTAL_UNITS);
        self.proof.folding.zn.clone()
    }

    /// Works while `meter` covers the next piece of work (a fixed stage's estimate, the MSM's
    /// next unit of work) and spends on it what each piece is charged. Every call must pass the
    /// same keys.
    ///
    /// # Errors
    /// A [`VerifyError`] if the proof is invalid (the stage that failed is spent), or
    /// [`VerifyError::Budget`] if `meter` does not cover the next stage (nothing was done).
    pub fn advance(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
    ) -> Result<Progress, VerifyError> {
        self.advance_listing(vk, ck, meter, &mut Vec::new())
    }

    /// [`Verification::advance`], listing in `ran` each stage it works on (the MSM once a call).
    pub(crate) fn advance_listing(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
        ran: &mut Vec<Stage>,
    ) -> Result<Progress, VerifyError> {
        let mut meter = Counted::new(meter);
        let pending = |done| Progress::Pending {
            done,
            total: TOTAL_UNITS,
        };
        loop {
            let stage = self.stage();
            if stage == Stage::Done {
                return Ok(Progress::Done(self.proof.folding.zn.clone()));
            }
            if self.deferred && stage == Stage::IpaScalars {
                // The batch takes over from here.
                return Ok(pending(self.done));
            }
            let needed = stage.units(self.deferred);
            if needed > meter.left() {
                if meter.spent == 0 {
                    return Err(VerifyError::Budget { needed });
                }
                return Ok(pending(self.done));
            }
            let before = meter.spent;
            ran.push(stage);
            // The stage was checked against this reading: the gas its start costs first must
            // not refuse it (the MSM's first unit of work).
            let result = self.step(vk, ck, &mut Granted::new(&mut meter, needed));
            if stage != Stage::IpaMsm {
                meter.spend(needed);
            }
            result?;
            self.done = (self.done + meter.spent - before).min(TOTAL_UNITS);
            if stage == Stage::IpaMsm && self.stage() == Stage::IpaMsm {
                // The MSM stopped where the meter ran short.
                return Ok(pending(self.done));
            }
        }
    }

    /// Runs the next stage (the MSM stage while `meter` covers its units of work).
    fn step(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
    ) -> Result<(), VerifyError> {
        let cost = &mut Cost::default();
        let sk = &ck.secondary;
        let proof = &self.proof;
        let next = match &mut self.state {
            State::Folds => State::Primary(fold(
                &vk.folding,
                &ck.oracles,
                &sk.h,
                &proof.folding,
                &self.z0,
                self.num_steps,
            )?),
            State::Primary(folded) => {
                if self.deferred {
                    let (_, inputs) =
                        ppsnark::reduce(&vk.primary, &folded.primary, &proof.primary)?;
                    self.pairing = Some(inputs);
                } else {
                    ppsnark::verify(&vk.primary, &folded.primary, &proof.primary)?;
                }
                State::SecondaryTranscript(folded.secondary.clone())
            }
            State::SecondaryTranscript(un2) => {
                let (claim, ipa) = snark::transcript(sk, un2, &proof.secondary, cost)?;
                if self.deferred {
                    State::MatrixClaim(claim, Some(ipa))
                } else {
                    State::IpaScalars(ipa, Some(claim))
                }
            }
            State::MatrixClaim(claim, ipa) => {
                claim.check(&sk.shape, cost)?;
                match ipa.take() {
                    Some(ipa) => State::IpaScalars(ipa, None),
                    None => State::Done,
                }
            }
            State::IpaScalars(ipa, claim) => State::IpaMsm(
                IpaMsm::new(ipa.clone(), &proof.secondary, cost)?,
                claim.take(),
            ),
            State::IpaMsm(msm, claim) => {
                let mut msm_meter = Weighted::new(meter, MSM_WEIGHT_PERCENT);
                if !msm.step(sk, &proof.secondary, &mut msm_meter, cost)? {
                    return Ok(());
                }
                match claim.take() {
                    Some(claim) => State::MatrixClaim(claim, None),
                    None => State::Done,
                }
            }
            State::Done => return Ok(()),
        };
        self.state = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::Oracles;
    use crate::fixture::{
        Csr, DK_SECONDARY, PROOF1, PROOF3, model_key, nova_vk_or_skip, proof, shape_from_csr,
    };
    use crate::nova_format::decompress;
    use crate::poseidon::RoField;
    use crate::spartan::snark::SecondaryKey;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::One;
    use std::vec;

    fn z0() -> Vec<Fr> {
        [2u64, 3].iter().map(|x| Fr::from(*x)).collect()
    }

    /// The fixture's model key, and a constant key with nova's oracles and `dk_secondary` but a
    /// tiny secondary key (the full one is 6.5 MB and not in the repository).
    fn keys() -> (VerifierKey, ConstantKey) {
        let model = model_key();
        let csr = Csr {
            data: vec![Fq::one()],
            indices: vec![0],
            indptr: vec![0, 1, 1, 1, 1],
        };
        let g = Grumpkin::generator();
        let secondary = SecondaryKey::new(
            shape_from_csr(4, 2, 1, [&csr, &csr, &csr]).unwrap(),
            vec![g, (g + g).into_affine()],
            g,
            decompress(&DK_SECONDARY).unwrap(),
            Fq::one(),
        );
        let vk = VerifierKey {
            folding: model.folding,
            primary: model.primary,
        };
        let oracles = Oracles {
            fr: Fr::embedded(),
            fq: Fq::embedded(),
        };
        (vk, ConstantKey { oracles, secondary })
    }

    /// Stages run whole when the budget covers them and count their fixed figures; a budget below
    /// the next stage does nothing; a failure leaves the stage where it failed.
    #[test]
    fn stages_and_work_accounting() {
        let (vk, ck) = keys();
        let mut v = Verification::new(proof(PROOF3), z0(), 3);
        assert_eq!((v.stage(), v.done()), (Stage::Folds, 0));
        assert_eq!(
            v.advance(&vk, &ck, &mut { FOLD_UNITS - 1 }),
            Err(VerifyError::Budget { needed: FOLD_UNITS })
        );
        assert_eq!((v.stage(), v.done()), (Stage::Folds, 0));
        let pending = |done| {
            Ok(Progress::Pending {
                done,
                total: TOTAL_UNITS,
            })
        };
        assert_eq!(
            v.advance(&vk, &ck, &mut { FOLD_UNITS }),
            pending(FOLD_UNITS)
        );
        assert_eq!(v.stage(), Stage::Primary);
        let both = FOLD_UNITS + PRIMARY_UNITS;
        assert_eq!(
            v.advance(&vk, &ck, &mut { PRIMARY_UNITS + TRANSCRIPT_UNITS - 1 }),
            pending(both)
        );
        assert_eq!((v.stage(), v.done()), (Stage::SecondaryTranscript, both));
        // The tiny secondary key is not the proof's: its transcript stage rejects the proof.
        assert!(v.advance(&vk, &ck, &mut { TOTAL_UNITS }).is_err());
        assert_eq!((v.stage(), v.done()), (Stage::SecondaryTranscript, both));
        // A wrong statement fails the folds.
        let mut v = Verification::new(proof(PROOF3), z0(), 2);
        assert!(matches!(
            v.advance(&vk, &ck, &mut { TOTAL_UNITS }),
            Err(VerifyError::Check(_))
        ));
        assert_eq!((v.stage(), v.done()), (Stage::Folds, 0));
        // A tampered primary proof fails the primary stage.
        let mut bad = proof(PROOF1);
        bad.primary.eval_az += Fr::one();
        let mut v = Verification::new(bad, z0(), 1);
        assert!(v.advance(&vk, &ck, &mut { TOTAL_UNITS }).is_err());
        assert_eq!((v.stage(), v.done()), (Stage::Primary, FOLD_UNITS));
    }

    /// End to end with the real secondary key (set `ZKML_NOVA_VK` to nova's fixture vk, e.g. rebuilt by
    /// `notes/fixture/assemble_vk.py`): both fixture proofs verify; a wrong statement or a tampered
    /// secondary-side fold is rejected.
    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn verify_end_to_end_when_vk_available() {
        let Some(nova) = nova_vk_or_skip("verify_end_to_end_when_vk_available") else {
            return;
        };
        let vk = VerifierKey {
            folding: nova.model.folding.clone(),
            primary: nova.model.primary.clone(),
        };
        let ck = &nova.constants;
        for (bytes, steps) in [(PROOF3, 3), (PROOF1, 1)] {
            let proof = proof(bytes);
            let zn = verify(&vk, ck, &proof, &z0(), steps).unwrap();
            assert_eq!(zn, proof.folding.zn);
            assert!(verify(&vk, ck, &proof, &z0(), steps + 1).is_err());
        }
        let mut proof = proof(PROOF3);
        proof.folding.wit_blind_secondary += Fq::one();
        assert!(matches!(
            verify(&vk, ck, &proof, &z0(), 3),
            Err(VerifyError::Check(m)) if m.starts_with("secondary")
        ));
    }

    /// The staged [`Verification`] reaches the same verdicts as [`verify`], failing in the stage that checks the tampered part (needs `ZKML_NOVA_VK`, see above).
    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn staged_verifier_when_vk_available() {
        let Some(nova) = nova_vk_or_skip("staged_verifier_when_vk_available") else {
            return;
        };
        let vk = VerifierKey {
            folding: nova.model.folding.clone(),
            primary: nova.model.primary.clone(),
        };
        let ck = &nova.constants;
        let run = |proof: &CompressedProof, steps: u64| {
            let mut v = Verification::new(proof.clone(), z0(), steps);
            let mut calls = 0;
            loop {
                calls += 1;
                match v.advance(&vk, ck, &mut 400_000) {
                    Ok(Progress::Done(zn)) => return Ok((zn, calls)),
                    Ok(Progress::Pending { .. }) => assert!(calls < 1000),
                    Err(e) => return Err((e, v.stage())),
                }
            }
        };
        let proof = proof(PROOF3);
        let (zn, calls) = run(&proof, 3).unwrap();
        assert_eq!(zn, proof.folding.zn);
        assert!(calls > 4, "{calls}");
        assert_eq!(run(&proof, 2).unwrap_err().1, Stage::Folds);
        let mut bad = proof.clone();
        bad.folding.err_blind_primary += Fr::one();
        assert_eq!(run(&bad, 3).unwrap_err().1, Stage::Primary);
        let mut bad = proof.clone();
        bad.folding.err_blind_secondary += Fq::one();
        assert_eq!(run(&bad, 3).unwrap_err().1, Stage::SecondaryTranscript);
        let mut bad = proof;
        bad.secondary.ipa.a_hat += Fq::one();
        assert_eq!(run(&bad, 3).unwrap_err().1, Stage::IpaMsm);
    }
}

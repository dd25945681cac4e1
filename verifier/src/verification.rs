//! Budgeted, resumable verification for programs: a [`Verification`] owns the decoded proof and its
//! statement, and each [`Verification::advance`] does at most a given amount of work, so that a program can
//! spread one verification over several messages and keep the state in between.
//!
//! Work is counted in units of about one BN254 field multiplication in a Gear program (2.6e6 gas under
//! gtest); a program converts the gas a message has left into units. The fixed stages (the folds, the
//! primary SNARK, the secondary transcript, its matrix claim, the IPA scalars) run whole when the budget
//! covers their measured cost; the 16,384-point IPA MSM runs in slices of whatever budget remains.

use crate::constants::ConstantKey;
use crate::error::VerifyError;
use crate::field::Fr;
use crate::msm::Cost;
use crate::nova::Verifier;
use crate::wire::{CompressedProof, VerifierKey};
use alloc::vec::Vec;

/// Work of the output hashes, folds and derandomization (about ten Poseidon permutations).
pub const FOLD_UNITS: u64 = 125_000;
/// Work of the primary SNARK: sum-checks, a 37-point MSM and a two-pair pairing.
pub const PRIMARY_UNITS: u64 = 145_000;
/// Work of the secondary SNARK's transcript: its sum-checks and the IPA challenges.
pub const TRANSCRIPT_UNITS: u64 = 20_000;
/// Work of the secondary matrix claim: two 16,384-entry eq tables and the shape evaluation.
pub const MATRIX_UNITS: u64 = 195_000;
/// Work of the IPA MSM's GLV-split scalars.
pub const SCALAR_UNITS: u64 = 140_000;
/// Units one multiplication counted inside the MSM costs, in tenths: batch-affine additions do much
/// besides multiplying (measured under gtest: up to about 2.3 units in the costliest slices).
pub const MSM_WEIGHT_TENTHS: u64 = 26;
/// Work of the IPA MSM over 16,384 Grumpkin points and the final check (2.36M counted
/// multiplications).
pub const MSM_UNITS: u64 = 2_400_000 * MSM_WEIGHT_TENTHS / 10;
/// Smallest MSM slice worth a call.
pub const MIN_MSM_SLICE: u64 = 20_000;
/// Number of the MSM stage in [`Verifier::stage`].
const MSM_STAGE: u8 = 5;
/// Work of a whole verification, as reported by [`Progress::Pending`].
pub const TOTAL_UNITS: u64 =
    FOLD_UNITS + PRIMARY_UNITS + TRANSCRIPT_UNITS + MATRIX_UNITS + SCALAR_UNITS + MSM_UNITS;

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

/// A verification in progress. After an error it is over: the proof is rejected.
#[derive(Clone, Debug)]
pub struct Verification {
    verifier: Verifier,
    proof: CompressedProof,
    z0: Vec<Fr>,
    num_steps: u64,
    done: u64,
}

impl Verification {
    /// Starts verifying `proof` for `num_steps` steps from `z0`.
    pub fn new(proof: CompressedProof, z0: Vec<Fr>, num_steps: u64) -> Self {
        Self {
            verifier: Verifier::new(),
            proof,
            z0,
            num_steps,
            done: 0,
        }
    }

    /// Units done so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Units the next call needs at least to make progress.
    pub fn next_units(&self) -> u64 {
        match self.verifier.stage() {
            0 => FOLD_UNITS,
            1 => PRIMARY_UNITS,
            2 => TRANSCRIPT_UNITS,
            3 => MATRIX_UNITS,
            4 => SCALAR_UNITS,
            _ => MIN_MSM_SLICE,
        }
    }

    /// Does at most `budget` units of work (estimated for the fixed stages, counted for the MSM).
    ///
    /// # Errors
    /// A [`VerifyError`] if the proof is invalid, or [`VerifyError::Budget`] if `budget` does not cover the
    /// next stage (nothing was done).
    pub fn advance(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        budget: u64,
    ) -> Result<Progress, VerifyError> {
        let mut spent = 0;
        loop {
            let stage = self.verifier.stage();
            let needed = self.next_units();
            if spent + needed > budget {
                if spent == 0 {
                    return Err(VerifyError::Budget { needed });
                }
                return Ok(Progress::Pending {
                    done: self.done,
                    total: TOTAL_UNITS,
                });
            }
            let mut cost = Cost::default();
            let statement = (self.z0.as_slice(), self.num_steps);
            let msm_budget = (budget - spent) * 10 / MSM_WEIGHT_TENTHS;
            let zn =
                self.verifier
                    .advance(vk, ck, &self.proof, statement, msm_budget, &mut cost)?;
            let units = if stage == MSM_STAGE {
                (cost.total().max(1) * MSM_WEIGHT_TENTHS).div_ceil(10)
            } else {
                needed
            };
            spent += units;
            self.done = (self.done + units).min(TOTAL_UNITS);
            if let Some(zn) = zn {
                return Ok(Progress::Done(zn));
            }
        }
    }
}

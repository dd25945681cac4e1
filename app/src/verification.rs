//! A session's verification job: the glue between the Verifier service and `zkml-verifier`.

use crate::{error::VerifierError, model::ModelState};
use alloc::string::ToString;
use sails_rs::prelude::*;
use zkml_verifier::{
    CompressedProof, Fr, Progress, TOTAL_UNITS, Verification, VerifyError, decode_all,
    from_le32_canonical, le32,
    statement::{self, Output},
};

/// Gas of one unit of verifier work: about one BN254 field multiplication under gtest. The
/// verifier's stage costs are measured in these units, with their margins.
pub const GAS_PER_UNIT: u64 = 2_600_000;

/// What one round of work on a job produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advance {
    /// More work remains.
    Pending { done: u64, total: u64 },
    /// The proof verified: the model's answer.
    Verified(Output),
    /// The proof did not verify.
    Rejected { reason: String },
}

/// A verification in progress.
pub struct Job {
    verification: Verification,
}

impl Job {
    /// Starts verifying `proof` for the session input `pixels`: the statement `z0` is rebuilt
    /// from the stored pixels, never taken from the prover.
    pub fn start(model: &ModelState, pixels: &[u8], proof: &[u8]) -> Result<Self, String> {
        let proof: CompressedProof = decode_all(proof).map_err(|e| e.to_string())?;
        let z0 = statement::z0_words(pixels)
            .map_err(|e| e.to_string())?
            .iter()
            .map(from_le32_canonical::<Fr>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let steps = u64::from(model.info().fold_steps);
        Ok(Self {
            verification: Verification::new(proof, z0, steps),
        })
    }

    /// Work done so far.
    pub fn done(&self) -> u64 {
        self.verification.done()
    }

    /// Estimated work of the whole verification.
    pub fn total(&self) -> u64 {
        TOTAL_UNITS
    }

    /// Does at most `budget` units of work.
    ///
    /// # Errors
    /// [`VerifierError::NotEnoughGas`] if the budget does not cover the next stage.
    pub fn advance(&mut self, model: &ModelState, budget: u64) -> Result<Advance, VerifierError> {
        let Some((vk, sk)) = model.keys() else {
            return Err(VerifierError::ModelNotFinalized);
        };
        match self.verification.advance(vk, sk, budget) {
            Ok(Progress::Pending { done, total }) => Ok(Advance::Pending { done, total }),
            Ok(Progress::Done(zn)) => {
                let words: Vec<[u8; 32]> = zn.iter().map(le32).collect();
                Ok(match statement::decode_output(&words) {
                    Ok(output) => Advance::Verified(output),
                    Err(e) => Advance::Rejected {
                        reason: e.to_string(),
                    },
                })
            }
            Err(VerifyError::Budget { needed }) => Err(VerifierError::NotEnoughGas {
                needed: needed.saturating_mul(GAS_PER_UNIT),
            }),
            Err(e) => Ok(Advance::Rejected {
                reason: e.to_string(),
            }),
        }
    }
}

/// Checks at submission that `proof` decodes and that its public output reads as an answer.
pub fn check_proof(proof: &[u8]) -> Result<Output, VerifierError> {
    let proof: CompressedProof =
        decode_all(proof).map_err(|e| VerifierError::MalformedProof(e.to_string()))?;
    let words: Vec<[u8; 32]> = proof.folding.zn.iter().map(le32).collect();
    statement::decode_output(&words).map_err(|e| VerifierError::MalformedProof(e.to_string()))
}

/// Work units the remaining `gas` pays for, after keeping `reserve` back.
pub fn budget_for_gas(gas: u64, reserve: u64) -> u64 {
    gas.saturating_sub(reserve) / GAS_PER_UNIT
}

//! A session's verification job: the glue between the Verifier service and `zkml-verifier`.

use crate::{error::VerifierError, model::ModelState};
use alloc::string::ToString;
use sails_rs::prelude::*;
use zkml_verifier::{Progress, Proof, Verification, VerifyError};

/// Gas one unit of verifier work may cost, measured under gtest.
pub const GAS_PER_UNIT: u64 = 1_000_000_000;

/// What one round of work on a job produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advance {
    /// More work remains.
    Pending { done: u64, total: u64 },
    /// The proof verified.
    Verified { digit: u8, logits: Vec<i64> },
    /// The proof did not verify.
    Rejected { reason: String },
}

/// A verification in progress, or one that already failed at its start.
pub struct Job {
    state: Result<Verification, VerifyError>,
}

impl Job {
    /// Starts verifying `proof` for the session input `pixels`.
    pub fn start(model: &ModelState, _pixels: &[u8], proof: &[u8]) -> Self {
        let state = Proof::from_bytes(proof)
            .and_then(|proof| Verification::new(proof, model.info().fold_steps));
        Self { state }
    }

    /// Work done so far.
    pub fn done(&self) -> u64 {
        self.state.as_ref().map_or(0, Verification::done)
    }

    /// Work of the whole verification.
    pub fn total(&self) -> u64 {
        Verification::TOTAL
    }

    /// Does at most `budget` units of work.
    pub fn advance(&mut self, _model: &ModelState, budget: u64) -> Advance {
        let progress = match &mut self.state {
            Ok(verification) => verification.advance(budget),
            Err(e) => Err(e.clone()),
        };
        match progress {
            Ok(Progress::Pending { done, total }) => Advance::Pending { done, total },
            Ok(Progress::Done(_zn)) => Advance::Rejected {
                reason: VerifyError::Unsupported("reading the model output").to_string(),
            },
            Err(e) => Advance::Rejected {
                reason: e.to_string(),
            },
        }
    }
}

/// Checks at submission that `proof` decodes as a proof for the model.
pub fn check_proof(model: &ModelState, proof: &[u8]) -> Result<(), VerifierError> {
    let proof =
        Proof::from_bytes(proof).map_err(|e| VerifierError::MalformedProof(e.to_string()))?;
    if proof.num_steps != model.info().fold_steps {
        return Err(VerifierError::MalformedProof(
            VerifyError::StepCount {
                expected: model.info().fold_steps,
                got: proof.num_steps,
            }
            .to_string(),
        ));
    }
    Ok(())
}

/// Work units the remaining `gas` pays for, after keeping `reserve` back.
pub fn budget_for_gas(gas: u64, reserve: u64) -> Result<u64, VerifierError> {
    let budget = gas.saturating_sub(reserve) / GAS_PER_UNIT;
    if budget == 0 {
        return Err(VerifierError::NotEnoughGas {
            needed: reserve + GAS_PER_UNIT,
        });
    }
    Ok(budget)
}

//! A session's verification job: the glue between the session state and `zkml-verifier`.

use crate::error::VerifierError;
use alloc::string::ToString;
use sails_rs::prelude::*;
use zkml_verifier::{
    BatchVerification, CompressedProof, ConstantKey, Fr, Meter, Piece, Progress, Stage,
    TOTAL_UNITS, Verification, VerifierKey, VerifyError, decode_all, from_le32_canonical, le32,
    statement::{self, Output},
};

/// Gas of one unit of verifier work: about one BN254 field multiplication under gtest. The
/// verifier's stage costs are measured in these units, with their margins.
pub const GAS_PER_UNIT: u64 = 2_600_000;

/// What one round of work on a job produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advance {
    /// More work remains.
    Pending {
        /// Work units done.
        done: u64,
        /// Estimated work units of the whole verification.
        total: u64,
    },
    /// The proof verified: the model's answer.
    Verified(Output),
    /// The proof did not verify.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// A verification in progress.
#[derive(Clone)]
pub struct Job {
    verification: Verification,
}

impl Job {
    /// Prepares the verification of `proof` over `steps` fold steps for the session's input
    /// commitment: the statement `z0` is rebuilt from the stored commitment, never taken from
    /// the prover.
    pub fn start(
        proof: CompressedProof,
        commitment: &[u8; 32],
        steps: u64,
    ) -> Result<Self, String> {
        let z0 = statement::z0_words(commitment)
            .map_err(|e| e.to_string())?
            .iter()
            .map(from_le32_canonical::<Fr>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
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

    /// Works while `meter` covers the next piece of work.
    ///
    /// # Errors
    /// [`VerifierError::NotEnoughGas`] if the meter does not cover the next stage.
    /// Nothing is done then: the job is as before.
    pub fn advance(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
    ) -> Result<Advance, VerifierError> {
        match self.verification.advance(vk, ck, meter) {
            Ok(Progress::Pending { done, total }) => Ok(Advance::Pending { done, total }),
            Ok(Progress::Done(zn)) => Ok(verdict(Ok(zn))),
            Err(VerifyError::Budget { needed }) => Err(not_enough_gas(needed)),
            Err(e) => Ok(verdict(Err(e))),
        }
    }
}

/// What one round of work on a batch produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchAdvance {
    /// The batch's proofs that got their outcome in this round, by index, with the outcome
    /// (never [`Advance::Pending`]).
    pub finished: Vec<(usize, Advance)>,
    /// The pieces of work done in this round: the proof's index, unless shared, and what it was.
    pub work: Vec<(Option<usize>, BatchStage)>,
    /// Work units done.
    pub done: u64,
    /// Estimated work units of the whole batch.
    pub total: u64,
    /// Whether every proof of the batch has its outcome.
    pub complete: bool,
}

/// A piece of work a batch message did.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchWork {
    /// The session it was for; `None` for work the batch's sessions share.
    pub session_id: Option<u64>,
    /// What it was.
    pub stage: BatchStage,
}

/// What a piece of batch work was.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchStage {
    /// A session's output hashes, folds and derandomization.
    Folds,
    /// A session's primary SNARK (without its pairing while the batch defers it).
    Primary,
    /// A session's secondary SNARK transcript: its sum-checks and the IPA challenges.
    SecondaryTranscript,
    /// A session's secondary matrix claim: the shape evaluation.
    MatrixClaim,
    /// A session's own IPA scalars, after the batch fell back to checking it alone.
    IpaScalars,
    /// A slice of a session's own IPA MSM, after the batch fell back to checking it alone.
    IpaMsm,
    /// The combined pairing of the sessions left.
    CombinedPairing,
    /// A session's own pairing, after the combined pairing failed.
    Pairing,
    /// A session's share of the combined IPA scalars.
    CombinedScalars,
    /// The combined MSM's set-up: the generators' scalars.
    MsmSetUp,
    /// A slice of the combined IPA MSM, with the final check when it ends.
    CombinedMsm,
}

/// A batch's piece of work as its proof's index, unless shared, and what it was; `None` for
/// a stage that does no work.
fn batch_work(piece: Piece) -> Option<(Option<usize>, BatchStage)> {
    Some(match piece {
        Piece::Stage(i, stage) => (
            Some(i),
            match stage {
                Stage::Folds => BatchStage::Folds,
                Stage::Primary => BatchStage::Primary,
                Stage::SecondaryTranscript => BatchStage::SecondaryTranscript,
                Stage::MatrixClaim => BatchStage::MatrixClaim,
                Stage::IpaScalars => BatchStage::IpaScalars,
                Stage::IpaMsm => BatchStage::IpaMsm,
                Stage::Done => return None,
            },
        ),
        Piece::CombinedPairing => (None, BatchStage::CombinedPairing),
        Piece::Pairing(i) => (Some(i), BatchStage::Pairing),
        Piece::Combine(i) => (Some(i), BatchStage::CombinedScalars),
        Piece::MsmSetUp => (None, BatchStage::MsmSetUp),
        Piece::Msm => (None, BatchStage::CombinedMsm),
    })
}

/// Several sessions' verifications carried out together (`zkml_verifier::BatchVerification`).
pub struct BatchJob {
    verification: BatchVerification,
}

impl BatchJob {
    /// A batch of the fresh `jobs` (1 to `zkml_verifier::MAX_BATCH`).
    ///
    /// # Errors
    /// [`VerifierError::BatchSize`] if there are too many or none.
    pub fn start(jobs: Vec<Job>) -> Result<Self, VerifierError> {
        let got = u32::try_from(jobs.len()).unwrap_or(u32::MAX);
        let verifications = jobs.into_iter().map(|j| j.verification).collect();
        BatchVerification::new(verifications)
            .map(|verification| Self { verification })
            .map_err(|_| VerifierError::BatchSize {
                min: MIN_BATCH,
                max: zkml_verifier::MAX_BATCH as u32,
                got,
            })
    }

    /// Work done so far.
    pub fn done(&self) -> u64 {
        self.verification.done()
    }

    /// Estimated work of the whole batch.
    pub fn total(&self) -> u64 {
        self.verification.total()
    }

    /// Works while `meter` covers the next piece of work.
    ///
    /// # Errors
    /// [`VerifierError::NotEnoughGas`] if the meter does not cover the next piece of work.
    /// Nothing is done then: the batch is as before.
    pub fn advance(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
    ) -> Result<BatchAdvance, VerifierError> {
        match self.verification.advance(vk, ck, meter) {
            Ok(progress) => Ok(BatchAdvance {
                finished: progress
                    .finished
                    .into_iter()
                    .map(|(i, v)| (i, verdict(v)))
                    .collect(),
                work: progress.work.into_iter().filter_map(batch_work).collect(),
                done: progress.done,
                total: progress.total,
                complete: progress.complete,
            }),
            Err(VerifyError::Budget { needed }) => Err(not_enough_gas(needed)),
            // Not expected: the batch reports invalid proofs as verdicts and fails only for
            // lack of budget.
            Err(e) => Err(VerifierError::MalformedProof(e.to_string())),
        }
    }
}

/// Fewest sessions in a `VerifyBatch`: one proof is verified alone with `Verify`.
pub const MIN_BATCH: u32 = 2;

/// A proof's outcome from the verifier's verdict: the answer its output reads as, or why it was
/// rejected.
fn verdict(verdict: Result<Vec<Fr>, VerifyError>) -> Advance {
    let reason = match verdict {
        Ok(zn) => {
            let words: Vec<[u8; 32]> = zn.iter().map(le32).collect();
            match statement::decode_output(&words) {
                Ok(output) => return Advance::Verified(output),
                Err(e) => e.to_string(),
            }
        }
        Err(e) => e.to_string(),
    };
    Advance::Rejected { reason }
}

/// The refusal of a round whose budget does not cover `needed` units of its next piece of work.
fn not_enough_gas(needed: u64) -> VerifierError {
    VerifierError::NotEnoughGas {
        needed: needed.saturating_mul(GAS_PER_UNIT),
    }
}

/// Decodes a submitted proof and checks that its public output reads as an answer.
///
/// # Errors
/// [`VerifierError::MalformedProof`] if the bytes do not decode or the output does not read.
pub fn decode_proof(bytes: &[u8]) -> Result<CompressedProof, VerifierError> {
    let proof: CompressedProof =
        decode_all(bytes).map_err(|e| VerifierError::MalformedProof(e.to_string()))?;
    let words: Vec<[u8; 32]> = proof.folding.zn.iter().map(le32).collect();
    statement::decode_output(&words).map_err(|e| VerifierError::MalformedProof(e.to_string()))?;
    Ok(proof)
}

/// Work units the remaining `gas` pays for, after keeping `reserve` back.
pub fn budget_for_gas(gas: u64, reserve: u64) -> u64 {
    gas.saturating_sub(reserve) / GAS_PER_UNIT
}

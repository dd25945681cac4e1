//! Resumable verification.

use crate::{error::VerifyError, proof::Proof};
use alloc::vec::Vec;
use ark_bn254::Fr;

/// Where a verification stands after [`Verification::advance`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// More work remains.
    Pending { done: u64, total: u64 },
    /// The proof verified; its public output `zn`.
    Done(Vec<Fr>),
}

/// A verification in progress.
#[derive(Clone, Debug)]
pub struct Verification {
    proof: Proof,
    done: u64,
}

impl Verification {
    /// Work units of a whole verification.
    pub const TOTAL: u64 = 1;

    /// Starts verifying `proof` for `num_steps` fold steps.
    pub fn new(proof: Proof, num_steps: u32) -> Result<Self, VerifyError> {
        if proof.num_steps != num_steps {
            return Err(VerifyError::StepCount {
                expected: num_steps,
                got: proof.num_steps,
            });
        }
        Ok(Self { proof, done: 0 })
    }

    /// Work done so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Does at most `budget` units of work.
    pub fn advance(&mut self, budget: u64) -> Result<Progress, VerifyError> {
        if budget == 0 {
            return Ok(Progress::Pending {
                done: self.done,
                total: Self::TOTAL,
            });
        }
        let _zn = self.proof.zn()?;
        Err(VerifyError::Unsupported("compressed SNARK verification"))
    }
}

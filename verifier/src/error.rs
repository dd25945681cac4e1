//! The verifier's one error type.

use alloc::string::String;

/// Why a proof was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The bytes do not decode as a proof.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// A field element is not in canonical form.
    #[error("non-canonical field element")]
    NonCanonical,
    /// The proof is for another number of fold steps.
    #[error("proof folds {got} steps, expected {expected}")]
    StepCount { expected: u32, got: u32 },
    /// A part of the verification this version cannot perform yet. Never accepted.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

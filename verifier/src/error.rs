//! The verifier's one error type. (Stand-in for the core helper's version until it is copied here.)

/// Why a proof was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The bytes do not decode (bad encoding or length).
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A point is not on its curve.
    #[error("point not on curve")]
    NotOnCurve,
    /// A field element is not in canonical form.
    #[error("non-canonical field element")]
    NonCanonical,
    /// A named verification equation failed.
    #[error("check failed: {0}")]
    Check(&'static str),
    /// The proof is for another number of fold steps.
    #[error("proof folds {got} steps, expected {expected}")]
    StepCount {
        /// Steps the caller expects.
        expected: u32,
        /// Steps in the proof.
        got: u32,
    },
    /// A part of the verification this version cannot perform yet. Never accepted.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

//! The verifier's one error type.

/// Why a proof (or a key) was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The bytes do not decode: wrong length, bad tag, trailing data, or a vector of the wrong size.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A point's coordinates do not satisfy its curve equation.
    #[error("point not on curve")]
    NotOnCurve,
    /// A field element is not in canonical form.
    #[error("non-canonical field element")]
    NonCanonical,
    /// A named verification equation failed.
    #[error("check failed: {0}")]
    Check(&'static str),
    /// The work budget does not cover the next stage of a verification; nothing was done.
    #[error("budget too small: the next stage needs {needed} units")]
    Budget {
        /// Units the next stage needs.
        needed: u64,
    },
    /// A part of the verification this version cannot perform. Never accepted.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

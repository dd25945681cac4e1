//! vara-zkml proving: the Nova step circuit of the MNIST model, setup with its SRS and key
//! cache, proving, native verification, and export to the program's wire format.
//!
//! - [`circuit`]: the Nova step circuit, one fold step per layer;
//! - [`Prover`]: setup (with [`srs`] and the key cache), proving and native verification;
//! - [`ProofFile`]: the proof file `zkml prove` writes;
//! - [`export`]: keys and proofs in the program's wire format, and our verifier run natively.
//!
//! nova-snark is used here only.

#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod cache;
pub mod circuit;
mod codec;
mod engines;
pub mod error;
pub mod export;
mod keys;
mod proof_file;
mod prover;
pub mod quiet;
mod setup;
pub mod srs;
mod stats;
mod verify;

pub use circuit::Opening;
pub use codec::{decode, encode};
pub use engines::{E1, E2, Params, ProverKey, S1, S2, Snark, VerifierKey};
pub use error::{Error, ProofDefect, Result};
pub use keys::load_verifier_key;
pub use proof_file::{PROOF_FILE_VERSION, ProofFile};
pub use prover::{ProveTimings, Prover};
pub use setup::{Event, SetupConfig, SetupReport};
pub use stats::{CircuitStats, VerifierKeySizes};
pub use verify::verify_with;

/// Lower-case hexadecimal, for digests in messages and file names.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

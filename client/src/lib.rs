//! Typed Rust client of the vara-zkml program, generated at build time from `idl/zkml.idl`.
//!
//! Works on-chain (`GstdEnv`), under gtest (`GtestEnv`, sails-rs feature `gtest`) and against
//! a node (`GsdkEnv`, sails-rs feature `gsdk`). [`wire`] holds the proof and key types a client
//! needs to decode or inspect what it sends and reads, so that it needs no other crate of ours.
#![no_std]

include!(concat!(env!("OUT_DIR"), "/zkml_client.rs"));

/// The program's wire format: proofs and keys as `Verifier.SubmitProof`, `Verifier.Proof`,
/// the constructor and `Model.UploadVerifierData` carry them, and the statement (input size,
/// classes, how a proof's output reads as an answer). Re-exported from `zkml-verifier`.
pub mod wire {
    pub use zkml_verifier::{
        CompressedProof, ConstantKey, VerifierKey, VerifyError, decode_all, le32, statement, verify,
    };
}

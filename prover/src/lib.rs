//! The vara-zkml prover: model, circuit, proving and prover service.
//!
//! - [`model`]: training, quantization, the exact integer forward pass that the
//!   circuit proves, and its file formats;
//! - [`circuit`]: the Nova step circuit, one fold step per layer;
//! - [`proving`]: setup (with [`srs`] and [`cache`]), proving and native verification;
//! - [`input`]: reading digits from the test set, PNG files or raw bytes;
//! - [`export`]: keys and proofs in the program's wire format;
//! - [`serve`]: the prover daemon (`zkml serve`) over the embedded chain or a real node;
//! - [`chain`]: the whole workflow on an embedded gtest chain (`zkml demo`, load runs).

#![warn(missing_docs)]

pub mod cache;
pub mod chain;
pub mod circuit;
pub mod error;
pub mod export;
pub mod input;
pub mod model;
pub mod proving;
pub mod quiet;
pub mod serve;
pub mod srs;

pub use error::{Error, Result};

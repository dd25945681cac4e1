//! The vara-zkml prover: model, circuit, proving and prover service.
//!
//! So far it holds the MNIST [`model`]: training, quantization, the exact
//! integer forward pass that the circuit will prove, and its file formats.

#![warn(missing_docs)]

pub mod error;
pub mod model;

pub use error::{Error, Result};

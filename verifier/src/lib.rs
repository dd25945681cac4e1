//! no_std verifier of Nova compressed SNARKs for the vara-zkml program.
//!
//! The program decodes a [`CompressedProof`] (see [`decode_all`]), builds the statement `z0` from
//! the input it stored ([`statement`]), keeps a [`Verification`] between messages and advances it
//! with a work budget until it reports the public output `zn` or an error. Several proofs are
//! verified together, sharing their pairing and their IPA MSM, with a [`BatchVerification`].
//! Native code verifies at once with [`verify`]. With the `nova-format` feature, `nova_format` converts nova-snark's own
//! bincode proof and key into the wire types (off-chain only); with the `bench` feature, `bench`
//! exposes internals to the gas benchmark (`benches/gas`).
//!
//! Modules follow the scheme: `nova` (the folds), `spartan` (the two SNARKs: `ppsnark` on BN254,
//! `snark` on Grumpkin, with their sum-checks, polynomials and the secondary shape), `pcs`
//! (HyperKZG and IPA openings), `msm` (the resumable Grumpkin MSM), `poseidon` and `transcript`
//! (the random oracle and the Fiat–Shamir transcript), `wire` and `codec` (the SCALE wire
//! format), `verification` (at once or in stages), `batch` (several proofs together).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod batch;
#[cfg(feature = "bench")]
pub mod bench;
mod codec;
mod constants;
mod error;
mod field;
#[cfg(test)]
mod fixture;
mod instance;
mod jacobian;
mod meter;
mod msm;
mod nova;
#[cfg(any(test, feature = "nova-format"))]
pub mod nova_format;
mod pcs;
mod poseidon;
mod spartan;
pub mod statement;
mod transcript;
mod verification;
mod wire;

pub use batch::{BatchProgress, BatchVerification, MAX_BATCH, Piece, Verdict};
pub use codec::decode_all;
pub use constants::{ConstantKey, KeyDecoder};
pub use error::VerifyError;
pub use field::{Fq, Fr, from_le32_canonical, le32};
pub use meter::Meter;
pub use verification::{Progress, Stage, TOTAL_UNITS, Verification, verify};
pub use wire::{CompressedProof, VerifierKey};

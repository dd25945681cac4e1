//! no_std verifier of Nova compressed SNARKs for the vara-zkml program.
//!
//! The program stores a [`Verification`] between messages and advances it with a work budget
//! until it reports the public output `zn` or an error.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod constants;
pub mod error;
pub mod field;
pub mod hyperkzg;
pub mod instance;
pub mod ipa;
pub mod msm;
pub mod nova;
pub mod nova_export;
pub mod polys;
pub mod poseidon;
pub mod primary;
pub mod secondary;
pub mod shape;
pub mod statement;
pub mod sumcheck;
pub mod transcript;
pub mod verification;
pub mod wire;

pub use error::VerifyError;
pub use verification::{Progress, Verification};

//! The proof's wire format.

use crate::error::VerifyError;
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use parity_scale_codec::{Decode, Encode};

/// A proof as the prover submits it, SCALE-encoded.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Proof {
    /// Number of fold steps proven.
    pub num_steps: u32,
    /// The public output `zn`, each element a little-endian canonical BN254 scalar.
    pub zn: Vec<[u8; 32]>,
    /// The compressed SNARK.
    pub snark: Vec<u8>,
}

impl Proof {
    /// Decodes `bytes`, requiring that nothing trails and that every scalar is canonical.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let proof =
            Self::decode(&mut &bytes[..]).map_err(|_| VerifyError::Malformed("does not decode"))?;
        if proof.encoded_size() != bytes.len() {
            return Err(VerifyError::Malformed("trailing bytes"));
        }
        proof.zn.iter().try_for_each(|b| scalar(b).map(|_| ()))?;
        Ok(proof)
    }

    /// The public output as field elements.
    pub fn zn(&self) -> Result<Vec<Fr>, VerifyError> {
        self.zn.iter().map(scalar).collect()
    }
}

/// Decodes a canonical little-endian BN254 scalar.
pub fn scalar(bytes: &[u8; 32]) -> Result<Fr, VerifyError> {
    let value = Fr::from_le_bytes_mod_order(bytes);
    if value.into_bigint().to_bytes_le() == bytes {
        Ok(value)
    } else {
        Err(VerifyError::NonCanonical)
    }
}

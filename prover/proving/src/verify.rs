//! Native verification with nova's `CompressedSNARK::verify`.

use zkml_verifier::statement::{self, Output};

use crate::circuit;
use crate::codec::decode;
use crate::engines::{Snark, VerifierKey};
use crate::error::{Error, ProofDefect, Result};
use crate::proof_file::ProofFile;

/// [`Prover::verify`] with an explicit verifier key and model digest.
///
/// # Errors
/// As [`Prover::verify`].
pub fn verify_with(vk: &VerifierKey, model_digest: &[u8; 32], proof: &ProofFile) -> Result<Output> {
    if &proof.model_digest != model_digest {
        return Err(Error::InvalidProof(ProofDefect::OtherModel));
    }
    if u64::from(proof.num_steps) != statement::STEPS {
        return Err(Error::InvalidProof(ProofDefect::Steps {
            found: proof.num_steps,
            expected: statement::STEPS,
        }));
    }
    let z0 = circuit::z0(&circuit::scalar_from_word(proof.commitment)?);
    let snark: Snark = decode("compressed SNARK", &proof.snark)
        .map_err(|e| Error::InvalidProof(ProofDefect::Undecodable(Box::new(e))))?;
    let zn = snark
        .verify(vk, proof.num_steps as usize, &z0)
        .map_err(|e| Error::InvalidProof(ProofDefect::Rejected(e)))?;
    let words: Vec<[u8; 32]> = zn.iter().map(circuit::word_from_scalar).collect();
    if words != proof.zn {
        return Err(Error::InvalidProof(ProofDefect::OutputMismatch));
    }
    Ok(statement::decode_output(&words)?)
}

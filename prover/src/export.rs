//! nova-snark's keys and proofs in the program's wire format (`zkml-verifier`'s SCALE types).

use crate::error::{Error, Result};
use crate::proving::{ProofFile, Prover, encode};
use parity_scale_codec::Encode;
use zkml_verifier::nova_export::{parse_proof, parse_vk};
use zkml_verifier::wire::VerifierKey;

/// The verifier key as the program takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainKeys {
    /// The model-specific key (`ModelInit::verifier_key`), under 1 KB.
    pub model_key: Vec<u8>,
    /// The constant key (the verifier data uploaded after deployment), about 2.1 MB.
    pub constant_key: Vec<u8>,
}

/// Converts the prover's nova verifier key.
///
/// # Errors
/// [`Error::Export`] if the verifier crate does not read nova's key.
pub fn chain_keys(prover: &Prover) -> Result<ChainKeys> {
    let vk = parse_vk(&encode("verifier key", prover.verifier_key())?)
        .map_err(|e| Error::Export(e.to_string()))?;
    let model_key = VerifierKey {
        folding: vk.model.folding,
        primary: vk.model.primary,
    };
    Ok(ChainKeys {
        model_key: model_key.encode(),
        constant_key: vk.constants.encode(),
    })
}

/// Converts a proof's compressed SNARK (with its `zn`) into the bytes `Verifier::SubmitProof` takes.
///
/// # Errors
/// [`Error::Export`] if the verifier crate does not read nova's proof.
pub fn chain_proof(proof: &ProofFile) -> Result<Vec<u8>> {
    Ok(parse_proof(&proof.snark)
        .map_err(|e| Error::Export(e.to_string()))?
        .encode())
}

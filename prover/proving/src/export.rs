//! nova-snark's keys and proofs in the program's wire format (`zkml-verifier`'s SCALE types), and
//! our verifier run natively on them.

use crate::codec::encode;
use crate::error::ProofDefect;
use crate::error::{Error, Result};
use crate::proof_file::ProofFile;
use crate::prover::Prover;
use parity_scale_codec::Encode;
use zkml_verifier::nova_format::{parse_proof, parse_vk};
use zkml_verifier::statement::{self, Output};
use zkml_verifier::{
    CompressedProof, ConstantKey, Fr, VerifierKey, decode_all, from_le32_canonical, le32, verify,
};

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
    let vk = parse_vk(&encode("verifier key", prover.verifier_key())?).map_err(|source| {
        Error::Export {
            what: "the verifier key",
            source,
        }
    })?;
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
        .map_err(|source| Error::Export {
            what: "the proof",
            source,
        })?
        .encode())
}

/// Our verifier run natively: the code the program runs on-chain, in one go.
pub struct NativeVerifier {
    key: VerifierKey,
    constants: ConstantKey,
}

impl NativeVerifier {
    /// Decodes `keys` as the program does.
    ///
    /// # Errors
    /// [`Error::Export`] if a key does not decode.
    pub fn new(keys: &ChainKeys) -> Result<Self> {
        Ok(Self {
            key: decode_all(&keys.model_key).map_err(|source| Error::Export {
                what: "the model key",
                source,
            })?,
            constants: decode_all(&keys.constant_key).map_err(|source| Error::Export {
                what: "the constant key",
                source,
            })?,
        })
    }

    /// The commitment the program computes for `pixels` with `blinding` (zero for a public
    /// input): `zkml_verifier::statement::commitment` with the constant key's Poseidon.
    ///
    /// # Errors
    /// [`Error::Statement`] if `pixels` is not 784 bytes or `blinding` is not canonical.
    pub fn commitment(&self, pixels: &[u8], blinding: &[u8; 32]) -> Result<[u8; 32]> {
        Ok(statement::commitment(&self.constants, pixels, blinding)?)
    }

    /// Verifies `proof` (wire format) for the input commitment `commitment` and reads the
    /// model's answer.
    ///
    /// # Errors
    /// [`Error::InvalidProof`] if the proof does not decode or verify, [`Error::Statement`] if its
    /// output is not an answer.
    pub fn verify(&self, proof: &[u8], commitment: &[u8; 32]) -> Result<Output> {
        let proof: CompressedProof = decode_all(proof).map_err(invalid)?;
        let z0 = statement::z0_words(commitment)?
            .iter()
            .map(from_le32_canonical)
            .collect::<core::result::Result<Vec<Fr>, _>>()
            .map_err(invalid)?;
        let zn =
            verify(&self.key, &self.constants, &proof, &z0, statement::STEPS).map_err(invalid)?;
        let words: Vec<[u8; 32]> = zn.iter().map(le32).collect();
        Ok(statement::decode_output(&words)?)
    }
}

/// A proof our verifier does not accept.
fn invalid(e: zkml_verifier::VerifyError) -> Error {
    Error::InvalidProof(ProofDefect::Verifier(e))
}

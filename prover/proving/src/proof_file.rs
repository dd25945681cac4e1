//! The proof file `zkml prove` writes: the statement, the claimed output and nova's SNARK.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cache;
use crate::codec::{decode, encode};
use crate::error::{Error, Result};

/// Version of the proof file format.
pub const PROOF_FILE_VERSION: u32 = 2;

/// A proof as written to disk: the statement (the input commitment), the claimed output and the
/// SNARK. It holds no pixels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// [`PROOF_FILE_VERSION`].
    pub version: u32,
    /// Digest of the model proven.
    pub model_digest: [u8; 32],
    /// The input commitment `C`, a canonical little-endian scalar; `z0` is rebuilt from it.
    pub commitment: [u8; 32],
    /// Number of fold steps.
    pub num_steps: u32,
    /// The output `zn`, canonical little-endian scalars.
    pub zn: Vec<[u8; 32]>,
    /// The compressed SNARK, bincode (legacy configuration) as nova serializes it.
    pub snark: Vec<u8>,
}

impl ProofFile {
    /// The file's bytes.
    ///
    /// # Errors
    /// [`Error::Encode`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        encode("proof file", self)
    }

    /// Decodes a proof file.
    ///
    /// # Errors
    /// [`Error::Decode`] or [`Error::TrailingBytes`] if the bytes are not a proof file,
    /// [`Error::ProofFileVersion`] if it has another version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let file: Self = decode("proof file", bytes)?;
        if file.version != PROOF_FILE_VERSION {
            return Err(Error::ProofFileVersion {
                found: file.version,
                expected: PROOF_FILE_VERSION,
            });
        }
        Ok(file)
    }

    /// Reads a proof file.
    ///
    /// # Errors
    /// [`Error::Read`] or as [`ProofFile::from_bytes`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Writes the proof file atomically.
    ///
    /// # Errors
    /// [`Error::Write`] or [`Error::Encode`].
    pub fn save(&self, path: &Path) -> Result<()> {
        cache::write_atomic(path, &self.to_bytes()?)
    }
}

//! What can go wrong in setup, proving, verification and export.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the proving crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The model cannot be proven by this circuit.
    #[error("the circuit cannot prove this model: {0}")]
    UnsupportedModel(String),

    /// A Nova state vector has the wrong length.
    #[error("state has {0} elements, expected 5")]
    StateLength(usize),

    /// Step 0 needs the input's opening (pixels and blinding), and the circuit has none.
    #[error("the circuit has no opening of the input commitment for step 0")]
    MissingOpening,

    /// Building the statement or reading the output failed.
    #[error(transparent)]
    Statement(#[from] zkml_verifier::statement::StatementError),

    /// A 32-byte word is not a canonical BN254 scalar.
    #[error("a word is not a canonical BN254 scalar")]
    NonCanonicalScalar,

    /// nova-snark reported an error (setup, proving or verification).
    #[error("nova: {0}")]
    Nova(#[from] nova_snark::errors::NovaError),

    /// A value could not be serialized.
    #[error("cannot serialize {what}")]
    Encode {
        /// What was being serialized.
        what: &'static str,
        /// The serializer's error.
        #[source]
        source: bincode::error::EncodeError,
    },

    /// Bytes could not be deserialized.
    #[error("cannot deserialize {what}")]
    Decode {
        /// What was being deserialized.
        what: &'static str,
        /// The deserializer's error.
        #[source]
        source: bincode::error::DecodeError,
    },

    /// Bytes decoded, but more bytes follow the value.
    #[error("cannot deserialize {what}: {count} trailing bytes")]
    TrailingBytes {
        /// What was being deserialized.
        what: &'static str,
        /// Number of bytes left over.
        count: usize,
    },

    /// A proof file has a format version this build cannot read.
    #[error("cannot deserialize proof file: version {found}, expected {expected}")]
    ProofFileVersion {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },

    /// nova's powers-of-tau writer failed.
    #[error("powers-of-tau file")]
    Ptau(#[source] nova_snark::provider::ptau::PtauFileError),

    /// A local SRS this large is not generated.
    #[error("powers-of-tau file: refusing to generate 2^{power} points locally")]
    LocalSrsTooLarge {
        /// The requested power of two.
        power: u32,
    },

    /// A proof does not verify.
    #[error("the proof is invalid")]
    InvalidProof(#[source] ProofDefect),

    /// No usable verifier key is cached for this model, circuit and SRS.
    #[error(
        "no verifier key for this model and SRS in the cache ({0}); run `zkml prove` with the \
         same --cache and --ptau first"
    )]
    MissingKeys(&'static str),

    /// The verifier crate could not convert a nova key or proof into the program's wire format,
    /// or could not decode the wire format.
    #[error("cannot export {what} to the program's wire format")]
    Export {
        /// The key or proof.
        what: &'static str,
        /// The verifier crate's error.
        #[source]
        source: zkml_verifier::VerifyError,
    },
}

/// Why a proof is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ProofDefect {
    /// The proof is for a model with another digest.
    #[error("it is for another model")]
    OtherModel,
    /// The proof folds another number of steps than the statement has.
    #[error("it folds {found} steps, expected {expected}")]
    Steps {
        /// Steps the proof claims.
        found: u32,
        /// Steps of the statement.
        expected: u64,
    },
    /// The compressed SNARK does not decode.
    #[error("its SNARK does not decode")]
    Undecodable(#[source] Box<Error>),
    /// nova-snark's verifier rejects it.
    #[error("nova rejects it")]
    Rejected(#[source] nova_snark::errors::NovaError),
    /// Our verifier rejects it (or it does not decode in the wire format).
    #[error("zkml-verifier rejects it")]
    Verifier(#[source] zkml_verifier::VerifyError),
    /// The output the proof states is not the one it proves.
    #[error("its stated output is not the proven one")]
    OutputMismatch,
}

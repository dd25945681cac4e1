//! The program's typed errors, one enum per service.
//!
//! Every command returns `Result<_, ServiceError>` through `#[export(unwrap_result)]`:
//! an `Err` ends the message with a userspace panic that carries the encoded error, so Gear
//! reverts every state change the message made and the generated client decodes the error.

use sails_rs::prelude::*;

/// Why the constructor or the Model service refused a call.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The call is reserved to the admin (the account that deployed the program).
    #[error("only the admin may do this")]
    NotAdmin,
    /// The model description given to the constructor is inconsistent.
    #[error("invalid model: {0}")]
    InvalidModel(ModelDefect),
    /// The model is already finalized: its data can no longer change.
    #[error("the model is already finalized")]
    ModelAlreadyFinalized,
    /// A verifier-data chunk did not start where the previous one ended.
    #[error("chunk at offset {got}, expected offset {expected}")]
    UploadOutOfOrder { expected: u32, got: u32 },
    /// A verifier-data chunk would end past the declared size.
    #[error("chunk ends at {end}, past the declared size {declared}")]
    UploadPastDeclaredSize { declared: u32, end: u32 },
    /// An empty verifier-data chunk.
    #[error("empty chunk")]
    EmptyChunk,
    /// `Finalize` before all declared verifier data arrived.
    #[error("{uploaded} of {declared} bytes of verifier data uploaded")]
    UploadIncomplete { uploaded: u32, declared: u32 },
    /// The uploaded verifier data does not hash to the declared digest.
    #[error("verifier data digest mismatch")]
    VerifierDataDigestMismatch,
    /// The uploaded verifier data does not decode as the constant key.
    #[error("verifier data does not decode: {0}")]
    InvalidVerifierData(String),
    /// The account is already a registered prover.
    #[error("the prover is already registered")]
    ProverAlreadyRegistered,
    /// The account is not a registered prover.
    #[error("the prover is not registered")]
    ProverNotRegistered,
    /// The prover registry is full.
    #[error("at most {max} provers may be registered")]
    TooManyProvers { max: u32 },
    /// An event could not be emitted.
    #[error("event could not be emitted")]
    EventNotEmitted,
}

/// Why the Sessions service refused a call.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SessionsError {
    /// The model is not finalized yet: verifier data may still be uploading.
    #[error("the model is not finalized")]
    ModelNotFinalized,
    /// The input is not a 28x28 image of one byte per pixel.
    #[error("input has {got} bytes, expected {expected}")]
    WrongInputSize { expected: u32, got: u32 },
    /// The user already has a session that has not finished.
    #[error("the user already has an open session")]
    SessionAlreadyOpen,
    /// The program holds the maximum number of open sessions.
    #[error("at most {max} sessions may be open")]
    TooManyOpenSessions { max: u32 },
    /// The user has no session.
    #[error("no session for this user")]
    NoSession,
    /// The call is reserved to registered provers.
    #[error("the caller is not a registered prover")]
    NotProver,
    /// The session is not awaiting a proof: unknown, purged, or already proved.
    #[error("session {session_id} is not awaiting a proof")]
    NotAwaitingProof { session_id: u64 },
    /// Another prover's claim on the session is still live.
    #[error("claimed by another prover until block {expires_at}")]
    AlreadyClaimed { prover: ActorId, expires_at: u32 },
    /// An event could not be emitted.
    #[error("event could not be emitted")]
    EventNotEmitted,
}

/// Why the Verifier service refused a call.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// The model is not finalized yet: verifier data may still be uploading.
    #[error("the model is not finalized")]
    ModelNotFinalized,
    /// The call is reserved to registered provers.
    #[error("the caller is not a registered prover")]
    NotProver,
    /// The user has no session.
    #[error("no session for this user")]
    NoSession,
    /// A proof was already submitted for this session.
    #[error("a proof was already submitted for this session")]
    ProofAlreadySubmitted,
    /// The caller has not claimed the session (`Sessions::Claim`), or its claim lapsed and
    /// was taken over.
    #[error("claim the session before submitting a proof")]
    NotClaimed,
    /// Another prover holds a live claim on the session.
    #[error("another prover holds the claim on this session")]
    ClaimedByAnother { prover: ActorId },
    /// The session has finished; the user may open a new one.
    #[error("the session has finished")]
    SessionFinished,
    /// The proof is larger than the program accepts.
    #[error("proof has {got} bytes, at most {max} accepted")]
    ProofTooLarge { max: u32, got: u32 },
    /// The proof bytes do not decode as a proof for this model.
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    /// `Verify` on a session that has no proof yet.
    #[error("no proof has been submitted for this session")]
    NoProof,
    /// `Verify` on a session whose verification already started.
    #[error("verification already started")]
    AlreadyVerifying,
    /// `ContinueVerification` on a session that is not being verified.
    #[error("the session is not being verified")]
    NotVerifying,
    /// The message has too little gas left to make progress.
    #[error("not enough gas: attach at least {needed}")]
    NotEnoughGas { needed: u64 },
    /// An event could not be emitted.
    #[error("event could not be emitted")]
    EventNotEmitted,
}

/// What is wrong with a model description.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelDefect {
    /// The name is empty or longer than the limit.
    #[error("name must be 1 to {max} bytes")]
    Name { max: u32 },
    /// The input shape is not 28x28 grayscale.
    #[error("input shape must be 28x28")]
    InputShape,
    /// Layer widths must start with 784 inputs, end with 10 logits and have 2 to `max` entries.
    #[error("layer widths must run from 784 inputs to 10 outputs, at most {max} layers")]
    LayerWidths { max: u32 },
    /// The number of fold steps must equal the number of layers.
    #[error("fold steps must equal the number of layers")]
    FoldSteps,
    /// A layer's fixed-point shift is out of range.
    #[error("fixed-point shift must be below {max}")]
    Shift { max: u8 },
    /// The verifier key is empty or larger than the limit.
    #[error("verifier key must be 1 to {max} bytes")]
    VerifierKeySize { max: u32 },
    /// The verifier key does not hash to its digest.
    #[error("verifier key digest mismatch")]
    VerifierKeyDigest,
    /// The verifier key does not decode as a `zkml_verifier::wire::VerifierKey`.
    #[error("verifier key does not decode: {0}")]
    VerifierKey(String),
    /// The verifier key is for a step state of another size than the program's statement.
    #[error("verifier key must be for a {expected}-element step state")]
    Arity { expected: u32 },
    /// The declared verifier data is empty or larger than the limit.
    #[error("verifier data must be 1 to {max} bytes")]
    VerifierDataSize { max: u32 },
}

//! The program's typed errors, one enum per service.
//!
//! Every command returns `Result<_, ServiceError>` through `#[export(unwrap_result)]`:
//! an `Err` ends the message with a userspace panic that carries the encoded error, so Gear
//! reverts every state change the message made, returns the value attached to the message to
//! its sender, and the generated client decodes the error.

use sails_rs::prelude::*;

/// Why the Model service refused a call.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The call is reserved to the admin (the account that deployed the program).
    #[error("only the admin may do this")]
    NotAdmin,
    /// The model is already finalized: its data can no longer change.
    #[error("the model is already finalized")]
    ModelAlreadyFinalized,
    /// A verifier-data chunk did not start where the previous one ended.
    #[error("chunk at offset {got}, expected offset {expected}")]
    UploadOutOfOrder {
        /// Where the next chunk must start.
        expected: u32,
        /// Where it started.
        got: u32,
    },
    /// A verifier-data chunk would end past the declared size.
    #[error("chunk ends at {end}, past the declared size {declared}")]
    UploadPastDeclaredSize {
        /// The declared size.
        declared: u32,
        /// Where the chunk would end.
        end: u32,
    },
    /// An empty verifier-data chunk.
    #[error("empty chunk")]
    EmptyChunk,
    /// `Finalize` before all declared verifier data arrived.
    #[error("{uploaded} of {declared} bytes of verifier data uploaded")]
    UploadIncomplete {
        /// Bytes received.
        uploaded: u32,
        /// Bytes declared.
        declared: u32,
    },
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
    TooManyProvers {
        /// The most provers allowed.
        max: u32,
    },
    /// Value was attached to a call that takes none; the failed message returns it.
    #[error("this call takes no value, {value} attached")]
    ValueNotAccepted {
        /// The value attached.
        value: u128,
    },
    /// The message carries bytes after the call's arguments.
    #[error("{extra} bytes after the call's arguments")]
    TrailingBytes {
        /// How many.
        extra: u32,
    },
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
    WrongInputSize {
        /// The input size the statement takes.
        expected: u32,
        /// The size given.
        got: u32,
    },
    /// The user already has a session that has not finished.
    #[error("the user already has an open session")]
    SessionAlreadyOpen,
    /// A private input's commitment is not a canonical BN254 scalar.
    #[error("the commitment is not a canonical scalar")]
    NonCanonicalCommitment,
    /// A private input's envelope is larger than any envelope for 32 provers.
    #[error("the envelope has {got} bytes, at most {max}")]
    EnvelopeTooLarge {
        /// The largest envelope accepted.
        max: u32,
        /// The size given.
        got: u32,
    },
    /// A private input's envelope does not have the envelope format's layout (version,
    /// 1 to 32 recipients, the length they imply).
    #[error("the envelope is malformed")]
    MalformedEnvelope,
    /// The program holds the maximum number of open sessions.
    #[error("at most {max} sessions may be open")]
    TooManyOpenSessions {
        /// The most open sessions allowed.
        max: u32,
    },
    /// The user has no session.
    #[error("no session for this user")]
    NoSession,
    /// The call is reserved to registered provers.
    #[error("the caller is not a registered prover")]
    NotProver,
    /// The session is not awaiting a proof: unknown, purged, or already proved.
    #[error("session {session_id} is not awaiting a proof")]
    NotAwaitingProof {
        /// The session asked for.
        session_id: u64,
    },
    /// `CloseExpired` on an input that has not expired yet.
    #[error("the input expires at block {expires_at}")]
    NotExpired {
        /// The block height from which it may be closed.
        expires_at: u32,
    },
    /// Another prover's claim on the session is still live.
    #[error("claimed by another prover until block {expires_at}")]
    AlreadyClaimed {
        /// The prover holding the claim.
        prover: ActorId,
        /// The block height from which the claim no longer holds.
        expires_at: u32,
    },
    /// `SubmitInput` named the zkml program itself as the program to notify.
    #[error("the program to notify may not be this program")]
    NotifySelf,
    /// `Renotify` of a session id no session has (never opened, purged or evicted).
    #[error("no session {session_id}")]
    UnknownSession {
        /// The session asked for.
        session_id: u64,
    },
    /// `Renotify` on a session that has no outcome yet.
    #[error("session {session_id} has not finished")]
    NotFinished {
        /// The session asked for.
        session_id: u64,
    },
    /// `Renotify` on a session that named no program to notify.
    #[error("session {session_id} names no program to notify")]
    NoNotifyTarget {
        /// The session asked for.
        session_id: u64,
    },
    /// The message has too little gas to send a notification.
    #[error("not enough gas: attach at least {needed}")]
    NotEnoughGas {
        /// Gas to attach to the message.
        needed: u64,
    },
    /// Gear refused to send the notification.
    #[error("the notification could not be sent")]
    NotificationNotSent,
    /// Value was attached to a call that takes none; the failed message returns it.
    #[error("this call takes no value, {value} attached")]
    ValueNotAccepted {
        /// The value attached.
        value: u128,
    },
    /// The message carries bytes after the call's arguments.
    #[error("{extra} bytes after the call's arguments")]
    TrailingBytes {
        /// How many.
        extra: u32,
    },
    /// An event could not be emitted.
    #[error("event could not be emitted")]
    EventNotEmitted,
    /// The fee attached to a submission is less than the minimum the admin set.
    #[error("fee {got} is below the minimum {minimum}")]
    FeeBelowMinimum {
        /// The minimum fee.
        minimum: u128,
        /// The fee attached.
        got: u128,
    },
    /// A non-zero fee below the existential deposit: no transfer could ever pay it out.
    #[error("fee {got} is below the existential deposit {existential_deposit}")]
    FeeBelowExistentialDeposit {
        /// The chain's existential deposit.
        existential_deposit: u128,
        /// The fee attached.
        got: u128,
    },
    /// `Purge` of a session whose proof awaits its outcome, before the verification deadline
    /// (`VERIFY_DEADLINE_BLOCKS` after the proof): drive the verification instead (a rejected
    /// proof refunds the fee), or purge from block `deadline` on, when the fee comes back.
    #[error("the session's proof awaits verification until block {deadline}")]
    ProofAwaitingVerification {
        /// The block height from which a purge refunds the fee.
        deadline: u32,
    },
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
    /// No session has this id: it never existed, was purged or was evicted.
    #[error("no such session")]
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
    ClaimedByAnother {
        /// The prover holding the claim.
        prover: ActorId,
    },
    /// The session has finished; the user may open a new one.
    #[error("the session has finished")]
    SessionFinished,
    /// The proof is larger than the program accepts.
    #[error("proof has {got} bytes, at most {max} accepted")]
    ProofTooLarge {
        /// The largest proof accepted, in bytes.
        max: u32,
        /// The proof's size.
        got: u32,
    },
    /// The proof bytes do not decode as a proof in the wire format, or its public output does
    /// not read as an answer (the statement's step count, logits in range).
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
    /// `VerifyBatch` with too few or too many sessions.
    #[error("a batch takes {min} to {max} sessions, {got} given")]
    BatchSize {
        /// Fewest sessions in a batch.
        min: u32,
        /// Most sessions in a batch.
        max: u32,
        /// Sessions given.
        got: u32,
    },
    /// `VerifyBatch` names a session twice.
    #[error("session {session_id} is named twice")]
    DuplicateInBatch {
        /// The session named twice.
        session_id: u64,
    },
    /// `VerifyBatch` while another batch is being verified (one at a time: a batch's combined
    /// check holds about 2 MiB of working memory); `ContinueBatch` finishes it.
    #[error("batch {batch_id} is being verified; continue it first")]
    BatchInProgress {
        /// The batch in progress.
        batch_id: u64,
    },
    /// `ContinueBatch` or `AbandonBatch` with no batch being verified.
    #[error("no batch is being verified")]
    NoBatch,
    /// `AbandonBatch` on a batch that advanced recently.
    #[error("the batch may be abandoned from block {idle_from} if it does not advance")]
    BatchNotIdle {
        /// The block from which it may be abandoned.
        idle_from: u32,
    },
    /// The message has too little gas to make progress.
    #[error("not enough gas: attach at least {needed}")]
    NotEnoughGas {
        /// Gas to attach to the message so that the next stage runs: the stage's work, the
        /// reserve kept to record the result, and the message's own overhead.
        needed: u64,
    },
    /// Value was attached to a call that takes none; the failed message returns it.
    #[error("this call takes no value, {value} attached")]
    ValueNotAccepted {
        /// The value attached.
        value: u128,
    },
    /// The message carries bytes after the call's arguments.
    #[error("{extra} bytes after the call's arguments")]
    TrailingBytes {
        /// How many.
        extra: u32,
    },
    /// An event could not be emitted.
    #[error("event could not be emitted")]
    EventNotEmitted,
}

/// What is wrong with a model description: why the constructor refused it.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelDefect {
    /// The name is empty or longer than the limit.
    #[error("name must be 1 to {max} bytes")]
    Name {
        /// The longest name accepted, in bytes.
        max: u32,
    },
    /// The input shape is not 28x28 grayscale.
    #[error("input shape must be 28x28")]
    InputShape,
    /// The number of fold steps is not the statement's.
    #[error("fold steps must be {expected}")]
    FoldSteps {
        /// The statement's number of steps.
        expected: u32,
    },
    /// The verifier key is empty or larger than the limit.
    #[error("verifier key must be 1 to {max} bytes")]
    VerifierKeySize {
        /// The largest key accepted, in bytes.
        max: u32,
    },
    /// The verifier key does not hash to its digest.
    #[error("verifier key digest mismatch")]
    VerifierKeyDigest,
    /// The verifier key does not decode as a `zkml_verifier::VerifierKey`.
    #[error("verifier key does not decode: {0}")]
    VerifierKey(String),
    /// The verifier key is for a step state of another size than the program's statement.
    #[error("verifier key must be for a {expected}-element step state")]
    Arity {
        /// The statement's step-state size.
        expected: u32,
    },
    /// The declared verifier data is empty or larger than the limit.
    #[error("verifier data must be 1 to {max} bytes")]
    VerifierDataSize {
        /// The largest verifier data accepted, in bytes.
        max: u32,
    },
}

/// Why the Fees service refused a call.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeesError {
    /// The call is reserved to the admin (the account that deployed the program).
    #[error("only the admin may do this")]
    NotAdmin,
    /// A non-zero minimum fee below the existential deposit: no transfer could ever pay out
    /// a fee that small.
    #[error("{got} is below the existential deposit {existential_deposit}")]
    BelowExistentialDeposit {
        /// The chain's existential deposit.
        existential_deposit: u128,
        /// The amount given.
        got: u128,
    },
    /// `Withdraw` by an account the program owes nothing.
    #[error("nothing is owed to this account")]
    NothingOwed,
    /// Value was attached to a call that takes none; the failed message returns it.
    #[error("this call takes no value, {value} attached")]
    ValueNotAccepted {
        /// The value attached.
        value: u128,
    },
    /// The message carries bytes after the call's arguments.
    #[error("{extra} bytes after the call's arguments")]
    TrailingBytes {
        /// How many.
        extra: u32,
    },
    /// An event could not be emitted.
    #[error("event could not be emitted")]
    EventNotEmitted,
}

/// Why a message was refused before its command ran: it is not exactly a call the command
/// takes. Each service's error has a variant for each case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRefused {
    /// Value was attached to a call that takes none.
    ValueNotAccepted {
        /// The value attached.
        value: u128,
    },
    /// Bytes follow the call's arguments.
    TrailingBytes {
        /// How many.
        extra: u32,
    },
}

macro_rules! from_call_refused {
    ($($error:ident),*) => {$(
        impl From<CallRefused> for $error {
            fn from(refused: CallRefused) -> Self {
                match refused {
                    CallRefused::ValueNotAccepted { value } => Self::ValueNotAccepted { value },
                    CallRefused::TrailingBytes { extra } => Self::TrailingBytes { extra },
                }
            }
        }
    )*};
}

from_call_refused!(ModelError, SessionsError, VerifierError, FeesError);

//! Every role's commands, as logic over a [`RoleBackend`], so that the same code runs on the
//! embedded gtest chain (tests) and on a real node (`zkml deploy`, `submit`, `status`, `verify`,
//! `purge`, `prove`, `withdraw`):
//!
//! - [`deploy`]: the Initializer uploads the code, creates the program, uploads the verifier
//!   data, finalizes and registers provers;
//! - [`user`]: a user submits an input with its fee (public or private), reads its session,
//!   drives a verification, proves its own session, purges;
//! - [`withdraw`]: anyone the program owes (a prover's fees, a user's refunds) takes it out.
//!
//! Each command checks its settings against the chain first and refuses with a [`RoleError`]
//! that says what to do, before any message is sent: a refused command costs no gas and
//! changes nothing.

pub mod deploy;
pub mod user;

use crate::backend::{Backend, CallError, QueryResult, TransportError};
use sails_rs::prelude::ActorId;
use zkml_client::fees::{Fees as _, FeesError};
use zkml_client::model::{Model as _, ModelError, ModelInfo, ProverKey, UploadStatus};
use zkml_client::sessions::SessionsError;
use zkml_client::{Zkml as _, sessions::Sessions as _};

/// Why a role command did nothing (or stopped); the message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// A program id given is not one.
    #[error("program id {0:?} is not 0x followed by 64 hex digits")]
    ProgramId(String),
    /// An account id given is not one.
    #[error("account {0:?} is not 0x followed by 64 hex digits")]
    Account(String),
    /// The program named cannot be read as a zkml program.
    #[error("cannot read a zkml program at {program} (is --program right?): {source}")]
    NoProgram {
        /// The program id.
        program: ActorId,
        /// Why.
        #[source]
        source: TransportError,
    },
    /// A call to the chain failed in transport.
    #[error("{call} failed: {source}")]
    Transport {
        /// The call.
        call: &'static str,
        /// The transport's error.
        #[source]
        source: TransportError,
    },
    /// The program refused a call.
    #[error("{call}: the program refused: {reason}")]
    Refused {
        /// The call.
        call: &'static str,
        /// The program's typed error.
        reason: String,
    },
    /// The image cannot be read or is not a 28x28 8-bit grayscale PNG.
    #[error("the image: {0}")]
    Image(String),
    /// The input is not 784 pixels.
    #[error("the input has {got} pixels; the model takes 28x28 = 784")]
    InputSize {
        /// Pixels given.
        got: usize,
    },
    /// The program's model is not finalized yet.
    #[error("the program's model is not finalized: its Initializer must finish `zkml deploy`")]
    NotFinalized,
    /// The fee is below the program's minimum.
    #[error(
        "the fee {fee} is below the program's minimum fee {minimum}: pass --fee {minimum} or more"
    )]
    FeeBelowMinimum {
        /// The program's minimum fee.
        minimum: u128,
        /// The fee given.
        fee: u128,
    },
    /// The account's session has not finished.
    #[error(
        "you already have session {session_id}, which has not finished: wait for its outcome \
         (`zkml status`), drive it (`zkml verify`) or discard it (`zkml purge`)"
    )]
    SessionOpen {
        /// The open session.
        session_id: u64,
    },
    /// The account has no session.
    #[error("account {0} has no session on this program")]
    NoSession(ActorId),
    /// The session has no proof to verify yet.
    #[error(
        "session {0} has no proof yet: a prover's daemon (`zkml serve`) or its owner \
         (`zkml prove --node …`) must submit one first"
    )]
    NoProof(u64),
    /// The session is not awaiting a proof (it has one, or an outcome).
    #[error("session {0} is not awaiting a proof: it already has one")]
    NotAwaitingProof(u64),
    /// A private input needs provers' encryption keys, and none is registered.
    #[error(
        "no registered prover has published an encryption key, so a private input cannot be \
         sealed for anyone: submit it publicly, or wait for a prover (`zkml serve \
         --envelope-key-file`)"
    )]
    NoProverKeys,
    /// A private session's opening does not match it.
    #[error("the opening: {0}")]
    Opening(String),
    /// The session's proof awaits its outcome and its verification deadline has not come.
    #[error(
        "session {session_id} has a proof awaiting verification, so it cannot be purged before \
         block {deadline}: drive the verification (`zkml verify`: a verified proof pays its \
         prover, a rejected one refunds you), or purge from block {deadline} on, when the \
         prover has forfeited and the fee comes back to you"
    )]
    AwaitingVerification {
        /// The session.
        session_id: u64,
        /// The block from which a purge refunds the fee.
        deadline: u32,
    },
    /// The program owes the account nothing.
    #[error("the program owes account {0} nothing: there is nothing to withdraw")]
    NothingOwed(ActorId),
    /// A verification did not end within the message limit.
    #[error("the verification did not end within {0} messages; run `zkml verify` again")]
    Unending(usize),
    /// Proving the session failed.
    #[error(transparent)]
    Proving(#[from] zkml_proving::Error),
}

/// A result of a role command.
pub type Result<T, E = RoleError> = std::result::Result<T, E>;

/// Reads a program id: `0x` and 64 hex digits.
///
/// # Errors
/// [`RoleError::ProgramId`] if it is not one.
pub fn program_id(text: &str) -> Result<ActorId> {
    parse_id(text).ok_or_else(|| RoleError::ProgramId(text.into()))
}

/// Reads an account id: `0x` and 64 hex digits.
///
/// # Errors
/// [`RoleError::Account`] if it is not one.
pub fn account_id(text: &str) -> Result<ActorId> {
    parse_id(text).ok_or_else(|| RoleError::Account(text.into()))
}

fn parse_id(text: &str) -> Option<ActorId> {
    let digits = text.strip_prefix("0x")?;
    if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    text.parse().ok()
}

/// Checks that the backend's program answers as a zkml program (every command does this
/// first, so that a wrong `--program` is named as such).
///
/// # Errors
/// [`RoleError::NoProgram`] if its model cannot be read.
pub async fn check_program(backend: &impl RoleBackend) -> Result<()> {
    match backend.model_info().await {
        Ok(_) => Ok(()),
        Err(CallError::Transport(source)) => Err(RoleError::NoProgram {
            program: backend.program_id(),
            source,
        }),
        Err(CallError::Refused(never)) => match never {},
    }
}

/// The error of query `call`.
pub(crate) fn queried<T>(call: &'static str, result: QueryResult<T>) -> Result<T> {
    result.map_err(|e| match e {
        CallError::Transport(source) => RoleError::Transport { call, source },
        CallError::Refused(never) => match never {},
    })
}

/// The error of message `call`, whose refusal the program types as `E`.
pub(crate) fn sent<T, E: std::fmt::Debug>(
    call: &'static str,
    result: std::result::Result<T, CallError<E>>,
) -> Result<T> {
    result.map_err(|e| match e {
        CallError::Transport(source) => RoleError::Transport { call, source },
        CallError::Refused(reason) => RoleError::Refused {
            call,
            reason: format!("{reason:?}"),
        },
    })
}

/// What the role commands need of the program besides a prover's calls, as the backend's
/// account (its [`Backend::prover`] is the signer, whatever its role).
#[allow(async_fn_in_trait)] // Single-threaded callers; the futures need not be `Send`.
pub trait RoleBackend: Backend {
    /// The model as the program reports it.
    async fn model_info(&self) -> QueryResult<ModelInfo>;
    /// The minimum fee an input must carry.
    async fn minimum_fee(&self) -> QueryResult<u128>;
    /// What the program owes `account`.
    async fn balance(&self, account: ActorId) -> QueryResult<u128>;
    /// The registered provers' encryption keys.
    async fn encryption_keys(&self) -> QueryResult<Vec<ProverKey>>;
    /// Opens the signer's session with `pixels` and `fee` attached; the session's id.
    async fn submit_input(
        &self,
        pixels: Vec<u8>,
        fee: u128,
    ) -> std::result::Result<u64, CallError<SessionsError>>;
    /// Opens the signer's session with a private input and `fee` attached; the session's id.
    async fn submit_private_input(
        &self,
        commitment: [u8; 32],
        envelope: Vec<u8>,
        fee: u128,
    ) -> std::result::Result<u64, CallError<SessionsError>>;
    /// Discards the signer's session; its id.
    async fn purge(&self) -> std::result::Result<u64, CallError<SessionsError>>;
    /// Pays out what the program owes the signer; the amount.
    async fn withdraw(&self) -> std::result::Result<u128, CallError<FeesError>>;
    /// Appends verifier data at `offset` (admin).
    async fn upload_verifier_data(
        &self,
        offset: u32,
        chunk: Vec<u8>,
    ) -> std::result::Result<UploadStatus, CallError<ModelError>>;
    /// Seals the model (admin).
    async fn finalize(&self) -> std::result::Result<(), CallError<ModelError>>;
    /// Registers `prover` (admin).
    async fn add_prover(&self, prover: ActorId) -> std::result::Result<(), CallError<ModelError>>;
    /// Sets the minimum fee (admin).
    async fn set_minimum_fee(&self, fee: u128) -> std::result::Result<(), CallError<FeesError>>;
}

/// Implements [`RoleBackend`] as [`crate::backend`]'s `impl_backend!` implements `Backend`.
macro_rules! impl_role_backend {
    ($backend:ty, $($query:tt)+) => {
        impl $crate::roles::RoleBackend for $backend {
            async fn model_info(&self) -> $crate::QueryResult<zkml_client::model::ModelInfo> {
                self.client().model().info()$($query)+
                    .map_err(|e| $crate::CallError::Transport(e.into()))
            }

            async fn minimum_fee(&self) -> $crate::QueryResult<u128> {
                self.client().fees().minimum_fee()$($query)+
                    .map_err(|e| $crate::CallError::Transport(e.into()))
            }

            async fn balance(&self, account: ActorId) -> $crate::QueryResult<u128> {
                self.client().fees().balance(account)$($query)+
                    .map_err(|e| $crate::CallError::Transport(e.into()))
            }

            async fn encryption_keys(
                &self,
            ) -> $crate::QueryResult<Vec<zkml_client::model::ProverKey>> {
                self.client().model().encryption_keys()$($query)+
                    .map_err(|e| $crate::CallError::Transport(e.into()))
            }

            async fn submit_input(
                &self,
                pixels: Vec<u8>,
                fee: u128,
            ) -> Result<u64, $crate::CallError<zkml_client::sessions::SessionsError>> {
                self.client()
                    .sessions()
                    .submit_input(pixels, None)
                    .with_value(fee)
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn submit_private_input(
                &self,
                commitment: [u8; 32],
                envelope: Vec<u8>,
                fee: u128,
            ) -> Result<u64, $crate::CallError<zkml_client::sessions::SessionsError>> {
                self.client()
                    .sessions()
                    .submit_private_input(commitment, envelope, None)
                    .with_value(fee)
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn purge(
                &self,
            ) -> Result<u64, $crate::CallError<zkml_client::sessions::SessionsError>> {
                self.client()
                    .sessions()
                    .purge()
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn withdraw(
                &self,
            ) -> Result<u128, $crate::CallError<zkml_client::fees::FeesError>> {
                self.client()
                    .fees()
                    .withdraw()
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn upload_verifier_data(
                &self,
                offset: u32,
                chunk: Vec<u8>,
            ) -> Result<
                zkml_client::model::UploadStatus,
                $crate::CallError<zkml_client::model::ModelError>,
            > {
                self.client()
                    .model()
                    .upload_verifier_data(offset, chunk)
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn finalize(
                &self,
            ) -> Result<(), $crate::CallError<zkml_client::model::ModelError>> {
                self.client()
                    .model()
                    .finalize()
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn add_prover(
                &self,
                prover: ActorId,
            ) -> Result<(), $crate::CallError<zkml_client::model::ModelError>> {
                self.client()
                    .model()
                    .add_prover(prover)
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }

            async fn set_minimum_fee(
                &self,
                fee: u128,
            ) -> Result<(), $crate::CallError<zkml_client::fees::FeesError>> {
                self.client()
                    .fees()
                    .set_minimum_fee(fee)
                    .await
                    .map_err(|e| $crate::CallError::Transport(e.into()))?
                    .map_err($crate::CallError::Refused)
            }
        }
    };
}
#[cfg(feature = "gsdk")]
pub(crate) use impl_role_backend;

impl_role_backend!(crate::GtestBackend, .query());

/// Pays out what the program owes the signer (a prover's earned fees, a user's refunds): pull
/// payments. Refused with [`RoleError::NothingOwed`] before any message when the balance is zero.
///
/// # Errors
/// [`RoleError::NothingOwed`], or the call's [`RoleError::Transport`] / [`RoleError::Refused`].
pub async fn withdraw(backend: &impl RoleBackend) -> Result<u128> {
    let account = backend.prover();
    let owed = queried("balance", backend.balance(account).await)?;
    if owed == 0 {
        return Err(RoleError::NothingOwed(account));
    }
    sent("withdraw", backend.withdraw().await)
}

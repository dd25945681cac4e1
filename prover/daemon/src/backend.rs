//! The chain a prover daemon talks to, behind one trait: the embedded gtest chain or, with the
//! `gsdk` feature, a real Gear/Vara node. Both implementations go through the generated client.

use sails_rs::client::{Actor, GtestEnv};
use sails_rs::prelude::ActorId;
use std::convert::Infallible;
use zkml_client::model::ModelError;
use zkml_client::sessions::{Lease, PendingInput, Session, SessionsError};
use zkml_client::verifier::Verifier as _;
use zkml_client::verifier::{VerificationStatus, VerifierError};
use zkml_client::{
    Zkml as _, ZkmlProgram, fees::Fees as _, model::Model as _, sessions::Sessions as _,
};

/// Gas attached to each verification message the daemon sends: enough for the costliest fixed
/// stage (195,000 units of 2.6e6 gas plus the program's 5e9 reserve), kept below the block gas
/// limit (7.5e11) so that the message fits a block's queue-processing allowance.
pub const VERIFY_GAS: u64 = 650_000_000_000;

/// The error of a Sails environment (gtest's or a node's), behind one type.
pub type TransportError = Box<dyn std::error::Error + Send + Sync>;

/// Why a call to the program did not return the program's answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    /// The node could not be reached or the message did not execute: worth retrying.
    #[error("call failed: {0}")]
    Transport(TransportError),
    /// The program refused the call with its typed error: retrying will not help.
    #[error("the program refused: {0:?}")]
    Refused(E),
}

/// A query's result: queries have no typed refusal.
pub type QueryResult<T> = Result<T, CallError<Infallible>>;

/// What a prover daemon needs of the program, as one prover account.
#[allow(async_fn_in_trait)] // The daemon runs on one thread; its futures need not be `Send`.
pub trait Backend {
    /// The prover account this backend signs as.
    fn prover(&self) -> ActorId;
    /// Whether [`Backend::prover`] is a registered prover.
    async fn is_prover(&self) -> QueryResult<bool>;
    /// Inputs this prover may claim now, oldest first, with session ids after `after`.
    async fn claimable(&self, after: Option<u64>, limit: u32) -> QueryResult<Vec<PendingInput>>;
    /// `user`'s session.
    async fn session(&self, user: ActorId) -> QueryResult<Option<Session>>;
    /// The program's id (what a private input's envelope is bound to).
    fn program_id(&self) -> ActorId;
    /// The pixels of session `session_id`'s public input.
    async fn input(&self, session_id: u64) -> QueryResult<Option<Vec<u8>>>;
    /// The envelope of session `session_id`'s private input.
    async fn envelope(&self, session_id: u64) -> QueryResult<Option<Vec<u8>>>;
    /// Sets this prover's X25519 public key for private inputs.
    async fn set_encryption_key(&self, key: [u8; 32]) -> Result<(), CallError<ModelError>>;
    /// Claims session `session_id` (or renews this prover's claim on it).
    async fn claim(&self, session_id: u64) -> Result<Lease, CallError<SessionsError>>;
    /// Submits `proof` for session `session_id`.
    async fn submit_proof(
        &self,
        session_id: u64,
        proof: Vec<u8>,
    ) -> Result<(), CallError<VerifierError>>;
    /// The fee held for session `session_id`: what a proof of it that verifies earns (zero
    /// for a free input, or once the session settled).
    async fn fee(&self, session_id: u64) -> QueryResult<u128>;
    /// What the program owes this prover: fees earned and not withdrawn yet.
    async fn earned(&self) -> QueryResult<u128>;
    /// Starts (`resume` false: `Verify`) or resumes (`ContinueVerification`) the verification
    /// of session `session_id`, as far as one message's gas goes.
    async fn verify(
        &self,
        session_id: u64,
        resume: bool,
    ) -> Result<VerificationStatus, CallError<VerifierError>>;
}

/// Implements [`Backend`] for a type with `fn client(&self) -> Actor<ZkmlProgram, Env>` and a
/// `prover: ActorId` field, for a Sails environment whose pending calls are futures. `$query`
/// turns a pending call into a read-only query's result (no message, no gas).
macro_rules! impl_backend {
    ($backend:ty, $($query:tt)+) => {
        impl Backend for $backend {
            fn prover(&self) -> ActorId {
                self.prover
            }

            async fn is_prover(&self) -> QueryResult<bool> {
                self.client()
                    .model()
                    .is_prover(self.prover)
                    $($query)+
                    .map_err(|e| CallError::Transport(e.into()))
            }

            async fn claimable(
                &self,
                after: Option<u64>,
                limit: u32,
            ) -> QueryResult<Vec<PendingInput>> {
                self.client()
                    .sessions()
                    .claimable(self.prover, after, limit)
                    $($query)+
                    .map_err(|e| CallError::Transport(e.into()))
            }

            async fn session(&self, user: ActorId) -> QueryResult<Option<Session>> {
                self.client()
                    .sessions()
                    .session(user)
                    $($query)+
                    .map_err(|e| CallError::Transport(e.into()))
            }

            fn program_id(&self) -> ActorId {
                self.program_id
            }

            async fn input(&self, session_id: u64) -> QueryResult<Option<Vec<u8>>> {
                self.client()
                    .sessions()
                    .input(session_id)
                    $($query)+
                    .map_err(|e| CallError::Transport(e.into()))
            }

            async fn envelope(&self, session_id: u64) -> QueryResult<Option<Vec<u8>>> {
                self.client()
                    .sessions()
                    .envelope(session_id)
                    $($query)+
                    .map_err(|e| CallError::Transport(e.into()))
            }

            async fn set_encryption_key(
                &self,
                key: [u8; 32],
            ) -> Result<(), CallError<ModelError>> {
                self.client()
                    .model()
                    .set_encryption_key(key)
                    .await
                    .map_err(|e| CallError::Transport(e.into()))?
                    .map_err(CallError::Refused)
            }

            async fn claim(&self, session_id: u64) -> Result<Lease, CallError<SessionsError>> {
                self.client()
                    .sessions()
                    .claim(session_id)
                    .await
                    .map_err(|e| CallError::Transport(e.into()))?
                    .map_err(CallError::Refused)
            }

            async fn submit_proof(
                &self,
                session_id: u64,
                proof: Vec<u8>,
            ) -> Result<(), CallError<VerifierError>> {
                self.client()
                    .verifier()
                    .submit_proof(session_id, proof)
                    .await
                    .map_err(|e| CallError::Transport(e.into()))?
                    .map_err(CallError::Refused)
            }

            async fn fee(&self, session_id: u64) -> QueryResult<u128> {
                self.client()
                    .fees()
                    .escrow(session_id)
                    $($query)+
                    .map(|escrow| escrow.map_or(0, |e| e.amount))
                    .map_err(|e| CallError::Transport(e.into()))
            }

            async fn earned(&self) -> QueryResult<u128> {
                self.client()
                    .fees()
                    .balance(self.prover)
                    $($query)+
                    .map_err(|e| CallError::Transport(e.into()))
            }

            async fn verify(
                &self,
                session_id: u64,
                resume: bool,
            ) -> Result<VerificationStatus, CallError<VerifierError>> {
                let mut verifier = self.client().verifier();
                let reply = if resume {
                    verifier
                        .continue_verification(session_id)
                        .with_gas_limit($crate::backend::VERIFY_GAS)
                        .await
                } else {
                    verifier
                        .verify(session_id)
                        .with_gas_limit($crate::backend::VERIFY_GAS)
                        .await
                };
                reply
                    .map_err(|e| CallError::Transport(e.into()))?
                    .map_err(CallError::Refused)
            }
        }
    };
}
#[cfg(feature = "gsdk")]
pub(crate) use impl_backend;

/// The embedded gtest chain, in-process, as one prover account.
#[derive(Clone)]
pub struct GtestBackend {
    env: GtestEnv,
    program_id: ActorId,
    prover: ActorId,
}

impl GtestBackend {
    /// The program `program_id` on `env`'s chain, called as `prover`.
    pub fn new(env: &GtestEnv, program_id: ActorId, prover: ActorId) -> Self {
        Self {
            env: env.clone().with_actor_id(prover),
            program_id,
            prover,
        }
    }

    pub(crate) fn client(&self) -> Actor<ZkmlProgram, GtestEnv> {
        Actor::new(self.env.clone(), self.program_id)
    }
}

impl_backend!(GtestBackend, .query());

//! The program on an embedded gtest chain, for tests, the demo and load runs: deployment with a
//! model's keys, the verifier-data upload and finalization, the accounts, and the calls that
//! drive a session to its outcome.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use sails_rs::client::{Actor, GearEnv as _, GtestEnv, GtestError};
use sails_rs::futures::StreamExt as _;
use sails_rs::gtest::{System, constants::VALUE_PER_GAS};
use sails_rs::prelude::*;
use std::time::{Duration, Instant};
pub use zkml_client::verifier::{VerificationStatus, events::VerifierEvents};
use zkml_client::{
    ModelDefect, ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram, model::Model as _,
    sessions::Session, sessions::Sessions as _, sessions::SessionsError, verifier::Verifier as _,
    verifier::VerifierError,
};
use zkml_model::QuantizedModel;
use zkml_proving::export::ChainKeys;

mod leaks;
pub use leaks::{dump_holds_a_run, holds_a_run};

/// The Initializer: deploys the program and is its admin.
pub const ADMIN: u64 = 42;
/// The (first) registered prover.
pub const PROVER: u64 = 100;
/// A user.
pub const USER: u64 = 101;
/// Another user.
pub const OTHER_USER: u64 = 102;
/// An account with no role.
pub const STRANGER: u64 = 103;
/// A second prover.
pub const OTHER_PROVER: u64 = 104;
/// Bytes per verifier-data upload message.
pub const UPLOAD_CHUNK: usize = 512 * 1024;
/// Balance minted to each account.
pub const FUNDS: u128 = 1_000_000_000_000_000_000;
/// Most verification messages before [`Chain::verify`] gives up.
const MAX_MESSAGES: usize = 100;
/// Most messages a batch verification may take before it counts as unending (a batch of 16
/// that falls back to verifying each proof alone).
const MAX_BATCH_MESSAGES: usize = 600;

/// The program's client, acting as some account.
pub type Program = Actor<ZkmlProgram, GtestEnv>;

/// Keccak-256, the program's digest: the program's own function.
pub use zkml_app::state::model::keccak256 as keccak;

/// Why a call to the program on the embedded chain failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The message did not execute or its reply is missing.
    #[error("{call}")]
    Transport {
        /// The call.
        call: &'static str,
        /// gtest's error.
        #[source]
        source: GtestError,
    },
    /// The constructor refused the model.
    #[error("deploy: the program refused: {0:?}")]
    Deploy(ModelDefect),
    /// The Model service refused.
    #[error("{call}: the program refused: {refusal:?}")]
    Model {
        /// The call.
        call: &'static str,
        /// The program's error.
        refusal: zkml_client::model::ModelError,
    },
    /// The Sessions service refused.
    #[error("{call}: the program refused: {refusal:?}")]
    Sessions {
        /// The call.
        call: &'static str,
        /// The program's error.
        refusal: SessionsError,
    },
    /// The Verifier service refused.
    #[error("{call}: the program refused: {refusal:?}")]
    Verifier {
        /// The call.
        call: &'static str,
        /// The program's error.
        refusal: VerifierError,
    },
    /// The verification of a session did not end within the message limit.
    #[error("the verification did not end within {MAX_MESSAGES} messages")]
    Unending,
    /// The verification ended without its final event.
    #[error("no final Verifier event")]
    NoFinalEvent,
    /// The user has no session to verify.
    #[error("the user has no session")]
    NoSession,
}

/// A result of this crate.
pub type Result<T, E = Error> = result::Result<T, E>;

/// The transport error of `call`.
pub fn transport(call: &'static str) -> impl FnOnce(GtestError) -> Error {
    move |source| Error::Transport { call, source }
}

/// The Model service's refusal of `call`.
fn model_refused(call: &'static str) -> impl FnOnce(zkml_client::model::ModelError) -> Error {
    move |refusal| Error::Model { call, refusal }
}

/// The Verifier service's refusal of `call`.
fn verifier_refused(call: &'static str) -> impl FnOnce(VerifierError) -> Error {
    move |refusal| Error::Verifier { call, refusal }
}

/// The constructor argument for `model` with `keys`.
pub fn model_init(model: &QuantizedModel, keys: &ChainKeys) -> ModelInit {
    let side = zkml_verifier::statement::IMAGE_SIDE as u8;
    ModelInit {
        name: "mnist-784-64-32-10".into(),
        input_shape: (side, side),
        fold_steps: model.layers().len() as u32,
        verifier_key: keys.model_key.clone(),
        verifier_key_digest: keccak(&keys.model_key),
        verifier_data_len: keys.constant_key.len() as u32,
        verifier_data_digest: keccak(&keys.constant_key),
    }
}

/// An embedded chain with the program deployed on it.
pub struct Chain {
    env: GtestEnv,
    program_id: ActorId,
}

impl Chain {
    /// Starts a chain, funds the named accounts and deploys the program with `init` as
    /// [`ADMIN`].
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Deploy`] if the deployment fails.
    pub async fn deploy(init: ModelInit) -> Result<Self> {
        let system = System::new();
        for who in [ADMIN, PROVER, OTHER_PROVER, USER, OTHER_USER, STRANGER] {
            system.mint_to(who, FUNDS);
        }
        let code_id = system.submit_code(zkml_wasm::WASM_BINARY);
        let env = GtestEnv::new(system, ADMIN.into());
        let program = env
            .deploy::<ZkmlProgram>(code_id, b"zkml".to_vec())
            .new(init)
            .await
            .map_err(transport("deploy"))?
            .map_err(Error::Deploy)?;
        Ok(Self {
            env,
            program_id: program.id(),
        })
    }

    /// Deploys the program for `model`, uploads the constant key, finalizes the model and
    /// registers [`PROVER`].
    ///
    /// # Errors
    /// As [`Chain::deploy`], [`Chain::upload`], [`Chain::finalize`] and [`Chain::add_prover`].
    pub async fn start(model: &QuantizedModel, keys: &ChainKeys) -> Result<Self> {
        let chain = Self::deploy(model_init(model, keys)).await?;
        chain.upload(&keys.constant_key).await?;
        chain.finalize().await?;
        chain.add_prover(PROVER).await?;
        Ok(chain)
    }

    /// Uploads `data` as the verifier data, in order, as the admin.
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Model`] if a chunk is not taken.
    pub async fn upload(&self, data: &[u8]) -> Result<()> {
        let mut admin = self.as_(ADMIN).model();
        for (i, chunk) in data.chunks(UPLOAD_CHUNK).enumerate() {
            admin
                .upload_verifier_data((i * UPLOAD_CHUNK) as u32, chunk.to_vec())
                .await
                .map_err(transport("upload"))?
                .map_err(model_refused("upload"))?;
        }
        Ok(())
    }

    /// Finalizes the model, as the admin.
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Model`].
    pub async fn finalize(&self) -> Result<()> {
        self.as_(ADMIN)
            .model()
            .finalize()
            .await
            .map_err(transport("finalize"))?
            .map_err(model_refused("finalize"))
    }

    /// Registers `who` as a prover, as the admin.
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Model`].
    pub async fn add_prover(&self, who: u64) -> Result<()> {
        self.as_(ADMIN)
            .model()
            .add_prover(who.into())
            .await
            .map_err(transport("add prover"))?
            .map_err(model_refused("add prover"))
    }

    /// `user` submits `pixels` for proving.
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Sessions`].
    pub async fn submit_input(&self, user: u64, pixels: Vec<u8>) -> Result<()> {
        self.as_(user)
            .sessions()
            .submit_input(pixels, None)
            .await
            .map_err(transport("submit input"))?
            .map_err(|refusal| Error::Sessions {
                call: "submit input",
                refusal,
            })?;
        Ok(())
    }

    /// `user`'s session, read with a query (no message, so blocks do not advance).
    ///
    /// # Errors
    /// [`Error::Transport`] if the query fails, [`Error::NoSession`] if `user` has none.
    pub fn session(&self, user: u64) -> Result<Session> {
        self.as_(user)
            .sessions()
            .session(user.into())
            .query()
            .map_err(transport("session"))?
            .ok_or(Error::NoSession)
    }

    /// Mints funds to `who`.
    pub fn fund(&self, who: u64) {
        self.env.system().mint_to(who, FUNDS);
    }

    /// The program's client acting as `who`.
    pub fn as_(&self, who: u64) -> Program {
        Actor::new(self.env.clone().with_actor_id(who.into()), self.program_id)
    }

    /// The underlying gtest environment.
    pub fn env(&self) -> &GtestEnv {
        &self.env
    }

    /// The program's id.
    pub fn program_id(&self) -> ActorId {
        self.program_id
    }

    /// Runs `n` empty blocks.
    pub fn run_blocks(&self, n: u32) {
        for _ in 0..n {
            self.env.run_next_block();
        }
    }

    /// Gas `who` has paid for so far (balance spent, at gtest's value per gas), if it was
    /// funded once with [`FUNDS`].
    pub fn gas_spent(&self, who: u64) -> u128 {
        FUNDS.saturating_sub(self.env.system().balance_of(who)) / VALUE_PER_GAS
    }

    /// `caller` has the program verify the proofs of `session_ids` (2 to 16) together:
    /// `VerifyBatch`, then `ContinueBatch` until every session has its outcome.
    ///
    /// # Errors
    /// [`Error::Transport`] or [`Error::Verifier`] if a call fails, [`Error::Unending`] if
    /// the batch does not end.
    pub async fn verify_batch(&self, caller: u64, session_ids: &[u64]) -> Result<BatchRun> {
        let mut verifier = self.as_(caller).verifier();
        let mut gas = Vec::new();
        let mut outcomes: Vec<Option<VerificationStatus>> = vec![None; session_ids.len()];
        let mut spent = self.gas_spent(caller);
        let mut status = verifier
            .verify_batch(session_ids.to_vec())
            .await
            .map_err(transport("verify batch"))?
            .map_err(verifier_refused("verify batch"))?;
        loop {
            let now = self.gas_spent(caller);
            gas.push(now - spent);
            spent = now;
            for outcome in status.outcomes {
                if let Some(i) = session_ids.iter().position(|id| *id == outcome.session_id) {
                    outcomes[i] = Some(outcome.status);
                }
            }
            if status.complete {
                break;
            }
            if gas.len() >= MAX_BATCH_MESSAGES {
                return Err(Error::Unending);
            }
            // gtest runs each message within the call: let daemons on this thread go on meanwhile.
            tokio::task::yield_now().await;
            status = verifier
                .continue_batch()
                .await
                .map_err(transport("continue batch"))?
                .map_err(verifier_refused("continue batch"))?;
        }
        Ok(BatchRun { gas, outcomes })
    }

    /// `user` has the program verify its session's proof: `Verify`, then
    /// `ContinueVerification` until the outcome.
    ///
    /// # Errors
    /// [`Error::NoSession`] if `user` has none, [`Error::Transport`] or [`Error::Verifier`] if
    /// a call fails, [`Error::Unending`] or [`Error::NoFinalEvent`] if the verification does
    /// not end.
    pub async fn verify(&self, user: u64) -> Result<Verification> {
        let session_id = self.session(user)?.id;
        let mut verifier = self.as_(user).verifier();
        let mut events = verifier.listen().await.map_err(transport("listen"))?;
        let mut gas = Vec::new();
        let mut spent = self.gas_spent(user);
        let started = Instant::now();
        let mut outcome = verifier
            .verify(session_id)
            .await
            .map_err(transport("verify"))?
            .map_err(verifier_refused("verify"))?;
        loop {
            let now = self.gas_spent(user);
            gas.push(now - spent);
            spent = now;
            if !matches!(outcome, VerificationStatus::Verifying { .. }) {
                break;
            }
            if gas.len() >= MAX_MESSAGES {
                return Err(Error::Unending);
            }
            // gtest runs each message within the call: let daemons on this thread go on meanwhile.
            tokio::task::yield_now().await;
            outcome = verifier
                .continue_verification(session_id)
                .await
                .map_err(transport("continue verification"))?
                .map_err(verifier_refused("continue verification"))?;
        }
        let elapsed = started.elapsed();
        let account = ActorId::from(user);
        let event = loop {
            let (_, event) = events.next().await.ok_or(Error::NoFinalEvent)?;
            match &event {
                VerifierEvents::Verified { user, .. } | VerifierEvents::Rejected { user, .. }
                    if *user == account =>
                {
                    break event;
                }
                _ => {}
            }
        };
        Ok(Verification {
            gas,
            elapsed,
            outcome,
            event,
        })
    }
}

/// How an on-chain batch verification went.
#[derive(Debug)]
pub struct BatchRun {
    /// Gas of each verification message.
    pub gas: Vec<u128>,
    /// Each session's outcome, in the order the sessions were given (`None` for a session
    /// purged during the batch).
    pub outcomes: Vec<Option<VerificationStatus>>,
}

/// How an on-chain verification went.
#[derive(Debug)]
pub struct Verification {
    /// Gas of each verification message.
    pub gas: Vec<u128>,
    /// Wall time of the verification messages on this machine's gtest chain.
    pub elapsed: Duration,
    /// The session's final state.
    pub outcome: VerificationStatus,
    /// The final Verifier event.
    pub event: VerifierEvents,
}

//! The whole workflow on an embedded gtest chain, driven through the generated client: the
//! Initializer deploys the program, a user submits a digit, the prover proves it, and the user has
//! the program verify the proof.

use crate::error::{Error, Result};
use crate::export::{ChainKeys, chain_proof};
use crate::model::QuantizedModel;
use crate::proving::{Event, Prover};
use sails_rs::client::{Actor, GearEnv as _, GtestEnv};
use sails_rs::futures::StreamExt as _;
use sails_rs::gtest::{System, constants::VALUE_PER_GAS};
use sails_rs::prelude::*;
use sha3::{Digest, Keccak256};
use std::time::{Duration, Instant};
pub use zkml_client::verifier::{SessionState, events::VerifierEvents};
use zkml_client::{
    ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram, model::Model as _, sessions::Sessions as _,
    verifier::Verifier as _,
};

/// The Initializer's account.
pub const ADMIN: u64 = 42;
/// The prover's account.
pub const PROVER: u64 = 100;
/// The user's account.
pub const USER: u64 = 101;
/// Bytes per verifier-data upload message.
pub const UPLOAD_CHUNK: usize = 512 * 1024;
/// Balance minted to each account.
const FUNDS: u128 = 1_000_000_000_000_000_000;
/// Most verification messages before the demo gives up.
const MAX_MESSAGES: usize = 100;

/// Keccak-256, the program's digest.
pub fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// The constructor argument for `model` with `keys`.
pub fn model_init(model: &QuantizedModel, keys: &ChainKeys) -> ModelInit {
    let layers = model.layers();
    let hidden = &layers[..layers.len().saturating_sub(1)];
    ModelInit {
        name: "mnist-784-64-32-10".into(),
        input_shape: (28, 28),
        layer_widths: model.widths().iter().map(|w| *w as u32).collect(),
        shifts: hidden.iter().map(|l| l.shift as u8).collect(),
        fold_steps: layers.len() as u32,
        weights_digest: model.digest(),
        verifier_key: keys.model_key.clone(),
        verifier_key_digest: keccak(&keys.model_key),
        verifier_data_len: keys.constant_key.len() as u32,
        verifier_data_digest: keccak(&keys.constant_key),
    }
}

/// A gtest chain with the program deployed, finalized and the prover registered.
pub struct Chain {
    env: GtestEnv,
    program_id: ActorId,
}

fn chain_error(what: &str, e: impl core::fmt::Debug) -> Error {
    Error::Chain(format!("{what}: {e:?}"))
}

impl Chain {
    /// Starts a chain, deploys the program for `model`, uploads the constant key, finalizes the
    /// model and registers [`PROVER`].
    ///
    /// # Errors
    /// [`Error::Chain`] if a call fails.
    pub async fn start(model: &QuantizedModel, keys: &ChainKeys) -> Result<Self> {
        let system = System::new();
        for who in [ADMIN, PROVER, USER] {
            system.mint_to(who, FUNDS);
        }
        let code_id = system.submit_code(zkml_wasm::WASM_BINARY);
        let env = GtestEnv::new(system, ADMIN.into());
        let program = env
            .deploy::<ZkmlProgram>(code_id, b"vara-zkml".to_vec())
            .new(model_init(model, keys))
            .await
            .map_err(|e| chain_error("deploy", e))?
            .map_err(|e| chain_error("deploy", e))?;
        let chain = Self {
            env,
            program_id: program.id(),
        };
        let mut admin = chain.as_(ADMIN).model();
        for (i, chunk) in keys.constant_key.chunks(UPLOAD_CHUNK).enumerate() {
            admin
                .upload_verifier_data((i * UPLOAD_CHUNK) as u32, chunk.to_vec())
                .await
                .map_err(|e| chain_error("upload", e))?
                .map_err(|e| chain_error("upload", e))?;
        }
        admin
            .finalize()
            .await
            .map_err(|e| chain_error("finalize", e))?
            .map_err(|e| chain_error("finalize", e))?;
        admin
            .add_prover(PROVER.into())
            .await
            .map_err(|e| chain_error("add prover", e))?
            .map_err(|e| chain_error("add prover", e))?;
        Ok(chain)
    }

    /// The program's client acting as `who`.
    pub fn as_(&self, who: u64) -> Actor<ZkmlProgram, GtestEnv> {
        Actor::new(self.env.clone().with_actor_id(who.into()), self.program_id)
    }

    /// Gas `who` has paid for so far (balance spent, at gtest's value per gas).
    fn gas_spent(&self, who: u64) -> u128 {
        (FUNDS - self.env.system().balance_of(who)) / VALUE_PER_GAS
    }
}

/// What the demo did and measured.
#[derive(Debug)]
pub struct DemoReport {
    /// Time to prove the inference (fold steps and compression).
    pub prove_time: Duration,
    /// Size of the proof submitted to the program.
    pub proof_size: usize,
    /// Gas of each verification message.
    pub gas: Vec<u128>,
    /// The session's final state.
    pub outcome: SessionState,
    /// The final Verifier event.
    pub event: VerifierEvents,
}

/// Runs the workflow for `pixels`: the user submits them, the prover polls the pending inputs,
/// proves and submits, and the user has the program verify the proof until the outcome.
///
/// # Errors
/// [`Error::Chain`] if a call fails, or errors of proving and exporting.
pub async fn demo(
    chain: &Chain,
    prover: &Prover,
    pixels: &[u8],
    on_event: &dyn Fn(Event),
) -> Result<DemoReport> {
    let user = chain.as_(USER);
    user.sessions()
        .submit_input(pixels.to_vec())
        .await
        .map_err(|e| chain_error("submit input", e))?
        .map_err(|e| chain_error("submit input", e))?;

    // The prover polls the program for pending inputs and serves the oldest.
    let pending = chain
        .as_(PROVER)
        .sessions()
        .pending(None, 16)
        .await
        .map_err(|e| chain_error("pending", e))?;
    let input = pending
        .first()
        .ok_or_else(|| Error::Chain("no pending input".into()))?;
    let started = Instant::now();
    let (proof, _) = prover.prove(&input.pixels, on_event)?;
    let prove_time = started.elapsed();
    let bytes = chain_proof(&proof)?;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(input.user, bytes.clone())
        .await
        .map_err(|e| chain_error("submit proof", e))?
        .map_err(|e| chain_error("submit proof", e))?;

    // The user starts verification and continues it until the outcome.
    let mut verifier = user.verifier();
    let mut events = verifier
        .listen()
        .await
        .map_err(|e| chain_error("listen", e))?;
    let mut gas = Vec::new();
    let mut spent = chain.gas_spent(USER);
    let mut outcome = verifier
        .verify(USER.into())
        .await
        .map_err(|e| chain_error("verify", e))?
        .map_err(|e| chain_error("verify", e))?;
    loop {
        let now = chain.gas_spent(USER);
        gas.push(now - spent);
        spent = now;
        if !matches!(outcome, SessionState::Verifying { .. }) {
            break;
        }
        if gas.len() >= MAX_MESSAGES {
            return Err(Error::Chain("verification did not end".into()));
        }
        outcome = verifier
            .continue_verification(USER.into())
            .await
            .map_err(|e| chain_error("continue verification", e))?
            .map_err(|e| chain_error("continue verification", e))?;
    }
    let event = loop {
        let (_, event) = events
            .next()
            .await
            .ok_or_else(|| Error::Chain("no final event".into()))?;
        if matches!(
            event,
            VerifierEvents::Verified { .. } | VerifierEvents::Rejected { .. }
        ) {
            break event;
        }
    };
    Ok(DemoReport {
        prove_time,
        proof_size: bytes.len(),
        gas,
        outcome,
        event,
    })
}

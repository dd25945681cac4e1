//! The whole workflow on an embedded gtest chain, driven through the generated client: the
//! Initializer deploys the program, a user submits a digit, the prover proves it, and the user has
//! the program verify the proof.

use crate::error::{Error, Result};
use crate::export::ChainKeys;
use crate::model::QuantizedModel;
use crate::proving::Prover;
use crate::serve::{Daemon, GtestBackend, Observer, ServeConfig, Stats};
use sails_rs::client::{Actor, GearEnv as _, GtestEnv};
use sails_rs::futures::{self, FutureExt as _, Stream, StreamExt as _, future::join_all};
use sails_rs::gtest::{System, constants::VALUE_PER_GAS};
use sails_rs::prelude::*;
use sha3::{Digest, Keccak256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkml_client::sessions::events::SessionsEvents;
pub use zkml_client::verifier::{SessionState, events::VerifierEvents};
use zkml_client::{
    ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram, model::Model as _, sessions::Sessions as _,
    verifier::Verifier as _,
};

/// The Initializer's account.
pub const ADMIN: u64 = 42;
/// The (first) prover's account.
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
        for who in [ADMIN, USER] {
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
        chain.add_prover(PROVER).await?;
        Ok(chain)
    }

    /// Funds `who` and registers it as a prover, as the admin.
    ///
    /// # Errors
    /// [`Error::Chain`] if the program refuses.
    pub async fn add_prover(&self, who: u64) -> Result<()> {
        self.fund(who);
        self.as_(ADMIN)
            .model()
            .add_prover(who.into())
            .await
            .map_err(|e| chain_error("add prover", e))?
            .map_err(|e| chain_error("add prover", e))
    }

    /// Mints funds to `who`.
    pub fn fund(&self, who: u64) {
        self.env.system().mint_to(who, FUNDS);
    }

    /// The program's client acting as `who`.
    pub fn as_(&self, who: u64) -> Actor<ZkmlProgram, GtestEnv> {
        Actor::new(self.env.clone().with_actor_id(who.into()), self.program_id)
    }

    /// The prover daemon's backend for the account `who`.
    pub fn backend(&self, who: u64) -> GtestBackend {
        GtestBackend::new(&self.env, self.program_id, who.into())
    }

    /// The underlying gtest environment.
    pub fn env(&self) -> &GtestEnv {
        &self.env
    }

    /// Gas `who` has paid for so far (balance spent, at gtest's value per gas).
    fn gas_spent(&self, who: u64) -> u128 {
        (FUNDS - self.env.system().balance_of(who)) / VALUE_PER_GAS
    }
}

/// How an on-chain verification went.
#[derive(Debug)]
pub struct Verification {
    /// Gas of each verification message.
    pub gas: Vec<u128>,
    /// Wall time of the verification messages on this machine's gtest chain.
    pub elapsed: Duration,
    /// The session's final state.
    pub outcome: SessionState,
    /// The final Verifier event.
    pub event: VerifierEvents,
}

/// `user` has the program verify its session's proof: `Verify`, then `ContinueVerification`
/// until the outcome.
///
/// # Errors
/// [`Error::Chain`] if a call fails or the verification does not end.
pub async fn verify(chain: &Chain, user: u64) -> Result<Verification> {
    let mut verifier = chain.as_(user).verifier();
    let mut events = verifier
        .listen()
        .await
        .map_err(|e| chain_error("listen", e))?;
    let mut gas = Vec::new();
    let mut spent = chain.gas_spent(user);
    let started = Instant::now();
    let mut outcome = verifier
        .verify(user.into())
        .await
        .map_err(|e| chain_error("verify", e))?
        .map_err(|e| chain_error("verify", e))?;
    loop {
        let now = chain.gas_spent(user);
        gas.push(now - spent);
        spent = now;
        if !matches!(outcome, SessionState::Verifying { .. }) {
            break;
        }
        if gas.len() >= MAX_MESSAGES {
            return Err(Error::Chain("verification did not end".into()));
        }
        // gtest runs each message within the call: let daemons on this thread go on meanwhile.
        tokio::task::yield_now().await;
        outcome = verifier
            .continue_verification(user.into())
            .await
            .map_err(|e| chain_error("continue verification", e))?
            .map_err(|e| chain_error("continue verification", e))?;
    }
    let elapsed = started.elapsed();
    let account = ActorId::from(user);
    let event = loop {
        let (_, event) = events
            .next()
            .await
            .ok_or_else(|| Error::Chain("no final event".into()))?;
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

/// Daemon settings for the embedded chain: serve what is there, then return.
fn drain() -> ServeConfig {
    ServeConfig {
        drain: true,
        ..ServeConfig::default()
    }
}

/// What the demo did and measured.
#[derive(Debug)]
pub struct DemoReport {
    /// Time to prove the inference (fold steps and compression).
    pub prove_time: Duration,
    /// Size of the proof submitted to the program.
    pub proof_size: u64,
    /// The on-chain verification.
    pub verification: Verification,
}

/// Runs the workflow for `pixels`: the user submits them, the prover daemon claims, proves and
/// submits, and the user has the program verify the proof until the outcome.
///
/// # Errors
/// [`Error::Chain`] if a call fails, or errors of proving and exporting.
pub async fn demo(
    chain: &Chain,
    prover: Arc<Prover>,
    pixels: &[u8],
    observer: Observer,
) -> Result<DemoReport> {
    chain
        .as_(USER)
        .sessions()
        .submit_input(pixels.to_vec())
        .await
        .map_err(|e| chain_error("submit input", e))?
        .map_err(|e| chain_error("submit input", e))?;
    let stats = Daemon::start(chain.backend(PROVER), prover, drain())
        .await?
        .with_observer(observer)
        .run()
        .await?;
    if stats.submitted != 1 {
        return Err(Error::Chain(format!(
            "the daemon did not prove the input: {stats:?}"
        )));
    }
    Ok(DemoReport {
        prove_time: stats.prove_time,
        proof_size: stats.proof_bytes,
        verification: verify(chain, USER).await?,
    })
}

/// First account of the users of a load run.
pub const FIRST_LOAD_USER: u64 = 1_000;
/// Prover accounts of a load run after [`PROVER`]: `EXTRA_PROVERS + 1`, `+ 2`, ...
pub const EXTRA_PROVERS: u64 = 200;

/// The account of a load run's prover `k` (0-based).
pub fn prover_account(k: usize) -> u64 {
    if k == 0 {
        PROVER
    } else {
        EXTRA_PROVERS + k as u64
    }
}

/// What a load run did and measured.
#[derive(Debug)]
pub struct LoadReport {
    /// Wall time from the first submitted input to the last outcome.
    pub elapsed: Duration,
    /// Wall time from the first submitted input to the last accepted proof.
    pub proved_in: Duration,
    /// Each daemon's statistics.
    pub daemons: Vec<Stats>,
    /// Sessions whose proof verified.
    pub verified: usize,
    /// Sessions whose proof was rejected.
    pub rejected: usize,
    /// Sessions without an outcome at the end (lost inputs).
    pub lost: usize,
    /// Sessions for which more than one proof was accepted.
    pub proved_twice: usize,
    /// Sessions claimed more than once.
    pub claimed_twice: usize,
}

/// `inputs.len()` users submit at once; `provers` daemons serve them side by side while the
/// users verify each proof as it lands.
///
/// # Errors
/// [`Error::Chain`] if a call fails.
pub async fn load(
    chain: &Chain,
    prover: Arc<Prover>,
    inputs: &[Vec<u8>],
    provers: usize,
    observer: Observer,
) -> Result<LoadReport> {
    for k in 1..provers {
        chain.add_prover(prover_account(k)).await?;
    }
    let users: Vec<u64> = (0..inputs.len() as u64)
        .map(|i| FIRST_LOAD_USER + i)
        .collect();
    let mut submissions = chain
        .as_(ADMIN)
        .verifier()
        .listen()
        .await
        .map_err(|e| chain_error("listen", e))?;
    let mut claims = chain
        .as_(ADMIN)
        .sessions()
        .listen()
        .await
        .map_err(|e| chain_error("listen", e))?;
    let started = Instant::now();
    for (user, pixels) in users.iter().zip(inputs) {
        chain.fund(*user);
        chain
            .as_(*user)
            .sessions()
            .submit_input(pixels.clone())
            .await
            .map_err(|e| chain_error("submit input", e))?
            .map_err(|e| chain_error("submit input", e))?;
    }

    let mut daemons = Vec::with_capacity(provers);
    for k in 0..provers {
        let daemon = Daemon::start(chain.backend(prover_account(k)), prover.clone(), drain())
            .await?
            .with_observer(observer.clone());
        daemons.push(daemon);
    }
    let serving = async {
        let served = join_all(daemons.iter_mut().map(|d| d.run())).await;
        (served, started.elapsed())
    };
    let ((served, proved_in), outcomes) = futures::join!(serving, verify_as_proved(chain, &users));
    let daemons = served.into_iter().collect::<Result<Vec<_>>>()?;
    let outcomes = outcomes?;
    let elapsed = started.elapsed();

    let proofs = count_per_session(&mut submissions, |event| match event {
        VerifierEvents::ProofSubmitted { session_id, .. } => Some(session_id),
        _ => None,
    });
    let claimed = count_per_session(&mut claims, |event| match event {
        SessionsEvents::Claimed { session_id, .. } => Some(session_id),
        _ => None,
    });
    Ok(LoadReport {
        elapsed,
        proved_in,
        daemons,
        verified: outcomes
            .iter()
            .filter(|o| matches!(o, Some(SessionState::Verified { .. })))
            .count(),
        rejected: outcomes
            .iter()
            .filter(|o| matches!(o, Some(SessionState::Rejected { .. })))
            .count(),
        lost: outcomes.iter().filter(|o| o.is_none()).count(),
        proved_twice: proofs.values().filter(|n| **n > 1).count(),
        claimed_twice: claimed.values().filter(|n| **n > 1).count(),
    })
}

/// How often each session appears among the events already delivered on `events`, as
/// `session_of` reads them.
fn count_per_session<E>(
    events: &mut (impl Stream<Item = (ActorId, E)> + Unpin),
    session_of: impl Fn(E) -> Option<u64>,
) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    while let Some(Some((_, event))) = events.next().now_or_never() {
        if let Some(session_id) = session_of(event) {
            *counts.entry(session_id).or_default() += 1;
        }
    }
    counts
}

/// Verifies each user's proof as soon as it is submitted, until every session has an outcome
/// or nothing moves for a while; returns each user's outcome (`None` if it never came).
async fn verify_as_proved(chain: &Chain, users: &[u64]) -> Result<Vec<Option<SessionState>>> {
    const IDLE_LIMIT: Duration = Duration::from_secs(600);
    let mut outcomes: Vec<Option<SessionState>> = vec![None; users.len()];
    let mut last_progress = Instant::now();
    while outcomes.iter().any(Option::is_none) && last_progress.elapsed() < IDLE_LIMIT {
        for (user, outcome) in users.iter().zip(outcomes.iter_mut()) {
            if outcome.is_some() {
                continue;
            }
            // A read-only query: no message, so the chain's block height does not move.
            let session = chain
                .as_(*user)
                .sessions()
                .my_session()
                .query()
                .map_err(|e| chain_error("session", e))?;
            if matches!(
                session.map(|s| s.state),
                Some(zkml_client::sessions::SessionState::ProofSubmitted)
            ) {
                *outcome = Some(verify(chain, *user).await?.outcome);
                last_progress = Instant::now();
            }
        }
        // Let the daemons run.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(outcomes)
}

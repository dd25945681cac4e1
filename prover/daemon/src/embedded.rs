//! The demo and load runs on an embedded gtest chain: users submit digits, prover daemons claim,
//! prove and submit. In the demo the daemon verifies its proof and earns the user's fee; in the
//! load run the users have the program verify each proof.

use crate::backend::{Backend as _, GtestBackend};
use crate::daemon::{Daemon, DaemonEvent, Observer, ServeConfig, Stats};
use sails_rs::futures::{self, FutureExt as _, Stream, StreamExt as _, future::join_all};
use sails_rs::prelude::*;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use zkml_client::sessions::events::SessionsEvents;
use zkml_client::{Zkml as _, sessions::Sessions as _};
use zkml_proving::Prover;
use zkml_testkit::{ADMIN, Chain, PROVER, USER, VerificationStatus, VerifierEvents, transport};

/// Why a demo or load run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A call to the program failed.
    #[error(transparent)]
    Chain(#[from] zkml_testkit::Error),
    /// A daemon failed.
    #[error(transparent)]
    Daemon(#[from] crate::Error),
    /// A private input could not be prepared.
    #[error("private input: {0}")]
    Private(String),
    /// The demo's daemon finished without proving the input.
    #[error("the daemon did not prove the input: {0:?}")]
    NotProved(Stats),
}

/// A result of a run.
pub type Result<T, E = RunError> = result::Result<T, E>;

/// The prover daemon's backend on `chain` for the account `who`.
pub fn backend(chain: &Chain, who: u64) -> GtestBackend {
    GtestBackend::new(chain.env(), chain.program_id(), who.into())
}

/// Daemon settings for the embedded chain: serve what is there, then return; the users
/// verify (the demo and load runs measure the verification from the user's side).
pub(crate) fn drain() -> ServeConfig {
    ServeConfig {
        drain: true,
        verify: false,
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
    /// The fee the user attached to its input.
    pub fee: u128,
    /// What the daemon earned by the verified proof.
    pub earned: u128,
    /// What the program owes the prover afterwards (`Fees.Balance`), to withdraw.
    pub owed: u128,
    /// The session's outcome, as its final event reports it.
    pub outcome: VerificationStatus,
    /// The final Verifier event (`Verified` or `Rejected`).
    pub event: VerifierEvents,
    /// Verification messages the daemon sent.
    pub verify_messages: u64,
    /// Gas the prover paid for the whole session: claim, proof and verification.
    pub prover_gas: u128,
}

/// Runs the workflow for `pixels`: the user submits them with `fee` (its one message), and the
/// prover daemon claims, proves, submits and drives the verification to the outcome, which
/// pays it the fee.
///
/// # Errors
/// [`RunError::Chain`] if a call fails, [`RunError::Daemon`] if the daemon fails,
/// [`RunError::NotProved`] if it does not prove and verify the input.
pub async fn demo(
    chain: &Chain,
    prover: Arc<Prover>,
    pixels: &[u8],
    fee: u128,
    observer: Observer,
) -> Result<DemoReport> {
    let run = DemoRun::start(chain, prover, observer).await?;
    chain
        .as_(USER)
        .sessions()
        .submit_input(pixels.to_vec(), None)
        .with_value(fee)
        .await
        .map_err(transport("submit input"))?
        .map_err(|refusal| zkml_testkit::Error::Sessions {
            call: "submit input",
            refusal,
        })?;
    run.finish(chain, fee).await
}

/// The prover's side of a demo: a daemon that verifies its proofs, counting its verification
/// messages, and the user's listener for the outcome. Started before the user submits.
pub(crate) struct DemoRun {
    /// The prover daemon.
    pub(crate) daemon: Daemon<GtestBackend>,
    backend: GtestBackend,
    messages: Arc<AtomicU64>,
    events: Pin<Box<dyn Stream<Item = (ActorId, VerifierEvents)>>>,
}

impl DemoRun {
    /// Starts the prover's daemon on `chain` and the user's listener.
    pub(crate) async fn start(
        chain: &Chain,
        prover: Arc<Prover>,
        observer: Observer,
    ) -> Result<Self> {
        let events = chain
            .as_(USER)
            .verifier()
            .listen()
            .await
            .map_err(transport("listen"))?;
        let messages = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&messages);
        let counting: Observer = Arc::new(move |event| {
            if matches!(
                event,
                DaemonEvent::Verifying { .. }
                    | DaemonEvent::Verified { .. }
                    | DaemonEvent::Rejected { .. }
            ) {
                counted.fetch_add(1, Ordering::Relaxed);
            }
            observer(event);
        });
        let config = ServeConfig {
            verify: true,
            ..drain()
        };
        let backend = backend(chain, PROVER);
        let daemon = Daemon::start(backend.clone(), prover, config)
            .await?
            .with_observer(counting);
        Ok(Self {
            daemon,
            backend,
            messages,
            events: Box::pin(events),
        })
    }

    /// Once the user submitted its input with `fee`: the daemon serves it to its outcome;
    /// what it cost and earned, and the outcome the user saw.
    pub(crate) async fn finish(mut self, chain: &Chain, fee: u128) -> Result<DemoReport> {
        let gas_before = chain.gas_spent(PROVER);
        let stats = self.daemon.run().await?;
        if stats.submitted != 1 || stats.verified + stats.rejected != 1 {
            return Err(RunError::NotProved(stats));
        }
        let prover_gas = chain.gas_spent(PROVER) - gas_before;
        let owed = self
            .backend
            .earned()
            .await
            .map_err(|_| RunError::NotProved(stats.clone()))?;
        let account = ActorId::from(USER);
        let event = loop {
            let Some(Some((_, event))) = self.events.next().now_or_never() else {
                return Err(zkml_testkit::Error::NoFinalEvent.into());
            };
            match &event {
                VerifierEvents::Verified { user, .. } | VerifierEvents::Rejected { user, .. }
                    if *user == account =>
                {
                    break event;
                }
                _ => {}
            }
        };
        let outcome = match &event {
            VerifierEvents::Verified { digit, logits, .. } => VerificationStatus::Verified {
                digit: *digit,
                logits: logits.clone(),
            },
            VerifierEvents::Rejected { reason, .. } => VerificationStatus::Rejected {
                reason: reason.clone(),
            },
            _ => return Err(zkml_testkit::Error::NoFinalEvent.into()),
        };
        Ok(DemoReport {
            prove_time: stats.prove_time,
            proof_size: stats.proof_bytes,
            fee,
            earned: stats.earned,
            owed,
            outcome,
            event,
            verify_messages: self.messages.load(Ordering::Relaxed),
            prover_gas,
        })
    }
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
/// users verify the proofs as they land, several at once in a batch (`verify_as_proved`).
///
/// # Errors
/// [`RunError::Chain`] if a call fails, [`RunError::Daemon`] if a daemon fails.
pub async fn load(
    chain: &Chain,
    prover: Arc<Prover>,
    inputs: &[Vec<u8>],
    provers: usize,
    observer: Observer,
) -> Result<LoadReport> {
    for k in 1..provers {
        chain.fund(prover_account(k));
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
        .map_err(transport("listen"))?;
    let mut claims = chain
        .as_(ADMIN)
        .sessions()
        .listen()
        .await
        .map_err(transport("listen"))?;
    let started = Instant::now();
    for (user, pixels) in users.iter().zip(inputs) {
        chain.fund(*user);
        chain.submit_input(*user, pixels.clone()).await?;
    }

    let mut daemons = Vec::with_capacity(provers);
    for k in 0..provers {
        let daemon = Daemon::start(backend(chain, prover_account(k)), prover.clone(), drain())
            .await?
            .with_observer(observer.clone());
        daemons.push(daemon);
    }
    let serving = async {
        let served = join_all(daemons.iter_mut().map(|d| d.run())).await;
        (served, started.elapsed())
    };
    let ((served, proved_in), outcomes) = futures::join!(serving, verify_as_proved(chain, &users));
    let daemons = served.into_iter().collect::<crate::Result<Vec<_>>>()?;
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
            .filter(|o| matches!(o, Some(VerificationStatus::Verified { .. })))
            .count(),
        rejected: outcomes
            .iter()
            .filter(|o| matches!(o, Some(VerificationStatus::Rejected { .. })))
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

/// Most proofs the load run verifies in one batch (the program's limit).
const MAX_BATCH: usize = 16;

/// Verifies the users' proofs as they are submitted, until every session has an outcome or
/// nothing moves for a while; returns each user's outcome (`None` if it never came). Policy:
/// whatever has been submitted is verified at once, in one batch of up to [`MAX_BATCH`] when
/// there are several (the batch shares its pairing and its 16,384-point MSM), alone when there
/// is one, so that no proof waits for others.
async fn verify_as_proved(chain: &Chain, users: &[u64]) -> Result<Vec<Option<VerificationStatus>>> {
    const IDLE_LIMIT: Duration = Duration::from_secs(600);
    let mut outcomes: Vec<Option<VerificationStatus>> = vec![None; users.len()];
    let mut last_progress = Instant::now();
    while outcomes.iter().any(Option::is_none) && last_progress.elapsed() < IDLE_LIMIT {
        // Who has a proof in: (index, session id). Read-only queries: no message, so the
        // chain's block height does not move.
        let mut ready = Vec::new();
        for (i, user) in users.iter().enumerate() {
            if outcomes[i].is_some() || ready.len() == MAX_BATCH {
                continue;
            }
            let session = chain
                .as_(*user)
                .sessions()
                .my_session()
                .query()
                .map_err(transport("session"))?;
            if let Some(s) = session
                && matches!(s.state, zkml_client::sessions::SessionState::ProofSubmitted)
            {
                ready.push((i, s.id));
            }
        }
        match ready.as_slice() {
            [] => {}
            [(i, _)] => {
                outcomes[*i] = Some(chain.verify(users[*i]).await?.outcome);
                last_progress = Instant::now();
            }
            batch => {
                let ids: Vec<u64> = batch.iter().map(|(_, id)| *id).collect();
                let run = chain.verify_batch(users[batch[0].0], &ids).await?;
                for ((i, _), outcome) in batch.iter().zip(run.outcomes) {
                    outcomes[*i] = outcome;
                }
                last_progress = Instant::now();
            }
        }
        // Let the daemons run.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(outcomes)
}

//! The daemon loop: polls the program for inputs it may claim, claims one whose fee meets its
//! price, proves it (one fold per layer, then compression), submits the proof and drives its
//! verification to the outcome (which is what pays the fee), again and again.

use crate::backend::{Backend, CallError};
use crate::error::{Error, Result};
use crate::private;
use crate::retry::Backoff;
use sails_rs::prelude::ActorId;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::{debug, error, info, warn};
use zkml_client::sessions::{PendingInput, SessionsError};
use zkml_client::verifier::{VerificationStatus, VerifierError};
use zkml_envelope::SecretKey;
use zkml_proving::export::chain_proof;
use zkml_proving::{Event, Opening, Prover, hex};

/// Inputs asked for per poll (the program's page limit).
const PAGE: u32 = 16;
/// Most verification messages the daemon sends for one proof before it gives up (a single
/// verification takes 18 under gtest; a batch the session joined, up to a few hundred).
const MAX_VERIFY_MESSAGES: usize = 600;

/// How the daemon polls and retries.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Pause between polls when nothing is claimable.
    pub poll_interval: Duration,
    /// Retry policy for calls that fail in transport.
    pub backoff: Backoff,
    /// Return once nothing is claimable instead of polling forever.
    pub drain: bool,
    /// The daemon's price: inputs whose fee is below it are left alone.
    pub min_fee: u128,
    /// Drive the verification of each proof the daemon submits to its outcome (`Verify`, then
    /// `ContinueVerification`), paying its gas: that is what earns the fee. Off, the daemon
    /// only proves and leaves verification to the user or anyone.
    pub verify: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(3),
            backoff: Backoff::default(),
            drain: false,
            min_fee: 0,
            verify: true,
        }
    }
}

/// What the daemon is doing, for progress displays and tests.
#[derive(Clone, Debug)]
pub enum DaemonEvent {
    /// The daemon claimed a session.
    Claimed {
        /// The session.
        session_id: u64,
        /// Block at which the claim expires.
        expires_at: u32,
    },
    /// Proving a claimed session made progress.
    Proving {
        /// The session.
        session_id: u64,
        /// The prover's progress.
        event: Event,
    },
    /// The proof was accepted by the program.
    Submitted {
        /// The session.
        session_id: u64,
        /// Time spent proving.
        prove_time: Duration,
        /// Proof size in the program's wire format.
        proof_len: usize,
    },
    /// The session was left alone.
    Skipped {
        /// The session.
        session_id: u64,
        /// Why.
        reason: String,
    },
    /// The verification of a proof the daemon submitted advanced.
    Verifying {
        /// The session.
        session_id: u64,
        /// Work units done.
        done: u64,
        /// Estimated work units of the whole verification.
        total: u64,
    },
    /// A proof the daemon submitted verified: the fee is the daemon's.
    Verified {
        /// The session.
        session_id: u64,
        /// The answer.
        digit: u8,
        /// The fee earned.
        fee: u128,
    },
    /// A proof the daemon submitted was rejected: no fee.
    Rejected {
        /// The session.
        session_id: u64,
        /// Why.
        reason: String,
    },
    /// A call failed in transport and will be retried.
    Retrying {
        /// The call.
        what: &'static str,
        /// The error.
        error: String,
        /// Delay before the next attempt.
        delay: Duration,
    },
}

/// A callback told of every [`DaemonEvent`]; it may be called from a proving thread.
pub type Observer = Arc<dyn Fn(&DaemonEvent) + Send + Sync>;

/// What a daemon has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Proofs the program accepted.
    pub submitted: u64,
    /// Bytes of the accepted proofs.
    pub proof_bytes: u64,
    /// Sessions dropped because another prover or the user got there first.
    pub dropped: u64,
    /// Sessions the program refused or that failed; not tried again in this run.
    pub refused: u64,
    /// Total time spent proving accepted proofs.
    pub prove_time: Duration,
    /// Sessions left alone because their fee is below the daemon's price.
    pub below_price: u64,
    /// Proofs of the daemon's whose verification it drove to `Verified`.
    pub verified: u64,
    /// Proofs of the daemon's whose verification it drove to `Rejected`.
    pub rejected: u64,
    /// Fees earned by those verified proofs.
    pub earned: u128,
}

/// How serving one input ended.
enum Served {
    /// The program accepted the proof.
    Submitted,
    /// Another prover or the user got there first; nothing is wrong.
    Dropped(String),
    /// The program refused this input for good; do not try it again in this run.
    Refused(String),
}

/// A prover daemon over a [`Backend`].
pub struct Daemon<B> {
    backend: B,
    prover: Arc<Prover>,
    config: ServeConfig,
    observer: Observer,
    stats: Stats,
    refused: BTreeSet<u64>,
    /// This prover's X25519 secret key for private inputs.
    envelope_key: Option<Arc<SecretKey>>,
}

impl<B: Backend> Daemon<B> {
    /// A daemon proving with `prover` and acting through `backend`, once the backend's account
    /// is confirmed to be a registered prover.
    ///
    /// # Errors
    /// [`Error::ProverNotRegistered`] if it is not; [`Error::Lost`] if the chain cannot be
    /// asked.
    pub async fn start(backend: B, prover: Arc<Prover>, config: ServeConfig) -> Result<Self> {
        let daemon = Self {
            backend,
            prover,
            config,
            observer: Arc::new(|_| {}),
            stats: Stats::default(),
            refused: BTreeSet::new(),
            envelope_key: None,
        };
        let account = daemon.backend.prover();
        let registered = daemon
            .retry("is_prover", || daemon.backend.is_prover())
            .await
            .map_err(|e| Error::lost("is_prover", e))?;
        if !registered {
            return Err(Error::ProverNotRegistered(account));
        }
        info!(prover = %account, "registered prover; serving");
        Ok(daemon)
    }

    /// Tells `observer` of every event from now on.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = observer;
        self
    }

    /// Opens private inputs sealed for `key` from now on.
    pub fn with_envelope_key(mut self, key: Arc<SecretKey>) -> Self {
        self.envelope_key = Some(key);
        self
    }

    /// Registers the public half of the envelope key with the program
    /// (`Model::SetEncryptionKey`), so that users can seal private inputs for this prover.
    ///
    /// # Errors
    /// [`Error::Lost`] if the call keeps failing, [`Error::KeyNotSet`] if the program refuses it
    /// or the daemon has no envelope key.
    pub async fn publish_envelope_key(&self) -> Result<[u8; 32]> {
        let public = self
            .envelope_key
            .as_ref()
            .ok_or_else(|| Error::KeyNotSet("the daemon has no envelope key".into()))?
            .public_key();
        match self
            .retry("set_encryption_key", || {
                self.backend.set_encryption_key(public)
            })
            .await
        {
            Ok(()) => {
                info!(key = %hex(&public), "envelope public key registered");
                Ok(public)
            }
            Err(CallError::Refused(e)) => Err(Error::KeyNotSet(format!("{e:?}"))),
            Err(CallError::Transport(source)) => Err(Error::Lost {
                call: "set_encryption_key",
                source,
            }),
        }
    }

    /// What the daemon has done so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Serves claimable inputs until nothing is claimable (with [`ServeConfig::drain`]) or
    /// forever, polling every [`ServeConfig::poll_interval`] while idle. Transport failures are
    /// retried with backoff.
    ///
    /// # Errors
    /// [`Error::Lost`] if polling still fails after every retry: the connection is likely
    /// lost, and the caller may reconnect and start a new daemon (the chain keeps all state).
    pub async fn run(&mut self) -> Result<Stats> {
        loop {
            match self.round().await? {
                0 if self.config.drain => return Ok(self.stats.clone()),
                0 => tokio::time::sleep(self.config.poll_interval).await,
                _ => {}
            }
        }
    }

    /// Serves claimable inputs, oldest first, until none is left; returns how many it handled.
    /// The daemon polls afresh before each claim, so inputs that other provers claimed in the
    /// meantime are not tried.
    ///
    /// # Errors
    /// [`Error::Lost`] if the chain cannot be polled after every retry.
    pub async fn round(&mut self) -> Result<usize> {
        let mut handled = 0;
        while let Some(input) = self.next_input().await? {
            handled += 1;
            let session_id = input.session_id;
            let fee = match self.retry("fee", || self.backend.fee(session_id)).await {
                Ok(fee) => fee,
                Err(e) => return Err(Error::lost("fee", e)),
            };
            if fee < self.config.min_fee {
                info!(
                    session_id,
                    fee,
                    price = self.config.min_fee,
                    "fee below price; skipping"
                );
                self.refused.insert(session_id);
                self.stats.below_price += 1;
                (self.observer)(&DaemonEvent::Skipped {
                    session_id,
                    reason: format!("fee {fee} below the price {}", self.config.min_fee),
                });
                continue;
            }
            match self.serve(input, fee).await {
                Served::Submitted => {}
                Served::Dropped(reason) => self.skip(session_id, reason, false),
                Served::Refused(reason) => self.skip(session_id, reason, true),
            }
        }
        Ok(handled)
    }

    /// The oldest claimable input not refused earlier in this run.
    async fn next_input(&self) -> Result<Option<PendingInput>> {
        let mut after = None;
        loop {
            let page = self
                .retry("claimable", || self.backend.claimable(after, PAGE))
                .await
                .map_err(|e| Error::lost("claimable", e))?;
            let Some(last) = page.last() else {
                return Ok(None);
            };
            after = Some(last.session_id);
            if let Some(input) = page
                .into_iter()
                .find(|input| !self.refused.contains(&input.session_id))
            {
                return Ok(Some(input));
            }
        }
    }

    fn skip(&mut self, session_id: u64, reason: String, for_good: bool) {
        if for_good {
            error!(session_id, "skipping: {reason}");
            self.refused.insert(session_id);
            self.stats.refused += 1;
        } else {
            info!(session_id, "dropped: {reason}");
            self.stats.dropped += 1;
        }
        (self.observer)(&DaemonEvent::Skipped { session_id, reason });
    }

    /// The opening of `input`: its public pixels, or its private envelope opened with this
    /// prover's key and checked against the session's commitment. Read before claiming, so that
    /// an input this prover cannot prove is never claimed.
    async fn opening(&self, input: &PendingInput) -> Result<Opening, Served> {
        let session_id = input.session_id;
        match self.retry("input", || self.backend.input(session_id)).await {
            Ok(Some(pixels)) => {
                return Opening::public(&pixels)
                    .map_err(|e| Served::Refused(format!("not an input: {e}")));
            }
            Ok(None) => {}
            Err(e) => return Err(Served::Refused(format!("input lookup failed: {e}"))),
        }
        let envelope = match self
            .retry("envelope", || self.backend.envelope(session_id))
            .await
        {
            Ok(Some(envelope)) => envelope,
            Ok(None) => return Err(Served::Dropped("the session was purged".into())),
            Err(e) => return Err(Served::Refused(format!("envelope lookup failed: {e}"))),
        };
        let commitment = match self
            .retry("session", || self.backend.session(input.user))
            .await
        {
            Ok(Some(session)) if session.id == session_id => session.commitment,
            Ok(_) => return Err(Served::Dropped("the session was purged".into())),
            Err(e) => return Err(Served::Refused(format!("session lookup failed: {e}"))),
        };
        private::open(
            self.envelope_key.as_deref(),
            self.backend.program_id(),
            input.user,
            commitment,
            &envelope,
        )
        .map_err(Served::Refused)
    }

    /// Claims, proves and submits one input carrying `fee`, then drives its verification
    /// (with [`ServeConfig::verify`]).
    async fn serve(&mut self, input: PendingInput, fee: u128) -> Served {
        let session_id = input.session_id;
        let opening = match self.opening(&input).await {
            Ok(opening) => opening,
            Err(served) => return served,
        };
        let lease = match self.retry("claim", || self.backend.claim(session_id)).await {
            Ok(lease) => lease,
            Err(CallError::Refused(
                e @ (SessionsError::AlreadyClaimed { .. } | SessionsError::NotAwaitingProof { .. }),
            )) => return Served::Dropped(format!("claim refused: {e:?}")),
            Err(e) => return Served::Refused(format!("claim failed: {e}")),
        };
        info!(
            session_id,
            user = %input.user,
            expires_at = lease.expires_at,
            "claimed; proving"
        );
        (self.observer)(&DaemonEvent::Claimed {
            session_id,
            expires_at: lease.expires_at,
        });

        let started = Instant::now();
        let proof = match self.prove(session_id, opening).await {
            Ok(proof) => proof,
            Err(e) => return Served::Refused(format!("proving failed: {e}")),
        };
        let prove_time = started.elapsed();

        let proof_len = proof.len();
        match self
            .retry("submit_proof", || {
                self.backend.submit_proof(session_id, proof.clone())
            })
            .await
        {
            Ok(_) => {}
            // A retried submission whose first attempt went through: the proof is ours.
            Err(CallError::Refused(VerifierError::ProofAlreadySubmitted))
                if self.submitted_by_us(input.user, session_id).await => {}
            Err(CallError::Refused(
                e @ (VerifierError::NoSession
                | VerifierError::SessionFinished
                | VerifierError::ProofAlreadySubmitted
                | VerifierError::NotClaimed
                | VerifierError::ClaimedByAnother { .. }),
            )) => return Served::Dropped(format!("submission refused: {e:?}")),
            Err(e) => return Served::Refused(format!("submission failed: {e}")),
        }
        info!(
            session_id,
            prove_ms = prove_time.as_millis() as u64,
            proof_len,
            "proof submitted"
        );
        self.stats.submitted += 1;
        self.stats.proof_bytes += proof_len as u64;
        self.stats.prove_time += prove_time;
        (self.observer)(&DaemonEvent::Submitted {
            session_id,
            prove_time,
            proof_len,
        });
        if self.config.verify {
            self.drive(session_id, fee).await;
        }
        Served::Submitted
    }

    /// Drives the verification of this daemon's proof of session `session_id` to its outcome:
    /// `Verify`, then `ContinueVerification` until `Verified` or `Rejected`. Someone else may
    /// drive it too; the daemon goes on from wherever it stands. Failures are logged: the
    /// proof stays on chain and anyone may finish its verification.
    async fn drive(&mut self, session_id: u64, fee: u128) {
        let mut resume = false;
        for _ in 0..MAX_VERIFY_MESSAGES {
            let status = self
                .retry("verify", || self.backend.verify(session_id, resume))
                .await;
            match status {
                Ok(VerificationStatus::Verifying { done, total }) => {
                    debug!(session_id, done, total, "verifying");
                    (self.observer)(&DaemonEvent::Verifying {
                        session_id,
                        done,
                        total,
                    });
                    resume = true;
                }
                Ok(VerificationStatus::Verified { digit, .. }) => {
                    self.stats.verified += 1;
                    self.stats.earned += fee;
                    let owed = self.backend.earned().await.ok();
                    info!(
                        session_id,
                        digit,
                        fee,
                        earned = self.stats.earned,
                        ?owed,
                        "verified; fee earned"
                    );
                    (self.observer)(&DaemonEvent::Verified {
                        session_id,
                        digit,
                        fee,
                    });
                    return;
                }
                Ok(VerificationStatus::Rejected { reason }) => {
                    self.stats.rejected += 1;
                    warn!(session_id, %reason, "our proof was rejected; no fee");
                    (self.observer)(&DaemonEvent::Rejected { session_id, reason });
                    return;
                }
                // Someone else started it (or our retried `Verify` went through): go on.
                Err(CallError::Refused(VerifierError::AlreadyVerifying)) => resume = true,
                // Back to `ProofSubmitted` (an abandoned batch): start again.
                Err(CallError::Refused(VerifierError::NotVerifying)) => resume = false,
                Err(CallError::Refused(
                    e @ (VerifierError::SessionFinished | VerifierError::NoSession),
                )) => {
                    info!(session_id, "verification ended elsewhere: {e:?}");
                    return;
                }
                Err(e) => {
                    error!(session_id, "verification stopped: {e}");
                    return;
                }
            }
        }
        error!(
            session_id,
            "verification did not end within {MAX_VERIFY_MESSAGES} messages"
        );
    }

    /// Proves the input `opening` opens on a blocking thread, so the chain's futures keep
    /// running meanwhile.
    async fn prove(&self, session_id: u64, opening: Opening) -> Result<Vec<u8>> {
        let prover = Arc::clone(&self.prover);
        let observer = Arc::clone(&self.observer);
        tokio::task::spawn_blocking(move || {
            let (proof, _) = prover.prove(&opening, &|event| {
                debug!(session_id, ?event, "proving");
                observer(&DaemonEvent::Proving { session_id, event });
            })?;
            Ok(chain_proof(&proof)?)
        })
        .await?
    }

    /// Whether the program holds this prover's proof for `session_id`.
    async fn submitted_by_us(&self, user: ActorId, session_id: u64) -> bool {
        matches!(
            self.backend.session(user).await,
            Ok(Some(s)) if s.id == session_id && s.prover == Some(self.backend.prover())
        )
    }

    /// Calls `call` until it succeeds, is refused, or fails in transport
    /// [`Backoff::attempts`] times, sleeping with exponential backoff in between.
    async fn retry<T, E, F, Fut>(&self, what: &'static str, mut call: F) -> Result<T, CallError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, CallError<E>>>,
    {
        let mut delays = self.config.backoff.delays();
        loop {
            match call().await {
                Err(CallError::Transport(error)) => {
                    let Some(delay) = delays.next() else {
                        return Err(CallError::Transport(error));
                    };
                    warn!(what, ?delay, "call failed, retrying: {error}");
                    (self.observer)(&DaemonEvent::Retrying {
                        what,
                        error: error.to_string(),
                        delay,
                    });
                    tokio::time::sleep(delay).await;
                }
                result => return result,
            }
        }
    }
}

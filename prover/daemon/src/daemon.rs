//! The daemon loop: polls the program for inputs it may claim, claims one, proves it (one
//! fold per layer, then compression) and submits the proof, again and again.

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
use zkml_client::verifier::VerifierError;
use zkml_envelope::SecretKey;
use zkml_proving::export::chain_proof;
use zkml_proving::{Event, Opening, Prover, hex};

/// Inputs asked for per poll (the program's page limit).
const PAGE: u32 = 16;

/// How the daemon polls and retries.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Pause between polls when nothing is claimable.
    pub poll_interval: Duration,
    /// Retry policy for calls that fail in transport.
    pub backoff: Backoff,
    /// Return once nothing is claimable instead of polling forever.
    pub drain: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(3),
            backoff: Backoff::default(),
            drain: false,
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
            match self.serve(input).await {
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

    /// Claims, proves and submits one input.
    async fn serve(&mut self, input: PendingInput) -> Served {
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
        Served::Submitted
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

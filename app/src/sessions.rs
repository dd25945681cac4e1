//! The Sessions service: one inference session per user, from input to outcome.

use crate::{
    error::{SessionsError, VerifierError},
    model::{INPUT_LEN, ModelState},
    verification::Job,
};
use alloc::collections::BTreeMap;
use core::cell::RefCell;
use sails_rs::prelude::*;

/// Most sessions that may be unfinished at once.
pub const MAX_OPEN_SESSIONS: u32 = 256;
/// Most finished sessions kept; the oldest is evicted past this.
pub const MAX_FINISHED_SESSIONS: u32 = 256;
/// Most entries one `Pending` query returns.
pub const MAX_PAGE: u32 = 16;
/// How long a prover's claim on a session lasts, in blocks (5 minutes at Vara's 3 s blocks).
pub const LEASE_BLOCKS: u32 = 100;

/// A prover's claim on a session awaiting a proof: until `expires_at`, no other prover may
/// claim it or submit a proof for it.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The prover holding the claim.
    pub prover: ActorId,
    /// The block height from which the claim no longer holds others off.
    pub expires_at: u32,
}

impl Lease {
    /// Whether the lease still holds at block `now`.
    pub fn is_live(&self, now: u32) -> bool {
        now < self.expires_at
    }

    /// Whether `prover` may claim, or submit for, a session under this lease at block `now`.
    pub fn admits(&self, prover: &ActorId, now: u32) -> bool {
        self.prover == *prover || !self.is_live(now)
    }
}

/// Where a session stands.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// The input is stored; a prover has yet to submit a proof.
    AwaitingProof,
    /// A proof is stored; anyone may start its verification.
    ProofSubmitted,
    /// On-chain verification is under way: `done` of `total` work units.
    Verifying { done: u64, total: u64 },
    /// The proof verified: the model's answer for the input.
    Verified { digit: u8, logits: Vec<i64> },
    /// The proof did not verify.
    Rejected { reason: String },
}

impl SessionState {
    /// Whether the session has an outcome.
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Verified { .. } | Self::Rejected { .. })
    }
}

/// A user's session.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Unique, increasing session number.
    pub id: u64,
    /// The user who opened it.
    pub user: ActorId,
    /// The 28x28 input, row-major, one byte per pixel.
    pub pixels: Vec<u8>,
    /// Block height at submission.
    pub submitted_at: u32,
    /// The prover whose proof was accepted, once there is one.
    pub prover: Option<ActorId>,
    /// The latest prover claim, while the session awaits a proof.
    pub lease: Option<Lease>,
    /// Where the session stands.
    pub state: SessionState,
}

/// An input waiting for a proof, as provers see it.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingInput {
    /// The session number.
    pub session_id: u64,
    /// The user who submitted it.
    pub user: ActorId,
    /// The 28x28 input.
    pub pixels: Vec<u8>,
    /// The latest prover claim on it, live or expired.
    pub lease: Option<Lease>,
}

/// How many sessions the program holds.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCounts {
    /// Sessions without an outcome.
    pub open: u32,
    /// Of those, sessions awaiting a proof.
    pub awaiting_proof: u32,
    /// Sessions with an outcome still kept.
    pub finished: u32,
}

/// Events of the Sessions service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionsEvents {
    /// A user opened a session with an input.
    InputSubmitted { user: ActorId, session_id: u64 },
    /// A user discarded a session.
    Purged { user: ActorId, session_id: u64 },
    /// A prover claimed a session to prove it, until block `expires_at`.
    Claimed {
        user: ActorId,
        session_id: u64,
        prover: ActorId,
        expires_at: u32,
    },
}

/// The sessions, their proofs and their verification jobs.
#[derive(Default)]
pub struct SessionsState {
    next_id: u64,
    by_user: BTreeMap<ActorId, Session>,
    awaiting_proof: BTreeMap<u64, ActorId>,
    finished: BTreeMap<u64, ActorId>,
    proofs: BTreeMap<ActorId, Vec<u8>>,
    jobs: BTreeMap<ActorId, Job>,
}

impl SessionsState {
    /// Opens `user`'s session with `pixels`, replacing a finished one.
    pub fn open(
        &mut self,
        user: ActorId,
        pixels: Vec<u8>,
        block: u32,
    ) -> Result<u64, SessionsError> {
        if pixels.len() != INPUT_LEN {
            return Err(SessionsError::WrongInputSize {
                expected: INPUT_LEN as u32,
                got: u32::try_from(pixels.len()).unwrap_or(u32::MAX),
            });
        }
        match self.by_user.get(&user) {
            Some(session) if !session.state.is_finished() => {
                return Err(SessionsError::SessionAlreadyOpen);
            }
            _ => {}
        }
        if self.open_count() >= MAX_OPEN_SESSIONS {
            return Err(SessionsError::TooManyOpenSessions {
                max: MAX_OPEN_SESSIONS,
            });
        }
        self.remove(&user);
        let id = self.next_id;
        self.next_id += 1;
        self.awaiting_proof.insert(id, user);
        self.by_user.insert(
            user,
            Session {
                id,
                user,
                pixels,
                submitted_at: block,
                prover: None,
                lease: None,
                state: SessionState::AwaitingProof,
            },
        );
        Ok(id)
    }

    /// Discards `user`'s session in any state; returns its id.
    pub fn purge(&mut self, user: &ActorId) -> Result<u64, SessionsError> {
        self.remove(user).ok_or(SessionsError::NoSession)
    }

    /// Claims session `session_id`, which must await a proof, for `prover` from block `now`
    /// for [`LEASE_BLOCKS`]. A prover renews its own claim by claiming again; another prover's
    /// claim must have expired.
    pub fn claim(
        &mut self,
        session_id: u64,
        prover: ActorId,
        now: u32,
    ) -> Result<(ActorId, Lease), SessionsError> {
        let user = *self
            .awaiting_proof
            .get(&session_id)
            .ok_or(SessionsError::NotAwaitingProof { session_id })?;
        let session = self
            .by_user
            .get_mut(&user)
            .ok_or(SessionsError::NotAwaitingProof { session_id })?;
        if let Some(lease) = session.lease
            && !lease.admits(&prover, now)
        {
            return Err(SessionsError::AlreadyClaimed {
                prover: lease.prover,
                expires_at: lease.expires_at,
            });
        }
        let lease = Lease {
            prover,
            expires_at: now.saturating_add(LEASE_BLOCKS),
        };
        session.lease = Some(lease);
        Ok((user, lease))
    }

    /// Drops every claim `prover` holds, so that other provers may take its inputs at once.
    pub fn release_claims(&mut self, prover: &ActorId) {
        for user in self.awaiting_proof.values() {
            if let Some(session) = self.by_user.get_mut(user)
                && session.lease.is_some_and(|l| l.prover == *prover)
            {
                session.lease = None;
            }
        }
    }

    /// `user`'s session.
    pub fn get(&self, user: &ActorId) -> Option<&Session> {
        self.by_user.get(user)
    }

    /// Checks that `prover` may submit a proof for `user`'s session at block `now`: the
    /// session awaits one and `prover` claimed it, with no live claim of another prover since.
    pub fn check_submission(
        &self,
        user: &ActorId,
        prover: &ActorId,
        now: u32,
    ) -> Result<(), VerifierError> {
        let session = self.by_user.get(user).ok_or(VerifierError::NoSession)?;
        match session.state {
            SessionState::AwaitingProof => {}
            SessionState::ProofSubmitted | SessionState::Verifying { .. } => {
                return Err(VerifierError::ProofAlreadySubmitted);
            }
            SessionState::Verified { .. } | SessionState::Rejected { .. } => {
                return Err(VerifierError::SessionFinished);
            }
        }
        match session.lease {
            None => Err(VerifierError::NotClaimed),
            Some(lease) if lease.prover == *prover => Ok(()),
            Some(lease) if lease.is_live(now) => Err(VerifierError::ClaimedByAnother {
                prover: lease.prover,
            }),
            Some(_) => Err(VerifierError::NotClaimed),
        }
    }

    /// Stores `proof` from `prover` for `user`'s session, which must pass
    /// [`Self::check_submission`] at block `now`.
    pub fn attach_proof(
        &mut self,
        user: &ActorId,
        prover: ActorId,
        proof: Vec<u8>,
        now: u32,
    ) -> Result<u64, VerifierError> {
        self.check_submission(user, &prover, now)?;
        let session = self.by_user.get_mut(user).ok_or(VerifierError::NoSession)?;
        session.state = SessionState::ProofSubmitted;
        session.prover = Some(prover);
        session.lease = None;
        self.awaiting_proof.remove(&session.id);
        self.proofs.insert(*user, proof);
        Ok(session.id)
    }

    /// The proof stored for `user`'s session.
    pub fn proof(&self, user: &ActorId) -> Option<&Vec<u8>> {
        self.proofs.get(user)
    }

    /// Sets the progress of `user`'s verification and stores its job.
    pub fn set_verifying(&mut self, user: &ActorId, job: Job) -> Result<(), VerifierError> {
        let session = self.by_user.get_mut(user).ok_or(VerifierError::NoSession)?;
        session.state = SessionState::Verifying {
            done: job.done(),
            total: job.total(),
        };
        self.jobs.insert(*user, job);
        Ok(())
    }

    /// Takes `user`'s verification job out, to advance it.
    pub fn take_job(&mut self, user: &ActorId) -> Result<Job, VerifierError> {
        self.jobs.remove(user).ok_or(VerifierError::NotVerifying)
    }

    /// Records `user`'s outcome, drops the proof, and evicts the oldest outcome past the cap.
    pub fn finish(&mut self, user: &ActorId, outcome: SessionState) -> Result<u64, VerifierError> {
        let session = self.by_user.get_mut(user).ok_or(VerifierError::NoSession)?;
        session.state = outcome;
        let id = session.id;
        self.proofs.remove(user);
        self.jobs.remove(user);
        self.finished.insert(id, *user);
        while self.finished.len() > MAX_FINISHED_SESSIONS as usize {
            if let Some((_, oldest)) = self.finished.pop_first() {
                self.by_user.remove(&oldest);
            }
        }
        Ok(id)
    }

    /// Inputs awaiting a proof, oldest first, with ids after `after`; with `claimable_by`,
    /// only those that prover may claim at block `now`.
    pub fn pending(
        &self,
        after: Option<u64>,
        limit: u32,
        claimable_by: Option<(&ActorId, u32)>,
    ) -> Vec<PendingInput> {
        let start = after.map_or(0, |id| id.saturating_add(1));
        self.awaiting_proof
            .range(start..)
            .filter_map(|(id, user)| {
                let session = self.by_user.get(user)?;
                let admitted = match (claimable_by, session.lease) {
                    (Some((prover, now)), Some(lease)) => lease.admits(prover, now),
                    _ => true,
                };
                admitted.then(|| PendingInput {
                    session_id: *id,
                    user: *user,
                    pixels: session.pixels.clone(),
                    lease: session.lease,
                })
            })
            .take(limit.min(MAX_PAGE) as usize)
            .collect()
    }

    /// How many sessions the program holds.
    pub fn counts(&self) -> SessionCounts {
        SessionCounts {
            open: self.open_count(),
            awaiting_proof: self.awaiting_proof.len() as u32,
            finished: self.finished.len() as u32,
        }
    }

    fn open_count(&self) -> u32 {
        // Both maps are bounded by the caps above.
        (self.by_user.len() - self.finished.len()) as u32
    }

    fn remove(&mut self, user: &ActorId) -> Option<u64> {
        let session = self.by_user.remove(user)?;
        self.awaiting_proof.remove(&session.id);
        self.finished.remove(&session.id);
        self.proofs.remove(user);
        self.jobs.remove(user);
        Some(session.id)
    }
}

/// The Sessions service.
pub struct SessionsService<'a> {
    model: &'a RefCell<ModelState>,
    state: &'a RefCell<SessionsState>,
}

impl<'a> SessionsService<'a> {
    /// A service over the program's model and sessions.
    pub fn new(model: &'a RefCell<ModelState>, state: &'a RefCell<SessionsState>) -> Self {
        Self { model, state }
    }
}

#[sails_rs::service(events = SessionsEvents)]
impl SessionsService<'_> {
    /// Opens the caller's session with a 28x28 input (784 bytes, row-major, 0 = background).
    /// A finished session of the caller is replaced; an unfinished one is an error.
    #[export(unwrap_result)]
    pub fn submit_input(&mut self, pixels: Vec<u8>) -> Result<u64, SessionsError> {
        if !self.model.borrow().is_finalized() {
            return Err(SessionsError::ModelNotFinalized);
        }
        let user = Syscall::message_source();
        let session_id = self
            .state
            .borrow_mut()
            .open(user, pixels, Syscall::block_height())?;
        self.emit_event(SessionsEvents::InputSubmitted { user, session_id })
            .map_err(|_| SessionsError::EventNotEmitted)?;
        Ok(session_id)
    }

    /// Discards the caller's session, whatever its state.
    #[export(unwrap_result)]
    pub fn purge(&mut self) -> Result<u64, SessionsError> {
        let user = Syscall::message_source();
        let session_id = self.state.borrow_mut().purge(&user)?;
        self.emit_event(SessionsEvents::Purged { user, session_id })
            .map_err(|_| SessionsError::EventNotEmitted)?;
        Ok(session_id)
    }

    /// Claims session `session_id`, which awaits a proof, for the calling prover for
    /// `LEASE_BLOCKS` blocks, so that other provers leave it alone. Claiming again renews the
    /// caller's claim; another prover's claim must have expired. A proof is accepted only from
    /// the session's claimant.
    #[export(unwrap_result)]
    pub fn claim(&mut self, session_id: u64) -> Result<Lease, SessionsError> {
        let prover = Syscall::message_source();
        {
            let model = self.model.borrow();
            if !model.is_finalized() {
                return Err(SessionsError::ModelNotFinalized);
            }
            if !model.is_prover(&prover) {
                return Err(SessionsError::NotProver);
            }
        }
        let (user, lease) =
            self.state
                .borrow_mut()
                .claim(session_id, prover, Syscall::block_height())?;
        self.emit_event(SessionsEvents::Claimed {
            user,
            session_id,
            prover,
            expires_at: lease.expires_at,
        })
        .map_err(|_| SessionsError::EventNotEmitted)?;
        Ok(lease)
    }

    /// The caller's session.
    #[export]
    pub fn my_session(&self) -> Option<Session> {
        self.state.borrow().get(&Syscall::message_source()).cloned()
    }

    /// `user`'s session.
    #[export]
    pub fn session(&self, user: ActorId) -> Option<Session> {
        self.state.borrow().get(&user).cloned()
    }

    /// Inputs awaiting a proof, oldest first: up to `limit` (at most 16) with session ids
    /// after `after`. Page through with the last id seen.
    #[export]
    pub fn pending(&self, after: Option<u64>, limit: u32) -> Vec<PendingInput> {
        self.state.borrow().pending(after, limit, None)
    }

    /// Like `Pending`, but only the inputs `prover` may claim now: unclaimed, claimed by
    /// `prover` itself, or under an expired claim. A prover polls this for work.
    #[export]
    pub fn claimable(&self, prover: ActorId, after: Option<u64>, limit: u32) -> Vec<PendingInput> {
        self.state
            .borrow()
            .pending(after, limit, Some((&prover, Syscall::block_height())))
    }

    /// How many sessions the program holds.
    #[export]
    pub fn counts(&self) -> SessionCounts {
        self.state.borrow().counts()
    }
}

//! Users' inference sessions, from input to outcome: plain state and the rules that change it.
//!
//! Each session is in one [`Phase`], which owns what that phase has: the prover's lease while
//! it awaits a proof, the prover and its verification job once a proof is in, the outcome at
//! the end. Refusals return an error before anything changes.

use super::fees::Ledger;
use super::sorted_map::SortedMap;
use crate::{
    error::{SessionsError, VerifierError},
    inputs,
    notify::{NotifyTarget, Outcome, SessionOutcome},
    verification::{self, Advance, Job},
};
use batch::Batch;
use sails_rs::prelude::*;
use zkml_verifier::{ConstantKey, Meter, VerifierKey, statement};

mod batch;

pub use batch::{BATCH_IDLE_BLOCKS, BATCH_MEMORY, BatchEnded, BatchInfo, BatchRound};

/// Largest proof accepted, in bytes.
pub const MAX_PROOF_LEN: u32 = 64 * 1024;
/// Memory the program budgets for itself: 1,024 wasm pages of 64 KiB, 64 MiB (gear-core 2.0's
/// schedule, taken from Vara's runtime, allows 32,768 pages).
pub const PROGRAM_MEMORY: u64 = 1024 * 64 * 1024;
/// Memory kept for everything but open sessions, once the model is finalized (no session
/// exists before): the decoded constant key (about 22 MB, most of it the table of the IPA
/// generators' multiples, 76 bytes a point), the decoder's copy of the key's other parts while it
/// uploads (about 1 MB, freed at finalization), the model's verifier key (raw and decoded, each at most
/// 64 KiB), the finished sessions kept (`MAX_FINISHED_SESSIONS` of at most 2 KiB: pixels, logits
/// or reason), the incoming message (read whole by the entry point), the stack and the
/// allocator's slack. 48 MiB covers it.
pub const RESERVED_MEMORY: u64 = 48 * 1024 * 1024;
/// Most memory one open session holds: its input (pixels, or a private input's envelope of at
/// most `inputs::MAX_ENVELOPE_LEN` bytes) and commitment, a submitted proof of at most
/// [`MAX_PROOF_LEN`] bytes kept for the `Proof` query, the same proof decoded into the
/// verification job (field elements and points in memory take at most twice their wire
/// size), the job's working state between messages (32 KiB), and the map entries and
/// allocator overhead (1 KiB).
pub const SESSION_MEMORY: u64 =
    inputs::MAX_ENVELOPE_LEN as u64 + 32 + 3 * MAX_PROOF_LEN as u64 + 32 * 1024 + 1024;
/// Most sessions that may be unfinished at once: as many as the program's memory holds once
/// [`RESERVED_MEMORY`] and a batch's [`BATCH_MEMORY`] are set aside, at [`SESSION_MEMORY`] each
/// (54). When the cap is
/// reached, `SubmitInput` is refused with `TooManyOpenSessions` until a session finishes, is
/// purged by its user, or, once [`INPUT_EXPIRY_BLOCKS`] have passed without a proof, is closed
/// by anyone (`CloseExpired`).
pub const MAX_OPEN_SESSIONS: u32 =
    ((PROGRAM_MEMORY - RESERVED_MEMORY - BATCH_MEMORY) / SESSION_MEMORY) as u32;
/// Blocks after its submission from which an input that awaits a proof, with no live prover
/// claim on it, may be closed by anyone: 400 blocks, 20 minutes at Vara's 3 s blocks. That is
/// four claim leases ([`LEASE_BLOCKS`]) and about a hundred times the 11 s a proof takes, so
/// an input some prover serves is never closed under it, while an input held only to take a
/// slot frees it within 20 minutes.
pub const INPUT_EXPIRY_BLOCKS: u32 = 400;
/// Most finished sessions kept; the oldest is evicted past this.
pub const MAX_FINISHED_SESSIONS: u32 = 256;
/// Most entries one `Pending` or `Claimable` query returns.
pub const MAX_PAGE: u32 = 16;
/// How long a prover's claim on a session lasts, in blocks (5 minutes at Vara's 3 s blocks).
pub const LEASE_BLOCKS: u32 = 100;
/// Blocks after a proof's submission during which its session, without an outcome, may not be
/// purged: 200 blocks, 10 minutes at Vara's 3 s blocks. A verification takes 18 messages alone
/// and 40 in a batch of 16, each sent after the previous one's reply (one or two blocks on a
/// node), and the prover's daemon drives it right after submitting: about 36 blocks alone, 80
/// in a full batch, 100 for a batch abandoned after [`BATCH_IDLE_BLOCKS`] and verified alone.
/// From the deadline on, a proof still without an outcome forfeits its fee: a purge, or
/// `CloseExpired` by anyone, refunds the user.
pub const VERIFY_DEADLINE_BLOCKS: u32 = 200;

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

/// Where a session stands, as queries report it.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// The input is stored; a prover has yet to submit a proof.
    AwaitingProof,
    /// A proof is stored; anyone may start its verification.
    ProofSubmitted,
    /// On-chain verification is under way: `done` of `total` work units.
    Verifying {
        /// Work units done.
        done: u64,
        /// Estimated work units of the whole verification.
        total: u64,
    },
    /// The proof verified: the model's answer for the input.
    Verified {
        /// The predicted digit.
        digit: u8,
        /// The model's logits, one per class.
        logits: Vec<i64>,
    },
    /// The proof did not verify.
    Rejected {
        /// Why.
        reason: String,
    },
}

impl SessionState {
    /// Whether the session has an outcome.
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Verified { .. } | Self::Rejected { .. })
    }
}

/// A user's session, as queries report it.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Unique, increasing session number.
    pub id: u64,
    /// The user who opened it.
    pub user: ActorId,
    /// The 28x28 input, row-major, one byte per pixel; empty for a private input.
    pub pixels: Vec<u8>,
    /// The input commitment `C` the proof's statement starts from (`zkml_verifier::statement`).
    pub commitment: [u8; 32],
    /// Bytes of the private input's envelope (`Sessions::Envelope`); 0 for a public input.
    pub envelope_len: u32,
    /// Block height at submission.
    pub submitted_at: u32,
    /// The prover whose proof was accepted, once there is one.
    pub prover: Option<ActorId>,
    /// The latest prover claim, while the session awaits a proof.
    pub lease: Option<Lease>,
    /// Where the session stands.
    pub state: SessionState,
    /// The program told of the outcome when the session ends, with the caller's reference.
    pub notify: Option<NotifyTarget>,
}

/// A session awaiting a proof, as provers see it; its input is read with `Sessions::Input`.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingInput {
    /// The session number.
    pub session_id: u64,
    /// The user who submitted it.
    pub user: ActorId,
    /// Block height at submission.
    pub submitted_at: u32,
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

/// A proof accepted for a session: who sent it, its bytes (for the `Proof` query), the
/// verification job built from its decoded form, and the block from which the session may
/// leave without an outcome ([`VERIFY_DEADLINE_BLOCKS`] after the proof).
struct Submission {
    prover: ActorId,
    bytes: Vec<u8>,
    job: Job,
    deadline: u32,
}

/// A session's phase, with what the session has in it.
enum Phase {
    /// No proof yet; the latest prover claim, if any.
    AwaitingProof {
        /// The latest claim, live or expired.
        lease: Option<Lease>,
    },
    /// A proof is in; its verification has not started.
    ProofSubmitted(Submission),
    /// The proof's verification is under way.
    Verifying(Submission),
    /// The proof is verified in the batch under way (which works on a copy of its job: the
    /// session keeps its own, untouched, in case the batch is abandoned).
    Batched(Submission),
    /// The verification ended.
    Finished {
        /// The prover whose proof was verified.
        prover: ActorId,
        /// Its outcome.
        outcome: Outcome,
    },
}

impl Phase {
    /// Moves a submitted proof on to `Verifying`; other phases stay.
    fn start_verifying(&mut self) {
        if matches!(self, Self::ProofSubmitted(_))
            && let Self::ProofSubmitted(s) = mem::replace(self, Self::AwaitingProof { lease: None })
        {
            *self = Self::Verifying(s);
        }
    }

    fn is_finished(&self) -> bool {
        matches!(self, Self::Finished { .. })
    }

    /// The verification deadline of a proof awaiting its outcome; `None` without one.
    fn deadline(&self) -> Option<u32> {
        match self {
            Self::ProofSubmitted(s) | Self::Verifying(s) | Self::Batched(s) => Some(s.deadline),
            Self::AwaitingProof { .. } | Self::Finished { .. } => None,
        }
    }

    /// Where the session stands; `batch` is the progress of the batch under way.
    fn summary(&self, batch: (u64, u64)) -> SessionState {
        match self {
            Self::AwaitingProof { .. } => SessionState::AwaitingProof,
            Self::ProofSubmitted(_) => SessionState::ProofSubmitted,
            Self::Verifying(s) => SessionState::Verifying {
                done: s.job.done(),
                total: s.job.total(),
            },
            Self::Batched(_) => SessionState::Verifying {
                done: batch.0,
                total: batch.1,
            },
            Self::Finished { outcome, .. } => match outcome.clone() {
                Outcome::Verified { digit, logits } => SessionState::Verified { digit, logits },
                Outcome::Rejected { reason } => SessionState::Rejected { reason },
            },
        }
    }
}

/// One stored session.
struct Entry {
    user: ActorId,
    pixels: Vec<u8>,
    commitment: [u8; 32],
    /// A private input's envelope; empty for a public input.
    envelope: Vec<u8>,
    submitted_at: u32,
    notify: Option<NotifyTarget>,
    phase: Phase,
}

impl Entry {
    fn view(&self, id: u64, batch: (u64, u64)) -> Session {
        let (prover, lease) = match &self.phase {
            Phase::AwaitingProof { lease } => (None, *lease),
            Phase::ProofSubmitted(s) | Phase::Verifying(s) | Phase::Batched(s) => {
                (Some(s.prover), None)
            }
            Phase::Finished { prover, .. } => (Some(*prover), None),
        };
        Session {
            id,
            user: self.user,
            pixels: self.pixels.clone(),
            commitment: self.commitment,
            // At most `inputs::MAX_ENVELOPE_LEN` bytes.
            envelope_len: self.envelope.len() as u32,
            submitted_at: self.submitted_at,
            prover,
            lease,
            state: self.phase.summary(batch),
            notify: self.notify,
        }
    }

    /// The session's outcome, once it has one.
    fn outcome(&self, session_id: u64) -> Option<SessionOutcome> {
        let Phase::Finished { outcome, .. } = &self.phase else {
            return None;
        };
        Some(SessionOutcome {
            session_id,
            user: self.user,
            reference: self.notify.map_or([0; 32], |n| n.reference),
            outcome: outcome.clone(),
        })
    }
}

/// A notification to send: the program named at submission and the outcome to tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The program to notify.
    pub program: ActorId,
    /// What to tell it.
    pub outcome: SessionOutcome,
}

/// What a round of verification left: the session's user, where it stands now, and the
/// notification to send if the round ended it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The session's user.
    pub user: ActorId,
    /// The session's state after the round.
    pub state: SessionState,
    /// The notification the outcome calls for, if the session ended and named a program.
    pub notice: Option<Notice>,
}

/// What ending a session left: its final state and the notification to send, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The session's final state.
    pub state: SessionState,
    /// The notification to send, if the session named a program.
    pub notice: Option<Notice>,
}

/// The sessions, keyed by id, and each user's current one.
#[derive(Default)]
pub struct SessionsState {
    next_id: u64,
    sessions: SortedMap<u64, Entry>,
    by_user: SortedMap<ActorId, u64>,
    /// How many sessions are unfinished, kept so that the cap check costs no scan.
    open: u32,
    /// The batch under way.
    batch: Option<Batch>,
    /// The next batch's number.
    next_batch_id: u64,
    /// The fees held for sessions and the balances owed; every session that ends or leaves
    /// settles its escrow here.
    ledger: Ledger,
}

impl SessionsState {
    /// The fee books.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The fee books, to hold a fee, withdraw or drain settlements.
    pub fn ledger_mut(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    /// Opens `user`'s session with `pixels` committed to by `commitment` at block `block`, to
    /// notify `notify` of its outcome, replacing a finished one; returns its id.
    pub fn open(
        &mut self,
        user: ActorId,
        pixels: Vec<u8>,
        commitment: [u8; 32],
        notify: Option<NotifyTarget>,
        block: u32,
    ) -> Result<u64, SessionsError> {
        if pixels.len() != statement::PIXELS {
            return Err(inputs::wrong_size(pixels.len()));
        }
        self.admit(user, pixels, commitment, Vec::new(), notify, block)
    }

    /// Opens `user`'s session with a private input at block `block`: the commitment and the
    /// envelope only (checked with [`inputs::check_private`]), to notify `notify` of its
    /// outcome, replacing a finished session; returns its id.
    pub fn open_private(
        &mut self,
        user: ActorId,
        commitment: [u8; 32],
        envelope: Vec<u8>,
        notify: Option<NotifyTarget>,
        block: u32,
    ) -> Result<u64, SessionsError> {
        inputs::check_private(&commitment, &envelope)?;
        self.admit(user, Vec::new(), commitment, envelope, notify, block)
    }

    /// Opens a session with a checked input, if the user and the program may have one more.
    fn admit(
        &mut self,
        user: ActorId,
        pixels: Vec<u8>,
        commitment: [u8; 32],
        envelope: Vec<u8>,
        notify: Option<NotifyTarget>,
        block: u32,
    ) -> Result<u64, SessionsError> {
        if self.of_user(&user).is_some_and(|e| !e.phase.is_finished()) {
            return Err(SessionsError::SessionAlreadyOpen);
        }
        if self.open >= MAX_OPEN_SESSIONS {
            return Err(SessionsError::TooManyOpenSessions {
                max: MAX_OPEN_SESSIONS,
            });
        }
        self.remove(&user);
        let id = self.next_id;
        self.next_id += 1;
        self.by_user.insert(user, id);
        self.open += 1;
        self.sessions.insert(
            id,
            Entry {
                user,
                pixels,
                commitment,
                envelope,
                submitted_at: block,
                notify,
                phase: Phase::AwaitingProof { lease: None },
            },
        );
        Ok(id)
    }

    /// Discards `user`'s session at block `now`; returns its id. Refused while a proof awaits
    /// its outcome before its verification deadline ([`VERIFY_DEADLINE_BLOCKS`]).
    pub fn purge(&mut self, user: &ActorId, now: u32) -> Result<u64, SessionsError> {
        let entry = self.of_user(user).ok_or(SessionsError::NoSession)?;
        if let Some(deadline) = entry.phase.deadline()
            && now < deadline
        {
            return Err(SessionsError::ProofAwaitingVerification { deadline });
        }
        self.remove(user).ok_or(SessionsError::NoSession)
    }

    /// Closes session `session_id` at block `now` for anyone: an input awaiting a proof
    /// submitted at least [`INPUT_EXPIRY_BLOCKS`] before `now`, with no live claim, or a proof
    /// still without an outcome at its verification deadline ([`VERIFY_DEADLINE_BLOCKS`]).
    /// Returns its user.
    pub fn close_expired(&mut self, session_id: u64, now: u32) -> Result<ActorId, SessionsError> {
        let entry = self
            .sessions
            .get(&session_id)
            .ok_or(SessionsError::NotAwaitingProof { session_id })?;
        let (expires_at, lease) = match &entry.phase {
            Phase::AwaitingProof { lease } => (
                entry.submitted_at.saturating_add(INPUT_EXPIRY_BLOCKS),
                *lease,
            ),
            phase => (
                phase
                    .deadline()
                    .ok_or(SessionsError::NotAwaitingProof { session_id })?,
                None,
            ),
        };
        if now < expires_at {
            return Err(SessionsError::NotExpired { expires_at });
        }
        if let Some(held) = lease
            && held.is_live(now)
        {
            return Err(SessionsError::AlreadyClaimed {
                prover: held.prover,
                expires_at: held.expires_at,
            });
        }
        let user = entry.user;
        self.remove(&user);
        Ok(user)
    }

    /// Claims session `session_id`, which must await a proof, for `prover` from block `now`
    /// for [`LEASE_BLOCKS`]; returns the session's user and the lease. A prover renews its own
    /// claim by claiming again; another prover's claim must have expired.
    pub fn claim(
        &mut self,
        session_id: u64,
        prover: ActorId,
        now: u32,
    ) -> Result<(ActorId, Lease), SessionsError> {
        let entry = self
            .sessions
            .get_mut(&session_id)
            .ok_or(SessionsError::NotAwaitingProof { session_id })?;
        let Phase::AwaitingProof { lease } = &mut entry.phase else {
            return Err(SessionsError::NotAwaitingProof { session_id });
        };
        if let Some(held) = lease
            && !held.admits(&prover, now)
        {
            return Err(SessionsError::AlreadyClaimed {
                prover: held.prover,
                expires_at: held.expires_at,
            });
        }
        let granted = Lease {
            prover,
            expires_at: now.saturating_add(LEASE_BLOCKS),
        };
        *lease = Some(granted);
        Ok((entry.user, granted))
    }

    /// Drops every claim `prover` holds, so that other provers may take its inputs at once.
    pub fn release_claims(&mut self, prover: &ActorId) {
        for entry in self.sessions.values_mut() {
            if let Phase::AwaitingProof { lease } = &mut entry.phase
                && lease.is_some_and(|l| l.prover == *prover)
            {
                *lease = None;
            }
        }
    }

    /// `user`'s session.
    pub fn session_of(&self, user: &ActorId) -> Option<Session> {
        let id = *self.by_user.get(user)?;
        Some(self.sessions.get(&id)?.view(id, self.batch_progress()))
    }

    /// The pixels of session `session_id`'s public input (`None` for a private input).
    pub fn input(&self, session_id: u64) -> Option<&[u8]> {
        self.sessions
            .get(&session_id)
            .map(|e| e.pixels.as_slice())
            .filter(|pixels| !pixels.is_empty())
    }

    /// The envelope of kept session `session_id`'s private input (`None` for a public input).
    pub fn envelope(&self, session_id: u64) -> Option<&[u8]> {
        self.sessions
            .get(&session_id)
            .map(|e| e.envelope.as_slice())
            .filter(|envelope| !envelope.is_empty())
    }

    /// Whether `who` opened session `session_id`.
    pub fn is_owner(&self, session_id: u64, who: &ActorId) -> bool {
        self.sessions
            .get(&session_id)
            .is_some_and(|e| e.user == *who)
    }

    /// The proof stored for session `session_id`, until its verification finishes.
    pub fn proof(&self, session_id: u64) -> Option<&[u8]> {
        match &self.sessions.get(&session_id)?.phase {
            Phase::ProofSubmitted(s) | Phase::Verifying(s) | Phase::Batched(s) => Some(&s.bytes),
            Phase::AwaitingProof { .. } | Phase::Finished { .. } => None,
        }
    }

    /// Checks that `prover` may submit a proof for session `session_id` at block `now`: the
    /// session awaits one and `prover` claimed it, with no live claim of another prover since.
    pub fn check_submission(
        &self,
        session_id: u64,
        prover: &ActorId,
        now: u32,
    ) -> Result<(), VerifierError> {
        let entry = self
            .sessions
            .get(&session_id)
            .ok_or(VerifierError::NoSession)?;
        let lease = match &entry.phase {
            Phase::AwaitingProof { lease } => lease,
            Phase::ProofSubmitted(_) | Phase::Verifying(_) | Phase::Batched(_) => {
                return Err(VerifierError::ProofAlreadySubmitted);
            }
            Phase::Finished { .. } => return Err(VerifierError::SessionFinished),
        };
        // The session's owner may always prove their own input, claim or not.
        if entry.user == *prover {
            return Ok(());
        }
        match lease {
            None => Err(VerifierError::NotClaimed),
            Some(lease) if lease.prover == *prover => Ok(()),
            Some(lease) if lease.is_live(now) => Err(VerifierError::ClaimedByAnother {
                prover: lease.prover,
            }),
            Some(_) => Err(VerifierError::NotClaimed),
        }
    }

    /// Accepts `proof` from `prover` for session `session_id` at block `now`, to be verified
    /// over `steps` fold steps: the session must pass [`Self::check_submission`], then the
    /// proof must decode ([`verification::decode_proof`]). Returns the session's user.
    pub fn submit_proof(
        &mut self,
        session_id: u64,
        prover: ActorId,
        proof: Vec<u8>,
        now: u32,
        steps: u64,
    ) -> Result<ActorId, VerifierError> {
        // State and claim checks come first so that a late proof is told why, not that it is
        // malformed.
        self.check_submission(session_id, &prover, now)?;
        let decoded = verification::decode_proof(&proof)?;
        let entry = self
            .sessions
            .get_mut(&session_id)
            .ok_or(VerifierError::NoSession)?;
        // The stored commitment is canonical (computed by `statement::commitment`), so the
        // statement always builds; a failure would name the proof's input, hence
        // `MalformedProof`.
        let job =
            Job::start(decoded, &entry.commitment, steps).map_err(VerifierError::MalformedProof)?;
        entry.phase = Phase::ProofSubmitted(Submission {
            prover,
            bytes: proof,
            job,
            deadline: now.saturating_add(VERIFY_DEADLINE_BLOCKS),
        });
        Ok(entry.user)
    }

    /// Starts (`resume` false) or resumes (`resume` true) the verification of session
    /// `session_id` with the keys `vk` and `ck`, working while `meter` covers the next piece of
    /// work, and records the result. Refused if the session is not in the phase that call needs,
    /// or if `meter` does not cover the next stage ([`VerifierError::NotEnoughGas`]).
    pub fn verify(
        &mut self,
        session_id: u64,
        resume: bool,
        (vk, ck): (&VerifierKey, &ConstantKey),
        meter: &mut dyn Meter,
    ) -> Result<Progress, VerifierError> {
        let (user, submission) = self.ready(session_id, resume)?;
        let prover = submission.prover;
        let advance = submission.job.advance(vk, ck, meter)?;
        let outcome = match advance {
            Advance::Pending { .. } => {
                let entry = self
                    .sessions
                    .get_mut(&session_id)
                    .ok_or(VerifierError::NoSession)?;
                entry.phase.start_verifying();
                return Ok(Progress {
                    user,
                    state: entry.phase.summary((0, 0)),
                    notice: None,
                });
            }
            Advance::Verified(output) => Outcome::Verified {
                digit: output.digit,
                logits: output.logits,
            },
            Advance::Rejected { reason } => Outcome::Rejected { reason },
        };
        let Finished { state, notice } = self.finish(session_id, prover, outcome);
        Ok(Progress {
            user,
            state,
            notice,
        })
    }

    /// The program session `session_id` names to notify, if any, while the session is kept.
    pub fn notify_target(&self, session_id: u64) -> Option<NotifyTarget> {
        self.sessions.get(&session_id)?.notify
    }

    /// The outcome of session `session_id`, once it has one, while the session is kept.
    pub fn outcome(&self, session_id: u64) -> Option<SessionOutcome> {
        self.sessions.get(&session_id)?.outcome(session_id)
    }

    /// The notification of finished session `session_id` again, for `Renotify`: refused if no
    /// session has that id, it has not finished, or it names no program.
    pub fn renotice(&self, session_id: u64) -> Result<Notice, SessionsError> {
        let entry = self
            .sessions
            .get(&session_id)
            .ok_or(SessionsError::UnknownSession { session_id })?;
        let outcome = entry
            .outcome(session_id)
            .ok_or(SessionsError::NotFinished { session_id })?;
        let target = entry
            .notify
            .ok_or(SessionsError::NoNotifyTarget { session_id })?;
        Ok(Notice {
            program: target.program,
            outcome,
        })
    }

    /// The submission of session `session_id` if it is in the phase that starting (`resume`
    /// false) or resuming (`resume` true) its verification needs; its user.
    fn ready(
        &mut self,
        session_id: u64,
        resume: bool,
    ) -> Result<(ActorId, &mut Submission), VerifierError> {
        let entry = self
            .sessions
            .get_mut(&session_id)
            .ok_or(VerifierError::NoSession)?;
        match (&mut entry.phase, resume) {
            (Phase::ProofSubmitted(s), false) | (Phase::Verifying(s), true) => Ok((entry.user, s)),
            (Phase::Finished { .. }, _) => Err(VerifierError::SessionFinished),
            (Phase::AwaitingProof { .. }, false) => Err(VerifierError::NoProof),
            (Phase::Verifying(_) | Phase::Batched(_), false) => {
                Err(VerifierError::AlreadyVerifying)
            }
            (_, true) => Err(VerifierError::NotVerifying),
        }
    }

    /// Ends session `session_id` with `outcome` of `prover`'s proof, drops its job, and evicts
    /// the oldest finished sessions past [`MAX_FINISHED_SESSIONS`]; returns its final state and
    /// the notification to send ([`crate::notify::send`]) if the session named a program. Every
    /// path that gives a session its outcome goes through here.
    pub fn finish(&mut self, session_id: u64, prover: ActorId, outcome: Outcome) -> Finished {
        let phase = Phase::Finished { prover, outcome };
        let state = phase.summary((0, 0));
        let mut notice = None;
        if let Some(entry) = self.sessions.get_mut(&session_id)
            && !entry.phase.is_finished()
        {
            entry.phase = phase;
            self.open = self.open.saturating_sub(1);
            notice = entry.notify.and_then(|target| {
                Some(Notice {
                    program: target.program,
                    outcome: entry.outcome(session_id)?,
                })
            });
            if matches!(state, SessionState::Verified { .. }) {
                self.ledger.pay(session_id, prover);
            } else {
                self.ledger.refund(session_id);
            }
        }
        while self.counts().finished > MAX_FINISHED_SESSIONS {
            let oldest = self
                .sessions
                .iter()
                .find(|(_, e)| e.phase.is_finished())
                .map(|(_, e)| e.user);
            match oldest {
                Some(user) => {
                    self.remove(&user);
                }
                None => break,
            }
        }
        Finished { state, notice }
    }

    /// Sessions awaiting a proof, oldest first, with ids after `after`, at most `limit` (capped
    /// at [`MAX_PAGE`]); with `claimable_by`, only those that prover may claim at block `now`.
    pub fn pending(
        &self,
        after: Option<u64>,
        limit: u32,
        claimable_by: Option<(&ActorId, u32)>,
    ) -> Vec<PendingInput> {
        let start = after.map_or(0, |id| id.saturating_add(1));
        self.sessions
            .iter_from(&start)
            .filter_map(|(id, entry)| {
                let Phase::AwaitingProof { lease } = entry.phase else {
                    return None;
                };
                let admitted = match (claimable_by, lease) {
                    (Some((prover, now)), Some(lease)) => lease.admits(prover, now),
                    _ => true,
                };
                admitted.then_some(PendingInput {
                    session_id: *id,
                    user: entry.user,
                    submitted_at: entry.submitted_at,
                    lease,
                })
            })
            .take(limit.min(MAX_PAGE) as usize)
            .collect()
    }

    /// How many sessions the program holds.
    pub fn counts(&self) -> SessionCounts {
        let mut counts = SessionCounts {
            open: 0,
            awaiting_proof: 0,
            finished: 0,
        };
        for entry in self.sessions.values() {
            match entry.phase {
                Phase::AwaitingProof { .. } => {
                    counts.open += 1;
                    counts.awaiting_proof += 1;
                }
                Phase::ProofSubmitted(_) | Phase::Verifying(_) | Phase::Batched(_) => {
                    counts.open += 1
                }
                Phase::Finished { .. } => counts.finished += 1,
            }
        }
        counts
    }

    fn of_user(&self, user: &ActorId) -> Option<&Entry> {
        self.sessions.get(self.by_user.get(user)?)
    }

    /// Removes `user`'s session and settles its escrow: an unfinished session's fee goes back
    /// to the user (callers remove one only without a proof, or past its proof's verification
    /// deadline, when the prover forfeits); a finished one's was settled at its outcome. A
    /// verification under way is dropped with the session; a batch under way skips it.
    fn remove(&mut self, user: &ActorId) -> Option<u64> {
        let id = self.by_user.remove(user)?;
        if let Some(entry) = self.sessions.remove(&id)
            && !entry.phase.is_finished()
        {
            self.ledger.refund(id);
            self.open = self.open.saturating_sub(1);
        }
        Some(id)
    }
}

#[cfg(test)]
mod tests;

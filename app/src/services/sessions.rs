//! The Sessions service: one inference session per user, from input to outcome.

use super::{check_call, ensure_exact_call, query_takes_no_value};
use crate::error::SessionsError;
use crate::inputs::public_commitment;
use crate::notify::{self, NOTIFY_GAS_LIMIT, NotifyError, NotifyTarget, SessionOutcome};
use crate::state::fees::Settlement;
use crate::state::model::ModelState;
use crate::state::sessions::{Lease, PendingInput, Session, SessionCounts, SessionsState};
use core::cell::RefCell;
use sails_rs::prelude::*;

/// Events of the Sessions service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionsEvents {
    /// A user opened a session with an input.
    InputSubmitted {
        /// The user.
        user: ActorId,
        /// The new session.
        session_id: u64,
    },
    /// A user discarded a session.
    Purged {
        /// The user.
        user: ActorId,
        /// The discarded session.
        session_id: u64,
    },
    /// Anyone closed a session that had expired without an outcome: an input without a proof
    /// (`INPUT_EXPIRY_BLOCKS` after its submission, with no live claim), or a proof not
    /// verified by its deadline (`VERIFY_DEADLINE_BLOCKS` after it).
    Expired {
        /// The session's user.
        user: ActorId,
        /// The closed session.
        session_id: u64,
        /// Who closed it.
        closed_by: ActorId,
    },
    /// A prover claimed a session to prove it, until block `expires_at`.
    Claimed {
        /// The session's user.
        user: ActorId,
        /// The session.
        session_id: u64,
        /// The prover.
        prover: ActorId,
        /// The block height from which the claim no longer holds others off.
        expires_at: u32,
    },
    /// Anyone sent a finished session's notification again (`Renotify`).
    Renotified {
        /// The session.
        session_id: u64,
        /// The program notified.
        program: ActorId,
        /// Who asked.
        by: ActorId,
    },
    /// A user's fee is held in escrow for its session until the outcome.
    FeeHeld {
        /// The user.
        user: ActorId,
        /// The session.
        session_id: u64,
        /// The fee.
        amount: u128,
    },
    /// A session's fee went to a prover. (Sessions calls settle by refund only: a proof is
    /// paid when it verifies, in the Verifier's message; the variant keeps the books' events
    /// the same in both services.)
    FeePaid {
        /// The session.
        session_id: u64,
        /// The prover credited (withdraws with `Fees.Withdraw`).
        prover: ActorId,
        /// The fee.
        amount: u128,
    },
    /// A session's fee went back to its user (purged or closed before a proof, or past its
    /// proof's verification deadline).
    Refunded {
        /// The session.
        session_id: u64,
        /// The user credited (withdraws with `Fees.Withdraw`).
        user: ActorId,
        /// The fee.
        amount: u128,
    },
}

impl From<Settlement> for SessionsEvents {
    fn from(settlement: Settlement) -> Self {
        match settlement {
            Settlement::Paid {
                session_id,
                prover,
                amount,
            } => Self::FeePaid {
                session_id,
                prover,
                amount,
            },
            Settlement::Refunded {
                session_id,
                user,
                amount,
            } => Self::Refunded {
                session_id,
                user,
                amount,
            },
        }
    }
}

/// Gas to attach to a `Renotify` message beside the notification's own limit: the message's
/// overhead, reading the session and the event, with a margin (`cargo test --release --test
/// gtest notify -- --nocapture` prints what a whole `Renotify` burns besides the limit).
pub const RENOTIFY_OVERHEAD_GAS: u64 = 3_000_000_000;
/// Gas `Renotify` must have left besides the notification's limit when it sends it: the
/// event and the reply.
const RENOTIFY_RESERVE_GAS: u64 = 1_000_000_000;

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
    /// Emits the events of the fee settlements this message made.
    fn emit_settlements(&mut self) -> Result<(), SessionsError> {
        let settled = self.state.borrow_mut().ledger_mut().take_settlements();
        for settlement in settled {
            self.emit_event(settlement.into())
                .map_err(|_| SessionsError::EventNotEmitted)?;
        }
        Ok(())
    }

    /// Opens the caller's session with a 28x28 input (784 bytes, row-major, 0 = background).
    /// A finished session of the caller is replaced; an unfinished one is an error. With
    /// `notify`, the program it names is sent the outcome (`OnZkmlOutcome` of its
    /// `ZkmlReceiver` service) with the reference when the session ends. The value attached is
    /// the fee, at least `Fees.MinimumFee` (zero when that is zero), held in escrow until the
    /// outcome: the prover whose proof verifies earns it, and the user gets it back if no proof
    /// comes or the proof is rejected.
    #[export(unwrap_result)]
    pub fn submit_input(
        &mut self,
        pixels: Vec<u8>,
        notify: Option<NotifyTarget>,
    ) -> Result<u64, SessionsError> {
        ensure_exact_call(&(&pixels, &notify))?;
        let (user, fee) = self.admit(notify)?;
        let commitment = public_commitment(&self.model.borrow(), &pixels)?;
        let session_id = self.state.borrow_mut().open(
            user,
            pixels,
            commitment,
            notify,
            Syscall::block_height(),
        )?;
        self.opened(user, session_id, fee)
    }

    /// Opens the caller's session with a private input: the commitment `C = H(pixels,
    /// blinding)` (a canonical BN254 scalar, see `zkml_verifier::statement`) and an envelope
    /// holding the pixels and the blinding sealed for the provers the user picked
    /// (`zkml-envelope`'s format, at most 4,418 bytes). The pixels never reach the chain; only a
    /// proof for `C` verifies. A finished session of the caller is replaced; `notify` and the
    /// fee (the value attached) as for `SubmitInput`.
    #[export(unwrap_result)]
    pub fn submit_private_input(
        &mut self,
        commitment: [u8; 32],
        envelope: Vec<u8>,
        notify: Option<NotifyTarget>,
    ) -> Result<u64, SessionsError> {
        ensure_exact_call(&(&commitment, &envelope, &notify))?;
        let (user, fee) = self.admit(notify)?;
        let session_id = self.state.borrow_mut().open_private(
            user,
            commitment,
            envelope,
            notify,
            Syscall::block_height(),
        )?;
        self.opened(user, session_id, fee)
    }

    /// The checks of a submission before its input: the model is final, `notify` does not
    /// name this program and the value attached is a fee the ledger takes; returns the caller
    /// and the fee.
    fn admit(&self, notify: Option<NotifyTarget>) -> Result<(ActorId, u128), SessionsError> {
        if !self.model.borrow().is_finalized() {
            return Err(SessionsError::ModelNotFinalized);
        }
        if notify.is_some_and(|n| n.program == Syscall::program_id()) {
            return Err(SessionsError::NotifySelf);
        }
        let fee = Syscall::message_value();
        let existential_deposit = Syscall::env_vars().existential_deposit;
        self.state
            .borrow()
            .ledger()
            .check_fee(fee, existential_deposit)?;
        Ok((Syscall::message_source(), fee))
    }

    /// Holds `fee` in escrow for `user`'s new session `session_id` and reports it
    /// (`InputSubmitted`, then `FeeHeld` for a fee above zero); returns the session's id.
    fn opened(&mut self, user: ActorId, session_id: u64, fee: u128) -> Result<u64, SessionsError> {
        self.state
            .borrow_mut()
            .ledger_mut()
            .hold(session_id, user, fee);
        self.emit_event(SessionsEvents::InputSubmitted { user, session_id })
            .map_err(|_| SessionsError::EventNotEmitted)?;
        if fee > 0 {
            self.emit_event(SessionsEvents::FeeHeld {
                user,
                session_id,
                amount: fee,
            })
            .map_err(|_| SessionsError::EventNotEmitted)?;
        }
        Ok(session_id)
    }

    /// Discards the caller's session; an unfinished session's fee goes back to the user, a
    /// finished one's was settled at its outcome. While a proof awaits its outcome, the purge
    /// is refused until the proof's verification deadline (`VERIFY_DEADLINE_BLOCKS` after it,
    /// `ProofAwaitingVerification`): the user may drive the verification instead (a verified
    /// proof pays its prover, a rejected one refunds the user); past the deadline the prover
    /// has forfeited and the purge refunds the user.
    #[export(unwrap_result)]
    pub fn purge(&mut self) -> Result<u64, SessionsError> {
        check_call(&())?;
        let user = Syscall::message_source();
        let session_id = self
            .state
            .borrow_mut()
            .purge(&user, Syscall::block_height())?;
        self.emit_event(SessionsEvents::Purged { user, session_id })
            .map_err(|_| SessionsError::EventNotEmitted)?;
        self.emit_settlements()?;
        Ok(session_id)
    }

    /// Claims session `session_id`, which awaits a proof, for the calling prover for
    /// `LEASE_BLOCKS` blocks, so that other provers leave it alone. Claiming again renews the
    /// caller's claim; another prover's claim must have expired. A proof is accepted only from
    /// the session's claimant.
    #[export(unwrap_result)]
    pub fn claim(&mut self, session_id: u64) -> Result<Lease, SessionsError> {
        check_call(&session_id)?;
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

    /// Closes session `session_id`, which expired without an outcome; anyone may call it:
    /// an input awaiting a proof, submitted `INPUT_EXPIRY_BLOCKS` blocks ago or more, with no
    /// live prover claim, or a proof without an outcome at its verification deadline
    /// (`VERIFY_DEADLINE_BLOCKS` after it; its prover forfeits). Frees its slot among the open
    /// sessions and refunds its fee to its user; returns the user.
    #[export(unwrap_result)]
    pub fn close_expired(&mut self, session_id: u64) -> Result<ActorId, SessionsError> {
        check_call(&session_id)?;
        let user = self
            .state
            .borrow_mut()
            .close_expired(session_id, Syscall::block_height())?;
        self.emit_event(SessionsEvents::Expired {
            user,
            session_id,
            closed_by: Syscall::message_source(),
        })
        .map_err(|_| SessionsError::EventNotEmitted)?;
        self.emit_settlements()?;
        Ok(user)
    }

    /// Sends finished session `session_id`'s notification again, to the program it named;
    /// anyone may call it, for example when the first one ran out of gas. The message must
    /// carry the notification's gas limit (`NOTIFY_GAS_LIMIT`, 1e10) besides its own
    /// (`RENOTIFY_OVERHEAD_GAS`). Receivers must act at most once per session.
    #[export(unwrap_result)]
    pub fn renotify(&mut self, session_id: u64) -> Result<(), SessionsError> {
        check_call(&session_id)?;
        let notice = self.state.borrow().renotice(session_id)?;
        let needed = NOTIFY_GAS_LIMIT.saturating_add(RENOTIFY_OVERHEAD_GAS);
        if Syscall::gas_available() < NOTIFY_GAS_LIMIT.saturating_add(RENOTIFY_RESERVE_GAS) {
            return Err(SessionsError::NotEnoughGas { needed });
        }
        notify::send(notice.program, &notice.outcome).map_err(|e| match e {
            NotifyError::NotEnoughGas => SessionsError::NotEnoughGas { needed },
            NotifyError::Send => SessionsError::NotificationNotSent,
        })?;
        self.emit_event(SessionsEvents::Renotified {
            session_id,
            program: notice.program,
            by: Syscall::message_source(),
        })
        .map_err(|_| SessionsError::EventNotEmitted)
    }

    /// The outcome of session `session_id`, once it has one, while the session is kept: what
    /// its notification carries. A program that builds on ours asks this (a message and its
    /// reply) rather than trusting its caller.
    #[export]
    pub fn outcome(&self, session_id: u64) -> Option<SessionOutcome> {
        query_takes_no_value();
        self.state.borrow().outcome(session_id)
    }

    /// The caller's session.
    #[export]
    pub fn my_session(&self) -> Option<Session> {
        query_takes_no_value();
        self.state.borrow().session_of(&Syscall::message_source())
    }

    /// `user`'s session.
    #[export]
    pub fn session(&self, user: ActorId) -> Option<Session> {
        query_takes_no_value();
        self.state.borrow().session_of(&user)
    }

    /// The input of session `session_id` (784 bytes, row-major), while the session is kept;
    /// `None` for a private input, whose pixels the program never holds.
    #[export]
    pub fn input(&self, session_id: u64) -> Option<Vec<u8>> {
        query_takes_no_value();
        self.state.borrow().input(session_id).map(<[u8]>::to_vec)
    }

    /// The envelope of session `session_id`'s private input, while the session is kept; `None`
    /// for a public input.
    #[export]
    pub fn envelope(&self, session_id: u64) -> Option<Vec<u8>> {
        query_takes_no_value();
        self.state.borrow().envelope(session_id).map(<[u8]>::to_vec)
    }

    /// Sessions awaiting a proof, oldest first: up to `limit` (at most 16) with session ids
    /// after `after`. Page through with the last id seen.
    #[export]
    pub fn pending(&self, after: Option<u64>, limit: u32) -> Vec<PendingInput> {
        query_takes_no_value();
        self.state.borrow().pending(after, limit, None)
    }

    /// Like `Pending`, but only the sessions `prover` may claim now: unclaimed, claimed by
    /// `prover` itself, or under an expired claim. A prover polls this for work and reads the
    /// input of the session it claims with `Input`.
    #[export]
    pub fn claimable(&self, prover: ActorId, after: Option<u64>, limit: u32) -> Vec<PendingInput> {
        query_takes_no_value();
        self.state
            .borrow()
            .pending(after, limit, Some((&prover, Syscall::block_height())))
    }

    /// How many sessions the program holds.
    #[export]
    pub fn counts(&self) -> SessionCounts {
        query_takes_no_value();
        self.state.borrow().counts()
    }
}

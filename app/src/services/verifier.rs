//! The Verifier service: provers submit proofs; anyone starts and continues their on-chain
//! verification.
//!
//! Verification may take several messages. Gear draws the gas of every message a program
//! sends from the gas of the message that made it, and one user message carries at most
//! `MAX_USER_GAS_LIMIT` (7.5e11 under gtest), so a program cannot fund its own continuation
//! beyond what one message carried. The verifier therefore keeps the verification's state
//! between messages: `Verify` starts it and works as far as its gas allows, and
//! `ContinueVerification` (from the user, a prover or anyone) resumes it until the outcome.

use super::{check_call, query_takes_no_value};
use crate::{
    error::VerifierError,
    notify::{self, NOTIFY_GAS_LIMIT},
    state::{
        fees::Settlement,
        model::ModelState,
        sessions::{
            BatchEnded, BatchInfo, BatchRound, MAX_PROOF_LEN, Notice, Progress, SessionState,
            SessionsState,
        },
    },
    verification::{self, BatchWork},
};
use core::cell::{Cell, RefCell};
use sails_rs::prelude::*;
use zkml_verifier::Meter;

/// Gas kept back in every verification message to store the outcome and emit events (a
/// session that names a program to notify keeps `NOTIFY_GAS_LIMIT` back besides).
pub const GAS_RESERVE: u64 = 5_000_000_000;
/// Gas a `Verify` or `ContinueVerification` message spends outside its verification work
/// (instantiating the program, reading the message, checks and the reply), with a margin: a
/// whole refused `Verify` message burns 0.97e9 gas under gtest
/// (`not_enough_gas_reports_the_gas_to_attach` prints it).
pub const MESSAGE_OVERHEAD_GAS: u64 = 2_000_000_000;

/// Where a verification stands after a `Verify` or `ContinueVerification` message.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationStatus {
    /// Under way: `done` of `total` work units; call `ContinueVerification`.
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

/// A session's outcome reached in a batch round.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The session.
    pub session_id: u64,
    /// Its outcome (`Verified` or `Rejected`).
    pub status: VerificationStatus,
}

/// Where a batch stands after a `VerifyBatch` or `ContinueBatch` message.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchStatus {
    /// The batch.
    pub batch_id: u64,
    /// Work units done.
    pub done: u64,
    /// Estimated work units of the whole batch.
    pub total: u64,
    /// Whether every session of the batch has its outcome; if not, call `ContinueBatch`.
    pub complete: bool,
    /// The pieces of work this message did, in order.
    pub work: Vec<BatchWork>,
    /// The sessions that got their outcome in this message.
    pub outcomes: Vec<BatchOutcome>,
}

/// Events of the Verifier service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifierEvents {
    /// A registered prover submitted a proof for a user's session.
    ProofSubmitted {
        /// The session's user.
        user: ActorId,
        /// The session.
        session_id: u64,
        /// The prover.
        prover: ActorId,
    },
    /// Verification advanced but is not finished: call `ContinueVerification`.
    VerificationProgress {
        /// The session's user.
        user: ActorId,
        /// The session.
        session_id: u64,
        /// Work units done.
        done: u64,
        /// Estimated work units of the whole verification.
        total: u64,
    },
    /// The proof verified: the model's answer for the user's input.
    Verified {
        /// The session's user.
        user: ActorId,
        /// The session.
        session_id: u64,
        /// The predicted digit.
        digit: u8,
        /// The model's logits, one per class.
        logits: Vec<i64>,
    },
    /// The proof did not verify.
    Rejected {
        /// The session's user.
        user: ActorId,
        /// The session.
        session_id: u64,
        /// Why.
        reason: String,
    },
    /// A batch verification started over these sessions' proofs; each session gets its own
    /// `Verified` or `Rejected` event.
    BatchStarted {
        /// The batch.
        batch_id: u64,
        /// Its sessions.
        session_ids: Vec<u64>,
    },
    /// An idle batch was abandoned: its sessions without an outcome are back to
    /// `ProofSubmitted`.
    BatchAbandoned {
        /// The batch.
        batch_id: u64,
        /// The sessions returned.
        session_ids: Vec<u64>,
    },
    /// A batch advanced; call `ContinueBatch` until it is complete.
    BatchProgress {
        /// The batch.
        batch_id: u64,
        /// Work units done.
        done: u64,
        /// Estimated work units of the whole batch.
        total: u64,
        /// Whether every session of the batch has its outcome.
        complete: bool,
    },
    /// The finished session's notification went out to the program it named (`sent`), or
    /// could not be sent; either way the outcome stands, and `Sessions.Renotify` sends it
    /// again.
    Notified {
        /// The session.
        session_id: u64,
        /// The program notified.
        program: ActorId,
        /// Whether Gear took the message.
        sent: bool,
    },
    /// A session's proof verified: its fee went to the prover (withdraws with
    /// `Fees.Withdraw`).
    FeePaid {
        /// The session.
        session_id: u64,
        /// The prover credited.
        prover: ActorId,
        /// The fee.
        amount: u128,
    },
    /// A session's proof was rejected: its fee went back to its user (withdraws with
    /// `Fees.Withdraw`).
    Refunded {
        /// The session.
        session_id: u64,
        /// The user credited.
        user: ActorId,
        /// The fee.
        amount: u128,
    },
}

impl From<Settlement> for VerifierEvents {
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

/// The Verifier service.
pub struct VerifierService<'a> {
    model: &'a RefCell<ModelState>,
    sessions: &'a RefCell<SessionsState>,
}

impl<'a> VerifierService<'a> {
    /// A service over the program's model and sessions.
    pub fn new(model: &'a RefCell<ModelState>, sessions: &'a RefCell<SessionsState>) -> Self {
        Self { model, sessions }
    }
}

#[sails_rs::service(events = VerifierEvents)]
impl VerifierService<'_> {
    /// Emits the events of the fee settlements this message made.
    fn emit_settlements(&mut self) -> Result<(), VerifierError> {
        let settled = self.sessions.borrow_mut().ledger_mut().take_settlements();
        for settlement in settled {
            self.emit_event(settlement.into())
                .map_err(|_| VerifierError::EventNotEmitted)?;
        }
        Ok(())
    }

    /// Starts (`resume` false) or resumes the verification of session `session_id` as far as
    /// this message's gas allows, and emits the event of where it stands.
    fn run(&mut self, session_id: u64, resume: bool) -> Result<VerificationStatus, VerifierError> {
        let entry = Syscall::gas_available();
        check_call(&session_id)?;
        let model = self.model.borrow();
        let keys = model.keys().ok_or(VerifierError::ModelNotFinalized)?;
        // A session that names a program keeps the notification's gas back in every round:
        // any round may be the last.
        let reserve = match self.sessions.borrow().notify_target(session_id) {
            Some(_) => GAS_RESERVE.saturating_add(NOTIFY_GAS_LIMIT),
            None => GAS_RESERVE,
        };
        let mut gas = RoundGas::new(entry, reserve);
        let Progress {
            user,
            state,
            notice,
        } = self
            .sessions
            .borrow_mut()
            .verify(session_id, resume, keys, &mut gas)
            .map_err(|e| gas.to_attach(e))?;
        drop(model);
        // A round of work leaves the session verifying or finished.
        let (status, event) =
            status_and_event(user, session_id, state).ok_or(VerifierError::NotVerifying)?;
        self.emit_event(event)
            .map_err(|_| VerifierError::EventNotEmitted)?;
        if let Some(notice) = notice {
            self.deliver(session_id, &notice)?;
        }
        self.emit_settlements()?;
        Ok(status)
    }

    /// Starts (`session_ids` given) or resumes a batch as far as this message's gas allows, and
    /// emits the events of its progress and of the sessions that got their outcome.
    fn run_batch(&mut self, session_ids: Option<&[u64]>) -> Result<BatchStatus, VerifierError> {
        let entry = Syscall::gas_available();
        let model = self.model.borrow();
        let keys = model.keys().ok_or(VerifierError::ModelNotFinalized)?;
        let mut sessions = self.sessions.borrow_mut();
        // Any session of the batch may get its outcome in this round: keep back the
        // notification gas of each one that names a program.
        let reserve = NOTIFY_GAS_LIMIT
            .saturating_mul(sessions.pending_notices(session_ids))
            .saturating_add(GAS_RESERVE);
        let mut gas = RoundGas::new(entry, reserve);
        let now = Syscall::block_height();
        let round = match session_ids {
            Some(ids) => sessions.verify_batch(ids, keys, &mut gas, now),
            None => sessions.continue_batch(keys, &mut gas, now),
        }
        .map_err(|e| gas.to_attach(e))?;
        drop((model, sessions));
        let BatchRound {
            batch_id,
            done,
            total,
            complete,
            work,
            finished,
        } = round;
        if let Some(ids) = session_ids {
            self.emit_event(VerifierEvents::BatchStarted {
                batch_id,
                session_ids: ids.to_vec(),
            })
            .map_err(|_| VerifierError::EventNotEmitted)?;
        }
        let mut outcomes = Vec::with_capacity(finished.len());
        for BatchEnded {
            session_id,
            user,
            state,
            notice,
        } in finished
        {
            if let Some((status, event)) = status_and_event(user, session_id, state) {
                self.emit_event(event)
                    .map_err(|_| VerifierError::EventNotEmitted)?;
                outcomes.push(BatchOutcome { session_id, status });
            }
            if let Some(notice) = notice {
                self.deliver(session_id, &notice)?;
            }
        }
        self.emit_event(VerifierEvents::BatchProgress {
            batch_id,
            done,
            total,
            complete,
        })
        .map_err(|_| VerifierError::EventNotEmitted)?;
        self.emit_settlements()?;
        Ok(BatchStatus {
            batch_id,
            done,
            total,
            complete,
            work,
            outcomes,
        })
    }

    /// Sends `notice` of session `session_id` ([`notify::send`]) and reports it with a
    /// `Notified` event. A notification that cannot be sent leaves the outcome as it is.
    fn deliver(&mut self, session_id: u64, notice: &Notice) -> Result<(), VerifierError> {
        let sent = notify::send(notice.program, &notice.outcome).is_ok();
        self.emit_event(VerifierEvents::Notified {
            session_id,
            program: notice.program,
            sent,
        })
        .map_err(|_| VerifierError::EventNotEmitted)
    }

    /// Stores a proof for session `session_id`, from a registered prover holding the session's
    /// claim (`Sessions::Claim`) or from the session's owner, who needs neither registration nor
    /// claim. The session must await a proof; the proof must decode in
    /// the wire format, and its public output, which carries the answer, must read as one.
    #[export(unwrap_result)]
    pub fn submit_proof(&mut self, session_id: u64, proof: Vec<u8>) -> Result<(), VerifierError> {
        check_call(&(session_id, &proof))?;
        let prover = Syscall::message_source();
        let model = self.model.borrow();
        if !model.is_finalized() {
            return Err(VerifierError::ModelNotFinalized);
        }
        if !model.is_prover(&prover) && !self.sessions.borrow().is_owner(session_id, &prover) {
            return Err(VerifierError::NotProver);
        }
        if proof.len() > MAX_PROOF_LEN as usize {
            return Err(VerifierError::ProofTooLarge {
                max: MAX_PROOF_LEN,
                got: u32::try_from(proof.len()).unwrap_or(u32::MAX),
            });
        }
        let steps = model.fold_steps();
        drop(model);
        let user = self.sessions.borrow_mut().submit_proof(
            session_id,
            prover,
            proof,
            Syscall::block_height(),
            steps,
        )?;
        self.emit_event(VerifierEvents::ProofSubmitted {
            user,
            session_id,
            prover,
        })
        .map_err(|_| VerifierError::EventNotEmitted)
    }

    /// Starts verifying the proof of session `session_id`; anyone may call it. Works as far as
    /// the attached gas allows; if unfinished, the session is `Verifying` and
    /// `ContinueVerification` goes on.
    #[export(unwrap_result)]
    pub fn verify(&mut self, session_id: u64) -> Result<VerificationStatus, VerifierError> {
        self.run(session_id, false)
    }

    /// Resumes the verification of session `session_id`; anyone may call it. A session in the
    /// batch under way resumes the batch (as `ContinueBatch`) and reports its own state.
    #[export(unwrap_result)]
    pub fn continue_verification(
        &mut self,
        session_id: u64,
    ) -> Result<VerificationStatus, VerifierError> {
        if !self.sessions.borrow().is_batched(session_id) {
            return self.run(session_id, true);
        }
        check_call(&session_id)?;
        let status = self.run_batch(None)?;
        let own = status
            .outcomes
            .into_iter()
            .find(|o| o.session_id == session_id)
            .map(|o| o.status);
        Ok(own.unwrap_or(VerificationStatus::Verifying {
            done: status.done,
            total: status.total,
        }))
    }

    /// Starts verifying the proofs of 2 to 16 sessions together; anyone may call it. Each
    /// session must have a proof whose verification has not started. The batch shares the
    /// dearest checks (one pairing and one 16,384-point MSM for all), and a bad proof never
    /// costs a good one its verdict: if a combined check fails, the batch checks the remaining
    /// proofs one by one. Works as far as the attached gas allows; `ContinueBatch` goes on.
    /// One batch at a time.
    #[export(unwrap_result)]
    pub fn verify_batch(&mut self, session_ids: Vec<u64>) -> Result<BatchStatus, VerifierError> {
        check_call(&session_ids)?;
        self.run_batch(Some(&session_ids))
    }

    /// Resumes the batch under way; anyone may call it.
    #[export(unwrap_result)]
    pub fn continue_batch(&mut self) -> Result<BatchStatus, VerifierError> {
        check_call(&())?;
        self.run_batch(None)
    }

    /// Abandons the batch under way once it has not advanced for 20 blocks; anyone may call
    /// it. Its sessions without an outcome go back to `ProofSubmitted`, so that a batch left
    /// half-way does not block new batches.
    #[export(unwrap_result)]
    pub fn abandon_batch(&mut self) -> Result<(), VerifierError> {
        check_call(&())?;
        let (batch_id, session_ids) = self
            .sessions
            .borrow_mut()
            .abandon_batch(Syscall::block_height())?;
        self.emit_event(VerifierEvents::BatchAbandoned {
            batch_id,
            session_ids,
        })
        .map_err(|_| VerifierError::EventNotEmitted)
    }

    /// The batch under way, if any.
    #[export]
    pub fn batch(&self) -> Option<BatchInfo> {
        query_takes_no_value();
        self.sessions.borrow().batch()
    }

    /// The proof stored for session `session_id`, until its verification finishes.
    #[export]
    pub fn proof(&self, session_id: u64) -> Option<Vec<u8>> {
        query_takes_no_value();
        self.sessions.borrow().proof(session_id).map(<[u8]>::to_vec)
    }
}

/// The status a call reports and the event it emits for `user`'s session `session_id` in
/// `state`; none for a session without a verification.
fn status_and_event(
    user: ActorId,
    session_id: u64,
    state: SessionState,
) -> Option<(VerificationStatus, VerifierEvents)> {
    Some(match state {
        SessionState::Verifying { done, total } => (
            VerificationStatus::Verifying { done, total },
            VerifierEvents::VerificationProgress {
                user,
                session_id,
                done,
                total,
            },
        ),
        SessionState::Verified { digit, logits } => (
            VerificationStatus::Verified {
                digit,
                logits: logits.clone(),
            },
            VerifierEvents::Verified {
                user,
                session_id,
                digit,
                logits,
            },
        ),
        SessionState::Rejected { reason } => (
            VerificationStatus::Rejected {
                reason: reason.clone(),
            },
            VerifierEvents::Rejected {
                user,
                session_id,
                reason,
            },
        ),
        SessionState::AwaitingProof | SessionState::ProofSubmitted => return None,
    })
}

/// The gas of one verification round, the meter of its work: before each piece of work the
/// verifier asks what the gas left now pays for, the reserve kept back, so the work fills the
/// message up to the bound of its last piece. The round's setup (a batch copies its sessions'
/// decoded proofs) comes before the first reading and never eats into the reserve; a refusal
/// reports all a caller must attach: the work, what the setup spent, the reserve (the
/// notifications' gas included) and the message's overhead.
struct RoundGas {
    /// Gas left when the call started.
    entry: u64,
    /// Gas kept back for the outcome, events and notifications.
    reserve: u64,
    /// Gas left when the meter was first read.
    at_work: Cell<Option<u64>>,
}

impl RoundGas {
    fn new(entry: u64, reserve: u64) -> Self {
        Self {
            entry,
            reserve,
            at_work: Cell::new(None),
        }
    }

    /// A refusal's gas for the work turned into the gas to attach to a message that does it.
    fn to_attach(&self, error: VerifierError) -> VerifierError {
        match error {
            VerifierError::NotEnoughGas { needed } => VerifierError::NotEnoughGas {
                needed: needed
                    .saturating_add(
                        self.entry
                            .saturating_sub(self.at_work.get().unwrap_or(self.entry)),
                    )
                    .saturating_add(self.reserve)
                    .saturating_add(MESSAGE_OVERHEAD_GAS),
            },
            other => other,
        }
    }
}

impl Meter for RoundGas {
    /// The work units the gas left now pays for, the reserve kept back.
    fn left(&self) -> u64 {
        let gas = Syscall::gas_available();
        if self.at_work.get().is_none() {
            self.at_work.set(Some(gas));
        }
        verification::budget_for_gas(gas, self.reserve)
    }

    /// Nothing to record: the gas left already tells.
    fn spend(&mut self, _units: u64) {}
}

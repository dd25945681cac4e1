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
        model::ModelState,
        sessions::{MAX_PROOF_LEN, Notice, Progress, SessionState, SessionsState},
    },
    verification,
};
use core::cell::RefCell;
use sails_rs::prelude::*;

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
    /// Starts (`resume` false) or resumes the verification of session `session_id` as far as
    /// this message's gas allows, and emits the event of where it stands.
    fn run(&mut self, session_id: u64, resume: bool) -> Result<VerificationStatus, VerifierError> {
        check_call(&session_id)?;
        let model = self.model.borrow();
        let keys = model.keys().ok_or(VerifierError::ModelNotFinalized)?;
        // A session that names a program keeps the notification's gas back in every round:
        // any round may be the last.
        let reserve = match self.sessions.borrow().notify_target(session_id) {
            Some(_) => GAS_RESERVE.saturating_add(NOTIFY_GAS_LIMIT),
            None => GAS_RESERVE,
        };
        let budget = verification::budget_for_gas(Syscall::gas_available(), reserve);
        let Progress {
            user,
            state,
            notice,
        } = self
            .sessions
            .borrow_mut()
            .verify(session_id, resume, keys, budget)
            .map_err(gas_to_attach)?;
        drop(model);
        let (status, event) = match state {
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
            // A round of work leaves the session verifying or finished.
            SessionState::AwaitingProof | SessionState::ProofSubmitted => {
                return Err(VerifierError::NotVerifying);
            }
        };
        self.emit_event(event)
            .map_err(|_| VerifierError::EventNotEmitted)?;
        if let Some(notice) = notice {
            self.deliver(session_id, &notice)?;
        }
        Ok(status)
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

    /// Stores a proof for session `session_id` (registered provers only). The session must
    /// await a proof and be claimed by the caller (`Sessions::Claim`); the proof must decode in
    /// the wire format, and its public output, which carries the answer, must read as one.
    #[export(unwrap_result)]
    pub fn submit_proof(&mut self, session_id: u64, proof: Vec<u8>) -> Result<(), VerifierError> {
        check_call(&(session_id, &proof))?;
        let prover = Syscall::message_source();
        let model = self.model.borrow();
        if !model.is_finalized() {
            return Err(VerifierError::ModelNotFinalized);
        }
        if !model.is_prover(&prover) {
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

    /// Resumes the verification of session `session_id`; anyone may call it.
    #[export(unwrap_result)]
    pub fn continue_verification(
        &mut self,
        session_id: u64,
    ) -> Result<VerificationStatus, VerifierError> {
        self.run(session_id, true)
    }

    /// The proof stored for session `session_id`, until its verification finishes.
    #[export]
    pub fn proof(&self, session_id: u64) -> Option<Vec<u8>> {
        query_takes_no_value();
        self.sessions.borrow().proof(session_id).map(<[u8]>::to_vec)
    }
}

/// Turns the gas a refused round's next stage needs into the gas a caller must attach to a
/// message for that stage: the stage's gas, the reserve and the message's overhead.
fn gas_to_attach(error: VerifierError) -> VerifierError {
    match error {
        VerifierError::NotEnoughGas { needed } => VerifierError::NotEnoughGas {
            needed: needed
                .saturating_add(GAS_RESERVE)
                .saturating_add(MESSAGE_OVERHEAD_GAS),
        },
        other => other,
    }
}

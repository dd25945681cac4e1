//! The Verifier service: provers submit proofs; anyone starts and continues their on-chain
//! verification.
//!
//! Verification may take several messages. Gear draws the gas of every message a program
//! sends from the gas of the message that made it, and one user message carries at most
//! `MAX_USER_GAS_LIMIT` (7.5e11 under gtest), so a program cannot fund its own continuation
//! beyond what one message carried. The verifier therefore keeps the verification's state
//! between messages: `Verify` starts it and works as far as its gas allows, and
//! `ContinueVerification` (from the user, a prover or anyone) resumes it until the outcome.

use crate::{
    error::VerifierError,
    model::ModelState,
    sessions::{SessionState, SessionsState},
    verification::{self, Advance, Job},
};
use core::cell::RefCell;
use sails_rs::prelude::*;
use zkml_verifier::statement::Output;

/// Largest proof accepted, in bytes.
pub const MAX_PROOF_LEN: u32 = 64 * 1024;
/// Gas kept back in every verification message to store the outcome and emit events.
pub const GAS_RESERVE: u64 = 5_000_000_000;

/// Events of the Verifier service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifierEvents {
    /// A registered prover submitted a proof for a user's session.
    ProofSubmitted {
        user: ActorId,
        session_id: u64,
        prover: ActorId,
    },
    /// Verification advanced but is not finished: call `ContinueVerification`.
    VerificationProgress {
        user: ActorId,
        session_id: u64,
        done: u64,
        total: u64,
    },
    /// The proof verified: the model's answer for the user's input.
    Verified {
        user: ActorId,
        session_id: u64,
        digit: u8,
        logits: Vec<i64>,
    },
    /// The proof did not verify.
    Rejected {
        user: ActorId,
        session_id: u64,
        reason: String,
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
    /// Advances `user`'s job as far as this message's gas allows and records the result.
    fn run(&mut self, user: ActorId, mut job: Job) -> Result<SessionState, VerifierError> {
        let budget = verification::budget_for_gas(Syscall::gas_available(), GAS_RESERVE);
        let advance = job.advance(&self.model.borrow(), budget)?;
        self.record(user, advance, Some(job))
    }

    /// Stores the result of a round of work on `user`'s verification and emits its event. A
    /// pending result keeps `job` for the next round.
    fn record(
        &mut self,
        user: ActorId,
        advance: Advance,
        job: Option<Job>,
    ) -> Result<SessionState, VerifierError> {
        let mut sessions = self.sessions.borrow_mut();
        let session_id = sessions.get(&user).ok_or(VerifierError::NoSession)?.id;
        let (state, event) = match advance {
            Advance::Pending { done, total } => {
                if let Some(job) = job {
                    sessions.set_verifying(&user, job)?;
                }
                (
                    SessionState::Verifying { done, total },
                    VerifierEvents::VerificationProgress {
                        user,
                        session_id,
                        done,
                        total,
                    },
                )
            }
            Advance::Verified(Output { digit, logits }) => {
                let state = SessionState::Verified {
                    digit,
                    logits: logits.clone(),
                };
                sessions.finish(&user, state.clone())?;
                (
                    state,
                    VerifierEvents::Verified {
                        user,
                        session_id,
                        digit,
                        logits,
                    },
                )
            }
            Advance::Rejected { reason } => {
                let state = SessionState::Rejected {
                    reason: reason.clone(),
                };
                sessions.finish(&user, state.clone())?;
                (
                    state,
                    VerifierEvents::Rejected {
                        user,
                        session_id,
                        reason,
                    },
                )
            }
        };
        drop(sessions);
        self.emit_event(event)
            .map_err(|_| VerifierError::EventNotEmitted)?;
        Ok(state)
    }

    /// Stores a proof for `user`'s session (registered provers only). The session must await
    /// a proof and be claimed by the caller (`Sessions::Claim`); the proof must decode for this
    /// model. Its public output carries the answer.
    #[export(unwrap_result)]
    pub fn submit_proof(&mut self, user: ActorId, proof: Vec<u8>) -> Result<u64, VerifierError> {
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
        let mut sessions = self.sessions.borrow_mut();
        let now = Syscall::block_height();
        // State and claim checks come first so that a late proof is told why, not that it is
        // malformed.
        sessions.check_submission(&user, &prover, now)?;
        verification::check_proof(&proof)?;
        let session_id = sessions.attach_proof(&user, prover, proof, now)?;
        drop((model, sessions));
        self.emit_event(VerifierEvents::ProofSubmitted {
            user,
            session_id,
            prover,
        })
        .map_err(|_| VerifierError::EventNotEmitted)?;
        Ok(session_id)
    }

    /// Starts verifying the proof of `user`'s session; anyone may call it. Works as far as
    /// the attached gas allows; if unfinished, the session is `Verifying` and
    /// `ContinueVerification` goes on.
    #[export(unwrap_result)]
    pub fn verify(&mut self, user: ActorId) -> Result<SessionState, VerifierError> {
        let model = self.model.borrow();
        if !model.is_finalized() {
            return Err(VerifierError::ModelNotFinalized);
        }
        let sessions = self.sessions.borrow();
        let session = sessions.get(&user).ok_or(VerifierError::NoSession)?;
        match session.state {
            SessionState::ProofSubmitted => {}
            SessionState::AwaitingProof => return Err(VerifierError::NoProof),
            SessionState::Verifying { .. } => return Err(VerifierError::AlreadyVerifying),
            SessionState::Verified { .. } | SessionState::Rejected { .. } => {
                return Err(VerifierError::SessionFinished);
            }
        }
        let proof = sessions.proof(&user).ok_or(VerifierError::NoProof)?;
        let job = Job::start(&model, &session.pixels, proof);
        drop((model, sessions));
        match job {
            Ok(job) => self.run(user, job),
            // The proof decoded at submission, so this is an input the statement cannot take.
            Err(reason) => self.record(user, Advance::Rejected { reason }, None),
        }
    }

    /// Resumes the verification of `user`'s session; anyone may call it.
    #[export(unwrap_result)]
    pub fn continue_verification(&mut self, user: ActorId) -> Result<SessionState, VerifierError> {
        let mut sessions = self.sessions.borrow_mut();
        match sessions.get(&user).ok_or(VerifierError::NoSession)?.state {
            SessionState::Verifying { .. } => {}
            SessionState::Verified { .. } | SessionState::Rejected { .. } => {
                return Err(VerifierError::SessionFinished);
            }
            _ => return Err(VerifierError::NotVerifying),
        }
        let job = sessions.take_job(&user)?;
        drop(sessions);
        self.run(user, job)
    }

    /// The proof stored for `user`'s session, until its verification finishes.
    #[export]
    pub fn proof(&self, user: ActorId) -> Option<Vec<u8>> {
        self.sessions.borrow().proof(&user).cloned()
    }
}

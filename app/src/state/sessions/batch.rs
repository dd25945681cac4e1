//! Batch verification of sessions: one batch at a time carries several submitted proofs'
//! verifications together (`zkml_verifier::BatchVerification`), and each session gets its own
//! outcome as the batch reaches it.

use super::{Finished, Notice, Outcome, Phase, SessionState, SessionsState};
use crate::{
    error::VerifierError,
    verification::{Advance, BatchAdvance, BatchJob, BatchWork, MIN_BATCH},
};
use core::mem;
use sails_rs::prelude::*;
use zkml_verifier::{ConstantKey, MAX_BATCH, Meter, VerifierKey};

/// Working memory a batch holds beside its sessions: copies of up to 16 decoded proofs (each at
/// most twice the 64 KiB wire limit: 2 MiB), the combined MSM's scalars (16,384 and 30 a proof,
/// 32 bytes each: 0.5 MiB) and its 16,384 buckets (1.2 MiB), under 4 MiB.
pub const BATCH_MEMORY: u64 = 4 * 1024 * 1024;
/// Blocks without progress after which anyone may abandon the batch under way
/// (`AbandonBatch`): 20 blocks, one minute at Vara's 3 s blocks. A batch someone drives never
/// idles that long; one left half-way stops blocking new batches after it.
pub const BATCH_IDLE_BLOCKS: u32 = 20;

/// The batch being verified.
pub(super) struct Batch {
    /// Its number.
    id: u64,
    /// Its sessions, in the batch's order.
    sessions: Vec<u64>,
    /// The verification.
    job: BatchJob,
    /// The block of its latest round.
    advanced_at: u32,
}

/// The batch being verified, as queries report it.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    /// The batch's number.
    pub batch_id: u64,
    /// Its sessions.
    pub session_ids: Vec<u64>,
    /// Work units done.
    pub done: u64,
    /// Estimated work units of the whole batch.
    pub total: u64,
    /// The block from which anyone may abandon it, unless it advances before.
    pub idle_from: u32,
}

/// What a round of batch verification left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRound {
    /// The batch.
    pub batch_id: u64,
    /// Work units done.
    pub done: u64,
    /// Estimated work units of the whole batch.
    pub total: u64,
    /// Whether every session of the batch has its outcome.
    pub complete: bool,
    /// The pieces of work done in this round, in order.
    pub work: Vec<BatchWork>,
    /// The sessions that got their outcome in this round. (A session purged while in the
    /// batch gets none.)
    pub finished: Vec<BatchEnded>,
}

/// A session that got its outcome in a round of batch verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchEnded {
    /// The session.
    pub session_id: u64,
    /// Its user.
    pub user: ActorId,
    /// Its final state.
    pub state: SessionState,
    /// The notification to send, if the session named a program.
    pub notice: Option<Notice>,
}

impl SessionsState {
    /// Starts verifying the proofs of `session_ids` together ([`MIN_BATCH`] to [`MAX_BATCH`]
    /// distinct sessions, each with a proof whose verification has not started), working while
    /// `meter` covers the next piece of work (it is first asked after the sessions' jobs are
    /// copied). Refused, with nothing changed, if another batch is under way, a session is not in
    /// that phase, or the meter does not cover the first stage.
    pub fn verify_batch(
        &mut self,
        session_ids: &[u64],
        (vk, ck): (&VerifierKey, &ConstantKey),
        meter: &mut dyn Meter,
        now: u32,
    ) -> Result<BatchRound, VerifierError> {
        if let Some(batch) = &self.batch {
            return Err(VerifierError::BatchInProgress { batch_id: batch.id });
        }
        let got = u32::try_from(session_ids.len()).unwrap_or(u32::MAX);
        if !(MIN_BATCH..=MAX_BATCH as u32).contains(&got) {
            return Err(VerifierError::BatchSize {
                min: MIN_BATCH,
                max: MAX_BATCH as u32,
                got,
            });
        }
        let mut jobs = Vec::with_capacity(session_ids.len());
        for (i, &session_id) in session_ids.iter().enumerate() {
            if session_ids[..i].contains(&session_id) {
                return Err(VerifierError::DuplicateInBatch { session_id });
            }
            let entry = self
                .sessions
                .get(&session_id)
                .ok_or(VerifierError::NoSession)?;
            match &entry.phase {
                Phase::ProofSubmitted(s) => jobs.push(s.job.clone()),
                Phase::AwaitingProof { .. } => return Err(VerifierError::NoProof),
                Phase::Verifying(_) | Phase::Batched(_) => {
                    return Err(VerifierError::AlreadyVerifying);
                }
                Phase::Finished { .. } => return Err(VerifierError::SessionFinished),
            }
        }
        let mut job = BatchJob::start(jobs)?;
        let advance = job.advance(vk, ck, meter)?;
        for session_id in session_ids {
            if let Some(entry) = self.sessions.get_mut(session_id) {
                entry.phase.join_batch();
            }
        }
        let id = self.next_batch_id;
        self.next_batch_id += 1;
        self.batch = Some(Batch {
            id,
            sessions: session_ids.to_vec(),
            job,
            advanced_at: now,
        });
        Ok(self.record(advance))
    }

    /// Resumes the batch under way while `meter` covers its next piece of work, at block `now`.
    pub fn continue_batch(
        &mut self,
        (vk, ck): (&VerifierKey, &ConstantKey),
        meter: &mut dyn Meter,
        now: u32,
    ) -> Result<BatchRound, VerifierError> {
        let batch = self.batch.as_mut().ok_or(VerifierError::NoBatch)?;
        let advance = batch.job.advance(vk, ck, meter)?;
        batch.advanced_at = now;
        Ok(self.record(advance))
    }

    /// Abandons the batch under way at block `now`, if it has not advanced for
    /// [`BATCH_IDLE_BLOCKS`]: its sessions without an outcome go back to `ProofSubmitted`, with
    /// their own jobs, ready for `Verify` or another batch. Returns the batch's id and those
    /// sessions.
    pub fn abandon_batch(&mut self, now: u32) -> Result<(u64, Vec<u64>), VerifierError> {
        let batch = self.batch.as_ref().ok_or(VerifierError::NoBatch)?;
        let idle_from = batch.advanced_at.saturating_add(BATCH_IDLE_BLOCKS);
        if now < idle_from {
            return Err(VerifierError::BatchNotIdle { idle_from });
        }
        let (id, sessions) = (batch.id, batch.sessions.clone());
        self.batch = None;
        let mut returned = Vec::new();
        for session_id in sessions {
            if let Some(entry) = self.sessions.get_mut(&session_id)
                && entry.phase.leave_batch()
            {
                returned.push(session_id);
            }
        }
        Ok((id, returned))
    }

    /// The batch under way.
    pub fn batch(&self) -> Option<BatchInfo> {
        self.batch.as_ref().map(|b| BatchInfo {
            batch_id: b.id,
            session_ids: b.sessions.clone(),
            done: b.job.done(),
            total: b.job.total(),
            idle_from: b.advanced_at.saturating_add(BATCH_IDLE_BLOCKS),
        })
    }

    /// Whether session `session_id` is in the batch under way.
    pub fn is_batched(&self, session_id: u64) -> bool {
        self.sessions
            .get(&session_id)
            .is_some_and(|e| matches!(e.phase, Phase::Batched(_)))
    }

    /// How many of `session_ids` (the batch under way's sessions if `None`) are still without
    /// an outcome and name a program to notify: a round keeps each one's notification gas back.
    pub fn pending_notices(&self, session_ids: Option<&[u64]>) -> u64 {
        let batched = self.batch.as_ref().map_or(&[][..], |b| &b.sessions[..]);
        session_ids
            .unwrap_or(batched)
            .iter()
            .filter_map(|id| self.sessions.get(id))
            .filter(|e| e.notify.is_some() && !e.phase.is_finished())
            .count() as u64
    }

    /// The batch's progress `(done, total)`, for its sessions' state.
    pub(super) fn batch_progress(&self) -> (u64, u64) {
        self.batch
            .as_ref()
            .map_or((0, 0), |b| (b.job.done(), b.job.total()))
    }

    /// Records a round's outcomes on their sessions, and ends the batch once it is complete.
    fn record(&mut self, advance: BatchAdvance) -> BatchRound {
        let Some(batch) = self.batch.as_ref() else {
            return BatchRound {
                batch_id: 0,
                done: advance.done,
                total: advance.total,
                complete: advance.complete,
                work: Vec::new(),
                finished: Vec::new(),
            };
        };
        let (batch_id, sessions) = (batch.id, batch.sessions.clone());
        let work = advance
            .work
            .iter()
            .map(|&(i, stage)| BatchWork {
                session_id: i.and_then(|i| sessions.get(i).copied()),
                stage,
            })
            .collect();
        let mut finished = Vec::new();
        for (i, outcome) in advance.finished {
            let outcome = match outcome {
                Advance::Verified(output) => Outcome::Verified {
                    digit: output.digit,
                    logits: output.logits,
                },
                Advance::Rejected { reason } => Outcome::Rejected { reason },
                Advance::Pending { .. } => continue,
            };
            let Some(&session_id) = sessions.get(i) else {
                continue;
            };
            let Some(entry) = self.sessions.get(&session_id) else {
                continue;
            };
            let (user, prover) = match &entry.phase {
                Phase::Batched(s) => (entry.user, s.prover),
                _ => continue,
            };
            let Finished { state, notice } = self.finish(session_id, prover, outcome);
            finished.push(BatchEnded {
                session_id,
                user,
                state,
                notice,
            });
        }
        if advance.complete {
            self.batch = None;
        }
        BatchRound {
            batch_id,
            done: advance.done,
            total: advance.total,
            complete: advance.complete,
            work,
            finished,
        }
    }
}

impl Phase {
    /// Moves a submitted proof into the batch; other phases stay.
    fn join_batch(&mut self) {
        if matches!(self, Self::ProofSubmitted(_))
            && let Self::ProofSubmitted(s) = mem::replace(self, Self::AwaitingProof { lease: None })
        {
            *self = Self::Batched(s);
        }
    }

    /// Moves a batched proof back to `ProofSubmitted`; whether it was batched.
    fn leave_batch(&mut self) -> bool {
        if matches!(self, Self::Batched(_))
            && let Self::Batched(s) = mem::replace(self, Self::AwaitingProof { lease: None })
        {
            *self = Self::ProofSubmitted(s);
            return true;
        }
        false
    }
}

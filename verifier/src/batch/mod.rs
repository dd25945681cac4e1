//! Batch verification (SPEC §15): several proofs verified together, each paying its own folds,
//! primary sum-checks, secondary transcript and matrix claim, while the dear final checks are
//! shared: the HyperKZG pairings become one pairing ([`pairing`]) and the IPA equations one MSM
//! over the generators ([`ipa`]), each by a random linear combination with Fiat–Shamir
//! coefficients drawn from all the batched proofs.
//!
//! A combined check that fails does not reject anyone: the batch falls back to checking each
//! remaining proof on its own, so that one bad proof never costs a good one its verdict, and a
//! rejected proof's error names its own failure. Like [`Verification`], a [`BatchVerification`]
//! works in metered calls and keeps its state in between.

mod ipa;
mod pairing;

use crate::constants::ConstantKey;
use crate::error::VerifyError;
use crate::field::Fr;
use crate::meter::{Counted, Granted, Meter, Weighted};
use crate::msm::Cost;
use crate::pcs::hyperkzg::{PairingInputs, pairing_check};
use crate::verification::{
    FOLD_UNITS, MATRIX_UNITS, MSM_UNITS, MSM_WEIGHT_PERCENT, PAIRING_UNITS, PRIMARY_UNITS,
    Progress, SCALAR_UNITS, Stage, TRANSCRIPT_UNITS, Verification, min_msm_slice,
};
use crate::wire::VerifierKey;
use alloc::vec::Vec;
use core::mem;
use ipa::{Combination, CombinedMsm, PROOF_SCALARS_UNITS};

/// Most proofs in one batch.
pub const MAX_BATCH: usize = 16;

/// A batched proof's verdict: its public output `zn`, or why it was rejected.
pub type Verdict = Result<Vec<Fr>, VerifyError>;

/// A piece of a batch's work; proofs are named by their index in the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// A stage of one proof's own verification (before the deferred checks, or after a fallback).
    Stage(usize, Stage),
    /// The combined pairing of the remaining proofs.
    CombinedPairing,
    /// One proof's own pairing, after the combined pairing failed.
    Pairing(usize),
    /// One proof's share of the combined IPA scalars.
    Combine(usize),
    /// The combined MSM's set-up: the generators' scalars.
    MsmSetUp,
    /// A slice of the combined MSM, with the final check when it ends.
    Msm,
}

/// Where a batch stands after [`BatchVerification::advance`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchProgress {
    /// The proofs that got their verdict in this call, by their index in the batch.
    pub finished: Vec<(usize, Verdict)>,
    /// The pieces of work this call did, in order.
    pub work: Vec<Piece>,
    /// Units done so far.
    pub done: u64,
    /// Estimated units of the whole batch (it grows if a combined check fails and the batch
    /// falls back to checking proofs one by one).
    pub total: u64,
    /// Whether every proof has its verdict.
    pub complete: bool,
}

/// A batched proof.
#[derive(Clone, Debug)]
struct Item {
    /// Its verification, deferred until the batch falls back.
    verification: Verification,
    /// Whether its verdict is out.
    finished: bool,
    /// Whether its own pairing was checked (in the pairing fallback).
    paired: bool,
}

/// What the batch does next.
#[derive(Clone, Debug)]
enum Phase {
    /// Each proof's stages up to its deferred checks, in order.
    Reduce,
    /// The combined pairing of the remaining proofs.
    Pairing,
    /// The combined pairing failed: each remaining proof's own pairing.
    PairingFallback,
    /// The combined IPA scalars, one proof at a time.
    Combine(Combination),
    /// The combined IPA MSM, in slices.
    Msm(CombinedMsm),
    /// Each remaining proof verified alone (a combined IPA check failed, or one proof is left).
    Alone,
    /// Every proof has its verdict.
    Done,
}

/// A batch verification in progress.
#[derive(Clone, Debug)]
pub struct BatchVerification {
    items: Vec<Item>,
    phase: Phase,
    done: u64,
    total: u64,
}

/// Estimated work of a proof's own stages in a batch.
const PROOF_UNITS: u64 =
    FOLD_UNITS + PRIMARY_UNITS - PAIRING_UNITS + TRANSCRIPT_UNITS + MATRIX_UNITS;

impl BatchVerification {
    /// A batch of fresh verifications (1 to [`MAX_BATCH`], none started).
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] for an empty or oversized batch, or a started verification.
    pub fn new(verifications: Vec<Verification>) -> Result<Self, VerifyError> {
        let n = verifications.len();
        if n == 0 || n > MAX_BATCH {
            return Err(VerifyError::Malformed("batch: 1 to 16 proofs"));
        }
        let mut items = Vec::with_capacity(n);
        for mut verification in verifications {
            verification.defer()?;
            items.push(Item {
                verification,
                finished: false,
                paired: false,
            });
        }
        let shared =
            pairing::combined_units(n) + n as u64 * PROOF_SCALARS_UNITS + SCALAR_UNITS + MSM_UNITS;
        Ok(Self {
            items,
            phase: Phase::Reduce,
            done: 0,
            total: n as u64 * PROOF_UNITS + shared,
        })
    }

    /// Number of proofs in the batch.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the batch is empty (never: a batch has at least one proof).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Units done so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Estimated units of the whole batch.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Works while `meter` covers the next piece of work, spends on it what each piece is
    /// charged, and reports the verdicts reached. Every call must pass the same keys.
    ///
    /// # Errors
    /// [`VerifyError::Budget`] if `meter` does not cover the next piece of work (nothing was
    /// done). Invalid proofs are verdicts, not errors.
    pub fn advance(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
    ) -> Result<BatchProgress, VerifyError> {
        let mut out = Output::default();
        let mut meter = Counted::new(meter);
        while !matches!(self.phase, Phase::Done) {
            let left = meter.left();
            let needed = self.next_units(left);
            if needed > left {
                break;
            }
            let mut granted = Granted::new(&mut meter, needed);
            if self.step(vk, ck, &mut granted, left, &mut out) == Step::Stop {
                break;
            }
        }
        if out.work.is_empty() && !matches!(self.phase, Phase::Done) {
            // Nothing done: the next piece needs more than `meter` covers.
            return Err(VerifyError::Budget {
                needed: self.next_units(0),
            });
        }
        self.done = (self.done + meter.spent).min(self.total);
        Ok(BatchProgress {
            finished: out.finished,
            work: out.work,
            done: self.done,
            total: self.total,
            complete: matches!(self.phase, Phase::Done),
        })
    }

    /// The remaining proofs (no verdict yet).
    fn remaining(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.items.len()).filter(|&i| !self.items[i].finished)
    }

    /// The proof to reduce next: among the remaining proofs whose deferred checks are not reached
    /// yet, the first whose next stage fits in `left` units, else the first of them. Proofs are
    /// independent until their deferred checks, so a stage too large for what is left of a
    /// message does not hold back smaller stages of other proofs.
    fn next_to_reduce(&self, left: u64) -> Option<usize> {
        let mut first = None;
        for i in self.remaining() {
            let v = &self.items[i].verification;
            if v.deferred_checks().is_some() {
                continue;
            }
            if v.next_units() <= left {
                return Some(i);
            }
            first.get_or_insert(i);
        }
        first
    }

    /// Units the next piece of work needs at least, `left` units being left.
    fn next_units(&self, left: u64) -> u64 {
        match &self.phase {
            Phase::Reduce => self
                .next_to_reduce(left)
                .map_or(0, |i| self.items[i].verification.next_units()),
            Phase::Pairing => pairing::combined_units(self.remaining().count()),
            Phase::PairingFallback => pairing::PAIRING_CHECK_UNITS,
            Phase::Combine(c) if c.is_complete() => SCALAR_UNITS,
            Phase::Combine(_) => PROOF_SCALARS_UNITS,
            Phase::Msm(_) => min_msm_slice(),
            Phase::Alone => self
                .remaining()
                .next()
                .map_or(0, |i| self.items[i].verification.next_units()),
            Phase::Done => 0,
        }
    }

    /// Records proof `i`'s verdict.
    fn finish(&mut self, i: usize, verdict: Verdict, out: &mut Output) {
        self.items[i].finished = true;
        out.finished.push((i, verdict));
    }

    /// Does the next piece of work, chosen for `left` units, spending it on `meter` (which covers
    /// the piece's least units, checked against `left`).
    fn step(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
        left: u64,
        out: &mut Output,
    ) -> Step {
        let remaining: Vec<usize> = self.remaining().collect();
        match mem::replace(&mut self.phase, Phase::Done) {
            Phase::Reduce => {
                self.phase = Phase::Reduce;
                let Some(i) = self.next_to_reduce(left) else {
                    self.phase = match remaining.len() {
                        0 => Phase::Done,
                        _ => Phase::Pairing,
                    };
                    return Step::Go;
                };
                self.run_alone(i, vk, ck, meter, out)
            }
            Phase::Pairing => {
                let inputs: Vec<&PairingInputs> = remaining
                    .iter()
                    .filter_map(|&i| self.items[i].verification.deferred_checks())
                    .map(|(p, _)| p)
                    .collect();
                out.work.push(Piece::CombinedPairing);
                self.phase = match pairing::combined_check(&vk.primary.kzg, &inputs) {
                    Ok(()) => self.combination(&remaining, ck),
                    Err(_) => Phase::PairingFallback,
                };
                meter.spend(pairing::combined_units(remaining.len()));
                Step::Go
            }
            Phase::PairingFallback => {
                self.phase = Phase::PairingFallback;
                let Some(i) = remaining.iter().copied().find(|&i| !self.items[i].paired) else {
                    self.phase = self.combination(&remaining, ck);
                    return Step::Go;
                };
                self.items[i].paired = true;
                out.work.push(Piece::Pairing(i));
                let inputs = self.items[i]
                    .verification
                    .deferred_checks()
                    .map(|(p, _)| *p);
                match inputs.map(|p| pairing_check(&vk.primary.kzg, &p)) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => self.finish(i, Err(e), out),
                    None => self.finish(i, Err(STATE_ERROR), out),
                }
                meter.spend(pairing::PAIRING_CHECK_UNITS);
                Step::Go
            }
            Phase::Combine(mut combination) => {
                let mut cost = Cost::default();
                if combination.is_complete() {
                    out.work.push(Piece::MsmSetUp);
                    match combination.into_msm(&mut cost) {
                        Ok(msm) => self.phase = Phase::Msm(msm),
                        Err(_) => self.fall_back(&remaining),
                    }
                    meter.spend(SCALAR_UNITS);
                    return Step::Go;
                }
                let added = remaining.get(combination.added()).and_then(|&i| {
                    out.work.push(Piece::Combine(i));
                    let v = &self.items[i].verification;
                    let (_, check) = v.deferred_checks()?;
                    let proof = &v.proof().secondary.ipa;
                    combination.add(&ck.secondary, check, proof, &mut cost).ok()
                });
                match added {
                    Some(()) => self.phase = Phase::Combine(combination),
                    None => self.fall_back(&remaining),
                }
                meter.spend(PROOF_SCALARS_UNITS);
                Step::Go
            }
            Phase::Msm(mut msm) => {
                let mut cost = Cost::default();
                let mut msm_meter = Weighted::new(meter, MSM_WEIGHT_PERCENT);
                let outcome = msm.step(&ck.secondary, &mut msm_meter, &mut cost);
                if !matches!(outcome, Ok(None)) || cost != Cost::default() {
                    out.work.push(Piece::Msm);
                }
                match outcome {
                    Ok(None) => self.phase = Phase::Msm(msm),
                    Ok(Some(true)) => {
                        let share = (MSM_UNITS + SCALAR_UNITS) / remaining.len() as u64;
                        for i in remaining {
                            let zn = self.items[i].verification.complete(share);
                            self.finish(i, Ok(zn), out);
                        }
                    }
                    Ok(Some(false)) | Err(_) => self.fall_back(&remaining),
                }
                // A slice uses what this call's meter allows of the MSM.
                Step::Stop
            }
            Phase::Alone => {
                self.phase = Phase::Alone;
                let Some(&i) = remaining.first() else {
                    self.phase = Phase::Done;
                    return Step::Go;
                };
                self.run_alone(i, vk, ck, meter, out)
            }
            Phase::Done => Step::Go,
        }
    }

    /// The phase after the pairings: the IPA combination of the `remaining` proofs, or each on
    /// its own when fewer than two are left.
    fn combination(&mut self, remaining: &[usize], ck: &ConstantKey) -> Phase {
        if remaining.len() < 2 {
            self.fall_back(remaining);
            return Phase::Alone;
        }
        let checks: Vec<_> = remaining
            .iter()
            .filter_map(|&i| {
                let v = &self.items[i].verification;
                v.deferred_checks()
                    .map(|(_, check)| (check, &v.proof().secondary.ipa))
            })
            .collect();
        Phase::Combine(Combination::new(&checks, ck.secondary.num_gens()))
    }

    /// Sends the `remaining` proofs on alone from their IPA scalars (their pairings are
    /// checked), and adds their work to the estimate.
    fn fall_back(&mut self, remaining: &[usize]) {
        for &i in remaining {
            self.items[i].verification.undefer();
        }
        self.total += remaining.len() as u64 * (SCALAR_UNITS + MSM_UNITS);
        self.phase = Phase::Alone;
    }

    /// Advances proof `i`'s own verification while `meter` covers it; records its verdict if it
    /// has one (an error, or its output once it is not deferred).
    fn run_alone(
        &mut self,
        i: usize,
        vk: &VerifierKey,
        ck: &ConstantKey,
        meter: &mut dyn Meter,
        out: &mut Output,
    ) -> Step {
        let v = &mut self.items[i].verification;
        let mut ran = Vec::new();
        let result = v.advance_listing(vk, ck, meter, &mut ran);
        out.work
            .extend(ran.into_iter().map(|stage| Piece::Stage(i, stage)));
        match result {
            // A deferred proof that reached its deferred checks: on to the next.
            Ok(Progress::Pending { .. }) if v.deferred_checks().is_some() => Step::Go,
            // Stopped before a stage larger than what is left: another proof's may still fit.
            Ok(Progress::Pending { .. }) if matches!(self.phase, Phase::Reduce) => Step::Go,
            Ok(Progress::Pending { .. }) | Err(VerifyError::Budget { .. }) => Step::Stop,
            Ok(Progress::Done(zn)) => {
                self.finish(i, Ok(zn), out);
                Step::Go
            }
            Err(e) => {
                self.finish(i, Err(e), out);
                Step::Go
            }
        }
    }
}

/// What a call reports beside its progress.
#[derive(Default)]
struct Output {
    /// The verdicts reached.
    finished: Vec<(usize, Verdict)>,
    /// The pieces of work done.
    work: Vec<Piece>,
}

/// Whether the call goes on after a piece of work.
#[derive(PartialEq, Eq)]
enum Step {
    /// It may go on to the next piece.
    Go,
    /// The meter ran short for this phase.
    Stop,
}

/// The error of a batch whose state is inconsistent (never expected; the proof is then rejected).
const STATE_ERROR: VerifyError = VerifyError::Malformed("batch: inconsistent state");

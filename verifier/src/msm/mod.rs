//! A resumable multi-scalar multiplication on Grumpkin (the IPA's 16,384-point MSM, SPEC §7.8).
//!
//! Pippenger with signed `c`-bit window digits ([`scalars`]), processed from the most
//! significant window down (`acc ← 2^c·acc + W_w`). Inside a window, each point is added into its
//! bucket (`2^{c−1}` of them) in the field kernel's arithmetic ([`point`]), in batches that share
//! one inversion ([`batch_affine`], ≈ 6 multiplications per addition); a point whose bucket is
//! already being added to in the current batch waits for the next one (it is kept, with its
//! digit, in the state, and added first in the next batch). The bucket sums
//! `Σ_j (j+1)·B_j` are reduced in place by splitting `j` into high and low halves: batch-affine
//! tree sums down the columns and along the rows of the bucket grid, one level per unit of work,
//! then short running sums in the kernel's Jacobian arithmetic ([`Msm::reduce`]).
//!
//! Work is counted in multiplication equivalents ([`Cost`]); [`Msm::step`] asks its [`Meter`]
//! before each unit of work (a batch of points, a level of a reduction) and stops before one whose
//! bound it does not cover; the state ([`Msm`], kept in memory between calls) resumes it later
//! with the same bases and scalars.

mod batch_affine;
mod cost;
mod point;
mod scalars;
mod split;

pub(crate) use cost::Cost;
pub(crate) use point::Point;
pub(crate) use scalars::Scalars;
pub(crate) use split::{FIXED_WINDOW, SplitMsm, TABLE_LAYERS};

use crate::error::VerifyError;
use crate::jacobian::Jacobian;
use crate::meter::Meter;
use alloc::vec;
use alloc::vec::Vec;
use batch_affine::{Batch, OP_COST, Sources, lookup};
use cost::INV_COST;
use scalars::windows;
use zkml_field::Bn254Fr;

/// Cost of a mixed (Jacobian + affine) addition.
const MIXED_ADD_COST: u64 = 11;
/// Cost of a Jacobian addition.
const ADD_COST: u64 = 16;
/// Cost of a Jacobian doubling (a = 0).
const DOUBLE_COST: u64 = 7;
/// Points added per batch.
pub const BATCH: usize = 1024;
/// Smallest batch worth starting when the budget is nearly spent.
const MIN_BATCH: usize = 32;

/// Cost bound of a batch of `len` points: at most `len` additions or copies, the points'
/// bookkeeping, and the batch's one inversion.
pub(crate) const fn batch_cost(len: usize) -> u64 {
    len as u64 * POINT_BOUND + INV_COST
}

/// Work charged per point of a batch besides its addition and copies: its digit and its bucket's
/// bookkeeping (memory traffic costs about as much as arithmetic in a Gear program).
const POINT_COST: u64 = 1;

/// Work charged per point copied into an empty bucket, or per addition a reduction settles as a
/// copy (a copy costs about as much as a multiplication).
const COPY_COST: u64 = 1;

/// Work charged per addition of a window reduction's tree sums besides what [`batch_affine`]
/// counts: its scheduling, whose strided walk over the buckets costs more than a batch's (with it,
/// a reduction costs about the same gas per counted multiplication as a batch: 1.24e6 against
/// 1.25e6, measured with the gas benchmark).
const GRID_COST: u64 = 1;

/// Bound of the work charged per point of a batch: one addition, one copy, its bookkeeping.
const POINT_BOUND: u64 = OP_COST + COPY_COST + POINT_COST;

/// Work charged for setting up a window's `m` empty buckets, counted with the unit that sets
/// them up (a copy per bucket: writing 2^14 of them, 1.2 MB, costs about 1.2e10 gas with the
/// memory pages it first touches, as much as a batch).
const fn buckets_cost(m: usize) -> u64 {
    m as u64 * COPY_COST
}

/// Shape of the bucket reduction for window width `c`: `(rows, cols, l)` with
/// `2^{c−1} = rows·cols`, `cols = 2^l`.
fn grid(c: u32) -> (usize, usize, u32) {
    let l = (c - 1) / 2;
    (1 << (c - 1 - l), 1 << l, l)
}

/// Cost bound of unit `k` of a window's reduction (see [`Msm::reduce`]): the levels of its tree
/// sums (`k < c − 1`, one batch each: additions or copies and one inversion), then the final sums,
/// which also fold the window into the accumulator.
fn reduction_unit_cost(c: u32, k: u32) -> u64 {
    let (rows, cols, l) = grid(c);
    let row_levels = rows.trailing_zeros();
    let ops = if k < row_levels {
        cols * (rows >> (k + 1))
    } else if k < c - 1 {
        (rows - 1) * (cols >> (k - row_levels + 1))
    } else {
        return (rows + cols) as u64 * (MIXED_ADD_COST + ADD_COST)
            + DOUBLE_COST * u64::from(c + l)
            + 3 * ADD_COST
            + INV_COST;
    };
    ops as u64 * (OP_COST + GRID_COST) + INV_COST
}

/// Cost bound of a whole window's reduction.
#[cfg(feature = "bench")]
pub(crate) fn reduce_cost(c: u32) -> u64 {
    (0..c).map(|k| reduction_unit_cost(c, k)).sum()
}

/// Resumable MSM state: the current window, the progress inside it and the accumulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msm {
    /// Window width `c` (2..=16).
    window_bits: u32,
    /// Windows not yet finished; the current one is `windows_left − 1`.
    windows_left: u32,
    /// The next point of the current window to add (`n` once all are added).
    next_point: u32,
    /// Bucket sums of the current window (`2^{c−1}` of them while inside a window, else empty).
    buckets: Vec<Point>,
    /// Points of the current window `(index, digit)` whose bucket was taken in their batch:
    /// added first in the next one (at most a batch of them).
    waiting: Vec<(u32, i32)>,
    /// Units of the current window's reduction done (`c` of them: [`Msm::reduce`]).
    reduced: u32,
    /// 1 for windows taken one after another; otherwise all windows are merged into one
    /// ([`Msm::merged`]) and the bases come in this many layers.
    layers: u32,
    /// `Σ_{finished windows} 2^{c·(w − current)}·W_w`.
    acc: Point,
}

impl Msm {
    /// A window in progress with these buckets (the gas benchmark's reduction).
    #[cfg(feature = "bench")]
    pub(crate) fn with_buckets(c: u32, buckets: Vec<Point>) -> Self {
        Self {
            window_bits: c,
            windows_left: 1,
            next_point: 0,
            buckets,
            waiting: Vec::new(),
            reduced: 0,
            layers: 1,
            acc: Point::IDENTITY,
        }
    }

    /// A fresh MSM with window width `c` (2..=16).
    pub fn new(c: u32) -> Result<Self, VerifyError> {
        if !(2..=16).contains(&c) {
            return Err(VerifyError::Malformed("msm: window width"));
        }
        Ok(Self {
            window_bits: c,
            windows_left: windows(c),
            next_point: 0,
            buckets: Vec::new(),
            waiting: Vec::new(),
            reduced: 0,
            layers: 1,
            acc: Point::IDENTITY,
        })
    }

    /// A fresh fixed-base MSM: all [`windows`] of width `c` merged into one set of buckets. Its
    /// bases come in layers, one per window: base `w·n + i` is `2^{c·w}·G_i` for the `n` scalars'
    /// bases `G_i`, and gets digit `w` of scalar `i`. It adds as many points as the windowed
    /// MSM but reduces one window instead of all.
    pub fn merged(c: u32) -> Result<Self, VerifyError> {
        let mut msm = Self::new(c)?;
        msm.layers = msm.windows_left;
        msm.windows_left = 1;
        Ok(msm)
    }

    /// Whether all windows are done ([`Msm::result`] is then the MSM).
    pub fn is_done(&self) -> bool {
        self.windows_left == 0
    }

    /// The result once [`Msm::is_done`].
    pub(crate) fn result(&self) -> Option<Point> {
        self.is_done().then_some(self.acc)
    }

    /// Shape of the bucket reduction: `(rows, cols, l)` with `2^{c−1} = rows·cols`, `cols = 2^l`.
    fn grid(&self) -> (usize, usize, u32) {
        grid(self.window_bits)
    }

    /// The largest cost bound of one unit of work (a batch or a unit of a window's reduction) of
    /// an MSM with window width `c`: a call with a smaller budget may make no progress.
    pub(crate) fn largest_unit(c: u32) -> u64 {
        let m = 1 << (c - 1);
        (0..c)
            .map(|k| reduction_unit_cost(c, k) + buckets_cost(m))
            .fold(batch_cost(BATCH) + buckets_cost(m), u64::max)
    }

    /// Advances `Σ scalars_i·bases_i` while `meter` (in multiplication equivalents) covers the
    /// bound of the next unit of work; each unit's count is spent on `meter` as it ends. Returns
    /// the result when done. The bases are given as consecutive parts (`scalars` index their
    /// concatenation, layer by layer for a [`Msm::merged`] MSM); `parts` and `scalars` must be the
    /// same at every call.
    pub(crate) fn step(
        &mut self,
        parts: &[&[Point]],
        scalars: &Scalars,
        meter: &mut dyn Meter,
        cost: &mut Cost,
    ) -> Result<Option<Point>, VerifyError> {
        let n: usize = parts.iter().map(|p| p.len()).sum();
        let c = self.window_bits;
        let m = 1usize << (c - 1);
        let layers = self.layers;
        if scalars.len() * layers as usize != n
            || (layers != 1 && layers != windows(c))
            || n > u32::MAX as usize / 2
            || self.next_point as usize > n
            || (self.next_point != 0 && self.buckets.len() != m)
            || self.waiting.len() > BATCH
            || self.waiting.iter().any(|&(i, _)| i as usize >= n)
            || self.windows_left > windows(c)
            || self.reduced >= c
            || (self.reduced != 0
                && (self.next_point as usize != n
                    || !self.waiting.is_empty()
                    || self.buckets.len() != m))
        {
            return Err(VerifyError::Malformed("msm: sizes"));
        }
        let mut counted = cost.total();
        let mut scratch = Scratch::new(m);
        while !self.is_done() {
            meter.spend(cost.total() - counted);
            counted = cost.total();
            let remaining = meter.left();
            let pending = n - self.next_point as usize + self.waiting.len();
            let setup = if self.buckets.is_empty() {
                buckets_cost(m)
            } else {
                0
            };
            if pending > 0 {
                // The largest batch whose cost bound fits, with the buckets' set-up.
                let fit = remaining.saturating_sub(INV_COST + setup) / POINT_BOUND;
                let len = BATCH.min(fit as usize).min(pending);
                if len < MIN_BATCH.min(pending) {
                    return Ok(None);
                }
                if self.buckets.is_empty() {
                    self.buckets = vec![Point::IDENTITY; m];
                    cost.mults += setup;
                }
                // The waiting points first (those left over stay first in line), then new ones.
                let carried = core::mem::take(&mut self.waiting);
                let (now, later) = carried.split_at(len.min(carried.len()));
                self.waiting.extend_from_slice(later);
                let (lo, fresh) = (self.next_point, (len - now.len()) as u32);
                let (w, count) = (self.windows_left - 1, scalars.len() as u32);
                // Merged: point `k` is layer `k / count`'s base of scalar `k % count`.
                let digits = (lo..lo + fresh).map(|k| {
                    let (i, w) = if layers == 1 {
                        (k, w)
                    } else {
                        (k % count, k / count)
                    };
                    (k, scalars.digit(i as usize, w, c))
                });
                let items = now.iter().copied().chain(digits);
                scratch.add_batch(&mut self.buckets, parts, items, &mut self.waiting, cost);
                self.next_point += fresh;
            } else {
                if reduction_unit_cost(c, self.reduced) + setup > remaining {
                    return Ok(None);
                }
                if self.buckets.is_empty() {
                    self.buckets = vec![Point::IDENTITY; m];
                    cost.mults += setup;
                }
                let Some(window_sum) = self.reduce(&mut scratch.batch, cost) else {
                    continue;
                };
                let mut acc = Jacobian::IDENTITY.add_affine(&self.acc.jacobian());
                for _ in 0..c {
                    acc = acc.double();
                }
                self.acc = Point::from_jacobian(&acc.add(&window_sum));
                cost.mults += DOUBLE_COST * u64::from(c) + ADD_COST + 3;
                cost.invs += 1;
                self.buckets = Vec::new();
                self.next_point = 0;
                self.reduced = 0;
                self.windows_left -= 1;
            }
        }
        meter.spend(cost.total() - counted);
        Ok(self.result())
    }

    /// The next unit of the reduction of the current window's buckets to `Σ_j (j+1)·B_j`, in
    /// place (the buckets are used up); the sum once the last unit is done. With
    /// `j = hi·2^l + lo`, the units are the levels of tree sums down the columns, which leave
    /// the column sums `C_lo` in row 0 and in row `hi > 0` the sum of rows `hi..hi + 2^{tz(hi)}`;
    /// the levels of tree sums along rows `1..`, which leave each row's total `S_hi` in its first
    /// bucket; and the final sums: with the suffix sums `T_t = S_t + T_{t + 2^{tz(t)}}` of the
    /// row sums, the window's sum is `2^l·Σ_{t≥1} T_t + Σ_lo lo·C_lo + Σ_lo C_lo`.
    pub(crate) fn reduce(
        &mut self,
        batch: &mut Batch,
        cost: &mut Cost,
    ) -> Option<Jacobian<Bn254Fr>> {
        let (rows, cols, l) = self.grid();
        let row_levels = rows.trailing_zeros();
        let k = self.reduced;
        self.reduced += 1;
        let b = &mut self.buckets[..rows * cols];
        if k < row_levels {
            tree_level(b, batch, 1 << k, (0, cols, 1), (rows, cols), cost);
            return None;
        }
        if k < self.window_bits - 1 {
            let s = 1 << (k - row_levels);
            tree_level(b, batch, s, (cols, rows - 1, cols), (cols, 1), cost);
            return None;
        }
        // Σ_lo lo·C_lo and Σ_lo C_lo by a running sum over row 0.
        let (mut run, mut weighted_cols) = (Jacobian::IDENTITY, Jacobian::IDENTITY);
        for c in b[1..cols].iter().rev() {
            run = run.add_affine(&c.jacobian());
            weighted_cols = weighted_cols.add(&run);
        }
        let all = run.add_affine(&b[0].jacobian());
        let mut suffix = vec![Jacobian::IDENTITY; rows + 1];
        let mut weighted_rows = Jacobian::IDENTITY;
        for t in (1..rows).rev() {
            suffix[t] = suffix[t + (t & t.wrapping_neg())].add_affine(&b[t * cols].jacobian());
            weighted_rows = weighted_rows.add(&suffix[t]);
        }
        for _ in 0..l {
            weighted_rows = weighted_rows.double();
        }
        cost.mults += (rows + cols) as u64 * (MIXED_ADD_COST + ADD_COST)
            + DOUBLE_COST * u64::from(l)
            + 2 * ADD_COST;
        Some(weighted_rows.add(&weighted_cols).add(&all))
    }
}

/// One level `s` of tree sums in place, in one batch (one inversion): in each of `groups` groups
/// of `len` points (element `i` of group `g` at `first + g·group_stride + i·stride`), element
/// `i ≡ 0 mod 2s` gets element `i + s` added. After the levels `1, 2, 4, …` below `len` (a power
/// of two), element 0 holds its group's sum and element `i > 0` the sum of elements
/// `i..i + 2^{tz(i)}`.
fn tree_level(
    points: &mut [Point],
    batch: &mut Batch,
    s: usize,
    (first, groups, group_stride): (usize, usize, usize),
    (len, stride): (usize, usize),
    cost: &mut Cost,
) {
    for g in 0..groups {
        for i in (0..len - s).step_by(2 * s) {
            let dst = first + g * group_stride + i * stride;
            let src = dst + s * stride;
            // `dst < src`: the source is read in place, not copied.
            let (to, from) = points.split_at_mut(src);
            if !batch.push(to, dst as u32, &from[0], src as u32, false) {
                cost.mults += COPY_COST;
            }
        }
    }
    cost.mults += batch.scheduled() * GRID_COST;
    batch.apply(points, Sources::InPlace, cost);
}

/// Per-call working memory of [`Msm::step`]: which buckets a batch takes, and the batch of
/// additions.
pub(crate) struct Scratch {
    /// `stamps[b] == stamp`: bucket `b` is taken in the current batch.
    stamps: Vec<u32>,
    stamp: u32,
    pub(crate) batch: Batch,
}

impl Scratch {
    pub(crate) fn new(m: usize) -> Self {
        Self {
            stamps: vec![0; m],
            stamp: 0,
            batch: Batch::default(),
        }
    }

    /// Adds `digit·P_i` for each `(i, digit)` into bucket `|digit| − 1` (negated for a negative
    /// digit), all additions sharing one inversion. A point whose bucket already has an addition
    /// in this batch is appended to `waiting` instead.
    pub(crate) fn add_batch(
        &mut self,
        buckets: &mut [Point],
        parts: &[&[Point]],
        items: impl Iterator<Item = (u32, i32)>,
        waiting: &mut Vec<(u32, i32)>,
        cost: &mut Cost,
    ) {
        self.stamp += 1;
        let mut scanned = 0u64;
        for (i, d) in items {
            scanned += 1;
            if d == 0 {
                continue;
            }
            let b = d.unsigned_abs() as usize - 1;
            if self.stamps[b] == self.stamp {
                waiting.push((i, d));
            } else if self
                .batch
                .push(buckets, b as u32, lookup(parts, i), i, d < 0)
            {
                self.stamps[b] = self.stamp;
            } else {
                cost.mults += COPY_COST;
            }
        }
        self.batch.apply(buckets, Sources::Slices(parts), cost);
        cost.mults += POINT_COST * scanned;
    }
}

#[cfg(test)]
mod tests {
    use super::scalars::tests::edge_scalars;
    use super::*;
    use crate::field::Grumpkin;
    use crate::field::{Fq, Fr};
    use ark_ec::CurveGroup;
    use ark_ec::short_weierstrass::Projective;
    use ark_ec::{AffineRepr, VariableBaseMSM};
    use ark_ff::{AdditiveGroup, Zero};
    use ark_ff::{Field, UniformRand};
    use ark_grumpkin::GrumpkinConfig;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    fn random_points(rng: &mut StdRng, n: usize) -> Vec<Grumpkin> {
        let g = Projective::<GrumpkinConfig>::rand(rng);
        // Distinct multiples of a random point (cheap to generate).
        let mut v: Vec<Projective<GrumpkinConfig>> = Vec::with_capacity(n);
        let mut p = g;
        for _ in 0..n {
            v.push(p);
            p += g.double() + g;
        }
        Projective::normalize_batch(&v)
    }

    fn naive(bases: &[Grumpkin], s: &[Fq]) -> Grumpkin {
        bases
            .iter()
            .zip(s)
            .map(|(b, k)| *b * k)
            .sum::<Projective<GrumpkinConfig>>()
            .into_affine()
    }

    /// Runs the MSM to the end with `budget` per call, the state kept between calls.
    fn run(bases: &[Grumpkin], s: &[Fq], c: u32, budget: u64) -> (Grumpkin, Cost, usize) {
        let mut cost = Cost::default();
        let scalars = Scalars::new(s, &mut cost);
        let points: Vec<Point> = bases.iter().map(Point::from_ark).collect();
        let mut msm = Msm::new(c).unwrap();
        let mut calls = 0;
        loop {
            calls += 1;
            let res = msm
                .step(&[&points], &scalars, &mut { budget }, &mut cost)
                .unwrap();
            if let Some(r) = res {
                return (r.to_ark(), cost, calls);
            }
            assert!(calls < 100_000);
        }
    }

    #[test]
    fn small_msm_matches_naive_with_edge_cases() {
        let mut rng = StdRng::seed_from_u64(2);
        let mut bases = random_points(&mut rng, 46);
        // Edge cases: repeated point (tangent), opposite points (identity), identity base.
        bases[5] = bases[4];
        bases[7] = -bases[6];
        bases[9] = Grumpkin::identity();
        let mut s = edge_scalars(&mut rng, 40);
        s[5] = s[4];
        s[7] = s[6];
        for c in [2, 4, 8] {
            let (r, _, _) = run(&bases, &s, c, u64::MAX);
            assert_eq!(r, naive(&bases, &s), "c = {c}");
        }
        // Tiny budgets: still correct, resumes from the state kept between calls.
        let (r, _, calls) = run(&bases, &s, 4, 7 * 40 + 16 * INV_COST + 10);
        assert_eq!(r, naive(&bases, &s));
        assert!(calls > 1);
        // All-zero scalars give the identity.
        let zeros = vec![Fq::zero(); 46];
        assert_eq!(run(&bases, &zeros, 5, u64::MAX).0, Grumpkin::identity());
        // Same point everywhere (every addition is a doubling or cancels).
        let same = vec![bases[0]; 46];
        assert_eq!(run(&same, &s, 3, u64::MAX).0, naive(&same, &s));
    }

    /// Layers `w = 0..layers` of `2^{c·w}·bases`, layer by layer (a key's table).
    pub(crate) fn table(bases: &[Grumpkin], c: u32, layers: usize) -> Vec<Point> {
        let mut layer: Vec<_> = bases.iter().map(|b| b.into_group()).collect();
        let mut out = Vec::new();
        for _ in 0..layers {
            out.extend(layer.iter().map(|p| Point::from_ark(&p.into_affine())));
            for p in &mut layer {
                (0..c).for_each(|_| {
                    p.double_in_place();
                });
            }
        }
        out
    }

    #[test]
    fn merged_msm_matches_naive() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut bases = random_points(&mut rng, 46);
        bases[5] = bases[4];
        bases[9] = Grumpkin::identity();
        let s = edge_scalars(&mut rng, 40);
        for (c, budget) in [
            (4, u64::MAX),
            (7, u64::MAX),
            (5, 7 * 40 + 16 * INV_COST + 10),
        ] {
            let t = table(&bases, c, windows(c) as usize);
            let mut cost = Cost::default();
            let scalars = Scalars::new(&s, &mut cost);
            let mut msm = Msm::merged(c).unwrap();
            let mut calls = 0;
            let r = loop {
                calls += 1;
                let step = msm.step(&[&t], &scalars, &mut { budget }, &mut cost);
                if let Some(r) = step.unwrap() {
                    break r;
                }
            };
            assert_eq!(r.to_ark(), naive(&bases, &s), "c = {c}");
            assert_eq!(calls > 1, budget != u64::MAX);
            // A table with a layer missing is refused.
            let mut short = Msm::merged(c).unwrap();
            let few = &t[..t.len() - bases.len()];
            assert!(
                short
                    .step(&[few], &scalars, &mut { u64::MAX }, &mut cost)
                    .is_err()
            );
        }
    }

    #[test]
    fn split_msm_tells_a_zero_sum() {
        let mut rng = StdRng::seed_from_u64(6);
        let gens = random_points(&mut rng, 8);
        let mut extra = random_points(&mut rng, 5);
        let t = table(&gens, FIXED_WINDOW, TABLE_LAYERS);
        // 8 + 5 scalars, then 1 for a last extra base that cancels the rest.
        let mut s = edge_scalars(&mut rng, 7);
        let mut all = gens.clone();
        all.extend(&extra);
        extra.push((-naive(&all, &s).into_group()).into_affine());
        s.push(Fq::ONE);
        let extra: Vec<Point> = extra.iter().map(Point::from_ark).collect();
        let run = |s: &[Fq], budget: u64| {
            let mut cost = Cost::default();
            let mut msm = SplitMsm::new(s, 8, &mut cost).unwrap();
            loop {
                let step = msm.step(&t, &extra, &mut { budget }, &mut cost);
                if let Some(holds) = step.unwrap() {
                    return holds;
                }
            }
        };
        assert!(run(&s, u64::MAX));
        assert!(run(&s, SplitMsm::largest_unit()));
        let mut off = s.clone();
        off[3] += Fq::ONE;
        assert!(!run(&off, u64::MAX));
        // All zero: both parts are the identity.
        assert!(run(&vec![Fq::zero(); 14], u64::MAX));
        // Too few scalars for the generators; scalars that do not match the extra bases.
        assert!(SplitMsm::new(&s[..7], 8, &mut Cost::default()).is_err());
        let mut msm = SplitMsm::new(&s[..12], 8, &mut Cost::default()).unwrap();
        assert!(
            msm.step(&t, &extra, &mut { u64::MAX }, &mut Cost::default())
                .is_err()
        );
    }

    /// Setting a window's buckets up is part of the unit that does it: a budget that covers the
    /// smallest batch but not the buckets makes no progress, and the set-up is counted.
    #[test]
    fn bucket_set_up_is_charged() {
        let mut rng = StdRng::seed_from_u64(7);
        let bases: Vec<Point> = random_points(&mut rng, 64)
            .iter()
            .map(Point::from_ark)
            .collect();
        let s = edge_scalars(&mut rng, 58);
        let mut cost = Cost::default();
        let scalars = Scalars::new(&s, &mut cost);
        let c = 10;
        let m = 1 << (c - 1);
        let batch = MIN_BATCH as u64 * POINT_BOUND + INV_COST;
        let mut msm = Msm::new(c).unwrap();
        let mut spent = Cost::default();
        let step = msm.step(
            &[&bases],
            &scalars,
            &mut { batch + m as u64 - 1 },
            &mut spent,
        );
        assert_eq!(step.unwrap(), None);
        assert_eq!((msm.next_point, spent), (0, Cost::default()));
        msm.step(&[&bases], &scalars, &mut { batch + m as u64 }, &mut spent)
            .unwrap();
        assert_eq!(msm.next_point, MIN_BATCH as u32);
        assert!(spent.mults >= m as u64 * COPY_COST);
        assert!(spent.total() <= batch + m as u64);
    }

    #[test]
    fn inconsistent_state_or_sizes_rejected() {
        assert!(Msm::new(1).is_err());
        assert!(Msm::new(17).is_err());
        let mut cost = Cost::default();
        let sc = Scalars::new(&[Fq::ONE, Fq::ONE], &mut cost);
        assert!(
            Msm::new(4)
                .unwrap()
                .step(&[], &sc, &mut { u64::MAX }, &mut cost)
                .is_err()
        );
        // A merged MSM needs a layer of bases per window.
        let g = [Point::from_ark(&Grumpkin::generator()); 2];
        assert!(
            Msm::merged(4)
                .unwrap()
                .step(&[&g], &sc, &mut { u64::MAX }, &mut cost)
                .is_err()
        );
        // Inconsistent progress: points added but no buckets; added past the end.
        let mut m = Msm::new(4).unwrap();
        m.next_point = 1;
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_err());
        m.buckets = vec![Point::IDENTITY; 8];
        m.next_point = 99;
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_err());
        // A waiting point past the end, or more waiting points than a batch.
        m.next_point = 0;
        m.waiting = vec![(4, 1)];
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_err());
        m.waiting = vec![(0, 1); BATCH + 1];
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_err());
        // A reduction under way before all points are added, or past its last unit.
        m.waiting = Vec::new();
        m.reduced = 1;
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_err());
        m.next_point = 2;
        m.reduced = 4;
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_err());
        m.reduced = 3;
        assert!(m.step(&[&g], &sc, &mut { u64::MAX }, &mut cost).is_ok());
    }

    /// The IPA's 16,384-point MSM windowed and merged over a table (`FIXED_WINDOW`), against
    /// arkworks, with the work each counts.
    #[test]
    fn msm_16384_matches_arkworks_and_counts() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 16384;
        let bases = random_points(&mut rng, n);
        let s: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
        let expected = Projective::<GrumpkinConfig>::msm(&bases, &s)
            .unwrap()
            .into_affine();
        let report = |how: &str, cost: Cost, calls: usize| {
            std::eprintln!(
                "msm n = {n}, {how}: {} mults + {} inversions = {} mult-equivalents ({:.1} per \
                 point, incl. scalar preparation), {calls} calls of 288k",
                cost.mults,
                cost.invs,
                cost.total(),
                cost.total() as f64 / n as f64
            );
        };
        for c in [12, 13] {
            let (r, cost, calls) = run(&bases, &s, c, 288_000);
            assert_eq!(r, expected);
            report(&std::format!("windowed, c = {c}"), cost, calls);
        }
        let t = table(&bases, FIXED_WINDOW, TABLE_LAYERS);
        let mut cost = Cost::default();
        let scalars = Scalars::new(&s, &mut cost);
        let mut msm = Msm::merged(FIXED_WINDOW).unwrap();
        let mut calls = 0;
        let r = loop {
            calls += 1;
            if let Some(r) = msm.step(&[&t], &scalars, &mut 288_000, &mut cost).unwrap() {
                break r;
            }
        };
        assert_eq!(r.to_ark(), expected);
        report("merged over the table", cost, calls);
    }

    /// Native timing: effective multiplication equivalents of the whole MSM (field additions, the
    /// bucket sort and memory traffic included). `cargo test --release -- --ignored msm_timing`.
    #[test]
    #[ignore]
    fn msm_timing() {
        use std::time::Instant;
        let mut rng = StdRng::seed_from_u64(4);
        let n = 16384;
        let bases = random_points(&mut rng, n);
        let s: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
        let mut x = Fr::rand(&mut rng);
        let y = Fr::rand(&mut rng);
        let t = Instant::now();
        for _ in 0..1_000_000 {
            x *= y;
        }
        let per_mult = t.elapsed().as_secs_f64() / 1e6;
        let t = Instant::now();
        let mut inv = x;
        for _ in 0..10_000 {
            inv = inv.inverse().unwrap() + y;
        }
        let per_inv = t.elapsed().as_secs_f64() / 1e4;
        let points: Vec<Point> = bases.iter().map(Point::from_ark).collect();
        let t = Instant::now();
        let mut cost = Cost::default();
        let scalars = Scalars::new(&s, &mut cost);
        let mut msm = Msm::new(13).unwrap();
        let r = msm
            .step(&[&points], &scalars, &mut { u64::MAX }, &mut cost)
            .unwrap();
        let el = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let ark = Projective::<GrumpkinConfig>::msm(&bases, &s)
            .unwrap()
            .into_affine();
        let el_ark = t.elapsed().as_secs_f64();
        assert_eq!(r.map(Point::to_ark), Some(ark));
        std::eprintln!(
            "mult {:.1} ns, inversion {:.0} mults; msm: counted {} mult-eq, timed {:.0} mult-eq \
             ({:.2}x), arkworks msm {:.0} mult-eq; {x}{inv}",
            per_mult * 1e9,
            per_inv / per_mult,
            cost.total(),
            el / per_mult,
            el / per_mult / cost.total() as f64,
            el_ark / per_mult
        );
    }
}

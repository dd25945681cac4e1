//! A resumable multi-scalar multiplication on Grumpkin (the IPA's 16,384-point MSM, SPEC §7.8).
//!
//! Pippenger with signed `c`-bit window digits ([`glv`] scalars), processed from the most
//! significant window down (`acc ← 2^c·acc + W_w`). Inside a window, points are added into
//! `2^{c−1}` buckets by pairwise tree sums in affine coordinates, one shared inversion per tree
//! level ([`batch_affine`], ≈ 6 multiplications per addition). The bucket sums `Σ_j (j+1)·B_j` are
//! reduced by splitting `j` into high and low halves (two more batch-affine tree sums and two
//! short running sums).
//!
//! Work is metered in field-multiplication equivalents ([`Cost`]); [`Msm::step`] stops before a
//! unit of work (a chunk of points or a window reduction) that would exceed its budget, and the
//! state ([`Msm`], kept in memory between calls) resumes it later with the same bases and scalars.

mod batch_affine;
mod cost;
mod glv;

pub(crate) use cost::Cost;
pub(crate) use glv::{GLV_BITS, Scalars, glv_bases};

use crate::error::VerifyError;
use crate::field::Grumpkin;
use alloc::vec;
use alloc::vec::Vec;
use ark_ec::short_weierstrass::Projective;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Zero};
use ark_grumpkin::GrumpkinConfig;
use batch_affine::tree_sum;
use cost::INV_COST;
use glv::{SCALAR_BITS, windows};

/// Eight times the cost bound of a batch-affine addition (6 multiplications, 7 for a tangent).
const ADD_AFFINE_COST: u64 = 49;
/// Cost of a mixed (projective + affine) addition.
const MIXED_ADD_COST: u64 = 11;
/// Cost of a projective addition.
const ADD_COST: u64 = 16;
/// Cost of a projective doubling (a = 0).
const DOUBLE_COST: u64 = 7;
/// Points per chunk (the largest budget unit inside a window).
pub const CHUNK: usize = 8192;
/// Smallest chunk worth starting when the budget is nearly spent.
const MIN_CHUNK: usize = 512;

/// Resumable MSM state: the current window, the progress inside it and the accumulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msm {
    /// Window width `c` (2..=16).
    window_bits: u32,
    /// Windows not yet finished; the current one is `windows_left − 1`.
    windows_left: u32,
    /// Progress in the current window: `< n`: the next point; `n + g`: the points are done and
    /// `g` of the bucket row/column sums (see [`bucket_groups`]) are in `sums`.
    next_point: u32,
    /// Bucket sums of the current window (`2^{c−1}` of them while inside a window, else empty).
    buckets: Vec<Grumpkin>,
    /// Row sums, then column sums, of the buckets (during the reduction).
    sums: Vec<Grumpkin>,
    /// `Σ_{finished windows} 2^{c·(w − current)}·W_w`.
    acc: Grumpkin,
}

impl Msm {
    /// A fresh MSM with window width `c` (2..=16) for scalars of at most `bits` bits (see
    /// [`Scalars::bits`]).
    pub fn new(c: u32, bits: u32) -> Result<Self, VerifyError> {
        if !(2..=16).contains(&c) || bits > SCALAR_BITS {
            return Err(VerifyError::Malformed("msm: window width"));
        }
        Ok(Self {
            window_bits: c,
            windows_left: windows(c, bits),
            next_point: 0,
            buckets: Vec::new(),
            sums: Vec::new(),
            acc: Grumpkin::identity(),
        })
    }

    /// Whether all windows are done ([`Msm::result`] is then the MSM).
    pub fn is_done(&self) -> bool {
        self.windows_left == 0
    }

    /// The result once [`Msm::is_done`].
    pub fn result(&self) -> Option<Grumpkin> {
        self.is_done().then_some(self.acc)
    }

    /// Cost bound of adding `len` points into the buckets: per addition 3 multiplications for the
    /// batch inversion and 3 for a chord (4 for a tangent, which random inputs essentially never
    /// hit: the bound allows one in eight), one inversion per tree level.
    fn chunk_cost(len: usize) -> u64 {
        ADD_AFFINE_COST * len as u64 / 8 + 16 * INV_COST
    }

    /// Shape of the bucket reduction: `(rows, cols, l)` with `2^{c−1} = rows·cols`, `cols = 2^l`.
    fn grid(&self) -> (usize, usize, u32) {
        let l = (self.window_bits - 1) / 2;
        (1 << (self.window_bits - 1 - l), 1 << l, l)
    }

    /// Cost bound of the last reduction step (two running sums, doublings, one normalization).
    fn final_cost(&self) -> u64 {
        let (rows, cols, l) = self.grid();
        (rows + cols) as u64 * (MIXED_ADD_COST + ADD_COST)
            + DOUBLE_COST * u64::from(self.window_bits + l)
            + 3 * ADD_COST
            + INV_COST
    }

    /// Advances `Σ scalars_i·bases_i` by at most `budget` multiplication equivalents (each unit's
    /// cost is bounded before it starts). Returns the result when done. The bases are given as
    /// consecutive parts (`scalars` index their concatenation); `parts` and `scalars` must be the
    /// same at every call.
    pub(crate) fn step(
        &mut self,
        parts: &[&[Grumpkin]],
        scalars: &Scalars,
        budget: u64,
        cost: &mut Cost,
    ) -> Result<Option<Grumpkin>, VerifyError> {
        let n: usize = parts.iter().map(|p| p.len()).sum();
        let (rows, cols, _) = self.grid();
        if scalars.len() != n
            || self.next_point as usize > n + rows + cols
            || self.sums.len() != (self.next_point as usize).saturating_sub(n)
            || (self.next_point != 0 && self.buckets.is_empty())
            || self.windows_left > windows(self.window_bits, scalars.bits())
        {
            return Err(VerifyError::Malformed("msm: sizes"));
        }
        let c = self.window_bits;
        let m = 1usize << (c - 1);
        let start = cost.total();
        while !self.is_done() {
            let remaining = budget.saturating_sub(cost.total() - start);
            let w = self.windows_left - 1;
            if (self.next_point as usize) < n {
                // A whole chunk, or as many points as the budget still allows (at least MIN_CHUNK).
                // Chunks never straddle two parts.
                let lo = self.next_point as usize;
                let (mut part, mut part_lo) = (0usize, 0usize);
                while part_lo + parts[part].len() <= lo {
                    part_lo += parts[part].len();
                    part += 1;
                }
                let bases = &parts[part][lo - part_lo..];
                let want = CHUNK.min(bases.len());
                let fit = (remaining.saturating_sub(Self::chunk_cost(0)) / ADD_AFFINE_COST)
                    .saturating_mul(8) as usize;
                let len = want.min(fit);
                if len < want.min(MIN_CHUNK) {
                    return Ok(None);
                }
                if self.buckets.is_empty() {
                    self.buckets = vec![Grumpkin::identity(); m];
                }
                self.add_chunk(&bases[..len], scalars, lo, w, cost);
                self.next_point = (lo + len) as u32;
            } else {
                let (rows, cols, l) = self.grid();
                if self.buckets.is_empty() {
                    self.buckets = vec![Grumpkin::identity(); m];
                }
                let done = self.next_point as usize - n;
                if done < rows + cols {
                    // Row/column sums of the buckets, as many groups as the budget allows.
                    let size = cols.max(rows) as u64;
                    let per_group = ADD_AFFINE_COST * size / 8;
                    let levels = u64::from(c - 1 - l).max(u64::from(l)) + 1;
                    let fit = remaining.saturating_sub(levels * INV_COST) / per_group;
                    let k = (rows + cols - done).min(fit as usize);
                    if k == 0 {
                        return Ok(None);
                    }
                    let (flat, lens) = bucket_groups(&self.buckets, rows, cols, done..done + k);
                    self.sums.extend(tree_sum(flat, lens, cost));
                    self.next_point += k as u32;
                    continue;
                }
                if self.final_cost() > remaining {
                    return Ok(None);
                }
                let window_sum = reduce_sums(&self.sums, rows, l, cost);
                let mut acc: Projective<GrumpkinConfig> = self.acc.into();
                if !acc.is_zero() {
                    for _ in 0..c {
                        acc.double_in_place();
                    }
                    cost.mults += DOUBLE_COST * u64::from(c);
                }
                acc += window_sum;
                cost.mults += ADD_COST;
                self.acc = acc.into_affine();
                cost.invs += 1;
                self.buckets = Vec::new();
                self.sums = Vec::new();
                self.next_point = 0;
                self.windows_left -= 1;
            }
        }
        Ok(self.result())
    }

    /// Adds the points `chunk` (global indices from `offset`) into the buckets of window `w`.
    fn add_chunk(
        &mut self,
        chunk: &[Grumpkin],
        scalars: &Scalars,
        offset: usize,
        w: u32,
        cost: &mut Cost,
    ) {
        let m = self.buckets.len();
        let c = self.window_bits;
        // Counting sort by bucket: each bucket's group is [old sum] ++ its points (signed).
        let digits: Vec<i32> = (0..chunk.len())
            .map(|i| scalars.digit(offset + i, w, c))
            .collect();
        let mut lens = vec![0u32; m];
        for (b, len) in self.buckets.iter().zip(lens.iter_mut()) {
            *len = u32::from(!b.is_zero());
        }
        for &d in &digits {
            if d != 0 {
                lens[d.unsigned_abs() as usize - 1] += 1;
            }
        }
        let mut pos: Vec<usize> = Vec::with_capacity(m);
        let mut total = 0usize;
        for &l in &lens {
            pos.push(total);
            total += l as usize;
        }
        let mut flat = vec![Grumpkin::identity(); total];
        for (b, p) in self.buckets.iter().zip(pos.iter_mut()) {
            if !b.is_zero() {
                flat[*p] = *b;
                *p += 1;
            }
        }
        for (&d, pt) in digits.iter().zip(chunk) {
            if d != 0 {
                let slot = &mut pos[d.unsigned_abs() as usize - 1];
                flat[*slot] = if d < 0 { -*pt } else { *pt };
                *slot += 1;
            }
        }
        self.buckets = tree_sum(flat, lens, cost);
    }
}

/// The groups `range` of the bucket grid as a flat list for [`tree_sum`]: groups `0..rows` are
/// the rows `B_{hi·cols + 0..cols}`, groups `rows..rows + cols` the columns `B_{0..rows·cols + lo}`.
fn bucket_groups(
    buckets: &[Grumpkin],
    rows: usize,
    cols: usize,
    range: core::ops::Range<usize>,
) -> (Vec<Grumpkin>, Vec<u32>) {
    let (mut flat, mut lens) = (Vec::new(), Vec::with_capacity(range.len()));
    for g in range {
        if g < rows {
            flat.extend_from_slice(&buckets[g * cols..(g + 1) * cols]);
            lens.push(cols as u32);
        } else {
            let lo = g - rows;
            flat.extend((0..rows).map(|hi| buckets[hi * cols + lo]));
            lens.push(rows as u32);
        }
    }
    (flat, lens)
}

/// `Σ_j (j+1)·B_j` for the `m = 2^{c−1}` buckets from their row sums `R` and column sums `C`
/// (`sums = R ‖ C`): with `j = hi·2^l + lo`, it is `2^l·Σ hi·R_hi + Σ lo·C_lo + Σ R_hi`.
fn reduce_sums(
    sums: &[Grumpkin],
    rows: usize,
    l: u32,
    cost: &mut Cost,
) -> Projective<GrumpkinConfig> {
    let (row_sums, col_sums) = sums.split_at(rows.min(sums.len()));
    let (weighted_rows, all) = running_sum(row_sums, cost);
    let (weighted_cols, _) = running_sum(col_sums, cost);
    let mut out = weighted_rows;
    for _ in 0..l {
        out.double_in_place();
    }
    cost.mults += DOUBLE_COST * u64::from(l) + 2 * ADD_COST;
    out + weighted_cols + all
}

/// `(Σ_i i·P_i, Σ_i P_i)` by running sums (projective).
fn running_sum(
    p: &[Grumpkin],
    cost: &mut Cost,
) -> (Projective<GrumpkinConfig>, Projective<GrumpkinConfig>) {
    let mut s = Projective::<GrumpkinConfig>::zero();
    let mut t = Projective::<GrumpkinConfig>::zero();
    for pi in p.iter().skip(1).rev() {
        s += pi;
        t += s;
    }
    cost.mults += (p.len().saturating_sub(1) as u64) * (MIXED_ADD_COST + ADD_COST) + MIXED_ADD_COST;
    if let Some(p0) = p.first() {
        s += p0;
    }
    (t, s)
}

#[cfg(test)]
mod tests {
    use super::glv::tests::edge_scalars;
    use super::*;
    use crate::field::{Fq, Fr};
    use ark_ec::VariableBaseMSM;
    use ark_ff::{Field, UniformRand};
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
    fn run(
        bases: &[Grumpkin],
        s: &[Fq],
        c: u32,
        budget: u64,
        glv: bool,
    ) -> (Grumpkin, Cost, usize) {
        let mut cost = Cost::default();
        let (scalars, glv_b) = if glv {
            (Scalars::glv(s, &mut cost), glv_bases(bases))
        } else {
            (Scalars::new(s, &mut cost), bases.to_vec())
        };
        cost.mults += if glv { bases.len() as u64 } else { 0 };
        let mut msm = Msm::new(c, scalars.bits()).unwrap();
        let mut calls = 0;
        loop {
            calls += 1;
            let before = cost.total();
            let res = msm.step(&[&glv_b], &scalars, budget, &mut cost).unwrap();
            if std::env::var("MSM_TRACE").is_ok() {
                std::eprintln!("  call {calls}: {}", cost.total() - before);
            }
            if let Some(r) = res {
                return (r, cost, calls);
            }
            assert!(calls < 100_000);
        }
    }

    #[test]
    fn small_msm_matches_naive_with_edge_cases() {
        let mut rng = StdRng::seed_from_u64(2);
        let mut bases = random_points(&mut rng, 47);
        // Edge cases: repeated point (tangent), opposite points (identity), identity base.
        bases[5] = bases[4];
        bases[7] = -bases[6];
        bases[9] = Grumpkin::identity();
        let mut s = edge_scalars(&mut rng, 40);
        s[5] = s[4];
        s[7] = s[6];
        for glv in [false, true] {
            for c in [2, 4, 8] {
                let (r, _, _) = run(&bases, &s, c, u64::MAX, glv);
                assert_eq!(r, naive(&bases, &s), "c = {c}, glv = {glv}");
            }
            // Tiny budgets: still correct, resumes from the state kept between calls.
            let (r, _, calls) = run(&bases, &s, 4, 7 * 94 + 16 * INV_COST + 10, glv);
            assert_eq!(r, naive(&bases, &s));
            assert!(calls > 1);
            // All-zero scalars give the identity.
            let zeros = vec![Fq::zero(); 47];
            assert_eq!(
                run(&bases, &zeros, 5, u64::MAX, glv).0,
                Grumpkin::identity()
            );
            // Same point everywhere (every addition is a doubling or cancels).
            let same = vec![bases[0]; 47];
            assert_eq!(run(&same, &s, 3, u64::MAX, glv).0, naive(&same, &s));
            // φ(P) and P in the same bucket: P + λ·(λ²·P)… exercised by scalars λ, −λ, λ² above.
        }
    }

    #[test]
    fn inconsistent_state_or_sizes_rejected() {
        assert!(Msm::new(1, 128).is_err());
        assert!(Msm::new(8, 255).is_err());
        let mut cost = Cost::default();
        let sc = Scalars::new(&[Fq::ONE], &mut cost);
        assert!(
            Msm::new(4, 254)
                .unwrap()
                .step(&[], &sc, u64::MAX, &mut cost)
                .is_err()
        );
        // A plain-scalar state cannot be driven with GLV scalars (fewer windows).
        let glv = Scalars::glv(&[Fq::ONE], &mut cost);
        let g = [Grumpkin::generator(); 2];
        assert!(
            Msm::new(4, 254)
                .unwrap()
                .step(&[&g], &glv, u64::MAX, &mut cost)
                .is_err()
        );
        // Inconsistent progress: points done but no buckets; reduction sums without progress.
        let mut m = Msm::new(4, 128).unwrap();
        m.next_point = 1;
        assert!(m.step(&[&g], &glv, u64::MAX, &mut cost).is_err());
        let mut m = Msm::new(4, 128).unwrap();
        m.buckets = vec![Grumpkin::identity(); 8];
        m.sums = vec![Grumpkin::identity()];
        assert!(m.step(&[&g], &glv, u64::MAX, &mut cost).is_err());
        m.next_point = 99;
        assert!(m.step(&[&g], &glv, u64::MAX, &mut cost).is_err());
    }

    #[test]
    fn msm_16384_matches_arkworks_and_counts() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 16384;
        let bases = random_points(&mut rng, n);
        let s: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
        let expected = Projective::<GrumpkinConfig>::msm(&bases, &s)
            .unwrap()
            .into_affine();
        for (glv, c) in [(false, 12), (false, 13), (true, 12), (true, 13), (true, 14)] {
            let (r, cost, calls) = run(&bases, &s, c, 288_000, glv);
            assert_eq!(r, expected);
            std::eprintln!(
                "msm n = {n}, glv = {glv}, c = {c}: {} mults + {} inversions = {} mult-equivalents \
                 ({:.1} per point, incl. scalar preparation), {calls} calls of 288k",
                cost.mults,
                cost.invs,
                cost.total(),
                cost.total() as f64 / n as f64
            );
        }
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
        let glv_b = glv_bases(&bases);
        let t = Instant::now();
        let mut cost = Cost::default();
        let scalars = Scalars::glv(&s, &mut cost);
        let mut msm = Msm::new(13, GLV_BITS).unwrap();
        let r = msm.step(&[&glv_b], &scalars, u64::MAX, &mut cost).unwrap();
        let el = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let ark = Projective::<GrumpkinConfig>::msm(&bases, &s)
            .unwrap()
            .into_affine();
        let el_ark = t.elapsed().as_secs_f64();
        assert_eq!(r, Some(ark));
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

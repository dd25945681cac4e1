//! Internals exposed to the gas benchmark `benches/gas` (feature `bench`; the product program never
//! enables it): the verifier's own Poseidon permutation, with nova 0.76's constants, the IPA
//! MSM's two units of work.

use crate::field::Fr;
use crate::msm::{Cost, Msm, Point, Scratch};
use crate::poseidon::{Poseidon, RoField as _};
use alloc::vec::Vec;
use zkml_field::Fe;

/// Width of the Poseidon state (elements).
pub const POSEIDON_WIDTH: usize = crate::poseidon::WIDTH;

/// The random oracle's Poseidon permutation over `Fr` (width 25, neptune's optimized schedule),
/// exactly as the verifier runs it.
#[derive(Clone, Debug)]
pub struct PoseidonFr(Poseidon<Fr>);

impl PoseidonFr {
    /// The permutation with nova 0.76's constants (decoded from the table embedded in the crate).
    pub fn nova() -> Self {
        Self(Fr::embedded())
    }

    /// Permutes `state` in place.
    pub fn permute(&self, state: &mut [Fr; POSEIDON_WIDTH]) {
        self.0.permute(state);
    }
}

/// The IPA MSM's window width (its generators' merged window) and bucket count.
const C: u32 = crate::msm::FIXED_WINDOW;
const BUCKETS: usize = 1 << (C - 1);
/// Points per batch in [`MsmUnits::batch`].
pub const MSM_BATCH: usize = crate::msm::BATCH;

/// The IPA MSM's window set up for the gas benchmark: 16,384 filled buckets and 1,024 bases,
/// distinct pseudo-random points. They are not on the curve: the addition formulas take the same
/// work on any coordinates (only equal `x`, which these do not have, changes it), and 17,408
/// points on the curve would cost a gtest message most of its gas to make.
pub struct MsmUnits {
    buckets: Vec<Point>,
    bases: Vec<Point>,
    cost: Cost,
}

impl MsmUnits {
    /// Points `(x_0 + k·dx, y_0 + k·dy)` from `seed` for the buckets and bases.
    pub fn new(seed: u64) -> Self {
        let (mut x, mut y) = (Fe::from_u64(seed.max(1)), Fe::from_u64(seed ^ 0x9e37_79b9));
        let (dx, dy) = (Fe::from_u64(0x5851_f42d), Fe::from_u64(0x1405_7b7e));
        let points: Vec<Point> = (0..BUCKETS + MSM_BATCH)
            .map(|_| {
                x = x.add(&dx);
                y = y.add(&dy);
                Point::new(x, y)
            })
            .collect();
        let (buckets, bases) = points.split_at(BUCKETS);
        Self {
            buckets: buckets.to_vec(),
            bases: bases.to_vec(),
            cost: Cost::default(),
        }
    }

    /// Adds the 1,024 bases into the buckets with signed digits from `seed` (one batch of the
    /// MSM's point phase); returns the work counted so far.
    pub fn batch(&mut self, seed: u64) -> u64 {
        let mut scratch = Scratch::new(BUCKETS);
        let mut state = seed | 1;
        let digits = (0..MSM_BATCH as u32).map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = (state % (2 * BUCKETS as u64)) as i32 - BUCKETS as i32;
            (i, if d == 0 { 1 } else { d })
        });
        let mut waiting = Vec::new();
        scratch.add_batch(
            &mut self.buckets,
            &[&self.bases],
            digits,
            &mut waiting,
            &mut self.cost,
        );
        self.cost.total()
    }

    /// The costliest batch: every addition a doubling (each of 1,024 buckets gets a copy of
    /// itself).
    pub fn worst_batch(&mut self) -> u64 {
        let same = self.buckets[..MSM_BATCH].to_vec();
        let mut scratch = Scratch::new(BUCKETS);
        let digits = (0..MSM_BATCH as u32).map(|i| (i, i as i32 + 1));
        let mut waiting = Vec::new();
        scratch.add_batch(
            &mut self.buckets,
            &[&same],
            digits,
            &mut waiting,
            &mut self.cost,
        );
        self.cost.total()
    }

    /// Empties every bucket (a window's first batch, where points are mostly copied in).
    pub fn empty_buckets(&mut self) {
        self.buckets.iter_mut().for_each(|b| *b = Point::IDENTITY);
    }

    /// Makes every bucket the same point, so that the reduction's row and column sums are all
    /// doublings.
    pub fn equal_buckets(&mut self) {
        let first = self.buckets[0];
        self.buckets.iter_mut().for_each(|b| *b = first);
    }

    /// The cost bounds the MSM charges before a batch and before a reduction, and the weight (in
    /// hundredths of a verification unit) it charges per counted multiplication.
    pub fn bounds() -> (u64, u64, u64) {
        (
            crate::msm::batch_cost(MSM_BATCH),
            crate::msm::reduce_cost(C),
            crate::verification::MSM_WEIGHT_PERCENT,
        )
    }

    /// Work counted so far.
    pub fn counted(&self) -> u64 {
        self.cost.total()
    }

    /// Reduces the buckets to the window's sum (the MSM's other unit); returns the sum's `x`.
    pub fn reduction(&mut self) -> Fr {
        let mut msm = Msm::with_buckets(C, self.buckets.clone());
        let mut scratch = Scratch::new(BUCKETS);
        let sum = loop {
            if let Some(sum) = msm.reduce(&mut scratch.batch, &mut self.cost) {
                break Point::from_jacobian(&sum);
            }
        };
        sum.x.to_ark()
    }
}

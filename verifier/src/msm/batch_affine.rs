//! Batch-affine point additions: many independent `P_dst += ±Q` that share one field inversion
//! (Montgomery's trick), computed in place in the kernel's arithmetic.
//!
//! An addition costs 3 multiplications for its share of the batch inversion and 3 for the chord
//! (`λ = (y_P − y_Q)/(x_P − x_Q)`, `x_3 = λ² − x_P − x_Q`, `y_3 = λ(x_P − x_3) − y_P`); a doubling
//! (equal points) is counted [`TANGENT_COST`] more for `3x²`, `2y` and the comparison of the
//! points. An addition to or of the identity, and of opposite points, is settled when it is
//! scheduled (a copy, counted by the caller).

use super::cost::Cost;
use super::point::{Coord, Point};
use alloc::vec::Vec;

/// Work counted for a doubling besides a chord's: its `3x²` (a squaring), its denominator `2y`
/// and the comparison that finds the points equal, which together cost about three
/// multiplications in a Gear program (`msm_weight_bounds_the_worst_case`, benches/gas).
const TANGENT_COST: u64 = 3;

/// Work counted for one scheduled addition, bounded (a doubling): its share of the inversion (3),
/// the chord (3) and [`TANGENT_COST`].
pub(super) const OP_COST: u64 = 6 + TANGENT_COST;

/// One scheduled addition `points[dst] += ±src`.
#[derive(Clone, Copy)]
struct Op {
    dst: u32,
    src: u32,
    neg: bool,
    tangent: bool,
}

/// Additions scheduled for one shared inversion. Each destination may appear once per batch, and
/// no source may be a destination of the same batch. `prefix` is a buffer kept between batches
/// (the denominators' prefix products, then the running inverses).
#[derive(Default)]
pub(crate) struct Batch {
    ops: Vec<Op>,
    prefix: Vec<Coord>,
}

impl Batch {
    /// Schedules `points[dst] += ±q`, where `q` is source `src` (see [`Batch::apply`]), or settles
    /// it at once when either is the identity or they are opposite. Returns whether it was
    /// scheduled (then `dst` must not be scheduled again before [`Batch::apply`]).
    ///
    /// Scheduling writes the addition's prefix product `d_0·…·d_i` of the denominators
    /// (`x_P − x_Q`, or `2y_P` for a doubling): the product is zero exactly when `x_P = x_Q`
    /// (the earlier denominators are not zero), which tells a chord from a doubling or a
    /// cancellation without a comparison of its own.
    pub(super) fn push(
        &mut self,
        points: &mut [Point],
        dst: u32,
        q: &Point,
        src: u32,
        neg: bool,
    ) -> bool {
        if q.infinity {
            return false;
        }
        let p = &mut points[dst as usize];
        if p.infinity {
            p.set(q, neg);
            return false;
        }
        let i = self.ops.len();
        if self.prefix.len() <= i {
            self.prefix.resize(i + 1, Coord::ZERO);
        }
        let (done, rest) = self.prefix.split_at_mut(i);
        let prev = done.last().unwrap_or(&Coord::ONE);
        prev.mul_diff_into(&p.x, &q.x, false, &mut rest[0]);
        if !rest[0].is_zero() {
            self.schedule(dst, src, neg, false);
            return true;
        }
        // Same x: equal points double, opposite points cancel.
        let qy = if neg { q.y.neg() } else { q.y };
        if qy == p.y && !p.y.is_zero() {
            prev.mul_diff_into(&p.y, &p.y, true, &mut rest[0]);
            self.schedule(dst, src, neg, true);
            true
        } else {
            *p = Point::IDENTITY;
            false
        }
    }

    /// The number of additions scheduled.
    pub(super) fn scheduled(&self) -> u64 {
        self.ops.len() as u64
    }

    fn schedule(&mut self, dst: u32, src: u32, neg: bool, tangent: bool) {
        self.ops.push(Op {
            dst,
            src,
            neg,
            tangent,
        });
    }

    /// Computes every scheduled addition, reading source `src` from `sources` (see [`Sources`]).
    /// Leaves the batch empty.
    ///
    /// Montgomery's trick in place, on the prefix products written when the additions were
    /// scheduled: one inversion, then a backward pass, one [`Coord::chord_step`] per addition,
    /// takes each addition's inverse `(d_0…d_i)^{−1}·(d_0…d_{i−1})`, overwrites the prefix slot
    /// with the running inverse `(d_0…d_{i−1})^{−1}` and computes the addition. Denominators are
    /// recomputed from the points rather than stored, and field elements are read and written in
    /// place (moving one costs about as much as a multiplication).
    pub(super) fn apply(&mut self, points: &mut [Point], sources: Sources<'_>, cost: &mut Cost) {
        let n = self.ops.len();
        if n == 0 {
            return;
        }
        let total = self.prefix[n - 1].inverse();
        self.prefix[n - 1].set(&total);
        // The first addition has no prefix before it: one.
        let mut one = Coord::ONE;
        let mut tangents = 0u64;
        for (i, op) in self.ops.iter().enumerate().rev() {
            let (done, rest) = self.prefix.split_at_mut(i);
            let running = &rest[0];
            let prefix = done.last_mut().unwrap_or(&mut one);
            if op.tangent {
                tangents += 1;
                double(running, prefix, &mut points[op.dst as usize]);
                continue;
            }
            let (p, q) = match sources {
                // The tree sums read a later point: `dst < src`.
                Sources::InPlace => {
                    let (to, from) = points.split_at_mut(op.src as usize);
                    (&mut to[op.dst as usize], &from[0])
                }
                Sources::Slices(slices) => (&mut points[op.dst as usize], lookup(slices, op.src)),
            };
            Coord::chord_step(running, prefix, &mut p.x, &mut p.y, &q.x, &q.y, op.neg);
        }
        cost.mults += 6 * n as u64 + TANGENT_COST * tangents;
        cost.invs += 1;
        self.ops.clear();
    }
}

/// The backward step of a doubling `P ← 2P` (see [`Coord::chord_step`]): `λ = 3x²/(2y)`, its
/// inverse `running·prefix`, then `prefix ← running·2y`; rare, so in separate operations.
fn double(running: &Coord, prefix: &mut Coord, p: &mut Point) {
    let mut inv = Coord::ZERO;
    running.mul_into(prefix, &mut inv);
    running.mul_diff_into(&p.y, &p.y, true, prefix);
    let square = p.x.square();
    let mut lambda = Coord::ZERO;
    inv.mul_diff_into(&square, &square.double(), true, &mut lambda);
    let x3 = lambda.square().sub(&p.x.double());
    let y3 = lambda.mul(&p.x.sub(&x3)).sub(&p.y);
    p.x.set(&x3);
    p.y.set(&y3);
}

/// Where [`Batch::apply`] reads its sources.
#[derive(Clone, Copy)]
pub(super) enum Sources<'a> {
    /// The points being added to.
    InPlace,
    /// The concatenation of these slices.
    Slices(&'a [&'a [Point]]),
}

/// Point `i` of the concatenation of `slices` (the identity past the end).
pub(super) fn lookup<'a>(slices: &[&'a [Point]], i: u32) -> &'a Point {
    let mut i = i as usize;
    for slice in slices {
        match slice.get(i) {
            Some(p) => return p,
            None => i -= slice.len(),
        }
    }
    &Point::IDENTITY
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Fq, Grumpkin};
    use ark_ec::{AffineRepr, CurveGroup};

    /// One batch mixing chords, doublings, negated sources, cancellations and the identity on
    /// either side, twice over (the denominator buffer reused), against arkworks.
    #[test]
    fn mixed_batch_matches_arkworks() {
        let g = Grumpkin::generator();
        let mul = |k: u64| (g * Fq::from(k)).into_affine();
        let id = Grumpkin::identity();
        // (destination, source, negate the source)
        let cases = [
            (mul(2), mul(3), false),   // chord
            (mul(5), mul(5), false),   // doubling
            (mul(7), mul(7), true),    // P − P: the identity
            (mul(9), mul(9), false),   // doubling again
            (mul(11), mul(4), true),   // chord with a negated source
            (id, mul(6), false),       // into the identity
            (id, mul(6), true),        // into the identity, negated
            (mul(8), id, false),       // of the identity
            (mul(10), mul(10), true),  // cancels
            (mul(12), -mul(12), true), // doubling through a negation
        ];
        let mut batch = Batch::default();
        for round in 0..2 {
            let mut dsts: Vec<Point> = cases.iter().map(|c| Point::from_ark(&c.0)).collect();
            let srcs: Vec<Point> = cases.iter().map(|c| Point::from_ark(&c.1)).collect();
            for (i, c) in cases.iter().enumerate() {
                batch.push(&mut dsts, i as u32, &srcs[i], i as u32, c.2);
            }
            let mut cost = Cost::default();
            batch.apply(&mut dsts, Sources::Slices(&[&srcs]), &mut cost);
            for (i, (p, q, neg)) in cases.iter().enumerate() {
                let expected = if *neg { *p - *q } else { *p + *q };
                assert_eq!(
                    dsts[i].to_ark(),
                    expected.into_affine(),
                    "case {i}, round {round}"
                );
            }
        }
    }
}

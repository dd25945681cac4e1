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
/// no source may be a destination of the same batch. `dens` is a buffer kept between batches:
/// its first `ops.len()` entries are the scheduled additions' denominators.
#[derive(Default)]
pub(crate) struct Batch {
    ops: Vec<Op>,
    dens: Vec<Coord>,
    scratch: Vec<Coord>,
}

impl Batch {
    /// Schedules `points[dst] += ±q`, where `q` is source `src` (see [`Batch::apply`]), or settles
    /// it at once when either is the identity or they are opposite. Returns whether it was
    /// scheduled (then `dst` must not be scheduled again before [`Batch::apply`]).
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
            *p = if neg { q.neg() } else { *q };
            return false;
        }
        // The denominator is written in place into the batch's next slot.
        let i = self.ops.len();
        if i == self.dens.len() {
            self.dens.push(Coord::ZERO);
        }
        let den = &mut self.dens[i];
        p.x.sub_into(&q.x, den);
        if !den.is_zero() {
            self.schedule(dst, src, neg, false);
            return true;
        }
        // Same x: equal points double, opposite points cancel.
        let qy = if neg { q.y.neg() } else { q.y };
        if qy == p.y && !p.y.is_zero() {
            den.set(&p.y.double());
            self.schedule(dst, src, neg, true);
            true
        } else {
            *p = Point::IDENTITY;
            false
        }
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
    pub(super) fn apply(&mut self, points: &mut [Point], sources: Sources<'_>, cost: &mut Cost) {
        let n = self.ops.len();
        batch_inverse(&mut self.dens[..n], &mut self.scratch, cost);
        let mut tangents = 0u64;
        for (op, inv) in self.ops.iter().zip(&self.dens) {
            // Points are read in place and only the new coordinates are written: copying a
            // point costs about as much as a multiplication.
            let (x3, y3) = {
                let p = &points[op.dst as usize];
                let q = match sources {
                    Sources::InPlace => &points[op.src as usize],
                    Sources::Slices(slices) => lookup(slices, op.src),
                };
                // The numerators are unreduced (`Lazy`): each is only a factor of one product.
                let lambda = if op.tangent {
                    tangents += 1;
                    p.x.square().triple_lazy().mul(inv)
                } else if op.neg {
                    p.y.add_lazy(&q.y).mul(inv)
                } else {
                    p.y.sub_lazy(&q.y).mul(inv)
                };
                let x3 = lambda.square().sub_sum(&p.x, &q.x);
                let y3 = p.x.sub_lazy(&x3).mul(&lambda).sub(&p.y);
                (x3, y3)
            };
            let p = &mut points[op.dst as usize];
            p.x.set(&x3);
            p.y.set(&y3);
        }
        cost.mults += 3 * self.ops.len() as u64 + TANGENT_COST * tangents;
        self.ops.clear();
    }
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

/// Replaces every element by its inverse (all must be non-zero): Montgomery's trick,
/// `3(n − 1)` multiplications and one inversion. `scratch` is reused between calls; elements are
/// written limb by limb ([`Coord::set`]), since a moved `Fe` costs a `memcpy`.
fn batch_inverse(v: &mut [Coord], scratch: &mut Vec<Coord>, cost: &mut Cost) {
    let n = v.len();
    if n == 0 {
        return;
    }
    if scratch.len() < n {
        scratch.resize(n, Coord::ZERO);
    }
    // scratch[i] = v[0]·…·v[i], each product written in place (`mul_into`).
    scratch[0].set(&v[0]);
    for i in 1..n {
        let (done, rest) = scratch.split_at_mut(i);
        done[i - 1].mul_into(&v[i], &mut rest[0]);
    }
    let mut inv = scratch[n - 1].inverse();
    for i in (1..n).rev() {
        // v[i]⁻¹ = (v[0]…v[i])⁻¹·(v[0]…v[i−1]);  (v[0]…v[i−1])⁻¹ = (v[0]…v[i])⁻¹·v[i]
        let next = inv.mul(&v[i]);
        scratch[i - 1].mul_into(&inv, &mut v[i]);
        inv.set(&next);
    }
    v[0].set(&inv);
    cost.mults += 3 * (n as u64 - 1);
    cost.invs += 1;
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

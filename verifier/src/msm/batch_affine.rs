//! Batch-affine point sums: many independent sums of Grumpkin points by pairwise tree levels, with
//! one shared inversion (Montgomery's trick) per level.

use super::cost::Cost;
use crate::field::{Fr, Grumpkin};
use alloc::vec::Vec;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, Zero};

/// How a pair `(p, q)` of affine points is added.
#[derive(Clone, Copy)]
enum Kind {
    /// Distinct x: chord; the denominator is `x2 − x1`.
    Chord,
    /// Equal points: tangent; the denominator is `2y`.
    Tangent,
    /// `q` is the identity: the sum is `p`.
    Left,
    /// `p` is the identity: the sum is `q`.
    Right,
    /// Opposite points: the sum is the identity.
    Zero,
}

/// Sums each group of `flat` (consecutive groups of sizes `lens`), one result per group, by
/// pairwise tree levels with one batch inversion per level (results are written in place).
pub(super) fn tree_sum(
    mut flat: Vec<Grumpkin>,
    mut lens: Vec<u32>,
    cost: &mut Cost,
) -> Vec<Grumpkin> {
    let (mut kinds, mut dens, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
    while lens.iter().any(|&l| l > 1) {
        // Pass 1: classify the pairs (0,1), (2,3), … of every group and collect denominators.
        kinds.clear();
        dens.clear();
        let mut start = 0usize;
        for &l in &lens {
            let l = l as usize;
            for pair in flat[start..start + l - l % 2].chunks_exact(2) {
                let kind = match (pair[0].xy(), pair[1].xy()) {
                    (None, _) => Kind::Right,
                    (_, None) => Kind::Left,
                    (Some((x1, y1)), Some((x2, y2))) => {
                        if x1 != x2 {
                            dens.push(x2 - x1);
                            Kind::Chord
                        } else if y1 == y2 && !y1.is_zero() {
                            dens.push(y1.double());
                            Kind::Tangent
                        } else {
                            Kind::Zero
                        }
                    }
                };
                kinds.push(kind);
            }
            start += l;
        }
        batch_inverse(&mut dens, &mut scratch, cost);
        // Pass 2: compute the sums; output slot `o` never passes the pair being read.
        let (mut start, mut o, mut pair, mut den) = (0usize, 0usize, 0usize, 0usize);
        let (mut chords, mut tangents) = (0u64, 0u64);
        for l in lens.iter_mut() {
            let n = *l as usize;
            for k in 0..n / 2 {
                let (p, q) = (flat[start + 2 * k], flat[start + 2 * k + 1]);
                flat[o] = match kinds[pair] {
                    Kind::Left => p,
                    Kind::Right => q,
                    Kind::Zero => Grumpkin::identity(),
                    kind => {
                        let inv = dens[den];
                        den += 1;
                        let (x1, y1) = (p.x, p.y);
                        let lambda = if let Kind::Chord = kind {
                            chords += 1;
                            (q.y - y1) * inv
                        } else {
                            tangents += 1;
                            let xx = x1.square();
                            (xx.double() + xx) * inv
                        };
                        let x3 = lambda.square() - x1 - q.x;
                        let y3 = lambda * (x1 - x3) - y1;
                        Grumpkin::new_unchecked(x3, y3)
                    }
                };
                o += 1;
                pair += 1;
            }
            if n % 2 == 1 {
                flat[o] = flat[start + n - 1];
                o += 1;
            }
            start += n;
            *l = (n / 2 + n % 2) as u32;
        }
        flat.truncate(o);
        cost.mults += 3 * chords + 4 * tangents;
    }
    // Every group now has 0 or 1 element; empty groups sum to the identity.
    let mut res = Vec::with_capacity(lens.len());
    let mut it = flat.into_iter();
    for &l in &lens {
        res.push(if l == 1 {
            it.next().unwrap_or_default()
        } else {
            Grumpkin::identity()
        });
    }
    res
}

/// Replaces every element by its inverse (all must be non-zero): Montgomery's trick,
/// `3(n − 1)` multiplications and one inversion (`scratch` is reused between calls).
fn batch_inverse(v: &mut [Fr], scratch: &mut Vec<Fr>, cost: &mut Cost) {
    if v.is_empty() {
        return;
    }
    scratch.clear();
    let mut acc = Fr::ONE;
    for x in v.iter() {
        acc *= x;
        scratch.push(acc);
    }
    let mut inv = acc.inverse().unwrap_or_default();
    for i in (1..v.len()).rev() {
        let xi = v[i];
        v[i] = inv * scratch[i - 1];
        inv *= xi;
    }
    v[0] = inv;
    cost.mults += 3 * (v.len() as u64 - 1) + 1;
    cost.invs += 1;
}

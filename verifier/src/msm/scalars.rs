//! MSM scalars as canonical integers, read as signed `c`-bit window digits.

use super::cost::Cost;
use crate::field::Fq;
use alloc::vec::Vec;
use ark_ff::PrimeField;

/// Bit bound of the scalars (Grumpkin's scalar field, BN254's `q`, is below `2^254`).
pub const SCALAR_BITS: u32 = 254;

/// MSM scalars as canonical little-endian 64-bit limbs, four per scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalars {
    limbs: Vec<u64>,
}

impl Scalars {
    /// The scalars `s` (one Montgomery reduction each, counted as a multiplication).
    pub(crate) fn new(s: &[Fq], cost: &mut Cost) -> Self {
        cost.mults += s.len() as u64;
        Self {
            limbs: s.iter().flat_map(|x| x.into_bigint().0).collect(),
        }
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.limbs.len() / 4
    }

    /// Signed digit of window `w` (width `c`) of scalar `i`:
    /// `bits[wc, wc+c) + bit_{wc−1} − 2^c·bit_{wc+c−1}` in `[−2^{c−1}, 2^{c−1}]`. The digits of
    /// all [`windows`] give back the scalar.
    pub(crate) fn digit(&self, i: usize, w: u32, c: u32) -> i32 {
        let k = &self.limbs[4 * i..4 * i + 4];
        let bits = |pos: u32, len: u32| -> u64 {
            let (limb, off) = ((pos / 64) as usize, pos % 64);
            let Some(&lo) = k.get(limb) else {
                return 0;
            };
            let mut v = lo >> off;
            if off + len > 64 {
                v |= k.get(limb + 1).map_or(0, |hi| hi << (64 - off));
            }
            v & ((1u64 << len) - 1)
        };
        let carry = if w == 0 { 0 } else { bits(w * c - 1, 1) };
        let v = (bits(w * c, c) + carry) as i32;
        v - ((bits(w * c + c - 1, 1) as i32) << c)
    }
}

/// Number of windows of width `c` for the scalars (the top window keeps a spare bit, so its
/// signed digit never carries out).
pub(crate) const fn windows(c: u32) -> u32 {
    (SCALAR_BITS + 1).div_ceil(c)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand, Zero};
    use ark_std::rand::SeedableRng;
    use ark_std::rand::rngs::StdRng;

    /// `n` random scalars and the edge cases `0, ±1, 2^64 − 1, 2^253, −2^128`.
    pub(crate) fn edge_scalars(rng: &mut StdRng, n: usize) -> Vec<Fq> {
        let mut s: Vec<Fq> = (0..n).map(|_| Fq::rand(rng)).collect();
        let two = Fq::from(2u64);
        s.extend([
            Fq::zero(),
            Fq::ONE,
            -Fq::ONE,
            Fq::from(u64::MAX),
            two.pow([253u64]),
            -two.pow([128u64]),
        ]);
        s
    }

    #[test]
    fn digits_recompose() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut cost = Cost::default();
        let s = edge_scalars(&mut rng, 50);
        let scalars = Scalars::new(&s, &mut cost);
        assert_eq!(scalars.len(), s.len());
        for c in [2, 3, 7, 10, 12, 13, 15, 16] {
            for (i, x) in s.iter().enumerate() {
                let mut acc = Fq::zero();
                for w in (0..windows(c)).rev() {
                    let d = scalars.digit(i, w, c);
                    assert!(d.unsigned_abs() <= 1 << (c - 1));
                    let d = if d < 0 {
                        -Fq::from(-d as u64)
                    } else {
                        Fq::from(d as u64)
                    };
                    acc = acc * Fq::from(1u64 << c) + d;
                }
                assert_eq!(acc, *x, "c = {c}");
            }
        }
    }
}

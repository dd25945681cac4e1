//! Lazy sums: elements added and subtracted limb by limb, without carries or reductions, and
//! reduced once at the end.

use crate::arith::reduce_2p;
use crate::consts::{Consts, MASK, narrow};
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};
use core::marker::PhantomData;

/// Most terms a [`Sum`] may take (added and subtracted together).
pub const SUM_TERMS: u64 = 1 << 32;

/// A lazy signed sum `Σ ±x_i` of elements of the field of `M`, for at most [`SUM_TERMS`] terms.
///
/// It holds signed limb sums `s_k` and the number `n` of subtracted terms; the integer
/// `V = Σ_k s_k·2^{29k} + n·2p` is not negative (each subtracted term is below `2p`) and stands,
/// like an [`Fe`]'s limbs, for `V·R^{−1} mod p`. A limb sum stays below `2^61` in magnitude, so
/// adding a term costs nine limb additions and no carry.
#[derive(Clone, Copy)]
pub struct Sum<M: Modulus> {
    limbs: [i64; LIMBS],
    negs: i64,
    modulus: PhantomData<M>,
}

impl<M: Modulus> Default for Sum<M> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<M: Modulus> Sum<M> {
    /// The empty sum.
    pub const ZERO: Self = Self {
        limbs: [0; LIMBS],
        negs: 0,
        modulus: PhantomData,
    };

    /// `Σ ← Σ + x`.
    #[inline(always)]
    pub fn add(&mut self, x: &Fe<M>) {
        let l = x.limbs();
        unroll9!(K => { self.limbs[K] += i64::from(l[K]); });
    }

    /// `Σ ← Σ − x`.
    #[inline(always)]
    pub fn sub(&mut self, x: &Fe<M>) {
        let l = x.limbs();
        unroll9!(K => { self.limbs[K] -= i64::from(l[K]); });
        self.negs += 1;
    }

    /// `V` as nine limbs below `2^29` and the multiple of `2^261` above them, `V = lo + hi·2^261`
    /// (`hi` is below `2^29`: `V < 2^32·2^255`).
    #[inline(always)]
    #[allow(unused_assignments)]
    fn normalize(&self) -> ([u64; LIMBS], u64) {
        let two_p = Consts::<M>::TWO_P;
        let mut lo = [0u64; LIMBS];
        let mut carry = 0i64;
        unroll9!(K => {
            // |t| < 2^61 + 2^32·2^29 + 2^35: no overflow; `>>` floors, so `lo[K]` is the
            // non-negative remainder.
            let t = self.limbs[K] + self.negs * two_p[K] as i64 + carry;
            lo[K] = (t as u64) & MASK;
            carry = t >> LIMB_BITS;
        });
        // V ≥ 0 and lo < 2^261, so the final carry is not negative.
        (lo, carry as u64)
    }

    /// The sum as an element: `lo·R^{−1}` is one Montgomery multiplication ([`Fe::mul`]) of `lo`
    /// (below `R`) by one, `R mod p` (below `p`), hence below `2p`; a non-zero `hi` adds the element
    /// `hi`, `hi·R²·R^{−1}`, below `2^29·p/R + p < 2p`.
    #[inline(never)]
    pub fn reduce(&self) -> Fe<M> {
        let (lo, hi) = self.normalize();
        let low = Fe::from_wide(lo).mul(&Fe::ONE);
        if hi == 0 {
            return low;
        }
        let mut h = [0u64; LIMBS];
        h[0] = hi;
        let r2 = Fe::<M>::from_limbs(narrow(Consts::<M>::R2));
        let high = Fe::from_wide(h).mul(&r2);
        low.add(&high)
    }

    /// `Σ·y`. When `V < 2^261` (always for at most 64 terms) this is one Montgomery multiplication
    /// of `V` by `y`, `(V·y + m·p)/R < 2p + p`, and one conditional subtraction of `2p`; otherwise
    /// the sum is reduced first.
    #[inline(never)]
    pub fn mul(&self, y: &Fe<M>) -> Fe<M> {
        let (lo, hi) = self.normalize();
        if hi != 0 {
            return self.reduce().mul(y);
        }
        // Fe::mul's bound on its result's limbs holds for any operand limbs below 2^29; its
        // value here is below 3p, which `reduce_2p` brings below 2p.
        let product = Fe::from_wide(lo).mul(y);
        Fe::from_wide(reduce_2p::<M>(product.wide()))
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, Fe, Modulus, Sum};
    use ark_bn254::Fq;
    use ark_ff::{AdditiveGroup, Field, PrimeField};
    use proptest::prelude::*;

    /// An element from random words, in either representative.
    fn term<M: Modulus>(words: [u64; 4], hi: bool) -> (M::Ark, Fe<M>) {
        let a = element::<M>(words);
        let x = Fe::<M>::from_ark(&a);
        (a, if hi { high(&x) } else { x })
    }

    /// Checks a sum of `terms` (value, subtract, take the `[p, 2p)` representative) and its
    /// product by `y` against ark-ff.
    fn check<M: Modulus>(terms: &[([u64; 4], bool, bool)], y: [u64; 4]) {
        let mut sum = Sum::<M>::ZERO;
        let mut expected = M::Ark::ZERO;
        for &(words, neg, hi) in terms {
            let (a, x) = term::<M>(words, hi);
            assert!(in_form(&x));
            if neg {
                sum.sub(&x);
                expected -= a;
            } else {
                sum.add(&x);
                expected += a;
            }
        }
        let (b, y) = term::<M>(y, false);
        let r = sum.reduce();
        assert!(in_form(&r));
        assert_eq!(r.to_ark(), expected);
        let m = sum.mul(&y);
        assert!(in_form(&m));
        assert_eq!(m.to_ark(), expected * b);
        let m = sum.mul(&high(&y));
        assert!(in_form(&m));
        assert_eq!(m.to_ark(), expected * b);
    }

    /// Words of p − 1, of 2^253 and of zero (the largest values and their negations).
    fn edge_words<M: Modulus>() -> [[u64; 4]; 4] {
        let pm1 = (-M::Ark::ONE).into_bigint().0;
        [pm1, [0, 0, 0, 1 << 61], [0; 4], [1, 0, 0, 0]]
    }

    #[test]
    fn edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edge_words::<M>();
            check::<M>(&[], e[0]);
            for &w in &e {
                for y in e {
                    for (neg, hi) in [(false, false), (true, false), (false, true), (true, true)] {
                        check::<M>(&[(w, neg, hi)], y);
                    }
                }
            }
            // Many large terms: V ≥ 2^261 (the reduction's high part), all added or all
            // subtracted, and a balance of both.
            for n in [63usize, 64, 65, 200, 5000] {
                for neg in [false, true] {
                    let terms = std::vec![(e[0], neg, true); n];
                    check::<M>(&terms, e[0]);
                }
                let mixed: Vec<_> = (0..n).map(|i| (e[i % 2], i % 3 == 0, i % 2 == 0)).collect();
                check::<M>(&mixed, e[1]);
            }
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    proptest! {
        #[test]
        fn random_sums_match_ark(
            terms in proptest::collection::vec((any::<[u64; 4]>(), any::<bool>(), any::<bool>()), 0..150),
            y in any::<[u64; 4]>(),
        ) {
            check::<Bn254Fr>(&terms, y);
            check::<Bn254Fq>(&terms, y);
        }

        /// Long chains: sums of products of sums agree with ark-ff at every step.
        #[test]
        fn chains_match_ark(seed in any::<[u64; 4]>(), ops in proptest::collection::vec((0u8..3, 1usize..40), 50)) {
            let (mut a, mut x) = term::<Bn254Fq>(seed, false);
            for (op, n) in ops {
                let mut s = Sum::<Bn254Fq>::ZERO;
                for _ in 0..n {
                    s.add(&x);
                }
                match op {
                    0 => { x = s.mul(&x); a = a * Fq::from(n as u64) * a; }
                    1 => { s.sub(&x); s.sub(&x); x = s.reduce(); a *= Fq::from(n as u64) - Fq::from(2u64); }
                    _ => { x = high(&s.reduce()); a *= Fq::from(n as u64); }
                }
                prop_assert!(in_form(&x));
                prop_assert_eq!(x.to_ark(), a);
            }
        }
    }
}

//! Sums of products with one Montgomery reduction: `Σ a_i·b_i` (the matrix rows of Poseidon's
//! linear layers) and `a·b + c` (its S-boxes' constants and sparse rounds).
//!
//! [`Fe::mul`] spends about half its gas on the Montgomery reduction. A dot product instead sums
//! the pairs' 81 limb products into 17 columns held in wasm locals and reduces once.

use crate::arith::{mont_reduce, reduce_2p};
use crate::consts::MASK;
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};

/// Most pairs [`Fe::dot`] takes.
pub const DOT_TERMS: usize = 32;

/// Pairs summed between two normalizations of the columns.
const RUN: u32 = 7;

impl<M: Modulus> Fe<M> {
    /// `Σ a_i·b_i` over at most [`DOT_TERMS`] pairs (not checked in release builds).
    ///
    /// The limb products go into 18 columns `c_k`, `Σ c_k·2^{29k} = Σ a_i·b_i` (limb values).
    /// A pair adds at most nine products below `2^58` to a column; after every seven pairs the
    /// columns are carried down to 29 bits (all but the top one), so a column stays below
    /// `2^29 + 63·2^58 < 2^64`. The sum `T` is then reduced once, as by [`Fe::mul`]: with
    /// `a_i, b_i < 2p` and at most 32 pairs, `T < 128p² < p·R` (`p < 2^254`, `R = 2^261`), so
    /// `(T + m·p)/R < 2p`.
    #[inline(never)]
    pub fn dot<'a>(pairs: impl IntoIterator<Item = (&'a Self, &'a Self)>) -> Self
    where
        M: 'a,
    {
        let mut cols = [0u64; 2 * LIMBS];
        let mut run = 0u32;
        #[cfg(debug_assertions)]
        let mut terms = 0usize;
        for (a, b) in pairs {
            if run == RUN {
                normalize(&mut cols);
                run = 0;
            }
            let (a, b) = (a.wide(), b.wide());
            unroll9!(I => { unroll9!(J => { cols[I + J] += a[I] * b[J]; }); });
            run += 1;
            #[cfg(debug_assertions)]
            {
                terms += 1;
                debug_assert!(terms <= DOT_TERMS, "Fe::dot takes at most DOT_TERMS pairs");
            }
        }
        normalize(&mut cols);
        Self::from_wide(mont_reduce::<M>(cols))
    }

    /// `a·b + c` with one reduction: `c` enters the product's upper columns as `c·R`, so the
    /// reduction yields `(a·b + c·R + m·p)/R < 4p²/R + c + p < 3.1p`, and one conditional
    /// subtraction of `2p` brings it below `2p`. Columns stay below `9·2^58 + 2^29` before the
    /// reduction, as [`Fe::mul`] needs.
    #[inline(never)]
    pub fn mul_add(&self, b: &Self, c: &Self) -> Self {
        let (a, b, c) = (self.wide(), b.wide(), c.wide());
        let mut cols = [0u64; 2 * LIMBS];
        unroll9!(I => { unroll9!(J => { cols[I + J] += a[I] * b[J]; }); });
        unroll9!(K => { cols[LIMBS + K] += c[K]; });
        Self::from_wide(reduce_2p::<M>(mont_reduce::<M>(cols)))
    }
}

/// Carries every column but the top one down to 29 bits.
#[inline(always)]
fn normalize(cols: &mut [u64; 2 * LIMBS]) {
    unroll!(K in [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16] => {
        cols[K + 1] += cols[K] >> LIMB_BITS;
        cols[K] &= MASK;
    });
}

#[cfg(test)]
mod tests {
    use crate::testing::{edges, element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, DOT_TERMS, Fe, Modulus};
    use ark_ff::{AdditiveGroup, Field};
    use proptest::prelude::*;

    /// Checks `Σ a_i·b_i` against ark-ff, each side taken as given or as its `[p, 2p)`
    /// representative.
    fn check<M: Modulus>(a: &[M::Ark], b: &[M::Ark], hi_a: bool, hi_b: bool) {
        let form = |v: &M::Ark, hi: bool| {
            let x = Fe::<M>::from_ark(v);
            if hi { high(&x) } else { x }
        };
        let x: Vec<Fe<M>> = a.iter().map(|v| form(v, hi_a)).collect();
        let y: Vec<Fe<M>> = b.iter().map(|v| form(v, hi_b)).collect();
        let got = Fe::dot(x.iter().zip(&y));
        assert!(in_form(&got));
        let expected: M::Ark = a.iter().zip(b).map(|(u, v)| *u * v).sum();
        assert_eq!(got.to_ark(), expected);
    }

    #[test]
    fn edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edges::<M>();
            for hi in [(false, false), (true, true), (true, false)] {
                // Every edge against every edge, in runs of every length up to DOT_TERMS.
                for (i, &u) in e.iter().enumerate() {
                    let a: Vec<M::Ark> =
                        e.iter().cycle().skip(i).take(DOT_TERMS).copied().collect();
                    let b = [u; DOT_TERMS];
                    for n in [0, 1, 6, 7, 8, 14, 15, 25, DOT_TERMS] {
                        check::<M>(&a[..n], &b[..n], hi.0, hi.1);
                    }
                }
            }
            // The largest sum: DOT_TERMS products of (p − 1) as 2p − 1 (the `[p, 2p)` side).
            let m = [-M::Ark::ONE; DOT_TERMS];
            check::<M>(&m, &m, true, true);
            check::<M>(&[M::Ark::ZERO; 3], &[M::Ark::ONE; 3], true, false);
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    /// Checks `a·b + c` against ark-ff for each choice of representatives.
    fn check_mul_add<M: Modulus>(a: M::Ark, b: M::Ark, c: M::Ark) {
        let lo = |v: &M::Ark| Fe::<M>::from_ark(v);
        let hi = |v: &M::Ark| high(&Fe::<M>::from_ark(v));
        for (x, y, z) in [
            (lo(&a), lo(&b), lo(&c)),
            (hi(&a), hi(&b), hi(&c)),
            (lo(&a), hi(&b), lo(&c)),
            (hi(&a), lo(&b), hi(&c)),
        ] {
            let r = x.mul_add(&y, &z);
            assert!(in_form(&r));
            assert_eq!(r.to_ark(), a * b + c);
        }
    }

    #[test]
    fn mul_add_edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edges::<M>();
            for &a in &e {
                for &b in &e {
                    check_mul_add::<M>(a, b, -M::Ark::ONE);
                    check_mul_add::<M>(a, b, b);
                    check_mul_add::<M>(a, a, M::Ark::ZERO);
                }
            }
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    proptest! {
        #[test]
        fn mul_add_random_values_match_ark(a: [u64; 4], b: [u64; 4], c: [u64; 4]) {
            check_mul_add::<Bn254Fr>(element::<Bn254Fr>(a), element::<Bn254Fr>(b), element::<Bn254Fr>(c));
            check_mul_add::<Bn254Fq>(element::<Bn254Fq>(a), element::<Bn254Fq>(b), element::<Bn254Fq>(c));
        }

        /// Long chains: `x ← x·y + x`, every result fed back.
        #[test]
        fn mul_add_chains_match_ark(s: [u64; 4], t: [u64; 4]) {
            let (mut a, b) = (element::<Bn254Fq>(s), element::<Bn254Fq>(t));
            let (mut x, y) = (Fe::<Bn254Fq>::from_ark(&a), high(&Fe::<Bn254Fq>::from_ark(&b)));
            for _ in 0..200 {
                a = a * b + a;
                x = x.mul_add(&y, &x);
                prop_assert!(in_form(&x));
            }
            prop_assert_eq!(x.to_ark(), a);
        }

        #[test]
        fn random_values_match_ark(
            words in proptest::collection::vec((any::<[u64; 4]>(), any::<[u64; 4]>()), 0..=DOT_TERMS),
            hi_a: bool,
            hi_b: bool,
        ) {
            let (a, b): (Vec<_>, Vec<_>) = words.iter().map(|&(u, v)| (element::<Bn254Fr>(u), element::<Bn254Fr>(v))).unzip();
            check::<Bn254Fr>(&a, &b, hi_a, hi_b);
            let (a, b): (Vec<_>, Vec<_>) = words.iter().map(|&(u, v)| (element::<Bn254Fq>(u), element::<Bn254Fq>(v))).unzip();
            check::<Bn254Fq>(&a, &b, hi_a, hi_b);
        }
    }
}

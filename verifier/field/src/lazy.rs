//! Unreduced sums and differences that feed a multiplication directly.
//!
//! # Specification
//! A [`Lazy<M>`] holds limbs `l_0..l_8`, each `< 2^31`, with `v = Σ l_k·2^{29k}` in `[0, 6p)`; it
//! represents `v·R^{-1} mod p` like an [`Fe`]. It is only ever a factor of one multiplication,
//! [`Lazy::mul`], which returns an [`Fe`] (limbs `< 2^29`, value `< 2p`):
//! - [`Fe::add_lazy`]: `a + b` limb by limb, no carry: limbs `< 2^30`, value `< 4p`;
//! - [`Fe::sub_lazy`]: `a − b + 4p` limb by limb, no borrow: `4p` is written with every limb but
//!   the top one raised by `2^29` (and the next one lowered by one), so that each of its limbs is
//!   at least the largest limb of `b` (the top limb: at least `⌊(2p − 1)/2^{232}⌋`): limbs
//!   `< 2^29 + 2^30 < 2^31`, value in `(2p, 6p)`;
//! - [`Fe::triple_lazy`]: `3a` limb by limb: limbs `< 3·2^29`, value `< 6p`;
//! - [`Lazy::mul`]: the Montgomery product of [`Fe::mul`]. A product column is now below
//!   `9·2^31·2^29 = 36·2^58`, the reduction adds below `9·2^58` and the carry below `2^35`, so a
//!   column stays below `45·2^58 + 2^35 < 2^64`; the result `(a·b + m·p)/R` is below
//!   `6p·2p/R + p < 2p` since `12p < R`.
//!
//! Each saves the reduction (one conditional subtraction or addition of `2p`, branch-free) that
//! [`Fe::add`] and [`Fe::sub`] take.

use crate::arith::mont_mul;
use crate::consts::{Consts, MASK};
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};
use core::marker::PhantomData;

/// An unreduced element: limbs below `2^31`, value below `6p`, representing `v·R^{−1} mod p`.
/// [`Lazy::mul`] takes it as a factor: a product column stays below `45·2^58 + 2^35 < 2^64` and
/// the result below `2p` (`12p < R`).
#[derive(Clone, Copy)]
pub struct Lazy<M: Modulus> {
    limbs: [u32; LIMBS],
    modulus: PhantomData<M>,
}

/// `4p` with its limbs 0..7 raised by `2^29` and limbs 1..8 lowered by one (same value).
const fn raised_four_p(four_p: [u64; LIMBS]) -> [u64; LIMBS] {
    let mut out = four_p;
    let mut k = 0;
    while k < LIMBS - 1 {
        out[k] += 1 << LIMB_BITS;
        out[k + 1] -= 1;
        k += 1;
    }
    out
}

impl<M: Modulus> Lazy<M> {
    /// `4p`, each limb but the top at least `2^29 − 1` (see [`Fe::sub_lazy`]).
    const FOUR_P: [u64; LIMBS] = {
        let two_p = Consts::<M>::TWO_P;
        let mut four_p = [0u64; LIMBS];
        let mut carry = 0;
        let mut k = 0;
        while k < LIMBS {
            let t = 2 * two_p[k] + carry;
            four_p[k] = t & MASK;
            carry = t >> LIMB_BITS;
            k += 1;
        }
        let raised = raised_four_p(four_p);
        // The top limb covers the top limb of any value below 2p.
        assert!(raised[LIMBS - 1] >= two_p[LIMBS - 1]);
        raised
    };

    fn from_wide(l: [u64; LIMBS]) -> Self {
        let mut limbs = [0u32; LIMBS];
        unroll9!(K => { limbs[K] = l[K] as u32; });
        Self {
            limbs,
            modulus: PhantomData,
        }
    }

    /// The limbs (each `< 2^31`, value `< 6p`).
    pub fn limbs(&self) -> &[u32; LIMBS] {
        &self.limbs
    }

    /// The Montgomery product `a·b·R^{−1}` in the kernel's form (see the module docs).
    #[inline(never)]
    pub fn mul(&self, other: &Fe<M>) -> Fe<M> {
        let mut a = [0u64; LIMBS];
        unroll9!(K => { a[K] = u64::from(self.limbs[K]); });
        Fe::from_wide(mont_mul::<M>(a, other.wide()))
    }
}

impl<M: Modulus> Fe<M> {
    /// `a + b`, unreduced (limbs `< 2^30`, value `< 4p`).
    #[inline(never)]
    pub fn add_lazy(&self, other: &Self) -> Lazy<M> {
        let (a, b) = (self.wide(), other.wide());
        let mut s = [0u64; LIMBS];
        unroll9!(K => { s[K] = a[K] + b[K]; });
        Lazy::from_wide(s)
    }

    /// `a − b + 4p`, unreduced (limbs `< 2^31`, value in `(2p, 6p)`).
    #[inline(never)]
    pub fn sub_lazy(&self, other: &Self) -> Lazy<M> {
        let (a, b) = (self.wide(), other.wide());
        let c = Lazy::<M>::FOUR_P;
        let mut s = [0u64; LIMBS];
        unroll9!(K => { s[K] = a[K] + c[K] - b[K]; });
        Lazy::from_wide(s)
    }

    /// `3a`, unreduced (limbs `< 3·2^29`, value `< 6p`).
    #[inline(never)]
    pub fn triple_lazy(&self) -> Lazy<M> {
        let a = self.wide();
        let mut s = [0u64; LIMBS];
        unroll9!(K => { s[K] = 3 * a[K]; });
        Lazy::from_wide(s)
    }
}

#[cfg(test)]
mod tests {
    use crate::consts::Consts;
    use crate::testing::{edges, element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, Fe, Lazy, Modulus};
    use ark_ff::{AdditiveGroup, Field};
    use proptest::prelude::*;

    /// The value of limbs, as an integer mod p (ark), and whether it is below `6p`.
    fn value<M: Modulus>(l: &[u32; 9]) -> (M::Ark, bool) {
        // Σ l_k·2^{29k} as an ark big integer: Horner in the field, and the bound in bits.
        let two29 = M::Ark::from(1u64 << 29);
        let mut v = M::Ark::ZERO;
        for &x in l.iter().rev() {
            v = v * two29 + M::Ark::from(u64::from(x));
        }
        // Bound: compare limb-wise against 6p with carries (as u128 limbs of 29 bits).
        let p = Consts::<M>::P;
        let mut six_p = [0u64; 9];
        let mut carry = 0;
        for k in 0..9 {
            let t = 6 * p[k] + carry;
            six_p[k] = t & ((1 << 29) - 1);
            carry = t >> 29;
        }
        let mut norm = [0u64; 9];
        let mut carry = 0;
        for k in 0..9 {
            let t = u64::from(l[k]) + carry;
            norm[k] = t & ((1 << 29) - 1);
            carry = t >> 29;
        }
        let below = carry == 0 && norm.iter().rev().lt(six_p.iter().rev());
        (v, below)
    }

    /// `R^{-1}` in ark-ff, to read a limb value in Montgomery form.
    fn r_inv<M: Modulus>() -> M::Ark {
        M::Ark::from(2u64).pow([261u64]).inverse().unwrap()
    }

    fn lazy_ok<M: Modulus>(z: &Lazy<M>, expected: M::Ark) {
        let (v, below) = value::<M>(z.limbs());
        assert!(below, "value below 6p");
        assert!(z.limbs().iter().all(|&l| l < 1 << 31));
        assert_eq!(v * r_inv::<M>(), expected);
    }

    fn check<M: Modulus>(a: M::Ark, b: M::Ark, c: M::Ark) {
        for (x, y, z) in [
            (Fe::<M>::from_ark(&a), Fe::from_ark(&b), Fe::from_ark(&c)),
            (
                high(&Fe::from_ark(&a)),
                high(&Fe::from_ark(&b)),
                high(&Fe::from_ark(&c)),
            ),
            (
                high(&Fe::from_ark(&a)),
                Fe::from_ark(&b),
                high(&Fe::from_ark(&c)),
            ),
            (
                Fe::<M>::from_ark(&a),
                high(&Fe::from_ark(&b)),
                Fe::from_ark(&c),
            ),
        ] {
            // `is_zero` on both representatives (0 and p for zero).
            assert_eq!(x.is_zero(), a == M::Ark::ZERO);
            assert_eq!(high(&Fe::<M>::from_ark(&a)).is_zero(), a == M::Ark::ZERO);
            for (l, e) in [
                (x.add_lazy(&y), a + b),
                (x.sub_lazy(&y), a - b),
                (x.triple_lazy(), a + a + a),
            ] {
                lazy_ok(&l, e);
                let m = l.mul(&z);
                assert!(in_form(&m));
                assert_eq!(m.to_ark(), e * c);
            }
        }
    }

    #[test]
    fn edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edges::<M>();
            for &a in &e {
                for &b in &e {
                    check::<M>(a, b, -M::Ark::ONE);
                    check::<M>(a, b, b);
                }
            }
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    proptest! {
        #[test]
        fn random_values_match_ark(a in any::<[u64; 4]>(), b in any::<[u64; 4]>(), c in any::<[u64; 4]>()) {
            check::<Bn254Fr>(element::<Bn254Fr>(a), element::<Bn254Fr>(b), element::<Bn254Fr>(c));
            check::<Bn254Fq>(element::<Bn254Fq>(a), element::<Bn254Fq>(b), element::<Bn254Fq>(c));
        }

        /// Long chains: every step a lazy difference, sum or triple times the running value.
        #[test]
        fn chains_match_ark(s in any::<[u64; 4]>(), t in any::<[u64; 4]>(), ops in proptest::collection::vec(0u8..3, 200)) {
            let (mut a, b) = (element::<Bn254Fr>(s), element::<Bn254Fr>(t));
            let (mut x, y) = (Fe::<Bn254Fr>::from_ark(&a), Fe::<Bn254Fr>::from_ark(&b));
            for op in ops {
                x = match op {
                    0 => { a = (a - b) * a; x.sub_lazy(&y).mul(&x) }
                    1 => { a = (a + b) * b; x.add_lazy(&y).mul(&y) }
                    _ => { a = (a + a + a) * a; x.triple_lazy().mul(&x) }
                };
                prop_assert!(in_form(&x));
                prop_assert_eq!(x.to_ark(), a);
            }
        }
    }
}

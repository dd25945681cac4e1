//! Variants that write their result into a given place, and a fused double subtraction.
//!
//! A returned `Fe` that is then stored into a vector or a struct field may be moved with a
//! `memcpy` call (about 6e5 gas in a Gear program); these write the limbs straight into `out`.
//! Each computes exactly what the named operation computes, in the kernel's form (limbs below
//! `2^29`, value below `2p`).

use crate::arith::{mont_mul, reduce_2p};
use crate::consts::{Consts, MASK};
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};

impl<M: Modulus> Fe<M> {
    /// Writes the limbs of `l` (below `2^29`, value below `2p`) into `self`.
    #[inline(always)]
    fn store(&mut self, l: [u64; LIMBS]) {
        unroll9!(K => { self.limbs[K] = l[K] as u32; });
    }

    /// `out ← a·b` ([`Fe::mul`]).
    #[inline(never)]
    pub fn mul_into(&self, other: &Self, out: &mut Self) {
        out.store(mont_mul::<M>(self.wide(), other.wide()));
    }

    /// `out ← a − b` ([`Fe::sub`]).
    #[inline(never)]
    pub fn sub_into(&self, other: &Self, out: &mut Self) {
        out.store(self.sub(other).wide());
    }

    /// `a − b − c` in one pass: `a + 4p − b − c` (in `(0, 6p)`) with a signed carry chain, then
    /// two conditional subtractions of `2p` (branch-free) bring it below `2p`.
    #[inline(never)]
    #[allow(unused_assignments)] // the last carry is zero: the value is positive and below 2^261
    pub fn sub_sum(&self, b: &Self, c: &Self) -> Self {
        let (a, b, c) = (self.wide(), b.wide(), c.wide());
        let two_p = Consts::<M>::TWO_P;
        let mut s = [0u64; LIMBS];
        let mut carry = 0i64;
        unroll9!(K => {
            let t = (a[K] + 2 * two_p[K]) as i64 - b[K] as i64 - c[K] as i64 + carry;
            s[K] = (t as u64) & MASK;
            carry = t >> LIMB_BITS;
        });
        Self::from_wide(reduce_2p::<M>(reduce_2p::<M>(s)))
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{edges, element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, Fe, Modulus};
    use ark_ff::AdditiveGroup;
    use proptest::prelude::*;

    fn check<M: Modulus>(a: M::Ark, b: M::Ark, c: M::Ark) {
        let lo = |v: &M::Ark| Fe::<M>::from_ark(v);
        let hi = |v: &M::Ark| high(&Fe::<M>::from_ark(v));
        for (x, y, z) in [
            (lo(&a), lo(&b), lo(&c)),
            (hi(&a), hi(&b), hi(&c)),
            (lo(&a), hi(&b), hi(&c)),
            (hi(&a), lo(&b), lo(&c)),
        ] {
            let r = x.sub_sum(&y, &z);
            assert!(in_form(&r));
            assert_eq!(r.to_ark(), a - b - c);
            let mut out = Fe::<M>::ONE;
            x.mul_into(&y, &mut out);
            assert!(in_form(&out));
            assert_eq!(out.limbs(), x.mul(&y).limbs());
            x.sub_into(&y, &mut out);
            assert!(in_form(&out));
            assert_eq!(out.limbs(), x.sub(&y).limbs());
        }
    }

    #[test]
    fn edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edges::<M>();
            for &a in &e {
                for &b in &e {
                    for &c in e.iter().step_by(5) {
                        check::<M>(a, b, c);
                    }
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

        /// Long chains of fused subtractions and products into places.
        #[test]
        fn chains_match_ark(s in any::<[u64; 4]>(), t in any::<[u64; 4]>(), ops in proptest::collection::vec(any::<bool>(), 200)) {
            let (mut a, b) = (element::<Bn254Fq>(s), element::<Bn254Fq>(t));
            let (mut x, y) = (Fe::<Bn254Fq>::from_ark(&a), Fe::<Bn254Fq>::from_ark(&b));
            for op in ops {
                if op {
                    a = a - b - a.double();
                    x = x.sub_sum(&y, &x.double());
                } else {
                    a *= a - b;
                    let d = x.sub(&y);
                    let mut out = Fe::ZERO;
                    x.mul_into(&d, &mut out);
                    x = out;
                }
                prop_assert!(in_form(&x));
                prop_assert_eq!(x.to_ark(), a);
            }
        }
    }
}

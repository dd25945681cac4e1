//! A product, a square and a negation written into a given place.
//!
//! A returned `Fe` that is then stored into a vector or a struct field may be moved with a
//! `memcpy` call (about 6e5 gas in a Gear program); these write the limbs straight into `out`.
//! Each computes exactly what the named operation computes, in the kernel's form (limbs below
//! `2^29`, value below `2p`).

use crate::arith::{mont_mul, mont_sqr, sub_wide};
use crate::{Fe, LIMBS, Modulus};

impl<M: Modulus> Fe<M> {
    /// Writes the limbs of `l` (below `2^29`, value below `2p`) into `self`.
    #[inline(always)]
    pub(crate) fn store(&mut self, l: [u64; LIMBS]) {
        unroll9!(K => { self.limbs[K] = l[K] as u32; });
    }

    /// `out ← a·b` ([`Fe::mul`]).
    #[inline(never)]
    pub fn mul_into(&self, other: &Self, out: &mut Self) {
        out.store(mont_mul::<M>(self.wide(), other.wide()));
    }

    /// `out ← a²` ([`Fe::square`]).
    #[inline(never)]
    pub fn square_into(&self, out: &mut Self) {
        out.store(mont_sqr::<M>(self.wide()));
    }

    /// `out ← −a` ([`Fe::neg`]).
    #[inline(never)]
    pub fn neg_into(&self, out: &mut Self) {
        out.store(sub_wide::<M>([0; LIMBS], self.wide()));
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{edges, element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, Fe, Modulus};
    use proptest::prelude::*;

    fn check<M: Modulus>(a: M::Ark, b: M::Ark) {
        let lo = |v: &M::Ark| Fe::<M>::from_ark(v);
        let hi = |v: &M::Ark| high(&Fe::<M>::from_ark(v));
        for (x, y) in [(lo(&a), lo(&b)), (hi(&a), hi(&b)), (lo(&a), hi(&b))] {
            let mut out = Fe::<M>::ONE;
            x.mul_into(&y, &mut out);
            assert!(in_form(&out));
            assert_eq!(out.limbs(), x.mul(&y).limbs());
            x.square_into(&mut out);
            assert!(in_form(&out));
            assert_eq!(out.limbs(), x.square().limbs());
            x.neg_into(&mut out);
            assert!(in_form(&out));
            assert_eq!(out.limbs(), x.neg().limbs());
            assert_eq!(out.to_ark(), -a);
        }
    }

    #[test]
    fn edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edges::<M>();
            for &a in &e {
                for &b in &e {
                    check::<M>(a, b);
                }
            }
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    proptest! {
        #[test]
        fn random_values_match_ark(a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
            check::<Bn254Fr>(element::<Bn254Fr>(a), element::<Bn254Fr>(b));
            check::<Bn254Fq>(element::<Bn254Fq>(a), element::<Bn254Fq>(b));
        }
    }
}

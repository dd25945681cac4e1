//! Exact conversion to and from ark-ff's elements, and what the kernel borrows from ark-ff.

use crate::consts::{Consts, MASK, limbs, narrow};
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};
use ark_ff::{BigInt, PrimeField};

impl<M: Modulus> Fe<M> {
    /// The element equal to ark-ff's `x`.
    pub fn from_ark(x: &M::Ark) -> Self {
        Self::from_canonical_words(x.into_bigint().0)
    }

    /// The same element as ark-ff's type.
    pub fn to_ark(&self) -> M::Ark {
        // The canonical value is below p, so ark-ff accepts it.
        M::Ark::from_bigint(BigInt(self.to_words())).unwrap_or_default()
    }

    /// The element whose canonical integer has the little-endian encoding `bytes`, or `None` if
    /// that integer is not below `p`.
    pub fn from_le_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let mut words = [0u64; 4];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *w = u64::from_le_bytes(b);
        }
        let below_p = words
            .iter()
            .rev()
            .lt(<M::Ark as PrimeField>::MODULUS.0.iter().rev());
        below_p.then(|| Self::from_canonical_words(words))
    }

    /// The little-endian encoding of the element's canonical integer.
    pub fn to_le_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, w) in out.chunks_exact_mut(8).zip(self.to_words()) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// The element whose Montgomery form (`x·R mod p`) has the limbs `limbs`, or `None` unless
    /// every limb is below `2^29` and the value below `p`: the inverse of [`Fe::to_montgomery`],
    /// with no multiplication (for data stored in the kernel's own form).
    pub fn from_montgomery(limbs: [u32; LIMBS]) -> Option<Self> {
        let x = Self::from_limbs(limbs);
        let in_range = limbs.iter().all(|&l| u64::from(l) <= MASK);
        (in_range && x.canonical() == limbs).then_some(x)
    }

    /// The limbs of the Montgomery form `x·R mod p` (value below `p`).
    pub fn to_montgomery(&self) -> [u32; LIMBS] {
        self.canonical()
    }

    /// The element whose canonical integer is `words` (below `p`): one multiplication by `R²`
    /// (the out-of-line [`Fe::mul`], which keeps the program small).
    fn from_canonical_words(words: [u64; 4]) -> Self {
        let plain = Self::from_limbs(narrow(limbs(words)));
        plain.mul(&Self::from_limbs(narrow(Consts::<M>::R2)))
    }

    /// The canonical integer as four little-endian words: one Montgomery reduction.
    fn to_words(self) -> [u64; 4] {
        let mut one = [0u32; LIMBS];
        one[0] = 1;
        // v·R^{−1} is < p + 1, and equals p only for zero.
        let plain = self.mul(&Self::from_limbs(one)).canonical();
        let mut words = [0u64; 4];
        for (k, &l) in plain.iter().enumerate() {
            let bit = k * LIMB_BITS as usize;
            let (w, s) = (bit / 64, bit % 64);
            words[w] |= u64::from(l) << s;
            if s + LIMB_BITS as usize > 64 && w + 1 < 4 {
                words[w + 1] |= (u64::from(l) & MASK) >> (64 - s);
            }
        }
        words
    }

    /// The element `n`.
    pub fn from_u64(n: u64) -> Self {
        Self::from_ark(&M::Ark::from(n))
    }

    /// `a^{−1}`, or zero for zero: Fermat's `a^{p−2}` with 4-bit windows (252 squarings and at
    /// most 78 multiplications, each written into its place), about half of ark-ff's binary
    /// inversion in a Gear program.
    pub fn inverse(&self) -> Self {
        // table[d] = a^d
        let mut table = [Self::ONE; 16];
        table[1].set(self);
        for d in 2..16 {
            let (lower, upper) = table.split_at_mut(d);
            lower[d - 1].mul_into(self, &mut upper[0]);
        }
        let e = Consts::<M>::P_MINUS_2;
        let (mut acc, mut tmp) = (Self::ONE, Self::ZERO);
        for w in (0..64).rev() {
            // Four squarings, alternating between the two places: the result is back in `acc`.
            acc.square_into(&mut tmp);
            tmp.square_into(&mut acc);
            acc.square_into(&mut tmp);
            tmp.square_into(&mut acc);
            let digit = (e[w / 16] >> (4 * (w % 16))) & 0xf;
            if digit != 0 {
                acc.mul_into(&table[digit as usize], &mut tmp);
                acc.set(&tmp);
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{edges, element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, Fe, Modulus};
    use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
    use proptest::prelude::*;

    type Fr = Fe<Bn254Fr>;
    type Fq = Fe<Bn254Fq>;

    fn check_ops<M: Modulus>(a: M::Ark, b: M::Ark) {
        let (x, y) = (Fe::<M>::from_ark(&a), Fe::<M>::from_ark(&b));
        for z in [x, y] {
            assert!(z.limbs().iter().all(|&l| l < 1 << 29));
        }
        assert_eq!(x.to_ark(), a);
        let bytes = x.to_le_bytes();
        assert_eq!(bytes[..], a.into_bigint().to_bytes_le()[..]);
        assert_eq!(Fe::<M>::from_le_bytes(&bytes), Some(x));
        assert_eq!(x.mul(&y).to_ark(), a * b);
        assert_eq!(x.square().to_ark(), a.square());
        assert_eq!(x.add(&y).to_ark(), a + b);
        assert_eq!(x.sub(&y).to_ark(), a - b);
        assert_eq!(x.neg().to_ark(), -a);
        assert_eq!(x.double().to_ark(), a.double());
        assert_eq!(x == y, a == b);
        // Either representative of each (`[0, p)` and `[p, 2p)`): differences 0, p and −p.
        let (hx, hy) = (high(&x), high(&y));
        assert!(hx == x && hy == y);
        assert_eq!((hx == y, x == hy, hx == hy), (a == b, a == b, a == b));
        assert_eq!(x.is_zero(), a == M::Ark::ZERO);
        assert_eq!(x.inverse().to_ark(), a.inverse().unwrap_or_default());
    }

    #[test]
    fn edges_match_ark() {
        for a in edges::<Bn254Fr>() {
            for b in edges::<Bn254Fr>() {
                check_ops::<Bn254Fr>(a, b);
            }
        }
        for a in edges::<Bn254Fq>() {
            for b in edges::<Bn254Fq>() {
                check_ops::<Bn254Fq>(a, b);
            }
        }
    }

    #[test]
    fn non_canonical_bytes_rejected() {
        fn check<M: Modulus>() {
            let p = <M::Ark as PrimeField>::MODULUS;
            let mut bytes = [0u8; 32];
            bytes.copy_from_slice(&p.to_bytes_le());
            assert_eq!(Fe::<M>::from_le_bytes(&bytes), None, "p");
            bytes[0] -= 1;
            assert_eq!(
                Fe::<M>::from_le_bytes(&bytes).map(|x| x.to_ark()),
                Some(-M::Ark::ONE)
            );
            assert_eq!(Fe::<M>::from_le_bytes(&[0xff; 32]), None, "2^256 - 1");
            bytes[31] = bytes[31].wrapping_add(1);
            assert_eq!(Fe::<M>::from_le_bytes(&bytes), None, "above p");
        }
        check::<Bn254Fr>();
        check::<Bn254Fq>();
    }

    #[test]
    fn montgomery_limbs_round_trip_and_refuse_out_of_range() {
        fn check<M: Modulus>() {
            for a in edges::<M>() {
                let x = Fe::<M>::from_ark(&a);
                for v in [x, high(&x)] {
                    let limbs = v.to_montgomery();
                    assert_eq!(Fe::<M>::from_montgomery(limbs), Some(x));
                }
                // The representative in [p, 2p) is refused: stored data is canonical.
                assert_eq!(Fe::<M>::from_montgomery(*high(&x).limbs()), None);
            }
            let mut big = Fe::<M>::ONE.to_montgomery();
            big[3] = 1 << 29;
            assert_eq!(Fe::<M>::from_montgomery(big), None, "limb of 2^29");
            assert_eq!(
                Fe::<M>::from_montgomery([(1 << 29) - 1; 9]),
                None,
                "above 2p"
            );
        }
        check::<Bn254Fr>();
        check::<Bn254Fq>();
    }

    #[test]
    fn constants() {
        assert_eq!(Fr::ONE.to_ark(), ark_bn254::Fr::ONE);
        assert_eq!(Fq::ZERO.to_ark(), ark_bn254::Fq::ZERO);
        assert_eq!(Fq::from_u64(77).to_ark(), ark_bn254::Fq::from(77u64));
        assert_eq!(Fr::default(), Fr::ZERO);
        assert_eq!(
            std::format!("{:?}", Fr::from_u64(5)),
            "Fe(5)",
            "Debug shows the value"
        );
    }

    /// Values in `[p, 2p)`: the same element as `v − p`, and every operation accepts them.
    #[test]
    fn unreduced_representatives() {
        for a in edges::<Bn254Fr>() {
            let x = Fr::from_ark(&a);
            let hx = high(&x);
            assert!(in_form(&hx));
            assert_eq!(hx, x);
            for b in edges::<Bn254Fr>() {
                let hy = high(&Fr::from_ark(&b));
                for r in [hx.mul(&hy), hx.add(&hy), hx.sub(&hy), hx.square(), hy.neg()] {
                    assert!(in_form(&r));
                }
                assert_eq!(hx.mul(&hy).to_ark(), a * b);
                assert_eq!(hx.add(&hy).to_ark(), a + b);
                assert_eq!(hx.sub(&hy).to_ark(), a - b);
            }
        }
    }

    proptest! {
        #[test]
        fn random_values_match_ark(a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
            check_ops::<Bn254Fr>(element::<Bn254Fr>(a), element::<Bn254Fr>(b));
            check_ops::<Bn254Fq>(element::<Bn254Fq>(a), element::<Bn254Fq>(b));
        }

        /// Long chains stay in form and agree with ark-ff at every step.
        #[test]
        fn long_chains_match_ark(seed in any::<[u64; 4]>(), ops in proptest::collection::vec(0u8..5, 200)) {
            let (mut a, mut x) = (element::<Bn254Fr>(seed), Fr::from_ark(&element::<Bn254Fr>(seed)));
            let (c, y) = (a.square() + ark_bn254::Fr::ONE, Fr::from_ark(&(a.square() + ark_bn254::Fr::ONE)));
            for op in ops {
                match op {
                    0 => { a *= c; x = x.mul(&y); }
                    1 => { a += c; x = x.add(&y); }
                    2 => { a -= c; x = x.sub(&y); }
                    3 => { a.square_in_place(); x = x.square(); }
                    _ => { a = -a; x = x.neg(); }
                }
                prop_assert!(in_form(&x));
                prop_assert_eq!(x.to_ark(), a);
            }
        }
    }
}

//! Points of the curves `y² = x³ + b` (`a = 0`: BN254 G1 over `Fq` and Grumpkin over `Fr`) in the
//! field kernel's form (`zkml-field`), and a scalar multiplication by signed windows.
//!
//! Points are kept in Jacobian coordinates `(X, Y, Z)` standing for `(X/Z², Y/Z³)` (the identity
//! has `Z = 0`), like arkworks' short Weierstrass projective points; the formulas do not use `b`.

use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine as ArkAffine, Projective, SWCurveConfig};
use ark_ff::Zero;
use zkml_field::{Fe, Modulus};

/// An affine point, or the identity, with coordinates in the field of `M`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine<M: Modulus> {
    x: Fe<M>,
    y: Fe<M>,
    infinity: bool,
}

impl<M: Modulus> Affine<M> {
    /// The point `(x, y)`, or the identity if `infinity` (coordinates not checked).
    pub(crate) fn new(x: Fe<M>, y: Fe<M>, infinity: bool) -> Self {
        Self { x, y, infinity }
    }

    /// The same point as arkworks' (its coordinates are converted, not checked; the curve must
    /// have `a = 0`).
    pub(crate) fn from_ark<P: SWCurveConfig<BaseField = M::Ark>>(p: &ArkAffine<P>) -> Self {
        debug_assert!(P::COEFF_A.is_zero());
        match p.xy() {
            Some((x, y)) => Self {
                x: Fe::from_ark(&x),
                y: Fe::from_ark(&y),
                infinity: false,
            },
            None => Self {
                x: Fe::ZERO,
                y: Fe::ZERO,
                infinity: true,
            },
        }
    }

    /// `−P`.
    pub(crate) fn neg(&self) -> Self {
        Self {
            y: self.y.neg(),
            ..*self
        }
    }

    /// `(x, y, infinity)`.
    pub(crate) fn parts(&self) -> (Fe<M>, Fe<M>, bool) {
        (self.x, self.y, self.infinity)
    }

    /// `k·P` for the integer `k` given as little-endian 64-bit words: signed 4-bit window digits
    /// over a table of `P, 2P, …, 8P`, so about 4 doublings and one addition per 4 bits of `k`
    /// (its leading zero words cost nothing).
    pub(crate) fn mul(&self, k: &[u64]) -> Jacobian<M> {
        let bits = k
            .iter()
            .rposition(|&w| w != 0)
            .map_or(0, |i| 64 * i as u32 + 64 - k[i].leading_zeros());
        if bits == 0 || self.infinity {
            return Jacobian::IDENTITY;
        }
        let mut table = [Jacobian::IDENTITY; 8];
        table[0] = Jacobian::IDENTITY.add_affine(self);
        table[1] = table[0].double();
        for j in 2..8 {
            table[j] = table[j - 1].add_affine(self);
        }
        let digits = signed_digits(k, 4, bits.div_ceil(4) + 1);
        let mut acc = Jacobian::IDENTITY;
        for &d in digits.iter().rev() {
            for _ in 0..4 {
                acc = acc.double();
            }
            if d > 0 {
                acc = acc.add(&table[d as usize - 1]);
            } else if d < 0 {
                acc = acc.add(&table[(-d) as usize - 1].neg());
            }
        }
        acc
    }
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian<M: Modulus> {
    x: Fe<M>,
    y: Fe<M>,
    z: Fe<M>,
}

impl<M: Modulus> Jacobian<M> {
    /// The identity.
    pub(crate) const IDENTITY: Self = Self {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// Whether this is the identity.
    pub(crate) fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    /// `−P`.
    pub(crate) fn neg(&self) -> Self {
        Self {
            y: self.y.neg(),
            ..*self
        }
    }

    /// `2P` (`dbl-2009-l`: 2 multiplications and 5 squarings).
    pub(crate) fn double(&self) -> Self {
        if self.is_identity() {
            return *self;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        let d = self.x.add(&b).square().sub(&a).sub(&c).double();
        let e = a.double().add(&a);
        let f = e.square();
        let x3 = f.sub(&d.double());
        let c8 = c.double().double().double();
        let y3 = e.mul(&d.sub(&x3)).sub(&c8);
        let z3 = self.y.mul(&self.z).double();
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q` for an affine `Q` (`madd-2007-bl`: 7 multiplications and 4 squarings), with the
    /// cases the formula excludes (either operand the identity, `Q = ±P`) handled apart.
    pub(crate) fn add_affine(&self, q: &Affine<M>) -> Self {
        if q.infinity {
            return *self;
        }
        if self.is_identity() {
            return Self {
                x: q.x,
                y: q.y,
                z: Fe::ONE,
            };
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q` (`add-2007-bl`: 11 multiplications and 5 squarings), with the excluded cases
    /// handled apart.
    pub(crate) fn add(&self, q: &Self) -> Self {
        if q.is_identity() {
            return *self;
        }
        if self.is_identity() {
            return *q;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        let z3 = self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The same point in affine coordinates (one inversion).
    pub(crate) fn to_affine(self) -> Affine<M> {
        if self.is_identity() {
            return Affine::new(Fe::ZERO, Fe::ZERO, true);
        }
        let zi = self.z.inverse();
        let zi2 = zi.square();
        Affine::new(self.x.mul(&zi2), self.y.mul(&zi2).mul(&zi), false)
    }

    /// The same point as arkworks' (whose projective form is also Jacobian).
    pub(crate) fn to_ark<P: SWCurveConfig<BaseField = M::Ark>>(self) -> Projective<P> {
        if self.is_identity() {
            return Projective::default();
        }
        Projective::new_unchecked(self.x.to_ark(), self.y.to_ark(), self.z.to_ark())
    }
}

/// The first `count` signed digits of the integer `k` (little-endian 64-bit words) in base
/// `2^c`, least significant first: each in `[−2^{c−1}, 2^{c−1}]`, with `k = Σ_w d_w·2^{cw}` when
/// `count` windows cover the bits of `k` and one more for the last carry.
pub(crate) fn signed_digits(k: &[u64], c: u32, count: u32) -> alloc::vec::Vec<i32> {
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    let mut digits = alloc::vec::Vec::with_capacity(count as usize);
    for w in 0..count {
        let bit = w * c;
        let (word, shift) = ((bit / 64) as usize, bit % 64);
        let mut v = k.get(word).map_or(0, |x| x >> shift);
        if shift + c > 64 {
            v |= k.get(word + 1).map_or(0, |x| x << (64 - shift));
        }
        let mut d = (v & ((1 << c) - 1)) as i64 + carry;
        carry = 0;
        if d > half {
            d -= 1 << c;
            carry = 1;
        }
        digits.push(d as i32);
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Fr, KernelField};
    use alloc::vec;
    use ark_ec::CurveGroup;
    use ark_ff::{AdditiveGroup, BigInteger, Field, One, PrimeField, UniformRand};
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    type K<P> = <<P as ark_ec::CurveConfig>::BaseField as KernelField>::M;

    /// The group law on both curves against arkworks: identity, `P + P`, `P − P`, `Z ≠ 1`.
    fn group_law<P: SWCurveConfig>(seed: u64)
    where
        P::BaseField: KernelField,
    {
        let mut rng = StdRng::seed_from_u64(seed);
        let g = ArkAffine::<P>::generator();
        let p = (g * P::ScalarField::rand(&mut rng)).into_affine();
        let q = (g * P::ScalarField::rand(&mut rng)).into_affine();
        let aff = |a: &ArkAffine<P>| Affine::<K<P>>::from_ark(a);
        let id = Jacobian::<K<P>>::IDENTITY;
        let (jp, jq) = (id.add_affine(&aff(&p)), id.add_affine(&aff(&q)));
        let jr = jp.double().add(&jq);
        let r = p + p + q;
        assert_eq!(jr.to_ark::<P>(), r);
        let cases = [
            (id, Projective::<P>::zero()),
            (jp, p.into()),
            (jr, r),
            (jr.add_affine(&aff(&-p)), r - p),
        ];
        let affines = [
            p,
            q,
            -p,
            ArkAffine::identity(),
            r.into_affine(),
            (-r).into_affine(),
        ];
        for (a, ark_a) in cases {
            assert_eq!(a.double().to_ark::<P>(), ark_a.double());
            assert_eq!(a.neg().to_ark::<P>(), -ark_a);
            for b in affines {
                assert_eq!(a.add_affine(&aff(&b)).to_ark::<P>(), ark_a + b);
                assert_eq!(a.add(&id.add_affine(&aff(&b))).to_ark::<P>(), ark_a + b);
            }
            for (b, ark_b) in cases {
                assert_eq!(a.add(&b).to_ark::<P>(), ark_a + ark_b, "P + Q");
            }
            assert_eq!(a.add(&a).to_ark::<P>(), ark_a.double());
            assert!(a.add(&a.neg()).is_identity());
        }
        assert!(id.double().is_identity());
    }

    /// `k·P` against arkworks for random and edge scalars (0, ±1, 2, 2^128 − 1, p − 1 = −1) and
    /// the identity.
    fn scalar_mul<P: SWCurveConfig>(seed: u64)
    where
        P::BaseField: KernelField,
    {
        let mut rng = StdRng::seed_from_u64(seed);
        let g = ArkAffine::<P>::generator();
        let p = (g * P::ScalarField::rand(&mut rng)).into_affine();
        let one = P::ScalarField::one();
        let mut scalars = vec![
            P::ScalarField::zero(),
            one,
            -one,
            one.double(),
            P::ScalarField::from(u128::MAX),
            P::ScalarField::from(u128::MAX) + one,
            P::ScalarField::from(8u64),
            P::ScalarField::from(9u64),
            -P::ScalarField::from(8u64),
        ];
        scalars.extend((0..20).map(|_| P::ScalarField::rand(&mut rng)));
        // 128-bit scalars, like the fold challenges.
        scalars.extend((0..10).map(|_| P::ScalarField::from(u128::rand(&mut rng))));
        for base in [p, g, ArkAffine::identity()] {
            let kb = Affine::<K<P>>::from_ark(&base);
            for k in &scalars {
                let big = k.into_bigint();
                assert_eq!(kb.mul(big.as_ref()).to_ark::<P>(), base * *k, "k = {k}");
            }
        }
        // The whole group order through the words: (p − 1)·P = −P, and a raw 256-bit integer.
        let minus_one = (-one).into_bigint();
        assert_eq!(
            Affine::<K<P>>::from_ark(&p)
                .mul(minus_one.as_ref())
                .to_ark::<P>(),
            -p
        );
        let all_ones = [u64::MAX; 4];
        assert_eq!(
            Affine::<K<P>>::from_ark(&p).mul(&all_ones).to_ark::<P>(),
            p.mul_bigint(all_ones)
        );
    }

    #[test]
    fn group_law_matches_arkworks() {
        group_law::<ark_bn254::g1::Config>(7);
        group_law::<ark_grumpkin::GrumpkinConfig>(8);
    }

    #[test]
    fn scalar_mul_matches_arkworks() {
        scalar_mul::<ark_bn254::g1::Config>(9);
        scalar_mul::<ark_grumpkin::GrumpkinConfig>(10);
    }

    #[test]
    fn signed_digits_recompose() {
        let mut rng = StdRng::seed_from_u64(9);
        let mut scalars = vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64).pow([253])];
        scalars.extend((0..20).map(|_| Fr::rand(&mut rng)));
        for c in 1..=10 {
            for s in &scalars {
                let k = s.into_bigint();
                let bits = k.num_bits();
                let digits = signed_digits(k.as_ref(), c, bits.div_ceil(c) + 1);
                let half = 1i32 << (c - 1);
                assert!(digits.iter().all(|d| (-half..=half).contains(d)));
                let mut v = Fr::zero();
                for d in digits.iter().rev() {
                    v = v * Fr::from(1u64 << c)
                        + Fr::from(d.unsigned_abs()) * if *d < 0 { -Fr::one() } else { Fr::one() };
                }
                assert_eq!(v, *s, "c = {c}");
            }
        }
        assert_eq!(signed_digits(&[0; 4], 4, 64), vec![0; 64]);
    }
}

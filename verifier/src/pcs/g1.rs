//! BN254 G1 in the field kernel's form, and the small MSMs of the HyperKZG reduction (SPEC §8.12).
//!
//! Points are kept in Jacobian coordinates `(X, Y, Z)` standing for `(X/Z², Y/Z³)` (the identity
//! has `Z = 0`) over `Fe<Bn254Fq>`; the curve is `y² = x³ + 3` (`a = 0`). [`msm`] is Pippenger
//! with signed window digits and running-sum bucket reduction; the window width minimises a
//! count of kernel multiplications for the number of points (4 bits for the 37-point MSM).

use crate::error::VerifyError;
use alloc::vec;
use alloc::vec::Vec;
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use zkml_field::{Bn254Fq, Fe};

/// A coordinate: an element of BN254's base field in the kernel's form.
type Coord = Fe<Bn254Fq>;

/// An affine point, or the identity.
#[derive(Clone, Copy, Debug)]
struct Affine {
    x: Coord,
    y: Coord,
    infinity: bool,
}

impl Affine {
    /// The same point as arkworks' (its coordinates are converted, not checked).
    fn from_ark(p: &G1Affine) -> Self {
        match p.xy() {
            Some((x, y)) => Self {
                x: Coord::from_ark(&x),
                y: Coord::from_ark(&y),
                infinity: false,
            },
            None => Self {
                x: Coord::ZERO,
                y: Coord::ZERO,
                infinity: true,
            },
        }
    }

    /// `−P`.
    fn neg(&self) -> Self {
        Self {
            y: self.y.neg(),
            ..*self
        }
    }
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
struct Jacobian {
    x: Coord,
    y: Coord,
    z: Coord,
}

impl Jacobian {
    /// The identity.
    const IDENTITY: Self = Self {
        x: Coord::ONE,
        y: Coord::ONE,
        z: Coord::ZERO,
    };

    /// Whether this is the identity.
    fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    /// `2P` (`dbl-2009-l`: 2 multiplications and 5 squarings).
    fn double(&self) -> Self {
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
    fn add_affine(&self, q: &Affine) -> Self {
        if q.infinity {
            return *self;
        }
        if self.is_identity() {
            return Self {
                x: q.x,
                y: q.y,
                z: Coord::ONE,
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
    fn add(&self, q: &Self) -> Self {
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

    /// The same point as arkworks' (whose projective form is also Jacobian).
    fn to_ark(self) -> G1Projective {
        if self.is_identity() {
            return G1Projective::default();
        }
        G1Projective::new_unchecked(self.x.to_ark(), self.y.to_ark(), self.z.to_ark())
    }
}

/// Bits of a scalar (`r < 2^254`).
const SCALAR_BITS: u32 = 254;
/// Kernel multiplications (squarings counted as one) of a mixed addition, an addition and a
/// doubling: the window width's cost model.
const MIXED_ADD: u64 = 11;
/// See [`MIXED_ADD`].
const ADD: u64 = 16;
/// See [`MIXED_ADD`].
const DOUBLE: u64 = 7;

/// Windows of width `c` in a signed-digit recoding of a [`SCALAR_BITS`]-bit scalar (one more
/// for the last carry).
fn windows(c: u32) -> u32 {
    SCALAR_BITS / c + 1
}

/// The window width with the fewest multiplications for `n` points: per window `n` mixed
/// additions, a running sum over `2^{c−1}` buckets (two additions each) and `c` doublings.
fn window_width(n: usize) -> u32 {
    let cost = |c: u32| {
        u64::from(windows(c)) * (n as u64 * MIXED_ADD + (1 << c) * ADD + u64::from(c) * DOUBLE)
    };
    (1..=10).min_by_key(|&c| cost(c)).unwrap_or(1)
}

/// The signed digits of `k` in base `2^c`, least significant first: each in `[−2^{c−1}, 2^{c−1}]`
/// with `k = Σ_w d_w·2^{cw}`.
fn signed_digits(k: &[u64; 4], c: u32) -> Vec<i32> {
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    let mut digits = Vec::with_capacity(windows(c) as usize);
    for w in 0..windows(c) {
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

/// `Σ_i scalars_i·bases_i` in the kernel's arithmetic. The slices must have equal length.
pub(crate) fn msm(bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, VerifyError> {
    if bases.len() != scalars.len() {
        return Err(VerifyError::Malformed("hyperkzg: msm lengths"));
    }
    let c = window_width(bases.len());
    let points: Vec<Affine> = bases.iter().map(Affine::from_ark).collect();
    let digits: Vec<Vec<i32>> = scalars
        .iter()
        .map(|s| signed_digits(&s.into_bigint().0, c))
        .collect();
    let mut buckets = vec![Jacobian::IDENTITY; 1 << (c - 1)];
    let mut acc = Jacobian::IDENTITY;
    for w in (0..windows(c) as usize).rev() {
        for _ in 0..c {
            acc = acc.double();
        }
        buckets.fill(Jacobian::IDENTITY);
        for (p, d) in points.iter().zip(&digits) {
            let d = d[w];
            if d > 0 {
                let b = &mut buckets[d as usize - 1];
                *b = b.add_affine(p);
            } else if d < 0 {
                let b = &mut buckets[(-d) as usize - 1];
                *b = b.add_affine(&p.neg());
            }
        }
        // Σ_j (j + 1)·B_j as a running sum from the top bucket down.
        let (mut run, mut sum) = (Jacobian::IDENTITY, Jacobian::IDENTITY);
        for b in buckets.iter().rev() {
            run = run.add(b);
            sum = sum.add(&run);
        }
        acc = acc.add(&sum);
    }
    Ok(acc.to_ark())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::{AdditiveGroup, BigInt, Field, One, UniformRand, Zero};
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    fn random_points(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
        (0..n)
            .map(|_| (G1Affine::generator() * Fr::rand(rng)).into_affine())
            .collect()
    }

    #[test]
    fn group_law_matches_arkworks() {
        let mut rng = StdRng::seed_from_u64(7);
        let pts = random_points(&mut rng, 4);
        let (p, q) = (pts[0], pts[1]);
        let jp = Jacobian::IDENTITY.add_affine(&Affine::from_ark(&p));
        let jq = Jacobian::IDENTITY.add_affine(&Affine::from_ark(&q));
        let id = Jacobian::IDENTITY;
        let o = G1Projective::zero();
        // A Jacobian point with Z ≠ 1.
        let jr = jp.double().add(&jq);
        let r = p + p + q;
        assert_eq!(jr.to_ark(), r);
        let cases: [(Jacobian, G1Projective); 4] = [
            (id, o),
            (jp, p.into()),
            (jr, r),
            (jr.add_affine(&Affine::from_ark(&-p)), r - p),
        ];
        let affines = [
            p,
            q,
            -p,
            G1Affine::identity(),
            r.into_affine(),
            (-r).into_affine(),
        ];
        for (a, ark_a) in cases {
            assert_eq!(a.double().to_ark(), ark_a.double());
            for b in affines {
                assert_eq!(a.add_affine(&Affine::from_ark(&b)).to_ark(), ark_a + b);
                let jb = id.add_affine(&Affine::from_ark(&b));
                assert_eq!(a.add(&jb).to_ark(), ark_a + b);
            }
            for (b, ark_b) in cases {
                assert_eq!(a.add(&b).to_ark(), ark_a + ark_b, "P + Q");
            }
            // P + P and P − P through both additions, with a Jacobian operand of Z ≠ 1.
            let neg = Jacobian { y: a.y.neg(), ..a };
            assert_eq!(a.add(&a).to_ark(), ark_a.double());
            assert!(a.add(&neg).is_identity());
        }
        assert!(id.double().is_identity());
    }

    #[test]
    fn signed_digits_recompose() {
        let mut rng = StdRng::seed_from_u64(9);
        let mut scalars = vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64).pow([253])];
        scalars.extend((0..20).map(|_| Fr::rand(&mut rng)));
        for c in 1..=10 {
            for s in &scalars {
                let k = s.into_bigint().0;
                let digits = signed_digits(&k, c);
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
        assert_eq!(signed_digits(&BigInt::<4>::zero().0, 4), vec![0; 64]);
    }

    #[test]
    fn msm_matches_arkworks() {
        let mut rng = StdRng::seed_from_u64(11);
        for n in [0usize, 1, 3, 4, 37, 40] {
            let mut bases = random_points(&mut rng, n);
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            if n >= 4 {
                // Edge cases: the identity, a repeated point, a point and its negation, scalars
                // 0, 1, −1.
                bases[0] = G1Affine::identity();
                bases[2] = bases[1];
                bases[3] = -bases[1];
                scalars[1] = Fr::zero();
                scalars[2] = Fr::one();
                scalars[3] = -Fr::one();
            }
            let expected = G1Projective::msm(&bases, &scalars).unwrap();
            assert_eq!(msm(&bases, &scalars).unwrap(), expected, "n = {n}");
        }
        // Equal scalars on P and −P cancel; the same point with the same scalar doubles.
        let g = G1Affine::generator();
        let k = Fr::from(123456789u64);
        assert!(msm(&[g, -g], &[k, k]).unwrap().is_zero());
        assert_eq!(msm(&[g, g], &[k, k]).unwrap(), g * (k + k));
        assert!(msm(&[g], &[]).is_err());
        assert_eq!(window_width(37), 4);
    }
}

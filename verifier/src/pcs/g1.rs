//! BN254 G1 in the field kernel's form, and the small MSMs of the HyperKZG reduction (SPEC §8.12).
//!
//! Points are kept in Jacobian coordinates over `Fe<Bn254Fq>` ([`crate::jacobian`]); the curve is
//! `y² = x³ + 3` (`a = 0`). [`msm`] is Pippenger
//! with signed window digits and running-sum bucket reduction; the window width minimises a
//! count of kernel multiplications for the number of points (4 bits for the 37-point MSM).

use crate::error::VerifyError;
use crate::jacobian::signed_digits;
use alloc::vec;
use alloc::vec::Vec;
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::PrimeField;
use zkml_field::Bn254Fq;

/// An affine point of G1 in the kernel's form.
type Affine = crate::jacobian::Affine<Bn254Fq>;
/// A G1 point in Jacobian coordinates in the kernel's form.
type Jacobian = crate::jacobian::Jacobian<Bn254Fq>;

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

/// `Σ_i scalars_i·bases_i` in the kernel's arithmetic. The slices must have equal length.
pub(crate) fn msm(bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, VerifyError> {
    if bases.len() != scalars.len() {
        return Err(VerifyError::Malformed("hyperkzg: msm lengths"));
    }
    let c = window_width(bases.len());
    let points: Vec<Affine> = bases.iter().map(Affine::from_ark).collect();
    let digits: Vec<Vec<i32>> = scalars
        .iter()
        .map(|s| signed_digits(&s.into_bigint().0, c, windows(c)))
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
    Ok(acc.to_ark::<ark_bn254::g1::Config>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
    use ark_ff::{One, UniformRand, Zero};
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    fn random_points(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
        (0..n)
            .map(|_| (G1Affine::generator() * Fr::rand(rng)).into_affine())
            .collect()
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

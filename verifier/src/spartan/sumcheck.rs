//! Sum-check verification with compressed round polynomials (SPEC §6.1).
//!
//! A round polynomial is sent as `[c0, c2, c3, …]` (its linear coefficient omitted); the verifier
//! restores `c1` from the running claim `e` so that `p(0) + p(1) = e` holds by construction, absorbs
//! the compressed coefficients under label `"p"`, squeezes the round challenge under `"c"` and moves
//! to the claim `p(r_i)`.

use crate::error::VerifyError;
use crate::transcript::{Repr, Transcript};
use alloc::vec::Vec;
use ark_ff::PrimeField;

/// Verifies a sum-check of `rounds` rounds with round polynomials of degree at most `degree`
/// starting from `claim`. Returns the final claim and the challenges `r` (one per round); the
/// caller checks the final claim against its own evaluation at `r`.
pub fn verify<F: PrimeField + Repr>(
    claim: F,
    rounds: usize,
    degree: usize,
    polys: &[Vec<F>],
    t: &mut Transcript<F>,
) -> Result<(F, Vec<F>), VerifyError> {
    if polys.len() != rounds {
        return Err(VerifyError::Malformed("sum-check: wrong number of rounds"));
    }
    let mut e = claim;
    let mut r = Vec::with_capacity(rounds);
    for p in polys {
        if p.is_empty() || p.len() > degree {
            return Err(VerifyError::Malformed(
                "sum-check: bad round polynomial length",
            ));
        }
        // c1 = e − 2·c0 − Σ_{i≥2} c_i
        let c0 = p[0];
        let rest: F = p[1..].iter().copied().sum();
        let c1 = e - c0.double() - rest;
        t.absorb(b"p", p.as_slice());
        let ri = t.squeeze(b"c");
        // Horner over [c0, c1, c2, …].
        let mut acc = F::zero();
        for &c in p[1..].iter().rev() {
            acc = acc * ri + c;
        }
        e = (acc * ri + c1) * ri + c0;
        r.push(ri);
    }
    Ok((e, r))
}

/// Verifies a batched sum-check: the claims `claims_i` over `num_rounds_i` variables are combined
/// as `Σ_i claims_i·2^{n_max − n_i}·coeffs_i` and checked as one sum-check of `n_max` rounds.
pub fn verify_batch<F: PrimeField + Repr>(
    claims: &[F],
    num_rounds: &[usize],
    coeffs: &[F],
    degree: usize,
    polys: &[Vec<F>],
    t: &mut Transcript<F>,
) -> Result<(F, Vec<F>), VerifyError> {
    if claims.len() != num_rounds.len() || claims.len() != coeffs.len() {
        return Err(VerifyError::Malformed("sum-check batch: length mismatch"));
    }
    let n_max = num_rounds.iter().copied().max().unwrap_or(0);
    let mut claim = F::zero();
    for ((&c, &n), &k) in claims.iter().zip(num_rounds).zip(coeffs) {
        let mut scaled = c * k;
        for _ in n..n_max {
            scaled.double_in_place();
        }
        claim += scaled;
    }
    verify(claim, n_max, degree, polys, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spartan::polys::{eq, eq_table};
    use ark_bn254::Fq;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    /// Honest prover for Σ_x eq(tau, x)·f(x)·g(x) (degree 3 per round), producing compressed polys.
    fn prove_cubic(tau: &[Fq], f: &[Fq], g: &[Fq], t: &mut Transcript<Fq>) -> Vec<Vec<Fq>> {
        let mut e = eq_table(tau);
        let (mut f, mut g) = (f.to_vec(), g.to_vec());
        let mut polys = Vec::new();
        while e.len() > 1 {
            let half = e.len() / 2;
            // Evaluate the round polynomial at 0, 1, 2, 3 (the top variable is the current MSB).
            let mut ev = [Fq::from(0u64); 4];
            for i in 0..half {
                for (k, evk) in ev.iter_mut().enumerate() {
                    let x = Fq::from(k as u64);
                    let lerp = |v: &[Fq]| v[i] + x * (v[i + half] - v[i]);
                    *evk += lerp(&e) * lerp(&f) * lerp(&g);
                }
            }
            // Interpolate coefficients of the cubic through (0..3, ev).
            let coeffs = interpolate4(&ev);
            let compressed = vec_compress(&coeffs);
            t.absorb(b"p", compressed.as_slice());
            let r = t.squeeze(b"c");
            for v in [&mut e, &mut f, &mut g] {
                for i in 0..half {
                    v[i] = v[i] + r * (v[i + half] - v[i]);
                }
                v.truncate(half);
            }
            polys.push(compressed);
        }
        polys
    }

    fn vec_compress(c: &[Fq]) -> Vec<Fq> {
        let mut out = vec![c[0]];
        out.extend_from_slice(&c[2..]);
        out
    }

    fn interpolate4(y: &[Fq; 4]) -> Vec<Fq> {
        // Newton forward differences at x = 0, 1, 2, 3.
        let d1 = [y[1] - y[0], y[2] - y[1], y[3] - y[2]];
        let d2 = [d1[1] - d1[0], d1[2] - d1[1]];
        let d3 = d2[1] - d2[0];
        let inv2 = Fq::from(2u64).inverse().unwrap();
        let inv6 = Fq::from(6u64).inverse().unwrap();
        // p(x) = y0 + d1_0·x + d2_0·x(x−1)/2 + d3·x(x−1)(x−2)/6
        let a = d2[0] * inv2;
        let b = d3 * inv6;
        // x(x−1) = x² − x; x(x−1)(x−2) = x³ − 3x² + 2x
        vec![y[0], d1[0] - a + b.double(), a - b * Fq::from(3u64), b]
    }

    use alloc::vec;
    use ark_ff::{AdditiveGroup, Field};

    #[test]
    fn honest_cubic_sumcheck_verifies() {
        let mut rng = test_rng();
        let n = 4;
        let tau: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
        let f: Vec<Fq> = (0..16).map(|_| Fq::rand(&mut rng)).collect();
        let g: Vec<Fq> = (0..16).map(|_| Fq::rand(&mut rng)).collect();
        let et = eq_table(&tau);
        let claim: Fq = (0..16).map(|i| et[i] * f[i] * g[i]).sum();
        let mut tp = Transcript::<Fq>::new(b"test");
        let polys = prove_cubic(&tau, &f, &g, &mut tp);
        let mut tv = Transcript::<Fq>::new(b"test");
        let (e, r) = verify(claim, n, 3, &polys, &mut tv).unwrap();
        // Final claim = eq(tau, r)·f̃(r)·g̃(r).
        let er = eq_table(&r);
        let fr: Fq = f.iter().zip(&er).map(|(a, b)| *a * b).sum();
        let gr: Fq = g.iter().zip(&er).map(|(a, b)| *a * b).sum();
        assert_eq!(e, eq(&tau, &r) * fr * gr);
        // Transcripts agree afterwards.
        assert_eq!(tp.squeeze(b"z"), tv.squeeze(b"z"));

        // Batch with a single claim and coefficient 1 is the same sum-check.
        let mut tb = Transcript::<Fq>::new(b"test");
        let (eb, rb) = verify_batch(&[claim], &[n], &[Fq::from(1u64)], 3, &polys, &mut tb).unwrap();
        assert_eq!((eb, rb), (e, r.clone()));

        // Negative: tampered coefficient, wrong claim, wrong lengths.
        let mut bad = polys.clone();
        bad[2][1] += Fq::from(1u64);
        let (e2, r2) = verify(claim, n, 3, &bad, &mut Transcript::new(b"test")).unwrap();
        assert!(e2 != eq(&tau, &r2) * fr * gr || r2 != r);
        let (e3, _) = verify(
            claim + Fq::from(1u64),
            n,
            3,
            &polys,
            &mut Transcript::new(b"test"),
        )
        .unwrap();
        assert_ne!(e3, e);
        assert_eq!(
            verify(claim, n, 2, &polys, &mut Transcript::new(b"test")),
            Err(VerifyError::Malformed(
                "sum-check: bad round polynomial length"
            ))
        );
        assert!(verify(claim, n + 1, 3, &polys, &mut Transcript::new(b"test")).is_err());
        let mut empty = polys.clone();
        empty[0].clear();
        assert!(verify(claim, n, 3, &empty, &mut Transcript::new(b"test")).is_err());
        assert!(verify_batch(&[claim], &[n, n], &[Fq::from(1u64)], 3, &polys, &mut tb).is_err());
    }

    #[test]
    fn batch_scales_shorter_claims() {
        // Two claims with n = (2, 3): claim_0 is scaled by 2^{3−2}.
        let mut rng = test_rng();
        let (a, b, k0, k1) = (
            Fq::rand(&mut rng),
            Fq::rand(&mut rng),
            Fq::rand(&mut rng),
            Fq::rand(&mut rng),
        );
        let polys: Vec<Vec<Fq>> = (0..3).map(|_| vec![Fq::rand(&mut rng)]).collect();
        let expected_claim = a * k0 * Fq::from(2u64) + b * k1;
        let x = verify_batch(
            &[a, b],
            &[2, 3],
            &[k0, k1],
            2,
            &polys,
            &mut Transcript::new(b"b"),
        )
        .unwrap();
        let y = verify(expected_claim, 3, 2, &polys, &mut Transcript::new(b"b")).unwrap();
        assert_eq!(x, y);
    }
}

//! Small multilinear polynomials that the Spartan verifiers evaluate (SPEC §6.2).
//!
//! Index convention: for a point `r` of length `ℓ`, variable `r_0` is the most significant bit of a
//! table index (`eq_table(r)[i] = Π_j (bit_{ℓ−1−j}(i) ? r_j : 1 − r_j)`).

use alloc::vec;
use alloc::vec::Vec;
use ark_ff::PrimeField;
use zkml_field::{Fe, Modulus};

/// `eq(a, b) = Π_j (a_j·b_j + (1 − a_j)(1 − b_j))`. The slices must have equal length
/// (callers pass challenge vectors whose lengths the verifier fixed itself).
pub fn eq<F: PrimeField>(a: &[F], b: &[F]) -> F {
    debug_assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(F::one(), |acc, (&x, &y)| {
        // x·y + (1 − x)(1 − y) = 1 − x − y + 2xy
        let xy = x * y;
        acc * (F::one() - x - y + xy.double())
    })
}

/// The table of `eq(r, bits(i))` for all `i < 2^ℓ`, `r_0` the most significant bit (one
/// multiplication per entry and level, `≈ 2^{ℓ+1}` in total). Tests only: the verifier builds its
/// tables with [`eq_table_fe`].
#[cfg(test)]
pub fn eq_table<F: PrimeField>(r: &[F]) -> Vec<F> {
    let mut t = vec![F::zero(); 1usize << r.len()];
    t[0] = F::one();
    let mut len = 1usize;
    for &rj in r {
        // Expand in place from the top so that entry i becomes entries 2i (bit 0) and 2i + 1 (bit 1).
        for i in (0..len).rev() {
            let hi = t[i] * rj;
            t[2 * i + 1] = hi;
            t[2 * i] = t[i] - hi;
        }
        len *= 2;
    }
    t
}

/// [`eq_table`] in the field kernel's form (the matrix claim's tables): per entry and level one
/// kernel multiplication and one subtraction, written in place limb by limb.
pub fn eq_table_fe<M: Modulus>(r: &[M::Ark]) -> Vec<Fe<M>> {
    let mut t = vec![Fe::<M>::ZERO; 1usize << r.len()];
    t[0] = Fe::ONE;
    let mut len = 1usize;
    for rj in r {
        let rj = Fe::<M>::from_ark(rj);
        for i in (0..len).rev() {
            let hi = t[i].mul(&rj);
            let lo = t[i].sub(&hi);
            t[2 * i + 1].set(&hi);
            t[2 * i].set(&lo);
        }
        len *= 2;
    }
    t
}

/// `eq_table(r)[i]`, computed directly with `ℓ` multiplications. Bits of `i` above `ℓ` are ignored.
pub fn eq_idx<F: PrimeField>(i: usize, r: &[F]) -> F {
    let l = r.len();
    r.iter().enumerate().fold(F::one(), |acc, (j, &rj)| {
        let bit = (i >> (l - 1 - j)) & 1 == 1;
        acc * if bit { rj } else { F::one() - rj }
    })
}

/// Evaluation at `r` of the sparse multilinear polynomial whose first `z.len()` table entries are `z`
/// and the rest zero: `Σ_i z_i·eq_idx(i, r)`. Requires `z.len() ≤ 2^{len r}` (extra entries ignored).
pub fn sparse_eval<F: PrimeField>(z: &[F], r: &[F]) -> F {
    let n = if r.len() < usize::BITS as usize {
        z.len().min(1usize << r.len())
    } else {
        z.len()
    };
    z[..n]
        .iter()
        .enumerate()
        .filter(|(_, zi)| !zi.is_zero())
        .map(|(i, &zi)| zi * eq_idx(i, r))
        .sum()
}

/// The identity polynomial `Σ_j r_j·2^{ℓ−1−j}` (the multilinear extension of `i ↦ i`).
pub fn identity_eval<F: PrimeField>(r: &[F]) -> F {
    r.iter().fold(F::zero(), |acc, &rj| acc.double() + rj)
}

/// The masked eq polynomial `MaskedEq(r, m)` at `x`: with `s = len(r) − m`,
/// `(eq(r[..s], x[..s]) − Π_{j<s}(1 − r_j)(1 − x_j)) · eq(r[s..], x[s..])`.
/// Requires `len(x) == len(r)` and `m ≤ len(r)`; returns `None` otherwise.
pub fn masked_eq_eval<F: PrimeField>(r: &[F], m: usize, x: &[F]) -> Option<F> {
    if x.len() != r.len() || m > r.len() {
        return None;
    }
    let s = r.len() - m;
    let zero_prefix = r[..s].iter().zip(&x[..s]).fold(F::one(), |acc, (&a, &b)| {
        acc * (F::one() - a) * (F::one() - b)
    });
    Some((eq(&r[..s], &x[..s]) - zero_prefix) * eq(&r[s..], &x[s..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    fn rand_vec(n: usize) -> Vec<Fr> {
        let mut rng = test_rng();
        (0..n).map(|_| Fr::rand(&mut rng)).collect()
    }

    fn bits(i: usize, l: usize) -> Vec<Fr> {
        (0..l)
            .map(|j| Fr::from(((i >> (l - 1 - j)) & 1) as u64))
            .collect()
    }

    #[test]
    fn eq_table_matches_eq_and_eq_idx() {
        let r = rand_vec(5);
        let t = eq_table(&r);
        assert_eq!(t.len(), 32);
        for (i, ti) in t.iter().enumerate() {
            assert_eq!(*ti, eq(&r, &bits(i, 5)));
            assert_eq!(*ti, eq_idx(i, &r));
        }
        // r_0 is the most significant bit: index 16 selects r_0.
        let prod: Fr = r[1..].iter().map(|x| Fr::from(1u64) - x).product();
        assert_eq!(t[16], r[0] * prod);
        assert_eq!(t.iter().copied().sum::<Fr>(), Fr::from(1u64));
        assert_eq!(eq_table::<Fr>(&[]), vec![Fr::from(1u64)]);
    }

    #[test]
    fn kernel_eq_table_matches() {
        for n in [0usize, 1, 2, 7] {
            let r = rand_vec(n);
            let kernel: Vec<Fr> = eq_table_fe::<zkml_field::Bn254Fr>(&r)
                .iter()
                .map(|x| x.to_ark())
                .collect();
            assert_eq!(kernel, eq_table(&r));
        }
    }

    #[test]
    fn eq_is_symmetric_multilinear_extension() {
        let a = rand_vec(4);
        let b: Vec<Fr> = rand_vec(8)[4..].to_vec();
        assert_eq!(eq(&a, &b), eq(&b, &a));
        // Σ_i eq_table(a)[i]·eq_table(b)[i] = eq(a, b).
        let s: Fr = eq_table(&a)
            .iter()
            .zip(eq_table(&b))
            .map(|(x, y)| *x * y)
            .sum();
        assert_eq!(s, eq(&a, &b));
    }

    #[test]
    fn sparse_eval_matches_dense_and_closed_form() {
        let r = rand_vec(6);
        let z = rand_vec(3);
        let t = eq_table(&r);
        let dense: Fr = z.iter().zip(&t).map(|(a, b)| *a * b).sum();
        assert_eq!(sparse_eval(&z, &r), dense);
        // SPEC §6.2 closed form for Z = [u, X0, X1].
        let m = r.len();
        let one = Fr::from(1u64);
        let pre: Fr = r[..m - 2].iter().map(|x| one - x).product();
        let closed = pre
            * (z[0] * (one - r[m - 2]) * (one - r[m - 1])
                + z[1] * (one - r[m - 2]) * r[m - 1]
                + z[2] * r[m - 2] * (one - r[m - 1]));
        assert_eq!(sparse_eval(&z, &r), closed);
    }

    #[test]
    fn identity_is_index_extension() {
        let r = rand_vec(5);
        let dense: Fr = eq_table(&r)
            .iter()
            .enumerate()
            .map(|(i, e)| Fr::from(i as u64) * e)
            .sum();
        assert_eq!(identity_eval(&r), dense);
        assert_eq!(identity_eval(&bits(13, 5)), Fr::from(13u64));
    }

    #[test]
    fn masked_eq_matches_definition() {
        let r = rand_vec(6);
        let x: Vec<Fr> = rand_vec(12)[6..].to_vec();
        // Dense: Σ_i eq_table(r)[i]·eq_table(x)[i] over indices whose top s bits are not all zero.
        let (n, m) = (6usize, 4usize);
        let s = n - m;
        let (tr, tx) = (eq_table(&r), eq_table(&x));
        let dense: Fr = (0..1usize << n)
            .filter(|i| i >> m != 0)
            .map(|i| tr[i] * tx[i])
            .sum();
        assert_eq!(masked_eq_eval(&r, m, &x), Some(dense));
        assert_eq!(s, 2);
        assert_eq!(masked_eq_eval(&r, 7, &x), None);
        assert_eq!(masked_eq_eval(&r, 2, &x[1..]), None);
        // m = len(r): empty prefix, eq(∅) − Π(∅) = 0.
        assert_eq!(masked_eq_eval(&r, 6, &x), Some(Fr::from(0u64)));
    }
}

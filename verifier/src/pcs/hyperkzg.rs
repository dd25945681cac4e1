//! HyperKZG opening verification on BN254 (SPEC §8 step 12).
//!
//! The prover claims that the multilinear polynomial committed in `C` evaluates to `y` at the point
//! `x` (ℓ variables). It sends the commitments `com` of the ℓ − 1 folded polynomials, their
//! evaluations `v` at `(ξ, −ξ, ξ²)` and three KZG witnesses `w`; the verifier checks the folding
//! consistency of `v` in the field and one batched KZG equation with a 2-pair pairing.
//!
//! `C` is passed as an unevaluated linear combination of points so that the caller's batching MSM
//! (SPEC §8.11) merges into the MSM of `L` (SPEC §9): `C` itself is never absorbed.

use crate::codec::{read_point, read_scalar, read_vec, write_point, write_scalar, write_vec};
use crate::error::VerifyError;
use crate::pcs::g1::msm;
use crate::transcript::Transcript;
use alloc::vec::Vec;
use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::CurveGroup;
use ark_ec::pairing::Pairing;
use ark_ff::{AdditiveGroup, Field, One, Zero};
use parity_scale_codec::{Decode, Encode, Error as CodecError, Input, Output};

/// The HyperKZG verifier key: the G1 generator `G`, the G2 generator `H` and `τ·H`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KzgKey {
    /// `G`, the first G1 point of the setup.
    pub g: G1Affine,
    /// `H`, the G2 generator of the setup.
    pub h: G2Affine,
    /// `τ·H`.
    pub tau_h: G2Affine,
}

/// A HyperKZG evaluation argument (nova's `EvaluationArgument`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationArgument {
    /// Commitments to the ℓ − 1 folded polynomials.
    pub com: Vec<G1Affine>,
    /// The KZG witnesses for the points `ξ`, `−ξ`, `ξ²`.
    pub w: [G1Affine; 3],
    /// For each of the ℓ polynomials its evaluations at `ξ`, `−ξ`, `ξ²`.
    pub v: Vec<[Fr; 3]>,
}

/// The commitment being opened, as the unevaluated sum `Σ_i coeffs_i·bases_i`.
#[derive(Clone, Copy, Debug)]
pub struct Combination<'a> {
    /// The points.
    pub bases: &'a [G1Affine],
    /// Their coefficients (same length as `bases`).
    pub coeffs: &'a [Fr],
}

/// The two G1 points of the final pairing equation `e(L, H) = e(R, τ·H)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairingInputs {
    /// `L` (SPEC §8.12 step 7).
    pub l: G1Affine,
    /// `R = W_0 + d0·W_1 + d0²·W_2`.
    pub r: G1Affine,
}

/// Runs the transcript and the field checks of the opening and computes the pairing inputs
/// `L`, `R` (everything except the pairing, SPEC §8.12 steps 1–7).
pub fn reduce(
    key: &KzgKey,
    t: &mut Transcript<Fr>,
    comm: Combination<'_>,
    x: &[Fr],
    y: Fr,
    arg: &EvaluationArgument,
) -> Result<PairingInputs, VerifyError> {
    let ell = x.len();
    if ell == 0 || arg.v.len() != ell || arg.com.len() != ell - 1 {
        return Err(VerifyError::Malformed(
            "hyperkzg: wrong number of commitments or evaluations",
        ));
    }
    if comm.bases.len() != comm.coeffs.len() {
        return Err(VerifyError::Malformed(
            "hyperkzg: combination lengths differ",
        ));
    }

    t.absorb(b"c", arg.com.as_slice());
    let xi = t.squeeze(b"c");

    // Folding consistency: 2ξ·Y_{i+1} = ξ·(1 − a)·(v⁺ + v⁻) + a·(v⁺ − v⁻), a = x[ℓ−1−i].
    let two_xi = xi.double();
    for (i, row) in arg.v.iter().enumerate() {
        let next = arg.v.get(i + 1).map_or(y, |n| n[2]);
        let a = x[ell - 1 - i];
        let (pos, neg) = (row[0], row[1]);
        if two_xi * next != xi * (Fr::one() - a) * (pos + neg) + a * (pos - neg) {
            return Err(VerifyError::Check(
                "primary: hyperkzg evaluation consistency",
            ));
        }
    }

    let flat: Vec<Fr> = arg.v.iter().flatten().copied().collect();
    t.absorb(b"v", flat.as_slice());
    let q = t.squeeze(b"r");
    t.absorb(b"W", &arg.w[..]);
    let d0 = t.squeeze(b"d");
    let d1 = d0.square();

    // B_k = Σ_i q^i·v[i][k] (Horner from the last row).
    let mut b = [Fr::zero(); 3];
    for row in arg.v.iter().rev() {
        for (bk, vk) in b.iter_mut().zip(row) {
            *bk = *bk * q + vk;
        }
    }

    // L = Σ_i (1 + d0 + d1)·q^i·P_i + ξ·W_0 − ξ·d0·W_1 + ξ²·d1·W_2 − (B_0 + d0·B_1 + d1·B_2)·G,
    // with P_0 = C expanded into its combination and P_i = com_{i−1}.
    let n = comm.bases.len() + arg.com.len() + 4;
    let mut bases = Vec::with_capacity(n);
    let mut scalars = Vec::with_capacity(n);
    let mult = Fr::one() + d0 + d1;
    bases.extend_from_slice(comm.bases);
    scalars.extend(comm.coeffs.iter().map(|c| *c * mult));
    let mut qi = mult;
    for p in &arg.com {
        qi *= q;
        bases.push(*p);
        scalars.push(qi);
    }
    bases.extend_from_slice(&arg.w);
    scalars.extend([xi, -(xi * d0), xi.square() * d1]);
    bases.push(key.g);
    scalars.push(-(b[0] + d0 * b[1] + d1 * b[2]));
    let l = msm(&bases, &scalars)?;
    let r = msm(&arg.w, &[Fr::one(), d0, d1])?;
    Ok(PairingInputs {
        l: l.into_affine(),
        r: r.into_affine(),
    })
}

/// Checks `e(L, H) = e(R, τ·H)` as `e(L, H)·e(−R, τ·H) = 1`.
pub fn pairing_check(key: &KzgKey, inputs: &PairingInputs) -> Result<(), VerifyError> {
    let out = Bn254::multi_pairing([inputs.l, -inputs.r], [key.h, key.tau_h]);
    if out.is_zero() {
        Ok(())
    } else {
        Err(VerifyError::Check("primary: hyperkzg pairing"))
    }
}

impl Encode for EvaluationArgument {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        write_vec(&self.com, out, write_point);
        self.w.iter().for_each(|p| write_point(p, out));
        write_vec(&self.v, out, |row, o| {
            row.iter().for_each(|x| write_scalar(x, o))
        });
    }
}

impl Decode for EvaluationArgument {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        let com = read_vec(input, read_point)?;
        let w = [read_point(input)?, read_point(input)?, read_point(input)?];
        let v = read_vec(input, |i| {
            Ok([read_scalar(i)?, read_scalar(i)?, read_scalar(i)?])
        })?;
        Ok(Self { com, w, v })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{INTER1, INTER3, model_key, point};
    use ark_bn254::g1::Config as G1Config;

    fn key() -> KzgKey {
        model_key().primary.kzg
    }

    #[test]
    fn pairing_accepts_fixture_and_rejects_others() {
        let key = key();
        for text in [INTER3, INTER1] {
            let inputs = PairingInputs {
                l: point::<G1Config>(text, "KZG.L"),
                r: point::<G1Config>(text, "KZG.R"),
            };
            assert_eq!(pairing_check(&key, &inputs), Ok(()));
            let swapped = PairingInputs {
                l: inputs.r,
                r: inputs.l,
            };
            assert!(pairing_check(&key, &swapped).is_err());
            let moved = PairingInputs {
                l: (inputs.l + key.g).into_affine(),
                r: inputs.r,
            };
            assert!(pairing_check(&key, &moved).is_err());
        }
        // The trivial equation e(O, H) = e(O, τH) holds: soundness rests on L, R being bound by the transcript.
        let o = G1Affine::identity();
        assert_eq!(pairing_check(&key, &PairingInputs { l: o, r: o }), Ok(()));
    }

    #[test]
    fn malformed_inputs() {
        let key = key();
        let arg = EvaluationArgument {
            com: Vec::new(),
            w: [key.g; 3],
            v: alloc::vec![[Fr::one(); 3]],
        };
        let mut t = Transcript::new(b"t");
        let bases = [key.g];
        // ℓ = 0 and mismatched combination lengths are rejected before any arithmetic.
        let comm = Combination {
            bases: &bases,
            coeffs: &[],
        };
        assert!(reduce(&key, &mut t, comm, &[], Fr::one(), &arg).is_err());
        assert!(reduce(&key, &mut t, comm, &[Fr::one()], Fr::one(), &arg).is_err());
        // SCALE round trip of an argument.
        let bytes = arg.encode();
        assert_eq!(bytes.len(), 1 + 3 * 65 + 1 + 96);
        assert_eq!(EvaluationArgument::decode(&mut &bytes[..]), Ok(arg));
    }
}

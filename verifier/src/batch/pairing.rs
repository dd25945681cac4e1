//! The batch's pairing check (SPEC §15): the batched proofs' deferred HyperKZG equations
//! `e(L_k, H) = e(R_k, τ·H)` combined with coefficients `ρ_0 = 1, ρ_k` (128 bits, Fiat–Shamir over
//! all the `L_k, R_k`) into one: `e(Σ ρ_k·L_k, H) = e(Σ ρ_k·R_k, τ·H)`, one two-pair pairing.

use crate::error::VerifyError;
use crate::field::{Fr, G1};
use crate::pcs::g1::msm;
use crate::pcs::hyperkzg::{KzgKey, PairingInputs, pairing_check};
use crate::transcript::Transcript;
use alloc::vec::Vec;
use ark_ec::CurveGroup;
use ark_ff::{BigInt, PrimeField};

/// Work of one 128-bit G1 scalar multiplication (double-and-add, about 2,000 multiplications),
/// with a margin: a bound of each proof's share of the two MSMs (on the field kernel) that
/// combine the inputs.
pub(crate) const G1_MUL_UNITS: u64 = 2_500;
/// Work of a two-pair pairing (1.51e11 gas, `cargo run --release -p zkml-gas-bench`), with a
/// margin.
pub(crate) const PAIRING_CHECK_UNITS: u64 = 66_000;

/// Work of the combined check of `n` proofs: `2n` scalar multiplications and one pairing.
pub(crate) fn combined_units(n: usize) -> u64 {
    PAIRING_CHECK_UNITS + 2 * n as u64 * G1_MUL_UNITS
}

/// The coefficients `ρ_0 = 1, ρ_1..ρ_{n−1}` for the pairing inputs `inputs`, as 128-bit
/// integers (two little-endian limbs): each `ρ_k` is the low 128 bits of a Keccak challenge
/// drawn after absorbing every input.
fn coefficients(inputs: &[&PairingInputs]) -> Vec<[u64; 2]> {
    let mut t = Transcript::<Fr>::new(b"zkml-batch-pairing");
    t.absorb(b"n", &Fr::from(inputs.len() as u64));
    for input in inputs {
        t.absorb(b"L", &input.l);
        t.absorb(b"R", &input.r);
    }
    let mut rho = Vec::with_capacity(inputs.len());
    rho.push([1, 0]);
    for _ in 1..inputs.len() {
        let limbs = t.squeeze(b"rho").into_bigint();
        let limbs = limbs.as_ref();
        rho.push([limbs[0], limbs[1]]);
    }
    rho
}

/// Checks the pairing equations of `inputs` together (one pairing). `Ok` means that, except with
/// probability about 2^-128 per attempt of the prover (SPEC §15), every one of them holds.
pub(crate) fn combined_check(key: &KzgKey, inputs: &[&PairingInputs]) -> Result<(), VerifyError> {
    let rho: Vec<Fr> = coefficients(inputs)
        .iter()
        .map(|&[lo, hi]| Fr::from_bigint(BigInt([lo, hi, 0, 0])).unwrap_or_default())
        .collect();
    let ls: Vec<G1> = inputs.iter().map(|input| input.l).collect();
    let rs: Vec<G1> = inputs.iter().map(|input| input.r).collect();
    pairing_check(
        key,
        &PairingInputs {
            l: msm(&ls, &rho)?.into_affine(),
            r: msm(&rs, &rho)?.into_affine(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G2Affine;
    use ark_ec::AffineRepr;
    use ark_ff::UniformRand;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    /// A key with a known τ, and inputs that satisfy `e(L, H) = e(R, τ·H)` (`L = τ·R`).
    fn key_and_inputs(n: usize) -> (KzgKey, Vec<PairingInputs>) {
        let mut rng = StdRng::seed_from_u64(3);
        let tau = Fr::rand(&mut rng);
        let h = G2Affine::generator();
        let key = KzgKey {
            g: G1::generator(),
            h,
            tau_h: (h * tau).into_affine(),
        };
        let inputs = (0..n)
            .map(|_| {
                let r = (G1::generator() * Fr::rand(&mut rng)).into_affine();
                PairingInputs {
                    l: (r * tau).into_affine(),
                    r,
                }
            })
            .collect();
        (key, inputs)
    }

    #[test]
    fn valid_equations_pass_together_and_one_bad_fails_the_batch() {
        let (key, mut inputs) = key_and_inputs(4);
        let refs: Vec<&PairingInputs> = inputs.iter().collect();
        assert_eq!(combined_check(&key, &refs), Ok(()));
        for bad in 0..4 {
            let saved = inputs[bad];
            inputs[bad].l = (inputs[bad].l + G1::generator()).into_affine();
            let refs: Vec<&PairingInputs> = inputs.iter().collect();
            assert!(combined_check(&key, &refs).is_err(), "{bad}");
            inputs[bad] = saved;
        }
        // Two bad equations that cancel in a plain sum do not cancel with the coefficients.
        let g = G1::generator();
        inputs[1].l = (inputs[1].l + g).into_affine();
        inputs[2].l = (inputs[2].l - g).into_affine();
        let refs: Vec<&PairingInputs> = inputs.iter().collect();
        assert!(combined_check(&key, &refs).is_err());
    }

    #[test]
    fn coefficients_depend_on_every_input() {
        let (_, mut inputs) = key_and_inputs(3);
        let refs: Vec<&PairingInputs> = inputs.iter().collect();
        let rho = coefficients(&refs);
        assert_eq!(rho[0], [1, 0]);
        assert_ne!(rho[1], rho[2]);
        inputs[2].r = inputs[0].r;
        let refs: Vec<&PairingInputs> = inputs.iter().collect();
        let changed = coefficients(&refs);
        assert_ne!(rho[1], changed[1]);
    }
}

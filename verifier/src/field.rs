//! Fields, curves and their canonical encodings (SPEC §0, §14).
//!
//! `Fr` is the BN254 scalar field and the Grumpkin base field; `Fq` is the BN254 base field and the Grumpkin
//! scalar field. ark-grumpkin 0.5 reuses `ark_bn254`'s field types, so no conversion between crates is needed.

use crate::error::VerifyError;
use ark_ec::{
    AffineRepr,
    short_weierstrass::{Affine, SWCurveConfig},
};
use ark_ff::{PrimeField, Zero};

pub use ark_bn254::{Fq, Fr};

/// An ark-ff field with its twin in the field kernel (`zkml-field`).
pub trait KernelField: PrimeField {
    /// The kernel's modulus of this field.
    type M: zkml_field::Modulus<Ark = Self>;
}

impl KernelField for Fr {
    type M = zkml_field::Bn254Fr;
}

impl KernelField for Fq {
    type M = zkml_field::Bn254Fq;
}

/// A BN254 G1 point (HyperKZG commitments; coordinates in `Fq`).
pub type G1 = ark_bn254::G1Affine;

/// A Grumpkin point (Pedersen commitments; coordinates in `Fr`).
pub type Grumpkin = ark_grumpkin::Affine;

/// `LE32(x)`: the 32-byte little-endian encoding of the canonical integer of `x`.
pub fn le32<F: PrimeField>(x: &F) -> [u8; 32] {
    let mut out = [0u8; 32];
    let big = x.into_bigint();
    for (chunk, limb) in out.chunks_exact_mut(8).zip(big.as_ref()) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

/// Decodes `LE32(x)`, rejecting integers `>= p` with [`VerifyError::NonCanonical`].
pub fn from_le32_canonical<F: PrimeField>(bytes: &[u8; 32]) -> Result<F, VerifyError> {
    let mut big = F::BigInt::default();
    let limbs = big.as_mut();
    if limbs.len() != 4 {
        return Err(VerifyError::Unsupported("field of other than 256 bits"));
    }
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    F::from_bigint(big).ok_or(VerifyError::NonCanonical)
}

/// Field switch (SPEC §0): `int(x) mod p_target`. Fr→Fq keeps the integer; Fq→Fr may reduce it.
pub fn switch<F1: PrimeField, F2: PrimeField>(x: &F1) -> F2 {
    F2::from_le_bytes_mod_order(&le32(x))
}

/// `int(x) mod 2^bits` as a field element (`bits <= 256`): the truncation of the RO outputs (SPEC §4.1) and
/// of vk digests (§6.4).
pub fn truncate<F: PrimeField>(x: &F, bits: usize) -> F {
    F::from_le_bytes_mod_order(&truncate_le(le32(x), bits))
}

/// Clears every bit at position `>= bits` of a little-endian 256-bit integer.
pub fn truncate_le(mut bytes: [u8; 32], bits: usize) -> [u8; 32] {
    for (i, byte) in bytes.iter_mut().enumerate() {
        let low = i * 8;
        if low >= bits {
            *byte = 0;
        } else if bits - low < 8 {
            *byte &= (1u8 << (bits - low)) - 1;
        }
    }
    bytes
}

/// The coordinates `(x, y, infinity)` nova hashes for a point: the identity is `(0, 0, true)` (SPEC §0).
pub fn coords<P: SWCurveConfig>(point: &Affine<P>) -> (P::BaseField, P::BaseField, bool) {
    match point.xy() {
        Some((x, y)) => (x, y, false),
        None => (P::BaseField::zero(), P::BaseField::zero(), true),
    }
}

/// A point from affine coordinates and an identity flag. The identity must be given as `(0, 0, true)`; any
/// other point must satisfy the curve equation. Both curves used here have cofactor 1, so being on the curve
/// implies being in the prime-order group.
pub fn point_from_coords<P: SWCurveConfig>(
    x: P::BaseField,
    y: P::BaseField,
    infinity: bool,
) -> Result<Affine<P>, VerifyError> {
    if infinity {
        return if x.is_zero() && y.is_zero() {
            Ok(Affine::identity())
        } else {
            Err(VerifyError::Malformed(
                "identity point with non-zero coordinates",
            ))
        };
    }
    let point = Affine::new_unchecked(x, y);
    if point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve() {
        Ok(point)
    } else {
        Err(VerifyError::NotOnCurve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::{Field, One};

    const P_R_LE: [u8; 32] = {
        // p_r = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
        let be: [u8; 32] = [
            0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81,
            0x58, 0x5d, 0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93,
            0xf0, 0x00, 0x00, 0x01,
        ];
        let mut le = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            le[i] = be[31 - i];
            i += 1;
        }
        le
    };

    #[test]
    fn le32_round_trip() {
        for x in [
            Fr::zero(),
            Fr::one(),
            -Fr::one(),
            Fr::from(123456789u64).inverse().unwrap(),
        ] {
            assert_eq!(from_le32_canonical::<Fr>(&le32(&x)).unwrap(), x);
        }
        let y = -Fq::from(5u64);
        assert_eq!(from_le32_canonical::<Fq>(&le32(&y)).unwrap(), y);
        assert_eq!(le32(&Fr::from(0x0102u64))[..3], [2, 1, 0]);
    }

    #[test]
    fn non_canonical_rejected() {
        assert_eq!(
            from_le32_canonical::<Fr>(&P_R_LE),
            Err(VerifyError::NonCanonical)
        );
        assert_eq!(
            from_le32_canonical::<Fr>(&[0xff; 32]),
            Err(VerifyError::NonCanonical)
        );
        // p_r is canonical in Fq (p_r < p_q) and switches to 0 in Fr.
        let x: Fq = from_le32_canonical(&P_R_LE).unwrap();
        assert_eq!(switch::<Fq, Fr>(&x), Fr::zero());
        assert_eq!(switch::<Fq, Fr>(&(x + Fq::from(7u64))), Fr::from(7u64));
        assert_eq!(switch::<Fr, Fq>(&-Fr::one()), x - Fq::one());
    }

    #[test]
    fn truncation() {
        let x = -Fr::one();
        let t128 = le32(&truncate(&x, 128));
        assert_eq!(t128[..16], le32(&x)[..16]);
        assert_eq!(t128[16..], [0u8; 16]);
        let t250 = le32(&truncate(&x, 250));
        assert_eq!(t250[31], le32(&x)[31] & 0x03);
        assert_eq!(t250[..31], le32(&x)[..31]);
    }

    #[test]
    fn points() {
        let g = G1::generator();
        let (x, y, inf) = coords(&g);
        assert!(!inf);
        assert_eq!(
            point_from_coords::<ark_bn254::g1::Config>(
                from_le32_canonical(&le32(&x)).unwrap(),
                from_le32_canonical(&le32(&y)).unwrap(),
                false
            )
            .unwrap(),
            g
        );
        let o = G1::identity();
        assert_eq!(coords(&o), (Fq::zero(), Fq::zero(), true));
        assert_eq!(point_from_coords(Fq::zero(), Fq::zero(), true), Ok(o));
        assert!(point_from_coords::<ark_bn254::g1::Config>(Fq::one(), Fq::zero(), true).is_err());
        assert_eq!(
            point_from_coords::<ark_bn254::g1::Config>(x, y + Fq::one(), false),
            Err(VerifyError::NotOnCurve)
        );
        let h = (Grumpkin::generator() * Fq::from(3u64)).into_affine();
        let (hx, hy, _) = coords(&h);
        assert_eq!(point_from_coords(hx, hy, false), Ok(h));
        assert_eq!(
            point_from_coords::<ark_grumpkin::GrumpkinConfig>(hx, -hy + Fr::one(), false),
            Err(VerifyError::NotOnCurve)
        );
        assert_eq!(
            point_from_coords::<ark_grumpkin::GrumpkinConfig>(Fr::zero(), Fr::zero(), false),
            Err(VerifyError::NotOnCurve)
        );
    }
}

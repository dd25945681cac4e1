//! halo2curves' compressed point encodings, as nova's bincode writes them: `LE32(x)` with flags in
//! the last byte (0x80: `y` is odd, for G2 `y.c0`; 0x40: the identity). Decoding takes a square
//! root per point, which the program never does: the wire format carries uncompressed points.

use crate::error::VerifyError;
use crate::field::{G1, from_le32_canonical, point_from_coords};
use crate::pcs::hyperkzg::KzgKey;
use crate::spartan::ppsnark::PrimaryKey;
use crate::spartan::ppsnark::key::NOVA_KEY_LEN;
use ark_bn254::{Fq2, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInteger, PrimeField, Zero};

/// Splits the flags off the last byte: `(bytes without flags, y is odd, identity)`.
fn split_flags<const N: usize>(bytes: &[u8; N]) -> ([u8; N], bool, bool) {
    let mut b = *bytes;
    let flags = b[N - 1];
    b[N - 1] &= 0x3f;
    (b, flags & 0x80 != 0, flags & 0x40 != 0)
}

/// Decodes a compressed point of a curve `y² = x³ + b` (BN254 G1 or Grumpkin). Rejects what
/// halo2curves rejects: a non-canonical `x`, flags that do not fit, an `x` with no point.
///
/// # Errors
/// [`VerifyError::NonCanonical`], [`VerifyError::NotOnCurve`] or [`VerifyError::Malformed`].
pub fn decompress<P: SWCurveConfig>(bytes: &[u8; 32]) -> Result<Affine<P>, VerifyError>
where
    P::BaseField: PrimeField,
{
    let (b, odd, identity) = split_flags(bytes);
    let x: P::BaseField = from_le32_canonical(&b)?;
    if identity {
        return if x.is_zero() && !odd {
            Ok(Affine::identity())
        } else {
            Err(VerifyError::Malformed("nova bytes: bad identity encoding"))
        };
    }
    if x.is_zero() {
        return Err(VerifyError::Malformed(
            "nova bytes: zero x without identity flag",
        ));
    }
    let (y, minus_y) = Affine::<P>::get_ys_from_x_unchecked(x).ok_or(VerifyError::NotOnCurve)?;
    let y = if y.into_bigint().is_odd() == odd {
        y
    } else {
        minus_y
    };
    if y.into_bigint().is_odd() != odd {
        return Err(VerifyError::NotOnCurve);
    }
    point_from_coords(x, y, false)
}

/// Decodes a compressed G2 point `LE32(x.c0) ‖ LE32(x.c1)`; the identity is rejected and the point
/// must lie in the prime-order subgroup.
fn decompress_g2(bytes: &[u8; 64]) -> Result<G2Affine, VerifyError> {
    let (b, odd, identity) = split_flags(bytes);
    if identity {
        return Err(VerifyError::Malformed("primary key: G2 identity"));
    }
    let mut c = [[0u8; 32]; 2];
    c[0].copy_from_slice(&b[..32]);
    c[1].copy_from_slice(&b[32..]);
    let x = Fq2::new(from_le32_canonical(&c[0])?, from_le32_canonical(&c[1])?);
    if x.is_zero() {
        return Err(VerifyError::NotOnCurve);
    }
    let (y0, y1) = G2Affine::get_ys_from_x_unchecked(x).ok_or(VerifyError::NotOnCurve)?;
    let y = if y0.c0.into_bigint().is_odd() == odd {
        y0
    } else {
        y1
    };
    let p = G2Affine::new_unchecked(x, y);
    if p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err(VerifyError::NotOnCurve)
    }
}

/// Decodes nova's 408 primary key bytes (`num_cons ‖ num_vars ‖ G ‖ H ‖ τH ‖ N ‖ S_comm`, SPEC §10)
/// and computes the digest from them.
///
/// # Errors
/// Non-canonical coordinates, bad flags, points not on the curve or (G2) not in the subgroup, and
/// inconsistent sizes.
pub fn primary_key(bytes: &[u8; NOVA_KEY_LEN]) -> Result<PrimaryKey, VerifyError> {
    let u64_at = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(b)
    };
    let g1_at = |i: usize| {
        let mut b = [0u8; 32];
        b.copy_from_slice(&bytes[i..i + 32]);
        decompress(&b)
    };
    let g2_at = |i: usize| {
        let mut b = [0u8; 64];
        b.copy_from_slice(&bytes[i..i + 64]);
        decompress_g2(&b)
    };
    let kzg = KzgKey {
        g: g1_at(16)?,
        h: g2_at(48)?,
        tau_h: g2_at(112)?,
    };
    let mut s_comm = [G1::identity(); 7];
    for (i, p) in s_comm.iter_mut().enumerate() {
        *p = g1_at(184 + 32 * i)?;
    }
    let key = PrimaryKey::new(u64_at(0), u64_at(8), u64_at(176), kzg, s_comm)?;
    // Compression is injective on valid points, so this only guards the encoder against drift.
    if key.nova_bytes() != *bytes {
        return Err(VerifyError::Malformed(
            "primary key: non-canonical point encoding",
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::data::nova_key_bytes;

    fn key() -> PrimaryKey {
        primary_key(&nova_key_bytes()).unwrap()
    }

    #[test]
    fn nova_key_bytes_validation() {
        let good = nova_key_bytes();
        let bad = |i: usize, f: &dyn Fn(&mut u8)| {
            let mut b = good;
            f(&mut b[i]);
            primary_key(&b)
        };
        // Sign flags select the other root: the digest input changes, the key is still valid.
        assert!(bad(16 + 31, &|b| *b ^= 0x80).is_ok());
        assert_ne!(bad(16 + 31, &|b| *b ^= 0x80).unwrap().digest, key().digest);
        // x not on the curve (G1 and G2), identity flag on a non-zero x, non-canonical x, bad size.
        let off_curve = (0u8..=255)
            .find(|d| bad(184, &|b| *b = b.wrapping_add(*d)).is_err())
            .expect("some x is off the curve");
        assert_eq!(
            bad(184, &|b| *b = b.wrapping_add(off_curve)),
            Err(VerifyError::NotOnCurve)
        );
        assert!(bad(48 + 1, &|b| *b ^= 1).is_err());
        assert!(bad(16 + 31, &|b| *b |= 0x40).is_err());
        assert!(bad(112 + 63, &|b| *b |= 0x40).is_err());
        let mut b = good;
        b[16..48].fill(0xff);
        b[47] = 0x3f;
        assert_eq!(primary_key(&b), Err(VerifyError::NonCanonical));
        assert!(bad(0, &|b| *b = 3).is_err());
        // An identity S_comm point decodes (nova accepts it) and round-trips.
        let mut b = good;
        b[184..216].fill(0);
        b[215] = 0x40;
        let k = primary_key(&b).unwrap();
        assert_eq!(k.s_comm[0], G1::identity());
        assert_eq!(k.nova_bytes(), b);
    }
}

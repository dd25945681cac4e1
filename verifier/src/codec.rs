//! SCALE helpers for field elements, points and vectors in the conventions of our wire format: a
//! leaf module (it uses only [`crate::field`] and [`crate::error`]), shared by every type that
//! has a wire encoding.
//!
//! * a scalar is `LE32(x)`, 32 bytes, and must be canonical (`< p`);
//! * a point (G1 or Grumpkin) is 65 bytes `LE32(x) ‖ LE32(y) ‖ [identity]`, uncompressed affine,
//!   identity = 64 zero bytes then `1`; decoding checks canonical coordinates and the curve
//!   equation (both curves have cofactor 1), so the program never takes a square root;
//! * a G2 point is 128 bytes `LE32(x.c0) ‖ LE32(x.c1) ‖ LE32(y.c0) ‖ LE32(y.c1)`, never the
//!   identity, checked on the curve and in the subgroup;
//! * a vector is a SCALE `Compact<u32>` length then its items; fixed-size arrays and structs have
//!   no length.

use crate::error::VerifyError;
use crate::field::{Fq, coords, from_le32_canonical, le32, point_from_coords};
use alloc::vec::Vec;
use ark_bn254::{Fq2, G2Affine};
use ark_ec::AffineRepr;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::PrimeField;
use parity_scale_codec::{Compact, Decode, Encode, Error as CodecError, Input, Output};

/// Reads exactly `N` bytes.
pub(crate) fn read_bytes<const N: usize, I: Input>(input: &mut I) -> Result<[u8; N], CodecError> {
    let mut out = [0u8; N];
    input.read(&mut out)?;
    Ok(out)
}

/// Reads a canonical `LE32` scalar.
pub(crate) fn read_scalar<F: PrimeField, I: Input>(input: &mut I) -> Result<F, CodecError> {
    from_le32_canonical(&read_bytes::<32, _>(input)?)
        .map_err(|_| CodecError::from("non-canonical field element"))
}

/// Writes `LE32(x)`.
pub(crate) fn write_scalar<F: PrimeField, O: Output + ?Sized>(x: &F, out: &mut O) {
    out.write(&le32(x));
}

/// Reads a point `LE32(x) ‖ LE32(y) ‖ [identity]`, checking canonicity and the curve equation.
pub(crate) fn read_point<P: SWCurveConfig, I: Input>(input: &mut I) -> Result<Affine<P>, CodecError>
where
    P::BaseField: PrimeField,
{
    let x = read_scalar(input)?;
    let y = read_scalar(input)?;
    let infinity = bool::decode(input)?;
    point_from_coords(x, y, infinity).map_err(|_| CodecError::from("invalid point"))
}

/// Writes a point as `LE32(x) ‖ LE32(y) ‖ [identity]` (the transcript encoding).
pub(crate) fn write_point<P: SWCurveConfig, O: Output + ?Sized>(p: &Affine<P>, out: &mut O)
where
    P::BaseField: PrimeField,
{
    let (x, y, infinity) = coords(p);
    write_scalar(&x, out);
    write_scalar(&y, out);
    infinity.encode_to(out);
}

/// Reads a G2 point `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`: not the identity, on the curve, in the subgroup.
pub(crate) fn read_g2<I: Input>(input: &mut I) -> Result<G2Affine, CodecError> {
    let c: [Fq; 4] = [
        read_scalar(input)?,
        read_scalar(input)?,
        read_scalar(input)?,
        read_scalar(input)?,
    ];
    let p = G2Affine::new_unchecked(Fq2::new(c[0], c[1]), Fq2::new(c[2], c[3]));
    if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err("invalid G2 point".into())
    }
}

/// Writes a non-identity G2 point as `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`.
pub(crate) fn write_g2<O: Output + ?Sized>(p: &G2Affine, out: &mut O) {
    let (x, y) = p.xy().unwrap_or_default();
    for c in [x.c0, x.c1, y.c0, y.c1] {
        write_scalar(&c, out);
    }
}

/// Reads a vector, allocating only as items arrive (a forged length cannot exhaust memory).
pub(crate) fn read_vec<T, I: Input>(
    input: &mut I,
    mut item: impl FnMut(&mut I) -> Result<T, CodecError>,
) -> Result<Vec<T>, CodecError> {
    let n = Compact::<u32>::decode(input)?.0 as usize;
    let mut v = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        v.push(item(input)?);
    }
    Ok(v)
}

/// Writes a vector.
pub(crate) fn write_vec<T, O: Output + ?Sized>(
    v: &[T],
    out: &mut O,
    mut item: impl FnMut(&T, &mut O),
) {
    Compact(v.len() as u32).encode_to(out);
    v.iter().for_each(|x| item(x, out));
}

/// Reads a sum-check proof: a vector of compressed round polynomials.
pub(crate) fn read_sumcheck<F: PrimeField, I: Input>(
    input: &mut I,
) -> Result<Vec<Vec<F>>, CodecError> {
    read_vec(input, |i| read_vec(i, read_scalar))
}

/// Writes a sum-check proof.
pub(crate) fn write_sumcheck<F: PrimeField, O: Output + ?Sized>(polys: &[Vec<F>], out: &mut O) {
    write_vec(polys, out, |p, o| write_vec(p, o, write_scalar));
}

/// Decodes a whole byte string: fails on any decoding error or trailing byte.
///
/// # Errors
/// [`VerifyError::Malformed`] if the bytes do not decode as a `T` or have bytes left over.
pub fn decode_all<T: Decode>(mut bytes: &[u8]) -> Result<T, VerifyError> {
    let value = T::decode(&mut bytes).map_err(|_| VerifyError::Malformed("does not decode"))?;
    if bytes.is_empty() {
        Ok(value)
    } else {
        Err(VerifyError::Malformed("trailing bytes"))
    }
}

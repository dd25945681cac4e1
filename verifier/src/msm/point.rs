//! Grumpkin points in the field kernel's form: affine coordinates as `Fe<Bn254Fr>` (36 bytes
//! each), the form the MSM adds in and keeps its bases and buckets in.

use crate::field::Grumpkin;
use crate::jacobian::{Affine, Jacobian};
use ark_ec::AffineRepr;
use parity_scale_codec::{Error as CodecError, Input, Output};
use zkml_field::{Bn254Fr, Fe};

/// A coordinate: an element of Grumpkin's base field (BN254's `r`) in the kernel's form.
pub(crate) type Coord = Fe<Bn254Fr>;

/// An affine Grumpkin point, or the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Point {
    /// `x` (zero for the identity).
    pub(crate) x: Coord,
    /// `y` (zero for the identity).
    pub(crate) y: Coord,
    /// Whether this is the identity.
    pub(crate) infinity: bool,
}

impl Point {
    /// The identity.
    pub(crate) const IDENTITY: Self = Self {
        x: Coord::ZERO,
        y: Coord::ZERO,
        infinity: true,
    };

    /// The point `(x, y)` (not checked to be on the curve).
    pub(crate) fn new(x: Coord, y: Coord) -> Self {
        Self {
            x,
            y,
            infinity: false,
        }
    }

    /// The same point as arkworks' type.
    pub(crate) fn from_ark(p: &Grumpkin) -> Self {
        match p.xy() {
            Some((x, y)) => Self::new(Coord::from_ark(&x), Coord::from_ark(&y)),
            None => Self::IDENTITY,
        }
    }

    /// The affine point of the kernel's Jacobian arithmetic.
    pub(crate) fn from_jacobian(p: &Jacobian<Bn254Fr>) -> Self {
        let (x, y, infinity) = p.to_affine().parts();
        Self { x, y, infinity }
    }

    /// The same point for the kernel's Jacobian arithmetic.
    pub(crate) fn jacobian(&self) -> Affine<Bn254Fr> {
        Affine::new(self.x, self.y, self.infinity)
    }

    /// The same point in arkworks' type.
    #[cfg(test)]
    pub(crate) fn to_ark(self) -> Grumpkin {
        if self.infinity {
            Grumpkin::identity()
        } else {
            Grumpkin::new_unchecked(self.x.to_ark(), self.y.to_ark())
        }
    }

    /// Reads a point in the table encoding ([`Point::encode_table`]); not checked to be on the
    /// curve.
    pub(crate) fn decode_table<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        let mut bytes = [0u8; 72];
        input.read(&mut bytes)?;
        let coord = |b: &[u8]| -> Result<Coord, CodecError> {
            let mut limbs = [0u32; 9];
            for (l, c) in limbs.iter_mut().zip(b.chunks_exact(4)) {
                *l = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
            Coord::from_montgomery(limbs).ok_or_else(|| "non-canonical table coordinate".into())
        };
        let (x, y) = (coord(&bytes[..36])?, coord(&bytes[36..])?);
        Ok(if x.is_zero() && y.is_zero() {
            Self::IDENTITY
        } else {
            Self::new(x, y)
        })
    }

    /// Writes the point in the table encoding: `x`, then `y`, each as the nine limbs of its
    /// canonical Montgomery form in little-endian `u32`s (72 bytes, no multiplication to read);
    /// `(0, 0)`, which is not on the curve, for the identity.
    pub(crate) fn encode_table<O: Output + ?Sized>(&self, out: &mut O) {
        for l in self.x.to_montgomery().iter().chain(&self.y.to_montgomery()) {
            out.write(&l.to_le_bytes());
        }
    }

    /// `self ← ±q`, written coordinate by coordinate in place (a moved `Point` is copied with a
    /// `memcpy` call, which costs about as much as a multiplication in a Gear program).
    pub(crate) fn set(&mut self, q: &Point, neg: bool) {
        self.x.set(&q.x);
        if neg {
            q.y.neg_into(&mut self.y);
        } else {
            self.y.set(&q.y);
        }
        self.infinity = q.infinity;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use ark_ec::CurveGroup;

    #[test]
    fn table_encoding_round_trips_and_refuses_non_canonical_limbs() {
        let g = Grumpkin::generator();
        for p in [
            g,
            (g * crate::field::Fq::from(99u64)).into_affine(),
            Grumpkin::identity(),
        ] {
            let mut bytes = Vec::new();
            Point::from_ark(&p).encode_table(&mut bytes);
            assert_eq!(bytes.len(), 72);
            let back = Point::decode_table(&mut &bytes[..]).unwrap();
            assert_eq!(back.to_ark(), p);
            assert_eq!(back, Point::from_ark(&p));
        }
        let mut bytes = Vec::new();
        Point::from_ark(&g).encode_table(&mut bytes);
        // A limb of 2^29, a y of all ones (above p), a truncated point.
        let mut wide = bytes.clone();
        wide[3] = 0x20;
        assert!(Point::decode_table(&mut &wide[..]).is_err());
        let mut big = bytes.clone();
        for c in big[36..].chunks_exact_mut(4) {
            c.copy_from_slice(&((1u32 << 29) - 1).to_le_bytes());
        }
        assert!(Point::decode_table(&mut &big[..]).is_err());
        assert!(Point::decode_table(&mut &bytes[..71]).is_err());
    }
}

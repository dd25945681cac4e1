//! Grumpkin points in the field kernel's form: affine coordinates as `Fe<Bn254Fr>` (36 bytes
//! each), the form the MSM adds in and keeps its bases and buckets in.

use crate::field::Grumpkin;
use crate::jacobian::{Affine, Jacobian};
use alloc::vec::Vec;
use ark_ec::AffineRepr;
use parity_scale_codec::{Compact, Decode, Encode, Error as CodecError, Input, Output};
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

    /// Reads a vector of points (a compact length, then each as [`Point::decode`]) into a vector
    /// with room for as many more (the GLV images), allocated once: growing a vector copies it,
    /// and copying memory is dear in a Gear program.
    pub(crate) fn decode_vec<I: Input>(input: &mut I) -> Result<Vec<Self>, CodecError> {
        let n = Compact::<u32>::decode(input)?.0 as usize;
        // A point takes 65 bytes: a length the input cannot hold allocates nothing up front.
        let fits = input.remaining_len()?.map_or(0, |r| r / 65);
        let mut points = Vec::with_capacity(2 * n.min(fits));
        let seventeen = Coord::from_u64(17);
        for _ in 0..n {
            points.push(Self::decode(input, &seventeen)?);
        }
        Ok(points)
    }

    /// Reads a point in the transcript encoding `LE32(x) ‖ LE32(y) ‖ [identity]` (as
    /// `codec::read_point`) straight into the kernel's form: canonical coordinates, the identity as
    /// `(0, 0, true)`, any other point on the curve `y² = x³ − 17` (cofactor 1); `seventeen` is
    /// the constant 17.
    fn decode<I: Input>(input: &mut I, seventeen: &Coord) -> Result<Self, CodecError> {
        let mut coord = || -> Result<Coord, CodecError> {
            let mut bytes = [0u8; 32];
            input.read(&mut bytes)?;
            Coord::from_le_bytes(&bytes).ok_or_else(|| "non-canonical coordinate".into())
        };
        let (x, y) = (coord()?, coord()?);
        let infinity = bool::decode(input)?;
        if infinity {
            return if x.is_zero() && y.is_zero() {
                Ok(Self::IDENTITY)
            } else {
                Err("identity point with non-zero coordinates".into())
            };
        }
        // y² + 17 = x³
        if y.square().add(seventeen) == x.square().mul(&x) {
            Ok(Self::new(x, y))
        } else {
            Err("invalid point".into())
        }
    }

    /// Writes the point in the transcript encoding.
    pub(crate) fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        out.write(&self.x.to_le_bytes());
        out.write(&self.y.to_le_bytes());
        self.infinity.encode_to(out);
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
    use crate::codec::{write_point, write_vec};
    use ark_ec::CurveGroup;
    use ark_ff::{One, Zero};

    fn encode(p: &Grumpkin) -> Vec<u8> {
        let mut out = Vec::new();
        write_point(p, &mut out);
        out
    }

    #[test]
    fn decoding_matches_arkworks_and_refuses_bad_points() {
        let g = Grumpkin::generator();
        for p in [
            g,
            (g * crate::field::Fq::from(12345u64)).into_affine(),
            Grumpkin::identity(),
        ] {
            let bytes = encode(&p);
            let seventeen = Coord::from_u64(17);
            let k = Point::decode(&mut &bytes[..], &seventeen).unwrap();
            assert_eq!(k.to_ark(), p);
            assert_eq!(k, Point::from_ark(&p));
            let mut back = Vec::new();
            k.encode_to(&mut back);
            assert_eq!(back, bytes);
        }
        let dec = |b: &[u8]| Point::decode(&mut &b[..], &Coord::from_u64(17));
        // A vector of them.
        let mut v = Vec::new();
        write_vec(&[g, Grumpkin::identity()], &mut v, write_point);
        let pts = Point::decode_vec(&mut &v[..]).unwrap();
        assert_eq!(pts, [Point::from_ark(&g), Point::IDENTITY]);
        // Off the curve, non-canonical x, an identity with coordinates, a truncated encoding.
        let mut off = encode(&g);
        off[32] ^= 1;
        assert!(dec(&off).is_err());
        let mut big = encode(&g);
        big[..32].copy_from_slice(&[0xff; 32]);
        assert!(dec(&big).is_err());
        let mut id = encode(&Grumpkin::identity());
        id[0] = 1;
        assert!(dec(&id).is_err());
        assert!(dec(&encode(&g)[..40]).is_err());
        // (0, 0) without the identity flag is not on the curve (−17 is not 0).
        let zero = Grumpkin::new_unchecked(crate::field::Fr::zero(), crate::field::Fr::zero());
        assert!(dec(&encode(&zero)).is_err());
        assert!(!crate::field::Fr::one().is_zero());
    }
}

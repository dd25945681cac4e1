//! Grumpkin points in the field kernel's form: affine coordinates as `Fe<Bn254Fr>` (36 bytes
//! each), the form the MSM adds in and keeps its bases and buckets in.

use crate::field::Grumpkin;
use ark_ec::AffineRepr;
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

    /// The same point in arkworks' type.
    pub(crate) fn to_ark(self) -> Grumpkin {
        if self.infinity {
            Grumpkin::identity()
        } else {
            Grumpkin::new_unchecked(self.x.to_ark(), self.y.to_ark())
        }
    }

    /// `−P`.
    pub(crate) fn neg(&self) -> Self {
        Self {
            y: self.y.neg(),
            ..*self
        }
    }
}

//! The constant secondary verifier key (nova's `snark::VerifierKey` with the IPA key) and its wire
//! encoding: the shape, the Pedersen generators, `G_c`, `h` and the digest.

use crate::codec::{read_point, read_scalar, write_point, write_scalar, write_vec};
use crate::field::{Fq, Grumpkin};
use crate::msm::{Point, glv_bases};
use crate::spartan::shape::Shape;
use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode, Input, Output};

/// The constant secondary verifier data: shape, Pedersen generators, `G_c`, `h`, the vk digest.
/// Build it with [`SecondaryKey::new`] (or decode it), which also derives the GLV bases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondaryKey {
    /// The R1CS shape (compact).
    pub shape: Shape,
    /// `ck_s.ck[0]`: the IPA inner-product generator.
    pub g_c: Grumpkin,
    /// `ck_v.h` = `dk_secondary.h`: the blinding generator (used by derandomization).
    pub h: Grumpkin,
    /// `digest_vk2`, nova's digest of this key (SPEC §6.4).
    pub digest: Fq,
    /// `gens ‖ φ(gens)`: the Pedersen generators `ck_v` followed by their endomorphism images
    /// (the bases of the GLV-split MSM), in the field kernel's form.
    pub(crate) glv_bases: Vec<Point>,
}

impl SecondaryKey {
    /// Assembles the key from nova's data (one multiplication per generator for the endomorphism
    /// images).
    pub fn new(shape: Shape, gens: Vec<Grumpkin>, g_c: Grumpkin, h: Grumpkin, digest: Fq) -> Self {
        Self::with_gens(
            shape,
            gens.iter().map(Point::from_ark).collect(),
            g_c,
            h,
            digest,
        )
    }

    fn with_gens(shape: Shape, gens: Vec<Point>, g_c: Grumpkin, h: Grumpkin, digest: Fq) -> Self {
        let glv_bases = glv_bases(gens);
        Self {
            shape,
            g_c,
            h,
            digest,
            glv_bases,
        }
    }

    /// The number of Pedersen generators `ck_v` (16,384).
    pub fn num_gens(&self) -> usize {
        self.glv_bases.len() / 2
    }

    /// The Pedersen generators `ck_v` in the kernel's form.
    pub(crate) fn gens(&self) -> &[Point] {
        &self.glv_bases[..self.num_gens()]
    }
}

impl Encode for SecondaryKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.shape.encode_to(out);
        write_vec(self.gens(), out, |p, o| p.encode_to(o));
        write_point(&self.g_c, out);
        write_point(&self.h, out);
        write_scalar(&self.digest, out);
    }
}

impl Decode for SecondaryKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(Self::with_gens(
            Shape::decode(input)?,
            Point::decode_vec(input)?,
            read_point(input)?,
            read_point(input)?,
            read_scalar(input)?,
        ))
    }
}

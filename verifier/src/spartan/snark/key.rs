//! The constant secondary verifier key (nova's `snark::VerifierKey` with the IPA key) and its wire
//! encoding: the shape, the Pedersen generators, `G_c`, `h`, the digest, then the table of the
//! generators' multiples.

use crate::codec::{read_point, read_scalar, write_point, write_scalar};
use crate::field::{Fq, Grumpkin};
use crate::msm::{FIXED_WINDOW, Point, TABLE_LAYERS};
use crate::spartan::shape::Shape;
use alloc::vec::Vec;
use ark_ec::short_weierstrass::Projective;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use parity_scale_codec::{Decode, Encode, Input, Output};

/// The constant secondary verifier data: shape, Pedersen generators, `G_c`, `h`, the vk digest,
/// and the generators' multiples for the IPA's fixed-base MSM. Build it with
/// [`SecondaryKey::new`], which computes the multiples, or decode it.
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
    /// [`TABLE_LAYERS`] layers of `n` points in the field kernel's form: layer `w` holds
    /// `2^{15·w}·G_i` for the Pedersen generators `G_i` of `ck_v` (layer 0 the generators).
    pub(crate) table: Vec<Point>,
}

impl SecondaryKey {
    /// Assembles the key from nova's data, computing the table of the generators' multiples
    /// (`15·16` doublings per generator).
    pub fn new(shape: Shape, gens: Vec<Grumpkin>, g_c: Grumpkin, h: Grumpkin, digest: Fq) -> Self {
        let mut layer: Vec<Projective<_>> = gens.iter().map(|g| g.into_group()).collect();
        let mut table = Vec::with_capacity(gens.len() * TABLE_LAYERS);
        for w in 0..TABLE_LAYERS {
            if w > 0 {
                for p in &mut layer {
                    (0..FIXED_WINDOW).for_each(|_| {
                        p.double_in_place();
                    });
                }
            }
            let affine = Projective::normalize_batch(&layer);
            table.extend(affine.iter().map(Point::from_ark));
        }
        Self {
            shape,
            g_c,
            h,
            digest,
            table,
        }
    }

    /// The number of Pedersen generators `ck_v` (16,384).
    pub fn num_gens(&self) -> usize {
        self.table.len() / TABLE_LAYERS
    }
}

/// Bytes of a point of the table ([`Point::encode_table`]).
const TABLE_POINT_LEN: usize = 72;

/// The table's points are written in the kernel's form ([`Point::encode_table`]): decoding them
/// takes no multiplication. They are not checked to be on the curve, nor to be the generators'
/// multiples, which would cost as much as computing them: like the shape, they are bound by the
/// verifier data's digest (SPEC §6.5). The table leads, so that a program can decode it as the
/// verifier data arrives ([`TableReader`]).
impl Encode for SecondaryKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        (self.table.len() as u32).encode_to(out);
        self.table.iter().for_each(|p| p.encode_table(out));
        self.shape.encode_to(out);
        write_point(&self.g_c, out);
        write_point(&self.h, out);
        write_scalar(&self.digest, out);
    }
}

impl Decode for SecondaryKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let count = u32::decode(input)? as usize;
        if !table_size_ok(count) {
            return Err(TABLE_SIZE.into());
        }
        // A count the input cannot hold allocates nothing up front.
        let fits = input.remaining_len()?.map_or(0, |r| r / TABLE_POINT_LEN);
        let mut table = Vec::with_capacity(count.min(fits));
        for _ in 0..count {
            table.push(Point::decode_table(input)?);
        }
        Ok(SecondaryHead::decode(input)?.with_table(table))
    }
}

/// Refusal of a table whose size is not [`TABLE_LAYERS`] layers of a power of two.
const TABLE_SIZE: &str = "secondary key: table size";

/// Whether `count` points make [`TABLE_LAYERS`] layers of a power of two.
fn table_size_ok(count: usize) -> bool {
    let n = count / TABLE_LAYERS;
    n.is_power_of_two() && count == n * TABLE_LAYERS
}

/// What follows the table in a [`SecondaryKey`]'s encoding.
#[derive(Clone, Debug)]
pub(crate) struct SecondaryHead {
    shape: Shape,
    g_c: Grumpkin,
    h: Grumpkin,
    digest: Fq,
}

impl SecondaryHead {
    /// Reads it.
    pub(crate) fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(Self {
            shape: Shape::decode(input)?,
            g_c: read_point(input)?,
            h: read_point(input)?,
            digest: read_scalar(input)?,
        })
    }

    /// The key with `table` (of a size [`TableReader::check`] accepts).
    pub(crate) fn with_table(self, table: Vec<Point>) -> SecondaryKey {
        let Self {
            shape,
            g_c,
            h,
            digest,
        } = self;
        SecondaryKey {
            shape,
            g_c,
            h,
            digest,
            table,
        }
    }
}

/// The table of a [`SecondaryKey`] read as its encoding arrives in pieces: the count, then the
/// points, each decoded as soon as its bytes are in.
#[derive(Clone, Debug, Default)]
pub(crate) struct TableReader {
    /// The count's bytes, then the bytes of a point cut by a piece's end.
    partial: Vec<u8>,
    /// The number of points, once read.
    count: Option<usize>,
    /// The points decoded so far.
    points: Vec<Point>,
    /// Whether a point failed to decode.
    bad: bool,
}

impl TableReader {
    /// A reader for an encoding of at most `len` bytes (room for its points is taken at once).
    pub(crate) fn new(len: usize) -> Self {
        Self {
            points: Vec::with_capacity(len / TABLE_POINT_LEN),
            ..Self::default()
        }
    }

    /// Reads the table's bytes at the front of `piece`; returns what follows the table.
    pub(crate) fn read<'a>(&mut self, mut piece: &'a [u8]) -> &'a [u8] {
        loop {
            let need = match self.count {
                None => 4,
                Some(count) if self.points.len() < count => TABLE_POINT_LEN,
                Some(_) => return piece,
            };
            if self.partial.is_empty() && piece.len() >= need && self.count.is_some() {
                let (record, rest) = piece.split_at(need);
                self.push(record);
                piece = rest;
                continue;
            }
            let (head, rest) = piece.split_at(piece.len().min(need - self.partial.len()));
            self.partial.extend_from_slice(head);
            piece = rest;
            if self.partial.len() < need {
                return piece;
            }
            let record = core::mem::take(&mut self.partial);
            match self.count {
                None => {
                    let count = u32::from_le_bytes([record[0], record[1], record[2], record[3]]);
                    self.count = Some(count as usize);
                }
                Some(_) => self.push(&record),
            }
        }
    }

    fn push(&mut self, record: &[u8]) {
        match Point::decode_table(&mut &record[..]) {
            Ok(p) => self.points.push(p),
            Err(_) => self.bad = true,
        }
        // A bad point ends the table: `check` refuses it.
        if self.bad {
            self.count = Some(self.points.len());
        }
    }

    /// Whether all points have been read, each decoded, and they make a table.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.bad {
            return Err("secondary key: a table point is not canonical");
        }
        if self.count != Some(self.points.len()) {
            return Err("secondary key: table incomplete");
        }
        if !table_size_ok(self.points.len()) {
            return Err(TABLE_SIZE);
        }
        Ok(())
    }

    /// The points read (all of them once [`TableReader::check`] passes).
    pub(crate) fn take(&mut self) -> Vec<Point> {
        core::mem::take(&mut self.points)
    }
}

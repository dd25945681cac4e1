//! The constant part of the verifier key: the same for every model, so a program receives it once
//! (uploaded as verifier data) and keeps it decoded.

use crate::error::VerifyError;
use crate::field::{Fq, Fr};
use crate::poseidon::Poseidon;
use crate::spartan::snark::{SecondaryHead, SecondaryKey, TableReader};
use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode, Error, Input, Output};

/// The Poseidon random oracles over both fields (nova's `ro_consts_*`).
#[derive(Clone, Debug)]
pub struct Oracles {
    /// The RO over Fr (`E2::RO`): output hash `hA`, fold challenges of the secondary.
    pub fr: Poseidon<Fr>,
    /// The RO over Fq (`E1::RO`): output hash `hB`, the primary fold challenge.
    pub fq: Poseidon<Fq>,
}

/// Everything the verifier needs that does not depend on the model.
#[derive(Clone, Debug)]
pub struct ConstantKey {
    /// The random oracles.
    pub oracles: Oracles,
    /// The secondary SNARK's key: the secondary circuit's shape and the IPA generators.
    pub secondary: SecondaryKey,
}

/// The secondary key first: its table leads the encoding ([`KeyDecoder`]).
impl Encode for ConstantKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.secondary.encode_to(out);
        self.oracles.fr.table().encode_to(out);
        self.oracles.fq.table().encode_to(out);
    }
}

impl Decode for ConstantKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let secondary = SecondaryKey::decode(input)?;
        Ok(Self {
            oracles: Oracles::decode(input)?,
            secondary,
        })
    }
}

impl Oracles {
    /// Reads the two Poseidon tables.
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let fr = Vec::<u8>::decode(input)?;
        let fq = Vec::<u8>::decode(input)?;
        Ok(Self {
            fr: Poseidon::from_table(&fr).map_err(|_| "invalid Poseidon table over Fr")?,
            fq: Poseidon::from_table(&fq).map_err(|_| "invalid Poseidon table over Fq")?,
        })
    }
}

/// Decodes a [`ConstantKey`]'s encoding as it arrives in pieces (a program receives it in
/// upload messages): the secondary key's table, most of the bytes, point by point as they come,
/// so that no message decodes it all; the rest is kept and decoded by [`KeyDecoder::finish`].
#[derive(Clone, Debug, Default)]
pub struct KeyDecoder {
    table: TableReader,
    rest: Vec<u8>,
}

impl KeyDecoder {
    /// A decoder for an encoding of at most `len` bytes.
    pub fn new(len: usize) -> Self {
        Self {
            table: TableReader::new(len),
            rest: Vec::new(),
        }
    }

    /// Takes the next piece of the encoding.
    pub fn feed(&mut self, piece: &[u8]) {
        let rest = self.table.read(piece);
        self.rest.extend_from_slice(rest);
    }

    /// The key, once every piece is in.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] if the encoding is incomplete, has trailing bytes or does not
    /// decode; the decoder is then unchanged.
    pub fn finish(&mut self) -> Result<ConstantKey, VerifyError> {
        self.table.check().map_err(VerifyError::Malformed)?;
        let mut input = &self.rest[..];
        let malformed = |_| VerifyError::Malformed("constant key: does not decode");
        let head = SecondaryHead::decode(&mut input).map_err(malformed)?;
        let oracles = Oracles::decode(&mut input).map_err(malformed)?;
        if !input.is_empty() {
            return Err(VerifyError::Malformed("constant key: trailing bytes"));
        }
        self.rest = Vec::new();
        Ok(ConstantKey {
            oracles,
            secondary: head.with_table(self.table.take()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all;
    use crate::field::{Fq, Fr, Grumpkin};
    use crate::fixture::{Csr, shape_from_csr};
    use crate::poseidon::RoField;
    use alloc::vec;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::One;

    /// A constant key with nova's oracles and a tiny secondary key, encoded.
    fn key_bytes() -> Vec<u8> {
        let csr = Csr {
            data: vec![Fq::one()],
            indices: vec![0],
            indptr: vec![0, 1, 1, 1, 1],
        };
        let g = Grumpkin::generator();
        let gens = vec![g, (g + g).into_affine(), (g + g + g).into_affine(), g];
        let shape = shape_from_csr(4, 2, 1, [&csr, &csr, &csr]).unwrap();
        let key = ConstantKey {
            oracles: Oracles {
                fr: Fr::embedded(),
                fq: Fq::embedded(),
            },
            secondary: SecondaryKey::new(shape, gens, g, g, Fq::one()),
        };
        key.encode()
    }

    #[test]
    fn pieces_of_any_size_decode_as_a_whole() {
        let bytes = key_bytes();
        let whole = decode_all::<ConstantKey>(&bytes).unwrap();
        for size in [1, 3, 71, 72, 73, 1000, bytes.len()] {
            let mut decoder = KeyDecoder::new(bytes.len());
            bytes.chunks(size).for_each(|piece| decoder.feed(piece));
            let key = decoder.finish().unwrap();
            assert_eq!(key.secondary, whole.secondary, "pieces of {size}");
            assert_eq!(key.encode(), bytes);
        }
    }

    #[test]
    fn incomplete_trailing_or_bad_data_is_refused_and_keeps_the_decoder() {
        let bytes = key_bytes();
        let refused = |data: &[u8]| {
            let mut decoder = KeyDecoder::new(data.len());
            decoder.feed(data);
            let before = std::format!("{decoder:?}");
            let err = decoder.finish().unwrap_err();
            assert_eq!(std::format!("{decoder:?}"), before, "unchanged on {err:?}");
            err
        };
        // Cut inside the table, inside the rest; a byte too many.
        for cut in [3, 4 + 72 * 10 + 5, bytes.len() - 1] {
            assert!(matches!(refused(&bytes[..cut]), VerifyError::Malformed(_)));
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            refused(&long),
            VerifyError::Malformed("constant key: trailing bytes")
        );
        // A table point's limb of 2^29.
        let mut bad = bytes.clone();
        bad[4 + 72 * 5 + 3] = 0x20;
        assert_eq!(
            refused(&bad),
            VerifyError::Malformed("secondary key: a table point is not canonical")
        );
    }
}

//! The constant part of the verifier key: the same for every model, so a program receives it once
//! (uploaded as verifier data) and keeps it decoded.

use crate::field::{Fq, Fr};
use crate::poseidon::Poseidon;
use crate::spartan::snark::SecondaryKey;
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

impl Encode for ConstantKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.oracles.fr.table().encode_to(out);
        self.oracles.fq.table().encode_to(out);
        self.secondary.encode_to(out);
    }
}

impl Decode for ConstantKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let fr = Vec::<u8>::decode(input)?;
        let fq = Vec::<u8>::decode(input)?;
        Ok(Self {
            oracles: Oracles {
                fr: Poseidon::from_table(&fr).map_err(|_| "invalid Poseidon table over Fr")?,
                fq: Poseidon::from_table(&fq).map_err(|_| "invalid Poseidon table over Fq")?,
            },
            secondary: SecondaryKey::decode(input)?,
        })
    }
}

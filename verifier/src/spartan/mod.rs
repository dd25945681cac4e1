//! nova's two Spartan SNARKs and their shared pieces (SPEC §6–§9): the primary
//! [`ppsnark`] (BN254, HyperKZG) and the secondary [`snark`] (Grumpkin, IPA).

pub(crate) mod polys;
pub(crate) mod ppsnark;
pub(crate) mod shape;
pub(crate) mod snark;
pub(crate) mod sumcheck;

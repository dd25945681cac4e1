//! The polynomial commitment schemes' opening verifiers: [`hyperkzg`] for the primary SNARK and
//! [`ipa`] for the secondary one; [`g1`], BN254 G1 and HyperKZG's MSMs in the field kernel.

pub(crate) mod g1;
pub(crate) mod hyperkzg;
pub(crate) mod ipa;

//! The polynomial commitment schemes' opening verifiers: [`hyperkzg`] for the primary SNARK and
//! [`ipa`] for the secondary one.

pub(crate) mod hyperkzg;
pub(crate) mod ipa;

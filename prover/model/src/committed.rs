//! The committed model and sample digits, embedded in the crate so that a dependent needs no
//! path into the repository: the quantized model the deployed program's verifier key was made
//! for (`prover/assets/model.zkml`) and the held-out test digits
//! (`prover/assets/test-digits.bin`).

use crate::{Dataset, QuantizedModel, Result};

/// The committed model file, as [`QuantizedModel::from_bytes`] reads it.
pub const MODEL_FILE: &[u8] = include_bytes!("../../assets/model.zkml");
/// The committed sample digits (the held-out test split, 785-byte records).
pub const SAMPLE_DIGITS_FILE: &[u8] = include_bytes!("../../assets/test-digits.bin");

/// The committed model.
///
/// # Errors
/// As [`QuantizedModel::from_bytes`]; the committed file passes its checks (tested).
pub fn committed_model() -> Result<QuantizedModel> {
    QuantizedModel::from_bytes(MODEL_FILE)
}

/// The committed sample digits, one per record of the held-out test split.
///
/// # Errors
/// As [`Dataset::from_bytes`]; the committed file passes its checks (tested).
pub fn sample_digits() -> Result<Dataset> {
    Dataset::from_bytes(SAMPLE_DIGITS_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_are_the_committed_ones() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets");
        let model = committed_model().expect("the committed model decodes");
        assert_eq!(
            model,
            QuantizedModel::load(root.join("model.zkml")).expect("loads")
        );
        let digits = sample_digits().expect("the sample digits decode");
        assert_eq!(
            digits.digits().len() * crate::RECORD_LEN,
            SAMPLE_DIGITS_FILE.len()
        );
        assert_eq!(
            digits.digits(),
            Dataset::load(root.join("test-digits.bin"))
                .expect("loads")
                .digits()
        );
    }
}

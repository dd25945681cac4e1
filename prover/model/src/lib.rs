//! The MNIST digit classifier: data, float training, quantization, the
//! exact integer model that the Nova circuit proves, and reading the digit to prove.
//!
//! The path from data to a committed model:
//!
//! 1. [`Dataset`] reads digits in the 785-byte record format; [`Split`]
//!    holds out a fixed, seeded set of digits per class.
//! 2. [`train()`] fits a [`FloatMlp`] (784 → hidden → 10, ReLU) on the other
//!    digits, deterministically.
//! 3. [`quantize()`] turns it into a [`QuantizedModel`]: `i8` weights, `i32`
//!    biases and power-of-two rescaling, whose integer forward pass is
//!    specified exactly in [`quantized`].
//! 4. [`mod@format`] stores both models in checksummed binary files.
//!
//! [`train_and_quantize`] runs steps 1 to 3 and measures the held-out
//! accuracy of both models. [`committed_model()`] and [`sample_digits()`] give the committed
//! model and test digits, embedded in the crate.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod augment;
pub mod committed;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod float;
pub mod format;
pub mod input;
mod linalg;
pub mod pipeline;
pub mod quantize;
pub mod quantized;
pub mod train;

pub use augment::Augmentation;
pub use committed::{committed_model, sample_digits};
pub use dataset::{Dataset, Digit, RECORD_LEN, Split};
pub use error::{Error, Result};
pub use eval::{Accuracy, float_accuracy, quantized_accuracy};
pub use float::{FloatLayer, FloatMlp};
pub use format::{FloatModelFile, Provenance};
pub use pipeline::{TrainedModel, train_and_quantize};
pub use quantize::quantize;
pub use quantized::{Inference, QuantizedLayer, QuantizedModel, argmax, to_activations};
pub use train::{TrainConfig, TrainEvent, train};

/// Reads a whole file, naming it in the error.
fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// Writes a whole file, naming it in the error.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

//! The whole `zkml train` pipeline: split, train, quantize, evaluate.

use crate::dataset::{Dataset, Split};
use crate::error::{Error, Result};
use crate::eval::{Accuracy, float_accuracy, quantized_accuracy};
use crate::float::FloatMlp;
use crate::format::{FloatModelFile, Provenance};
use crate::quantize::quantize;
use crate::quantized::QuantizedModel;
use crate::train::{TrainConfig, TrainEvent, train};

/// Everything a training run produces.
#[derive(Clone, Debug)]
pub struct TrainedModel {
    /// The trained float network.
    pub float: FloatMlp,
    /// Its quantization, calibrated on the training digits.
    pub quantized: QuantizedModel,
    /// The held-out split used.
    pub split: Split,
    /// Seed, split and data identity, to store with the float weights.
    pub provenance: Provenance,
    /// Float accuracy on the held-out digits.
    pub float_held_out: Accuracy,
    /// Quantized accuracy on the held-out digits.
    pub quantized_held_out: Accuracy,
}

impl TrainedModel {
    /// The float weights with their provenance, ready to save.
    pub fn float_file(&self) -> FloatModelFile {
        FloatModelFile {
            model: self.float.clone(),
            provenance: self.provenance,
        }
    }
}

/// Holds out `config.held_out_per_class` digits of each class of `dataset`,
/// trains on the rest, quantizes, and measures both models on the held-out
/// digits.
///
/// # Errors
/// Any error of [`Split::held_out_per_class`], [`train`] or [`quantize`].
pub fn train_and_quantize(
    dataset: &Dataset,
    config: &TrainConfig,
    progress: impl FnMut(&TrainEvent),
) -> Result<TrainedModel> {
    let held_out_per_class = u32::try_from(config.held_out_per_class)
        .map_err(|_| Error::InvalidConfig("too many held-out digits per class"))?;
    let split = Split::held_out_per_class(dataset, config.held_out_per_class, config.seed)?;
    let float = train(dataset, &split.train, config, progress)?;
    let quantized = quantize(&float, &dataset.subset(&split.train)?)?;
    let held_out = dataset.subset(&split.held_out)?;
    Ok(TrainedModel {
        float_held_out: float_accuracy(&float, &held_out)?,
        quantized_held_out: quantized_accuracy(&quantized, &held_out)?,
        provenance: Provenance {
            seed: config.seed,
            held_out_per_class,
            data_digest: dataset.digest(),
            quantized_digest: quantized.digest(),
        },
        float,
        quantized,
        split,
    })
}

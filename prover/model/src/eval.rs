//! Accuracy of float and quantized models on a data set.

use std::fmt;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::float::FloatMlp;
use crate::quantized::QuantizedModel;

/// How many digits of a data set a model classified correctly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accuracy {
    /// Digits classified correctly.
    pub correct: usize,
    /// Digits classified.
    pub total: usize,
}

impl Accuracy {
    /// Compares `predictions` with the labels of `dataset`, position by
    /// position.
    pub fn from_predictions(predictions: &[u8], dataset: &Dataset) -> Self {
        let correct = predictions
            .iter()
            .zip(dataset.digits())
            .filter(|(p, d)| **p == d.label())
            .count();
        Self {
            correct,
            total: dataset.len(),
        }
    }

    /// Accuracy in percent (0 for an empty data set).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.correct as f64 / self.total as f64
        }
    }
}

impl fmt::Display for Accuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.2}% ({}/{})",
            self.percent(),
            self.correct,
            self.total
        )
    }
}

/// Accuracy of the integer model on `dataset`.
///
/// # Errors
/// As [`QuantizedModel::predict`].
pub fn quantized_accuracy(model: &QuantizedModel, dataset: &Dataset) -> Result<Accuracy> {
    let predictions = dataset
        .digits()
        .iter()
        .map(|d| model.predict(d.pixels()).map(|i| i.digit))
        .collect::<Result<Vec<_>>>()?;
    Ok(Accuracy::from_predictions(&predictions, dataset))
}

/// Accuracy of the float model on `dataset`.
///
/// # Errors
/// As [`FloatMlp::predict`].
pub fn float_accuracy(model: &FloatMlp, dataset: &Dataset) -> Result<Accuracy> {
    Ok(Accuracy::from_predictions(
        &model.predict_all(dataset)?,
        dataset,
    ))
}

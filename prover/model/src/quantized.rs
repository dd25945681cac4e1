//! The integer model and its exact forward pass, the computation that the
//! Nova circuit proves.
//!
//! # Integer forward pass
//!
//! A model is a chain of layers `L_0 … L_{n-1}`. Layer `k` has `I` inputs,
//! `O` outputs, weights `w[o][i]` (`i8`), biases `b[o]` (`i32`), a rescale
//! shift `s` (`0..=31`) and a `relu` flag. Its input `x` is a vector of `I`
//! values in `0..=255`: for `L_0` the raw pixels of the 28x28 image,
//! row-major; for `L_k`, `k > 0`, the outputs of `L_{k-1}`. For each output
//! `o`:
//!
//! 1. accumulator: `acc[o] = b[o] + Σ_{i<I} w[o][i] · x[i]`, an exact integer.
//!    Every model is checked to satisfy `|b[o]| + 255 · Σ_i |w[o][i]| ≤ 2^31 - 1`,
//!    so `acc[o]` always fits in an `i32`.
//! 2. rescale: `r[o] = floor(acc[o] / 2^s)`, i.e. the arithmetic shift right
//!    `acc[o] >> s` (rounding towards minus infinity, also for negative
//!    values).
//! 3. activation: `y[o] = clamp(r[o], 0, 255)` if `relu`, otherwise
//!    `y[o] = r[o]`.
//!
//! Every layer but the last must have `relu` set, so the values passed between
//! layers are always in `0..=255`. In the models made by
//! [`crate::quantize()`] the last layer has `relu = false` and `s = 0`: its
//! outputs are the raw accumulators, the ten class logits. The predicted
//! digit is the index of the largest logit, the lowest such index on ties.

use crate::error::{Error, Result};
use zkml_verifier::statement::{CLASSES, PIXELS};

/// Most layers a model file may declare: a bound of the file format, so that a damaged count
/// cannot make the reader allocate without limit. The circuit and the program only take models
/// of `zkml_verifier::statement::STEPS` layers; training may make others.
pub const MAX_LAYERS: usize = 16;
/// Most inputs or outputs a layer may have.
pub const MAX_WIDTH: usize = 4096;
/// Largest rescale shift of a layer.
pub const MAX_SHIFT: u32 = 31;
/// Largest value passed between layers (and largest pixel value).
pub const ACTIVATION_MAX: i32 = 255;

/// One integer layer; see the [module documentation](self) for the exact
/// computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedLayer {
    /// Number of inputs `I`.
    pub inputs: usize,
    /// Number of outputs `O`.
    pub outputs: usize,
    /// Weights, row-major `[O][I]`: `weights[o * I + i]` is `w[o][i]`.
    pub weights: Vec<i8>,
    /// Biases, `[O]`, in the accumulator's scale.
    pub bias: Vec<i32>,
    /// Rescale: the accumulator is divided by `2^shift`, rounding down.
    pub shift: u32,
    /// Whether the rescaled value is clamped to `0..=255` (ReLU + `u8`).
    pub relu: bool,
}

impl QuantizedLayer {
    /// Checks sizes, shift and the accumulator bound; `index` is only used
    /// in error values.
    ///
    /// # Errors
    /// [`Error::LayerSize`], [`Error::ParameterCount`],
    /// [`Error::ShiftTooLarge`] or [`Error::AccumulatorOverflow`].
    pub fn validate(&self, index: usize) -> Result<()> {
        if !(1..=MAX_WIDTH).contains(&self.inputs) || !(1..=MAX_WIDTH).contains(&self.outputs) {
            return Err(Error::LayerSize {
                layer: index,
                inputs: self.inputs,
                outputs: self.outputs,
                max: MAX_WIDTH,
            });
        }
        if self.weights.len() != self.inputs * self.outputs {
            return Err(Error::ParameterCount {
                layer: index,
                what: "weights",
                expected: self.inputs * self.outputs,
                actual: self.weights.len(),
            });
        }
        if self.bias.len() != self.outputs {
            return Err(Error::ParameterCount {
                layer: index,
                what: "biases",
                expected: self.outputs,
                actual: self.bias.len(),
            });
        }
        if self.shift > MAX_SHIFT {
            return Err(Error::ShiftTooLarge {
                layer: index,
                shift: self.shift,
                max: MAX_SHIFT,
            });
        }
        for (output, bound) in self.accumulator_bounds().into_iter().enumerate() {
            if bound > i64::from(i32::MAX) {
                return Err(Error::AccumulatorOverflow {
                    layer: index,
                    output,
                    bound,
                });
            }
        }
        Ok(())
    }

    /// For each output `o`, `|b[o]| + 255 · Σ_i |w[o][i]|`: the largest
    /// magnitude its accumulator can reach for inputs in `0..=255`.
    pub fn accumulator_bounds(&self) -> Vec<i64> {
        self.weights
            .chunks(self.inputs.max(1))
            .zip(&self.bias)
            .map(|(row, &b)| {
                let weight_sum: i64 = row.iter().map(|&w| i64::from(w).abs()).sum();
                i64::from(b).abs() + i64::from(ACTIVATION_MAX) * weight_sum
            })
            .collect()
    }

    /// The accumulators `acc[o] = b[o] + Σ_i w[o][i] · x[i]` (step 1).
    ///
    /// # Errors
    /// [`Error::InputLength`] if `input` does not have `inputs` entries,
    /// [`Error::ParameterCount`] if the layer's own arrays are inconsistent,
    /// [`Error::AccumulatorOverflow`] if a sum leaves the `i32` range (only
    /// possible for a layer that fails [`QuantizedLayer::validate`]).
    pub fn accumulate(&self, index: usize, input: &[u8]) -> Result<Vec<i32>> {
        if input.len() != self.inputs {
            return Err(Error::InputLength {
                layer: index,
                expected: self.inputs,
                actual: input.len(),
            });
        }
        for (what, expected, actual) in [
            ("weights", self.inputs * self.outputs, self.weights.len()),
            ("biases", self.outputs, self.bias.len()),
        ] {
            if expected != actual {
                return Err(Error::ParameterCount {
                    layer: index,
                    what,
                    expected,
                    actual,
                });
            }
        }
        self.weights
            .chunks_exact(self.inputs)
            .zip(&self.bias)
            .enumerate()
            .map(|(output, (row, &b))| {
                let sum: i64 = row
                    .iter()
                    .zip(input)
                    .map(|(&w, &x)| i64::from(w) * i64::from(x))
                    .sum();
                let acc = i64::from(b) + sum;
                i32::try_from(acc).map_err(|_| Error::AccumulatorOverflow {
                    layer: index,
                    output,
                    bound: acc.abs(),
                })
            })
            .collect()
    }

    /// Steps 2 and 3 for one accumulator: `floor(acc / 2^shift)`, clamped to
    /// `0..=255` if `relu`.
    pub fn activate(&self, acc: i32) -> i32 {
        let rescaled = acc >> self.shift.min(MAX_SHIFT);
        if self.relu {
            rescaled.clamp(0, ACTIVATION_MAX)
        } else {
            rescaled
        }
    }

    /// The layer's outputs `y` for `input` (all three steps).
    ///
    /// # Errors
    /// As [`QuantizedLayer::accumulate`].
    pub fn forward(&self, index: usize, input: &[u8]) -> Result<Vec<i32>> {
        Ok(self
            .accumulate(index, input)?
            .into_iter()
            .map(|acc| self.activate(acc))
            .collect())
    }
}

/// The result of running the integer model on one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inference {
    /// The last layer's outputs, one per class.
    pub logits: Vec<i32>,
    /// The predicted digit: index of the largest logit, lowest on ties.
    pub digit: u8,
}

/// A validated chain of integer layers; see the [module documentation](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedModel {
    layers: Vec<QuantizedLayer>,
}

impl QuantizedModel {
    /// A model made of `layers`, input side first.
    ///
    /// # Errors
    /// [`Error::NoLayers`], [`Error::TooManyLayers`],
    /// [`Error::LayerMismatch`], [`Error::HiddenLayerWithoutRelu`], or any
    /// error of [`QuantizedLayer::validate`].
    pub fn new(layers: Vec<QuantizedLayer>) -> Result<Self> {
        if layers.is_empty() {
            return Err(Error::NoLayers);
        }
        if layers.len() > MAX_LAYERS {
            return Err(Error::TooManyLayers {
                count: layers.len(),
                max: MAX_LAYERS,
            });
        }
        let last = layers.len() - 1;
        for (index, layer) in layers.iter().enumerate() {
            layer.validate(index)?;
            if index > 0 && layer.inputs != layers[index - 1].outputs {
                return Err(Error::LayerMismatch {
                    layer: index,
                    inputs: layer.inputs,
                    previous_outputs: layers[index - 1].outputs,
                });
            }
            if index < last && !layer.relu {
                return Err(Error::HiddenLayerWithoutRelu { layer: index });
            }
        }
        Ok(Self { layers })
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[QuantizedLayer] {
        &self.layers
    }

    /// The layers, giving up the model.
    pub fn into_layers(self) -> Vec<QuantizedLayer> {
        self.layers
    }

    /// Number of inputs of the first layer.
    pub fn input_len(&self) -> usize {
        self.layers[0].inputs
    }

    /// Number of outputs of the last layer.
    pub fn output_len(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs
    }

    /// Layer widths, input first (e.g. `[784, 64, 32, 10]`).
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = vec![self.input_len()];
        widths.extend(self.layers.iter().map(|l| l.outputs));
        widths
    }

    /// Layer `index` applied to `input` (its accumulators rescaled and
    /// activated). For `index = 0` the input is the pixels; otherwise it is
    /// the previous layer's output, converted with [`to_activations`].
    ///
    /// # Errors
    /// [`Error::LayerIndex`] if there is no such layer, otherwise as
    /// [`QuantizedLayer::accumulate`].
    pub fn forward_layer(&self, index: usize, input: &[u8]) -> Result<Vec<i32>> {
        self.layer(index)?.forward(index, input)
    }

    /// Layer `index`'s accumulators for `input` (step 1 only).
    ///
    /// # Errors
    /// As [`QuantizedModel::forward_layer`].
    pub fn accumulate_layer(&self, index: usize, input: &[u8]) -> Result<Vec<i32>> {
        self.layer(index)?.accumulate(index, input)
    }

    /// The outputs of every layer for `input`, first layer first; the last
    /// entry holds the logits.
    ///
    /// # Errors
    /// [`Error::InputLength`] if `input` does not fit the first layer.
    pub fn trace(&self, input: &[u8]) -> Result<Vec<Vec<i32>>> {
        let mut outputs: Vec<Vec<i32>> = Vec::with_capacity(self.layers.len());
        let mut activations = input.to_vec();
        for (index, layer) in self.layers.iter().enumerate() {
            if index > 0 {
                activations = to_activations(&outputs[index - 1])?;
            }
            outputs.push(layer.forward(index, &activations)?);
        }
        Ok(outputs)
    }

    /// Runs the whole model on `input` and picks the class.
    ///
    /// # Errors
    /// [`Error::InputLength`] if `input` does not fit the first layer.
    pub fn infer(&self, input: &[u8]) -> Result<Inference> {
        let logits = self.trace(input)?.pop().ok_or(Error::NoLayers)?;
        let digit = u8::try_from(argmax(&logits)).unwrap_or(u8::MAX);
        Ok(Inference { logits, digit })
    }

    /// Classifies one 28x28 digit image.
    ///
    /// # Errors
    /// [`Error::InputLength`] if the model does not take 784 inputs,
    /// [`Error::NotAClassifier`] if it does not have ten outputs.
    pub fn predict(&self, pixels: &[u8; PIXELS]) -> Result<Inference> {
        if self.output_len() != CLASSES {
            return Err(Error::NotAClassifier {
                outputs: self.output_len(),
                expected: CLASSES,
            });
        }
        self.infer(pixels)
    }

    fn layer(&self, index: usize) -> Result<&QuantizedLayer> {
        self.layers.get(index).ok_or(Error::LayerIndex {
            index,
            count: self.layers.len(),
        })
    }
}

/// Converts a hidden layer's outputs to the next layer's `u8` inputs.
///
/// # Errors
/// [`Error::ActivationRange`] if a value is outside `0..=255`, which cannot
/// happen for the output of a `relu` layer.
pub fn to_activations(outputs: &[i32]) -> Result<Vec<u8>> {
    outputs
        .iter()
        .enumerate()
        .map(|(position, &value)| {
            u8::try_from(value).map_err(|_| Error::ActivationRange { position, value })
        })
        .collect()
}

/// Index of the largest value, the lowest index on ties (0 if empty).
pub fn argmax(values: &[i32]) -> usize {
    let mut best = 0;
    for (index, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = index;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 inputs -> 2 hidden (ReLU, shift 2) -> 2 logits.
    fn tiny() -> QuantizedModel {
        QuantizedModel::new(vec![
            QuantizedLayer {
                inputs: 3,
                outputs: 2,
                weights: vec![1, -2, 3, -128, 127, 0],
                bias: vec![5, -7],
                shift: 2,
                relu: true,
            },
            QuantizedLayer {
                inputs: 2,
                outputs: 2,
                weights: vec![2, -1, -3, 4],
                bias: vec![0, 10],
                shift: 0,
                relu: false,
            },
        ])
        .unwrap()
    }

    #[test]
    fn forward_matches_hand_computation() {
        let model = tiny();
        let x = [10u8, 20, 30];
        // acc0 = 5 + 10 - 40 + 90 = 65  -> floor(65/4) = 16
        // acc1 = -7 - 1280 + 2540 + 0 = 1253 -> floor(1253/4) = 313 -> clamp 255
        assert_eq!(model.accumulate_layer(0, &x).unwrap(), vec![65, 1253]);
        assert_eq!(model.forward_layer(0, &x).unwrap(), vec![16, 255]);
        // logits: 2*16 - 255 = -223 ; 10 - 48 + 1020 = 982
        let out = model.infer(&x).unwrap();
        assert_eq!(out.logits, vec![-223, 982]);
        assert_eq!(out.digit, 1);
    }

    #[test]
    fn rescale_floors_negative_values_and_relu_clamps() {
        let layer = QuantizedLayer {
            inputs: 1,
            outputs: 1,
            weights: vec![-1],
            bias: vec![0],
            shift: 2,
            relu: false,
        };
        // floor(-5 / 4) = -2, not -1.
        assert_eq!(layer.activate(-5), -2);
        assert_eq!(layer.activate(7), 1);
        let relu = QuantizedLayer {
            relu: true,
            ..layer
        };
        assert_eq!(relu.activate(-5), 0);
        assert_eq!(relu.activate(4 * 300), 255);
    }

    #[test]
    fn layer_by_layer_equals_full_inference() {
        let model = tiny();
        let x = [200u8, 3, 77];
        let h = to_activations(&model.forward_layer(0, &x).unwrap()).unwrap();
        let logits = model.forward_layer(1, &h).unwrap();
        assert_eq!(model.infer(&x).unwrap().logits, logits);
        assert_eq!(model.trace(&x).unwrap().len(), 2);
    }

    #[test]
    fn argmax_prefers_lowest_index_on_ties() {
        assert_eq!(argmax(&[1, 5, 5, 2]), 1);
        assert_eq!(argmax(&[-3, -3]), 0);
    }

    #[test]
    fn rejects_inconsistent_models() {
        let layers = tiny().into_layers();
        let mut bad = layers.clone();
        bad[0].relu = false;
        assert!(matches!(
            QuantizedModel::new(bad),
            Err(Error::HiddenLayerWithoutRelu { layer: 0 })
        ));
        let mut bad = layers.clone();
        bad[1].inputs = 3;
        bad[1].weights = vec![0; 6];
        assert!(matches!(
            QuantizedModel::new(bad),
            Err(Error::LayerMismatch { layer: 1, .. })
        ));
        let mut bad = layers.clone();
        bad[0].bias.pop();
        assert!(matches!(
            QuantizedModel::new(bad),
            Err(Error::ParameterCount { what: "biases", .. })
        ));
        let mut bad = layers.clone();
        bad[1].bias[0] = i32::MAX;
        assert!(matches!(
            QuantizedModel::new(bad),
            Err(Error::AccumulatorOverflow {
                layer: 1,
                output: 0,
                ..
            })
        ));
        assert!(matches!(QuantizedModel::new(vec![]), Err(Error::NoLayers)));
        let model = tiny();
        assert!(matches!(
            model.forward_layer(2, &[0, 0]),
            Err(Error::LayerIndex { index: 2, count: 2 })
        ));
        assert!(matches!(
            model.infer(&[1, 2]),
            Err(Error::InputLength {
                layer: 0,
                expected: 3,
                actual: 2
            })
        ));
        assert!(matches!(
            model.predict(&[0; PIXELS]),
            Err(Error::NotAClassifier { outputs: 2, .. })
        ));
    }
}

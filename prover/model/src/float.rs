//! The float multilayer perceptron that is trained, then quantized.
//!
//! Its input is a digit's pixels divided by 256 (so 0 to 255/256), a power of
//! two that the quantized model undoes exactly by taking the raw pixels.
//! Every layer but the last is followed by ReLU; the last layer's outputs are
//! the class logits.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::linalg;
use zkml_verifier::statement::{CLASSES, PIXELS};

/// log2 of the input scale: the float input is `pixel / 2^INPUT_SHIFT`.
pub const INPUT_SHIFT: u32 = 8;

/// The float network input for `pixels`: each pixel divided by 256.
pub fn input_from_pixels(pixels: &[u8]) -> Array1<f32> {
    pixels.iter().map(|&p| pixel_to_input(p)).collect()
}

/// One pixel as a float network input: `pixel / 256`.
pub fn pixel_to_input(pixel: u8) -> f32 {
    f32::from(pixel) / (1u32 << INPUT_SHIFT) as f32
}

/// A fully connected float layer: `y = W·x + b`, then ReLU if `relu`.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatLayer {
    /// Transposed weights, `[inputs, outputs]`: column `o` holds output `o`'s
    /// weights. Kept transposed for the kernels of `linalg`.
    pub(crate) wt: Array2<f32>,
    pub(crate) bias: Array1<f32>,
    pub(crate) relu: bool,
}

impl FloatLayer {
    /// A layer from its weights (`[outputs, inputs]`, the same layout as
    /// [`crate::QuantizedLayer::weights`]) and biases (`[outputs]`).
    ///
    /// # Errors
    /// [`Error::ParameterCount`] if the bias length differs from the number
    /// of outputs, [`Error::NonFiniteParameter`] for NaN or infinity (layer
    /// index 0; [`FloatMlp::new`] reports the real index).
    pub fn new(weights: Array2<f32>, bias: Array1<f32>, relu: bool) -> Result<Self> {
        if bias.len() != weights.nrows() {
            return Err(Error::ParameterCount {
                layer: 0,
                what: "biases",
                expected: weights.nrows(),
                actual: bias.len(),
            });
        }
        if !weights.iter().chain(bias.iter()).all(|v| v.is_finite()) {
            return Err(Error::NonFiniteParameter { layer: 0 });
        }
        let wt = weights.t().as_standard_layout().into_owned();
        Ok(Self { wt, bias, relu })
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.wt.nrows()
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.wt.ncols()
    }

    /// Weights, `[outputs, inputs]`.
    pub fn weights(&self) -> ArrayView2<'_, f32> {
        self.wt.t()
    }

    /// Biases, `[outputs]`.
    pub fn bias(&self) -> ArrayView1<'_, f32> {
        self.bias.view()
    }

    /// Whether ReLU follows the affine map.
    pub fn relu(&self) -> bool {
        self.relu
    }

    /// Applies the layer to a batch `[batch, inputs]`.
    pub(crate) fn forward_batch(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        let mut y = linalg::affine(x, self.wt.view(), self.bias.view());
        if self.relu {
            y.mapv_inplace(|v| v.max(0.0));
        }
        y
    }
}

/// A float multilayer perceptron for 28x28 digits.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatMlp {
    layers: Vec<FloatLayer>,
}

impl FloatMlp {
    /// A network of the given layers. Every layer but the last must apply
    /// ReLU, the last must not, and consecutive sizes must match.
    ///
    /// # Errors
    /// [`Error::NoLayers`], [`Error::LayerMismatch`],
    /// [`Error::HiddenLayerWithoutRelu`], or [`Error::NonFiniteParameter`].
    pub fn new(layers: Vec<FloatLayer>) -> Result<Self> {
        if layers.is_empty() {
            return Err(Error::NoLayers);
        }
        let last = layers.len() - 1;
        for (index, layer) in layers.iter().enumerate() {
            if index > 0 && layer.inputs() != layers[index - 1].outputs() {
                return Err(Error::LayerMismatch {
                    layer: index,
                    inputs: layer.inputs(),
                    previous_outputs: layers[index - 1].outputs(),
                });
            }
            if index < last && !layer.relu {
                return Err(Error::HiddenLayerWithoutRelu { layer: index });
            }
            if !layer
                .wt
                .iter()
                .chain(layer.bias.iter())
                .all(|v| v.is_finite())
            {
                return Err(Error::NonFiniteParameter { layer: index });
            }
        }
        Ok(Self { layers })
    }

    /// A freshly initialised network with the given layer widths (input
    /// first, e.g. `[784, 64, 32, 10]`).
    ///
    /// Weights are drawn uniformly from `±sqrt(6 / inputs)` (He
    /// initialisation for ReLU), biases start at zero.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if fewer than two widths are given or one is
    /// zero.
    pub fn random(widths: &[usize], rng: &mut ChaCha8Rng) -> Result<Self> {
        if widths.len() < 2 || widths.contains(&0) {
            return Err(Error::InvalidConfig(
                "a network needs at least two layer widths, all non-zero",
            ));
        }
        let last = widths.len() - 2;
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(index, pair)| {
                let (inputs, outputs) = (pair[0], pair[1]);
                let limit = (6.0 / inputs as f32).sqrt();
                let wt = Array2::from_shape_simple_fn((inputs, outputs), || {
                    rng.random_range(-limit..limit)
                });
                FloatLayer {
                    wt,
                    bias: Array1::zeros(outputs),
                    relu: index < last,
                }
            })
            .collect();
        Self::new(layers)
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[FloatLayer] {
        &self.layers
    }

    /// Mutable access for the optimizer.
    pub(crate) fn layers_mut(&mut self) -> &mut [FloatLayer] {
        &mut self.layers
    }

    /// Layer widths, input first (e.g. `[784, 64, 32, 10]`).
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = vec![self.layers[0].inputs()];
        widths.extend(self.layers.iter().map(FloatLayer::outputs));
        widths
    }

    /// Outputs of every layer for a batch `[batch, inputs]`; the last entry
    /// holds the logits.
    pub(crate) fn forward_trace(&self, x: ArrayView2<'_, f32>) -> Vec<Array2<f32>> {
        let mut outputs: Vec<Array2<f32>> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let y = match outputs.last() {
                Some(previous) => layer.forward_batch(previous.view()),
                None => layer.forward_batch(x),
            };
            outputs.push(y);
        }
        outputs
    }

    /// Logits for a batch of inputs `[batch, inputs]`.
    ///
    /// # Errors
    /// [`Error::InputLength`] if the batch has the wrong number of columns.
    pub fn logits(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        let expected = self.layers[0].inputs();
        if x.ncols() != expected {
            return Err(Error::InputLength {
                layer: 0,
                expected,
                actual: x.ncols(),
            });
        }
        let mut trace = self.forward_trace(x);
        Ok(trace.pop().unwrap_or_else(|| Array2::zeros((x.nrows(), 0))))
    }

    /// The predicted digit for one image (argmax of the logits, lowest index
    /// on ties).
    ///
    /// # Errors
    /// [`Error::InputLength`] if the model does not take 784 inputs,
    /// [`Error::NotAClassifier`] if it does not have ten outputs.
    pub fn predict(&self, pixels: &[u8; PIXELS]) -> Result<u8> {
        let x = input_from_pixels(pixels).insert_axis(ndarray::Axis(0));
        let logits = self.logits(x.view())?;
        class_of(logits.row(0))
    }

    /// Predicted digits for every digit of `dataset`, computed in batches.
    ///
    /// # Errors
    /// As [`FloatMlp::predict`].
    pub fn predict_all(&self, dataset: &Dataset) -> Result<Vec<u8>> {
        const BATCH: usize = 256;
        let mut predictions = Vec::with_capacity(dataset.len());
        for chunk in dataset.digits().chunks(BATCH) {
            let mut x = Array2::zeros((chunk.len(), PIXELS));
            for (mut row, digit) in x.rows_mut().into_iter().zip(chunk) {
                for (v, &p) in row.iter_mut().zip(digit.pixels()) {
                    *v = pixel_to_input(p);
                }
            }
            let logits = self.logits(x.view())?;
            for row in logits.rows() {
                predictions.push(class_of(row)?);
            }
        }
        Ok(predictions)
    }
}

/// The class of a logit row, checking that the model has ten outputs.
fn class_of(logits: ArrayView1<'_, f32>) -> Result<u8> {
    if logits.len() != CLASSES {
        return Err(Error::NotAClassifier {
            outputs: logits.len(),
            expected: CLASSES,
        });
    }
    let index = linalg::argmax_f32(logits.iter().copied());
    Ok(u8::try_from(index).unwrap_or(u8::MAX))
}

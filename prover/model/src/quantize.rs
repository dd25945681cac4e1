//! Post-training quantization of a [`FloatMlp`] into a [`QuantizedModel`].
//!
//! Every scale is a power of two, so the integer model needs no
//! multiplications beyond its weights:
//!
//! - inputs: the float input is `pixel / 2^8`, so the raw pixel is the input
//!   in scale `2^8`;
//! - weights of layer `k`: `w_q = round(w · 2^a_k)` with the largest `a_k`
//!   for which every `|w_q| ≤ 127`;
//! - the accumulator of layer `k` is then in scale `2^(a_k + e_k)`, where
//!   `2^e_k` is the scale of its input; biases are rounded to that scale;
//! - a hidden layer's output scale `2^e_{k+1}` is the largest that maps the
//!   biggest activation seen on the calibration digits into `0..=255`
//!   (clamped to at most the accumulator scale), and its shift is
//!   `a_k + e_k - e_{k+1}`. Half of `2^shift` is added to its biases so that
//!   the floor of the integer forward pass rounds to nearest;
//! - the last layer keeps shift 0: its logits are the accumulators, in scale
//!   `2^(a_k + e_k)`, which does not change the argmax.

use ndarray::Array2;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::float::{FloatMlp, INPUT_SHIFT, pixel_to_input};
use crate::quantized::{ACTIVATION_MAX, MAX_SHIFT, QuantizedLayer, QuantizedModel};
use zkml_verifier::statement::PIXELS;

/// Largest weight magnitude after quantization.
const WEIGHT_MAX: f64 = 127.0;
/// Exponents are searched in `-EXPONENT_LIMIT..=EXPONENT_LIMIT`.
const EXPONENT_LIMIT: i32 = 40;

/// Quantizes `float`, calibrating activation scales on `calibration`
/// (training digits, never the held-out ones).
///
/// # Errors
/// [`Error::EmptyDataset`] if `calibration` is empty,
/// [`Error::InputLength`] if the model does not take 784 inputs, or an error
/// of [`QuantizedModel::new`] if a rounded bias cannot be represented.
pub fn quantize(float: &FloatMlp, calibration: &Dataset) -> Result<QuantizedModel> {
    if calibration.is_empty() {
        return Err(Error::EmptyDataset);
    }
    let maxima = activation_maxima(float, calibration)?;
    let last = float.layers().len() - 1;
    let mut input_exponent = INPUT_SHIFT as i32;
    let mut layers = Vec::with_capacity(float.layers().len());
    for (index, layer) in float.layers().iter().enumerate() {
        let weights = layer.weights();
        let max_weight = weights.iter().fold(0.0f32, |m, &w| m.max(w.abs()));
        let weight_exponent = largest_exponent(f64::from(max_weight), WEIGHT_MAX);
        let acc_exponent = weight_exponent + input_exponent;
        let (shift, output_exponent) = if index < last {
            let max_activation = f64::from(maxima[index]);
            let exponent =
                largest_exponent(max_activation, f64::from(ACTIVATION_MAX)).min(acc_exponent);
            (acc_exponent.abs_diff(exponent), exponent)
        } else {
            (0, acc_exponent)
        };
        if shift > MAX_SHIFT {
            return Err(Error::ShiftTooLarge {
                layer: index,
                shift,
                max: MAX_SHIFT,
            });
        }
        let rounding = if shift > 0 { 1i64 << (shift - 1) } else { 0 };
        let bias = layer
            .bias()
            .iter()
            .enumerate()
            .map(|(output, &b)| {
                let value =
                    ((f64::from(b) * pow2(acc_exponent)).round() as i64).saturating_add(rounding);
                i32::try_from(value).map_err(|_| Error::AccumulatorOverflow {
                    layer: index,
                    output,
                    bound: value.abs(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let scale = pow2(weight_exponent);
        let weights = weights
            .iter()
            .map(|&w| {
                (f64::from(w) * scale)
                    .round()
                    .clamp(-WEIGHT_MAX, WEIGHT_MAX) as i8
            })
            .collect();
        layers.push(QuantizedLayer {
            inputs: layer.inputs(),
            outputs: layer.outputs(),
            weights,
            bias,
            shift,
            relu: layer.relu(),
        });
        input_exponent = output_exponent;
    }
    QuantizedModel::new(layers)
}

/// The largest output of each layer over the calibration digits.
fn activation_maxima(float: &FloatMlp, calibration: &Dataset) -> Result<Vec<f32>> {
    const BATCH: usize = 256;
    let expected = float.layers()[0].inputs();
    if expected != PIXELS {
        return Err(Error::InputLength {
            layer: 0,
            expected,
            actual: PIXELS,
        });
    }
    let mut maxima = vec![0.0f32; float.layers().len()];
    for chunk in calibration.digits().chunks(BATCH) {
        let x = Array2::from_shape_fn((chunk.len(), PIXELS), |(r, c)| {
            pixel_to_input(chunk[r].pixels()[c])
        });
        for (max, output) in maxima.iter_mut().zip(float.forward_trace(x.view())) {
            *max = output.iter().fold(*max, |m, &v| m.max(v));
        }
    }
    Ok(maxima)
}

/// The largest `e` (within ±40) with `value · 2^e ≤ limit`, rounding included.
fn largest_exponent(value: f64, limit: f64) -> i32 {
    if value <= 0.0 {
        return EXPONENT_LIMIT;
    }
    let mut e = -EXPONENT_LIMIT;
    while e < EXPONENT_LIMIT && (value * pow2(e + 1)).round() <= limit {
        e += 1;
    }
    e
}

/// `2^e` exactly.
fn pow2(e: i32) -> f64 {
    libm::ldexp(1.0, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Digit, FloatLayer};
    use ndarray::{Array1, array};

    #[test]
    fn exponents_fit_the_limit() {
        assert_eq!(largest_exponent(1.0, 127.0), 6);
        assert_eq!(largest_exponent(0.99, 127.0), 7);
        assert_eq!(largest_exponent(255.0, 255.0), 0);
        assert_eq!(largest_exponent(300.0, 255.0), -1);
        assert_eq!(pow2(-3), 0.125);
    }

    #[test]
    fn quantized_model_tracks_the_float_model() {
        // 784 -> 2 (ReLU) -> 10: hidden 0 sums the top rows, hidden 1 the
        // bottom rows; logits favour class 0 for top-heavy images.
        let mut w1 = Array2::zeros((2, PIXELS));
        for p in 0..PIXELS {
            w1[[if p < PIXELS / 2 { 0 } else { 1 }, p]] = 0.01;
        }
        let mut w2 = Array2::zeros((10, 2));
        w2[[0, 0]] = 1.0;
        w2[[1, 1]] = 1.0;
        let float = FloatMlp::new(vec![
            FloatLayer::new(w1, array![0.1, -0.05], true).unwrap(),
            FloatLayer::new(w2, Array1::zeros(10), false).unwrap(),
        ])
        .unwrap();
        let top = Digit::new(0, std::array::from_fn(|p| if p < 392 { 200 } else { 0 })).unwrap();
        let bottom = Digit::new(1, std::array::from_fn(|p| if p < 392 { 0 } else { 90 })).unwrap();
        let data = Dataset::from_digits(vec![top.clone(), bottom.clone()]);
        let q = quantize(&float, &data).unwrap();
        assert!(q.layers()[0].shift > 0);
        assert_eq!(q.layers()[1].shift, 0);
        assert!(q.layers()[0].weights.iter().all(|&w| w == 0 || w > 64));
        for digit in [top, bottom] {
            assert_eq!(q.predict(digit.pixels()).unwrap().digit, digit.label());
            assert_eq!(float.predict(digit.pixels()).unwrap(), digit.label());
        }
    }
}

//! Mini-batch training of the float network: softmax cross-entropy, AdamW,
//! a warm-up then cosine learning-rate schedule, and random affine
//! augmentation.
//!
//! Training is deterministic: the same data, configuration and seed give the
//! same weights bit for bit. Nothing depends on the CPU: every sum is taken
//! in a fixed order without fused multiply-add or run-time SIMD dispatch,
//! and `exp`, `ln`, `sin` and `cos` come from the pure-Rust `libm` crate.

use ndarray::{Array1, Array2, Zip};
use rand::seq::SliceRandom;

use crate::augment::Augmentation;
use crate::dataset::{Dataset, STREAM_INIT, STREAM_TRAIN, seeded_rng};
use crate::error::{Error, Result};
use crate::float::{FloatMlp, pixel_to_input};
use crate::linalg;
use zkml_verifier::statement::{CLASSES, PIXELS};

/// Everything that determines a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Seed of the held-out split, the initial weights, the batch order and
    /// the augmentation.
    pub seed: u64,
    /// Widths of the hidden layers (the input is 784, the output 10).
    pub hidden: Vec<usize>,
    /// Passes over the training digits.
    pub epochs: usize,
    /// Digits per mini-batch.
    pub batch_size: usize,
    /// Peak learning rate of AdamW.
    pub learning_rate: f32,
    /// Epochs of linear learning-rate warm-up before the cosine decay.
    pub warmup_epochs: usize,
    /// Decoupled weight decay of AdamW (applied to weights, not biases).
    pub weight_decay: f32,
    /// Label smoothing of the cross-entropy targets (0 = one-hot).
    pub label_smoothing: f32,
    /// Random distortions applied to every training digit.
    pub augmentation: Augmentation,
    /// Digits of each class held out of training.
    pub held_out_per_class: usize,
}

impl Default for TrainConfig {
    /// The configuration of the committed model.
    fn default() -> Self {
        Self {
            seed: 20_250_101,
            hidden: vec![64, 32],
            epochs: 300,
            batch_size: 64,
            learning_rate: 2e-3,
            warmup_epochs: 2,
            weight_decay: 1e-4,
            label_smoothing: 0.0,
            augmentation: Augmentation {
                max_shift: 2.0,
                max_rotation_degrees: 15.0,
                max_scale: 0.15,
            },
            held_out_per_class: 100,
        }
    }
}

impl TrainConfig {
    /// Layer widths of the network, input first (e.g. `[784, 64, 32, 10]`).
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = vec![PIXELS];
        widths.extend(&self.hidden);
        widths.push(CLASSES);
        widths
    }

    fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.batch_size == 0 {
            return Err(Error::InvalidConfig(
                "epochs and batch size must be positive",
            ));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::InvalidConfig("the learning rate must be positive"));
        }
        if !(0.0..1.0).contains(&self.label_smoothing)
            || !self.weight_decay.is_finite()
            || self.weight_decay < 0.0
        {
            return Err(Error::InvalidConfig(
                "label smoothing must be in [0, 1) and weight decay non-negative",
            ));
        }
        Ok(())
    }
}

/// Progress reports of [`train`].
#[derive(Clone, Debug, PartialEq)]
pub enum TrainEvent {
    /// Training begins.
    Started {
        /// Number of epochs.
        epochs: usize,
        /// Mini-batches per epoch.
        batches_per_epoch: usize,
    },
    /// One mini-batch has been applied.
    Batch {
        /// Zero-based epoch.
        epoch: usize,
    },
    /// An epoch is complete.
    EpochFinished {
        /// Zero-based epoch.
        epoch: usize,
        /// Mean cross-entropy over the epoch's (augmented) digits.
        loss: f32,
        /// Fraction of the epoch's (augmented) digits classified correctly
        /// before each update.
        accuracy: f32,
    },
}

/// Trains a new float network on the digits of `dataset` at `indices`.
///
/// # Errors
/// [`Error::InvalidConfig`] for an unusable configuration or an empty
/// `indices`, [`Error::DigitIndex`] for an index out of range.
pub fn train(
    dataset: &Dataset,
    indices: &[usize],
    config: &TrainConfig,
    mut progress: impl FnMut(&TrainEvent),
) -> Result<FloatMlp> {
    config.validate()?;
    if indices.is_empty() {
        return Err(Error::InvalidConfig("no training digits"));
    }
    if let Some(&index) = indices.iter().find(|&&i| i >= dataset.len()) {
        return Err(Error::DigitIndex {
            index,
            len: dataset.len(),
        });
    }
    let mut model = FloatMlp::random(&config.widths(), &mut seeded_rng(config.seed, STREAM_INIT))?;
    let mut optimizer = AdamW::new(&model, config.weight_decay);
    let mut rng = seeded_rng(config.seed, STREAM_TRAIN);

    let batches_per_epoch = indices.len().div_ceil(config.batch_size);
    let total_steps = config.epochs * batches_per_epoch;
    let warmup_steps = config.warmup_epochs * batches_per_epoch;
    progress(&TrainEvent::Started {
        epochs: config.epochs,
        batches_per_epoch,
    });

    let mut order = indices.to_vec();
    let mut step = 0;
    for epoch in 0..config.epochs {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for batch in order.chunks(config.batch_size) {
            let mut x = Array2::zeros((batch.len(), PIXELS));
            let mut labels = Vec::with_capacity(batch.len());
            for (&index, row) in batch.iter().zip(x.rows_mut()) {
                let digit = &dataset.digits()[index];
                labels.push(usize::from(digit.label()));
                if config.augmentation.is_none() {
                    Zip::from(row)
                        .and(&ndarray::aview1(digit.pixels()))
                        .for_each(|v, &p| *v = pixel_to_input(p));
                } else {
                    config
                        .augmentation
                        .sample(&mut rng)
                        .apply(digit.pixels(), row);
                }
            }
            let stats = optimizer.step(
                &mut model,
                &x,
                &labels,
                config.label_smoothing,
                learning_rate(config, step, warmup_steps, total_steps),
            );
            loss_sum += f64::from(stats.0);
            correct += stats.1;
            step += 1;
            progress(&TrainEvent::Batch { epoch });
        }
        progress(&TrainEvent::EpochFinished {
            epoch,
            loss: (loss_sum / order.len() as f64) as f32,
            accuracy: correct as f32 / order.len() as f32,
        });
    }
    Ok(model)
}

/// Linear warm-up to the peak rate, then cosine decay to zero.
fn learning_rate(config: &TrainConfig, step: usize, warmup: usize, total: usize) -> f32 {
    if step < warmup {
        return config.learning_rate * (step + 1) as f32 / warmup as f32;
    }
    let progress = (step - warmup) as f32 / (total - warmup).max(1) as f32;
    config.learning_rate * 0.5 * (1.0 + libm::cosf(std::f32::consts::PI * progress))
}

/// AdamW optimizer state: first and second moments of every parameter.
struct AdamW {
    weight_decay: f32,
    /// Per layer.
    moments: Vec<Moments>,
    /// `beta1^t` and `beta2^t`, kept as running products (exactly
    /// reproducible, unlike `powi`).
    beta_powers: (f32, f32),
}

/// Adam moments of one layer's weights and biases.
struct Moments {
    weights_mean: Array2<f32>,
    weights_variance: Array2<f32>,
    bias_mean: Array1<f32>,
    bias_variance: Array1<f32>,
}

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPSILON: f32 = 1e-8;

impl AdamW {
    fn new(model: &FloatMlp, weight_decay: f32) -> Self {
        let moments = model
            .layers()
            .iter()
            .map(|l| Moments {
                weights_mean: Array2::zeros(l.wt.raw_dim()),
                weights_variance: Array2::zeros(l.wt.raw_dim()),
                bias_mean: Array1::zeros(l.bias.raw_dim()),
                bias_variance: Array1::zeros(l.bias.raw_dim()),
            })
            .collect();
        Self {
            weight_decay,
            moments,
            beta_powers: (1.0, 1.0),
        }
    }

    /// One forward/backward pass and update on batch `x` with `labels`.
    /// Returns the summed loss and the number of correct predictions.
    fn step(
        &mut self,
        model: &mut FloatMlp,
        x: &Array2<f32>,
        labels: &[usize],
        smoothing: f32,
        lr: f32,
    ) -> (f32, usize) {
        let batch = labels.len() as f32;
        let outputs = model.forward_trace(x.view());
        let Some(logits) = outputs.last() else {
            return (0.0, 0);
        };

        // Softmax cross-entropy gradient with respect to the logits.
        let mut dz = Array2::zeros(logits.raw_dim());
        let (mut loss, mut correct) = (0.0f32, 0usize);
        let off_target = smoothing / CLASSES as f32;
        for ((row, mut grad), &label) in logits.rows().into_iter().zip(dz.rows_mut()).zip(labels) {
            let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let exps: Vec<f32> = row.iter().map(|&v| libm::expf(v - max)).collect();
            let sum: f32 = exps.iter().sum();
            if linalg::argmax_f32(row.iter().copied()) == label {
                correct += 1;
            }
            loss -= libm::logf(exps[label] / sum);
            for (class, (g, e)) in grad.iter_mut().zip(&exps).enumerate() {
                let target = off_target + if class == label { 1.0 - smoothing } else { 0.0 };
                *g = (e / sum - target) / batch;
            }
        }

        // Backward pass, last layer first.
        let layers = model.layers_mut();
        let mut grads = Vec::with_capacity(layers.len());
        for index in (0..layers.len()).rev() {
            let input = if index == 0 {
                x.view()
            } else {
                outputs[index - 1].view()
            };
            let mut grad_wt = Array2::zeros(layers[index].wt.raw_dim());
            let mut grad_b = Array1::zeros(layers[index].bias.raw_dim());
            linalg::add_outer(input, dz.view(), grad_wt.view_mut());
            linalg::add_column_sums(dz.view(), &mut grad_b);
            if index > 0 {
                let mut dx = linalg::backprop_input(dz.view(), layers[index].wt.view());
                // ReLU of the previous layer: no gradient where it was inactive.
                Zip::from(&mut dx)
                    .and(&outputs[index - 1])
                    .for_each(|d, &h| {
                        if h <= 0.0 {
                            *d = 0.0;
                        }
                    });
                dz = dx;
            }
            grads.push((grad_wt, grad_b));
        }
        grads.reverse();

        self.beta_powers.0 *= BETA1;
        self.beta_powers.1 *= BETA2;
        let (c1, c2) = (1.0 - self.beta_powers.0, 1.0 - self.beta_powers.1);
        let decay = 1.0 - lr * self.weight_decay;
        for ((layer, (gw, gb)), moments) in layers.iter_mut().zip(&grads).zip(&mut self.moments) {
            let update = |p: &mut f32, m: &mut f32, v: &mut f32, g: f32, decay: f32| {
                *m = BETA1 * *m + (1.0 - BETA1) * g;
                *v = BETA2 * *v + (1.0 - BETA2) * g * g;
                *p = *p * decay - lr * (*m / c1) / ((*v / c2).sqrt() + EPSILON);
            };
            Zip::from(&mut layer.wt)
                .and(&mut moments.weights_mean)
                .and(&mut moments.weights_variance)
                .and(gw)
                .for_each(|p, m, v, &g| update(p, m, v, g, decay));
            Zip::from(&mut layer.bias)
                .and(&mut moments.bias_mean)
                .and(&mut moments.bias_variance)
                .and(gb)
                .for_each(|p, m, v, &g| update(p, m, v, g, 1.0));
        }
        (loss, correct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Digit;

    /// Two easily separated classes: bright top half vs bright bottom half.
    fn toy_data() -> Dataset {
        let mut digits = Vec::new();
        for i in 0..40u8 {
            let label = i % 2;
            let pixels = std::array::from_fn(|p| {
                let top = p < PIXELS / 2;
                if top == (label == 0) { 100 + i } else { 0 }
            });
            digits.push(Digit::new(label, pixels).unwrap());
        }
        Dataset::from_digits(digits)
    }

    fn toy_config() -> TrainConfig {
        TrainConfig {
            hidden: vec![4],
            epochs: 5,
            batch_size: 8,
            augmentation: Augmentation::NONE,
            ..TrainConfig::default()
        }
    }

    #[test]
    fn training_is_deterministic_and_learns() {
        let data = toy_data();
        let indices: Vec<usize> = (0..data.len()).collect();
        let mut last_accuracy = 0.0;
        let a = train(&data, &indices, &toy_config(), |e| {
            if let TrainEvent::EpochFinished { accuracy, .. } = e {
                last_accuracy = *accuracy;
            }
        })
        .unwrap();
        let b = train(&data, &indices, &toy_config(), |_| {}).unwrap();
        assert_eq!(a, b);
        assert!(last_accuracy > 0.9, "accuracy {last_accuracy}");
        let predictions = a.predict_all(&data).unwrap();
        assert!(
            predictions
                .iter()
                .zip(data.digits())
                .all(|(p, d)| *p == d.label())
        );
    }

    #[test]
    fn rejects_bad_configuration() {
        let data = toy_data();
        let config = TrainConfig {
            epochs: 0,
            ..toy_config()
        };
        assert!(matches!(
            train(&data, &[0], &config, |_| {}),
            Err(Error::InvalidConfig(_))
        ));
        assert!(matches!(
            train(&data, &[1000], &toy_config(), |_| {}),
            Err(Error::DigitIndex { index: 1000, .. })
        ));
    }
}

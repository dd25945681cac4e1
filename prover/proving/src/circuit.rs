//! The Nova step circuit: one fold step per layer of the quantized model.
//!
//! # State
//!
//! `z` has [`statement::ARITY`] = 27 elements (see [`zkml_verifier::statement`]): a step
//! counter and 26 words that each pack 31 bytes little-endian. Before step 0 the words hold the
//! 784 pixels; after a hidden layer they hold its `u8` activations (the rest zero); after the
//! last layer word `j < 10` holds logit `j` (negative values as `p − |x|`) and the rest are zero.
//!
//! # One uniform step
//!
//! Every step runs the same circuit; a one-hot selector derived from the step counter picks the
//! layer:
//!
//! 1. **Selector**: `sel_l · (step − l) = 0` for each layer `l` and `Σ sel_l = 1`, so
//!    `sel_l = [step = l]` and the step counter must be below the number of layers.
//! 2. **Shared unpacking**: the 26 words are split into 784 bytes (8 boolean bits and one
//!    recomposition per byte, one packing constraint per word). All layers read these bytes:
//!    layer 0 the 784 pixels, later layers the first `inputs` bytes.
//! 3. **Layers**: for each layer `l` and output `o`, `t_{l,o} = sel_l · (b_o + Σ_i w_{o,i} x_i)`:
//!    one constraint whose `B` side is the weight row as a constant-coefficient linear
//!    combination, so a weight costs one nonzero, not a selector product.
//! 4. **Shared rescale and ReLU**: hidden output slot `o` receives
//!    `a_o = Σ_l 2^{S − s_l} t_{l,o}` (`S` the largest hidden shift), so that
//!    `floor(a_o / 2^S) = floor(acc / 2^{s_l})` for whichever layer is active. `a_o + 2^K` is
//!    decomposed into `K + 1` bits (`2^K` above the slot's accumulator bound): bit `K` is the
//!    sign, bits `S..S+8` the low byte of the quotient and any higher bit means "above 255".
//!    `y_o = sign · (overflow ? 255 : low byte)`, exactly `clamp(floor(acc / 2^s), 0, 255)`.
//! 5. **Outputs**: word `j` of the next state packs `y_{31j} … y_{31j+30}`, plus the last
//!    layer's `t_{last,j}` (a logit) for `j < 10`; inactive layers contribute zero.

use ff::PrimeField;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError, Variable};
use nova_snark::traits::circuit::StepCircuit;
use zkml_verifier::statement::{self, BYTES_PER_WORD, CLASSES, PIXELS, WORDS};

use crate::error::{Error, Result};
use zkml_model::QuantizedModel;

/// Version of the circuit's design; part of every cache key, bump it on any change.
pub const CIRCUIT_VERSION: u32 = 1;

/// The primary field, BN254's scalar field.
pub type Fr = nova_snark::provider::bn256_grumpkin::bn256::Scalar;

/// One layer's constants as the circuit uses them.
#[derive(Clone, Debug)]
struct Layer {
    inputs: usize,
    outputs: usize,
    weights: Vec<i8>,
    bias: Vec<i32>,
    shift: u32,
}

/// The step circuit proving one layer of a [`QuantizedModel`] per fold step.
///
/// See the [module documentation](self) for the constraints.
#[derive(Clone, Debug)]
pub struct MnistCircuit {
    layers: Vec<Layer>,
    /// Largest shift of a hidden layer (`S`).
    max_shift: u32,
    /// Number of hidden output slots: the widest hidden layer.
    slots: usize,
    /// Per slot, `K`: `2^K` exceeds the slot's scaled accumulator bound.
    slot_bits: Vec<u32>,
}

impl MnistCircuit {
    /// The circuit for `model`.
    ///
    /// # Errors
    /// [`Error::UnsupportedModel`] unless the model has [`statement::STEPS`] layers, 784
    /// inputs, hidden layers that fit in the packed state, and a last layer with ten outputs,
    /// no ReLU and shift 0.
    pub fn new(model: &QuantizedModel) -> Result<Self> {
        let layers = model.layers();
        let unsupported = |why: String| Err(Error::UnsupportedModel(why));
        if layers.len() as u64 != statement::STEPS {
            return unsupported(format!(
                "the statement expects {} layers, the model has {}",
                statement::STEPS,
                layers.len()
            ));
        }
        if model.input_len() != PIXELS {
            return unsupported(format!("{} inputs, expected {PIXELS}", model.input_len()));
        }
        let (last, hidden) = layers
            .split_last()
            .ok_or_else(|| Error::UnsupportedModel("it has no layer".into()))?;
        if last.relu || last.shift != 0 || last.outputs != CLASSES {
            return unsupported(
                "the last layer must have 10 outputs, no ReLU and shift 0".to_string(),
            );
        }
        let capacity = WORDS * BYTES_PER_WORD;
        let slots = hidden.iter().map(|l| l.outputs).max().unwrap_or(0);
        if slots > capacity || layers.iter().any(|l| l.inputs > PIXELS) {
            return unsupported(format!(
                "a layer is wider than the state ({capacity} bytes)"
            ));
        }
        let max_shift = hidden.iter().map(|l| l.shift).max().unwrap_or(0);
        let mut slot_bound = vec![0i128; slots];
        for layer in hidden {
            for (o, bound) in layer.accumulator_bounds().into_iter().enumerate() {
                let scaled = i128::from(bound) << (max_shift - layer.shift);
                slot_bound[o] = slot_bound[o].max(scaled);
            }
        }
        let slot_bits = slot_bound
            .iter()
            .map(|&b| (128 - b.leading_zeros()).max(max_shift))
            .collect::<Vec<u32>>();
        if slot_bits.iter().any(|&k| k >= 120 || max_shift + 8 > 120) {
            return unsupported("an accumulator bound does not fit the field".to_string());
        }
        Ok(Self {
            layers: layers
                .iter()
                .map(|l| Layer {
                    inputs: l.inputs,
                    outputs: l.outputs,
                    weights: l.weights.clone(),
                    bias: l.bias.clone(),
                    shift: l.shift,
                })
                .collect(),
            max_shift,
            slots,
            slot_bits,
        })
    }

    /// Number of fold steps: one per layer.
    pub fn num_steps(&self) -> usize {
        self.layers.len()
    }

    /// The witness of one step, computed natively from the state values `z`.
    fn witness<F: PrimeField>(&self, z: &[F]) -> Witness {
        let step = u64::from_le_bytes(first8(z[0].to_repr().as_ref()));
        let mut bytes = vec![0u8; PIXELS];
        for (j, word) in z[1..].iter().enumerate() {
            let repr = word.to_repr();
            for (k, &byte) in repr.as_ref().iter().take(BYTES_PER_WORD).enumerate() {
                if let Some(b) = bytes.get_mut(j * BYTES_PER_WORD + k) {
                    *b = byte;
                }
            }
        }
        let hidden = self.layers.len() - 1;
        let mut scaled = vec![0i128; self.slots];
        let mut logits = vec![0i128; CLASSES];
        for (l, layer) in self.layers.iter().enumerate() {
            if step != l as u64 {
                continue;
            }
            let accs = accumulate(layer, &bytes);
            if l < hidden {
                for (o, acc) in accs.into_iter().enumerate() {
                    scaled[o] = acc << (self.max_shift - layer.shift);
                }
            } else {
                logits = accs;
            }
        }
        Witness {
            step,
            bytes,
            scaled,
            logits,
        }
    }

    /// The state after one step from `z`, computed natively (no constraints).
    ///
    /// # Errors
    /// [`Error::StateLength`] if `z` does not have [`statement::ARITY`] elements.
    pub fn next_state(&self, z: &[Fr]) -> Result<Vec<Fr>> {
        if z.len() != statement::ARITY {
            return Err(Error::StateLength(z.len()));
        }
        let w = self.witness(z);
        let mut out = vec![Fr::from(w.step + 1)];
        let ys: Vec<u8> = (0..self.slots)
            .map(|o| clamp_shift(w.scaled[o], self.max_shift))
            .collect();
        for j in 0..WORDS {
            let mut repr = [0u8; 32];
            for (k, byte) in repr.iter_mut().enumerate().take(BYTES_PER_WORD) {
                if let Some(&y) = ys.get(j * BYTES_PER_WORD + k) {
                    *byte = y;
                }
            }
            let mut word = scalar_from_word(repr)?;
            if j < CLASSES {
                word += field::<Fr>(w.logits[j]);
            }
            out.push(word);
        }
        Ok(out)
    }
}

/// Values of one step's witness.
struct Witness {
    step: u64,
    bytes: Vec<u8>,
    /// `a_o` of each hidden slot.
    scaled: Vec<i128>,
    /// `t_{last,o}`.
    logits: Vec<i128>,
}

/// The low 8 bytes of a little-endian representation.
fn first8(repr: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (o, r) in out.iter_mut().zip(repr) {
        *o = *r;
    }
    out
}

/// `b_o + Σ_i w_{o,i} x_i` for each output of `layer`.
fn accumulate(layer: &Layer, x: &[u8]) -> Vec<i128> {
    layer
        .weights
        .chunks_exact(layer.inputs)
        .zip(&layer.bias)
        .map(|(row, &b)| {
            i128::from(b)
                + row
                    .iter()
                    .zip(x)
                    .map(|(&w, &x)| i128::from(w) * i128::from(x))
                    .sum::<i128>()
        })
        .collect()
}

/// `clamp(floor(a / 2^shift), 0, 255)`.
fn clamp_shift(a: i128, shift: u32) -> u8 {
    (a >> shift).clamp(0, 255) as u8
}

/// The field element of a signed integer.
fn field<F: PrimeField>(v: i128) -> F {
    let magnitude = F::from_u128(v.unsigned_abs());
    if v < 0 { -magnitude } else { magnitude }
}

fn alloc<F: PrimeField, CS: ConstraintSystem<F>>(
    cs: &mut CS,
    name: &str,
    value: Option<F>,
) -> Result<Variable, SynthesisError> {
    cs.alloc(|| name, || value.ok_or(SynthesisError::AssignmentMissing))
}

/// Allocates a bit and enforces `bit · (1 − bit) = 0`.
fn alloc_bit<F: PrimeField, CS: ConstraintSystem<F>>(
    cs: &mut CS,
    name: &str,
    value: Option<bool>,
) -> Result<Variable, SynthesisError> {
    let bit = alloc(cs, name, value.map(|b| if b { F::ONE } else { F::ZERO }))?;
    cs.enforce(
        || format!("c {name} boolean"),
        |lc| lc + bit,
        |lc| lc + CS::one() - bit,
        |lc| lc,
    );
    Ok(bit)
}

impl<F: PrimeField> StepCircuit<F> for MnistCircuit {
    fn arity(&self) -> usize {
        statement::ARITY
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        if z.len() != statement::ARITY {
            return Err(SynthesisError::Unsatisfiable(format!(
                "state has {} elements, expected {}",
                z.len(),
                statement::ARITY
            )));
        }
        let values: Option<Vec<F>> = z.iter().map(|n| n.get_value()).collect();
        let w = values.map(|v| self.witness(&v));
        let one = CS::one();
        let step = z[0].get_variable();

        // 1. One-hot selector.
        let mut selectors = Vec::with_capacity(self.layers.len());
        let mut sum = LinearCombination::zero();
        for l in 0..self.layers.len() {
            let value = w.as_ref().map(|w| F::from(u64::from(w.step == l as u64)));
            let sel = alloc(cs, &format!("sel {l}"), value)?;
            cs.enforce(
                || format!("c sel {l} only at step {l}"),
                |lc| lc + sel,
                |lc| lc + step - (F::from(l as u64), one),
                |lc| lc,
            );
            sum = sum + sel;
            selectors.push(sel);
        }
        cs.enforce(|| "c one layer", |_| sum, |lc| lc + one, |lc| lc + one);

        // 2. Unpack the words into bytes.
        let mut bytes = Vec::with_capacity(PIXELS);
        let byte_scale: Vec<F> = (0..BYTES_PER_WORD)
            .scan(F::ONE, |s, _| {
                let v = *s;
                *s *= F::from(256u64);
                Some(v)
            })
            .collect();
        for j in 0..WORDS {
            let mut word = LinearCombination::zero();
            for (k, &scale) in byte_scale.iter().enumerate() {
                let index = j * BYTES_PER_WORD + k;
                if index >= PIXELS {
                    break;
                }
                let value = w.as_ref().map(|w| w.bytes[index]);
                let mut byte_lc = LinearCombination::zero();
                for b in 0..8 {
                    let bit = alloc_bit(
                        cs,
                        &format!("x{index} bit {b}"),
                        value.map(|v| (v >> b) & 1 == 1),
                    )?;
                    byte_lc = byte_lc + (F::from(1u64 << b), bit);
                }
                let byte = alloc(
                    cs,
                    &format!("x{index}"),
                    value.map(|v| F::from(u64::from(v))),
                )?;
                cs.enforce(
                    || format!("c x{index} from bits"),
                    |_| byte_lc,
                    |lc| lc + one,
                    |lc| lc + byte,
                );
                word = word + (scale, byte);
                bytes.push(byte);
            }
            cs.enforce(
                || format!("c word {j} from bytes"),
                |_| word,
                |lc| lc + one,
                |lc| lc + z[1 + j].get_variable(),
            );
        }

        // 3. Selected layer products t_{l,o} = sel_l * acc_{l,o}.
        let hidden = self.layers.len() - 1;
        let mut scaled: Vec<LinearCombination<F>> =
            (0..self.slots).map(|_| LinearCombination::zero()).collect();
        let mut logits = Vec::with_capacity(CLASSES);
        for (l, layer) in self.layers.iter().enumerate() {
            let active = w.as_ref().map(|w| w.step == l as u64);
            let accs = w.as_ref().map(|w| accumulate(layer, &w.bytes));
            for o in 0..layer.outputs {
                let row = &layer.weights[o * layer.inputs..(o + 1) * layer.inputs];
                let mut acc = LinearCombination::zero() + (field::<F>(layer.bias[o].into()), one);
                for (&weight, &x) in row.iter().zip(&bytes) {
                    if weight != 0 {
                        acc = acc + (field::<F>(weight.into()), x);
                    }
                }
                let value = active
                    .zip(accs.as_ref())
                    .map(|(a, accs)| if a { field::<F>(accs[o]) } else { F::ZERO });
                let t = alloc(cs, &format!("t {l} {o}"), value)?;
                cs.enforce(
                    || format!("c t {l} {o}"),
                    |lc| lc + selectors[l],
                    |_| acc,
                    |lc| lc + t,
                );
                if l < hidden {
                    let factor = F::from(1u64 << (self.max_shift - layer.shift));
                    scaled[o] = scaled[o].clone() + (factor, t);
                } else {
                    logits.push(t);
                }
            }
        }

        // 4. Rescale and clamp each hidden slot.
        let mut ys = Vec::with_capacity(self.slots);
        let s = self.max_shift as usize;
        for (o, a) in scaled.into_iter().enumerate() {
            let k = self.slot_bits[o] as usize;
            let v = w.as_ref().map(|w| (w.scaled[o] + (1i128 << k)) as u128);
            let mut bits = Vec::with_capacity(k + 1);
            let mut sum = LinearCombination::zero();
            let mut scale = F::ONE;
            for b in 0..=k {
                let bit = alloc_bit(
                    cs,
                    &format!("slot {o} bit {b}"),
                    v.map(|v| (v >> b) & 1 == 1),
                )?;
                sum = sum + (scale, bit);
                scale = scale.double();
                bits.push(bit);
            }
            let offset = field::<F>(1i128 << k);
            cs.enforce(
                || format!("c slot {o} decomposition"),
                |_| sum,
                |lc| lc + one,
                |lc| lc + &a + (offset, one),
            );
            let quotient = v.map(|v| (v >> s) as i128 - (1i128 << (k - s)));
            let mut low = LinearCombination::zero();
            for b in 0..8 {
                if s + b < k {
                    low = low + (F::from(1u64 << b), bits[s + b]);
                }
            }
            let low_value = quotient.map(|q| F::from((q.rem_euclid(256)) as u64));
            let sign = bits[k];
            let y_value = quotient.map(|q| F::from(u64::from(q.clamp(0, 255) as u8)));
            let y = alloc(cs, &format!("y {o}"), y_value)?;
            if s + 8 < k {
                // overflow = OR(bits[s+8..k]).
                let mut high = LinearCombination::zero();
                for &bit in &bits[s + 8..k] {
                    high = high + bit;
                }
                let high_value = v.map(|v| {
                    F::from(((v >> (s + 8)) & ((1u128 << (k - s - 8)) - 1)).count_ones() as u64)
                });
                let over_value =
                    high_value.map(|h| if h.is_zero_vartime() { F::ZERO } else { F::ONE });
                let inv_value =
                    high_value.map(|h| Option::<F>::from(h.invert()).unwrap_or(F::ZERO));
                let over = alloc(cs, &format!("slot {o} over"), over_value)?;
                let inv = alloc(cs, &format!("slot {o} inv"), inv_value)?;
                cs.enforce(
                    || format!("c slot {o} over if high"),
                    |_| high.clone(),
                    |lc| lc + inv,
                    |lc| lc + over,
                );
                cs.enforce(
                    || format!("c slot {o} high only if over"),
                    |lc| lc + one - over,
                    |_| high,
                    |lc| lc,
                );
                // m = over * (255 - low); y = sign * (low + m).
                let m_value = over_value
                    .zip(low_value)
                    .map(|(ov, lo)| ov * (F::from(255u64) - lo));
                let m = alloc(cs, &format!("slot {o} m"), m_value)?;
                cs.enforce(
                    || format!("c slot {o} m"),
                    |lc| lc + over,
                    |lc| lc + (F::from(255u64), one) - &low,
                    |lc| lc + m,
                );
                cs.enforce(
                    || format!("c slot {o} y"),
                    |lc| lc + sign,
                    |lc| lc + &low + m,
                    |lc| lc + y,
                );
            } else {
                cs.enforce(
                    || format!("c slot {o} y"),
                    |lc| lc + sign,
                    |_| low,
                    |lc| lc + y,
                );
            }
            ys.push((y, y_value));
        }

        // 5. Next state.
        let next_step = AllocatedNum::alloc(cs.namespace(|| "next step"), || {
            z[0].get_value()
                .map(|s| s + F::ONE)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || "c step + 1",
            |lc| lc + step + one,
            |lc| lc + one,
            |lc| lc + next_step.get_variable(),
        );
        let mut out = vec![next_step];
        for j in 0..WORDS {
            let mut lc = LinearCombination::zero();
            let mut value = Some(F::ZERO);
            for (k, &scale) in byte_scale.iter().enumerate() {
                if let Some(&(y, y_value)) = ys.get(j * BYTES_PER_WORD + k) {
                    lc = lc + (scale, y);
                    value = value.zip(y_value).map(|(v, y)| v + scale * y);
                }
            }
            if let Some(&t) = logits.get(j) {
                lc = lc + t;
                let logit = w.as_ref().map(|w| field::<F>(w.logits[j]));
                value = value.zip(logit).map(|(v, t)| v + t);
            }
            let word = AllocatedNum::alloc(cs.namespace(|| format!("next word {j}")), || {
                value.ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce(
                || format!("c next word {j}"),
                |_| lc,
                |l| l + one,
                |l| l + word.get_variable(),
            );
            out.push(word);
        }
        Ok(out)
    }
}

/// `z0` as field elements for `pixels` (see [`statement::z0_words`]).
///
/// # Errors
/// [`Error::Statement`] if `pixels` is not 784 bytes.
pub fn z0(pixels: &[u8]) -> Result<Vec<Fr>> {
    statement::z0_words(pixels)?
        .into_iter()
        .map(scalar_from_word)
        .collect()
}

/// A canonical little-endian word as a field element.
///
/// # Errors
/// [`Error::NonCanonicalScalar`] if the word is `≥ p`.
pub fn scalar_from_word(word: [u8; 32]) -> Result<Fr> {
    let mut repr = <Fr as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(&word);
    Option::from(Fr::from_repr(repr)).ok_or(Error::NonCanonicalScalar)
}

/// A field element as a canonical little-endian word.
pub fn word_from_scalar(value: &Fr) -> [u8; 32] {
    let mut word = [0u8; 32];
    word.copy_from_slice(value.to_repr().as_ref());
    word
}

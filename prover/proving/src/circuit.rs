//! The Nova step circuit: one fold step per layer of the quantized model.
//!
//! # State
//!
//! `z` has [`statement::ARITY`] = 5 elements (see [`zkml_verifier::statement`]): a step counter,
//! the input commitment `C` (passed through unchanged) and 3 state words that each pack 31 bytes
//! little-endian. Before step 0 the state words are zero: the pixels are not in `z`, the circuit
//! takes them as private witness ([`Opening`]). After a hidden layer the words hold its `u8`
//! activations; after the last layer logit `c` sits in word `c / 7`, lane `c % 7`, as the `u32`
//! value `logit + 2^31`.
//!
//! # One uniform step
//!
//! Every step runs the same circuit; a one-hot selector derived from the step counter picks the
//! layer:
//!
//! 1. **Selector**: `sel_l · (step − l) = 0` for each layer `l` and `Σ sel_l = 1`, so
//!    `sel_l = [step = l]` and the step counter must be below the number of layers.
//! 2. **Input words**: 26 witness words `x_j` and a witness blinding `r`. Each word is split into
//!    31 bytes (8 boolean bits and one recomposition per byte, one packing constraint per word).
//!    At step 0, `sel_0 · (H(x ‖ r) − C) = 0` with `H` nova's Poseidon sponge over `Fr`: the
//!    bytes are the committed pixels. At later steps `(1 − sel_0) · (x_j − z_{2+j}) = 0` for the
//!    3 state words and `(1 − sel_0) · x_j = 0` for the others: the bytes are the activations.
//!    All layers read these bytes: layer 0 the 784 pixels, later layers the first `inputs`.
//! 3. **Layers**: for each layer `l` and output `o`, `t_{l,o} = sel_l · (b_o + Σ_i w_{o,i} x_i)`:
//!    one constraint whose `B` side is the weight row as a constant-coefficient linear
//!    combination, so a weight costs one nonzero, not a selector product.
//! 4. **Shared rescale and ReLU**: hidden output slot `o` receives
//!    `a_o = Σ_l 2^{S − s_l} t_{l,o}` (`S` the largest hidden shift), so that
//!    `floor(a_o / 2^S) = floor(acc / 2^{s_l})` for whichever layer is active. `a_o + 2^K` is
//!    decomposed into `K + 1` bits (`2^K` above the slot's accumulator bound): bit `K` is the
//!    sign, bits `S..S+8` the low byte of the quotient and any higher bit means "above 255".
//!    `y_o = sign · (overflow ? 255 : low byte)`, exactly `clamp(floor(acc / 2^s), 0, 255)`.
//! 5. **Outputs**: state word `j` of the next state packs `y_{31j} … y_{31j+30}`, plus, for the
//!    last layer, `Σ_lane 2^{32·lane} · (t_{last,7j+lane} + 2^31 · sel_last)`; inactive layers
//!    contribute zero. The model's last-layer bound (`|acc| < 2^31`) keeps every lane in range.

use ff::{Field, PrimeField};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError, Variable};
use nova_snark::provider::poseidon::{PoseidonConstantsCircuit, PoseidonRO, PoseidonROCircuit};
use nova_snark::traits::circuit::StepCircuit;
use nova_snark::traits::{ROCircuitTrait, ROTrait};
use zkml_verifier::statement::{
    self, BYTES_PER_WORD, CLASSES, INPUT_WORDS, LANE_BYTES, LANES_PER_WORD, LOGIT_BOUND, PIXELS,
    STATE_WORDS,
};

use crate::error::{Error, Result};
use zkml_model::QuantizedModel;

/// Version of the circuit's design; part of every cache key, bump it on any change.
pub const CIRCUIT_VERSION: u32 = 2;

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

/// What opens an input commitment: the pixels and the blinding (step 0's private witness).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    pixels: Vec<u8>,
    blinding: Fr,
}

impl Opening {
    /// The opening of `pixels` (784 bytes) with `blinding`, a canonical little-endian scalar.
    ///
    /// # Errors
    /// [`Error::Statement`] if `pixels` is not 784 bytes, [`Error::NonCanonicalScalar`] if the
    /// blinding is `≥ p`.
    pub fn new(pixels: &[u8], blinding: [u8; 32]) -> Result<Self> {
        if pixels.len() != PIXELS {
            return Err(statement::StatementError::InputLength(pixels.len()).into());
        }
        Ok(Self {
            pixels: pixels.to_vec(),
            blinding: scalar_from_word(blinding)?,
        })
    }

    /// The opening of a public input: `pixels` with blinding zero, what the program commits to
    /// when a user sends plain pixels.
    ///
    /// # Errors
    /// [`Error::Statement`] if `pixels` is not 784 bytes.
    pub fn public(pixels: &[u8]) -> Result<Self> {
        Self::new(pixels, [0; 32])
    }

    /// The pixels.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The blinding as a little-endian word.
    pub fn blinding(&self) -> [u8; 32] {
        word_from_scalar(&self.blinding)
    }

    /// The packed input words the commitment hashes, as field elements.
    fn words(&self) -> Vec<Fr> {
        self.pixels
            .chunks(BYTES_PER_WORD)
            .map(|chunk| pack(chunk.iter().copied()))
            .collect()
    }

    /// `C = H(words ‖ blinding)` computed natively with nova's Poseidon RO over `Fr` (the full
    /// squeezed element), the same hash as [`statement::commitment`] and the circuit's gadget.
    pub fn commitment(&self) -> Fr {
        let mut ro = PoseidonRO::<Fr>::new(PoseidonConstantsCircuit::default());
        for word in self.words() {
            ro.absorb(word);
        }
        ro.absorb(self.blinding);
        ro.squeeze(Fr::NUM_BITS as usize, false)
    }
}

/// `Σ_k bytes[k] · 256^k`.
fn pack<F: PrimeField>(bytes: impl Iterator<Item = u8>) -> F {
    let mut scale = F::ONE;
    let mut sum = F::ZERO;
    for byte in bytes {
        sum += scale * F::from(u64::from(byte));
        scale *= F::from(256u64);
    }
    sum
}

/// The step circuit proving one layer of a [`QuantizedModel`] per fold step.
///
/// See the [module documentation](self) for the constraints. The circuit from [`Self::new`]
/// defines the shape (the keys); proving uses [`Self::with_opening`], which carries step 0's
/// private witness.
#[derive(Clone, Debug)]
pub struct MnistCircuit {
    layers: Vec<Layer>,
    /// Largest shift of a hidden layer (`S`).
    max_shift: u32,
    /// Number of hidden output slots: the widest hidden layer.
    slots: usize,
    /// Per slot, `K`: `2^K` exceeds the slot's scaled accumulator bound.
    slot_bits: Vec<u32>,
    /// The pixels and blinding of step 0, when proving.
    opening: Option<Opening>,
}

impl MnistCircuit {
    /// The circuit for `model`.
    ///
    /// # Errors
    /// [`Error::UnsupportedModel`] unless the model has [`statement::STEPS`] layers, 784
    /// inputs, hidden layers that fit in the packed state, and a last layer with ten outputs,
    /// no ReLU, shift 0 and accumulators within `±2^31`.
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
        if last
            .accumulator_bounds()
            .iter()
            .any(|&b| b >= LOGIT_BOUND as i64)
        {
            return unsupported("a logit can leave the i32 range".to_string());
        }
        let capacity = STATE_WORDS * BYTES_PER_WORD;
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
            opening: None,
        })
    }

    /// The same circuit carrying `opening` as step 0's private witness, for proving.
    pub fn with_opening(&self, opening: Opening) -> Self {
        Self {
            opening: Some(opening),
            ..self.clone()
        }
    }

    /// Number of fold steps: one per layer.
    pub fn num_steps(&self) -> usize {
        self.layers.len()
    }

    /// The witness of one step, computed natively from the state values `z` (and the opening
    /// at step 0); `None` at step 0 without an opening.
    fn witness(&self, z: &[Fr]) -> Option<Witness> {
        let step = u64::from_le_bytes(first8(z[0].to_repr().as_ref()));
        let (bytes, blinding) = if step == 0 {
            let opening = self.opening.as_ref()?;
            (opening.pixels.clone(), opening.blinding)
        } else {
            let mut bytes = vec![0u8; PIXELS];
            for (j, word) in z[2..].iter().enumerate() {
                let repr = word.to_repr();
                for (k, &byte) in repr.as_ref().iter().take(BYTES_PER_WORD).enumerate() {
                    bytes[j * BYTES_PER_WORD + k] = byte;
                }
            }
            (bytes, Fr::ZERO)
        };
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
        Some(Witness {
            step,
            last: step + 1 == self.layers.len() as u64,
            bytes,
            blinding,
            scaled,
            logits,
        })
    }

    /// The state after one step from `z`, computed natively (no constraints).
    ///
    /// # Errors
    /// [`Error::StateLength`] if `z` does not have [`statement::ARITY`] elements,
    /// [`Error::MissingOpening`] at step 0 of a circuit without an opening.
    pub fn next_state(&self, z: &[Fr]) -> Result<Vec<Fr>> {
        if z.len() != statement::ARITY {
            return Err(Error::StateLength(z.len()));
        }
        let w = self.witness(z).ok_or(Error::MissingOpening)?;
        let mut out = vec![Fr::from(w.step + 1), z[1]];
        let ys: Vec<u8> = (0..self.slots)
            .map(|o| clamp_shift(w.scaled[o], self.max_shift))
            .collect();
        for j in 0..STATE_WORDS {
            let chunk = ys.iter().skip(j * BYTES_PER_WORD).take(BYTES_PER_WORD);
            let mut word: Fr = pack(chunk.copied());
            if w.last {
                for (lane, &logit) in w
                    .logits
                    .iter()
                    .skip(j * LANES_PER_WORD)
                    .take(LANES_PER_WORD)
                    .enumerate()
                {
                    word += lane_scale::<Fr>(lane) * field::<Fr>(logit + i128::from(LOGIT_BOUND));
                }
            }
            out.push(word);
        }
        Ok(out)
    }
}

/// Values of one step's witness.
struct Witness {
    step: u64,
    /// Whether this is the last layer's step.
    last: bool,
    /// The 784 bytes the layers read: the pixels at step 0, the activations after.
    bytes: Vec<u8>,
    /// The commitment's blinding (zero after step 0).
    blinding: Fr,
    /// `a_o` of each hidden slot.
    scaled: Vec<i128>,
    /// `t_{last,o}`.
    logits: Vec<i128>,
}

/// `2^{32 · lane}`: where logit lane `lane` starts in its word.
fn lane_scale<F: PrimeField>(lane: usize) -> F {
    F::from(2u64).pow_vartime([(8 * LANE_BYTES * lane) as u64])
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

impl StepCircuit<Fr> for MnistCircuit {
    fn arity(&self) -> usize {
        statement::ARITY
    }

    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        if z.len() != statement::ARITY {
            return Err(SynthesisError::Unsatisfiable(format!(
                "state has {} elements, expected {}",
                z.len(),
                statement::ARITY
            )));
        }
        let values: Option<Vec<Fr>> = z.iter().map(|n| n.get_value()).collect();
        let w = match values {
            Some(v) => Some(self.witness(&v).ok_or(SynthesisError::AssignmentMissing)?),
            None => None,
        };
        let one = CS::one();
        let step = z[0].get_variable();

        // 1. One-hot selector.
        let mut selectors = Vec::with_capacity(self.layers.len());
        let mut sum = LinearCombination::zero();
        for l in 0..self.layers.len() {
            let value = w.as_ref().map(|w| Fr::from(u64::from(w.step == l as u64)));
            let sel = alloc(cs, &format!("sel {l}"), value)?;
            cs.enforce(
                || format!("c sel {l} only at step {l}"),
                |lc| lc + sel,
                |lc| lc + step - (Fr::from(l as u64), one),
                |lc| lc,
            );
            sum = sum + sel;
            selectors.push(sel);
        }
        cs.enforce(|| "c one layer", |_| sum, |lc| lc + one, |lc| lc + one);

        // 2. Input words: unpacked into bytes, committed at step 0, the state after.
        let sel0 = selectors[0];
        let mut bytes = Vec::with_capacity(PIXELS);
        let mut words = Vec::with_capacity(INPUT_WORDS);
        let byte_scale: Vec<Fr> = (0..BYTES_PER_WORD)
            .scan(Fr::ONE, |s, _| {
                let v = *s;
                *s *= Fr::from(256u64);
                Some(v)
            })
            .collect();
        for j in 0..INPUT_WORDS {
            let mut word = LinearCombination::zero();
            let mut word_value = Some(Fr::ZERO);
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
                    byte_lc = byte_lc + (Fr::from(1u64 << b), bit);
                }
                let byte = alloc(
                    cs,
                    &format!("x{index}"),
                    value.map(|v| Fr::from(u64::from(v))),
                )?;
                cs.enforce(
                    || format!("c x{index} from bits"),
                    |_| byte_lc,
                    |lc| lc + one,
                    |lc| lc + byte,
                );
                word = word + (scale, byte);
                word_value = word_value
                    .zip(value)
                    .map(|(sum, v)| sum + scale * Fr::from(u64::from(v)));
                bytes.push(byte);
            }
            let x = AllocatedNum::alloc(cs.namespace(|| format!("word {j}")), || {
                word_value.ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce(
                || format!("c word {j} from bytes"),
                |_| word,
                |lc| lc + one,
                |lc| lc + x.get_variable(),
            );
            // After step 0 the words are the state words (and zero past them).
            let mut state = LinearCombination::zero() + x.get_variable();
            if let Some(s) = z.get(2 + j).filter(|_| j < STATE_WORDS) {
                state = state - s.get_variable();
            }
            cs.enforce(
                || format!("c word {j} is the state after step 0"),
                |lc| lc + one - sel0,
                |_| state,
                |lc| lc,
            );
            words.push(x);
        }
        let blinding = AllocatedNum::alloc(cs.namespace(|| "blinding"), || {
            w.as_ref()
                .map(|w| w.blinding)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        let mut ro = PoseidonROCircuit::<Fr>::new(PoseidonConstantsCircuit::default());
        for x in &words {
            ro.absorb(x);
        }
        ro.absorb(&blinding);
        let hash = ro.squeeze_scalar(cs.namespace(|| "commitment hash"))?;
        cs.enforce(
            || "c step 0 opens the commitment",
            |lc| lc + sel0,
            |lc| lc + hash.get_variable() - z[1].get_variable(),
            |lc| lc,
        );

        // 3. Selected layer products t_{l,o} = sel_l * acc_{l,o}.
        let hidden = self.layers.len() - 1;
        let mut scaled: Vec<LinearCombination<Fr>> =
            (0..self.slots).map(|_| LinearCombination::zero()).collect();
        let mut logits = Vec::with_capacity(CLASSES);
        for (l, layer) in self.layers.iter().enumerate() {
            let active = w.as_ref().map(|w| w.step == l as u64);
            let accs = w.as_ref().map(|w| accumulate(layer, &w.bytes));
            for o in 0..layer.outputs {
                let row = &layer.weights[o * layer.inputs..(o + 1) * layer.inputs];
                let mut acc = LinearCombination::zero() + (field::<Fr>(layer.bias[o].into()), one);
                for (&weight, &x) in row.iter().zip(&bytes) {
                    if weight != 0 {
                        acc = acc + (field::<Fr>(weight.into()), x);
                    }
                }
                let value = active
                    .zip(accs.as_ref())
                    .map(|(a, accs)| if a { field::<Fr>(accs[o]) } else { Fr::ZERO });
                let t = alloc(cs, &format!("t {l} {o}"), value)?;
                cs.enforce(
                    || format!("c t {l} {o}"),
                    |lc| lc + selectors[l],
                    |_| acc,
                    |lc| lc + t,
                );
                if l < hidden {
                    let factor = Fr::from(1u64 << (self.max_shift - layer.shift));
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
            let mut scale = Fr::ONE;
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
            let offset = field::<Fr>(1i128 << k);
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
                    low = low + (Fr::from(1u64 << b), bits[s + b]);
                }
            }
            let low_value = quotient.map(|q| Fr::from((q.rem_euclid(256)) as u64));
            let sign = bits[k];
            let y_value = quotient.map(|q| Fr::from(u64::from(q.clamp(0, 255) as u8)));
            let y = alloc(cs, &format!("y {o}"), y_value)?;
            if s + 8 < k {
                // overflow = OR(bits[s+8..k]).
                let mut high = LinearCombination::zero();
                for &bit in &bits[s + 8..k] {
                    high = high + bit;
                }
                let high_value = v.map(|v| {
                    Fr::from(((v >> (s + 8)) & ((1u128 << (k - s - 8)) - 1)).count_ones() as u64)
                });
                let over_value = high_value.map(|h| {
                    if h.is_zero_vartime() {
                        Fr::ZERO
                    } else {
                        Fr::ONE
                    }
                });
                let inv_value =
                    high_value.map(|h| Option::<Fr>::from(h.invert()).unwrap_or(Fr::ZERO));
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
                    .map(|(ov, lo)| ov * (Fr::from(255u64) - lo));
                let m = alloc(cs, &format!("slot {o} m"), m_value)?;
                cs.enforce(
                    || format!("c slot {o} m"),
                    |lc| lc + over,
                    |lc| lc + (Fr::from(255u64), one) - &low,
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
                .map(|s| s + Fr::ONE)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || "c step + 1",
            |lc| lc + step + one,
            |lc| lc + one,
            |lc| lc + next_step.get_variable(),
        );
        let sel_last = selectors[self.layers.len() - 1];
        let offset = field::<Fr>(i128::from(LOGIT_BOUND));
        let mut out = vec![next_step, z[1].clone()];
        for j in 0..STATE_WORDS {
            let mut lc = LinearCombination::zero();
            let mut value = Some(Fr::ZERO);
            for (k, &scale) in byte_scale.iter().enumerate() {
                if let Some(&(y, y_value)) = ys.get(j * BYTES_PER_WORD + k) {
                    lc = lc + (scale, y);
                    value = value.zip(y_value).map(|(v, y)| v + scale * y);
                }
            }
            for lane in 0..LANES_PER_WORD {
                let Some(&t) = logits.get(j * LANES_PER_WORD + lane) else {
                    break;
                };
                let scale = lane_scale::<Fr>(lane);
                lc = lc + (scale, t) + (scale * offset, sel_last);
                let lane_value = w.as_ref().map(|w| {
                    if w.last {
                        field::<Fr>(w.logits[j * LANES_PER_WORD + lane]) + offset
                    } else {
                        Fr::ZERO
                    }
                });
                value = value.zip(lane_value).map(|(v, t)| v + scale * t);
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

/// `z0` as field elements for the input commitment `commitment` (see [`statement::z0_words`]).
pub fn z0(commitment: &Fr) -> Vec<Fr> {
    let mut z0 = vec![Fr::ZERO; statement::ARITY];
    z0[statement::COMMITMENT_INDEX] = *commitment;
    z0
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

//! The statement a proof is about: how the program builds the Nova input `z0` from the input
//! commitment it stored, and how it reads the model's answer from the output `zn`.
//!
//! The step state `z` has [`ARITY`] elements, each a BN254 scalar written as 32 little-endian
//! bytes:
//!
//! | index | before step 0 (`z0`) | after the last step (`zn`) |
//! |---|---|---|
//! | 0 | `0`, the step counter | [`STEPS`] |
//! | 1 | `C`, the input commitment | `C` (passed through) |
//! | `2 + j`, `j < STATE_WORDS` | `0` | logits in 4-byte lanes (below) |
//!
//! **The commitment.** The 784 pixels are packed into [`INPUT_WORDS`] words of 31 bytes
//! (word `j` is `Σ_k pixels[31j + k] · 256^k`) and `C = H(words ‖ blinding)`, where `H` is
//! nova's Poseidon sponge over BN254 `Fr` (width 25, IO pattern `[Absorb(27), Squeeze(1)]`, the
//! full squeezed element): the random oracle the verifier already holds (the `fr` oracle of the
//! [`ConstantKey`]). The blinding is a scalar the user picks: zero for a public input, random for
//! a private one, so that `C` reveals nothing. The step circuit takes the pixels and the
//! blinding as private witness at step 0 and checks them against `C`.
//!
//! **Between steps** the state words hold the hidden activations, one byte each, packed 31 per
//! word. **After the last step** logit `c` sits in word `c / 7`, lane `c % 7` (bytes
//! `4·lane .. 4·lane + 4`) as the `u32` value `logit + 2^31`; every other byte is zero.
//!
//! The program never takes `z0` from the prover: it calls [`z0_words`] on the commitment it
//! stored, which it computed itself from public pixels ([`commitment`]) or took from the user.

use crate::constants::ConstantKey;
use crate::field::{Fr, from_le32_canonical, le32};
use crate::poseidon::Poseidon;
use alloc::vec::Vec;
use ark_ff::PrimeField;

/// Pixels per side of an input image.
pub const IMAGE_SIDE: usize = 28;
/// Number of pixels of an input image (28 × 28), one byte each.
pub const PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Bytes packed into one word (31 bytes = 248 bits, below the 254-bit modulus).
pub const BYTES_PER_WORD: usize = 31;
/// Number of words the pixels are packed into for the commitment: `ceil(784 / 31)`.
pub const INPUT_WORDS: usize = PIXELS.div_ceil(BYTES_PER_WORD);
/// Number of state words after the step counter and the commitment: room for 93 activation
/// bytes between steps, and for the ten logits at the end.
pub const STATE_WORDS: usize = 3;
/// Number of elements of `z`: the step counter, the commitment and the state words.
pub const ARITY: usize = 2 + STATE_WORDS;
/// Index of the commitment in `z`.
pub const COMMITMENT_INDEX: usize = 1;
/// Number of fold steps of a proof: one per layer of the 784-64-32-10 model.
pub const STEPS: u64 = 3;
/// Number of logits (digit classes) in `zn`.
pub const CLASSES: usize = 10;
/// Logits are `i32` accumulators: `−2^31 ≤ x < 2^31`; a lane holds `x + LOGIT_BOUND`.
pub const LOGIT_BOUND: u64 = 1 << 31;
/// Bytes of one logit lane.
pub const LANE_BYTES: usize = 4;
/// Logit lanes per state word (28 of its 31 bytes).
pub const LANES_PER_WORD: usize = BYTES_PER_WORD / LANE_BYTES;
/// Elements the commitment hashes: the packed pixels and the blinding.
pub const COMMITMENT_INPUTS: usize = INPUT_WORDS + 1;

/// The BN254 scalar field modulus `p`, little-endian 64-bit limbs.
const MODULUS: [u64; 4] = [
    0x43e1_f593_f000_0001,
    0x2833_e848_79b9_7091,
    0xb850_45b6_8181_585d,
    0x3064_4e72_e131_a029,
];

/// Why a statement could not be built or an output could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// The input does not have [`PIXELS`] bytes.
    #[error("input has {0} bytes, expected {pixels}", pixels = PIXELS)]
    InputLength(usize),
    /// The blinding is not a canonical scalar (it is `≥ p`).
    #[error("the blinding is not a canonical scalar")]
    NonCanonicalBlinding,
    /// The commitment is not a canonical scalar (it is `≥ p`).
    #[error("the commitment is not a canonical scalar")]
    NonCanonicalCommitment,
    /// `zn` does not have [`ARITY`] elements.
    #[error("output has {0} elements, expected {arity}", arity = ARITY)]
    OutputLength(usize),
    /// An element of `zn` is not a canonical scalar (it is `≥ p`).
    #[error("output element {0} is not a canonical scalar")]
    NonCanonical(usize),
    /// The step counter of `zn` is not [`STEPS`].
    #[error("output step counter is not {steps}", steps = STEPS)]
    StepCount,
    /// A byte of `zn`'s state words outside the logit lanes is not zero.
    #[error("output element {0} has bytes outside its logit lanes")]
    NonZeroPadding(usize),
}

/// The model's answer read from `zn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The predicted digit: index of the largest logit, the lowest such index on ties.
    pub digit: u8,
    /// The ten logits.
    pub logits: Vec<i64>,
}

/// The pixels packed into [`INPUT_WORDS`] little-endian words of 31 bytes (the last holds the
/// remaining 9 pixels).
///
/// # Errors
/// [`StatementError::InputLength`] if `pixels` does not have [`PIXELS`] bytes.
pub fn input_words(pixels: &[u8]) -> Result<Vec<[u8; 32]>, StatementError> {
    if pixels.len() != PIXELS {
        return Err(StatementError::InputLength(pixels.len()));
    }
    Ok(pixels
        .chunks(BYTES_PER_WORD)
        .map(|chunk| {
            let mut word = [0u8; 32];
            word[..chunk.len()].copy_from_slice(chunk);
            word
        })
        .collect())
}

/// The commitment `C` to `pixels` with `blinding` (a canonical little-endian scalar; all zero
/// for a public input), computed with the constant key's Poseidon over `Fr`.
///
/// # Errors
/// [`StatementError::InputLength`] if `pixels` does not have [`PIXELS`] bytes,
/// [`StatementError::NonCanonicalBlinding`] if `blinding` is `≥ p`.
pub fn commitment(
    ck: &ConstantKey,
    pixels: &[u8],
    blinding: &[u8; 32],
) -> Result<[u8; 32], StatementError> {
    commitment_with(&ck.oracles.fr, pixels, blinding)
}

/// [`commitment`] with the Poseidon permutation given directly.
pub(crate) fn commitment_with(
    poseidon: &Poseidon<Fr>,
    pixels: &[u8],
    blinding: &[u8; 32],
) -> Result<[u8; 32], StatementError> {
    let mut inputs: Vec<Fr> = input_words(pixels)?
        .iter()
        // A word of 31 bytes is below p: no reduction happens.
        .map(|word| Fr::from_le_bytes_mod_order(word))
        .collect();
    inputs.push(
        from_le32_canonical::<Fr>(blinding).map_err(|_| StatementError::NonCanonicalBlinding)?,
    );
    Ok(le32(&poseidon.hash(&inputs)))
}

/// The initial state `z0` for the input commitment `commitment`: `[0, C, 0, …, 0]`.
///
/// # Errors
/// [`StatementError::NonCanonicalCommitment`] if `commitment` is `≥ p`.
pub fn z0_words(commitment: &[u8; 32]) -> Result<Vec<[u8; 32]>, StatementError> {
    if canonical(commitment).is_none() {
        return Err(StatementError::NonCanonicalCommitment);
    }
    let mut z0 = alloc::vec![[0u8; 32]; ARITY];
    z0[COMMITMENT_INDEX] = *commitment;
    Ok(z0)
}

/// Reads the model's answer from the final state `zn`.
///
/// # Errors
/// [`StatementError`] if `zn` has the wrong length, a non-canonical step counter or commitment,
/// a step counter other than [`STEPS`], or a non-zero byte outside the logit lanes.
pub fn decode_output(zn: &[[u8; 32]]) -> Result<Output, StatementError> {
    if zn.len() != ARITY {
        return Err(StatementError::OutputLength(zn.len()));
    }
    for (index, word) in zn.iter().enumerate().take(2) {
        canonical(word).ok_or(StatementError::NonCanonical(index))?;
    }
    let mut steps = [0u8; 32];
    steps[..8].copy_from_slice(&STEPS.to_le_bytes());
    if zn[0] != steps {
        return Err(StatementError::StepCount);
    }
    let mut logits = Vec::with_capacity(CLASSES);
    for (j, word) in zn[2..].iter().enumerate() {
        let lanes = CLASSES
            .saturating_sub(j * LANES_PER_WORD)
            .min(LANES_PER_WORD);
        let (used, rest) = word.split_at(lanes * LANE_BYTES);
        if rest.iter().any(|&b| b != 0) {
            return Err(StatementError::NonZeroPadding(2 + j));
        }
        for lane in used.chunks_exact(LANE_BYTES) {
            let mut value = [0u8; LANE_BYTES];
            value.copy_from_slice(lane);
            // A lane holds `logit + 2^31` in `0 .. 2^32`.
            logits.push(i64::from(u32::from_le_bytes(value)) - LOGIT_BOUND as i64);
        }
    }
    let mut digit = 0;
    for (class, &logit) in logits.iter().enumerate() {
        if logit > logits[digit] {
            digit = class;
        }
    }
    // `digit < CLASSES = 10`, so the cast cannot truncate.
    Ok(Output {
        digit: digit as u8,
        logits,
    })
}

/// The limbs of `bytes` if it encodes an integer below `p`.
fn canonical(bytes: &[u8; 32]) -> Option<[u64; 4]> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    // Compare from the most significant limb.
    for i in (0..4).rev() {
        if limbs[i] < MODULUS[i] {
            return Some(limbs);
        }
        if limbs[i] > MODULUS[i] {
            return None;
        }
    }
    None // equal to p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poseidon::RoField;
    use alloc::string::ToString;
    use alloc::vec;

    fn int(value: u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[..8].copy_from_slice(&value.to_le_bytes());
        out
    }

    /// `zn` with `logits` in their lanes.
    fn output(logits: &[i64]) -> Vec<[u8; 32]> {
        let mut zn = vec![[0u8; 32]; ARITY];
        zn[0] = int(STEPS);
        zn[1] = int(12345);
        for (c, &l) in logits.iter().enumerate() {
            let lane = u32::try_from(l + LOGIT_BOUND as i64).unwrap().to_le_bytes();
            let at = (c % LANES_PER_WORD) * LANE_BYTES;
            zn[2 + c / LANES_PER_WORD][at..at + LANE_BYTES].copy_from_slice(&lane);
        }
        zn
    }

    #[test]
    fn constants() {
        assert_eq!(PIXELS, 784);
        assert_eq!(INPUT_WORDS, 26);
        assert_eq!(ARITY, 5);
        assert_eq!(LANES_PER_WORD, 7);
        const { assert!(STATE_WORDS * LANES_PER_WORD >= CLASSES) };
        assert_eq!(<Fr as PrimeField>::MODULUS.0, MODULUS);
    }

    #[test]
    fn input_words_pack_pixels_little_endian() {
        let pixels: Vec<u8> = (0..PIXELS).map(|i| (i * 7 % 256) as u8).collect();
        let words = input_words(&pixels).unwrap();
        assert_eq!(words.len(), INPUT_WORDS);
        for (j, word) in words.iter().enumerate() {
            let mut expected = Fr::from(0u64);
            let mut scale = Fr::from(1u64);
            for k in 0..BYTES_PER_WORD {
                if let Some(&p) = pixels.get(j * BYTES_PER_WORD + k) {
                    expected += scale * Fr::from(u64::from(p));
                }
                scale *= Fr::from(256u64);
            }
            assert_eq!(*word, le32(&expected), "word {j}");
        }
        assert_eq!(
            input_words(&[0; 783]),
            Err(StatementError::InputLength(783))
        );
        assert_eq!(
            StatementError::InputLength(783).to_string(),
            "input has 783 bytes, expected 784"
        );
        assert_eq!(
            input_words(&[0; 785]),
            Err(StatementError::InputLength(785))
        );
    }

    #[test]
    fn commitment_hashes_words_and_blinding() {
        let poseidon = Fr::embedded();
        let pixels: Vec<u8> = (0..PIXELS).map(|i| (i * 13 % 256) as u8).collect();
        let zero = [0u8; 32];
        let c = commitment_with(&poseidon, &pixels, &zero).unwrap();
        let mut inputs: Vec<Fr> = input_words(&pixels)
            .unwrap()
            .iter()
            .map(|w| from_le32_canonical(w).unwrap())
            .collect();
        inputs.push(Fr::from(0u64));
        assert_eq!(c, le32(&poseidon.hash(&inputs)));
        // Another pixel or another blinding gives another commitment.
        let mut other = pixels.clone();
        other[PIXELS - 1] ^= 1;
        assert_ne!(commitment_with(&poseidon, &other, &zero).unwrap(), c);
        assert_ne!(commitment_with(&poseidon, &pixels, &int(1)).unwrap(), c);
        assert_eq!(
            commitment_with(&poseidon, &pixels, &[0xff; 32]),
            Err(StatementError::NonCanonicalBlinding)
        );
        assert_eq!(
            commitment_with(&poseidon, &pixels[1..], &zero),
            Err(StatementError::InputLength(PIXELS - 1))
        );
    }

    #[test]
    fn z0_carries_the_commitment() {
        let c = int(99);
        let z0 = z0_words(&c).unwrap();
        assert_eq!(z0.len(), ARITY);
        assert_eq!(z0[COMMITMENT_INDEX], c);
        assert!(z0.iter().enumerate().all(|(i, w)| i == 1 || *w == [0; 32]));
        assert_eq!(
            z0_words(&[0xff; 32]),
            Err(StatementError::NonCanonicalCommitment)
        );
    }

    #[test]
    fn decodes_signed_logits_and_argmax() {
        let logits = [-5, 17, (1 << 31) - 1, -(1 << 31), 0, 3, 17, -1, 2, 9];
        let out = decode_output(&output(&logits)).unwrap();
        assert_eq!(out.logits, logits.to_vec());
        assert_eq!(out.digit, 2);
        let out = decode_output(&output(&[4, 9, 9, 0, 0, 0, 0, 0, 0, 0])).unwrap();
        assert_eq!(out.digit, 1, "lowest index on ties");
    }

    #[test]
    fn rejects_bad_outputs() {
        let good = output(&[1; CLASSES]);
        assert_eq!(
            decode_output(&good[1..]),
            Err(StatementError::OutputLength(ARITY - 1))
        );
        let mut bad = good.clone();
        bad[0] = int(2);
        assert_eq!(decode_output(&bad), Err(StatementError::StepCount));
        assert_eq!(
            StatementError::StepCount.to_string(),
            "output step counter is not 3"
        );
        assert_eq!(
            StatementError::OutputLength(4).to_string(),
            "output has 4 elements, expected 5"
        );
        let mut bad = good.clone();
        bad[1] = [0xff; 32];
        assert_eq!(decode_output(&bad), Err(StatementError::NonCanonical(1)));
        let mut p = [0u8; 32];
        for (chunk, limb) in p.chunks_exact_mut(8).zip(MODULUS) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        bad[1] = p;
        assert_eq!(decode_output(&bad), Err(StatementError::NonCanonical(1)));
        // Bytes past the lanes: after lane 7 of word 2, after lane 3 of word 3, all of word 4.
        for (index, byte) in [(2, 28), (2, 31), (3, 12), (3, 30), (4, 0), (4, 27)] {
            let mut bad = good.clone();
            bad[index][byte] = 1;
            assert_eq!(
                decode_output(&bad),
                Err(StatementError::NonZeroPadding(index)),
                "element {index} byte {byte}"
            );
        }
    }
}

//! The statement a proof is about: how the program builds the Nova input `z0` from the pixels
//! it stored, and how it reads the model's answer from the output `zn`.
//!
//! The step state `z` has [`ARITY`] elements, each a BN254 scalar written as 32 little-endian
//! bytes:
//!
//! | index | before step 0 (`z0`) | after the last step (`zn`) |
//! |---|---|---|
//! | 0 | `0`, the step counter | [`STEPS`] |
//! | `1 + j`, `j < WORDS` | pixels `31j .. 31j + 31` packed little-endian, one byte each | `j < CLASSES`: logit `j`; otherwise `0` |
//!
//! Word `j` of `z0` is `Σ_k pixels[31j + k] · 256^k`: its 32-byte encoding is simply the 31
//! pixel bytes followed by a zero byte (the last word holds the remaining 9 pixels). Between
//! steps the words hold the hidden activations packed the same way. A negative logit `x` is the
//! field element `p − |x|`.
//!
//! The program never takes `z0` from the prover: it calls [`z0_words`] on the bytes it stored.

use alloc::vec::Vec;

/// Pixels per side of an input image.
pub const IMAGE_SIDE: usize = 28;
/// Number of pixels of an input image (28 × 28), one byte each.
pub const PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Bytes packed into one word of `z` (31 bytes = 248 bits, below the 254-bit modulus).
pub const BYTES_PER_WORD: usize = 31;
/// Number of packed words in `z`: `ceil(784 / 31)`.
pub const WORDS: usize = PIXELS.div_ceil(BYTES_PER_WORD);
/// Number of elements of `z`: the step counter and the packed words.
pub const ARITY: usize = 1 + WORDS;
/// Number of fold steps of a proof: one per layer of the 784-64-32-10 model.
pub const STEPS: u64 = 3;
/// Number of logits (digit classes) in `zn`.
pub const CLASSES: usize = 10;
/// Logits are `i32` accumulators: `−2^31 ≤ x < 2^31`.
pub const LOGIT_BOUND: u64 = 1 << 31;

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
    /// `zn` does not have [`ARITY`] elements.
    #[error("output has {0} elements, expected {arity}", arity = ARITY)]
    OutputLength(usize),
    /// An element of `zn` is not a canonical scalar (it is `≥ p`).
    #[error("output element {0} is not a canonical scalar")]
    NonCanonical(usize),
    /// The step counter of `zn` is not [`STEPS`].
    #[error("output step counter is not {steps}", steps = STEPS)]
    StepCount,
    /// A logit is outside the `i32` range.
    #[error("logit {0} is out of range")]
    LogitRange(usize),
    /// An unused word of `zn` is not zero.
    #[error("output element {0} should be zero")]
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

/// The initial state `z0` for `pixels`, each element a canonical little-endian scalar.
///
/// # Errors
/// [`StatementError::InputLength`] if `pixels` does not have [`PIXELS`] bytes.
pub fn z0_words(pixels: &[u8]) -> Result<Vec<[u8; 32]>, StatementError> {
    if pixels.len() != PIXELS {
        return Err(StatementError::InputLength(pixels.len()));
    }
    let mut z0 = Vec::with_capacity(ARITY);
    z0.push([0u8; 32]);
    for chunk in pixels.chunks(BYTES_PER_WORD) {
        let mut word = [0u8; 32];
        word[..chunk.len()].copy_from_slice(chunk);
        z0.push(word);
    }
    Ok(z0)
}

/// Reads the model's answer from the final state `zn`.
///
/// # Errors
/// [`StatementError`] if `zn` has the wrong length, holds a non-canonical scalar, a step
/// counter other than [`STEPS`], a logit outside the `i32` range, or a non-zero unused word.
pub fn decode_output(zn: &[[u8; 32]]) -> Result<Output, StatementError> {
    if zn.len() != ARITY {
        return Err(StatementError::OutputLength(zn.len()));
    }
    let limbs: Vec<[u64; 4]> = zn
        .iter()
        .enumerate()
        .map(|(index, bytes)| canonical(bytes).ok_or(StatementError::NonCanonical(index)))
        .collect::<Result<_, _>>()?;
    if limbs[0] != [STEPS, 0, 0, 0] {
        return Err(StatementError::StepCount);
    }
    let mut logits = Vec::with_capacity(CLASSES);
    for (class, value) in limbs[1..=CLASSES].iter().enumerate() {
        logits.push(signed(value).ok_or(StatementError::LogitRange(class))?);
    }
    for (index, value) in limbs.iter().enumerate().skip(1 + CLASSES) {
        if *value != [0; 4] {
            return Err(StatementError::NonZeroPadding(index));
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

/// `x` if the element is `x < 2^31`, `−x` if it is `p − x` with `x ≤ 2^31`, otherwise `None`.
fn signed(value: &[u64; 4]) -> Option<i64> {
    if value[1..] == [0, 0, 0] && value[0] < LOGIT_BOUND {
        // value < 2^31 fits in i64.
        return i64::try_from(value[0]).ok();
    }
    // x = p − value, computed with borrows; value ≤ p − 1 so x ≥ 1.
    let mut x = [0u64; 4];
    let mut borrow = 0u64;
    for i in 0..4 {
        let (d, b1) = MODULUS[i].overflowing_sub(value[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        x[i] = d;
        borrow = u64::from(b1 || b2);
    }
    if x[1..] == [0, 0, 0] && x[0] <= LOGIT_BOUND {
        i64::try_from(x[0]).ok().map(|x| -x)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use ark_bn254::Fr;
    use ark_ff::{BigInteger, PrimeField};

    fn word(value: Fr) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&value.into_bigint().to_bytes_le());
        out
    }

    fn int(value: i64) -> [u8; 32] {
        if value < 0 {
            word(-Fr::from(value.unsigned_abs()))
        } else {
            word(Fr::from(value as u64))
        }
    }

    fn output(logits: &[i64]) -> Vec<[u8; 32]> {
        let mut zn = vec![[0u8; 32]; ARITY];
        zn[0] = int(STEPS as i64);
        for (i, &l) in logits.iter().enumerate() {
            zn[1 + i] = int(l);
        }
        zn
    }

    #[test]
    fn constants() {
        assert_eq!(PIXELS, 784);
        assert_eq!(WORDS, 26);
        assert_eq!(ARITY, 27);
        let p = Fr::MODULUS.0;
        assert_eq!(p, MODULUS);
    }

    #[test]
    fn z0_packs_pixels_little_endian() {
        let pixels: Vec<u8> = (0..PIXELS).map(|i| (i * 7 % 256) as u8).collect();
        let z0 = z0_words(&pixels).unwrap();
        assert_eq!(z0.len(), ARITY);
        assert_eq!(z0[0], [0; 32]);
        for j in 0..WORDS {
            let mut expected = Fr::from(0u64);
            let mut scale = Fr::from(1u64);
            for k in 0..BYTES_PER_WORD {
                if let Some(&p) = pixels.get(j * BYTES_PER_WORD + k) {
                    expected += scale * Fr::from(u64::from(p));
                }
                scale *= Fr::from(256u64);
            }
            assert_eq!(z0[1 + j], word(expected), "word {j}");
        }
        assert_eq!(z0_words(&[0; 783]), Err(StatementError::InputLength(783)));
        assert_eq!(
            StatementError::InputLength(783).to_string(),
            "input has 783 bytes, expected 784"
        );
        assert_eq!(z0_words(&[0; 785]), Err(StatementError::InputLength(785)));
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
            StatementError::OutputLength(26).to_string(),
            "output has 26 elements, expected 27"
        );
        let mut bad = good.clone();
        bad[3] = int((1 << 31) + 1);
        assert_eq!(decode_output(&bad), Err(StatementError::LogitRange(2)));
        bad[3] = int(-(1 << 31) - 1);
        assert_eq!(decode_output(&bad), Err(StatementError::LogitRange(2)));
        let mut bad = good.clone();
        bad[5] = [0xff; 32];
        assert_eq!(decode_output(&bad), Err(StatementError::NonCanonical(5)));
        let mut bad = good.clone();
        let mut p = [0u8; 32];
        p.copy_from_slice(&Fr::MODULUS.to_bytes_le());
        bad[5] = p;
        assert_eq!(decode_output(&bad), Err(StatementError::NonCanonical(5)));
        let mut bad = good.clone();
        bad[ARITY - 1] = int(1);
        assert_eq!(
            decode_output(&bad),
            Err(StatementError::NonZeroPadding(ARITY - 1))
        );
    }
}

//! Labelled MNIST digits in the 785-byte record format, and the
//! deterministic held-out split.
//!
//! # Record format
//!
//! A digit file is a plain concatenation of records of [`RECORD_LEN`] bytes:
//!
//! | bytes    | content                                              |
//! |----------|------------------------------------------------------|
//! | 0        | label, 0..=9                                         |
//! | 1..=784  | 28x28 grey-level pixels, row-major, 0 (background) to 255 |
//!
//! There is no header; a file's length must be a non-zero multiple of
//! [`RECORD_LEN`].

use std::path::Path;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

use zkml_verifier::statement::{CLASSES, PIXELS};

/// Width and height of a digit image in pixels, the side of the statement's square image.
// TODO(merge): statement::IMAGE_SIDE
pub(crate) const IMAGE_SIDE: usize = PIXELS.isqrt();
/// Size in bytes of one record: a label byte followed by the pixels.
pub const RECORD_LEN: usize = 1 + PIXELS;

/// Random stream of the held-out split (see [`seeded_rng`]).
pub(crate) const STREAM_SPLIT: u64 = 1;
/// Random stream of weight initialisation.
pub(crate) const STREAM_INIT: u64 = 2;
/// Random stream of mini-batch order and data augmentation.
pub(crate) const STREAM_TRAIN: u64 = 3;

/// A ChaCha8 generator for one purpose of one seed.
///
/// Each purpose (split, initialisation, training) draws from its own stream
/// so that changing how much randomness one of them consumes never changes
/// the others.
pub(crate) fn seeded_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// One labelled digit image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digit {
    label: u8,
    pixels: [u8; PIXELS],
}

impl Digit {
    /// A digit with the given label (0..=9) and row-major pixels.
    ///
    /// # Errors
    /// [`Error::InvalidLabel`] (with index 0) if `label` is not a digit.
    pub fn new(label: u8, pixels: [u8; PIXELS]) -> Result<Self> {
        if usize::from(label) >= CLASSES {
            return Err(Error::InvalidLabel { index: 0, label });
        }
        Ok(Self { label, pixels })
    }

    /// The digit shown, 0..=9.
    pub fn label(&self) -> u8 {
        self.label
    }

    /// The 28x28 pixels, row-major, 0..=255.
    pub fn pixels(&self) -> &[u8; PIXELS] {
        &self.pixels
    }
}

/// An ordered collection of labelled digits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dataset {
    digits: Vec<Digit>,
}

impl Dataset {
    /// A data set holding `digits` in that order.
    pub fn from_digits(digits: Vec<Digit>) -> Self {
        Self { digits }
    }

    /// Parses the concatenated 785-byte records of `bytes`.
    ///
    /// # Errors
    /// [`Error::EmptyDataset`] for empty input, [`Error::DatasetLength`] if
    /// the length is not a multiple of [`RECORD_LEN`], [`Error::InvalidLabel`]
    /// for a label byte above 9.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() {
            return Err(Error::EmptyDataset);
        }
        if !bytes.len().is_multiple_of(RECORD_LEN) {
            return Err(Error::DatasetLength {
                len: bytes.len(),
                record_len: RECORD_LEN,
            });
        }
        let digits = bytes
            .chunks_exact(RECORD_LEN)
            .enumerate()
            .map(|(index, record)| {
                let (label, pixels) = record.split_first().ok_or(Error::EmptyDataset)?;
                let pixels: [u8; PIXELS] = pixels.try_into().map_err(|_| Error::DatasetLength {
                    len: bytes.len(),
                    record_len: RECORD_LEN,
                })?;
                Digit::new(*label, pixels).map_err(|_| Error::InvalidLabel {
                    index,
                    label: *label,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { digits })
    }

    /// Reads and parses a digit file.
    ///
    /// # Errors
    /// [`Error::Read`] if the file cannot be read, otherwise as
    /// [`Dataset::from_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_bytes(&crate::read_file(path.as_ref())?)
    }

    /// The records of this data set, concatenated in the file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.digits.len() * RECORD_LEN);
        for digit in &self.digits {
            bytes.push(digit.label);
            bytes.extend_from_slice(&digit.pixels);
        }
        bytes
    }

    /// Writes this data set in the file format.
    ///
    /// # Errors
    /// [`Error::Write`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::write_file(path.as_ref(), &self.to_bytes())
    }

    /// SHA-256 of [`Dataset::to_bytes`], i.e. of the file it was read from.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.to_bytes()).into()
    }

    /// The digits, in order.
    pub fn digits(&self) -> &[Digit] {
        &self.digits
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.digits.len()
    }

    /// Whether the data set holds no digit.
    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }

    /// How many digits of each class the data set holds.
    pub fn class_counts(&self) -> [usize; CLASSES] {
        let mut counts = [0; CLASSES];
        for digit in &self.digits {
            counts[usize::from(digit.label)] += 1;
        }
        counts
    }

    /// A new data set with the digits at `indices`, in that order.
    ///
    /// # Errors
    /// [`Error::DigitIndex`] if an index is out of range.
    pub fn subset(&self, indices: &[usize]) -> Result<Self> {
        let digits = indices
            .iter()
            .map(|&index| {
                self.digits.get(index).cloned().ok_or(Error::DigitIndex {
                    index,
                    len: self.digits.len(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { digits })
    }
}

/// A partition of a data set's indices into training and held-out digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Indices of the digits used for training, ascending.
    pub train: Vec<usize>,
    /// Indices of the held-out digits, never used in training, ascending.
    pub held_out: Vec<usize>,
}

impl Split {
    /// Holds out `per_class` digits of every class, chosen at random by
    /// `seed`; every other digit is for training.
    ///
    /// For each class in turn (0 to 9), the indices of that class are listed
    /// in file order, shuffled with ChaCha8 seeded by `seed` (stream 1,
    /// shared by all classes), and the first `per_class` of them are held
    /// out. The same data and seed always give the same split.
    ///
    /// # Errors
    /// [`Error::NotEnoughDigits`] if a class has `per_class` digits or fewer
    /// (at least one per class must remain for training).
    pub fn held_out_per_class(dataset: &Dataset, per_class: usize, seed: u64) -> Result<Self> {
        let mut rng = seeded_rng(seed, STREAM_SPLIT);
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); CLASSES];
        for (index, digit) in dataset.digits().iter().enumerate() {
            by_class[usize::from(digit.label)].push(index);
        }
        let mut held_out = Vec::with_capacity(per_class * CLASSES);
        for (class, indices) in (0u8..).zip(by_class.iter_mut()) {
            if indices.len() <= per_class {
                return Err(Error::NotEnoughDigits {
                    class,
                    available: indices.len(),
                    required: per_class + 1,
                });
            }
            indices.shuffle(&mut rng);
            held_out.extend_from_slice(&indices[..per_class]);
        }
        held_out.sort_unstable();
        let mut is_held_out = vec![false; dataset.len()];
        for &index in &held_out {
            is_held_out[index] = true;
        }
        let train = (0..dataset.len()).filter(|&i| !is_held_out[i]).collect();
        Ok(Self { train, held_out })
    }

    /// The first `per_class` held-out digits of each class (in ascending
    /// index order): a small, balanced test set that was never trained on.
    ///
    /// # Errors
    /// [`Error::NotEnoughDigits`] if the held-out part has fewer than
    /// `per_class` digits of some class, [`Error::DigitIndex`] if the split
    /// does not belong to `dataset`.
    pub fn held_out_sample(&self, dataset: &Dataset, per_class: usize) -> Result<Dataset> {
        let mut taken = [0usize; CLASSES];
        let mut indices = Vec::with_capacity(per_class * CLASSES);
        for &index in &self.held_out {
            let digit = dataset.digits().get(index).ok_or(Error::DigitIndex {
                index,
                len: dataset.len(),
            })?;
            let class = usize::from(digit.label());
            if taken[class] < per_class {
                taken[class] += 1;
                indices.push(index);
            }
        }
        if let Some((class, &available)) = (0u8..).zip(taken.iter()).find(|(_, n)| **n < per_class)
        {
            return Err(Error::NotEnoughDigits {
                class,
                available,
                required: per_class,
            });
        }
        dataset.subset(&indices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(label: u8, fill: u8) -> Vec<u8> {
        let mut r = vec![fill; RECORD_LEN];
        r[0] = label;
        r
    }

    fn balanced(per_class: usize) -> Dataset {
        let mut bytes = Vec::new();
        for label in 0..CLASSES as u8 {
            for i in 0..per_class {
                bytes.extend(record(label, i as u8));
            }
        }
        Dataset::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn parses_records() {
        let mut bytes = record(3, 7);
        bytes.extend(record(9, 200));
        let data = Dataset::from_bytes(&bytes).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.digits()[0].label(), 3);
        assert_eq!(data.digits()[1].pixels()[783], 200);
        assert_eq!(data.to_bytes(), bytes);
    }

    #[test]
    fn rejects_empty_data() {
        assert!(matches!(Dataset::from_bytes(&[]), Err(Error::EmptyDataset)));
    }

    #[test]
    fn rejects_partial_record() {
        let mut bytes = record(1, 0);
        bytes.pop();
        assert!(matches!(
            Dataset::from_bytes(&bytes),
            Err(Error::DatasetLength { len: 784, .. })
        ));
        let mut bytes = record(1, 0);
        bytes.extend(record(2, 0));
        bytes.push(0);
        assert!(matches!(
            Dataset::from_bytes(&bytes),
            Err(Error::DatasetLength { len: 1571, .. })
        ));
    }

    #[test]
    fn rejects_bad_label() {
        let mut bytes = record(1, 0);
        bytes.extend(record(10, 0));
        assert!(matches!(
            Dataset::from_bytes(&bytes),
            Err(Error::InvalidLabel {
                index: 1,
                label: 10
            })
        ));
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = Dataset::load("/nonexistent/digits.bin").unwrap_err();
        assert!(matches!(err, Error::Read { .. }));
        assert!(err.to_string().contains("/nonexistent/digits.bin"));
    }

    #[test]
    fn split_is_deterministic_balanced_and_disjoint() {
        let data = balanced(12);
        let a = Split::held_out_per_class(&data, 5, 42).unwrap();
        let b = Split::held_out_per_class(&data, 5, 42).unwrap();
        let c = Split::held_out_per_class(&data, 5, 43).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.held_out, c.held_out);
        assert_eq!(a.held_out.len(), 50);
        assert_eq!(a.train.len(), 70);
        let held = data.subset(&a.held_out).unwrap();
        assert_eq!(held.class_counts(), [5; CLASSES]);
        assert!(a.train.iter().all(|i| !a.held_out.contains(i)));
        let sample = a.held_out_sample(&data, 2).unwrap();
        assert_eq!(sample.class_counts(), [2; CLASSES]);
    }

    #[test]
    fn split_needs_enough_digits_per_class() {
        let data = balanced(5);
        assert!(matches!(
            Split::held_out_per_class(&data, 5, 0),
            Err(Error::NotEnoughDigits { class: 0, .. })
        ));
    }
}

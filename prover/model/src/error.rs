//! What can go wrong with digit data, models, their files and input images.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the model crate.
///
/// Every variant carries the data needed to tell a user what is wrong with
/// their input; none of them is raised by a bug of the crate itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A digit data set's length is not a whole number of records.
    #[error(
        "digit data is {len} bytes, which is not a whole number of {record_len}-byte records \
         (label byte + 28x28 pixels)"
    )]
    DatasetLength {
        /// Length of the data in bytes.
        len: usize,
        /// Expected size of one record.
        record_len: usize,
    },

    /// A digit data set holds no digit at all.
    #[error("digit data set is empty")]
    EmptyDataset,

    /// A record's label byte is not a digit 0-9.
    #[error("record {index} has label {label}, expected a digit 0-9")]
    InvalidLabel {
        /// Zero-based index of the record.
        index: usize,
        /// The label byte found.
        label: u8,
    },

    /// A class has fewer digits than a split needs.
    #[error("class {class} has only {available} digits, but {required} are needed")]
    NotEnoughDigits {
        /// The class (digit) that is short.
        class: u8,
        /// How many digits of that class exist.
        available: usize,
        /// How many were needed.
        required: usize,
    },

    /// A digit index is out of range for the data set.
    #[error("digit index {index} is out of range for a data set of {len} digits")]
    DigitIndex {
        /// The offending index.
        index: usize,
        /// Number of digits in the data set.
        len: usize,
    },

    /// A training configuration value is unusable.
    #[error("invalid training configuration: {0}")]
    InvalidConfig(&'static str),

    /// A model has no layer.
    #[error("a model needs at least one layer")]
    NoLayers,

    /// A model has more layers than the file format allows.
    #[error("model has {count} layers, at most {max} are supported")]
    TooManyLayers {
        /// Number of layers found.
        count: usize,
        /// The supported maximum.
        max: usize,
    },

    /// A layer has zero or too many inputs or outputs.
    #[error("layer {layer} has {inputs} inputs and {outputs} outputs; each must be 1..={max}")]
    LayerSize {
        /// Index of the layer.
        layer: usize,
        /// Its number of inputs.
        inputs: usize,
        /// Its number of outputs.
        outputs: usize,
        /// The supported maximum of either.
        max: usize,
    },

    /// A layer's parameter array has the wrong number of entries.
    #[error("layer {layer} has {actual} {what}, expected {expected}")]
    ParameterCount {
        /// Index of the layer.
        layer: usize,
        /// Which array ("weights" or "biases").
        what: &'static str,
        /// Expected number of entries.
        expected: usize,
        /// Number of entries found.
        actual: usize,
    },

    /// Consecutive layers do not fit together.
    #[error(
        "layer {layer} has {inputs} inputs but the previous layer has {previous_outputs} outputs"
    )]
    LayerMismatch {
        /// Index of the layer.
        layer: usize,
        /// Its number of inputs.
        inputs: usize,
        /// Outputs of the layer before it.
        previous_outputs: usize,
    },

    /// A hidden layer lacks the ReLU clamp, so its outputs would not fit in `u8`.
    #[error("hidden layer {layer} must apply ReLU so that its outputs fit in u8")]
    HiddenLayerWithoutRelu {
        /// Index of the layer.
        layer: usize,
    },

    /// A layer's rescale shift is out of range.
    #[error("layer {layer} has rescale shift {shift}, at most {max} is allowed")]
    ShiftTooLarge {
        /// Index of the layer.
        layer: usize,
        /// The shift found.
        shift: u32,
        /// The largest allowed shift.
        max: u32,
    },

    /// A layer could produce an accumulator outside the `i32` range.
    #[error(
        "layer {layer}, output {output}: the accumulator could reach {bound}, beyond the i32 range"
    )]
    AccumulatorOverflow {
        /// Index of the layer.
        layer: usize,
        /// Index of the output neuron.
        output: usize,
        /// The largest magnitude its accumulator could reach.
        bound: i64,
    },

    /// A float parameter is NaN or infinite.
    #[error("layer {layer} has a non-finite parameter")]
    NonFiniteParameter {
        /// Index of the layer.
        layer: usize,
    },

    /// A layer index is out of range.
    #[error("layer {index} does not exist: the model has {count} layers")]
    LayerIndex {
        /// The requested layer.
        index: usize,
        /// Number of layers in the model.
        count: usize,
    },

    /// An input vector has the wrong length for a layer.
    #[error("layer {layer} expects {expected} inputs, got {actual}")]
    InputLength {
        /// Index of the layer.
        layer: usize,
        /// Number of inputs the layer takes.
        expected: usize,
        /// Number of inputs given.
        actual: usize,
    },

    /// A value passed to a layer as input is outside `0..=255`.
    #[error("value {value} at position {position} is not a u8 activation")]
    ActivationRange {
        /// Position of the value in its vector.
        position: usize,
        /// The value.
        value: i32,
    },

    /// A model used as a digit classifier does not have ten outputs.
    #[error("the model has {outputs} outputs, a digit classifier needs {expected}")]
    NotAClassifier {
        /// Number of outputs of the model.
        outputs: usize,
        /// Number of classes expected.
        expected: usize,
    },

    /// A model file does not start with the expected magic bytes.
    #[error("not a {kind} model file (bad magic bytes)")]
    BadMagic {
        /// Which kind of file was expected ("quantized" or "float").
        kind: &'static str,
    },

    /// A model file has a format version this build cannot read.
    #[error("unsupported {kind} model file version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// Which kind of file.
        kind: &'static str,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },

    /// A model file ends before all of its declared content.
    #[error("{kind} model file is truncated: {needed} more bytes needed at offset {offset}")]
    Truncated {
        /// Which kind of file.
        kind: &'static str,
        /// Offset at which more data was needed.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },

    /// A model file has bytes after its digest.
    #[error("{kind} model file has {count} unexpected trailing bytes")]
    TrailingBytes {
        /// Which kind of file.
        kind: &'static str,
        /// Number of extra bytes.
        count: usize,
    },

    /// A model file's flag word has unknown bits set.
    #[error("layer {layer} has unknown flag bits {flags:#x}")]
    UnknownFlags {
        /// Index of the layer.
        layer: usize,
        /// The flag word found.
        flags: u32,
    },

    /// A model file's content does not match its SHA-256 digest: it was
    /// altered or damaged.
    #[error("{kind} model file digest mismatch: the file was altered or damaged")]
    DigestMismatch {
        /// Which kind of file.
        kind: &'static str,
    },

    /// An input image is not usable.
    #[error("input image {}", path.display())]
    InputImage {
        /// The image file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        defect: ImageDefect,
    },

    /// Pixels could not be encoded as a PNG.
    #[error("cannot encode a PNG")]
    EncodePng(#[source] png::EncodingError),
}

/// What is wrong with an input image.
#[derive(Debug, thiserror::Error)]
pub enum ImageDefect {
    /// The bytes are not a PNG.
    #[error("not a valid PNG")]
    NotPng(#[source] png::DecodingError),
    /// The image does not have the statement's size.
    #[error("is {width}x{height}, expected {side}x{side}")]
    Size {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The expected width and height.
        side: u32,
    },
    /// The image is not 8-bit grayscale.
    #[error("is {color:?} with {depth:?}-bit samples, expected 8-bit grayscale")]
    Format {
        /// Its colour type.
        color: png::ColorType,
        /// Its bit depth.
        depth: png::BitDepth,
    },
    /// The image's pixel data is damaged.
    #[error("corrupt PNG data")]
    Corrupt(#[source] png::DecodingError),
    /// The decoded or raw pixels are not one image.
    #[error("is {len} bytes, expected {expected} (28x28 raw pixels)")]
    Length {
        /// Number of bytes found.
        len: usize,
        /// Number of pixels expected.
        expected: usize,
    },
    /// The decoder cannot size its buffer.
    #[error("image too large")]
    TooLarge,
}

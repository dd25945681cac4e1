//! Binary model files: the quantized model (`.zkml`) and the float weights
//! it was made from.
//!
//! All integers are little-endian; floats are IEEE-754 `f32`, little-endian.
//! Both files end with the SHA-256 digest of every byte before it. Reading
//! checks, in order: the magic bytes, the version, that the declared sizes
//! match the file length exactly, the digest, and finally that the model is
//! consistent (see [`QuantizedModel::new`] and [`FloatMlp::new`]).
//!
//! # Quantized model file, version 1
//!
//! | size                | content                                          |
//! |---------------------|--------------------------------------------------|
//! | 8                   | magic `ZKMLQMDL`                                 |
//! | 4                   | version, `1`                                     |
//! | 4                   | layer count `L`, 1..=16                          |
//! | 16 × `L`            | per layer: inputs `u32`, outputs `u32`, shift `u32`, flags `u32` (bit 0 = ReLU, other bits 0) |
//! | per layer, in order | weights `O × I` bytes (`i8`, row-major `[out][in]`), then biases `O × 4` bytes (`i32`) |
//! | 32                  | SHA-256 of all the bytes above                   |
//!
//! The trailing digest is also [`QuantizedModel::digest`], the model's
//! identity.
//!
//! # Float model file, version 1
//!
//! | size                | content                                          |
//! |---------------------|--------------------------------------------------|
//! | 8                   | magic `ZKMLFMDL`                                 |
//! | 4                   | version, `1`                                     |
//! | 4                   | layer count `L`, 1..=16                          |
//! | 8                   | training seed (`u64`)                            |
//! | 4                   | held-out digits per class (`u32`)                |
//! | 32                  | SHA-256 of the training data file                |
//! | 32                  | digest of the quantized model made from these weights |
//! | 12 × `L`            | per layer: inputs `u32`, outputs `u32`, flags `u32` (bit 0 = ReLU) |
//! | per layer, in order | weights `O × I × 4` bytes (`f32`, row-major `[out][in]`), then biases `O × 4` bytes (`f32`) |
//! | 32                  | SHA-256 of all the bytes above                   |
//!
//! The float input is `pixel / 256` (see [`crate::float`]).

use std::path::Path;

use ndarray::{Array1, Array2};
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::float::{FloatLayer, FloatMlp};
use crate::quantized::{MAX_LAYERS, MAX_WIDTH, QuantizedLayer, QuantizedModel};

/// Magic bytes of a quantized model file.
pub const QUANTIZED_MAGIC: [u8; 8] = *b"ZKMLQMDL";
/// Magic bytes of a float model file.
pub const FLOAT_MAGIC: [u8; 8] = *b"ZKMLFMDL";
/// Version of both file formats written and read by this build.
pub const FORMAT_VERSION: u32 = 1;
/// Size of the trailing SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

const FLAG_RELU: u32 = 1;
const QUANTIZED: &str = "quantized";
const FLOAT: &str = "float";

/// A quantized model's identity and its file.
impl QuantizedModel {
    /// SHA-256 of the model's encoding (the file content without its
    /// trailing digest; see [`crate::format`]). This is the model's identity.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(encode_quantized_content(self)).into()
    }

    /// The model file bytes: encoding followed by the digest.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode_quantized(self)
    }

    /// Decodes and checks a model file.
    ///
    /// # Errors
    /// See [`decode_quantized`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        decode_quantized(bytes)
    }

    /// Reads and checks a model file.
    ///
    /// # Errors
    /// [`Error::Read`], or as [`QuantizedModel::from_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_bytes(&crate::read_file(path.as_ref())?)
    }

    /// Writes the model file.
    ///
    /// # Errors
    /// [`Error::Write`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::write_file(path.as_ref(), &self.to_bytes())
    }
}

/// The quantized model file without its trailing digest.
pub fn encode_quantized_content(model: &QuantizedModel) -> Vec<u8> {
    let layers = model.layers();
    let mut out = Vec::new();
    out.extend_from_slice(&QUANTIZED_MAGIC);
    put_u32(&mut out, FORMAT_VERSION);
    put_len(&mut out, layers.len());
    for layer in layers {
        put_len(&mut out, layer.inputs);
        put_len(&mut out, layer.outputs);
        put_u32(&mut out, layer.shift);
        put_u32(&mut out, if layer.relu { FLAG_RELU } else { 0 });
    }
    for layer in layers {
        out.extend(layer.weights.iter().map(|&w| w.to_le_bytes()[0]));
        for &b in &layer.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
    }
    out
}

/// The complete quantized model file: content, then its SHA-256.
pub fn encode_quantized(model: &QuantizedModel) -> Vec<u8> {
    with_digest(encode_quantized_content(model))
}

/// Reads a quantized model file.
///
/// # Errors
/// [`Error::BadMagic`], [`Error::UnsupportedVersion`], [`Error::NoLayers`],
/// [`Error::TooManyLayers`], [`Error::LayerSize`], [`Error::UnknownFlags`],
/// [`Error::Truncated`], [`Error::TrailingBytes`], [`Error::DigestMismatch`],
/// or any error of [`QuantizedModel::new`].
pub fn decode_quantized(bytes: &[u8]) -> Result<QuantizedModel> {
    let mut r = Reader::new(bytes, QUANTIZED, &QUANTIZED_MAGIC)?;
    let count = r.layer_count()?;
    let mut headers = Vec::with_capacity(count);
    for layer in 0..count {
        let (inputs, outputs) = r.layer_size(layer)?;
        let shift = r.u32()?;
        let relu = r.flags(layer)?;
        headers.push((inputs, outputs, shift, relu));
    }
    let mut layers = Vec::with_capacity(count);
    for (inputs, outputs, shift, relu) in headers {
        let weights = r
            .take(inputs * outputs)?
            .iter()
            .map(|&b| i8::from_le_bytes([b]))
            .collect();
        let bias = r
            .take(outputs * 4)?
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        layers.push(QuantizedLayer {
            inputs,
            outputs,
            weights,
            bias,
            shift,
            relu,
        });
    }
    r.finish()?;
    QuantizedModel::new(layers)
}

/// Where a float model came from: what is needed to tie it to its data,
/// its held-out split and its quantized model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// Seed of the held-out split, initialisation and training.
    pub seed: u64,
    /// Digits of each class held out of training.
    pub held_out_per_class: u32,
    /// SHA-256 of the training data file ([`crate::Dataset::digest`]).
    pub data_digest: [u8; 32],
    /// [`QuantizedModel::digest`] of the model quantized from these weights.
    pub quantized_digest: [u8; 32],
}

/// A float model together with its [`Provenance`], as stored in a float
/// model file.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatModelFile {
    /// The float network.
    pub model: FloatMlp,
    /// Where it came from.
    pub provenance: Provenance,
}

impl FloatModelFile {
    /// The complete float model file: content, then its SHA-256.
    pub fn to_bytes(&self) -> Vec<u8> {
        let layers = self.model.layers();
        let p = &self.provenance;
        let mut out = Vec::new();
        out.extend_from_slice(&FLOAT_MAGIC);
        put_u32(&mut out, FORMAT_VERSION);
        put_len(&mut out, layers.len());
        out.extend_from_slice(&p.seed.to_le_bytes());
        put_u32(&mut out, p.held_out_per_class);
        out.extend_from_slice(&p.data_digest);
        out.extend_from_slice(&p.quantized_digest);
        for layer in layers {
            put_len(&mut out, layer.inputs());
            put_len(&mut out, layer.outputs());
            put_u32(&mut out, if layer.relu() { FLAG_RELU } else { 0 });
        }
        for layer in layers {
            for &w in layer.weights() {
                out.extend_from_slice(&w.to_le_bytes());
            }
            for &b in layer.bias() {
                out.extend_from_slice(&b.to_le_bytes());
            }
        }
        with_digest(out)
    }

    /// Reads a float model file.
    ///
    /// # Errors
    /// As [`decode_quantized`], with [`FloatMlp::new`]'s errors (including
    /// [`Error::NonFiniteParameter`]) in place of the quantized ones.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, FLOAT, &FLOAT_MAGIC)?;
        let count = r.layer_count()?;
        let seed = u64::from_le_bytes(r.array()?);
        let held_out_per_class = r.u32()?;
        let data_digest = r.array()?;
        let quantized_digest = r.array()?;
        let mut headers = Vec::with_capacity(count);
        for layer in 0..count {
            let (inputs, outputs) = r.layer_size(layer)?;
            headers.push((inputs, outputs, r.flags(layer)?));
        }
        let mut layers = Vec::with_capacity(count);
        for (index, (inputs, outputs, relu)) in headers.into_iter().enumerate() {
            let weights = r.f32s(inputs * outputs)?;
            let bias = Array1::from(r.f32s(outputs)?);
            let weights = Array2::from_shape_vec((outputs, inputs), weights).map_err(|_| {
                Error::ParameterCount {
                    layer: index,
                    what: "weights",
                    expected: inputs * outputs,
                    actual: 0,
                }
            })?;
            layers.push(FloatLayer::new(weights, bias, relu).map_err(|e| match e {
                Error::NonFiniteParameter { .. } => Error::NonFiniteParameter { layer: index },
                other => other,
            })?);
        }
        r.finish()?;
        Ok(Self {
            model: FloatMlp::new(layers)?,
            provenance: Provenance {
                seed,
                held_out_per_class,
                data_digest,
                quantized_digest,
            },
        })
    }

    /// Reads and checks a float model file.
    ///
    /// # Errors
    /// [`Error::Read`], or as [`FloatModelFile::from_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_bytes(&crate::read_file(path.as_ref())?)
    }

    /// Writes the float model file.
    ///
    /// # Errors
    /// [`Error::Write`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::write_file(path.as_ref(), &self.to_bytes())
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Writes a size that validated models keep far below `u32::MAX`.
fn put_len(out: &mut Vec<u8>, v: usize) {
    put_u32(out, u32::try_from(v).unwrap_or(u32::MAX));
}

fn with_digest(mut content: Vec<u8>) -> Vec<u8> {
    let digest: [u8; DIGEST_LEN] = Sha256::digest(&content).into();
    content.extend_from_slice(&digest);
    content
}

/// A cursor over a model file that reports short reads as
/// [`Error::Truncated`].
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
    kind: &'static str,
}

impl<'a> Reader<'a> {
    /// Checks the magic and version and positions after them.
    fn new(bytes: &'a [u8], kind: &'static str, magic: &[u8; 8]) -> Result<Self> {
        if bytes.get(..magic.len()) != Some(magic.as_slice()) {
            return Err(Error::BadMagic { kind });
        }
        let mut r = Self {
            bytes,
            offset: magic.len(),
            kind,
        };
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                kind,
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        Ok(r)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let available = self.bytes.len() - self.offset;
        if n > available {
            return Err(Error::Truncated {
                kind: self.kind,
                offset: self.offset,
                needed: n - available,
            });
        }
        let slice = &self.bytes[self.offset..self.offset + n];
        self.offset += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>> {
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    fn layer_count(&mut self) -> Result<usize> {
        let count = self.u32()? as usize;
        match count {
            0 => Err(Error::NoLayers),
            c if c > MAX_LAYERS => Err(Error::TooManyLayers {
                count: c,
                max: MAX_LAYERS,
            }),
            c => Ok(c),
        }
    }

    fn layer_size(&mut self, layer: usize) -> Result<(usize, usize)> {
        let inputs = self.u32()? as usize;
        let outputs = self.u32()? as usize;
        if !(1..=MAX_WIDTH).contains(&inputs) || !(1..=MAX_WIDTH).contains(&outputs) {
            return Err(Error::LayerSize {
                layer,
                inputs,
                outputs,
                max: MAX_WIDTH,
            });
        }
        Ok((inputs, outputs))
    }

    fn flags(&mut self, layer: usize) -> Result<bool> {
        let flags = self.u32()?;
        if flags & !FLAG_RELU != 0 {
            return Err(Error::UnknownFlags { layer, flags });
        }
        Ok(flags & FLAG_RELU != 0)
    }

    /// Reads the trailing digest, checks that nothing follows it and that it
    /// matches the content.
    fn finish(mut self) -> Result<()> {
        let content_len = self.offset;
        let stored: [u8; DIGEST_LEN] = self.array()?;
        let trailing = self.bytes.len() - self.offset;
        if trailing != 0 {
            return Err(Error::TrailingBytes {
                kind: self.kind,
                count: trailing,
            });
        }
        let computed: [u8; DIGEST_LEN] = Sha256::digest(&self.bytes[..content_len]).into();
        if stored != computed {
            return Err(Error::DigestMismatch { kind: self.kind });
        }
        Ok(())
    }
}

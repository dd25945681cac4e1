//! Reading the 28x28 digit to prove: a committed sample, a PNG file or raw bytes.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{IMAGE_SIDE, PIXELS};

/// Reads a PNG that must be exactly 28x28, 8-bit grayscale (no alpha, no palette); returns
/// its pixels row-major.
///
/// # Errors
/// [`Error::Read`] if the file cannot be read, [`Error::InputImage`] if it is not a valid
/// PNG of that kind.
pub fn read_png(path: &Path) -> Result<[u8; PIXELS]> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    decode_png(&bytes).map_err(|reason| Error::InputImage {
        path: path.to_owned(),
        reason,
    })
}

/// [`read_png`] on bytes; the error is the reason.
fn decode_png(bytes: &[u8]) -> std::result::Result<[u8; PIXELS], String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a valid PNG: {e}"))?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    if (width, height) != (IMAGE_SIDE as u32, IMAGE_SIDE as u32) {
        return Err(format!("is {width}x{height}, expected 28x28"));
    }
    if info.color_type != png::ColorType::Grayscale || info.bit_depth != png::BitDepth::Eight {
        return Err(format!(
            "is {:?} with {:?}-bit samples, expected 8-bit grayscale",
            info.color_type, info.bit_depth
        ));
    }
    let mut buffer = vec![0u8; reader.output_buffer_size().ok_or("image too large")?];
    let frame = reader
        .next_frame(&mut buffer)
        .map_err(|e| format!("corrupt PNG data: {e}"))?;
    let data = &buffer[..frame.buffer_size()];
    let mut pixels = [0u8; PIXELS];
    if data.len() != PIXELS {
        return Err(format!(
            "decodes to {} bytes, expected {PIXELS}",
            data.len()
        ));
    }
    pixels.copy_from_slice(data);
    Ok(pixels)
}

/// Reads a raw file of exactly 784 bytes (28x28 pixels, row-major).
///
/// # Errors
/// [`Error::Read`], or [`Error::InputImage`] if the file is not 784 bytes.
pub fn read_raw(path: &Path) -> Result<[u8; PIXELS]> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    <[u8; PIXELS]>::try_from(bytes.as_slice()).map_err(|_| Error::InputImage {
        path: path.to_owned(),
        reason: format!(
            "is {} bytes, expected {PIXELS} (28x28 raw pixels)",
            bytes.len()
        ),
    })
}

/// Encodes 28x28 pixels as an 8-bit grayscale PNG (for tests and examples).
///
/// # Errors
/// [`Error::Encode`] if the encoder fails.
pub fn encode_png(pixels: &[u8; PIXELS]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let err = |e: png::EncodingError| Error::Encode {
        what: "PNG",
        message: e.to_string(),
    };
    {
        let mut encoder = png::Encoder::new(&mut out, IMAGE_SIDE as u32, IMAGE_SIDE as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(pixels).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(out)
}

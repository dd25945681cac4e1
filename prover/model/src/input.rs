//! Reading the 28x28 digit to prove: a committed sample, a PNG file or raw bytes.

use std::path::Path;

use crate::dataset::IMAGE_SIDE;
use crate::error::{Error, ImageDefect, Result};
use zkml_verifier::statement::PIXELS;

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
    decode_png(&bytes).map_err(|defect| Error::InputImage {
        path: path.to_owned(),
        defect,
    })
}

/// [`read_png`] on bytes.
fn decode_png(bytes: &[u8]) -> std::result::Result<[u8; PIXELS], ImageDefect> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(ImageDefect::NotPng)?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    let side = IMAGE_SIDE as u32;
    if (width, height) != (side, side) {
        return Err(ImageDefect::Size {
            width,
            height,
            side,
        });
    }
    if info.color_type != png::ColorType::Grayscale || info.bit_depth != png::BitDepth::Eight {
        return Err(ImageDefect::Format {
            color: info.color_type,
            depth: info.bit_depth,
        });
    }
    let mut buffer = vec![0u8; reader.output_buffer_size().ok_or(ImageDefect::TooLarge)?];
    let frame = reader
        .next_frame(&mut buffer)
        .map_err(ImageDefect::Corrupt)?;
    let data = &buffer[..frame.buffer_size()];
    <[u8; PIXELS]>::try_from(data).map_err(|_| ImageDefect::Length {
        len: data.len(),
        expected: PIXELS,
    })
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
        defect: ImageDefect::Length {
            len: bytes.len(),
            expected: PIXELS,
        },
    })
}

/// Encodes 28x28 pixels as an 8-bit grayscale PNG (for tests and examples).
///
/// # Errors
/// [`Error::EncodePng`] if the encoder fails.
pub fn encode_png(pixels: &[u8; PIXELS]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let err = Error::EncodePng;
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

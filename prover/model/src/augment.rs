//! Training-time data augmentation: small random distortions of the digit
//! images (shift, rotation, scale), which help a small network trained on
//! few digits generalise.
//!
//! All trigonometry goes through the `libm` crate so that augmented images,
//! and hence training, are bit-identical on every platform.

use ndarray::ArrayViewMut1;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::dataset::IMAGE_SIDE;
use crate::float::pixel_to_input;
use zkml_verifier::statement::PIXELS;

/// Ranges of the random distortions; each is drawn uniformly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augmentation {
    /// Largest shift in pixels, in each direction.
    pub max_shift: f32,
    /// Largest rotation in degrees, either way.
    pub max_rotation_degrees: f32,
    /// Largest relative change of size (e.g. 0.1 for 90%..110%).
    pub max_scale: f32,
}

impl Augmentation {
    /// No distortion at all.
    pub const NONE: Self = Self {
        max_shift: 0.0,
        max_rotation_degrees: 0.0,
        max_scale: 0.0,
    };

    /// Whether every range is zero.
    pub fn is_none(&self) -> bool {
        self.max_shift == 0.0 && self.max_rotation_degrees == 0.0 && self.max_scale == 0.0
    }

    /// Draws one distortion.
    pub(crate) fn sample(&self, rng: &mut ChaCha8Rng) -> Distortion {
        let mut symmetric = |range: f32| {
            if range > 0.0 {
                rng.random_range(-range..=range)
            } else {
                0.0
            }
        };
        let dx = symmetric(self.max_shift);
        let dy = symmetric(self.max_shift);
        let angle = symmetric(self.max_rotation_degrees).to_radians();
        let scale = 1.0 + symmetric(self.max_scale);
        Distortion::affine(dx, dy, angle, scale)
    }
}

/// A map from output pixel coordinates to source image coordinates: the
/// inverse of "scale and rotate about the centre, then shift".
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Distortion {
    /// Inverse linear part, row-major 2x2.
    inv: [f32; 4],
    dx: f32,
    dy: f32,
}

impl Distortion {
    fn affine(dx: f32, dy: f32, angle: f32, scale: f32) -> Self {
        let (sin, cos) = (libm::sinf(angle), libm::cosf(angle));
        // Forward: p' = s·R(angle)·(p - c) + c + d. Inverse linear part:
        // R(-angle) / s.
        let inv = [cos / scale, sin / scale, -sin / scale, cos / scale];
        Self { inv, dx, dy }
    }

    /// Writes the distorted image, as network inputs (`pixel / 256`), into
    /// `out` (length 784), sampling the source bilinearly and treating
    /// everything outside it as background (0).
    pub(crate) fn apply(&self, pixels: &[u8; PIXELS], mut out: ArrayViewMut1<'_, f32>) {
        const CENTRE: f32 = (IMAGE_SIDE as f32 - 1.0) / 2.0;
        let source = |x: isize, y: isize| -> f32 {
            if (0..IMAGE_SIDE as isize).contains(&x) && (0..IMAGE_SIDE as isize).contains(&y) {
                pixel_to_input(pixels[y as usize * IMAGE_SIDE + x as usize])
            } else {
                0.0
            }
        };
        for (index, value) in out.iter_mut().enumerate() {
            let px = (index % IMAGE_SIDE) as f32 - CENTRE - self.dx;
            let py = (index / IMAGE_SIDE) as f32 - CENTRE - self.dy;
            let sx = self.inv[0] * px + self.inv[1] * py + CENTRE;
            let sy = self.inv[2] * px + self.inv[3] * py + CENTRE;
            let (fx, fy) = (sx.floor(), sy.floor());
            let (tx, ty) = (sx - fx, sy - fy);
            let (x0, y0) = (fx as isize, fy as isize);
            let top = source(x0, y0) * (1.0 - tx) + source(x0 + 1, y0) * tx;
            let bottom = source(x0, y0 + 1) * (1.0 - tx) + source(x0 + 1, y0 + 1) * tx;
            *value = top * (1.0 - ty) + bottom * ty;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn identity_reproduces_the_image() {
        let pixels: [u8; PIXELS] = std::array::from_fn(|i| (i % 251) as u8);
        let mut out = Array1::zeros(PIXELS);
        Distortion::affine(0.0, 0.0, 0.0, 1.0).apply(&pixels, out.view_mut());
        let expected: Array1<f32> = pixels.iter().map(|&p| pixel_to_input(p)).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn whole_pixel_shift_moves_the_image() {
        let mut pixels = [0u8; PIXELS];
        pixels[10 * IMAGE_SIDE + 10] = 128;
        let mut out = Array1::zeros(PIXELS);
        Distortion::affine(2.0, -1.0, 0.0, 1.0).apply(&pixels, out.view_mut());
        assert_eq!(out[9 * IMAGE_SIDE + 12], 0.5);
        assert_eq!(out.sum(), 0.5);
    }
}

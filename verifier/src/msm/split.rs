//! The IPA's MSM split by its bases (SPEC §7.8): the key's Pedersen generators, which are fixed,
//! through the key's table of their multiples `2^{c·w}·G_i` (all windows merged into one,
//! [`Msm::merged`]); and the proof's few own bases, window by window.

use super::scalars::windows;
use super::{Cost, Msm, Point, Scalars};
use crate::error::VerifyError;
use crate::field::Fq;
use crate::meter::Meter;

/// Window width of the generators' merged MSM (measured best for 16,384 generators: wider
/// windows add fewer points but reduce more buckets).
pub(crate) const FIXED_WINDOW: u32 = 15;

/// Layers of the key's table: one per window of [`FIXED_WINDOW`] bits of a scalar.
pub(crate) const TABLE_LAYERS: usize = windows(FIXED_WINDOW) as usize;

/// Window width for `points` variable bases: about `log2(points)` (the least work counted for
/// 30 to 960 points, one proof's to a batch of 32's: a wider window has fewer additions but more
/// buckets to reduce).
fn extra_window(points: usize) -> u32 {
    (usize::BITS - points.leading_zeros())
        .saturating_sub(1)
        .clamp(3, 8)
}

/// `Σ s_i·G_i + Σ t_j·E_j` over the key's generators `G_i` and a few other bases `E_j`, in
/// progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SplitMsm {
    /// The generators' scalars `s_i`.
    gen_scalars: Scalars,
    /// The generators' merged MSM.
    gens: Msm,
    /// The other bases' scalars `t_j`.
    extra_scalars: Scalars,
    /// The other bases' windowed MSM.
    extra: Msm,
}

impl SplitMsm {
    /// The MSM with `scalars`: the first `num_gens` for the generators, the rest for the other
    /// bases (one multiplication equivalent per scalar).
    pub(crate) fn new(
        scalars: &[Fq],
        num_gens: usize,
        cost: &mut Cost,
    ) -> Result<Self, VerifyError> {
        let (gens, extra) = scalars
            .split_at_checked(num_gens)
            .ok_or(VerifyError::Malformed("msm: generator count"))?;
        Ok(Self {
            gen_scalars: Scalars::new(gens, cost),
            gens: Msm::merged(FIXED_WINDOW)?,
            extra_scalars: Scalars::new(extra, cost),
            extra: Msm::new(extra_window(extra.len()))?,
        })
    }

    /// The largest cost bound of one unit of work (see [`Msm::largest_unit`]).
    pub(crate) fn largest_unit() -> u64 {
        // The other bases' windows are narrower than the generators'.
        Msm::largest_unit(FIXED_WINDOW)
    }

    /// Advances the MSM while `meter` covers its next unit of work (the other bases first, then
    /// the generators); once done, whether the sum is the identity. `table` is the key's table
    /// ([`TABLE_LAYERS`] layers over the generators), `extra` the other bases; both must be the
    /// same at every call.
    pub(crate) fn step(
        &mut self,
        table: &[Point],
        extra: &[Point],
        meter: &mut dyn Meter,
        cost: &mut Cost,
    ) -> Result<Option<bool>, VerifyError> {
        let Some(e) = self
            .extra
            .step(&[extra], &self.extra_scalars, meter, cost)?
        else {
            return Ok(None);
        };
        let Some(g) = self.gens.step(&[table], &self.gen_scalars, meter, cost)? else {
            return Ok(None);
        };
        // g + e = O: both the identity, or e = −g (Grumpkin has no point of order 2).
        Ok(Some(if g.infinity || e.infinity {
            g.infinity && e.infinity
        } else {
            g.x == e.x && g.y == e.y.neg()
        }))
    }
}

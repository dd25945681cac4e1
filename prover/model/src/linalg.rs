//! Bit-reproducible dense kernels for training and float inference.
//!
//! Every sum here is taken in one fixed order with plain multiply and add
//! (Rust never fuses them), so the results are the same bits on every CPU
//! and platform. That is what lets `zkml train` reproduce the committed model
//! exactly; a BLAS-style kernel that picks SIMD code by CPU feature would not.
//! The loops are in "axpy" form (a scalar times a row added to a row), which
//! the compiler can still vectorise without reordering any sum.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Zip};

/// `x · wt + bias`: `x` is `[batch, in]`, `wt` is `[in, out]`, the result is
/// `[batch, out]`. Zero inputs are skipped (most MNIST pixels are zero).
pub(crate) fn affine(
    x: ArrayView2<'_, f32>,
    wt: ArrayView2<'_, f32>,
    bias: ArrayView1<'_, f32>,
) -> Array2<f32> {
    let mut out = Array2::zeros((x.nrows(), wt.ncols()));
    for (x_row, mut out_row) in x.rows().into_iter().zip(out.rows_mut()) {
        out_row.assign(&bias);
        for (&xi, w_row) in x_row.iter().zip(wt.rows()) {
            if xi != 0.0 {
                Zip::from(&mut out_row)
                    .and(&w_row)
                    .for_each(|o, &w| *o += xi * w);
            }
        }
    }
    out
}

/// Adds `xᵀ · dz` to `grad_wt`: `x` is `[batch, in]`, `dz` is
/// `[batch, out]`, `grad_wt` is `[in, out]`.
pub(crate) fn add_outer(
    x: ArrayView2<'_, f32>,
    dz: ArrayView2<'_, f32>,
    mut grad_wt: ArrayViewMut2<'_, f32>,
) {
    for (x_row, dz_row) in x.rows().into_iter().zip(dz.rows()) {
        for (&xi, g_row) in x_row.iter().zip(grad_wt.rows_mut()) {
            if xi != 0.0 {
                Zip::from(g_row).and(&dz_row).for_each(|g, &d| *g += xi * d);
            }
        }
    }
}

/// `dz · wtᵀ`: the gradient with respect to a layer's input. `dz` is
/// `[batch, out]`, `wt` is `[in, out]`, the result is `[batch, in]`.
pub(crate) fn backprop_input(dz: ArrayView2<'_, f32>, wt: ArrayView2<'_, f32>) -> Array2<f32> {
    let mut dx = Array2::zeros((dz.nrows(), wt.nrows()));
    for (dz_row, mut dx_row) in dz.rows().into_iter().zip(dx.rows_mut()) {
        for (d, w_row) in dx_row.iter_mut().zip(wt.rows()) {
            *d = dz_row
                .iter()
                .zip(w_row.iter())
                .fold(0.0, |acc, (&a, &b)| acc + a * b);
        }
    }
    dx
}

/// Column sums of `dz` (`[batch, out]`), added to `grad_bias`.
pub(crate) fn add_column_sums(dz: ArrayView2<'_, f32>, grad_bias: &mut ndarray::Array1<f32>) {
    for row in dz.axis_iter(Axis(0)) {
        Zip::from(&mut *grad_bias)
            .and(&row)
            .for_each(|g, &d| *g += d);
    }
}

/// [`crate::argmax`] for floats (NaN never wins).
pub(crate) fn argmax_f32(values: impl IntoIterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (index, v) in values.into_iter().enumerate() {
        if v > best.1 {
            best = (index, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    #[test]
    fn argmax_f32_prefers_lowest_index_on_ties() {
        assert_eq!(argmax_f32([0.5, 2.0, 2.0]), 1);
        assert_eq!(argmax_f32([f32::NAN, -1.0]), 1);
    }

    #[test]
    fn kernels_match_the_definitions() {
        let x = array![[1.0f32, 0.0, 2.0], [0.5, -1.0, 0.0]];
        let wt = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let bias = array![0.25f32, -0.25];
        let y = affine(x.view(), wt.view(), bias.view());
        assert_eq!(y, x.dot(&wt) + &bias);

        let dz = array![[1.0f32, -1.0], [2.0, 0.5]];
        let mut g = Array2::zeros((3, 2));
        add_outer(x.view(), dz.view(), g.view_mut());
        assert_eq!(g, x.t().dot(&dz));
        assert_eq!(backprop_input(dz.view(), wt.view()), dz.dot(&wt.t()));
        let mut gb = Array1::zeros(2);
        add_column_sums(dz.view(), &mut gb);
        assert_eq!(gb, array![3.0f32, -0.5]);
    }
}

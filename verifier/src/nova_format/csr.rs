//! nova's sparse matrices (CSR, `SparseMatrix`) and their conversion into the compact
//! column-grouped [`Shape`] the verifier stores.

use crate::error::VerifyError;
use crate::field::{Fq, le32};
use crate::spartan::shape::{Kq, MINUS_ONE, Matrix, ONE, Shape, check_sizes};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use ark_ff::{One, Zero};

/// A matrix given in CSR form (nova's `SparseMatrix`): for row `i`, entries
/// `indptr[i]..indptr[i + 1]` of `data`/`indices`.
#[derive(Clone, Debug, Default)]
pub struct Csr {
    /// The non-zero values.
    pub data: Vec<Fq>,
    /// Their column indices.
    pub indices: Vec<u64>,
    /// Row pointers (`num_cons + 1` entries).
    pub indptr: Vec<u64>,
}

/// Builds the compact form of a shape from CSR matrices (off-chain: from nova's `R1CSShape`). Entries of
/// value zero are dropped; a non-empty row of B equal to A's row is stored in A only (a shared row,
/// see [`Shape::eval_combined`]). Fails on out-of-range indices or sizes that do not fit `u16`.
pub fn shape_from_csr(
    num_cons: u32,
    num_vars: u32,
    num_io: u32,
    mats: [&Csr; 3],
) -> Result<Shape, VerifyError> {
    let num_cols = num_vars
        .checked_add(1 + num_io)
        .ok_or(VerifyError::Malformed("shape: too many columns"))?;
    check_sizes(num_cons, num_vars, num_io)?;
    let mut values = Vec::from([Fq::one(), -Fq::one()]);
    let mut index: BTreeMap<[u8; 32], u16> = BTreeMap::new();
    index.insert(le32(&Fq::one()), ONE);
    index.insert(le32(&-Fq::one()), MINUS_ONE);
    let mut matrices: [Matrix; 3] = Default::default();
    for csr in mats {
        if csr.indptr.len() != num_cons as usize + 1 || csr.data.len() != csr.indices.len() {
            return Err(VerifyError::Malformed("shape: bad CSR sizes"));
        }
    }
    let mut shared_rows = Vec::new();
    for row in 0..num_cons as usize {
        let a = row_entries(mats[0], row)?;
        if !a.is_empty() && a == row_entries(mats[1], row)? {
            shared_rows.push(row as u16);
        }
    }
    for (which, (csr, out)) in mats.iter().zip(matrices.iter_mut()).enumerate() {
        // (col, value index, row)
        let mut entries: Vec<(u16, u16, u16)> = Vec::with_capacity(csr.data.len());
        for row in 0..num_cons as usize {
            if which == 1 && shared_rows.binary_search(&(row as u16)).is_ok() {
                continue;
            }
            for (col, val) in row_entries(csr, row)? {
                if col >= u64::from(num_cols) {
                    return Err(VerifyError::Malformed("shape: column out of range"));
                }
                let next = u16::try_from(values.len())
                    .map_err(|_| VerifyError::Malformed("shape: too many distinct values"))?;
                let vi = *index.entry(le32(&val)).or_insert_with(|| {
                    values.push(val);
                    next
                });
                entries.push((col as u16, vi, row as u16));
            }
        }
        entries.sort_unstable();
        for (i, &(col, vi, row)) in entries.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| entries[p]);
            if prev.map(|p| p.0) != Some(col) {
                out.cols.push(col);
                out.col_groups.push(0);
            }
            if prev.map(|p| (p.0, p.1)) != Some((col, vi)) {
                *out.col_groups.last_mut().expect("column pushed") += 1;
                out.group_vals.push(vi);
                out.group_lens.push(0);
            }
            *out.group_lens.last_mut().expect("group pushed") += 1;
            out.rows.push(row);
        }
    }
    let shape = Shape {
        num_cons,
        num_vars,
        num_io,
        values: values.iter().map(Kq::from_ark).collect(),
        matrices,
        shared_rows,
    };
    shape.validate().map_err(VerifyError::Malformed)?;
    Ok(shape)
}

/// Row `row`'s non-zero entries `(column, value)`, sorted.
fn row_entries(csr: &Csr, row: usize) -> Result<Vec<(u64, Fq)>, VerifyError> {
    let (lo, hi) = (csr.indptr[row] as usize, csr.indptr[row + 1] as usize);
    if lo > hi || hi > csr.data.len() {
        return Err(VerifyError::Malformed("shape: bad CSR row pointers"));
    }
    let mut entries: Vec<(u64, Fq)> = csr.indices[lo..hi]
        .iter()
        .zip(&csr.data[lo..hi])
        .filter(|(_, v)| !v.is_zero())
        .map(|(&c, &v)| (c, v))
        .collect();
    entries.sort_unstable();
    Ok(entries)
}

//! The constant secondary R1CS shape in compact column-grouped form, and the evaluation of its
//! matrices' multilinear extensions `Ã(r_x, r_y)`, `B̃`, `C̃` (SPEC §7 step 6, §9).
//!
//! Each matrix is stored column by column; inside a column the entries are grouped by value, so
//! `M̃(r_x, r_y) = Σ_col Ty[col] · Σ_groups val · Σ_rows Tx[row]` costs one multiplication per
//! column plus one per group whose value is not ±1 (values 1 and −1 are table entries 0 and 1).
//! Rows and columns are `u16`, values are indices into one table of distinct field elements.
//!
//! The evaluation runs on the field kernel (`zkml-field`): the tables and values are kernel
//! elements, and the sums over rows, groups and columns are lazy ([`Sum`]), reduced only when
//! multiplied.
//!
//! The verifier needs only the combination `Ã + r·B̃ + r²·C̃`. Rows whose B row equals their A row
//! (the secondary circuit's squarings `x·x = x²` of Poseidon's linear layers: 2,336 rows holding
//! 28,793 of B's 44,316 entries) are stored once, in A: B keeps its other rows, and A's table
//! entries at those rows are scaled by `1 + r` ([`Shape::eval_combined`], SPEC §9).

use crate::error::VerifyError;
use crate::field::Fq;
use alloc::vec::Vec;
use ark_ff::One;
use parity_scale_codec::{Decode, Encode, Input, Output};
use zkml_field::{Bn254Fq, Fe, SUM_TERMS, Sum};

/// An `Fq` element in the field kernel's form.
pub type Kq = Fe<Bn254Fq>;

/// One matrix in column-grouped form (all vectors are parallel/cumulative as documented).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Matrix {
    /// The non-empty columns, strictly increasing.
    pub cols: Vec<u16>,
    /// For each column, how many value groups it has (at least 1).
    pub col_groups: Vec<u16>,
    /// For each group, the index of its value in [`Shape::values`].
    pub group_vals: Vec<u16>,
    /// For each group, how many rows it has (at least 1).
    pub group_lens: Vec<u16>,
    /// The rows of all groups, concatenated.
    pub rows: Vec<u16>,
}

/// The secondary R1CS shape: sizes, the table of distinct values and the matrices A, B, C.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Number of constraints (rows), a power of two.
    pub num_cons: u32,
    /// Number of witness variables, a power of two; column `num_vars` is `u`, then the public IO.
    pub num_vars: u32,
    /// Number of public IO entries.
    pub num_io: u32,
    /// The distinct values (kernel form); entry 0 is 1 and entry 1 is −1.
    pub values: Vec<Kq>,
    /// The matrices A, B, C, except that B holds no entry in [`Shape::shared_rows`].
    pub matrices: [Matrix; 3],
    /// The rows, strictly increasing, where B's row is A's row (stored in A only).
    pub shared_rows: Vec<u16>,
}

/// Value-table index of `1`.
pub(crate) const ONE: u16 = 0;
/// Value-table index of `−1`.
pub(crate) const MINUS_ONE: u16 = 1;

impl Matrix {
    /// Checks the internal consistency of the vectors against the shape's bounds.
    fn validate(
        &self,
        num_cols: u32,
        num_rows: u32,
        num_values: usize,
    ) -> Result<(), &'static str> {
        if self.cols.len() != self.col_groups.len() {
            return Err("shape: column vectors differ in length");
        }
        if self.cols.windows(2).any(|w| w[0] >= w[1]) {
            return Err("shape: columns not strictly increasing");
        }
        if self.cols.last().is_some_and(|&c| u32::from(c) >= num_cols) {
            return Err("shape: column out of range");
        }
        let groups: usize = self.col_groups.iter().map(|&g| usize::from(g)).sum();
        if self.col_groups.contains(&0) || groups != self.group_vals.len() {
            return Err("shape: bad group counts");
        }
        if self.group_lens.len() != groups || self.group_lens.contains(&0) {
            return Err("shape: bad group lengths");
        }
        if self
            .group_vals
            .iter()
            .any(|&v| usize::from(v) >= num_values)
        {
            return Err("shape: value index out of range");
        }
        let entries: usize = self.group_lens.iter().map(|&l| usize::from(l)).sum();
        if entries != self.rows.len() {
            return Err("shape: row count mismatch");
        }
        if self.rows.iter().any(|&r| u32::from(r) >= num_rows) {
            return Err("shape: row out of range");
        }
        // A column's lazy sum takes at most one term per entry and per group.
        if 2 * self.rows.len() as u64 >= SUM_TERMS {
            return Err("shape: too many entries");
        }
        Ok(())
    }

    /// Number of non-zero entries.
    pub fn nnz(&self) -> usize {
        self.rows.len()
    }

    /// Field multiplications [`Shape::eval_matrix`] performs on this matrix (2 for the final
    /// combination of the witness and IO parts, one per column, one per group whose value is not ±1).
    pub fn mult_count(&self) -> usize {
        let general = self.group_vals.iter().filter(|&&v| v > MINUS_ONE).count();
        2 + self.cols.len() + general
    }
}

impl Shape {
    /// Checks sizes and every index (used by decoding).
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        check_sizes(self.num_cons, self.num_vars, self.num_io).map_err(|_| "shape: bad sizes")?;
        if self.values.len() < 2 || self.values[0] != Kq::ONE || self.values[1] != Kq::ONE.neg() {
            return Err("shape: value table must start with 1, -1");
        }
        let num_cols = self.num_vars + 1 + self.num_io;
        for m in &self.matrices {
            m.validate(num_cols, self.num_cons, self.values.len())?;
        }
        if self.shared_rows.windows(2).any(|w| w[0] >= w[1]) {
            return Err("shape: shared rows not strictly increasing");
        }
        if self
            .shared_rows
            .last()
            .is_some_and(|&r| u32::from(r) >= self.num_cons)
        {
            return Err("shape: shared row out of range");
        }
        Ok(())
    }

    /// Evaluates stored matrix `which` (0 = A, 1 = B without its shared rows, 2 = C) at
    /// `(r_x, r_y)`, given `tx = eq_table(r_x)`
    /// (`num_cons` entries), `ty = eq_table(r_y[1..])` (`num_vars` entries), both in kernel form,
    /// and `ry0 = r_y[0]` (witness columns get factor `1 − ry0`, the `u`/IO columns factor `ry0`).
    ///
    /// A column's entries of value ±1 go straight into its lazy sum; a group of another value is
    /// summed, multiplied by the value and added. Each column's sum is multiplied by its `ty` entry
    /// into one of two lazy sums (witness, IO). Every sum takes fewer than [`SUM_TERMS`] terms
    /// (checked by [`Shape::validate`]).
    fn eval_matrix(&self, which: usize, tx: &[Kq], ty: &[Kq], ry0: Fq) -> Result<Fq, VerifyError> {
        let m = self
            .matrices
            .get(which)
            .ok_or(VerifyError::Malformed("shape: no such matrix"))?;
        if tx.len() != self.num_cons as usize || ty.len() != self.num_vars as usize {
            return Err(VerifyError::Malformed("shape: eq table sizes"));
        }
        let nv = self.num_vars as usize;
        let (mut acc_w, mut acc_io) = (Sum::<Bn254Fq>::ZERO, Sum::<Bn254Fq>::ZERO);
        let (mut g, mut e) = (0usize, 0usize);
        // Indices below were validated at construction/decoding.
        for (&col, &ngroups) in m.cols.iter().zip(&m.col_groups) {
            let mut inner = Sum::<Bn254Fq>::ZERO;
            for _ in 0..ngroups {
                let len = usize::from(m.group_lens[g]);
                let rows = &m.rows[e..e + len];
                match m.group_vals[g] {
                    ONE => rows.iter().for_each(|&r| inner.add(&tx[usize::from(r)])),
                    MINUS_ONE => rows.iter().for_each(|&r| inner.sub(&tx[usize::from(r)])),
                    // Most groups have one row: one kernel multiplication, no sum.
                    v if len == 1 => {
                        let term = tx[usize::from(rows[0])].mul(&self.values[usize::from(v)]);
                        inner.add(&term);
                    }
                    v => {
                        let mut s = Sum::<Bn254Fq>::ZERO;
                        rows.iter().for_each(|&r| s.add(&tx[usize::from(r)]));
                        let term = s.mul(&self.values[usize::from(v)]);
                        inner.add(&term);
                    }
                }
                g += 1;
                e += len;
            }
            let col = usize::from(col);
            if col < nv {
                let term = inner.mul(&ty[col]);
                acc_w.add(&term);
            } else {
                let term = inner.mul(&ty[col - nv]);
                acc_io.add(&term);
            }
        }
        let (w, io) = (acc_w.reduce().to_ark(), acc_io.reduce().to_ark());
        Ok((Fq::one() - ry0) * w + ry0 * io)
    }

    /// `(Ã + r·B̃ + r²·C̃)(r_x, r_y)`, with `tx`, `ty` and `ry0` as in [`Shape::eval_matrix`].
    /// B's shared rows are A's: `B̃ = B̃_stored + Ã_shared`, so after B and C, A is evaluated with
    /// `tx` scaled in place by `1 + r` at the shared rows (one multiplication per shared row).
    pub fn eval_combined(
        &self,
        tx: &mut [Kq],
        ty: &[Kq],
        ry0: Fq,
        r: Fq,
    ) -> Result<Fq, VerifyError> {
        let vb = self.eval_matrix(1, tx, ty, ry0)?;
        let vc = self.eval_matrix(2, tx, ty, ry0)?;
        let scale = Kq::from_ark(&(Fq::one() + r));
        for &row in &self.shared_rows {
            let t = tx
                .get_mut(usize::from(row))
                .ok_or(VerifyError::Malformed("shape: shared row"))?;
            let scaled = t.mul(&scale);
            t.set(&scaled);
        }
        let va = self.eval_matrix(0, tx, ty, ry0)?;
        Ok(va + r * (vb + r * vc))
    }

    /// Field multiplications of [`Shape::eval_combined`] (excluding the eq tables).
    pub fn mult_count(&self) -> usize {
        self.matrices.iter().map(Matrix::mult_count).sum::<usize>() + self.shared_rows.len() + 3
    }
}

/// Sizes must be powers of two, the IO columns must fit below `2·num_vars`, and all indices `u16`.
pub(crate) fn check_sizes(num_cons: u32, num_vars: u32, num_io: u32) -> Result<(), VerifyError> {
    let ok = num_cons.is_power_of_two()
        && num_vars.is_power_of_two()
        && num_cons <= 1 << 16
        && num_io < num_vars
        && num_vars + 1 + num_io <= 1 << 16;
    if ok {
        Ok(())
    } else {
        Err(VerifyError::Malformed("shape: bad sizes"))
    }
}

impl Encode for Shape {
    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        self.num_cons.encode_to(dest);
        self.num_vars.encode_to(dest);
        self.num_io.encode_to(dest);
        let values: Vec<[u8; 32]> = self.values.iter().map(Kq::to_le_bytes).collect();
        values.encode_to(dest);
        self.matrices.encode_to(dest);
        self.shared_rows.encode_to(dest);
    }
}

impl Decode for Shape {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let num_cons = u32::decode(input)?;
        let num_vars = u32::decode(input)?;
        let num_io = u32::decode(input)?;
        let raw = Vec::<[u8; 32]>::decode(input)?;
        let values = raw
            .iter()
            .map(Kq::from_le_bytes)
            .collect::<Option<Vec<_>>>()
            .ok_or("shape: non-canonical value")?;
        let matrices = <[Matrix; 3]>::decode(input)?;
        let shared_rows = Vec::<u16>::decode(input)?;
        let shape = Self {
            num_cons,
            num_vars,
            num_io,
            values,
            matrices,
            shared_rows,
        };
        shape.validate()?;
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{Csr, shape_from_csr};
    use crate::spartan::polys::{eq_table, eq_table_fe};
    use alloc::vec;
    use ark_ff::{UniformRand, Zero};
    use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};

    /// Random rows with values drawn from a small pool (so groups form), including ±1 and zero.
    fn random_rows(rng: &mut StdRng, rows: usize, cols: u64, pool: &[Fq]) -> Vec<Vec<(u64, Fq)>> {
        (0..rows)
            .map(|_| {
                let mut row: Vec<(u64, Fq)> = Vec::new();
                for _ in 0..rng.gen_range(0..5) {
                    let c = rng.gen_range(0..cols);
                    if row.iter().all(|&(used, _)| used != c) {
                        row.push((c, pool[rng.gen_range(0..pool.len())]));
                    }
                }
                row
            })
            .collect()
    }

    fn csr(rows: &[Vec<(u64, Fq)>]) -> Csr {
        let mut csr = Csr {
            indptr: Vec::from([0]),
            ..Default::default()
        };
        for row in rows {
            csr.indices.extend(row.iter().map(|&(c, _)| c));
            csr.data.extend(row.iter().map(|&(_, v)| v));
            csr.indptr.push(csr.data.len() as u64);
        }
        csr
    }

    fn naive(csr: &Csr, tx: &[Fq], ty_full: &[Fq]) -> Fq {
        let mut acc = Fq::zero();
        for (ptr, t) in csr.indptr.windows(2).zip(tx) {
            for k in ptr[0] as usize..ptr[1] as usize {
                acc += *t * ty_full[csr.indices[k] as usize] * csr.data[k];
            }
        }
        acc
    }

    /// Three random 32 × 19 matrices; B repeats a third of A's rows (in another entry order),
    /// so that the shape has shared rows.
    fn random_shape(rng: &mut StdRng) -> ([Csr; 3], Shape) {
        let pool = [
            Fq::one(),
            -Fq::one(),
            Fq::from(2u64),
            Fq::rand(rng),
            Fq::rand(rng),
            Fq::zero(),
        ];
        let a = random_rows(rng, 32, 16 + 3, &pool);
        let mut b = random_rows(rng, 32, 16 + 3, &pool);
        for (row, a_row) in a.iter().enumerate().step_by(3) {
            b[row] = a_row.iter().rev().copied().collect();
        }
        let mats = [csr(&a), csr(&b), csr(&random_rows(rng, 32, 16 + 3, &pool))];
        let shape = shape_from_csr(32, 16, 2, [&mats[0], &mats[1], &mats[2]]).unwrap();
        (mats, shape)
    }

    #[test]
    fn eval_matches_naive_and_round_trips() {
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let (mats, shape) = random_shape(&mut rng);
            assert!(!shape.shared_rows.is_empty());
            let rx: Vec<Fq> = (0..5).map(|_| Fq::rand(&mut rng)).collect();
            let ry: Vec<Fq> = (0..5).map(|_| Fq::rand(&mut rng)).collect();
            let r = Fq::rand(&mut rng);
            let (tx_full, ty_full) = (eq_table(&rx), eq_table(&ry));
            let (mut tx, ty) = (eq_table_fe(&rx), eq_table_fe(&ry[1..]));
            let got = shape.eval_combined(&mut tx, &ty, ry[0], r).unwrap();
            let [a, b, c] = [0, 1, 2].map(|m| naive(&mats[m], &tx_full, &ty_full));
            assert_eq!(got, a + r * b + r * r * c, "seed {seed}");
            let bytes = shape.encode();
            assert_eq!(Shape::decode(&mut &bytes[..]).unwrap(), shape);
            let mut short = eq_table_fe(&rx);
            assert!(shape.eval_combined(&mut short[1..], &ty, ry[0], r).is_err());
            assert!(shape.eval_matrix(3, &tx, &ty, ry[0]).is_err());
        }
    }

    /// Only whole equal rows are shared: a B row that differs from A's in one value, or an
    /// empty row, is kept in B.
    #[test]
    fn only_equal_rows_are_shared() {
        let (one, two) = (Fq::one(), Fq::from(2u64));
        let a = [
            vec![(0, one), (3, two)],
            vec![(1, two)],
            vec![],
            vec![(2, one)],
        ];
        let b = [
            vec![(3, two), (0, one)],
            vec![(1, one)],
            vec![],
            vec![(2, one), (4, one)],
        ];
        let empty = csr(&[vec![], vec![], vec![], vec![]]);
        let shape = shape_from_csr(4, 4, 1, [&csr(&a), &csr(&b), &empty]).unwrap();
        assert_eq!(shape.shared_rows, [0]);
        assert_eq!(shape.matrices[1].nnz(), 3);
    }

    #[test]
    fn decode_rejects_bad_indices() {
        let mut rng = StdRng::seed_from_u64(8);
        let (_, shape) = random_shape(&mut rng);
        let bad = |f: &dyn Fn(&mut Shape)| {
            let mut s = shape.clone();
            f(&mut s);
            Shape::decode(&mut &s.encode()[..]).is_err()
        };
        assert!(bad(&|s| s.matrices[0].rows[0] = 32));
        assert!(bad(&|s| *s.matrices[1].cols.last_mut().unwrap() = 19));
        assert!(bad(&|s| s.matrices[2].group_vals[0] = s.values.len() as u16));
        assert!(bad(&|s| s.matrices[0].group_lens[0] += 1));
        assert!(bad(&|s| s.matrices[0].col_groups[0] = 0));
        assert!(bad(&|s| s.matrices[0].cols.swap(0, 1)));
        assert!(bad(&|s| s.values[1] = Kq::from_u64(5)));
        assert!(bad(&|s| s.num_cons = 33));
        assert!(bad(&|s| s.num_io = 16));
        assert!(bad(&|s| s.shared_rows.push(32)));
        assert!(bad(&|s| s.shared_rows.insert(0, s.shared_rows[0])));
        // Non-canonical value bytes.
        let mut bytes = shape.encode();
        let pos = 12 + 1; // three u32, then the compact length of `values` (one byte here)
        bytes[pos + 64..pos + 96].copy_from_slice(&[0xff; 32]);
        assert!(Shape::decode(&mut &bytes[..]).is_err());
        // Truncated.
        let bytes = shape.encode();
        assert!(Shape::decode(&mut &bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn real_shape_matches_fixture() {
        use crate::fixture::{intermediates, nova_vk_or_skip, scalar, scalars};
        let Some(vk) = nova_vk_or_skip("real_shape_matches_fixture") else {
            return;
        };
        let shape = &vk.constants.secondary.shape;
        assert_eq!(
            (shape.num_cons, shape.num_vars, shape.num_io),
            (16384, 16384, 2)
        );
        let nnz: Vec<usize> = shape.matrices.iter().map(Matrix::nnz).collect();
        assert_eq!(nnz, [72539, 44316 - 28793, 10002]);
        assert_eq!(shape.shared_rows.len(), 2336);
        assert_eq!(shape.values.len(), 2666);
        let bytes = shape.encode();
        std::eprintln!(
            "secondary shape: {} bytes encoded, {} multiplications per evaluation (+ eq tables)",
            bytes.len(),
            shape.mult_count()
        );
        assert_eq!(&Shape::decode(&mut &bytes[..]).unwrap(), shape);
        for three in [true, false] {
            let text = intermediates(three);
            let rx: Vec<Fq> = scalars(text, "S2.r_x");
            let ry: Vec<Fq> = scalars(text, "S2.r_y");
            let r = Fq::from(7u64);
            let v = shape
                .eval_combined(&mut eq_table_fe(&rx), &eq_table_fe(&ry[1..]), ry[0], r)
                .unwrap();
            let [a, b, c] = ["S2.v_A", "S2.v_B", "S2.v_C"].map(|name| scalar::<Fq>(text, name));
            assert_eq!(v, a + r * b + r * r * c);
        }
    }
}

//! A resumable multi-scalar multiplication on Grumpkin (the IPA's 16,384-point MSM, SPEC §7.8).
//!
//! Pippenger with signed `c`-bit window digits, processed from the most significant window down
//! (`acc ← 2^c·acc + W_w`). Inside a window, points are added into `2^{c−1}` buckets by pairwise
//! tree sums in affine coordinates, one shared inversion per tree level (batch-affine additions,
//! ≈ 6 multiplications each). The bucket sums `Σ_j (j+1)·B_j` are reduced by splitting `j` into
//! high and low halves (two more batch-affine tree sums and two short running sums).
//!
//! Work is metered in field-multiplication equivalents ([`Cost`]); [`Msm::step`] stops before a
//! unit of work (a chunk of points or a window reduction) that would exceed its budget, and the
//! small state ([`Msm`], SCALE-encodable) resumes it later with the same bases and scalars.

use crate::VerifyError;
use crate::field::{Fq, Fr, Grumpkin, from_le32_canonical, le32, point_from_coords};
use alloc::vec;
use alloc::vec::Vec;
use ark_ec::short_weierstrass::Projective;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField, Zero};
use ark_grumpkin::GrumpkinConfig;
use parity_scale_codec::{Decode, Encode, Input, Output};

/// Cost of one field inversion in multiplication equivalents (conservative).
pub const INV_COST: u64 = 300;
/// Cost of a mixed (projective + affine) addition.
const MIXED_ADD_COST: u64 = 11;
/// Cost of a projective addition.
const ADD_COST: u64 = 16;
/// Cost of a projective doubling (a = 0).
const DOUBLE_COST: u64 = 7;
/// Points per chunk (one budget unit inside a window).
pub const CHUNK: usize = 4096;

/// Work counter in field multiplications and inversions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Field multiplications (squarings included).
    pub mults: u64,
    /// Field inversions.
    pub invs: u64,
}

impl Cost {
    /// Multiplication equivalents: `mults + INV_COST·invs`.
    pub fn total(&self) -> u64 {
        self.mults + INV_COST * self.invs
    }
}

/// Scalars as canonical little-endian 64-bit limbs (the Montgomery form converted once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalars(Vec<[u64; 4]>);

impl Scalars {
    /// Converts field elements (one Montgomery reduction each, counted as a multiplication).
    pub fn new(s: &[Fq], cost: &mut Cost) -> Self {
        cost.mults += s.len() as u64;
        Self(s.iter().map(|x| x.into_bigint().0).collect())
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no scalars.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Signed digit of window `w` (width `c`): `bits[wc, wc+c) + bit_{wc−1} − 2^c·bit_{wc+c−1}`,
    /// in `[−2^{c−1}, 2^{c−1}]`. Digits of all windows give back the scalar (see [`windows`]).
    fn digit(&self, i: usize, w: u32, c: u32) -> i32 {
        let k = &self.0[i];
        let bits = |pos: u32, len: u32| -> u64 {
            if pos >= 256 {
                return 0;
            }
            let (limb, off) = ((pos / 64) as usize, pos % 64);
            let mut v = k[limb] >> off;
            if off + len > 64 && limb + 1 < 4 {
                v |= k[limb + 1] << (64 - off);
            }
            v & ((1u64 << len) - 1)
        };
        let carry = if w == 0 { 0 } else { bits(w * c - 1, 1) };
        let v = (bits(w * c, c) + carry) as i32;
        v - ((bits(w * c + c - 1, 1) as i32) << c)
    }
}

/// Number of windows of width `c` for scalars below `2^254` (the top window keeps two spare bits,
/// so its signed digit never carries out).
pub fn windows(c: u32) -> u32 {
    256u32.div_ceil(c)
}

/// Resumable MSM state: the current window, the progress inside it and the accumulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msm {
    /// Window width `c` (2..=16).
    window_bits: u32,
    /// Windows not yet finished; the current one is `windows_left − 1`.
    windows_left: u32,
    /// Next point of the current window.
    next_point: u32,
    /// Bucket sums of the current window (`2^{c−1}` of them while inside a window, else empty).
    buckets: Vec<Grumpkin>,
    /// `Σ_{finished windows} 2^{c·(w − current)}·W_w`.
    acc: Grumpkin,
}

impl Msm {
    /// A fresh MSM with window width `c` (2..=16).
    pub fn new(c: u32) -> Result<Self, VerifyError> {
        if !(2..=16).contains(&c) {
            return Err(VerifyError::Malformed("msm: window width"));
        }
        Ok(Self {
            window_bits: c,
            windows_left: windows(c),
            next_point: 0,
            buckets: Vec::new(),
            acc: Grumpkin::identity(),
        })
    }

    /// Whether all windows are done ([`Msm::result`] is then the MSM).
    pub fn is_done(&self) -> bool {
        self.windows_left == 0
    }

    /// The result once [`Msm::is_done`].
    pub fn result(&self) -> Option<Grumpkin> {
        self.is_done().then_some(self.acc)
    }

    /// Estimated cost of the next unit of work for `n` points.
    fn next_unit_cost(&self, n: usize) -> u64 {
        let m = 1u64 << (self.window_bits - 1);
        if (self.next_point as usize) < n {
            let len = CHUNK.min(n - self.next_point as usize) as u64;
            // ≤ 6 mults per addition, ≤ 6 per doubling, one inversion per level.
            7 * len + 16 * INV_COST
        } else {
            // Split reduction: 2m tree additions, two running sums of ≤ 2·√m, c doublings, normalization.
            7 * 2 * m
                + 4 * INV_COST
                + 3 * (MIXED_ADD_COST + ADD_COST) * 2 * (1 << self.window_bits.div_ceil(2))
                + 2 * DOUBLE_COST * u64::from(self.window_bits)
                + INV_COST
        }
    }

    /// Advances `Σ scalars_i·bases_i` by at most `budget` multiplication equivalents (estimated
    /// per unit before doing it). Returns the result when done. `bases` and `scalars` must be the
    /// same at every call.
    pub fn step(
        &mut self,
        bases: &[Grumpkin],
        scalars: &Scalars,
        budget: u64,
        cost: &mut Cost,
    ) -> Result<Option<Grumpkin>, VerifyError> {
        let n = bases.len();
        if scalars.len() != n || self.next_point as usize > n {
            return Err(VerifyError::Malformed("msm: sizes"));
        }
        let c = self.window_bits;
        let m = 1usize << (c - 1);
        let start = cost.total();
        while !self.is_done() {
            if cost.total() - start + self.next_unit_cost(n) > budget {
                return Ok(None);
            }
            let w = self.windows_left - 1;
            if self.buckets.is_empty() {
                self.buckets = vec![Grumpkin::identity(); m];
            }
            if (self.next_point as usize) < n {
                let lo = self.next_point as usize;
                let hi = n.min(lo + CHUNK);
                self.add_chunk(&bases[lo..hi], scalars, lo, w, cost);
                self.next_point = hi as u32;
            } else {
                let window_sum = reduce_buckets(&self.buckets, c, cost);
                let mut acc: Projective<GrumpkinConfig> = self.acc.into();
                if !acc.is_zero() {
                    for _ in 0..c {
                        acc.double_in_place();
                    }
                    cost.mults += DOUBLE_COST * u64::from(c);
                }
                acc += window_sum;
                cost.mults += ADD_COST;
                self.acc = acc.into_affine();
                cost.invs += 1;
                self.buckets = Vec::new();
                self.next_point = 0;
                self.windows_left -= 1;
            }
        }
        Ok(self.result())
    }

    /// Adds the points `chunk` (global indices from `offset`) into the buckets of window `w`.
    fn add_chunk(
        &mut self,
        chunk: &[Grumpkin],
        scalars: &Scalars,
        offset: usize,
        w: u32,
        cost: &mut Cost,
    ) {
        let m = self.buckets.len();
        let c = self.window_bits;
        // Counting sort by bucket: each bucket's group is [old sum] ++ its points (signed).
        let digits: Vec<i32> = (0..chunk.len())
            .map(|i| scalars.digit(offset + i, w, c))
            .collect();
        let mut lens = vec![0u32; m];
        for (b, len) in self.buckets.iter().zip(lens.iter_mut()) {
            *len = u32::from(!b.is_zero());
        }
        for &d in &digits {
            if d != 0 {
                lens[d.unsigned_abs() as usize - 1] += 1;
            }
        }
        let mut pos: Vec<usize> = Vec::with_capacity(m);
        let mut total = 0usize;
        for &l in &lens {
            pos.push(total);
            total += l as usize;
        }
        let mut flat = vec![Grumpkin::identity(); total];
        for (b, p) in self.buckets.iter().zip(pos.iter_mut()) {
            if !b.is_zero() {
                flat[*p] = *b;
                *p += 1;
            }
        }
        for (&d, pt) in digits.iter().zip(chunk) {
            if d != 0 {
                let slot = &mut pos[d.unsigned_abs() as usize - 1];
                flat[*slot] = if d < 0 { -*pt } else { *pt };
                *slot += 1;
            }
        }
        self.buckets = tree_sum(flat, lens, cost);
    }
}

/// `Σ_j (j+1)·B_j` for the `m = 2^{c−1}` bucket sums: with `j = hi·2^{l} + lo`,
/// `= 2^{l}·Σ hi·R_hi + Σ lo·C_lo + Σ R_hi` where `R`/`C` are row/column sums.
fn reduce_buckets(buckets: &[Grumpkin], c: u32, cost: &mut Cost) -> Projective<GrumpkinConfig> {
    let l = (c - 1) / 2;
    let (cols, rows) = (1usize << l, buckets.len() >> l);
    // Row sums: groups are contiguous. Column sums: gather by stride.
    let mut flat = Vec::with_capacity(2 * buckets.len());
    flat.extend_from_slice(buckets);
    for lo in 0..cols {
        flat.extend((0..rows).map(|hi| buckets[hi * cols + lo]));
    }
    let lens: Vec<u32> = core::iter::repeat_n(cols as u32, rows)
        .chain(core::iter::repeat_n(rows as u32, cols))
        .collect();
    let sums = tree_sum(flat, lens, cost);
    let (row_sums, col_sums) = sums.split_at(rows);
    let (weighted_rows, all) = running_sum(row_sums, cost);
    let (weighted_cols, _) = running_sum(col_sums, cost);
    let mut out = weighted_rows;
    for _ in 0..l {
        out.double_in_place();
    }
    cost.mults += DOUBLE_COST * u64::from(l) + 2 * ADD_COST;
    out + weighted_cols + all
}

/// `(Σ_i i·P_i, Σ_i P_i)` by running sums (projective).
fn running_sum(
    p: &[Grumpkin],
    cost: &mut Cost,
) -> (Projective<GrumpkinConfig>, Projective<GrumpkinConfig>) {
    let mut s = Projective::<GrumpkinConfig>::zero();
    let mut t = Projective::<GrumpkinConfig>::zero();
    for pi in p.iter().skip(1).rev() {
        s += pi;
        t += s;
    }
    cost.mults += (p.len().saturating_sub(1) as u64) * (MIXED_ADD_COST + ADD_COST) + MIXED_ADD_COST;
    if let Some(p0) = p.first() {
        s += p0;
    }
    (t, s)
}

/// How a pair of affine points is added.
#[derive(Clone, Copy)]
enum Kind {
    /// Distinct x: chord; the denominator is `x2 − x1`.
    Chord,
    /// Equal points: tangent; the denominator is `2y`.
    Tangent,
    /// One side is the identity or the points are opposite: no inversion.
    Trivial(Grumpkin),
}

/// Sums each group of `flat` (consecutive groups of sizes `lens`), one result per group, by
/// pairwise tree levels with one batch inversion per level.
pub fn tree_sum(mut flat: Vec<Grumpkin>, mut lens: Vec<u32>, cost: &mut Cost) -> Vec<Grumpkin> {
    let mut kinds: Vec<Kind> = Vec::new();
    let mut dens: Vec<Fr> = Vec::new();
    while lens.iter().any(|&l| l > 1) {
        // Pair up (0,1), (2,3), … in every group; an odd last element is carried over.
        kinds.clear();
        dens.clear();
        let mut start = 0usize;
        for &l in &lens {
            let l = l as usize;
            for k in 0..l / 2 {
                let (p, q) = (flat[start + 2 * k], flat[start + 2 * k + 1]);
                let kind = match (p.xy(), q.xy()) {
                    (None, _) => Kind::Trivial(q),
                    (_, None) => Kind::Trivial(p),
                    (Some((x1, y1)), Some((x2, y2))) => {
                        if x1 != x2 {
                            dens.push(x2 - x1);
                            Kind::Chord
                        } else if y1 == y2 && !y1.is_zero() {
                            dens.push(y1.double());
                            Kind::Tangent
                        } else {
                            Kind::Trivial(Grumpkin::identity())
                        }
                    }
                };
                kinds.push(kind);
            }
            start += l;
        }
        batch_inverse(&mut dens, cost);
        let mut out = Vec::with_capacity(flat.len() / 2 + lens.len());
        let (mut start, mut pair, mut den) = (0usize, 0usize, 0usize);
        for l in lens.iter_mut() {
            let n = *l as usize;
            for k in 0..n / 2 {
                let (p, q) = (flat[start + 2 * k], flat[start + 2 * k + 1]);
                let r = match kinds[pair] {
                    Kind::Trivial(r) => r,
                    kind => {
                        let inv = dens[den];
                        den += 1;
                        let ((x1, y1), (x2, _)) =
                            (p.xy().unwrap_or_default(), q.xy().unwrap_or_default());
                        let lambda = match kind {
                            Kind::Chord => {
                                let (_, y2) = q.xy().unwrap_or_default();
                                cost.mults += 1;
                                (y2 - y1) * inv
                            }
                            _ => {
                                cost.mults += 2;
                                let xx = x1.square();
                                (xx.double() + xx) * inv
                            }
                        };
                        let x3 = lambda.square() - x1 - x2;
                        let y3 = lambda * (x1 - x3) - y1;
                        cost.mults += 2;
                        Grumpkin::new_unchecked(x3, y3)
                    }
                };
                out.push(r);
                pair += 1;
            }
            if n % 2 == 1 {
                out.push(flat[start + n - 1]);
            }
            start += n;
            *l = (n / 2 + n % 2) as u32;
        }
        flat = out;
    }
    // Every group now has 0 or 1 element; empty groups sum to the identity.
    let mut res = Vec::with_capacity(lens.len());
    let mut it = flat.into_iter();
    for &l in &lens {
        res.push(if l == 1 {
            it.next().unwrap_or_default()
        } else {
            Grumpkin::identity()
        });
    }
    res
}

/// Replaces every element by its inverse (all must be non-zero): Montgomery's trick,
/// `3(n − 1)` multiplications and one inversion.
fn batch_inverse(v: &mut [Fr], cost: &mut Cost) {
    if v.is_empty() {
        return;
    }
    let mut prefix = Vec::with_capacity(v.len());
    let mut acc = Fr::ONE;
    for x in v.iter() {
        acc *= x;
        prefix.push(acc);
    }
    let mut inv = acc.inverse().unwrap_or_default();
    for i in (1..v.len()).rev() {
        let xi = v[i];
        v[i] = inv * prefix[i - 1];
        inv *= xi;
    }
    v[0] = inv;
    cost.mults += 3 * (v.len() as u64 - 1) + 1;
    cost.invs += 1;
}

/// Encodes a point as `(LE32(x), LE32(y), infinity)`.
fn encode_point<T: Output + ?Sized>(p: &Grumpkin, dest: &mut T) {
    let (x, y) = p.xy().unwrap_or_default();
    (le32(&x), le32(&y), p.is_zero()).encode_to(dest);
}

/// Decodes a point written by [`encode_point`], checking it.
fn decode_point<I: Input>(input: &mut I) -> Result<Grumpkin, parity_scale_codec::Error> {
    let (x, y, inf) = <([u8; 32], [u8; 32], bool)>::decode(input)?;
    let x = from_le32_canonical::<Fr>(&x).map_err(|_| "msm: non-canonical coordinate")?;
    let y = from_le32_canonical::<Fr>(&y).map_err(|_| "msm: non-canonical coordinate")?;
    point_from_coords(x, y, inf).map_err(|_| "msm: bad point".into())
}

impl Encode for Msm {
    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        self.window_bits.encode_to(dest);
        self.windows_left.encode_to(dest);
        self.next_point.encode_to(dest);
        parity_scale_codec::Compact(self.buckets.len() as u32).encode_to(dest);
        for b in &self.buckets {
            encode_point(b, dest);
        }
        encode_point(&self.acc, dest);
    }
}

impl Decode for Msm {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let window_bits = u32::decode(input)?;
        let windows_left = u32::decode(input)?;
        let next_point = u32::decode(input)?;
        if !(2..=16).contains(&window_bits) || windows_left > windows(window_bits) {
            return Err("msm: bad state".into());
        }
        let len = parity_scale_codec::Compact::<u32>::decode(input)?.0 as usize;
        if len != 0 && len != 1 << (window_bits - 1) {
            return Err("msm: bad bucket count".into());
        }
        let buckets = (0..len)
            .map(|_| decode_point(input))
            .collect::<Result<Vec<_>, _>>()?;
        let acc = decode_point(input)?;
        Ok(Self {
            window_bits,
            windows_left,
            next_point,
            buckets,
            acc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::VariableBaseMSM;
    use ark_ff::UniformRand;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    fn random_points(rng: &mut StdRng, n: usize) -> Vec<Grumpkin> {
        let g = Projective::<GrumpkinConfig>::rand(rng);
        // Distinct multiples of a random point (cheap), plus structure: duplicates and negations.
        let mut v: Vec<Projective<GrumpkinConfig>> = Vec::with_capacity(n);
        let mut p = g;
        for _ in 0..n {
            v.push(p);
            p += g.double() + g;
        }
        Projective::normalize_batch(&v)
    }

    fn naive(bases: &[Grumpkin], s: &[Fq]) -> Grumpkin {
        bases
            .iter()
            .zip(s)
            .map(|(b, k)| *b * k)
            .sum::<Projective<GrumpkinConfig>>()
            .into_affine()
    }

    fn run(bases: &[Grumpkin], s: &[Fq], c: u32, budget: u64) -> (Grumpkin, Cost, usize) {
        let mut cost = Cost::default();
        let scalars = Scalars::new(s, &mut cost);
        let mut msm = Msm::new(c).unwrap();
        let mut calls = 0;
        loop {
            calls += 1;
            // Round-trip the state through SCALE between calls.
            msm = Msm::decode(&mut &msm.encode()[..]).unwrap();
            if let Some(r) = msm.step(bases, &scalars, budget, &mut cost).unwrap() {
                return (r, cost, calls);
            }
            assert!(calls < 100_000);
        }
    }

    #[test]
    fn digits_recompose() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut cost = Cost::default();
        let mut s: Vec<Fq> = (0..50).map(|_| Fq::rand(&mut rng)).collect();
        s.extend([Fq::zero(), Fq::ONE, -Fq::ONE, Fq::from(u64::MAX)]);
        let sc = Scalars::new(&s, &mut cost);
        for c in [2, 3, 7, 10, 12, 13, 16] {
            for (i, x) in s.iter().enumerate() {
                let mut acc = Fq::zero();
                for w in (0..windows(c)).rev() {
                    let d = sc.digit(i, w, c);
                    assert!(d.unsigned_abs() <= 1 << (c - 1));
                    acc = acc * Fq::from(1u64 << c)
                        + if d < 0 {
                            -Fq::from(-d as u64)
                        } else {
                            Fq::from(d as u64)
                        };
                }
                assert_eq!(acc, *x, "c = {c}");
                assert!(sc.digit(i, windows(c) - 1, c) >= 0);
            }
        }
    }

    #[test]
    fn small_msm_matches_naive_with_edge_cases() {
        let mut rng = StdRng::seed_from_u64(2);
        let mut bases = random_points(&mut rng, 40);
        // Edge cases: repeated point (tangent), opposite points (identity), identity base.
        bases[5] = bases[4];
        bases[7] = -bases[6];
        bases[9] = Grumpkin::identity();
        let mut s: Vec<Fq> = (0..40).map(|_| Fq::rand(&mut rng)).collect();
        s[5] = s[4];
        s[7] = s[6];
        s[10] = Fq::zero();
        s[11] = -Fq::ONE;
        for c in [2, 4, 8] {
            let (r, _, _) = run(&bases, &s, c, u64::MAX);
            assert_eq!(r, naive(&bases, &s), "c = {c}");
        }
        // Many tiny budgets: still correct, resumes through the encoded state.
        let (r, _, calls) = run(&bases, &s, 4, 7 * 40 + 16 * INV_COST + 10);
        assert_eq!(r, naive(&bases, &s));
        assert!(calls > 1);
        // All-zero scalars give the identity.
        let zeros = vec![Fq::zero(); 40];
        assert_eq!(run(&bases, &zeros, 5, u64::MAX).0, Grumpkin::identity());
        // Same points everywhere (every addition is a doubling or cancels).
        let same = vec![bases[0]; 40];
        assert_eq!(run(&same, &s, 3, u64::MAX).0, naive(&same, &s));
    }

    #[test]
    fn state_decoding_rejects_garbage() {
        let msm = Msm::new(12).unwrap();
        let mut bytes = msm.encode();
        assert_eq!(Msm::decode(&mut &bytes[..]).unwrap(), msm);
        bytes[0] = 40;
        assert!(Msm::decode(&mut &bytes[..]).is_err());
        let mut bytes = msm.encode();
        let last = bytes.len() - 2;
        bytes[last] ^= 1; // y of the identity accumulator becomes non-zero
        assert!(Msm::decode(&mut &bytes[..]).is_err());
        assert!(Msm::new(1).is_err());
        let mut cost = Cost::default();
        let sc = Scalars::new(&[Fq::ONE], &mut cost);
        assert!(
            Msm::new(4)
                .unwrap()
                .step(&[], &sc, u64::MAX, &mut cost)
                .is_err()
        );
    }

    #[test]
    fn msm_16384_matches_arkworks_and_counts() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 16384;
        let bases = random_points(&mut rng, n);
        let s: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
        let expected = Projective::<GrumpkinConfig>::msm(&bases, &s)
            .unwrap()
            .into_affine();
        for c in [11, 12, 13] {
            let (r, cost, calls) = run(&bases, &s, c, 290_000);
            assert_eq!(r, expected);
            std::eprintln!(
                "msm n = {n}, c = {c}: {} mults + {} inversions = {} mult-equivalents, {:.1} per point, \
                 {calls} calls of 290k",
                cost.mults,
                cost.invs,
                cost.total(),
                cost.total() as f64 / n as f64
            );
        }
    }
}

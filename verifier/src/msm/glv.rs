//! GLV scalars for the Grumpkin MSM: the endomorphism `φ(x, y) = (β·x, y) = λ·(x, y)` splits each
//! 254-bit scalar `s` into `k1 + λ·k2` with `|k1|, |k2| < 2^128`, so the MSM runs over twice the
//! bases with half-length scalars (half the windows).

use super::cost::Cost;
use super::point::{Coord, Point};
use crate::field::{Fq, Fr};
use alloc::vec;
use alloc::vec::Vec;
use ark_ff::PrimeField;

/// `β`: a primitive cube root of unity in `Fr` with `(β·x, y) = λ·(x, y)` on Grumpkin.
const BETA: Fr = ark_ff::MontFp!(
    "21888242871839275217838484774961031246154997185409878258781734729429964517155"
);
/// Reduced basis `(a1, b1), (a2, b2)` of `{(a, b) : a + b·λ ≡ 0 mod q}`, with `b1 < 0` (stored as `|b1|`).
const A1: u128 = 0x6f4d8248eeb859fc8211bbeb7d4f1129;
/// `|b1|` (`b1` is negative).
const B1_ABS: u128 = 0x89d3256894d213e2;
/// `a2`.
const A2: u128 = 0x89d3256894d213e2;
/// `b2`.
const B2: u128 = 0x6f4d8248eeb859fd0be4e1541221250b;
/// `floor(2^256·b2 / q)` (3 limbs).
const G1: [u64; 3] = [0x5398fd0300ff655f, 0x4ccef014a773d2d2, 0x2];
/// `floor(2^256·|b1| / q)` (2 limbs).
const G2: [u64; 2] = [0xd91d232ec7e0b3d2, 0x2];
/// Bit bound of the GLV halves (measured ≤ 127).
pub const GLV_BITS: u32 = 128;
/// Bit bound of plain scalars.
pub const SCALAR_BITS: u32 = 254;

/// The Grumpkin endomorphism `φ(x, y) = (β·x, y) = λ·(x, y)` (one multiplication), with `β`
/// in the kernel's form.
fn endomorphism(p: &Point, beta: &Coord) -> Point {
    if p.infinity {
        *p
    } else {
        Point::new(p.x.mul(beta), p.y)
    }
}

/// Limbs of the split's integers: 32 bits each, held in `u64`s so that a limb product plus two
/// limbs fits without overflow (wasm has no 64 × 64 → 128-bit multiplication: `u128` arithmetic
/// becomes library calls through memory, ten times dearer in a Gear program).
type Limbs = [u64; 8];

/// Low 32 bits.
const LO: u64 = 0xffff_ffff;

/// `v` as 32-bit limbs.
const fn limbs32(v: &[u64]) -> Limbs {
    let mut out = [0u64; 8];
    let mut i = 0;
    while i < v.len() {
        out[2 * i] = v[i] & LO;
        out[2 * i + 1] = v[i] >> 32;
        i += 1;
    }
    out
}

/// `a·b mod 2^256` on 32-bit limbs.
fn mul_mod(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; 8];
    for i in 0..8 {
        let mut carry = 0;
        for j in 0..8 - i {
            let t = a[i] * b[j] + out[i + j] + carry;
            out[i + j] = t & LO;
            carry = t >> 32;
        }
    }
    out
}

/// `round(k·g / 2^256)` (below `2^128` for `k < 2^254`, `g < 2^130`), on 32-bit limbs.
fn mul_shift_round(k: &Limbs, g: &Limbs) -> Limbs {
    let mut prod = [0u64; 16];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0;
        for (j, &gj) in g.iter().enumerate() {
            let t = ki * gj + prod[i + j] + carry;
            prod[i + j] = t & LO;
            carry = t >> 32;
        }
        prod[i + 8] = carry;
    }
    let mut out = [0u64; 8];
    out[..4].copy_from_slice(&prod[8..12]);
    add_mod(&out, &limbs32(&[prod[7] >> 31]))
}

/// `a + b mod 2^256` on 32-bit limbs.
fn add_mod(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; 8];
    let mut carry = 0;
    for i in 0..8 {
        let t = a[i] + b[i] + carry;
        out[i] = t & LO;
        carry = t >> 32;
    }
    out
}

/// `a − b mod 2^256` on 32-bit limbs.
fn sub_mod(a: &Limbs, b: &Limbs) -> Limbs {
    add_mod(a, &add_mod(&b.map(|l| !l & LO), &limbs32(&[1])))
}

/// A two's-complement 256-bit value as (negative, magnitude in 64-bit limbs).
fn sign_mag(a: &Limbs) -> (bool, [u64; 4]) {
    let neg = a[7] >> 31 == 1;
    let m = if neg { sub_mod(&[0; 8], a) } else { *a };
    (
        neg,
        core::array::from_fn(|i| m[2 * i] | (m[2 * i + 1] << 32)),
    )
}

/// GLV decomposition: `k ≡ k1 + λ·k2 (mod q)` with `|k1|, |k2| < 2^128`, as (negative, magnitude).
/// With `c1 = round(k·b2/q)`, `c2 = round(k·|b1|/q)` (fixed-point, from `G1`, `G2`):
/// `k1 = k − c1·a1 − c2·a2`, `k2 = c1·|b1| − c2·b2`, exact mod `2^256` since both are small.
pub(super) fn decompose(k: &[u64; 4]) -> [(bool, [u64; 4]); 2] {
    let k = limbs32(k);
    let c1 = mul_shift_round(&k, &limbs32(&G1));
    let c2 = mul_shift_round(&k, &limbs32(&G2));
    let wide = |v: u128| limbs32(&[v as u64, (v >> 64) as u64]);
    let k1 = sub_mod(
        &sub_mod(&k, &mul_mod(&c1, &wide(A1))),
        &mul_mod(&c2, &wide(A2)),
    );
    let k2 = sub_mod(&mul_mod(&c1, &wide(B1_ABS)), &mul_mod(&c2, &wide(B2)));
    [sign_mag(&k1), sign_mag(&k2)]
}

/// MSM scalars as sign and magnitude (canonical little-endian 64-bit limbs), with a bit bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalars {
    /// Magnitudes, each below `2^bits`, as `bits.div_ceil(64)` little-endian limbs each.
    mags: Vec<u64>,
    /// Signs (`true` = negative).
    neg: Vec<bool>,
    /// Bit bound of the magnitudes.
    bits: u32,
}

impl Scalars {
    /// Plain scalars for bases `G_i` (one Montgomery reduction each, counted as a multiplication).
    #[cfg(test)]
    pub(crate) fn new(s: &[Fq], cost: &mut Cost) -> Self {
        cost.mults += s.len() as u64;
        Self {
            mags: s.iter().flat_map(|x| x.into_bigint().0).collect(),
            neg: vec![false; s.len()],
            bits: SCALAR_BITS,
        }
    }

    /// GLV-split scalars for the bases `G_0..G_{n−1}, φ(G_0)..φ(G_{n−1})` (see [`glv_bases`]):
    /// entry `i` is `k1_i`, entry `n + i` is `k2_i` with `s_i = k1_i + λ·k2_i`. About 3
    /// multiplication equivalents per scalar.
    pub fn glv(s: &[Fq], cost: &mut Cost) -> Self {
        let n = s.len();
        let (mut mags, mut neg) = (vec![0u64; 4 * n], vec![false; 2 * n]);
        for (i, x) in s.iter().enumerate() {
            let [(n1, m1), (n2, m2)] = decompose(&x.into_bigint().0);
            // Magnitudes are below 2^128 (see `GLV_BITS`: with c1, c2 off by at most one from the
            // exact rounding, |k1| ≤ (a1 + a2)/2 + a1 + a2 < 2^128 and likewise for k2): two limbs each.
            debug_assert!(m1[2..] == [0, 0] && m2[2..] == [0, 0]);
            mags[2 * i..2 * i + 2].copy_from_slice(&m1[..2]);
            mags[2 * (n + i)..2 * (n + i) + 2].copy_from_slice(&m2[..2]);
            (neg[i], neg[n + i]) = (n1, n2);
        }
        cost.mults += 3 * n as u64;
        Self {
            mags,
            neg,
            bits: GLV_BITS,
        }
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.neg.len()
    }

    /// Bit bound of the magnitudes.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Signed digit of window `w` (width `c`) of scalar `i`: for the magnitude,
    /// `bits[wc, wc+c) + bit_{wc−1} − 2^c·bit_{wc+c−1}` in `[−2^{c−1}, 2^{c−1}]`, negated for a
    /// negative scalar. The digits of all [`windows`] give back the scalar.
    pub(crate) fn digit(&self, i: usize, w: u32, c: u32) -> i32 {
        let width = limbs(self.bits);
        let k = &self.mags[i * width..(i + 1) * width];
        let bits = |pos: u32, len: u32| -> u64 {
            let (limb, off) = ((pos / 64) as usize, pos % 64);
            let Some(&lo) = k.get(limb) else {
                return 0;
            };
            let mut v = lo >> off;
            if off + len > 64 {
                v |= k.get(limb + 1).map_or(0, |hi| hi << (64 - off));
            }
            v & ((1u64 << len) - 1)
        };
        let carry = if w == 0 { 0 } else { bits(w * c - 1, 1) };
        let v = (bits(w * c, c) + carry) as i32;
        let d = v - ((bits(w * c + c - 1, 1) as i32) << c);
        if self.neg[i] { -d } else { d }
    }
}

/// Number of windows of width `c` for magnitudes below `2^bits` (the top window keeps a spare bit,
/// so its signed digit never carries out).
pub(crate) fn windows(c: u32, bits: u32) -> u32 {
    (bits + 1).div_ceil(c)
}

/// Limbs per magnitude of `bits` bits.
fn limbs(bits: u32) -> usize {
    bits.div_ceil(64) as usize
}

/// The bases matching [`Scalars::glv`]: `G_0..G_{n−1}, φ(G_0)..φ(G_{n−1})` (n multiplications).
pub fn glv_bases(mut gens: Vec<Point>) -> Vec<Point> {
    let beta = Coord::from_ark(&BETA);
    let n = gens.len();
    gens.reserve_exact(n);
    for i in 0..n {
        let image = endomorphism(&gens[i], &beta);
        gens.push(image);
    }
    gens
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    /// `λ`: the matching cube root of unity in `Fq`.
    const LAMBDA: Fq = ark_ff::MontFp!(
        "21888242871839275220042445260109153167277707414472061641714758635765020556616"
    );
    use ark_ec::CurveGroup;
    use ark_ec::short_weierstrass::Projective;
    use ark_ff::{Field, UniformRand, Zero};
    use ark_grumpkin::GrumpkinConfig;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    /// `n` random scalars and the edge cases `0, ±1, 2^64 − 1, ±λ, λ²`.
    pub(crate) fn edge_scalars(rng: &mut StdRng, n: usize) -> Vec<Fq> {
        let mut s: Vec<Fq> = (0..n).map(|_| Fq::rand(rng)).collect();
        s.extend([
            Fq::zero(),
            Fq::ONE,
            -Fq::ONE,
            Fq::from(u64::MAX),
            LAMBDA,
            -LAMBDA,
            LAMBDA.square(),
        ]);
        s
    }

    #[test]
    fn digits_recompose() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut cost = Cost::default();
        let s = edge_scalars(&mut rng, 50);
        let plain = Scalars::new(&s, &mut cost);
        let glv = Scalars::glv(&s, &mut cost);
        let value = |sc: &Scalars, i: usize, c: u32| {
            let mut acc = Fq::zero();
            for w in (0..windows(c, sc.bits())).rev() {
                let d = sc.digit(i, w, c);
                assert!(d.unsigned_abs() <= 1 << (c - 1));
                let d = if d < 0 {
                    -Fq::from(-d as u64)
                } else {
                    Fq::from(d as u64)
                };
                acc = acc * Fq::from(1u64 << c) + d;
            }
            acc
        };
        for c in [2, 3, 7, 10, 12, 13, 16] {
            for (i, x) in s.iter().enumerate() {
                assert_eq!(value(&plain, i, c), *x, "c = {c}");
                let (k1, k2) = (value(&glv, i, c), value(&glv, s.len() + i, c));
                assert_eq!(k1 + LAMBDA * k2, *x, "glv, c = {c}");
            }
        }
        // Magnitudes of the GLV halves stay below 2^128 (measured ≤ 127 bits).
        for (i, x) in s.iter().enumerate() {
            let [(_, m1), (_, m2)] = decompose(&x.into_bigint().0);
            assert!(m1[2..] == [0, 0] && m2[2..] == [0, 0], "{i}");
        }
    }

    /// Many random scalars and the edges: the halves recompose the scalar and stay below 2^128.
    #[test]
    fn decomposition_recomposes() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut s = edge_scalars(&mut rng, 20_000);
        s.extend([Fq::from(2u64).pow([253u64]), -Fq::from(2u64).pow([128u64])]);
        let signed = |(neg, m): (bool, [u64; 4])| {
            assert!(m[2..] == [0, 0]);
            let v = Fq::from(m[0]) + Fq::from(m[1]) * Fq::from(2u64).pow([64u64]);
            if neg { -v } else { v }
        };
        for x in s {
            let [k1, k2] = decompose(&x.into_bigint().0);
            assert_eq!(signed(k1) + LAMBDA * signed(k2), x);
        }
    }

    #[test]
    fn endomorphism_is_lambda() {
        let mut rng = StdRng::seed_from_u64(9);
        let p = Projective::<GrumpkinConfig>::rand(&mut rng).into_affine();
        let bases = glv_bases(vec![Point::from_ark(&p), Point::IDENTITY]);
        assert_eq!(bases[2].to_ark(), (p * LAMBDA).into_affine());
        assert!(bases[2].to_ark().is_on_curve());
        assert_eq!(bases[3], Point::IDENTITY);
        assert_eq!(bases[0].to_ark(), p);
        assert_eq!(LAMBDA.pow([3]), Fq::ONE);
    }
}

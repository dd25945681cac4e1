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

/// `round(k·g / 2^256)` for `k < 2^256` and a small fixed-point constant `g`.
fn mul_shift_round(k: &[u64; 4], g: &[u64]) -> u128 {
    let mut prod = [0u64; 8];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let t = u128::from(ki) * u128::from(gj) + u128::from(prod[i + j]) + carry;
            prod[i + j] = t as u64;
            carry = t >> 64;
        }
        let mut idx = i + g.len();
        while carry != 0 && idx < 8 {
            let t = u128::from(prod[idx]) + carry;
            prod[idx] = t as u64;
            carry = t >> 64;
            idx += 1;
        }
    }
    let round = u128::from(prod[3] >> 63);
    (u128::from(prod[4]) | (u128::from(prod[5]) << 64)) + round
}

/// `a·b` as a 256-bit integer (little-endian limbs).
fn mul_wide(a: u128, b: u128) -> [u64; 4] {
    let (a0, a1) = (a as u64 as u128, a >> 64);
    let (b0, b1) = (b as u64 as u128, b >> 64);
    let (ll, lh, hl, hh) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (ll >> 64) + (lh as u64 as u128) + (hl as u64 as u128);
    let hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    [ll as u64, mid as u64, hi as u64, (hi >> 64) as u64]
}

/// `a + b mod 2^256`.
fn add4(a: [u64; 4], b: [u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        out[i] = s2;
        carry = c1 || c2;
    }
    out
}

/// `−a mod 2^256`.
fn neg4(a: [u64; 4]) -> [u64; 4] {
    add4(a.map(|x| !x), [1, 0, 0, 0])
}

/// A two's-complement 256-bit value as (negative, magnitude).
fn sign_mag(a: [u64; 4]) -> (bool, [u64; 4]) {
    if a[3] >> 63 == 1 {
        (true, neg4(a))
    } else {
        (false, a)
    }
}

/// GLV decomposition: `k ≡ k1 + λ·k2 (mod q)` with `|k1|, |k2| < 2^128`, as (negative, magnitude).
pub(crate) fn decompose(k: &[u64; 4]) -> [(bool, [u64; 4]); 2] {
    let c1 = mul_shift_round(k, &G1);
    let c2 = mul_shift_round(k, &G2);
    // k1 = k − c1·a1 − c2·a2;  k2 = c1·|b1| − c2·b2   (mod 2^256, exact since the results are small)
    let k1 = add4(add4(*k, neg4(mul_wide(c1, A1))), neg4(mul_wide(c2, A2)));
    let k2 = add4(mul_wide(c1, B1_ABS), neg4(mul_wide(c2, B2)));
    [sign_mag(k1), sign_mag(k2)]
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
            // Limb by limb: a slice copy is a `memcpy` call.
            (mags[2 * i], mags[2 * i + 1]) = (m1[0], m1[1]);
            (mags[2 * (n + i)], mags[2 * (n + i) + 1]) = (m2[0], m2[1]);
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

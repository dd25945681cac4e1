//! GLV scalars for the Grumpkin MSM: the endomorphism `φ(x, y) = (β·x, y) = λ·(x, y)` splits each
//! 254-bit scalar `s` into `k1 + λ·k2` with `|k1|, |k2| < 2^128`, so the MSM runs over twice the
//! bases with half-length scalars (half the windows).

use super::cost::Cost;
use super::point::{Coord, Point};
use crate::field::{Fq, Fr};
use alloc::vec;
use alloc::vec::Vec;
use ark_ff::PrimeField;
use zkml_field::unroll;

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

/// Bits per limb of the split's integers, and their mask. On 29-bit limbs a product is below
/// `2^58` and a column of up to eight products fits an `i64` without carries; the arithmetic is
/// written out straight-line ([`unroll!`]) so that limbs stay in wasm locals (`u128` arithmetic
/// becomes library calls through memory, and loops keep their arrays in memory: in a Gear
/// program both cost several times the arithmetic).
const BITS: u32 = 29;
const MASK: u64 = (1 << BITS) - 1;

/// `w` (below `2^261`) as nine 29-bit limbs.
#[inline(always)]
const fn limbs29(w: &[u64; 4]) -> [u64; 9] {
    let mut out = [0u64; 9];
    unroll!(I in [0 1 2 3 4 5 6 7 8] => {
        let (word, off) = (29 * I / 64, 29 * I % 64);
        let mut v = w[word] >> off;
        if off + 29 > 64 && word < 3 {
            v |= w[if word < 3 { word + 1 } else { word }] << (64 - off);
        }
        out[I] = v & MASK;
    });
    out
}

/// `G1`, `G2`, `a1`, `a2`, `|b1|`, `b2` as 29-bit limbs.
const G1_29: [u64; 9] = limbs29(&[G1[0], G1[1], G1[2], 0]);
const G2_29: [u64; 9] = limbs29(&[G2[0], G2[1], 0, 0]);
const A1_29: [u64; 9] = limbs29(&[A1 as u64, (A1 >> 64) as u64, 0, 0]);
const A2_29: [u64; 9] = limbs29(&[A2 as u64, (A2 >> 64) as u64, 0, 0]);
const B1_29: [u64; 9] = limbs29(&[B1_ABS as u64, (B1_ABS >> 64) as u64, 0, 0]);
const B2_29: [u64; 9] = limbs29(&[B2 as u64, (B2 >> 64) as u64, 0, 0]);

/// `round(k·g / 2^256)` for `k < 2^254` and `g < 2^145` (five limbs): below `2^128`, five limbs.
/// Columns of five products stay below `2^61`; after one carry pass, bit 256 is bit 24 of limb 8
/// and the rounding bit 255 is its bit 23.
#[inline(always)]
#[allow(unused_assignments)] // the last carry is zero: the quotient is below 2^145
fn quotient(k: &[u64; 9], g: &[u64; 9]) -> [u64; 5] {
    let mut t = [0u64; 15];
    unroll!(I in [0 1 2 3 4 5 6 7 8] => {
        unroll!(J in [0 1 2 3 4] => { t[I + J] += k[I] * g[J]; });
    });
    unroll!(C in [0 1 2 3 4 5 6 7 8 9 10 11 12 13] => {
        t[C + 1] += t[C] >> BITS;
        t[C] &= MASK;
    });
    let mut q = [0u64; 5];
    let mut carry = (t[8] >> 23) & 1;
    unroll!(M in [0 1 2 3 4] => {
        let v = ((t[8 + M] >> 24) | ((t[9 + M] << 5) & MASK)) + carry;
        q[M] = v & MASK;
        carry = v >> BITS;
    });
    q
}

/// A signed value given by column sums (`Σ s_c·2^{29c}`, `|s_c| < 2^62`) as sign and magnitude
/// in four 64-bit limbs.
#[inline(always)]
fn sign_mag(mut s: [i64; 9]) -> (bool, [u64; 4]) {
    unroll!(C in [0 1 2 3 4 5 6 7] => {
        s[C + 1] += s[C] >> BITS;
        s[C] &= MASK as i64;
    });
    let negative = s[8] < 0;
    if negative {
        unroll!(C in [0 1 2 3 4 5 6 7 8] => { s[C] = -s[C]; });
        unroll!(C in [0 1 2 3 4 5 6 7] => {
            s[C + 1] += s[C] >> BITS;
            s[C] &= MASK as i64;
        });
    }
    let m = |c: usize| s[c] as u64;
    let words = [
        m(0) | (m(1) << 29) | (m(2) << 58),
        (m(2) >> 6) | (m(3) << 23) | (m(4) << 52),
        (m(4) >> 12) | (m(5) << 17) | (m(6) << 46),
        (m(6) >> 18) | (m(7) << 11) | (m(8) << 40),
    ];
    (negative, words)
}

/// GLV decomposition: `k ≡ k1 + λ·k2 (mod q)` with `|k1|, |k2| < 2^128`, as (negative, magnitude).
/// With `c1 = round(k·b2/q)` (below `2^128`) and `c2 = round(k·|b1|/q)` (below `2^65`, three
/// limbs), from the fixed-point `G1`, `G2`: `k1 = k − c1·a1 − c2·a2` and `k2 = c1·|b1| − c2·b2`,
/// computed exactly in signed columns (every product's column is at most 8).
pub(crate) fn decompose(k: &[u64; 4]) -> [(bool, [u64; 4]); 2] {
    let k = limbs29(k);
    let (c1, c2) = (quotient(&k, &G1_29), quotient(&k, &G2_29));
    let mut s = [0i64; 9];
    unroll!(C in [0 1 2 3 4 5 6 7 8] => { s[C] = k[C] as i64; });
    let mut u = [0i64; 9];
    unroll!(I in [0 1 2 3 4] => {
        unroll!(J in [0 1 2 3 4] => { s[I + J] -= (c1[I] * A1_29[J]) as i64; });
        unroll!(J in [0 1 2] => { u[I + J] += (c1[I] * B1_29[J]) as i64; });
    });
    unroll!(I in [0 1 2] => {
        unroll!(J in [0 1 2] => { s[I + J] -= (c2[I] * A2_29[J]) as i64; });
        unroll!(J in [0 1 2 3 4] => { u[I + J] -= (c2[I] * B2_29[J]) as i64; });
    });
    [sign_mag(s), sign_mag(u)]
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

//! Fused operations whose sums and differences feed a multiplication unreduced: the steps of a
//! batch of affine point additions (one multiplication each, operands read and results written
//! in place).
//!
//! # Specification
//! An *unreduced factor* holds limbs `l_0..l_8`, each `< 2^31`, with `v = Σ l_k·2^{29k}` in
//! `[0, 6p)`; it stands for `v·R^{-1} mod p` like an [`Fe`], and is only ever a factor of one
//! Montgomery product, never stored:
//! - a sum `a + b`, limb by limb with no carry: limbs `< 2^30`, value `< 4p`;
//! - a difference `a − b + 4p`, limb by limb with no borrow: `4p` is written with every limb but
//!   the top one raised by `2^29` (and the next one lowered by one), so that each of its limbs is
//!   at least the largest limb of `b` (the top limb: at least `⌊(2p − 1)/2^{232}⌋`): limbs
//!   `< 2^29 + 2^30 < 2^31`, value in `(2p, 6p)`.
//!
//! Its product with an [`Fe`] is the Montgomery product of [`Fe::mul`]: a product column is below
//! `9·2^31·2^29 = 36·2^58`, the reduction adds below `9·2^58` and the carry below `2^35`, so a
//! column stays below `45·2^58 + 2^35 < 2^64`; the result `(a·b + m·p)/R` is below
//! `6p·2p/R + p < 2p` since `12p < R`. Each saves the reduction (one conditional subtraction or
//! addition of `2p`, branch-free) that [`Fe::add`] and [`Fe::sub`] take, and the memory traffic
//! of a separate operation: every value stays in wasm locals.

use crate::arith::{mont_mul, mont_sqr, reduce_2p, sub_wide};
use crate::consts::{Consts, MASK};
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};

/// `4p` with its limbs 0..7 raised by `2^29` and limbs 1..8 lowered by one (same value).
const fn raised_four_p(four_p: [u64; LIMBS]) -> [u64; LIMBS] {
    let mut out = four_p;
    let mut k = 0;
    while k < LIMBS - 1 {
        out[k] += 1 << LIMB_BITS;
        out[k + 1] -= 1;
        k += 1;
    }
    out
}

/// `4p`, each limb but the top at least `2^29 − 1` (see the module docs).
struct FourP<M>(M);

impl<M: Modulus> FourP<M> {
    const RAISED: [u64; LIMBS] = {
        let two_p = Consts::<M>::TWO_P;
        let mut four_p = [0u64; LIMBS];
        let mut carry = 0;
        let mut k = 0;
        while k < LIMBS {
            let t = 2 * two_p[k] + carry;
            four_p[k] = t & MASK;
            carry = t >> LIMB_BITS;
            k += 1;
        }
        let raised = raised_four_p(four_p);
        // The top limb covers the top limb of any value below 2p.
        assert!(raised[LIMBS - 1] >= two_p[LIMBS - 1]);
        raised
    };
}

/// The unreduced factor `a − b` (`a + b` when `add`): limbs `< 2^31`, value `< 6p`.
#[inline(always)]
fn factor<M: Modulus>(a: [u64; LIMBS], b: [u64; LIMBS], add: bool) -> [u64; LIMBS] {
    let c = FourP::<M>::RAISED;
    // All ones for a difference, zero for a sum: `b` or `4p − b` is added, branch-free.
    let diff = u64::from(!add).wrapping_neg();
    let mut s = [0u64; LIMBS];
    unroll9!(K => { s[K] = a[K] + (b[K] ^ ((b[K] ^ (c[K] - b[K])) & diff)); });
    s
}

/// `a − b − c` for `a, b, c < 2p`, back below `2p`: `a + 4p − b − c` (in `(0, 6p)`) with a
/// signed carry chain, then two conditional subtractions of `2p`.
#[inline(always)]
#[allow(unused_assignments)] // the last carry is zero: the value is positive and below 2^261
fn sub_sum_wide<M: Modulus>(a: [u64; LIMBS], b: [u64; LIMBS], c: [u64; LIMBS]) -> [u64; LIMBS] {
    let two_p = Consts::<M>::TWO_P;
    let mut s = [0u64; LIMBS];
    let mut carry = 0i64;
    unroll9!(K => {
        let t = (a[K] + 2 * two_p[K]) as i64 - b[K] as i64 - c[K] as i64 + carry;
        s[K] = (t as u64) & MASK;
        carry = t >> LIMB_BITS;
    });
    reduce_2p::<M>(reduce_2p::<M>(s))
}

impl<M: Modulus> Fe<M> {
    /// `out ← x·(a − b)`, or `x·(a + b)` when `add`; the sum or difference is an unreduced factor
    /// (see the module docs). A batch inversion's prefix products `x·(x_P − x_Q)` and an
    /// addition's slope `inv·(y_P ∓ y_Q)`.
    #[inline(never)]
    pub fn mul_diff_into(&self, a: &Self, b: &Self, add: bool, out: &mut Self) {
        let f = factor::<M>(a.wide(), b.wide(), add);
        out.store(mont_mul::<M>(self.wide(), f));
    }

    /// One backward step of a batch of affine additions `P ← P ± Q` sharing one inversion
    /// (Montgomery's trick), in one pass with every value in wasm locals. With `d = x_P − x_Q`,
    /// `running = (d_0⋯d_i)^{−1}` and `prefix = d_0⋯d_{i−1}` (this addition's `d` being `d_i`):
    /// `λ = running·prefix·(y_P ∓ y_Q)` (`+` when `sub`, for `P − Q`), `x_3 = λ² − x_P − x_Q`,
    /// `y_3 = λ·(x_P − x_3) − y_P`; writes `prefix ← running·d` (the next running inverse) and
    /// `(x_P, y_P) ← (x_3, y_3)`. The chord rule holds on any short Weierstrass curve.
    #[inline(never)]
    pub fn chord_step(
        running: &Self,
        prefix: &mut Self,
        px: &mut Self,
        py: &mut Self,
        qx: &Self,
        qy: &Self,
        sub: bool,
    ) {
        let (r, x1, y1, x2) = (running.wide(), px.wide(), py.wide(), qx.wide());
        let inv = mont_mul::<M>(r, prefix.wide());
        prefix.store(mont_mul::<M>(r, factor::<M>(x1, x2, false)));
        let lambda = mont_mul::<M>(inv, factor::<M>(y1, qy.wide(), sub));
        let x3 = sub_sum_wide::<M>(mont_sqr::<M>(lambda), x1, x2);
        let y3 = sub_wide::<M>(mont_mul::<M>(lambda, factor::<M>(x1, x3, false)), y1);
        px.store(x3);
        py.store(y3);
    }
}

#[cfg(test)]
mod tests {
    use super::{FourP, factor};
    use crate::consts::Consts;
    use crate::testing::{edges, element, high, in_form};
    use crate::{Bn254Fq, Bn254Fr, Fe, Modulus};
    use ark_ff::{AdditiveGroup, Field};
    use proptest::prelude::*;

    /// Whether unreduced factor limbs are below `2^31` and their value below `6p`.
    fn factor_in_bounds<M: Modulus>(l: &[u64; 9]) -> bool {
        let p = Consts::<M>::P;
        let (mut six_p, mut norm) = ([0u64; 9], [0u64; 9]);
        let (mut c6, mut cn) = (0, 0);
        for k in 0..9 {
            let t = 6 * p[k] + c6;
            six_p[k] = t & ((1 << 29) - 1);
            c6 = t >> 29;
            let t = l[k] + cn;
            norm[k] = t & ((1 << 29) - 1);
            cn = t >> 29;
        }
        l.iter().all(|&x| x < 1 << 31) && cn == 0 && norm.iter().rev().lt(six_p.iter().rev())
    }

    /// Every fused operation on `x, a, b` (each in both representatives) against ark-ff.
    fn check<M: Modulus>(x: M::Ark, a: M::Ark, b: M::Ark) {
        let forms = |v: &M::Ark| [Fe::<M>::from_ark(v), high(&Fe::<M>::from_ark(v))];
        for fx in forms(&x) {
            for fa in forms(&a) {
                for fb in forms(&b) {
                    assert!(factor_in_bounds::<M>(&factor::<M>(
                        fa.wide(),
                        fb.wide(),
                        false
                    )));
                    assert!(factor_in_bounds::<M>(&factor::<M>(
                        fa.wide(),
                        fb.wide(),
                        true
                    )));
                    let mut out = Fe::<M>::ZERO;
                    fx.mul_diff_into(&fa, &fb, false, &mut out);
                    assert!(in_form(&out));
                    assert_eq!(out.to_ark(), x * (a - b));
                    fx.mul_diff_into(&fa, &fb, true, &mut out);
                    assert!(in_form(&out));
                    assert_eq!(out.to_ark(), x * (a + b));
                    // A chord step with running inverse x, prefix a: P = (a, b), Q = (b, x).
                    let (mut t, mut px, mut py) = (fa, fa, fb);
                    Fe::chord_step(&fx, &mut t, &mut px, &mut py, &fb, &fx, false);
                    let lambda = x * a * (b - x);
                    let x3 = lambda.square() - a - b;
                    assert!(in_form(&t) && in_form(&px) && in_form(&py));
                    assert_eq!(t.to_ark(), x * (a - b));
                    assert_eq!((px.to_ark(), py.to_ark()), (x3, lambda * (a - x3) - b));
                }
            }
        }
    }

    #[test]
    fn raised_four_p_covers_every_limb() {
        fn run<M: Modulus>() {
            let (c, two_p) = (FourP::<M>::RAISED, Consts::<M>::TWO_P);
            assert!(c[..8].iter().all(|&l| l >= (1 << 29) - 1));
            assert!(c[8] >= two_p[8]);
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    #[test]
    fn edges_match_ark() {
        fn run<M: Modulus>() {
            let e = edges::<M>();
            for &a in &e {
                for &b in &e {
                    check::<M>(-M::Ark::ONE, a, b);
                    check::<M>(b, a, b);
                }
            }
        }
        run::<Bn254Fr>();
        run::<Bn254Fq>();
    }

    proptest! {
        #[test]
        fn random_values_match_ark(x in any::<[u64; 4]>(), a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
            check::<Bn254Fr>(element::<Bn254Fr>(x), element::<Bn254Fr>(a), element::<Bn254Fr>(b));
            check::<Bn254Fq>(element::<Bn254Fq>(x), element::<Bn254Fq>(a), element::<Bn254Fq>(b));
        }

        /// Long chains of additions `P ← P ± Q` in chord steps (a batch of one: the running
        /// inverse from ark-ff, the prefix one), against ark-ff's formulas.
        #[test]
        fn chains_match_ark(s in any::<[u64; 4]>(), t in any::<[u64; 4]>(), ops in proptest::collection::vec(any::<bool>(), 200)) {
            type F = ark_bn254::Fr;
            let (x, y) = (element::<Bn254Fr>(s), element::<Bn254Fr>(t));
            let mut acc = (x, y);
            let (mut fx, mut fy) = (Fe::<Bn254Fr>::from_ark(&acc.0), Fe::<Bn254Fr>::from_ark(&acc.1));
            let q = (y + x, x.double());
            let (qx, qy) = (Fe::<Bn254Fr>::from_ark(&q.0), Fe::<Bn254Fr>::from_ark(&q.1));
            for sub in ops {
                // The formulas do not need the points on a curve: P ← P ± Q as affine chords.
                let (n, d) = (if sub { acc.1 + q.1 } else { acc.1 - q.1 }, acc.0 - q.0);
                let Some(inv) = d.inverse() else { continue };
                let lambda: F = n * inv;
                let x3 = lambda.square() - acc.0 - q.0;
                acc = (x3, lambda * (acc.0 - x3) - acc.1);
                let mut one = Fe::<Bn254Fr>::ONE;
                Fe::chord_step(&Fe::from_ark(&inv), &mut one, &mut fx, &mut fy, &qx, &qy, sub);
                prop_assert!(in_form(&fx) && in_form(&fy) && in_form(&one));
                prop_assert_eq!(one.to_ark(), inv * d);
                prop_assert_eq!((fx.to_ark(), fy.to_ark()), acc);
            }
        }
    }
}

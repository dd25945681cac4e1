//! The arithmetic, written out straight-line (the `unroll!` macro) so that limbs stay in wasm locals.

use crate::consts::{Consts, MASK};
use crate::{Fe, LIMB_BITS, LIMBS, Modulus};

impl<M: Modulus> Fe<M> {
    /// The limbs widened to `u64`.
    #[inline(always)]
    pub(crate) fn wide(&self) -> [u64; LIMBS] {
        let mut out = [0u64; LIMBS];
        unroll9!(K => { out[K] = u64::from(self.limbs[K]); });
        out
    }

    /// Limbs that are already below `2^29` and a value below `2p`.
    #[inline(always)]
    pub(crate) fn from_wide(l: [u64; LIMBS]) -> Self {
        let mut out = [0u32; LIMBS];
        unroll9!(K => { out[K] = l[K] as u32; });
        Self::from_limbs(out)
    }

    /// Montgomery multiplication `a·b·R^{−1}`: 81 products, then nine reduction rows of nine
    /// products; a column never exceeds `18·2^58 + 2^35 < 2^64`, so carries move once per row.
    #[inline(never)]
    pub fn mul(&self, other: &Self) -> Self {
        Self::from_wide(mont_mul::<M>(self.wide(), other.wide()))
    }

    /// Overwrites `self` with `other`, limb by limb (a plain assignment of an `Fe` may become a
    /// `memcpy` call, which costs about as much as a multiplication in a Gear program).
    #[inline(always)]
    pub fn set(&mut self, other: &Self) {
        unroll9!(K => { self.limbs[K] = other.limbs[K]; });
    }

    /// `a ← a·b`, written in place limb by limb (no `memcpy` of a returned value).
    pub fn mul_assign(&mut self, other: &Self) {
        let product = self.mul(other);
        self.set(&product);
    }

    /// `a²`: each cross product `a_i·a_j` (`i < j`) once, with `2a_i` (below `2^30`), and the nine
    /// `a_i²`: 45 products instead of 81, and a column still below `9·2^58` before the reduction
    /// of [`Fe::mul`].
    #[inline(never)]
    pub fn square(&self) -> Self {
        Self::from_wide(mont_sqr::<M>(self.wide()))
    }

    /// `a + b`.
    #[inline(never)]
    #[allow(unused_assignments)] // the last carry is zero: the sum is below 4p < 2^261
    pub fn add(&self, other: &Self) -> Self {
        let (a, b) = (self.wide(), other.wide());
        let mut s = [0u64; LIMBS];
        let mut carry = 0u64;
        unroll9!(K => {
            let t = a[K] + b[K] + carry;
            s[K] = t & MASK;
            carry = t >> LIMB_BITS;
        });
        Self::from_wide(reduce_2p::<M>(s))
    }

    /// `2a`.
    pub fn double(&self) -> Self {
        self.add(self)
    }

    /// `a − b`.
    #[inline(never)]
    pub fn sub(&self, other: &Self) -> Self {
        Self::from_wide(sub_wide::<M>(self.wide(), other.wide()))
    }

    /// `−a`.
    pub fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// The value in `[0, p)`, as limbs (still in Montgomery form).
    pub(crate) fn canonical(&self) -> [u32; LIMBS] {
        let (d, borrow) = sub_limbs(self.wide(), Consts::<M>::P);
        if borrow < 0 {
            self.limbs
        } else {
            Self::from_wide(d).limbs
        }
    }

    /// Whether the element is zero: a value in `[0, 2p)` on limbs below `2^29` (a unique
    /// writing) is zero mod `p` exactly when it is `0` or `p`, tested limb by limb without a
    /// borrow chain.
    pub fn is_zero(&self) -> bool {
        let p = Consts::<M>::P;
        let (mut zero, mut is_p) = (0u64, 0u64);
        unroll9!(K => {
            let l = u64::from(self.limbs[K]);
            zero |= l;
            is_p |= l ^ p[K];
        });
        zero == 0 || is_p == 0
    }
}

/// `(a·b + m·p) / 2^261` on limbs (see [`Fe::mul`]); `a`, `b` with limbs `< 2^29`.
#[inline(always)]
pub(crate) fn mont_mul<M: Modulus>(a: [u64; LIMBS], b: [u64; LIMBS]) -> [u64; LIMBS] {
    let mut t = [0u64; 2 * LIMBS];
    unroll9!(I => { unroll9!(J => { t[I + J] += a[I] * b[J]; }); });
    mont_reduce::<M>(t)
}

/// `(a² + m·p) / 2^261` on limbs (see [`Fe::square`]); `a` with limbs `< 2^29`.
#[inline(always)]
pub(crate) fn mont_sqr<M: Modulus>(a: [u64; LIMBS]) -> [u64; LIMBS] {
    let mut t = [0u64; 2 * LIMBS];
    // Row `i`: `2a_i·a_j` for `j > i`.
    macro_rules! cross {
        ($i:literal => [$($j:literal)*]) => {{
            let twice = a[$i] << 1;
            unroll!(J in [$($j)*] => { t[$i + J] += twice * a[J]; });
        }};
    }
    cross!(0 => [1 2 3 4 5 6 7 8]);
    cross!(1 => [2 3 4 5 6 7 8]);
    cross!(2 => [3 4 5 6 7 8]);
    cross!(3 => [4 5 6 7 8]);
    cross!(4 => [5 6 7 8]);
    cross!(5 => [6 7 8]);
    cross!(6 => [7 8]);
    cross!(7 => [8]);
    unroll9!(I => { t[2 * I] += a[I] * a[I]; });
    mont_reduce::<M>(t)
}

/// `(t + m·p) / 2^261` for a product `t` whose columns are below `9·2^58`.
#[inline(always)]
pub(crate) fn mont_reduce<M: Modulus>(mut t: [u64; 2 * LIMBS]) -> [u64; LIMBS] {
    let p = Consts::<M>::P;
    let n0 = Consts::<M>::N0;
    unroll9!(K => {
        let m = t[K].wrapping_mul(n0) & MASK;
        unroll9!(J => { t[K + J] += m * p[J]; });
        t[K + 1] += t[K] >> LIMB_BITS;
    });
    let mut r = [0u64; LIMBS];
    unroll!(K in [0 1 2 3 4 5 6 7] => {
        r[K] = t[LIMBS + K] & MASK;
        t[LIMBS + K + 1] += t[LIMBS + K] >> LIMB_BITS;
    });
    r[LIMBS - 1] = t[2 * LIMBS - 1];
    r
}

/// `a − b` for `a, b < 2p`, back in `[0, 2p)`: the limb-wise difference, then `2p` added when it
/// is negative (the carry out of the top limb cancels the borrow).
#[inline(always)]
#[allow(unused_assignments)] // the last carry cancels the borrow
pub(crate) fn sub_wide<M: Modulus>(a: [u64; LIMBS], b: [u64; LIMBS]) -> [u64; LIMBS] {
    let (mut d, borrow) = sub_limbs(a, b);
    let mask = borrow as u64;
    let two_p = Consts::<M>::TWO_P;
    let mut carry = 0u64;
    unroll9!(K => {
        let t = d[K] + (two_p[K] & mask) + carry;
        d[K] = t & MASK;
        carry = t >> LIMB_BITS;
    });
    d
}

/// `s − 2p` if that is not negative, else `s` (for `s < 4p`).
#[inline(always)]
pub(crate) fn reduce_2p<M: Modulus>(s: [u64; LIMBS]) -> [u64; LIMBS] {
    let (d, borrow) = sub_limbs(s, Consts::<M>::TWO_P);
    let keep = borrow as u64; // all ones when s < 2p
    let mut out = [0u64; LIMBS];
    unroll9!(K => { out[K] = d[K] ^ ((d[K] ^ s[K]) & keep); });
    out
}

/// `a − b mod 2^261` on limbs.
#[inline(always)]
pub(crate) fn diff_limbs(a: [u64; LIMBS], b: [u64; LIMBS]) -> [u64; LIMBS] {
    sub_limbs(a, b).0
}

/// `a − b` on limbs with an arithmetic borrow: the difference's limbs mod `2^261` and the final
/// borrow, 0 or −1 (when `a < b`).
#[inline(always)]
fn sub_limbs(a: [u64; LIMBS], b: [u64; LIMBS]) -> ([u64; LIMBS], i64) {
    let mut d = [0u64; LIMBS];
    let mut borrow = 0i64;
    unroll9!(K => {
        let t = a[K] as i64 - b[K] as i64 + borrow;
        d[K] = (t as u64) & MASK;
        borrow = t >> LIMB_BITS;
    });
    (d, borrow)
}

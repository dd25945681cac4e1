//! The constants of a modulus, derived at compile time from ark-ff's `MODULUS`.

use crate::{LIMB_BITS, LIMBS, Modulus};
use ark_ff::PrimeField;
use core::marker::PhantomData;

/// A limb's mask, `2^29 − 1`.
pub(crate) const MASK: u64 = (1 << LIMB_BITS) - 1;

/// The constants of `M`, as 29-bit limbs held in `u64`.
pub(crate) struct Consts<M>(PhantomData<M>);

impl<M: Modulus> Consts<M> {
    /// `p` as four little-endian 64-bit words.
    const WORDS: [u64; 4] = <M::Ark as PrimeField>::MODULUS.0;
    /// `p`.
    pub(crate) const P: [u64; LIMBS] = limbs(Self::WORDS);
    /// `2^261 − p`: `−p` as limbs mod `2^261`.
    pub(crate) const NEG_P: [u64; LIMBS] = negate(Self::P);
    /// `2p`.
    pub(crate) const TWO_P: [u64; LIMBS] = limbs(add(Self::WORDS, Self::WORDS));
    /// `p − 2`, the exponent of Fermat's inversion, as four little-endian 64-bit words.
    pub(crate) const P_MINUS_2: [u64; 4] = match sub(Self::WORDS, [2, 0, 0, 0]) {
        Some(e) => e,
        None => panic!("p > 2"),
    };
    /// `−p^{−1} mod 2^29`, the Montgomery digit factor.
    pub(crate) const N0: u64 = neg_inverse(Self::WORDS[0]) & MASK;
    /// `R mod p`, `R = 2^261`: one in Montgomery form.
    pub(crate) const R: [u64; LIMBS] = limbs(pow2_mod(LIMB_BITS * LIMBS as u32, Self::WORDS));
    /// `R^2 mod p`: multiplying by it enters Montgomery form.
    pub(crate) const R2: [u64; LIMBS] = limbs(pow2_mod(2 * LIMB_BITS * LIMBS as u32, Self::WORDS));
}

/// A value's 29-bit limbs (the value must be below `2^261`).
pub(crate) const fn limbs(words: [u64; 4]) -> [u64; LIMBS] {
    let mut out = [0u64; LIMBS];
    let mut k = 0;
    while k < LIMBS {
        let bit = k * LIMB_BITS as usize;
        let (w, s) = (bit / 64, bit % 64);
        let mut v = words[w] >> s;
        if s + LIMB_BITS as usize > 64 && w + 1 < 4 {
            v |= words[w + 1] << (64 - s);
        }
        out[k] = v & MASK;
        k += 1;
    }
    out
}

/// `2^261 − l` as 29-bit limbs, for `0 < l < 2^261`.
const fn negate(l: [u64; LIMBS]) -> [u64; LIMBS] {
    let mut out = [0u64; LIMBS];
    let mut borrow = 0u64;
    let mut k = 0;
    while k < LIMBS {
        let t = (1u64 << LIMB_BITS) - l[k] - borrow;
        out[k] = t & MASK;
        borrow = 1 - (t >> LIMB_BITS);
        k += 1;
    }
    out
}

/// Limbs narrowed to their `u32` storage.
pub(crate) const fn narrow(l: [u64; LIMBS]) -> [u32; LIMBS] {
    let mut out = [0u32; LIMBS];
    let mut k = 0;
    while k < LIMBS {
        out[k] = l[k] as u32;
        k += 1;
    }
    out
}

/// `a + b` for `a + b < 2^256`.
const fn add(a: [u64; 4], b: [u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = 0u64;
    let mut i = 0;
    while i < 4 {
        let s = a[i] as u128 + b[i] as u128 + carry as u128;
        out[i] = s as u64;
        carry = (s >> 64) as u64;
        i += 1;
    }
    out
}

/// `a − b` if `a ≥ b`, else `None`.
const fn sub(a: [u64; 4], b: [u64; 4]) -> Option<[u64; 4]> {
    let mut out = [0u64; 4];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < 4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        out[i] = d2;
        borrow = (b1 | b2) as u64;
        i += 1;
    }
    if borrow == 0 { Some(out) } else { None }
}

/// `2^e mod p` by doubling (`p < 2^255`).
const fn pow2_mod(e: u32, p: [u64; 4]) -> [u64; 4] {
    let mut x = [1u64, 0, 0, 0];
    let mut i = 0;
    while i < e {
        x = add(x, x);
        if let Some(d) = sub(x, p) {
            x = d;
        }
        i += 1;
    }
    x
}

/// `−a^{−1} mod 2^64` for odd `a` (Newton's iteration doubles the correct low bits).
const fn neg_inverse(a: u64) -> u64 {
    let mut inv = a; // correct to 3 bits for odd a
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bn254Fq, Bn254Fr};

    fn check<M: Modulus>() {
        let p = Consts::<M>::P;
        assert!(p.iter().all(|&l| l <= MASK));
        // N0·p ≡ −1 mod 2^29.
        assert_eq!(Consts::<M>::N0.wrapping_mul(p[0]) & MASK, MASK);
        assert_eq!(
            limbs(<M::Ark as PrimeField>::MODULUS.0),
            Consts::<M>::P,
            "round trip"
        );
    }

    #[test]
    fn derived_constants() {
        check::<Bn254Fr>();
        check::<Bn254Fq>();
        // r ≡ 1 mod 2^28: the digit factor of BN254's r is 2^28 − 1.
        assert_eq!(Consts::<Bn254Fr>::N0, (1 << 28) - 1);
    }
}

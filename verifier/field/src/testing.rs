//! Helpers shared by the kernel's tests: the form check, the `[p, 2p)` representative, and
//! elements from random words and at the edges.

use crate::consts::Consts;
use crate::{Fe, Modulus};
use ark_ff::{AdditiveGroup, BigInt, Field, PrimeField};

/// Limbs below `2^29` and a value below `2p`: the form every operation returns.
pub(crate) fn in_form<M: Modulus>(x: &Fe<M>) -> bool {
    let two_p = Consts::<M>::TWO_P;
    let limbs = x.limbs().map(u64::from);
    limbs.iter().all(|&l| l < 1 << 29) && limbs.iter().rev().lt(two_p.iter().rev())
}

/// `x`'s other representative, `x + p` in `[p, 2p)` (from its canonical value).
pub(crate) fn high<M: Modulus>(x: &Fe<M>) -> Fe<M> {
    let p = Consts::<M>::P;
    let c = x.canonical();
    let mut out = [0u64; 9];
    let mut carry = 0;
    for k in 0..9 {
        let t = u64::from(c[k]) + p[k] + carry;
        out[k] = t & ((1 << 29) - 1);
        carry = t >> 29;
    }
    Fe::from_wide(out)
}

/// An ark-ff element from four random words, reduced mod `p`.
pub(crate) fn element<M: Modulus>(words: [u64; 4]) -> M::Ark {
    let mut bytes = [0u8; 32];
    for (c, w) in bytes.chunks_exact_mut(8).zip(words) {
        c.copy_from_slice(&w.to_le_bytes());
    }
    M::Ark::from_le_bytes_mod_order(&bytes)
}

/// The edges: 0, 1, 2, p − 1, p − 2, (p − 1)/2, values at limb and word boundaries and their
/// negations, and values whose Montgomery limbs sit at limb boundaries.
pub(crate) fn edges<M: Modulus>() -> Vec<M::Ark> {
    let mut v = std::vec![
        M::Ark::ZERO,
        M::Ark::ONE,
        M::Ark::from(2u64),
        -M::Ark::ONE,
        -M::Ark::from(2u64),
        M::Ark::from_bigint(M::Ark::MODULUS_MINUS_ONE_DIV_TWO).expect("below p"),
    ];
    for bit in [28u32, 29, 58, 63, 64, 128, 232, 253] {
        let mut words = [0u64; 4];
        words[(bit / 64) as usize] = 1 << (bit % 64);
        let x = M::Ark::from_bigint(BigInt(words)).expect("below p");
        v.extend([x, x - M::Ark::ONE, -x]);
    }
    let r_inv = M::Ark::from(2u64)
        .pow([261u64])
        .inverse()
        .expect("2 is invertible");
    for k in [0u32, 28, 29, 57, 58, 232, 253] {
        let two_k = M::Ark::from(2u64).pow([u64::from(k)]);
        v.extend([two_k * r_inv, (two_k - M::Ark::ONE) * r_inv]);
    }
    v
}

//! Gas-lean prime-field arithmetic for Gear programs.
//!
//! Gear meters every wasm instruction. A multiplication on ark-ff's four 64-bit limbs spends most
//! of its gas on carry handling; this kernel instead holds an element in nine *unsaturated* 29-bit
//! limbs, so that a column of up to eighteen 58-bit products sums in a `u64` without a carry test,
//! and writes every loop out straight-line (Gear builds programs at opt-level `z`, which does not
//! unroll loops).
//!
//! # Specification
//! For a prime `p < 2^254` (BN254's `r` or `q`), an [`Fe<M>`] holds limbs `l_0..l_8`, each
//! `< 2^29`, with `v = Σ l_k·2^{29k}` in `[0, 2p)`. It represents `v·R^{-1} mod p`, `R = 2^261`
//! (Montgomery form). Every operation takes and returns that form:
//! - [`Fe::mul`]: `v = a·b·R^{-1} mod p`, computed as `(a·b + m·p) / R`, which is `< 2p` because
//!   `a, b < 2p` and `4p < R`;
//! - [`Fe::add`], [`Fe::sub`], [`Fe::neg`], [`Fe::double`]: the sum or difference, brought back
//!   to `[0, 2p)` by one conditional subtraction or addition of `2p` (branch-free);
//! - [`Fe::from_ark`] / [`Fe::to_ark`], [`Fe::from_le_bytes`] / [`Fe::to_le_bytes`] and
//!   [`Fe::from_montgomery`] / [`Fe::to_montgomery`]: exact conversion to and from ark-ff's
//!   elements, canonical little-endian bytes and the limbs of the canonical Montgomery form
//!   (non-canonical bytes or limbs are refused);
//!   equality ([`PartialEq`]) and [`Fe::is_zero`] compare values mod `p`;
//! - [`Fe::mul_diff_into`] (`x·(a ∓ b)`) and [`Fe::chord_step`] (one backward step of a batch of
//!   affine additions: five multiplications in one pass): sums and differences enter a
//!   multiplication unreduced (limbs below `2^31`, value below `6p`; bounds in the `lazy` module);
//! - [`Fe::mul_into`], [`Fe::square_into`], [`Fe::neg_into`]: [`Fe::mul`], [`Fe::square`] and
//!   [`Fe::neg`] written into a given place; [`Fe::inverse`]: Fermat's `a^{p−2}` on them;
//! - [`Fe::dot`]: `Σ a_i·b_i` over at most [`DOT_TERMS`] pairs, reduced once; [`Fe::mul_add`]:
//!   `a·b + c`, reduced once.
//!
//! The kernel is cross-checked against ark-ff (tests, with overflow checks on).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Repeats `$body` with `$i` bound to each listed constant in turn, each time as a constant (the
/// arithmetic is written out straight-line, so that limbs stay in wasm locals: Gear builds
/// programs at opt-level `z`, which keeps loops and their arrays in memory).
///
/// ```
/// let mut t = [0u64; 3];
/// zkml_field::unroll!(I in [0 1 2] => { t[I] = 2 * I as u64; });
/// assert_eq!(t, [0, 2, 4]);
/// ```
#[macro_export]
macro_rules! unroll {
    ($i:ident in [$($n:literal)*] => $body:block) => {
        $( { #[allow(non_upper_case_globals)] const $i: usize = $n; $body } )*
    };
}

/// Repeats `$body` with `$i` bound to `0..9`.
macro_rules! unroll9 {
    ($i:ident => $body:block) => {
        unroll!($i in [0 1 2 3 4 5 6 7 8] => $body)
    };
}

mod arith;
mod consts;
mod convert;
mod dot;
mod into;
mod lazy;
mod sum;
#[cfg(test)]
mod testing;

pub use dot::DOT_TERMS;
pub use sum::{SUM_TERMS, Sum};

use core::fmt;
use core::marker::PhantomData;

/// Limbs per element.
pub const LIMBS: usize = 9;
/// Bits per limb.
pub const LIMB_BITS: u32 = 29;

/// A prime modulus below `2^254`, given by ark-ff's field type.
pub trait Modulus: 'static + Copy + Eq + Send + Sync {
    /// The ark-ff field with this modulus (conversions and tests).
    type Ark: ark_ff::PrimeField<BigInt = ark_ff::BigInt<4>>;
}

/// BN254's scalar field `r` (Grumpkin's base field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bn254Fr;

impl Modulus for Bn254Fr {
    type Ark = ark_bn254::Fr;
}

/// BN254's base field `q` (Grumpkin's scalar field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bn254Fq;

impl Modulus for Bn254Fq {
    type Ark = ark_bn254::Fq;
}

/// An element of the field of `M` in Montgomery form on nine 29-bit limbs (see the crate docs).
/// Limbs are stored as `u32`, so an element takes 36 bytes.
#[derive(Clone, Copy)]
pub struct Fe<M: Modulus> {
    limbs: [u32; LIMBS],
    modulus: PhantomData<M>,
}

impl<M: Modulus> Fe<M> {
    /// Zero.
    pub const ZERO: Self = Self::from_limbs([0; LIMBS]);
    /// One (`R mod p` in Montgomery form).
    pub const ONE: Self = Self::from_limbs(consts::narrow(consts::Consts::<M>::R));

    const fn from_limbs(limbs: [u32; LIMBS]) -> Self {
        Self {
            limbs,
            modulus: PhantomData,
        }
    }

    /// The limbs (each `< 2^29`, value `< 2p`, Montgomery form).
    pub fn limbs(&self) -> &[u32; LIMBS] {
        &self.limbs
    }
}

impl<M: Modulus> Default for Fe<M> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<M: Modulus> PartialEq for Fe<M> {
    /// Equality mod `p`: for values in `[0, 2p)`, `a − b` is `0`, `p` or `−p` (mod `2^261`, as
    /// limbs), tested limb by limb without a branch per limb.
    fn eq(&self, other: &Self) -> bool {
        let d = arith::diff_limbs(self.wide(), other.wide());
        let (p, neg_p) = (consts::Consts::<M>::P, consts::Consts::<M>::NEG_P);
        let (mut zero, mut is_p, mut is_neg_p) = (0u64, 0u64, 0u64);
        unroll9!(K => {
            zero |= d[K];
            is_p |= d[K] ^ p[K];
            is_neg_p |= d[K] ^ neg_p[K];
        });
        zero == 0 || is_p == 0 || is_neg_p == 0
    }
}

impl<M: Modulus> Eq for Fe<M> {}

impl<M: Modulus> fmt::Debug for Fe<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fe({})", self.to_ark())
    }
}

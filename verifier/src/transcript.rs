//! Keccak256 Fiat–Shamir transcript (SPEC §5). Stand-in for the core helper's version until it is copied here.

use alloc::vec::Vec;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use sha3::{Digest, Keccak256};

/// Byte representation of a value as absorbed by the transcript.
pub trait Repr {
    /// Appends the representation of `self` to `out`.
    fn repr(&self, out: &mut Vec<u8>);
}

impl Repr for ark_bn254::Fr {
    fn repr(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.into_bigint().to_bytes_le());
    }
}

impl Repr for ark_bn254::Fq {
    fn repr(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.into_bigint().to_bytes_le());
    }
}

impl<T: Repr> Repr for [T] {
    fn repr(&self, out: &mut Vec<u8>) {
        for x in self {
            x.repr(out);
        }
    }
}

impl<T: Repr> Repr for Vec<T> {
    fn repr(&self, out: &mut Vec<u8>) {
        self.as_slice().repr(out);
    }
}

impl Repr for ark_grumpkin::Affine {
    fn repr(&self, out: &mut Vec<u8>) {
        match self.xy() {
            None => {
                out.extend_from_slice(&[0u8; 64]);
                out.push(1);
            }
            Some((x, y)) => {
                x.repr(out);
                y.repr(out);
                out.push(0);
            }
        }
    }
}

/// The Keccak256 transcript over the scalar field `F`.
pub struct Transcript<F: PrimeField> {
    state: [u8; 64],
    round: u64,
    buf: Vec<u8>,
    _f: core::marker::PhantomData<F>,
}

fn k2(m: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    let mut h = Keccak256::new();
    h.update(m);
    h.update([0u8]);
    out[..32].copy_from_slice(&h.finalize());
    let mut h = Keccak256::new();
    h.update(m);
    h.update([1u8]);
    out[32..].copy_from_slice(&h.finalize());
    out
}

impl<F: PrimeField> Transcript<F> {
    /// A fresh transcript with the persona `label`.
    pub fn new(label: &[u8]) -> Self {
        let mut m = Vec::from(&b"NoTR"[..]);
        m.extend_from_slice(label);
        Self {
            state: k2(&m),
            round: 0,
            buf: Vec::new(),
            _f: core::marker::PhantomData,
        }
    }

    /// Absorbs `label ‖ repr(v)`.
    pub fn absorb<T: Repr + ?Sized>(&mut self, label: &[u8], v: &T) {
        self.buf.extend_from_slice(label);
        v.repr(&mut self.buf);
    }

    /// Absorbs a domain separator.
    pub fn dom_sep(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(b"NoDS");
        self.buf.extend_from_slice(bytes);
    }

    /// Squeezes a challenge.
    pub fn squeeze(&mut self, label: &[u8]) -> F {
        let mut m = core::mem::take(&mut self.buf);
        m.extend_from_slice(b"NoDS");
        m.extend_from_slice(&self.round.to_le_bytes());
        m.extend_from_slice(&self.state);
        m.extend_from_slice(label);
        let out = k2(&m);
        self.round += 1;
        self.state = out;
        F::from_le_bytes_mod_order(&out)
    }
}

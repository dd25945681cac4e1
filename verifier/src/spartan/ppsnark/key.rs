//! The primary verifier key (nova's `ppsnark::VerifierKey` with HyperKZG), its digest and its
//! wire encoding.
//!
//! Wire format (SCALE, see [`crate::codec`]): the three sizes as `u64`, `G` (65 bytes), `H` and
//! `τ·H` (128 bytes each), the seven matrix commitments, then the digest. Decoding checks
//! canonicity, curve membership (and the G2 subgroup), the sizes and the digest; it never panics.

use crate::codec::{read_g2, read_point, read_scalar, write_g2, write_point, write_scalar};
use crate::error::VerifyError;
use crate::field::{Fr, G1, coords, le32};
use crate::pcs::hyperkzg::KzgKey;
use ark_bn254::G2Affine;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};
use parity_scale_codec::{Decode, Encode, Error as CodecError, Input, Output};
use sha3::{Digest, Sha3_256};

/// Length of nova's serialization of the primary verifier key (SPEC §6.4), the input of its digest.
pub const NOVA_KEY_LEN: usize = 408;

/// The model-specific primary verifier key (nova's `ppsnark::VerifierKey` plus its digest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimaryKey {
    /// Number of constraints of the padded primary R1CS (a power of two).
    pub num_cons: u64,
    /// Number of witness variables of the padded primary R1CS (a power of two).
    pub num_vars: u64,
    /// Size `N` of the padded sparse-matrix representation (a power of two).
    pub n: u64,
    /// The HyperKZG key `G`, `H`, `τ·H`.
    pub kzg: KzgKey,
    /// The seven commitments of the preprocessed matrices, in nova's order: `row`, `col`, `val_A`,
    /// `val_B`, `val_C`, `ts_row`, `ts_col`.
    pub s_comm: [G1; 7],
    /// `digest_vk1`: the low 250 bits of SHA3-256 of [`PrimaryKey::nova_bytes`].
    pub digest: Fr,
}

/// The sizes a [`PrimaryKey`] implies: `(n_out, n_in, m_v)` = `log2` of `num_cons`, `N`, `num_vars`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sizes {
    /// `log2 num_cons`.
    pub(crate) n_out: usize,
    /// `log2 N`.
    pub(crate) n_in: usize,
    /// `log2 num_vars`.
    pub(crate) m_v: usize,
}

impl PrimaryKey {
    /// Builds a key from its parts and computes its digest. Checks the sizes the SNARK's verifier relies on.
    pub fn new(
        num_cons: u64,
        num_vars: u64,
        n: u64,
        kzg: KzgKey,
        s_comm: [G1; 7],
    ) -> Result<Self, VerifyError> {
        let mut key = Self {
            num_cons,
            num_vars,
            n,
            kzg,
            s_comm,
            digest: Fr::zero(),
        };
        key.sizes()?;
        key.digest = digest_of(&key.nova_bytes());
        Ok(key)
    }

    /// nova's bincode serialization of the key (`num_cons ‖ num_vars ‖ G ‖ H ‖ τH ‖ N ‖ S_comm`,
    /// points in halo2curves' compressed form, SPEC §10), the input of the digest.
    pub fn nova_bytes(&self) -> [u8; NOVA_KEY_LEN] {
        let mut out = [0u8; NOVA_KEY_LEN];
        out[0..8].copy_from_slice(&self.num_cons.to_le_bytes());
        out[8..16].copy_from_slice(&self.num_vars.to_le_bytes());
        out[16..48].copy_from_slice(&compress_g1(&self.kzg.g));
        out[48..112].copy_from_slice(&compress_g2(&self.kzg.h));
        out[112..176].copy_from_slice(&compress_g2(&self.kzg.tau_h));
        out[176..184].copy_from_slice(&self.n.to_le_bytes());
        for (chunk, p) in out[184..].chunks_exact_mut(32).zip(&self.s_comm) {
            chunk.copy_from_slice(&compress_g1(p));
        }
        out
    }

    pub(crate) fn sizes(&self) -> Result<Sizes, VerifyError> {
        let log2 = |v: u64| -> Result<usize, VerifyError> {
            if v.is_power_of_two() && v < 1 << 40 {
                Ok(v.trailing_zeros() as usize)
            } else {
                Err(VerifyError::Malformed(
                    "primary key: size is not a power of two below 2^40",
                ))
            }
        };
        let s = Sizes {
            n_out: log2(self.num_cons)?,
            n_in: log2(self.n)?,
            m_v: log2(self.num_vars)?,
        };
        // The instance polynomial has 3 entries (m_v ≥ 2) and the column domain 2·num_vars fits in N.
        if s.n_in < s.n_out || s.m_v < 2 || s.n_in < s.m_v + 1 {
            return Err(VerifyError::Malformed("primary key: inconsistent sizes"));
        }
        Ok(s)
    }
}

/// The digest of a primary verifier key from nova's 408 key bytes (SPEC §6.4): SHA3-256, read
/// little-endian, low 250 bits.
pub fn digest_of(nova_key: &[u8; NOVA_KEY_LEN]) -> Fr {
    let mut hash: [u8; 32] = Sha3_256::digest(nova_key).into();
    hash[31] &= 0x03;
    Fr::from_le_bytes_mod_order(&hash)
}

/// halo2curves' compressed G1 encoding: `LE32(x)`, flag 0x80 in byte 31 if `y` is odd, identity =
/// 31 zero bytes then 0x40.
fn compress_g1(p: &G1) -> [u8; 32] {
    let (x, y, infinity) = coords(p);
    let mut out = le32(&x);
    if infinity {
        out[31] |= 0x40;
    } else if y.into_bigint().is_odd() {
        out[31] |= 0x80;
    }
    out
}

/// halo2curves' compressed G2 encoding: `LE32(x.c0) ‖ LE32(x.c1)`, flag 0x80 in byte 63 if `y.c0`
/// is odd, identity = 63 zero bytes then 0x40.
fn compress_g2(p: &G2Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    match p.xy() {
        None => out[63] = 0x40,
        Some((x, y)) => {
            out[..32].copy_from_slice(&le32(&x.c0));
            out[32..].copy_from_slice(&le32(&x.c1));
            if y.c0.into_bigint().is_odd() {
                out[63] |= 0x80;
            }
        }
    }
    out
}

impl Encode for PrimaryKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.num_cons.encode_to(out);
        self.num_vars.encode_to(out);
        self.n.encode_to(out);
        write_point(&self.kzg.g, out);
        write_g2(&self.kzg.h, out);
        write_g2(&self.kzg.tau_h, out);
        self.s_comm.iter().for_each(|p| write_point(p, out));
        write_scalar(&self.digest, out);
    }
}

/// Decoding checks the points, the sizes and that the stored digest is the key's digest.
impl Decode for PrimaryKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        let num_cons = u64::decode(input)?;
        let num_vars = u64::decode(input)?;
        let n = u64::decode(input)?;
        let kzg = KzgKey {
            g: read_point(input)?,
            h: read_g2(input)?,
            tau_h: read_g2(input)?,
        };
        let mut s_comm = [G1::identity(); 7];
        for p in &mut s_comm {
            *p = read_point(input)?;
        }
        let digest = read_scalar(input)?;
        let key = PrimaryKey::new(num_cons, num_vars, n, kzg, s_comm)
            .map_err(|_| CodecError::from("primary key: inconsistent sizes"))?;
        if key.digest != digest {
            return Err("primary key: wrong digest".into());
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{INTER3, model_key, nova_key_bytes, scalar};
    use ark_ff::One;

    fn key() -> PrimaryKey {
        model_key().primary
    }

    #[test]
    fn key_digest_and_nova_bytes() {
        let key = key();
        assert_eq!(key.nova_bytes(), nova_key_bytes());
        assert_eq!(key.digest, scalar(INTER3, "digest_vk1"));
        assert_eq!(digest_of(&nova_key_bytes()), key.digest);
        assert_eq!(digest_of(&key.nova_bytes()), key.digest);
        assert_eq!((key.num_cons, key.num_vars, key.n), (16384, 16384, 131072));
        assert_eq!(
            (key.kzg.g, key.kzg.h),
            (G1::generator(), G2Affine::generator())
        );
        let mut bad = key.clone();
        bad.s_comm[3] = bad.s_comm[4];
        assert_ne!(digest_of(&bad.nova_bytes()), bad.digest);
        bad = key.clone();
        bad.digest += Fr::one();
        assert_ne!(digest_of(&bad.nova_bytes()), bad.digest);
    }

    #[test]
    fn key_scale_round_trip_and_validation() {
        let key = key();
        let bytes = key.encode();
        assert_eq!(bytes.len(), 24 + 65 + 2 * 128 + 7 * 65 + 32);
        assert_eq!(PrimaryKey::decode(&mut &bytes[..]), Ok(key.clone()));
        // Wrong digest.
        let mut b = bytes.clone();
        *b.last_mut().unwrap() ^= 1;
        assert!(PrimaryKey::decode(&mut &b[..]).is_err());
        // Wrong size (not a power of two), G2 off the curve, G1 off the curve, truncated.
        let mut b = bytes.clone();
        b[0] = 3;
        assert!(PrimaryKey::decode(&mut &b[..]).is_err());
        let mut b = bytes.clone();
        b[24 + 65 + 5] ^= 1;
        assert!(PrimaryKey::decode(&mut &b[..]).is_err());
        let mut b = bytes.clone();
        b[24 + 1] ^= 1;
        assert!(PrimaryKey::decode(&mut &b[..]).is_err());
        assert!(PrimaryKey::decode(&mut &bytes[..bytes.len() - 1]).is_err());
        // n_in < n_out is rejected.
        assert!(
            PrimaryKey::new(1 << 20, key.num_vars, key.n, key.kzg.clone(), key.s_comm).is_err()
        );
    }
}

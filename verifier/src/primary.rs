//! The primary SNARK: nova's `spartan::ppsnark::RelaxedR1CSSNARK` on BN254 with HyperKZG (SPEC §8).
//!
//! [`verify`] checks a [`PrimarySnark`] for the folded, derandomized primary instance `Un1` against
//! the model's [`PrimaryKey`]: two sum-checks and their final claims in the field, fifteen openings
//! batched into one HyperKZG opening (one G1 MSM) and one 2-pair pairing check. [`reduce`] does
//! everything but the pairing, so a caller can split the work between messages.
//!
//! Wire format (SCALE, see the `Encode`/`Decode` impls): scalars are 32-byte little-endian canonical
//! integers, G1 points 65 bytes `LE32(x) ‖ LE32(y) ‖ [identity]` (identity = 64 zero bytes then 1),
//! G2 points 128 bytes `LE32(x.c0) ‖ LE32(x.c1) ‖ LE32(y.c0) ‖ LE32(y.c1)`, vectors with a SCALE
//! compact length. Decoding checks canonicity, curve membership (and the G2 subgroup) and the key's
//! digest; it never panics.

use crate::VerifyError;
use crate::field::{Fq, Fr, G1, coords, from_le32_canonical, le32, point_from_le32};
use crate::hyperkzg::{self, Combination, EvaluationArgument, KzgKey, PairingInputs};
use crate::instance::RelaxedInstance;
use crate::polys::{eq, identity_eval, masked_eq_eval, sparse_eval};
use crate::sumcheck;
use crate::transcript::Transcript;
use crate::wire::codec::{read_point, read_scalar, read_vec, write_point, write_scalar, write_vec};
use alloc::vec::Vec;
use ark_bn254::{Fq2, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
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
struct Sizes {
    n_out: usize,
    n_in: usize,
    m_v: usize,
}

impl PrimaryKey {
    /// Builds a key from its parts and computes its digest. Checks the sizes (see [`verify`]).
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

    /// Decodes nova's 408 key bytes (halo2curves compressed points, SPEC §10: each point costs a
    /// square root) and computes the digest from them. Rejects non-canonical coordinates, bad
    /// flags, points not on the curve or (G2) not in the subgroup, and inconsistent sizes.
    pub fn from_nova_bytes(bytes: &[u8; NOVA_KEY_LEN]) -> Result<Self, VerifyError> {
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i..i + 8]);
            u64::from_le_bytes(b)
        };
        let g1_at = |i: usize| {
            let mut b = [0u8; 32];
            b.copy_from_slice(&bytes[i..i + 32]);
            decompress_g1(&b)
        };
        let g2_at = |i: usize| {
            let mut b = [0u8; 64];
            b.copy_from_slice(&bytes[i..i + 64]);
            decompress_g2(&b)
        };
        let kzg = KzgKey {
            g: g1_at(16)?,
            h: g2_at(48)?,
            tau_h: g2_at(112)?,
        };
        let mut s_comm = [G1::identity(); 7];
        for (i, p) in s_comm.iter_mut().enumerate() {
            *p = g1_at(184 + 32 * i)?;
        }
        let key = Self::new(u64_at(0), u64_at(8), u64_at(176), kzg, s_comm)?;
        // Compression is injective on valid points, so this only guards the encoder against drift.
        if key.nova_bytes() != *bytes {
            return Err(VerifyError::Malformed(
                "primary key: non-canonical point encoding",
            ));
        }
        Ok(key)
    }

    /// Recomputes the digest from the key's own fields and compares it with the stored one.
    pub fn check_digest(&self) -> Result<(), VerifyError> {
        if digest_of(&self.nova_bytes()) == self.digest {
            Ok(())
        } else {
            Err(VerifyError::Check("primary: verifier key digest"))
        }
    }

    fn sizes(&self) -> Result<Sizes, VerifyError> {
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

/// The fifteen claimed evaluations at the inner sum-check point, in nova's field order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evals {
    /// `eval_E`.
    pub e: Fr,
    /// `eval_L_row`.
    pub l_row: Fr,
    /// `eval_L_col`.
    pub l_col: Fr,
    /// `eval_val_A`.
    pub val_a: Fr,
    /// `eval_val_B`.
    pub val_b: Fr,
    /// `eval_val_C`.
    pub val_c: Fr,
    /// `eval_W`.
    pub w: Fr,
    /// `eval_t_plus_r_inv_row`.
    pub t_plus_r_inv_row: Fr,
    /// `eval_row`.
    pub row: Fr,
    /// `eval_w_plus_r_inv_row`.
    pub w_plus_r_inv_row: Fr,
    /// `eval_ts_row`.
    pub ts_row: Fr,
    /// `eval_t_plus_r_inv_col`.
    pub t_plus_r_inv_col: Fr,
    /// `eval_col`.
    pub col: Fr,
    /// `eval_w_plus_r_inv_col`.
    pub w_plus_r_inv_col: Fr,
    /// `eval_ts_col`.
    pub ts_col: Fr,
}

impl Evals {
    /// The evaluations from wire (nova serde) order.
    pub fn from_wire_order(e: [Fr; 15]) -> Self {
        Self {
            e: e[0],
            l_row: e[1],
            l_col: e[2],
            val_a: e[3],
            val_b: e[4],
            val_c: e[5],
            w: e[6],
            t_plus_r_inv_row: e[7],
            row: e[8],
            w_plus_r_inv_row: e[9],
            ts_row: e[10],
            t_plus_r_inv_col: e[11],
            col: e[12],
            w_plus_r_inv_col: e[13],
            ts_col: e[14],
        }
    }

    /// The evaluations in wire (nova serde) order.
    pub fn wire_order(&self) -> [Fr; 15] {
        [
            self.e,
            self.l_row,
            self.l_col,
            self.val_a,
            self.val_b,
            self.val_c,
            self.w,
            self.t_plus_r_inv_row,
            self.row,
            self.w_plus_r_inv_row,
            self.ts_row,
            self.t_plus_r_inv_col,
            self.col,
            self.w_plus_r_inv_col,
            self.ts_col,
        ]
    }

    /// The evaluations in opening order (SPEC §8.11: `eval_W` first, then the wire order).
    fn opening_order(&self) -> [Fr; 15] {
        let mut out = self.wire_order();
        out[..7].rotate_right(1);
        out
    }
}

/// The primary SNARK proof (nova's `ppsnark::RelaxedR1CSSNARK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimarySnark {
    /// `comm_L_row`.
    pub comm_l_row: G1,
    /// `comm_L_col`.
    pub comm_l_col: G1,
    /// `comm_t_plus_r_inv_row`.
    pub comm_t_plus_r_inv_row: G1,
    /// `comm_w_plus_r_inv_row`.
    pub comm_w_plus_r_inv_row: G1,
    /// `comm_t_plus_r_inv_col`.
    pub comm_t_plus_r_inv_col: G1,
    /// `comm_w_plus_r_inv_col`.
    pub comm_w_plus_r_inv_col: G1,
    /// The outer sum-check (compressed round polynomials).
    pub sc_outer: Vec<Vec<Fr>>,
    /// `eval_Az_at_r_outer`.
    pub eval_az: Fr,
    /// `eval_Bz_at_r_outer`.
    pub eval_bz: Fr,
    /// `eval_Cz_at_r_outer`.
    pub eval_cz: Fr,
    /// `eval_E_at_r_outer`.
    pub eval_e_outer: Fr,
    /// The batched inner sum-check (compressed round polynomials).
    pub sc_inner: Vec<Vec<Fr>>,
    /// The claimed evaluations at the inner point.
    pub evals: Evals,
    /// The HyperKZG opening of the batched claim.
    pub eval_arg: EvaluationArgument,
}

/// The transcript challenges of a primary verification (SPEC §8 steps 2–11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenges {
    /// `tau` (outer sum-check weights), `n_out` entries.
    pub tau: Vec<Fr>,
    /// `r_o`, the outer sum-check point.
    pub r_o: Vec<Fr>,
    /// `r_pad`, `n_in − n_out` entries.
    pub r_pad: Vec<Fr>,
    /// `c`, the combination of the three matrices.
    pub c: Fr,
    /// `γ`.
    pub gamma: Fr,
    /// `r`, the memory-check offset.
    pub r: Fr,
    /// `ρ`, `n_in` entries.
    pub rho: Vec<Fr>,
    /// `s`, whose powers batch the nine inner claims.
    pub s: Fr,
    /// `x`, the inner sum-check point (the HyperKZG opening point).
    pub x: Vec<Fr>,
    /// `cc`, whose powers batch the fifteen openings.
    pub cc: Fr,
}

/// Verifies the primary SNARK for the folded, derandomized instance `u` (SPEC §8).
pub fn verify(
    key: &PrimaryKey,
    u: &RelaxedInstance<G1, Fr>,
    proof: &PrimarySnark,
) -> Result<(), VerifyError> {
    let (_, inputs) = reduce(key, u, proof)?;
    hyperkzg::pairing_check(&key.kzg, &inputs)
}

/// Everything of [`verify`] except the final pairing: returns the challenges and the pairing inputs,
/// which [`hyperkzg::pairing_check`] must accept.
pub fn reduce(
    key: &PrimaryKey,
    u: &RelaxedInstance<G1, Fr>,
    proof: &PrimarySnark,
) -> Result<(Challenges, PairingInputs), VerifyError> {
    let Sizes { n_out, n_in, m_v } = key.sizes()?;
    let ev = &proof.evals;
    let (az, bz, cz, eo) = (
        proof.eval_az,
        proof.eval_bz,
        proof.eval_cz,
        proof.eval_e_outer,
    );

    let mut t = Transcript::<Fr>::new(b"RelaxedR1CSSNARK");
    t.absorb(b"vk", &key.digest);
    t.absorb(b"U", u);

    // Outer sum-check: Σ_x eq(tau, x)·(Az(x)·Bz(x) − u·Cz(x) − E(x)) = 0.
    let tau: Vec<Fr> = (0..n_out).map(|_| t.squeeze(b"t")).collect();
    let (e, r_o) = sumcheck::verify(Fr::zero(), n_out, 3, &proof.sc_outer, &mut t)?;
    if e != eq(&tau, &r_o) * (az * bz - u.u * cz - eo) {
        return Err(VerifyError::Check("primary: outer sum-check final claim"));
    }
    t.absorb(b"e", &[az, bz, cz, eo]);

    let r_pad: Vec<Fr> = (0..n_in - n_out).map(|_| t.squeeze(b"p")).collect();
    let r_full: Vec<Fr> = r_pad.iter().chain(&r_o).copied().collect();
    let factor: Fr = r_pad.iter().map(|p| Fr::one() - p).product();

    t.absorb(b"e", &[proof.comm_l_row, proof.comm_l_col]);
    let c = t.squeeze(b"c");
    let gamma = t.squeeze(b"g");
    let r = t.squeeze(b"r");
    t.absorb(
        b"l",
        &[
            proof.comm_t_plus_r_inv_row,
            proof.comm_w_plus_r_inv_row,
            proof.comm_t_plus_r_inv_col,
            proof.comm_w_plus_r_inv_col,
        ],
    );
    let rho: Vec<Fr> = (0..n_in).map(|_| t.squeeze(b"r")).collect();
    let s = t.squeeze(b"r");
    let mut co = [Fr::one(); 9];
    for i in 1..9 {
        co[i] = co[i - 1] * s;
    }

    // Batched inner sum-check (memory checks, matrix evaluation, E and W openings).
    let claim = co[6] * factor * (az + c * bz + c.square() * cz) + co[7] * factor * eo;
    let (e, x) = sumcheck::verify(claim, n_in, 3, &proof.sc_inner, &mut t)?;

    let eq_rho = eq(&rho, &x);
    let eq_o = eq(&r_full, &x);
    let mask = masked_eq_eval(&r_full, m_v, &x)
        .ok_or(VerifyError::Malformed("primary: masked eq sizes"))?;
    let id = identity_eval(&x);
    let t_row = id + gamma * eq_o + r;
    let w_row = ev.row + gamma * ev.l_row + r;
    // The column domain is [W, (u, X), 0…] of size 2·num_vars, padded in front to N.
    let l = n_in - (m_v + 1);
    let f2: Fr = x[..l].iter().map(|xj| Fr::one() - xj).product();
    let xu = &x[l..];
    let eval_x = sparse_eval(&[u.u, u.x[0], u.x[1]], &xu[1..]);
    let val_col = ev.w + f2 * xu[0] * eval_x;
    let t_col = id + gamma * val_col + r;
    let w_col = ev.col + gamma * ev.l_col + r;
    let expected = co[0] * (ev.t_plus_r_inv_row - ev.w_plus_r_inv_row)
        + co[1] * (ev.t_plus_r_inv_col - ev.w_plus_r_inv_col)
        + co[2] * eq_rho * (ev.t_plus_r_inv_row * t_row - ev.ts_row)
        + co[3] * eq_rho * (ev.w_plus_r_inv_row * w_row - Fr::one())
        + co[4] * eq_rho * (ev.t_plus_r_inv_col * t_col - ev.ts_col)
        + co[5] * eq_rho * (ev.w_plus_r_inv_col * w_col - Fr::one())
        + co[6] * ev.l_row * ev.l_col * (ev.val_a + c * ev.val_b + c.square() * ev.val_c)
        + co[7] * eq_o * ev.e
        + co[8] * mask * ev.w;
    if e != expected {
        return Err(VerifyError::Check("primary: inner sum-check final claim"));
    }

    // Batch the fifteen openings at x into one: C = Σ cc^i·C_i, y = Σ cc^i·e_i.
    let evals = ev.opening_order();
    let [row, col, val_a, val_b, val_c, ts_row, ts_col] = key.s_comm;
    let comms = [
        u.comm_w,
        u.comm_e,
        proof.comm_l_row,
        proof.comm_l_col,
        val_a,
        val_b,
        val_c,
        proof.comm_t_plus_r_inv_row,
        row,
        proof.comm_w_plus_r_inv_row,
        ts_row,
        proof.comm_t_plus_r_inv_col,
        col,
        proof.comm_w_plus_r_inv_col,
        ts_col,
    ];
    t.absorb(b"e", &evals);
    let cc = t.squeeze(b"c");
    let mut powers = [Fr::one(); 15];
    for i in 1..15 {
        powers[i] = powers[i - 1] * cc;
    }
    let y: Fr = powers.iter().zip(&evals).map(|(p, e)| *p * e).sum();
    let comm = Combination {
        bases: &comms,
        coeffs: &powers,
    };
    let inputs = hyperkzg::reduce(&key.kzg, &mut t, comm, &x, y, &proof.eval_arg)?;
    let challenges = Challenges {
        tau,
        r_o,
        r_pad,
        c,
        gamma,
        r,
        rho,
        s,
        x,
        cc,
    };
    Ok((challenges, inputs))
}

/// Splits halo2curves' flags off the last byte: `(bytes without flags, sign, identity)`.
fn split_flags<const N: usize>(bytes: &[u8; N]) -> ([u8; N], bool, bool) {
    let mut b = *bytes;
    let flags = b[N - 1];
    b[N - 1] &= 0x3f;
    (b, flags & 0x80 != 0, flags & 0x40 != 0)
}

/// Decodes halo2curves' compressed G1 encoding (inverse of [`compress_g1`]).
fn decompress_g1(bytes: &[u8; 32]) -> Result<G1, VerifyError> {
    let (b, odd, identity) = split_flags(bytes);
    let x: Fq = from_le32_canonical(&b)?;
    if identity {
        return if x.is_zero() && !odd {
            Ok(G1::identity())
        } else {
            Err(VerifyError::Malformed(
                "compressed identity with coordinates",
            ))
        };
    }
    if x.is_zero() {
        return Err(VerifyError::NotOnCurve);
    }
    let (y0, y1) = G1::get_ys_from_x_unchecked(x).ok_or(VerifyError::NotOnCurve)?;
    let y = if y0.into_bigint().is_odd() == odd {
        y0
    } else {
        y1
    };
    point_from_le32(&le32(&x), &le32(&y), false)
}

/// Decodes halo2curves' compressed G2 encoding (inverse of [`compress_g2`]); the identity is
/// rejected and the point must lie in the prime-order subgroup.
fn decompress_g2(bytes: &[u8; 64]) -> Result<G2Affine, VerifyError> {
    let (b, odd, identity) = split_flags(bytes);
    if identity {
        return Err(VerifyError::Malformed("primary key: G2 identity"));
    }
    let mut c = [[0u8; 32]; 2];
    c[0].copy_from_slice(&b[..32]);
    c[1].copy_from_slice(&b[32..]);
    let x = Fq2::new(from_le32_canonical(&c[0])?, from_le32_canonical(&c[1])?);
    if x.is_zero() {
        return Err(VerifyError::NotOnCurve);
    }
    let (y0, y1) = G2Affine::get_ys_from_x_unchecked(x).ok_or(VerifyError::NotOnCurve)?;
    let y = if y0.c0.into_bigint().is_odd() == odd {
        y0
    } else {
        y1
    };
    let p = G2Affine::new_unchecked(x, y);
    if p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err(VerifyError::NotOnCurve)
    }
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

/// Reads a G2 point `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`: not the identity, on the curve, in the subgroup.
fn read_g2<I: Input>(input: &mut I) -> Result<G2Affine, CodecError> {
    let c: [Fq; 4] = [
        read_scalar(input)?,
        read_scalar(input)?,
        read_scalar(input)?,
        read_scalar(input)?,
    ];
    let p = G2Affine::new_unchecked(Fq2::new(c[0], c[1]), Fq2::new(c[2], c[3]));
    if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err("invalid G2 point".into())
    }
}

/// Writes a non-identity G2 point as `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`.
fn write_g2<O: Output + ?Sized>(p: &G2Affine, out: &mut O) {
    let (x, y) = p.xy().unwrap_or_default();
    for c in [x.c0, x.c1, y.c0, y.c1] {
        write_scalar(&c, out);
    }
}

/// Reads a sum-check proof (a vector of compressed round polynomials).
fn read_sumcheck<I: Input>(input: &mut I) -> Result<Vec<Vec<Fr>>, CodecError> {
    read_vec(input, |i| read_vec(i, read_scalar))
}

/// Writes a sum-check proof.
fn write_sumcheck<O: Output + ?Sized>(polys: &[Vec<Fr>], out: &mut O) {
    write_vec(polys, out, |p, o| write_vec(p, o, write_scalar));
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

impl Encode for PrimarySnark {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        for p in [
            &self.comm_l_row,
            &self.comm_l_col,
            &self.comm_t_plus_r_inv_row,
            &self.comm_w_plus_r_inv_row,
            &self.comm_t_plus_r_inv_col,
            &self.comm_w_plus_r_inv_col,
        ] {
            write_point(p, out);
        }
        write_sumcheck(&self.sc_outer, out);
        for x in [
            &self.eval_az,
            &self.eval_bz,
            &self.eval_cz,
            &self.eval_e_outer,
        ] {
            write_scalar(x, out);
        }
        write_sumcheck(&self.sc_inner, out);
        self.evals
            .wire_order()
            .iter()
            .for_each(|x| write_scalar(x, out));
        self.eval_arg.encode_to(out);
    }
}

impl Decode for PrimarySnark {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        let comm_l_row = read_point(input)?;
        let comm_l_col = read_point(input)?;
        let comm_t_plus_r_inv_row = read_point(input)?;
        let comm_w_plus_r_inv_row = read_point(input)?;
        let comm_t_plus_r_inv_col = read_point(input)?;
        let comm_w_plus_r_inv_col = read_point(input)?;
        let sc_outer = read_sumcheck(input)?;
        let eval_az = read_scalar(input)?;
        let eval_bz = read_scalar(input)?;
        let eval_cz = read_scalar(input)?;
        let eval_e_outer = read_scalar(input)?;
        let sc_inner = read_sumcheck(input)?;
        let mut e = [Fr::zero(); 15];
        for x in &mut e {
            *x = read_scalar(input)?;
        }
        let evals = Evals::from_wire_order(e);
        Ok(Self {
            comm_l_row,
            comm_l_col,
            comm_t_plus_r_inv_row,
            comm_w_plus_r_inv_row,
            comm_t_plus_r_inv_col,
            comm_w_plus_r_inv_col,
            sc_outer,
            eval_az,
            eval_bz,
            eval_cz,
            eval_e_outer,
            sc_inner,
            evals,
            eval_arg: EvaluationArgument::decode(input)?,
        })
    }
}

/// Test helpers: the fixture of `notes/fixture` (nova's bincode bytes, parsed by
/// [`crate::nova_export`], and the reference verifier's intermediates).
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::nova_export::parse_proof;
    use std::string::String;

    /// The 448 model-specific vk bytes (`F_arity ‖ pp_digest ‖ vk_primary`).
    pub(crate) const VK_MODEL: &[u8] = include_bytes!("../notes/fixture/vk_model.bin");
    /// The 3-step proof.
    pub(crate) const PROOF3: &[u8] = include_bytes!("../notes/fixture/proof.bin");
    /// The 1-step proof.
    pub(crate) const PROOF1: &[u8] = include_bytes!("../notes/fixture/proof1.bin");
    /// Intermediates of the 3-step proof.
    pub(crate) const INTER3: &str = include_str!("../notes/fixture/intermediates_proof3.txt");
    /// Intermediates of the 1-step proof.
    pub(crate) const INTER1: &str = include_str!("../notes/fixture/intermediates_proof1.txt");

    /// The value text of `name = …` in an intermediates file.
    pub(crate) fn value<'a>(text: &'a str, name: &str) -> &'a str {
        let prefix = std::format!("{name} = ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .expect("intermediate present")
    }

    /// All `0x…` big-endian integers in a value, in order, as elements of `F`.
    pub(crate) fn hex_values<F: PrimeField>(v: &str) -> Vec<F> {
        v.split("0x")
            .skip(1)
            .map(|h| {
                let h: String = h.chars().take_while(char::is_ascii_hexdigit).collect();
                let bytes: Vec<u8> = (0..h.len() / 2)
                    .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
                    .collect();
                F::from_be_bytes_mod_order(&bytes)
            })
            .collect()
    }

    /// A scalar intermediate.
    pub(crate) fn scalar(text: &str, name: &str) -> Fr {
        let v = hex_values(value(text, name));
        assert_eq!(v.len(), 1);
        v[0]
    }

    /// A point intermediate `(x, y)`.
    pub(crate) fn point(text: &str, name: &str) -> G1 {
        let c = hex_values::<Fq>(value(text, name));
        point_from_le32(&le32(&c[0]), &le32(&c[1]), false).unwrap()
    }

    /// The folded, derandomized primary instance `Un1`.
    pub(crate) fn instance(text: &str) -> RelaxedInstance<G1, Fr> {
        let v = value(text, "Un1_derandomized");
        let f = hex_values::<Fr>(v);
        let q = hex_values::<Fq>(v);
        let p = |i: usize| point_from_le32(&le32(&q[i]), &le32(&q[i + 1]), false).unwrap();
        RelaxedInstance {
            comm_w: p(2),
            comm_e: p(4),
            x: [f[0], f[1]],
            u: f[6],
        }
    }

    /// nova's 408 primary key bytes of the fixture.
    pub(crate) fn nova_key_bytes() -> [u8; NOVA_KEY_LEN] {
        let mut out = [0u8; NOVA_KEY_LEN];
        out.copy_from_slice(&VK_MODEL[40..]);
        out
    }

    /// The fixture's primary key, decoded from nova's bytes.
    pub(crate) fn key() -> PrimaryKey {
        PrimaryKey::from_nova_bytes(&nova_key_bytes()).unwrap()
    }

    /// The primary SNARK of a fixture proof, decoded from nova's bytes by [`crate::nova_export`].
    pub(crate) fn snark(proof: &[u8]) -> PrimarySnark {
        parse_proof(proof).unwrap().primary
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;
    use alloc::vec;
    use ark_ec::CurveGroup;

    fn check_intermediates(proof: &[u8], text: &str) {
        let key = key();
        let u = instance(text);
        let snark = snark(proof);
        let (ch, inputs) = reduce(&key, &u, &snark).unwrap();
        assert_eq!(ch.tau, hex_values::<Fr>(value(text, "S1.tau")));
        assert_eq!(ch.r_o, hex_values::<Fr>(value(text, "S1.r_o")));
        assert_eq!(ch.r_pad, hex_values::<Fr>(value(text, "S1.r_pad")));
        assert_eq!(ch.c, scalar(text, "S1.c"));
        assert_eq!(ch.gamma, scalar(text, "S1.gamma"));
        assert_eq!(ch.r, scalar(text, "S1.r"));
        assert_eq!(ch.rho, hex_values::<Fr>(value(text, "S1.rho")));
        assert_eq!(ch.s, scalar(text, "S1.s"));
        assert_eq!(ch.x, hex_values::<Fr>(value(text, "S1.x")));
        assert_eq!(ch.cc, scalar(text, "S1.cc"));
        // The batched commitment and evaluation (merged into the MSM by `reduce`).
        let evals = snark.evals.opening_order();
        let [row, col, val_a, val_b, val_c, ts_row, ts_col] = key.s_comm;
        let comms = [
            u.comm_w,
            u.comm_e,
            snark.comm_l_row,
            snark.comm_l_col,
            val_a,
            val_b,
            val_c,
            snark.comm_t_plus_r_inv_row,
            row,
            snark.comm_w_plus_r_inv_row,
            ts_row,
            snark.comm_t_plus_r_inv_col,
            col,
            snark.comm_w_plus_r_inv_col,
            ts_col,
        ];
        let mut pw = Fr::one();
        let (mut c, mut y) = (ark_bn254::G1Projective::zero(), Fr::zero());
        for (p, e) in comms.iter().zip(evals) {
            c += *p * pw;
            y += pw * e;
            pw *= ch.cc;
        }
        assert_eq!(c.into_affine(), point(text, "S1.C"));
        assert_eq!(y, scalar(text, "S1.y"));
        assert_eq!(inputs.l, point(text, "KZG.L"));
        assert_eq!(inputs.r, point(text, "KZG.R"));
        assert_eq!(verify(&key, &u, &snark), Ok(()));
    }

    #[test]
    fn proof3_matches_intermediates_and_verifies() {
        check_intermediates(PROOF3, INTER3);
    }

    #[test]
    fn proof1_matches_intermediates_and_verifies() {
        check_intermediates(PROOF1, INTER1);
    }

    #[test]
    fn key_digest_and_nova_bytes() {
        let key = key();
        assert_eq!(key.nova_bytes(), nova_key_bytes());
        assert_eq!(key.digest, scalar(INTER3, "digest_vk1"));
        assert_eq!(digest_of(&nova_key_bytes()), key.digest);
        assert_eq!(key.check_digest(), Ok(()));
        assert_eq!((key.num_cons, key.num_vars, key.n), (16384, 16384, 131072));
        assert_eq!(
            (key.kzg.g, key.kzg.h),
            (G1::generator(), G2Affine::generator())
        );
        let mut bad = key.clone();
        bad.s_comm[3] = bad.s_comm[4];
        assert!(bad.check_digest().is_err());
        bad = key.clone();
        bad.digest += Fr::one();
        assert!(bad.check_digest().is_err());
    }

    #[test]
    fn nova_key_bytes_validation() {
        let good = nova_key_bytes();
        let bad = |i: usize, f: &dyn Fn(&mut u8)| {
            let mut b = good;
            f(&mut b[i]);
            PrimaryKey::from_nova_bytes(&b)
        };
        // Sign flags select the other root: the digest input changes, the key is still valid.
        assert!(bad(16 + 31, &|b| *b ^= 0x80).is_ok());
        assert_ne!(bad(16 + 31, &|b| *b ^= 0x80).unwrap().digest, key().digest);
        // x not on the curve (G1 and G2), identity flag on a non-zero x, non-canonical x, bad size.
        let off_curve = (0u8..=255)
            .find(|d| bad(184, &|b| *b = b.wrapping_add(*d)).is_err())
            .expect("some x is off the curve");
        assert_eq!(
            bad(184, &|b| *b = b.wrapping_add(off_curve)),
            Err(VerifyError::NotOnCurve)
        );
        assert!(bad(48 + 1, &|b| *b ^= 1).is_err());
        assert!(bad(16 + 31, &|b| *b |= 0x40).is_err());
        assert!(bad(112 + 63, &|b| *b |= 0x40).is_err());
        let mut b = good;
        b[16..48].fill(0xff);
        b[47] = 0x3f;
        assert_eq!(
            PrimaryKey::from_nova_bytes(&b),
            Err(VerifyError::NonCanonical)
        );
        assert!(bad(0, &|b| *b = 3).is_err());
        // An identity S_comm point decodes (nova accepts it) and round-trips.
        let mut b = good;
        b[184..216].fill(0);
        b[215] = 0x40;
        let k = PrimaryKey::from_nova_bytes(&b).unwrap();
        assert_eq!(k.s_comm[0], G1::identity());
        assert_eq!(k.nova_bytes(), b);
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

    #[test]
    fn snark_scale_round_trip_and_validation() {
        let snark = snark(PROOF3);
        let bytes = snark.encode();
        // 6 points, 2 sum-checks (14 and 17 rounds of 3 scalars), 4 + 15 scalars, 16 + 3 points, 17 rows.
        let expected = 6 * 65
            + (1 + 14 * 97)
            + 4 * 32
            + (1 + 17 * 97)
            + 15 * 32
            + (1 + 16 * 65)
            + 3 * 65
            + (1 + 17 * 96);
        assert_eq!(bytes.len(), expected);
        assert_eq!(PrimarySnark::decode(&mut &bytes[..]), Ok(snark.clone()));
        // Non-canonical scalar (eval_az := p + small).
        let az = 6 * 65 + 1 + 14 * 97;
        let mut b = bytes.clone();
        b[az..az + 32].copy_from_slice(&[0xff; 32]);
        assert!(PrimarySnark::decode(&mut &b[..]).is_err());
        // Point off the curve, bad identity flag, identity with non-zero coordinates.
        let mut b = bytes.clone();
        b[3] ^= 1;
        assert!(PrimarySnark::decode(&mut &b[..]).is_err());
        let mut b = bytes.clone();
        b[64] = 2;
        assert!(PrimarySnark::decode(&mut &b[..]).is_err());
        let mut b = bytes.clone();
        b[64] = 1;
        assert!(PrimarySnark::decode(&mut &b[..]).is_err());
        // Truncation anywhere and an over-long vector length.
        for cut in [0, 10, 65, az, bytes.len() - 1] {
            assert!(PrimarySnark::decode(&mut &bytes[..cut]).is_err());
        }
        let mut b = bytes.clone();
        b[6 * 65] = 0xfc; // compact length 63 < actual 14: decodes to garbage or fails, never panics
        let _ = PrimarySnark::decode(&mut &b[..]);
        // An identity point round-trips.
        let mut s = snark.clone();
        s.comm_l_row = G1::identity();
        assert_eq!(PrimarySnark::decode(&mut &s.encode()[..]), Ok(s));
    }

    /// Flipping any bit pattern of any (sampled) byte of the wire encoding is rejected, by decoding
    /// or by verification, and never panics.
    #[test]
    fn byte_flips_rejected() {
        let (key, u) = (key(), instance(INTER1));
        let bytes = snark(PROOF1).encode();
        for (i, mask) in (0..bytes.len())
            .step_by(11)
            .zip([0x01u8, 0x80, 0xff, 0x10].into_iter().cycle())
        {
            let mut b = bytes.clone();
            b[i] ^= mask;
            if let Ok(s) = crate::wire::codec::decode_all::<PrimarySnark>(&b) {
                assert!(
                    verify(&key, &u, &s).is_err(),
                    "flip {mask:#x} at byte {i} accepted"
                );
            }
        }
    }

    /// Every class of tampered field is rejected (never a panic).
    #[test]
    fn tampered_proofs_rejected() {
        let key = key();
        let u = instance(INTER3);
        let good = snark(PROOF3);
        let one = Fr::one();
        let g = G1::generator();
        type Tamper = fn(&mut PrimarySnark, &mut RelaxedInstance<G1, Fr>);
        let cases: Vec<(&str, Tamper)> = vec![
            ("comm_L_row", |s, _| {
                s.comm_l_row = (s.comm_l_row + G1::generator()).into_affine()
            }),
            ("comm_w_plus_r_inv_col", |s, _| {
                s.comm_w_plus_r_inv_col = G1::generator()
            }),
            ("sc_outer coefficient", |s, _| s.sc_outer[3][1] += Fr::one()),
            ("sc_outer last round", |s, _| s.sc_outer[13][0] += Fr::one()),
            ("sc_outer too short", |s, _| {
                s.sc_outer.pop();
            }),
            ("sc_outer empty round", |s, _| s.sc_outer[0].clear()),
            ("sc_outer degree too high", |s, _| {
                s.sc_outer[0].push(Fr::one())
            }),
            ("eval_Az", |s, _| s.eval_az += Fr::one()),
            ("eval_E_outer", |s, _| s.eval_e_outer += Fr::one()),
            ("sc_inner coefficient", |s, _| s.sc_inner[0][2] += Fr::one()),
            ("sc_inner too long", |s, _| s.sc_inner.push(vec![Fr::one()])),
            ("eval_E", |s, _| s.evals.e += Fr::one()),
            ("eval_W", |s, _| s.evals.w += Fr::one()),
            ("eval_val_B", |s, _| s.evals.val_b += Fr::one()),
            ("eval_ts_col", |s, _| s.evals.ts_col += Fr::one()),
            ("hyperkzg com", |s, _| {
                s.eval_arg.com[2] = (s.eval_arg.com[2] + G1::generator()).into_affine()
            }),
            ("hyperkzg com missing", |s, _| {
                s.eval_arg.com.pop();
            }),
            ("hyperkzg w", |s, _| {
                s.eval_arg.w[1] = (s.eval_arg.w[1] + G1::generator()).into_affine()
            }),
            ("hyperkzg v", |s, _| s.eval_arg.v[2][1] += Fr::one()),
            ("hyperkzg v last row", |s, _| {
                s.eval_arg.v[16][0] += Fr::one()
            }),
            ("hyperkzg v row missing", |s, _| {
                s.eval_arg.v.pop();
            }),
            ("instance u", |_, u| u.u += Fr::one()),
            ("instance X1", |_, u| u.x[1] += Fr::one()),
            ("instance comm_W", |_, u| {
                u.comm_w = (u.comm_w + G1::generator()).into_affine()
            }),
            ("instance comm_E", |_, u| u.comm_e = G1::identity()),
        ];
        for (name, f) in cases {
            let (mut s, mut uu) = (good.clone(), u.clone());
            f(&mut s, &mut uu);
            assert!(verify(&key, &uu, &s).is_err(), "tampered {name} accepted");
        }
        // Every single scalar of the sum-checks, the evaluations and the HyperKZG rows, and every
        // HyperKZG commitment.
        let rejected = |s: &PrimarySnark| verify(&key, &u, s).is_err();
        for round in 0..good.sc_outer.len() {
            for k in 0..good.sc_outer[round].len() {
                let mut s = good.clone();
                s.sc_outer[round][k] += one;
                assert!(rejected(&s), "sc_outer[{round}][{k}]");
            }
        }
        for round in 0..good.sc_inner.len() {
            for k in 0..good.sc_inner[round].len() {
                let mut s = good.clone();
                s.sc_inner[round][k] += one;
                assert!(rejected(&s), "sc_inner[{round}][{k}]");
            }
        }
        for i in 0..15 {
            let mut e = good.evals.wire_order();
            e[i] += one;
            let mut s = good.clone();
            s.evals = Evals::from_wire_order(e);
            assert!(rejected(&s), "eval {i}");
        }
        for (i, k) in (0..good.eval_arg.v.len()).flat_map(|i| (0..3).map(move |k| (i, k))) {
            let mut s = good.clone();
            s.eval_arg.v[i][k] += one;
            assert!(rejected(&s), "v[{i}][{k}]");
        }
        for i in 0..good.eval_arg.com.len() {
            let mut s = good.clone();
            s.eval_arg.com[i] = (s.eval_arg.com[i] + g).into_affine();
            assert!(rejected(&s), "com[{i}]");
        }
        for i in 0..3 {
            let mut s = good.clone();
            s.eval_arg.w[i] = (s.eval_arg.w[i] + g).into_affine();
            assert!(rejected(&s), "w[{i}]");
        }
        // Key tampering: another digest, another matrix commitment, another τH.
        let mut k = key.clone();
        k.digest += one;
        assert!(verify(&k, &u, &good).is_err());
        let mut k = key.clone();
        k.s_comm[2] = g;
        assert!(verify(&k, &u, &good).is_err());
        let mut k = key.clone();
        k.kzg.tau_h = k.kzg.h;
        assert!(verify(&k, &u, &good).is_err());
        // Proof of the other fixture for this instance.
        assert!(verify(&key, &u, &snark(PROOF1)).is_err());
    }
}

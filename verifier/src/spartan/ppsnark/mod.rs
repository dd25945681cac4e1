//! The primary SNARK: nova's `spartan::ppsnark::RelaxedR1CSSNARK` on BN254 with HyperKZG (SPEC §8).
//!
//! [`verify`] checks a [`PrimarySnark`] for the folded, derandomized primary instance `Un1` against
//! the model's [`PrimaryKey`]: two sum-checks and their final claims in the field, fifteen openings
//! batched into one HyperKZG opening (one G1 MSM) and one 2-pair pairing check. [`reduce`] does
//! everything but the pairing.
//!
//! Wire format (SCALE, see [`crate::codec`]): the six commitments, the outer sum-check, the four
//! outer evaluations, the inner sum-check, the fifteen evaluations in nova's order, then the
//! HyperKZG argument. Decoding checks canonicity and curve membership; it never panics.

pub(crate) mod key;

pub use key::PrimaryKey;
use key::Sizes;

use crate::codec::{
    read_point, read_scalar, read_sumcheck, write_point, write_scalar, write_sumcheck,
};
use crate::error::VerifyError;
use crate::field::{Fr, G1};
use crate::instance::RelaxedInstance;
use crate::pcs::hyperkzg::{self, Combination, EvaluationArgument, PairingInputs};
use crate::spartan::polys::{eq, identity_eval, masked_eq_eval, sparse_eval};
use crate::spartan::sumcheck;
use crate::transcript::Transcript;
use alloc::vec::Vec;
use ark_ff::{Field, One, Zero};
use parity_scale_codec::{Decode, Encode, Error as CodecError, Input, Output};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;
    use alloc::vec;
    use ark_bn254::g1::Config as G1Config;
    use ark_ec::{AffineRepr, CurveGroup};

    /// The fixture's primary key, decoded from nova's bytes.
    fn key() -> PrimaryKey {
        model_key().primary
    }

    /// The primary SNARK of a fixture proof.
    fn snark(bytes: &[u8]) -> PrimarySnark {
        proof(bytes).primary
    }

    /// The folded, derandomized primary instance `Un1`.
    fn instance(text: &str) -> RelaxedInstance<G1, Fr> {
        relaxed::<G1Config>(text, "Un1_derandomized")
    }

    fn check_intermediates(proof: &[u8], text: &str) {
        let key = key();
        let u = instance(text);
        let snark = snark(proof);
        let (ch, inputs) = reduce(&key, &u, &snark).unwrap();
        assert_eq!(ch.tau, scalars::<Fr>(text, "S1.tau"));
        assert_eq!(ch.r_o, scalars::<Fr>(text, "S1.r_o"));
        assert_eq!(ch.r_pad, scalars::<Fr>(text, "S1.r_pad"));
        assert_eq!(ch.c, scalar(text, "S1.c"));
        assert_eq!(ch.gamma, scalar(text, "S1.gamma"));
        assert_eq!(ch.r, scalar(text, "S1.r"));
        assert_eq!(ch.rho, scalars::<Fr>(text, "S1.rho"));
        assert_eq!(ch.s, scalar(text, "S1.s"));
        assert_eq!(ch.x, scalars::<Fr>(text, "S1.x"));
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
        assert_eq!(c.into_affine(), point::<G1Config>(text, "S1.C"));
        assert_eq!(y, scalar(text, "S1.y"));
        assert_eq!(inputs.l, point::<G1Config>(text, "KZG.L"));
        assert_eq!(inputs.r, point::<G1Config>(text, "KZG.R"));
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
            if let Ok(s) = crate::codec::decode_all::<PrimarySnark>(&b) {
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

    #[test]
    fn named_failures() {
        let (key, u) = (key(), instance(INTER3));
        let good = snark(PROOF3);
        let mut s = good.clone();
        s.eval_arg.v[5][0] += Fr::one();
        assert_eq!(
            reduce(&key, &u, &s).map(|_| ()),
            Err(VerifyError::Check(
                "primary: hyperkzg evaluation consistency"
            ))
        );
        // The last row is checked against the batched evaluation y.
        let mut s = good.clone();
        s.evals.ts_row += Fr::one();
        assert!(reduce(&key, &u, &s).is_err());
        // A consistent-looking change of W passes the field checks but fails the pairing.
        let mut s = good.clone();
        s.eval_arg.w[2] = (s.eval_arg.w[2] + key.kzg.g).into_affine();
        assert!(reduce(&key, &u, &s).is_ok());
        assert_eq!(
            verify(&key, &u, &s),
            Err(VerifyError::Check("primary: hyperkzg pairing"))
        );
        let mut s = good.clone();
        s.eval_arg.com.push(G1::generator());
        assert_eq!(
            reduce(&key, &u, &s).map(|_| ()),
            Err(VerifyError::Malformed(
                "hyperkzg: wrong number of commitments or evaluations"
            ))
        );
    }
}

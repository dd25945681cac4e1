//! Nova's committed R1CS instances: folding (SPEC §3), derandomization (§2 step 8) and the encodings absorbed
//! by the random oracle (§4.5) and the transcripts (§5).
//!
//! Instances are generic over the curve: `C = Affine<P>` holds commitments and `F = P::ScalarField` the
//! public values. The primary instances are `(G1, Fr)`, the secondary ones `(Grumpkin, Fq)`.

use crate::field::{KernelField, coords, switch};
use crate::jacobian;
use crate::transcript::Repr;
use alloc::vec::Vec;
use ark_ec::{
    AffineRepr, CurveGroup,
    short_weierstrass::{Affine, Projective, SWCurveConfig},
};
use ark_ff::PrimeField;

/// A strict R1CS instance: the witness commitment and the two public IO values (`R1CSInstance`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csInstance<C, F> {
    /// Commitment to the witness.
    pub comm_w: C,
    /// Public IO `X` (always two elements in Nova: the hashes of the two running instances).
    pub x: [F; 2],
}

/// A relaxed R1CS instance (`RelaxedR1CSInstance`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelaxedInstance<C, F> {
    /// Commitment to the witness.
    pub comm_w: C,
    /// Commitment to the error vector.
    pub comm_e: C,
    /// Public IO `X`.
    pub x: [F; 2],
    /// The relaxation scalar `u`.
    pub u: F,
}

/// Transcript encoding: `repr(comm_W) ‖ repr(comm_E) ‖ u ‖ X_0 ‖ X_1` (note `u` before `X`).
impl<C: Repr, F: Repr> Repr for RelaxedInstance<C, F> {
    fn repr(&self, out: &mut Vec<u8>) {
        self.comm_w.repr(out);
        self.comm_e.repr(out);
        self.u.repr(out);
        self.x.repr(out);
    }
}

/// Appends the RO encoding of a commitment: `x, y, infinity` in the coordinate field (identity: `0, 0, 1`).
pub fn absorb_comm<P: SWCurveConfig>(comm: &Affine<P>, out: &mut Vec<P::BaseField>) {
    let (x, y, infinity) = coords(comm);
    out.extend([x, y, P::BaseField::from(u64::from(infinity))]);
}

impl<P: SWCurveConfig> R1csInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: PrimeField,
{
    /// Appends the RO encoding: `comm_W` (3 elements), then each `X_i` field-switched (5 elements in all).
    pub fn absorb(&self, out: &mut Vec<P::BaseField>) {
        absorb_comm(&self.comm_w, out);
        out.extend(self.x.iter().map(switch::<P::ScalarField, P::BaseField>));
    }
}

impl<P: SWCurveConfig> RelaxedInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: KernelField,
{
    /// Appends the RO encoding: `comm_W`, `comm_E` (3 elements each), `u` field-switched, then the four
    /// 64-bit limbs of each `X_i`, least significant first (15 elements in all).
    pub fn absorb(&self, out: &mut Vec<P::BaseField>) {
        absorb_comm(&self.comm_w, out);
        absorb_comm(&self.comm_e, out);
        out.push(switch(&self.u));
        for x in &self.x {
            out.extend(
                x.into_bigint()
                    .as_ref()
                    .iter()
                    .map(|limb| P::BaseField::from(*limb)),
            );
        }
    }

    /// Folds the strict instance `other` into `self` with cross-term commitment `t` and challenge `r`:
    /// `X + r·X'`, `W + r·W'`, `E + r·T`, `u + r`.
    pub fn fold(
        &self,
        other: &R1csInstance<Affine<P>, P::ScalarField>,
        t: &Affine<P>,
        r: &P::ScalarField,
    ) -> Self {
        let comm_w = self.comm_w + mul(&other.comm_w, r);
        let comm_e = self.comm_e + mul(t, r);
        let [comm_w, comm_e] = normalize(comm_w, comm_e);
        Self {
            comm_w,
            comm_e,
            x: [self.x[0] + *r * other.x[0], self.x[1] + *r * other.x[1]],
            u: self.u + r,
        }
    }

    /// Folds the relaxed instance `other` into `self`: `X + r·X'`, `W + r·W'`, `E + r·T + r²·E'`,
    /// `u + r·u'`.
    pub fn fold_relaxed(&self, other: &Self, t: &Affine<P>, r: &P::ScalarField) -> Self {
        let comm_w = self.comm_w + mul(&other.comm_w, r);
        // r·T + r²·E' = r·(T + r·E'), two short multiplications.
        let cross = mul(&other.comm_e, r) + t;
        let comm_e = self.comm_e + mul(&cross.into_affine(), r);
        let [comm_w, comm_e] = normalize(comm_w, comm_e);
        Self {
            comm_w,
            comm_e,
            x: [self.x[0] + *r * other.x[0], self.x[1] + *r * other.x[1]],
            u: self.u + *r * other.u,
        }
    }

    /// Removes the published commitment blinds: `W − wit_blind·h`, `E − err_blind·h`; `X` and `u` unchanged.
    pub fn derandomize(
        &self,
        h: &Affine<P>,
        wit_blind: &P::ScalarField,
        err_blind: &P::ScalarField,
    ) -> Self {
        let [comm_w, comm_e] = normalize(
            self.comm_w.into_group() - mul(h, wit_blind),
            self.comm_e.into_group() - mul(h, err_blind),
        );
        Self {
            comm_w,
            comm_e,
            x: self.x,
            u: self.u,
        }
    }
}

/// `k·p` in the field kernel's arithmetic, with a cost proportional to the bit length of `k` (fold
/// challenges have 128 bits).
fn mul<P: SWCurveConfig>(p: &Affine<P>, k: &P::ScalarField) -> Projective<P>
where
    P::BaseField: KernelField,
{
    jacobian::Affine::<<P::BaseField as KernelField>::M>::from_ark(p)
        .mul(k.into_bigint().as_ref())
        .to_ark()
}

/// Both points in affine form with one shared inversion.
fn normalize<P: SWCurveConfig>(a: Projective<P>, b: Projective<P>) -> [Affine<P>; 2] {
    let v = Projective::normalize_batch(&[a, b]);
    [v[0], v[1]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Fq, Fr, G1, Grumpkin, le32};
    use ark_ff::{One, Zero};

    fn g1(k: u64) -> G1 {
        (G1::generator() * Fr::from(k)).into_affine()
    }

    fn relaxed(seed: u64) -> RelaxedInstance<G1, Fr> {
        RelaxedInstance {
            comm_w: g1(seed + 1),
            comm_e: g1(seed + 2),
            x: [Fr::from(seed + 3), -Fr::from(seed + 4)],
            u: Fr::from(seed + 5),
        }
    }

    #[test]
    fn fold_matches_definition() {
        let u1 = relaxed(10);
        let u2 = R1csInstance {
            comm_w: g1(7),
            x: [Fr::from(1u64), Fr::from(2u64)],
        };
        let r = Fr::from(1u64 << 40);
        let f = u1.fold(&u2, &g1(9), &r);
        assert_eq!(
            f.comm_w,
            (G1::generator() * (Fr::from(11u64) + r * Fr::from(7u64))).into_affine()
        );
        assert_eq!(
            f.comm_e,
            (G1::generator() * (Fr::from(12u64) + r * Fr::from(9u64))).into_affine()
        );
        assert_eq!(
            f.x,
            [Fr::from(13u64) + r, -Fr::from(14u64) + r * Fr::from(2u64)]
        );
        assert_eq!(f.u, Fr::from(15u64) + r);
    }

    #[test]
    fn fold_relaxed_matches_definition() {
        let (u1, u2) = (relaxed(10), relaxed(20));
        let r = Fr::from(3u64);
        let f = u1.fold_relaxed(&u2, &g1(9), &r);
        assert_eq!(f.comm_w, g1(11 + 3 * 21));
        assert_eq!(f.comm_e, g1(12 + 3 * 9 + 9 * 22));
        assert_eq!(f.x, [Fr::from(13 + 3 * 23u64), -Fr::from(14 + 3 * 24u64)]);
        assert_eq!(f.u, Fr::from(15 + 3 * 25u64));
        // The identity folds like any point.
        let mut z = u2.clone();
        z.comm_e = G1::identity();
        assert_eq!(u1.fold_relaxed(&z, &G1::identity(), &r).comm_e, u1.comm_e);
    }

    #[test]
    fn derandomize_removes_blinds() {
        let u = relaxed(1);
        let h = g1(1000);
        let d = u.derandomize(&h, &Fr::from(2u64), &Fr::one());
        assert_eq!(
            d.comm_w,
            (G1::generator() * (Fr::from(2u64) - Fr::from(2000u64))).into_affine()
        );
        assert_eq!(
            d.comm_e,
            (G1::generator() * (Fr::from(3u64) - Fr::from(1000u64))).into_affine()
        );
        assert_eq!((d.x, d.u), (u.x, u.u));
        let back = u.derandomize(&h, &Fr::zero(), &Fr::zero());
        assert_eq!(back, u);
    }

    #[test]
    fn absorb_encodings() {
        let mut u = relaxed(0);
        u.comm_e = G1::identity();
        u.x[1] = Fr::from(u128::MAX) + Fr::from(5u64);
        let mut out: Vec<Fq> = Vec::new();
        u.absorb(&mut out);
        assert_eq!(out.len(), 15);
        let (wx, wy, _) = coords(&u.comm_w);
        assert_eq!(
            out[..6],
            [wx, wy, Fq::zero(), Fq::zero(), Fq::zero(), Fq::one()]
        );
        assert_eq!(out[6], Fq::from(5u64));
        assert_eq!(
            out[7..11],
            [Fq::from(3u64), Fq::zero(), Fq::zero(), Fq::zero()]
        );
        assert_eq!(
            out[11..],
            [Fq::from(4u64), Fq::zero(), Fq::one(), Fq::zero()]
        );

        // Secondary: u and X switched Fq → Fr (reducing).
        let big = switch::<Fr, Fq>(&-Fr::one()) + Fq::from(10u64);
        let s = R1csInstance {
            comm_w: Grumpkin::identity(),
            x: [big, Fq::one()],
        };
        let mut out: Vec<Fr> = Vec::new();
        s.absorb(&mut out);
        assert_eq!(
            out,
            [Fr::zero(), Fr::zero(), Fr::one(), Fr::from(9u64), Fr::one()]
        );
    }

    #[test]
    fn transcript_repr() {
        let u = relaxed(0);
        let mut out = Vec::new();
        u.repr(&mut out);
        assert_eq!(out.len(), 2 * 65 + 3 * 32);
        assert_eq!(out[130..162], le32(&u.u));
        assert_eq!(out[162..194], le32(&u.x[0]));
        assert_eq!(out[194..226], le32(&u.x[1]));
    }
}

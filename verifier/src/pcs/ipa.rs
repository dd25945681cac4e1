//! nova's inner-product argument verifier (`ipa_pc::InnerProductArgument::verify`, SPEC §7 step 8),
//! split so that its 2^k-point MSM can run across messages ([`crate::msm`]).
//!
//! [`IpaCheck::new`] replays the transcript (challenges `r0`, `x_j`) and computes `b̂`; the check
//! `â·Ĝ + r0·(â·b̂ − v)·G_c − C − Σ x_j²·L_j − Σ x_j^{−2}·R_j = O` with `Ĝ = Σ s_i·G_i` is then one
//! MSM over the generators and `L, R, G_c, C` ([`IpaCheck::msm_scalars`],
//! [`IpaCheck::msm_extra_bases`]).

use crate::codec::{read_point, read_scalar, read_vec, write_point, write_scalar, write_vec};
use crate::error::VerifyError;
use crate::field::{Fq, Grumpkin};
use crate::msm::Cost;
use crate::transcript::{Repr, Transcript};
use alloc::vec::Vec;
use ark_ff::{Field, Zero, batch_inversion};
use parity_scale_codec::{Decode, Encode, Input, Output};

/// Largest number of rounds accepted. nova allows `k < 32`, but a proof can only be accepted with
/// `2^k` generators; ours has 2^14, and this bound keeps every allocation derived from `k` small.
pub const MAX_ROUNDS: usize = 20;

/// The IPA proof (`InnerProductArgument`): per-round commitments and the final scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpaProof {
    /// `L_vec`.
    pub l_vec: Vec<Grumpkin>,
    /// `R_vec`.
    pub r_vec: Vec<Grumpkin>,
    /// `a_hat`.
    pub a_hat: Fq,
}

/// The claim `(C, v)` absorbed as nova's `InnerProductInstance`: `repr(C) ‖ LE32(v)`.
struct Instance<'a>(&'a Grumpkin, &'a Fq);

impl Repr for Instance<'_> {
    fn repr(&self, out: &mut Vec<u8>) {
        self.0.repr(out);
        self.1.repr(out);
    }
}

/// The IPA verifier's state between the transcript part and the final check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpaCheck {
    /// The commitment `C`.
    pub comm: Grumpkin,
    /// The claimed evaluation `v`.
    pub eval: Fq,
    /// The challenge `r0` (`G' = r0·G_c`).
    pub r0: Fq,
    /// The round challenges `x_j`.
    pub x: Vec<Fq>,
    /// `b̂ = Σ_i eq_table(point)[i]·s_i`.
    pub b_hat: Fq,
}

impl IpaCheck {
    /// Runs the transcript part for the claim "the polynomial committed in `comm` evaluates to `eval`
    /// at `point`" with `proof`. Costs ≈ 6k multiplications + one inversion.
    pub fn new(
        t: &mut Transcript<Fq>,
        comm: &Grumpkin,
        point: &[Fq],
        eval: Fq,
        proof: &IpaProof,
        cost: &mut Cost,
    ) -> Result<Self, VerifyError> {
        let k = point.len();
        t.dom_sep(b"IPA");
        if proof.l_vec.len() != k || proof.r_vec.len() != k || k > MAX_ROUNDS {
            return Err(VerifyError::Malformed("ipa: wrong number of rounds"));
        }
        t.absorb(b"U", &Instance(comm, &eval));
        let r0 = t.squeeze(b"r");
        let mut x = Vec::with_capacity(k);
        for (l, r) in proof.l_vec.iter().zip(&proof.r_vec) {
            t.absorb(b"L", l);
            t.absorb(b"R", r);
            let xj = t.squeeze(b"r");
            if xj.is_zero() {
                return Err(VerifyError::Check("ipa: zero challenge"));
            }
            x.push(xj);
        }
        let mut x_inv = x.clone();
        batch_inversion(&mut x_inv);
        cost.mults += 3 * k as u64;
        cost.invs += 1;
        // b̂ = Π_j ((1 − r_j)·x_j^{−1} + r_j·x_j)
        let b_hat = point
            .iter()
            .zip(x.iter().zip(&x_inv))
            .map(|(&r, (&xj, &xi))| xi + r * (xj - xi))
            .product();
        cost.mults += 2 * k as u64;
        Ok(Self {
            comm: *comm,
            eval,
            r0,
            x,
            b_hat,
        })
    }

    /// The scalars of the IPA check as one MSM (≈ 2^k multiplications), all multiplied by `scale`
    /// (one for a proof alone, its coefficient in a batch): the IPA holds iff
    /// `Σ scalars_i·bases_i = O` over the bases `G_0..G_{2^k−1}` ‖ [`IpaCheck::msm_extra_bases`], i.e.
    /// `â·s_i` for `i < 2^k` (`s_i = Π_j x_j^{+1 if bit_{k−1−j}(i) else −1}`), then `−x_j²` for the
    /// `L_j`, `−x_j^{−2}` for the `R_j`, `r0·(â·b̂ − v)` for `G_c` and `−1` for `C`.
    pub fn msm_scalars(&self, proof: &IpaProof, scale: Fq, cost: &mut Cost) -> Vec<Fq> {
        let k = self.x.len();
        let mut x_inv = self.x.clone();
        batch_inversion(&mut x_inv);
        let mut s = Vec::with_capacity((1 << k) + 2 * k + 2);
        s.push(x_inv.iter().fold(proof.a_hat * scale, |acc, xi| acc * xi));
        for t in 0..k {
            // Indices with top set bit t: s_{i + 2^t} = s_i·x_{k−1−t}².
            let sq = self.x[k - 1 - t].square();
            for i in 0..1usize << t {
                let v = s[i] * sq;
                s.push(v);
            }
        }
        s.extend(self.x.iter().map(|x| -x.square() * scale));
        s.extend(x_inv.iter().map(|x| -x.square() * scale));
        s.push(self.r0 * (proof.a_hat * self.b_hat - self.eval) * scale);
        s.push(-scale);
        cost.mults += (1u64 << k) + 10 * k as u64 + 5;
        cost.invs += 1;
        s
    }

    /// The bases after the generators in the IPA check (see [`IpaCheck::msm_scalars`]):
    /// `L_0..L_{k−1}, R_0..R_{k−1}, G_c, C`.
    pub fn msm_extra_bases(
        &self,
        proof: &IpaProof,
        g_c: &Grumpkin,
    ) -> Result<Vec<Grumpkin>, VerifyError> {
        let k = self.x.len();
        if proof.l_vec.len() != k || proof.r_vec.len() != k {
            return Err(VerifyError::Malformed("ipa: wrong number of rounds"));
        }
        let mut bases = Vec::with_capacity(2 * k + 2);
        bases.extend_from_slice(&proof.l_vec);
        bases.extend_from_slice(&proof.r_vec);
        bases.push(*g_c);
        bases.push(self.comm);
        Ok(bases)
    }
}

impl Encode for IpaProof {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        write_vec(&self.l_vec, out, |p, o| write_point(p, o));
        write_vec(&self.r_vec, out, |p, o| write_point(p, o));
        write_scalar(&self.a_hat, out);
    }
}

impl Decode for IpaProof {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(Self {
            l_vec: read_vec(input, read_point)?,
            r_vec: read_vec(input, read_point)?,
            a_hat: read_scalar(input)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spartan::polys::eq_table;
    use ark_ec::CurveGroup;
    use ark_ec::VariableBaseMSM;
    use ark_ec::short_weierstrass::Projective;
    use ark_ff::One;
    use ark_ff::UniformRand;
    use ark_grumpkin::GrumpkinConfig;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    type P = Projective<GrumpkinConfig>;

    fn ip(a: &[Fq], b: &[Fq]) -> Fq {
        a.iter().zip(b).map(|(x, y)| *x * y).sum()
    }

    fn commit(g: &[Grumpkin], a: &[Fq]) -> P {
        P::msm(g, a).unwrap()
    }

    /// An honest prover with the verifier's conventions (`L = ⟨a_L, G_R⟩ + ⟨a_L, b_R⟩·G'`).
    fn prove(
        gens: &[Grumpkin],
        g_c: &Grumpkin,
        a: &[Fq],
        point: &[Fq],
        t: &mut Transcript<Fq>,
    ) -> (Grumpkin, Fq, IpaProof) {
        let b = eq_table(point);
        let comm = commit(gens, a).into_affine();
        let v = ip(a, &b);
        t.dom_sep(b"IPA");
        t.absorb(b"U", &Instance(&comm, &v));
        let r0 = t.squeeze(b"r");
        let gp = (*g_c * r0).into_affine();
        let (mut a, mut b, mut g) = (a.to_vec(), b, gens.to_vec());
        let (mut l_vec, mut r_vec) = (Vec::new(), Vec::new());
        while a.len() > 1 {
            let h = a.len() / 2;
            let l = (commit(&g[h..], &a[..h]) + gp * ip(&a[..h], &b[h..])).into_affine();
            let r = (commit(&g[..h], &a[h..]) + gp * ip(&a[h..], &b[..h])).into_affine();
            t.absorb(b"L", &l);
            t.absorb(b"R", &r);
            let x = t.squeeze(b"r");
            let xi = x.inverse().unwrap();
            a = (0..h).map(|i| a[i] * x + a[h + i] * xi).collect();
            b = (0..h).map(|i| b[i] * xi + b[h + i] * x).collect();
            g = (0..h)
                .map(|i| (g[i] * xi + g[h + i] * x).into_affine())
                .collect();
            l_vec.push(l);
            r_vec.push(r);
        }
        (
            comm,
            v,
            IpaProof {
                l_vec,
                r_vec,
                a_hat: a[0],
            },
        )
    }

    fn verify(
        gens: &[Grumpkin],
        g_c: &Grumpkin,
        comm: &Grumpkin,
        point: &[Fq],
        v: Fq,
        proof: &IpaProof,
    ) -> Result<IpaCheck, VerifyError> {
        let mut cost = Cost::default();
        let mut t = Transcript::new(b"ipa-test");
        let check = IpaCheck::new(&mut t, comm, point, v, proof, &mut cost)?;
        let s = check.msm_scalars(proof, Fq::one(), &mut cost);
        let mut bases = gens.to_vec();
        bases.extend(check.msm_extra_bases(proof, g_c)?);
        if commit(&bases, &s).is_zero() {
            Ok(check)
        } else {
            Err(VerifyError::Check("ipa equation"))
        }
    }

    #[test]
    fn honest_proof_verifies_and_tampering_fails() {
        let mut rng = StdRng::seed_from_u64(5);
        let k = 3;
        let gens: Vec<Grumpkin> = (0..1 << k)
            .map(|_| P::rand(&mut rng).into_affine())
            .collect();
        let g_c = P::rand(&mut rng).into_affine();
        let a: Vec<Fq> = (0..1 << k).map(|_| Fq::rand(&mut rng)).collect();
        let point: Vec<Fq> = (0..k).map(|_| Fq::rand(&mut rng)).collect();
        let (comm, v, proof) = prove(&gens, &g_c, &a, &point, &mut Transcript::new(b"ipa-test"));
        let check = verify(&gens, &g_c, &comm, &point, v, &proof).unwrap();
        // b̂ closed form equals Σ eq_table(point)[i]·s_i.
        let unit = IpaProof {
            a_hat: Fq::one(),
            ..proof.clone()
        };
        let s = check.msm_scalars(&unit, Fq::one(), &mut Cost::default());
        assert_eq!(check.b_hat, ip(&eq_table(&point), &s[..1 << k]));
        // The proof round-trips through SCALE.
        assert_eq!(IpaProof::decode(&mut &proof.encode()[..]).unwrap(), proof);

        let fails = |comm: &Grumpkin, v: Fq, proof: &IpaProof| {
            verify(&gens, &g_c, comm, &point, v, proof).is_err()
        };
        assert!(fails(&comm, v + Fq::one(), &proof));
        assert!(fails(&(comm + g_c).into_affine(), v, &proof));
        let mut bad = proof.clone();
        bad.a_hat += Fq::one();
        assert!(fails(&comm, v, &bad));
        let mut bad = proof.clone();
        bad.l_vec[1] = (bad.l_vec[1] + g_c).into_affine();
        assert!(fails(&comm, v, &bad));
        let mut bad = proof.clone();
        bad.r_vec[0] = Grumpkin::identity();
        assert!(fails(&comm, v, &bad));
        let mut bad = proof.clone();
        bad.r_vec.pop();
        assert_eq!(
            verify(&gens, &g_c, &comm, &point, v, &bad).unwrap_err(),
            VerifyError::Malformed("ipa: wrong number of rounds")
        );
        assert!(fails(
            &comm,
            v,
            &IpaProof {
                l_vec: Vec::new(),
                r_vec: Vec::new(),
                a_hat: Fq::one()
            }
        ));
    }
}

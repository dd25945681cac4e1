//! The batch's IPA check (SPEC §15): each proof's IPA equation `Σ_i s_{k,i}·G_i + E_k = O` (its
//! MSM over the shared generators `G_i`, and `E_k` over its own `L, R, G_c, C`, see
//! [`IpaCheck::msm_scalars`]) combined with coefficients `ρ_0 = 1, ρ_k` (Fiat–Shamir over all the
//! IPA claims and proofs) into one MSM: `Σ_i (Σ_k ρ_k·s_{k,i})·G_i + Σ_k ρ_k·E_k = O`. The
//! generators' part, the dear one, is paid once for the batch.

use crate::error::VerifyError;
use crate::field::{Fq, Grumpkin};
use crate::meter::Meter;
use crate::msm::{Cost, Point, SplitMsm};
use crate::pcs::ipa::{IpaCheck, IpaProof};
use crate::spartan::snark::SecondaryKey;
use crate::transcript::Transcript;
use alloc::boxed::Box;
use alloc::vec::Vec;
use ark_ff::{One, Zero};

/// Work of adding one proof's scaled scalars into the combination: its `2^k` scalars
/// (one multiplication each) and as many additions, with a margin.
pub(crate) const PROOF_SCALARS_UNITS: u64 = 25_000;

/// The coefficients `ρ_0 = 1, ρ_1..ρ_{n−1}` for the IPA claims `checks`: Keccak challenges drawn
/// after absorbing every claim (`C`, `v`, `r0`, the round challenges, `b̂`) and proof (`L`, `R`,
/// `â`), which together fix each equation.
fn coefficients(checks: &[(&IpaCheck, &IpaProof)]) -> Vec<Fq> {
    let mut t = Transcript::<Fq>::new(b"zkml-batch-ipa");
    t.absorb(b"n", &Fq::from(checks.len() as u64));
    for (check, proof) in checks {
        t.absorb(b"C", &check.comm);
        t.absorb(b"v", &check.eval);
        t.absorb(b"r0", &check.r0);
        t.absorb(b"x", &check.x);
        t.absorb(b"b", &check.b_hat);
        t.absorb(b"L", &proof.l_vec);
        t.absorb(b"R", &proof.r_vec);
        t.absorb(b"a", &proof.a_hat);
    }
    let mut rho = Vec::with_capacity(checks.len());
    rho.push(Fq::one());
    for _ in 1..checks.len() {
        rho.push(t.squeeze(b"rho"));
    }
    rho
}

/// The combined MSM's scalars, built one proof at a time.
#[derive(Clone, Debug)]
pub(crate) struct Combination {
    /// Each proof's coefficient.
    rho: Vec<Fq>,
    /// Proofs added so far.
    added: usize,
    /// Number of generators.
    num_gens: usize,
    /// `Σ_k ρ_k·s_{k,i}` over the generators, then the added proofs' `ρ_k·E_k` scalars.
    scalars: Vec<Fq>,
    /// The added proofs' own bases (`L, R, G_c, C` each).
    extra: Vec<Grumpkin>,
}

impl Combination {
    /// A combination of `checks` over `num_gens` generators, none added yet.
    pub(crate) fn new(checks: &[(&IpaCheck, &IpaProof)], num_gens: usize) -> Self {
        Self {
            rho: coefficients(checks),
            added: 0,
            num_gens,
            scalars: alloc::vec![Fq::zero(); num_gens],
            extra: Vec::new(),
        }
    }

    /// Number of proofs added so far.
    pub(crate) fn added(&self) -> usize {
        self.added
    }

    /// Whether every proof has been added.
    pub(crate) fn is_complete(&self) -> bool {
        self.added == self.rho.len()
    }

    /// Adds the next proof, `check` with `proof` (the same order as at [`Combination::new`]).
    pub(crate) fn add(
        &mut self,
        key: &SecondaryKey,
        check: &IpaCheck,
        proof: &IpaProof,
        cost: &mut Cost,
    ) -> Result<(), VerifyError> {
        let rho = *self
            .rho
            .get(self.added)
            .ok_or(VerifyError::Malformed("batch: too many IPA claims"))?;
        let n = self.num_gens;
        let s = check.msm_scalars(proof, rho, cost);
        if s.len() < n {
            return Err(VerifyError::Malformed("secondary: generator count"));
        }
        for (acc, si) in self.scalars[..n].iter_mut().zip(&s) {
            *acc += si;
        }
        self.scalars.extend_from_slice(&s[n..]);
        self.extra.extend(check.msm_extra_bases(proof, &key.g_c)?);
        cost.mults += n as u64;
        self.added += 1;
        Ok(())
    }

    /// Sets up the MSM (about one multiplication per scalar).
    pub(crate) fn into_msm(self, cost: &mut Cost) -> Result<CombinedMsm, VerifyError> {
        let extra = self.extra.iter().map(Point::from_ark).collect();
        cost.mults += 2 * self.extra.len() as u64;
        Ok(CombinedMsm {
            msm: Box::new(SplitMsm::new(&self.scalars, self.num_gens, cost)?),
            extra,
        })
    }
}

/// The combined MSM in progress.
#[derive(Clone, Debug)]
pub(crate) struct CombinedMsm {
    /// The proofs' bases.
    extra: Vec<Point>,
    /// The MSM state.
    msm: Box<SplitMsm>,
}

impl CombinedMsm {
    /// Advances the MSM while `meter` (in multiplication equivalents) covers its next unit of
    /// work. `Some(true)` once it is
    /// done and every combined equation holds, `Some(false)` if it is done and does not.
    pub(crate) fn step(
        &mut self,
        key: &SecondaryKey,
        meter: &mut dyn Meter,
        cost: &mut Cost,
    ) -> Result<Option<bool>, VerifyError> {
        self.msm.step(&key.table, &self.extra, meter, cost)
    }
}

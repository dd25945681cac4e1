//! The top level of nova's `CompressedSNARK::verify` (SPEC §2): the output-hash checks that bind `z0`, `zn`
//! and `num_steps` to the proof, the three folds and the derandomization that produce the two instances the
//! Spartan SNARKs then prove.

use crate::constants::{ConstantKey, Oracles};
use crate::error::VerifyError;
use crate::field::{Fq, Fr, G1, Grumpkin, switch};
use crate::instance::{RelaxedInstance, absorb_comm};
use crate::msm::{Cost, Scalars};
use crate::poseidon::{CHALLENGE_BITS, HASH_BITS};
use crate::primary;
use crate::secondary::{self, SecondaryVerification};
use crate::wire::{CompressedProof, FoldingKey, FoldingProof, VerifierKey};
use alloc::vec::Vec;

/// The two instances left after folding and derandomization (SPEC §2 steps 5–8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folded {
    /// `Un1`: the primary instance, for the primary SNARK (§8).
    pub primary: RelaxedInstance<G1, Fr>,
    /// `Un2`: the secondary instance, for the secondary SNARK (§7).
    pub secondary: RelaxedInstance<Grumpkin, Fq>,
}

/// The two output hashes `(hA, hB)` (SPEC §2 step 4), before they are compared with `l_u_secondary.X`.
fn output_hashes(
    ro: &Oracles,
    key: &FoldingKey,
    proof: &FoldingProof,
    z0: &[Fr],
    num_steps: u64,
) -> (Fr, Fq) {
    let mut a = Vec::with_capacity(18 + 2 * z0.len());
    a.push(key.pp_digest);
    a.push(Fr::from(num_steps));
    a.extend_from_slice(z0);
    a.extend_from_slice(&proof.zn);
    proof.r_u_secondary.absorb(&mut a);
    a.push(proof.ri_primary);

    let mut b = Vec::with_capacity(20);
    b.push(switch(&key.pp_digest));
    b.push(Fq::from(num_steps));
    // The trivial secondary circuit's z0 and zn.
    b.extend([Fq::from(0u64), Fq::from(0u64)]);
    proof.r_u_primary.absorb(&mut b);
    b.push(proof.ri_secondary);

    (ro.fr.squeeze(&a, HASH_BITS), ro.fq.squeeze(&b, HASH_BITS))
}

/// `ρ1` (fold 1, NIFS): binds the last secondary step instance and its cross term (9 inputs).
fn rho1(ro: &Oracles, key: &FoldingKey, proof: &FoldingProof) -> Fr {
    let mut input = Vec::with_capacity(9);
    input.push(key.pp_digest);
    proof.l_u_secondary.absorb(&mut input);
    absorb_comm(&proof.t_uf_secondary, &mut input);
    ro.fr.squeeze(&input, CHALLENGE_BITS)
}

/// `ρ2` (fold 2, NIFSRelaxed): binds `Uf`, the random secondary instance and the cross term (34 inputs).
fn rho2(
    ro: &Oracles,
    key: &FoldingKey,
    uf: &RelaxedInstance<Grumpkin, Fq>,
    proof: &FoldingProof,
) -> Fr {
    let mut input = Vec::with_capacity(34);
    input.push(key.pp_digest);
    uf.absorb(&mut input);
    proof.l_ur_secondary.absorb(&mut input);
    absorb_comm(&proof.t_un_secondary, &mut input);
    ro.fr.squeeze(&input, CHALLENGE_BITS)
}

/// `ρ3` (fold 3, NIFSRelaxed over Fq): binds both primary instances and the cross term (34 inputs).
fn rho3(ro: &Oracles, key: &FoldingKey, proof: &FoldingProof) -> Fq {
    let mut input = Vec::with_capacity(34);
    input.push(switch(&key.pp_digest));
    proof.r_u_primary.absorb(&mut input);
    proof.l_ur_primary.absorb(&mut input);
    absorb_comm(&proof.t_un_primary, &mut input);
    ro.fq.squeeze(&input, CHALLENGE_BITS)
}

/// `Uf`: fold 1, the last secondary step into the running secondary instance.
fn fold_uf(ro: &Oracles, key: &FoldingKey, proof: &FoldingProof) -> RelaxedInstance<Grumpkin, Fq> {
    let r = switch(&rho1(ro, key, proof));
    proof
        .r_u_secondary
        .fold(&proof.l_u_secondary, &proof.t_uf_secondary, &r)
}

/// SPEC §2 steps 5–7: `(Un1, Un2)` before derandomization.
fn folds(
    ro: &Oracles,
    key: &FoldingKey,
    proof: &FoldingProof,
) -> (RelaxedInstance<G1, Fr>, RelaxedInstance<Grumpkin, Fq>) {
    let uf = fold_uf(ro, key, proof);
    let r2 = switch(&rho2(ro, key, &uf, proof));
    let un2 = uf.fold_relaxed(&proof.l_ur_secondary, &proof.t_un_secondary, &r2);
    let r3 = switch(&rho3(ro, key, proof));
    let un1 = proof
        .r_u_primary
        .fold_relaxed(&proof.l_ur_primary, &proof.t_un_primary, &r3);
    (un1, un2)
}

/// SPEC §2 steps 1–8: checks the step count, the arity and the two output hashes, then folds and
/// derandomizes with the random oracles `ro`. `h_secondary` is `dk_secondary.h` (the secondary Pedersen key's blinding generator).
/// On success the caller must still verify the primary SNARK for [`Folded::primary`] and the secondary
/// SNARK for [`Folded::secondary`]; only then is `proof.zn` the output of `num_steps` steps from `z0`.
pub fn fold(
    key: &FoldingKey,
    ro: &Oracles,
    h_secondary: &Grumpkin,
    proof: &FoldingProof,
    z0: &[Fr],
    num_steps: u64,
) -> Result<Folded, VerifyError> {
    if num_steps == 0 {
        return Err(VerifyError::Check("nova: num_steps is zero"));
    }
    let arity = key.arity as usize;
    if z0.len() != arity {
        return Err(VerifyError::Malformed(
            "nova: z0 length differs from the arity",
        ));
    }
    if proof.zn.len() != arity {
        return Err(VerifyError::Malformed(
            "nova: zn length differs from the arity",
        ));
    }
    let (h_a, h_b) = output_hashes(ro, key, proof, z0, num_steps);
    if h_a != switch(&proof.l_u_secondary.x[0]) {
        return Err(VerifyError::Check(
            "nova: hash of num_steps, z0, zn and the secondary running instance (X[0])",
        ));
    }
    if h_b != proof.l_u_secondary.x[1] {
        return Err(VerifyError::Check(
            "nova: hash of num_steps and the primary running instance (X[1])",
        ));
    }
    let (un1, un2) = folds(ro, key, proof);
    Ok(Folded {
        primary: un1.derandomize(
            &key.h_primary,
            &proof.wit_blind_primary,
            &proof.err_blind_primary,
        ),
        secondary: un2.derandomize(
            h_secondary,
            &proof.wit_blind_secondary,
            &proof.err_blind_secondary,
        ),
    })
}

/// nova's `CompressedSNARK::verify` (SPEC §2): returns `zn`, the output of `num_steps` steps of the step
/// function from `z0`, if the proof is valid for the model key `vk` and the constant key `ck`.
/// Runs everything at once (native use, tests); a program splits the same work between messages.
pub fn verify(
    vk: &VerifierKey,
    ck: &ConstantKey,
    proof: &CompressedProof,
    z0: &[Fr],
    num_steps: u64,
) -> Result<Vec<Fr>, VerifyError> {
    let sk = &ck.secondary;
    let folded = fold(
        &vk.folding,
        &ck.oracles,
        &sk.h,
        &proof.folding,
        z0,
        num_steps,
    )?;
    primary::verify(&vk.primary, &folded.primary, &proof.primary)?;
    secondary::verify(sk, &folded.secondary, &proof.secondary)?;
    Ok(proof.folding.zn.clone())
}

/// A verification split into stages, so that a program can spread [`verify`]'s work over messages.
///
/// Each call of [`Verifier::advance`] runs the next stage: the folds, the primary SNARK (one 37-point MSM
/// and a pairing), the secondary SNARK's transcript (sum-checks), its matrix claim (the shape evaluation),
/// the IPA scalars, then the 16,384-point MSM in slices of at most `budget` multiplication equivalents,
/// and the final IPA check. Every call must pass the same key, proof and
/// statement.
#[derive(Clone, Debug)]
pub struct Verifier {
    stage: Stage,
}

/// The next stage of a [`Verifier`].
#[derive(Clone, Debug)]
enum Stage {
    /// Output hashes, folds and derandomization.
    Fold,
    /// The primary SNARK for `Un1`; then the secondary one for `Un2`.
    Primary(Folded),
    /// The secondary SNARK's transcript for `Un2`.
    Secondary(RelaxedInstance<Grumpkin, Fq>),
    /// The secondary SNARK's deferred matrix claim.
    Matrices(SecondaryVerification),
    /// The IPA MSM's scalars.
    Scalars(SecondaryVerification),
    /// The IPA MSM and final check.
    Msm(SecondaryVerification, Scalars),
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verification that has not started.
    pub fn new() -> Self {
        Self { stage: Stage::Fold }
    }

    /// Number of the next stage: 0 fold, 1 primary SNARK, 2 secondary transcript, 3 secondary matrix
    /// claim, 4 IPA scalars, 5 IPA MSM.
    pub fn stage(&self) -> u8 {
        match self.stage {
            Stage::Fold => 0,
            Stage::Primary(_) => 1,
            Stage::Secondary(_) => 2,
            Stage::Matrices(_) => 3,
            Stage::Scalars(_) => 4,
            Stage::Msm(..) => 5,
        }
    }

    /// Runs the next stage (the MSM stage for at most `budget` multiplication equivalents, at least one unit
    /// of work). Returns `Ok(Some(zn))` once the whole proof is verified, `Ok(None)` while work remains.
    /// After an error the verification is over (the proof is rejected).
    pub fn advance(
        &mut self,
        vk: &VerifierKey,
        ck: &ConstantKey,
        proof: &CompressedProof,
        statement: (&[Fr], u64),
        budget: u64,
        cost: &mut Cost,
    ) -> Result<Option<Vec<Fr>>, VerifyError> {
        let (z0, num_steps) = statement;
        let sk = &ck.secondary;
        match &mut self.stage {
            Stage::Fold => {
                let folded = fold(
                    &vk.folding,
                    &ck.oracles,
                    &sk.h,
                    &proof.folding,
                    z0,
                    num_steps,
                )?;
                self.stage = Stage::Primary(folded);
            }
            Stage::Primary(folded) => {
                primary::verify(&vk.primary, &folded.primary, &proof.primary)?;
                self.stage = Stage::Secondary(folded.secondary.clone());
            }
            Stage::Secondary(un2) => {
                let check = SecondaryVerification::start(sk, un2, &proof.secondary, cost)?;
                self.stage = Stage::Matrices(check);
            }
            Stage::Matrices(check) => {
                check.claim.check(&sk.shape, cost)?;
                self.stage = Stage::Scalars(check.clone());
            }
            Stage::Scalars(check) => {
                let scalars = check.scalars(&proof.secondary, cost);
                self.stage = Stage::Msm(check.clone(), scalars);
            }
            Stage::Msm(check, scalars) => {
                if check.advance(sk, &proof.secondary, scalars, budget, cost)? {
                    return Ok(Some(proof.folding.zn.clone()));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::from_le32_canonical;
    use crate::nova_export::{parse_model_key, parse_proof, tests as export};
    use crate::primary::PrimaryKey;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{One, PrimeField};
    use std::{boxed::Box, vec, vec::Vec};

    const INTERMEDIATES3: &str = include_str!("../notes/fixture/intermediates_proof3.txt");
    const INTERMEDIATES1: &str = include_str!("../notes/fixture/intermediates_proof1.txt");

    /// The field elements (big-endian `0x…` hex) on the line `name = …`, in order.
    fn values<F: PrimeField>(text: &str, name: &str) -> Vec<F> {
        let prefix = std::format!("{name} = ");
        let line = text
            .lines()
            .find(|l| l.starts_with(&prefix))
            .expect("intermediate");
        line.split("0x")
            .skip(1)
            .map(|tok| {
                let hex: std::string::String =
                    tok.chars().take_while(char::is_ascii_hexdigit).collect();
                let padded = std::format!("{hex:0>64}");
                let mut le = [0u8; 32];
                for (i, b) in le.iter_mut().enumerate() {
                    *b = u8::from_str_radix(&padded[62 - 2 * i..64 - 2 * i], 16).unwrap();
                }
                from_le32_canonical(&le).unwrap()
            })
            .collect()
    }

    /// `[X0, X1, W.x, W.y, E.x, E.y, u]` of an instance, as in the intermediates files.
    fn flat<P: ark_ec::short_weierstrass::SWCurveConfig>(
        u: &RelaxedInstance<ark_ec::short_weierstrass::Affine<P>, P::ScalarField>,
    ) -> (Vec<P::ScalarField>, Vec<P::BaseField>) {
        let (wx, wy) = u.comm_w.xy().unwrap();
        let (ex, ey) = u.comm_e.xy().unwrap();
        (vec![u.x[0], u.x[1], u.u], vec![wx, wy, ex, ey])
    }

    fn check_instance<P: ark_ec::short_weierstrass::SWCurveConfig>(
        text: &str,
        name: &str,
        u: &RelaxedInstance<ark_ec::short_weierstrass::Affine<P>, P::ScalarField>,
    ) where
        P::BaseField: PrimeField,
        P::ScalarField: PrimeField,
    {
        let scalars: Vec<P::ScalarField> = values(text, name);
        let coords: Vec<P::BaseField> = values(text, name);
        let (s, c) = flat(u);
        assert_eq!(
            vec![scalars[0], scalars[1], scalars[6]],
            s,
            "{name} scalars"
        );
        assert_eq!(coords[2..6].to_vec(), c, "{name} points");
    }

    struct Setup {
        key: FoldingKey,
        primary: PrimaryKey,
        h_secondary: Grumpkin,
        proof: FoldingProof,
    }

    fn setup(bytes: &[u8]) -> Setup {
        let model = include_bytes!("../notes/fixture/vk_model.bin");
        let model = parse_model_key(model, &export::DK_PRIMARY).unwrap();
        Setup {
            key: model.folding,
            primary: model.primary,
            h_secondary: export::point(&export::DK_SECONDARY).unwrap(),
            proof: parse_proof(bytes).unwrap().folding,
        }
    }

    const Z0: [u64; 2] = [2, 3];

    fn oracles() -> Oracles {
        use crate::poseidon::RoField;
        Oracles {
            fr: Fr::embedded(),
            fq: Fq::embedded(),
        }
    }

    fn z0() -> Vec<Fr> {
        Z0.iter().map(|x| Fr::from(*x)).collect()
    }

    fn intermediates(bytes: &[u8], text: &str, num_steps: u64) {
        let s = setup(bytes);
        let nova = parse_proof(bytes).unwrap();
        let ro = oracles();
        let (h_a, h_b) = output_hashes(&ro, &s.key, &s.proof, &z0(), num_steps);
        assert_eq!(vec![h_a], values::<Fr>(text, "hA"));
        assert_eq!(vec![h_b], values::<Fq>(text, "hB"));
        let uf = fold_uf(&ro, &s.key, &s.proof);
        assert_eq!(
            vec![rho1(&ro, &s.key, &s.proof)],
            values::<Fr>(text, "rho1")
        );
        assert_eq!(
            vec![rho2(&ro, &s.key, &uf, &s.proof)],
            values::<Fr>(text, "rho2")
        );
        assert_eq!(
            vec![rho3(&ro, &s.key, &s.proof)],
            values::<Fq>(text, "rho3")
        );
        check_instance(text, "Uf", &uf);
        let folded = fold(
            &s.key,
            &oracles(),
            &s.h_secondary,
            &s.proof,
            &z0(),
            num_steps,
        )
        .unwrap();
        check_instance(text, "Un1_derandomized", &folded.primary);
        check_instance(text, "Un2_derandomized", &folded.secondary);
        primary::verify(&s.primary, &folded.primary, &nova.primary).unwrap();
    }

    #[test]
    fn intermediates_proof3() {
        intermediates(
            include_bytes!("../notes/fixture/proof.bin"),
            INTERMEDIATES3,
            3,
        );
    }

    #[test]
    fn intermediates_proof1() {
        intermediates(
            include_bytes!("../notes/fixture/proof1.bin"),
            INTERMEDIATES1,
            1,
        );
    }

    fn run(
        s: &Setup,
        proof: &FoldingProof,
        z0: &[Fr],
        num_steps: u64,
    ) -> Result<Folded, VerifyError> {
        fold(&s.key, &oracles(), &s.h_secondary, proof, z0, num_steps)
    }

    #[test]
    fn rejects_wrong_statement() {
        let s = setup(include_bytes!("../notes/fixture/proof.bin"));
        let hash_a = Err(VerifyError::Check(
            "nova: hash of num_steps, z0, zn and the secondary running instance (X[0])",
        ));
        assert!(run(&s, &s.proof, &z0(), 3).is_ok());
        for n in [1, 2, 4, 1 << 40] {
            assert_eq!(run(&s, &s.proof, &z0(), n), hash_a);
        }
        assert_eq!(
            run(&s, &s.proof, &z0(), 0),
            Err(VerifyError::Check("nova: num_steps is zero"))
        );
        assert_eq!(
            run(&s, &s.proof, &[Fr::from(2u64), Fr::from(4u64)], 3),
            hash_a
        );
        assert_eq!(
            run(&s, &s.proof, &[Fr::from(3u64), Fr::from(2u64)], 3),
            hash_a
        );
        assert_eq!(
            run(&s, &s.proof, &[Fr::from(2u64)], 3),
            Err(VerifyError::Malformed(
                "nova: z0 length differs from the arity"
            ))
        );
        let mut p = s.proof.clone();
        p.zn.push(Fr::one());
        assert_eq!(
            run(&s, &p, &z0(), 3),
            Err(VerifyError::Malformed(
                "nova: zn length differs from the arity"
            ))
        );
        let mut p = s.proof.clone();
        p.zn[1] += Fr::one();
        assert_eq!(run(&s, &p, &z0(), 3), hash_a);
    }

    type Tamper = Box<dyn Fn(&mut FoldingProof)>;

    fn bump_g(p: &mut Grumpkin) {
        *p = (*p + Grumpkin::generator()).into_affine();
    }

    fn bump_b(p: &mut G1) {
        *p = (*p + G1::generator()).into_affine();
    }

    /// Every field of the folding proof matters: tampering one either fails an output-hash check or
    /// changes the folded instances (which the SNARKs then reject).
    #[test]
    fn tampering_any_field_is_detected() {
        let s = setup(include_bytes!("../notes/fixture/proof.bin"));
        let snark = parse_proof(include_bytes!("../notes/fixture/proof.bin"))
            .unwrap()
            .primary;
        let honest = run(&s, &s.proof, &z0(), 3).unwrap();
        let hash_a: Vec<Tamper> = vec![
            Box::new(|p| bump_g(&mut p.r_u_secondary.comm_w)),
            Box::new(|p| bump_g(&mut p.r_u_secondary.comm_e)),
            Box::new(|p| p.r_u_secondary.x[0] += Fq::one()),
            Box::new(|p| p.r_u_secondary.x[1] += Fq::one()),
            Box::new(|p| p.r_u_secondary.u += Fq::one()),
            Box::new(|p| p.ri_primary += Fr::one()),
            Box::new(|p| p.l_u_secondary.x[0] += Fq::one()),
            Box::new(|p| p.zn[0] += Fr::one()),
        ];
        let hash_b: Vec<Tamper> = vec![
            Box::new(|p| bump_b(&mut p.r_u_primary.comm_w)),
            Box::new(|p| bump_b(&mut p.r_u_primary.comm_e)),
            Box::new(|p| p.r_u_primary.x[0] += Fr::one()),
            Box::new(|p| p.r_u_primary.x[1] += Fr::one()),
            Box::new(|p| p.r_u_primary.u += Fr::one()),
            Box::new(|p| p.ri_secondary += Fq::one()),
            Box::new(|p| p.l_u_secondary.x[1] += Fq::one()),
        ];
        let folded: Vec<Tamper> = vec![
            Box::new(|p| bump_g(&mut p.l_u_secondary.comm_w)),
            Box::new(|p| bump_g(&mut p.t_uf_secondary)),
            Box::new(|p| bump_g(&mut p.l_ur_secondary.comm_w)),
            Box::new(|p| bump_g(&mut p.l_ur_secondary.comm_e)),
            Box::new(|p| p.l_ur_secondary.x[0] += Fq::one()),
            Box::new(|p| p.l_ur_secondary.x[1] += Fq::one()),
            Box::new(|p| p.l_ur_secondary.u += Fq::one()),
            Box::new(|p| bump_g(&mut p.t_un_secondary)),
            Box::new(|p| bump_b(&mut p.l_ur_primary.comm_w)),
            Box::new(|p| bump_b(&mut p.l_ur_primary.comm_e)),
            Box::new(|p| p.l_ur_primary.x[0] += Fr::one()),
            Box::new(|p| p.l_ur_primary.x[1] += Fr::one()),
            Box::new(|p| p.l_ur_primary.u += Fr::one()),
            Box::new(|p| bump_b(&mut p.t_un_primary)),
            Box::new(|p| p.wit_blind_primary += Fr::one()),
            Box::new(|p| p.err_blind_primary += Fr::one()),
            Box::new(|p| p.wit_blind_secondary += Fq::one()),
            Box::new(|p| p.err_blind_secondary += Fq::one()),
        ];
        for (i, t) in hash_a.iter().enumerate() {
            let mut p = s.proof.clone();
            t(&mut p);
            assert!(
                matches!(run(&s, &p, &z0(), 3), Err(VerifyError::Check(m)) if m.contains("X[0]")),
                "hA tamper {i}"
            );
        }
        for (i, t) in hash_b.iter().enumerate() {
            let mut p = s.proof.clone();
            t(&mut p);
            assert!(
                matches!(run(&s, &p, &z0(), 3), Err(VerifyError::Check(m)) if m.contains("X[1]")),
                "hB tamper {i}"
            );
        }
        for (i, t) in folded.iter().enumerate() {
            let mut p = s.proof.clone();
            t(&mut p);
            let f = run(&s, &p, &z0(), 3).unwrap();
            assert!(
                f.primary != honest.primary || f.secondary != honest.secondary,
                "fold tamper {i}"
            );
            if f.primary != honest.primary {
                // The primary SNARK rejects the changed instance.
                assert!(
                    primary::verify(&s.primary, &f.primary, &snark).is_err(),
                    "tamper {i}"
                );
            }
        }
    }

    /// End to end with the real secondary key (set `ZKML_NOVA_VK` to nova's fixture vk, e.g. rebuilt by
    /// `notes/fixture/assemble_vk.py`): both fixture proofs verify; a wrong statement or a tampered
    /// secondary-side fold is rejected.
    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn verify_end_to_end_when_vk_available() {
        let Ok(path) = std::env::var("ZKML_NOVA_VK") else {
            std::eprintln!("verify_end_to_end_when_vk_available: skipped (set ZKML_NOVA_VK)");
            return;
        };
        let nova = crate::nova_export::parse_vk(&std::fs::read(path).unwrap()).unwrap();
        let vk = VerifierKey {
            folding: nova.model.folding,
            primary: nova.model.primary,
        };
        let ck = nova.constants;
        for (bytes, steps) in [
            (&include_bytes!("../notes/fixture/proof.bin")[..], 3),
            (&include_bytes!("../notes/fixture/proof1.bin")[..], 1),
        ] {
            let proof = parse_proof(bytes).unwrap();
            let zn = verify(&vk, &ck, &proof, &z0(), steps).unwrap();
            assert_eq!(zn, proof.folding.zn);
            assert!(verify(&vk, &ck, &proof, &z0(), steps + 1).is_err());
        }
        let mut proof = parse_proof(include_bytes!("../notes/fixture/proof.bin")).unwrap();
        proof.folding.wit_blind_secondary += Fq::one();
        assert!(matches!(
            verify(&vk, &ck, &proof, &z0(), 3),
            Err(VerifyError::Check(m)) if m.starts_with("secondary")
        ));
    }

    /// The staged verifier reaches the same verdicts as [`verify`] (needs `ZKML_NOVA_VK`, see above).
    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn staged_verifier_when_vk_available() {
        let Ok(path) = std::env::var("ZKML_NOVA_VK") else {
            std::eprintln!("staged_verifier_when_vk_available: skipped (set ZKML_NOVA_VK)");
            return;
        };
        let nova = crate::nova_export::parse_vk(&std::fs::read(path).unwrap()).unwrap();
        let vk = VerifierKey {
            folding: nova.model.folding,
            primary: nova.model.primary,
        };
        let ck = nova.constants;
        let run = |proof: &CompressedProof, steps: u64| {
            let mut v = Verifier::new();
            let mut calls = 0;
            loop {
                calls += 1;
                let mut cost = Cost::default();
                match v.advance(&vk, &ck, proof, (&z0(), steps), 2_000_000, &mut cost) {
                    Ok(Some(zn)) => return Ok((zn, calls)),
                    Ok(None) => assert!(calls < 1000),
                    Err(e) => return Err((e, v.stage())),
                }
            }
        };
        let proof = parse_proof(include_bytes!("../notes/fixture/proof.bin")).unwrap();
        let (zn, calls) = run(&proof, 3).unwrap();
        assert_eq!(zn, proof.folding.zn);
        assert!(calls > 4, "{calls}");
        assert_eq!(run(&proof, 2).unwrap_err().1, 0);
        let mut bad = proof.clone();
        bad.folding.err_blind_primary += Fr::one();
        assert_eq!(run(&bad, 3).unwrap_err().1, 1);
        let mut bad = proof.clone();
        bad.folding.err_blind_secondary += Fq::one();
        assert_eq!(run(&bad, 3).unwrap_err().1, 2);
        let mut bad = proof;
        bad.secondary.ipa.a_hat += Fq::one();
        assert_eq!(run(&bad, 3).unwrap_err().1, 5);
    }
}

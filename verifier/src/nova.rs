//! The top level of nova's `CompressedSNARK::verify` (SPEC §2): the output-hash checks that bind `z0`, `zn`
//! and `num_steps` to the proof, the three folds and the derandomization that produce the two instances the
//! Spartan SNARKs then prove.

use crate::constants::Oracles;
use crate::error::VerifyError;
use crate::field::{Fq, Fr, G1, Grumpkin, switch};
use crate::instance::{RelaxedInstance, absorb_comm};
use crate::poseidon::{CHALLENGE_BITS, HASH_BITS};
use crate::wire::{FoldingKey, FoldingProof};
use alloc::vec::Vec;

/// The two instances left after folding and derandomization (SPEC §2 steps 5–8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Folded {
    /// `Un1`: the primary instance, for the primary SNARK (§8).
    pub(crate) primary: RelaxedInstance<G1, Fr>,
    /// `Un2`: the secondary instance, for the secondary SNARK (§7).
    pub(crate) secondary: RelaxedInstance<Grumpkin, Fq>,
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
pub(crate) fn fold(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{
        DK_SECONDARY, INTER1, INTER3, PROOF1, PROOF3, model_key, proof, relaxed, scalars,
    };
    use crate::nova_format::decompress;
    use crate::spartan::ppsnark::{self, PrimaryKey};
    use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{One, PrimeField};
    use std::{boxed::Box, vec, vec::Vec};

    /// Checks an instance against the intermediate `name`.
    fn check_instance<P: SWCurveConfig>(
        text: &str,
        name: &str,
        u: &RelaxedInstance<Affine<P>, P::ScalarField>,
    ) where
        P::BaseField: PrimeField,
    {
        assert_eq!(&relaxed::<P>(text, name), u, "{name}");
    }

    struct Setup {
        key: FoldingKey,
        primary: PrimaryKey,
        h_secondary: Grumpkin,
        proof: FoldingProof,
    }

    fn setup(bytes: &[u8]) -> Setup {
        let model = model_key();
        Setup {
            key: model.folding,
            primary: model.primary,
            h_secondary: decompress(&DK_SECONDARY).unwrap(),
            proof: proof(bytes).folding,
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
        let nova = proof(bytes);
        let ro = oracles();
        let (h_a, h_b) = output_hashes(&ro, &s.key, &s.proof, &z0(), num_steps);
        assert_eq!(vec![h_a], scalars::<Fr>(text, "hA"));
        assert_eq!(vec![h_b], scalars::<Fq>(text, "hB"));
        let uf = fold_uf(&ro, &s.key, &s.proof);
        assert_eq!(
            vec![rho1(&ro, &s.key, &s.proof)],
            scalars::<Fr>(text, "rho1")
        );
        assert_eq!(
            vec![rho2(&ro, &s.key, &uf, &s.proof)],
            scalars::<Fr>(text, "rho2")
        );
        assert_eq!(
            vec![rho3(&ro, &s.key, &s.proof)],
            scalars::<Fq>(text, "rho3")
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
        ppsnark::verify(&s.primary, &folded.primary, &nova.primary).unwrap();
    }

    #[test]
    fn intermediates_proof3() {
        intermediates(PROOF3, INTER3, 3);
    }

    #[test]
    fn intermediates_proof1() {
        intermediates(PROOF1, INTER1, 1);
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
        let s = setup(PROOF3);
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
        let s = setup(PROOF3);
        let snark = proof(PROOF3).primary;
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
                    ppsnark::verify(&s.primary, &f.primary, &snark).is_err(),
                    "tamper {i}"
                );
            }
        }
    }
}

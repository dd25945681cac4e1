//! The nova configuration `zkml-verifier` implements: primary `Bn256EngineKZG` with
//! `spartan::ppsnark` over HyperKZG, secondary `GrumpkinEngine` with `spartan::snark` over IPA.

use nova_snark::nova::{CompressedSNARK, PublicParams};
use nova_snark::provider::{Bn256EngineKZG, GrumpkinEngine, hyperkzg, ipa_pc};
use nova_snark::spartan;

use crate::circuit::MnistCircuit;

/// Primary engine: BN254 with HyperKZG commitments.
pub type E1 = Bn256EngineKZG;
/// Secondary engine: Grumpkin with Pedersen commitments.
pub type E2 = GrumpkinEngine;
/// Primary SNARK: Spartan with preprocessing over HyperKZG.
pub type S1 = spartan::ppsnark::RelaxedR1CSSNARK<E1, hyperkzg::EvaluationEngine<E1>>;
/// Secondary SNARK: Spartan over IPA.
pub type S2 = spartan::snark::RelaxedR1CSSNARK<E2, ipa_pc::EvaluationEngine<E2>>;
/// Nova public parameters of the circuit.
pub type Params = PublicParams<E1, E2, MnistCircuit>;
/// Prover key of the compressed SNARK.
pub type ProverKey = nova_snark::nova::ProverKey<E1, E2, MnistCircuit, S1, S2>;
/// Verifier key of the compressed SNARK.
pub type VerifierKey = nova_snark::nova::VerifierKey<E1, E2, MnistCircuit, S1, S2>;
/// The compressed SNARK.
pub type Snark = CompressedSNARK<E1, E2, MnistCircuit, S1, S2>;

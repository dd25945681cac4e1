//! Circuit and key sizes, as `zkml bench` reports them.

use nova_snark::errors::NovaError;
use nova_snark::provider::hyperkzg;
use nova_snark::r1cs::R1CSShape;
use nova_snark::spartan;
use nova_snark::traits::{Engine, ROConstants, ROConstantsCircuit};
use zkml_verifier::statement;

use crate::codec::{decode_prefix, encode};
use crate::engines::{E1, E2};
use crate::error::Result;
use crate::prover::Prover;

/// Sizes of the circuits, as the bench reports them.
#[derive(Clone, Debug)]
pub struct CircuitStats {
    /// Constraints of the step circuit alone.
    pub step_constraints: usize,
    /// Nonzero matrix entries (A + B + C) of the step circuit alone.
    pub step_nonzeros: usize,
    /// Constraints of nova's augmented primary circuit (step circuit included), unpadded.
    pub primary_constraints: usize,
    /// Variables of the primary circuit.
    pub primary_variables: usize,
    /// Nonzero entries (A + B + C) of the primary circuit; ppsnark pads it to a power of two.
    pub primary_nonzeros: usize,
    /// Constraints of the secondary (Grumpkin) circuit.
    pub secondary_constraints: usize,
    /// Nonzero entries of the secondary circuit.
    pub secondary_nonzeros: usize,
}

/// Sizes of the verifier key (bincode bytes, SPEC §1.3/§10).
#[derive(Clone, Debug)]
pub struct VerifierKeySizes {
    /// The whole serialized key.
    pub total: usize,
    /// Model-specific bytes: `F_arity`, `pp_digest` and the primary (ppsnark) key.
    pub model_specific: usize,
}

/// A HyperKZG commitment key as nova serializes it (`ck`, `h`, `tau_h`), points left compressed.
type KzgKeyLayout = (Vec<[u8; 32]>, [u8; 32], ([u8; 32], [u8; 32]));
/// A Pedersen commitment key as nova serializes it (`ck`, `h`).
type PedersenKeyLayout = (Vec<[u8; 32]>, [u8; 32]);
/// `PublicParams` field by field, in nova's serialization order, to read the shapes.
type ParamsLayout = (
    u64,
    ROConstants<E1>,
    ROConstantsCircuit<E2>,
    ROConstants<E2>,
    ROConstantsCircuit<E1>,
    KzgKeyLayout,
    R1CSShape<E1>,
    PedersenKeyLayout,
    R1CSShape<E2>,
);
/// The verifier key's constant prefix: arity and Poseidon constants.
type VkPrefixLayout = (u64, ROConstants<E1>, ROConstants<E2>);
/// The verifier key up to the primary SNARK's key: the prefix, `pp_digest`, the primary key.
type VkModelLayout = (
    u64,
    ROConstants<E1>,
    ROConstants<E2>,
    [u8; 32],
    spartan::ppsnark::VerifierKey<E1, hyperkzg::EvaluationEngine<E1>>,
);

fn nonzeros<E: Engine>(shape: &R1CSShape<E>) -> usize {
    shape.A().len() + shape.B().len() + shape.C().len()
}

impl Prover {
    /// Constraint and nonzero counts of the step circuit and of nova's primary and secondary
    /// circuits.
    ///
    /// # Errors
    /// [`Error::Nova`] if the step circuit cannot be synthesized, serialization errors.
    pub fn circuit_stats(&self) -> Result<CircuitStats> {
        use nova_snark::frontend::num::AllocatedNum;
        use nova_snark::frontend::r1cs::NovaShape as _;
        use nova_snark::frontend::shape_cs::ShapeCS;
        use nova_snark::frontend::{ConstraintSystem as _, SynthesisError};
        use nova_snark::traits::circuit::StepCircuit as _;

        let mut cs = ShapeCS::<E1>::new();
        let z = (0..statement::ARITY)
            .map(|i| {
                AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || {
                    Err(SynthesisError::AssignmentMissing)
                })
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(NovaError::from)?;
        self.circuit()
            .synthesize(&mut cs, &z)
            .map_err(NovaError::from)?;
        let step_shape = cs.r1cs_shape()?;
        let params = encode("public parameters", self.params())?;
        let (layout, _) = decode_prefix::<ParamsLayout>("public parameters", &params)?;
        let (.., primary, _, secondary) = layout;
        Ok(CircuitStats {
            step_constraints: step_shape.num_cons(),
            step_nonzeros: nonzeros(&step_shape),
            primary_constraints: primary.num_cons(),
            primary_variables: primary.num_vars(),
            primary_nonzeros: nonzeros(&primary),
            secondary_constraints: secondary.num_cons(),
            secondary_nonzeros: nonzeros(&secondary),
        })
    }

    /// Size of the serialized verifier key and of its model-specific part.
    ///
    /// # Errors
    /// Serialization errors.
    pub fn verifier_key_sizes(&self) -> Result<VerifierKeySizes> {
        let bytes = encode("verifier key", self.verifier_key())?;
        let (_, prefix) = decode_prefix::<VkPrefixLayout>("verifier key", &bytes)?;
        let (_, model) = decode_prefix::<VkModelLayout>("verifier key", &bytes)?;
        Ok(VerifierKeySizes {
            total: bytes.len(),
            model_specific: 8 + model - prefix,
        })
    }
}

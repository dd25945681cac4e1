//! Differential tests of our verifier (`zkml-verifier`, run natively) against nova-snark's own
//! `CompressedSNARK::verify`, on real proofs generated here: both accept valid proofs with the same
//! output, and both reject every tampering: random byte flips of the proof, another input, another
//! step count, another model's key. Random bit flips of the program's wire encoding are rejected
//! too.

use proptest::prelude::*;
use std::sync::LazyLock;
use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::export::{NativeVerifier, chain_keys, chain_proof};
use zkml_proving::{ProofFile, Prover, SetupConfig, encode, verify_with};
use zkml_verifier::nova_format::{parse_proof, parse_vk};
use zkml_verifier::statement::{STEPS, z0_words};
use zkml_verifier::{ConstantKey, Fr, VerifierKey, from_le32_canonical, le32, verify};

/// A model's keys in both verifiers' forms.
struct Keys {
    prover: Prover,
    ours: VerifierKey,
    constants: ConstantKey,
    model_digest: [u8; 32],
}

fn keys(prover: Prover) -> Keys {
    let parsed = parse_vk(&encode("verifier key", prover.verifier_key()).unwrap()).unwrap();
    Keys {
        model_digest: prover.model_digest(),
        prover,
        ours: VerifierKey {
            folding: parsed.model.folding,
            primary: parsed.model.primary,
        },
        constants: parsed.constants,
    }
}

/// The committed model's keys, a second model's keys, two inputs and their proofs.
struct Setup {
    keys: Keys,
    native: NativeVerifier,
    other_model: Keys,
    inputs: [Vec<u8>; 2],
    proofs: [ProofFile; 2],
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = QuantizedModel::load(root.join("../assets/model.zkml")).unwrap();
    let digits = Dataset::load(root.join("../assets/test-digits.bin")).unwrap();
    let config = SetupConfig::default_cache();
    let prover = Prover::setup(&model, &config, &|_| {}).unwrap();
    // Another model: the same network with one weight changed.
    let mut layers = model.layers().to_vec();
    layers[2].weights[0] = layers[2].weights[0].wrapping_add(1);
    let other = QuantizedModel::new(layers).unwrap();
    let other_prover = Prover::setup(&other, &config, &|_| {}).unwrap();
    let inputs = [0, 1].map(|i| digits.digits()[i].pixels().to_vec());
    let proofs = [0, 1].map(|i| prover.prove(&inputs[i], &|_| {}).unwrap().0);
    Setup {
        native: NativeVerifier::new(&chain_keys(&prover).unwrap()).unwrap(),
        keys: keys(prover),
        other_model: keys(other_prover),
        inputs,
        proofs,
    }
});

fn z0(pixels: &[u8]) -> Vec<Fr> {
    z0_words(pixels)
        .unwrap()
        .iter()
        .map(|w| from_le32_canonical(w).unwrap())
        .collect()
}

/// nova-snark's verdict: the output words, or `None` if it rejects.
fn theirs(keys: &Keys, proof: &ProofFile) -> Option<Vec<[u8; 32]>> {
    verify_with(keys.prover.verifier_key(), &keys.model_digest, proof)
        .ok()
        .map(|_| proof.zn.clone())
}

/// Our verifier's verdict on the same bytes and statement.
fn ours(keys: &Keys, proof: &ProofFile, steps: u64) -> Option<Vec<[u8; 32]>> {
    let wire = parse_proof(&proof.snark).ok()?;
    verify(
        &keys.ours,
        &keys.constants,
        &wire,
        &z0(&proof.pixels),
        steps,
    )
    .ok()
    .map(|zn| zn.iter().map(le32).collect())
}

#[test]
fn both_accept_valid_proofs_with_the_same_output() {
    let s = &*SETUP;
    for proof in &s.proofs {
        let nova = theirs(&s.keys, proof).expect("nova accepts");
        assert_eq!(ours(&s.keys, proof, STEPS), Some(nova.clone()));
        let output = s
            .native
            .verify(&chain_proof(proof).unwrap(), &proof.pixels)
            .unwrap();
        assert_eq!(
            output,
            zkml_verifier::statement::decode_output(&nova).unwrap()
        );
    }
}

#[test]
fn both_reject_another_input() {
    let s = &*SETUP;
    let mut swapped = s.proofs[0].clone();
    swapped.pixels = s.inputs[1].clone();
    assert_eq!(theirs(&s.keys, &swapped), None);
    assert_eq!(ours(&s.keys, &swapped, STEPS), None);
}

#[test]
fn both_reject_another_step_count() {
    let s = &*SETUP;
    for steps in [0, 1, 2, 4] {
        let mut other = s.proofs[0].clone();
        other.num_steps = steps as u32;
        assert_eq!(theirs(&s.keys, &other), None, "nova, {steps} steps");
        assert_eq!(
            ours(&s.keys, &s.proofs[0], steps),
            None,
            "ours, {steps} steps"
        );
    }
}

#[test]
fn both_reject_another_models_key() {
    let s = &*SETUP;
    let proof = &s.proofs[0];
    let other = &s.other_model;
    assert!(verify_with(other.prover.verifier_key(), &proof.model_digest, proof).is_err());
    assert_eq!(ours(other, proof, STEPS), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A flipped byte anywhere in nova's proof bytes: nova and our verifier agree, and neither
    /// accepts; decoding never panics.
    #[test]
    fn a_flipped_byte_is_rejected_by_both(index in any::<prop::sample::Index>(), bit in 0u8..8) {
        let s = &*SETUP;
        let mut tampered = s.proofs[0].clone();
        let i = index.index(tampered.snark.len());
        tampered.snark[i] ^= 1 << bit;
        let nova = theirs(&s.keys, &tampered);
        let our = ours(&s.keys, &tampered, STEPS);
        prop_assert_eq!(&nova, &our);
        prop_assert_eq!(our, None);
    }

    /// A flipped bit anywhere in the program's wire encoding of a proof: decoding never panics and
    /// the proof is never accepted.
    #[test]
    fn a_flipped_wire_bit_is_rejected(index in any::<prop::sample::Index>(), bit in 0u8..8) {
        let s = &*SETUP;
        let mut wire = chain_proof(&s.proofs[0]).unwrap();
        let i = index.index(wire.len());
        wire[i] ^= 1 << bit;
        prop_assert!(s.native.verify(&wire, &s.inputs[0]).is_err());
    }
}

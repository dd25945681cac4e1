//! The step circuit reproduces the integer forward pass exactly, layer by layer.

use ff::Field;
use nova_snark::frontend::ConstraintSystem;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::test_cs::TestConstraintSystem;
use nova_snark::traits::circuit::StepCircuit;
use zkml_model::{Dataset, QuantizedModel, to_activations};
use zkml_proving::circuit::{self, Fr, MnistCircuit};
use zkml_verifier::statement;

fn asset(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../assets")
        .join(name)
}

fn model() -> QuantizedModel {
    QuantizedModel::load(asset("model.zkml")).unwrap()
}

/// Synthesizes one step on `z` in a test constraint system; returns the outputs and whether
/// every constraint holds.
fn step(circuit: &MnistCircuit, z: &[Fr]) -> (Vec<Fr>, bool, usize) {
    let mut cs = TestConstraintSystem::<Fr>::new();
    let vars: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || Ok(*v)).unwrap())
        .collect();
    let out = circuit.synthesize(&mut cs, &vars).unwrap();
    let values = out.iter().map(|n| n.get_value().unwrap()).collect();
    (values, cs.is_satisfied(), cs.num_constraints())
}

fn words_to_bytes(z: &[Fr], n: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for w in &z[1..] {
        bytes.extend_from_slice(&circuit::word_from_scalar(w)[..statement::BYTES_PER_WORD]);
    }
    bytes.truncate(n);
    bytes
}

#[test]
fn circuit_matches_forward_pass_layer_by_layer() {
    let model = model();
    let circuit = MnistCircuit::new(&model).unwrap();
    let digits = Dataset::load(asset("test-digits.bin")).unwrap();
    for index in [0usize, 23, 57, 101, 199] {
        let pixels = *digits.digits()[index].pixels();
        let mut z = circuit::z0(&pixels).unwrap();
        let mut input = pixels.to_vec();
        for layer in 0..model.layers().len() {
            let expected = model.forward_layer(layer, &input).unwrap();
            let (next, satisfied, cons) = step(&circuit, &z);
            if index == 0 && layer == 0 {
                eprintln!("step circuit constraints: {cons}");
            }
            assert!(satisfied, "digit {index} layer {layer}: unsatisfied");
            assert_eq!(next, circuit.next_state(&z).unwrap());
            assert_eq!(next[0], Fr::from(layer as u64 + 1));
            if layer + 1 < model.layers().len() {
                let got = words_to_bytes(&next, expected.len());
                let want = to_activations(&expected).unwrap();
                assert_eq!(got, want, "digit {index} layer {layer}");
                input = want;
            } else {
                let words: Vec<[u8; 32]> = next.iter().map(circuit::word_from_scalar).collect();
                let out = statement::decode_output(&words).unwrap();
                let logits: Vec<i64> = expected.iter().map(|&l| i64::from(l)).collect();
                assert_eq!(out.logits, logits, "digit {index} logits");
                assert_eq!(out.digit, model.infer(&pixels).unwrap().digit);
            }
            z = next;
        }
    }
}

#[test]
fn wrong_outputs_are_unsatisfiable() {
    let model = model();
    let circuit = MnistCircuit::new(&model).unwrap();
    let digits = Dataset::load(asset("test-digits.bin")).unwrap();
    let z = circuit::z0(digits.digits()[3].pixels()).unwrap();
    // A step counter beyond the last layer has no active selector.
    let mut bad = z.clone();
    bad[0] = Fr::from(statement::STEPS);
    let mut cs = TestConstraintSystem::<Fr>::new();
    let vars: Vec<AllocatedNum<Fr>> = bad
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || Ok(*v)).unwrap())
        .collect();
    circuit.synthesize(&mut cs, &vars).unwrap();
    assert!(!cs.is_satisfied());
    // A word wider than 31 bytes cannot be unpacked.
    let mut bad = z.clone();
    bad[1] += Fr::from(2u64).pow_vartime([248u64]);
    let (_, satisfied, _) = step(&circuit, &bad);
    assert!(!satisfied);
}

//! The step circuit reproduces the integer forward pass exactly, layer by layer.

use ff::Field;
use nova_snark::frontend::ConstraintSystem;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::test_cs::TestConstraintSystem;
use nova_snark::traits::circuit::StepCircuit;
use zkml_model::{Dataset, QuantizedModel, to_activations};
use zkml_proving::Opening;
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
    for w in &z[2..] {
        bytes.extend_from_slice(&circuit::word_from_scalar(w)[..statement::BYTES_PER_WORD]);
    }
    bytes.truncate(n);
    bytes
}

/// A blinding as a canonical word.
fn blinding(seed: u64) -> [u8; 32] {
    circuit::word_from_scalar(&Fr::from(seed).pow_vartime([7u64]))
}

#[test]
fn circuit_matches_forward_pass_layer_by_layer() {
    let model = model();
    let shape = MnistCircuit::new(&model).unwrap();
    let digits = Dataset::load(asset("test-digits.bin")).unwrap();
    for (index, seed) in [(0usize, 0u64), (23, 5), (57, 0), (101, 77), (199, 3)] {
        let pixels = *digits.digits()[index].pixels();
        let opening = if seed == 0 {
            Opening::public(&pixels).unwrap()
        } else {
            Opening::new(&pixels, blinding(seed)).unwrap()
        };
        let commitment = opening.commitment();
        let circuit = shape.with_opening(opening);
        let mut z = circuit::z0(&commitment);
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
            assert_eq!(next[1], commitment, "the commitment passes through");
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

/// Whether one step on `z` (allocated as given) is satisfiable.
fn satisfiable(circuit: &MnistCircuit, z: &[Fr]) -> bool {
    step(circuit, z).1
}

#[test]
fn wrong_statements_are_unsatisfiable() {
    let model = model();
    let shape = MnistCircuit::new(&model).unwrap();
    let digits = Dataset::load(asset("test-digits.bin")).unwrap();
    let pixels = *digits.digits()[3].pixels();
    let opening = Opening::new(&pixels, blinding(9)).unwrap();
    let circuit = shape.with_opening(opening.clone());
    let z = circuit::z0(&opening.commitment());
    assert!(satisfiable(&circuit, &z));
    // A step counter beyond the last layer has no active selector.
    let mut bad = z.clone();
    bad[0] = Fr::from(statement::STEPS);
    assert!(!satisfiable(&circuit, &bad));
    // Other pixels, or another blinding, do not open the commitment.
    let mut other = pixels;
    other[400] ^= 1;
    let other_pixels = shape.with_opening(Opening::new(&other, blinding(9)).unwrap());
    assert!(!satisfiable(&other_pixels, &z));
    let other_blinding = shape.with_opening(Opening::new(&pixels, blinding(10)).unwrap());
    assert!(!satisfiable(&other_blinding, &z));
    let public = shape.with_opening(Opening::public(&pixels).unwrap());
    assert!(!satisfiable(&public, &z));
    // Step 0 needs an opening.
    assert!(matches!(
        shape.next_state(&z),
        Err(zkml_proving::Error::MissingOpening)
    ));
    // After step 0 the words are the state: a state word wider than 31 bytes cannot be unpacked.
    let next = circuit.next_state(&z).unwrap();
    assert!(satisfiable(&circuit, &next));
    let mut bad = next.clone();
    bad[2] += Fr::from(2u64).pow_vartime([248u64]);
    assert!(!satisfiable(&circuit, &bad));
}

#[test]
fn openings_are_checked() {
    let pixels = [7u8; statement::PIXELS];
    assert!(Opening::new(&pixels[1..], [0; 32]).is_err());
    assert!(matches!(
        Opening::new(&pixels, [0xff; 32]),
        Err(zkml_proving::Error::NonCanonicalScalar)
    ));
    let opening = Opening::new(&pixels, blinding(4)).unwrap();
    assert_eq!(opening.pixels(), &pixels[..]);
    assert_eq!(opening.blinding(), blinding(4));
    assert_ne!(
        opening.commitment(),
        Opening::public(&pixels).unwrap().commitment()
    );
}

//! The committed model (`assets/model.zkml`), its float weights and the
//! committed held-out test split (`assets/test-digits.bin`).

use std::path::PathBuf;

use zkml_model::{
    Dataset, FloatModelFile, QuantizedModel, TrainConfig, float_accuracy, quantized_accuracy,
    to_activations, train_and_quantize,
};
use zkml_verifier::statement::{CLASSES, PIXELS};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../assets")
        .join(name)
}

fn committed() -> (QuantizedModel, FloatModelFile, Dataset) {
    (
        QuantizedModel::load(asset("model.zkml")).expect("committed quantized model"),
        FloatModelFile::load(asset("model-float.zkml")).expect("committed float weights"),
        Dataset::load(asset("test-digits.bin")).expect("committed test split"),
    )
}

#[test]
fn test_split_is_balanced() {
    let (_, _, test) = committed();
    assert_eq!(test.len(), 200);
    assert_eq!(test.class_counts(), [20; CLASSES]);
}

#[test]
fn model_has_the_expected_shape() {
    let (model, float, _) = committed();
    assert_eq!(model.widths(), vec![PIXELS, 64, 32, CLASSES]);
    assert_eq!(float.model.widths(), model.widths());
    let layers = model.layers();
    assert!(layers[..2].iter().all(|l| l.relu && l.shift > 0));
    assert!(!layers[2].relu);
    assert_eq!(layers[2].shift, 0);
    assert_eq!(float.provenance.quantized_digest, model.digest());
    assert_eq!(float.provenance.held_out_per_class, 100);
}

#[test]
fn quantized_accuracy_on_the_test_split_is_above_floor() {
    let (model, _, test) = committed();
    let accuracy = quantized_accuracy(&model, &test).unwrap();
    assert!(accuracy.percent() >= 95.0, "quantized accuracy {accuracy}");
}

#[test]
fn float_accuracy_on_the_test_split_is_above_floor() {
    let (_, float, test) = committed();
    let accuracy = float_accuracy(&float.model, &test).unwrap();
    assert!(accuracy.percent() >= 95.0, "float accuracy {accuracy}");
}

#[test]
fn layer_by_layer_forward_composes_to_full_inference() {
    let (model, _, test) = committed();
    for digit in test.digits() {
        let mut input = digit.pixels().to_vec();
        let mut output = Vec::new();
        for index in 0..model.layers().len() {
            output = model.forward_layer(index, &input).unwrap();
            if index + 1 < model.layers().len() {
                input = to_activations(&output).unwrap();
            }
        }
        let inference = model.predict(digit.pixels()).unwrap();
        assert_eq!(inference.logits, output);
        assert_eq!(usize::from(inference.digit), zkml_model::argmax(&output));
    }
}

/// Retrains from the full data set (not committed; it lives in
/// `../shared/data` next to the workspace) and checks that the committed
/// files are reproduced bit for bit. Takes about a minute in release mode:
/// `cargo test -p zkml-model --release -- --ignored`.
#[test]
#[ignore = "needs ../shared/data/mnist-digits.bin and about a minute"]
fn training_reproduces_the_committed_model() {
    let data_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mnist-digits.bin");
    let data = Dataset::load(&data_path).expect("full training data");
    let trained = train_and_quantize(&data, &TrainConfig::default(), |_| {}).unwrap();
    let committed = std::fs::read(asset("model.zkml")).unwrap();
    assert_eq!(trained.quantized.to_bytes(), committed);
    let committed_float = std::fs::read(asset("model-float.zkml")).unwrap();
    assert_eq!(trained.float_file().to_bytes(), committed_float);
    let test = trained.split.held_out_sample(&data, 20).unwrap();
    assert_eq!(test, Dataset::load(asset("test-digits.bin")).unwrap());
}

//! Model files: round trips, and every kind of damage is rejected.

use ndarray::{Array1, Array2};
use sha2::Digest as _;
use zkml_model::Error;
use zkml_model::{
    FloatLayer, FloatMlp, FloatModelFile, Provenance, QuantizedLayer, QuantizedModel,
    format::{DIGEST_LEN, FLOAT_MAGIC, QUANTIZED_MAGIC},
};

/// A small but complete model: 784 -> 3 (ReLU, shift 5) -> 10.
fn model() -> QuantizedModel {
    QuantizedModel::new(vec![
        QuantizedLayer {
            inputs: 784,
            outputs: 3,
            weights: (0..784 * 3).map(|i| ((i * 37) % 255) as i8).collect(),
            bias: vec![-1000, 0, 123_456],
            shift: 5,
            relu: true,
        },
        QuantizedLayer {
            inputs: 3,
            outputs: 10,
            weights: (0..30).map(|i| (i as i8) * 4 - 60).collect(),
            bias: (0..10).map(|i| i * 1000 - 5000).collect(),
            shift: 0,
            relu: false,
        },
    ])
    .unwrap()
}

fn float_file() -> FloatModelFile {
    let w1 = Array2::from_shape_fn((3, 784), |(o, i)| (o as f32 - 1.0) * (i as f32) * 1e-3);
    let w2 = Array2::from_shape_fn((10, 3), |(o, i)| o as f32 * 0.5 - i as f32);
    FloatModelFile {
        model: FloatMlp::new(vec![
            FloatLayer::new(w1, Array1::from(vec![0.5, -0.25, 1e-7]), true).unwrap(),
            FloatLayer::new(w2, Array1::linspace(-1.0, 1.0, 10), false).unwrap(),
        ])
        .unwrap(),
        provenance: Provenance {
            seed: 0xdead_beef,
            held_out_per_class: 100,
            data_digest: [7; 32],
            quantized_digest: model().digest(),
        },
    }
}

#[test]
fn quantized_file_round_trips() {
    let model = model();
    let bytes = model.to_bytes();
    assert_eq!(&bytes[..8], &QUANTIZED_MAGIC);
    // header 16 + 2 layer headers of 16 + weights + biases + digest
    assert_eq!(
        bytes.len(),
        16 + 32 + 784 * 3 + 3 * 4 + 30 + 10 * 4 + DIGEST_LEN
    );
    assert_eq!(bytes[bytes.len() - DIGEST_LEN..], model.digest());
    assert_eq!(QuantizedModel::from_bytes(&bytes).unwrap(), model);

    let dir = std::env::temp_dir().join(format!("zkml-model-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.zkml");
    model.save(&path).unwrap();
    assert_eq!(QuantizedModel::load(&path).unwrap(), model);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn float_file_round_trips() {
    let file = float_file();
    let bytes = file.to_bytes();
    assert_eq!(&bytes[..8], &FLOAT_MAGIC);
    assert_eq!(FloatModelFile::from_bytes(&bytes).unwrap(), file);
}

#[test]
fn flipped_weight_byte_is_rejected() {
    let mut bytes = model().to_bytes();
    bytes[48 + 100] ^= 0x01; // a weight of layer 0
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::DigestMismatch { kind: "quantized" })
    ));

    let mut bytes = float_file().to_bytes();
    let last = bytes.len() - DIGEST_LEN - 1; // a bias of the last layer
    bytes[last] ^= 0x80;
    assert!(matches!(
        FloatModelFile::from_bytes(&bytes),
        Err(Error::DigestMismatch { kind: "float" })
    ));
}

#[test]
fn flipped_digest_byte_is_rejected() {
    let mut bytes = model().to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::DigestMismatch { .. })
    ));
}

#[test]
fn bad_magic_is_rejected() {
    let mut bytes = model().to_bytes();
    bytes[0] = b'X';
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::BadMagic { kind: "quantized" })
    ));
    // A float file is not a quantized model file, and vice versa.
    assert!(matches!(
        QuantizedModel::from_bytes(&float_file().to_bytes()),
        Err(Error::BadMagic { .. })
    ));
    assert!(matches!(
        FloatModelFile::from_bytes(&model().to_bytes()),
        Err(Error::BadMagic { kind: "float" })
    ));
    assert!(matches!(
        QuantizedModel::from_bytes(b"ZKML"),
        Err(Error::BadMagic { .. })
    ));
}

#[test]
fn unknown_version_is_rejected() {
    let mut bytes = model().to_bytes();
    bytes[8] = 2;
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::UnsupportedVersion { found: 2, .. })
    ));
}

#[test]
fn truncated_and_extended_files_are_rejected() {
    let bytes = model().to_bytes();
    for len in [12, 20, 48, 1000, bytes.len() - DIGEST_LEN, bytes.len() - 1] {
        assert!(
            matches!(
                QuantizedModel::from_bytes(&bytes[..len]),
                Err(Error::Truncated { .. })
            ),
            "length {len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        QuantizedModel::from_bytes(&longer),
        Err(Error::TrailingBytes { count: 1, .. })
    ));

    let bytes = float_file().to_bytes();
    assert!(matches!(
        FloatModelFile::from_bytes(&bytes[..bytes.len() - 5]),
        Err(Error::Truncated { kind: "float", .. })
    ));
}

#[test]
fn absurd_sizes_are_rejected_before_allocating() {
    let mut bytes = model().to_bytes();
    bytes[16..20].copy_from_slice(&u32::MAX.to_le_bytes()); // inputs of layer 0
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::LayerSize { layer: 0, .. })
    ));
    let mut bytes = model().to_bytes();
    bytes[12..16].copy_from_slice(&1000u32.to_le_bytes()); // layer count
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::TooManyLayers { count: 1000, .. })
    ));
}

#[test]
fn re_signed_inconsistent_model_is_rejected() {
    // Clear the ReLU flag of hidden layer 0 and recompute the digest: the
    // digest is valid, but the model is not, so loading still fails.
    let mut bytes = model().to_bytes();
    bytes.truncate(bytes.len() - DIGEST_LEN);
    bytes[28] = 0; // flags of layer 0
    let digest = sha2::Sha256::digest(&bytes);
    bytes.extend_from_slice(&digest);
    assert!(matches!(
        QuantizedModel::from_bytes(&bytes),
        Err(Error::HiddenLayerWithoutRelu { layer: 0 })
    ));
}

#[test]
fn missing_file_is_a_read_error() {
    let err = QuantizedModel::load("/nonexistent/model.zkml").unwrap_err();
    assert!(matches!(err, Error::Read { .. }), "{err}");
}

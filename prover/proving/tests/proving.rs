//! Proving end to end: one shared setup (local SRS, cached keys) for the whole binary, a full
//! prove + compress + verify of one digit, and rejection of tampered proofs, wrong inputs and
//! corrupt caches.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::export::{NativeVerifier, chain_keys};
use zkml_proving::{self as proving, Error, Event, Opening, ProofFile, Prover, SetupConfig, srs};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../assets")
        .join(name)
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("zkml-proving-{}", std::process::id()))
}

/// Number of tests in this binary; the last one to finish removes the scratch directory.
const TESTS: usize = 6;
static FINISHED: AtomicUsize = AtomicUsize::new(0);

/// Marks a test as finished (only reached if it passed).
fn finished() {
    if FINISHED.fetch_add(1, Ordering::SeqCst) + 1 == TESTS {
        let _ = std::fs::remove_dir_all(scratch());
    }
}

struct Shared {
    model: QuantizedModel,
    config: SetupConfig,
    prover: Prover,
    opening: Opening,
    proof: ProofFile,
}

/// A private input's blinding.
const BLINDING: [u8; 32] = [
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
    0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x0f,
];

/// The one setup and proof of this test binary.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let model = QuantizedModel::load(asset("model.zkml")).unwrap();
        let config = SetupConfig {
            cache_dir: scratch().join("cache"),
            ptau_dir: None,
        };
        let _ = std::fs::remove_dir_all(&config.cache_dir);
        let prover = Prover::setup(&model, &config, &|_| {}).unwrap();
        assert!(!prover.report().from_cache);
        assert!(prover.report().local_srs);
        let digits = Dataset::load(asset("test-digits.bin")).unwrap();
        let opening = Opening::new(digits.digits()[7].pixels(), BLINDING).unwrap();
        let (proof, timings) = prover.prove(&opening, &|_| {}).unwrap();
        assert_eq!(timings.steps.len(), 3);
        Shared {
            model,
            config,
            prover,
            opening,
            proof,
        }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn flip_byte(path: &Path, offset_from_end: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = bytes.len() - 1 - offset_from_end;
    bytes[i] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn proof_verifies_and_output_is_the_prediction() {
    let s = shared();
    let expected = s.model.infer(s.opening.pixels()).unwrap();
    let output = s.prover.verify(&s.proof).unwrap();
    assert_eq!(output.digit, expected.digit);
    let logits: Vec<i64> = expected.logits.iter().map(|&l| i64::from(l)).collect();
    assert_eq!(output.logits, logits);
    // The proof file round-trips, and the cached verifier key alone verifies it.
    let decoded = ProofFile::from_bytes(&s.proof.to_bytes().unwrap()).unwrap();
    assert_eq!(decoded, s.proof);
    let vk = proving::load_verifier_key(&s.model, &s.config).unwrap();
    let output = proving::verify_with(&vk, &s.model.digest(), &decoded).unwrap();
    assert_eq!(output.digit, expected.digit);
    assert!(
        s.proof.snark.len() < 16 * 1024,
        "{} bytes",
        s.proof.snark.len()
    );
    finished();
}

#[test]
fn tampered_proof_bytes_are_rejected() {
    let s = shared();
    let len = s.proof.snark.len();
    // Positions in the running instances, the SNARKs and zn.
    for position in [40, 300, 1100, len / 2, len - 200, len - 20] {
        let mut bad = s.proof.clone();
        bad.snark[position] ^= 0x04;
        let result = s.prover.verify(&bad);
        assert!(
            matches!(result, Err(Error::InvalidProof(_))),
            "byte {position}: {result:?}"
        );
    }
    let mut bad = s.proof.clone();
    bad.snark.push(0);
    assert!(matches!(s.prover.verify(&bad), Err(Error::InvalidProof(_))));
    // A claimed output that is not the proven one.
    let mut bad = s.proof.clone();
    bad.zn[1][0] ^= 1;
    assert!(matches!(s.prover.verify(&bad), Err(Error::InvalidProof(_))));
    finished();
}

#[test]
fn wrong_z0_is_rejected() {
    let s = shared();
    // The commitment to other pixels, to the same pixels with another blinding, or with none.
    let mut other = s.opening.pixels().to_vec();
    other[400] = other[400].wrapping_add(1);
    let mut blinding = BLINDING;
    blinding[0] ^= 1;
    for opening in [
        Opening::new(&other, BLINDING).unwrap(),
        Opening::new(s.opening.pixels(), blinding).unwrap(),
        Opening::public(s.opening.pixels()).unwrap(),
    ] {
        let mut bad = s.proof.clone();
        bad.commitment = proving::circuit::word_from_scalar(&opening.commitment());
        assert!(matches!(s.prover.verify(&bad), Err(Error::InvalidProof(_))));
    }
    let mut bad = s.proof.clone();
    bad.commitment = [0xff; 32];
    assert!(matches!(
        s.prover.verify(&bad),
        Err(Error::NonCanonicalScalar)
    ));
    let mut bad = s.proof.clone();
    bad.num_steps = 2;
    assert!(matches!(s.prover.verify(&bad), Err(Error::InvalidProof(_))));
    let mut bad = s.proof.clone();
    bad.model_digest[0] ^= 1;
    assert!(matches!(s.prover.verify(&bad), Err(Error::InvalidProof(_))));
    finished();
}

#[test]
fn cache_is_reused_and_corruption_is_rebuilt() {
    let s = shared();
    // A second setup on the same cache loads the keys.
    let again = Prover::setup(&s.model, &s.config, &|_| {}).unwrap();
    assert!(again.report().from_cache);
    assert_eq!(
        proving::encode("vk", again.verifier_key()).unwrap(),
        proving::encode("vk", s.prover.verifier_key()).unwrap()
    );
    drop(again);

    let config = SetupConfig {
        cache_dir: scratch().join("corrupt"),
        ptau_dir: None,
    };
    let _ = std::fs::remove_dir_all(&config.cache_dir);
    copy_dir(&s.config.cache_dir, &config.cache_dir);
    let keys = std::fs::read_dir(&config.cache_dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("keys-"))
        .unwrap()
        .path();
    flip_byte(&keys.join("verifier-key.bin"), 100);
    assert!(matches!(
        proving::load_verifier_key(&s.model, &config),
        Err(Error::MissingKeys(_))
    ));
    let events = Mutex::new(Vec::new());
    let rebuilt = Prover::setup(&s.model, &config, &|e| {
        if let Event::CacheRebuilt { what, .. } = e {
            events.lock().unwrap().push(what);
        }
    })
    .unwrap();
    assert!(!rebuilt.report().from_cache);
    assert_eq!(*events.lock().unwrap(), vec!["prover and verifier keys"]);
    // Same SRS, so the rebuilt keys verify the shared proof.
    rebuilt.verify(&s.proof).unwrap();
    proving::load_verifier_key(&s.model, &config).unwrap();
    drop(rebuilt);

    // A corrupt local SRS is detected, regenerated, and the keys follow it.
    let srs_dir = config.cache_dir.join("srs-local");
    let ptau = std::fs::read_dir(&srs_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "ptau"))
        .unwrap();
    flip_byte(&ptau, 1000);
    let events = Mutex::new(Vec::new());
    let fresh = Prover::setup(&s.model, &config, &|e| {
        if let Event::CacheRebuilt { what, .. } = e {
            events.lock().unwrap().push(what);
        }
    })
    .unwrap();
    assert!(events.lock().unwrap().contains(&"local SRS"));
    assert!(!fresh.report().from_cache);
    assert!(srs::valid_local(&srs_dir, 19).is_some() || srs::valid_local(&srs_dir, 18).is_some());
    // A new tau: the old proof does not verify under the new key.
    assert!(fresh.verify(&s.proof).is_err());
    finished();
}

#[test]
fn public_ptau_directory_is_loaded_not_generated() {
    let s = shared();
    // The shared local SRS, used as if it were a public ceremony directory.
    let config = SetupConfig {
        cache_dir: scratch().join("public-cache"),
        ptau_dir: Some(s.config.cache_dir.join("srs-local")),
    };
    let prover = Prover::setup(&s.model, &config, &|_| {}).unwrap();
    assert!(!prover.report().local_srs);
    assert_eq!(
        proving::encode("vk", prover.verifier_key()).unwrap(),
        proving::encode("vk", s.prover.verifier_key()).unwrap(),
        "same SRS, same keys"
    );
    prover.verify(&s.proof).unwrap();
    drop(prover);
    // A public directory without a large enough file is an error, never a local SRS.
    let empty = scratch().join("empty-ptau");
    std::fs::create_dir_all(&empty).unwrap();
    let config = SetupConfig {
        cache_dir: scratch().join("empty-cache"),
        ptau_dir: Some(empty.clone()),
    };
    assert!(matches!(
        Prover::setup(&s.model, &config, &|_| {}),
        Err(Error::Nova(_))
    ));
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    finished();
}

/// The commitment is the same computed natively with nova's Poseidon, inside the circuit (a
/// proof that verifies against it) and by our verifier's Poseidon from the constant key, as the
/// program computes it.
#[test]
fn native_circuit_and_verifier_commitments_agree() {
    let s = shared();
    let native = NativeVerifier::new(&chain_keys(&s.prover).unwrap()).unwrap();
    let nova = proving::circuit::word_from_scalar(&s.opening.commitment());
    assert_eq!(
        s.proof.commitment, nova,
        "the proven statement's commitment"
    );
    assert_eq!(
        native.commitment(s.opening.pixels(), &BLINDING).unwrap(),
        nova
    );
    let public = Opening::public(s.opening.pixels()).unwrap();
    assert_eq!(
        native.commitment(s.opening.pixels(), &[0; 32]).unwrap(),
        proving::circuit::word_from_scalar(&public.commitment())
    );
    // Our verifier accepts the proof for that commitment, and only for it.
    let wire = proving::export::chain_proof(&s.proof).unwrap();
    let output = native.verify(&wire, &nova).unwrap();
    assert_eq!(output, s.prover.verify(&s.proof).unwrap());
    let other = native.commitment(s.opening.pixels(), &[0; 32]).unwrap();
    assert!(native.verify(&wire, &other).is_err());
    finished();
}

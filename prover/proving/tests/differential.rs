//! Differential tests of our verifier (`zkml-verifier`, run natively) against nova-snark's own
//! `CompressedSNARK::verify`, on real proofs generated here: both accept valid proofs with the same
//! output, and both reject every tampering: random byte flips of the proof, another input, another
//! step count, another model's key. Random bit flips of the program's wire encoding are rejected
//! too. Batch verification reaches each proof's own verdict, whichever proofs share its batch.

use proptest::prelude::*;
use std::sync::LazyLock;
use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::export::{NativeVerifier, chain_keys, chain_proof};
use zkml_proving::{Opening, ProofFile, Prover, SetupConfig, encode, verify_with};
use zkml_verifier::nova_format::{parse_proof, parse_vk};
use zkml_verifier::statement::{STEPS, z0_words};
use zkml_verifier::{
    BatchVerification, CompressedProof, ConstantKey, Fr, Piece, Stage, Verdict, Verification,
    VerifierKey, VerifyError, from_le32_canonical, le32, verify,
};

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

/// The committed model's keys, a second model's keys, two inputs (one public, one private)
/// and their proofs.
struct Setup {
    keys: Keys,
    native: NativeVerifier,
    other_model: Keys,
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
    let inputs = [
        Opening::public(digits.digits()[0].pixels()).unwrap(),
        Opening::new(digits.digits()[1].pixels(), [7; 32]).unwrap(),
    ];
    let proofs = [0, 1].map(|i| prover.prove(&inputs[i], &|_| {}).unwrap().0);
    Setup {
        native: NativeVerifier::new(&chain_keys(&prover).unwrap()).unwrap(),
        keys: keys(prover),
        other_model: keys(other_prover),
        proofs,
    }
});

fn z0(commitment: &[u8; 32]) -> Vec<Fr> {
    z0_words(commitment)
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
        &z0(&proof.commitment),
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
            .verify(&chain_proof(proof).unwrap(), &proof.commitment)
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
    swapped.commitment = s.proofs[1].commitment;
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

/// A proof in the program's form with its statement `z0` (the given pixels') and step count.
type Claim = (CompressedProof, Vec<Fr>, u64);

/// A way to break a claim, given another valid one.
type Tamper = fn(&mut Claim, &Claim);

fn claim(proof: &ProofFile) -> Claim {
    (
        parse_proof(&proof.snark).unwrap(),
        z0(&proof.commitment),
        STEPS,
    )
}

/// Our batch verifier's verdicts on `claims`, advanced `budget` units per call (as a program
/// does, one message per call); also the number of calls and the pieces of work they listed.
fn batch_run(keys: &Keys, claims: &[Claim], budget: u64) -> (Vec<Verdict>, usize, Vec<Piece>) {
    let verifications = claims
        .iter()
        .map(|(proof, z0, steps)| Verification::new(proof.clone(), z0.clone(), *steps))
        .collect();
    let mut batch = BatchVerification::new(verifications).unwrap();
    let mut verdicts: Vec<Option<Verdict>> = vec![None; claims.len()];
    let (mut calls, mut work) = (0, Vec::new());
    loop {
        calls += 1;
        assert!(calls < 500, "the batch does not progress");
        let progress = batch
            .advance(&keys.ours, &keys.constants, &mut { budget })
            .unwrap();
        assert!(progress.done <= progress.total);
        assert!(
            !progress.work.is_empty(),
            "a call that progressed lists its work"
        );
        work.extend(progress.work);
        for (i, verdict) in progress.finished {
            assert!(verdicts[i].is_none(), "proof {i} got two verdicts");
            verdicts[i] = Some(verdict);
        }
        if progress.complete {
            let verdicts = verdicts.into_iter().map(Option::unwrap).collect();
            return (verdicts, calls, work);
        }
    }
}

/// [`batch_run`]'s verdicts and number of calls.
fn batch_verdicts(keys: &Keys, claims: &[Claim], budget: u64) -> (Vec<Verdict>, usize) {
    let (verdicts, calls, _) = batch_run(keys, claims, budget);
    (verdicts, calls)
}

/// Each claim's verdict when verified alone.
fn alone(keys: &Keys, claims: &[Claim]) -> Vec<Verdict> {
    claims
        .iter()
        .map(|(proof, z0, steps)| verify(&keys.ours, &keys.constants, proof, z0, *steps))
        .collect()
}

/// One message's budget in the program (7.5e11 gas less the reserve, at 2.6e6 gas per unit).
const MESSAGE_UNITS: u64 = 284_000;

#[test]
fn a_batch_of_valid_proofs_verifies_each() {
    let s = &*SETUP;
    let claims: Vec<Claim> = [0, 1, 0, 1].map(|i| claim(&s.proofs[i])).into();
    let (verdicts, calls) = batch_verdicts(&s.keys, &claims, MESSAGE_UNITS);
    assert_eq!(verdicts, alone(&s.keys, &claims));
    for (verdict, (proof, ..)) in verdicts.iter().zip(&claims) {
        assert_eq!(verdict.as_ref().unwrap(), &proof.folding.zn);
    }
    // A batch of one is a verification alone.
    let (one, _) = batch_verdicts(&s.keys, &claims[..1], u64::MAX);
    assert_eq!(one, alone(&s.keys, &claims[..1]));
    assert!(calls > 4, "{calls}");
}

/// A program's meter: it reads the gas left, which falls a little at every read (the memory
/// pages the verifier touches in between cost gas). Here a unit a read.
struct Drifting {
    left: std::cell::Cell<u64>,
}

impl zkml_verifier::Meter for Drifting {
    fn left(&self) -> u64 {
        let left = self.left.get();
        self.left.set(left.saturating_sub(1));
        left
    }

    fn spend(&mut self, units: u64) {
        self.left.set(self.left.get().saturating_sub(units));
    }
}

/// Every call given exactly the units the batch asked for (`Budget { needed }`) does some
/// work, although the budget falls between the choice of a piece and its start.
#[test]
fn a_call_given_what_it_asked_for_progresses() {
    let s = &*SETUP;
    let claims: Vec<Claim> = [0, 1, 0, 1].map(|i| claim(&s.proofs[i])).into();
    let verifications = claims
        .iter()
        .map(|(proof, z0, steps)| Verification::new(proof.clone(), z0.clone(), *steps))
        .collect();
    let mut batch = BatchVerification::new(verifications).unwrap();
    let mut verdicts = 0;
    for call in 0.. {
        assert!(call < 2_000, "the batch does not end");
        let needed = match batch.advance(&s.keys.ours, &s.keys.constants, &mut 0) {
            Err(VerifyError::Budget { needed }) => needed,
            other => panic!("a call without budget must be refused: {other:?}"),
        };
        let mut meter = Drifting {
            left: needed.into(),
        };
        let progress = batch
            .advance(&s.keys.ours, &s.keys.constants, &mut meter)
            .unwrap_or_else(|e| panic!("call {call}, given {needed} units: {e:?}"));
        assert!(!progress.work.is_empty(), "call {call} did nothing");
        verdicts += progress.finished.len();
        if progress.complete {
            break;
        }
    }
    assert_eq!(verdicts, claims.len());
}

/// A batch of valid proofs lists each proof's own stages once, then the shared pieces once each,
/// and the MSM in slices; no fallback.
#[test]
fn a_batch_lists_its_work() {
    let s = &*SETUP;
    let claims: Vec<Claim> = [0, 1, 0].map(|i| claim(&s.proofs[i])).into();
    let (verdicts, calls, work) = batch_run(&s.keys, &claims, MESSAGE_UNITS);
    assert!(verdicts.iter().all(Result::is_ok));
    let count = |piece: Piece| work.iter().filter(|&&p| p == piece).count();
    let own = [
        Stage::Folds,
        Stage::Primary,
        Stage::SecondaryTranscript,
        Stage::MatrixClaim,
    ];
    for i in 0..claims.len() {
        for stage in own {
            assert_eq!(count(Piece::Stage(i, stage)), 1, "proof {i}: {stage:?}");
        }
        assert_eq!(count(Piece::Combine(i)), 1, "proof {i}");
        assert_eq!(count(Piece::Pairing(i)), 0, "proof {i}");
    }
    assert_eq!(count(Piece::CombinedPairing), 1);
    assert_eq!(count(Piece::MsmSetUp), 1);
    let slices = count(Piece::Msm);
    assert!(
        slices >= 1 && slices <= calls,
        "{slices} slices in {calls} calls"
    );
    assert_eq!(work.len(), 5 * claims.len() + 2 + slices, "{work:?}");
    let first_shared = work.iter().position(|p| !matches!(p, Piece::Stage(..)));
    assert_eq!(first_shared, Some(4 * claims.len()), "{work:?}");
}

/// A batch of 4 with one tampered proof, for each place a proof can fail: its own stages (another
/// input), the combined pairing (a HyperKZG witness moved), the combined IPA MSM (â changed).
/// The three good proofs verify, the bad one is rejected with its own failure, as when alone.
#[test]
fn a_batch_with_one_bad_proof_verifies_the_good_ones() {
    let s = &*SETUP;
    let good: Vec<Claim> = [0, 1, 0, 1].map(|i| claim(&s.proofs[i])).into();
    let tamperings: [(&str, Tamper); 3] = [
        ("another input", |c, other| c.1 = other.1.clone()),
        ("a moved pairing witness", |c, _| {
            c.0.primary.eval_arg.w[0] = c.0.primary.eval_arg.w[1];
        }),
        ("another IPA scalar", |c, _| {
            c.0.secondary.ipa.a_hat += zkml_verifier::Fq::from(1u64);
        }),
    ];
    for (bad, (what, tamper)) in [2usize, 0, 3].into_iter().zip(tamperings) {
        let mut claims = good.clone();
        let other = good[(bad + 1) % 4].clone();
        tamper(&mut claims[bad], &other);
        let (verdicts, _, work) = batch_run(&s.keys, &claims, MESSAGE_UNITS);
        let expected = alone(&s.keys, &claims);
        assert_eq!(verdicts, expected, "{what}");
        // The fallback shows in the work listed: each proof's own pairing, or its own MSM.
        let pairings = work
            .iter()
            .filter(|p| matches!(p, Piece::Pairing(_)))
            .count();
        let own_msms = (0..4)
            .filter(|&i| work.contains(&Piece::Stage(i, Stage::IpaMsm)))
            .count();
        let fallback = match what {
            "a moved pairing witness" => (4, 0),
            "another IPA scalar" => (0, 4),
            _ => (0, 0),
        };
        assert_eq!((pairings, own_msms), fallback, "{what}");
        for (i, verdict) in verdicts.iter().enumerate() {
            assert_eq!(verdict.is_ok(), i != bad, "{what}: proof {i}");
        }
        assert!(
            matches!(verdicts[bad], Err(VerifyError::Check(_))),
            "{what}"
        );
    }
}

/// Every proof bad, each in another way: all are rejected, none with another's failure.
#[test]
fn a_batch_of_bad_proofs_rejects_each() {
    let s = &*SETUP;
    let mut claims: Vec<Claim> = [0, 1, 0].map(|i| claim(&s.proofs[i])).into();
    claims[0].2 = STEPS + 1;
    claims[1].0.primary.eval_arg.w[2] = claims[1].0.primary.eval_arg.w[0];
    claims[2].0.secondary.ipa.a_hat += zkml_verifier::Fq::from(1u64);
    let (verdicts, _) = batch_verdicts(&s.keys, &claims, MESSAGE_UNITS);
    assert_eq!(verdicts, alone(&s.keys, &claims));
    assert!(verdicts.iter().all(Result::is_err));
}

#[test]
fn batch_limits_and_budget() {
    let s = &*SETUP;
    let claim = claim(&s.proofs[0]);
    let fresh = || Verification::new(claim.0.clone(), claim.1.clone(), claim.2);
    assert!(BatchVerification::new(Vec::new()).is_err());
    assert!(BatchVerification::new(vec![fresh(); zkml_verifier::MAX_BATCH + 1]).is_err());
    let mut started = fresh();
    started
        .advance(&s.keys.ours, &s.keys.constants, &mut { u64::MAX })
        .unwrap();
    assert!(BatchVerification::new(vec![fresh(), started]).is_err());
    // A budget below the next stage does nothing.
    let mut batch = BatchVerification::new(vec![fresh(), fresh()]).unwrap();
    assert!(matches!(
        batch.advance(&s.keys.ours, &s.keys.constants, &mut 10),
        Err(VerifyError::Budget { .. })
    ));
    assert_eq!(batch.done(), 0);
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
        prop_assert!(s.native.verify(&wire, &s.proofs[0].commitment).is_err());
    }
}

//! The daemon's private path on the embedded gtest chain, with one real proof: a user's private
//! input sealed for the daemon's key is opened, checked against its commitment, proved, submitted
//! and verified, and its fee paid, while no pixels reach the chain; envelopes the daemon cannot
//! use (garbage, sealed for a removed prover or another key, copied from another session) are
//! skipped with a log line and left unclaimed, and the daemon goes on to the next input. The
//! daemon never logs its secret key.

use parity_scale_codec::Encode as _;
use sails_rs::futures::{FutureExt as _, StreamExt as _};
use sails_rs::gtest::constants::EXISTENTIAL_DEPOSIT as ED;
use sails_rs::prelude::ActorId;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zkml_client::Zkml as _;
use zkml_client::fees::Fees as _;
use zkml_client::model::Model as _;
use zkml_client::sessions::{SessionState, Sessions as _};
use zkml_daemon::embedded::backend;
use zkml_daemon::{Backend as _, Backoff, Daemon, ServeConfig};
use zkml_envelope::{Contents, Context, SecretKey};
use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::circuit::word_from_scalar;
use zkml_proving::export::chain_keys;
use zkml_proving::{Opening, Prover, SetupConfig};
use zkml_testkit::{Chain, OTHER_PROVER, PROVER, STRANGER, USER, dump_holds_a_run, holds_a_run};

/// The fee the private input pays.
const FEE: u128 = 10 * ED;

/// Log output captured from the daemon (every level down to `debug`).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `user` commits to `pixels` with a random blinding and seals them for `recipients`; the
/// commitment and the envelope.
fn seal(chain: &Chain, user: u64, pixels: &[u8], recipients: &[[u8; 32]]) -> ([u8; 32], Vec<u8>) {
    let blinding = zkml_envelope::random_blinding();
    let commitment = word_from_scalar(&Opening::new(pixels, blinding).unwrap().commitment());
    let context = Context {
        program: chain.program_id().into_bytes(),
        user: ActorId::from(user).into_bytes(),
        commitment,
    };
    let contents = Contents {
        pixels: pixels.to_vec(),
        blinding,
    };
    let envelope = zkml_envelope::seal(&context, &contents, recipients).unwrap();
    (commitment, envelope)
}

/// `user` submits a private input with `fee`; its session id.
async fn submit(
    chain: &Chain,
    user: u64,
    commitment: [u8; 32],
    envelope: Vec<u8>,
    fee: u128,
) -> u64 {
    chain.fund(user);
    chain
        .as_(user)
        .sessions()
        .submit_private_input(commitment, envelope, None)
        .with_value(fee)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_daemon_proves_a_private_input_sealed_for_it_and_skips_envelopes_it_cannot_use() {
    let logs = Logs::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = QuantizedModel::load(root.join("../assets/model.zkml")).unwrap();
    let digits = Dataset::load(root.join("../assets/test-digits.bin")).unwrap();
    let prover = Prover::setup(&model, &SetupConfig::default_cache(), &|_| {}).unwrap();
    let chain = Chain::start(&model, &chain_keys(&prover).unwrap())
        .await
        .unwrap();
    chain.fund(STRANGER);
    let pixel = |i: usize| digits.digits()[i].pixels().to_vec();
    let pixels = pixel(5);
    let [garbage_user, removed_user, other_key_user, copier] =
        [USER + 10, USER + 11, USER + 12, USER + 13];

    // A prover registers a key, a user seals for it (the only registered key then), and the
    // admin removes that prover.
    chain.add_prover(OTHER_PROVER).await.unwrap();
    let removed = SecretKey::generate();
    chain
        .as_(OTHER_PROVER)
        .model()
        .set_encryption_key(removed.public_key())
        .await
        .unwrap()
        .unwrap();
    let (c, e) = seal(&chain, removed_user, &pixel(1), &[removed.public_key()]);
    let removed_id = submit(&chain, removed_user, c, e, FEE).await;
    chain
        .as_(zkml_testkit::ADMIN)
        .model()
        .remove_prover(OTHER_PROVER.into())
        .await
        .unwrap()
        .unwrap();

    // The daemon's key, registered; the secret stays in the daemon.
    let key = Arc::new(SecretKey::generate());
    let secret_hex: String = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let config = ServeConfig {
        drain: true,
        verify: true,
        backoff: Backoff {
            attempts: 4,
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        ..ServeConfig::default()
    };
    let mut daemon = Daemon::start(backend(&chain, PROVER), Arc::new(prover), config)
        .await
        .unwrap()
        .with_envelope_key(key.clone());
    assert_eq!(
        daemon.publish_envelope_key().await.unwrap(),
        key.public_key()
    );
    let keys: Vec<[u8; 32]> = chain
        .as_(USER)
        .model()
        .encryption_keys()
        .query()
        .unwrap()
        .into_iter()
        .map(|k| k.key)
        .collect();
    assert_eq!(
        keys,
        vec![key.public_key()],
        "the removed prover's key is gone"
    );

    // Garbage of the envelope's layout, addressed to the daemon's key: the program takes it.
    let mut garbage = vec![0x5a; zkml_envelope::envelope_len(1)];
    garbage[..2].copy_from_slice(&[zkml_envelope::VERSION, 1]);
    garbage[2..34].copy_from_slice(&key.public_key());
    let garbage_id = submit(&chain, garbage_user, [3; 32], garbage, FEE).await;
    // Sealed for another key only.
    let (c, e) = seal(
        &chain,
        other_key_user,
        &pixel(2),
        &[SecretKey::generate().public_key()],
    );
    let other_key_id = submit(&chain, other_key_user, c, e, FEE).await;
    // The good one, then a copy of it (commitment and envelope) in another user's session.
    let (commitment, envelope) = seal(&chain, USER, &pixels, &keys);
    let mut sessions_events = chain.as_(STRANGER).sessions().listen().await.unwrap();
    let mut verifier_events = chain.as_(STRANGER).verifier().listen().await.unwrap();
    let id = submit(&chain, USER, commitment, envelope.clone(), FEE).await;
    let copied_id = submit(&chain, copier, commitment, envelope.clone(), FEE).await;

    let stats = daemon.run().await.unwrap();
    assert_eq!(
        (stats.submitted, stats.verified, stats.refused, stats.earned),
        (1, 1, 4, FEE),
        "{stats:?}"
    );

    // The private input: verified with the model's answer, the fee paid to the daemon.
    let expected = model.infer(&pixels).unwrap();
    let mine = chain.session(USER).expect("a session");
    assert_eq!(mine.id, id);
    assert!(
        matches!(mine.state, SessionState::Verified { digit, .. } if digit == expected.digit),
        "{:?}",
        mine.state
    );
    assert_eq!(mine.prover, Some(ActorId::from(PROVER)));
    assert_eq!(backend(&chain, PROVER).earned().await.unwrap(), FEE);

    // Each bad one: skipped with one log line naming the session and why, never claimed; it
    // stays awaiting a proof, with its fee held, for its user to purge.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for (user, session_id, why) in [
        (
            removed_user,
            removed_id,
            "the envelope is not sealed for this key",
        ),
        (
            garbage_user,
            garbage_id,
            "the envelope does not open in this context",
        ),
        (
            other_key_user,
            other_key_id,
            "the envelope is not sealed for this key",
        ),
        (
            copier,
            copied_id,
            "the envelope does not open in this context",
        ),
    ] {
        let s = chain.session(user).expect("a session");
        assert_eq!(s.id, session_id);
        assert_eq!(s.state, SessionState::AwaitingProof, "session {session_id}");
        assert_eq!((s.prover, s.lease), (None, None), "session {session_id}");
        let line = text
            .lines()
            .find(|l| l.contains("skipping") && l.contains(&format!("session_id={session_id}")))
            .unwrap_or_else(|| panic!("no skip line for session {session_id}:\n{text}"));
        assert!(line.contains(why), "{line}");
        let held = chain
            .as_(STRANGER)
            .fees()
            .escrow(session_id)
            .query()
            .unwrap();
        assert_eq!(held.map(|e| e.amount), Some(FEE));
    }
    assert!(
        !text.to_lowercase().contains(&secret_hex),
        "the secret key was logged"
    );

    // No pixels on chain: the program's whole memory, every Sessions and Verifier event, the
    // session and envelope as anyone reads them.
    assert!(!dump_holds_a_run(&chain.memory_dump(), &pixels));
    let mut carried = vec![
        mine.encode(),
        chain
            .as_(STRANGER)
            .sessions()
            .envelope(id)
            .query()
            .unwrap()
            .encode(),
    ];
    let mut events = 0;
    while let Some(Some((_, event))) = sessions_events.next().now_or_never() {
        carried.push(event.encode());
        events += 1;
    }
    while let Some(Some((_, event))) = verifier_events.next().now_or_never() {
        carried.push(event.encode());
        events += 1;
    }
    assert!(
        events >= 4,
        "the submissions, the claim, the proof and its outcome"
    );
    for bytes in carried {
        assert!(!holds_a_run(&bytes, &pixels));
    }

    // The search can fail: once another user submits the same digit in public, this chain's
    // memory holds its pixels.
    let public_user = 150;
    chain.fund(public_user);
    chain
        .as_(public_user)
        .sessions()
        .submit_input(pixels.clone(), None)
        .with_value(FEE)
        .await
        .unwrap()
        .unwrap();
    assert!(dump_holds_a_run(&chain.memory_dump(), &pixels));
}

//! Every role's command logic (`zkml_daemon::roles`) on the embedded gtest chain: the success
//! path of deploy, submit (public and private), status, prove (the owner), verify, purge and
//! withdraw, and each command's refusal of bad settings with a clear message, before any message
//! is sent, balances and books unchanged. One proof in the whole binary.

use sails_rs::client::{Actor, GtestEnv};
use sails_rs::gtest::System;
use sails_rs::prelude::ActorId;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use zkml_client::fees::{FeeTotals, Fees as _};
use zkml_client::sessions::SessionState;
use zkml_client::verifier::{VerificationStatus, Verifier as _};
use zkml_client::{Zkml as _, ZkmlProgram};
use zkml_daemon::roles::deploy::{self, DeployPlan, GtestDeployer};
use zkml_daemon::roles::user::{self, PrivateOpening};
use zkml_daemon::roles::{self, RoleBackend, RoleError};
use zkml_daemon::{Backend, GtestBackend};
use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::export::{ChainKeys, chain_keys};
use zkml_proving::{Prover, SetupConfig};
use zkml_testkit::{ADMIN, FUNDS, OTHER_PROVER, OTHER_USER, PROVER, STRANGER, USER, model_init};

/// One token in the embedded chain's smallest unit (its existential deposit).
const UNIT: u128 = 1_000_000_000_000;
/// The minimum fee the tests' programs ask.
const MIN_FEE: u128 = 2 * UNIT;
/// The fee users attach.
const FEE: u128 = 5 * UNIT;

/// The model, its prover and keys, and two sample digits: set up once per binary.
struct Setup {
    model: QuantizedModel,
    prover: Prover,
    keys: ChainKeys,
    digits: Vec<Vec<u8>>,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = QuantizedModel::load(root.join("../assets/model.zkml")).expect("model");
    let digits = Dataset::load(root.join("../assets/test-digits.bin")).expect("digits");
    let prover = Prover::setup(&model, &SetupConfig::default_cache(), &|_| {}).expect("setup");
    let keys = chain_keys(&prover).expect("keys");
    Setup {
        model,
        prover,
        keys,
        digits: digits
            .digits()
            .iter()
            .take(2)
            .map(|d| d.pixels().to_vec())
            .collect(),
    }
});

/// A fresh chain with the named accounts funded, as `ADMIN`.
fn chain() -> GtestEnv {
    let system = System::new();
    for who in [ADMIN, PROVER, OTHER_PROVER, USER, OTHER_USER, STRANGER] {
        system.mint_to(who, FUNDS);
    }
    GtestEnv::new(system, ADMIN.into())
}

/// The deployment of the setup's model, registering `provers`.
fn plan(provers: &[u64]) -> DeployPlan {
    DeployPlan {
        wasm: zkml_wasm::WASM_BINARY.to_vec(),
        salt: b"roles".to_vec(),
        init: model_init(&SETUP.model, &SETUP.keys),
        verifier_data: SETUP.keys.constant_key.clone(),
        provers: provers.iter().map(|p| ActorId::from(*p)).collect(),
        minimum_fee: Some(MIN_FEE),
    }
}

/// A chain with the program deployed by `zkml deploy`'s logic, [`PROVER`] registered.
async fn deployed() -> (GtestEnv, GtestBackend) {
    let env = chain();
    let admin = deploy::deploy(
        &GtestDeployer::new(&env, ADMIN.into()),
        &plan(&[PROVER]),
        &|_, _| {},
    )
    .await
    .expect("deploys");
    (env, admin)
}

/// `who`'s backend on the program of `admin`.
fn as_(env: &GtestEnv, admin: &GtestBackend, who: u64) -> GtestBackend {
    GtestBackend::new(env, admin.program_id(), who.into())
}

/// What must not move when a command is refused: the accounts' balances on chain and the
/// program's books.
async fn books(env: &GtestEnv, admin: &GtestBackend) -> (Vec<u128>, FeeTotals) {
    let balances = [ADMIN, PROVER, USER, OTHER_USER]
        .map(|who| env.system().balance_of(who))
        .to_vec();
    let totals = Actor::<ZkmlProgram, GtestEnv>::new(env.clone(), admin.program_id())
        .fees()
        .totals()
        .query()
        .expect("totals");
    (balances, totals)
}

/// A scratch file path for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkml-roles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// Writes a `width`x`height` 8-bit grayscale PNG of `pixels`.
fn write_png(path: &Path, width: u32, height: u32, pixels: &[u8]) {
    let file = std::fs::File::create(path).expect("png file");
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(pixels).expect("png data");
    writer.finish().expect("png end");
}

#[tokio::test]
async fn deploy_uploads_finalizes_registers_and_refuses_bad_plans() {
    let env = chain();
    let deployer = GtestDeployer::new(&env, ADMIN.into());
    let uploaded = Cell::new((0, 0));
    let admin = deploy::deploy(
        &deployer,
        &plan(&[PROVER, OTHER_PROVER]),
        &|done, declared| {
            uploaded.set((done, declared));
        },
    )
    .await
    .expect("deploys");
    let declared = SETUP.keys.constant_key.len() as u32;
    assert_eq!(
        uploaded.get(),
        (declared, declared),
        "the bar reaches the end"
    );
    let info = admin.model_info().await.expect("info");
    assert!(info.finalized);
    assert_eq!(admin.minimum_fee().await.expect("fee"), MIN_FEE);
    for prover in [PROVER, OTHER_PROVER] {
        assert!(
            as_(&env, &admin, prover)
                .is_prover()
                .await
                .expect("is prover")
        );
    }
    assert!(
        !as_(&env, &admin, USER)
            .is_prover()
            .await
            .expect("is prover")
    );

    // Bad plans are refused before anything is sent: the admin's balance does not move.
    let before = env.system().balance_of(ADMIN);
    let twice = deploy::deploy(&deployer, &plan(&[PROVER, PROVER]), &|_, _| {}).await;
    let error = twice.err().expect("a prover named twice");
    assert!(error.to_string().contains("named twice"), "{error}");
    let mut short = plan(&[PROVER]);
    short.verifier_data.pop();
    let error = deploy::deploy(&deployer, &short, &|_, _| {})
        .await
        .err()
        .expect("short data");
    assert!(error.to_string().contains("the model declares"), "{error}");
    assert_eq!(env.system().balance_of(ADMIN), before);

    // A minimum fee below the existential deposit: the program refuses it, by name.
    let mut cheap = plan(&[PROVER]);
    cheap.salt = b"cheap".to_vec();
    cheap.minimum_fee = Some(1);
    let error = deploy::deploy(&deployer, &cheap, &|_, _| {})
        .await
        .err()
        .expect("refused");
    assert!(
        error.to_string().contains("BelowExistentialDeposit"),
        "{error}"
    );
}

#[tokio::test]
async fn ids_that_are_not_ids_are_named_and_our_program_answers() {
    let error = roles::program_id("0x1234").expect_err("too short");
    assert!(
        error
            .to_string()
            .contains("is not 0x followed by 64 hex digits"),
        "{error}"
    );
    assert!(roles::program_id(&"ab".repeat(32)).is_err(), "no 0x");
    assert!(matches!(
        roles::account_id("bob"),
        Err(RoleError::Account(_))
    ));
    let (_env, admin) = deployed().await;
    let id = format!("0x{}", hex_id(admin.program_id()));
    assert_eq!(roles::program_id(&id).expect("an id"), admin.program_id());
    roles::check_program(&admin).await.expect("our program");
    // A well-formed id where no program lives is named by the real-node test (gtest panics on
    // a query to an actor that is not a program).
}

fn hex_id(id: ActorId) -> String {
    id.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn submit_status_purge_and_withdraw_without_a_proof() {
    let (env, admin) = deployed().await;
    let user = as_(&env, &admin, USER);
    let pixels = SETUP.digits[0].clone();

    // Bad settings, each refused before any message, nothing moved.
    let before = books(&env, &admin).await;
    let error = user::submit(&user, &pixels[..700], FEE)
        .await
        .expect_err("short");
    assert!(
        error.to_string().contains("the model takes 28x28 = 784"),
        "{error}"
    );
    let error = user::submit(&user, &pixels, MIN_FEE - 1)
        .await
        .expect_err("cheap");
    assert!(
        matches!(error, RoleError::FeeBelowMinimum { minimum: MIN_FEE, fee } if fee == MIN_FEE - 1),
        "{error:?}"
    );
    assert!(error.to_string().contains("pass --fee"), "{error}");
    for error in [
        user::status(&user, None).await.err(),
        user::purge(&user).await.err(),
        user::verify(&user, None, &|_, _| {}).await.err(),
        roles::withdraw(&user).await.err(),
    ] {
        let error = error.expect("nothing to act on");
        assert!(
            matches!(error, RoleError::NoSession(_) | RoleError::NothingOwed(_)),
            "{error:?}"
        );
    }
    assert_eq!(books(&env, &admin).await, before);

    // Images: unreadable, wrong size, and a good one.
    let error = user::read_image(Path::new("/nonexistent/digit.png")).expect_err("missing");
    assert!(error.to_string().starts_with("the image"), "{error}");
    let small = scratch("small.png");
    write_png(&small, 14, 14, &[0; 196]);
    let error = user::read_image(&small).expect_err("14x14");
    assert!(error.to_string().contains("expected 28x28"), "{error}");
    let good = scratch("digit.png");
    write_png(&good, 28, 28, &pixels);
    assert_eq!(user::read_image(&good).expect("reads").to_vec(), pixels);

    // Submit, then the status shows the fee held.
    let session_id = user::submit(&user, &pixels, FEE).await.expect("submits");
    let status = user::status(&user, None).await.expect("status");
    assert_eq!(status.session.id, session_id);
    assert_eq!(status.session.state, SessionState::AwaitingProof);
    assert_eq!((status.escrow, status.owed), (FEE, 0));
    // Anyone may read it.
    let stranger = as_(&env, &admin, STRANGER);
    assert_eq!(
        user::status(&stranger, Some(USER.into()))
            .await
            .expect("status")
            .session
            .id,
        session_id
    );

    // A second input while this one is open, and a verification without a proof: refused.
    let before = books(&env, &admin).await;
    let error = user::submit(&user, &pixels, FEE).await.expect_err("open");
    assert!(matches!(error, RoleError::SessionOpen { session_id: s } if s == session_id));
    let error = user::verify(&stranger, Some(USER.into()), &|_, _| {})
        .await
        .expect_err("none");
    assert!(
        matches!(error, RoleError::NoProof(s) if s == session_id),
        "{error:?}"
    );
    assert!(error.to_string().contains("zkml prove"), "{error}");
    let error = user::verify(&stranger, Some(OTHER_USER.into()), &|_, _| {})
        .await
        .expect_err("unknown session");
    assert!(error.to_string().contains("has no session"), "{error}");
    assert_eq!(books(&env, &admin).await, before);

    // Purge before a proof: the fee comes back to the user, who withdraws it.
    let purged = user::purge(&user).await.expect("purges");
    assert_eq!(purged.session_id, session_id);
    assert_eq!((purged.fee, purged.fee_to), (FEE, Some(USER.into())));
    assert_eq!(admin.balance(USER.into()).await.expect("balance"), FEE);
    let before = env.system().balance_of(USER);
    assert_eq!(roles::withdraw(&user).await.expect("withdraws"), FEE);
    assert!(env.system().balance_of(USER) > before, "the refund arrived");
    let error = roles::withdraw(&user).await.expect_err("nothing left");
    assert!(error.to_string().contains("nothing to withdraw"), "{error}");
}

#[tokio::test]
async fn a_private_submission_is_sealed_for_the_provers_keys() {
    let (env, admin) = deployed().await;
    let user = as_(&env, &admin, USER);
    let pixels = SETUP.digits[1].clone();
    let before = books(&env, &admin).await;
    let error = user::submit_private(&user, &pixels, FEE)
        .await
        .expect_err("no keys");
    assert!(matches!(error, RoleError::NoProverKeys), "{error:?}");
    assert_eq!(books(&env, &admin).await, before);

    let key = zkml_envelope::SecretKey::generate();
    as_(&env, &admin, PROVER)
        .set_encryption_key(key.public_key())
        .await
        .expect("key set");
    let (session_id, opening) = user::submit_private(&user, &pixels, FEE)
        .await
        .expect("submits");
    let status = user::status(&user, None).await.expect("status");
    assert_eq!(status.session.id, session_id);
    assert!(status.session.pixels.is_empty(), "no pixels on chain");
    assert_eq!(status.session.commitment, opening.commitment);
    assert_eq!(status.escrow, FEE);
    // The prover opens the envelope to the same pixels.
    let envelope = admin
        .envelope(session_id)
        .await
        .expect("envelope query")
        .expect("an envelope");
    let opened = zkml_daemon::private::open(
        Some(&key),
        admin.program_id(),
        USER.into(),
        opening.commitment,
        &envelope,
    )
    .expect("the prover opens it");
    assert_eq!(opened.pixels(), &pixels[..]);

    // The opening the user keeps reads back, and a tampered one is refused.
    let text = opening.to_text();
    assert_eq!(PrivateOpening::from_text(&text).expect("reads"), opening);
    let tampered = text.replace("pixels 0x00", "pixels 0x01");
    assert_ne!(tampered, text);
    let error = PrivateOpening::from_text(&tampered).expect_err("tampered");
    assert!(
        error.to_string().contains("do not open the commitment"),
        "{error}"
    );
    assert!(PrivateOpening::from_text("blinding 0x00").is_err());

    // Proving a private session needs its opening: refused before proving.
    let error = user::prove_own(&user, &SETUP.prover, None, &|_| {})
        .await
        .expect_err("needs it");
    assert!(error.to_string().contains("opening file"), "{error}");
}

#[tokio::test]
async fn the_owner_proves_and_verifies_and_a_refused_purge_leaves_the_prover_paid() {
    let (env, admin) = deployed().await;
    let user = as_(&env, &admin, USER);
    let pixels = SETUP.digits[0].clone();
    let expected = SETUP.model.infer(&pixels).expect("inference").digit;

    let error = user::prove_own(&user, &SETUP.prover, None, &|_| {})
        .await
        .expect_err("none");
    assert!(matches!(error, RoleError::NoSession(_)), "{error:?}");
    let session_id = user::submit(&user, &pixels, FEE).await.expect("submits");

    // `zkml prove --node`: the owner proves its session and submits (the one proof here).
    assert_eq!(
        user::prove_own(&user, &SETUP.prover, None, &|_| {})
            .await
            .expect("proves"),
        session_id
    );
    let program = Actor::<ZkmlProgram, GtestEnv>::new(env.clone(), admin.program_id());
    let proof = program
        .verifier()
        .proof(session_id)
        .query()
        .expect("proof query")
        .expect("the proof is stored");
    let before = books(&env, &admin).await;
    let error = user::prove_own(&user, &SETUP.prover, None, &|_| {})
        .await
        .expect_err("proved");
    assert!(matches!(error, RoleError::NotAwaitingProof(s) if s == session_id));
    assert_eq!(books(&env, &admin).await, before);

    // `zkml verify`: to the outcome, with progress; the owner's proof earned its own fee.
    let steps = Cell::new(0);
    let outcome = user::verify(&user, None, &|done, total| {
        assert!(done <= total);
        steps.set(steps.get() + 1);
    })
    .await
    .expect("verifies");
    assert!(
        matches!(outcome, VerificationStatus::Verified { digit, .. } if digit == expected),
        "{outcome:?}"
    );
    assert!(steps.get() > 0, "the bar moved");
    let status = user::status(&user, None).await.expect("status");
    assert!(matches!(
        status.session.state,
        SessionState::Verified { .. }
    ));
    assert_eq!((status.escrow, status.owed), (0, FEE));
    // Verifying a finished session reports it without a message.
    let spent = env.system().balance_of(USER);
    assert_eq!(
        user::verify(&user, None, &|_, _| {})
            .await
            .expect("outcome"),
        outcome
    );
    assert_eq!(env.system().balance_of(USER), spent);

    // Another user's session with the same digit: the prover claims it and submits a proof of
    // it. `zkml purge` is refused while the proof awaits its verification, with what to do,
    // and changes nothing; the user drives the verification instead, which pays the prover,
    // who withdraws it.
    let other = as_(&env, &admin, OTHER_USER);
    let other_id = user::submit(&other, &pixels, FEE).await.expect("submits");
    let prover = as_(&env, &admin, PROVER);
    prover.claim(other_id).await.expect("claims");
    prover
        .submit_proof(other_id, proof)
        .await
        .expect("submits the proof");
    let before = books(&env, &admin).await;
    let error = user::purge(&other).await.expect_err("awaits verification");
    assert!(
        matches!(error, RoleError::AwaitingVerification { session_id, .. } if session_id == other_id),
        "{error:?}"
    );
    assert!(error.to_string().contains("`zkml verify`"), "{error}");
    let after = books(&env, &admin).await;
    // The refusal moved no fee and nothing of the prover's or the other user's: only the
    // refused message's gas, paid by the user who sent it. (The admin, no party to it, can see
    // a small deferred credit when the chain runs a block, so its balance is not compared.)
    assert_eq!((&after.0[1..3], after.1), (&before.0[1..3], before.1));
    let outcome = user::verify(&other, None, &|_, _| {})
        .await
        .expect("verifies");
    assert!(
        matches!(outcome, VerificationStatus::Verified { digit, .. } if digit == expected),
        "{outcome:?}"
    );
    let purged = user::purge(&other)
        .await
        .expect("purges the finished session");
    assert_eq!(
        (purged.session_id, purged.fee, purged.fee_to),
        (other_id, 0, None)
    );
    assert_eq!(roles::withdraw(&prover).await.expect("withdraws"), FEE);
    let error = roles::withdraw(&prover).await.expect_err("nothing left");
    assert!(matches!(error, RoleError::NothingOwed(_)));
    assert_eq!(roles::withdraw(&user).await.expect("withdraws"), FEE);
    let totals = books(&env, &admin).await.1;
    assert_eq!(
        (totals.escrowed, totals.owed),
        (0, 0),
        "nothing left in the books"
    );
}

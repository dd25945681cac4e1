//! The prover daemon on the embedded gtest chain: the whole flow with real proofs, restarts,
//! two provers at once, and what goes wrong on the way (a tampered proof, an unregistered
//! prover, a purge during proving, failing calls, a refused submission).

use parity_scale_codec::Encode as _;
use sails_rs::futures::StreamExt as _;
use sails_rs::prelude::ActorId;
use std::cell::Cell;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use zkml_client::Zkml as _;
use zkml_client::model::ModelError;
use zkml_client::sessions::{
    Lease, PendingInput, Session, SessionState, Sessions as _, SessionsError,
    events::SessionsEvents,
};
use zkml_client::verifier::{self, VerifierError, events::VerifierEvents};
use zkml_daemon::embedded::{self, backend};
use zkml_daemon::{
    Backend, Backoff, CallError, Daemon, DaemonEvent, Error, GtestBackend, QueryResult,
    ServeConfig, Stats,
};
use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::export::{ChainKeys, chain_keys};
use zkml_proving::{Prover, SetupConfig};
use zkml_testkit::{Chain, PROVER, USER};
use zkml_verifier::{CompressedProof, Fr, decode_all};

/// A second prover account.
const OTHER_PROVER: u64 = 104;
/// An account that is not a prover.
const STRANGER: u64 = 105;

/// The model, its prover and keys, and the committed sample digits: set up once per binary.
struct Setup {
    model: QuantizedModel,
    prover: Arc<Prover>,
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
        prover: Arc::new(prover),
        keys,
        digits: digits
            .digits()
            .iter()
            .map(|d| d.pixels().to_vec())
            .collect(),
    }
});

/// Daemon settings for tests: serve what is there, retry quickly, leave verification to the
/// test.
fn drain() -> ServeConfig {
    ServeConfig {
        drain: true,
        verify: false,
        backoff: Backoff {
            attempts: 4,
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        ..ServeConfig::default()
    }
}

/// Runs a daemon over `backend` until nothing is claimable; its statistics.
async fn serve_all(backend: impl Backend) -> Stats {
    Daemon::start(backend, SETUP.prover.clone(), drain())
        .await
        .unwrap()
        .run()
        .await
        .unwrap()
}

/// A chain with the program ready and `users[i]` having submitted sample digit `i`.
async fn chain_with_inputs(users: &[u64]) -> Chain {
    let chain = Chain::start(&SETUP.model, &SETUP.keys)
        .await
        .expect("chain");
    chain.fund(STRANGER);
    for (i, user) in users.iter().enumerate() {
        chain.fund(*user);
        chain
            .as_(*user)
            .sessions()
            .submit_input(SETUP.digits[i].clone(), None)
            .await
            .unwrap()
            .unwrap();
    }
    chain
}

/// Users of the multi-input tests.
fn users(n: u64) -> Vec<u64> {
    (0..n).map(|i| USER + 10 + i).collect()
}

#[tokio::test]
async fn the_daemon_proves_and_the_program_verifies_the_answer() {
    const FEE: u128 = 10 * sails_rs::gtest::constants::EXISTENTIAL_DEPOSIT;
    let chain = Chain::start(&SETUP.model, &SETUP.keys).await.unwrap();
    let pixels = &SETUP.digits[3];
    let report = embedded::demo(&chain, SETUP.prover.clone(), pixels, FEE, Arc::new(|_| {}))
        .await
        .unwrap();
    let expected = SETUP.model.infer(pixels).unwrap();
    let logits: Vec<i64> = expected.logits.iter().map(|l| i64::from(*l)).collect();
    assert_eq!(
        report.outcome,
        verifier::VerificationStatus::Verified {
            digit: expected.digit,
            logits: logits.clone()
        }
    );
    assert!(matches!(
        report.event,
        VerifierEvents::Verified { digit, logits: ref l, .. } if digit == expected.digit && *l == logits
    ));
    assert!(report.proof_size > 0);
    assert!(report.verify_messages > 1);
    assert_eq!((report.fee, report.earned, report.owed), (FEE, FEE, FEE));
}

/// Forwards the named [`Backend`] methods to the wrapper's `inner` backend.
macro_rules! forward {
    (prover) => {
        fn prover(&self) -> ActorId {
            self.inner.prover()
        }
    };
    (is_prover) => {
        async fn is_prover(&self) -> QueryResult<bool> {
            self.inner.is_prover().await
        }
    };
    (claimable) => {
        async fn claimable(&self, after: Option<u64>, limit: u32) -> QueryResult<Vec<PendingInput>> {
            self.inner.claimable(after, limit).await
        }
    };
    (session) => {
        async fn session(&self, user: ActorId) -> QueryResult<Option<Session>> {
            self.inner.session(user).await
        }
    };
    (claim) => {
        async fn claim(&self, session_id: u64) -> Result<Lease, CallError<SessionsError>> {
            self.inner.claim(session_id).await
        }
    };
    (input) => {
        async fn input(&self, session_id: u64) -> QueryResult<Option<Vec<u8>>> {
            self.inner.input(session_id).await
        }
    };
    (private) => {
        fn program_id(&self) -> ActorId {
            self.inner.program_id()
        }
        async fn envelope(&self, session_id: u64) -> QueryResult<Option<Vec<u8>>> {
            self.inner.envelope(session_id).await
        }
        async fn set_encryption_key(&self, key: [u8; 32]) -> Result<(), CallError<ModelError>> {
            self.inner.set_encryption_key(key).await
        }
    };
    (submit_proof) => {
        async fn submit_proof(
            &self,
            session_id: u64,
            proof: Vec<u8>,
        ) -> Result<(), CallError<VerifierError>> {
            self.inner.submit_proof(session_id, proof).await
        }
    };
    (fee) => {
        async fn fee(&self, session_id: u64) -> QueryResult<u128> {
            self.inner.fee(session_id).await
        }
    };
    (earned) => {
        async fn earned(&self) -> QueryResult<u128> {
            self.inner.earned().await
        }
    };
    (verify) => {
        async fn verify(
            &self,
            session_id: u64,
            resume: bool,
        ) -> Result<verifier::VerificationStatus, CallError<VerifierError>> {
            self.inner.verify(session_id, resume).await
        }
    };
    ($($method:ident),+) => {
        $(forward!($method);)+
    };
}

/// A backend that changes the claimed output of every proof it submits.
struct ForgingOutput {
    inner: GtestBackend,
}

impl Backend for ForgingOutput {
    forward!(
        prover, is_prover, claimable, session, input, claim, private, fee, earned, verify
    );
    async fn submit_proof(
        &self,
        session_id: u64,
        proof: Vec<u8>,
    ) -> Result<(), CallError<VerifierError>> {
        let mut forged: CompressedProof = decode_all(&proof).expect("our own proof decodes");
        forged.folding.zn[1] += Fr::from(1u64);
        self.inner.submit_proof(session_id, forged.encode()).await
    }
}

#[tokio::test]
async fn a_tampered_proof_goes_through_the_same_flow_and_is_rejected() {
    let chain = chain_with_inputs(&[USER]).await;
    let backend = ForgingOutput {
        inner: backend(&chain, PROVER),
    };
    let stats = serve_all(backend).await;
    assert_eq!(stats.submitted, 1);
    let verification = chain.verify(USER).await.unwrap();
    assert!(
        matches!(
            verification.outcome,
            verifier::VerificationStatus::Rejected { .. }
        ),
        "{:?}",
        verification.outcome
    );
    assert!(matches!(
        verification.event,
        VerifierEvents::Rejected { .. }
    ));
}

#[tokio::test]
async fn a_polling_daemon_serves_an_input_submitted_later() {
    let chain = chain_with_inputs(&[]).await;
    let config = ServeConfig {
        poll_interval: Duration::from_millis(20),
        drain: false,
        ..drain()
    };
    let mut daemon = Daemon::start(backend(&chain, PROVER), SETUP.prover.clone(), config)
        .await
        .unwrap();
    let user_side = async {
        // The daemon finds nothing and polls again; then the user submits.
        tokio::time::sleep(Duration::from_millis(100)).await;
        chain.fund(USER);
        chain
            .as_(USER)
            .sessions()
            .submit_input(SETUP.digits[0].clone(), None)
            .await
            .unwrap()
            .unwrap();
        while chain.session(USER).expect("a session").state != SessionState::ProofSubmitted {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        result = daemon.run() => panic!("a polling daemon returned: {:?}", result.map(|_| ())),
        () = user_side => {}
    }
    assert_eq!(daemon.stats().submitted, 1);
}

#[tokio::test]
async fn an_unregistered_prover_is_refused_at_start() {
    let chain = chain_with_inputs(&[]).await;
    let result = Daemon::start(backend(&chain, STRANGER), SETUP.prover.clone(), drain()).await;
    assert!(matches!(result, Err(Error::ProverNotRegistered(_))));
}

#[tokio::test]
async fn a_restarted_daemon_finishes_the_work_without_submitting_twice() {
    let users = users(2);
    let chain = chain_with_inputs(&users).await;
    let mut submitted = chain.as_(STRANGER).verifier().listen().await.unwrap();

    // The first daemon dies while proving its first input.
    let (killed_tx, killed_rx) = std::sync::mpsc::channel::<u64>();
    let proving: Arc<dyn Fn(&DaemonEvent) + Send + Sync> = Arc::new(move |event| {
        if let DaemonEvent::Proving { session_id, .. } = event {
            let _ = killed_tx.send(*session_id);
        }
    });
    let mut first = Daemon::start(backend(&chain, PROVER), SETUP.prover.clone(), drain())
        .await
        .unwrap()
        .with_observer(proving);
    let killed = async {
        loop {
            if let Ok(id) = killed_rx.try_recv() {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let killed_session = tokio::select! {
        _ = first.run() => panic!("the daemon finished before it was killed"),
        id = killed => id,
    };
    drop(first);
    let claimed = chain.session(users[0]).expect("a session");
    assert_eq!(claimed.id, killed_session);
    assert_eq!(claimed.state, SessionState::AwaitingProof);
    assert_eq!(claimed.lease.map(|l| l.prover), Some(ActorId::from(PROVER)));

    // The restarted daemon finds its claimed input and the other one, and serves both.
    let stats = serve_all(backend(&chain, PROVER)).await;
    assert_eq!(stats.submitted, 2);
    for user in &users {
        assert_eq!(
            chain.session(*user).expect("a session").state,
            SessionState::ProofSubmitted
        );
    }

    // A third start finds nothing to do; every session got exactly one proof.
    let stats = serve_all(backend(&chain, PROVER)).await;
    assert_eq!(stats.submitted, 0);
    let mut proofs = Vec::new();
    while let Some(Some((_, event))) = sails_rs::futures::FutureExt::now_or_never(submitted.next())
    {
        if let VerifierEvents::ProofSubmitted { session_id, .. } = event {
            proofs.push(session_id);
        }
    }
    proofs.sort();
    assert_eq!(proofs, vec![0, 1]);
}

#[tokio::test]
async fn two_provers_share_the_work_without_duplicates() {
    let users = users(3);
    let chain = chain_with_inputs(&users).await;
    chain.add_prover(OTHER_PROVER).await.unwrap();
    let mut claims = chain.as_(STRANGER).sessions().listen().await.unwrap();
    let mut submissions = chain.as_(STRANGER).verifier().listen().await.unwrap();

    let mut a = Daemon::start(backend(&chain, PROVER), SETUP.prover.clone(), drain())
        .await
        .unwrap();
    let mut b = Daemon::start(backend(&chain, OTHER_PROVER), SETUP.prover.clone(), drain())
        .await
        .unwrap();
    let (a, b) = sails_rs::futures::join!(a.run(), b.run());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.submitted + b.submitted, 3, "{a:?} {b:?}");
    assert!(a.submitted > 0 && b.submitted > 0, "{a:?} {b:?}");
    assert_eq!(a.refused + b.refused, 0);

    let mut claimed = Vec::new();
    while let Some(Some((_, event))) = sails_rs::futures::FutureExt::now_or_never(claims.next()) {
        if let SessionsEvents::Claimed { session_id, .. } = event {
            claimed.push(session_id);
        }
    }
    let mut proved = Vec::new();
    while let Some(Some((_, event))) =
        sails_rs::futures::FutureExt::now_or_never(submissions.next())
    {
        if let VerifierEvents::ProofSubmitted { session_id, .. } = event {
            proved.push(session_id);
        }
    }
    claimed.sort();
    proved.sort();
    assert_eq!(claimed, vec![0, 1, 2], "each input claimed once");
    assert_eq!(proved, vec![0, 1, 2], "each input proved once");
}

/// A backend whose user purges the session while the daemon proves it, and submits a new input
/// before the proof of the old one arrives.
struct PurgedWhileProving<'a> {
    inner: GtestBackend,
    chain: &'a Chain,
    purged: Cell<bool>,
}

impl Backend for PurgedWhileProving<'_> {
    forward!(
        prover, is_prover, claimable, session, input, claim, private, fee, earned, verify
    );

    async fn submit_proof(
        &self,
        session_id: u64,
        proof: Vec<u8>,
    ) -> Result<(), CallError<VerifierError>> {
        if !self.purged.replace(true) {
            let sessions = || self.chain.as_(USER).sessions();
            sessions().purge().await.unwrap().unwrap();
            sessions()
                .submit_input(vec![0; 784], None)
                .await
                .unwrap()
                .unwrap();
        }
        self.inner.submit_proof(session_id, proof).await
    }
}

#[tokio::test]
async fn a_proof_for_a_purged_session_never_lands_in_the_next_one() {
    let chain = chain_with_inputs(&[USER]).await;
    let first = chain.session(USER).expect("a session").id;
    let backend = PurgedWhileProving {
        inner: backend(&chain, PROVER),
        chain: &chain,
        purged: Cell::new(false),
    };
    let stats = serve_all(backend).await;
    // The proof of the purged session is dropped; the new input is then proved on its own.
    assert_eq!((stats.submitted, stats.dropped, stats.refused), (1, 1, 0));
    let next = chain.session(USER).expect("a session");
    assert_ne!(next.id, first);
    assert_eq!(next.state, SessionState::ProofSubmitted);
    let verification = chain.verify(USER).await.unwrap();
    assert!(
        matches!(
            verification.outcome,
            verifier::VerificationStatus::Verified { .. }
        ),
        "{:?}",
        verification.outcome
    );
}

/// A backend over an unreliable link: the first polls fail, the first submission is garbage
/// (the program refuses it), and the second goes through but its reply is lost.
struct Unreliable {
    inner: GtestBackend,
    failed_polls: Cell<u32>,
    submissions: Cell<u32>,
}

impl Backend for Unreliable {
    forward!(
        prover, is_prover, session, input, claim, private, fee, earned, verify
    );

    async fn claimable(&self, after: Option<u64>, limit: u32) -> QueryResult<Vec<PendingInput>> {
        if self.failed_polls.get() < 2 {
            self.failed_polls.set(self.failed_polls.get() + 1);
            return Err(CallError::Transport("connection refused".into()));
        }
        self.inner.claimable(after, limit).await
    }
    async fn submit_proof(
        &self,
        session_id: u64,
        proof: Vec<u8>,
    ) -> Result<(), CallError<VerifierError>> {
        let n = self.submissions.get();
        self.submissions.set(n + 1);
        match n {
            0 => self.inner.submit_proof(session_id, vec![7; 100]).await,
            1 => {
                self.inner.submit_proof(session_id, proof).await?;
                Err(CallError::Transport("reply lost".into()))
            }
            _ => self.inner.submit_proof(session_id, proof).await,
        }
    }
}

#[tokio::test]
async fn failing_calls_are_retried_and_a_refused_submission_is_skipped() {
    let users = users(2);
    let chain = chain_with_inputs(&users).await;
    let backend = Unreliable {
        inner: backend(&chain, PROVER),
        failed_polls: Cell::new(0),
        submissions: Cell::new(0),
    };
    let retries = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = retries.clone();
    let stats = Daemon::start(backend, SETUP.prover.clone(), drain())
        .await
        .unwrap()
        .with_observer(Arc::new(move |event| {
            if matches!(event, DaemonEvent::Retrying { .. }) {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }))
        .run()
        .await
        .unwrap();
    // The garbage submission is refused for good; the lost reply is recognized as our proof.
    assert_eq!((stats.submitted, stats.refused), (1, 1), "{stats:?}");
    assert!(retries.load(std::sync::atomic::Ordering::Relaxed) >= 3);
    assert_eq!(
        chain.session(users[0]).expect("a session").state,
        SessionState::AwaitingProof
    );
    let second = chain.session(users[1]).expect("a session");
    assert_eq!(second.state, SessionState::ProofSubmitted);
    assert_eq!(second.prover, Some(ActorId::from(PROVER)));
}

#[tokio::test]
async fn polling_that_keeps_failing_is_a_clear_error() {
    struct Down;
    impl Backend for Down {
        fn prover(&self) -> ActorId {
            ActorId::from(PROVER)
        }
        async fn is_prover(&self) -> QueryResult<bool> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn claimable(&self, _: Option<u64>, _: u32) -> QueryResult<Vec<PendingInput>> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn session(&self, _: ActorId) -> QueryResult<Option<Session>> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn input(&self, _: u64) -> QueryResult<Option<Vec<u8>>> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn claim(&self, _: u64) -> Result<Lease, CallError<SessionsError>> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn submit_proof(&self, _: u64, _: Vec<u8>) -> Result<(), CallError<VerifierError>> {
            Err(CallError::Transport("connection refused".into()))
        }
        fn program_id(&self) -> ActorId {
            ActorId::zero()
        }
        async fn envelope(&self, _: u64) -> QueryResult<Option<Vec<u8>>> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn fee(&self, _: u64) -> QueryResult<u128> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn earned(&self) -> QueryResult<u128> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn verify(
            &self,
            _: u64,
            _: bool,
        ) -> Result<verifier::VerificationStatus, CallError<VerifierError>> {
            Err(CallError::Transport("connection refused".into()))
        }
        async fn set_encryption_key(&self, _: [u8; 32]) -> Result<(), CallError<ModelError>> {
            Err(CallError::Transport("connection refused".into()))
        }
    }
    let result = Daemon::start(Down, SETUP.prover.clone(), drain()).await;
    assert!(
        matches!(
            &result,
            Err(e @ Error::Lost { source, .. })
                if source.to_string().contains("connection refused") && e.is_connection_lost()
        ),
        "{:?}",
        result.err()
    );
}

/// A backend whose connection drops after start-up.
struct Dropped {
    inner: GtestBackend,
}

impl Backend for Dropped {
    forward!(
        prover,
        is_prover,
        session,
        input,
        claim,
        submit_proof,
        private,
        fee,
        earned,
        verify
    );

    async fn claimable(&self, _: Option<u64>, _: u32) -> QueryResult<Vec<PendingInput>> {
        Err(CallError::Transport("connection reset".into()))
    }
}

#[tokio::test]
async fn a_polling_daemon_that_loses_its_node_returns_an_error() {
    let chain = chain_with_inputs(&[]).await;
    let config = ServeConfig {
        drain: false,
        ..drain()
    };
    let backend = Dropped {
        inner: backend(&chain, PROVER),
    };
    let mut daemon = Daemon::start(backend, SETUP.prover.clone(), config)
        .await
        .unwrap();
    let result = daemon.run().await;
    assert!(
        matches!(
            &result,
            Err(e @ Error::Lost { source, .. })
                if source.to_string().contains("connection reset") && e.is_connection_lost()
        ),
        "{result:?}"
    );
}

/// A daemon with a price proves only the inputs that pay it, drives the verification of its
/// proof itself (the user sends one message, `SubmitInput` with the fee) and earns the fee.
#[tokio::test]
async fn a_priced_daemon_serves_paying_inputs_verifies_and_earns_the_fee() {
    const FEE: u128 = 10 * sails_rs::gtest::constants::EXISTENTIAL_DEPOSIT;
    let chain = Chain::start(&SETUP.model, &SETUP.keys)
        .await
        .expect("chain");
    chain.fund(STRANGER);
    let users = users(2);
    for (i, (user, fee)) in users.iter().zip([FEE, FEE / 2]).enumerate() {
        chain.fund(*user);
        chain
            .as_(*user)
            .sessions()
            .submit_input(SETUP.digits[i].clone(), None)
            .with_value(fee)
            .await
            .unwrap()
            .unwrap();
    }
    let config = ServeConfig {
        min_fee: FEE,
        verify: true,
        ..drain()
    };
    let stats = Daemon::start(backend(&chain, PROVER), SETUP.prover.clone(), config)
        .await
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(
        (
            stats.submitted,
            stats.verified,
            stats.below_price,
            stats.earned
        ),
        (1, 1, 1, FEE),
        "{stats:?}"
    );
    let expected = SETUP.model.infer(&SETUP.digits[0]).unwrap();
    assert!(matches!(
        chain.session(users[0]).expect("a session").state,
        SessionState::Verified { digit, .. } if digit == expected.digit
    ));
    assert_eq!(
        chain.session(users[1]).expect("a session").state,
        SessionState::AwaitingProof
    );
    assert_eq!(backend(&chain, PROVER).earned().await.unwrap(), FEE);
}

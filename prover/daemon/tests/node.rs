//! Every role's commands and the prover daemon against a real Gear dev node (feature `gsdk`),
//! in the order a session goes: `zkml deploy` as `//Alice` (Bob registered), `zkml submit` as
//! `//Charlie` with a fee, `zkml serve` as `//Bob` proves it, `zkml status` and `zkml verify` as
//! Charlie to the outcome, `zkml withdraw` as Bob (exactly the fee), and `zkml purge` on
//! `//Dave`'s session before a proof (the fee comes back, and Dave withdraws it).
//!
//! Ignored by default: it needs a node binary in `GEAR_PATH`. See `NODE.md` next to this file.
#![cfg(feature = "gsdk")]

use sails_rs::gsdk::{Api, SignedApi};
use sails_rs::prelude::ActorId;
use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkml_client::sessions::SessionState;
use zkml_client::verifier::VerificationStatus;
use zkml_daemon::gsdk::{GsdkBackend, GsdkDeployer};
use zkml_daemon::roles::deploy::{DeployPlan, deploy};
use zkml_daemon::roles::{self, RoleError, user};
use zkml_daemon::{Backend as _, Daemon, DaemonEvent, ServeConfig};
use zkml_model::{Dataset, QuantizedModel};
use zkml_proving::export::chain_keys;
use zkml_proving::{Prover, SetupConfig};
use zkml_testkit::model_init;

/// One token (VARA) in the chain's smallest unit.
const UNIT: u128 = 1_000_000_000_000;
/// Balance Bob and Charlie are topped up to, from Alice (dev chains may fund only Alice and Bob).
const FUNDS: u128 = 20_000 * UNIT;
/// The fee Charlie attaches to her input, which Bob's daemon earns.
const FEE: u128 = 2 * UNIT;
/// Node log lines kept for failure reports.
const LOG_LINES: usize = 300;

/// The node binary: `GEAR_PATH` at run time, or at compile time as the Sails examples take it.
fn gear_path() -> PathBuf {
    let path = std::env::var_os("GEAR_PATH")
        .map(PathBuf::from)
        .or_else(|| option_env!("GEAR_PATH").map(PathBuf::from))
        .unwrap_or_else(|| {
            panic!(
                "GEAR_PATH is not set: this test needs a Gear node binary, e.g. \
                 GEAR_PATH=/path/to/gear cargo test --release -p zkml-daemon --features gsdk \
                 --test node -- --ignored (see prover/daemon/tests/NODE.md)"
            )
        });
    assert!(
        path.is_file(),
        "GEAR_PATH={} is not a file; it must be the Gear node binary",
        path.display()
    );
    path
}

/// A local port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// A dev node started from a binary; killed when dropped, its log tail printed on panic.
struct Node {
    child: Child,
    ws: String,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Node {
    /// Starts `gear --dev --tmp` with free RPC and p2p ports and no Prometheus endpoint.
    fn start(binary: &Path) -> Self {
        let rpc_port = free_port();
        let p2p_port = free_port();
        let mut child = Command::new(binary)
            .args(["--dev", "--tmp", "--no-hardware-benchmarks"])
            .args(["--no-prometheus", "--no-telemetry"])
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(["--port", &p2p_port.to_string()])
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the node {}: {e}", binary.display()));
        let log = Arc::new(Mutex::new(VecDeque::with_capacity(LOG_LINES)));
        // Drain both pipes for the node's lifetime, so it never blocks on a full pipe.
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        for pipe in [stdout, stderr].into_iter().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    if log.len() == LOG_LINES {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
            });
        }
        eprintln!(
            "node: {} --dev --tmp, rpc port {rpc_port}, pid {}",
            binary.display(),
            child.id()
        );
        Self {
            child,
            ws: format!("ws://127.0.0.1:{rpc_port}"),
            log,
        }
    }

    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Connects once the node accepts RPC connections (at most `limit` after start).
    async fn connect(&mut self, limit: Duration) -> Api {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("node status") {
                panic!(
                    "the node exited ({status}) before accepting connections; its log:\n{}",
                    self.log_tail()
                );
            }
            match Api::new(&self.ws).await {
                Ok(api) => {
                    eprintln!("node: {} up after {:?}", self.ws, started.elapsed());
                    return api;
                }
                Err(e) if started.elapsed() > limit => {
                    panic!(
                        "the node at {} did not accept connections within {limit:?} ({e}); \
                         its log:\n{}",
                        self.ws,
                        self.log_tail()
                    );
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("---- node log (last lines) ----\n{}", self.log_tail());
        }
        // SIGTERM first so the node removes its --tmp base path; SIGKILL if it lingers.
        #[cfg(unix)]
        if Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success())
        {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails with `what` if `future` takes longer than `limit`.
async fn within<T>(what: &str, limit: Duration, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within {limit:?}"))
}

fn account(api: &SignedApi) -> ActorId {
    ActorId::try_from(api.account_id().as_ref()).expect("a 32-byte account id")
}

fn hex(id: ActorId) -> String {
    let bytes: &[u8] = id.as_ref();
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{digits}")
}

/// Tops `who` up to [`FUNDS`] from `alice`.
async fn fund(alice: &SignedApi, who: &SignedApi) {
    // An account that was never funded has no storage entry: its balance reads as an error.
    let balance = who.free_balance().await.unwrap_or(0);
    if balance < FUNDS {
        within(
            "transfer",
            Duration::from_secs(120),
            alice.transfer_keep_alive(account(who), FUNDS - balance),
        )
        .await
        .unwrap_or_else(|e| panic!("Alice cannot fund {}: {e}", hex(account(who))));
    }
}

#[tokio::test]
#[ignore = "needs a Gear node binary in GEAR_PATH; see prover/daemon/tests/NODE.md"]
async fn every_role_command_and_the_daemon_run_sessions_on_a_real_node() {
    let binary = gear_path();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("zkml_daemon=info,zkml_proving=info")
            }),
        )
        .with_test_writer()
        .try_init();

    // The model, its prover (keys cached under ~/.cache/vara-zkml) and a committed digit.
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets");
    let model = QuantizedModel::load(assets.join("model.zkml")).expect("model");
    let digits = Dataset::load(assets.join("test-digits.bin")).expect("digits");
    let prover = Prover::setup(&model, &SetupConfig::default_cache(), &|_| {}).expect("setup");
    let keys = chain_keys(&prover).expect("chain keys");
    let pixels = digits.digits()[0].pixels().to_vec();
    let expected = model.infer(&pixels).expect("native inference");

    let mut node = Node::start(&binary);
    let api = node.connect(Duration::from_secs(180)).await;
    let signed = |suri: &str| {
        api.clone()
            .signed(suri, None)
            .unwrap_or_else(|e| panic!("{suri}: {e}"))
    };
    let (alice, bob, charlie) = (signed("//Alice"), signed("//Bob"), signed("//Charlie"));
    let (bob_id, charlie_id) = (account(&bob), account(&charlie));
    fund(&alice, &bob).await;
    fund(&alice, &charlie).await;

    // `zkml deploy` as Alice: code, program, verifier data, finalize, Bob registered.
    let plan = DeployPlan {
        wasm: zkml_wasm::WASM_BINARY.to_vec(),
        salt: b"vara-zkml-node-test".to_vec(),
        init: model_init(&model, &keys),
        verifier_data: keys.constant_key.clone(),
        provers: vec![bob_id],
        minimum_fee: Some(UNIT),
    };
    let signer = |suri: &'static str| {
        let ws = node.ws.clone();
        async move {
            GsdkDeployer::connect(&ws, suri)
                .await
                .unwrap_or_else(|e| panic!("{suri}: {e}"))
        }
    };
    let admin = within(
        "zkml deploy",
        Duration::from_secs(1200),
        deploy(&signer("//Alice").await, &plan, &|done, declared| {
            eprintln!("verifier data {done}/{declared}");
        }),
    )
    .await
    .expect("zkml deploy");
    let program_id = admin.program_id();
    eprintln!("program {} deployed", hex(program_id));

    // `zkml submit` as Charlie, with a fee.
    let user = signer("//Charlie").await.backend(program_id);
    roles::check_program(&user).await.expect("our program");
    let nowhere = signer("//Charlie").await.backend(ActorId::from([7; 32]));
    let error = roles::check_program(&nowhere)
        .await
        .expect_err("no program there");
    assert!(matches!(error, RoleError::NoProgram { .. }), "{error:?}");
    let session_id = within(
        "zkml submit",
        Duration::from_secs(120),
        user::submit(&user, &pixels, FEE),
    )
    .await
    .expect("zkml submit");
    eprintln!("session {session_id} opened by {}", hex(charlie_id));

    // `zkml serve` as Bob proves and submits (verification left to the user's command here).
    let backend = GsdkBackend::connect(&node.ws, "//Bob", &hex(program_id))
        .await
        .expect("GsdkBackend::connect");
    assert_eq!(backend.prover(), bob_id);
    let config = ServeConfig {
        poll_interval: Duration::from_secs(3),
        drain: true,
        verify: false,
        ..ServeConfig::default()
    };
    let stats = within("zkml serve", Duration::from_secs(3600), async {
        Daemon::start(backend, Arc::new(prover), config)
            .await
            .expect("Bob is a registered prover")
            .with_observer(Arc::new(|event: &DaemonEvent| {
                if !matches!(event, DaemonEvent::Proving { .. }) {
                    eprintln!("daemon: {event:?}");
                }
            }))
            .run()
            .await
            .expect("the daemon drains")
    })
    .await;
    assert_eq!(
        (stats.submitted, stats.dropped, stats.refused),
        (1, 0, 0),
        "{stats:?}"
    );

    // `zkml status`, then `zkml verify` as Charlie to the outcome.
    let status = user::status(&user, None).await.expect("zkml status");
    assert_eq!(status.session.id, session_id);
    assert_eq!(status.session.state, SessionState::ProofSubmitted);
    assert_eq!((status.session.prover, status.escrow), (Some(bob_id), FEE));
    let outcome = within(
        "zkml verify",
        Duration::from_secs(1800),
        user::verify(&user, None, &|done, total| {
            eprintln!("verifying {done}/{total}")
        }),
    )
    .await
    .expect("zkml verify");
    let logits: Vec<i64> = expected.logits.iter().map(|l| i64::from(*l)).collect();
    assert_eq!(
        outcome,
        VerificationStatus::Verified {
            digit: expected.digit,
            logits,
        }
    );

    // `zkml withdraw` as Bob: exactly the fee, then nothing.
    let bob = signer("//Bob").await.backend(program_id);
    assert_eq!(roles::withdraw(&bob).await.expect("zkml withdraw"), FEE);
    assert!(matches!(
        roles::withdraw(&bob).await,
        Err(RoleError::NothingOwed(_))
    ));

    // `zkml purge` on another session before any proof: Dave's fee comes back to him.
    let dave = signed("//Dave");
    fund(&alice, &dave).await;
    let other = signer("//Dave").await.backend(program_id);
    let other_id = user::submit(&other, &pixels, FEE)
        .await
        .expect("zkml submit");
    let purged = user::purge(&other).await.expect("zkml purge");
    assert_eq!(purged.session_id, other_id);
    assert_eq!((purged.fee, purged.fee_to), (FEE, Some(account(&dave))));
    assert_eq!(roles::withdraw(&other).await.expect("zkml withdraw"), FEE);
    drop(node);
}

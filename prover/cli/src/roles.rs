//! Every role's commands on a real node: `zkml deploy` (the Initializer), `zkml submit`,
//! `status`, `verify`, `purge` and `zkml prove --node` (the user), `zkml withdraw` (a prover, or
//! a user with refunds). The logic lives in `zkml_daemon::roles`, where the tests run it on the
//! embedded chain; this module parses settings, signs, shows progress and prints.

use super::{SetupArgs, setup};
use anyhow::{Context as _, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkml_client::sessions::SessionState;
use zkml_client::verifier::VerificationStatus;
use zkml_daemon::ActorId;
use zkml_daemon::roles::deploy::DeployPlan;
use zkml_daemon::roles::{self, user};
use zkml_proving::{Event, hex};

/// The environment variable the signing account's secret URI may come from.
pub const SURI_ENV: &str = "ZKML_SURI";

/// The node and the signing account.
#[derive(clap::Args, Clone)]
// Without `gsdk` the settings are checked, then only the rebuild hint is printed.
#[cfg_attr(not(feature = "gsdk"), allow(dead_code))]
pub struct SignerArgs {
    /// WebSocket address of a Gear/Vara node, e.g. ws://127.0.0.1:9944 (needs a build with
    /// `--features gsdk`).
    #[arg(long)]
    pub node: String,
    /// A file holding the signing account's secret URI (`//Alice`, a mnemonic or a 0x seed) on
    /// its first line. Without it, the secret is read from the environment variable
    /// `ZKML_SURI`.
    #[arg(long, value_name = "PATH")]
    pub suri_file: Option<PathBuf>,
    /// Refused: a secret given as an argument shows in the process list and shell history.
    /// Kept only to say so (the value is never printed).
    #[arg(long, hide = true, value_name = "SECRET")]
    pub suri: Option<String>,
}

impl SignerArgs {
    /// The signer's secret URI, from `--suri-file` or [`SURI_ENV`]; a secret given as an
    /// argument is refused without being echoed.
    pub fn secret_uri(&self) -> Result<String> {
        if self.suri.is_some() {
            bail!(
                "--suri takes no secret on the command line, where every user of this machine \
                 sees it (process list, shell history): put it on the first line of a file \
                 readable only by you and pass --suri-file PATH, or set {SURI_ENV}"
            );
        }
        let secret = match &self.suri_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the secret file {}", path.display()))?;
                text.lines().next().unwrap_or_default().trim().to_owned()
            }
            None => std::env::var(SURI_ENV).unwrap_or_default(),
        };
        if secret.is_empty() {
            bail!("no secret for the signing account: pass --suri-file PATH or set {SURI_ENV}");
        }
        Ok(secret)
    }
}

/// A program on a node, and the signing account.
#[derive(clap::Args, Clone)]
pub struct ChainArgs {
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The program's id, 0x and 64 hex digits (what `zkml deploy` printed).
    #[arg(long)]
    pub program: String,
}

#[derive(clap::Args)]
pub struct DeployArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// A prover account to register (0x and 64 hex digits); repeat for several.
    #[arg(long = "prover", value_name = "ACCOUNT")]
    provers: Vec<String>,
    /// The minimum fee an input must carry, in the chain's smallest value unit (zero: free
    /// inputs; otherwise at least the existential deposit).
    #[arg(long, value_name = "VALUE")]
    min_fee: Option<u128>,
    /// The program's code [default: the zkml-wasm built into this binary].
    #[arg(long, value_name = "PATH")]
    wasm: Option<PathBuf>,
    /// Salt of the program's id [default: the current time, a new program each run].
    #[arg(long)]
    salt: Option<String>,
    #[command(flatten)]
    setup: SetupArgs,
}

#[derive(clap::Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    chain: ChainArgs,
    /// The digit: a 28x28 8-bit grayscale PNG.
    #[arg(long)]
    image: PathBuf,
    /// The fee attached, in the chain's smallest value unit; held in escrow until the outcome
    /// and paid to the prover whose proof verifies.
    #[arg(long, default_value_t = 0, value_name = "VALUE")]
    fee: u128,
    /// A private input: the chain gets a commitment and an envelope sealed for the registered
    /// provers' keys, never the pixels. The opening is saved to --opening-out.
    #[arg(long)]
    private: bool,
    /// Where a private input's opening (pixels and blinding) is saved; the file must not exist.
    #[arg(long, value_name = "PATH", default_value = "zkml-opening.txt")]
    opening_out: PathBuf,
}

#[derive(clap::Args)]
pub struct SessionArgs {
    #[command(flatten)]
    chain: ChainArgs,
    /// Whose session [default: the signer's].
    #[arg(long, value_name = "ACCOUNT")]
    user: Option<String>,
}

#[derive(clap::Args)]
pub struct AccountArgs {
    #[command(flatten)]
    chain: ChainArgs,
}

/// `zkml prove --node`: the owner proves its own session.
#[derive(clap::Args)]
pub struct ProveOnChainArgs {
    /// Prove the signer's session on this node and submit the proof (needs --program).
    #[arg(long, requires = "program")]
    pub node: Option<String>,
    /// The program's id, with --node.
    #[arg(long, requires = "node")]
    pub program: Option<String>,
    /// With --node: a file holding the signer's secret URI (or set `ZKML_SURI`).
    #[arg(long, value_name = "PATH", requires = "node")]
    pub suri_file: Option<PathBuf>,
    /// Refused, as for every command.
    #[arg(long, hide = true, value_name = "SECRET", requires = "node")]
    pub suri: Option<String>,
    /// With --node, for a private input: the opening file `zkml submit --private` saved.
    #[arg(long, value_name = "PATH", requires = "node")]
    pub opening: Option<PathBuf>,
}

/// A bar over verifier-data bytes or verification work units.
fn bar(template: &str) -> Result<ProgressBar> {
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template(template)?.progress_chars("=> "));
    bar.enable_steady_tick(Duration::from_millis(120));
    Ok(bar)
}

/// The program id and the secret, checked before anything else is done.
fn settings(chain: &ChainArgs) -> Result<(ActorId, String)> {
    let program = roles::program_id(&chain.program)?;
    Ok((program, chain.signer.secret_uri()?))
}

/// An optional account id.
fn account(text: Option<&str>) -> Result<Option<ActorId>> {
    Ok(text.map(roles::account_id).transpose()?)
}

/// A session's state in words.
fn state(state: &SessionState) -> String {
    match state {
        SessionState::AwaitingProof => "awaiting a proof".into(),
        SessionState::ProofSubmitted => {
            "proof submitted, awaiting verification (`zkml verify`)".into()
        }
        SessionState::Verifying { done, total } => format!("verifying, {done}/{total} work units"),
        SessionState::Verified { digit, logits } => {
            format!("verified: digit {digit}, logits {logits:?}")
        }
        SessionState::Rejected { reason } => format!("rejected: {reason}"),
    }
}

/// Runs `f` on the program of `chain` as its signer, once the program answers as ours.
#[cfg(feature = "gsdk")]
fn on_chain<T>(
    chain: &ChainArgs,
    f: impl AsyncFnOnce(&zkml_daemon::gsdk::GsdkBackend) -> Result<T>,
) -> Result<T> {
    let (program, suri) = settings(chain)?;
    super::serve::runtime()?.block_on(async {
        let signer = zkml_daemon::gsdk::GsdkDeployer::connect(&chain.signer.node, &suri).await?;
        let backend = signer.backend(program);
        roles::check_program(&backend).await?;
        f(&backend).await
    })
}

/// Without the `gsdk` feature there is no real-node backend: the settings are checked, then
/// this says how to rebuild. (`f` is type-checked against the embedded backend, never run.)
#[cfg(not(feature = "gsdk"))]
fn on_chain<T>(
    chain: &ChainArgs,
    _: impl AsyncFnOnce(&zkml_daemon::GtestBackend) -> Result<T>,
) -> Result<T> {
    settings(chain)?;
    Err(no_node())
}

/// What a build without the `gsdk` feature says of a real-node command.
fn no_node() -> anyhow::Error {
    anyhow::anyhow!(
        "this zkml was built without the real-node backend; rebuild it with \
         `cargo build --release -p zkml --features gsdk`"
    )
}

/// `zkml deploy`.
pub fn deploy(args: DeployArgs) -> Result<()> {
    let provers = args
        .provers
        .iter()
        .map(|p| roles::account_id(p))
        .collect::<Result<Vec<_>, _>>()?;
    let suri = args.signer.secret_uri()?;
    let wasm = match &args.wasm {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read the program's code {}", path.display()))?,
        None => zkml_wasm::WASM_BINARY.to_vec(),
    };
    let salt = match &args.salt {
        Some(salt) => salt.as_bytes().to_vec(),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
            .to_le_bytes()
            .to_vec(),
    };
    if cfg!(not(feature = "gsdk")) {
        // Checked what can be checked; the keys' setup is not worth running for nothing.
        return Err(no_node());
    }
    let (model, prover) = setup(&args.setup)?;
    let keys = zkml_proving::export::chain_keys(&prover)?;
    let plan = DeployPlan {
        wasm,
        salt,
        init: zkml_testkit::model_init(&model, &keys),
        verifier_data: keys.constant_key,
        provers,
        minimum_fee: args.min_fee,
    };
    deploy_on(&args.signer.node, &suri, &plan)
}

#[cfg(feature = "gsdk")]
fn deploy_on(node: &str, suri: &str, plan: &DeployPlan) -> Result<()> {
    use zkml_daemon::Backend as _;
    let upload = bar("{spinner} verifier data [{bar:30}] {bytes}/{total_bytes} {elapsed_precise}")?;
    let shown = upload.clone();
    let backend = super::serve::runtime()?.block_on(async {
        let signer = zkml_daemon::gsdk::GsdkDeployer::connect(node, suri).await?;
        println!("admin        0x{}", hex(signer.account().as_ref()));
        let progress = move |uploaded: u32, declared: u32| {
            shown.set_length(u64::from(declared));
            shown.set_position(u64::from(uploaded));
        };
        anyhow::Ok(roles::deploy::deploy(&signer, plan, &progress).await?)
    });
    upload.finish_and_clear();
    let backend = backend?;
    println!(
        "verifier     {} bytes uploaded, model finalized",
        plan.verifier_data.len()
    );
    for prover in &plan.provers {
        println!("prover       0x{} registered", hex(prover.as_ref()));
    }
    if let Some(fee) = plan.minimum_fee {
        println!("minimum fee  {fee}");
    }
    println!("program      0x{}", hex(backend.program_id().as_ref()));
    Ok(())
}

#[cfg(not(feature = "gsdk"))]
fn deploy_on(_: &str, _: &str, _: &DeployPlan) -> Result<()> {
    Err(no_node())
}

/// `zkml submit`.
pub fn submit(args: SubmitArgs) -> Result<()> {
    let pixels = user::read_image(&args.image)?;
    if args.private && args.opening_out.exists() {
        bail!(
            "{} exists: pass --opening-out with a new file for this input's opening",
            args.opening_out.display()
        );
    }
    on_chain(&args.chain, async |backend| {
        if args.private {
            let (session_id, opening) = user::submit_private(backend, &pixels, args.fee).await?;
            save_opening(&args.opening_out, &opening.to_text())?;
            println!(
                "session      {session_id} (private input, fee {})",
                args.fee
            );
            println!("commitment   0x{}", hex(&opening.commitment));
            println!(
                "opening      saved to {}: keep it; with it you can prove the session yourself \
                 (`zkml prove --node … --opening {}`)",
                args.opening_out.display(),
                args.opening_out.display()
            );
        } else {
            let session_id = user::submit(backend, &pixels, args.fee).await?;
            println!("session      {session_id} (fee {})", args.fee);
        }
        Ok(())
    })
}

/// Writes the opening to a new file (readable only by its owner on Unix).
fn save_opening(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    Ok(())
}

/// `zkml status`.
pub fn status(args: SessionArgs) -> Result<()> {
    let user = account(args.user.as_deref())?;
    on_chain(&args.chain, async |backend| {
        let status = user::status(backend, user).await?;
        let session = &status.session;
        println!(
            "session      {} of 0x{}",
            session.id,
            hex(session.user.as_ref())
        );
        println!("state        {}", state(&session.state));
        if let Some(prover) = session.prover {
            println!("prover       0x{}", hex(prover.as_ref()));
        }
        println!("escrow       {}", status.escrow);
        println!(
            "owed         {} (to withdraw with `zkml withdraw`)",
            status.owed
        );
        Ok(())
    })
}

/// `zkml verify`.
pub fn verify(args: SessionArgs) -> Result<()> {
    let user = account(args.user.as_deref())?;
    on_chain(&args.chain, async |backend| {
        let shown = bar("{spinner} verifying [{bar:30}] {pos}/{len} work units {elapsed_precise}")?;
        let progress = {
            let shown = shown.clone();
            move |done: u64, total: u64| {
                shown.set_length(total);
                shown.set_position(done);
            }
        };
        let outcome = user::verify(backend, user, &progress).await;
        shown.finish_and_clear();
        match outcome? {
            VerificationStatus::Verified { digit, logits } => {
                println!("verified     digit {digit}, logits {logits:?}");
            }
            VerificationStatus::Rejected { reason } => println!("rejected     {reason}"),
            VerificationStatus::Verifying { done, total } => {
                println!("verifying    {done}/{total}");
            }
        }
        Ok(())
    })
}

/// `zkml purge`.
pub fn purge(args: AccountArgs) -> Result<()> {
    on_chain(&args.chain, async |backend| {
        let purged = user::purge(backend).await?;
        println!("purged       session {}", purged.session_id);
        match purged.fee_to {
            Some(to) => println!(
                "fee          {} refunded to 0x{} (`zkml withdraw`)",
                purged.fee,
                hex(to.as_ref())
            ),
            None => println!("fee          none held"),
        }
        Ok(())
    })
}

/// `zkml withdraw`.
pub fn withdraw(args: AccountArgs) -> Result<()> {
    on_chain(&args.chain, async |backend| {
        let amount = roles::withdraw(backend).await?;
        println!("withdrawn    {amount}");
        Ok(())
    })
}

/// `zkml prove --node`: the signer proves its own session and submits the proof.
pub fn prove_on_chain(args: &ProveOnChainArgs, setup_args: &SetupArgs) -> Result<()> {
    let chain = ChainArgs {
        signer: SignerArgs {
            node: args.node.clone().unwrap_or_default(),
            suri_file: args.suri_file.clone(),
            suri: args.suri.clone(),
        },
        program: args.program.clone().unwrap_or_default(),
    };
    settings(&chain)?;
    let opening = match &args.opening {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the opening file {}", path.display()))?;
            Some(user::PrivateOpening::from_text(&text)?)
        }
        None => None,
    };
    if cfg!(not(feature = "gsdk")) {
        return Err(no_node());
    }
    let (_, prover) = setup(setup_args)?;
    on_chain(&chain, async |backend| {
        let shown = bar("{spinner} {msg} {elapsed_precise}")?;
        let on_event = {
            let shown = shown.clone();
            move |event: Event| match event {
                Event::Step { index, total } => {
                    shown.set_message(format!("folded {index}/{total}"))
                }
                Event::Phase(phase) => shown.set_message(phase),
                _ => {}
            }
        };
        let session_id = user::prove_own(backend, &prover, opening.as_ref(), &on_event).await;
        shown.finish_and_clear();
        println!(
            "proof        submitted for session {}; `zkml verify` drives it",
            session_id?
        );
        Ok(())
    })
}

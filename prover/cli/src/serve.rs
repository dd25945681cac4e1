//! `zkml demo` and `zkml load` on an embedded gtest chain, and `zkml serve` on a real node.

use super::roles::ChainArgs;
use super::{DEFAULT_TEST_SPLIT, InputArgs, SetupArgs, read_input, setup};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tracing::info;
use zkml_daemon::{DaemonEvent, Observer};
use zkml_daemon::{embedded, private_demo};
use zkml_envelope::SecretKey;
use zkml_model::Dataset;
use zkml_proving::export;
use zkml_proving::{Event, hex};
use zkml_testkit::{Chain, VerificationStatus};
use zkml_verifier::statement::PIXELS;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// A private input: the chain gets a commitment and an envelope sealed for the prover,
    /// never the pixels.
    #[arg(long)]
    private: bool,
    #[command(flatten)]
    input: InputArgs,
    /// The fee the user attaches to its input, in the chain's smallest value unit (the
    /// embedded chain's existential deposit is 1e12; a fee is zero or at least that).
    #[arg(long, default_value_t = 10_000_000_000_000)]
    fee: u128,
    #[command(flatten)]
    setup: SetupArgs,
}

#[derive(clap::Args)]
pub struct LoadArgs {
    /// Users who each submit one sample digit at the same time.
    #[arg(long, default_value_t = 20)]
    users: usize,
    /// Prover daemons (distinct accounts) serving them side by side.
    #[arg(long, default_value_t = 1)]
    provers: usize,
    /// Sample digits file (785-byte records) the users' inputs come from.
    #[arg(long, default_value = DEFAULT_TEST_SPLIT)]
    digits: PathBuf,
    #[command(flatten)]
    setup: SetupArgs,
}

#[derive(clap::Args)]
// Without `gsdk` the settings are parsed, then only the rebuild hint is printed.
#[cfg_attr(not(feature = "gsdk"), allow(dead_code))]
pub struct ServeArgs {
    #[command(flatten)]
    chain: ChainArgs,
    /// A file holding the prover's X25519 secret key for private inputs, 64 hex digits on its
    /// first line (`zkml envelope-key` writes one). Without it, the key is read from the
    /// environment variable `ZKML_ENVELOPE_KEY`; without either, the daemon proves public
    /// inputs only and skips private ones. The daemon registers the public key with the program.
    #[arg(long, value_name = "PATH")]
    envelope_key_file: Option<PathBuf>,
    /// Seconds between polls when nothing is claimable.
    #[arg(long, default_value_t = 3)]
    poll: u64,
    /// The prover's price, in the chain's smallest value unit: inputs whose fee is below it
    /// are left alone. Every proof served is verified by the daemon (it pays that gas) and
    /// earns its input's fee.
    #[arg(long, default_value_t = 0, value_name = "VALUE")]
    min_fee: u128,
    #[command(flatten)]
    setup: SetupArgs,
}

/// The environment variable a prover's envelope secret key may come from (64 hex digits).
pub const ENVELOPE_KEY_ENV: &str = "ZKML_ENVELOPE_KEY";

#[derive(clap::Args)]
pub struct EnvelopeKeyArgs {
    /// Where to write the new secret key (64 hex digits); the file must not exist.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
}

/// Writes a fresh envelope secret key to a new file and prints its public key.
pub fn envelope_key(args: EnvelopeKeyArgs) -> Result<()> {
    let key = SecretKey::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    std::io::Write::write_all(
        &mut file,
        format!("{}\n", hex(key.to_bytes().as_ref())).as_bytes(),
    )?;
    println!("public key   0x{}", hex(&key.public_key()));
    Ok(())
}

/// Reads an envelope secret key: 64 hex digits (an optional `0x`), never echoed back.
fn parse_envelope_key(text: &str) -> Result<SecretKey> {
    let digits = text.trim().trim_start_matches("0x");
    if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("an envelope key is 64 hex digits");
    }
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16))
        .collect::<std::result::Result<_, _>>()?;
    Ok(SecretKey::from_bytes(&bytes)?)
}

impl ServeArgs {
    /// The prover's envelope secret key, from `--envelope-key-file` or [`ENVELOPE_KEY_ENV`], if
    /// either is given.
    fn envelope_key(&self) -> Result<Option<SecretKey>> {
        let text = match &self.envelope_key_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the envelope key file {}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            None => match std::env::var(ENVELOPE_KEY_ENV) {
                Ok(text) => text,
                Err(_) => return Ok(None),
            },
        };
        parse_envelope_key(&text)
            .map(Some)
            .context("the envelope key (its value is not shown)")
    }
}

/// The digit as a 28-line terminal picture, darker characters for more ink.
fn picture(pixels: &[u8; PIXELS]) -> String {
    const SHADES: &[u8] = b" .:-=+*#%@";
    pixels
        .chunks(28)
        .map(|row| {
            row.iter()
                .map(|p| SHADES[usize::from(*p) * (SHADES.len() - 1) / 255] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A progress bar over `total` proofs (a spinner if `total` is 0) fed by daemon events.
fn progress(total: u64) -> Result<(ProgressBar, Observer)> {
    let bar = if total == 0 {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template(
            "{spinner} {pos} proofs submitted {elapsed} {msg}",
        )?);
        bar
    } else {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} proofs [{bar:30}] {pos}/{len} {elapsed_precise} {msg}",
            )?
            .progress_chars("=> "),
        );
        bar
    };
    bar.enable_steady_tick(Duration::from_millis(120));
    let shown = bar.clone();
    let observer: Observer = Arc::new(move |event| match event {
        DaemonEvent::Claimed { session_id, .. } => {
            shown.set_message(format!("session {session_id}: claimed"));
        }
        DaemonEvent::Proving {
            session_id,
            event: Event::Step { index, total },
        } => shown.set_message(format!("session {session_id}: folded {index}/{total}")),
        DaemonEvent::Proving {
            session_id,
            event: Event::Phase(phase),
        } => shown.set_message(format!("session {session_id}: {phase}")),
        DaemonEvent::Submitted { session_id, .. } => {
            shown.inc(1);
            shown.set_message(format!("session {session_id}: submitted"));
        }
        DaemonEvent::Skipped { session_id, reason } => {
            shown.set_message(format!("session {session_id}: skipped ({reason})"));
        }
        DaemonEvent::Retrying { what, delay, .. } => {
            shown.set_message(format!("{what} failed; retrying in {delay:?}"));
        }
        DaemonEvent::Verifying {
            session_id,
            done,
            total,
        } => shown.set_message(format!("session {session_id}: verifying {done}/{total}")),
        DaemonEvent::Verified {
            session_id,
            digit,
            fee,
        } => shown.set_message(format!(
            "session {session_id}: verified (digit {digit}), earned {fee}"
        )),
        DaemonEvent::Rejected { session_id, reason } => {
            shown.set_message(format!("session {session_id}: rejected ({reason})"));
        }
        DaemonEvent::Proving { .. } => {}
    });
    Ok((bar, observer))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn demo(args: DemoArgs) -> Result<()> {
    let (pixels, label, source) = read_input(&args.input)?;
    let (model, prover) = setup(&args.setup)?;
    let keys = export::chain_keys(&prover)?;
    println!("{}", picture(&pixels));
    println!(
        "input        {source}{}",
        label.map(|l| format!(" (label {l})")).unwrap_or_default()
    );
    let (bar, observer) = progress(1)?;
    let report = runtime()?.block_on(async {
        info!("deploying the program, uploading the verifier key, registering the prover");
        let chain = Chain::start(&model, &keys).await?;
        let report = if args.private {
            info!(
                "the prover registers its key; the user seals the digit for it and submits it \
                 with its fee; the daemon opens, proves, submits and verifies"
            );
            private_demo::demo_private(&chain, Arc::new(prover), &pixels, args.fee, observer)
                .await
                .map(|r| {
                    let held = (
                        r.commitment,
                        r.envelope_len,
                        r.pixels_on_chain,
                        r.recipients,
                    );
                    (r.demo, Some(held))
                })
        } else {
            info!(
                "the user submits the digit with its fee (one message); the daemon claims, \
                 proves, submits and verifies"
            );
            embedded::demo(&chain, Arc::new(prover), &pixels, args.fee, observer)
                .await
                .map(|report| (report, None))
        };
        bar.finish_and_clear();
        report
    })?;
    let (report, held) = report;
    if let Some((commitment, envelope_len, pixels_on_chain, recipients)) = held {
        println!("on chain     commitment 0x{}", hex(&commitment));
        println!(
            "             envelope {envelope_len} bytes (sealed for {recipients} prover{}), \
             {pixels_on_chain} bytes of pixels",
            if recipients == 1 { "" } else { "s" }
        );
    }
    match &report.outcome {
        VerificationStatus::Verified { digit, logits } => {
            println!("prediction   {digit} (verified on-chain)");
            println!("logits       {logits:?}");
        }
        other => println!("outcome      {other:?}"),
    }
    println!("prove time   {:.2} s", report.prove_time.as_secs_f64());
    println!("proof size   {} bytes", report.proof_size);
    println!(
        "verification {} messages sent by the prover's daemon; the prover paid {:.3e} gas for \
         claim, proof and verification",
        report.verify_messages, report.prover_gas as f64
    );
    println!(
        "fee paid     {} by the user (its one message: {})",
        report.fee,
        if args.private {
            "SubmitPrivateInput"
        } else {
            "SubmitInput"
        }
    );
    println!(
        "earned       {} by the prover; the program owes it {} (Fees.Withdraw)",
        report.earned, report.owed
    );
    println!("final event  {:?}", report.event);
    Ok(())
}

/// A load run on the embedded chain.
pub fn load(args: LoadArgs) -> Result<()> {
    if args.users == 0 || args.provers == 0 {
        bail!("--users and --provers must be at least 1");
    }
    let digits = Dataset::load(&args.digits)
        .context("loading the sample digits (run from the workspace root or pass --digits)")?;
    let inputs: Vec<Vec<u8>> = (0..args.users)
        .map(|i| digits.digits()[i % digits.len()].pixels().to_vec())
        .collect();
    let (model, prover) = setup(&args.setup)?;
    let keys = export::chain_keys(&prover)?;
    let (bar, observer) = progress(args.users as u64)?;
    let report = runtime()?.block_on(async {
        let chain = Chain::start(&model, &keys).await?;
        info!(
            users = args.users,
            provers = args.provers,
            "users submit at once; the daemons serve them"
        );
        let report =
            embedded::load(&chain, Arc::new(prover), &inputs, args.provers, observer).await;
        bar.finish_and_clear();
        report
    })?;
    let minutes = report.elapsed.as_secs_f64() / 60.0;
    println!(
        "load         {} users, {} prover daemons, embedded gtest chain, {} cores",
        args.users,
        args.provers,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for (k, stats) in report.daemons.iter().enumerate() {
        println!(
            "daemon {}     {} proofs, mean {:.1} s each, {} dropped, {} refused",
            k + 1,
            stats.submitted,
            stats.prove_time.as_secs_f64() / stats.submitted.max(1) as f64,
            stats.dropped,
            stats.refused
        );
    }
    println!(
        "outcomes     {} verified, {} rejected, {} lost; {} proved twice, {} claimed twice",
        report.verified, report.rejected, report.lost, report.proved_twice, report.claimed_twice
    );
    println!(
        "elapsed      {:.1} s until every proof was submitted, {:.1} s until every outcome",
        report.proved_in.as_secs_f64(),
        report.elapsed.as_secs_f64()
    );
    let proved: u64 = report.daemons.iter().map(|d| d.submitted).sum();
    println!(
        "throughput   {:.2} inferences proved per minute; {:.2} proved and verified per minute \
         (on-chain verification runs on this machine's gtest chain too)",
        proved as f64 / (report.proved_in.as_secs_f64() / 60.0),
        report.verified as f64 / minutes
    );
    if report.lost + report.proved_twice + report.claimed_twice > 0 {
        bail!("inputs were lost or served twice");
    }
    Ok(())
}

/// The daemon against a real node, forever: it reconnects whenever the node is lost.
#[cfg(feature = "gsdk")]
pub fn serve(args: ServeArgs) -> Result<()> {
    use zkml_daemon::{Daemon, ServeConfig, gsdk::GsdkBackend};
    let suri = args.chain.signer.secret_uri()?;
    let envelope_key = args.envelope_key()?.map(Arc::new);
    let (node, program, suri) = (&args.chain.signer.node, &args.chain.program, suri.as_str());
    let (_, prover) = setup(&args.setup)?;
    let prover = Arc::new(prover);
    let (_bar, observer) = progress(0)?;
    let config = ServeConfig {
        poll_interval: Duration::from_secs(args.poll),
        min_fee: args.min_fee,
        ..ServeConfig::default()
    };
    runtime()?.block_on(async {
        let mut delays = config
            .backoff
            .delays()
            .chain(std::iter::repeat(config.backoff.max));
        loop {
            // An unreachable node or a lost connection is reported, then tried again.
            let lost = match GsdkBackend::connect(node, suri, program).await {
                Ok(backend) => match Daemon::start(backend, prover.clone(), config.clone()).await {
                    Ok(daemon) => {
                        let mut daemon = daemon.with_observer(observer.clone());
                        match &envelope_key {
                            Some(key) => {
                                daemon = daemon.with_envelope_key(key.clone());
                                match daemon.publish_envelope_key().await {
                                    Ok(_) => daemon.run().await.err(),
                                    Err(e) => Some(e),
                                }
                            }
                            None => daemon.run().await.err(),
                        }
                    }
                    Err(e) => Some(e),
                },
                Err(e) => Some(e),
            };
            match lost {
                Some(e) if e.is_connection_lost() => {
                    let delay = delays.next().unwrap_or(config.backoff.max);
                    tracing::error!("{:#}; reconnecting in {delay:?}", anyhow::Error::from(e));
                    tokio::time::sleep(delay).await;
                }
                Some(e) => return Err(e.into()),
                None => return Ok(()),
            }
        }
    })
}

/// Without the `gsdk` feature there is no real-node backend (the secret's source is checked
/// first, as in the real build).
#[cfg(not(feature = "gsdk"))]
pub fn serve(args: ServeArgs) -> Result<()> {
    args.chain.signer.secret_uri()?;
    args.envelope_key()?;
    bail!(
        "this zkml was built without the real-node backend; rebuild it with \
         `cargo run --release -p zkml --features gsdk -- serve --node ...`"
    )
}

//! `zkml`: the vara-zkml command-line tool.
//!
//! - `zkml train` trains the MNIST model and writes the quantized model, the
//!   float weights it came from, and a small held-out test split.
//! - `zkml eval` measures a model's accuracy on a digit file.
//! - `zkml prove` proves one inference and writes the proof.
//! - `zkml verify-native` checks a proof with nova's verifier.
//! - `zkml bench` measures setup, proving, sizes and circuit statistics.
//! - `zkml demo` runs the whole workflow on an embedded gtest chain.
//! - `zkml load` runs a load: users and prover daemons side by side on an embedded gtest chain.
//! - `zkml serve` runs the prover daemon on a real node.
//! - `zkml deploy`, `submit`, `status`, `verify`, `purge`, `withdraw` and `prove --node`: every
//!   role's commands on a real node.

#![forbid(unsafe_code)]

mod bench;
mod roles;
mod serve;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;
use zkml_model::{
    Accuracy, Dataset, FloatMlp, FloatModelFile, QuantizedModel, Split, TrainConfig, TrainEvent,
    float_accuracy, input, quantized_accuracy, train_and_quantize,
};
use zkml_proving::{Event, Opening, ProofFile, ProveTimings, Prover, SetupConfig, hex, srs};
use zkml_verifier::statement::{self, PIXELS};

/// Default digit file: the 9,000 MNIST digits, relative to the workspace root.
const DEFAULT_DATA: &str = "../shared/data/mnist-digits.bin";
/// Default quantized model, relative to the workspace root.
const DEFAULT_MODEL: &str = "prover/assets/model.zkml";
/// Default held-out test split, relative to the workspace root.
const DEFAULT_TEST_SPLIT: &str = "prover/assets/test-digits.bin";
/// Held-out digits per class written to the test split.
const TEST_SPLIT_PER_CLASS: usize = 20;

/// Zero-knowledge ML on Vara: train and evaluate the MNIST classifier whose
/// inference is proven on-chain.
#[derive(Parser)]
#[command(name = "zkml", version)]
struct Cli {
    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train the MNIST model and write the quantized model, its float
    /// weights and a small held-out test split.
    Train(TrainArgs),
    /// Print a model's accuracy on a digit file (785-byte records).
    Eval(EvalArgs),
    /// Prove one inference (a committed sample digit by default) and write the proof; with
    /// --node, prove the signer's own session on a real node and submit the proof.
    Prove(ProveArgs),
    /// Verify a proof with nova's native verifier and print the model's answer.
    VerifyNative(VerifyArgs),
    /// Prove a sample digit and print timings, memory, sizes and circuit statistics.
    Bench(bench::BenchArgs),
    /// Run the whole workflow on an embedded gtest chain: deploy, initialize the model,
    /// register the prover, submit a digit, let the daemon prove it, and verify on-chain.
    Demo(serve::DemoArgs),
    /// Write a new X25519 secret key for private inputs (for `zkml serve
    /// --envelope-key-file`) and print its public key.
    EnvelopeKey(serve::EnvelopeKeyArgs),
    /// A load run on an embedded gtest chain: --users users submit digits at once and
    /// --provers daemons serve them while the users verify each proof.
    Load(serve::LoadArgs),
    /// Run the prover daemon against a real node (needs a build with `--features gsdk`).
    Serve(serve::ServeArgs),
    /// The Initializer, on a real node: upload the code, create the program with the model and
    /// its key, upload the verifier data, finalize, register provers; prints the program id.
    Deploy(roles::DeployArgs),
    /// A user, on a real node: submit a digit (a PNG) with a fee, publicly or privately.
    Submit(roles::SubmitArgs),
    /// A user's session on a real node: its state, the fee held and what the program owes.
    Status(roles::SessionArgs),
    /// Drive a session's verification on a real node to its outcome (anyone may; the signer
    /// pays the gas).
    Verify(roles::SessionArgs),
    /// A user, on a real node: discard the session, the fee back to the user (refused while a
    /// proof awaits verification, until its deadline: drive it with `zkml verify` instead).
    Purge(roles::AccountArgs),
    /// Take out what the program owes the signer on a real node (a prover's fees, refunds).
    Withdraw(roles::AccountArgs),
}

/// Where setup finds its SRS and keeps its cache.
#[derive(clap::Args)]
struct SetupArgs {
    /// Quantized model file.
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: PathBuf,
    /// Cache directory for the SRS, public parameters and keys
    /// [default: ~/.cache/vara-zkml].
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Directory of public powers-of-tau files (ppot_pruned_NN.ptau or
    /// ppot_0080_NN.ptau); without it a local single-party SRS is generated
    /// (not for production).
    #[arg(long)]
    ptau: Option<PathBuf>,
}

#[derive(clap::Args)]
struct InputArgs {
    /// Index of a digit in the sample file (default input: digit 0).
    #[arg(long, conflicts_with_all = ["image", "raw"])]
    index: Option<usize>,
    /// A 28x28 8-bit grayscale PNG.
    #[arg(long, conflicts_with = "raw")]
    image: Option<PathBuf>,
    /// A raw file of 784 bytes (28x28 pixels, row-major).
    #[arg(long)]
    raw: Option<PathBuf>,
    /// Sample digits file (785-byte records) used by --index.
    #[arg(long, default_value = DEFAULT_TEST_SPLIT)]
    digits: PathBuf,
}

#[derive(clap::Args)]
struct ProveArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Where to write the proof.
    #[arg(long, default_value = "proof.zkmlproof")]
    out: PathBuf,
    #[command(flatten)]
    on_chain: roles::ProveOnChainArgs,
    #[command(flatten)]
    setup: SetupArgs,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The proof file written by `zkml prove`.
    proof: PathBuf,
    #[command(flatten)]
    setup: SetupArgs,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Digit file to train on (785-byte records: label, 28x28 pixels).
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Where to write the quantized model.
    #[arg(long, default_value = DEFAULT_MODEL)]
    out: PathBuf,
    /// Where to write the float weights [default: OUT with "-float" added to
    /// the file stem].
    #[arg(long)]
    float_out: Option<PathBuf>,
    /// Where to write the held-out test split (20 digits per class).
    #[arg(long, default_value = DEFAULT_TEST_SPLIT)]
    test_out: PathBuf,
    /// Seed of the held-out split, initialisation, batch order and
    /// augmentation; the default reproduces the committed model.
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    seed: u64,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// Digit file to evaluate on (785-byte records: label, 28x28 pixels).
    #[arg(long)]
    data: PathBuf,
    /// Quantized model file.
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: PathBuf,
    /// Float weights file [default: MODEL with "-float" added to the file
    /// stem; skipped if that file does not exist].
    #[arg(long)]
    float_model: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: a log written to a file or a pipe stays plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        Command::Train(args) => train(args),
        Command::Eval(args) => eval(args),
        Command::Prove(args) => prove(args),
        Command::VerifyNative(args) => verify_native(args),
        Command::Bench(args) => bench::bench(args),
        Command::Demo(args) => serve::demo(args),
        Command::EnvelopeKey(args) => serve::envelope_key(args),
        Command::Load(args) => serve::load(args),
        Command::Serve(args) => serve::serve(args),
        Command::Deploy(args) => roles::deploy(args),
        Command::Submit(args) => roles::submit(args),
        Command::Status(args) => roles::status(args),
        Command::Verify(args) => roles::verify(args),
        Command::Purge(args) => roles::purge(args),
        Command::Withdraw(args) => roles::withdraw(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn train(args: TrainArgs) -> Result<()> {
    let config = TrainConfig {
        seed: args.seed,
        ..TrainConfig::default()
    };
    let dataset = Dataset::load(&args.data)
        .context("loading the training digits (run from the workspace root or pass --data)")?;
    info!(
        path = %args.data.display(),
        digits = dataset.len(),
        per_class = ?dataset.class_counts(),
        "loaded training data"
    );
    info!(
        widths = ?config.widths(),
        epochs = config.epochs,
        seed = config.seed,
        held_out_per_class = config.held_out_per_class,
        "training"
    );

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} epoch {prefix} [{bar:30}] {pos}/{len} batches {elapsed_precise} (eta {eta}) {msg}",
        )?
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let trained = train_and_quantize(&dataset, &config, |event| match event {
        TrainEvent::Started {
            epochs,
            batches_per_epoch,
        } => {
            bar.set_length((epochs * batches_per_epoch) as u64);
            bar.set_prefix(format!("1/{epochs}"));
        }
        TrainEvent::Batch { .. } => bar.inc(1),
        TrainEvent::EpochFinished {
            epoch,
            loss,
            accuracy,
        } => {
            bar.set_prefix(format!("{}/{}", epoch + 2, config.epochs));
            bar.set_message(format!(
                "loss {loss:.4}, train acc {:.2}%",
                accuracy * 100.0
            ));
            tracing::debug!(epoch = epoch + 1, loss, accuracy, "epoch finished");
        }
    })?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let float_out = args.float_out.unwrap_or_else(|| float_path_for(&args.out));
    for path in [&args.out, &float_out, &args.test_out] {
        create_parent(path)?;
    }
    trained.quantized.save(&args.out)?;
    trained.float_file().save(&float_out)?;
    let test_split = trained
        .split
        .held_out_sample(&dataset, TEST_SPLIT_PER_CLASS)?;
    test_split.save(&args.test_out)?;

    info!(seconds = elapsed.as_secs_f32(), "training finished");
    println!("trained in {:.1} s", elapsed.as_secs_f32());
    println!(
        "architecture    {}",
        widths_string(&trained.quantized.widths())
    );
    println!(
        "held-out split  {} digits ({} per class, seed {}), never trained on",
        trained.split.held_out.len(),
        config.held_out_per_class,
        config.seed
    );
    println!("float accuracy      {}", trained.float_held_out);
    println!("quantized accuracy  {}", trained.quantized_held_out);
    println!(
        "wrote {} (sha256 {})",
        args.out.display(),
        hex(&trained.quantized.digest())
    );
    println!("wrote {}", float_out.display());
    println!(
        "wrote {} ({} held-out digits)",
        args.test_out.display(),
        test_split.len()
    );
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let model = QuantizedModel::load(&args.model)
        .context("loading the quantized model (run from the workspace root or pass --model)")?;
    let dataset = Dataset::load(&args.data).context("loading the digits to evaluate on")?;
    let float = load_float(&args, &model)?;

    println!(
        "model  {} ({}, sha256 {})",
        args.model.display(),
        widths_string(&model.widths()),
        hex(&model.digest())
    );
    println!("data   {} ({} digits)", args.data.display(), dataset.len());
    print_accuracies(
        "all digits",
        &model,
        float.as_ref().map(|f| &f.model),
        &dataset,
    )?;

    // On the training file itself, only the held-out digits say anything
    // about generalisation.
    if let Some(file) = &float {
        let p = &file.provenance;
        if p.data_digest == dataset.digest() {
            let split = Split::held_out_per_class(&dataset, p.held_out_per_class as usize, p.seed)?;
            println!(
                "this is the training file (seed {}): the held-out digits were never trained on",
                p.seed
            );
            let held_out = dataset.subset(&split.held_out)?;
            print_accuracies("held-out", &model, Some(&file.model), &held_out)?;
            let train = dataset.subset(&split.train)?;
            print_accuracies("trained-on", &model, Some(&file.model), &train)?;
        }
    }
    Ok(())
}

/// Loads the float weights, if given or present at the default path, and
/// checks that they belong to `model`.
fn load_float(args: &EvalArgs, model: &QuantizedModel) -> Result<Option<FloatModelFile>> {
    let (path, explicit) = match &args.float_model {
        Some(path) => (path.clone(), true),
        None => (float_path_for(&args.model), false),
    };
    if !explicit && !path.exists() {
        warn!(path = %path.display(), "no float weights found; reporting the quantized model only");
        return Ok(None);
    }
    let file = FloatModelFile::load(&path).context("loading the float weights")?;
    if file.provenance.quantized_digest != model.digest() {
        bail!(
            "the float weights {} were not quantized into {}: pass the matching --float-model",
            path.display(),
            args.model.display()
        );
    }
    Ok(Some(file))
}

fn print_accuracies(
    name: &str,
    model: &QuantizedModel,
    float: Option<&FloatMlp>,
    dataset: &Dataset,
) -> Result<()> {
    let quantized: Accuracy = quantized_accuracy(model, dataset)?;
    println!("{name:<11} quantized accuracy  {quantized}");
    if let Some(float) = float {
        println!(
            "{name:<11} float accuracy      {}",
            float_accuracy(float, dataset)?
        );
    }
    Ok(())
}

/// Creates the directory that will hold `path`, if it has one.
fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create directory {}", parent.display()))?;
    }
    Ok(())
}

/// `dir/model.zkml` -> `dir/model-float.zkml`.
fn float_path_for(model: &Path) -> PathBuf {
    let stem = model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match model.extension() {
        Some(ext) => format!("{stem}-float.{}", ext.to_string_lossy()),
        None => format!("{stem}-float"),
    };
    model.with_file_name(name)
}

fn widths_string(widths: &[usize]) -> String {
    widths
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

/// Reads the digit selected by the input arguments; the label, if known.
fn read_input(args: &InputArgs) -> Result<([u8; PIXELS], Option<u8>, String)> {
    if let Some(path) = &args.image {
        return Ok((input::read_png(path)?, None, path.display().to_string()));
    }
    if let Some(path) = &args.raw {
        return Ok((input::read_raw(path)?, None, path.display().to_string()));
    }
    let index = args.index.unwrap_or(0);
    let digits = Dataset::load(&args.digits)
        .context("loading the sample digits (run from the workspace root or pass --digits)")?;
    let digit = digits
        .digits()
        .get(index)
        .ok_or(zkml_model::Error::DigitIndex {
            index,
            len: digits.len(),
        })?;
    Ok((
        *digit.pixels(),
        Some(digit.label()),
        format!("{} #{index}", args.digits.display()),
    ))
}

/// The setup configuration from the command line.
fn setup_config(args: &SetupArgs) -> SetupConfig {
    let mut config = SetupConfig::default_cache();
    if let Some(cache) = &args.cache {
        config.cache_dir = cache.clone();
    }
    config.ptau_dir = args.ptau.clone();
    config
}

/// Loads the model and sets up (or loads) the keys, with progress output.
fn setup(args: &SetupArgs) -> Result<(QuantizedModel, Prover)> {
    let model = QuantizedModel::load(&args.model)
        .context("loading the quantized model (run from the workspace root or pass --model)")?;
    let config = setup_config(args);
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}")?);
    spinner.enable_steady_tick(Duration::from_millis(120));
    let srs_bar = ProgressBar::hidden();
    srs_bar.set_style(
        ProgressStyle::with_template(
            "{spinner} local SRS [{bar:30}] {pos}/{len} points {elapsed_precise} (eta {eta})",
        )?
        .progress_chars("=> "),
    );
    let prover = Prover::setup(&model, &config, &|event| match event {
        Event::Phase(phase) => spinner.set_message(phase),
        Event::SrsStarted { points } => {
            warn!("{}", srs::LOCAL_SRS_WARNING);
            srs_bar.set_length(points);
            srs_bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        Event::SrsProgress(n) => srs_bar.set_position(n),
        Event::CacheRebuilt { what, reason } => warn!(what, reason, "cache entry rebuilt"),
        Event::Step { .. } => {}
    })?;
    srs_bar.finish_and_clear();
    spinner.finish_and_clear();
    let report = prover.report();
    if report.local_srs {
        eprintln!("note: {}", srs::LOCAL_SRS_WARNING);
    }
    info!(
        from_cache = report.from_cache,
        seconds = report.elapsed.as_secs_f32(),
        cache = %config.cache_dir.display(),
        "setup ready"
    );
    Ok((model, prover))
}

/// Proves the public input `pixels` (blinding zero) with a progress bar over the fold steps and
/// a spinner for compression.
fn prove_with_progress(prover: &Prover, pixels: &[u8]) -> Result<(ProofFile, ProveTimings)> {
    let opening = Opening::public(pixels)?;
    let bar = ProgressBar::new(prover.circuit().num_steps() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:20}] {pos}/{len} {elapsed_precise}")?
            .progress_chars("=> "),
    );
    bar.set_message("folding");
    bar.enable_steady_tick(Duration::from_millis(120));
    let result = prover.prove(&opening, &|event| match event {
        Event::Step { index, .. } => bar.set_position(index as u64),
        Event::Phase(phase) => bar.set_message(phase),
        _ => {}
    });
    bar.finish_and_clear();
    Ok(result?)
}

fn prove(args: ProveArgs) -> Result<()> {
    if args.on_chain.node.is_some() {
        return roles::prove_on_chain(&args.on_chain, &args.setup);
    }
    let (pixels, label, source) = read_input(&args.input)?;
    let (model, prover) = setup(&args.setup)?;
    let expected = model.predict(&pixels)?;
    let (proof, timings) = prove_with_progress(&prover, &pixels)?;
    let output = statement::decode_output(&proof.zn)?;
    if output.digit != expected.digit {
        bail!("the proven output disagrees with the model: this is a bug");
    }
    proof.save(&args.out)?;
    let file_size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "input       {source}{}",
        label.map(|l| format!(" (label {l})")).unwrap_or_default()
    );
    println!("prediction  {}", output.digit);
    println!("logits      {:?}", output.logits);
    println!(
        "prove time  {:.2} s (fold steps {}, compression {:.2} s)",
        timings.total.as_secs_f64(),
        timings
            .steps
            .iter()
            .map(|d| format!("{:.3} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", "),
        timings.compress.as_secs_f64()
    );
    println!(
        "proof size  {} bytes compressed SNARK ({} bytes file with input and output)",
        proof.snark.len(),
        file_size
    );
    println!("wrote {}", args.out.display());
    Ok(())
}

fn verify_native(args: VerifyArgs) -> Result<()> {
    let proof = ProofFile::load(&args.proof)?;
    let model = QuantizedModel::load(&args.setup.model)
        .context("loading the quantized model (run from the workspace root or pass --model)")?;
    let config = setup_config(&args.setup);
    let vk = zkml_proving::load_verifier_key(&model, &config)?;
    let started = Instant::now();
    let output = zkml_proving::verify_with(&vk, &model.digest(), &proof)?;
    println!(
        "proof       {} ({} fold steps)",
        args.proof.display(),
        proof.num_steps
    );
    println!(
        "valid       yes ({:.0} ms)",
        started.elapsed().as_secs_f64() * 1e3
    );
    println!("prediction  {}", output.digit);
    println!("logits      {:?}", output.logits);
    Ok(())
}

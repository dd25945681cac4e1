//! `zkml bench`: timings, memory, sizes and circuit statistics of one proof.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use zkml_proving::export::{NativeVerifier, chain_keys, chain_proof};
use zkml_verifier::statement;

use super::{InputArgs, SetupArgs, prove_with_progress, read_input, setup};

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    setup: SetupArgs,
}

/// Clock ticks per second of the times in `/proc/self/stat` (`USER_HZ`, fixed at 100 by the
/// Linux ABI).
const USER_HZ: u64 = 100;

/// Peak resident set size of this process in bytes (`VmHWM` in `/proc/self/status`; 0 where
/// there is no such file).
fn peak_rss() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// User + system CPU time of this process so far, all threads (`/proc/self/stat`; zero where
/// there is no such file).
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis
    // start with field 3, so utime and stime (fields 14 and 15) are the 12th and 13th.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 1000 / USER_HZ)
}

pub fn bench(args: BenchArgs) -> Result<()> {
    let (pixels, _, source) = read_input(&args.input)?;
    let (model, prover) = setup(&args.setup)?;
    let setup_rss = peak_rss();
    let setup_report = prover.report().clone();
    let expected = model.predict(&pixels)?;
    let cpu_before = cpu_time();
    let (proof, timings) = prove_with_progress(&prover, &pixels)?;
    let prove_cpu = cpu_time().saturating_sub(cpu_before);
    let prove_rss = peak_rss();
    let started = Instant::now();
    let output = prover.verify(&proof)?;
    let verify_time = started.elapsed();
    if output.digit != expected.digit {
        bail!("the proven output disagrees with the model: this is a bug");
    }
    let native = NativeVerifier::new(&chain_keys(&prover)?)?;
    let wire = chain_proof(&proof)?;
    let started = Instant::now();
    let ours = native.verify(&wire, &proof.commitment)?;
    let ours_time = started.elapsed();
    if ours != output {
        bail!("our verifier and nova-snark disagree: this is a bug");
    }
    let stats = prover.circuit_stats()?;
    let vk = prover.verifier_key_sizes()?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "input                  {source} (prediction {})",
        output.digit
    );
    println!(
        "setup                  {:.2} s ({})",
        setup_report.elapsed.as_secs_f64(),
        if setup_report.from_cache {
            "from cache"
        } else {
            "built"
        }
    );
    for (i, d) in timings.steps.iter().enumerate() {
        println!("fold step {}            {:.3} s", i + 1, d.as_secs_f64());
    }
    println!(
        "compression            {:.2} s",
        timings.compress.as_secs_f64()
    );
    println!(
        "prove end to end       {:.2} s wall, {:.2} s CPU (user + system, {} cores)",
        timings.total.as_secs_f64(),
        prove_cpu.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "native verify          {:.0} ms nova-snark, {:.0} ms zkml-verifier (one thread)",
        verify_time.as_secs_f64() * 1e3,
        ours_time.as_secs_f64() * 1e3
    );
    println!(
        "peak memory            {:.0} MiB after setup, {:.0} MiB after proving (VmHWM, whole process)",
        mib(setup_rss),
        mib(prove_rss)
    );
    println!(
        "proof size             {} bytes (compressed SNARK, zn included)",
        proof.snark.len()
    );
    println!(
        "verifier key           {} bytes: {} model-specific, {} constant",
        vk.total,
        vk.model_specific,
        vk.total - vk.model_specific
    );
    println!("state arity            {}", statement::ARITY);
    println!(
        "step circuit           {} constraints, {} nonzeros",
        stats.step_constraints, stats.step_nonzeros
    );
    println!(
        "primary circuit        {} constraints, {} variables, {} nonzeros (padded {})",
        stats.primary_constraints,
        stats.primary_variables,
        stats.primary_nonzeros,
        stats.primary_nonzeros.next_power_of_two()
    );
    println!(
        "secondary circuit      {} constraints, {} nonzeros",
        stats.secondary_constraints, stats.secondary_nonzeros
    );
    Ok(())
}

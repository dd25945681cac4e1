//! Prints the gas of each benchmarked operation as a markdown table:
//! `cargo run --release -p zkml-gas-bench`.
//!
//! Gas per operation is `(gas(n) − gas(0)) / n` for the same operation, so the table holds neither
//! the message's overhead (the `empty message` row) nor the operation's set-up (decoding the
//! Poseidon constants, the pairing's points).

use std::process::ExitCode;
use zkml_gas_bench::{Bench, Op, Request};

/// Iterations per message: as many as fit well within one message's 7.5e11 gas.
fn iterations(op: Op) -> u32 {
    match op {
        Op::Empty => 0,
        Op::ArkFrInverse | Op::FeFrInverse => 500,
        Op::ArkAffineAdd | Op::FeAffineAdd => 5_000,
        Op::Poseidon => 10,
        Op::Pairing2 => 3,
        Op::MsmBatch => 8,
        Op::MsmReduction | Op::MsmWorstReduction => 1,
        Op::MsmWorstBatch => 8,
        Op::MsmFirstBatch => 1,
        _ => 20_000,
    }
}

/// The ark-ff operation an operation is compared with.
fn baseline(op: Op) -> Option<Op> {
    Some(match op {
        Op::FeFrMul | Op::FeFrMulCopied => Op::ArkFrMul,
        Op::FeFqMul => Op::ArkFqMul,
        Op::FeFrSquare => Op::ArkFrSquare,
        Op::FeFrAdd => Op::ArkFrAdd,
        Op::FeFrSub => Op::ArkFrSub,
        Op::FeFrInverse => Op::ArkFrInverse,
        Op::FeAffineAdd => Op::ArkAffineAdd,
        _ => return None,
    })
}

/// The operation's row label.
fn label(op: Op) -> &'static str {
    match op {
        Op::Empty => "empty message (overhead; each row below subtracts its own n = 0 message)",
        Op::ArkFrMul => "ark-ff Fr mul",
        Op::ArkFqMul => "ark-ff Fq mul",
        Op::ArkFrSquare => "ark-ff Fr square",
        Op::ArkFrAdd => "ark-ff Fr add",
        Op::ArkFrSub => "ark-ff Fr sub",
        Op::ArkFrInverse => "ark-ff Fr inverse",
        Op::FeFrMul => "zkml-field Fe<Bn254Fr>::mul",
        Op::FeFrMulCopied => "zkml-field Fe<Bn254Fr>::mul as `x = x.mul(&y)` (copy back)",
        Op::FeFqMul => "zkml-field Fe<Bn254Fq>::mul",
        Op::FeFrSquare => "zkml-field Fe<Bn254Fr>::square",
        Op::FeFrAdd => "zkml-field Fe<Bn254Fr>::add",
        Op::FeFrSub => "zkml-field Fe<Bn254Fr>::sub",
        Op::FeFrInverse => "zkml-field Fe<Bn254Fr>::inverse (Fermat, 4-bit windows)",
        Op::ArkAffineAdd => "Grumpkin affine add given the inverse, ark-ff",
        Op::FeAffineAdd => "Grumpkin affine add given the inverse, zkml-field",
        Op::Poseidon => "Poseidon permutation (verifier's, width 25, zkml-field)",
        Op::Pairing2 => "BN254 multi-pairing of 2 pairs (ark-bn254)",
        Op::MsmBatch => "IPA MSM: one batch, 1,024 points into 16,384 buckets (zkml-field)",
        Op::MsmReduction => "IPA MSM: the reduction of 16,384 buckets (zkml-field)",
        Op::MsmWorstBatch => "IPA MSM: the costliest batch (1,024 doublings)",
        Op::MsmWorstReduction => "IPA MSM: the costliest reduction (16,384 equal buckets)",
        Op::MsmFirstBatch => "IPA MSM: a window's first batch (1,024 points into empty buckets)",
    }
}

/// Gas of `op`: the message with `n` iterations, the one with none, and the gas per iteration.
fn measure(bench: &Bench, op: Op, seed: [u8; 64]) -> Result<(u32, u64, f64), String> {
    let n = iterations(op);
    let gas = |n| {
        bench
            .measure(&Request { op, n, seed })
            .and_then(|m| m.reply.map(|_| m.gas).map_err(|e| format!("{op:?}: {e:?}")))
    };
    let full = gas(n)?;
    if n == 0 {
        return Ok((0, full, full as f64));
    }
    let empty = gas(0)?;
    Ok((n, full, (full - empty) as f64 / f64::from(n)))
}

fn main() -> ExitCode {
    let seed: [u8; 64] = core::array::from_fn(|i| (i as u8).wrapping_mul(151).wrapping_add(7));
    let run = || -> Result<(), String> {
        let bench = Bench::deploy()?;
        println!(
            "wasm: {} bytes (optimized)\n",
            zkml_gas_bench::WASM_BINARY.len()
        );
        println!("| operation | n | gas of the message | gas per operation | vs ark-ff |");
        println!("|---|---:|---:|---:|---:|");
        let mut per_op = std::collections::BTreeMap::new();
        for op in Op::ALL {
            let (n, full, each) = measure(&bench, op, seed)?;
            per_op.insert(format!("{op:?}"), each);
            let ratio = baseline(op)
                .map(|b| format!("{:.2}x", each / per_op[&format!("{b:?}")]))
                .unwrap_or_default();
            println!(
                "| {} | {n} | {full:.3e} | {each:.3e} | {ratio} |",
                label(op),
                full = full as f64
            );
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! Every benchmark message computes what ark-ff computes natively, so the benchmark cannot
//! measure wrong arithmetic. Small iteration counts; no gas is asserted.

use ark_bn254::{Bn254, Fq, Fr};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing};
use ark_ff::{AdditiveGroup, Field, PrimeField, UniformRand};
use ark_grumpkin::Affine as Grumpkin;
use parity_scale_codec::Encode as _;
use zkml_field::Fe;
use zkml_gas_bench::ops::{
    chord_ark, chord_fe, chord_inputs, inputs, le32, pairing_inputs, poseidon_state,
};
use zkml_gas_bench::{Bench, BenchError, Op, Request};
use zkml_verifier::bench::{MsmUnits, PoseidonFr};

/// `n` times `f(&mut x, &y)` natively.
fn chain<F: PrimeField>(seed: &[u8; 64], n: u32, f: impl Fn(&mut F, &F)) -> Vec<u8> {
    let (mut x, y) = inputs::<F>(seed);
    for _ in 0..n {
        f(&mut x, &y);
    }
    le32(&x).to_vec()
}

/// What the program must reply to `op` with `n` iterations, computed natively with ark.
fn expected(op: Op, n: u32, seed: &[u8; 64]) -> Vec<u8> {
    match op {
        Op::Empty => Vec::new(),
        Op::ArkFrMul | Op::FeFrMul | Op::FeFrMulCopied => chain::<Fr>(seed, n, |x, y| *x *= y),
        Op::ArkFqMul | Op::FeFqMul => chain::<Fq>(seed, n, |x, y| *x *= y),
        Op::ArkFrSquare | Op::FeFrSquare => chain::<Fr>(seed, n, |x, _| *x = *x * *x),
        Op::ArkFrAdd | Op::FeFrAdd => chain::<Fr>(seed, n, |x, y| *x += y),
        Op::ArkFrSub | Op::FeFrSub => chain::<Fr>(seed, n, |x, y| *x -= y),
        Op::ArkFrInverse | Op::FeFrInverse => chain::<Fr>(seed, n, |x, y| *x = Fr::ONE / (*x + y)),
        Op::ArkAffineAdd | Op::FeAffineAdd => {
            let (mut p, q, inv) = chord_inputs(seed);
            for _ in 0..n {
                p = chord_ark(&p, &q, &inv);
            }
            [p.0, p.1].iter().flat_map(le32).collect()
        }
        Op::Poseidon => {
            let mut s = poseidon_state(seed);
            for _ in 0..n {
                PoseidonFr::nova().permute(&mut s);
            }
            s.iter().flat_map(le32).collect()
        }
        Op::Pairing2 => {
            let (a, b) = pairing_inputs(seed);
            let one = Bn254::multi_pairing(a, b).0;
            let acc = (0..n).fold(<Bn254 as Pairing>::TargetField::ONE, |acc, _| acc * one);
            acc.to_base_prime_field_elements()
                .flat_map(|c| le32(&c))
                .collect()
        }
        // The MSM's units run the verifier's own code: the program must compute what it computes
        // natively (its correctness against arkworks is the verifier's unit tests').
        Op::MsmBatch | Op::MsmFirstBatch => {
            let mut units = MsmUnits::new(u64::from(seed[0]) + 2);
            if op == Op::MsmFirstBatch {
                units.empty_buckets();
            }
            let counted = (0..n).fold(0, |_, i| units.batch(u64::from(i) + 1));
            counted.to_le_bytes().to_vec()
        }
        Op::MsmReduction | Op::MsmWorstReduction => {
            let mut units = MsmUnits::new(u64::from(seed[0]) + 2);
            if op == Op::MsmWorstReduction {
                units.equal_buckets();
            }
            let x = (0..n).fold(Fr::ZERO, |acc, _| acc + units.reduction());
            let mut out = le32(&x).to_vec();
            out.extend(units.counted().to_le_bytes());
            out
        }
        Op::MsmWorstBatch => {
            let mut units = MsmUnits::new(u64::from(seed[0]) + 2);
            let counted = (0..n).fold(0, |_, _| units.worst_batch());
            counted.to_le_bytes().to_vec()
        }
    }
}

#[test]
fn every_message_computes_what_ark_computes() {
    let bench = Bench::deploy().expect("the program deploys");
    let seed: [u8; 64] = core::array::from_fn(|i| (i as u8).wrapping_mul(97).wrapping_add(3));
    for op in Op::ALL {
        let n = match op {
            Op::Poseidon
            | Op::Pairing2
            | Op::MsmBatch
            | Op::MsmReduction
            | Op::MsmWorstBatch
            | Op::MsmFirstBatch
            | Op::MsmWorstReduction => 1,
            _ => 5,
        };
        let got = bench.measure(&Request { op, n, seed }).expect("runs");
        assert_eq!(got.reply, Ok(expected(op, n, &seed)), "{op:?}");
    }
}

#[test]
fn a_malformed_message_gets_an_error() {
    let bench = Bench::deploy().expect("the program deploys");
    let mut payload = Request {
        op: Op::FeFrMul,
        n: 1,
        seed: [1; 64],
    }
    .encode();
    payload[0] = 200; // no such operation
    let got = bench.send(payload).expect("runs");
    assert_eq!(got.reply, Err(BenchError::Malformed));
}

#[test]
fn the_chord_rule_adds_grumpkin_points() {
    let mut rng = ark_std::test_rng();
    for _ in 0..20 {
        let (p, q) = (Grumpkin::rand(&mut rng), Grumpkin::rand(&mut rng));
        let inv = (q.x - p.x).inverse().expect("distinct x");
        let sum = (p + q).into_affine();
        let (x, y) = chord_ark(&(p.x, p.y), &(q.x, q.y), &inv);
        assert_eq!((x, y), (sum.x, sum.y));
        let fe = |x: &Fr| Fe::from_ark(x);
        let mut r = (fe(&p.x), fe(&p.y));
        chord_fe(&mut r, &(fe(&q.x), fe(&q.y)), &fe(&-inv));
        assert_eq!((r.0.to_ark(), r.1.to_ark()), (sum.x, sum.y));
        assert!(!sum.is_zero());
    }
}

/// The MSM's budget is safe. A slice charges each unit of work (a batch, a window reduction) its
/// counted work, and starts a unit only if the unit's bound still fits. So each unit, on typical
/// and on worst-case inputs, must cost no more gas than the work it is charged (times the weight
/// and the gas of a verification unit), with 10 % to spare for what the benchmark does not
/// reproduce, and that work must stay within the unit's bound. A unit that cost more could run a
/// verification message out of gas.
#[test]
fn msm_weight_bounds_the_worst_case() {
    let bench = Bench::deploy().expect("the program deploys");
    let (batch_bound, reduce_bound, weight_percent) = MsmUnits::bounds();
    let gas_of =
        |counted: u64| counted * weight_percent * zkml_app::verification::GAS_PER_UNIT / 100;
    let seed = [7u8; 64];
    for (op, bound) in [
        (Op::MsmBatch, batch_bound),
        (Op::MsmWorstBatch, batch_bound),
        (Op::MsmFirstBatch, batch_bound),
        (Op::MsmReduction, reduce_bound),
        (Op::MsmWorstReduction, reduce_bound),
    ] {
        let one = bench.measure(&Request { op, n: 1, seed }).expect("runs");
        let none = bench.measure(&Request { op, n: 0, seed }).expect("runs");
        let gas = one.gas - none.gas;
        let reply = one.reply.expect("replies");
        let counted = u64::from_le_bytes(reply[reply.len() - 8..].try_into().unwrap());
        std::eprintln!(
            "{op:?}: {gas:.3e} gas; charged {counted} ({:.3e} gas); bound {bound}",
            gas_of(counted) as f64
        );
        assert!(
            counted <= bound,
            "{op:?}: counted {counted} > bound {bound}"
        );
        assert!(
            gas * 10 <= gas_of(counted) * 9,
            "{op:?}: {gas} gas > 90 % of the charge {}",
            gas_of(counted)
        );
    }
}

//! Cost probes for design alternatives: `cargo bench -p zkml-proving --bench alternatives`
//! runs them all; `-- NAME` runs the probes whose name contains `NAME`.
//!
//! - `poseidon_gadget_costs`: constraints and nonzeros of nova's in-circuit Poseidon (narrow
//!   width-6 and wide width-25 sponges) over 5, 6 and 26 elements, what a hash commitment to
//!   the pixels would add to the step circuit.
//! - `augmented_overhead_by_arity`: nonzeros of nova's augmented primary circuit around a
//!   pass-through step circuit, by arity (each `z` element is absorbed twice into width-25
//!   Poseidon).
//! - `compression_at_2_18`: setup and proving time of a synthetic arity-3 circuit whose primary
//!   circuit has about as many constraints as ours but fewer than 2^18 nonzeros (what a
//!   hash-committed layout would reach), to compare with the packed layout's 2^19.

use std::time::Instant;

use ff::PrimeField;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::r1cs::NovaShape;
use nova_snark::frontend::shape_cs::ShapeCS;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError};
use nova_snark::nova::{CompressedSNARK, PublicParams, RecursiveSNARK};
use nova_snark::provider::poseidon::{PoseidonConstantsCircuit, PoseidonROCircuit};
use nova_snark::traits::circuit::StepCircuit;
use nova_snark::traits::snark::RelaxedR1CSSNARKTrait;
use nova_snark::traits::{ROCircuitTrait, ROMode};
use zkml_proving::circuit::Fr;
use zkml_proving::{E1, E2, S1, S2};

fn poseidon_gadget_costs() {
    for (mode, name) in [(ROMode::Narrow, "narrow"), (ROMode::Wide, "wide")] {
        for compact in [false, true] {
            for n in [5usize, 6, 26] {
                let mut cs = ShapeCS::<E1>::new();
                let mut ro = PoseidonROCircuit::<Fr>::new_with_mode(
                    PoseidonConstantsCircuit::default(),
                    mode,
                );
                ro.set_compact(compact);
                for i in 0..n {
                    let x = AllocatedNum::alloc(cs.namespace(|| format!("x{i}")), || {
                        Ok(Fr::from(i as u64))
                    })
                    .unwrap();
                    ro.absorb(&x);
                }
                ro.squeeze_scalar(cs.namespace(|| "squeeze")).unwrap();
                let shape = cs.r1cs_shape().unwrap();
                let nnz = shape.A().len() + shape.B().len() + shape.C().len();
                println!(
                    "poseidon {name} compact={compact} n={n}: {} constraints, {nnz} nonzeros",
                    shape.num_cons()
                );
            }
        }
    }
}

/// A step circuit with `arity` elements and `rows` constraints of `width` terms each.
#[derive(Clone)]
struct Synthetic {
    arity: usize,
    rows: usize,
    width: usize,
}

impl<F: PrimeField> StepCircuit<F> for Synthetic {
    fn arity(&self) -> usize {
        self.arity
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        let mut vars = vec![(z[0].get_variable(), z[0].get_value())];
        for i in 0..self.rows {
            let mut lc = LinearCombination::zero();
            let mut value = Some(F::ZERO);
            for j in 0..self.width.min(vars.len()) {
                let (v, x) = vars[vars.len() - 1 - j];
                let c = F::from((i * 31 + j * 7 + 3) as u64);
                lc = lc + (c, v);
                value = value.zip(x).map(|(a, x)| a + c * x);
            }
            let s = cs.alloc(
                || format!("s{i}"),
                || value.ok_or(SynthesisError::AssignmentMissing),
            )?;
            cs.enforce(|| format!("c{i}"), |_| lc, |l| l + CS::one(), |l| l + s);
            vars.push((s, value));
        }
        let mut out = Vec::with_capacity(self.arity);
        let next = AllocatedNum::alloc(cs.namespace(|| "next"), || {
            z[0].get_value()
                .map(|v| v + F::ONE)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || "next = z0 + 1",
            |l| l + z[0].get_variable() + CS::one(),
            |l| l + CS::one(),
            |l| l + next.get_variable(),
        );
        out.push(next);
        out.extend(z[1..].iter().cloned());
        Ok(out)
    }
}

type Params = PublicParams<E1, E2, Synthetic>;

fn required(c: &Synthetic) -> String {
    let dir = std::env::temp_dir().join(format!("zkml-empty-ptau-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let message = match Params::setup_with_ptau_dir(c, &*S1::ck_floor(), &*S2::ck_floor(), &dir) {
        Err(e) => e.to_string(),
        Ok(_) => "unexpected success".into(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    message
}

fn augmented_overhead_by_arity() {
    for arity in [1usize, 2, 3, 4, 5, 10, 15, 16, 17, 27] {
        let c = Synthetic {
            arity,
            rows: 0,
            width: 0,
        };
        println!("arity {arity}: {}", required(&c));
    }
}

fn compression_at_2_18() {
    // ~9,000 step constraints (like ours) and ~118k step nonzeros: with the arity-3 augmented
    // circuit (~124k) the primary circuit stays below 2^18 nonzeros.
    let c = Synthetic {
        arity: 3,
        rows: 9000,
        width: 11,
    };
    println!("{}", required(&c));
    let dir = std::env::temp_dir().join(format!("zkml-srs18-{}", std::process::id()));
    zkml_proving::srs::generate_local(&dir, 18, &|_| {}).unwrap();
    let t = Instant::now();
    let pp = Params::setup_with_ptau_dir(&c, &*S1::ck_floor(), &*S2::ck_floor(), &dir).unwrap();
    println!("public parameters {:?}", t.elapsed());
    println!("constraints {:?}", pp.num_constraints());
    let t = Instant::now();
    let (pk, vk) = CompressedSNARK::<E1, E2, Synthetic, S1, S2>::setup(&pp).unwrap();
    println!("keys {:?}", t.elapsed());
    let z0 = vec![Fr::from(0u64), Fr::from(5u64), Fr::from(7u64)];
    let t = Instant::now();
    let mut rs = RecursiveSNARK::new(&pp, &c, &z0).unwrap();
    for _ in 0..3 {
        rs.prove_step(&pp, &c).unwrap();
    }
    println!("3 fold steps {:?}", t.elapsed());
    let t = Instant::now();
    let snark = CompressedSNARK::<E1, E2, Synthetic, S1, S2>::prove(&pp, &pk, &rs).unwrap();
    println!("compression {:?}", t.elapsed());
    snark.verify(&vk, 3, &z0).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the probes named on the command line (all without a name).
fn main() {
    let probes: [(&str, fn()); 3] = [
        ("poseidon_gadget_costs", poseidon_gadget_costs),
        ("augmented_overhead_by_arity", augmented_overhead_by_arity),
        ("compression_at_2_18", compression_at_2_18),
    ];
    // `cargo bench` passes `--bench`; other flags are ignored too.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for (name, probe) in probes {
        if filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())) {
            println!("== {name}");
            probe();
        }
    }
}

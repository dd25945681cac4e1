use ff::{Field, PrimeField};
use nova_snark::{
  frontend::{num::AllocatedNum, ConstraintSystem, SynthesisError},
  nova::{CompressedSNARK, PublicParams, RecursiveSNARK},
  provider::{poseidon::{PoseidonConstantsCircuit, PoseidonRO}, keccak::Keccak256Transcript, Bn256EngineKZG, GrumpkinEngine},
  traits::{circuit::StepCircuit, snark::RelaxedR1CSSNARKTrait, Engine, ROTrait, TranscriptEngineTrait},
};
use std::io::Write;

type E1 = Bn256EngineKZG;
type E2 = GrumpkinEngine;
type EE1 = nova_snark::provider::hyperkzg::EvaluationEngine<E1>;
type EE2 = nova_snark::provider::ipa_pc::EvaluationEngine<E2>;
type S1 = nova_snark::spartan::ppsnark::RelaxedR1CSSNARK<E1, EE1>;
type S2 = nova_snark::spartan::snark::RelaxedR1CSSNARK<E2, EE2>;
type Fr = <E1 as Engine>::Scalar;
type Fq = <E2 as Engine>::Scalar;

#[derive(Clone, Debug, Default)]
struct Cubic;
impl StepCircuit<Fr> for Cubic {
  fn arity(&self) -> usize { 2 }
  fn synthesize<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, z: &[AllocatedNum<Fr>]) -> Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
    let x = &z[0];
    let x_sq = x.square(cs.namespace(|| "x_sq"))?;
    let x_cu = x_sq.mul(cs.namespace(|| "x_cu"), x)?;
    let y = AllocatedNum::alloc(cs.namespace(|| "y"), || {
      Ok(x_cu.get_value().unwrap() + z[1].get_value().unwrap() + Fr::from(5u64))
    })?;
    cs.enforce(|| "y = x^3 + z1 + 5",
      |lc| lc + x_cu.get_variable() + z[1].get_variable() + (Fr::from(5u64), CS::one()),
      |lc| lc + CS::one(), |lc| lc + y.get_variable());
    Ok(vec![y, x.clone()])
  }
}

fn hexle<F: PrimeField>(f: &F) -> String { hex::encode(f.to_repr().as_ref()) }

fn main() {
  let out = std::env::args().nth(1).unwrap_or("/tmp/novaprobe".into());
  std::fs::create_dir_all(&out).unwrap();
  let mut kat = std::fs::File::create(format!("{out}/kat.txt")).unwrap();
  // Poseidon KATs
  let cr = PoseidonConstantsCircuit::<Fr>::default();
  let cq = PoseidonConstantsCircuit::<Fq>::default();
  for n in [0usize, 1, 2, 23, 24, 25, 48, 49] {
    let mut ro = PoseidonRO::<Fr>::new(cr.clone());
    for i in 0..n { ro.absorb(Fr::from((i + 1) as u64)); }
    let h = ro.squeeze(254, false);
    writeln!(kat, "poseidon_fr n={n} in=1..n hash_le={}", hexle(&h)).unwrap();
    let mut ro = PoseidonRO::<Fq>::new(cq.clone());
    for i in 0..n { ro.absorb(Fq::from((i + 1) as u64)); }
    let h = ro.squeeze(254, false);
    writeln!(kat, "poseidon_fq n={n} in=1..n hash_le={}", hexle(&h)).unwrap();
  }
  {
    let mut ro = PoseidonRO::<Fr>::new(cr.clone());
    for i in 0..3u64 { ro.absorb(Fr::from(i + 7)); }
    writeln!(kat, "poseidon_fr in=7,8,9 squeeze250={} ", hexle(&ro.squeeze(250, false))).unwrap();
    let mut ro = PoseidonRO::<Fr>::new(cr.clone());
    for i in 0..3u64 { ro.absorb(Fr::from(i + 7)); }
    writeln!(kat, "poseidon_fr in=7,8,9 squeeze128={} ", hexle(&ro.squeeze(128, false))).unwrap();
  }
  // serialized constants
  let cfg = bincode::config::legacy();
  std::fs::write(format!("{out}/ro_consts_fr.bin"), bincode::serde::encode_to_vec(&cr, cfg).unwrap()).unwrap();
  std::fs::write(format!("{out}/ro_consts_fq.bin"), bincode::serde::encode_to_vec(&cq, cfg).unwrap()).unwrap();
  // Keccak transcript KATs
  {
    let mut t = <Keccak256Transcript<E1> as TranscriptEngineTrait<E1>>::new(b"KAT");
    let c0 = t.squeeze(b"c0").unwrap();
    t.absorb(b"a", &Fr::from(5u64));
    t.absorb(b"v", &[Fr::from(1u64), Fr::from(2u64)].as_slice());
    let c1 = t.squeeze(b"c1").unwrap();
    t.dom_sep(b"IPA");
    let c2 = t.squeeze(b"c2").unwrap();
    writeln!(kat, "keccak_e1 label=KAT c0={} c1={} c2={}", hexle(&c0), hexle(&c1), hexle(&c2)).unwrap();
    let mut t = <Keccak256Transcript<E2> as TranscriptEngineTrait<E2>>::new(b"KAT");
    let c0 = t.squeeze(b"c0").unwrap();
    t.absorb(b"a", &Fq::from(5u64));
    let c1 = t.squeeze(b"c1").unwrap();
    writeln!(kat, "keccak_e2 label=KAT c0={} c1={}", hexle(&c0), hexle(&c1)).unwrap();
  }

  // end-to-end
  let c = Cubic;
  let t0 = std::time::Instant::now();
  let pp = PublicParams::<E1, E2, Cubic>::setup(&c, &*S1::ck_floor(), &*S2::ck_floor()).unwrap();
  writeln!(kat, "pp_digest={}", hexle(&pp.digest())).unwrap();
  writeln!(kat, "num_constraints={:?} num_variables={:?}", pp.num_constraints(), pp.num_variables()).unwrap();
  eprintln!("setup {:?}", t0.elapsed());
  let z0 = vec![Fr::from(2u64), Fr::from(3u64)];
  let mut rs = RecursiveSNARK::new(&pp, &c, &z0).unwrap();
  let num_steps = 3;
  for _ in 0..num_steps { rs.prove_step(&pp, &c).unwrap(); }
  let zn = rs.verify(&pp, num_steps, &z0).unwrap();
  writeln!(kat, "zn={:?}", zn.iter().map(hexle).collect::<Vec<_>>()).unwrap();
  let (pk, vk) = CompressedSNARK::<E1, E2, Cubic, S1, S2>::setup(&pp).unwrap();
  let snark = CompressedSNARK::<E1, E2, Cubic, S1, S2>::prove(&pp, &pk, &rs).unwrap();
  let t1 = std::time::Instant::now();
  let res = snark.verify(&vk, num_steps, &z0);
  eprintln!("verify {:?} {:?}", res.is_ok(), t1.elapsed());
  writeln!(kat, "verify_ok={} num_steps={num_steps} z0=[2,3]", res.is_ok()).unwrap();
  std::fs::write(format!("{out}/vk.bin"), bincode::serde::encode_to_vec(&vk, cfg).unwrap()).unwrap();
  std::fs::write(format!("{out}/proof.bin"), bincode::serde::encode_to_vec(&snark, cfg).unwrap()).unwrap();
  // a second proof with 1 step
  let mut rs1 = RecursiveSNARK::new(&pp, &c, &z0).unwrap();
  rs1.prove_step(&pp, &c).unwrap();
  let snark1 = CompressedSNARK::<E1, E2, Cubic, S1, S2>::prove(&pp, &pk, &rs1).unwrap();
  writeln!(kat, "verify1_ok={}", snark1.verify(&vk, 1, &z0).is_ok()).unwrap();
  std::fs::write(format!("{out}/proof1.bin"), bincode::serde::encode_to_vec(&snark1, cfg).unwrap()).unwrap();
}

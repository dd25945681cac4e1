//! The benchmarked operations: each runs `n` iterations of one operation over values derived from
//! the request's seed, chaining every result into the next iteration (so the compiler can neither
//! fold nor hoist it) and returning the last one (so it is not dead code).

use alloc::vec::Vec;
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use parity_scale_codec::{Decode, Encode};
use zkml_field::{Bn254Fq, Bn254Fr, Fe};
use zkml_verifier::bench::{MsmUnits, POSEIDON_WIDTH, PoseidonFr};
pub use zkml_verifier::le32;

/// One benchmarked operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Op {
    /// Nothing: the overhead of a message.
    Empty,
    /// ark-ff BN254 `Fr` multiplication: `x ← x·y`.
    ArkFrMul,
    /// ark-ff BN254 `Fq` multiplication: `x ← x·y`.
    ArkFqMul,
    /// ark-ff `Fr` squaring: `x ← x²`.
    ArkFrSquare,
    /// ark-ff `Fr` addition: `x ← x + y`.
    ArkFrAdd,
    /// ark-ff `Fr` subtraction: `x ← x − y`.
    ArkFrSub,
    /// ark-ff `Fr` inversion: `x ← (x + y)^{−1}`.
    ArkFrInverse,
    /// zkml-field `Fe<Bn254Fr>::mul`: `x ← x·y`.
    FeFrMul,
    /// The same, written `x = x.mul(&y)`: the result is copied back into `x` (a `memcpy`).
    FeFrMulCopied,
    /// zkml-field `Fe<Bn254Fq>::mul`: `x ← x·y`.
    FeFqMul,
    /// zkml-field `Fe<Bn254Fr>::square`: `x ← x²`.
    FeFrSquare,
    /// zkml-field `Fe<Bn254Fr>::add`: `x ← x + y`.
    FeFrAdd,
    /// zkml-field `Fe<Bn254Fr>::sub`: `x ← x − y`.
    FeFrSub,
    /// zkml-field `Fe<Bn254Fr>::inverse` (Fermat): `x ← (x + y)^{−1}`.
    FeFrInverse,
    /// A Grumpkin affine addition given the inverse of its denominator, on ark-ff: [`chord_ark`].
    ArkAffineAdd,
    /// The same addition on zkml-field: [`chord_fe`].
    FeAffineAdd,
    /// The verifier's Poseidon permutation over `Fr` (width 25).
    Poseidon,
    /// A BN254 multi-pairing of two pairs (the HyperKZG check), ark-bn254.
    Pairing2,
    /// One batch of the IPA MSM: 1,024 points added into 16,384 buckets (signed digits).
    MsmBatch,
    /// The reduction of the IPA MSM's merged window: `Σ_j (j+1)·B_j` over 16,384 buckets.
    MsmReduction,
    /// The costliest batch: 1,024 buckets each doubled (every addition a doubling).
    MsmWorstBatch,
    /// A window's first batch: 1,024 points into empty buckets (mostly copies, little arithmetic).
    MsmFirstBatch,
    /// The costliest reduction: 16,384 equal buckets (every row and column addition a doubling).
    MsmWorstReduction,
}

impl Op {
    /// Every operation, in table order.
    pub const ALL: [Op; 23] = [
        Op::Empty,
        Op::ArkFrMul,
        Op::ArkFqMul,
        Op::ArkFrSquare,
        Op::ArkFrAdd,
        Op::ArkFrSub,
        Op::ArkFrInverse,
        Op::FeFrMul,
        Op::FeFrMulCopied,
        Op::FeFqMul,
        Op::FeFrSquare,
        Op::FeFrAdd,
        Op::FeFrSub,
        Op::FeFrInverse,
        Op::ArkAffineAdd,
        Op::FeAffineAdd,
        Op::Poseidon,
        Op::Pairing2,
        Op::MsmBatch,
        Op::MsmReduction,
        Op::MsmWorstBatch,
        Op::MsmFirstBatch,
        Op::MsmWorstReduction,
    ];
}

/// A message to the benchmark program: run `op` `n` times on values derived from `seed`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Request {
    /// The operation.
    pub op: Op,
    /// Iterations.
    pub n: u32,
    /// The data: `x` from the first 32 bytes, `y` from the last 32 (little-endian, reduced).
    pub seed: [u8; 64],
}

/// The program's reply: the result's bytes, or why the message was not understood.
pub type Reply = Result<Vec<u8>, BenchError>;

/// Why a message was not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum BenchError {
    /// The payload is not a SCALE-encoded [`Request`].
    Malformed,
}

/// `(x, y)` of the request in field `F`.
pub fn inputs<F: PrimeField>(seed: &[u8; 64]) -> (F, F) {
    (
        F::from_le_bytes_mod_order(&seed[..32]),
        F::from_le_bytes_mod_order(&seed[32..]),
    )
}

/// The chord rule on ark-ff: `(x1, y1) + (x2, y2)` given `inv = (x2 − x1)^{−1}`.
pub fn chord_ark(p: &(Fr, Fr), q: &(Fr, Fr), inv: &Fr) -> (Fr, Fr) {
    let l = (q.1 - p.1) * inv;
    let x3 = l.square() - p.0 - q.0;
    let y3 = l * (p.0 - x3) - p.1;
    (x3, y3)
}

/// The chord rule on zkml-field (Grumpkin's base field is BN254's `Fr`), as the MSM computes it:
/// `p ← p + q` given `r = (x1 − x2)^{−1}`, in one [`Fe::chord_step`] (whose running-inverse
/// update, here `r·(x1 − x2)`, is computed and dropped).
pub fn chord_fe(
    p: &mut (Fe<Bn254Fr>, Fe<Bn254Fr>),
    q: &(Fe<Bn254Fr>, Fe<Bn254Fr>),
    r: &Fe<Bn254Fr>,
) {
    let mut one = Fe::ONE;
    Fe::chord_step(r, &mut one, &mut p.0, &mut p.1, &q.0, &q.1, false);
}

/// The affine addition's operands: `p = (x, y)`, `q = (y, x)`, `inv = x + y` (any value: the
/// arithmetic, and so its gas, does not depend on it being the true inverse).
pub fn chord_inputs(seed: &[u8; 64]) -> ((Fr, Fr), (Fr, Fr), Fr) {
    let (x, y) = inputs::<Fr>(seed);
    ((x, y), (y, x), x + y)
}

/// The Poseidon state of the request: `s_i = x + i·y`.
pub fn poseidon_state(seed: &[u8; 64]) -> [Fr; POSEIDON_WIDTH] {
    let (x, y) = inputs::<Fr>(seed);
    core::array::from_fn(|i| x + Fr::from(i as u64) * y)
}

/// The pairing's operands: `([x]G1, [y]G1)` and `([y]G2, [x]G2)`.
pub fn pairing_inputs(seed: &[u8; 64]) -> ([G1Affine; 2], [G2Affine; 2]) {
    let (x, y) = inputs::<Fr>(seed);
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    (
        [(g1 * x).into_affine(), (g1 * y).into_affine()],
        [(g2 * y).into_affine(), (g2 * x).into_affine()],
    )
}

/// Runs a request; the reply's bytes are the last result, as canonical little-endian 32-byte
/// field elements.
pub fn run(req: &Request) -> Vec<u8> {
    let n = req.n;
    let seed = &req.seed;
    match req.op {
        Op::Empty => Vec::new(),
        Op::ArkFrMul => ark_chain::<Fr>(seed, n, |x, y| *x *= y),
        Op::ArkFqMul => ark_chain::<Fq>(seed, n, |x, y| *x *= y),
        Op::ArkFrSquare => ark_chain::<Fr>(seed, n, |x, _| {
            x.square_in_place();
        }),
        Op::ArkFrAdd => ark_chain::<Fr>(seed, n, |x, y| *x += y),
        Op::ArkFrSub => ark_chain::<Fr>(seed, n, |x, y| *x -= y),
        Op::ArkFrInverse => ark_chain::<Fr>(seed, n, |x, y| {
            *x = (*x + y).inverse().unwrap_or_default();
        }),
        Op::FeFrMul => fe_chain::<Bn254Fr>(seed, n, |x, y| x.mul(y)),
        Op::FeFrMulCopied => {
            let (x, y) = inputs::<Fr>(seed);
            let (mut x, y) = (Fe::<Bn254Fr>::from_ark(&x), Fe::from_ark(&y));
            for _ in 0..n {
                x = x.mul(&y);
            }
            le32(&x.to_ark()).to_vec()
        }
        Op::FeFqMul => fe_chain::<Bn254Fq>(seed, n, |x, y| x.mul(y)),
        Op::FeFrSquare => fe_chain::<Bn254Fr>(seed, n, |x, _| x.square()),
        Op::FeFrAdd => fe_chain::<Bn254Fr>(seed, n, |x, y| x.add(y)),
        Op::FeFrSub => fe_chain::<Bn254Fr>(seed, n, |x, y| x.sub(y)),
        Op::FeFrInverse => fe_chain::<Bn254Fr>(seed, n, |x, y| x.add(y).inverse()),
        Op::ArkAffineAdd => {
            let (mut p, q, inv) = chord_inputs(seed);
            for _ in 0..n {
                p = chord_ark(&p, &q, &inv);
            }
            [p.0, p.1].iter().flat_map(le32).collect()
        }
        Op::FeAffineAdd => {
            let (p, q, inv) = chord_inputs(seed);
            let fe = |(x, y): (Fr, Fr)| (Fe::from_ark(&x), Fe::from_ark(&y));
            // `chord_ark`'s inverse is of `x2 − x1`, `chord_fe`'s of `x1 − x2`.
            let (mut p, q, r) = (fe(p), fe(q), Fe::from_ark(&-inv));
            for _ in 0..n {
                chord_fe(&mut p, &q, &r);
            }
            [p.0, p.1].iter().flat_map(|v| le32(&v.to_ark())).collect()
        }
        Op::Poseidon => {
            let poseidon = PoseidonFr::nova();
            let mut s = poseidon_state(seed);
            for _ in 0..n {
                poseidon.permute(&mut s);
            }
            s.iter().flat_map(le32).collect()
        }
        Op::Pairing2 => {
            let (a, b) = pairing_inputs(seed);
            let mut acc = <Bn254 as Pairing>::TargetField::ONE;
            for _ in 0..n {
                acc *= Bn254::multi_pairing(a, b).0;
            }
            acc.to_base_prime_field_elements()
                .flat_map(|c| le32(&c))
                .collect()
        }
        Op::MsmBatch | Op::MsmFirstBatch => {
            let mut units = MsmUnits::new(u64::from(seed[0]) + 2);
            if req.op == Op::MsmFirstBatch {
                units.empty_buckets();
            }
            let mut counted = 0;
            for i in 0..n {
                counted = units.batch(u64::from(i) + 1);
            }
            counted.to_le_bytes().to_vec()
        }
        Op::MsmReduction | Op::MsmWorstReduction => {
            let mut units = MsmUnits::new(u64::from(seed[0]) + 2);
            if req.op == Op::MsmWorstReduction {
                units.equal_buckets();
            }
            let mut x = Fr::ZERO;
            for _ in 0..n {
                x += units.reduction();
            }
            let mut out = le32(&x).to_vec();
            out.extend(units.counted().to_le_bytes());
            out
        }
        Op::MsmWorstBatch => {
            let mut units = MsmUnits::new(u64::from(seed[0]) + 2);
            let mut counted = 0;
            for _ in 0..n {
                counted = units.worst_batch();
            }
            counted.to_le_bytes().to_vec()
        }
    }
}

/// `n` times `f(&mut x, &y)` on ark-ff elements; `x` as bytes.
fn ark_chain<F: PrimeField>(seed: &[u8; 64], n: u32, f: impl Fn(&mut F, &F)) -> Vec<u8> {
    let (mut x, y) = inputs::<F>(seed);
    for _ in 0..n {
        f(&mut x, &y);
    }
    le32(&x).to_vec()
}

/// `n` times `x ← f(&x, &y)` on zkml-field elements; `x` as bytes. Results go to two variables in
/// turn, so that each is written in place rather than copied back into `x` (see
/// [`Op::FeFrMulCopied`]).
fn fe_chain<M: zkml_field::Modulus>(
    seed: &[u8; 64],
    n: u32,
    f: impl Fn(&Fe<M>, &Fe<M>) -> Fe<M>,
) -> Vec<u8> {
    let (x, y) = inputs::<M::Ark>(seed);
    let (mut x, y) = (Fe::<M>::from_ark(&x), Fe::<M>::from_ark(&y));
    for _ in 0..n / 2 {
        let a = f(&x, &y);
        x = f(&a, &y);
    }
    if n % 2 == 1 {
        x = f(&x, &y);
    }
    le32(&x.to_ark()).to_vec()
}

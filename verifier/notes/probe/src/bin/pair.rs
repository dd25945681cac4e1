use halo2curves::bn256::{Bn256, Fq, G1Affine, G2Affine};
use halo2curves::pairing::Engine;
use halo2curves::group::GroupEncoding;
use ff::PrimeField;
fn fq(h: &str) -> Fq { let b: [u8;32] = hex::decode(h).unwrap().try_into().unwrap(); Fq::from_repr(b.into()).unwrap() }
fn g2(h: &str) -> G2Affine { let b: [u8;64] = hex::decode(h).unwrap().try_into().unwrap(); let mut r = <G2Affine as GroupEncoding>::Repr::default(); r.as_mut().copy_from_slice(&b); G2Affine::from_bytes(&r).unwrap() }
fn main() {
  let a: Vec<String> = std::env::args().skip(1).collect();
  let l = G1Affine { x: fq(&a[0]), y: fq(&a[1]) };
  let r = G1Affine { x: fq(&a[2]), y: fq(&a[3]) };
  let h = g2(&a[4]); let th = g2(&a[5]);
  println!("H={:?}\ntau_H={:?}", h, th);
  println!("H == G2 generator: {}", h == G2Affine::generator());
  let ok = Bn256::pairing(&l, &h) == Bn256::pairing(&r, &th);
  println!("pairing_ok={ok}");
}

//! Off-chain conversion of nova-snark 0.76.0's serialized objects (bincode `config::legacy()`, SPEC §10) into
//! our types. Pure byte parsing: no nova dependency, so it runs in the prover's exporter and in tests.
//!
//! Compiled with the `nova-format` feature only (and for tests): the program never runs it.
//!
//! nova writes points in halo2curves' compressed form (32 bytes: `LE32(x)`, byte 31 bit 7 = parity of `y`,
//! bit 6 = identity). This module decompresses them ([`decompress`], one square root each; the primary
//! key by [`primary_key`]), so that the wire format carries uncompressed points.
//! It rejects exactly what nova's deserializer rejects: non-canonical scalars and coordinates, points not on the curve, bad flags,
//! truncated data, trailing bytes; and, as nova's `verify` does first, instances whose `X` has not 2 entries.

mod csr;
mod halo2;

pub use csr::{Csr, shape_from_csr};
pub use halo2::{decompress, primary_key};

use crate::constants::{ConstantKey, Oracles};
use crate::error::VerifyError;
use crate::field::{Fq, Fr, Grumpkin, KernelField, from_le32_canonical, le32, truncate_le};
use crate::instance::{R1csInstance, RelaxedInstance};
use crate::pcs::hyperkzg::EvaluationArgument;
use crate::pcs::ipa::IpaProof;
use crate::poseidon::Poseidon;
use crate::spartan::ppsnark::key::NOVA_KEY_LEN;
use crate::spartan::ppsnark::{Evals, PrimaryKey, PrimarySnark};
use crate::spartan::snark::{SecondaryKey, SecondarySnark};
use crate::wire::{CompressedProof, FoldingKey, FoldingProof};
use alloc::vec::Vec;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{PrimeField, Zero};
use sha3::{Digest, Sha3_256};

/// Size of the model-specific part of nova's `VerifierKey`: `F_arity ‖ pp_digest ‖ vk_primary`.
pub const MODEL_KEY_LEN: usize = 8 + 32 + NOVA_KEY_LEN;

/// A cursor over nova's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], VerifyError> {
        if self.bytes.len() < n {
            return Err(VerifyError::Malformed("nova bytes: truncated"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], VerifyError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, VerifyError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, VerifyError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A vector length; bounded by the bytes left, so a forged length cannot exhaust memory.
    fn len(&mut self) -> Result<usize, VerifyError> {
        let n = self.u64()?;
        if n > self.bytes.len() as u64 {
            return Err(VerifyError::Malformed(
                "nova bytes: vector longer than the data",
            ));
        }
        Ok(n as usize)
    }

    fn vec<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, VerifyError>,
    ) -> Result<Vec<T>, VerifyError> {
        let n = self.len()?;
        (0..n).map(|_| item(self)).collect()
    }

    fn scalar<F: PrimeField>(&mut self) -> Result<F, VerifyError> {
        from_le32_canonical(&self.array()?)
    }

    /// A halo2curves compressed point (see [`decompress`]).
    fn point<P: SWCurveConfig>(&mut self) -> Result<Affine<P>, VerifyError>
    where
        P::BaseField: PrimeField,
    {
        decompress(&self.array()?)
    }

    /// Public IO: exactly two scalars (SPEC §2 step 3).
    fn io<F: PrimeField>(&mut self) -> Result<[F; 2], VerifyError> {
        if self.u64()? != 2 {
            return Err(VerifyError::Malformed(
                "nova bytes: instance X must have 2 entries",
            ));
        }
        Ok([self.scalar()?, self.scalar()?])
    }

    fn r1cs<P: SWCurveConfig>(
        &mut self,
    ) -> Result<R1csInstance<Affine<P>, P::ScalarField>, VerifyError>
    where
        P::BaseField: PrimeField,
    {
        Ok(R1csInstance {
            comm_w: self.point()?,
            x: self.io()?,
        })
    }

    fn relaxed<P: SWCurveConfig>(
        &mut self,
    ) -> Result<RelaxedInstance<Affine<P>, P::ScalarField>, VerifyError>
    where
        P::BaseField: PrimeField,
    {
        Ok(RelaxedInstance {
            comm_w: self.point()?,
            comm_e: self.point()?,
            x: self.io()?,
            u: self.scalar()?,
        })
    }

    fn sumcheck<F: PrimeField>(&mut self) -> Result<Vec<Vec<F>>, VerifyError> {
        self.vec(|r| r.vec(Self::scalar))
    }

    fn finish(self) -> Result<(), VerifyError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(VerifyError::Malformed("nova bytes: trailing data"))
        }
    }
}

/// Parses nova's serialized `CompressedSNARK` (SPEC §1.4, §10).
pub fn parse_proof(bytes: &[u8]) -> Result<CompressedProof, VerifyError> {
    let mut r = Reader { bytes };
    let r_u_secondary = r.relaxed()?;
    let ri_secondary = r.scalar()?;
    let l_u_secondary = r.r1cs()?;
    let t_uf_secondary = r.point()?;
    let l_ur_secondary = r.relaxed()?;
    let t_un_secondary = r.point()?;
    let r_u_primary = r.relaxed()?;
    let ri_primary = r.scalar()?;
    let l_ur_primary = r.relaxed()?;
    let t_un_primary = r.point()?;
    let wit_blind_primary = r.scalar()?;
    let err_blind_primary = r.scalar()?;
    let wit_blind_secondary = r.scalar()?;
    let err_blind_secondary = r.scalar()?;
    let primary = primary_snark(&mut r)?;
    let secondary = SecondarySnark {
        sc_outer: r.sumcheck()?,
        claims_outer: [r.scalar()?, r.scalar()?, r.scalar()?],
        eval_e: r.scalar()?,
        sc_inner: r.sumcheck()?,
        eval_w: r.scalar()?,
        sc_batch: r.sumcheck()?,
        evals_batch: r.vec(Reader::scalar)?,
        ipa: IpaProof {
            l_vec: r.vec(Reader::point)?,
            r_vec: r.vec(Reader::point)?,
            a_hat: r.scalar()?,
        },
    };
    let zn = r.vec(Reader::scalar)?;
    r.finish()?;
    Ok(CompressedProof {
        folding: FoldingProof {
            r_u_secondary,
            ri_secondary,
            l_u_secondary,
            t_uf_secondary,
            l_ur_secondary,
            t_un_secondary,
            r_u_primary,
            ri_primary,
            l_ur_primary,
            t_un_primary,
            wit_blind_primary,
            err_blind_primary,
            wit_blind_secondary,
            err_blind_secondary,
            zn,
        },
        primary,
        secondary,
    })
}

/// Reads nova's `ppsnark::RelaxedR1CSSNARK` (S1, SPEC §8).
fn primary_snark(r: &mut Reader<'_>) -> Result<PrimarySnark, VerifyError> {
    let comms = [
        r.point()?,
        r.point()?,
        r.point()?,
        r.point()?,
        r.point()?,
        r.point()?,
    ];
    let sc_outer = r.sumcheck()?;
    let outer = [r.scalar()?, r.scalar()?, r.scalar()?, r.scalar()?];
    let sc_inner = r.sumcheck()?;
    let mut e = [Fr::zero(); 15];
    for x in &mut e {
        *x = r.scalar()?;
    }
    let eval_arg = EvaluationArgument {
        com: r.vec(Reader::point)?,
        w: [r.point()?, r.point()?, r.point()?],
        v: r.vec(|r| Ok([r.scalar()?, r.scalar()?, r.scalar()?]))?,
    };
    Ok(PrimarySnark {
        comm_l_row: comms[0],
        comm_l_col: comms[1],
        comm_t_plus_r_inv_row: comms[2],
        comm_w_plus_r_inv_row: comms[3],
        comm_t_plus_r_inv_col: comms[4],
        comm_w_plus_r_inv_col: comms[5],
        sc_outer,
        eval_az: outer[0],
        eval_bz: outer[1],
        eval_cz: outer[2],
        eval_e_outer: outer[3],
        sc_inner,
        evals: Evals::from_wire_order(e),
        eval_arg,
    })
}

/// The model-specific part of nova's `VerifierKey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NovaModelKey {
    /// `F_arity`, `pp_digest` and `dk_primary.h`.
    pub folding: FoldingKey,
    /// `vk_primary` (decoded by [`primary_key`], which also computes `digest_vk1`).
    pub primary: PrimaryKey,
}

/// Reads nova's `ppsnark::VerifierKey<E1, HyperKZG>` (SPEC §1.3 field 5).
fn read_primary_key(r: &mut Reader<'_>) -> Result<PrimaryKey, VerifyError> {
    primary_key(&r.array()?)
}

/// `F_arity` as a `u32`.
fn arity(r: &mut Reader<'_>) -> Result<u32, VerifyError> {
    u32::try_from(r.u64()?).map_err(|_| VerifyError::Malformed("nova bytes: arity"))
}

/// Parses the model-specific bytes `F_arity ‖ pp_digest ‖ vk_primary` (448 bytes) of a nova `VerifierKey`,
/// with `dk_primary` (32 bytes, a constant of nova's BN254 commitment key).
pub fn parse_model_key(model: &[u8], dk_primary: &[u8; 32]) -> Result<NovaModelKey, VerifyError> {
    let mut r = Reader { bytes: model };
    let arity = arity(&mut r)?;
    let pp_digest = r.scalar()?;
    let primary = read_primary_key(&mut r)?;
    r.finish()?;
    let h_primary = Reader { bytes: dk_primary }.point()?;
    Ok(NovaModelKey {
        folding: FoldingKey {
            arity,
            pp_digest,
            h_primary,
        },
        primary,
    })
}

/// A whole nova `VerifierKey`, decoded.
#[derive(Clone, Debug)]
pub struct NovaVerifierKey {
    /// The model-specific part.
    pub model: NovaModelKey,
    /// The constant key: the random oracles' constants and the secondary key (shape in compact form,
    /// generators, `digest_vk2` computed from nova's bytes).
    pub constants: ConstantKey,
}

/// Reads a `PoseidonConstantsCircuit` and returns the permutation of its wide constants, after checking
/// that its MDS matrix is the Cauchy matrix the verifier recomputes.
fn ro_consts<F: KernelField>(r: &mut Reader<'_>) -> Result<Poseidon<F>, VerifyError> {
    let matrix = |r: &mut Reader<'_>| r.vec(|r| r.vec(Reader::scalar::<F>));
    let mut table = Vec::new();
    for wide in [true, false] {
        let mds = matrix(r)?;
        for _ in 0..5 {
            matrix(r)?;
        }
        let crc = r.vec(Reader::scalar::<F>)?;
        let psm = matrix(r)?;
        let sparse = r.vec(|r| Ok((r.vec(Reader::scalar::<F>)?, r.vec(Reader::scalar::<F>)?)))?;
        let _strength = r.u32()?;
        let (_rf, _rp, _hash_type) = (r.u64()?, r.u64()?, r.u32()?);
        if wide {
            crc.iter()
                .chain(psm.iter().flatten())
                .chain(sparse.iter().flat_map(|(w, v)| w.iter().chain(v)))
                .for_each(|x| table.extend_from_slice(&le32(x)));
            let cauchy = mds.len() == 25
                && mds.iter().enumerate().all(|(i, row)| {
                    row.iter()
                        .enumerate()
                        .all(|(j, m)| *m * F::from((i + j + 25) as u64) == F::ONE)
                });
            if !cauchy {
                return Err(VerifyError::Unsupported(
                    "Poseidon MDS matrix is not the Cauchy matrix",
                ));
            }
        }
    }
    Poseidon::from_table(&table)
}

/// Reads one of nova's `SparseMatrix` (CSR) of a shape with `cols` columns.
fn sparse_matrix(r: &mut Reader<'_>, cols: u64) -> Result<Csr, VerifyError> {
    let csr = Csr {
        data: r.vec(Reader::scalar)?,
        indices: r.vec(Reader::u64)?,
        indptr: r.vec(Reader::u64)?,
    };
    if r.u64()? != cols {
        return Err(VerifyError::Malformed("nova bytes: matrix column count"));
    }
    Ok(csr)
}

/// A `u64` size that must fit a `u32`.
fn size(r: &mut Reader<'_>) -> Result<u32, VerifyError> {
    u32::try_from(r.u64()?).map_err(|_| VerifyError::Malformed("nova bytes: size"))
}

/// Reads nova's `snark::VerifierKey<E2, IPA>` (SPEC §1.3 field 6) and computes its digest (§6.4).
fn secondary_key(r: &mut Reader<'_>) -> Result<SecondaryKey, VerifyError> {
    let start = r.bytes;
    let gens = r.vec(Reader::point)?;
    let h = r.point()?;
    let ck_s = r.vec(Reader::point)?;
    let _h_s: Grumpkin = r.point()?;
    let (num_cons, num_vars, num_io) = (size(r)?, size(r)?, size(r)?);
    let cols = u64::from(num_vars) + 1 + u64::from(num_io);
    let a = sparse_matrix(r, cols)?;
    let b = sparse_matrix(r, cols)?;
    let c = sparse_matrix(r, cols)?;
    let shape = shape_from_csr(num_cons, num_vars, num_io, [&a, &b, &c])?;
    let g_c = match ck_s[..] {
        [g_c] => g_c,
        _ => {
            return Err(VerifyError::Malformed(
                "nova bytes: ck_s must have one generator",
            ));
        }
    };
    let digest: [u8; 32] = Sha3_256::digest(&start[..start.len() - r.bytes.len()]).into();
    Ok(SecondaryKey::new(
        shape,
        gens,
        g_c,
        h,
        from_le32_canonical(&truncate_le(digest, 250))?,
    ))
}

/// Parses a whole nova `VerifierKey` (6.5 MB for our configuration), taking its Poseidon constants and
/// checking that `dk_secondary.h` is the secondary key's `h`.
pub fn parse_vk(bytes: &[u8]) -> Result<NovaVerifierKey, VerifyError> {
    let mut r = Reader { bytes };
    let arity = arity(&mut r)?;
    let fq = ro_consts::<Fq>(&mut r)?;
    let fr = ro_consts::<Fr>(&mut r)?;
    let pp_digest = r.scalar()?;
    let primary = read_primary_key(&mut r)?;
    let secondary = secondary_key(&mut r)?;
    let h_primary = r.point()?;
    let dk_secondary: Grumpkin = r.point()?;
    r.finish()?;
    if dk_secondary != secondary.h {
        return Err(VerifyError::Unsupported(
            "dk_secondary differs from the secondary key's h",
        ));
    }
    Ok(NovaVerifierKey {
        model: NovaModelKey {
            folding: FoldingKey {
                arity,
                pp_digest,
                h_primary,
            },
            primary,
        },
        constants: ConstantKey {
            oracles: Oracles { fr, fq },
            secondary,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::G1;
    use crate::fixture::data::{
        DK_PRIMARY, DK_SECONDARY, NOVA_VK_DIGEST, PROOF1, PROOF3, VK_MODEL, hex32,
    };
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::BigInteger;
    use std::vec::Vec;

    /// Decompresses one point of nova's encoding.
    fn point<P: SWCurveConfig>(bytes: &[u8; 32]) -> Result<Affine<P>, VerifyError>
    where
        P::BaseField: PrimeField,
    {
        decompress(bytes)
    }

    #[test]
    fn parses_fixture_proofs() {
        for bytes in [PROOF3, PROOF1] {
            let p = parse_proof(bytes).unwrap();
            let zn: Vec<[u8; 32]> = p.folding.zn.iter().map(le32).collect();
            if bytes == PROOF3 {
                assert_eq!(
                    zn,
                    [
                        hex32("6c31091510000000000000000000000000000000000000000000000000000000"),
                        hex32("0710000000000000000000000000000000000000000000000000000000000000")
                    ]
                );
            } else {
                // After one step the running secondary instance is the default one: identity commitments.
                assert!(p.folding.r_u_secondary.comm_w.is_zero());
                assert!(p.folding.r_u_secondary.comm_e.is_zero());
            }
            let (pri, sec) = (&p.primary, &p.secondary);
            assert_eq!((pri.sc_outer.len(), pri.sc_inner.len()), (14, 17));
            assert!(
                pri.sc_outer
                    .iter()
                    .chain(&pri.sc_inner)
                    .all(|q| q.len() == 3)
            );
            assert_eq!((pri.eval_arg.com.len(), pri.eval_arg.v.len()), (16, 17));
            assert_eq!(
                (sec.sc_outer.len(), sec.sc_inner.len(), sec.sc_batch.len()),
                (14, 15, 14)
            );
            assert_eq!(
                (
                    sec.evals_batch.len(),
                    sec.ipa.l_vec.len(),
                    sec.ipa.r_vec.len()
                ),
                (2, 14, 14)
            );
        }
    }

    #[test]
    fn parses_model_key() {
        assert_eq!(VK_MODEL.len(), MODEL_KEY_LEN);
        let k = parse_model_key(VK_MODEL, &DK_PRIMARY).unwrap();
        assert_eq!(k.folding.arity, 2);
        assert_eq!(
            le32(&k.folding.pp_digest),
            hex32("395428aeebb03cbfa8dd2ba3e9e0de7fd05db0ab207c395608b344804afe4401")
        );
        assert_eq!(
            (k.primary.num_cons, k.primary.num_vars, k.primary.n),
            (16384, 16384, 131072)
        );
        assert_eq!(k.primary.kzg.h, ark_bn254::G2Affine::generator());
        assert_eq!(k.primary.kzg.g, G1::generator());
        assert_eq!(k.primary.nova_bytes()[..], VK_MODEL[40..]);
        let mut digest = hex32("00eac6621848be123a27ac6e83dbc112fa886398dd927cda600847033fe8eb78");
        digest.reverse();
        assert_eq!(le32(&k.primary.digest), digest);
        assert_eq!(
            parse_model_key(&VK_MODEL[..447], &DK_PRIMARY),
            Err(VerifyError::Malformed("nova bytes: truncated"))
        );
        let mut longer = VK_MODEL.to_vec();
        longer.push(0);
        assert_eq!(
            parse_model_key(&longer, &DK_PRIMARY),
            Err(VerifyError::Malformed("nova bytes: trailing data"))
        );
    }

    /// The exported objects survive our SCALE wire format unchanged.
    #[test]
    fn wire_round_trip() {
        use crate::codec::decode_all;
        use crate::wire::VerifierKey;
        use parity_scale_codec::Encode;
        let k = parse_model_key(VK_MODEL, &DK_PRIMARY).unwrap();
        let vk = VerifierKey {
            folding: k.folding,
            primary: k.primary,
        };
        assert_eq!(decode_all::<VerifierKey>(&vk.encode()), Ok(vk));
        for bytes in [PROOF3, PROOF1] {
            let p = parse_proof(bytes).unwrap();
            let encoded = p.encode();
            // Folding 1,485 (4 relaxed instances of 226, a strict one of 129, 3 points, 6 scalars, zn);
            // primary 6,876 (n_out = 14, n_in = 17); secondary 5,325. nova's bincode: 12,176.
            assert_eq!(encoded.len(), 1_485 + 6_876 + 5_325);
            assert_eq!(decode_all::<CompressedProof>(&encoded), Ok(p));
        }
    }

    #[test]
    fn point_decompression() {
        // G1 generator (1, 2): x = 1, y even.
        let mut g = [0u8; 32];
        g[0] = 1;
        assert_eq!(point::<ark_bn254::g1::Config>(&g), Ok(G1::generator()));
        g[31] |= 0x80;
        assert_eq!(point::<ark_bn254::g1::Config>(&g), Ok(-G1::generator()));
        // Identity; identity with x != 0 or with the sign bit; x = 0 without the flag.
        let mut o = [0u8; 32];
        o[31] = 0x40;
        assert_eq!(point::<ark_bn254::g1::Config>(&o), Ok(G1::identity()));
        o[31] = 0xc0;
        assert!(point::<ark_bn254::g1::Config>(&o).is_err());
        o[31] = 0x40;
        o[0] = 1;
        assert!(point::<ark_bn254::g1::Config>(&o).is_err());
        assert!(point::<ark_bn254::g1::Config>(&[0u8; 32]).is_err());
        // Non-canonical x (all ones under the flag bits).
        let mut n = [0xffu8; 32];
        n[31] = 0x3f;
        assert_eq!(
            point::<ark_bn254::g1::Config>(&n),
            Err(VerifyError::NonCanonical)
        );
        // An x with no point: x³ + 3 is not a square for some small x.
        let bad = (2u64..100)
            .find(|x| {
                Affine::<ark_bn254::g1::Config>::get_ys_from_x_unchecked(Fq::from(*x)).is_none()
            })
            .unwrap();
        let mut b = [0u8; 32];
        b[0] = bad as u8;
        assert_eq!(
            point::<ark_bn254::g1::Config>(&b),
            Err(VerifyError::NotOnCurve)
        );
        // Grumpkin: nova's dk_secondary decompresses to a point of odd or even y as flagged.
        let h: Grumpkin = point(&DK_SECONDARY).unwrap();
        let (_, y) = h.xy().unwrap();
        assert_eq!(y.into_bigint().is_odd(), DK_SECONDARY[31] & 0x80 != 0);
        assert_eq!((h * Fq::from(1u64)).into_affine(), h);
    }

    #[test]
    fn rejects_tampered_proofs() {
        assert!(parse_proof(&PROOF3[..PROOF3.len() - 1]).is_err());
        let mut longer = PROOF3.to_vec();
        longer.push(0);
        assert_eq!(
            parse_proof(&longer),
            Err(VerifyError::Malformed("nova bytes: trailing data"))
        );
        // r_U_secondary.X length 3 (offset 64: after the two points).
        let mut b = PROOF3.to_vec();
        b[64] = 3;
        assert_eq!(
            parse_proof(&b),
            Err(VerifyError::Malformed(
                "nova bytes: instance X must have 2 entries"
            ))
        );
        // Non-canonical X[0].
        let mut b = PROOF3.to_vec();
        b[72 + 31] = 0xff;
        assert_eq!(parse_proof(&b), Err(VerifyError::NonCanonical));
        // A huge vector length (zn) is rejected before allocating.
        let mut b = PROOF3.to_vec();
        let n = b.len() - 2 * 32 - 8;
        b[n + 7] = 0x10;
        assert_eq!(
            parse_proof(&b),
            Err(VerifyError::Malformed(
                "nova bytes: vector longer than the data"
            ))
        );
        // Flipping a sign bit yields the negated point (still a valid proof encoding).
        let mut b = PROOF3.to_vec();
        b[32 + 31] ^= 0x80;
        let p = parse_proof(&b).unwrap();
        assert_eq!(
            p.folding.r_u_secondary.comm_e,
            -parse_proof(PROOF3).unwrap().folding.r_u_secondary.comm_e
        );
    }

    /// The full 6.5 MB key is not in the repository; set `ZKML_NOVA_VK` to a nova verifier key of this
    /// configuration (e.g. rebuilt by `notes/fixture/assemble_vk.py`) to run this test.
    #[test]
    #[ignore = "needs ZKML_NOVA_VK: nova's fixture verifier key (notes/README.md)"]
    fn parses_full_vk_when_available() {
        let Ok(path) = std::env::var("ZKML_NOVA_VK") else {
            std::eprintln!("parses_full_vk_when_available: skipped (set ZKML_NOVA_VK)");
            return;
        };
        let bytes = std::fs::read(path).unwrap();
        let vk = parse_vk(&bytes).unwrap();
        assert_eq!(vk.model.primary.nova_bytes()[..], VK_MODEL[40..]);
        assert_eq!(vk.model.folding.h_primary, point(&DK_PRIMARY).unwrap());
        use crate::poseidon::RoField;
        assert_eq!(vk.constants.oracles.fr.table(), Fr::TABLE);
        assert_eq!(vk.constants.oracles.fq.table(), Fq::TABLE);
        let s = &vk.constants.secondary;
        let shape = &s.shape;
        assert_eq!(
            (s.num_gens(), shape.num_cons, shape.num_vars, shape.num_io),
            (16384, 16384, 16384, 2)
        );
        let nnz: Vec<usize> = shape.matrices.iter().map(|m| m.nnz()).collect();
        // B's 2,336 rows equal to A's (28,793 entries) are stored in A only.
        assert_eq!(nnz, [72539, 44316 - 28793, 10002]);
        assert_eq!(shape.shared_rows.len(), 2336);
        assert_eq!(s.h, point(&DK_SECONDARY).unwrap());
        assert_eq!(le32(&s.digest), NOVA_VK_DIGEST);
        // A tampered key is rejected or yields another digest.
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x80;
        assert!(parse_vk(&bad).is_err());
    }
}

//! Our SCALE wire format: what the prover submits and the program stores (the conventions for
//! scalars, points and vectors are those of [`crate::codec`]).
//!
//! nova's proof and key are converted to this format off-chain by `nova_format` (feature
//! `nova-format`).

use crate::codec::{read_point, read_scalar, read_vec, write_point, write_scalar, write_vec};
use crate::field::{Fq, Fr, G1, Grumpkin};
use crate::instance::{R1csInstance, RelaxedInstance};
use crate::spartan::ppsnark::{PrimaryKey, PrimarySnark};
use crate::spartan::snark::SecondarySnark;
use alloc::vec::Vec;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::PrimeField;
use parity_scale_codec::{Decode, Encode, Error as CodecError, Input, Output};

impl<P: SWCurveConfig> Encode for R1csInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: PrimeField,
{
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        write_point(&self.comm_w, out);
        self.x.iter().for_each(|x| write_scalar(x, out));
    }
}

impl<P: SWCurveConfig> Decode for R1csInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: PrimeField,
{
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        Ok(Self {
            comm_w: read_point(input)?,
            x: [read_scalar(input)?, read_scalar(input)?],
        })
    }
}

impl<P: SWCurveConfig> Encode for RelaxedInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: PrimeField,
{
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        write_point(&self.comm_w, out);
        write_point(&self.comm_e, out);
        self.x.iter().for_each(|x| write_scalar(x, out));
        write_scalar(&self.u, out);
    }
}

impl<P: SWCurveConfig> Decode for RelaxedInstance<Affine<P>, P::ScalarField>
where
    P::BaseField: PrimeField,
{
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        Ok(Self {
            comm_w: read_point(input)?,
            comm_e: read_point(input)?,
            x: [read_scalar(input)?, read_scalar(input)?],
            u: read_scalar(input)?,
        })
    }
}

/// The folding part of a nova `CompressedSNARK` (SPEC §1.4 fields 1–14 and 17): what the folds check
/// before the two Spartan SNARKs. Field order on the wire is declaration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoldingProof {
    /// `r_U_secondary`: the running secondary instance.
    pub r_u_secondary: RelaxedInstance<Grumpkin, Fq>,
    /// `ri_secondary`: the secondary running instance's hash randomness.
    pub ri_secondary: Fq,
    /// `l_u_secondary`: the last secondary step instance (its `X` are the two output hashes).
    pub l_u_secondary: R1csInstance<Grumpkin, Fq>,
    /// `nifs_Uf_secondary.comm_T`.
    pub t_uf_secondary: Grumpkin,
    /// `l_ur_secondary`: the random secondary instance (zero knowledge).
    pub l_ur_secondary: RelaxedInstance<Grumpkin, Fq>,
    /// `nifs_Un_secondary.comm_T`.
    pub t_un_secondary: Grumpkin,
    /// `r_U_primary`: the running primary instance.
    pub r_u_primary: RelaxedInstance<G1, Fr>,
    /// `ri_primary`.
    pub ri_primary: Fr,
    /// `l_ur_primary`: the random primary instance.
    pub l_ur_primary: RelaxedInstance<G1, Fr>,
    /// `nifs_Un_primary.comm_T`.
    pub t_un_primary: G1,
    /// `wit_blind_r_Wn_primary`.
    pub wit_blind_primary: Fr,
    /// `err_blind_r_Wn_primary`.
    pub err_blind_primary: Fr,
    /// `wit_blind_r_Wn_secondary`.
    pub wit_blind_secondary: Fq,
    /// `err_blind_r_Wn_secondary`.
    pub err_blind_secondary: Fq,
    /// `zn`: the claimed output of the step function after `num_steps` steps.
    pub zn: Vec<Fr>,
}

impl Encode for FoldingProof {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.r_u_secondary.encode_to(out);
        write_scalar(&self.ri_secondary, out);
        self.l_u_secondary.encode_to(out);
        write_point(&self.t_uf_secondary, out);
        self.l_ur_secondary.encode_to(out);
        write_point(&self.t_un_secondary, out);
        self.r_u_primary.encode_to(out);
        write_scalar(&self.ri_primary, out);
        self.l_ur_primary.encode_to(out);
        write_point(&self.t_un_primary, out);
        write_scalar(&self.wit_blind_primary, out);
        write_scalar(&self.err_blind_primary, out);
        write_scalar(&self.wit_blind_secondary, out);
        write_scalar(&self.err_blind_secondary, out);
        write_vec(&self.zn, out, |x, o| write_scalar(x, o));
    }
}

impl Decode for FoldingProof {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        Ok(Self {
            r_u_secondary: Decode::decode(input)?,
            ri_secondary: read_scalar(input)?,
            l_u_secondary: Decode::decode(input)?,
            t_uf_secondary: read_point(input)?,
            l_ur_secondary: Decode::decode(input)?,
            t_un_secondary: read_point(input)?,
            r_u_primary: Decode::decode(input)?,
            ri_primary: read_scalar(input)?,
            l_ur_primary: Decode::decode(input)?,
            t_un_primary: read_point(input)?,
            wit_blind_primary: read_scalar(input)?,
            err_blind_primary: read_scalar(input)?,
            wit_blind_secondary: read_scalar(input)?,
            err_blind_secondary: read_scalar(input)?,
            zn: read_vec(input, read_scalar)?,
        })
    }
}

/// The model-specific part of nova's verifier key that the folding checks need (SPEC §1.3 fields 1, 4, 7).
/// The constant parts (Poseidon constants, secondary key, `dk_secondary`) are not carried here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoldingKey {
    /// `F_arity`: the number of elements of `z`.
    pub arity: u32,
    /// `pp_digest`: the digest of nova's public parameters (`< 2^250`).
    pub pp_digest: Fr,
    /// `dk_primary.h`: the blinding generator of the primary commitment key.
    pub h_primary: G1,
}

impl Encode for FoldingKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.arity.encode_to(out);
        write_scalar(&self.pp_digest, out);
        write_point(&self.h_primary, out);
    }
}

impl Decode for FoldingKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        Ok(Self {
            arity: u32::decode(input)?,
            pp_digest: read_scalar(input)?,
            h_primary: read_point(input)?,
        })
    }
}

/// The model-specific verifier key as the program stores it: what the folds and the primary SNARK
/// need. The constant parts of nova's key (the Poseidon constants, the secondary key and
/// `dk_secondary`) travel in the [`ConstantKey`](crate::constants::ConstantKey), uploaded once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    /// `F_arity`, `pp_digest`, `dk_primary.h`.
    pub folding: FoldingKey,
    /// `vk_primary` with its digest.
    pub primary: PrimaryKey,
}

impl Encode for VerifierKey {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.folding.encode_to(out);
        self.primary.encode_to(out);
    }
}

impl Decode for VerifierKey {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        Ok(Self {
            folding: Decode::decode(input)?,
            primary: Decode::decode(input)?,
        })
    }
}

/// A whole compressed proof in our wire format: the folding part, then the two Spartan SNARKs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompressedProof {
    /// nova's fields 1–14 and `zn`.
    pub folding: FoldingProof,
    /// `snark_primary` (S1).
    pub primary: PrimarySnark,
    /// `snark_secondary` (S2).
    pub secondary: SecondarySnark,
}

impl Encode for CompressedProof {
    fn encode_to<O: Output + ?Sized>(&self, out: &mut O) {
        self.folding.encode_to(out);
        self.primary.encode_to(out);
        self.secondary.encode_to(out);
    }
}

impl Decode for CompressedProof {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        Ok(Self {
            folding: Decode::decode(input)?,
            primary: Decode::decode(input)?,
            secondary: Decode::decode(input)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all;
    use crate::error::VerifyError;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::One;
    use std::vec;

    fn sample() -> FoldingProof {
        let g = G1::generator();
        let k = Grumpkin::generator();
        let k2 = (k * Fq::from(2u64)).into_affine();
        FoldingProof {
            r_u_secondary: RelaxedInstance {
                comm_w: Grumpkin::identity(),
                comm_e: k,
                x: [Fq::one(), -Fq::one()],
                u: Fq::from(3u64),
            },
            ri_secondary: Fq::from(4u64),
            l_u_secondary: R1csInstance {
                comm_w: k2,
                x: [Fq::from(5u64), Fq::from(6u64)],
            },
            t_uf_secondary: k,
            l_ur_secondary: RelaxedInstance {
                comm_w: k2,
                comm_e: k2,
                x: [Fq::from(7u64), Fq::from(8u64)],
                u: Fq::from(9u64),
            },
            t_un_secondary: Grumpkin::identity(),
            r_u_primary: RelaxedInstance {
                comm_w: g,
                comm_e: G1::identity(),
                x: [Fr::from(10u64), -Fr::one()],
                u: Fr::from(11u64),
            },
            ri_primary: Fr::from(12u64),
            l_ur_primary: RelaxedInstance {
                comm_w: g,
                comm_e: g,
                x: [Fr::from(13u64), Fr::from(14u64)],
                u: Fr::from(15u64),
            },
            t_un_primary: g,
            wit_blind_primary: Fr::from(16u64),
            err_blind_primary: Fr::from(17u64),
            wit_blind_secondary: Fq::from(18u64),
            err_blind_secondary: Fq::from(19u64),
            zn: vec![Fr::from(20u64), Fr::from(21u64)],
        }
    }

    /// Offset of `r_U_primary.comm_W.x` in the encoding of [`sample`].
    const PRIMARY_W: usize = 2 * 226 + 32 + 129 + 2 * 65;

    #[test]
    fn round_trip() {
        let p = sample();
        let bytes = p.encode();
        assert_eq!(
            bytes.len(),
            4 * 226 + 2 * 32 + 129 + 3 * 65 + 4 * 32 + 1 + 64
        );
        assert_eq!(decode_all::<FoldingProof>(&bytes), Ok(p));
        let key = FoldingKey {
            arity: 2,
            pp_digest: Fr::from(99u64),
            h_primary: G1::generator(),
        };
        assert_eq!(decode_all::<FoldingKey>(&key.encode()), Ok(key));
    }

    #[test]
    fn rejects_bad_encodings() {
        let bytes = sample().encode();
        let malformed = Err(VerifyError::Malformed("does not decode"));
        // Truncated, trailing.
        assert_eq!(
            decode_all::<FoldingProof>(&bytes[..bytes.len() - 1]),
            malformed
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode_all::<FoldingProof>(&longer),
            Err(VerifyError::Malformed("trailing bytes"))
        );
        // Identity flag other than 0/1 (r_U_secondary.comm_W).
        let mut b = bytes.clone();
        b[64] = 2;
        assert_eq!(decode_all::<FoldingProof>(&b), malformed);
        // Identity with non-zero coordinates.
        let mut b = bytes.clone();
        b[0] = 1;
        assert_eq!(decode_all::<FoldingProof>(&b), malformed);
        // Off-curve point (r_U_secondary.comm_E.y + 1).
        let mut b = bytes.clone();
        b[65 + 32] ^= 1;
        assert_eq!(decode_all::<FoldingProof>(&b), malformed);
        // Off-curve primary point.
        let mut b = bytes.clone();
        b[PRIMARY_W + 32] ^= 4;
        assert_eq!(decode_all::<FoldingProof>(&b), malformed);
        // Non-canonical scalar (r_U_secondary.X[1] = p - 1 → set top byte).
        let mut b = bytes.clone();
        b[193] = 0xff;
        assert_eq!(decode_all::<FoldingProof>(&b), malformed);
        // zn length larger than the data.
        let mut b = bytes;
        let n = b.len() - 65;
        b[n] = 3 << 2;
        assert_eq!(decode_all::<FoldingProof>(&b), malformed);
    }
}

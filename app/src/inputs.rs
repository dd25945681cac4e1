//! The two kinds of input and the commitment a session's statement starts from.
//!
//! - **Public**: the user sends the pixels; the program computes `C = H(pixels, 0)` itself, with
//!   the Poseidon of the model's constant key (the verifier's own).
//! - **Private**: the user sends `C` and an envelope (the pixels and the blinding sealed for the
//!   provers the user picked, `zkml-envelope`'s format); the program stores both without
//!   reading the envelope beyond its layout, and never sees the pixels.

use crate::error::SessionsError;
use crate::state::model::ModelState;
use zkml_verifier::statement::{self, StatementError};

/// Version byte of the envelope format (`zkml_envelope::VERSION`).
pub const ENVELOPE_VERSION: u8 = 1;
/// Most recipients of an envelope: every registered prover (`zkml_envelope::MAX_RECIPIENTS`).
pub const MAX_RECIPIENTS: usize = 32;
/// Bytes of an envelope's header: version and recipient count.
const ENVELOPE_HEADER: usize = 2;
/// Bytes of one recipient's slot (`zkml_envelope::SLOT_LEN`).
const SLOT_LEN: usize = 112;
/// Bytes of the encrypted contents: 784 pixels, a 32-byte blinding and a 16-byte tag.
const CONTENT_LEN: usize = statement::PIXELS + 32 + 16;
/// The largest envelope, sealed for [`MAX_RECIPIENTS`] provers (4,418 bytes).
pub const MAX_ENVELOPE_LEN: usize = envelope_len(MAX_RECIPIENTS);

/// Bytes of an envelope for `recipients` recipients.
const fn envelope_len(recipients: usize) -> usize {
    ENVELOPE_HEADER + recipients * SLOT_LEN + CONTENT_LEN
}

/// The commitment `C = H(pixels, 0)` to a public input, with the Poseidon of the model's
/// constant key (the verifier's own).
///
/// # Errors
/// [`SessionsError::ModelNotFinalized`] before the constant key is in,
/// [`SessionsError::WrongInputSize`] unless `pixels` has 784 bytes.
pub fn public_commitment(model: &ModelState, pixels: &[u8]) -> Result<[u8; 32], SessionsError> {
    if pixels.len() != statement::PIXELS {
        return Err(wrong_size(pixels.len()));
    }
    let (_, ck) = model.keys().ok_or(SessionsError::ModelNotFinalized)?;
    statement::commitment(ck, pixels, &[0; 32]).map_err(|e| match e {
        StatementError::InputLength(got) => wrong_size(got),
        // A zero blinding is canonical and the size is checked: nothing else comes back.
        _ => SessionsError::ModelNotFinalized,
    })
}

/// The refusal of an input of `got` bytes.
pub fn wrong_size(got: usize) -> SessionsError {
    SessionsError::WrongInputSize {
        expected: statement::PIXELS as u32,
        got: u32::try_from(got).unwrap_or(u32::MAX),
    }
}

/// Checks a private input: a canonical commitment and an envelope of the known layout.
///
/// # Errors
/// [`SessionsError::NonCanonicalCommitment`], [`SessionsError::EnvelopeTooLarge`] past
/// [`MAX_ENVELOPE_LEN`], [`SessionsError::MalformedEnvelope`] unless the envelope has the
/// format's version, 1 to 32 recipients and the length that count implies.
pub fn check_private(commitment: &[u8; 32], envelope: &[u8]) -> Result<(), SessionsError> {
    if statement::z0_words(commitment).is_err() {
        return Err(SessionsError::NonCanonicalCommitment);
    }
    if envelope.len() > MAX_ENVELOPE_LEN {
        return Err(SessionsError::EnvelopeTooLarge {
            max: MAX_ENVELOPE_LEN as u32,
            got: u32::try_from(envelope.len()).unwrap_or(u32::MAX),
        });
    }
    match envelope {
        [ENVELOPE_VERSION, count, ..]
            if (1..=MAX_RECIPIENTS).contains(&usize::from(*count))
                && envelope.len() == envelope_len(usize::from(*count)) =>
        {
            Ok(())
        }
        _ => Err(SessionsError::MalformedEnvelope),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn layout_is_zkml_envelopes() {
        assert_eq!(MAX_ENVELOPE_LEN, zkml_envelope::MAX_ENVELOPE_LEN);
        assert_eq!(SLOT_LEN, zkml_envelope::SLOT_LEN);
        assert_eq!(ENVELOPE_VERSION, zkml_envelope::VERSION);
        assert_eq!(MAX_RECIPIENTS, zkml_envelope::MAX_RECIPIENTS);
        for n in [1, 2, 32] {
            assert_eq!(envelope_len(n), zkml_envelope::envelope_len(n));
        }
    }

    #[test]
    fn private_inputs_are_checked() {
        let c = [1u8; 32];
        let mut good = vec![0u8; envelope_len(3)];
        good[0] = ENVELOPE_VERSION;
        good[1] = 3;
        assert_eq!(check_private(&c, &good), Ok(()));
        assert_eq!(
            check_private(&[0xff; 32], &good),
            Err(SessionsError::NonCanonicalCommitment)
        );
        for bad in [
            vec![],
            vec![ENVELOPE_VERSION],
            good[..good.len() - 1].to_vec(),
            [good.as_slice(), &[0]].concat(),
            [&[2u8, 3][..], &good[2..]].concat(),
            [&[ENVELOPE_VERSION, 0][..], &good[2..]].concat(),
        ] {
            assert_eq!(
                check_private(&c, &bad),
                Err(SessionsError::MalformedEnvelope)
            );
        }
        let mut big = vec![0u8; MAX_ENVELOPE_LEN + 1];
        big[0] = ENVELOPE_VERSION;
        big[1] = 33;
        assert_eq!(
            check_private(&c, &big),
            Err(SessionsError::EnvelopeTooLarge {
                max: MAX_ENVELOPE_LEN as u32,
                got: MAX_ENVELOPE_LEN as u32 + 1
            })
        );
        assert_eq!(
            wrong_size(3),
            SessionsError::WrongInputSize {
                expected: 784,
                got: 3
            }
        );
    }
}

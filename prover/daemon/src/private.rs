//! Private inputs on the prover's side: opening a session's envelope with this prover's
//! secret key and checking the opening against the session's commitment before proving.

use sails_rs::prelude::ActorId;
use zkml_envelope::{Context, SecretKey};
use zkml_proving::Opening;
use zkml_proving::circuit::word_from_scalar;

/// The opening of a private input, or why this prover cannot prove it (a log line's text; it
/// never holds the key or the plaintext).
///
/// `key` is this prover's secret key, `program` the program's id, `user` the session's owner,
/// `commitment` the commitment the session stores.
pub fn open(
    key: Option<&SecretKey>,
    program: ActorId,
    user: ActorId,
    commitment: [u8; 32],
    envelope: &[u8],
) -> Result<Opening, String> {
    let key = key.ok_or("a private input, and this daemon has no envelope key")?;
    let context = Context {
        program: program.into_bytes(),
        user: user.into_bytes(),
        commitment,
    };
    let contents = zkml_envelope::open(&context, envelope, key)
        .map_err(|e| format!("the envelope does not open with this prover's key: {e}"))?;
    let opening = Opening::new(&contents.pixels, contents.blinding)
        .map_err(|e| format!("the envelope's contents are not an input: {e}"))?;
    if word_from_scalar(&opening.commitment()) != commitment {
        return Err(
            "the envelope's pixels and blinding do not open the session's commitment".into(),
        );
    }
    Ok(opening)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkml_envelope::{Contents, seal};

    const PROGRAM: [u8; 32] = [7; 32];
    const USER: [u8; 32] = [8; 32];

    fn pixels() -> Vec<u8> {
        (0..784).map(|i| (i % 251) as u8).collect()
    }

    /// An opening, its commitment, and an envelope sealed for `recipients` in `context_user`'s
    /// context.
    fn sealed(recipients: &[[u8; 32]], user: [u8; 32]) -> ([u8; 32], Vec<u8>) {
        let blinding = zkml_envelope::random_blinding();
        let commitment = word_from_scalar(&Opening::new(&pixels(), blinding).unwrap().commitment());
        let context = Context {
            program: PROGRAM,
            user,
            commitment,
        };
        let contents = Contents {
            pixels: pixels(),
            blinding,
        };
        (commitment, seal(&context, &contents, recipients).unwrap())
    }

    fn open_as(
        key: Option<&SecretKey>,
        user: [u8; 32],
        c: [u8; 32],
        e: &[u8],
    ) -> Result<Opening, String> {
        open(key, ActorId::from(PROGRAM), ActorId::from(user), c, e)
    }

    #[test]
    fn a_recipient_opens_and_checks_the_commitment() {
        let key = SecretKey::generate();
        let (commitment, envelope) = sealed(&[key.public_key()], USER);
        let opening = open_as(Some(&key), USER, commitment, &envelope).unwrap();
        assert_eq!(opening.pixels(), pixels().as_slice());
        assert_eq!(word_from_scalar(&opening.commitment()), commitment);
    }

    #[test]
    fn envelopes_this_prover_cannot_use_are_skipped() {
        let key = SecretKey::generate();
        let other = SecretKey::generate();
        let (commitment, envelope) = sealed(&[key.public_key()], USER);
        // No key, or a key the envelope is not sealed for (e.g. a prover removed before the
        // user sealed for the remaining ones).
        assert!(
            open_as(None, USER, commitment, &envelope)
                .unwrap_err()
                .contains("no envelope key")
        );
        assert!(
            open_as(Some(&other), USER, commitment, &envelope)
                .unwrap_err()
                .contains("not sealed for this key")
        );
        // Garbage.
        assert!(
            open_as(Some(&key), USER, commitment, &[1, 2, 3])
                .unwrap_err()
                .contains("malformed")
        );
        // Copied into another user's session, or beside another commitment.
        assert!(
            open_as(Some(&key), [9; 32], commitment, &envelope)
                .unwrap_err()
                .contains("does not open")
        );
        let (other_commitment, _) = sealed(&[key.public_key()], USER);
        assert!(
            open_as(Some(&key), USER, other_commitment, &envelope)
                .unwrap_err()
                .contains("does not open")
        );
    }

    #[test]
    fn contents_that_do_not_open_the_commitment_are_refused() {
        let key = SecretKey::generate();
        // A user who seals pixels and a blinding that do not hash to the commitment they submit.
        let commitment = word_from_scalar(&Opening::public(&pixels()).unwrap().commitment());
        let context = Context {
            program: PROGRAM,
            user: USER,
            commitment,
        };
        let contents = Contents {
            pixels: pixels(),
            blinding: [3; 32],
        };
        let envelope = seal(&context, &contents, &[key.public_key()]).unwrap();
        assert!(
            open_as(Some(&key), USER, commitment, &envelope)
                .unwrap_err()
                .contains("do not open the session's commitment")
        );
    }
}

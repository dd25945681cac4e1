//! Sealing and opening: every recipient opens, nobody else does, and no byte of the context or
//! the envelope can change without the envelope refusing to open.

use super::*;

fn context() -> Context {
    Context {
        program: [1; 32],
        user: [2; 32],
        commitment: [3; 32],
    }
}

fn contents() -> Contents {
    Contents {
        pixels: (0..PIXELS).map(|i| (i * 31 % 256) as u8).collect(),
        blinding: [9; 32],
    }
}

fn keys(n: usize) -> Vec<SecretKey> {
    (0..n).map(|_| SecretKey::generate()).collect()
}

fn publics(keys: &[SecretKey]) -> Vec<[u8; 32]> {
    keys.iter().map(SecretKey::public_key).collect()
}

#[test]
fn every_recipient_opens_it() {
    let keys = keys(3);
    let envelope = seal(&context(), &contents(), &publics(&keys)).unwrap();
    assert_eq!(envelope.len(), envelope_len(3));
    assert_eq!(recipients(&envelope).unwrap(), publics(&keys));
    for key in &keys {
        assert_eq!(open(&context(), &envelope, key).unwrap(), contents());
    }
    // The plaintext is nowhere in the envelope.
    let pixels = contents().pixels;
    assert!(
        !envelope
            .windows(16)
            .any(|w| pixels.windows(16).any(|p| p == w))
    );
}

#[test]
fn others_cannot_open_it() {
    let keys = keys(2);
    let envelope = seal(&context(), &contents(), &publics(&keys[..1])).unwrap();
    assert_eq!(
        open(&context(), &envelope, &keys[1]),
        Err(EnvelopeError::NotARecipient)
    );
    // A slot relabelled with another key's public key does not open with that key.
    let mut relabelled = envelope.clone();
    relabelled[HEADER_LEN..HEADER_LEN + KEY_LEN].copy_from_slice(&keys[1].public_key());
    assert_eq!(
        open(&context(), &relabelled, &keys[1]),
        Err(EnvelopeError::Undecryptable)
    );
}

#[test]
fn another_context_does_not_open_it() {
    let keys = keys(1);
    let envelope = seal(&context(), &contents(), &publics(&keys)).unwrap();
    for change in 0..3 {
        let mut other = context();
        match change {
            0 => other.program[5] ^= 1,
            1 => other.user[31] ^= 1,
            _ => other.commitment[0] ^= 1,
        }
        assert_eq!(
            open(&other, &envelope, &keys[0]),
            Err(EnvelopeError::Undecryptable),
            "change {change}"
        );
    }
}

#[test]
fn any_flipped_byte_is_refused() {
    let keys = keys(2);
    let envelope = seal(&context(), &contents(), &publics(&keys)).unwrap();
    for i in 0..envelope.len() {
        let mut bad = envelope.clone();
        bad[i] ^= 0x20;
        // A flip in the other recipient's slot leaves this key's opening intact.
        let other_slot = HEADER_LEN + SLOT_LEN..HEADER_LEN + 2 * SLOT_LEN;
        if other_slot.contains(&i) {
            assert_eq!(open(&context(), &bad, &keys[0]).unwrap(), contents());
            continue;
        }
        assert!(open(&context(), &bad, &keys[0]).is_err(), "byte {i}");
    }
}

#[test]
fn malformed_envelopes_are_refused() {
    let keys = keys(1);
    let envelope = seal(&context(), &contents(), &publics(&keys)).unwrap();
    let refused = |bytes: &[u8], why: &'static str| {
        assert_eq!(
            open(&context(), bytes, &keys[0]),
            Err(EnvelopeError::Malformed(why))
        );
        assert_eq!(recipients(bytes), Err(EnvelopeError::Malformed(why)));
    };
    refused(&[], "empty");
    refused(&[VERSION], "no count");
    refused(&envelope[..envelope.len() - 1], "length");
    let mut longer = envelope.clone();
    longer.push(0);
    refused(&longer, "length");
    let mut bad = envelope.clone();
    bad[0] = 2;
    refused(&bad, "unknown version");
    for count in [0u8, 33, 255] {
        let mut bad = envelope.clone();
        bad[1] = count;
        refused(&bad, "recipient count");
    }
    refused(&vec![0x5a; 3000], "unknown version");
}

#[test]
fn sealing_checks_its_arguments() {
    let one = publics(&keys(1));
    assert_eq!(
        seal(&context(), &contents(), &[]),
        Err(EnvelopeError::NoRecipients)
    );
    let many = publics(&keys(MAX_RECIPIENTS + 1));
    assert_eq!(
        seal(&context(), &contents(), &many),
        Err(EnvelopeError::TooManyRecipients(MAX_RECIPIENTS + 1))
    );
    let all = seal(&context(), &contents(), &many[..MAX_RECIPIENTS]).unwrap();
    assert_eq!(all.len(), MAX_ENVELOPE_LEN);
    assert_eq!(MAX_ENVELOPE_LEN, 4418);
    assert_eq!(
        seal(&context(), &contents(), &[one[0], one[0]]),
        Err(EnvelopeError::DuplicateRecipient)
    );
    let mut short = contents();
    short.pixels.pop();
    assert_eq!(
        seal(&context(), &short, &one),
        Err(EnvelopeError::InputLength(PIXELS - 1))
    );
}

#[test]
fn secret_keys_round_trip_and_stay_hidden() {
    let key = SecretKey::generate();
    let again = SecretKey::from_bytes(key.to_bytes().as_ref()).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    assert_ne!(SecretKey::generate().public_key(), key.public_key());
    assert_eq!(format!("{key:?}"), "SecretKey(..)");
    assert_eq!(format!("{:?}", contents()), "Contents(..)");
    assert_eq!(
        SecretKey::from_bytes(&[1; 31]).unwrap_err(),
        EnvelopeError::InvalidSecretKey
    );
}

#[test]
fn random_blindings_are_canonical_and_fresh() {
    let a = random_blinding();
    let b = random_blinding();
    assert_eq!(a[KEY_LEN - 1], 0, "below 2^248, so below the BN254 modulus");
    assert_ne!(a, b);
}

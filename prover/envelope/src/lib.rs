//! Private inputs of vara-zkml: the pixels and the commitment's blinding, sealed for the provers
//! a user picks, so that the chain holds only the commitment and this envelope.
//!
//! # Format (version 1)
//!
//! | bytes | what |
//! |---|---|
//! | 1 | [`VERSION`] |
//! | 1 | `n`, the number of recipients, `1..=`[`MAX_RECIPIENTS`] |
//! | `n ×` [`SLOT_LEN`] | per recipient: its X25519 public key (32), HPKE's encapsulated key (32), the content key sealed by HPKE (32 + 16) |
//! | [`CONTENT_CIPHERTEXT_LEN`] | the contents (784 pixels ‖ 32-byte blinding) under ChaCha20-Poly1305 with the content key |
//!
//! A fresh random content key encrypts the contents once (nonce zero: the key is never reused);
//! RFC 9180 HPKE in base mode (DHKEM X25519 / HKDF-SHA256 / ChaCha20-Poly1305) seals that key
//! for each recipient. Both layers bind the [`Context`] (program, user, commitment) as HPKE
//! `info` and as associated data, so an envelope copied into another session, for another
//! user, another program or another commitment does not open. No cryptography is written here:
//! the crates `hpke` and `chacha20poly1305` do it all.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand_core09::OsRng;
use rand_core09::{RngCore, TryRngCore};
use zeroize::Zeroizing;

/// Format version, the first byte of an envelope.
pub const VERSION: u8 = 1;
/// Most recipients of one envelope (the program registers at most 32 provers).
pub const MAX_RECIPIENTS: usize = 32;
/// Pixels of an input.
pub const PIXELS: usize = 784;
/// Bytes of a key: X25519 keys, the content key and the blinding.
pub const KEY_LEN: usize = 32;
/// Bytes of an AEAD tag (Poly1305).
const TAG_LEN: usize = 16;
/// Bytes of the contents: the pixels and the blinding.
pub const CONTENT_LEN: usize = PIXELS + KEY_LEN;
/// Bytes of the encrypted contents.
pub const CONTENT_CIPHERTEXT_LEN: usize = CONTENT_LEN + TAG_LEN;
/// Bytes of one recipient's slot: public key, encapsulated key, sealed content key.
pub const SLOT_LEN: usize = KEY_LEN + KEY_LEN + KEY_LEN + TAG_LEN;
/// Bytes before the slots.
const HEADER_LEN: usize = 2;
/// The largest envelope: [`MAX_RECIPIENTS`] slots (4,418 bytes).
pub const MAX_ENVELOPE_LEN: usize = envelope_len(MAX_RECIPIENTS);
/// Domain separation of everything this format binds.
const DOMAIN: &[u8] = b"vara-zkml envelope v1";

type Kem = X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type KeyAead = hpke::aead::ChaCha20Poly1305;

/// Bytes of an envelope for `recipients` recipients.
pub const fn envelope_len(recipients: usize) -> usize {
    HEADER_LEN + recipients * SLOT_LEN + CONTENT_CIPHERTEXT_LEN
}

/// Why an envelope could not be sealed or opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// No recipient was given.
    #[error("an envelope needs at least one recipient")]
    NoRecipients,
    /// More than [`MAX_RECIPIENTS`] recipients.
    #[error("{0} recipients, at most {MAX_RECIPIENTS}")]
    TooManyRecipients(usize),
    /// The same recipient twice.
    #[error("a recipient is listed twice")]
    DuplicateRecipient,
    /// A public key is not a valid X25519 key.
    #[error("not a valid X25519 public key")]
    InvalidPublicKey,
    /// A secret key is not 32 bytes.
    #[error("a secret key has 32 bytes")]
    InvalidSecretKey,
    /// The pixels are not 784 bytes.
    #[error("{0} pixels, expected {PIXELS}")]
    InputLength(usize),
    /// The bytes are not an envelope of this version.
    #[error("malformed envelope: {0}")]
    Malformed(&'static str),
    /// The envelope has no slot for this key.
    #[error("the envelope is not sealed for this key")]
    NotARecipient,
    /// The slot or the contents do not decrypt: tampered bytes, or another program, user or
    /// commitment than the envelope was sealed for.
    #[error("the envelope does not open in this context")]
    Undecryptable,
    /// Sealing failed inside HPKE.
    #[error("sealing failed")]
    Seal,
}

/// What an envelope is bound to: it opens only for this program, user and commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The program's id.
    pub program: [u8; 32],
    /// The session owner's account.
    pub user: [u8; 32],
    /// The input commitment `C` the session stores.
    pub commitment: [u8; 32],
}

impl Context {
    /// The bytes bound as HPKE `info` and as associated data.
    fn bytes(&self) -> Vec<u8> {
        [DOMAIN, &self.program, &self.user, &self.commitment].concat()
    }
}

/// The plaintext of an envelope: the pixels and the commitment's blinding.
#[derive(Clone, PartialEq, Eq)]
pub struct Contents {
    /// The 784 pixels.
    pub pixels: Vec<u8>,
    /// The blinding of the commitment, a little-endian BN254 scalar.
    pub blinding: [u8; 32],
}

impl core::fmt::Debug for Contents {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Contents(..)")
    }
}

/// A prover's X25519 secret key. Its `Debug` never shows the key.
pub struct SecretKey(<Kem as hpke::Kem>::PrivateKey);

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(Kem::gen_keypair(&mut OsRng.unwrap_err()).0)
    }

    /// The key from its 32 bytes.
    ///
    /// # Errors
    /// [`EnvelopeError::InvalidSecretKey`] unless `bytes` has 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| EnvelopeError::InvalidSecretKey)
    }

    /// The key's 32 bytes, wiped from memory when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; KEY_LEN]> {
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        out.copy_from_slice(&self.0.to_bytes());
        out
    }

    /// The public key to register with the program.
    pub fn public_key(&self) -> [u8; KEY_LEN] {
        let mut out = [0u8; KEY_LEN];
        out.copy_from_slice(&Kem::sk_to_pk(&self.0).to_bytes());
        out
    }
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A fresh random blinding for a commitment: 31 random bytes and a zero top byte, so that it is
/// a canonical BN254 scalar (248 random bits).
pub fn random_blinding() -> [u8; KEY_LEN] {
    let mut blinding = [0u8; KEY_LEN];
    OsRng.unwrap_err().fill_bytes(&mut blinding[..KEY_LEN - 1]);
    blinding
}

/// Seals `contents` for `recipients` (X25519 public keys) in `context`.
///
/// # Errors
/// [`EnvelopeError::NoRecipients`], [`EnvelopeError::TooManyRecipients`],
/// [`EnvelopeError::DuplicateRecipient`], [`EnvelopeError::InvalidPublicKey`],
/// [`EnvelopeError::InputLength`] unless the pixels are 784 bytes.
pub fn seal(
    context: &Context,
    contents: &Contents,
    recipients: &[[u8; KEY_LEN]],
) -> Result<Vec<u8>, EnvelopeError> {
    if recipients.is_empty() {
        return Err(EnvelopeError::NoRecipients);
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(EnvelopeError::TooManyRecipients(recipients.len()));
    }
    if contents.pixels.len() != PIXELS {
        return Err(EnvelopeError::InputLength(contents.pixels.len()));
    }
    for (i, r) in recipients.iter().enumerate() {
        if recipients[..i].contains(r) {
            return Err(EnvelopeError::DuplicateRecipient);
        }
    }
    let bound = context.bytes();
    let mut rng = OsRng.unwrap_err();
    let mut content_key = Zeroizing::new([0u8; KEY_LEN]);
    rng.fill_bytes(content_key.as_mut());
    let mut out = Vec::with_capacity(envelope_len(recipients.len()));
    out.push(VERSION);
    // At most 32 recipients: the count fits a byte.
    out.push(recipients.len() as u8);
    for recipient in recipients {
        let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient)
            .map_err(|_| EnvelopeError::InvalidPublicKey)?;
        let (encapped, sealed) = hpke::single_shot_seal::<KeyAead, Kdf, Kem, _>(
            &OpModeS::Base,
            &pk,
            &bound,
            content_key.as_ref(),
            &bound,
            &mut rng,
        )
        .map_err(|_| EnvelopeError::Seal)?;
        out.extend_from_slice(recipient);
        out.extend_from_slice(&encapped.to_bytes());
        out.extend_from_slice(&sealed);
    }
    let mut plaintext = Zeroizing::new(Vec::with_capacity(CONTENT_LEN));
    plaintext.extend_from_slice(&contents.pixels);
    plaintext.extend_from_slice(&contents.blinding);
    let ciphertext = content_cipher(&content_key)
        .encrypt(
            &Default::default(),
            Payload {
                msg: &plaintext,
                aad: &bound,
            },
        )
        .map_err(|_| EnvelopeError::Seal)?;
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// The recipients' public keys an envelope lists, after checking its layout.
///
/// # Errors
/// [`EnvelopeError::Malformed`] unless `envelope` is a version-1 envelope of the right length.
pub fn recipients(envelope: &[u8]) -> Result<Vec<[u8; KEY_LEN]>, EnvelopeError> {
    Ok(slots(envelope)?
        .map(|slot| {
            let mut key = [0u8; KEY_LEN];
            key.copy_from_slice(&slot[..KEY_LEN]);
            key
        })
        .collect())
}

/// Opens `envelope` with `key` in `context`.
///
/// # Errors
/// [`EnvelopeError::Malformed`], [`EnvelopeError::NotARecipient`] if no slot is for `key`,
/// [`EnvelopeError::Undecryptable`] if it does not decrypt in `context`.
pub fn open(
    context: &Context,
    envelope: &[u8],
    key: &SecretKey,
) -> Result<Contents, EnvelopeError> {
    let public = key.public_key();
    let slot = slots(envelope)?
        .find(|slot| slot[..KEY_LEN] == public)
        .ok_or(EnvelopeError::NotARecipient)?;
    let bound = context.bytes();
    let encapped = <Kem as hpke::Kem>::EncappedKey::from_bytes(&slot[KEY_LEN..2 * KEY_LEN])
        .map_err(|_| EnvelopeError::Undecryptable)?;
    let content_key = Zeroizing::new(
        hpke::single_shot_open::<KeyAead, Kdf, Kem>(
            &OpModeR::Base,
            &key.0,
            &encapped,
            &bound,
            &slot[2 * KEY_LEN..],
            &bound,
        )
        .map_err(|_| EnvelopeError::Undecryptable)?,
    );
    let content_key: &[u8; KEY_LEN] = content_key
        .as_slice()
        .try_into()
        .map_err(|_| EnvelopeError::Undecryptable)?;
    let ciphertext = &envelope[envelope.len() - CONTENT_CIPHERTEXT_LEN..];
    let plaintext = Zeroizing::new(
        content_cipher(content_key)
            .decrypt(
                &Default::default(),
                Payload {
                    msg: ciphertext,
                    aad: &bound,
                },
            )
            .map_err(|_| EnvelopeError::Undecryptable)?,
    );
    let (pixels, blinding) = plaintext.split_at(PIXELS);
    let mut out = Contents {
        pixels: pixels.to_vec(),
        blinding: [0; KEY_LEN],
    };
    out.blinding.copy_from_slice(blinding);
    Ok(out)
}

/// The content cipher under `key`.
fn content_cipher(key: &[u8; KEY_LEN]) -> chacha20poly1305::ChaCha20Poly1305 {
    chacha20poly1305::ChaCha20Poly1305::new(key.into())
}

/// The recipients' slots of a well-formed envelope.
fn slots(envelope: &[u8]) -> Result<impl Iterator<Item = &[u8]>, EnvelopeError> {
    let (&version, rest) = envelope
        .split_first()
        .ok_or(EnvelopeError::Malformed("empty"))?;
    if version != VERSION {
        return Err(EnvelopeError::Malformed("unknown version"));
    }
    let count = usize::from(*rest.first().ok_or(EnvelopeError::Malformed("no count"))?);
    if count == 0 || count > MAX_RECIPIENTS {
        return Err(EnvelopeError::Malformed("recipient count"));
    }
    if envelope.len() != envelope_len(count) {
        return Err(EnvelopeError::Malformed("length"));
    }
    Ok(envelope[HEADER_LEN..HEADER_LEN + count * SLOT_LEN].chunks_exact(SLOT_LEN))
}

#[cfg(test)]
mod tests;

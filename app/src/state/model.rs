//! The model the Initializer deployed, its verifier data and the registered provers: plain
//! state and the rules that change it.

use crate::error::{ModelDefect, ModelError};
use alloc::string::ToString;
use sails_rs::prelude::*;
use sha3::{Digest, Keccak256};
use zkml_verifier::{ConstantKey, KeyDecoder, VerifierKey, decode_all, le32, statement};

/// Pixels per side of an input image, as the statement defines it.
const SIDE: u8 = statement::IMAGE_SIDE as u8;

/// Longest model name accepted.
pub const MAX_NAME_LEN: u32 = 64;
/// Largest model-specific verifier key accepted by the constructor.
pub const MAX_VERIFIER_KEY_LEN: u32 = 64 * 1024;
/// Largest verifier data that may be uploaded after deployment (the constant key takes about
/// 20 MB, most of it the table of the IPA generators' multiples).
pub const MAX_VERIFIER_DATA_LEN: u32 = 32 * 1024 * 1024;
/// Most provers that may be registered at once.
pub const MAX_PROVERS: u32 = 32;

/// Keccak-256 of `bytes`: the digest used for every commitment the program checks.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// What the Initializer passes to the constructor.
///
/// The model itself (its layers, weights and rescaling) is fixed by the verifier key: nova's
/// key digest commits to the step circuit and the weights it holds as constants. The program
/// reports that digest as [`ModelInfo::model_digest`].
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelInit {
    /// A human-readable name.
    pub name: String,
    /// Input rows and columns: must be 28 and 28 (one grayscale byte per pixel).
    pub input_shape: (u8, u8),
    /// Nova fold steps per inference: must be the statement's (3, one per layer).
    pub fold_steps: u32,
    /// The model-specific Nova verifier key: a SCALE-encoded `zkml_verifier::VerifierKey`.
    pub verifier_key: Vec<u8>,
    /// Keccak-256 of `verifier_key`.
    pub verifier_key_digest: [u8; 32],
    /// Size of the verifier data to upload after deployment: the constant part of the Nova verifier
    /// key, a SCALE-encoded `zkml_verifier::ConstantKey`.
    pub verifier_data_len: u32,
    /// Keccak-256 of that verifier data.
    pub verifier_data_digest: [u8; 32],
}

/// The model as the program stores and reports it.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelInfo {
    /// The admin: the account that deployed the program.
    pub admin: ActorId,
    /// A human-readable name.
    pub name: String,
    /// Input rows and columns.
    pub input_shape: (u8, u8),
    /// Number of logits the model outputs, one per digit class.
    pub classes: u32,
    /// Nova fold steps per inference.
    pub fold_steps: u32,
    /// The commitment to the model: nova's digest of its public parameters (`pp_digest`, 32
    /// little-endian bytes) from the verifier key. It commits to the step circuit and the
    /// weights built into it, so it names the model that every accepted proof ran.
    pub model_digest: [u8; 32],
    /// Keccak-256 of the verifier key.
    pub verifier_key_digest: [u8; 32],
    /// Declared size of the verifier data.
    pub verifier_data_len: u32,
    /// Declared Keccak-256 of the verifier data.
    pub verifier_data_digest: [u8; 32],
    /// Whether the model is sealed and verification open.
    pub finalized: bool,
}

/// Progress of the verifier-data upload.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadStatus {
    /// Bytes received so far.
    pub uploaded: u32,
    /// Bytes declared at deployment.
    pub declared: u32,
    /// Whether the model is finalized.
    pub finalized: bool,
}

/// The Model service's state.
pub struct ModelState {
    info: ModelInfo,
    verifier_key: Vec<u8>,
    key: VerifierKey,
    /// Verifier data bytes received so far.
    uploaded: u32,
    /// The constant key as its bytes arrive (its bulk, the IPA generators' table, is decoded
    /// chunk by chunk: no message decodes it all).
    decoder: KeyDecoder,
    data_hasher: Keccak256,
    constant_key: Option<ConstantKey>,
    /// The registered provers, sorted (at most [`MAX_PROVERS`]; a sorted vector costs the
    /// program less code than a set type).
    provers: Vec<ActorId>,
    /// Registered provers' X25519 public keys, to which users seal private inputs, sorted by
    /// prover (at most one per registered prover; a sorted vector costs the program less code
    /// than another map type).
    encryption_keys: Vec<ProverKey>,
}

/// A registered prover's X25519 public key.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProverKey {
    /// The prover.
    pub prover: ActorId,
    /// Its X25519 public key.
    pub key: [u8; 32],
}

impl ModelState {
    /// Checks `init` and builds the state, with `admin` as the admin.
    pub fn new(admin: ActorId, init: ModelInit) -> Result<Self, ModelDefect> {
        let key = check_init(&init)?;
        let info = ModelInfo {
            admin,
            name: init.name,
            input_shape: init.input_shape,
            classes: statement::CLASSES as u32,
            fold_steps: init.fold_steps,
            model_digest: le32(&key.folding.pp_digest),
            verifier_key_digest: init.verifier_key_digest,
            verifier_data_len: init.verifier_data_len,
            verifier_data_digest: init.verifier_data_digest,
            finalized: false,
        };
        Ok(Self {
            info,
            verifier_key: init.verifier_key,
            key,
            uploaded: 0,
            decoder: KeyDecoder::default(),
            data_hasher: Keccak256::new(),
            constant_key: None,
            provers: Vec::new(),
            encryption_keys: Vec::new(),
        })
    }

    /// The model description.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The model-specific verifier key bytes.
    pub fn verifier_key(&self) -> &[u8] {
        &self.verifier_key
    }

    /// The decoded keys: the model's and, once finalized, the constant key.
    pub fn keys(&self) -> Option<(&VerifierKey, &ConstantKey)> {
        self.constant_key.as_ref().map(|sk| (&self.key, sk))
    }

    /// Nova fold steps per inference.
    pub fn fold_steps(&self) -> u64 {
        u64::from(self.info.fold_steps)
    }

    /// The registered provers.
    pub fn provers(&self) -> Vec<ActorId> {
        self.provers.clone()
    }

    /// The registered provers' encryption keys, in account order.
    pub fn encryption_keys(&self) -> Vec<ProverKey> {
        self.encryption_keys.clone()
    }

    /// Sets registered prover `caller`'s X25519 public key, replacing its previous one.
    pub fn set_encryption_key(&mut self, caller: ActorId, key: [u8; 32]) -> Result<(), ModelError> {
        if !self.is_prover(&caller) {
            return Err(ModelError::ProverNotRegistered);
        }
        let entry = ProverKey {
            prover: caller,
            key,
        };
        match self.key_index(&caller) {
            Ok(i) => self.encryption_keys[i] = entry,
            Err(i) => self.encryption_keys.insert(i, entry),
        }
        Ok(())
    }

    /// Where `prover`'s key is in the sorted keys (`Err`: where it would go).
    fn key_index(&self, prover: &ActorId) -> Result<usize, usize> {
        self.encryption_keys
            .binary_search_by(|entry| entry.prover.cmp(prover))
    }

    /// Whether `who` is a registered prover.
    pub fn is_prover(&self, who: &ActorId) -> bool {
        self.provers.binary_search(who).is_ok()
    }

    /// Whether the model is sealed and verification open.
    pub fn is_finalized(&self) -> bool {
        self.info.finalized
    }

    fn ensure_admin(&self, caller: ActorId) -> Result<(), ModelError> {
        if caller == self.info.admin {
            Ok(())
        } else {
            Err(ModelError::NotAdmin)
        }
    }

    fn ensure_not_finalized(&self) -> Result<(), ModelError> {
        if self.info.finalized {
            Err(ModelError::ModelAlreadyFinalized)
        } else {
            Ok(())
        }
    }

    /// Appends a chunk of verifier data at `offset`, which must be where the last one ended.
    pub fn upload(
        &mut self,
        caller: ActorId,
        offset: u32,
        chunk: &[u8],
    ) -> Result<UploadStatus, ModelError> {
        self.ensure_admin(caller)?;
        self.ensure_not_finalized()?;
        let uploaded = self.uploaded;
        if offset != uploaded {
            return Err(ModelError::UploadOutOfOrder {
                expected: uploaded,
                got: offset,
            });
        }
        if chunk.is_empty() {
            return Err(ModelError::EmptyChunk);
        }
        let declared = self.info.verifier_data_len;
        // `declared` is far below u32::MAX, so saturation cannot hide an overflow.
        let end = offset.saturating_add(u32::try_from(chunk.len()).unwrap_or(u32::MAX));
        if end > declared {
            return Err(ModelError::UploadPastDeclaredSize { declared, end });
        }
        if offset == 0 {
            // Room for all of it at once: growing would copy it, and copies are dear.
            self.decoder = KeyDecoder::new(declared as usize);
        }
        self.data_hasher.update(chunk);
        self.decoder.feed(chunk);
        self.uploaded = end;
        Ok(UploadStatus {
            uploaded: end,
            declared,
            finalized: false,
        })
    }

    /// Discards the verifier data uploaded so far, before finalization; returns how many bytes
    /// were discarded. The next chunk starts at offset 0.
    pub fn restart_upload(&mut self, caller: ActorId) -> Result<u32, ModelError> {
        self.ensure_admin(caller)?;
        self.ensure_not_finalized()?;
        let discarded = self.uploaded;
        self.uploaded = 0;
        self.decoder = KeyDecoder::default();
        self.data_hasher = Keccak256::new();
        Ok(discarded)
    }

    /// Seals the model once all verifier data arrived and matches its digest.
    pub fn finalize(&mut self, caller: ActorId) -> Result<(), ModelError> {
        self.ensure_admin(caller)?;
        self.ensure_not_finalized()?;
        let uploaded = self.uploaded;
        if uploaded != self.info.verifier_data_len {
            return Err(ModelError::UploadIncomplete {
                uploaded,
                declared: self.info.verifier_data_len,
            });
        }
        let digest: [u8; 32] = self.data_hasher.clone().finalize().into();
        if digest != self.info.verifier_data_digest {
            return Err(ModelError::VerifierDataDigestMismatch);
        }
        let constant_key = self
            .decoder
            .finish()
            .map_err(|e| ModelError::InvalidVerifierData(e.to_string()))?;
        self.constant_key = Some(constant_key);
        self.decoder = KeyDecoder::default();
        self.info.finalized = true;
        Ok(())
    }

    /// Registers `prover`.
    pub fn add_prover(&mut self, caller: ActorId, prover: ActorId) -> Result<(), ModelError> {
        self.ensure_admin(caller)?;
        let Err(at) = self.provers.binary_search(&prover) else {
            return Err(ModelError::ProverAlreadyRegistered);
        };
        if self.provers.len() >= MAX_PROVERS as usize {
            return Err(ModelError::TooManyProvers { max: MAX_PROVERS });
        }
        self.provers.insert(at, prover);
        Ok(())
    }

    /// Removes `prover` from the registry.
    pub fn remove_prover(&mut self, caller: ActorId, prover: ActorId) -> Result<(), ModelError> {
        self.ensure_admin(caller)?;
        let Ok(at) = self.provers.binary_search(&prover) else {
            return Err(ModelError::ProverNotRegistered);
        };
        self.provers.remove(at);
        if let Ok(i) = self.key_index(&prover) {
            self.encryption_keys.remove(i);
        }
        Ok(())
    }

    /// Upload progress.
    pub fn upload_status(&self) -> UploadStatus {
        UploadStatus {
            uploaded: self.uploaded,
            declared: self.info.verifier_data_len,
            finalized: self.info.finalized,
        }
    }
}

/// Checks a model description for consistency and decodes its verifier key.
fn check_init(init: &ModelInit) -> Result<VerifierKey, ModelDefect> {
    if init.name.is_empty() || init.name.len() > MAX_NAME_LEN as usize {
        return Err(ModelDefect::Name { max: MAX_NAME_LEN });
    }
    if init.input_shape != (SIDE, SIDE) {
        return Err(ModelDefect::InputShape);
    }
    if u64::from(init.fold_steps) != statement::STEPS {
        return Err(ModelDefect::FoldSteps {
            expected: statement::STEPS as u32,
        });
    }
    if init.verifier_key.is_empty() || init.verifier_key.len() > MAX_VERIFIER_KEY_LEN as usize {
        return Err(ModelDefect::VerifierKeySize {
            max: MAX_VERIFIER_KEY_LEN,
        });
    }
    if keccak256(&init.verifier_key) != init.verifier_key_digest {
        return Err(ModelDefect::VerifierKeyDigest);
    }
    if init.verifier_data_len == 0 || init.verifier_data_len > MAX_VERIFIER_DATA_LEN {
        return Err(ModelDefect::VerifierDataSize {
            max: MAX_VERIFIER_DATA_LEN,
        });
    }
    let key: VerifierKey =
        decode_all(&init.verifier_key).map_err(|e| ModelDefect::VerifierKey(e.to_string()))?;
    if key.folding.arity as usize != statement::ARITY {
        return Err(ModelDefect::Arity {
            expected: statement::ARITY as u32,
        });
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A description that passes every check before the key is decoded.
    fn init() -> ModelInit {
        let verifier_key = vec![0xff; 8];
        ModelInit {
            name: "mnist".into(),
            input_shape: (28, 28),
            fold_steps: 3,
            verifier_key_digest: keccak256(&verifier_key),
            verifier_key,
            verifier_data_len: 100,
            verifier_data_digest: [0; 32],
        }
    }

    #[test]
    fn keccak256_is_keccak() {
        let empty = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
        let hex: String = keccak256(b"")
            .iter()
            .map(|b| alloc::format!("{b:02x}"))
            .collect();
        assert_eq!(hex, empty);
    }

    #[test]
    fn inconsistent_descriptions_are_refused() {
        type Breakage = fn(&mut ModelInit);
        let cases: [(Breakage, ModelDefect); 8] = [
            (|i| i.name.clear(), ModelDefect::Name { max: 64 }),
            (|i| i.name = "x".repeat(65), ModelDefect::Name { max: 64 }),
            (|i| i.input_shape = (28, 27), ModelDefect::InputShape),
            (|i| i.fold_steps = 4, ModelDefect::FoldSteps { expected: 3 }),
            (
                |i| {
                    i.verifier_key.clear();
                    i.verifier_key_digest = keccak256(&[]);
                },
                ModelDefect::VerifierKeySize {
                    max: MAX_VERIFIER_KEY_LEN,
                },
            ),
            (
                |i| i.verifier_key_digest = [0; 32],
                ModelDefect::VerifierKeyDigest,
            ),
            (
                |i| i.verifier_data_len = MAX_VERIFIER_DATA_LEN + 1,
                ModelDefect::VerifierDataSize {
                    max: MAX_VERIFIER_DATA_LEN,
                },
            ),
            (
                |i| i.verifier_data_len = 0,
                ModelDefect::VerifierDataSize {
                    max: MAX_VERIFIER_DATA_LEN,
                },
            ),
        ];
        for (breakage, defect) in cases {
            let mut init = init();
            breakage(&mut init);
            assert_eq!(check_init(&init).err(), Some(defect));
        }
        assert!(matches!(
            check_init(&init()),
            Err(ModelDefect::VerifierKey(_))
        ));
    }
}

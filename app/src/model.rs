//! The Model service: the model the Initializer deployed, its verifier data and the provers.

use crate::error::{ModelDefect, ModelError};
use crate::sessions::SessionsState;
use alloc::collections::BTreeSet;
use alloc::string::ToString;
use core::cell::RefCell;
use sails_rs::prelude::*;
use sha3::{Digest, Keccak256};
use zkml_verifier::{ConstantKey, VerifierKey, decode_all, statement};

/// Pixels per side of an input image.
pub const IMAGE_SIDE: u8 = 28;
/// Bytes in one input: 28x28 pixels, one byte each.
pub const INPUT_LEN: usize = IMAGE_SIDE as usize * IMAGE_SIDE as usize;
/// Number of logits the model outputs, one per digit.
pub const OUTPUT_LEN: u32 = 10;
/// Longest model name accepted.
pub const MAX_NAME_LEN: u32 = 64;
/// Most layers a model may have (one fold step each).
pub const MAX_LAYERS: u32 = 8;
/// Largest fixed-point shift accepted.
pub const MAX_SHIFT: u8 = 31;
/// Largest model-specific verifier key accepted by the constructor.
pub const MAX_VERIFIER_KEY_LEN: u32 = 64 * 1024;
/// Largest verifier data that may be uploaded after deployment (the constant key takes about
/// 2.1 MB).
pub const MAX_VERIFIER_DATA_LEN: u32 = 16 * 1024 * 1024;
/// Most provers that may be registered at once.
pub const MAX_PROVERS: u32 = 32;

/// Keccak-256 of `bytes`: the digest used for every commitment the program checks.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// What the Initializer passes to the constructor.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelInit {
    /// A human-readable name.
    pub name: String,
    /// Input rows and columns: must be 28 and 28 (one grayscale byte per pixel).
    pub input_shape: (u8, u8),
    /// Widths from input to output, e.g. `[784, 32, 32, 10]`.
    pub layer_widths: Vec<u32>,
    /// Fixed-point rescale of each hidden layer: activations are divided by `2^shift`.
    pub shifts: Vec<u8>,
    /// Nova fold steps per inference: one per layer.
    pub fold_steps: u32,
    /// Commitment to the weights (the digest of the model file).
    pub weights_digest: [u8; 32],
    /// The model-specific Nova verifier key: a SCALE-encoded `zkml_verifier::wire::VerifierKey`.
    pub verifier_key: Vec<u8>,
    /// Keccak-256 of `verifier_key`.
    pub verifier_key_digest: [u8; 32],
    /// Size of the verifier data to upload after deployment: the constant part of the Nova verifier
    /// key, a SCALE-encoded `zkml_verifier::constants::ConstantKey`.
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
    /// Widths from input to output.
    pub layer_widths: Vec<u32>,
    /// Fixed-point rescale of each hidden layer.
    pub shifts: Vec<u8>,
    /// Nova fold steps per inference.
    pub fold_steps: u32,
    /// Commitment to the weights.
    pub weights_digest: [u8; 32],
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

/// Events of the Model service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelEvents {
    /// A chunk of verifier data was stored.
    VerifierDataUploaded { uploaded: u32, declared: u32 },
    /// The model is sealed: verification is open.
    ModelFinalized { verifier_data_digest: [u8; 32] },
    /// A prover account was registered.
    ProverAdded { prover: ActorId },
    /// A prover account was removed.
    ProverRemoved { prover: ActorId },
}

/// The Model service's state.
pub struct ModelState {
    info: ModelInfo,
    verifier_key: Vec<u8>,
    key: VerifierKey,
    verifier_data: Vec<u8>,
    data_hasher: Keccak256,
    constant_key: Option<ConstantKey>,
    provers: BTreeSet<ActorId>,
}

impl ModelState {
    /// Checks `init` and builds the state, with `admin` as the admin.
    pub fn new(admin: ActorId, init: ModelInit) -> Result<Self, ModelError> {
        let key = check_init(&init).map_err(ModelError::InvalidModel)?;
        let info = ModelInfo {
            admin,
            name: init.name,
            input_shape: init.input_shape,
            layer_widths: init.layer_widths,
            shifts: init.shifts,
            fold_steps: init.fold_steps,
            weights_digest: init.weights_digest,
            verifier_key_digest: init.verifier_key_digest,
            verifier_data_len: init.verifier_data_len,
            verifier_data_digest: init.verifier_data_digest,
            finalized: false,
        };
        Ok(Self {
            info,
            verifier_key: init.verifier_key,
            key,
            verifier_data: Vec::new(),
            data_hasher: Keccak256::new(),
            constant_key: None,
            provers: BTreeSet::new(),
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

    /// Whether `who` is a registered prover.
    pub fn is_prover(&self, who: &ActorId) -> bool {
        self.provers.contains(who)
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
        let uploaded = self.uploaded();
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
        self.data_hasher.update(chunk);
        self.verifier_data.extend_from_slice(chunk);
        Ok(UploadStatus {
            uploaded: end,
            declared,
            finalized: false,
        })
    }

    /// Seals the model once all verifier data arrived and matches its digest.
    pub fn finalize(&mut self, caller: ActorId) -> Result<(), ModelError> {
        self.ensure_admin(caller)?;
        self.ensure_not_finalized()?;
        let uploaded = self.uploaded();
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
        let constant_key: ConstantKey = decode_all(&self.verifier_data)
            .map_err(|e| ModelError::InvalidVerifierData(e.to_string()))?;
        self.constant_key = Some(constant_key);
        self.verifier_data = Vec::new();
        self.info.finalized = true;
        Ok(())
    }

    /// Registers `prover`.
    pub fn add_prover(&mut self, caller: ActorId, prover: ActorId) -> Result<(), ModelError> {
        self.ensure_admin(caller)?;
        if self.provers.contains(&prover) {
            return Err(ModelError::ProverAlreadyRegistered);
        }
        if self.provers.len() >= MAX_PROVERS as usize {
            return Err(ModelError::TooManyProvers { max: MAX_PROVERS });
        }
        self.provers.insert(prover);
        Ok(())
    }

    /// Removes `prover` from the registry.
    pub fn remove_prover(&mut self, caller: ActorId, prover: ActorId) -> Result<(), ModelError> {
        self.ensure_admin(caller)?;
        if !self.provers.remove(&prover) {
            return Err(ModelError::ProverNotRegistered);
        }
        Ok(())
    }

    /// Upload progress.
    pub fn upload_status(&self) -> UploadStatus {
        UploadStatus {
            uploaded: self.uploaded(),
            declared: self.info.verifier_data_len,
            finalized: self.info.finalized,
        }
    }

    fn uploaded(&self) -> u32 {
        // Bounded by `verifier_data_len`, a u32, in `upload`.
        self.verifier_data.len() as u32
    }
}

/// Checks a model description for consistency and decodes its verifier key.
fn check_init(init: &ModelInit) -> Result<VerifierKey, ModelDefect> {
    if init.name.is_empty() || init.name.len() > MAX_NAME_LEN as usize {
        return Err(ModelDefect::Name { max: MAX_NAME_LEN });
    }
    if init.input_shape != (IMAGE_SIDE, IMAGE_SIDE) {
        return Err(ModelDefect::InputShape);
    }
    let widths = &init.layer_widths;
    let layers = widths.len().saturating_sub(1);
    if layers == 0
        || layers > MAX_LAYERS as usize
        || widths.first() != Some(&(INPUT_LEN as u32))
        || widths.last() != Some(&OUTPUT_LEN)
        || widths.contains(&0)
    {
        return Err(ModelDefect::LayerWidths { max: MAX_LAYERS });
    }
    if init.fold_steps as usize != layers || u64::from(init.fold_steps) != statement::STEPS {
        return Err(ModelDefect::FoldSteps);
    }
    if init.shifts.len() != layers - 1 || init.shifts.iter().any(|s| *s > MAX_SHIFT) {
        return Err(ModelDefect::Shift { max: MAX_SHIFT });
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

/// The Model service.
pub struct ModelService<'a> {
    state: &'a RefCell<ModelState>,
    sessions: &'a RefCell<SessionsState>,
}

impl<'a> ModelService<'a> {
    /// A service over the program's model state and the sessions whose claims it governs.
    pub fn new(state: &'a RefCell<ModelState>, sessions: &'a RefCell<SessionsState>) -> Self {
        Self { state, sessions }
    }
}

#[sails_rs::service(events = ModelEvents)]
impl ModelService<'_> {
    /// Appends verifier data at `offset` (admin only, before `Finalize`).
    #[export(unwrap_result)]
    pub fn upload_verifier_data(
        &mut self,
        offset: u32,
        chunk: Vec<u8>,
    ) -> Result<UploadStatus, ModelError> {
        let status = self
            .state
            .borrow_mut()
            .upload(Syscall::message_source(), offset, &chunk)?;
        self.emit_event(ModelEvents::VerifierDataUploaded {
            uploaded: status.uploaded,
            declared: status.declared,
        })
        .map_err(|_| ModelError::EventNotEmitted)?;
        Ok(status)
    }

    /// Seals the model (admin only): checks the uploaded data against its digest and opens
    /// verification.
    #[export(unwrap_result)]
    pub fn finalize(&mut self) -> Result<(), ModelError> {
        let mut state = self.state.borrow_mut();
        state.finalize(Syscall::message_source())?;
        let verifier_data_digest = state.info.verifier_data_digest;
        drop(state);
        self.emit_event(ModelEvents::ModelFinalized {
            verifier_data_digest,
        })
        .map_err(|_| ModelError::EventNotEmitted)
    }

    /// Registers a prover account (admin only).
    #[export(unwrap_result)]
    pub fn add_prover(&mut self, prover: ActorId) -> Result<(), ModelError> {
        self.state
            .borrow_mut()
            .add_prover(Syscall::message_source(), prover)?;
        self.emit_event(ModelEvents::ProverAdded { prover })
            .map_err(|_| ModelError::EventNotEmitted)
    }

    /// Removes a prover account (admin only) and drops its claims on sessions.
    #[export(unwrap_result)]
    pub fn remove_prover(&mut self, prover: ActorId) -> Result<(), ModelError> {
        self.state
            .borrow_mut()
            .remove_prover(Syscall::message_source(), prover)?;
        self.sessions.borrow_mut().release_claims(&prover);
        self.emit_event(ModelEvents::ProverRemoved { prover })
            .map_err(|_| ModelError::EventNotEmitted)
    }

    /// The model description.
    #[export]
    pub fn info(&self) -> ModelInfo {
        self.state.borrow().info.clone()
    }

    /// The model-specific verifier key bytes.
    #[export]
    pub fn verifier_key(&self) -> Vec<u8> {
        self.state.borrow().verifier_key.clone()
    }

    /// Progress of the verifier-data upload.
    #[export]
    pub fn upload_status(&self) -> UploadStatus {
        self.state.borrow().upload_status()
    }

    /// The registered provers.
    #[export]
    pub fn provers(&self) -> Vec<ActorId> {
        self.state.borrow().provers.iter().copied().collect()
    }

    /// Whether `account` is a registered prover.
    #[export]
    pub fn is_prover(&self, account: ActorId) -> bool {
        self.state.borrow().is_prover(&account)
    }
}

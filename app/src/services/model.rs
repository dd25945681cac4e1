//! The Model service: the model the Initializer deployed, its verifier data and the provers.

use super::{check_call, query_takes_no_value};
use crate::error::ModelError;
use crate::state::model::{ModelInfo, ModelState, ProverKey, UploadStatus};
use crate::state::sessions::SessionsState;
use core::cell::RefCell;
use sails_rs::prelude::*;

/// Events of the Model service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelEvents {
    /// A chunk of verifier data was stored.
    VerifierDataUploaded {
        /// Bytes received so far.
        uploaded: u32,
        /// Bytes declared at deployment.
        declared: u32,
    },
    /// The admin discarded the verifier data uploaded so far; the upload starts again at 0.
    UploadRestarted {
        /// Bytes discarded.
        discarded: u32,
    },
    /// The model is sealed: verification is open.
    ModelFinalized {
        /// Keccak-256 of the verifier data.
        verifier_data_digest: [u8; 32],
    },
    /// A prover account was registered.
    ProverAdded {
        /// The prover.
        prover: ActorId,
    },
    /// A prover account was removed.
    ProverRemoved {
        /// The prover.
        prover: ActorId,
    },
    /// A registered prover set its X25519 public key for private inputs.
    EncryptionKeySet {
        /// The prover.
        prover: ActorId,
        /// Its public key.
        key: [u8; 32],
    },
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
        check_call(&(offset, &chunk))?;
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

    /// Discards the verifier data uploaded so far (admin only, before `Finalize`), so that a
    /// bad chunk can be replaced: the upload starts again at offset 0. Returns the bytes
    /// discarded.
    #[export(unwrap_result)]
    pub fn restart_upload(&mut self) -> Result<u32, ModelError> {
        check_call(&())?;
        let discarded = self
            .state
            .borrow_mut()
            .restart_upload(Syscall::message_source())?;
        self.emit_event(ModelEvents::UploadRestarted { discarded })
            .map_err(|_| ModelError::EventNotEmitted)?;
        Ok(discarded)
    }

    /// Seals the model (admin only): checks the uploaded data against its digest and opens
    /// verification.
    #[export(unwrap_result)]
    pub fn finalize(&mut self) -> Result<(), ModelError> {
        check_call(&())?;
        let mut state = self.state.borrow_mut();
        state.finalize(Syscall::message_source())?;
        let verifier_data_digest = state.info().verifier_data_digest;
        drop(state);
        self.emit_event(ModelEvents::ModelFinalized {
            verifier_data_digest,
        })
        .map_err(|_| ModelError::EventNotEmitted)
    }

    /// Registers a prover account (admin only).
    #[export(unwrap_result)]
    pub fn add_prover(&mut self, prover: ActorId) -> Result<(), ModelError> {
        check_call(&prover)?;
        self.state
            .borrow_mut()
            .add_prover(Syscall::message_source(), prover)?;
        self.emit_event(ModelEvents::ProverAdded { prover })
            .map_err(|_| ModelError::EventNotEmitted)
    }

    /// Removes a prover account (admin only) and drops its claims on sessions.
    #[export(unwrap_result)]
    pub fn remove_prover(&mut self, prover: ActorId) -> Result<(), ModelError> {
        check_call(&prover)?;
        self.state
            .borrow_mut()
            .remove_prover(Syscall::message_source(), prover)?;
        self.sessions.borrow_mut().release_claims(&prover);
        self.emit_event(ModelEvents::ProverRemoved { prover })
            .map_err(|_| ModelError::EventNotEmitted)
    }

    /// Sets the calling registered prover's X25519 public key, to which users seal private
    /// inputs (`zkml-envelope`); a new key replaces the old one, and removing the prover drops
    /// it.
    #[export(unwrap_result)]
    pub fn set_encryption_key(&mut self, key: [u8; 32]) -> Result<(), ModelError> {
        check_call(&key)?;
        let prover = Syscall::message_source();
        self.state.borrow_mut().set_encryption_key(prover, key)?;
        self.emit_event(ModelEvents::EncryptionKeySet { prover, key })
            .map_err(|_| ModelError::EventNotEmitted)
    }

    /// The registered provers' X25519 public keys for private inputs.
    #[export]
    pub fn encryption_keys(&self) -> Vec<ProverKey> {
        query_takes_no_value();
        self.state.borrow().encryption_keys()
    }

    /// The model description.
    #[export]
    pub fn info(&self) -> ModelInfo {
        query_takes_no_value();
        self.state.borrow().info().clone()
    }

    /// The model-specific verifier key bytes.
    #[export]
    pub fn verifier_key(&self) -> Vec<u8> {
        query_takes_no_value();
        self.state.borrow().verifier_key().to_vec()
    }

    /// Progress of the verifier-data upload.
    #[export]
    pub fn upload_status(&self) -> UploadStatus {
        query_takes_no_value();
        self.state.borrow().upload_status()
    }

    /// The registered provers.
    #[export]
    pub fn provers(&self) -> Vec<ActorId> {
        query_takes_no_value();
        self.state.borrow().provers()
    }

    /// Whether `account` is a registered prover.
    #[export]
    pub fn is_prover(&self, account: ActorId) -> bool {
        query_takes_no_value();
        self.state.borrow().is_prover(&account)
    }
}

//! The vara-zkml Sails program.
//!
//! Three services share the program's state:
//! - [`model::ModelService`]: the model the Initializer deployed, its verifier data and the
//!   registered provers;
//! - [`sessions::SessionsService`]: one inference session per user, from input to outcome;
//! - [`verifier::VerifierService`]: proof submission and on-chain verification.
#![no_std]

extern crate alloc;

pub mod error;
pub mod model;
pub mod sessions;
pub mod verification;
pub mod verifier;

use core::cell::RefCell;
use sails_rs::prelude::*;

pub use error::{ModelDefect, ModelError, SessionsError, VerifierError};
use model::{ModelInit, ModelService, ModelState};
use sessions::{SessionsService, SessionsState};
use verifier::VerifierService;

/// The program: its state lives as long as the program is deployed.
pub struct ZkmlProgram {
    model: RefCell<ModelState>,
    sessions: RefCell<SessionsState>,
}

#[sails_rs::program]
impl ZkmlProgram {
    /// Deploys the program with the model the caller (the Initializer, from now on the admin)
    /// defines. Large verifier data, if declared, is uploaded afterwards with
    /// `Model::UploadVerifierData` and sealed with `Model::Finalize`.
    #[export(unwrap_result)]
    pub fn new(init: ModelInit) -> Result<Self, ModelError> {
        let model = ModelState::new(Syscall::message_source(), init)?;
        Ok(Self {
            model: RefCell::new(model),
            sessions: RefCell::new(SessionsState::default()),
        })
    }

    /// The model, its verifier data and the prover registry.
    pub fn model(&self) -> ModelService<'_> {
        ModelService::new(&self.model, &self.sessions)
    }

    /// Users' inference sessions.
    pub fn sessions(&self) -> SessionsService<'_> {
        SessionsService::new(&self.model, &self.sessions)
    }

    /// Proof submission and on-chain verification.
    pub fn verifier(&self) -> VerifierService<'_> {
        VerifierService::new(&self.model, &self.sessions)
    }
}

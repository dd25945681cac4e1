//! The vara-zkml Sails program.
//!
//! The program's state ([`state`]) is plain data with the rules that change it: the model the
//! Initializer deployed, with its verifier keys and the registered provers, and the users'
//! sessions, each in one phase from input to outcome. Three services ([`services`]) expose it:
//! - [`services::model::ModelService`]: the model, its verifier data and the prover registry;
//! - [`services::sessions::SessionsService`]: one inference session per user, and prover claims;
//! - [`services::verifier::VerifierService`]: proof submission and on-chain verification;
//! - [`services::fees::FeesService`]: fees held for sessions, balances owed, withdrawals.
//!
//! [`verification`] is the glue to `zkml-verifier`: a session's verification job.
//! [`notify`] tells a program named at `SubmitInput` how the session ended. [`inputs`] computes
//! the input commitment a session's statement starts from.
#![no_std]
// On wasm32, `#[sails_rs::program]` adds an undocumented `wasm` module (the entry points);
// every item of ours is checked on the host build.
#![cfg_attr(not(target_arch = "wasm32"), deny(missing_docs))]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod error;
pub mod inputs;
pub mod notify;
pub mod services;
pub mod state;
pub mod verification;

use core::cell::RefCell;
use sails_rs::prelude::*;

pub use error::{CallRefused, FeesError, ModelDefect, ModelError, SessionsError, VerifierError};
use services::{
    fees::FeesService, model::ModelService, sessions::SessionsService, verifier::VerifierService,
};
use state::model::{ModelInit, ModelState};
use state::sessions::SessionsState;

/// The program: its state lives as long as the program is deployed.
pub struct ZkmlProgram {
    model: RefCell<ModelState>,
    sessions: RefCell<SessionsState>,
}

#[sails_rs::program]
impl ZkmlProgram {
    /// Deploys the program with the model the caller (the Initializer, from now on the admin)
    /// defines. Large verifier data, if declared, is uploaded afterwards with
    /// `Model::UploadVerifierData` and sealed with `Model::Finalize`. Refused with the
    /// description's defect if it is inconsistent.
    #[export(unwrap_result)]
    pub fn new(init: ModelInit) -> Result<Self, ModelDefect> {
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

    /// Fees: the minimum fee, escrows, balances owed and withdrawals.
    pub fn fees(&self) -> FeesService<'_> {
        FeesService::new(&self.model, &self.sessions)
    }
}

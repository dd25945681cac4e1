//! What can stop a prover daemon.

use crate::backend::{CallError, TransportError};
use sails_rs::prelude::ActorId;
use std::convert::Infallible;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a daemon stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The node could not be reached: it may come back, so connecting again may help.
    #[error("cannot reach the node at {node}")]
    Unreachable {
        /// The node's address.
        node: String,
        /// The connection's error.
        #[source]
        source: TransportError,
    },
    /// A call kept failing in transport after every retry: the connection is likely lost, and
    /// a new daemon on a new connection may go on (the chain keeps all state).
    #[error("{call} failed after every retry")]
    Lost {
        /// The call.
        call: &'static str,
        /// The last transport error.
        #[source]
        source: TransportError,
    },
    /// The daemon's account is not a registered prover of the program.
    #[error(
        "account {0} is not a registered prover of this program; the program's admin must call \
         Model::AddProver for it first"
    )]
    ProverNotRegistered(ActorId),
    /// The program did not take the prover's envelope public key.
    #[error("the envelope key was not registered: {0}")]
    KeyNotSet(String),
    /// A daemon setting is invalid.
    #[error("invalid setting")]
    Setting(#[from] SettingError),
    /// The proving task panicked or was cancelled.
    #[error("the proving task did not finish")]
    Task(#[from] tokio::task::JoinError),
    /// Proving or exporting a proof failed.
    #[error(transparent)]
    Proving(#[from] zkml_proving::Error),
}

impl Error {
    /// Whether the connection to the chain is lost or was never made, so that connecting again
    /// may help; any other error would come back on a new connection.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Lost { .. })
    }

    /// The error of a query `call` that failed after every retry.
    pub(crate) fn lost(call: &'static str, error: CallError<Infallible>) -> Self {
        match error {
            CallError::Transport(source) => Self::Lost { call, source },
            CallError::Refused(never) => match never {},
        }
    }
}

/// A daemon setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// The program id is not 0x-prefixed hex of 32 bytes.
    #[error("program id {0:?} is not 0x-prefixed hex of 32 bytes")]
    ProgramId(String),
    /// The signer's secret URI is not valid.
    #[error("signer secret URI")]
    Signer(#[source] TransportError),
    /// The signer's account id is not an actor id.
    #[error("signer account is not 32 bytes")]
    SignerAccount,
}

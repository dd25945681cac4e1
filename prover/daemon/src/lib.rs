//! The vara-zkml prover daemon: it serves the program's inputs, claiming, proving and
//! submitting, over the embedded gtest chain or (feature `gsdk`) a real Gear/Vara node.
//!
//! The chain is the only state. A prover claims a session before proving it; the claim is a
//! lease in block heights (`Sessions::Claim`), so other provers leave the input alone while it
//! lives and take it over if the prover dies. The program accepts a proof only from the
//! session's claimant and only once, so a restarted daemon finds its own claimed inputs among
//! the claimable ones, proves them again and cannot submit twice.
//!
//! - [`Daemon`]: the loop over a [`Backend`], with [`Backoff`] for calls that fail in transport;
//! - [`GtestBackend`] and, with `gsdk`, `gsdk::GsdkBackend`: the chains;
//! - [`embedded`]: the demo and load runs on an embedded chain;
//! - [`roles`]: every role's commands (deploy, submit, status, verify, prove, purge, withdraw)
//!   over a [`roles::RoleBackend`];
//! - [`private`]: opening a private input's envelope and checking it against the commitment;
//!   [`private_demo`]: the demo with a private input.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod backend;
mod daemon;
pub mod embedded;
mod error;
#[cfg(feature = "gsdk")]
pub mod gsdk;
pub mod private;
pub mod private_demo;
mod retry;
pub mod roles;

pub use backend::{Backend, CallError, GtestBackend, QueryResult, TransportError, VERIFY_GAS};
pub use daemon::{Daemon, DaemonEvent, Observer, ServeConfig, Stats};
pub use error::{Error, Result, SettingError};
pub use retry::Backoff;
pub use sails_rs::prelude::ActorId;

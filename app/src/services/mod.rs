//! The program's Sails services: each command checks who may call it, calls the state's rules,
//! and emits the event that reports the change.
//!
//! `#[sails_rs::service]` adds an undocumented public exposure type beside each service, hence
//! the `missing_docs` allowance on these modules; their own items are documented.

#[allow(missing_docs)]
pub mod model;
#[allow(missing_docs)]
pub mod sessions;
#[allow(missing_docs)]
pub mod verifier;

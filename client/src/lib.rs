//! Typed Rust client of the vara-zkml program, generated at build time from `idl/zkml.idl`.
//!
//! Works on-chain (`GstdEnv`), under gtest (`GtestEnv`, sails-rs feature `gtest`) and against
//! a node (`GsdkEnv`, sails-rs feature `gsdk`).
#![no_std]

include!(concat!(env!("OUT_DIR"), "/zkml_client.rs"));

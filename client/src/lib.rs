//! Typed Rust client of the vara-zkml program, generated at build time from `idl/zkml.idl`.
//!
//! Works on-chain (`GstdEnv`), under gtest (`GtestEnv`, sails-rs feature `gtest`) and against
//! a node (`GsdkEnv`, sails-rs feature `gsdk`). [`wire`] holds the proof and key types a client
//! needs to decode or inspect what it sends and reads, so that it needs no other crate of ours.
#![no_std]

include!(concat!(env!("OUT_DIR"), "/zkml_client.rs"));

/// The program's wire format: proofs and keys as `Verifier.SubmitProof`, `Verifier.Proof`,
/// the constructor and `Model.UploadVerifierData` carry them, and the statement (input size,
/// classes, how a proof's output reads as an answer). Re-exported from `zkml-verifier`.
pub mod wire {
    pub use zkml_verifier::{
        CompressedProof, ConstantKey, VerifierKey, VerifyError, decode_all, le32, statement, verify,
    };
}

/// What a program needs to receive the program's notifications (`Sessions.SubmitInput` with a
/// program to notify): expose a Sails service whose only method is
/// `OnZkmlOutcome(outcome: SessionOutcome) throws NotificationRefused`, with no events. In Rust:
///
/// ```ignore
/// #[sails_rs::service]
/// impl ZkmlReceiver {
///     #[export(unwrap_result)]
///     pub fn on_zkml_outcome(&mut self, outcome: zkml_client::sessions::SessionOutcome)
///         -> Result<(), zkml_client::receiver::NotificationRefused> { ... }
/// }
/// ```
///
/// Sails then gives that service the id [`receiver::INTERFACE_ID`], which the notification's
/// header names. `examples/vault` is the reference receiver.
pub mod receiver {
    use sails_rs::prelude::*;

    /// Gas the program gives a receiver's handling of a notification (the program's
    /// `NOTIFY_GAS_LIMIT`); a receiver must do its work within it.
    pub const NOTIFY_GAS_LIMIT: u64 = 10_000_000_000;

    /// Gas to attach to `Sessions.Renotify` beside [`NOTIFY_GAS_LIMIT`] (the program's
    /// `RENOTIFY_OVERHEAD_GAS`).
    pub const RENOTIFY_OVERHEAD_GAS: u64 = 3_000_000_000;

    /// Why a receiver refused a notification: the error of `OnZkmlOutcome`, part of the
    /// interface (the program's `NotificationRefused` has the same shape).
    #[sails_rs::sails_type(crate = sails_rs)]
    #[derive(PartialEq, Clone, Debug)]
    pub enum NotificationRefused {
        /// The message did not come from the zkml program the receiver trusts.
        UnknownSender {
            /// Who sent it.
            sender: ActorId,
        },
        /// Value was attached: a notification carries none.
        ValueNotAccepted {
            /// The value attached.
            value: u128,
        },
    }

    /// The Sails interface id of a receiver's `ZkmlReceiver` service: the hash of its one
    /// method's name and types.
    pub const INTERFACE_ID: InterfaceId = InterfaceId::from_bytes_32(
        sails_rs::keccak_const::Keccak256::new()
            .update(&sails_rs::hash_fn!(
                command OnZkmlOutcome(crate::sessions::SessionOutcome) -> () | NotificationRefused
            ))
            .finalize(),
    );
}

//! Notifications: telling a program named at `SubmitInput` how its session ended.
//!
//! The notification is a Sails call to the receiver's service `ZkmlReceiver`, which has exactly
//! one method, `OnZkmlOutcome(outcome: SessionOutcome) throws NotificationRefused`, and no
//! events. Sails identifies a service by a hash of its methods' names and types
//! ([`RECEIVER_INTERFACE_ID`]), so any program exposing a service of that shape receives the
//! call, whatever it names the service; the message's header names the interface and lets the
//! receiver's program pick the route (route 0).
//!
//! The message carries a fixed gas limit ([`NOTIFY_GAS_LIMIT`]) taken from the message that
//! ends the session. Nothing waits for its reply: a receiver that refuses, panics or runs out
//! of gas fails its own message only; the outcome is already recorded. Anyone may send it
//! again with `Sessions.Renotify`, so receivers must act at most once per session.
//!
//! [`send`] is the one function that sends it, called wherever a session gets its outcome.

use sails_rs::{
    gstd::{Syscall, msg},
    keccak_const::Keccak256,
    meta::{InterfaceId, SailsMessageHeader},
    prelude::*,
};

/// Gas given to the receiver's handling of a notification. Gear charges it to the message
/// that sends the notification: the last verification message, or `Renotify`. The example
/// vault (`examples/vault`) burned 4.9e8 handling a re-sent notification
/// (`cargo test --release --test gtest notify::a_verified -- --nocapture` prints it); 1e10
/// leaves a receiver room for its own work and messages.
pub const NOTIFY_GAS_LIMIT: u64 = 10_000_000_000;

/// A program to notify of a session's outcome, named at `SubmitInput`.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotifyTarget {
    /// The program to notify.
    pub program: ActorId,
    /// A reference of the caller's choice, carried back in the notification (for example the
    /// receiver's own request number), so that the receiver can match it.
    pub reference: [u8; 32],
}

/// How a session ended.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The proof verified: the model's answer.
    Verified {
        /// The predicted digit.
        digit: u8,
        /// The model's logits, one per class.
        logits: Vec<i64>,
    },
    /// The proof did not verify.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// A finished session's outcome: what a notification carries and `Sessions.Outcome` reports.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOutcome {
    /// The session.
    pub session_id: u64,
    /// The user who opened it.
    pub user: ActorId,
    /// The reference named with the program to notify; all zeros if none was named.
    pub reference: [u8; 32],
    /// How it ended.
    pub outcome: Outcome,
}

/// Why a receiver refused a notification: the error of `OnZkmlOutcome`, part of the
/// receiver interface. The generated client's `zkml_client::receiver::NotificationRefused`
/// has the same shape.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// The interface id of a receiver's `ZkmlReceiver` service, as `#[sails_rs::service]`
/// computes it for a service whose only method is
/// `on_zkml_outcome(&mut self, outcome: SessionOutcome) -> Result<(), NotificationRefused>`
/// under `#[export(unwrap_result)]`, and that has no events.
pub const RECEIVER_INTERFACE_ID: InterfaceId = InterfaceId::from_bytes_32(
    Keccak256::new()
        .update(
            &sails_rs::hash_fn!(command OnZkmlOutcome(SessionOutcome) -> () | NotificationRefused),
        )
        .finalize(),
);

/// Why a notification could not be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyError {
    /// The message has less gas left than the notification's limit.
    NotEnoughGas,
    /// Gear refused to send the message.
    Send,
}

/// The payload of a notification of `outcome`: the Sails header of `OnZkmlOutcome` (entry 0,
/// the route left to the receiver) and the outcome.
pub fn payload(outcome: &SessionOutcome) -> Vec<u8> {
    let mut payload = SailsMessageHeader::v1(RECEIVER_INTERFACE_ID, 0, 0).to_bytes();
    outcome.encode_to(&mut payload);
    payload
}

/// Sends the notification of `outcome` to `program` with [`NOTIFY_GAS_LIMIT`] gas and no
/// value, and does not wait for its reply. The caller records the outcome whatever this
/// returns.
pub fn send(program: ActorId, outcome: &SessionOutcome) -> Result<MessageId, NotifyError> {
    if Syscall::gas_available() < NOTIFY_GAS_LIMIT {
        return Err(NotifyError::NotEnoughGas);
    }
    msg::send_bytes_with_gas(program, payload(outcome), NOTIFY_GAS_LIMIT, 0)
        .map_err(|_| NotifyError::Send)
}

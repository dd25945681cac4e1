//! The program's Sails services: each command checks who may call it, calls the state's rules,
//! and emits the event that reports the change.
//!
//! Every command first checks that its message is exactly the call ([`check_call`]): no value
//! attached, since only `Sessions.SubmitInput` and `Sessions.SubmitPrivateInput` take value
//! (their fee) and the program could never return value it was not meant to hold, and no bytes
//! after the arguments. Its error fails the message, so Gear returns the value to the sender.
//! Queries sent as messages refuse value the same way ([`query_takes_no_value`]).
//!
//! `#[sails_rs::service]` adds an undocumented public exposure type beside each service, hence
//! the `missing_docs` allowance on these modules; their own items are documented.

use crate::error::CallRefused;
use sails_rs::prelude::*;

#[allow(missing_docs)]
pub mod fees;
#[allow(missing_docs)]
pub mod model;
#[allow(missing_docs)]
pub mod sessions;
#[allow(missing_docs)]
pub mod verifier;

/// Length of the Sails message header every call starts with (sails-rs 2.0 sends no header
/// extensions, so a call's header is always this long).
pub const CALL_HEADER_LEN: usize = 16;

/// Refuses value attached to the current message. A command that takes value (only the two
/// `Sessions` submissions, whose value is the fee) skips this check and calls
/// [`ensure_exact_call`] alone.
pub fn ensure_no_value() -> Result<(), CallRefused> {
    match Syscall::message_value() {
        0 => Ok(()),
        value => Err(CallRefused::ValueNotAccepted { value }),
    }
}

/// Refuses a message longer than a call with arguments `args`: Sails decodes the arguments
/// and ignores what follows them, so a sender's garbage would otherwise pass as a call.
pub fn ensure_exact_call(args: &impl Encode) -> Result<(), CallRefused> {
    let expected = CALL_HEADER_LEN.saturating_add(args.encoded_size());
    match Syscall::message_size().checked_sub(expected) {
        None | Some(0) => Ok(()),
        Some(extra) => Err(CallRefused::TrailingBytes {
            extra: u32::try_from(extra).unwrap_or(u32::MAX),
        }),
    }
}

/// The checks of a command that takes no value, with arguments `args`: [`ensure_no_value`]
/// and [`ensure_exact_call`].
pub fn check_call(args: &impl Encode) -> Result<(), CallRefused> {
    ensure_no_value()?;
    ensure_exact_call(args)
}

/// Fails a query sent as a message with value, so that Gear returns the value: a query
/// cannot return an error, so this is the documented panic that refuses it. Queries read
/// with `calculate_reply` (the client's `.query()`) carry no value and pass.
pub fn query_takes_no_value() {
    if let Err(CallRefused::ValueNotAccepted { value }) = ensure_no_value() {
        panic!("queries take no value, {value} attached");
    }
}

//! The program's `handle` export: a message whose payload has no Sails header fails.
//!
//! Sails 2.0's generated `handle` returns without a word when a payload does not start with a
//! valid Sails message header, so Gear would reply success to noise and keep any value sent with
//! it. `wasm/build.rs` points the program's `handle` export at [`zkml_handle`], which fails such a
//! message (Gear then returns its value to the sender) and passes every other one to Sails.
//!
//! Calling Sails' entry point by its exported symbol is the one `unsafe` use in the program.
#![allow(unsafe_code)]

use sails_rs::{gstd, meta::SailsMessageHeader};

unsafe extern "C" {
    /// The entry point Sails generates for the program (`zkml_app::wasm`).
    fn handle();
}

/// Checks the payload's Sails header, then runs Sails' entry point.
#[unsafe(no_mangle)]
extern "C" fn zkml_handle() {
    let has_header = gstd::msg::with_read_on_stack_or_heap(|payload| {
        payload.is_ok_and(|payload| SailsMessageHeader::try_from_bytes(payload).is_ok())
    });
    if !has_header {
        panic!("not a Sails call: the payload does not start with a valid Sails message header");
    }
    // SAFETY: `handle` is Sails' own entry point, defined in `zkml_app::wasm`; Gear would have
    // called it for this message had the export not been pointed here.
    unsafe { handle() }
}

//! Gas benchmark of the verifier's arithmetic (issue 10, "measure first").
//!
//! On wasm32 this crate is a small Gear program, not part of the product: each message is a
//! SCALE-encoded [`Request`] that runs `n` iterations of one [`Op`] ([`ops`]) and replies with the
//! result ([`Reply`]). On the host it exposes the program's optimized binary as [`WASM_BINARY`]
//! and [`Bench`], which deploys it on gtest and measures the gas of each request; `cargo run
//! --release -p zkml-gas-bench` prints the table of gas per operation.
#![no_std]
#![cfg_attr(not(target_arch = "wasm32"), deny(missing_docs))]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

pub mod ops;

pub use ops::{BenchError, Op, Reply, Request};

#[cfg(not(target_arch = "wasm32"))]
mod host;
#[cfg(not(target_arch = "wasm32"))]
pub use host::{Bench, Measured};

/// The program's optimized .wasm (built by `build.rs`).
#[cfg(not(target_arch = "wasm32"))]
pub use code::WASM_BINARY_OPT as WASM_BINARY;

/// The wasm builder's output (its constants are documented by [`WASM_BINARY`]).
#[cfg(not(target_arch = "wasm32"))]
#[allow(missing_docs)]
mod code {
    include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
}

/// The program's entry point: decode the request, run it, reply.
#[cfg(target_arch = "wasm32")]
mod program {
    use crate::{BenchError, Reply, Request, ops};
    use gstd::msg;
    use parity_scale_codec::Decode as _;

    #[gstd::async_main]
    async fn main() {
        let reply: Reply = match msg::load_bytes() {
            Ok(bytes) => Request::decode(&mut &bytes[..])
                .map(|req| ops::run(&req))
                .map_err(|_| BenchError::Malformed),
            Err(_) => Err(BenchError::Malformed),
        };
        // Replying to the message being handled fails only if the program is out of gas.
        msg::reply(reply, 0).expect("the reply is sent");
    }
}

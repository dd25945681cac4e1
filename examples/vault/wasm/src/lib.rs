//! The example vault as a .wasm: on wasm32 this crate is the program; on the host it exposes
//! the optimized binary as [`WASM_BINARY`] and the client generated from `vault.idl` as
//! [`client`].
#![no_std]

#[cfg(target_arch = "wasm32")]
pub use zkml_vault::wasm::*;

#[cfg(not(target_arch = "wasm32"))]
pub use code::WASM_BINARY_OPT as WASM_BINARY;

#[cfg(not(target_arch = "wasm32"))]
mod code {
    include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
}

/// The vault's typed client, generated from `examples/vault/vault.idl`.
#[cfg(not(target_arch = "wasm32"))]
#[allow(missing_docs, unused_qualifications, clippy::all)]
pub mod client {
    include!(concat!(env!("OUT_DIR"), "/vault_client.rs"));
}

//! The vara-zkml program as a .wasm: on wasm32 this crate is the program; on the host it
//! exposes the optimized binary as [`WASM_BINARY`].
#![no_std]

#[cfg(target_arch = "wasm32")]
pub use zkml_app::wasm::*;

#[cfg(not(target_arch = "wasm32"))]
pub use code::WASM_BINARY_OPT as WASM_BINARY;

#[cfg(not(target_arch = "wasm32"))]
mod code {
    include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
}

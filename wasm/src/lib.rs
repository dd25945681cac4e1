//! The vara-zkml program as a .wasm: on wasm32 this crate is the program; on the host it
//! exposes the optimized binary as [`WASM_BINARY`].
#![no_std]

// Links the program, whose entry points `#[sails_rs::program]` generates in `zkml_app::wasm`.
#[cfg(target_arch = "wasm32")]
use zkml_app as _;

#[cfg(target_arch = "wasm32")]
mod entry;

#[cfg(not(target_arch = "wasm32"))]
pub use code::WASM_BINARY_OPT as WASM_BINARY;

#[cfg(not(target_arch = "wasm32"))]
mod code {
    include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
}

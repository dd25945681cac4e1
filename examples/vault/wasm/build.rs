//! Builds the vault's .wasm, writes its IDL to `examples/vault/vault.idl` (committed) with the
//! IDL embedded in the .wasm, and generates the vault's client from it for host code.

use std::{env, path::PathBuf};

fn main() {
    if let Some((_, wasm_path)) = sails_rs::build_wasm() {
        let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
        let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
        sails_rs::ClientBuilder::<zkml_vault::VaultProgram>::from_wasm_path(wasm_path)
            .with_program_name("Vault")
            .with_idl_path(manifest_dir.join("../vault.idl"))
            .with_client_path(out_dir.join("vault_client.rs"))
            .build();
    }
}

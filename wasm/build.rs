//! Builds the program's .wasm with Gear's wasm builder and embeds the program's IDL in it.

fn main() {
    if let Some((_, wasm_path)) = sails_rs::build_wasm() {
        sails_rs::ClientBuilder::<zkml_app::ZkmlProgram>::from_wasm_path(wasm_path).build_idl();
    }
}

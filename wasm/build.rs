//! Builds the program's .wasm with Gear's wasm builder and embeds the program's IDL in it.
//!
//! The builder checks the compiler's output, before `wasm-opt`, against the chain's limit on
//! instrumented code (512 KiB). That output still carries the function names (about 70 KB)
//! and code `wasm-opt` removes, neither of which is ever uploaded: the uploaded (and tested)
//! binary is the `.opt.wasm`. [`StripNames`] drops the names and runs the same `wasm-opt`
//! passes first, so that the check measures the code the chain gets.
//!
//! The builder then runs `wasm-opt` again, which writes a name section of generated names; it is
//! dropped before the IDL is embedded.
//!
//! It also points the `handle` export at `zkml_handle` (`src/entry.rs`), which refuses a payload
//! without a Sails header before Sails' own `handle` runs.

use gear_wasm_builder::{
    PreProcessor, PreProcessorResult, PreProcessorTarget, WasmBuilder,
    optimize::{self, Optimizer},
};
use gear_wasm_instrument::{ExternalKind, Module};
use std::path::PathBuf;

/// Our checked entry point, exported by `src/entry.rs`.
const CHECKED_HANDLE: &str = "zkml_handle";

/// Points the `handle` export at [`CHECKED_HANDLE`] and drops that function's own export (Gear
/// refuses a program with other exports). The builder writes our output over the compiler's
/// and runs us again on it when the code did not change: a module without [`CHECKED_HANDLE`]'s
/// export is such an output, and passes unchanged (`tests/gtest/hardening.rs` checks that the
/// uploaded program refuses headerless payloads).
fn export_checked_handle(wasm: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut module = Module::new(wasm)?;
    let exports = module
        .export_section
        .as_mut()
        .ok_or_else(|| anyhow::anyhow!("the program exports nothing"))?;
    let Some(checked) = exports
        .iter()
        .position(|e| e.name == CHECKED_HANDLE && e.kind == ExternalKind::Func)
    else {
        return Ok(wasm.to_vec());
    };
    let checked = exports.remove(checked).index;
    let handle = exports
        .iter_mut()
        .find(|e| e.name == "handle" && e.kind == ExternalKind::Func)
        .ok_or_else(|| anyhow::anyhow!("the program does not export `handle`"))?;
    handle.index = checked;
    Ok(module.serialize()?)
}

/// Points `handle` at the checked entry point, removes the custom sections (names, producers)
/// from the compiler's output and optimizes it for size (`wasm-opt -Oz`).
struct StripNames;

impl PreProcessor for StripNames {
    fn name(&self) -> &'static str {
        "strip-names"
    }

    fn pre_process(
        &self,
        original: PathBuf,
    ) -> PreProcessorResult<Vec<(PreProcessorTarget, Vec<u8>)>> {
        let stripped = original.with_extension("stripped.wasm");
        std::fs::write(
            &stripped,
            export_checked_handle(&std::fs::read(&original)?)?,
        )?;
        let mut wasm = Optimizer::new(&stripped)?;
        wasm.strip_custom_sections();
        wasm.flush_to_file(&stripped);
        optimize::optimize_wasm(&stripped, &stripped, "z", false)?;
        Ok(vec![(
            PreProcessorTarget::Default,
            std::fs::read(&stripped)?,
        )])
    }
}

fn main() {
    let built = WasmBuilder::new()
        .exclude_features(vec!["std"])
        .with_pre_processor(Box::new(StripNames))
        .build();
    if let Some((_, wasm_path)) = built {
        // The builder's last `wasm-opt` run keeps a name section of generated names (about
        // 4 KB), which the chain would count in the instrumented code: drop it before
        // embedding the IDL.
        let mut wasm = Optimizer::new(&wasm_path).expect("the optimized .wasm must parse");
        wasm.strip_custom_sections();
        wasm.flush_to_file(&wasm_path);
        sails_rs::ClientBuilder::<zkml_app::ZkmlProgram>::from_wasm_path(wasm_path).build_idl();
    }
}

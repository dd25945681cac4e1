//! Builds the program's .wasm with Gear's wasm builder and embeds the program's IDL in it.
//!
//! The builder checks the compiler's output, before `wasm-opt`, against the chain's limit on
//! instrumented code (512 KiB). That output still carries the function names (about 70 KB)
//! and code `wasm-opt` removes, neither of which is ever uploaded: the uploaded (and tested)
//! binary is the `.opt.wasm`. [`StripNames`] drops the names and runs the same `wasm-opt`
//! passes first, so that the check measures the code the chain gets.

use gear_wasm_builder::{
    PreProcessor, PreProcessorResult, PreProcessorTarget, WasmBuilder,
    optimize::{self, Optimizer},
};
use std::path::PathBuf;

/// Removes the custom sections (names, producers) from the compiler's output and optimizes it
/// as the builder optimizes the uploaded binary (`wasm-opt` level 4).
struct StripNames;

impl PreProcessor for StripNames {
    fn name(&self) -> &'static str {
        "strip-names"
    }

    fn pre_process(
        &self,
        original: PathBuf,
    ) -> PreProcessorResult<Vec<(PreProcessorTarget, Vec<u8>)>> {
        let mut wasm = Optimizer::new(&original)?;
        wasm.strip_custom_sections();
        let stripped = original.with_extension("stripped.wasm");
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
        sails_rs::ClientBuilder::<zkml_app::ZkmlProgram>::from_wasm_path(wasm_path).build_idl();
    }
}

//! Builds the program's .wasm with Gear's wasm builder and embeds the program's IDL in it.
//!
//! The builder checks the compiler's output, before `wasm-opt`, against the chain's limit on
//! instrumented code (512 KiB). That output still carries the function names (about 70 KB),
//! which are never uploaded: the uploaded `.opt.wasm` has none. [`StripNames`] drops them
//! first, so that the check measures code, not names.

use gear_wasm_builder::{
    PreProcessor, PreProcessorResult, PreProcessorTarget, WasmBuilder, optimize::Optimizer,
};
use std::path::PathBuf;

/// Removes the custom sections (names, producers) from the compiler's output.
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
        Ok(vec![(PreProcessorTarget::Default, wasm.serialize()?)])
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

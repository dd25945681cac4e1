//! Builds the benchmark program's .wasm with Gear's wasm builder (as the product's `wasm/` does).

fn main() {
    sails_rs::build_wasm();
}

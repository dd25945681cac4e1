//! The uploaded program fits Gear's code limits as a node checks them at `upload_code`: the
//! original code and the code once instrumented for gas metering, each at most
//! `Schedule::limits.code_len` (512 KiB). gtest does not check them, so this test does.

use gear_core::{
    code::{Code, SyscallKind},
    gas_metering::Schedule,
};

/// The original and instrumented sizes of `wasm`, and the limit, under the default schedule.
fn sizes(wasm: &[u8]) -> (usize, usize, usize) {
    let schedule = Schedule::default();
    let code = Code::try_new(
        wasm.to_vec(),
        schedule.instruction_weights.version,
        |module| schedule.rules(module),
        schedule.limits.stack_height,
        schedule.limits.data_segments_amount.into(),
        schedule.limits.type_section_len.into(),
        schedule.limits.parameters.into(),
        SyscallKind::Vara,
    )
    .expect("the program is valid Gear code");
    (
        wasm.len(),
        code.instrumented_code().bytes().len(),
        schedule.limits.code_len as usize,
    )
}

#[test]
fn the_program_fits_the_code_limits() {
    for (name, wasm) in [
        ("zkml", zkml_wasm::WASM_BINARY),
        ("vault", zkml_vault_wasm::WASM_BINARY),
    ] {
        let (original, instrumented, limit) = sizes(wasm);
        println!("{name}: {original} bytes, {instrumented} instrumented (limit {limit})");
        assert!(original <= limit, "{name}: {original} > {limit}");
        assert!(
            instrumented <= limit,
            "{name}: {instrumented} bytes once instrumented, over the {limit}-byte limit"
        );
    }
}

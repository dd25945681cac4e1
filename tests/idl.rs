//! The committed IDL is what the build generates.

#[test]
fn idl_is_committed() {
    assert!(
        option_env!("ZKML_IDL_REWRITTEN").is_none(),
        "idl/zkml.idl was stale and the build rewrote it: review and commit it"
    );
    let idl = include_str!("../idl/zkml.idl");
    for service in ["service Model", "service Sessions", "service Verifier"] {
        assert!(idl.contains(service), "the IDL lacks `{service}`");
    }
}

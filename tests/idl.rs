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

/// The client's copy of the receiver interface (its id, the notification's gas) is the
/// program's.
#[test]
fn the_client_knows_the_receiver_interface() {
    assert_eq!(
        zkml_client::receiver::INTERFACE_ID,
        zkml_app::notify::RECEIVER_INTERFACE_ID
    );
    assert_eq!(
        zkml_client::receiver::NOTIFY_GAS_LIMIT,
        zkml_app::notify::NOTIFY_GAS_LIMIT
    );
    assert_eq!(
        zkml_client::receiver::RENOTIFY_OVERHEAD_GAS,
        zkml_app::services::sessions::RENOTIFY_OVERHEAD_GAS
    );
}

//! Using `zkml-client` from another Rust app: deploy the program, upload its verifier data,
//! open a session with a sample digit and read it back. Runs on an embedded gtest chain:
//! `cargo run --release -p zkml-client --example third_party` (the prover's setup takes a
//! minute the first time). Against a node, use `GsdkEnv` (sails-rs feature `gsdk`) in place of
//! `GtestEnv`: the calls are the same.

use sails_rs::client::{Actor, GearEnv as _, GtestEnv};
use sails_rs::gtest::System;
use sails_rs::prelude::*;
use sha3::{Digest as _, Keccak256};
use std::error::Error;
use zkml_client::{
    ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram, model::Model as _, sessions::Sessions as _,
    wire::statement,
};

const ADMIN: u64 = 42;
const USER: u64 = 101;

/// A program refusal (the generated error types are plain data) as an app error.
fn refused(error: impl core::fmt::Debug) -> Box<dyn Error> {
    format!("the program refused: {error:?}").into()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let system = System::new();
    for who in [ADMIN, USER] {
        system.mint_to(who, 1_000_000_000_000_000_000);
    }
    let code_id = system.submit_code(zkml_wasm::WASM_BINARY);
    let env = GtestEnv::new(system, ADMIN.into());

    // The verifier keys of the committed model, in the program's wire format.
    let model = zkml_model::committed_model()?;
    let prover =
        zkml_proving::Prover::setup(&model, &zkml_proving::SetupConfig::default_cache(), &|_| {})?;
    let keys = zkml_proving::export::chain_keys(&prover)?;
    let side = statement::IMAGE_SIDE as u8;
    let init = ModelInit {
        name: "mnist".into(),
        input_shape: (side, side),
        fold_steps: statement::STEPS as u32,
        verifier_key_digest: Keccak256::digest(&keys.model_key).into(),
        verifier_key: keys.model_key,
        verifier_data_len: keys.constant_key.len() as u32,
        verifier_data_digest: Keccak256::digest(&keys.constant_key).into(),
    };

    // `deploy` is a method of the `GearEnv` trait, hence `GearEnv as _` in scope.
    let program = env
        .deploy::<ZkmlProgram>(code_id, b"salt".to_vec())
        .new(init)
        .await?
        .map_err(refused)?;
    let mut admin = program.model();
    for (i, chunk) in keys.constant_key.chunks(512 * 1024).enumerate() {
        let offset = (i * 512 * 1024) as u32;
        admin
            .upload_verifier_data(offset, chunk.to_vec())
            .await?
            .map_err(refused)?;
    }
    admin.finalize().await?.map_err(refused)?;

    // The user acts through its own actor on the same program.
    let user = Actor::<ZkmlProgram, _>::new(env.clone().with_actor_id(USER.into()), program.id());
    let digit = zkml_model::sample_digits()?.digits()[0].pixels().to_vec();
    let session_id = user
        .sessions()
        .submit_input(digit, None)
        .await?
        .map_err(refused)?;

    // A read: `.query()` computes the reply without sending a message, so the chain does not
    // move. Awaiting `session(..)` instead would send a message: a block would pass, claims'
    // leases would age, and the caller would pay its gas.
    let session = user.sessions().session(USER.into()).query()?;
    let session = session.ok_or("the session is missing")?;
    assert_eq!(session.id, session_id);
    println!("session {session_id}: {:?}", session.state);
    Ok(())
}

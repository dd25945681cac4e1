//! The Model service: deployment, verifier-data upload, finalization and the prover registry.

use crate::common::*;
use parity_scale_codec::Encode as _;
use sails_rs::{futures::StreamExt as _, prelude::*};
use zkml_client::{
    ModelDefect, Zkml as _,
    model::{Model as _, ModelError, UploadStatus, events::ModelEvents},
    sessions::{Sessions as _, SessionsError},
};
use zkml_verifier::{VerifierKey, decode_all, le32};

#[tokio::test]
async fn deployment_stores_the_model() {
    let data = vec![7u8; 100];
    let init = model_init_with(&data);
    let chain = Chain::deploy(init.clone()).await.unwrap();
    let model = chain.as_(STRANGER).model();

    let info = model.info().await.unwrap();
    assert_eq!(info.admin, ActorId::from(ADMIN));
    assert_eq!(info.name, init.name);
    assert_eq!(info.input_shape, (28, 28));
    assert_eq!(info.classes, 10);
    assert_eq!(info.fold_steps, 3);
    // The model is named by the digest its verifier key commits to.
    let key: VerifierKey = decode_all(&init.verifier_key).unwrap();
    assert_eq!(info.model_digest, le32(&key.folding.pp_digest));
    assert_eq!(info.verifier_key_digest, init.verifier_key_digest);
    assert!(!info.finalized);
    assert_eq!(model.verifier_key().await.unwrap(), init.verifier_key);
    assert_eq!(
        model.upload_status().await.unwrap(),
        UploadStatus {
            uploaded: 0,
            declared: 100,
            finalized: false
        }
    );
}

/// Makes a valid model description inconsistent.
type Breakage = fn(&mut zkml_client::ModelInit);

#[tokio::test]
async fn inconsistent_models_are_refused() {
    let cases: Vec<(Breakage, ModelDefect)> = vec![
        (|i| i.name.clear(), ModelDefect::Name { max: 64 }),
        (|i| i.name = "x".repeat(65), ModelDefect::Name { max: 64 }),
        (|i| i.input_shape = (28, 27), ModelDefect::InputShape),
        (|i| i.fold_steps = 2, ModelDefect::FoldSteps { expected: 3 }),
        (|i| i.fold_steps = 4, ModelDefect::FoldSteps { expected: 3 }),
        (
            |i| {
                i.verifier_key.clear();
                i.verifier_key_digest = keccak(&[]);
            },
            ModelDefect::VerifierKeySize { max: 65536 },
        ),
        (
            |i| i.verifier_key_digest[0] ^= 1,
            ModelDefect::VerifierKeyDigest,
        ),
        (
            |i| i.verifier_data_len = 32 * 1024 * 1024 + 1,
            ModelDefect::VerifierDataSize {
                max: 32 * 1024 * 1024,
            },
        ),
        (
            |i| i.verifier_data_len = 0,
            ModelDefect::VerifierDataSize {
                max: 32 * 1024 * 1024,
            },
        ),
        (
            |i| {
                i.verifier_key = b"not a verifier key".to_vec();
                i.verifier_key_digest = keccak(&i.verifier_key);
            },
            ModelDefect::VerifierKey("malformed: does not decode".into()),
        ),
        (
            |i| {
                let mut key: VerifierKey = decode_all(&i.verifier_key).unwrap();
                key.folding.arity += 1;
                i.verifier_key = key.encode();
                i.verifier_key_digest = keccak(&i.verifier_key);
            },
            ModelDefect::Arity { expected: 5 },
        ),
    ];
    for (break_it, defect) in cases {
        let mut init = model_init();
        break_it(&mut init);
        let err = Chain::deploy(init)
            .await
            .err()
            .expect("deployment must fail");
        assert_eq!(err, format!("{defect:?}"));
    }
}

#[tokio::test]
async fn verifier_data_uploads_in_order_and_finalizes() {
    let data = &FIXTURE.keys.constant_key;
    let len = data.len() as u32;
    let chain = Chain::deploy(model_init()).await.unwrap();
    let mut admin = chain.as_(ADMIN).model();
    let mut events = admin.listen().await.unwrap();

    let status = admin
        .upload_verifier_data(0, data[..1000].to_vec())
        .await
        .unwrap();
    assert_eq!(
        status,
        Ok(UploadStatus {
            uploaded: 1000,
            declared: len,
            finalized: false
        })
    );
    assert_eq!(
        events.next().await.unwrap().1,
        ModelEvents::VerifierDataUploaded {
            uploaded: 1000,
            declared: len
        }
    );

    // Bad chunks change nothing.
    let before = admin.upload_status().await.unwrap();
    assert_eq!(
        admin
            .upload_verifier_data(500, data[500..600].to_vec())
            .await
            .unwrap(),
        Err(ModelError::UploadOutOfOrder {
            expected: 1000,
            got: 500
        })
    );
    assert_eq!(
        admin.upload_verifier_data(1000, vec![]).await.unwrap(),
        Err(ModelError::EmptyChunk)
    );
    assert_eq!(
        chain
            .as_(STRANGER)
            .model()
            .upload_verifier_data(1000, data[1000..2000].to_vec())
            .await
            .unwrap(),
        Err(ModelError::NotAdmin)
    );
    assert_eq!(
        admin.finalize().await.unwrap(),
        Err(ModelError::UploadIncomplete {
            uploaded: 1000,
            declared: len
        })
    );
    assert_eq!(admin.upload_status().await.unwrap(), before);

    // All but the last 100 bytes; a chunk one byte past the declared size changes nothing.
    let mut offset = 1000;
    for chunk in data[1000..len as usize - 100].chunks(UPLOAD_CHUNK) {
        admin
            .upload_verifier_data(offset as u32, chunk.to_vec())
            .await
            .unwrap()
            .unwrap();
        offset += chunk.len();
    }
    let before = admin.upload_status().await.unwrap();
    assert_eq!(
        admin
            .upload_verifier_data(offset as u32, vec![0; 101])
            .await
            .unwrap(),
        Err(ModelError::UploadPastDeclaredSize {
            declared: len,
            end: len + 1
        })
    );
    assert_eq!(admin.upload_status().await.unwrap(), before);
    admin
        .upload_verifier_data(offset as u32, data[offset..].to_vec())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        chain.as_(STRANGER).model().finalize().await.unwrap(),
        Err(ModelError::NotAdmin)
    );
    admin.finalize().await.unwrap().unwrap();
    let mut last = events.next().await.unwrap().1;
    while matches!(last, ModelEvents::VerifierDataUploaded { .. }) {
        last = events.next().await.unwrap().1;
    }
    assert_eq!(
        last,
        ModelEvents::ModelFinalized {
            verifier_data_digest: keccak(data)
        }
    );
    assert!(admin.info().await.unwrap().finalized);
    assert_eq!(
        admin.finalize().await.unwrap(),
        Err(ModelError::ModelAlreadyFinalized)
    );
    assert_eq!(
        admin.upload_verifier_data(len, vec![1]).await.unwrap(),
        Err(ModelError::ModelAlreadyFinalized)
    );
}

#[tokio::test]
async fn corrupt_verifier_data_is_not_finalized() {
    let chain = Chain::deploy(model_init()).await.unwrap();
    let mut corrupt = FIXTURE.keys.constant_key.clone();
    corrupt[10] ^= 0xff;
    chain.upload(&corrupt).await;
    let mut admin = chain.as_(ADMIN).model();
    assert_eq!(
        admin.finalize().await.unwrap(),
        Err(ModelError::VerifierDataDigestMismatch)
    );
    assert!(!admin.info().await.unwrap().finalized);
}

#[tokio::test]
async fn undecodable_verifier_data_is_not_finalized() {
    let key = &FIXTURE.keys.constant_key;
    let mut no_table = vec![0u8; 4];
    no_table.extend_from_slice(&key[4 + 72 * 17 * 16384..]);
    let cases = [
        (
            vec![0xab; 4096],
            "secondary key: a table point is not canonical",
        ),
        (no_table, "secondary key: table size"),
        (
            key[..key.len() - 1].to_vec(),
            "constant key: does not decode",
        ),
    ];
    for (data, reason) in cases {
        let chain = Chain::deploy(model_init_with(&data)).await.unwrap();
        chain.upload(&data).await;
        let mut admin = chain.as_(ADMIN).model();
        assert_eq!(
            admin.finalize().await.unwrap(),
            Err(ModelError::InvalidVerifierData(format!(
                "malformed: {reason}"
            )))
        );
        assert!(!admin.info().await.unwrap().finalized);
    }
}

#[tokio::test]
async fn nothing_runs_before_finalization() {
    let chain = Chain::deploy(model_init()).await.unwrap();
    assert_eq!(
        chain
            .as_(USER)
            .sessions()
            .submit_input(image(0), None)
            .await
            .unwrap(),
        Err(SessionsError::ModelNotFinalized)
    );
    assert_eq!(chain.as_(USER).sessions().my_session().await.unwrap(), None);
}

#[tokio::test]
async fn admin_manages_provers() {
    let chain = Chain::deploy(model_init()).await.unwrap();
    let mut admin = chain.as_(ADMIN).model();
    let mut events = admin.listen().await.unwrap();
    let prover = ActorId::from(PROVER);

    admin.add_prover(prover).await.unwrap().unwrap();
    assert_eq!(
        events.next().await.unwrap().1,
        ModelEvents::ProverAdded { prover }
    );
    assert!(admin.is_prover(prover).await.unwrap());
    assert_eq!(
        admin.add_prover(prover).await.unwrap(),
        Err(ModelError::ProverAlreadyRegistered)
    );
    assert_eq!(
        chain
            .as_(STRANGER)
            .model()
            .add_prover(STRANGER.into())
            .await
            .unwrap(),
        Err(ModelError::NotAdmin)
    );
    assert_eq!(
        chain
            .as_(PROVER)
            .model()
            .remove_prover(prover)
            .await
            .unwrap(),
        Err(ModelError::NotAdmin)
    );
    assert_eq!(admin.provers().await.unwrap(), vec![prover]);

    admin.remove_prover(prover).await.unwrap().unwrap();
    assert_eq!(
        events.next().await.unwrap().1,
        ModelEvents::ProverRemoved { prover }
    );
    assert_eq!(
        admin.remove_prover(prover).await.unwrap(),
        Err(ModelError::ProverNotRegistered)
    );
    assert!(admin.provers().await.unwrap().is_empty());
}

#[tokio::test]
async fn prover_registry_is_bounded() {
    let chain = Chain::deploy(model_init()).await.unwrap();
    let mut admin = chain.as_(ADMIN).model();
    for i in 0..32u64 {
        admin.add_prover((1000 + i).into()).await.unwrap().unwrap();
    }
    assert_eq!(
        admin.add_prover(2000.into()).await.unwrap(),
        Err(ModelError::TooManyProvers { max: 32 })
    );
    assert_eq!(admin.provers().await.unwrap().len(), 32);
}

/// Gas of setting the model up with the real constant key: each upload chunk (the key's table is
/// decoded as its chunks arrive) and `Finalize`. Each must fit in a message (gtest refuses more
/// than 7.5e11). A figure: `cargo test --release --test gtest setup_gas -- --nocapture`.
#[tokio::test]
async fn setup_gas() {
    let chain = Chain::deploy(model_init()).await.unwrap();
    let data = &FIXTURE.keys.constant_key;
    let mut admin = chain.as_(ADMIN).model();
    let mut chunks = Vec::new();
    for (i, chunk) in data.chunks(UPLOAD_CHUNK).enumerate() {
        let before = chain.gas_spent(ADMIN);
        admin
            .upload_verifier_data((i * UPLOAD_CHUNK) as u32, chunk.to_vec())
            .await
            .unwrap()
            .unwrap();
        chunks.push(chain.gas_spent(ADMIN) - before);
    }
    let before = chain.gas_spent(ADMIN);
    admin.finalize().await.unwrap().unwrap();
    let finalize = chain.gas_spent(ADMIN) - before;
    let largest = chunks.iter().max().copied().unwrap_or(0);
    let total: u128 = chunks.iter().sum();
    std::println!(
        "verifier data: {} bytes in {} chunks of {UPLOAD_CHUNK}; upload {total:.3e} gas in all \
         (largest chunk {largest:.3e}); Finalize {finalize:.3e}",
        data.len(),
        chunks.len(),
        total = total as f64,
        largest = largest as f64,
        finalize = finalize as f64,
    );
}

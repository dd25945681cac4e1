//! Private inputs on the embedded chain: the chain holds the commitment and the envelope, never
//! the pixels; only a proof for the stored commitment verifies; the owner may prove their own
//! session; bad private inputs are refused and change nothing; a private input's fee is held
//! and paid like a public one's.

use crate::common::*;
use parity_scale_codec::Encode as _;
use sails_rs::{gtest::constants::EXISTENTIAL_DEPOSIT as ED, prelude::ActorId};
use zkml_client::{
    Zkml as _,
    fees::Fees as _,
    model::Model as _,
    sessions::{SessionState, Sessions as _, SessionsError},
    verifier::{VerificationStatus, Verifier as _},
};
use zkml_envelope::{Contents, Context, SecretKey};

/// The prover registers a key; `USER` seals the private fixture for it (with `commitment`,
/// normally the fixture's) and submits it with `fee`; returns the session id, the envelope and
/// the prover's key.
async fn submit_private(
    chain: &Chain,
    commitment: [u8; 32],
    fee: u128,
) -> (u64, Vec<u8>, SecretKey) {
    let key = SecretKey::generate();
    chain
        .as_(PROVER)
        .model()
        .set_encryption_key(key.public_key())
        .await
        .unwrap()
        .unwrap();
    let recipients: Vec<[u8; 32]> = chain
        .as_(USER)
        .model()
        .encryption_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.key)
        .collect();
    assert_eq!(recipients, vec![key.public_key()]);
    let private = &FIXTURE.private;
    let context = Context {
        program: chain.program_id().into_bytes(),
        user: ActorId::from(USER).into_bytes(),
        commitment,
    };
    let contents = Contents {
        pixels: private.pixels.clone(),
        blinding: private.blinding,
    };
    let envelope = zkml_envelope::seal(&context, &contents, &recipients).unwrap();
    let id = chain
        .as_(USER)
        .sessions()
        .submit_private_input(commitment, envelope.clone(), None)
        .with_value(fee)
        .await
        .unwrap()
        .unwrap();
    (id, envelope, key)
}

#[tokio::test]
async fn a_private_input_is_proven_by_its_owner_and_never_reaches_the_chain() {
    let chain = Chain::ready().await;
    let private = &FIXTURE.private;
    let (id, envelope, key) = submit_private(&chain, private.commitment, 0).await;
    let session = chain.session(USER).await.unwrap();
    assert!(session.pixels.is_empty());
    assert_eq!(session.commitment, private.commitment);
    assert_eq!(session.envelope_len, envelope.len() as u32);
    let sessions = chain.as_(STRANGER).sessions();
    assert_eq!(sessions.input(id).await.unwrap(), None);
    assert_eq!(sessions.envelope(id).await.unwrap(), Some(envelope.clone()));
    // The registered prover could open it; the owner proves it without a claim or registration.
    let context = Context {
        program: chain.program_id().into_bytes(),
        user: ActorId::from(USER).into_bytes(),
        commitment: private.commitment,
    };
    assert_eq!(
        zkml_envelope::open(&context, &envelope, &key)
            .unwrap()
            .pixels,
        private.pixels
    );
    chain
        .as_(USER)
        .verifier()
        .submit_proof(id, private.proof.clone())
        .await
        .unwrap()
        .unwrap();
    let verification = chain.kit().verify(USER).await.unwrap();
    let expected = FIXTURE.model.infer(&private.pixels).unwrap();
    assert!(
        matches!(
            &verification.outcome,
            VerificationStatus::Verified { digit, .. } if *digit == expected.digit
        ),
        "{:?}",
        verification.outcome
    );

    // Nothing the chain holds or carried has a 16-byte run of the pixels: the program's whole
    // memory, the payloads of the calls (commitment and envelope, proof, ids), the queries'
    // replies and the final event.
    assert!(!dump_holds_a_run(&chain.memory_dump(), &private.pixels));
    let carried = [
        (private.commitment, envelope.clone()).encode(),
        (id, private.proof.clone()).encode(),
        chain.session(USER).await.encode(),
        sessions.envelope(id).await.unwrap().encode(),
        format!("{:?}", verification.event).into_bytes(),
    ];
    for bytes in carried {
        assert!(!holds_a_run(&bytes, &private.pixels));
    }
    // The test can fail: the public input's memory holds its pixels (gtest runs one chain per
    // thread at a time).
    drop(sessions);
    drop(chain);
    let public = Chain::ready().await;
    public
        .as_(USER)
        .sessions()
        .submit_input(private.pixels.clone(), None)
        .await
        .unwrap()
        .unwrap();
    assert!(dump_holds_a_run(&public.memory_dump(), &private.pixels));
}

#[tokio::test]
async fn a_proof_for_other_pixels_or_another_blinding_is_rejected() {
    let private = &FIXTURE.private;
    let native = zkml_proving::export::NativeVerifier::new(&FIXTURE.keys).unwrap();
    // The session commits to the same pixels with another blinding than the proof's, or to
    // other pixels with the same blinding.
    let mut blinding = private.blinding;
    blinding[0] ^= 1;
    let other_blinding = native.commitment(&private.pixels, &blinding).unwrap();
    let other_pixels = native
        .commitment(&FIXTURE.inputs[0], &private.blinding)
        .unwrap();
    assert_ne!(FIXTURE.inputs[0], private.pixels);
    for commitment in [other_blinding, other_pixels] {
        let chain = Chain::ready().await;
        let (id, _, _) = submit_private(&chain, commitment, 0).await;
        chain
            .as_(USER)
            .verifier()
            .submit_proof(id, private.proof.clone())
            .await
            .unwrap()
            .unwrap();
        let verification = chain.kit().verify(USER).await.unwrap();
        assert!(
            matches!(verification.outcome, VerificationStatus::Rejected { .. }),
            "{:?}",
            verification.outcome
        );
    }
}

#[tokio::test]
async fn bad_private_inputs_and_keys_are_refused_and_change_nothing() {
    let chain = Chain::ready().await;
    let sessions = || chain.as_(USER).sessions();
    let good = FIXTURE.private.commitment;
    let cases = [
        (
            [0xff; 32],
            vec![1, 1],
            SessionsError::NonCanonicalCommitment,
        ),
        (good, vec![0x5a; 3000], SessionsError::MalformedEnvelope),
        (good, Vec::new(), SessionsError::MalformedEnvelope),
        (
            good,
            vec![1; 5000],
            SessionsError::EnvelopeTooLarge {
                max: 4418,
                got: 5000,
            },
        ),
    ];
    for (commitment, envelope, error) in cases {
        assert_eq!(
            sessions()
                .submit_private_input(commitment, envelope, None)
                .await
                .unwrap(),
            Err(error)
        );
        assert_eq!(chain.session(USER).await, None);
    }
    // Only registered provers set keys; removing a prover drops its key.
    assert_eq!(
        chain
            .as_(STRANGER)
            .model()
            .set_encryption_key([1; 32])
            .await
            .unwrap(),
        Err(zkml_client::model::ModelError::ProverNotRegistered)
    );
    assert!(
        chain
            .as_(STRANGER)
            .model()
            .encryption_keys()
            .await
            .unwrap()
            .is_empty()
    );
    chain
        .as_(PROVER)
        .model()
        .set_encryption_key([2; 32])
        .await
        .unwrap()
        .unwrap();
    chain.remove_prover(PROVER).await;
    assert!(
        chain
            .as_(STRANGER)
            .model()
            .encryption_keys()
            .await
            .unwrap()
            .is_empty()
    );
    chain
        .as_(ADMIN)
        .model()
        .add_prover(ActorId::from(PROVER))
        .await
        .unwrap()
        .unwrap();
    // A stranger may not submit a proof for someone else's session.
    let (id, _, _) = submit_private(&chain, good, 0).await;
    assert_eq!(
        chain
            .as_(STRANGER)
            .verifier()
            .submit_proof(id, FIXTURE.private.proof.clone())
            .await
            .unwrap(),
        Err(zkml_client::verifier::VerifierError::NotProver)
    );
    assert_eq!(
        chain.session(USER).await.unwrap().state,
        SessionState::AwaitingProof
    );
}

#[tokio::test]
async fn a_private_input_carries_its_fee_like_a_public_one() {
    let chain = Chain::ready().await;
    let fee = 10 * ED;
    let mut admin = chain.as_(ADMIN).fees();
    admin.set_minimum_fee(fee).await.unwrap().unwrap();
    let private = &FIXTURE.private;
    // Below the minimum: refused, nothing held, no session.
    assert_eq!(
        chain
            .as_(USER)
            .sessions()
            .submit_private_input(private.commitment, vec![1; 100], None)
            .with_value(fee - 1)
            .await
            .unwrap(),
        Err(SessionsError::FeeBelowMinimum {
            minimum: fee,
            got: fee - 1
        })
    );
    assert_eq!(chain.session(USER).await, None);
    assert_eq!(chain.balance(chain.program_id()), ED);
    // Held in escrow, then paid to whoever proves it: here its owner.
    let (id, _, _) = submit_private(&chain, private.commitment, fee).await;
    let fees = chain.as_(STRANGER).fees();
    let escrow = fees.escrow(id).query().unwrap().expect("held");
    assert_eq!((escrow.payer, escrow.amount), (ActorId::from(USER), fee));
    assert_eq!(chain.balance(chain.program_id()), ED + fee);
    chain
        .as_(USER)
        .verifier()
        .submit_proof(id, private.proof.clone())
        .await
        .unwrap()
        .unwrap();
    let verification = chain.kit().verify(USER).await.unwrap();
    assert!(
        matches!(verification.outcome, VerificationStatus::Verified { .. }),
        "{:?}",
        verification.outcome
    );
    assert!(fees.escrow(id).query().unwrap().is_none());
    assert_eq!(fees.balance(ActorId::from(USER)).query().unwrap(), fee);
}

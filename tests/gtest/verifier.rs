//! The Verifier service: proof intake and on-chain verification.

use crate::common::*;
use parity_scale_codec::Encode as _;
use sails_rs::{futures::StreamExt as _, prelude::*};
use zkml_client::{
    Zkml as _,
    model::Model as _,
    sessions::{SessionState, Sessions as _},
    verifier::{self, Verifier as _, VerifierError, events::VerifierEvents},
};
use zkml_verifier::Proof;

/// A proof in the wire format for `steps` fold steps.
fn well_formed_proof(steps: u32) -> Vec<u8> {
    Proof {
        num_steps: steps,
        zn: vec![[0u8; 32]; 4],
        snark: vec![1, 2, 3],
    }
    .encode()
}

/// A chain with `USER`'s session open.
async fn with_session() -> Chain {
    let chain = Chain::ready().await;
    chain
        .as_(USER)
        .sessions()
        .submit_input(image(5))
        .await
        .unwrap()
        .unwrap();
    chain
}

async fn state_of(chain: &Chain, user: u64) -> Option<SessionState> {
    chain
        .as_(STRANGER)
        .sessions()
        .session(user.into())
        .await
        .unwrap()
        .map(|s| s.state)
}

#[tokio::test]
async fn a_prover_submits_a_proof() {
    let chain = with_session().await;
    let mut verifier = chain.as_(PROVER).verifier();
    let mut events = verifier.listen().await.unwrap();
    let proof = well_formed_proof(3);

    let id = verifier
        .submit_proof(USER.into(), proof.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        events.next().await.unwrap().1,
        VerifierEvents::ProofSubmitted {
            user: USER.into(),
            session_id: id,
            prover: PROVER.into()
        }
    );
    assert_eq!(
        state_of(&chain, USER).await,
        Some(SessionState::ProofSubmitted)
    );
    let session = chain
        .as_(USER)
        .sessions()
        .my_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.prover, Some(PROVER.into()));
    assert_eq!(verifier.proof(USER.into()).await.unwrap(), Some(proof));
    assert!(
        chain
            .as_(PROVER)
            .sessions()
            .pending(None, 16)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_submissions_leave_the_session_unchanged() {
    let chain = with_session().await;
    let user = ActorId::from(USER);
    let proof = well_formed_proof(3);

    let cases = [
        (STRANGER, user, proof.clone(), VerifierError::NotProver),
        (USER, user, proof.clone(), VerifierError::NotProver),
        (
            PROVER,
            OTHER_USER.into(),
            proof.clone(),
            VerifierError::NoSession,
        ),
        (
            PROVER,
            user,
            vec![0xde, 0xad, 0xbe, 0xef],
            VerifierError::MalformedProof("malformed proof: does not decode".into()),
        ),
        (
            PROVER,
            user,
            [proof.clone(), vec![0]].concat(),
            VerifierError::MalformedProof("malformed proof: trailing bytes".into()),
        ),
        (
            PROVER,
            user,
            Proof {
                num_steps: 3,
                zn: vec![[0xff; 32]],
                snark: vec![],
            }
            .encode(),
            VerifierError::MalformedProof("non-canonical field element".into()),
        ),
        (
            PROVER,
            user,
            well_formed_proof(2),
            VerifierError::MalformedProof("proof folds 2 steps, expected 3".into()),
        ),
        (
            PROVER,
            user,
            vec![0; 64 * 1024 + 1],
            VerifierError::ProofTooLarge {
                max: 65536,
                got: 65537,
            },
        ),
    ];
    for (caller, for_user, bytes, error) in cases {
        let result = chain
            .as_(caller)
            .verifier()
            .submit_proof(for_user, bytes)
            .await
            .unwrap();
        assert_eq!(result, Err(error));
        assert_eq!(
            state_of(&chain, USER).await,
            Some(SessionState::AwaitingProof)
        );
        assert_eq!(
            chain.as_(STRANGER).verifier().proof(user).await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn a_second_proof_is_refused() {
    let chain = with_session().await;
    let mut verifier = chain.as_(PROVER).verifier();
    let first = well_formed_proof(3);
    verifier
        .submit_proof(USER.into(), first.clone())
        .await
        .unwrap()
        .unwrap();
    let mut second = first.clone();
    second[5] ^= 1;
    assert_eq!(
        verifier.submit_proof(USER.into(), second).await.unwrap(),
        Err(VerifierError::ProofAlreadySubmitted)
    );
    assert_eq!(verifier.proof(USER.into()).await.unwrap(), Some(first));
}

#[tokio::test]
async fn a_removed_prover_cannot_submit() {
    let chain = with_session().await;
    chain
        .as_(ADMIN)
        .model()
        .remove_prover(PROVER.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        chain
            .as_(PROVER)
            .verifier()
            .submit_proof(USER.into(), well_formed_proof(3))
            .await
            .unwrap(),
        Err(VerifierError::NotProver)
    );
}

#[tokio::test]
async fn verify_needs_a_proof() {
    let chain = with_session().await;
    let mut verifier = chain.as_(USER).verifier();
    assert_eq!(
        verifier.verify(USER.into()).await.unwrap(),
        Err(VerifierError::NoProof)
    );
    assert_eq!(
        verifier.verify(OTHER_USER.into()).await.unwrap(),
        Err(VerifierError::NoSession)
    );
    assert_eq!(
        verifier.continue_verification(USER.into()).await.unwrap(),
        Err(VerifierError::NotVerifying)
    );
    assert_eq!(
        state_of(&chain, USER).await,
        Some(SessionState::AwaitingProof)
    );
}

#[tokio::test]
async fn verify_with_too_little_gas_changes_nothing() {
    let chain = with_session().await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(USER.into(), well_formed_proof(3))
        .await
        .unwrap()
        .unwrap();
    let result = chain
        .as_(USER)
        .verifier()
        .verify(USER.into())
        .with_gas_limit(3_000_000_000)
        .await
        .unwrap();
    assert!(
        matches!(result, Err(VerifierError::NotEnoughGas { .. })),
        "{result:?}"
    );
    assert_eq!(
        state_of(&chain, USER).await,
        Some(SessionState::ProofSubmitted)
    );
}

/// The verifier cannot check compressed SNARKs yet (issue 3): a well-formed proof must be
/// rejected, never marked valid, and the session must end with the reason.
#[tokio::test]
async fn unverifiable_proofs_are_rejected() {
    let chain = with_session().await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(USER.into(), well_formed_proof(3))
        .await
        .unwrap()
        .unwrap();
    let mut verifier = chain.as_(USER).verifier();
    let mut events = verifier.listen().await.unwrap();

    let reason = "unsupported: compressed SNARK verification".to_string();
    let state = verifier.verify(USER.into()).await.unwrap().unwrap();
    assert_eq!(
        state,
        verifier::SessionState::Rejected {
            reason: reason.clone()
        }
    );
    let session = chain
        .as_(USER)
        .sessions()
        .my_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        events.next().await.unwrap().1,
        VerifierEvents::Rejected {
            user: USER.into(),
            session_id: session.id,
            reason: reason.clone()
        }
    );
    assert_eq!(
        session.state,
        SessionState::Rejected {
            reason: reason.clone()
        }
    );
    assert_eq!(verifier.proof(USER.into()).await.unwrap(), None);

    // The session is over: no more proofs or verification; a new input replaces it.
    assert_eq!(
        verifier.verify(USER.into()).await.unwrap(),
        Err(VerifierError::SessionFinished)
    );
    assert_eq!(
        chain
            .as_(PROVER)
            .verifier()
            .submit_proof(USER.into(), well_formed_proof(3))
            .await
            .unwrap(),
        Err(VerifierError::SessionFinished)
    );
    let mut sessions = chain.as_(USER).sessions();
    let counts = sessions.counts().await.unwrap();
    assert_eq!((counts.open, counts.finished), (0, 1));
    let next = sessions.submit_input(image(6)).await.unwrap().unwrap();
    assert!(next > session.id);
    assert_eq!(
        state_of(&chain, USER).await,
        Some(SessionState::AwaitingProof)
    );
}

#[tokio::test]
async fn finished_sessions_are_bounded_and_the_oldest_evicted() {
    let chain = Chain::ready().await;
    let users: Vec<u64> = (2000..2257).collect();
    for user in &users {
        chain
            .env()
            .system()
            .mint_to(*user, 1_000_000_000_000_000_000);
        chain
            .as_(*user)
            .sessions()
            .submit_input(image(1))
            .await
            .unwrap()
            .unwrap();
        let mut prover = chain.as_(PROVER).verifier();
        prover
            .submit_proof((*user).into(), well_formed_proof(3))
            .await
            .unwrap()
            .unwrap();
        prover.verify((*user).into()).await.unwrap().unwrap();
    }
    let counts = chain.as_(STRANGER).sessions().counts().await.unwrap();
    assert_eq!((counts.open, counts.finished), (0, 256));
    assert_eq!(
        state_of(&chain, users[0]).await,
        None,
        "the oldest outcome is evicted"
    );
    assert!(matches!(
        state_of(&chain, users[1]).await,
        Some(SessionState::Rejected { .. })
    ));
}

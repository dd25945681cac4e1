//! Prover claims: a lease in block heights keeps provers from proving the same input.

use crate::common::*;
use sails_rs::{futures::StreamExt as _, prelude::*};
use zkml_client::{
    Zkml as _,
    sessions::{Lease, SessionState, Sessions as _, SessionsError, events::SessionsEvents},
    verifier::{Verifier as _, VerifierError},
};

/// Lease length the program grants, in blocks.
const LEASE_BLOCKS: u32 = 100;

/// A ready chain with `USER`'s session open on the fixture's first input; its id.
async fn with_input() -> (Chain, u64) {
    let chain = Chain::ready().await;
    let id = chain
        .as_(USER)
        .sessions()
        .submit_input(FIXTURE.inputs[0].clone(), None)
        .await
        .unwrap()
        .unwrap();
    (chain, id)
}

async fn lease_of(chain: &Chain, user: u64) -> Option<Lease> {
    chain.session(user).await.and_then(|s| s.lease)
}

/// `prover` submits the fixture's first proof for session `session_id`.
async fn submit(chain: &Chain, prover: u64, session_id: u64) -> Result<(), VerifierError> {
    chain
        .as_(prover)
        .verifier()
        .submit_proof(session_id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
}

async fn claimable_ids(chain: &Chain, prover: u64) -> Vec<u64> {
    chain
        .as_(prover)
        .sessions()
        .claimable(prover.into(), None, 16)
        .await
        .unwrap()
        .iter()
        .map(|p| p.session_id)
        .collect()
}

#[tokio::test]
async fn a_prover_claims_a_session_for_a_lease() {
    let (chain, id) = with_input().await;
    let mut sessions = chain.as_(PROVER).sessions();
    let mut events = sessions.listen().await.unwrap();

    let lease = sessions.claim(id).await.unwrap().unwrap();
    assert_eq!(lease.prover, ActorId::from(PROVER));
    assert_eq!(
        events.next().await.unwrap().1,
        SessionsEvents::Claimed {
            user: USER.into(),
            session_id: id,
            prover: PROVER.into(),
            expires_at: lease.expires_at,
        }
    );
    assert_eq!(lease_of(&chain, USER).await, Some(lease.clone()));
    let pending = sessions.pending(None, 16).await.unwrap();
    assert_eq!(pending[0].lease, Some(lease.clone()));

    // The claimant still sees its work; the other prover does not.
    assert_eq!(claimable_ids(&chain, PROVER).await, vec![id]);
    assert!(claimable_ids(&chain, OTHER_PROVER).await.is_empty());

    // Claiming again renews the lease from the current block.
    chain.run_blocks(10);
    let renewed = sessions.claim(id).await.unwrap().unwrap();
    assert!(renewed.expires_at >= lease.expires_at + 10);
}

#[tokio::test]
async fn a_live_claim_holds_other_provers_off_until_it_expires() {
    let (chain, id) = with_input().await;
    chain.claim(PROVER, id).await;
    let lease = lease_of(&chain, USER).await.unwrap();
    let mut other = chain.as_(OTHER_PROVER).sessions();

    assert_eq!(
        other.claim(id).await.unwrap(),
        Err(SessionsError::AlreadyClaimed {
            prover: PROVER.into(),
            expires_at: lease.expires_at,
        })
    );
    assert_eq!(
        submit(&chain, OTHER_PROVER, id).await,
        Err(VerifierError::ClaimedByAnother {
            prover: PROVER.into()
        })
    );
    assert_eq!(lease_of(&chain, USER).await, Some(lease));

    // The first prover died: once its lease runs out, the input is claimable again.
    chain.run_blocks(LEASE_BLOCKS);
    assert_eq!(claimable_ids(&chain, OTHER_PROVER).await, vec![id]);
    let taken = other.claim(id).await.unwrap().unwrap();
    assert_eq!(taken.prover, ActorId::from(OTHER_PROVER));

    // The late first prover can no longer submit; the new claimant can.
    assert_eq!(
        submit(&chain, PROVER, id).await,
        Err(VerifierError::ClaimedByAnother {
            prover: OTHER_PROVER.into()
        })
    );
    submit(&chain, OTHER_PROVER, id).await.unwrap();
    let session = chain
        .as_(USER)
        .sessions()
        .my_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.state, SessionState::ProofSubmitted);
    assert_eq!(session.prover, Some(OTHER_PROVER.into()));
    assert_eq!(session.lease, None);
}

#[tokio::test]
async fn an_unclaimed_session_takes_no_proof() {
    let (chain, id) = with_input().await;
    assert_eq!(
        submit(&chain, PROVER, id).await,
        Err(VerifierError::NotClaimed)
    );
    let session = chain.as_(USER).sessions().my_session().await.unwrap();
    assert_eq!(session.unwrap().state, SessionState::AwaitingProof);
}

#[tokio::test]
async fn bad_claims_are_refused_and_change_nothing() {
    let (chain, id) = with_input().await;
    let before = chain
        .as_(STRANGER)
        .sessions()
        .session(USER.into())
        .await
        .unwrap();
    let cases = [
        (STRANGER, id, SessionsError::NotProver),
        (USER, id, SessionsError::NotProver),
        (
            PROVER,
            id + 1,
            SessionsError::NotAwaitingProof { session_id: id + 1 },
        ),
    ];
    for (caller, session_id, error) in cases {
        assert_eq!(
            chain
                .as_(caller)
                .sessions()
                .claim(session_id)
                .await
                .unwrap(),
            Err(error)
        );
        assert_eq!(
            chain
                .as_(STRANGER)
                .sessions()
                .session(USER.into())
                .await
                .unwrap(),
            before
        );
    }

    // A removed prover cannot claim.
    chain.remove_prover(OTHER_PROVER).await;
    assert_eq!(
        chain.as_(OTHER_PROVER).sessions().claim(id).await.unwrap(),
        Err(SessionsError::NotProver)
    );
}

#[tokio::test]
async fn a_proved_session_cannot_be_claimed() {
    let (chain, id) = with_input().await;
    chain.claim(PROVER, id).await;
    submit(&chain, PROVER, id).await.unwrap();
    assert_eq!(
        chain.as_(OTHER_PROVER).sessions().claim(id).await.unwrap(),
        Err(SessionsError::NotAwaitingProof { session_id: id })
    );
    assert!(claimable_ids(&chain, OTHER_PROVER).await.is_empty());
}

#[tokio::test]
async fn a_claim_does_not_survive_a_purge() {
    let (chain, id) = with_input().await;
    chain.claim(PROVER, id).await;
    let mut sessions = chain.as_(USER).sessions();
    sessions.purge().await.unwrap().unwrap();
    let new_id = sessions
        .submit_input(FIXTURE.inputs[1].clone(), None)
        .await
        .unwrap()
        .unwrap();

    // The proof made for the purged input is dropped: its session is gone, and the new
    // session is not claimed.
    assert_eq!(
        submit(&chain, PROVER, id).await,
        Err(VerifierError::NoSession)
    );
    assert_eq!(
        submit(&chain, PROVER, new_id).await,
        Err(VerifierError::NotClaimed)
    );
    assert_eq!(
        chain.as_(PROVER).sessions().claim(id).await.unwrap(),
        Err(SessionsError::NotAwaitingProof { session_id: id })
    );
    assert_eq!(lease_of(&chain, USER).await, None);
    assert_eq!(claimable_ids(&chain, PROVER).await, vec![new_id]);
}

#[tokio::test]
async fn removing_a_prover_releases_its_claims() {
    let (chain, id) = with_input().await;
    chain.claim(PROVER, id).await;
    chain.remove_prover(PROVER).await;
    assert_eq!(lease_of(&chain, USER).await, None);
    assert_eq!(claimable_ids(&chain, OTHER_PROVER).await, vec![id]);
    chain.claim(OTHER_PROVER, id).await;
}

#[tokio::test]
async fn nothing_can_be_claimed_before_the_model_is_finalized() {
    let chain = Chain::deploy(model_init()).await.expect("deploys");
    assert_eq!(
        chain.as_(PROVER).sessions().claim(0).await.unwrap(),
        Err(SessionsError::ModelNotFinalized)
    );
    assert!(claimable_ids(&chain, PROVER).await.is_empty());
}

//! The Verifier service: proof intake and on-chain verification of real Nova proofs.

use crate::common::*;
use parity_scale_codec::Encode as _;
use sails_rs::{futures::StreamExt as _, gtest::constants::VALUE_PER_GAS, prelude::*};
use zkml_client::{
    Zkml as _,
    sessions::{SessionState, Sessions as _},
    verifier::{self, Verifier as _, VerifierError, events::VerifierEvents},
};
use zkml_verifier::{CompressedProof, Fq, Fr, decode_all};

/// The fixture's proof `i`, decoded so that a test can tamper with it.
fn decoded(i: usize) -> CompressedProof {
    decode_all(&FIXTURE.proofs[i]).expect("the fixture decodes")
}

/// A chain with `USER`'s session open on the fixture's input `i` and claimed by `PROVER`; the
/// session's id.
async fn with_session(i: usize) -> (Chain, u64) {
    let chain = Chain::ready().await;
    let id = chain
        .as_(USER)
        .sessions()
        .submit_input(FIXTURE.inputs[i].clone(), None)
        .await
        .unwrap()
        .unwrap();
    chain.claim(PROVER, id).await;
    (chain, id)
}

async fn state_of(chain: &Chain, user: u64) -> Option<SessionState> {
    chain.session(user).await.map(|s| s.state)
}

/// What verifying a session's proof to the end took.
struct Run {
    outcome: verifier::VerificationStatus,
    messages: usize,
    gas: Vec<u128>,
}

/// Verifies the proof of session `session_id` as `caller`: `Verify`, then
/// `ContinueVerification` until an outcome.
async fn verify_to_the_end(chain: &Chain, caller: u64, session_id: u64) -> Run {
    let mut client = chain.as_(caller).verifier();
    let balance = || chain.env().system().balance_of(caller);
    let mut gas = Vec::new();
    let before = balance();
    let mut state = client.verify(session_id).await.unwrap().unwrap();
    gas.push((before - balance()) / VALUE_PER_GAS);
    while matches!(state, verifier::VerificationStatus::Verifying { .. }) {
        assert!(gas.len() < 40, "verification does not end");
        let before = balance();
        state = match client.continue_verification(session_id).await {
            Ok(result) => result.unwrap(),
            Err(e) => std::panic!("message {} failed: {e}; gas so far {gas:?}", gas.len() + 1),
        };
        gas.push((before - balance()) / VALUE_PER_GAS);
    }
    Run {
        outcome: state,
        messages: gas.len(),
        gas,
    }
}

#[tokio::test]
async fn a_prover_submits_a_proof() {
    let (chain, id) = with_session(0).await;
    let mut verifier = chain.as_(PROVER).verifier();
    let mut events = verifier.listen().await.unwrap();
    let proof = FIXTURE.proofs[0].clone();

    verifier
        .submit_proof(id, proof.clone())
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
    assert_eq!(verifier.proof(id).await.unwrap(), Some(proof));
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
    let (chain, id) = with_session(0).await;
    let proof = FIXTURE.proofs[0].clone();
    let mut wrong_step_count = decoded(0);
    wrong_step_count.folding.zn[0] = Fr::from(2u64);
    let mut padded_output = decoded(0);
    padded_output.folding.zn[4] = Fr::from(1u64);

    let cases = [
        (STRANGER, id, proof.clone(), VerifierError::NotProver),
        (PROVER, id + 1, proof.clone(), VerifierError::NoSession),
        (
            PROVER,
            id,
            vec![0xde, 0xad, 0xbe, 0xef],
            VerifierError::MalformedProof("malformed: does not decode".into()),
        ),
        (
            PROVER,
            id,
            proof[..proof.len() - 1].to_vec(),
            VerifierError::MalformedProof("malformed: does not decode".into()),
        ),
        (
            PROVER,
            id,
            [proof.clone(), vec![0]].concat(),
            VerifierError::MalformedProof("malformed: trailing bytes".into()),
        ),
        (
            PROVER,
            id,
            wrong_step_count.encode(),
            VerifierError::MalformedProof("output step counter is not 3".into()),
        ),
        (
            PROVER,
            id,
            padded_output.encode(),
            VerifierError::MalformedProof(
                "output element 4 has bytes outside its logit lanes".into(),
            ),
        ),
        (
            PROVER,
            id,
            vec![0; 64 * 1024 + 1],
            VerifierError::ProofTooLarge {
                max: 65536,
                got: 65537,
            },
        ),
    ];
    for (caller, session_id, bytes, error) in cases {
        let result = chain
            .as_(caller)
            .verifier()
            .submit_proof(session_id, bytes)
            .await
            .unwrap();
        assert_eq!(result, Err(error));
        assert_eq!(
            state_of(&chain, USER).await,
            Some(SessionState::AwaitingProof)
        );
        assert_eq!(
            chain.as_(STRANGER).verifier().proof(id).await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn a_second_proof_is_refused() {
    let (chain, id) = with_session(0).await;
    let mut verifier = chain.as_(PROVER).verifier();
    let first = FIXTURE.proofs[0].clone();
    verifier
        .submit_proof(id, first.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        verifier
            .submit_proof(id, FIXTURE.proofs[1].clone())
            .await
            .unwrap(),
        Err(VerifierError::ProofAlreadySubmitted)
    );
    assert_eq!(verifier.proof(id).await.unwrap(), Some(first));
}

#[tokio::test]
async fn a_removed_prover_cannot_submit() {
    let (chain, id) = with_session(0).await;
    chain.remove_prover(PROVER).await;
    assert_eq!(
        chain
            .as_(PROVER)
            .verifier()
            .submit_proof(id, FIXTURE.proofs[0].clone())
            .await
            .unwrap(),
        Err(VerifierError::NotProver)
    );
}

#[tokio::test]
async fn verify_needs_a_proof() {
    let (chain, id) = with_session(0).await;
    let mut verifier = chain.as_(USER).verifier();
    assert_eq!(
        verifier.verify(id).await.unwrap(),
        Err(VerifierError::NoProof)
    );
    assert_eq!(
        verifier.verify(id + 1).await.unwrap(),
        Err(VerifierError::NoSession)
    );
    assert_eq!(
        verifier.continue_verification(id).await.unwrap(),
        Err(VerifierError::NotVerifying)
    );
    assert_eq!(
        verifier.continue_verification(id + 1).await.unwrap(),
        Err(VerifierError::NoSession)
    );
    assert_eq!(
        state_of(&chain, USER).await,
        Some(SessionState::AwaitingProof)
    );
}

/// Proofs and verification are keyed by session id: a stale id (its user purged the session
/// and opened another) or an unknown one is refused and changes nothing.
#[tokio::test]
async fn stale_or_unknown_session_ids_are_refused_and_change_nothing() {
    let (chain, stale) = with_session(0).await;
    let mut sessions = chain.as_(USER).sessions();
    sessions.purge().await.unwrap().unwrap();
    let current = sessions
        .submit_input(FIXTURE.inputs[0].clone(), None)
        .await
        .unwrap()
        .unwrap();
    chain.claim(PROVER, current).await;
    let proof = FIXTURE.proofs[0].clone();
    let mut prover = chain.as_(PROVER).verifier();
    let before = chain.session(USER).await;
    for id in [stale, current + 1] {
        assert_eq!(
            prover.submit_proof(id, proof.clone()).await.unwrap(),
            Err(VerifierError::NoSession)
        );
        assert_eq!(chain.session(USER).await, before);
    }

    prover
        .submit_proof(current, proof.clone())
        .await
        .unwrap()
        .unwrap();
    let before = chain.session(USER).await;
    let mut anyone = chain.as_(STRANGER).verifier();
    for id in [stale, current + 1] {
        assert_eq!(
            anyone.verify(id).await.unwrap(),
            Err(VerifierError::NoSession)
        );
        assert_eq!(
            anyone.continue_verification(id).await.unwrap(),
            Err(VerifierError::NoSession)
        );
        assert_eq!(anyone.proof(id).await.unwrap(), None);
        assert_eq!(chain.session(USER).await, before);
    }
    assert_eq!(anyone.proof(current).await.unwrap(), Some(proof));
}

#[tokio::test]
async fn verify_with_too_little_gas_changes_nothing() {
    let (chain, id) = with_session(0).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();
    let result = chain
        .as_(USER)
        .verifier()
        .verify(id)
        .with_gas_limit(50_000_000_000)
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

/// The whole flow with a real proof: the program verifies it over several messages and reports
/// the model's answer, which matches the model run natively. Prints the gas of each message.
#[tokio::test]
async fn a_real_proof_verifies_on_chain() {
    let (chain, id) = with_session(0).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();
    let mut events = chain.as_(USER).verifier().listen().await.unwrap();

    let run = verify_to_the_end(&chain, USER, id).await;
    let pixels: [u8; 784] = FIXTURE.inputs[0].clone().try_into().unwrap();
    let expected = FIXTURE.model.predict(&pixels).unwrap();
    let logits: Vec<i64> = expected.logits.iter().map(|l| i64::from(*l)).collect();
    assert_eq!(
        run.outcome,
        verifier::VerificationStatus::Verified {
            digit: expected.digit,
            logits: logits.clone()
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
        session.state,
        SessionState::Verified {
            digit: expected.digit,
            logits: logits.clone()
        }
    );
    let mut progress = 0;
    loop {
        match events.next().await.unwrap().1 {
            VerifierEvents::VerificationProgress { .. } => progress += 1,
            VerifierEvents::Verified {
                user,
                session_id,
                digit,
                logits: event_logits,
            } => {
                assert_eq!(
                    (user, session_id, digit, event_logits),
                    (USER.into(), session.id, expected.digit, logits)
                );
                break;
            }
            other => std::panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(progress, run.messages - 1);
    println!(
        "on-chain verification: {} messages, gas per message {:?}, total {:.3e}",
        run.messages,
        run.gas,
        run.gas.iter().sum::<u128>() as f64
    );
}

/// The claimed output is never trusted: a proof whose `zn` was changed is rejected.
#[tokio::test]
async fn a_proof_with_a_changed_output_is_rejected() {
    let (chain, id) = with_session(0).await;
    let mut forged = decoded(0);
    forged.folding.zn[1] += Fr::from(1u64);
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, forged.encode())
        .await
        .unwrap()
        .unwrap();
    let run = verify_to_the_end(&chain, STRANGER, id).await;
    assert!(
        matches!(&run.outcome, verifier::VerificationStatus::Rejected { reason } if reason.contains("check failed")),
        "{:?}",
        run.outcome
    );
}

/// A valid proof for one input does not verify for another input (z0 is rebuilt on-chain).
#[tokio::test]
async fn a_proof_for_another_input_is_rejected() {
    let (chain, id) = with_session(1).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();
    let run = verify_to_the_end(&chain, USER, id).await;
    assert!(
        matches!(run.outcome, verifier::VerificationStatus::Rejected { .. }),
        "{:?}",
        run.outcome
    );
    assert_eq!(run.messages, 1, "the statement check fails first");
    assert_eq!(
        chain
            .as_(USER)
            .verifier()
            .continue_verification(id)
            .await
            .unwrap(),
        Err(VerifierError::SessionFinished)
    );
}

#[tokio::test]
async fn a_verification_under_way_cannot_restart() {
    let (chain, id) = with_session(0).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();
    let mut verifier = chain.as_(USER).verifier();
    let state = verifier.verify(id).await.unwrap().unwrap();
    assert!(
        matches!(state, verifier::VerificationStatus::Verifying { .. }),
        "{state:?}"
    );
    let before = state_of(&chain, USER).await;
    assert_eq!(
        verifier.verify(id).await.unwrap(),
        Err(VerifierError::AlreadyVerifying)
    );
    assert_eq!(state_of(&chain, USER).await, before);
}

/// A proof tampered deep inside the secondary SNARK's opening is rejected at the last check.
#[tokio::test]
async fn a_proof_tampered_in_its_last_check_is_rejected() {
    let (chain, id) = with_session(0).await;
    let mut tampered = decoded(0);
    tampered.secondary.ipa.a_hat += Fq::from(1u64);
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, tampered.encode())
        .await
        .unwrap()
        .unwrap();
    let run = verify_to_the_end(&chain, USER, id).await;
    assert!(
        matches!(run.outcome, verifier::VerificationStatus::Rejected { .. }),
        "{:?}",
        run.outcome
    );
    assert!(run.messages > 1);

    // The session is over: no more proofs or verification; a new input replaces it.
    let mut verifier = chain.as_(USER).verifier();
    assert_eq!(
        verifier.verify(id).await.unwrap(),
        Err(VerifierError::SessionFinished)
    );
    assert_eq!(
        chain
            .as_(PROVER)
            .verifier()
            .submit_proof(id, FIXTURE.proofs[0].clone())
            .await
            .unwrap(),
        Err(VerifierError::SessionFinished)
    );
    assert_eq!(verifier.proof(id).await.unwrap(), None);
    let mut sessions = chain.as_(USER).sessions();
    let counts = sessions.counts().await.unwrap();
    assert_eq!((counts.open, counts.finished), (0, 1));
    sessions
        .submit_input(FIXTURE.inputs[0].clone(), None)
        .await
        .unwrap()
        .unwrap();
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
        // The input is not the proven one, so each verification ends in its first message.
        let id = chain
            .as_(*user)
            .sessions()
            .submit_input(FIXTURE.inputs[1].clone(), None)
            .await
            .unwrap()
            .unwrap();
        chain.claim(PROVER, id).await;
        let mut prover = chain.as_(PROVER).verifier();
        prover
            .submit_proof(id, FIXTURE.proofs[0].clone())
            .await
            .unwrap()
            .unwrap();
        prover.verify(id).await.unwrap().unwrap();
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

//! Attacks and misuse from outside, as a third party would try them: messages that are not
//! calls, value sent to calls that take none, inputs held to block others, a bad upload chunk,
//! and a verification short of gas. Each is refused or recovered with state and balances
//! unchanged.

use crate::common::*;
use parity_scale_codec::Decode as _;
use sails_rs::{futures::StreamExt as _, prelude::*};
use zkml_app::state::sessions::{INPUT_EXPIRY_BLOCKS, MAX_OPEN_SESSIONS, VERIFY_DEADLINE_BLOCKS};
use zkml_client::{
    Zkml as _,
    fees::Fees as _,
    model::{Model as _, ModelError},
    sessions::{NotifyTarget, SessionState, Sessions as _, SessionsError, events::SessionsEvents},
    verifier::{VerificationStatus, Verifier as _, VerifierError},
};

/// Value attached to misdirected messages: far more than any message's gas costs.
const VALUE: u128 = 10_000_000_000_000_000;

/// Balances of a sender and the program, to check that a refused message kept no value.
struct Balances {
    sender: u64,
    sender_before: u128,
    program_before: u128,
}

impl Balances {
    fn of(chain: &Chain, sender: u64) -> Self {
        Self {
            sender,
            sender_before: chain.balance(sender),
            program_before: chain.balance(chain.program_id()),
        }
    }

    /// The program holds what it held, and the sender paid gas only: the value came back.
    fn assert_value_returned(&self, chain: &Chain, what: &str) {
        assert_eq!(
            chain.balance(chain.program_id()),
            self.program_before,
            "{what}: the program kept value"
        );
        let spent = self.sender_before - chain.balance(self.sender);
        assert!(spent < VALUE, "{what}: the sender lost {spent}");
    }
}

/// The Sessions error a failed raw call carries (after its 16-byte Sails header).
fn sessions_error(reply: &[u8]) -> SessionsError {
    SessionsError::decode(&mut &reply[16..]).expect("the reply carries a SessionsError")
}

/// The Sessions error a failed raw call carries, if its reply is one.
fn sessions_error_or_none(reply: &[u8]) -> Option<SessionsError> {
    SessionsError::decode(&mut reply.get(16..)?).ok()
}

#[tokio::test]
async fn malformed_calls_fail_and_return_their_value() {
    let chain = Chain::ready().await;
    let call = chain
        .as_(USER)
        .sessions()
        .submit_input(image(1), None)
        .encode_call();
    let mut trailing = call.clone();
    trailing.extend_from_slice(&[1, 2, 3]);
    let mut unknown_interface = call.clone();
    unknown_interface[4] ^= 0xff;
    let mut unknown_entry = call.clone();
    unknown_entry[12] = 0xff;
    unknown_entry[13] = 0xff;
    let mut unknown_route = call.clone();
    unknown_route[14] = 0x77;
    let cases_trailing = trailing.clone();
    let cases = [
        ("trailing bytes", trailing),
        ("unknown interface", unknown_interface),
        ("unknown entry", unknown_entry),
        ("unknown route", unknown_route),
    ];
    for (what, payload) in cases {
        let balances = Balances::of(&chain, USER);
        let (ok, reply) = chain.send_raw(USER, payload, VALUE);
        assert!(!ok, "{what}: the message succeeded");
        balances.assert_value_returned(&chain, what);
        assert_eq!(
            sessions_error_or_none(&reply),
            // SubmitInput takes value (its fee), so its trailing bytes are what it refuses.
            (what == "trailing bytes").then_some(SessionsError::TrailingBytes { extra: 3 }),
            "{what}"
        );
        assert_eq!(chain.session(USER).await, None, "{what}: a session opened");
    }
    // Without value, trailing bytes are refused for themselves.
    let (ok, reply) = chain.send_raw(USER, cases_trailing, 0);
    assert!(!ok);
    assert_eq!(
        sessions_error(&reply),
        SessionsError::TrailingBytes { extra: 3 }
    );
    // The exact call goes through.
    let (ok, _) = chain.send_raw(USER, call, 0);
    assert!(ok);
    assert!(chain.session(USER).await.is_some());
}

/// Sails 2.0's generated entry point returns without a word when a payload has no valid Sails
/// header, so Gear would reply success and keep the value: the program's `handle` export is our
/// checked entry point (`wasm/src/entry.rs`), which fails such a message before Sails runs.
#[tokio::test]
async fn headerless_payloads_fail_and_return_their_value() {
    let chain = Chain::ready().await;
    let call = chain
        .as_(USER)
        .sessions()
        .submit_input(image(1), None)
        .encode_call();
    let mut wrong_magic = call.clone();
    wrong_magic[0] = b'X';
    let mut wrong_version = call.clone();
    wrong_version[2] = 9;
    let mut short_header = call.clone();
    short_header[3] = 3;
    for (what, payload) in [
        ("empty", Vec::new()),
        ("noise", vec![0x5a; 1000]),
        ("wrong magic", wrong_magic),
        ("wrong version", wrong_version),
        ("header length below the minimum", short_header),
        ("a header cut short", call[..10].to_vec()),
    ] {
        for value in [0, VALUE] {
            let balances = Balances::of(&chain, USER);
            let (ok, _) = chain.send_raw(USER, payload.clone(), value);
            assert!(!ok, "{what} with value {value}: the message succeeded");
            balances.assert_value_returned(&chain, what);
            assert_eq!(chain.session(USER).await, None, "{what}: a session opened");
        }
    }
    // The same call with its header intact goes through.
    let (ok, _) = chain.send_raw(USER, call, 0);
    assert!(ok);
    assert!(chain.session(USER).await.is_some());
}

#[tokio::test]
async fn every_call_refuses_value_and_returns_it() {
    let chain = Chain::ready().await;
    let id = chain
        .as_(USER)
        .sessions()
        .submit_input(FIXTURE.inputs[0].clone(), None)
        .await
        .unwrap()
        .unwrap();
    chain.claim(PROVER, id).await;
    let refused = SessionsError::ValueNotAccepted { value: VALUE };
    let before = chain.session(USER).await;

    // SubmitInput takes value as its fee: a fee below the minimum is refused and returned.
    chain
        .as_(ADMIN)
        .fees()
        .set_minimum_fee(2 * VALUE)
        .await
        .unwrap()
        .unwrap();
    let balances = Balances::of(&chain, OTHER_USER);
    let mut sessions = chain.as_(OTHER_USER).sessions();
    let submit = sessions
        .submit_input(image(1), None)
        .with_value(VALUE)
        .await;
    assert_eq!(
        submit.unwrap(),
        Err(SessionsError::FeeBelowMinimum {
            minimum: 2 * VALUE,
            got: VALUE
        })
    );
    balances.assert_value_returned(&chain, "SubmitInput");
    assert_eq!(chain.session(OTHER_USER).await, None);

    let balances = Balances::of(&chain, USER);
    let mut sessions = chain.as_(USER).sessions();
    assert_eq!(
        sessions.purge().with_value(VALUE).await.unwrap(),
        Err(refused.clone())
    );
    assert_eq!(
        sessions.close_expired(id).with_value(VALUE).await.unwrap(),
        Err(refused.clone())
    );
    balances.assert_value_returned(&chain, "Purge, CloseExpired");

    let balances = Balances::of(&chain, PROVER);
    let mut prover = chain.as_(PROVER).sessions();
    assert_eq!(
        prover.claim(id).with_value(VALUE).await.unwrap(),
        Err(refused)
    );
    let mut verifier = chain.as_(PROVER).verifier();
    let value_refused = VerifierError::ValueNotAccepted { value: VALUE };
    assert_eq!(
        verifier
            .submit_proof(id, FIXTURE.proofs[0].clone())
            .with_value(VALUE)
            .await
            .unwrap(),
        Err(value_refused.clone())
    );
    assert_eq!(before, chain.session(USER).await, "the refusals changed it");
    verifier
        .submit_proof(id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        verifier.verify(id).with_value(VALUE).await.unwrap(),
        Err(value_refused.clone())
    );
    assert_eq!(
        verifier
            .continue_verification(id)
            .with_value(VALUE)
            .await
            .unwrap(),
        Err(value_refused)
    );
    balances.assert_value_returned(&chain, "Claim, SubmitProof, Verify, Continue");
    assert_eq!(
        chain.session(USER).await.map(|s| s.state),
        Some(SessionState::ProofSubmitted)
    );

    let balances = Balances::of(&chain, ADMIN);
    let mut admin = chain.as_(ADMIN).model();
    let model_refused = ModelError::ValueNotAccepted { value: VALUE };
    for result in [
        admin.add_prover(STRANGER.into()).with_value(VALUE).await,
        admin.remove_prover(PROVER.into()).with_value(VALUE).await,
        admin.finalize().with_value(VALUE).await,
    ] {
        assert_eq!(result.unwrap(), Err(model_refused.clone()));
    }
    assert_eq!(
        admin.restart_upload().with_value(VALUE).await.unwrap(),
        Err(model_refused.clone())
    );
    assert_eq!(
        admin
            .upload_verifier_data(0, vec![1])
            .with_value(VALUE)
            .await
            .unwrap(),
        Err(model_refused)
    );
    balances.assert_value_returned(&chain, "admin calls");
    assert_eq!(
        admin.provers().query().unwrap(),
        vec![ActorId::from(PROVER), ActorId::from(OTHER_PROVER)]
    );

    // Queries sent as messages with value fail too.
    let balances = Balances::of(&chain, STRANGER);
    let stranger = chain.as_(STRANGER).sessions();
    assert!(stranger.counts().with_value(VALUE).await.is_err());
    assert!(
        stranger
            .session(USER.into())
            .with_value(VALUE)
            .await
            .is_err()
    );
    assert!(
        chain
            .as_(STRANGER)
            .model()
            .info()
            .with_value(VALUE)
            .await
            .is_err()
    );
    assert!(
        chain
            .as_(STRANGER)
            .verifier()
            .proof(id)
            .with_value(VALUE)
            .await
            .is_err()
    );
    balances.assert_value_returned(&chain, "queries");
}

/// Fills every open-session slot from its own account, in bulk: `count` raw `SubmitInput`
/// messages, sent in batches of 500 and processed over as many blocks as they take. Returns
/// the first account.
fn fill_open_sessions(chain: &Chain, count: u32) -> u64 {
    const FIRST: u64 = 1_000_000;
    let system = chain.env().system();
    let program = system.get_program(chain.program_id()).expect("deployed");
    let payload = chain
        .as_(USER)
        .sessions()
        .submit_input(image(1), None)
        .encode_call();
    let accounts: Vec<u64> = (FIRST..FIRST + u64::from(count)).collect();
    for batch in accounts.chunks(500) {
        let mut sent = std::collections::BTreeSet::new();
        for &account in batch {
            system.mint_to(account, 1_000_000_000_000_000);
            sent.insert(program.send_bytes(account, payload.clone()));
        }
        // Only these inputs count: the chain's replies to the program's events carry no gas
        // and, with the key's table in the program's memory, fail before they run.
        let mut processed = 0;
        while processed < batch.len() {
            let block = system.run_next_block();
            let refused = block.failed.intersection(&sent).count();
            assert_eq!(refused, 0, "an input was refused ({refused} failed)");
            processed += block.succeed.intersection(&sent).count();
        }
    }
    FIRST
}

#[tokio::test]
async fn inputs_held_to_block_others_expire_and_anyone_closes_them() {
    let chain = Chain::ready().await;
    let squatter = fill_open_sessions(&chain, MAX_OPEN_SESSIONS);
    let mut late = chain.as_(USER).sessions();
    assert_eq!(late.counts().query().unwrap().open, MAX_OPEN_SESSIONS);
    assert_eq!(
        late.submit_input(image(2), None).await.unwrap(),
        Err(SessionsError::TooManyOpenSessions {
            max: MAX_OPEN_SESSIONS
        })
    );
    let first = chain.session(squatter).await.expect("a squatted session");
    let claimed = chain.session(squatter + 1).await.expect("another one");

    // Not yet expired: refused, nothing changes.
    let mut stranger = chain.as_(STRANGER).sessions();
    assert_eq!(
        stranger.close_expired(first.id).await.unwrap(),
        Err(SessionsError::NotExpired {
            expires_at: first.submitted_at + INPUT_EXPIRY_BLOCKS
        })
    );
    chain.run_blocks(INPUT_EXPIRY_BLOCKS);
    // A live claim holds it open: refused, nothing changes.
    chain.claim(PROVER, claimed.id).await;
    let before = chain.session(squatter + 1).await;
    assert!(matches!(
        stranger.close_expired(claimed.id).await.unwrap(),
        Err(SessionsError::AlreadyClaimed { .. })
    ));
    assert_eq!(chain.session(squatter + 1).await, before);
    assert_eq!(late.counts().query().unwrap().open, MAX_OPEN_SESSIONS);

    // Expired and unclaimed: anyone closes it, and the slot is free.
    let mut events = chain.as_(STRANGER).sessions().listen().await.unwrap();
    assert_eq!(
        stranger.close_expired(first.id).await.unwrap(),
        Ok(ActorId::from(squatter))
    );
    assert_eq!(
        events.next().await.unwrap().1,
        SessionsEvents::Expired {
            user: squatter.into(),
            session_id: first.id,
            closed_by: STRANGER.into(),
        }
    );
    assert_eq!(chain.session(squatter).await, None);
    late.submit_input(image(2), None).await.unwrap().unwrap();
    assert_eq!(late.counts().query().unwrap().open, MAX_OPEN_SESSIONS);
    // Closed once: a second close finds nothing to close.
    assert_eq!(
        stranger.close_expired(first.id).await.unwrap(),
        Err(SessionsError::NotAwaitingProof {
            session_id: first.id
        })
    );
}

/// A proved input is not closed before its proof's verification deadline (past it, the
/// prover forfeits: `tests/gtest/fees.rs` closes one), and the refusal changes nothing.
#[tokio::test]
async fn a_proved_input_is_not_closed_before_its_verification_deadline() {
    let chain = Chain::ready().await;
    let id = chain.proved_session(USER, 0).await;
    chain.run_blocks(VERIFY_DEADLINE_BLOCKS - 10);
    let before = chain.session(USER).await;
    let refused = chain
        .as_(STRANGER)
        .sessions()
        .close_expired(id)
        .await
        .unwrap();
    assert!(
        matches!(refused, Err(SessionsError::NotExpired { .. })),
        "{refused:?}"
    );
    assert_eq!(chain.session(USER).await, before);
}

#[tokio::test]
async fn a_bad_chunk_is_recovered_by_restarting_the_upload() {
    let chain = Chain::deploy(model_init()).await.unwrap();
    let data = &FIXTURE.keys.constant_key;
    let mut corrupt = data.clone();
    corrupt[UPLOAD_CHUNK + 5] ^= 0x01;
    chain.upload(&corrupt).await;
    let mut admin = chain.as_(ADMIN).model();
    assert_eq!(
        admin.finalize().await.unwrap(),
        Err(ModelError::VerifierDataDigestMismatch)
    );
    // What bricked a deployment: the data cannot be rewritten in place.
    assert_eq!(
        admin
            .upload_verifier_data(0, data[..10].to_vec())
            .await
            .unwrap(),
        Err(ModelError::UploadOutOfOrder {
            expected: data.len() as u32,
            got: 0
        })
    );
    // Only the admin restarts.
    assert_eq!(
        chain.as_(STRANGER).model().restart_upload().await.unwrap(),
        Err(ModelError::NotAdmin)
    );
    assert_eq!(
        admin.upload_status().query().unwrap().uploaded,
        data.len() as u32
    );

    assert_eq!(admin.restart_upload().await.unwrap(), Ok(data.len() as u32));
    assert_eq!(admin.upload_status().query().unwrap().uploaded, 0);
    chain.upload(data).await;
    admin.finalize().await.unwrap().unwrap();
    assert_eq!(
        admin.restart_upload().await.unwrap(),
        Err(ModelError::ModelAlreadyFinalized)
    );

    // The recovered deployment verifies a real proof.
    chain.kit().add_prover(PROVER).await.unwrap();
    chain.proved_session(USER, 0).await;
    let run = chain.kit().verify(USER).await.unwrap();
    assert!(
        matches!(run.outcome, VerificationStatus::Verified { .. }),
        "{:?}",
        run.outcome
    );
}

#[tokio::test]
async fn not_enough_gas_reports_the_gas_to_attach() {
    let chain = Chain::ready().await;
    let id = chain.proved_session(USER, 0).await;
    let mut verifier = chain.as_(USER).verifier();
    let short = 20_000_000_000;
    // A session that names a program to notify keeps the notification's gas back in every
    // round: the gas it reports covers that too.
    let noticed = chain
        .as_(OTHER_USER)
        .sessions()
        .submit_input(
            FIXTURE.inputs[1].clone(),
            Some(NotifyTarget {
                program: ActorId::from(STRANGER),
                reference: [7; 32],
            }),
        )
        .await
        .unwrap()
        .unwrap();
    chain.claim(PROVER, noticed).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(noticed, FIXTURE.proofs[1].clone())
        .await
        .unwrap()
        .unwrap();
    let Err(VerifierError::NotEnoughGas { needed }) = verifier
        .verify(noticed)
        .with_gas_limit(short)
        .await
        .unwrap()
    else {
        std::panic!("{short} gas must be too little");
    };
    let status = verifier
        .verify(noticed)
        .with_gas_limit(needed)
        .await
        .unwrap()
        .expect("the reported gas is enough, the notification's reserve included");
    assert!(
        matches!(status, VerificationStatus::Verifying { done, .. } if done > 0),
        "{status:?}"
    );
    let spent = chain.kit().gas_spent(USER);
    let Err(VerifierError::NotEnoughGas { needed }) =
        verifier.verify(id).with_gas_limit(short).await.unwrap()
    else {
        std::panic!("{short} gas must be too little");
    };
    println!(
        "NotEnoughGas: attach {needed}; the refused message burned {}",
        chain.kit().gas_spent(USER) - spent
    );
    assert_eq!(
        chain.session(USER).await.map(|s| s.state),
        Some(SessionState::ProofSubmitted)
    );
    let status = verifier
        .verify(id)
        .with_gas_limit(needed)
        .await
        .unwrap()
        .expect("the reported gas is enough");
    assert!(
        matches!(status, VerificationStatus::Verifying { done, .. } if done > 0),
        "{status:?}"
    );
}

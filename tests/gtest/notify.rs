//! Notifications and a program built on ours: the example vault (`examples/vault`) deployed
//! beside the zkml program, paid through notifications and claims.

use crate::common::*;
use sails_rs::{
    client::{Actor, GearEnv as _, GtestEnv},
    gtest::System,
    prelude::*,
};
use std::collections::BTreeMap;
use zkml_client::{
    Zkml as _,
    receiver::{NOTIFY_GAS_LIMIT, RENOTIFY_OVERHEAD_GAS},
    sessions::{NotifyTarget, Outcome, SessionOutcome, Sessions as _, SessionsError},
    verifier::{VerificationStatus, Verifier as _},
};
use zkml_vault_wasm::client::{
    Vault as _, VaultCtors as _, VaultError as CtorError, VaultProgram,
    vault::{self, Payment, Vault as _, VaultConfig, VaultError},
    zkml_receiver::{self, NotificationRefused, ZkmlReceiver as _},
};

/// The reward the vault pays.
const REWARD: u128 = 5_000_000_000_000;
/// The value transferred to the vault (beside its existential deposit).
const VAULT_FUNDS: u128 = 100 * REWARD;
/// The reference `USER` names with the vault.
const REFERENCE: [u8; 32] = [7; 32];

type Vault = Actor<VaultProgram, GtestEnv>;

/// Deploys a vault trusting `zkml`, rewarding `digit`, funded with [`VAULT_FUNDS`].
async fn deploy_vault(chain: &Chain, zkml: ActorId, digit: u8, salt: &[u8]) -> Vault {
    let system = chain.env().system();
    let code_id = system.submit_code(zkml_vault_wasm::WASM_BINARY);
    let vault = chain
        .env()
        .deploy::<VaultProgram>(code_id, salt.to_vec())
        .new(zkml, digit, REWARD)
        .await
        .expect("deploys")
        .expect("the vault accepts its settings");
    system.transfer(ADMIN, vault.id(), VAULT_FUNDS, true);
    vault
}

/// `who`'s client of `vault`.
fn vault_as(chain: &Chain, vault: &Vault, who: u64) -> Vault {
    Actor::new(chain.env().clone().with_actor_id(who.into()), vault.id())
}

/// The digit the model gives the fixture's input `i`.
fn digit_of(i: usize) -> u8 {
    let pixels: [u8; 784] = FIXTURE.inputs[i].clone().try_into().unwrap();
    FIXTURE.model.predict(&pixels).unwrap().digit
}

/// `user` submits the fixture's input `input` naming `program`, and `PROVER` submits the
/// fixture's proof `proof` for it; the session id.
async fn submit(chain: &Chain, user: u64, input: usize, proof: usize, program: ActorId) -> u64 {
    let target = NotifyTarget {
        program,
        reference: REFERENCE,
    };
    let id = chain
        .as_(user)
        .sessions()
        .submit_input(FIXTURE.inputs[input].clone(), Some(target))
        .await
        .unwrap()
        .unwrap();
    chain.claim(PROVER, id).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[proof].clone())
        .await
        .unwrap()
        .unwrap();
    id
}

/// Sends `payload` from account `from` to `to` with `gas`, runs a block, and
/// returns whether the message succeeded and the gas each message of the block burned.
fn send_raw(
    system: &System,
    from: ActorId,
    to: ActorId,
    payload: Vec<u8>,
    gas: u64,
) -> (bool, MessageId, BTreeMap<MessageId, u64>) {
    let program = system.get_program(to).expect("deployed");
    let message = program.send_bytes_with_gas(from, payload, gas, 0);
    let block = system.run_next_block();
    (
        block.succeed.contains(&message),
        message,
        block.gas_burned.clone(),
    )
}

/// The whole flow with a real proof: `USER` names the vault, the verification's last message
/// notifies it, and the vault pays its reward once; a claim, a re-sent notification and forged
/// notifications pay nothing more.
#[tokio::test]
async fn a_verified_notification_pays_the_reward_exactly_once() {
    let chain = Chain::ready().await;
    let digit = digit_of(0);
    let vault = deploy_vault(&chain, chain.program_id(), digit, b"vault").await;
    let start = chain.balance(vault.id());
    let id = submit(&chain, USER, 0, 0, vault.id()).await;
    let session = chain.session(USER).await.unwrap();
    assert_eq!(
        session.notify,
        Some(NotifyTarget {
            program: vault.id(),
            reference: REFERENCE
        })
    );

    let run = chain.kit().verify(USER).await.expect("verifies");
    let VerificationStatus::Verified { logits, .. } = run.outcome else {
        std::panic!("{:?}", run.outcome);
    };
    println!(
        "verification with a notification: {} messages, last {:.3e} gas",
        run.gas.len(),
        *run.gas.last().unwrap() as f64
    );

    // The notification arrived with the outcome, and the vault paid once.
    let reader = vault_as(&chain, &vault, STRANGER).vault();
    let notified = reader.notified(USER.into()).query().unwrap().unwrap();
    assert_eq!(
        (notified.session_id, notified.user, notified.reference),
        (id, USER.into(), REFERENCE)
    );
    assert_eq!(
        notified.outcome,
        vault::Outcome::Verified {
            digit,
            logits: logits.clone()
        }
    );
    let payment = Payment {
        session_id: id,
        reward: REWARD,
    };
    assert_eq!(
        reader.payment(USER.into()).query().unwrap(),
        Some(payment.clone())
    );
    assert_eq!(chain.balance(vault.id()), start - REWARD);
    assert_eq!(
        chain.as_(STRANGER).sessions().outcome(id).query().unwrap(),
        Some(SessionOutcome {
            session_id: id,
            user: USER.into(),
            reference: REFERENCE,
            outcome: Outcome::Verified { digit, logits },
        })
    );

    // A second claim is refused: once per user.
    let mut user_vault = vault_as(&chain, &vault, USER).vault();
    assert_eq!(
        user_vault.claim(id).await.unwrap(),
        Err(VaultError::AlreadyPaid { session_id: id })
    );
    assert_eq!(chain.balance(vault.id()), start - REWARD);

    // Anyone may send the notification again; the vault does not pay twice. Printed: the gas
    // of `Renotify` and of the vault's handling of the notification.
    let system = chain.env().system();
    let renotify = chain.as_(STRANGER).sessions().renotify(id).encode_call();
    let (ok, message, burned) = send_raw(
        system,
        STRANGER.into(),
        chain.program_id(),
        renotify.clone(),
        NOTIFY_GAS_LIMIT + RENOTIFY_OVERHEAD_GAS,
    );
    assert!(ok, "Renotify with the documented gas succeeds");
    let handling: Vec<u64> = burned
        .iter()
        .filter(|(m, _)| **m != message)
        .map(|(_, g)| *g)
        .collect();
    println!(
        "Renotify: {:.3e} gas beside the notification; the vault's handling: {handling:?}",
        burned[&message] as f64
    );
    assert!(handling.iter().all(|g| *g < NOTIFY_GAS_LIMIT));
    assert_eq!(chain.balance(vault.id()), start - REWARD);
    assert_eq!(reader.payment(USER.into()).query().unwrap(), Some(payment));
    let (ok, _, _) = send_raw(
        system,
        STRANGER.into(),
        chain.program_id(),
        renotify,
        NOTIFY_GAS_LIMIT / 2,
    );
    assert!(!ok, "Renotify without the notification's gas fails");
    assert_eq!(
        chain
            .as_(STRANGER)
            .sessions()
            .renotify(id)
            .with_gas_limit(NOTIFY_GAS_LIMIT / 2 + 2_000_000_000)
            .await
            .unwrap(),
        Err(SessionsError::NotEnoughGas {
            needed: NOTIFY_GAS_LIMIT + RENOTIFY_OVERHEAD_GAS
        })
    );

    // A forged notification from a user account is refused and changes nothing: OTHER_USER is
    // not paid. (gtest sends only from accounts; a notification from another program is the
    // failing vault's case in the next test.)
    let forged = zkml_receiver::SessionOutcome {
        session_id: id,
        user: OTHER_USER.into(),
        reference: REFERENCE,
        outcome: zkml_receiver::Outcome::Verified {
            digit,
            logits: vec![0; 10],
        },
    };
    assert_eq!(
        vault_as(&chain, &vault, OTHER_USER)
            .zkml_receiver()
            .on_zkml_outcome(forged.clone())
            .await
            .unwrap(),
        Err(NotificationRefused::UnknownSender {
            sender: OTHER_USER.into()
        })
    );
    assert_eq!(reader.payment(OTHER_USER.into()).query().unwrap(), None);
    assert_eq!(reader.notified(OTHER_USER.into()).query().unwrap(), None);
    assert_eq!(chain.balance(vault.id()), start - REWARD);
}

/// A rejected proof notifies the rejection and the vault pays nothing. A consumer that fails on
/// the notification, a vault that trusts another zkml program and so refuses ours (a
/// notification from another program than its own), keeps its state and leaves the outcome
/// intact.
#[tokio::test]
async fn a_rejection_is_notified_and_a_failing_consumer_changes_no_outcome() {
    let chain = Chain::ready().await;
    let vault = deploy_vault(&chain, chain.program_id(), digit_of(0), b"vault").await;
    let failing = deploy_vault(&chain, STRANGER.into(), digit_of(0), b"failing").await;
    let (start, failing_start) = (chain.balance(vault.id()), chain.balance(failing.id()));
    // A proof of another input: rejected in the first message.
    let id = submit(&chain, USER, 1, 0, vault.id()).await;
    let other = submit(&chain, OTHER_USER, 1, 0, failing.id()).await;
    for user in [USER, OTHER_USER] {
        let run = chain.kit().verify(user).await.expect("runs");
        assert!(matches!(run.outcome, VerificationStatus::Rejected { .. }));
    }

    let reader = vault_as(&chain, &vault, STRANGER).vault();
    let notified = reader.notified(USER.into()).query().unwrap().unwrap();
    assert_eq!((notified.session_id, notified.user), (id, USER.into()));
    assert!(matches!(notified.outcome, vault::Outcome::Rejected { .. }));
    assert_eq!(reader.payment(USER.into()).query().unwrap(), None);
    assert_eq!(chain.balance(vault.id()), start);
    assert_eq!(
        vault_as(&chain, &vault, USER)
            .vault()
            .claim(id)
            .await
            .unwrap(),
        Err(VaultError::ProofRejected)
    );

    // The failing consumer refused the notification; the zkml outcome stands.
    let failing_reader = vault_as(&chain, &failing, STRANGER).vault();
    assert_eq!(
        failing_reader.notified(OTHER_USER.into()).query().unwrap(),
        None
    );
    assert_eq!(chain.balance(failing.id()), failing_start);
    let outcome = chain
        .as_(STRANGER)
        .sessions()
        .outcome(other)
        .query()
        .unwrap();
    assert!(matches!(
        outcome,
        Some(SessionOutcome {
            outcome: Outcome::Rejected { .. },
            ..
        })
    ));
    assert!(matches!(
        chain.session(OTHER_USER).await.unwrap().state,
        zkml_client::sessions::SessionState::Rejected { .. }
    ));
}

/// Bad inputs to the vault and to the notification calls get typed errors and change nothing.
#[tokio::test]
async fn bad_inputs_get_typed_errors() {
    let chain = Chain::ready().await;
    let system = chain.env().system();
    let code_id = system.submit_code(zkml_vault_wasm::WASM_BINARY);
    for (digit, reward, error) in [
        (10, REWARD, CtorError::InvalidDigit { digit: 10 }),
        (3, 0, CtorError::ZeroReward),
    ] {
        let refused = chain
            .env()
            .deploy::<VaultProgram>(code_id, vec![digit, reward as u8])
            .new(chain.program_id(), digit, reward)
            .await
            .expect("the deployment message runs");
        assert_eq!(refused.err(), Some(error));
    }

    let vault = deploy_vault(&chain, chain.program_id(), digit_of(0), b"vault").await;
    let start = chain.balance(vault.id());
    let mut user_vault = vault_as(&chain, &vault, USER).vault();
    assert_eq!(
        user_vault.config().query().unwrap(),
        VaultConfig {
            zkml: chain.program_id(),
            digit: digit_of(0),
            reward: REWARD
        }
    );
    // A session naming no program, rejected at once.
    let id = chain
        .as_(USER)
        .sessions()
        .submit_input(FIXTURE.inputs[1].clone(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user_vault.claim(id).await.unwrap(),
        Err(VaultError::NoOutcome { session_id: id }),
        "an unfinished session has no outcome"
    );
    assert_eq!(
        user_vault.claim(id + 9).await.unwrap(),
        Err(VaultError::NoOutcome { session_id: id + 9 })
    );
    assert_eq!(
        user_vault.claim(id).with_value(1_000).await.unwrap(),
        Err(VaultError::ValueNotAccepted { value: 1_000 })
    );
    let mut sessions = chain.as_(STRANGER).sessions();
    assert_eq!(
        sessions.renotify(id).await.unwrap(),
        Err(SessionsError::NotFinished { session_id: id })
    );
    assert_eq!(
        sessions.renotify(id + 9).await.unwrap(),
        Err(SessionsError::UnknownSession { session_id: id + 9 })
    );
    chain.claim(PROVER, id).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();
    chain.kit().verify(USER).await.expect("runs");
    assert_eq!(
        sessions.renotify(id).await.unwrap(),
        Err(SessionsError::NoNotifyTarget { session_id: id })
    );
    assert_eq!(
        vault_as(&chain, &vault, OTHER_USER)
            .vault()
            .claim(id)
            .await
            .unwrap(),
        Err(VaultError::NotYourSession { user: USER.into() })
    );

    // The zkml program refuses to notify itself, and keeps no session for the refusal.
    let before = chain.session(OTHER_USER).await;
    assert_eq!(
        chain
            .as_(OTHER_USER)
            .sessions()
            .submit_input(
                FIXTURE.inputs[0].clone(),
                Some(NotifyTarget {
                    program: chain.program_id(),
                    reference: REFERENCE,
                })
            )
            .await
            .unwrap(),
        Err(SessionsError::NotifySelf)
    );
    assert_eq!(chain.session(OTHER_USER).await, before);
    assert_eq!(user_vault.payment(USER.into()).query().unwrap(), None);
    assert_eq!(chain.balance(vault.id()), start);
}

/// A batch notifies each of its sessions that names a program, as that session gets its
/// outcome; a session that names none is verified in the same batch without a notification.
#[tokio::test]
async fn a_batch_notifies_each_session_that_names_a_program() {
    let chain = Chain::ready().await;
    let vault = deploy_vault(&chain, chain.program_id(), digit_of(0), b"batch vault").await;
    let start = chain.balance(vault.id());
    let ids = [
        submit(&chain, USER, 0, 0, vault.id()).await,
        submit(&chain, OTHER_USER, 1, 1, vault.id()).await,
    ];
    let plain = chain
        .as_(STRANGER)
        .sessions()
        .submit_input(FIXTURE.inputs[0].clone(), None)
        .await
        .unwrap()
        .unwrap();
    chain.claim(PROVER, plain).await;
    chain
        .as_(PROVER)
        .verifier()
        .submit_proof(plain, FIXTURE.proofs[0].clone())
        .await
        .unwrap()
        .unwrap();

    let run = chain
        .kit()
        .verify_batch(ADMIN, &[ids[0], plain, ids[1]])
        .await
        .expect("the batch verifies");
    assert!(
        run.outcomes
            .iter()
            .all(|o| matches!(o, Some(VerificationStatus::Verified { .. }))),
        "{:?}",
        run.outcomes
    );
    let reader = vault_as(&chain, &vault, STRANGER).vault();
    for (user, id, input) in [(USER, ids[0], 0), (OTHER_USER, ids[1], 1)] {
        let notified = reader.notified(user.into()).query().unwrap();
        let notified = notified.unwrap_or_else(|| std::panic!("user {user} not notified"));
        assert_eq!((notified.session_id, notified.user), (id, user.into()));
        assert!(
            matches!(notified.outcome, vault::Outcome::Verified { digit, .. } if digit == digit_of(input))
        );
    }
    assert_eq!(reader.notified(STRANGER.into()).query().unwrap(), None);
    // The vault rewards digit_of(0): USER's answer, and OTHER_USER's only if it is the same digit.
    let paid = if digit_of(1) == digit_of(0) { 2 } else { 1 };
    assert_eq!(chain.balance(vault.id()), start - paid * REWARD);
}

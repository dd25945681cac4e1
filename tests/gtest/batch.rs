//! Batch verification on chain: `VerifyBatch` over several sessions' real proofs, one bad proof
//! among good ones, and every refusal leaving state unchanged.

use crate::common::*;
use parity_scale_codec::Encode as _;
use sails_rs::client::{GtestEnv, Service};
use sails_rs::{futures::StreamExt as _, gtest::constants::VALUE_PER_GAS, prelude::*};
use zkml_app::state::sessions::BATCH_IDLE_BLOCKS;
use zkml_client::{
    Zkml as _,
    sessions::{SessionState, Sessions as _, SessionsError},
    verifier::{
        BatchStage, BatchStatus, BatchWork, VerificationStatus, Verifier as _, VerifierError,
        VerifierImpl, events::VerifierEvents,
    },
};
use zkml_verifier::{CompressedProof, Fr, decode_all};

/// The users of a batch's sessions, funded by the harness.
const USERS: [u64; 4] = [USER, OTHER_USER, STRANGER, ADMIN];

/// A chain with a session for each of `users`, the session of `users[i]` on the fixture's input
/// `i % 2`, claimed by `PROVER`, with `proofs[i]` submitted when given. The sessions' ids.
async fn with_sessions(users: &[u64], proofs: &[Option<Vec<u8>>]) -> (Chain, Vec<u64>) {
    with_sessions_on(Chain::ready().await, users, proofs).await
}

/// [`with_sessions`] on a given chain.
async fn with_sessions_on(
    chain: Chain,
    users: &[u64],
    proofs: &[Option<Vec<u8>>],
) -> (Chain, Vec<u64>) {
    let mut ids = Vec::new();
    for (i, &user) in users.iter().enumerate() {
        let id = chain
            .as_(user)
            .sessions()
            .submit_input(FIXTURE.inputs[i % 2].clone(), None)
            .await
            .unwrap()
            .unwrap();
        chain.claim(PROVER, id).await;
        if let Some(Some(proof)) = proofs.get(i) {
            chain
                .as_(PROVER)
                .verifier()
                .submit_proof(id, proof.clone())
                .await
                .unwrap()
                .unwrap();
        }
        ids.push(id);
    }
    (chain, ids)
}

/// The fixture's proof of input `i % 2`.
fn good(i: usize) -> Option<Vec<u8>> {
    Some(FIXTURE.proofs[i % 2].clone())
}

/// The fixture's proof `i`, decoded so that a test can tamper with it.
fn decoded(i: usize) -> CompressedProof {
    decode_all(&FIXTURE.proofs[i]).expect("the fixture decodes")
}

/// The model's answer for the fixture's input `i`.
fn answer(i: usize) -> VerificationStatus {
    let pixels: [u8; 784] = FIXTURE.inputs[i].clone().try_into().unwrap();
    let expected = FIXTURE.model.predict(&pixels).unwrap();
    VerificationStatus::Verified {
        digit: expected.digit,
        logits: expected.logits.iter().map(|l| i64::from(*l)).collect(),
    }
}

/// What verifying a batch to the end took: each session's outcome (by session id), the gas
/// of each message and the work the messages reported.
struct Run {
    outcomes: Vec<(u64, VerificationStatus)>,
    gas: Vec<u128>,
    work: Vec<BatchWork>,
}

/// `VerifyBatch(ids)` as `caller`, then `ContinueBatch` until the batch is complete.
async fn verify_batch_to_the_end(chain: &Chain, caller: u64, ids: &[u64]) -> Run {
    let mut client = chain.as_(caller).verifier();
    let balance = || chain.env().system().balance_of(caller);
    let (mut gas, mut outcomes, mut work) = (Vec::new(), Vec::new(), Vec::new());
    let before = balance();
    let mut status: BatchStatus = client.verify_batch(ids.to_vec()).await.unwrap().unwrap();
    gas.push((before - balance()) / VALUE_PER_GAS);
    loop {
        assert!(status.done <= status.total);
        assert!(
            !status.work.is_empty(),
            "a message that succeeds did some work"
        );
        work.extend(status.work);
        outcomes.extend(
            status
                .outcomes
                .into_iter()
                .map(|o| (o.session_id, o.status)),
        );
        if status.complete {
            break;
        }
        assert!(gas.len() < 120, "the batch does not end");
        let before = balance();
        status = match client.continue_batch().await {
            Ok(result) => result.unwrap(),
            Err(e) => std::panic!("message {} failed: {e}; gas so far {gas:?}", gas.len() + 1),
        };
        gas.push((before - balance()) / VALUE_PER_GAS);
    }
    outcomes.sort_by_key(|(id, _)| *id);
    Run {
        outcomes,
        gas,
        work,
    }
}

/// The batch's next message with `gas`: `VerifyBatch(ids)` when `first`, else `ContinueBatch`.
async fn batch_message(
    verifier: &mut Service<VerifierImpl, GtestEnv>,
    ids: &[u64],
    first: bool,
    gas: u64,
) -> Result<BatchStatus, VerifierError> {
    let sent = if first {
        verifier
            .verify_batch(ids.to_vec())
            .with_gas_limit(gas)
            .await
    } else {
        verifier.continue_batch().with_gas_limit(gas).await
    };
    sent.expect("the message runs")
}

/// The gas the batch's next message reports it needs: sent with too little, it must be refused
/// with `NotEnoughGas { needed }`.
async fn reported_gas(
    verifier: &mut Service<VerifierImpl, GtestEnv>,
    ids: &[u64],
    first: bool,
) -> u64 {
    let probe = 20_000_000_000;
    let Err(VerifierError::NotEnoughGas { needed }) =
        batch_message(verifier, ids, first, probe).await
    else {
        std::panic!("{probe} gas must be too little");
    };
    needed
}

/// Four sessions, one of whose proofs claims another output: the batch verifies the three
/// good ones with the model's answers and rejects the bad one with its own failure; each
/// session gets its event, and the program holds no batch afterwards.
#[tokio::test]
async fn a_batch_of_four_with_one_bad_proof() {
    let mut forged = decoded(0);
    forged.folding.zn[1] += Fr::from(1u64);
    let proofs = [good(0), good(1), Some(forged.encode()), good(3)];
    let (chain, ids) = with_sessions(&USERS, &proofs).await;
    let mut events = chain.as_(USER).verifier().listen().await.unwrap();

    let run = verify_batch_to_the_end(&chain, PROVER, &ids).await;
    assert_eq!(run.outcomes.len(), 4);
    let verifier = chain.as_(STRANGER).verifier();
    for (i, (id, outcome)) in run.outcomes.iter().enumerate() {
        assert_eq!(*id, ids[i]);
        if i == 2 {
            assert!(
                matches!(outcome, VerificationStatus::Rejected { reason } if reason.contains("check failed")),
                "{outcome:?}"
            );
        } else {
            assert_eq!(*outcome, answer(i % 2), "session {i}");
        }
        let state = chain.session(USERS[i]).await.unwrap().state;
        assert_eq!(
            matches!(state, SessionState::Verified { .. }),
            i != 2,
            "{state:?}"
        );
    }
    assert_eq!(verifier.batch().await.unwrap(), None);
    let counts = chain.as_(USER).sessions().counts().await.unwrap();
    assert_eq!((counts.open, counts.finished), (0, 4));

    // The work reported: each good session's own stages and share of the scalars once, the
    // forged one's folds (where it fails) and nothing more, the shared pieces once.
    let count = |session_id: Option<u64>, stage: BatchStage| {
        let piece = BatchWork { session_id, stage };
        run.work.iter().filter(|w| **w == piece).count()
    };
    for (i, &id) in ids.iter().enumerate() {
        let own = [
            BatchStage::Primary,
            BatchStage::SecondaryTranscript,
            BatchStage::MatrixClaim,
            BatchStage::CombinedScalars,
        ];
        assert_eq!(count(Some(id), BatchStage::Folds), 1, "session {i}");
        for stage in own {
            assert_eq!(
                count(Some(id), stage.clone()),
                usize::from(i != 2),
                "session {i}: {stage:?}"
            );
        }
    }
    assert_eq!(count(None, BatchStage::CombinedPairing), 1);
    assert_eq!(count(None, BatchStage::MsmSetUp), 1);
    let slices = count(None, BatchStage::CombinedMsm);
    assert!(slices >= 1);
    assert_eq!(run.work.len(), 5 * 3 + 1 + 2 + slices, "{:?}", run.work);

    // Events: the start, each session's outcome once, and the progress of every message.
    let (mut outcomes, mut progress) = (Vec::new(), 0);
    while outcomes.len() < 4 || progress < run.gas.len() {
        match events.next().await.unwrap().1 {
            VerifierEvents::BatchStarted { session_ids, .. } => assert_eq!(session_ids, ids),
            VerifierEvents::BatchProgress { .. } => progress += 1,
            VerifierEvents::Verified { session_id, .. } => outcomes.push((session_id, true)),
            VerifierEvents::Rejected { session_id, .. } => outcomes.push((session_id, false)),
            other => std::panic!("unexpected event {other:?}"),
        }
    }
    outcomes.sort();
    assert_eq!(
        outcomes,
        ids.iter()
            .enumerate()
            .map(|(i, id)| (*id, i != 2))
            .collect::<Vec<_>>()
    );
    println!(
        "batch of 4 (one rejected in its folds): {} messages, gas per message {:?}, total {:.3e}",
        run.gas.len(),
        run.gas,
        run.gas.iter().sum::<u128>() as f64
    );
}

/// Malformed batches, sessions in the wrong phase, a batch under way, too little gas and value
/// are refused with typed errors and change nothing; a batched session is driven through
/// `ContinueVerification` too, and a purged one drops out of the batch.
#[tokio::test]
async fn batch_refusals_change_nothing() {
    let (chain, ids) = with_sessions(&USERS, &[good(0), good(1), good(2), None]).await;
    let mut verifier = chain.as_(STRANGER).verifier();
    let states = async || {
        let mut states = Vec::new();
        for user in USERS {
            states.push(chain.session(user).await.unwrap().state);
        }
        states
    };
    let before = states().await;
    let refusals: [(Vec<u64>, VerifierError); 6] = [
        (
            vec![ids[0]],
            VerifierError::BatchSize {
                min: 2,
                max: 16,
                got: 1,
            },
        ),
        (
            vec![],
            VerifierError::BatchSize {
                min: 2,
                max: 16,
                got: 0,
            },
        ),
        (
            vec![ids[0]; 17],
            VerifierError::BatchSize {
                min: 2,
                max: 16,
                got: 17,
            },
        ),
        (
            vec![ids[0], ids[1], ids[0]],
            VerifierError::DuplicateInBatch { session_id: ids[0] },
        ),
        (vec![ids[0], ids[3]], VerifierError::NoProof),
        (vec![ids[0], 999], VerifierError::NoSession),
    ];
    for (batch, error) in refusals {
        assert_eq!(verifier.verify_batch(batch).await.unwrap(), Err(error));
    }
    assert_eq!(
        verifier.continue_batch().await.unwrap(),
        Err(VerifierError::NoBatch)
    );
    let short = verifier
        .verify_batch(vec![ids[0], ids[1]])
        .with_gas_limit(20_000_000_000)
        .await
        .unwrap();
    assert!(
        matches!(short, Err(VerifierError::NotEnoughGas { .. })),
        "{short:?}"
    );
    let value = 1_000_000_000_000_000;
    for call in [
        verifier
            .verify_batch(vec![ids[0], ids[1]])
            .with_value(value)
            .await,
        verifier.continue_batch().with_value(value).await,
    ] {
        assert_eq!(
            call.unwrap(),
            Err(VerifierError::ValueNotAccepted { value })
        );
    }
    assert_eq!(states().await, before);
    assert_eq!(verifier.batch().await.unwrap(), None);

    // A session verified alone cannot join a batch.
    verifier.verify(ids[2]).await.unwrap().unwrap();
    assert_eq!(
        verifier.verify_batch(vec![ids[0], ids[2]]).await.unwrap(),
        Err(VerifierError::AlreadyVerifying)
    );

    // A batch under way: no second batch, no `Verify` of its sessions.
    let status = verifier
        .verify_batch(vec![ids[0], ids[1]])
        .await
        .unwrap()
        .unwrap();
    assert!(!status.complete);
    let info = verifier.batch().await.unwrap().unwrap();
    assert_eq!(
        (info.batch_id, info.session_ids.clone()),
        (status.batch_id, vec![ids[0], ids[1]])
    );
    assert!(matches!(
        chain.session(USER).await.unwrap().state,
        SessionState::Verifying { .. }
    ));
    assert_eq!(
        verifier.verify_batch(vec![ids[2], ids[3]]).await.unwrap(),
        Err(VerifierError::BatchInProgress {
            batch_id: info.batch_id
        })
    );
    assert_eq!(
        verifier.verify(ids[0]).await.unwrap(),
        Err(VerifierError::AlreadyVerifying)
    );
    assert_eq!(
        chain
            .as_(PROVER)
            .verifier()
            .submit_proof(ids[0], FIXTURE.proofs[0].clone())
            .await
            .unwrap(),
        Err(VerifierError::ProofAlreadySubmitted)
    );

    // A batch that advanced recently cannot be abandoned; once idle, anyone abandons it and its
    // sessions are back to `ProofSubmitted`, ready for another batch.
    assert_eq!(
        verifier.abandon_batch().await.unwrap(),
        Err(VerifierError::BatchNotIdle {
            idle_from: info.idle_from
        })
    );
    chain.run_blocks(BATCH_IDLE_BLOCKS);
    verifier.abandon_batch().await.unwrap().unwrap();
    assert_eq!(verifier.batch().await.unwrap(), None);
    for user in [USER, OTHER_USER] {
        assert_eq!(
            chain.session(user).await.unwrap().state,
            SessionState::ProofSubmitted
        );
    }
    assert_eq!(
        verifier.abandon_batch().await.unwrap(),
        Err(VerifierError::NoBatch)
    );
    let again = verifier
        .verify_batch(vec![ids[0], ids[1]])
        .await
        .unwrap()
        .unwrap();
    assert!(again.batch_id > info.batch_id);

    // The second session's user may not purge it before its proof's verification deadline;
    // past it (the proof still without an outcome), the purge goes through, and
    // `ContinueVerification` of the first drives the batch to its end: only the first gets an
    // outcome.
    let mut sessions = chain.as_(OTHER_USER).sessions();
    let Err(SessionsError::ProofAwaitingVerification { deadline }) =
        sessions.purge().await.unwrap()
    else {
        std::panic!("a batched session purged before its deadline");
    };
    assert!(chain.session(OTHER_USER).await.is_some());
    let now = chain.env().system().block_height();
    chain.run_blocks(deadline - now);
    sessions.purge().await.unwrap().unwrap();
    let mut status = verifier
        .continue_verification(ids[0])
        .await
        .unwrap()
        .unwrap();
    let mut messages = 1;
    while matches!(status, VerificationStatus::Verifying { .. }) {
        messages += 1;
        assert!(messages < 60, "the batch does not end");
        status = verifier
            .continue_verification(ids[0])
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(status, answer(0));
    assert_eq!(verifier.batch().await.unwrap(), None);
    assert_eq!(chain.session(OTHER_USER).await, None);
    assert_eq!(
        verifier.continue_batch().await.unwrap(),
        Err(VerifierError::NoBatch)
    );
}

/// A batch of 16 reports the gas it needs truthfully: its first message copies sixteen decoded
/// proofs before the work starts, and attaching exactly the reported gas to `VerifyBatch`, then
/// to `ContinueBatch`, does the next piece of work.
#[tokio::test]
async fn a_batch_of_16_takes_the_gas_it_reports() {
    let users: Vec<u64> = (0..16).map(|i| 7_000 + i).collect();
    let chain = Chain::ready().await;
    for &user in &users {
        chain.kit().fund(user);
    }
    let proofs: Vec<Option<Vec<u8>>> = (0..users.len()).map(good).collect();
    let (chain, ids) = with_sessions_on(chain, &users, &proofs).await;
    let mut verifier = chain.as_(STRANGER).verifier();
    for first in [true, false] {
        let needed = reported_gas(&mut verifier, &ids, first).await;
        let status = batch_message(&mut verifier, &ids, first, needed)
            .await
            .expect("the reported gas is enough");
        assert!(status.done > 0 && !status.complete, "{status:?}");
    }
}

/// Gas of batch verification, for README: batches of 4 and 16 valid proofs, each message
/// given the most gas a message may carry. A benchmark (minutes of gtest), not part of CI:
/// `cargo test --release --test gtest batch_gas -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "benchmark: run with --ignored"]
async fn batch_gas() {
    for n in [4usize, 16] {
        let users: Vec<u64> = (0..n as u64).map(|i| 5_000 + i).collect();
        let chain = Chain::ready().await;
        for &user in &users {
            chain.kit().fund(user);
        }
        let proofs: Vec<Option<Vec<u8>>> = (0..n).map(good).collect();
        let (chain, ids) = with_sessions_on(chain, &users, &proofs).await;
        let run = verify_batch_to_the_end(&chain, STRANGER, &ids).await;
        for (i, (_, outcome)) in run.outcomes.iter().enumerate() {
            assert_eq!(*outcome, answer(i % 2));
        }
        let total = run.gas.iter().sum::<u128>() as f64;
        println!(
            "batch of {n}: {} messages, largest {:.3e} gas, total {total:.3e} gas, {:.3e} gas per proof; per message {:?}",
            run.gas.len(),
            *run.gas.iter().max().unwrap() as f64,
            total / n as f64,
            run.gas
        );
    }
}

/// Gas of each stage of a batch, for README: every piece of work before the MSM runs in a
/// message that attaches exactly the gas the program asks for (`NotEnoughGas { needed }`), and
/// is labelled by the work the program reports for it (`BatchStatus::work`); from the MSM's
/// set-up on, the messages run at the message limit. A benchmark, not part of CI:
/// `cargo test --release --test gtest batch_stages -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "benchmark: run with --ignored"]
async fn batch_stages() {
    for n in [4usize, 16] {
        let users: Vec<u64> = (0..n as u64).map(|i| 6_000 + i).collect();
        let chain = Chain::ready().await;
        for &user in &users {
            chain.kit().fund(user);
        }
        let proofs: Vec<Option<Vec<u8>>> = (0..n).map(good).collect();
        let (chain, ids) = with_sessions_on(chain, &users, &proofs).await;
        let mut verifier = chain.as_(STRANGER).verifier();
        let balance = || chain.env().system().balance_of(STRANGER);
        // Per label: messages and gas.
        let mut rows = std::collections::BTreeMap::<String, (usize, u128)>::new();
        let (mut outcomes, mut first, mut msm) = (0, true, false);
        let (mut messages, mut total) = (0usize, 0u128);
        loop {
            let needed = match msm {
                true => None,
                false => Some(reported_gas(&mut verifier, &ids, first).await),
            };
            let before = balance();
            let status = match needed {
                Some(gas) => batch_message(&mut verifier, &ids, first, gas).await,
                None => verifier.continue_batch().await.expect("the message runs"),
            }
            .unwrap_or_else(|e| std::panic!("message {}: {e:?}", messages + 1));
            let gas = (before - balance()) / VALUE_PER_GAS;
            let stages: Vec<String> = status
                .work
                .iter()
                .map(|w| format!("{:?}", w.stage))
                .collect();
            assert!(!stages.is_empty(), "message {}: no work", messages + 1);
            msm |= stages.iter().any(|s| s == "MsmSetUp");
            let label = if msm && !stages.contains(&"MsmSetUp".to_string()) {
                "CombinedMsm and final check".to_string()
            } else {
                stages.join(" + ")
            };
            let row = rows.entry(label).or_default();
            row.0 += 1;
            row.1 += gas;
            (first, messages, total) = (false, messages + 1, total + gas);
            outcomes += status.outcomes.len();
            if status.complete {
                break;
            }
            assert!(messages < 200, "the batch does not end");
        }
        assert_eq!(outcomes, n);
        for (label, (count, gas)) in &rows {
            println!(
                "batch of {n}, {label}: {count} messages, {:.3e} gas, {:.3e} per message",
                *gas as f64,
                *gas as f64 / *count as f64
            );
        }
        println!(
            "batch of {n}: {messages} messages, {:.3e} gas, {:.3e} per proof",
            total as f64,
            total as f64 / n as f64
        );
    }
}

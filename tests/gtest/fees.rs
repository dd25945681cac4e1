//! Fees: held in escrow per session, earned by the prover whose proof verifies, refunded
//! otherwise, withdrawn by their owners. After every step [`Books::check`] holds the program to
//! the books the test keeps itself: the program's balance is the fees in escrow plus the
//! balances owed plus its existential deposit, and every account is owed what the test expects.

use crate::common::*;
use sails_rs::{
    futures::{FutureExt as _, Stream, StreamExt as _},
    gtest::constants::EXISTENTIAL_DEPOSIT as ED,
    prelude::*,
};
use std::collections::BTreeMap;
use zkml_app::state::sessions::{INPUT_EXPIRY_BLOCKS, LEASE_BLOCKS, VERIFY_DEADLINE_BLOCKS};
use zkml_client::{
    Zkml as _,
    fees::{Fees as _, FeesError},
    sessions::{SessionState, Sessions as _, SessionsError, events::SessionsEvents},
    verifier::{BatchStatus, VerificationStatus, Verifier as _, events::VerifierEvents},
};

/// The fee the tests attach.
const FEE: u128 = 10 * ED;

/// What the test expects the program to hold in escrow (by session) and to owe (by account),
/// and what went in and out.
#[derive(Default)]
struct Books {
    escrows: BTreeMap<u64, (u64, u128)>,
    owed: BTreeMap<u64, u128>,
    paid_in: u128,
    paid_out: u128,
}

impl Books {
    /// `user` opened session `id` with `fee`.
    fn hold(&mut self, id: u64, user: u64, fee: u128) {
        self.paid_in += fee;
        self.owed.entry(user).or_default();
        if fee > 0 {
            self.escrows.insert(id, (user, fee));
        }
    }

    /// Session `id`'s fee goes to `prover`.
    fn pay(&mut self, id: u64, prover: u64) {
        let fee = self.escrows.remove(&id).map_or(0, |(_, fee)| fee);
        *self.owed.entry(prover).or_default() += fee;
    }

    /// Session `id`'s fee goes back to its user.
    fn refund(&mut self, id: u64) {
        if let Some((user, fee)) = self.escrows.remove(&id) {
            *self.owed.entry(user).or_default() += fee;
        }
    }

    fn escrowed(&self) -> u128 {
        self.escrows.values().map(|(_, fee)| fee).sum()
    }

    /// The program's books equal the test's, and its balance is their sum plus its
    /// existential deposit.
    fn check(&self, chain: &Chain, step: &str) {
        let fees = chain.as_(STRANGER).fees();
        let totals = fees.totals().query().unwrap();
        let owed: u128 = self.owed.values().sum();
        assert_eq!(totals.escrowed, self.escrowed(), "{step}: escrowed");
        assert_eq!(totals.owed, owed, "{step}: owed");
        assert_eq!(
            chain.balance(chain.program_id()),
            self.escrowed() + owed + ED,
            "{step}: the program's balance"
        );
        assert_eq!(
            self.paid_in,
            self.escrowed() + owed + self.paid_out,
            "{step}: value lost"
        );
        for (id, (user, fee)) in &self.escrows {
            let escrow = fees.escrow(*id).query().unwrap().expect("held");
            assert_eq!(
                (escrow.payer, escrow.amount),
                (ActorId::from(*user), *fee),
                "{step}: escrow of {id}"
            );
        }
        for (who, amount) in &self.owed {
            let balance = fees.balance((*who).into()).query().unwrap();
            assert_eq!(balance, *amount, "{step}: balance of {who}");
        }
    }
}

/// `user` submits the fixture's input `input` with `fee`; the session's id.
async fn submit(chain: &Chain, books: &mut Books, user: u64, input: usize, fee: u128) -> u64 {
    let id = chain
        .as_(user)
        .sessions()
        .submit_input(FIXTURE.inputs[input].clone(), None)
        .with_value(fee)
        .await
        .unwrap()
        .unwrap();
    books.hold(id, user, fee);
    books.check(chain, "submit");
    id
}

/// `prover` claims session `id` and submits the fixture's proof `proof` for it.
async fn prove(chain: &Chain, books: &Books, prover: u64, id: u64, proof: usize) {
    chain.claim(prover, id).await;
    chain
        .as_(prover)
        .verifier()
        .submit_proof(id, FIXTURE.proofs[proof].clone())
        .await
        .unwrap()
        .unwrap();
    books.check(chain, "proof");
}

/// `caller` verifies session `id`'s proof to its outcome, checking the books after each
/// message.
async fn verify(chain: &Chain, books: &Books, caller: u64, id: u64) -> VerificationStatus {
    let mut verifier = chain.as_(caller).verifier();
    let mut status = verifier.verify(id).await.unwrap().unwrap();
    for _ in 0..60 {
        if !matches!(status, VerificationStatus::Verifying { .. }) {
            return status;
        }
        books.check(chain, "verifying");
        status = verifier.continue_verification(id).await.unwrap().unwrap();
    }
    std::panic!("the verification does not end");
}

/// `who` withdraws its whole balance, which arrives in its account (less the message's gas).
async fn withdraw(chain: &Chain, books: &mut Books, who: u64) {
    let owed = books.owed.get(&who).copied().unwrap_or(0);
    let before = chain.balance(who);
    let got = chain.as_(who).fees().withdraw().await.unwrap().unwrap();
    assert_eq!(got, owed);
    let after = chain.balance(who);
    assert!(
        after <= before + owed && after + ED > before + owed,
        "{who} received {} of {owed}",
        after as i128 - before as i128
    );
    books.owed.insert(who, 0);
    books.paid_out += owed;
    books.check(chain, "withdraw");
    assert_eq!(
        chain.as_(who).fees().withdraw().await.unwrap(),
        Err(FeesError::NothingOwed)
    );
}

/// `user`'s purge of session `id`, whose proof awaits its outcome, is refused before the
/// verification deadline: the session, its escrow and the books are unchanged. Returns the
/// deadline, which lies ahead, within [`VERIFY_DEADLINE_BLOCKS`].
async fn purge_refused(chain: &Chain, books: &Books, user: u64, id: u64) -> u32 {
    // Queries, not messages: they run no block, so the purge runs in the next one.
    let session = || {
        chain
            .as_(STRANGER)
            .sessions()
            .session(user.into())
            .query()
            .unwrap()
    };
    let before = session().expect("open");
    let refused = chain.as_(user).sessions().purge().await.unwrap();
    let Err(SessionsError::ProofAwaitingVerification { deadline }) = refused else {
        std::panic!("purge of {id} not refused: {refused:?}");
    };
    let now = chain.env().system().block_height();
    assert!(
        now < deadline && deadline <= now + VERIFY_DEADLINE_BLOCKS,
        "deadline {deadline} at block {now}"
    );
    let after = session().expect("still open");
    assert_eq!((after.id, after.prover), (id, before.prover));
    assert_eq!(
        mem::discriminant(&after.state),
        mem::discriminant(&before.state)
    );
    books.check(chain, "purge refused");
    deadline
}

/// The events `events` has received so far.
fn drain<E>(events: &mut (impl Stream<Item = (ActorId, E)> + Unpin)) -> Vec<E> {
    let mut received = Vec::new();
    while let Some(Some((_, event))) = events.next().now_or_never() {
        received.push(event);
    }
    received
}

/// A proof verified after a lease changed hands (and after its user's purge was refused) pays
/// the prover that proved it, exactly the fee, and nobody else; removing that prover does not
/// take its earnings.
#[tokio::test]
async fn a_verified_proof_pays_its_prover_exactly_the_fee() {
    let chain = Chain::ready().await;
    let mut books = Books::default();
    books.check(&chain, "deployed");
    chain
        .as_(ADMIN)
        .fees()
        .set_minimum_fee(FEE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        chain.as_(STRANGER).fees().minimum_fee().query().unwrap(),
        FEE
    );
    let id = submit(&chain, &mut books, USER, 0, FEE).await;

    // PROVER claims and lets its lease expire; OTHER_PROVER takes over and proves.
    chain.claim(PROVER, id).await;
    chain.run_blocks(LEASE_BLOCKS);
    prove(&chain, &books, OTHER_PROVER, id, 0).await;
    books.owed.insert(PROVER, 0);
    // The user cannot leave without the check: its purge is refused, and the proof verified
    // after it pays the prover.
    purge_refused(&chain, &books, USER, id).await;

    let mut events = chain.as_(STRANGER).verifier().listen().await.unwrap();
    let status = verify(&chain, &books, PROVER, id).await;
    assert!(matches!(status, VerificationStatus::Verified { .. }));
    books.pay(id, OTHER_PROVER);
    books.check(&chain, "verified");
    assert!(drain(&mut events).contains(&VerifierEvents::FeePaid {
        session_id: id,
        prover: OTHER_PROVER.into(),
        amount: FEE,
    }));

    chain.remove_prover(OTHER_PROVER).await;
    books.check(&chain, "prover removed");
    withdraw(&chain, &mut books, OTHER_PROVER).await;
    for who in [USER, PROVER] {
        assert_eq!(
            chain.as_(who).fees().withdraw().await.unwrap(),
            Err(FeesError::NothingOwed)
        );
    }
    books.check(&chain, "end");
}

/// A rejected proof earns its prover nothing and refunds the user, who drove its verification
/// after its purge was refused.
#[tokio::test]
async fn a_rejected_proof_refunds_the_user() {
    let chain = Chain::ready().await;
    let mut books = Books::default();
    let id = submit(&chain, &mut books, USER, 1, FEE).await;
    prove(&chain, &books, PROVER, id, 0).await;
    books.owed.insert(PROVER, 0);
    purge_refused(&chain, &books, USER, id).await;
    let mut events = chain.as_(STRANGER).verifier().listen().await.unwrap();
    let status = verify(&chain, &books, USER, id).await;
    assert!(matches!(status, VerificationStatus::Rejected { .. }));
    books.refund(id);
    books.check(&chain, "rejected");
    assert!(drain(&mut events).contains(&VerifierEvents::Refunded {
        session_id: id,
        user: USER.into(),
        amount: FEE,
    }));
    withdraw(&chain, &mut books, USER).await;
}

/// A purge before a proof refunds the user. Once a proof is in, a purge is refused until the
/// proof's verification deadline, even with its verification started, and `CloseExpired` too;
/// from the deadline on, a proof still without an outcome forfeits: the purge (or anyone's
/// `CloseExpired`) refunds the user, the prover gets nothing, and the verification under way
/// goes with the session. An input closed after its expiry is refunded to its owner, whoever
/// closes it.
#[tokio::test]
async fn purges_and_expiry_settle_by_the_rule() {
    let chain = Chain::ready().await;
    let mut books = Books::default();
    let mut events = chain.as_(STRANGER).sessions().listen().await.unwrap();

    let id = submit(&chain, &mut books, USER, 0, FEE).await;
    chain.as_(USER).sessions().purge().await.unwrap().unwrap();
    books.refund(id);
    books.check(&chain, "purged before a proof");

    // A good proof, its verification started: no purge, no close before the deadline.
    let id = submit(&chain, &mut books, USER, 0, 2 * FEE).await;
    prove(&chain, &books, PROVER, id, 0).await;
    books.owed.insert(PROVER, 0);
    let deadline = purge_refused(&chain, &books, USER, id).await;
    assert_eq!(
        chain
            .as_(STRANGER)
            .sessions()
            .close_expired(id)
            .await
            .unwrap(),
        Err(SessionsError::NotExpired {
            expires_at: deadline
        })
    );
    let mut verifier = chain.as_(PROVER).verifier();
    let status = verifier.verify(id).await.unwrap().unwrap();
    assert!(matches!(status, VerificationStatus::Verifying { .. }));
    // The last block before the deadline still refuses (a gtest message runs in the next
    // block); the deadline's own block lets the user go with the fee.
    let now = chain.env().system().block_height();
    chain.run_blocks(deadline - now - 2);
    assert_eq!(purge_refused(&chain, &books, USER, id).await, deadline);
    assert_eq!(chain.env().system().block_height(), deadline - 1);
    chain.as_(USER).sessions().purge().await.unwrap().unwrap();
    books.refund(id);
    books.check(&chain, "purged past the deadline");
    assert_eq!(chain.session(USER).await, None);
    assert_eq!(
        verifier.continue_verification(id).await.unwrap(),
        Err(zkml_client::verifier::VerifierError::NoSession)
    );
    books.check(&chain, "verification gone with the session");

    let expired = submit(&chain, &mut books, OTHER_USER, 1, FEE).await;
    let free = submit(&chain, &mut books, STRANGER, 1, 0).await;
    assert_eq!(
        chain.as_(STRANGER).fees().escrow(free).query().unwrap(),
        None
    );
    chain.run_blocks(INPUT_EXPIRY_BLOCKS);
    chain
        .as_(STRANGER)
        .sessions()
        .close_expired(expired)
        .await
        .unwrap()
        .unwrap();
    books.refund(expired);
    books.check(&chain, "expired");

    // A proof left without an outcome past its deadline: anyone closes the session.
    let late = submit(&chain, &mut books, OTHER_USER, 1, FEE).await;
    prove(&chain, &books, PROVER, late, 1).await;
    chain.run_blocks(VERIFY_DEADLINE_BLOCKS);
    assert_eq!(
        chain.session(OTHER_USER).await.map(|s| s.state),
        Some(SessionState::ProofSubmitted)
    );
    chain
        .as_(STRANGER)
        .sessions()
        .close_expired(late)
        .await
        .unwrap()
        .unwrap();
    books.refund(late);
    books.check(&chain, "closed past the deadline");

    let received = drain(&mut events);
    for event in [
        SessionsEvents::FeeHeld {
            user: USER.into(),
            session_id: id,
            amount: 2 * FEE,
        },
        SessionsEvents::Refunded {
            session_id: id,
            user: USER.into(),
            amount: 2 * FEE,
        },
        SessionsEvents::Refunded {
            session_id: expired,
            user: OTHER_USER.into(),
            amount: FEE,
        },
        SessionsEvents::Expired {
            user: OTHER_USER.into(),
            session_id: late,
            closed_by: STRANGER.into(),
        },
        SessionsEvents::Refunded {
            session_id: late,
            user: OTHER_USER.into(),
            amount: FEE,
        },
    ] {
        assert!(received.contains(&event), "{event:?} not in {received:?}");
    }
    assert!(
        !received
            .iter()
            .any(|e| matches!(e, SessionsEvents::FeePaid { .. })),
        "a purge paid a prover: {received:?}"
    );
    assert_eq!(
        chain.as_(PROVER).fees().withdraw().await.unwrap(),
        Err(FeesError::NothingOwed)
    );
    for who in [USER, OTHER_USER] {
        withdraw(&chain, &mut books, who).await;
    }
    assert_eq!(chain.balance(chain.program_id()), ED);
}

/// Fees the program cannot take, a minimum set by someone else or below the existential
/// deposit, value on calls that take none, and a withdrawal of nothing are refused with typed
/// errors; the value comes back and nothing changes.
#[tokio::test]
async fn fee_misuse_is_refused_and_changes_nothing() {
    let chain = Chain::ready().await;
    let books = Books::default();
    let mut admin = chain.as_(ADMIN).fees();
    admin.set_minimum_fee(FEE).await.unwrap().unwrap();
    let user_before = chain.balance(USER);
    let mut sessions = chain.as_(USER).sessions();
    assert_eq!(
        sessions
            .submit_input(image(1), None)
            .with_value(FEE - 1)
            .await
            .unwrap(),
        Err(SessionsError::FeeBelowMinimum {
            minimum: FEE,
            got: FEE - 1
        })
    );
    assert!(user_before - chain.balance(USER) < ED, "the fee came back");
    books.check(&chain, "fee below the minimum");
    admin.set_minimum_fee(0).await.unwrap().unwrap();
    assert_eq!(
        sessions
            .submit_input(image(1), None)
            .with_value(ED / 2)
            .await
            .unwrap(),
        Err(SessionsError::FeeBelowExistentialDeposit {
            existential_deposit: ED,
            got: ED / 2
        })
    );
    assert_eq!(chain.session(USER).await, None);
    books.check(&chain, "fees refused");

    let admin_before = chain.balance(ADMIN);
    assert_eq!(
        chain
            .as_(STRANGER)
            .fees()
            .set_minimum_fee(FEE)
            .await
            .unwrap(),
        Err(FeesError::NotAdmin)
    );
    assert_eq!(
        admin.set_minimum_fee(ED - 1).await.unwrap(),
        Err(FeesError::BelowExistentialDeposit {
            existential_deposit: ED,
            got: ED - 1
        })
    );
    assert_eq!(
        admin.set_minimum_fee(FEE).with_value(FEE).await.unwrap(),
        Err(FeesError::ValueNotAccepted { value: FEE })
    );
    assert_eq!(
        admin.withdraw().with_value(FEE).await.unwrap(),
        Err(FeesError::ValueNotAccepted { value: FEE })
    );
    assert_eq!(admin.withdraw().await.unwrap(), Err(FeesError::NothingOwed));
    assert!(
        admin_before - chain.balance(ADMIN) < ED,
        "the value came back"
    );
    assert_eq!(chain.as_(STRANGER).fees().minimum_fee().query().unwrap(), 0);
    books.check(&chain, "refusals");
}

/// Two provers and eight users: fees verified in a batch, purged from the batch past the
/// verification deadline, rejected alone, purged before a proof and past a proof's deadline,
/// expired, and left open. The books hold after every step, and every fee is either paid out,
/// owed or still in escrow.
#[tokio::test]
async fn two_provers_and_many_users_keep_the_books() {
    let chain = Chain::ready().await;
    let mut books = Books::default();
    let mut users = vec![USER, OTHER_USER, STRANGER];
    for extra in 200..205 {
        chain
            .env()
            .system()
            .mint_to(extra, 1_000_000_000_000_000_000);
        users.push(extra);
    }
    // Session 3 is free; the others carry one to three fees.
    let fee = |i: usize| if i == 3 { 0 } else { FEE * (1 + i as u128 % 3) };
    let mut ids = Vec::new();
    for (i, &user) in users.iter().enumerate() {
        ids.push(submit(&chain, &mut books, user, i % 2, fee(i)).await);
    }
    books.owed.insert(PROVER, 0);
    books.owed.insert(OTHER_PROVER, 0);

    // A batch: 0 proven by PROVER, 1 by OTHER_PROVER, 2 with a proof of another input.
    prove(&chain, &books, PROVER, ids[0], 0).await;
    prove(&chain, &books, OTHER_PROVER, ids[1], 1).await;
    prove(&chain, &books, OTHER_PROVER, ids[2], 1).await;
    // Each session settles in the message that gives it its outcome.
    let provers = [PROVER, OTHER_PROVER];
    let mut verifier = chain.as_(ADMIN).verifier();
    let mut status = verifier
        .verify_batch(ids[..3].to_vec())
        .await
        .unwrap()
        .unwrap();
    // The outcomes of a round, settled in the books; how many.
    let settle = |status: &BatchStatus, books: &mut Books| {
        for outcome in &status.outcomes {
            let i = ids.iter().position(|id| *id == outcome.session_id).unwrap();
            assert_ne!(i, 1, "a purged session got an outcome");
            let verified = matches!(outcome.status, VerificationStatus::Verified { .. });
            assert_eq!(verified, i != 2, "{outcome:?}");
            if verified {
                books.pay(ids[i], provers[i]);
            } else {
                books.refund(ids[i]);
            }
        }
        books.check(&chain, "batch");
        status.outcomes.len()
    };
    // The first message may already reject 2 (in its folds, if it reaches them), never verify
    // the others: their MSM is shared.
    assert!(!status.complete, "{status:?}");
    let mut settled = settle(&status, &mut books);
    // 1's user may not leave the batch before the deadline; past it, 1's good proof, still
    // without an outcome, forfeits: the purge refunds the user and the batch goes on without
    // it.
    let deadline = purge_refused(&chain, &books, users[1], ids[1]).await;
    let now = chain.env().system().block_height();
    chain.run_blocks(deadline - now);
    chain
        .as_(users[1])
        .sessions()
        .purge()
        .await
        .unwrap()
        .unwrap();
    books.refund(ids[1]);
    books.check(&chain, "purged from the batch");
    loop {
        status = verifier.continue_batch().await.unwrap().unwrap();
        settled += settle(&status, &mut books);
        if status.complete {
            break;
        }
    }
    assert_eq!(settled, 2);
    assert_eq!(verifier.batch().await.unwrap(), None);

    // 3 purged before a proof, 4 purged past the deadline of OTHER_PROVER's proof (below), 5
    // rejected alone.
    chain
        .as_(users[3])
        .sessions()
        .purge()
        .await
        .unwrap()
        .unwrap();
    books.refund(ids[3]);
    books.check(&chain, "purge before a proof");
    prove(&chain, &books, OTHER_PROVER, ids[4], 0).await;
    purge_refused(&chain, &books, users[4], ids[4]).await;
    prove(&chain, &books, PROVER, ids[5], 0).await;
    let status = verify(&chain, &books, users[5], ids[5]).await;
    assert!(matches!(status, VerificationStatus::Rejected { .. }));
    books.refund(ids[5]);
    books.check(&chain, "rejected");

    // 6 expires and is closed by a prover; 7 stays open with its fee in escrow.
    chain.run_blocks(INPUT_EXPIRY_BLOCKS);
    chain
        .as_(PROVER)
        .sessions()
        .close_expired(ids[6])
        .await
        .unwrap()
        .unwrap();
    books.refund(ids[6]);
    books.check(&chain, "expired");
    chain
        .as_(users[4])
        .sessions()
        .purge()
        .await
        .unwrap()
        .unwrap();
    books.refund(ids[4]);
    books.check(&chain, "purged past the deadline");

    let owed: Vec<u64> = books
        .owed
        .iter()
        .filter(|(_, amount)| **amount > 0)
        .map(|(who, _)| *who)
        .collect();
    for who in owed {
        withdraw(&chain, &mut books, who).await;
    }
    assert_eq!(books.escrowed(), fee(7));
    assert_eq!(chain.balance(chain.program_id()), ED + fee(7));
}

//! The session rules without a chain: phases, leases, caps, eviction, and refusals that leave
//! the state as it was.

use super::*;
use alloc::vec;

const USER: u64 = 1;
const OTHER_USER: u64 = 2;
const PROVER: u64 = 10;
const OTHER_PROVER: u64 = 11;

/// A commitment the unit tests store (the service computes real ones).
const COMMITMENT: [u8; 32] = [5; 32];

fn actor(id: u64) -> ActorId {
    ActorId::from(id)
}

fn image(value: u8) -> Vec<u8> {
    vec![value; statement::PIXELS]
}

/// A state with `USER`'s session open at block 7; its id.
fn with_session() -> (SessionsState, u64) {
    let mut state = SessionsState::default();
    let id = state
        .open(actor(USER), image(3), COMMITMENT, None, 7)
        .expect("opens");
    (state, id)
}

/// Everything the queries report, to compare before and after a refusal.
fn snapshot(
    state: &SessionsState,
) -> (
    Option<Session>,
    Option<Session>,
    SessionCounts,
    Vec<PendingInput>,
) {
    (
        state.session_of(&actor(USER)),
        state.session_of(&actor(OTHER_USER)),
        state.counts(),
        state.pending(None, MAX_PAGE, None),
    )
}

fn rejected(reason: &str) -> Outcome {
    Outcome::Rejected {
        reason: reason.into(),
    }
}

#[test]
fn opening_stores_the_input_and_awaits_a_proof() {
    let (state, id) = with_session();
    let session = state.session_of(&actor(USER)).expect("a session");
    assert_eq!(
        session,
        Session {
            id,
            user: actor(USER),
            pixels: image(3),
            commitment: COMMITMENT,
            envelope_len: 0,
            submitted_at: 7,
            prover: None,
            lease: None,
            state: SessionState::AwaitingProof,
            notify: None,
        }
    );
    assert_eq!(state.input(id), Some(image(3).as_slice()));
    assert_eq!(state.input(id + 1), None);
    assert_eq!(state.proof(id), None);
    assert_eq!(
        state.counts(),
        SessionCounts {
            open: 1,
            awaiting_proof: 1,
            finished: 0
        }
    );
    assert_eq!(
        state.pending(None, MAX_PAGE, None),
        vec![PendingInput {
            session_id: id,
            user: actor(USER),
            submitted_at: 7,
            lease: None
        }]
    );
}

#[test]
fn bad_inputs_and_second_sessions_are_refused_and_change_nothing() {
    let (mut state, _) = with_session();
    let before = snapshot(&state);
    for len in [0, statement::PIXELS - 1, statement::PIXELS + 1] {
        assert_eq!(
            state.open(actor(OTHER_USER), vec![0; len], COMMITMENT, None, 8),
            Err(SessionsError::WrongInputSize {
                expected: 784,
                got: len as u32
            })
        );
    }
    assert_eq!(
        state.open(actor(USER), image(4), COMMITMENT, None, 8),
        Err(SessionsError::SessionAlreadyOpen)
    );
    assert_eq!(snapshot(&state), before);
}

#[test]
fn ids_increase_and_a_purge_frees_the_user() {
    let (mut state, first) = with_session();
    assert_eq!(
        state.purge(&actor(OTHER_USER), 2),
        Err(SessionsError::NoSession)
    );
    assert_eq!(state.purge(&actor(USER), 2), Ok(first));
    assert_eq!(state.session_of(&actor(USER)), None);
    assert_eq!(state.input(first), None);
    let second = state
        .open(actor(USER), image(5), COMMITMENT, None, 9)
        .unwrap();
    assert!(second > first);
    let third = state
        .open(actor(OTHER_USER), image(5), COMMITMENT, None, 9)
        .unwrap();
    assert!(third > second);
}

#[test]
fn open_sessions_are_capped() {
    let mut state = SessionsState::default();
    for user in 0..u64::from(MAX_OPEN_SESSIONS) {
        state
            .open(actor(1000 + user), image(1), COMMITMENT, None, 1)
            .unwrap();
    }
    let before = snapshot(&state);
    assert_eq!(
        state.open(actor(USER), image(1), COMMITMENT, None, 1),
        Err(SessionsError::TooManyOpenSessions {
            max: MAX_OPEN_SESSIONS
        })
    );
    assert_eq!(snapshot(&state), before);
    state.purge(&actor(1000), 2).unwrap();
    state
        .open(actor(USER), image(1), COMMITMENT, None, 1)
        .unwrap();
}

#[test]
fn a_lease_holds_other_provers_off_until_it_expires() {
    let (mut state, id) = with_session();
    let (user, lease) = state.claim(id, actor(PROVER), 100).unwrap();
    assert_eq!(user, actor(USER));
    assert_eq!(
        lease,
        Lease {
            prover: actor(PROVER),
            expires_at: 100 + LEASE_BLOCKS
        }
    );
    assert_eq!(state.session_of(&actor(USER)).unwrap().lease, Some(lease));

    // Another prover is held off while the lease is live, and nothing changes.
    let before = snapshot(&state);
    let live = 100 + LEASE_BLOCKS - 1;
    assert_eq!(
        state.claim(id, actor(OTHER_PROVER), live),
        Err(SessionsError::AlreadyClaimed {
            prover: actor(PROVER),
            expires_at: lease.expires_at
        })
    );
    assert_eq!(
        state.check_submission(id, &actor(OTHER_PROVER), live),
        Err(VerifierError::ClaimedByAnother {
            prover: actor(PROVER)
        })
    );
    assert_eq!(snapshot(&state), before);
    assert!(
        state
            .pending(None, MAX_PAGE, Some((&actor(OTHER_PROVER), live)))
            .is_empty()
    );
    assert_eq!(
        state
            .pending(None, MAX_PAGE, Some((&actor(PROVER), live)))
            .len(),
        1
    );

    // The claimant renews its lease.
    let (_, renewed) = state.claim(id, actor(PROVER), 150).unwrap();
    assert_eq!(renewed.expires_at, 150 + LEASE_BLOCKS);

    // Once it expires, another prover may take the session; the late claimant may not submit.
    let expired = renewed.expires_at;
    assert_eq!(
        state
            .pending(None, MAX_PAGE, Some((&actor(OTHER_PROVER), expired)))
            .len(),
        1
    );
    state.claim(id, actor(OTHER_PROVER), expired).unwrap();
    assert_eq!(
        state.check_submission(id, &actor(PROVER), expired),
        Err(VerifierError::ClaimedByAnother {
            prover: actor(OTHER_PROVER)
        })
    );
    assert_eq!(
        state.check_submission(id, &actor(OTHER_PROVER), expired),
        Ok(())
    );
    // With that claim expired too, the first prover's proof is no longer covered.
    let later = expired + LEASE_BLOCKS;
    assert_eq!(
        state.check_submission(id, &actor(PROVER), later),
        Err(VerifierError::NotClaimed)
    );
}

#[test]
fn unknown_or_stale_sessions_are_refused_and_change_nothing() {
    let (mut state, id) = with_session();
    state.claim(id, actor(PROVER), 1).unwrap();
    let before = snapshot(&state);
    assert_eq!(
        state.claim(id + 1, actor(PROVER), 1),
        Err(SessionsError::NotAwaitingProof { session_id: id + 1 })
    );
    assert_eq!(
        state.submit_proof(id + 1, actor(PROVER), vec![1, 2, 3], 1, statement::STEPS),
        Err(VerifierError::NoSession)
    );
    for resume in [false, true] {
        assert!(matches!(
            state.ready(id + 1, resume),
            Err(VerifierError::NoSession)
        ));
    }
    assert_eq!(state.proof(id + 1), None);
    assert_eq!(snapshot(&state), before);

    // A purged session's id is stale: the user's new session has another.
    state.purge(&actor(USER), 2).unwrap();
    let new_id = state
        .open(actor(USER), image(4), COMMITMENT, None, 2)
        .unwrap();
    assert_ne!(new_id, id);
    state.claim(new_id, actor(PROVER), 2).unwrap();
    let before = snapshot(&state);
    assert_eq!(
        state.submit_proof(id, actor(PROVER), vec![1, 2, 3], 2, statement::STEPS),
        Err(VerifierError::NoSession)
    );
    assert!(matches!(
        state.ready(id, false),
        Err(VerifierError::NoSession)
    ));
    assert_eq!(state.input(id), None);
    assert_eq!(snapshot(&state), before);
}

#[test]
fn unclaimed_sessions_and_malformed_proofs_are_refused_and_change_nothing() {
    let (mut state, id) = with_session();
    let before = snapshot(&state);
    assert_eq!(
        state.submit_proof(id, actor(PROVER), vec![0xde, 0xad], 1, statement::STEPS),
        Err(VerifierError::NotClaimed)
    );
    assert_eq!(snapshot(&state), before);

    state.claim(id, actor(PROVER), 1).unwrap();
    let before = snapshot(&state);
    assert!(matches!(
        state.submit_proof(id, actor(PROVER), vec![0xde, 0xad], 1, statement::STEPS),
        Err(VerifierError::MalformedProof(_))
    ));
    assert_eq!(snapshot(&state), before);
    assert_eq!(state.proof(id), None);
}

#[test]
fn a_session_without_a_proof_cannot_be_verified() {
    let (mut state, id) = with_session();
    let before = snapshot(&state);
    assert!(matches!(
        state.ready(id, false),
        Err(VerifierError::NoProof)
    ));
    assert!(matches!(
        state.ready(id, true),
        Err(VerifierError::NotVerifying)
    ));
    assert_eq!(snapshot(&state), before);
}

#[test]
fn removing_a_prover_releases_only_its_claims() {
    let mut state = SessionsState::default();
    let mine = state
        .open(actor(USER), image(1), COMMITMENT, None, 1)
        .unwrap();
    let theirs = state
        .open(actor(OTHER_USER), image(2), COMMITMENT, None, 1)
        .unwrap();
    state.claim(mine, actor(PROVER), 1).unwrap();
    let (_, kept) = state.claim(theirs, actor(OTHER_PROVER), 1).unwrap();
    state.release_claims(&actor(PROVER));
    assert_eq!(state.session_of(&actor(USER)).unwrap().lease, None);
    assert_eq!(
        state.session_of(&actor(OTHER_USER)).unwrap().lease,
        Some(kept)
    );
    state.claim(mine, actor(OTHER_PROVER), 2).unwrap();
}

#[test]
fn pending_pages_oldest_first() {
    let mut state = SessionsState::default();
    let ids: Vec<u64> = (0..20)
        .map(|user| {
            state
                .open(actor(500 + user), image(user as u8), COMMITMENT, None, 1)
                .unwrap()
        })
        .collect();
    let first = state.pending(None, 100, None);
    assert_eq!(first.len(), MAX_PAGE as usize, "pages are capped");
    let second = state.pending(Some(first[15].session_id), MAX_PAGE, None);
    let seen: Vec<u64> = first.iter().chain(&second).map(|p| p.session_id).collect();
    assert_eq!(seen, ids);
    assert_eq!(state.pending(None, 3, None).len(), 3);
    assert!(
        state
            .pending(ids.last().copied(), MAX_PAGE, None)
            .is_empty()
    );
}

#[test]
fn a_finished_session_takes_no_more_work_and_is_replaced_by_a_new_input() {
    let (mut state, id) = with_session();
    let Finished {
        state: state_after,
        notice,
    } = state.finish(id, actor(PROVER), rejected("check failed"));
    assert_eq!(
        state_after,
        SessionState::Rejected {
            reason: "check failed".into()
        }
    );
    assert_eq!(notice, None, "the session named no program");
    let session = state.session_of(&actor(USER)).unwrap();
    assert_eq!(session.state, state_after);
    assert_eq!(session.prover, Some(actor(PROVER)));
    assert_eq!(
        state.counts(),
        SessionCounts {
            open: 0,
            awaiting_proof: 0,
            finished: 1
        }
    );

    let before = snapshot(&state);
    assert_eq!(
        state.claim(id, actor(PROVER), 1),
        Err(SessionsError::NotAwaitingProof { session_id: id })
    );
    assert_eq!(
        state.check_submission(id, &actor(PROVER), 1),
        Err(VerifierError::SessionFinished)
    );
    for resume in [false, true] {
        assert!(matches!(
            state.ready(id, resume),
            Err(VerifierError::SessionFinished)
        ));
    }
    assert_eq!(snapshot(&state), before);

    let new_id = state
        .open(actor(USER), image(8), COMMITMENT, None, 2)
        .unwrap();
    assert_eq!(state.input(id), None);
    assert_eq!(state.session_of(&actor(USER)).unwrap().id, new_id);
    assert_eq!(state.counts().finished, 0);
}

#[test]
fn finished_sessions_are_capped_and_the_oldest_evicted() {
    let mut state = SessionsState::default();
    let users: Vec<u64> = (0..=u64::from(MAX_FINISHED_SESSIONS))
        .map(|u| 2000 + u)
        .collect();
    let mut ids = Vec::new();
    for user in &users {
        let id = state
            .open(actor(*user), image(1), COMMITMENT, None, 1)
            .unwrap();
        state.finish(id, actor(PROVER), rejected("no"));
        ids.push(id);
    }
    assert_eq!(
        state.counts(),
        SessionCounts {
            open: 0,
            awaiting_proof: 0,
            finished: MAX_FINISHED_SESSIONS
        }
    );
    assert_eq!(
        state.session_of(&actor(users[0])),
        None,
        "the oldest is evicted"
    );
    assert_eq!(state.input(ids[0]), None);
    assert!(
        state
            .session_of(&actor(users[1]))
            .unwrap()
            .state
            .is_finished()
    );
    // The evicted user may open a new session.
    state
        .open(actor(users[0]), image(2), COMMITMENT, None, 2)
        .unwrap();
}

#[test]
fn an_open_session_is_not_evicted() {
    let mut state = SessionsState::default();
    let open = state
        .open(actor(USER), image(1), COMMITMENT, None, 1)
        .unwrap();
    for user in 0..=u64::from(MAX_FINISHED_SESSIONS) {
        let id = state
            .open(actor(3000 + user), image(1), COMMITMENT, None, 1)
            .unwrap();
        state.finish(id, actor(PROVER), rejected("no"));
    }
    assert_eq!(state.input(open), Some(image(1).as_slice()));
    assert_eq!(state.counts().finished, MAX_FINISHED_SESSIONS);
    assert_eq!(state.counts().open, 1);
}

#[test]
fn leases_expire_at_their_block() {
    let lease = Lease {
        prover: actor(PROVER),
        expires_at: 10,
    };
    assert!(lease.is_live(9));
    assert!(!lease.is_live(10));
    assert!(lease.admits(&actor(PROVER), 9));
    assert!(!lease.admits(&actor(OTHER_PROVER), 9));
    assert!(lease.admits(&actor(OTHER_PROVER), 10));
}

#[test]
fn an_expired_unclaimed_input_is_closed_by_anyone_and_frees_its_slot() {
    let (mut state, id) = with_session();
    let expires_at = 7 + INPUT_EXPIRY_BLOCKS;
    let before = snapshot(&state);
    assert_eq!(
        state.close_expired(id, expires_at - 1),
        Err(SessionsError::NotExpired { expires_at })
    );
    assert_eq!(
        state.close_expired(id + 1, expires_at),
        Err(SessionsError::NotAwaitingProof { session_id: id + 1 })
    );
    // A live claim holds the input open, even past its expiry.
    state.claim(id, actor(PROVER), expires_at - 10).unwrap();
    let claimed = snapshot(&state);
    assert!(matches!(
        state.close_expired(id, expires_at),
        Err(SessionsError::AlreadyClaimed { .. })
    ));
    assert_eq!(snapshot(&state), claimed);
    assert_ne!(snapshot(&state), before);
    // Once the claim lapses too, anyone closes it.
    let lapsed = expires_at - 10 + LEASE_BLOCKS;
    assert_eq!(state.close_expired(id, lapsed), Ok(actor(USER)));
    assert_eq!(state.session_of(&actor(USER)), None);
    assert_eq!(state.counts().open, 0);
    assert_eq!(state.open, 0);
}

#[test]
fn the_open_count_follows_every_change() {
    let mut state = SessionsState::default();
    let a = state
        .open(actor(USER), image(1), COMMITMENT, None, 1)
        .unwrap();
    state
        .open(actor(OTHER_USER), image(2), COMMITMENT, None, 1)
        .unwrap();
    assert_eq!(state.open, 2);
    state.finish(a, actor(PROVER), rejected("no"));
    assert_eq!((state.open, state.counts().open), (1, 1));
    // Replacing a finished session keeps the count right.
    state
        .open(actor(USER), image(3), COMMITMENT, None, 2)
        .unwrap();
    assert_eq!((state.open, state.counts().open), (2, 2));
    state.purge(&actor(OTHER_USER), 2).unwrap();
    assert_eq!((state.open, state.counts().open), (1, 1));
}

const RECEIVER: u64 = 77;

fn target(reference: u8) -> NotifyTarget {
    NotifyTarget {
        program: actor(RECEIVER),
        reference: [reference; 32],
    }
}

#[test]
fn finishing_a_session_that_names_a_program_yields_its_notice_once() {
    let mut state = SessionsState::default();
    let id = state
        .open(actor(USER), image(3), COMMITMENT, Some(target(9)), 7)
        .expect("opens");
    assert_eq!(state.notify_target(id), Some(target(9)));
    assert_eq!(
        state.session_of(&actor(USER)).unwrap().notify,
        Some(target(9))
    );
    assert_eq!(state.outcome(id), None, "no outcome before the end");
    assert_eq!(
        state.renotice(id),
        Err(SessionsError::NotFinished { session_id: id })
    );

    let verified = Outcome::Verified {
        digit: 4,
        logits: vec![1; 10],
    };
    let finished = state.finish(id, actor(PROVER), verified.clone());
    let expected = SessionOutcome {
        session_id: id,
        user: actor(USER),
        reference: [9; 32],
        outcome: verified,
    };
    assert_eq!(
        finished.notice,
        Some(Notice {
            program: actor(RECEIVER),
            outcome: expected.clone(),
        })
    );
    assert_eq!(state.outcome(id), Some(expected.clone()));
    assert_eq!(
        state.renotice(id),
        Ok(Notice {
            program: actor(RECEIVER),
            outcome: expected,
        })
    );
    // A session ends once: finishing it again yields no second notice.
    let again = state.finish(id, actor(PROVER), rejected("late"));
    assert_eq!(again.notice, None);
}

#[test]
fn renotice_refuses_unknown_unfinished_and_untargeted_sessions() {
    let (mut state, id) = with_session();
    assert_eq!(
        state.renotice(id + 5),
        Err(SessionsError::UnknownSession { session_id: id + 5 })
    );
    assert_eq!(
        state.renotice(id),
        Err(SessionsError::NotFinished { session_id: id })
    );
    state.finish(id, actor(PROVER), rejected("no"));
    assert_eq!(
        state.renotice(id),
        Err(SessionsError::NoNotifyTarget { session_id: id })
    );
    assert_eq!(
        state.outcome(id).map(|o| o.reference),
        Some([0; 32]),
        "no reference without a program to notify"
    );
}

/// A well-formed envelope for `n` recipients (its bytes are not read by the program).
fn envelope(n: u8) -> Vec<u8> {
    let mut bytes = vec![0x33; 2 + usize::from(n) * 112 + 832];
    bytes[0] = 1;
    bytes[1] = n;
    bytes
}

#[test]
fn private_inputs_keep_the_envelope_and_no_pixels() {
    let mut state = SessionsState::default();
    let id = state
        .open_private(actor(USER), COMMITMENT, envelope(2), None, 4)
        .unwrap();
    let session = state.session_of(&actor(USER)).unwrap();
    assert_eq!(session.pixels, Vec::<u8>::new());
    assert_eq!(session.commitment, COMMITMENT);
    assert_eq!(session.envelope_len, envelope(2).len() as u32);
    assert_eq!(state.input(id), None);
    assert_eq!(state.envelope(id), Some(envelope(2).as_slice()));
    // Provers see it pending like any input.
    assert_eq!(state.pending(None, MAX_PAGE, None).len(), 1);
    // A public session has no envelope.
    let public = state
        .open(actor(OTHER_USER), image(1), COMMITMENT, None, 4)
        .unwrap();
    assert_eq!(state.envelope(public), None);
    assert_eq!(
        state.session_of(&actor(OTHER_USER)).unwrap().envelope_len,
        0
    );
}

#[test]
fn bad_private_inputs_are_refused_and_change_nothing() {
    let (mut state, _) = with_session();
    let before = snapshot(&state);
    assert_eq!(
        state.open_private(actor(OTHER_USER), [0xff; 32], envelope(1), None, 5),
        Err(SessionsError::NonCanonicalCommitment)
    );
    let mut bad = envelope(1);
    bad.pop();
    assert_eq!(
        state.open_private(actor(OTHER_USER), COMMITMENT, bad, None, 5),
        Err(SessionsError::MalformedEnvelope)
    );
    assert_eq!(
        state.open_private(actor(OTHER_USER), COMMITMENT, Vec::new(), None, 5),
        Err(SessionsError::MalformedEnvelope)
    );
    assert!(matches!(
        state.open_private(actor(OTHER_USER), COMMITMENT, vec![1; 5000], None, 5),
        Err(SessionsError::EnvelopeTooLarge {
            max: 4418,
            got: 5000
        })
    ));
    assert_eq!(
        state.open_private(actor(USER), COMMITMENT, envelope(1), None, 5),
        Err(SessionsError::SessionAlreadyOpen)
    );
    assert_eq!(snapshot(&state), before);
}

#[test]
fn the_owner_may_submit_without_a_claim() {
    let (mut state, id) = with_session();
    // A stranger needs a claim; the owner does not, even over another prover's live claim.
    assert_eq!(
        state.check_submission(id, &actor(OTHER_USER), 1),
        Err(VerifierError::NotClaimed)
    );
    assert_eq!(state.check_submission(id, &actor(USER), 1), Ok(()));
    state.claim(id, actor(PROVER), 1).unwrap();
    assert_eq!(state.check_submission(id, &actor(USER), 2), Ok(()));
    assert!(state.is_owner(id, &actor(USER)));
    assert!(!state.is_owner(id, &actor(PROVER)));
    assert!(!state.is_owner(id + 1, &actor(USER)));
    // The owner's proof still has to decode.
    let before = snapshot(&state);
    assert!(matches!(
        state.submit_proof(id, actor(USER), vec![0xde, 0xad], 2, statement::STEPS),
        Err(VerifierError::MalformedProof(_))
    ));
    assert_eq!(snapshot(&state), before);
}

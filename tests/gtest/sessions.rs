//! The Sessions service: opening, purging and listing sessions.

use crate::common::*;
use sails_rs::{futures::StreamExt as _, prelude::*};
use zkml_client::{
    Zkml as _,
    sessions::{
        PendingInput, SessionCounts, SessionState, Sessions as _, SessionsError,
        events::SessionsEvents,
    },
};

#[tokio::test]
async fn a_user_opens_a_session() {
    let chain = Chain::ready().await;
    let mut sessions = chain.as_(USER).sessions();
    let mut events = sessions.listen().await.unwrap();
    let user = ActorId::from(USER);

    let id = sessions
        .submit_input(image(9), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        events.next().await.unwrap().1,
        SessionsEvents::InputSubmitted {
            user,
            session_id: id
        }
    );
    let session = sessions.my_session().await.unwrap().expect("a session");
    assert_eq!(session.id, id);
    assert_eq!(session.user, user);
    assert_eq!(session.pixels, image(9));
    assert_eq!(session.state, SessionState::AwaitingProof);
    assert_eq!(session.prover, None);
    assert_eq!(
        chain.as_(STRANGER).sessions().session(user).await.unwrap(),
        Some(session.clone())
    );

    let pending = chain
        .as_(PROVER)
        .sessions()
        .pending(None, 16)
        .await
        .unwrap();
    assert_eq!(
        pending,
        vec![PendingInput {
            session_id: id,
            user,
            submitted_at: session.submitted_at,
            lease: None
        }]
    );
    // A prover reads the input of the session it found.
    assert_eq!(
        chain.as_(PROVER).sessions().input(id).await.unwrap(),
        Some(image(9))
    );
    assert_eq!(
        sessions.counts().await.unwrap(),
        SessionCounts {
            open: 1,
            awaiting_proof: 1,
            finished: 0
        }
    );
}

#[tokio::test]
async fn wrong_size_inputs_are_refused() {
    let chain = Chain::ready().await;
    let mut sessions = chain.as_(USER).sessions();
    for len in [0usize, 783, 785, 28 * 28 * 3] {
        assert_eq!(
            sessions.submit_input(vec![1; len], None).await.unwrap(),
            Err(SessionsError::WrongInputSize {
                expected: 784,
                got: len as u32
            })
        );
    }
    assert_eq!(sessions.my_session().await.unwrap(), None);
    assert!(sessions.pending(None, 16).await.unwrap().is_empty());
}

#[tokio::test]
async fn one_open_session_per_user() {
    let chain = Chain::ready().await;
    let mut sessions = chain.as_(USER).sessions();
    sessions
        .submit_input(image(1), None)
        .await
        .unwrap()
        .unwrap();
    let before = sessions.my_session().await.unwrap();

    assert_eq!(
        sessions.submit_input(image(2), None).await.unwrap(),
        Err(SessionsError::SessionAlreadyOpen)
    );
    assert_eq!(sessions.my_session().await.unwrap(), before);
    assert_eq!(sessions.pending(None, 16).await.unwrap().len(), 1);

    // Another user is independent.
    chain
        .as_(OTHER_USER)
        .sessions()
        .submit_input(image(2), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sessions.pending(None, 16).await.unwrap().len(), 2);
}

#[tokio::test]
async fn purge_discards_the_session_and_allows_a_new_one() {
    let chain = Chain::ready().await;
    let mut sessions = chain.as_(USER).sessions();
    let mut events = sessions.listen().await.unwrap();
    let user = ActorId::from(USER);

    assert_eq!(
        sessions.purge().await.unwrap(),
        Err(SessionsError::NoSession)
    );

    let first = sessions
        .submit_input(image(3), None)
        .await
        .unwrap()
        .unwrap();
    let _submitted = events.next().await.unwrap();
    assert_eq!(sessions.purge().await.unwrap(), Ok(first));
    assert_eq!(
        events.next().await.unwrap().1,
        SessionsEvents::Purged {
            user,
            session_id: first
        }
    );
    assert_eq!(sessions.my_session().await.unwrap(), None);
    assert!(sessions.pending(None, 16).await.unwrap().is_empty());

    let second = sessions
        .submit_input(image(4), None)
        .await
        .unwrap()
        .unwrap();
    assert!(second > first);
    assert_eq!(
        sessions.counts().await.unwrap(),
        SessionCounts {
            open: 1,
            awaiting_proof: 1,
            finished: 0
        }
    );
}

#[tokio::test]
async fn pending_inputs_page_oldest_first() {
    let chain = Chain::ready().await;
    let users: Vec<u64> = (500..520).collect();
    for (i, user) in users.iter().enumerate() {
        chain
            .env()
            .system()
            .mint_to(*user, 1_000_000_000_000_000_000);
        chain
            .as_(*user)
            .sessions()
            .submit_input(image(i as u8), None)
            .await
            .unwrap()
            .unwrap();
    }
    let prover = chain.as_(PROVER).sessions();

    let first = prover.pending(None, 100).await.unwrap();
    assert_eq!(first.len(), 16, "pages are capped at 16");
    let second = prover
        .pending(Some(first[15].session_id), 16)
        .await
        .unwrap();
    assert_eq!(second.len(), 4);
    let seen: Vec<ActorId> = first.iter().chain(&second).map(|p| p.user).collect();
    let expected: Vec<ActorId> = users.iter().map(|u| ActorId::from(*u)).collect();
    assert_eq!(seen, expected);
    assert_eq!(prover.pending(None, 3).await.unwrap().len(), 3);
}

#[tokio::test]
async fn open_sessions_are_bounded() {
    let chain = Chain::ready().await;
    let max = zkml_app::state::sessions::MAX_OPEN_SESSIONS;
    for user in 1000..1000 + u64::from(max) {
        chain
            .env()
            .system()
            .mint_to(user, 1_000_000_000_000_000_000);
        chain
            .as_(user)
            .sessions()
            .submit_input(image(1), None)
            .await
            .unwrap()
            .unwrap();
    }
    let mut late = chain.as_(USER).sessions();
    assert_eq!(
        late.submit_input(image(1), None).await.unwrap(),
        Err(SessionsError::TooManyOpenSessions { max })
    );
    assert_eq!(late.my_session().await.unwrap(), None);
    assert_eq!(late.counts().await.unwrap().open, max);

    chain.as_(1000).sessions().purge().await.unwrap().unwrap();
    late.submit_input(image(1), None).await.unwrap().unwrap();
}

#[tokio::test]
async fn input_returns_a_kept_session_s_input_by_id() {
    let chain = Chain::ready().await;
    let mut sessions = chain.as_(USER).sessions();
    let first = sessions
        .submit_input(image(5), None)
        .await
        .unwrap()
        .unwrap();
    let other = chain
        .as_(OTHER_USER)
        .sessions()
        .submit_input(image(6), None)
        .await
        .unwrap()
        .unwrap();
    let prover = chain.as_(PROVER).sessions();
    assert_eq!(prover.input(first).await.unwrap(), Some(image(5)));
    assert_eq!(prover.input(other).await.unwrap(), Some(image(6)));
    assert_eq!(prover.input(other + 1).await.unwrap(), None, "unknown id");

    // A purged session's input is gone; the user's new session has a new id.
    sessions.purge().await.unwrap().unwrap();
    let second = sessions
        .submit_input(image(7), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(prover.input(first).await.unwrap(), None, "stale id");
    assert_eq!(prover.input(second).await.unwrap(), Some(image(7)));
}

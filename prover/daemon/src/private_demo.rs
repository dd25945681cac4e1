//! `zkml demo --private` on the embedded chain: the prover registers its envelope key, the user
//! commits to the digit with a random blinding and seals it for the registered provers, the
//! daemon opens the envelope, checks it against the commitment, proves and drives the
//! verification, which pays it the user's fee. The chain holds the commitment and the envelope,
//! never the pixels.

use crate::daemon::Observer;
use crate::embedded::{DemoReport, DemoRun, Result, RunError};
use sails_rs::prelude::*;
use std::sync::Arc;
use zkml_client::{Zkml as _, model::Model as _, sessions::Sessions as _};
use zkml_envelope::{Contents, Context, SecretKey};
use zkml_proving::circuit::word_from_scalar;
use zkml_proving::{Opening, Prover};
use zkml_testkit::{Chain, USER, transport};

/// What the private demo did, and what the chain holds of the input.
#[derive(Debug)]
pub struct PrivateDemoReport {
    /// Proving and verification, as in the public demo.
    pub demo: DemoReport,
    /// The commitment the session stores.
    pub commitment: [u8; 32],
    /// Bytes of the envelope the session stores.
    pub envelope_len: u32,
    /// Bytes of pixels the session stores (none).
    pub pixels_on_chain: usize,
    /// Provers the envelope was sealed for.
    pub recipients: usize,
}

/// Runs the private workflow for `pixels` with `fee` (see the [module documentation](self)).
///
/// # Errors
/// [`RunError::Chain`] if a call fails, [`RunError::Daemon`] if the daemon fails,
/// [`RunError::Private`] if sealing fails, [`RunError::NotProved`] if the daemon does not prove
/// the input.
pub async fn demo_private(
    chain: &Chain,
    prover: Arc<Prover>,
    pixels: &[u8],
    fee: u128,
    observer: Observer,
) -> Result<PrivateDemoReport> {
    let mut run = DemoRun::start(chain, prover, observer).await?;
    run.daemon = run
        .daemon
        .with_envelope_key(Arc::new(SecretKey::generate()));
    run.daemon.publish_envelope_key().await?;

    // The user's side: every registered prover's key, a random blinding, the commitment.
    let user = chain.as_(USER);
    let recipients: Vec<[u8; 32]> = user
        .model()
        .encryption_keys()
        .query()
        .map_err(transport("encryption keys"))?
        .into_iter()
        .map(|k| k.key)
        .collect();
    let blinding = zkml_envelope::random_blinding();
    let opening = Opening::new(pixels, blinding).map_err(|e| RunError::Private(e.to_string()))?;
    let commitment = word_from_scalar(&opening.commitment());
    let context = Context {
        program: chain.program_id().into_bytes(),
        user: ActorId::from(USER).into_bytes(),
        commitment,
    };
    let contents = Contents {
        pixels: pixels.to_vec(),
        blinding,
    };
    let envelope = zkml_envelope::seal(&context, &contents, &recipients)
        .map_err(|e| RunError::Private(e.to_string()))?;
    chain
        .as_(USER)
        .sessions()
        .submit_private_input(commitment, envelope, None)
        .with_value(fee)
        .await
        .map_err(transport("submit private input"))?
        .map_err(|refusal| zkml_testkit::Error::Sessions {
            call: "submit private input",
            refusal,
        })?;

    let demo = run.finish(chain, fee).await?;
    let session = user
        .sessions()
        .my_session()
        .query()
        .map_err(transport("my session"))?
        .ok_or_else(|| RunError::Private("the session is gone".into()))?;
    Ok(PrivateDemoReport {
        demo,
        commitment: session.commitment,
        envelope_len: session.envelope_len,
        pixels_on_chain: session.pixels.len(),
        recipients: recipients.len(),
    })
}

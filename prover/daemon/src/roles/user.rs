//! The user's commands: `zkml submit` (public or private input, with its fee), `zkml status`,
//! `zkml verify` (drives a verification to its outcome), `zkml prove` (the owner proves its own
//! session) and `zkml purge`.

use super::{Result, RoleBackend, RoleError, queried, sent};
use crate::backend::CallError;
use sails_rs::prelude::ActorId;
use std::path::Path;
use zkml_client::sessions::{Session, SessionState, SessionsError};
use zkml_client::verifier::VerificationStatus;
use zkml_envelope::{Contents, Context};
use zkml_proving::circuit::word_from_scalar;
use zkml_proving::export::chain_proof;
use zkml_proving::{Event, Opening, Prover, hex};
use zkml_verifier::statement::PIXELS;

/// Most messages `verify` sends before it stops (a lone verification takes 18 under gtest; a
/// batch the session joined, a few hundred).
pub const MAX_VERIFY_MESSAGES: usize = 600;

/// Reads a 28x28 8-bit grayscale PNG.
///
/// # Errors
/// [`RoleError::Image`] if the file cannot be read or is not such an image.
pub fn read_image(path: &Path) -> Result<[u8; PIXELS]> {
    zkml_model::input::read_png(path).map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        RoleError::Image(message)
    })
}

/// The checks every submission makes before sending: the input's size, the model finalized,
/// the fee at least the minimum, no unfinished session of the signer's.
async fn check_submission(backend: &impl RoleBackend, pixels: &[u8], fee: u128) -> Result<()> {
    if pixels.len() != PIXELS {
        return Err(RoleError::InputSize { got: pixels.len() });
    }
    if !queried("model info", backend.model_info().await)?.finalized {
        return Err(RoleError::NotFinalized);
    }
    let minimum = queried("minimum fee", backend.minimum_fee().await)?;
    if fee < minimum {
        return Err(RoleError::FeeBelowMinimum { minimum, fee });
    }
    if let Some(session) = queried("session", backend.session(backend.prover()).await)?
        && !finished(&session.state)
    {
        return Err(RoleError::SessionOpen {
            session_id: session.id,
        });
    }
    Ok(())
}

/// Whether a session has its outcome.
fn finished(state: &SessionState) -> bool {
    matches!(
        state,
        SessionState::Verified { .. } | SessionState::Rejected { .. }
    )
}

/// Opens the signer's session with the public input `pixels` and `fee` attached (held in
/// escrow until the outcome); the session's id.
///
/// # Errors
/// [`RoleError::InputSize`], [`RoleError::NotFinalized`], [`RoleError::FeeBelowMinimum`] or
/// [`RoleError::SessionOpen`] before anything is sent; the call's errors.
pub async fn submit(backend: &impl RoleBackend, pixels: &[u8], fee: u128) -> Result<u64> {
    check_submission(backend, pixels, fee).await?;
    sent(
        "submit input",
        backend.submit_input(pixels.to_vec(), fee).await,
    )
}

/// What opens a private input's commitment: what the user keeps (and what `zkml prove` needs
/// to prove the session itself). Saved as text; anyone who has it knows the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateOpening {
    /// The pixels.
    pub pixels: Vec<u8>,
    /// The commitment's blinding.
    pub blinding: [u8; 32],
    /// `C = H(pixels, blinding)`, what the session stores.
    pub commitment: [u8; 32],
}

impl PrivateOpening {
    /// The opening as the text `save` writes: three `name 0xhex` lines.
    pub fn to_text(&self) -> String {
        format!(
            "commitment 0x{}\nblinding 0x{}\npixels 0x{}\n",
            hex(&self.commitment),
            hex(&self.blinding),
            hex(&self.pixels)
        )
    }

    /// Reads the text [`PrivateOpening::to_text`] writes, and checks that the blinding and the
    /// pixels open the commitment.
    ///
    /// # Errors
    /// [`RoleError::Opening`] if a line is missing or malformed or they do not match.
    pub fn from_text(text: &str) -> Result<Self> {
        let field = |name: &str| -> Result<Vec<u8>> {
            let value = text
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
                .ok_or_else(|| RoleError::Opening(format!("no `{name}` line")))?;
            unhex(value.trim()).ok_or_else(|| RoleError::Opening(format!("`{name}` is not hex")))
        };
        let word = |name: &str| -> Result<[u8; 32]> {
            field(name)?
                .try_into()
                .map_err(|_| RoleError::Opening(format!("`{name}` is not 32 bytes")))
        };
        let opening = Self {
            pixels: field("pixels")?,
            blinding: word("blinding")?,
            commitment: word("commitment")?,
        };
        let proving = Opening::new(&opening.pixels, opening.blinding)
            .map_err(|e| RoleError::Opening(e.to_string()))?;
        if word_from_scalar(&proving.commitment()) != opening.commitment {
            return Err(RoleError::Opening(
                "the pixels and blinding do not open the commitment".into(),
            ));
        }
        Ok(opening)
    }
}

/// `0x`-prefixed (or bare) hex to bytes.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    (0..digits.len() / 2)
        .map(|i| u8::from_str_radix(digits.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Opens the signer's session with `pixels` as a private input: a random blinding, the
/// commitment, and an envelope sealed for every registered prover's encryption key. The chain
/// gets the commitment and the envelope, never the pixels. Returns the session's id and the
/// opening the user keeps.
///
/// # Errors
/// As [`submit`], and [`RoleError::NoProverKeys`] if no prover published a key.
pub async fn submit_private(
    backend: &impl RoleBackend,
    pixels: &[u8],
    fee: u128,
) -> Result<(u64, PrivateOpening)> {
    check_submission(backend, pixels, fee).await?;
    let recipients: Vec<[u8; 32]> = queried("encryption keys", backend.encryption_keys().await)?
        .into_iter()
        .map(|k| k.key)
        .collect();
    if recipients.is_empty() {
        return Err(RoleError::NoProverKeys);
    }
    let blinding = zkml_envelope::random_blinding();
    let opening = Opening::new(pixels, blinding)?;
    let commitment = word_from_scalar(&opening.commitment());
    let context = Context {
        program: backend.program_id().into_bytes(),
        user: backend.prover().into_bytes(),
        commitment,
    };
    let contents = Contents {
        pixels: pixels.to_vec(),
        blinding,
    };
    let envelope = zkml_envelope::seal(&context, &contents, &recipients)
        .map_err(|e| RoleError::Opening(e.to_string()))?;
    let session_id = sent(
        "submit private input",
        backend
            .submit_private_input(commitment, envelope, fee)
            .await,
    )?;
    Ok((
        session_id,
        PrivateOpening {
            pixels: pixels.to_vec(),
            blinding,
            commitment,
        },
    ))
}

/// A user's session and the money around it.
#[derive(Clone, Debug)]
pub struct Status {
    /// The session.
    pub session: Session,
    /// The fee held for it until its outcome (zero once settled, or for a free input).
    pub escrow: u128,
    /// What the program owes the account (refunds, or fees earned as a prover).
    pub owed: u128,
}

/// `user`'s session (the signer's when `None`).
///
/// # Errors
/// [`RoleError::NoSession`] if it has none; the queries' errors.
pub async fn status(backend: &impl RoleBackend, user: Option<ActorId>) -> Result<Status> {
    let user = user.unwrap_or_else(|| backend.prover());
    let session =
        queried("session", backend.session(user).await)?.ok_or(RoleError::NoSession(user))?;
    let escrow = queried("escrow", backend.fee(session.id).await)?;
    let owed = queried("balance", backend.balance(user).await)?;
    Ok(Status {
        session,
        escrow,
        owed,
    })
}

/// Drives the verification of `user`'s session (the signer's when `None`; anyone may) to its
/// outcome: `Verify`, then `ContinueVerification` until the proof is verified or rejected, the
/// signer paying the gas. `progress` is told each message's work done and total. A session that
/// already has its outcome is reported without a message.
///
/// # Errors
/// [`RoleError::NoSession`], [`RoleError::NoProof`] before anything is sent;
/// [`RoleError::Unending`] after [`MAX_VERIFY_MESSAGES`]; the calls' errors.
pub async fn verify(
    backend: &impl RoleBackend,
    user: Option<ActorId>,
    progress: &dyn Fn(u64, u64),
) -> Result<VerificationStatus> {
    let user = user.unwrap_or_else(|| backend.prover());
    let session =
        queried("session", backend.session(user).await)?.ok_or(RoleError::NoSession(user))?;
    let mut resume = match session.state {
        SessionState::AwaitingProof => return Err(RoleError::NoProof(session.id)),
        SessionState::ProofSubmitted => false,
        SessionState::Verifying { .. } => true,
        SessionState::Verified { digit, logits } => {
            return Ok(VerificationStatus::Verified { digit, logits });
        }
        SessionState::Rejected { reason } => return Ok(VerificationStatus::Rejected { reason }),
    };
    for _ in 0..MAX_VERIFY_MESSAGES {
        let status = sent("verify", backend.verify(session.id, resume).await)?;
        match status {
            VerificationStatus::Verifying { done, total } => {
                progress(done, total);
                resume = true;
            }
            outcome => return Ok(outcome),
        }
    }
    Err(RoleError::Unending(MAX_VERIFY_MESSAGES))
}

/// The owner proves its own session with `prover` and submits the proof (the program takes a
/// proof from the session's owner without registration or claim); `opening` is required for a
/// private input (what `submit_private` returned), and must match the session's commitment.
/// `on_event` follows the proving. Returns the session's id; `verify` drives it next.
///
/// # Errors
/// [`RoleError::NoSession`], [`RoleError::NotAwaitingProof`], [`RoleError::Opening`] before
/// proving; [`RoleError::Proving`]; the call's errors.
pub async fn prove_own(
    backend: &impl RoleBackend,
    prover: &Prover,
    opening: Option<&PrivateOpening>,
    on_event: &dyn Fn(Event),
) -> Result<u64> {
    let user = backend.prover();
    let session =
        queried("session", backend.session(user).await)?.ok_or(RoleError::NoSession(user))?;
    if session.state != SessionState::AwaitingProof {
        return Err(RoleError::NotAwaitingProof(session.id));
    }
    let proving = if session.envelope_len == 0 {
        let pixels = queried("input", backend.input(session.id).await)?
            .ok_or(RoleError::NotAwaitingProof(session.id))?;
        Opening::public(&pixels)?
    } else {
        let opening = opening.ok_or_else(|| {
            RoleError::Opening(format!(
                "session {} holds a private input: pass the opening file `zkml submit \
                 --private` saved",
                session.id
            ))
        })?;
        if opening.commitment != session.commitment {
            return Err(RoleError::Opening(format!(
                "it opens commitment 0x{}, but session {} holds 0x{}",
                hex(&opening.commitment),
                session.id,
                hex(&session.commitment)
            )));
        }
        Opening::new(&opening.pixels, opening.blinding)?
    };
    let (proof, _) = prover.prove(&proving, on_event)?;
    let proof = chain_proof(&proof)?;
    sent(
        "submit proof",
        backend.submit_proof(session.id, proof).await,
    )?;
    Ok(session.id)
}

/// What a purge did with the session's fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purged {
    /// The discarded session.
    pub session_id: u64,
    /// The fee held for it, now refunded to the user; zero if it had none or it was already
    /// settled at its outcome.
    pub fee: u128,
    /// Who got the fee: the user (a refund, to withdraw), if there was one.
    pub fee_to: Option<ActorId>,
}

/// Discards the signer's session; its fee comes back to the user. A session whose proof awaits
/// its outcome is purged only from its verification deadline on (the prover has forfeited);
/// before, the program refuses and the user may drive the verification instead.
///
/// # Errors
/// [`RoleError::NoSession`] before anything is sent; [`RoleError::AwaitingVerification`] if
/// the program refuses for a proof awaiting verification; the call's other errors.
pub async fn purge(backend: &impl RoleBackend) -> Result<Purged> {
    let user = backend.prover();
    let session =
        queried("session", backend.session(user).await)?.ok_or(RoleError::NoSession(user))?;
    let fee = queried("escrow", backend.fee(session.id).await)?;
    let session_id = match backend.purge().await {
        Err(CallError::Refused(SessionsError::ProofAwaitingVerification { deadline })) => {
            return Err(RoleError::AwaitingVerification {
                session_id: session.id,
                deadline,
            });
        }
        result => sent("purge", result)?,
    };
    Ok(Purged {
        session_id,
        fee,
        fee_to: (fee > 0).then_some(user),
    })
}

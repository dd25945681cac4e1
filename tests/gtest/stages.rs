//! Gas of the verification's fixed stages, one stage per message: each message attaches exactly
//! the gas the program asks for (`NotEnoughGas { needed }`), which covers the next stage's
//! charged work and not the one after it. A stage that cost more than it is charged would run
//! the message out of gas and fail the test. Alone, a verification checks the secondary matrix
//! claim after the IPA MSM, which runs in between in messages too small to reach it.

use crate::common::*;
use sails_rs::client::{GtestEnv, Service};
use sails_rs::gtest::constants::VALUE_PER_GAS;
use zkml_client::{
    Zkml as _,
    verifier::{VerificationStatus, Verifier as _, VerifierError, VerifierImpl},
};

/// The fixed stages, in the order a verification alone runs them; the MSM comes after the IPA
/// scalars.
const STAGES: [&str; 5] = [
    "output hashes, folds, derandomization",
    "primary SNARK",
    "secondary transcript",
    "IPA scalars",
    "secondary matrix claim",
];

/// Gas of each MSM message: more than its smallest slice, less than the matrix claim's charge.
const MSM_MESSAGE_GAS: u64 = 200_000_000_000;

/// Too little gas for any piece of work.
const PROBE_GAS: u64 = 20_000_000_000;

/// Sends `Verify` (the first message) or `ContinueVerification` with `gas`.
async fn message(
    verifier: &mut Service<VerifierImpl, GtestEnv>,
    id: u64,
    first: bool,
    gas: u64,
) -> Result<VerificationStatus, VerifierError> {
    let sent = if first {
        verifier.verify(id).with_gas_limit(gas).await
    } else {
        verifier.continue_verification(id).with_gas_limit(gas).await
    };
    sent.expect("the message runs")
}

/// The gas the next message reports it needs: sent with too little, it must be refused with
/// `NotEnoughGas { needed }`.
async fn reported_gas(verifier: &mut Service<VerifierImpl, GtestEnv>, id: u64, first: bool) -> u64 {
    match message(verifier, id, first, PROBE_GAS).await {
        Err(VerifierError::NotEnoughGas { needed }) => needed,
        other => std::panic!("{PROBE_GAS} gas must be too little: {other:?}"),
    }
}

/// Runs the fixed stages of the fixture's proof one per message, and the MSM between them;
/// prints each stage's gas, its charged units and the gas attached.
#[tokio::test]
async fn fixed_stages_one_per_message() {
    let chain = Chain::ready().await;
    let id = chain.proved_session(USER, 0).await;
    let mut verifier = chain.as_(USER).verifier();
    let balance = || chain.env().system().balance_of(USER);
    let mut done_before = 0u64;
    for (k, stage) in STAGES.iter().enumerate() {
        if *stage == "secondary matrix claim" {
            let (mut gas, mut messages) = (0, 0);
            while reported_gas(&mut verifier, id, false).await <= MSM_MESSAGE_GAS {
                let before = balance();
                let status = message(&mut verifier, id, false, MSM_MESSAGE_GAS).await;
                assert!(
                    matches!(status, Ok(VerificationStatus::Verifying { .. })),
                    "MSM: {status:?}"
                );
                gas += (before - balance()) / VALUE_PER_GAS;
                messages += 1;
            }
            println!("IPA MSM and final check: {gas:.3e} gas in {messages} messages");
        }
        let needed = reported_gas(&mut verifier, id, k == 0).await;
        let before = balance();
        let status = message(&mut verifier, id, k == 0, needed).await;
        let gas = (before - balance()) / VALUE_PER_GAS;
        match status {
            Ok(VerificationStatus::Verifying { done, .. }) => {
                assert!(done > done_before, "stage {stage} made no progress");
                println!(
                    "stage {stage}: {gas:.3e} gas ({} units charged, {needed:.3e} gas attached)",
                    done - done_before
                );
                done_before = done;
            }
            // The matrix claim is the last piece of work: the proof verifies.
            Ok(VerificationStatus::Verified { .. }) if *stage == "secondary matrix claim" => {
                println!("stage {stage}: {gas:.3e} gas ({needed:.3e} gas attached)");
            }
            _ => std::panic!("stage {stage}: {status:?}"),
        }
    }
}

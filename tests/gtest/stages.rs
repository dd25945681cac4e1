//! Gas of the verification's fixed stages, one stage per message: each message attaches exactly
//! the gas the program asks for (`NotEnoughGas { needed }`), which covers the next stage's
//! charged work and not the one after it. A stage that cost more than it is charged would run
//! the message out of gas and fail the test. Alone, a verification checks the secondary matrix
//! claim after the IPA MSM, which runs in between in messages too small to reach it.

use crate::common::*;
use sails_rs::gtest::constants::VALUE_PER_GAS;
use zkml_client::{
    Zkml as _,
    verifier::{VerificationStatus, Verifier as _, VerifierError},
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

/// Runs the fixed stages of the fixture's proof one per message, and the MSM between them;
/// prints each stage's gas, its charged units and the gas attached.
#[tokio::test]
async fn fixed_stages_one_per_message() {
    let chain = Chain::ready().await;
    let id = chain.proved_session(USER, 0).await;
    let mut verifier = chain.as_(USER).verifier();
    let balance = || chain.env().system().balance_of(USER);
    let mut done_before = 0u64;
    // Too little gas for any stage: the program reports what to attach.
    let probe = 20_000_000_000;
    let mut started = false;
    for stage in STAGES {
        if stage == "secondary matrix claim" {
            let (mut gas, mut messages) = (0, 0);
            loop {
                let Err(VerifierError::NotEnoughGas { needed }) = verifier
                    .continue_verification(id)
                    .with_gas_limit(probe)
                    .await
                    .unwrap()
                else {
                    std::panic!("MSM: {probe} gas must be too little");
                };
                if needed > MSM_MESSAGE_GAS {
                    break;
                }
                let before = balance();
                let status = verifier
                    .continue_verification(id)
                    .with_gas_limit(MSM_MESSAGE_GAS)
                    .await
                    .unwrap();
                assert!(
                    matches!(status, Ok(VerificationStatus::Verifying { .. })),
                    "MSM: {status:?}"
                );
                gas += (before - balance()) / VALUE_PER_GAS;
                messages += 1;
            }
            println!("IPA MSM and final check: {gas:.3e} gas in {messages} messages");
        }
        let refused = if started {
            verifier
                .continue_verification(id)
                .with_gas_limit(probe)
                .await
                .unwrap()
        } else {
            verifier.verify(id).with_gas_limit(probe).await.unwrap()
        };
        let Err(VerifierError::NotEnoughGas { needed }) = refused else {
            std::panic!("stage {stage}: {probe} gas must be too little: {refused:?}");
        };
        let before = balance();
        let status = if started {
            verifier
                .continue_verification(id)
                .with_gas_limit(needed)
                .await
                .unwrap()
        } else {
            verifier.verify(id).with_gas_limit(needed).await.unwrap()
        };
        started = true;
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
            Ok(VerificationStatus::Verified { .. }) if stage == "secondary matrix claim" => {
                println!("stage {stage}: {gas:.3e} gas ({needed:.3e} gas attached)");
            }
            _ => std::panic!("stage {stage}: {status:?}"),
        }
    }
}

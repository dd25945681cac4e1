//! Gas of the verification's fixed stages, one stage per message: each message attaches exactly
//! the gas the program asks for (`NotEnoughGas { needed }`), which covers the next stage's
//! charged work and not the one after it. A stage that cost more than it is charged would run
//! the message out of gas and fail the test.

use crate::common::*;
use sails_rs::gtest::constants::VALUE_PER_GAS;
use zkml_client::{
    Zkml as _,
    verifier::{VerificationStatus, Verifier as _, VerifierError},
};

/// The fixed stages, in the order the verification runs them.
const STAGES: [&str; 5] = [
    "output hashes, folds, derandomization",
    "primary SNARK",
    "secondary transcript",
    "secondary matrix claim",
    "IPA scalars",
];

/// Runs the fixed stages of the fixture's proof one per message; prints each stage's gas, its
/// charged units and the gas attached.
#[tokio::test]
async fn fixed_stages_one_per_message() {
    let chain = Chain::ready().await;
    let id = chain.proved_session(USER, 0).await;
    let mut verifier = chain.as_(USER).verifier();
    let balance = || chain.env().system().balance_of(USER);
    let mut done_before = 0u64;
    for (k, stage) in STAGES.iter().enumerate() {
        // Too little gas for any stage: the program reports what to attach.
        let probe = 20_000_000_000;
        let refused = if k == 0 {
            verifier.verify(id).with_gas_limit(probe).await.unwrap()
        } else {
            verifier
                .continue_verification(id)
                .with_gas_limit(probe)
                .await
                .unwrap()
        };
        let Err(VerifierError::NotEnoughGas { needed }) = refused else {
            std::panic!("stage {stage}: {probe} gas must be too little: {refused:?}");
        };
        let before = balance();
        let status = if k == 0 {
            verifier.verify(id).with_gas_limit(needed).await.unwrap()
        } else {
            verifier
                .continue_verification(id)
                .with_gas_limit(needed)
                .await
                .unwrap()
        };
        let gas = (before - balance()) / VALUE_PER_GAS;
        let Ok(VerificationStatus::Verifying { done, .. }) = status else {
            std::panic!("stage {stage}: {status:?}");
        };
        assert!(done > done_before, "stage {stage} made no progress");
        println!(
            "stage {stage}: {gas:.3e} gas ({} units charged, {needed:.3e} gas attached)",
            done - done_before
        );
        done_before = done;
    }
}

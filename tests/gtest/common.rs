//! Shared fixtures: a deployed program on an embedded gtest chain, and actors to call it.

use sails_rs::{client::*, gtest::System, prelude::*};
use sha3::{Digest, Keccak256};
use zkml_client::{ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram, model::Model as _};

/// The Initializer: deploys the program and is its admin.
pub const ADMIN: u64 = 42;
/// A registered prover.
pub const PROVER: u64 = 100;
/// A user.
pub const USER: u64 = 101;
/// Another user.
pub const OTHER_USER: u64 = 102;
/// An account with no role.
pub const STRANGER: u64 = 103;

/// The program's client, acting as some account.
pub type Program = Actor<ZkmlProgram, GtestEnv>;

/// Keccak-256, as the program computes digests.
pub fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// A 784-byte input whose pixels are all `value`.
pub fn image(value: u8) -> Vec<u8> {
    vec![value; 784]
}

/// A model description with `verifier_data` to upload after deployment.
pub fn model_init(verifier_data: &[u8]) -> ModelInit {
    let verifier_key = b"model-specific verifier key".to_vec();
    ModelInit {
        name: "mnist-784-32-32-10".into(),
        input_shape: (28, 28),
        layer_widths: vec![784, 32, 32, 10],
        shifts: vec![10, 10],
        fold_steps: 3,
        weights_digest: keccak(b"weights"),
        verifier_key_digest: keccak(&verifier_key),
        verifier_key,
        verifier_data_len: verifier_data.len() as u32,
        verifier_data_digest: keccak(verifier_data),
    }
}

/// An embedded chain with the program deployed on it.
pub struct Chain {
    env: GtestEnv,
    program_id: ActorId,
}

impl Chain {
    /// Starts a chain, funds the actors and deploys the program with `init` as `ADMIN`.
    pub async fn deploy(init: ModelInit) -> Result<Self, String> {
        let system = System::new();
        for who in [ADMIN, PROVER, USER, OTHER_USER, STRANGER] {
            system.mint_to(who, 1_000_000_000_000_000_000);
        }
        let code_id = system.submit_code(zkml_wasm::WASM_BINARY);
        let env = GtestEnv::new(system, ADMIN.into());
        let program = env
            .deploy::<ZkmlProgram>(code_id, b"zkml".to_vec())
            .new(init)
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{e:?}"))?;
        Ok(Self {
            env,
            program_id: program.id(),
        })
    }

    /// A chain whose model has no verifier data, finalized, with `PROVER` registered.
    pub async fn ready() -> Self {
        let chain = Self::deploy(model_init(&[])).await.expect("deploys");
        let mut model = chain.as_(ADMIN).model();
        model.finalize().await.unwrap().unwrap();
        model.add_prover(PROVER.into()).await.unwrap().unwrap();
        chain
    }

    /// The program's client acting as `who`.
    pub fn as_(&self, who: u64) -> Program {
        Actor::new(self.env.clone().with_actor_id(who.into()), self.program_id)
    }

    /// The underlying gtest environment.
    pub fn env(&self) -> &GtestEnv {
        &self.env
    }
}

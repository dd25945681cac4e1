//! Shared fixtures: a deployed program on an embedded gtest chain, and actors to call it.

use sails_rs::{client::*, gtest::System, prelude::*};
use std::{path::Path, sync::LazyLock};
use zkml_client::{
    ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram,
    model::Model as _,
    sessions::{Session, Sessions as _},
};
pub use zkml_prover::chain::UPLOAD_CHUNK;
use zkml_prover::{
    export::{ChainKeys, chain_keys, chain_proof},
    model::{Dataset, QuantizedModel},
    proving::{Prover, SetupConfig},
};

/// The Initializer: deploys the program and is its admin.
pub const ADMIN: u64 = 42;
/// A registered prover.
pub const PROVER: u64 = 100;
/// A second registered prover.
pub const OTHER_PROVER: u64 = 104;
/// A user.
pub const USER: u64 = 101;
/// Another user.
pub const OTHER_USER: u64 = 102;
/// An account with no role.
pub const STRANGER: u64 = 103;

/// The program's client, acting as some account.
pub type Program = Actor<ZkmlProgram, GtestEnv>;

/// Keccak-256, as the program computes digests.
pub use zkml_prover::chain::keccak;

/// Real keys and proofs, made once per test binary with the prover (nova-snark).
pub struct Fixture {
    /// The quantized model.
    pub model: QuantizedModel,
    /// The verifier key in the program's wire format: model part and constant part.
    pub keys: ChainKeys,
    /// Two committed test digits, `inputs[i]` proven by `proofs[i]`.
    pub inputs: [Vec<u8>; 2],
    /// Proofs of `inputs` in the program's wire format.
    pub proofs: [Vec<u8>; 2],
}

/// The shared fixture: setup and two proofs (tens of seconds, the first time a test asks).
pub static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = QuantizedModel::load(root.join("prover/assets/model.zkml")).expect("model");
    let digits = Dataset::load(root.join("prover/assets/test-digits.bin")).expect("digits");
    let prover = Prover::setup(&model, &SetupConfig::default_cache(), &|_| {}).expect("setup");
    let keys = chain_keys(&prover).expect("the verifier crate reads nova's key");
    let inputs = [0, 1].map(|i| digits.digits()[i].pixels().to_vec());
    let proofs = [0, 1].map(|i| {
        let (proof, _) = prover.prove(&inputs[i], &|_| {}).expect("proves");
        chain_proof(&proof).expect("the verifier crate reads nova's proof")
    });
    Fixture {
        model,
        keys,
        inputs,
        proofs,
    }
});

/// A 784-byte input whose pixels are all `value`.
pub fn image(value: u8) -> Vec<u8> {
    vec![value; 784]
}

/// The real model's description, with `verifier_data` declared as the data to upload.
pub fn model_init_with(verifier_data: &[u8]) -> ModelInit {
    let mut init = model_init();
    init.verifier_data_len = verifier_data.len() as u32;
    init.verifier_data_digest = keccak(verifier_data);
    init
}

/// The real model's description.
pub fn model_init() -> ModelInit {
    zkml_prover::chain::model_init(&FIXTURE.model, &FIXTURE.keys)
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
        for who in [ADMIN, PROVER, OTHER_PROVER, USER, OTHER_USER, STRANGER] {
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

    /// A chain whose model is uploaded and finalized, with `PROVER` and `OTHER_PROVER`
    /// registered.
    pub async fn ready() -> Self {
        let chain = Self::deploy(model_init()).await.expect("deploys");
        chain.upload(&FIXTURE.keys.constant_key).await;
        let mut model = chain.as_(ADMIN).model();
        model.finalize().await.unwrap().unwrap();
        for prover in [PROVER, OTHER_PROVER] {
            model.add_prover(prover.into()).await.unwrap().unwrap();
        }
        chain
    }

    /// Uploads `data` in order as the admin.
    pub async fn upload(&self, data: &[u8]) {
        let mut admin = self.as_(ADMIN).model();
        for (i, chunk) in data.chunks(UPLOAD_CHUNK).enumerate() {
            let offset = (i * UPLOAD_CHUNK) as u32;
            admin
                .upload_verifier_data(offset, chunk.to_vec())
                .await
                .unwrap()
                .unwrap();
        }
    }

    /// The program's client acting as `who`.
    pub fn as_(&self, who: u64) -> Program {
        Actor::new(self.env.clone().with_actor_id(who.into()), self.program_id)
    }

    /// `prover` claims session `session_id`, which must succeed.
    pub async fn claim(&self, prover: u64, session_id: u64) {
        self.as_(prover)
            .sessions()
            .claim(session_id)
            .await
            .unwrap()
            .unwrap();
    }

    /// The admin removes `prover` from the registry, which must succeed.
    pub async fn remove_prover(&self, prover: u64) {
        self.as_(ADMIN)
            .model()
            .remove_prover(prover.into())
            .await
            .unwrap()
            .unwrap();
    }

    /// `user`'s session, as anyone sees it.
    pub async fn session(&self, user: u64) -> Option<Session> {
        self.as_(STRANGER)
            .sessions()
            .session(user.into())
            .await
            .unwrap()
    }

    /// Runs `n` empty blocks.
    pub fn run_blocks(&self, n: u32) {
        for _ in 0..n {
            self.env.run_next_block();
        }
    }

    /// The underlying gtest environment.
    pub fn env(&self) -> &GtestEnv {
        &self.env
    }
}

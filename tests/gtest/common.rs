//! Shared fixtures: a deployed program on an embedded gtest chain, and actors to call it.

use sails_rs::prelude::*;
use std::sync::LazyLock;
use zkml_client::{
    ModelInit, Zkml as _,
    model::Model as _,
    sessions::{Session, Sessions as _},
    verifier::Verifier as _,
};
use zkml_model::QuantizedModel;
use zkml_proving::{
    Opening, Prover, SetupConfig,
    export::{ChainKeys, chain_keys, chain_proof},
};
pub use zkml_testkit::{
    ADMIN, OTHER_PROVER, OTHER_USER, PROVER, Program, STRANGER, UPLOAD_CHUNK, USER,
    dump_holds_a_run, holds_a_run, keccak,
};

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
    /// A private input: a third digit committed with a random blinding, and its proof.
    pub private: PrivateFixture,
}

/// A private input and its proof.
pub struct PrivateFixture {
    /// The pixels.
    pub pixels: Vec<u8>,
    /// The commitment's blinding.
    pub blinding: [u8; 32],
    /// `C = H(pixels, blinding)`.
    pub commitment: [u8; 32],
    /// The proof for `C`, in the program's wire format.
    pub proof: Vec<u8>,
}

/// The shared fixture: setup and two proofs (tens of seconds, the first time a test asks).
pub static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let model = zkml_model::committed_model().expect("model");
    let digits = zkml_model::sample_digits().expect("digits");
    let prover = Prover::setup(&model, &SetupConfig::default_cache(), &|_| {}).expect("setup");
    let keys = chain_keys(&prover).expect("the verifier crate reads nova's key");
    let inputs = [0, 1].map(|i| digits.digits()[i].pixels().to_vec());
    let proofs = [0, 1].map(|i| {
        let opening = Opening::public(&inputs[i]).expect("784 pixels");
        let (proof, _) = prover.prove(&opening, &|_| {}).expect("proves");
        chain_proof(&proof).expect("the verifier crate reads nova's proof")
    });
    let pixels = digits.digits()[2].pixels().to_vec();
    let blinding = zkml_envelope::random_blinding();
    let opening = Opening::new(&pixels, blinding).expect("an opening");
    let (proof, _) = prover.prove(&opening, &|_| {}).expect("proves");
    let private = PrivateFixture {
        commitment: proof.commitment,
        proof: chain_proof(&proof).expect("the verifier crate reads nova's proof"),
        pixels,
        blinding,
    };
    Fixture {
        model,
        keys,
        inputs,
        proofs,
        private,
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
    zkml_testkit::model_init(&FIXTURE.model, &FIXTURE.keys)
}

/// An embedded chain with the program deployed on it.
pub struct Chain(zkml_testkit::Chain);

impl Chain {
    /// Starts a chain, funds the actors and deploys the program with `init` as `ADMIN`.
    pub async fn deploy(init: ModelInit) -> Result<Self, String> {
        zkml_testkit::Chain::deploy(init)
            .await
            .map(Self)
            .map_err(|e| match e {
                zkml_testkit::Error::Deploy(refusal) => format!("{refusal:?}"),
                zkml_testkit::Error::Transport { source, .. } => source.to_string(),
                other => other.to_string(),
            })
    }

    /// A chain whose model is uploaded and finalized, with `PROVER` and `OTHER_PROVER`
    /// registered.
    pub async fn ready() -> Self {
        let chain = Self::deploy(model_init()).await.expect("deploys");
        chain.upload(&FIXTURE.keys.constant_key).await;
        chain.0.finalize().await.expect("finalizes");
        for prover in [PROVER, OTHER_PROVER] {
            chain.0.add_prover(prover).await.expect("registers");
        }
        chain
    }

    /// Uploads `data` in order as the admin.
    pub async fn upload(&self, data: &[u8]) {
        self.0.upload(data).await.expect("uploads");
    }

    /// The program's client acting as `who`.
    pub fn as_(&self, who: u64) -> Program {
        self.0.as_(who)
    }

    /// Gas `who` has paid for so far.
    pub fn gas_spent(&self, who: u64) -> u128 {
        self.0.gas_spent(who)
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

    /// `user` submits the fixture's input `input` (naming no program), `PROVER` claims it and
    /// submits the fixture's proof `input`, each of which must succeed; the session id.
    pub async fn proved_session(&self, user: u64, input: usize) -> u64 {
        let id = self
            .as_(user)
            .sessions()
            .submit_input(FIXTURE.inputs[input].clone(), None)
            .await
            .unwrap()
            .unwrap();
        self.claim(PROVER, id).await;
        self.as_(PROVER)
            .verifier()
            .submit_proof(id, FIXTURE.proofs[input].clone())
            .await
            .unwrap()
            .unwrap();
        id
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
        self.0.run_blocks(n);
    }

    /// The underlying gtest environment.
    pub fn env(&self) -> &sails_rs::client::GtestEnv {
        self.0.env()
    }

    /// gtest's dump of the program's whole memory (JSON, each page in hex).
    pub fn memory_dump(&self) -> String {
        self.0.memory_dump()
    }

    /// The harness underneath, for its flows (`verify`).
    pub fn kit(&self) -> &zkml_testkit::Chain {
        &self.0
    }

    /// The program's id.
    pub fn program_id(&self) -> ActorId {
        self.0.program_id()
    }

    /// The balance of `who`.
    pub fn balance(&self, who: impl Into<ActorId>) -> u128 {
        self.env().system().balance_of(who.into())
    }

    /// Sends `payload` with `value` from `from` as a raw message, runs a block, and returns
    /// whether the program's reply is a success, with its payload.
    pub fn send_raw(&self, from: u64, payload: Vec<u8>, value: u128) -> (bool, Vec<u8>) {
        let system = self.env().system();
        let program = system.get_program(self.program_id()).expect("deployed");
        let message = program.send_bytes_with_value(from, payload, value);
        let block = system.run_next_block();
        let reply = block
            .log
            .iter()
            .find(|log| log.reply_to() == Some(message))
            .expect("the program replies");
        (
            reply.reply_code().is_some_and(|code| code.is_success()),
            reply.payload().to_vec(),
        )
    }
}

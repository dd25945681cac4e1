//! `zkml deploy`, the Initializer's command: upload the program's code, create the program with
//! the model and its verifier key, upload the verifier data (with progress), finalize, register
//! the provers and, if asked, set the minimum fee.

use super::{Result, RoleBackend, RoleError, sent};
use crate::backend::{GtestBackend, TransportError};
use sails_rs::client::{GearEnv as _, GtestEnv};
use sails_rs::prelude::{ActorId, CodeId};
use zkml_client::{ModelInit, ZkmlCtors as _, ZkmlProgram};

/// Bytes per verifier-data upload message (well under a message's size limit).
pub const UPLOAD_CHUNK: usize = zkml_testkit::UPLOAD_CHUNK;

/// A chain on which an account can create programs.
#[allow(async_fn_in_trait)] // Single-threaded callers.
pub trait Deployer {
    /// The backend of the created program, signed by the deploying account.
    type Backend: RoleBackend;
    /// Uploads `wasm` (if the chain does not have it yet) and creates a program from it with
    /// `salt`, constructed with `init`; the program, called as the deploying account.
    async fn create(&self, wasm: &[u8], salt: Vec<u8>, init: ModelInit) -> Result<Self::Backend>;
}

/// What to deploy and whom to register.
#[derive(Clone, Debug)]
pub struct DeployPlan {
    /// The program's code (Gear-instrumentable wasm).
    pub wasm: Vec<u8>,
    /// The salt that, with the code, makes the program's id (a new one per deployment).
    pub salt: Vec<u8>,
    /// The constructor's argument: the model and its verifier key.
    pub init: ModelInit,
    /// The verifier data uploaded after creation (`ChainKeys::constant_key`).
    pub verifier_data: Vec<u8>,
    /// Accounts registered as provers.
    pub provers: Vec<ActorId>,
    /// The minimum fee set after finalization, if any.
    pub minimum_fee: Option<u128>,
}

/// Deploys `plan` as the deployer's account (the program's admin); `progress` is told the
/// verifier-data bytes uploaded and declared after each chunk. Returns the program's backend.
///
/// # Errors
/// [`RoleError::Refused`] if the program refuses a step (a model it does not accept, a
/// minimum fee below the existential deposit, ...), [`RoleError::Transport`] if a call fails.
/// The settings are checked before anything is sent: a duplicate prover or a verifier-data
/// size that does not match the declared one is refused up front.
pub async fn deploy<D: Deployer>(
    deployer: &D,
    plan: &DeployPlan,
    progress: &dyn Fn(u32, u32),
) -> Result<D::Backend> {
    if plan.verifier_data.len() != plan.init.verifier_data_len as usize {
        return Err(RoleError::Refused {
            call: "deploy",
            reason: format!(
                "the verifier data is {} bytes but the model declares {}",
                plan.verifier_data.len(),
                plan.init.verifier_data_len
            ),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = plan.provers.iter().find(|p| !seen.insert(**p)) {
        return Err(RoleError::Refused {
            call: "deploy",
            reason: format!("prover {twice} is named twice"),
        });
    }
    let backend = deployer
        .create(&plan.wasm, plan.salt.clone(), plan.init.clone())
        .await?;
    let declared = plan.init.verifier_data_len;
    for (i, chunk) in plan.verifier_data.chunks(UPLOAD_CHUNK).enumerate() {
        let offset = (i * UPLOAD_CHUNK) as u32;
        let status = sent(
            "upload verifier data",
            backend.upload_verifier_data(offset, chunk.to_vec()).await,
        )?;
        progress(status.uploaded, declared);
    }
    sent("finalize", backend.finalize().await)?;
    for prover in &plan.provers {
        sent("add prover", backend.add_prover(*prover).await)?;
    }
    if let Some(fee) = plan.minimum_fee {
        sent("set minimum fee", backend.set_minimum_fee(fee).await)?;
    }
    Ok(backend)
}

/// The embedded gtest chain, deploying as the environment's account.
pub struct GtestDeployer {
    env: GtestEnv,
}

impl GtestDeployer {
    /// Deploys on `env`'s chain as `admin`.
    pub fn new(env: &GtestEnv, admin: ActorId) -> Self {
        Self {
            env: env.clone().with_actor_id(admin),
        }
    }
}

impl Deployer for GtestDeployer {
    type Backend = GtestBackend;

    async fn create(&self, wasm: &[u8], salt: Vec<u8>, init: ModelInit) -> Result<GtestBackend> {
        let code_id: CodeId = self.env.system().submit_code(wasm.to_vec());
        let program = self
            .env
            .deploy::<ZkmlProgram>(code_id, salt)
            .new(init)
            .await
            .map_err(|e| RoleError::Transport {
                call: "create program",
                source: TransportError::from(e),
            })?
            .map_err(|defect| RoleError::Refused {
                call: "create program",
                reason: format!("{defect:?}"),
            })?;
        Ok(GtestBackend::new(
            &self.env,
            program.id(),
            self.env.actor_id(),
        ))
    }
}

//! The real-node backend: a Gear/Vara node over WebSocket, through Sails' `GsdkEnv`.

use crate::backend::{Backend, CallError, QueryResult, impl_backend};
use crate::error::{Error, Result, SettingError};
use crate::roles::{self, RoleError, deploy::Deployer, impl_role_backend};
use sails_rs::client::{Actor, GearEnv as _, GsdkEnv};
use sails_rs::gsdk::ext::gear_core::ids::prelude::CodeIdExt;
use sails_rs::gsdk::{Api, SignedApi};
use sails_rs::prelude::ActorId;
use zkml_client::model::ModelError;
use zkml_client::sessions::{Lease, PendingInput, Session, SessionsError};
use zkml_client::verifier::{VerificationStatus, Verifier as _, VerifierError};
use zkml_client::{
    ModelInit, Zkml as _, ZkmlCtors as _, ZkmlProgram, fees::Fees as _, model::Model as _,
    sessions::Sessions as _,
};

/// A program on a real node, called as the prover account of a secret URI.
#[derive(Clone)]
pub struct GsdkBackend {
    env: GsdkEnv,
    program_id: ActorId,
    prover: ActorId,
}

impl GsdkBackend {
    /// Connects to the node at `node` (e.g. `ws://127.0.0.1:9944`) and signs as `suri`
    /// (`//Alice`, a mnemonic or a 0x seed), calling the program `program` (0x hex).
    ///
    /// # Errors
    /// [`Error::Setting`] if the program id does not parse or the secret URI is invalid;
    /// [`Error::Unreachable`] if the node cannot be reached.
    pub async fn connect(node: &str, suri: &str, program: &str) -> Result<Self> {
        let program_id = program
            .parse::<ActorId>()
            .map_err(|_| SettingError::ProgramId(program.into()))?;
        GsdkDeployer::connect(node, suri)
            .await
            .map(|signer| signer.backend(program_id))
    }

    /// The Sails environment, to deploy or call the program directly.
    pub fn env(&self) -> &GsdkEnv {
        &self.env
    }

    pub(crate) fn client(&self) -> Actor<ZkmlProgram, GsdkEnv> {
        Actor::new(self.env.clone(), self.program_id)
    }
}

impl_backend!(GsdkBackend, .query().await);
impl_role_backend!(GsdkBackend, .query().await);

/// An account on a real node, before it names a program: it deploys one, or calls one.
#[derive(Clone)]
pub struct GsdkDeployer {
    api: SignedApi,
    account: ActorId,
}

impl GsdkDeployer {
    /// Connects to the node at `node` and signs as `suri` (`//Alice`, a mnemonic or a 0x seed).
    ///
    /// # Errors
    /// [`Error::Setting`] if the secret URI is invalid; [`Error::Unreachable`] if the node
    /// cannot be reached.
    pub async fn connect(node: &str, suri: &str) -> Result<Self> {
        let api = Api::new(node)
            .await
            .map_err(|e| Error::Unreachable {
                node: node.into(),
                source: e.into(),
            })?
            .signed(suri, None)
            .map_err(|e| SettingError::Signer(e.into()))?;
        let account = ActorId::try_from(api.account_id().as_ref())
            .map_err(|_| SettingError::SignerAccount)?;
        Ok(Self { api, account })
    }

    /// The signing account.
    pub fn account(&self) -> ActorId {
        self.account
    }

    /// The program `program_id`, called as this account.
    pub fn backend(&self, program_id: ActorId) -> GsdkBackend {
        GsdkBackend {
            env: GsdkEnv::new(self.api.clone()),
            program_id,
            prover: self.account,
        }
    }
}

impl Deployer for GsdkDeployer {
    type Backend = GsdkBackend;

    async fn create(
        &self,
        wasm: &[u8],
        salt: Vec<u8>,
        init: ModelInit,
    ) -> roles::Result<GsdkBackend> {
        let transport = |call: &'static str| {
            move |e: sails_rs::gsdk::Error| RoleError::Transport {
                call,
                source: e.into(),
            }
        };
        // A code already on chain keeps its id: upload only a new one.
        let code_id = <sails_rs::prelude::CodeId as CodeIdExt>::generate(wasm);
        let known = self
            .api
            .unsigned()
            .original_code_at(code_id, None)
            .await
            .map(|code| !code.is_empty())
            .unwrap_or(false);
        if !known {
            self.api
                .upload_code(wasm.to_vec())
                .await
                .map_err(transport("upload code"))?;
        }
        let program = GsdkEnv::new(self.api.clone())
            .deploy::<ZkmlProgram>(code_id, salt)
            .new(init)
            .await
            .map_err(|e| RoleError::Transport {
                call: "create program",
                source: e.into(),
            })?
            .map_err(|defect| RoleError::Refused {
                call: "create program",
                reason: format!("{defect:?}"),
            })?;
        Ok(self.backend(program.id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bad_program_id_is_a_setting_error() {
        let result = GsdkBackend::connect("ws://127.0.0.1:1", "//Bob", "not-hex").await;
        assert!(matches!(
            result,
            Err(Error::Setting(SettingError::ProgramId(_)))
        ));
    }

    #[tokio::test]
    async fn an_unreachable_node_is_a_lost_connection() {
        let program = format!("0x{}", "01".repeat(32));
        let result = GsdkBackend::connect("ws://127.0.0.1:1", "//Bob", &program).await;
        let error = result.err().expect("no node listens there");
        assert!(matches!(error, Error::Unreachable { .. }), "{error:?}");
        assert!(error.is_connection_lost());
    }
}

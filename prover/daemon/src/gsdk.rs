//! The real-node backend: a Gear/Vara node over WebSocket, through Sails' `GsdkEnv`.

use crate::backend::{Backend, CallError, QueryResult, impl_backend};
use crate::error::{Error, Result, SettingError};
use sails_rs::client::{Actor, GsdkEnv};
use sails_rs::gsdk::Api;
use sails_rs::prelude::ActorId;
use zkml_client::sessions::{Lease, PendingInput, Session, SessionsError};
use zkml_client::verifier::{VerificationStatus, Verifier as _, VerifierError};
use zkml_client::{
    Zkml as _, ZkmlProgram, fees::Fees as _, model::Model as _, sessions::Sessions as _,
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
        let api = Api::new(node)
            .await
            .map_err(|e| Error::Unreachable {
                node: node.into(),
                source: e.into(),
            })?
            .signed(suri, None)
            .map_err(|e| SettingError::Signer(e.into()))?;
        let prover = ActorId::try_from(api.account_id().as_ref())
            .map_err(|_| SettingError::SignerAccount)?;
        Ok(Self {
            env: GsdkEnv::new(api),
            program_id,
            prover,
        })
    }

    /// The Sails environment, to deploy or call the program directly.
    pub fn env(&self) -> &GsdkEnv {
        &self.env
    }

    fn client(&self) -> Actor<ZkmlProgram, GsdkEnv> {
        Actor::new(self.env.clone(), self.program_id)
    }
}

impl_backend!(GsdkBackend, .query().await);

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

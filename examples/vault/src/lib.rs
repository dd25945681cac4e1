//! An example program built on vara-zkml: a vault that pays a reward, once per user, to users
//! whose input the zkml program's model classified as the vault's digit.
//!
//! It talks to the zkml program only through the generated `zkml-client`, on-chain (`GstdEnv`):
//! - a user whose session named the vault at `SubmitInput` is paid when the zkml program's
//!   notification arrives (`ZkmlReceiver.OnZkmlOutcome`); notifications from anyone but the
//!   configured zkml program are refused;
//! - any user may instead present an existing session with `Vault.Claim(session_id)`: the vault
//!   asks the zkml program for the outcome (`Sessions.Outcome`, a message and its reply) and
//!   trusts nothing its caller says.
#![no_std]
// On wasm32, `#[sails_rs::program]` adds an undocumented `wasm` module (the entry points).
#![cfg_attr(not(target_arch = "wasm32"), deny(missing_docs))]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::BTreeMap;
use core::cell::RefCell;
use sails_rs::{
    client::{Actor, GstdEnv},
    gstd::{Syscall, msg},
    prelude::*,
};
use zkml_client::{
    Zkml as _, ZkmlProgram,
    receiver::NotificationRefused,
    sessions::{Outcome, SessionOutcome, Sessions as _},
};

/// Number of classes the zkml model tells apart: digits 0 to 9.
const CLASSES: u8 = 10;

/// Why the vault refused a call.
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaultError {
    /// The constructor's digit is not 0 to 9.
    InvalidDigit {
        /// The digit given.
        digit: u8,
    },
    /// The constructor's reward is zero.
    ZeroReward,
    /// Value was attached to a call that takes none; the failed message returns it.
    ValueNotAccepted {
        /// The value attached.
        value: u128,
    },
    /// The zkml program did not answer the outcome query.
    ZkmlUnreachable,
    /// The zkml program has no outcome for the session: unknown, unfinished or evicted.
    NoOutcome {
        /// The session.
        session_id: u64,
    },
    /// The session is another user's.
    NotYourSession {
        /// The session's user.
        user: ActorId,
    },
    /// The session's proof was rejected: there is no answer to reward.
    ProofRejected,
    /// The model classified the input as another digit than the vault's.
    WrongDigit {
        /// The digit the model gave.
        digit: u8,
    },
    /// The user was already paid (once per user).
    AlreadyPaid {
        /// The session the user was paid for.
        session_id: u64,
    },
    /// The vault could not send the reward (too little balance).
    PaymentFailed,
}

/// The vault's settings, fixed at deployment.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultConfig {
    /// The zkml program the vault trusts.
    pub zkml: ActorId,
    /// The digit it rewards.
    pub digit: u8,
    /// The reward, in value units.
    pub reward: u128,
}

/// A reward paid.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The session it rewarded.
    pub session_id: u64,
    /// The value paid.
    pub reward: u128,
}

/// The vault's state: its settings, who was paid, and each user's latest notified outcome.
struct VaultState {
    config: VaultConfig,
    paid: BTreeMap<ActorId, Payment>,
    notified: BTreeMap<ActorId, SessionOutcome>,
}

impl VaultState {
    /// Pays `outcome`'s user if the model gave the vault's digit and the user was not paid yet;
    /// records the payment. Refused (nothing changes) otherwise, or if the transfer fails.
    fn reward(&mut self, outcome: &SessionOutcome) -> Result<Payment, VaultError> {
        if let Some(payment) = self.paid.get(&outcome.user) {
            return Err(VaultError::AlreadyPaid {
                session_id: payment.session_id,
            });
        }
        match outcome.outcome {
            Outcome::Rejected { .. } => return Err(VaultError::ProofRejected),
            Outcome::Verified { digit, .. } if digit != self.config.digit => {
                return Err(VaultError::WrongDigit { digit });
            }
            Outcome::Verified { .. } => {}
        }
        let payment = Payment {
            session_id: outcome.session_id,
            reward: self.config.reward,
        };
        msg::send_bytes(outcome.user, [], payment.reward).map_err(|_| VaultError::PaymentFailed)?;
        self.paid.insert(outcome.user, payment);
        Ok(payment)
    }
}

/// The vault program.
pub struct VaultProgram {
    state: RefCell<VaultState>,
}

#[sails_rs::program]
impl VaultProgram {
    /// Deploys a vault that trusts the zkml program `zkml` and pays `reward` to each user whose
    /// input the model classifies as `digit`. Fund it by attaching value here or by
    /// transferring value to it.
    #[export(unwrap_result)]
    pub fn new(zkml: ActorId, digit: u8, reward: u128) -> Result<Self, VaultError> {
        if digit >= CLASSES {
            return Err(VaultError::InvalidDigit { digit });
        }
        if reward == 0 {
            return Err(VaultError::ZeroReward);
        }
        Ok(Self {
            state: RefCell::new(VaultState {
                config: VaultConfig {
                    zkml,
                    digit,
                    reward,
                },
                paid: BTreeMap::new(),
                notified: BTreeMap::new(),
            }),
        })
    }

    /// Claims and queries.
    pub fn vault(&self) -> services::VaultService<'_> {
        services::VaultService::new(&self.state)
    }

    /// The zkml program's notifications.
    pub fn zkml_receiver(&self) -> services::ZkmlReceiver<'_> {
        services::ZkmlReceiver::new(&self.state)
    }
}

/// The vault's two services. `#[sails_rs::service]` adds an undocumented public exposure type
/// beside each, hence the `missing_docs` allowance; their own items are documented.
#[allow(missing_docs)]
pub mod services {
    use super::*;

    /// Claims and queries.
    pub struct VaultService<'a> {
        state: &'a RefCell<VaultState>,
    }

    impl<'a> VaultService<'a> {
        pub(crate) fn new(state: &'a RefCell<VaultState>) -> Self {
            Self { state }
        }
    }

    #[sails_rs::service]
    impl VaultService<'_> {
        /// Pays the caller's reward for session `session_id` of the configured zkml program, which
        /// the vault asks for the session's outcome: the session must be the caller's, verified,
        /// with the vault's digit, and the caller not yet paid. Returns the reward.
        #[export(unwrap_result)]
        pub async fn claim(&mut self, session_id: u64) -> Result<u128, VaultError> {
            match Syscall::message_value() {
                0 => {}
                value => return Err(VaultError::ValueNotAccepted { value }),
            }
            let user = Syscall::message_source();
            let zkml = {
                let state = self.state.borrow();
                if let Some(payment) = state.paid.get(&user) {
                    return Err(VaultError::AlreadyPaid {
                        session_id: payment.session_id,
                    });
                }
                state.config.zkml
            };
            let outcome = Actor::<ZkmlProgram, GstdEnv>::new(GstdEnv, zkml)
                .sessions()
                .outcome(session_id)
                .await
                .map_err(|_| VaultError::ZkmlUnreachable)?
                .ok_or(VaultError::NoOutcome { session_id })?;
            if outcome.user != user {
                return Err(VaultError::NotYourSession { user: outcome.user });
            }
            // Checked again after the reply: another claim may have paid the user meanwhile.
            let payment = self.state.borrow_mut().reward(&outcome)?;
            Ok(payment.reward)
        }

        /// The vault's settings.
        #[export]
        pub fn config(&self) -> VaultConfig {
            self.state.borrow().config
        }

        /// The reward paid to `user`, if any.
        #[export]
        pub fn payment(&self, user: ActorId) -> Option<Payment> {
            self.state.borrow().paid.get(&user).copied()
        }

        /// The latest outcome the zkml program notified for `user`'s sessions, if any.
        #[export]
        pub fn notified(&self, user: ActorId) -> Option<SessionOutcome> {
            self.state.borrow().notified.get(&user).cloned()
        }
    }

    /// The receiver of the zkml program's notifications: the `ZkmlReceiver` interface of
    /// `zkml_client::receiver` (one method, no events), so that its interface id is the one the
    /// zkml program addresses.
    pub struct ZkmlReceiver<'a> {
        state: &'a RefCell<VaultState>,
    }

    impl<'a> ZkmlReceiver<'a> {
        pub(crate) fn new(state: &'a RefCell<VaultState>) -> Self {
            Self { state }
        }
    }

    #[sails_rs::service]
    impl ZkmlReceiver<'_> {
        /// A session that named the vault has ended. Refused unless it comes from the configured
        /// zkml program, without value. Pays the user if the model gave the vault's digit and the
        /// user was not paid yet; any other outcome, or a failed transfer, is accepted and pays
        /// nothing (the user may still `Claim` later), so that the zkml program's message succeeds.
        #[export(unwrap_result)]
        pub fn on_zkml_outcome(
            &mut self,
            outcome: SessionOutcome,
        ) -> Result<(), NotificationRefused> {
            match Syscall::message_value() {
                0 => {}
                value => return Err(NotificationRefused::ValueNotAccepted { value }),
            }
            let sender = Syscall::message_source();
            let mut state = self.state.borrow_mut();
            if sender != state.config.zkml {
                return Err(NotificationRefused::UnknownSender { sender });
            }
            // Declining to pay is not a refusal of the notification.
            let _ = state.reward(&outcome);
            state.notified.insert(outcome.user, outcome);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use sails_rs::meta::Identifiable;

    /// The receiver service has the interface id the zkml program's notifications name.
    #[test]
    fn the_receiver_has_the_interface_id_zkml_addresses() {
        assert_eq!(
            <super::services::ZkmlReceiver<'static> as Identifiable>::INTERFACE_ID,
            zkml_client::receiver::INTERFACE_ID
        );
    }
}

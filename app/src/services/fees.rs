//! The Fees service: the minimum fee, the escrows and balances, and withdrawals.
//!
//! Fees are attached to `Sessions.SubmitInput`; settling a session credits an account's
//! balance (see [`crate::state::fees`]); `Withdraw` pays the caller's whole balance out in its
//! reply. `Withdraw` is the only call that moves value out of the program.

use super::{check_call, query_takes_no_value};
use crate::error::FeesError;
use crate::state::fees::{Escrow, FeeTotals};
use crate::state::model::ModelState;
use crate::state::sessions::SessionsState;
use core::cell::RefCell;
use sails_rs::prelude::*;

/// Events of the Fees service.
#[sails_rs::event]
#[sails_type]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeesEvents {
    /// The admin set the minimum fee an input must carry.
    MinimumFeeSet {
        /// The new minimum.
        fee: u128,
    },
    /// An account withdrew its whole balance.
    Withdrawn {
        /// The account paid.
        account: ActorId,
        /// How much.
        amount: u128,
    },
}

/// The Fees service.
pub struct FeesService<'a> {
    model: &'a RefCell<ModelState>,
    sessions: &'a RefCell<SessionsState>,
}

impl<'a> FeesService<'a> {
    /// A service over the program's model (for its admin) and sessions (which hold the books).
    pub fn new(model: &'a RefCell<ModelState>, sessions: &'a RefCell<SessionsState>) -> Self {
        Self { model, sessions }
    }
}

#[sails_rs::service(events = FeesEvents)]
impl FeesService<'_> {
    /// Sets the minimum fee an input must carry (admin only): zero makes inputs free; a
    /// non-zero minimum must be at least the existential deposit. Inputs already submitted
    /// keep their fee.
    #[export(unwrap_result)]
    pub fn set_minimum_fee(&mut self, fee: u128) -> Result<(), FeesError> {
        check_call(&fee)?;
        if self.model.borrow().info().admin != Syscall::message_source() {
            return Err(FeesError::NotAdmin);
        }
        self.sessions
            .borrow_mut()
            .ledger_mut()
            .set_minimum_fee(fee, Syscall::env_vars().existential_deposit)?;
        self.emit_event(FeesEvents::MinimumFeeSet { fee })
            .map_err(|_| FeesError::EventNotEmitted)
    }

    /// Pays the caller's whole balance (fees earned as a prover, refunds as a user) out in the
    /// reply, and returns the amount. Refused with `NothingOwed` if the balance is zero. If the
    /// transfer fails, the message fails and the balance stays owed.
    #[export(unwrap_result)]
    pub fn withdraw(&mut self) -> Result<CommandReply<u128>, FeesError> {
        check_call(&())?;
        let account = Syscall::message_source();
        let amount = self.sessions.borrow_mut().ledger_mut().withdraw(&account)?;
        self.emit_event(FeesEvents::Withdrawn { account, amount })
            .map_err(|_| FeesError::EventNotEmitted)?;
        Ok(CommandReply::new(amount).with_value(amount))
    }

    /// The minimum fee an input must carry.
    #[export]
    pub fn minimum_fee(&self) -> u128 {
        query_takes_no_value();
        self.sessions.borrow().ledger().minimum_fee()
    }

    /// What the program owes `account` (fees earned, refunds), until it withdraws.
    #[export]
    pub fn balance(&self, account: ActorId) -> u128 {
        query_takes_no_value();
        self.sessions.borrow().ledger().balance(&account)
    }

    /// The fee held for session `session_id`, while it awaits its outcome (none for a free
    /// input).
    #[export]
    pub fn escrow(&self, session_id: u64) -> Option<Escrow> {
        query_takes_no_value();
        self.sessions.borrow().ledger().escrow(session_id)
    }

    /// The books as a whole: the minimum fee, the fees in escrow and the balances owed. The
    /// program's balance is their sum plus its existential deposit.
    #[export]
    pub fn totals(&self) -> FeeTotals {
        query_takes_no_value();
        self.sessions.borrow().ledger().totals()
    }
}

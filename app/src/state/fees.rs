//! Fees: what users attach to their inputs, held in escrow per session until the session's
//! outcome settles it, and what the program owes each account until it withdraws.
//!
//! Payments are pulled: settling a session only moves its escrow to an account's balance
//! (the prover's for a proof that verified, the user's for a refund), and `Fees.Withdraw`
//! pays a balance out to its owner in the reply. No outcome ever waits on a transfer, and a
//! transfer that fails fails its own `Withdraw` message, which leaves the balance owed.
//!
//! The books always balance: the program's balance is [`Ledger::escrowed`] plus
//! [`Ledger::owed`] plus its existential deposit.

use super::sorted_map::SortedMap;
use crate::error::{FeesError, SessionsError};
use sails_rs::prelude::*;

/// A fee held for a session until its outcome.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Escrow {
    /// Who paid it: the session's user, refunded if no proof of the session verifies.
    pub payer: ActorId,
    /// How much.
    pub amount: u128,
}

/// The fee books as a whole, for the `Fees.Totals` query.
#[sails_type]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeTotals {
    /// The minimum fee an input must carry.
    pub minimum_fee: u128,
    /// Fees held for sessions without an outcome.
    pub escrowed: u128,
    /// Balances owed to accounts, not withdrawn yet.
    pub owed: u128,
}

/// Where a session's escrow went when it settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// The fee went to the prover whose proof was accepted.
    Paid {
        /// The session.
        session_id: u64,
        /// The prover credited.
        prover: ActorId,
        /// The fee.
        amount: u128,
    },
    /// The fee went back to the session's user.
    Refunded {
        /// The session.
        session_id: u64,
        /// The user credited.
        user: ActorId,
        /// The fee.
        amount: u128,
    },
}

/// The fee books: escrows by session, balances by account, and the settlements of the current
/// message (the services drain them into events).
#[derive(Default)]
pub struct Ledger {
    minimum_fee: u128,
    escrows: SortedMap<u64, Escrow>,
    owed: SortedMap<ActorId, u128>,
    escrowed_total: u128,
    owed_total: u128,
    settled: Vec<Settlement>,
}

impl Ledger {
    /// The minimum fee an input must carry.
    pub fn minimum_fee(&self) -> u128 {
        self.minimum_fee
    }

    /// Sets the minimum fee; zero (free inputs) or at least `existential_deposit`, below
    /// which no transfer can pay a balance out.
    pub fn set_minimum_fee(
        &mut self,
        fee: u128,
        existential_deposit: u128,
    ) -> Result<(), FeesError> {
        if fee != 0 && fee < existential_deposit {
            return Err(FeesError::BelowExistentialDeposit {
                existential_deposit,
                got: fee,
            });
        }
        self.minimum_fee = fee;
        Ok(())
    }

    /// Checks that `fee` may pay for an input: at least the minimum, and zero or at least
    /// `existential_deposit` (a smaller value could never be paid out).
    pub fn check_fee(&self, fee: u128, existential_deposit: u128) -> Result<(), SessionsError> {
        if fee < self.minimum_fee {
            return Err(SessionsError::FeeBelowMinimum {
                minimum: self.minimum_fee,
                got: fee,
            });
        }
        if fee != 0 && fee < existential_deposit {
            return Err(SessionsError::FeeBelowExistentialDeposit {
                existential_deposit,
                got: fee,
            });
        }
        Ok(())
    }

    /// Holds `amount` paid by `payer` for session `session_id` (nothing for a free input).
    pub fn hold(&mut self, session_id: u64, payer: ActorId, amount: u128) {
        if amount == 0 {
            return;
        }
        self.escrowed_total = self.escrowed_total.saturating_add(amount);
        self.escrows.insert(session_id, Escrow { payer, amount });
    }

    /// The escrow of session `session_id`, while it has one.
    pub fn escrow(&self, session_id: u64) -> Option<Escrow> {
        self.escrows.get(&session_id).copied()
    }

    /// Settles session `session_id`'s escrow to `prover`, whose proof of it counts as paid for.
    pub fn pay(&mut self, session_id: u64, prover: ActorId) {
        if let Some(escrow) = self.release(session_id) {
            self.credit(prover, escrow.amount);
            self.settled.push(Settlement::Paid {
                session_id,
                prover,
                amount: escrow.amount,
            });
        }
    }

    /// Settles session `session_id`'s escrow back to its payer.
    pub fn refund(&mut self, session_id: u64) {
        if let Some(escrow) = self.release(session_id) {
            self.credit(escrow.payer, escrow.amount);
            self.settled.push(Settlement::Refunded {
                session_id,
                user: escrow.payer,
                amount: escrow.amount,
            });
        }
    }

    /// What the program owes `account`.
    pub fn balance(&self, account: &ActorId) -> u128 {
        self.owed.get(account).copied().unwrap_or(0)
    }

    /// Takes `account`'s whole balance off the books, to be paid out; refused if nothing is
    /// owed.
    pub fn withdraw(&mut self, account: &ActorId) -> Result<u128, FeesError> {
        let amount = self.owed.remove(account).ok_or(FeesError::NothingOwed)?;
        self.owed_total = self.owed_total.saturating_sub(amount);
        Ok(amount)
    }

    /// The books as a whole.
    pub fn totals(&self) -> FeeTotals {
        FeeTotals {
            minimum_fee: self.minimum_fee,
            escrowed: self.escrowed_total,
            owed: self.owed_total,
        }
    }

    /// The settlements since the last call, oldest first, for the events that report them.
    pub fn take_settlements(&mut self) -> Vec<Settlement> {
        mem::take(&mut self.settled)
    }

    fn release(&mut self, session_id: u64) -> Option<Escrow> {
        let escrow = self.escrows.remove(&session_id)?;
        self.escrowed_total = self.escrowed_total.saturating_sub(escrow.amount);
        Some(escrow)
    }

    fn credit(&mut self, account: ActorId, amount: u128) {
        let owed = self.owed.get_or_insert(account, 0);
        *owed = owed.saturating_add(amount);
        self.owed_total = self.owed_total.saturating_add(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: u128 = 1_000;
    const USER: ActorId = ActorId::new([1; 32]);
    const PROVER: ActorId = ActorId::new([2; 32]);

    fn books_balance(ledger: &Ledger) {
        let escrowed: u128 = ledger.escrows.values().map(|e| e.amount).sum();
        let owed: u128 = ledger.owed.values().sum();
        assert_eq!(ledger.totals().escrowed, escrowed);
        assert_eq!(ledger.totals().owed, owed);
    }

    #[test]
    fn fees_are_checked_against_the_minimum_and_the_deposit() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.check_fee(0, ED), Ok(()));
        assert_eq!(
            ledger.check_fee(ED - 1, ED),
            Err(SessionsError::FeeBelowExistentialDeposit {
                existential_deposit: ED,
                got: ED - 1
            })
        );
        assert_eq!(
            ledger.set_minimum_fee(1, ED),
            Err(FeesError::BelowExistentialDeposit {
                existential_deposit: ED,
                got: 1
            })
        );
        assert_eq!(ledger.minimum_fee(), 0);
        ledger.set_minimum_fee(2 * ED, ED).unwrap();
        assert_eq!(
            ledger.check_fee(ED, ED),
            Err(SessionsError::FeeBelowMinimum {
                minimum: 2 * ED,
                got: ED
            })
        );
        assert_eq!(ledger.check_fee(2 * ED, ED), Ok(()));
    }

    #[test]
    fn escrows_settle_once_and_balances_withdraw_once() {
        let mut ledger = Ledger::default();
        ledger.hold(1, USER, 5 * ED);
        ledger.hold(2, USER, 3 * ED);
        ledger.hold(3, USER, 0);
        assert_eq!(ledger.escrow(3), None);
        books_balance(&ledger);
        ledger.pay(1, PROVER);
        ledger.pay(1, PROVER);
        ledger.refund(2);
        ledger.refund(3);
        books_balance(&ledger);
        assert_eq!(ledger.balance(&PROVER), 5 * ED);
        assert_eq!(ledger.balance(&USER), 3 * ED);
        assert_eq!(ledger.totals().escrowed, 0);
        assert_eq!(ledger.take_settlements().len(), 2);
        assert!(ledger.take_settlements().is_empty());
        assert_eq!(ledger.withdraw(&PROVER), Ok(5 * ED));
        assert_eq!(ledger.withdraw(&PROVER), Err(FeesError::NothingOwed));
        books_balance(&ledger);
        assert_eq!(ledger.totals().owed, 3 * ED);
    }
}

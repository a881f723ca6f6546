//! The one money model: which (account, fund) balances an entry moves, and
//! how its reversal moves them back.
//!
//! The rule engine (`rules`), the node's query aggregates and the audit
//! rules all read money through [`movement`] and [`Movement::signed`], so a
//! change to how money moves is made here once and cannot leave the three
//! disagreeing (the node's `money_model` test checks they agree on the whole
//! demo ledger).
//!
//! An entry moves at most one amount of one fund: out of `from` (absent for
//! a fund issue: the money comes from outside the ledger) and into `to`
//! (absent for payments to payees and households: the money leaves the
//! ledger's custody). A reversal is that movement backwards.

use crate::entry::{Account, EntryBody};
use crate::ids::Ident;

/// Which way a leg moves a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Money leaves the account.
    Debit,
    /// Money reaches the account.
    Credit,
}

/// Whether a movement is applied (the entry) or taken back (its reversal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// The entry's own movement.
    Add,
    /// Its reversal: the same movement backwards.
    Sub,
}

impl Sign {
    /// The other sign.
    pub fn flip(self) -> Sign {
        match self {
            Sign::Add => Sign::Sub,
            Sign::Sub => Sign::Add,
        }
    }
}

/// One entry's money movement. Generic over how accounts (`A`) and funds
/// (`F`) are named, so each user keeps its own interned indexes while the
/// shape (and the meaning of a reversal) stays here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement<A, F> {
    /// The fund moved.
    pub fund: F,
    /// Fen moved.
    pub amount: u64,
    /// Account debited; None: the money came from outside (a fund issue).
    pub from: Option<A>,
    /// Account credited; None: the money left custody (payee, household).
    pub to: Option<A>,
}

impl<A, F> Movement<A, F> {
    /// The movement that undoes this one: what was credited is debited back,
    /// what was debited is credited back.
    pub fn reversed(self) -> Self {
        Movement {
            fund: self.fund,
            amount: self.amount,
            from: self.to,
            to: self.from,
        }
    }

    /// This movement as applied (`Add`) or taken back (`Sub`).
    pub fn signed(self, sign: Sign) -> Self {
        match sign {
            Sign::Add => self,
            Sign::Sub => self.reversed(),
        }
    }

    /// Its legs per account, the debit first (a payer is charged before the
    /// payee is credited, which is the order the audit's watchers expect).
    pub fn legs(self) -> impl Iterator<Item = (A, Direction)> {
        self.from
            .map(|a| (a, Direction::Debit))
            .into_iter()
            .chain(self.to.map(|a| (a, Direction::Credit)))
    }

    /// The same movement with accounts and fund renamed (e.g. interned).
    pub fn map<B, G>(self, mut account: impl FnMut(A) -> B, fund: impl FnOnce(F) -> G) -> Movement<B, G> {
        Movement {
            fund: fund(self.fund),
            amount: self.amount,
            from: self.from.map(&mut account),
            to: self.to.map(&mut account),
        }
    }
}

/// The money an entry moves by itself; None for entries that move none
/// (administration, project registration) and for reversals, whose movement
/// is their target's, [`Movement::reversed`].
pub fn movement(body: &EntryBody) -> Option<Movement<&Account, &Ident>> {
    let (fund, amount, from, to) = match body {
        EntryBody::FundIssue(e) => (&e.fund, e.amount, None, Some(&e.to)),
        EntryBody::Transfer(e) => (&e.fund, e.amount, Some(&e.from), Some(&e.to)),
        EntryBody::ProjectDisbursement(e) => (&e.fund, e.amount, Some(&e.from), None),
        EntryBody::HouseholdSubsidy(e) => (&e.fund, e.amount, Some(&e.from), None),
        EntryBody::Genesis(_)
        | EntryBody::KeyGrant(_)
        | EntryBody::KeyRevoke { .. }
        | EntryBody::RegionRegister { .. }
        | EntryBody::PolicyUpdate { .. }
        | EntryBody::LogKeyRotate { .. }
        | EntryBody::ContactsUpdate(_)
        | EntryBody::ProjectRegister(_)
        | EntryBody::Reversal(_)
        | EntryBody::Notice(_)
        | EntryBody::HouseholdCheck(_)
        | EntryBody::HouseholdRegister(_)
        | EntryBody::HouseholdExit(_)
        | EntryBody::Objection(_)
        | EntryBody::ObjectionResolve(_)
        | EntryBody::PaymentConfirm(_)
        | EntryBody::ProjectReview(_)
        | EntryBody::ProjectApprove(_)
        | EntryBody::ProjectStart(_)
        | EntryBody::ProjectAccept(_)
        | EntryBody::ProjectHandover(_)
        | EntryBody::ProjectEvaluate(_)
        | EntryBody::ProjectAdjust(_)
        | EntryBody::ProjectCancel(_) => return None,
    };
    Some(Movement {
        fund,
        amount: amount.get(),
        from,
        to,
    })
}

/// `balance` after one leg of `amount`, saturating. Every user checks (the
/// rule engine) or relies on (the aggregates, the audit, which only see
/// entries the rule engine accepted) that a debit never exceeds the balance
/// and a reversal only takes back what its target added, so saturation never
/// happens; it only rules out a panic or a wrap on a bug.
pub fn apply_leg(balance: u64, amount: u64, direction: Direction) -> u64 {
    match direction {
        Direction::Debit => balance.saturating_sub(amount),
        Direction::Credit => balance.saturating_add(amount),
    }
}

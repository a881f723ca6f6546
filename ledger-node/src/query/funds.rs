//! The funds view: each fund's metadata, flows and balances per account.

use ledger_core::entry::{EntryBody, FundFacts};
use ledger_core::ids::Ident;
use ledger_core::money::{self, Sign};
use ledger_core::region::RegionCode;
use std::collections::BTreeMap;

use super::{AccountId, QueryIndex, Tally};

/// A node of a fund's flow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlowNode {
    /// The fund's external source (central budget, donation, …).
    Source,
    /// An account inside the ledger's custody.
    Account(AccountId),
    /// A contractor or supplier (index into [`QueryIndex::payees`]).
    Payee(u32),
    /// The households of one village, grouped: per-household cells would
    /// grow with the entries.
    Households(RegionCode),
}

/// A fund and where its money went.
#[derive(Debug, Clone)]
pub struct FundInfo {
    /// Id, title, 文号, source, category and fiscal year: the core's type,
    /// shared with the rule state's `FundRecord` (also read through `Deref`).
    pub facts: FundFacts,
    /// Issued, net of a reversal of the issue.
    pub issued: u64,
    /// The issuing entry.
    pub issue_seq: u64,
    /// Where it was issued.
    pub issued_to: AccountId,
    /// Amount moved along each edge, net of reversals.
    pub flows: BTreeMap<(FlowNode, FlowNode), Tally>,
    /// What each account holds of the fund now.
    pub balances: BTreeMap<AccountId, u64>,
    /// Paid to each payee or village's households.
    pub payees: BTreeMap<FlowNode, Tally>,
}

/// `fund.title`, `fund.fiscal_year`, … read the facts directly, as they
/// did when they were fields of this struct (the API's views read them).
impl std::ops::Deref for FundInfo {
    type Target = FundFacts;
    fn deref(&self) -> &FundFacts {
        &self.facts
    }
}

impl QueryIndex {
    /// Every fund, in issue order.
    pub fn funds(&self) -> &[FundInfo] {
        &self.funds
    }

    /// A fund by id.
    pub fn fund(&self, id: &Ident) -> Option<&FundInfo> {
        self.fund_ids.get(id).and_then(|i| self.funds.get(*i as usize))
    }

    /// A fund by index.
    pub fn fund_at(&self, index: u32) -> Option<&FundInfo> {
        self.funds.get(index as usize)
    }

    /// Fund balances per account, through the one money model (a reversal is
    /// the target's movement backwards); a balance is dropped at zero.
    pub(super) fn apply_balances(&mut self, body: &EntryBody, sign: Sign) {
        let Some(m) = money::movement(body) else {
            return;
        };
        let Some(m) = self.index_movement(m, sign) else {
            return;
        };
        let Some(f) = self.funds.get_mut(m.fund as usize) else {
            return;
        };
        for (account, direction) in m.legs() {
            let balance = f.balances.entry(account).or_insert(0);
            // Modulo 2^64, as every aggregate (`tally::signed`).
            *balance = match direction {
                ledger_core::money::Direction::Debit => balance.wrapping_sub(m.amount),
                ledger_core::money::Direction::Credit => balance.wrapping_add(m.amount),
            };
            if *balance == 0 {
                f.balances.remove(&account);
            }
        }
    }
}

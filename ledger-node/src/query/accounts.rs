//! Accounts: interned ids, names, regions and balances.

use ledger_core::entry::Account;
use ledger_core::ids::Ident;
use ledger_core::money::{Movement, Sign};
use ledger_core::region::{RegionCode, RegionLevel};

use super::QueryIndex;

/// An account, with projects interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountId {
    /// A region's treasury.
    Treasury(RegionCode),
    /// A project's account (index into [`QueryIndex::projects`]).
    Project(u32),
}

impl QueryIndex {
    /// The interned id of an account, if the ledger knows it.
    pub fn account_id(&self, account: &Account) -> Option<AccountId> {
        match account {
            Account::Treasury(code) => self.regions.contains_key(code).then_some(AccountId::Treasury(*code)),
            Account::Project(id) => self.project_ids.get(id).map(|i| AccountId::Project(*i)),
        }
    }

    /// The public form of an account id (`treasury:…`, `project:…`).
    pub fn account_key(&self, account: AccountId) -> String {
        match account {
            AccountId::Treasury(code) => format!("treasury:{code}"),
            AccountId::Project(i) => match self.project_at(i) {
                Some(p) => format!("project:{}", p.id),
                None => format!("project:#{i}"),
            },
        }
    }

    /// A human name for an account: 区财政局, 镇财政所, 村集体, or the project.
    pub fn account_name(&self, account: AccountId) -> String {
        match account {
            AccountId::Treasury(code) => {
                let name = self.region_name(code);
                match code.level() {
                    RegionLevel::District => format!("{name}财政局"),
                    RegionLevel::Town => format!("{name}财政所"),
                    RegionLevel::Village => format!("{name}集体账户"),
                }
            }
            AccountId::Project(i) => self
                .project_at(i)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| self.account_key(account)),
        }
    }

    /// The region an account belongs to (a project's village).
    pub fn account_region(&self, account: AccountId) -> Option<RegionCode> {
        match account {
            AccountId::Treasury(code) => Some(code),
            AccountId::Project(i) => self.project_at(i).map(|p| p.village),
        }
    }

    /// Every fund an account holds a non-zero balance of: (fund index, fen).
    pub fn balances_of(&self, account: AccountId) -> Vec<(u32, u64)> {
        self.funds
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.balances.get(&account).filter(|b| **b > 0).map(|b| (i as u32, *b)))
            .collect()
    }

    pub(super) fn intern_account(&self, account: &Account) -> Option<AccountId> {
        self.account_id(account)
    }

    /// A movement of the one money model in this index's names (fund index,
    /// account ids), as applied (`Add`) or taken back (`Sub`). None when it
    /// names a fund or account the index does not know (never on an
    /// accepted chain): the balances and the aging both skip such a
    /// movement whole rather than half-apply it, so they resolve it here
    /// once.
    pub(super) fn index_movement(&self, m: Movement<&Account, &Ident>, sign: Sign) -> Option<Movement<AccountId, u32>> {
        let fund = self.fund_ids.get(m.fund).copied()?;
        let resolve = |a: Option<&Account>| match a {
            None => Some(None),
            Some(a) => self.intern_account(a).map(Some),
        };
        let (Some(from), Some(to)) = (resolve(m.from), resolve(m.to)) else {
            return None;
        };
        Some(
            Movement {
                fund,
                amount: m.amount,
                from,
                to,
            }
            .signed(sign),
        )
    }
}

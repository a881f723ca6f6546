//! 资金滞留: the money that has sat at an account longer than the policy's
//! limit for its level, from business dates (`crate::aging`). The node's
//! read API and page and `ledger audit` show the same figures.

use crate::entry::Account;
use crate::ids::{Date, Ident};
use crate::region::RegionLevel;

use super::LedgerState;

/// Money over its time limit at one account, in one fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleFinding {
    /// The account.
    pub account: Account,
    /// The fund.
    pub fund: Ident,
    /// Fen over the limit.
    pub amount: u64,
    /// When the oldest of it arrived.
    pub since: Date,
    /// Days it has sat, to `today`.
    pub days: i64,
    /// The limit for the account's level.
    pub limit_days: u16,
}

impl LedgerState {
    /// The policy's time limit for money at `account`.
    pub fn fund_limit_days(&self, account: &Account) -> u16 {
        let limits = self.policy.fund_limits;
        match account {
            Account::Project(_) => limits.project_days,
            Account::Treasury(code) => match code.level() {
                RegionLevel::District => limits.district_days,
                RegionLevel::Town => limits.town_days,
                RegionLevel::Village => limits.village_days,
            },
        }
    }

    /// Every (account, fund) holding money over its limit on `today`,
    /// sorted by account then fund.
    pub fn idle_money(&self, today: Date) -> Vec<IdleFinding> {
        let mut out: Vec<IdleFinding> = self
            .aging
            .keys()
            .filter_map(|(a, f)| {
                let account = self.accounts.get(a)?.clone();
                let fund = self.fund_ids.get(f)?.clone();
                let limit_days = self.fund_limit_days(&account);
                let idle = self.aging.idle(a, f, today, limit_days)?;
                Some(IdleFinding {
                    account,
                    fund,
                    amount: idle.amount,
                    since: idle.since,
                    days: idle.days,
                    limit_days,
                })
            })
            .collect();
        out.sort_by(|x, y| (&x.account, &x.fund).cmp(&(&y.account, &y.fund)));
        out
    }
}

//! 资金滞留 as readers see it (issue 13): how long money has sat at each
//! account, from business dates, first in first out — the same
//! [`ledger_core::aging::Aging`] the rule state keeps, fed the same
//! movements in the same order, so the figures are those of
//! `LedgerState::idle_money` and of `ledger audit`.
//!
//! Why a copy here rather than reading the sequencer's `LedgerState`: the
//! rule state runs ahead of the disk (the sequencer checks batch k + 1
//! while batch k is flushed), so reading it would show money a crash could
//! take back; and walking it would hold the ledger lock the sequencer needs
//! for every batch. This copy is updated by the committer after the flush,
//! in the write it already takes, and a reader only walks its few thousand
//! (account, fund) lots under a read lock.
//!
//! Order matters: a debit takes the oldest lots, so the money a reversal
//! returns must be credited where the rule state credited it — right after
//! the reversal, not when the (rare) reversal is folded in. The writers fold
//! each reversal right after recording it (`ledger::record_batch` and the
//! start-up replay), and [`QueryIndex::resolve_reversal`] ages the returned
//! money by the reversal's own date, as the rule engine does.
//!
//! "Today" is the ledger's latest business date ([`QueryIndex::as_of`]).

use ledger_core::aging::{Aging, Idle};
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use ledger_core::money::{self, Direction, Sign};
use ledger_core::region::{RegionCode, RegionLevel};
use std::collections::HashMap;

use super::{AccountId, QueryIndex};

/// Lots per (account, fund) and the accounts' interned numbers.
#[derive(Debug, Default)]
pub struct IdleIndex {
    aging: Aging,
    accounts: Vec<AccountId>,
    account_ids: HashMap<AccountId, u32>,
    /// The largest business date recorded.
    latest: Option<Date>,
    /// Reversals not folded in yet: their business dates.
    reversal_dates: HashMap<u64, Date>,
}

/// Money of one (account, fund) over its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleMoney {
    /// The account.
    pub account: AccountId,
    /// The fund (index into the funds).
    pub fund: u32,
    /// Fen, since, days.
    pub idle: Idle,
    /// The limit for the account's level, days.
    pub limit_days: u16,
}

impl IdleIndex {
    fn intern(&mut self, account: AccountId) -> u32 {
        if let Some(i) = self.account_ids.get(&account) {
            return *i;
        }
        let i = self.accounts.len() as u32;
        self.accounts.push(account);
        self.account_ids.insert(account, i);
        i
    }

    pub(super) fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.aging.lot_count() * (size_of::<(Date, u64)>() + 8)
            + self.accounts.capacity() * size_of::<AccountId>() * 3
            + self.reversal_dates.capacity() * 16
    }
}

impl QueryIndex {
    /// The ledger's latest business date: what idle money and overdue
    /// acceptances are counted to (null while no entry is dated).
    pub fn as_of(&self) -> Option<Date> {
        self.idle.latest
    }

    /// Note an entry's business date; a reversal's is kept for its fold.
    pub(super) fn record_date(&mut self, seq: u64, body: &EntryBody) {
        let Some(date) = body.business_date() else {
            return;
        };
        self.idle.latest = self.idle.latest.max(Some(date));
        if matches!(body, EntryBody::Reversal(_)) {
            self.idle.reversal_dates.insert(seq, date);
        }
    }

    /// Age a money entry's movement (`Add`, dated by its own business date)
    /// or take it back (`Sub`: a reversal folded in, dated by the reversal).
    pub(super) fn apply_aging(&mut self, body: &EntryBody, sign: Sign, reversal: Option<u64>) {
        let Some(m) = money::movement(body) else {
            return;
        };
        let date = match reversal {
            Some(seq) => self.idle.reversal_dates.remove(&seq),
            None => body.business_date(),
        };
        let Some(m) = self.index_movement(m, sign) else {
            return;
        };
        for (account, direction) in m.legs() {
            let a = self.idle.intern(account);
            match (direction, date) {
                (Direction::Credit, Some(date)) => self.idle.aging.credit(a, m.fund, date, m.amount),
                (Direction::Debit, _) => self.idle.aging.debit(a, m.fund, m.amount),
                (Direction::Credit, None) => {}
            }
        }
    }

    /// The policy's limit, in days, for money at `account`.
    pub fn limit_days(&self, account: AccountId) -> u16 {
        let limits = self.policy().fund_limits;
        match account {
            AccountId::Project(_) => limits.project_days,
            AccountId::Treasury(code) => match code.level() {
                RegionLevel::District => limits.district_days,
                RegionLevel::Town => limits.town_days,
                RegionLevel::Village => limits.village_days,
            },
        }
    }

    /// Money over its limit on `today` at the accounts of `region` (its
    /// treasuries and its villages' projects), sorted by account then fund.
    /// Walks every (account, fund) holding money: a few thousand, copied
    /// under the read lock.
    pub fn idle_in(&self, region: RegionCode, today: Date) -> Vec<IdleMoney> {
        let mut out: Vec<IdleMoney> = self
            .idle
            .aging
            .keys()
            .filter_map(|(a, fund)| {
                let account = *self.idle.accounts.get(a as usize)?;
                let at = self.account_region(account)?;
                if !region.covers(at) {
                    return None;
                }
                self.idle_money(a, account, fund, today, self.limit_days(account))
            })
            .collect();
        out.sort_by_key(|m| (m.account, m.fund));
        out
    }

    /// The money of `fund` over `limit_days` on `today` at `account`
    /// (interned as `a` by the aging), if any.
    fn idle_money(&self, a: u32, account: AccountId, fund: u32, today: Date, limit_days: u16) -> Option<IdleMoney> {
        let idle = self.idle.aging.idle(a, fund, today, limit_days)?;
        Some(IdleMoney {
            account,
            fund,
            idle,
            limit_days,
        })
    }

    /// Money over its limit on `today` at one account, by fund.
    pub fn idle_at(&self, account: AccountId, today: Date) -> Vec<IdleMoney> {
        let Some(a) = self.idle.account_ids.get(&account).copied() else {
            return Vec::new();
        };
        let limit_days = self.limit_days(account);
        let mut out: Vec<IdleMoney> = (0..self.funds.len() as u32)
            .filter_map(|fund| self.idle_money(a, account, fund, today, limit_days))
            .collect();
        out.sort_by_key(|m| m.fund);
        out
    }
}

//! How long money has sat where it is (资金滞留), from business dates.
//!
//! Every credit to an account is a lot dated by the entry's business date;
//! every debit takes from the oldest lots first (first in, first out: money
//! passed on is the money that came first). The money of an account that
//! has sat longer than the policy's limit for its level is what a supervisor
//! must ask about. A warning, never a refusal.
//!
//! Memory: only credits make lots (fund issues, transfers, reversals back to
//! a payer); household and project payments only consume them, so a
//! ledger of a million subsidies holds a few thousand lots.

use std::collections::{HashMap, VecDeque};

use crate::ids::Date;

/// The lots of one (account, fund), oldest first: (date, fen left).
pub(crate) type Lots = VecDeque<(Date, u64)>;

/// Dated lots per interned (account, fund).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aging {
    lots: HashMap<(u32, u32), Lots>,
}

/// Money of one (account, fund) older than a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idle {
    /// Fen that arrived more than the limit's days before `today`.
    pub amount: u64,
    /// When the oldest of it arrived.
    pub since: Date,
    /// Days from then to `today`.
    pub days: i64,
}

impl Aging {
    /// `amount` arrives at `(account, fund)` on `date`.
    pub fn credit(&mut self, account: u32, fund: u32, date: Date, amount: u64) {
        if amount == 0 {
            return;
        }
        let lots = self.lots.entry((account, fund)).or_default();
        // Business dates arrive mostly in order; keep the lots sorted so the
        // oldest is always first, whatever order history was imported in.
        let at = lots.iter().rposition(|(d, _)| *d <= date).map_or(0, |i| i + 1);
        lots.insert(at, (date, amount));
    }

    /// A copy of the lots of `key` (for an atomic group's undo, `rules::group`).
    pub(crate) fn lots(&self, key: (u32, u32)) -> Option<Lots> {
        self.lots.get(&key).cloned()
    }

    /// Put back the lots of `key` as copied by [`Aging::lots`].
    pub(crate) fn restore(&mut self, key: (u32, u32), lots: Option<Lots>) {
        match lots {
            Some(l) => {
                self.lots.insert(key, l);
            }
            None => {
                self.lots.remove(&key);
            }
        }
    }

    /// `amount` leaves `(account, fund)`: the oldest money first.
    pub fn debit(&mut self, account: u32, fund: u32, amount: u64) {
        let Some(lots) = self.lots.get_mut(&(account, fund)) else {
            return;
        };
        let mut left = amount;
        while left > 0 {
            let Some(front) = lots.front_mut() else { break };
            if front.1 > left {
                front.1 -= left;
                left = 0;
            } else {
                left -= front.1;
                lots.pop_front();
            }
        }
        if lots.is_empty() {
            self.lots.remove(&(account, fund));
        }
    }

    /// The money of `(account, fund)` that arrived more than `limit_days`
    /// before `today`, if any.
    pub fn idle(&self, account: u32, fund: u32, today: Date, limit_days: u16) -> Option<Idle> {
        let lots = self.lots.get(&(account, fund))?;
        let mut found: Option<Idle> = None;
        for (date, amount) in lots {
            let days = date.days_until(today);
            if days <= i64::from(limit_days) {
                break; // sorted: every later lot is younger
            }
            let idle = found.get_or_insert(Idle {
                amount: 0,
                since: *date,
                days,
            });
            idle.amount = idle.amount.saturating_add(*amount);
        }
        found
    }

    /// Every (account, fund) holding lots, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.lots.keys().copied()
    }

    /// Number of lots held (for memory accounting).
    pub fn lot_count(&self) -> usize {
        self.lots.values().map(VecDeque::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u32) -> Date {
        Date::new(n).unwrap_or(Date::LAST)
    }

    #[test]
    fn the_oldest_money_leaves_first_and_ages_by_business_date() {
        let mut a = Aging::default();
        a.credit(0, 0, d(20190110), 1_000);
        a.credit(0, 0, d(20190301), 500);
        // Imported out of order: kept in date order.
        a.credit(0, 0, d(20190201), 200);
        assert_eq!(a.lot_count(), 3);
        // On 2019-03-15 with 30 days: January's and February's lots are over.
        assert_eq!(
            a.idle(0, 0, d(20190315), 30),
            Some(Idle {
                amount: 1_200,
                since: d(20190110),
                days: 64
            })
        );
        // 1,100 passed on: all of January and 100 of February go.
        a.debit(0, 0, 1_100);
        assert_eq!(
            a.idle(0, 0, d(20190315), 30),
            Some(Idle {
                amount: 100,
                since: d(20190201),
                days: 42
            })
        );
        // Exactly 30 days is still within the limit.
        assert_eq!(a.idle(0, 0, d(20190303), 30), None);
        a.debit(0, 0, 10_000);
        assert_eq!(a.lot_count(), 0);
        assert_eq!(a.idle(0, 0, d(20200101), 30), None);
    }
}

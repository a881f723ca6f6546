//! The duplicate-payment control (issue 14, docs/FORMAT.md §6.6): the same
//! household cannot be paid twice for one category and period, unless the
//! second payment says it is supplementary (补发, 差额补足) and names the
//! payment it adds to, or the first was reversed (a reversed payment does
//! not count as paid). From the policy's `enforced_from.duplicates` on;
//! earlier history is accepted, and `ledger audit` reports it.
//!
//! Memory: every household payment is remembered, so the index is one
//! packed `u64` key (interned household, category, period) and the first
//! payment's sequence number, 16 bytes plus the map's overhead; the rare
//! later payments of the same key (supplementary ones, pre-control
//! duplicates) are kept aside.

use std::collections::HashMap;

use crate::entry::{HouseholdSubsidy, SubsidyCategory};
use crate::household::HouseholdRef;
use crate::ids::{Date, Period};
use crate::intern::Interner;

use super::{LedgerState, RuleError};

/// The payments of each (household, category, period).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Payments {
    households: Interner<HouseholdRef>,
    /// Packed key → the first payment's sequence number.
    first: HashMap<u64, u64>,
    /// Packed key → the later payments, in order.
    more: HashMap<u64, Vec<u64>>,
}

/// Pack a key: household number (32 bits), category (8), year (16), month (8).
fn pack(household: u32, category: SubsidyCategory, period: Period) -> u64 {
    let category = SubsidyCategory::ALL.iter().position(|c| *c == category).unwrap_or(0xFF) as u64;
    (u64::from(household) << 32) | ((category & 0xFF) << 24) | (u64::from(period.year) << 8) | u64::from(period.month)
}

impl Payments {
    fn key_of(&self, s: &HouseholdSubsidy) -> Option<u64> {
        self.households
            .index_of(&s.household)
            .map(|h| pack(h, s.category, s.period))
    }

    /// Every payment of `s`'s household, category and period, in order.
    fn of(&self, s: &HouseholdSubsidy) -> impl Iterator<Item = u64> + '_ {
        let key = self.key_of(s);
        let first = key.and_then(|k| self.first.get(&k).copied());
        let more = key.and_then(|k| self.more.get(&k)).into_iter().flatten().copied();
        first.into_iter().chain(more)
    }

    /// Record payment `seq`. Returns what an atomic group needs to take it
    /// back: the household count before, and the key.
    pub(super) fn record(&mut self, seq: u64, s: &HouseholdSubsidy) -> (usize, u64) {
        let households = self.households.len();
        let key = pack(self.households.intern(&s.household), s.category, s.period);
        if let std::collections::hash_map::Entry::Vacant(e) = self.first.entry(key) {
            e.insert(seq);
        } else {
            self.more.entry(key).or_default().push(seq);
        }
        (households, key)
    }

    /// Take back the last payment recorded under `key` (`rules::group`).
    pub(super) fn forget_last(&mut self, key: u64, households: usize) {
        match self.more.get_mut(&key) {
            Some(later) if !later.is_empty() => {
                later.pop();
                if later.is_empty() {
                    self.more.remove(&key);
                }
            }
            _ => {
                self.first.remove(&key);
            }
        }
        self.households.truncate(households);
    }
}

impl LedgerState {
    /// The standing (not reversed) payments of `s`'s household, category
    /// and period, in order.
    fn standing_payments(&self, s: &HouseholdSubsidy) -> Vec<u64> {
        self.payments
            .of(s)
            .filter(|seq| self.moves.reversed_by(*seq).is_none())
            .collect()
    }

    /// What the standing payments of `s`'s key paid on payment-list line
    /// `index` (global), in fen.
    pub(super) fn paid_on_line(&self, s: &HouseholdSubsidy, index: u32) -> u64 {
        self.standing_payments(s)
            .iter()
            .filter_map(|seq| self.moves.get(*seq))
            .filter(|m| m.line == Some(index))
            .fold(0u64, |sum, m| sum.saturating_add(m.amount))
    }

    /// The duplicate-payment control for a household subsidy.
    pub(super) fn check_duplicate(&self, s: &HouseholdSubsidy) -> Result<(), RuleError> {
        let standing = self.standing_payments(s);
        match &s.supplementary {
            // A supplement must add to a standing payment of the same key,
            // whatever its date: the field is new with the control.
            Some(sup) => {
                if standing.contains(&sup.of_seq) {
                    Ok(())
                } else {
                    Err(RuleError::NotSupplementing {
                        of_seq: sup.of_seq,
                        household: s.household.to_string(),
                        category: s.category,
                        period: s.period,
                    })
                }
            }
            None if s.date >= self.policy.enforced_from.duplicates => match standing.first() {
                Some(&earlier_seq) => {
                    let earlier = self.moves.get(earlier_seq);
                    Err(RuleError::DuplicatePayment {
                        household: s.household.to_string(),
                        category: s.category,
                        period: s.period,
                        earlier_seq,
                        earlier_date: earlier.and_then(|m| Date::new(m.date).ok()).unwrap_or(s.date),
                        earlier_amount: earlier.map_or(0, |m| m.amount),
                    })
                }
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}

//! Tallies (an amount and its entry count) and the signed updates every
//! view applies, so that a reversal exactly negates its target.

use ledger_core::money::Sign;
use std::collections::BTreeMap;

/// `value ± amount`, saturating. A reversal only ever takes back what its
/// target added, so saturation never actually happens; it only rules out a
/// panic (debug builds) or a wrap on a bug.
pub(super) fn signed(value: u64, amount: u64, sign: Sign) -> u64 {
    match sign {
        Sign::Add => value.saturating_add(amount),
        Sign::Sub => value.saturating_sub(amount),
    }
}

/// Apply to the tally under `key`, dropping it once a reversal has taken
/// everything back (so a wholly reversed entry leaves no trace in memory).
pub(super) fn apply_at<K: Ord>(map: &mut BTreeMap<K, Tally>, key: K, amount: u64, sign: Sign) {
    let tally = map.entry(key);
    match tally {
        std::collections::btree_map::Entry::Occupied(mut e) => {
            e.get_mut().apply(amount, sign);
            if *e.get() == Tally::default() {
                e.remove();
            }
        }
        std::collections::btree_map::Entry::Vacant(e) => {
            if sign == Sign::Add {
                e.insert(Tally::default()).apply(amount, sign);
            }
        }
    }
}

/// An amount with the number of entries that make it up (net of reversals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Fen.
    pub amount: u64,
    /// Entries.
    pub count: u64,
}

impl Tally {
    pub(super) fn apply(&mut self, amount: u64, sign: Sign) {
        self.amount = signed(self.amount, amount, sign);
        self.count = signed(self.count, 1, sign);
    }
}

//! Tallies (an amount and its entry count) and the signed updates every
//! view applies, so that a reversal exactly negates its target.

use ledger_core::money::Sign;
use std::collections::BTreeMap;

/// `value ± amount`, modulo 2^64. A reversal is folded in after the entries
/// of its batch (at start-up: after the whole replay), so its target's
/// contribution may be taken back after later entries spent the money it
/// returns: a transfer reversed and the fund then paid out in full leaves
/// the payer "below zero" until the fold. Wrapping arithmetic makes every
/// sum independent of that order, so the folded result is exact (saturating
/// arithmetic lost the difference: `money_model` with a reversed transfer);
/// readers never see the intermediate value, which lives only inside one
/// write of the committer or before the node serves.
pub(super) fn signed(value: u64, amount: u64, sign: Sign) -> u64 {
    match sign {
        Sign::Add => value.wrapping_add(amount),
        Sign::Sub => value.wrapping_sub(amount),
    }
}

/// [`signed`] for 32-bit counters.
pub(super) fn signed32(value: u32, amount: u32, sign: Sign) -> u32 {
    match sign {
        Sign::Add => value.wrapping_add(amount),
        Sign::Sub => value.wrapping_sub(amount),
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
            // A take-back before its addition (see `signed`) is kept too.
            e.insert(Tally::default()).apply(amount, sign);
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

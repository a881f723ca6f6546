//! Money movements by sequence number, for reversals and audit rules.
//!
//! Almost every entry of a ledger moves money (household subsidies are
//! 99.7% of the demo ledger), and the rule engine must find the movement of
//! any earlier entry when a reversal names it. A hash map from sequence number
//! to movement cost about 150 bytes an entry at a million entries, and twice
//! that while it grew; this table is a vector indexed by sequence number, 32
//! bytes a slot (with the business date and the payment-list line), with the rare reversal marks kept aside.

use std::collections::HashMap;

/// "No account / no project" in a packed slot; also marks an empty slot
/// (in `fund`). Interned indexes stay below it (`LedgerState` refuses to
/// intern more than `MAX_INTERNED` of anything).
const NONE: u32 = u32::MAX;

/// Most accounts, funds or projects a ledger may intern: every index must fit
/// a packed slot and stay distinct from [`NONE`].
pub(crate) const MAX_INTERNED: u32 = crate::intern::MAX_INTERNED;

/// One money movement, unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MoneyMove {
    /// Interned fund.
    pub fund: u32,
    /// Account debited (None: money came from outside, a fund issue).
    pub from: Option<u32>,
    /// Account credited (None: money left custody to a payee or household).
    pub to: Option<u32>,
    /// Amount in fen.
    pub amount: u64,
    /// Project paid, for project totals.
    pub project: Option<u32>,
    /// Business date (`YYYYMMDD`): reversals, confirmations and objections
    /// may not be dated before it.
    pub date: u32,
    /// For a household subsidy, the global index of the payment-list line
    /// it used (freed again if the payment is reversed).
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    amount: u64,
    fund: u32,
    from: u32,
    to: u32,
    project: u32,
    date: u32,
    line: u32,
}

const EMPTY: Packed = Packed {
    amount: 0,
    fund: NONE,
    from: NONE,
    to: NONE,
    project: NONE,
    date: 0,
    line: NONE,
};

fn pack(index: Option<u32>) -> u32 {
    index.filter(|&i| i != NONE).unwrap_or(NONE)
}

fn unpack(index: u32) -> Option<u32> {
    (index != NONE).then_some(index)
}

/// The movements of a ledger prefix.
#[derive(Debug, Clone, Default)]
pub(crate) struct MoveTable {
    /// Slot `seq` holds the movement of entry `seq`, or [`EMPTY`].
    slots: Vec<Packed>,
    /// Entry reversed → the reversal's sequence number.
    reversed_by: HashMap<u64, u64>,
}

/// Equal when every entry's movement and reversal is: trailing empty slots
/// (left by a group taken back after entries that moved nothing) hold no
/// movement, so they do not count.
impl PartialEq for MoveTable {
    fn eq(&self, other: &MoveTable) -> bool {
        fn used(slots: &[Packed]) -> &[Packed] {
            let end = slots.iter().rposition(|s| *s != EMPTY).map_or(0, |i| i + 1);
            slots.get(..end).unwrap_or(&[])
        }
        used(&self.slots) == used(&other.slots) && self.reversed_by == other.reversed_by
    }
}

impl Eq for MoveTable {}

impl MoveTable {
    /// The movement of entry `seq`, if it moved money.
    pub fn get(&self, seq: u64) -> Option<MoneyMove> {
        let slot = self.slots.get(usize::try_from(seq).ok()?)?;
        (slot.fund != NONE).then(|| MoneyMove {
            fund: slot.fund,
            from: unpack(slot.from),
            to: unpack(slot.to),
            amount: slot.amount,
            project: unpack(slot.project),
            date: slot.date,
            line: unpack(slot.line),
        })
    }

    /// Record the movement of entry `seq`. Entries are applied in order, so
    /// `seq` is at least every earlier one; the slots between stay empty.
    pub fn insert(&mut self, seq: u64, m: MoneyMove) {
        let Ok(index) = usize::try_from(seq) else { return };
        debug_assert!(index >= self.slots.len(), "movements are recorded in sequence order");
        debug_assert!(m.fund != NONE);
        if index >= self.slots.len() {
            self.slots.resize(index + 1, EMPTY);
        }
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Packed {
                amount: m.amount,
                fund: m.fund,
                from: pack(m.from),
                to: pack(m.to),
                project: pack(m.project),
                date: m.date,
                line: pack(m.line),
            };
        }
    }

    /// Which entry reversed `seq`, if any.
    pub fn reversed_by(&self, seq: u64) -> Option<u64> {
        self.reversed_by.get(&seq).copied()
    }

    /// Heap bytes held (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Packed>() + self.reversed_by.capacity() * 17
    }

    /// Forget the movements of entries `seq` and later (an atomic group
    /// taken back, `rules::group`).
    pub fn truncate(&mut self, seq: u64) {
        if let Ok(index) = usize::try_from(seq) {
            self.slots.truncate(index);
        }
    }

    /// Forget that `seq` was reversed (its reversal taken back with its group).
    pub fn clear_reversed_by(&mut self, seq: u64) {
        self.reversed_by.remove(&seq);
    }

    /// Mark `seq` as reversed by entry `by`.
    pub fn set_reversed_by(&mut self, seq: u64, by: u64) {
        self.reversed_by.insert(seq, by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(fund: u32, amount: u64) -> MoneyMove {
        MoneyMove {
            fund,
            from: Some(3),
            to: None,
            amount,
            project: Some(0),
            date: 20190315,
            line: None,
        }
    }

    #[test]
    fn slots_round_trip_and_gaps_are_empty() {
        let mut t = MoveTable::default();
        t.insert(2, sample(0, 500));
        t.insert(5, sample(7, 1));
        assert_eq!(t.get(2), Some(sample(0, 500)));
        assert_eq!(t.get(5), Some(sample(7, 1)));
        for seq in [0, 1, 3, 4, 6, u64::MAX] {
            assert_eq!(t.get(seq), None, "seq {seq}");
        }
        assert_eq!(std::mem::size_of::<Packed>(), 32);
    }

    #[test]
    fn reversal_marks_are_kept_aside() {
        let mut t = MoveTable::default();
        t.insert(1, sample(0, 10));
        assert_eq!(t.reversed_by(1), None);
        t.set_reversed_by(1, 9);
        assert_eq!(t.reversed_by(1), Some(9));
        assert_eq!(t.reversed_by(2), None);
    }
}

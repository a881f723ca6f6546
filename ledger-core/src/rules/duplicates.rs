//! The duplicate-payment control (issue 14, docs/FORMAT.md §6.6): the same
//! household cannot be paid twice for one category and period, unless the
//! second payment says it is supplementary (补发, 差额补足) and names the
//! payment it adds to, or the first was reversed (a reversed payment does
//! not count as paid). From the policy's `enforced_from.duplicates` on;
//! earlier history is accepted, and `ledger audit` reports it.
//!
//! Memory: every household payment is remembered, so the index is one
//! packed `u64` key (interned household, category, period) and the first
//! payment's sequence number. A hash map of (u64, u64) held them in 17
//! bytes a bucket at a load of 44-88 %, about 26 bytes a payment (1.6 MiB
//! of the 56.8 MiB restart peak at 100,000 entries, docs/PERFORMANCE.md
//! "Restart memory"). They are kept as the nonce index keeps nonces
//! (`crate::nonces`): split into 256 buckets by the household number's low
//! byte, in each a vector sorted by key of 12-byte records (key, 32-bit
//! sequence number) and the few keys added since the bucket's last merge
//! in a small map — about 15 bytes a payment. Sequence numbers past 2^32
//! (no real log) go to a map aside. The rare later payments of the same
//! key (supplementary ones, pre-control duplicates) are kept aside too.

use std::collections::HashMap;

use crate::entry::{HouseholdSubsidy, SubsidyCategory};
use crate::household::HouseholdRef;
use crate::ids::{Date, Period};
use crate::intern::Interner;

use super::{LedgerState, RuleError};

/// Buckets of the first-payment index, one per low byte of the household number.
const BUCKETS: usize = 256;

/// A bucket's recent map is merged once it holds this many keys, or an
/// eighth of the bucket's sorted vector, whichever is more.
const MIN_RECENT: usize = 64;

/// A first payment: the key's high and low halves and the sequence number,
/// as three `u32` (12 bytes, where a `(u64, u32)` tuple takes 16).
type Packed = [u32; 3];

fn packed_key(p: &Packed) -> u64 {
    (u64::from(p[0]) << 32) | u64::from(p[1])
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Older first payments, sorted by key, each key once.
    sorted: Vec<Packed>,
    /// First payments added since the last merge (none of them in `sorted`).
    recent: HashMap<u64, u64>,
}

impl Bucket {
    fn get(&self, key: u64) -> Option<u64> {
        if let Some(seq) = self.recent.get(&key) {
            return Some(*seq);
        }
        let i = self.sorted.binary_search_by_key(&key, packed_key).ok()?;
        self.sorted.get(i).map(|p| u64::from(p[2]))
    }

    /// Move the recent keys that fit into the sorted vector (a sequence
    /// number past `u32::MAX` stays in `recent`, which then only grows for
    /// such a log). Exact capacity: the vector is the bulk of the index.
    fn merge(&mut self) {
        let mut fresh: Vec<Packed> = Vec::new();
        self.recent.retain(|key, seq| match u32::try_from(*seq) {
            Ok(narrow) => {
                fresh.push([(*key >> 32) as u32, *key as u32, narrow]);
                false
            }
            Err(_) => true,
        });
        fresh.sort_unstable_by_key(packed_key);
        self.sorted.reserve_exact(fresh.len());
        self.sorted.extend(fresh);
        // Two sorted runs: the stable sort finds them and merges in one pass.
        self.sorted.sort_by_key(packed_key);
    }

    fn remove(&mut self, key: u64) {
        if self.recent.remove(&key).is_some() {
            return;
        }
        if let Ok(i) = self.sorted.binary_search_by_key(&key, packed_key) {
            self.sorted.remove(i);
        }
    }
}

/// The payments of each (household, category, period).
#[derive(Debug, Clone)]
pub(super) struct Payments {
    households: Interner<HouseholdRef>,
    /// Packed key → the first payment's sequence number.
    first: Vec<Bucket>,
    /// Packed key → the later payments, in order.
    more: HashMap<u64, Vec<u64>>,
}

// By content (the whole-state comparison of `rules::group`'s tests): which
// payments are in a bucket's sorted vector and which still in its recent
// map depends on when the last merge ran, not on what was recorded.
impl PartialEq for Payments {
    fn eq(&self, other: &Self) -> bool {
        fn firsts(p: &Payments) -> Vec<(u64, u64)> {
            let mut all: Vec<(u64, u64)> = p
                .first
                .iter()
                .flat_map(|b| {
                    b.sorted
                        .iter()
                        .map(|x| (packed_key(x), u64::from(x[2])))
                        .chain(b.recent.iter().map(|(k, v)| (*k, *v)))
                })
                .collect();
            all.sort_unstable();
            all
        }
        self.households == other.households && self.more == other.more && firsts(self) == firsts(other)
    }
}

impl Eq for Payments {}

// By hand: 256 empty buckets, not none.
impl Default for Payments {
    fn default() -> Self {
        Payments {
            households: Interner::default(),
            first: vec![Bucket::default(); BUCKETS],
            more: HashMap::new(),
        }
    }
}

/// Pack a key: household number (32 bits), category (8), year (16), month (8).
fn pack(household: u32, category: SubsidyCategory, period: Period) -> u64 {
    let category = SubsidyCategory::ALL.iter().position(|c| *c == category).unwrap_or(0xFF) as u64;
    (u64::from(household) << 32) | ((category & 0xFF) << 24) | (u64::from(period.year) << 8) | u64::from(period.month)
}

/// The bucket of a key: its household number's low byte (numbers are given
/// in order, so buckets stay even).
fn bucket_of(key: u64) -> usize {
    ((key >> 32) & 0xFF) as usize
}

impl Payments {
    fn key_of(&self, s: &HouseholdSubsidy) -> Option<u64> {
        self.households
            .index_of(&s.household)
            .map(|h| pack(h, s.category, s.period))
    }

    fn first_of(&self, key: u64) -> Option<u64> {
        self.first.get(bucket_of(key))?.get(key)
    }

    /// Every payment of `s`'s household, category and period, in order.
    fn of(&self, s: &HouseholdSubsidy) -> impl Iterator<Item = u64> + '_ {
        let key = self.key_of(s);
        let first = key.and_then(|k| self.first_of(k));
        let more = key.and_then(|k| self.more.get(&k)).into_iter().flatten().copied();
        first.into_iter().chain(more)
    }

    /// Record payment `seq`. Returns what an atomic group needs to take it
    /// back: the household count before, and the key.
    pub(super) fn record(&mut self, seq: u64, s: &HouseholdSubsidy) -> (usize, u64) {
        let households = self.households.len();
        let key = pack(self.households.intern(&s.household), s.category, s.period);
        if self.first_of(key).is_some() {
            self.more.entry(key).or_default().push(seq);
        } else if let Some(bucket) = self.first.get_mut(bucket_of(key)) {
            bucket.recent.insert(key, seq);
            if bucket.recent.len() >= MIN_RECENT.max(bucket.sorted.len() / 8) {
                bucket.merge();
            }
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
                if let Some(bucket) = self.first.get_mut(bucket_of(key)) {
                    bucket.remove(key);
                }
            }
        }
        self.households.truncate(households);
    }

    /// Heap bytes of the first-payment index (capacity, not length).
    #[cfg(test)]
    fn first_heap_bytes(&self) -> usize {
        self.first
            .iter()
            .map(|b| b.sorted.capacity() * 12 + b.recent.capacity() * 17)
            .sum()
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Keys as `record` makes them: household numbers in order, a few
    /// periods each.
    fn key(household: u32, month: u64) -> u64 {
        (u64::from(household) << 32) | (3 << 24) | (2020 << 8) | month
    }

    /// The bucketed first-payment index against a plain map: every key found
    /// with its sequence number across merges, strangers not, a removed key
    /// gone (from `recent` and from `sorted`), a sequence number past 2^32
    /// kept exactly, and about 12 bytes a payment once merged.
    #[test]
    fn first_payments_are_found_across_merges_and_take_little_memory() {
        let mut p = Payments::default();
        let mut plain: HashMap<u64, u64> = HashMap::new();
        let mut seq = 10u64;
        for household in 0..20_000u32 {
            for month in 1..=6 {
                let k = key(household, month);
                let bucket = p.first.get_mut(bucket_of(k)).unwrap();
                bucket.recent.insert(k, seq);
                if bucket.recent.len() >= MIN_RECENT.max(bucket.sorted.len() / 8) {
                    bucket.merge();
                }
                plain.insert(k, seq);
                seq += 3;
            }
        }
        assert!(p.first.iter().all(|b| !b.sorted.is_empty()), "every bucket merged");
        for (k, s) in &plain {
            assert_eq!(p.first_of(*k), Some(*s), "{k:x}");
        }
        assert_eq!(p.first_of(key(20_000, 1)), None);
        assert_eq!(p.first_of(key(5, 7)), None);
        for b in &p.first {
            assert!(b.sorted.windows(2).all(|w| packed_key(&w[0]) < packed_key(&w[1])));
        }
        // 120,000 payments: the hash map this replaces held them in ≥ 17
        // bytes a bucket at most 7/8 full (≥ 2.3 MB); here ≤ 16 bytes each
        // (12 in the vector, the rest the recent maps' kept capacity).
        let bytes = p.first_heap_bytes();
        assert!(bytes <= 120_000 * 16, "{bytes} bytes");
        // Removal: one merged, one recent.
        let merged = key(0, 1);
        p.first.get_mut(bucket_of(merged)).unwrap().remove(merged);
        assert_eq!(p.first_of(merged), None);
        let fresh = key(40_000, 1);
        p.first.get_mut(bucket_of(fresh)).unwrap().recent.insert(fresh, 1);
        p.first.get_mut(bucket_of(fresh)).unwrap().remove(fresh);
        assert_eq!(p.first_of(fresh), None);
        // A sequence number past 2^32 survives a merge exactly.
        let wide = key(40_001, 2);
        let bucket = p.first.get_mut(bucket_of(wide)).unwrap();
        bucket.recent.insert(wide, (1u64 << 32) + 5);
        bucket.merge();
        assert_eq!(p.first_of(wide), Some((1u64 << 32) + 5));
        assert_eq!(p.first_of(key(1, 1)), plain.get(&key(1, 1)).copied());
    }
}

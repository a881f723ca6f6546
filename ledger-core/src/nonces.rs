//! The set of used nonces, with the entry that used each.
//!
//! Nonces are never forgotten (every replay must agree on which are taken),
//! so at a million entries this is a million 16-byte keys. A hash map holds
//! them in about 50 bytes each, and 75 while it doubles. Here they are split
//! by their first byte into 256 buckets; in each, the bulk sits in a vector
//! sorted by nonce (24 bytes an entry, binary search) and the nonces added
//! since the bucket's last merge in a small hash map, merged in once it
//! passes an eighth of the vector. Client nonces are random, so buckets stay
//! even, and a merge touches one bucket (a few thousand entries at a million,
//! tens of microseconds) rather than the whole set: no pause of the sequencer
//! and no transient copy of everything.

use crate::encoding::Bytes;
use std::collections::HashMap;

/// Buckets, one per first nonce byte.
const BUCKETS: usize = 256;

/// A bucket's recent map is merged once it holds this many nonces, or an
/// eighth of the bucket's sorted vector, whichever is more.
const MIN_RECENT: usize = 64;

#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Older nonces, sorted by nonce, each once.
    sorted: Vec<(Bytes<16>, u64)>,
    /// Nonces added since the last merge (none of them is in `sorted`).
    recent: HashMap<Bytes<16>, u64>,
}

/// Equal when the same nonces map to the same entries, whichever run
/// (sorted or recent) holds them: a merge moves nonces between the runs.
impl PartialEq for Bucket {
    fn eq(&self, other: &Bucket) -> bool {
        fn all(b: &Bucket) -> Vec<(Bytes<16>, u64)> {
            let mut v: Vec<(Bytes<16>, u64)> = b
                .sorted
                .iter()
                .copied()
                .chain(b.recent.iter().map(|(k, s)| (*k, *s)))
                .collect();
            v.sort_unstable_by_key(|(k, _)| *k);
            v
        }
        all(self) == all(other)
    }
}

impl Eq for Bucket {}

impl Bucket {
    fn get(&self, nonce: &Bytes<16>) -> Option<u64> {
        if let Some(seq) = self.recent.get(nonce) {
            return Some(*seq);
        }
        let i = self.sorted.binary_search_by(|(k, _)| k.cmp(nonce)).ok()?;
        self.sorted.get(i).map(|(_, seq)| *seq)
    }

    fn merge(&mut self) {
        let mut fresh: Vec<(Bytes<16>, u64)> = self.recent.drain().collect();
        fresh.sort_unstable_by_key(|(nonce, _)| *nonce);
        self.sorted.extend(fresh);
        // Two sorted runs: the stable sort finds them and merges in one pass.
        self.sorted.sort_by_key(|(nonce, _)| *nonce);
    }
}

/// Used nonces → sequence number of the entry that used them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NonceIndex {
    buckets: Vec<Bucket>,
}

impl Default for NonceIndex {
    fn default() -> Self {
        NonceIndex {
            buckets: vec![Bucket::default(); BUCKETS],
        }
    }
}

impl NonceIndex {
    fn bucket(&self, nonce: &Bytes<16>) -> Option<&Bucket> {
        self.buckets.get(usize::from(nonce.0[0]))
    }

    /// The entry that used `nonce`.
    pub fn get(&self, nonce: &Bytes<16>) -> Option<u64> {
        self.bucket(nonce)?.get(nonce)
    }

    /// Has `nonce` been used?
    pub fn contains(&self, nonce: &Bytes<16>) -> bool {
        self.get(nonce).is_some()
    }

    /// Record that entry `seq` used `nonce`. The caller checks
    /// [`NonceIndex::contains`] first; a nonce already present is left as is.
    pub fn insert(&mut self, nonce: Bytes<16>, seq: u64) {
        if self.contains(&nonce) {
            debug_assert!(false, "nonce inserted twice");
            return;
        }
        let Some(bucket) = self.buckets.get_mut(usize::from(nonce.0[0])) else {
            return;
        };
        bucket.recent.insert(nonce, seq);
        if bucket.recent.len() >= MIN_RECENT.max(bucket.sorted.len() / 8) {
            bucket.merge();
        }
    }

    /// Forget `nonce` (its entry taken back with an atomic group,
    /// `rules::group`). Rare: a sorted bucket loses one element.
    pub fn remove(&mut self, nonce: &Bytes<16>) {
        let Some(bucket) = self.buckets.get_mut(usize::from(nonce.0[0])) else {
            return;
        };
        if bucket.recent.remove(nonce).is_some() {
            return;
        }
        if let Ok(i) = bucket.sorted.binary_search_by(|(k, _)| k.cmp(nonce)) {
            bucket.sorted.remove(i);
        }
    }

    /// Heap bytes held (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.buckets
            .iter()
            .map(|b| b.sorted.capacity() * 24 + b.recent.capacity() * 25)
            .sum()
    }

    /// Number of nonces.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.buckets.iter().map(|b| b.sorted.len() + b.recent.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonce(i: u64) -> Bytes<16> {
        // Spread over the key space, as random client nonces are.
        let h = blake3::hash(&i.to_le_bytes());
        let mut n = [0u8; 16];
        n.copy_from_slice(&h.as_bytes()[..16]);
        Bytes(n)
    }

    #[test]
    fn every_nonce_is_found_across_merges_and_strangers_are_not() {
        let mut index = NonceIndex::default();
        let count = 40 * MIN_RECENT as u64 * BUCKETS as u64 / 16 + 17;
        for i in 0..count {
            assert!(!index.contains(&nonce(i)));
            index.insert(nonce(i), i * 2);
        }
        assert_eq!(index.len() as u64, count);
        assert!(
            index.buckets.iter().all(|b| !b.sorted.is_empty()),
            "every bucket merged"
        );
        for i in 0..count {
            assert_eq!(index.get(&nonce(i)), Some(i * 2), "nonce {i}");
        }
        for i in count..count + 1000 {
            assert_eq!(index.get(&nonce(i)), None);
        }
        for (i, b) in index.buckets.iter().enumerate() {
            assert!(b.sorted.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(b
                .sorted
                .iter()
                .map(|(n, _)| n)
                .chain(b.recent.keys())
                .all(|n| usize::from(n.0[0]) == i));
        }
    }
}

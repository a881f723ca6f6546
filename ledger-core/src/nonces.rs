//! The set of used nonces, with the entry that used each.
//!
//! Nonces are never forgotten (every replay must agree on which are taken),
//! so at a million entries this is a million 16-byte keys. A hash map holds
//! them in about 50 bytes each and 75 while it doubles; here the bulk sits in
//! one vector sorted by nonce (24 bytes each, binary search) and only the
//! nonces since the last merge in a small hash map, merged in when it grows
//! past an eighth of the vector.

use crate::encoding::Bytes;
use std::collections::HashMap;

/// The recent map is merged once it holds this many nonces, or an eighth of
/// the sorted vector, whichever is more.
const MIN_RECENT: usize = 4096;

/// Used nonces → sequence number of the entry that used them.
#[derive(Debug, Clone, Default)]
pub(crate) struct NonceIndex {
    /// Older nonces, sorted by nonce, each once.
    sorted: Vec<(Bytes<16>, u64)>,
    /// Nonces added since the last merge (none of them is in `sorted`).
    recent: HashMap<Bytes<16>, u64>,
}

impl NonceIndex {
    /// The entry that used `nonce`.
    pub fn get(&self, nonce: &Bytes<16>) -> Option<u64> {
        if let Some(seq) = self.recent.get(nonce) {
            return Some(*seq);
        }
        let i = self.sorted.binary_search_by(|(k, _)| k.cmp(nonce)).ok()?;
        self.sorted.get(i).map(|(_, seq)| *seq)
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
        self.recent.insert(nonce, seq);
        if self.recent.len() >= MIN_RECENT.max(self.sorted.len() / 8) {
            self.merge();
        }
    }

    /// Number of nonces.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    fn merge(&mut self) {
        let mut fresh: Vec<(Bytes<16>, u64)> = self.recent.drain().collect();
        fresh.sort_unstable_by_key(|(nonce, _)| *nonce);
        self.sorted.extend(fresh);
        // Two sorted runs: the stable sort finds them and merges in one pass.
        self.sorted.sort_by_key(|(nonce, _)| *nonce);
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
        let count = 3 * MIN_RECENT as u64 + 17;
        for i in 0..count {
            assert!(!index.contains(&nonce(i)));
            index.insert(nonce(i), i * 2);
        }
        assert_eq!(index.len() as u64, count);
        assert!(!index.sorted.is_empty(), "merged at least once");
        for i in 0..count {
            assert_eq!(index.get(&nonce(i)), Some(i * 2), "nonce {i}");
        }
        for i in count..count + 1000 {
            assert_eq!(index.get(&nonce(i)), None);
        }
        assert!(index.sorted.windows(2).all(|w| w[0].0 < w[1].0));
    }
}

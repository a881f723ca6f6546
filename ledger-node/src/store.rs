//! The storage module: the only code that touches sled.
//!
//! One sled tree holds the durable state, under one-byte key prefixes, so
//! that a commit is a single `apply_batch` — atomic — followed by one explicit
//! `flush` (durable). Sled's background flusher is switched off
//! (`flush_every_ms(None)`): durability is decided here, not by a timer, and
//! a receipt is only sent after [`Store::commit`] returns.
//!
//! ```text
//! e ‖ seq (u64 BE)                      → canonical SequencedEntry bytes
//! m ‖ "checkpoint"                      → signed checkpoint note of the last commit
//! m ‖ "cosigned"                        → newest checkpoint with witness cosignatures
//! b ‖ account key ‖ 0 ‖ fund id         → balance in fen (u64 BE)
//! ```
//!
//! **The secondary indexes live in memory, not in sled.** Measured
//! (PERFORMANCE.md): sled 0.34 holds about 24 KiB of memory and 2.5 KiB of disk
//! per entry when each entry adds half a dozen index keys scattered across
//! the key space (its copy-on-write leaves), against 0.6 KiB of memory and
//! under 1 KiB of disk for the sequential entry keys alone. The indexes are
//! derived data: the start-up replay verifies every entry anyway and rebuilds
//! them from the verified entries ([`Store::add_to_indexes`]), so they can
//! never disagree with the log, and a commit adds the batch's postings only
//! after its flush. The idempotency index is the rule state's nonce map (a
//! nonce names the one entry that used it).
//!
//! What is read back is verified: entries are re-decoded canonically and
//! their leaf hash compared with the in-memory tree by the callers, and the
//! whole chain is replayed at start (see `ledger::open_ledger`).

use ledger_core::entry::Account;
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::region::RegionCode;
use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

/// A storage failure. Any of these on the write path stops the sequencer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled reported an error (I/O, corruption, lock held by another process).
    #[error("storage: {0}")]
    Sled(#[from] sled::Error),
    /// A stored value has the wrong shape.
    #[error("storage: corrupt value under key {0}")]
    Corrupt(String),
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexKey {
    /// Entries concerning a region (each of its ancestors is indexed too).
    Region(RegionCode),
    /// Entries of a fund.
    Fund(Ident),
    /// Entries of a project.
    Project(Ident),
    /// Subsidies to a household.
    Household(HouseholdRef),
    /// Entries debiting or crediting an account.
    Account(Account),
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Sequence number.
    pub seq: u64,
    /// Canonical bytes.
    pub bytes: Vec<u8>,
    /// Indexes to add it to (in memory, once durable).
    pub indexes: Vec<IndexKey>,
}

/// Everything one group commit writes, atomically.
#[derive(Debug, Default)]
pub struct CommitBatch {
    /// New entries, in order.
    pub entries: Vec<NewEntry>,
    /// New balances of the (account, fund) pairs touched.
    pub balances: Vec<(Account, Ident, u64)>,
    /// The checkpoint signed over the new tree.
    pub checkpoint: Vec<u8>,
}

/// Storage tuning, always passed explicitly.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// sled page cache, bytes.
    pub cache_bytes: u64,
}

/// Posting lists: for each index key, the sequence numbers in ascending order.
/// `u32` halves their memory; a log of more than 4 billion entries is refused.
type Postings = HashMap<IndexKey, Vec<u32>>;

/// The data folder's store.
#[derive(Debug)]
pub struct Store {
    db: sled::Db,
    indexes: RwLock<Postings>,
}

const CHECKPOINT_KEY: &[u8] = b"mcheckpoint";
/// Metadata key: the newest checkpoint with witnesses' cosignatures.
pub const META_COSIGNED: &str = "cosigned";

fn entry_key(seq: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = b'e';
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn seq_from_suffix(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

impl Store {
    /// Open (or create) the store in `dir`.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(options.cache_bytes)
            // Durability is explicit: one flush per group commit, never a timer.
            .flush_every_ms(None)
            .mode(sled::Mode::HighThroughput)
            .open()?;
        Ok(Store {
            db,
            indexes: RwLock::new(HashMap::new()),
        })
    }

    /// Number of entries stored (the next sequence number).
    pub fn entry_count(&self) -> Result<u64, StoreError> {
        match self.db.scan_prefix(b"e").next_back() {
            None => Ok(0),
            Some(item) => {
                let (key, _) = item?;
                let seq = seq_from_suffix(&key).ok_or_else(|| StoreError::Corrupt(hex::encode(&key)))?;
                Ok(seq + 1)
            }
        }
    }

    /// The canonical bytes of entry `seq`.
    pub fn entry(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(entry_key(seq))?.map(|v| v.to_vec()))
    }

    /// Entries `start..end`, in order, with their sequence numbers.
    pub fn entries(&self, start: u64, end: u64) -> impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_ {
        self.db.range(entry_key(start)..entry_key(end)).map(|item| {
            let (key, value) = item?;
            let seq = seq_from_suffix(&key).ok_or_else(|| StoreError::Corrupt(hex::encode(&key)))?;
            Ok((seq, value.to_vec()))
        })
    }

    /// The last committed checkpoint note.
    pub fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(CHECKPOINT_KEY)?.map(|v| v.to_vec()))
    }

    /// Sequence numbers in an index, ascending, strictly after `after` (if
    /// given), at most `limit`, and below `below` (the committed size).
    pub fn index_scan(
        &self,
        index: &IndexKey,
        after: Option<u64>,
        below: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError> {
        let indexes = self
            .indexes
            .read()
            .map_err(|_| StoreError::Corrupt("index lock".into()))?;
        let Some(list) = indexes.get(index) else {
            return Ok(Vec::new());
        };
        let start = match after {
            Some(a) => list.partition_point(|s| u64::from(*s) <= a),
            None => 0,
        };
        Ok(list[start..]
            .iter()
            .map(|s| u64::from(*s))
            .take_while(|s| *s < below)
            .take(limit)
            .collect())
    }

    /// Sequence numbers in an index, newest first, below `below`.
    pub fn index_scan_rev(&self, index: &IndexKey, below: u64, limit: usize) -> Result<Vec<u64>, StoreError> {
        let indexes = self
            .indexes
            .read()
            .map_err(|_| StoreError::Corrupt("index lock".into()))?;
        let Some(list) = indexes.get(index) else {
            return Ok(Vec::new());
        };
        let end = list.partition_point(|s| u64::from(*s) < below);
        Ok(list[..end].iter().rev().take(limit).map(|s| u64::from(*s)).collect())
    }

    /// Add an entry's postings to the in-memory indexes (start-up replay and
    /// after each durable commit). Entries must come in ascending order.
    pub fn add_to_indexes(&self, seq: u64, keys: &[IndexKey]) -> Result<(), StoreError> {
        let seq = u32::try_from(seq).map_err(|_| StoreError::Corrupt(format!("entry {seq} beyond the index limit")))?;
        let mut indexes = self
            .indexes
            .write()
            .map_err(|_| StoreError::Corrupt("index lock".into()))?;
        for key in keys {
            let list = indexes.entry(key.clone()).or_default();
            if list.last().is_none_or(|last| *last < seq) {
                list.push(seq);
            }
        }
        Ok(())
    }

    /// Give back the spare capacity of every posting list (after the start-up
    /// replay: lists grown by doubling hold up to twice what they need, about
    /// 20 MiB at a million entries).
    pub fn shrink_indexes(&self) {
        if let Ok(mut indexes) = self.indexes.write() {
            for list in indexes.values_mut() {
                list.shrink_to_fit();
            }
            indexes.shrink_to_fit();
        }
    }

    /// Approximate bytes held by the in-memory indexes.
    pub fn index_heap_bytes(&self) -> u64 {
        self.indexes.read().map_or(0, |i| {
            i.values().map(|v| (v.capacity() * 4 + 64) as u64).sum::<u64>() + (i.capacity() * 96) as u64
        })
    }

    /// A stored balance.
    pub fn balance(&self, account: &Account, fund: &Ident) -> Result<u64, StoreError> {
        match self.db.get(balance_key(account, fund))? {
            None => Ok(0),
            Some(v) => {
                let arr: [u8; 8] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("balance".into()))?;
                Ok(u64::from_be_bytes(arr))
            }
        }
    }

    /// Write one group commit atomically, then make it durable. Returns only
    /// after the flush: the caller may then acknowledge.
    pub fn commit(&self, batch: &CommitBatch) -> Result<(), StoreError> {
        let mut writes = sled::Batch::default();
        for entry in &batch.entries {
            writes.insert(&entry_key(entry.seq)[..], entry.bytes.as_slice());
        }
        for (account, fund, balance) in &batch.balances {
            writes.insert(balance_key(account, fund), &balance.to_be_bytes()[..]);
        }
        writes.insert(CHECKPOINT_KEY, batch.checkpoint.as_slice());
        self.db.apply_batch(writes)?;
        self.db.flush()?;
        // Durable: now the batch's postings may be served.
        for entry in &batch.entries {
            self.add_to_indexes(entry.seq, &entry.indexes)?;
        }
        Ok(())
    }

    /// A metadata value (`m ‖ name`).
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .db
            .get([b"m".as_slice(), name.as_bytes()].concat())?
            .map(|v| v.to_vec()))
    }

    /// Write a metadata value durably (`m ‖ name`). Not for entries: those go
    /// through [`Store::commit`].
    pub fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        if name == "checkpoint" {
            return Err(StoreError::Corrupt("the checkpoint is only written by commit".into()));
        }
        self.db.insert([b"m".as_slice(), name.as_bytes()].concat(), value)?;
        self.db.flush()?;
        Ok(())
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// Flush everything (used at shutdown).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

fn balance_key(account: &Account, fund: &Ident) -> Vec<u8> {
    let mut key = vec![b'b'];
    key.extend_from_slice(account.key().as_bytes());
    key.push(0);
    key.extend_from_slice(fund.as_str().as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_then_read_back_and_scan_indexes() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let store = Store::open(dir.path(), StoreOptions { cache_bytes: 1 << 20 })?;
        let fund = Ident::new("F1").map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let fund_long = Ident::new("F10").map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut batch = CommitBatch {
            checkpoint: b"cp".to_vec(),
            ..CommitBatch::default()
        };
        for seq in 0..5u64 {
            let fund_index = if seq % 2 == 0 { fund.clone() } else { fund_long.clone() };
            batch.entries.push(NewEntry {
                seq,
                bytes: vec![seq as u8; 3],
                indexes: vec![IndexKey::Fund(fund_index)],
            });
        }
        store.commit(&batch)?;
        assert_eq!(store.entry_count()?, 5);
        assert_eq!(store.entry(3)?, Some(vec![3, 3, 3]));
        assert_eq!(
            store.index_scan(&IndexKey::Fund(fund.clone()), None, 5, 10)?,
            vec![0, 2, 4]
        );
        assert_eq!(store.index_scan(&IndexKey::Fund(fund.clone()), Some(0), 5, 1)?, vec![2]);
        assert_eq!(
            store.index_scan(&IndexKey::Fund(fund.clone()), None, 4, 10)?,
            vec![0, 2]
        );
        assert_eq!(store.index_scan_rev(&IndexKey::Fund(fund.clone()), 5, 2)?, vec![4, 2]);
        assert_eq!(store.index_scan(&IndexKey::Fund(fund_long), None, 5, 10)?, vec![1, 3]);
        assert_eq!(store.checkpoint()?, Some(b"cp".to_vec()));
        // Reopened, the indexes are empty until the replay rebuilds them.
        drop(store);
        let store = Store::open(dir.path(), StoreOptions { cache_bytes: 1 << 20 })?;
        assert_eq!(store.index_scan(&IndexKey::Fund(fund), None, 5, 10)?, Vec::<u64>::new());
        assert_eq!(store.entry_count()?, 5);
        Ok(())
    }
}

//! The storage module: the only code that touches sled.
//!
//! One sled tree holds everything, under one-byte key prefixes, so that a
//! commit is a single `apply_batch` — atomic — followed by one explicit
//! `flush` (durable). Sled's background flusher is switched off
//! (`flush_every_ms(None)`): durability is decided here, not by a timer, and
//! a receipt is only sent after [`Store::commit`] returns.
//!
//! ```text
//! e ‖ seq (u64 BE)                      → canonical SequencedEntry bytes
//! s ‖ submission id (32)                → seq (u64 BE)         idempotency
//! m ‖ "checkpoint"                      → signed checkpoint note of the last commit
//! x ‖ index kind ‖ index key ‖ seq (BE) → empty                secondary indexes
//! b ‖ account key ‖ 0 ‖ fund id         → balance in fen (u64 BE)
//! ```
//!
//! What is read back is verified: entries are re-decoded canonically and
//! their leaf hash compared with the in-memory tree by the callers, and the
//! whole chain is replayed at start (see `ledger::open`).

use ledger_core::encoding::Hash32;
use ledger_core::entry::Account;
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::region::RegionCode;
use std::path::Path;

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

impl IndexKey {
    fn prefix(&self) -> Vec<u8> {
        let mut key = vec![b'x'];
        match self {
            IndexKey::Region(code) => {
                key.push(b'r');
                key.extend_from_slice(&code.get().to_be_bytes());
            }
            IndexKey::Fund(id) => {
                key.push(b'f');
                key.extend_from_slice(id.as_str().as_bytes());
                key.push(0);
            }
            IndexKey::Project(id) => {
                key.push(b'p');
                key.extend_from_slice(id.as_str().as_bytes());
                key.push(0);
            }
            IndexKey::Household(r) => {
                key.push(b'h');
                key.extend_from_slice(r.0.as_bytes());
            }
            IndexKey::Account(a) => {
                key.push(b'a');
                key.extend_from_slice(a.key().as_bytes());
                key.push(0);
            }
        }
        key
    }
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Sequence number.
    pub seq: u64,
    /// Canonical bytes.
    pub bytes: Vec<u8>,
    /// Idempotency key.
    pub submission_id: Hash32,
    /// Indexes to add it to.
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

/// The data folder's store.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
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
        Ok(Store { db })
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

    /// The sequence number of an already-stored submission.
    pub fn seq_for_submission(&self, id: &Hash32) -> Result<Option<u64>, StoreError> {
        let mut key = Vec::with_capacity(33);
        key.push(b's');
        key.extend_from_slice(id.as_bytes());
        match self.db.get(key)? {
            None => Ok(None),
            Some(v) => {
                let arr: [u8; 8] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt(format!("s{id}")))?;
                Ok(Some(u64::from_be_bytes(arr)))
            }
        }
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
        let prefix = index.prefix();
        let mut start = prefix.clone();
        start.extend_from_slice(&after.map(|a| a.saturating_add(1)).unwrap_or(0).to_be_bytes());
        let mut end = prefix.clone();
        end.extend_from_slice(&below.to_be_bytes());
        let mut out = Vec::new();
        for item in self.db.range(start..end) {
            if out.len() >= limit {
                break;
            }
            let (key, _) = item?;
            if key.len() != prefix.len() + 8 {
                continue; // a longer key of another id sharing this prefix
            }
            out.push(seq_from_suffix(&key).ok_or_else(|| StoreError::Corrupt(hex::encode(&key)))?);
        }
        Ok(out)
    }

    /// Sequence numbers in an index, newest first, below `below`.
    pub fn index_scan_rev(&self, index: &IndexKey, below: u64, limit: usize) -> Result<Vec<u64>, StoreError> {
        let prefix = index.prefix();
        let mut end = prefix.clone();
        end.extend_from_slice(&below.to_be_bytes());
        let mut start = prefix.clone();
        start.extend_from_slice(&0u64.to_be_bytes());
        let mut out = Vec::new();
        for item in self.db.range(start..end).rev() {
            if out.len() >= limit {
                break;
            }
            let (key, _) = item?;
            if key.len() != prefix.len() + 8 {
                continue;
            }
            out.push(seq_from_suffix(&key).ok_or_else(|| StoreError::Corrupt(hex::encode(&key)))?);
        }
        Ok(out)
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
            let mut sub_key = Vec::with_capacity(33);
            sub_key.push(b's');
            sub_key.extend_from_slice(entry.submission_id.as_bytes());
            writes.insert(sub_key, &entry.seq.to_be_bytes()[..]);
            for index in &entry.indexes {
                let mut key = index.prefix();
                key.extend_from_slice(&entry.seq.to_be_bytes());
                writes.insert(key, &[][..]);
            }
        }
        for (account, fund, balance) in &batch.balances {
            writes.insert(balance_key(account, fund), &balance.to_be_bytes()[..]);
        }
        writes.insert(CHECKPOINT_KEY, batch.checkpoint.as_slice());
        self.db.apply_batch(writes)?;
        self.db.flush()?;
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
            let id = ledger_core::encoding::Bytes([seq as u8; 32]);
            let fund_index = if seq % 2 == 0 { fund.clone() } else { fund_long.clone() };
            batch.entries.push(NewEntry {
                seq,
                bytes: vec![seq as u8; 3],
                submission_id: id,
                indexes: vec![IndexKey::Fund(fund_index)],
            });
        }
        store.commit(&batch)?;
        assert_eq!(store.entry_count()?, 5);
        assert_eq!(store.entry(3)?, Some(vec![3, 3, 3]));
        assert_eq!(
            store.seq_for_submission(&ledger_core::encoding::Bytes([4; 32]))?,
            Some(4)
        );
        assert_eq!(
            store.index_scan(&IndexKey::Fund(fund.clone()), None, 5, 10)?,
            vec![0, 2, 4]
        );
        assert_eq!(store.index_scan(&IndexKey::Fund(fund.clone()), Some(0), 5, 1)?, vec![2]);
        assert_eq!(
            store.index_scan(&IndexKey::Fund(fund.clone()), None, 4, 10)?,
            vec![0, 2]
        );
        assert_eq!(store.index_scan_rev(&IndexKey::Fund(fund), 5, 2)?, vec![4, 2]);
        assert_eq!(store.checkpoint()?, Some(b"cp".to_vec()));
        Ok(())
    }
}

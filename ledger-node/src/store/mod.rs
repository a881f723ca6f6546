//! The node's storage: the durable entry log and the in-memory indexes.
//!
//! Entries and the checkpoint of each group commit live in `ledger-store`'s
//! append-only segment files (store format 3), made durable with
//! `fdatasync` before [`Store::commit`] returns; a receipt is only sent
//! after that return. See `ledger_store` for the file format and recovery.
//!
//! **The secondary indexes live in memory.** They are derived data: the
//! start-up replay verifies every entry anyway and rebuilds them from the
//! verified entries ([`Store::add_to_indexes`]), so they can never disagree
//! with the log, and a commit adds the batch's postings only after it is
//! durable. The idempotency index is the rule state's nonce map (a nonce
//! names the one entry that used it). Balances are not stored either: the
//! rule state rebuilt by the replay holds them.
//!
//! What is read back is verified: every record against its checksum here,
//! and entries re-decoded canonically with their leaf hash compared with the
//! in-memory tree by the callers; the whole chain is replayed at start (see
//! `ledger::open_ledger`).

use ledger_core::entry::Account;
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::region::RegionCode;
pub use ledger_store::{EntryLog, LogOptions, OpenMode, StoreError, TornTail};
use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

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
    /// The checkpoint signed over the new tree.
    pub checkpoint: Vec<u8>,
}

/// Storage tuning, always passed explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Segment size of the entry log.
    pub log: LogOptions,
    /// Free bytes the file system must keep: below this, writes are refused
    /// `storage_full` before anything is sequenced, and the node stays up
    /// serving reads (a write that ran into a full disk half-way would
    /// leave the in-memory ledger ahead of the disk).
    pub min_free_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            log: LogOptions::default(),
            min_free_bytes: DEFAULT_MIN_FREE_BYTES,
        }
    }
}

/// 64 MiB: far more than the largest group commit (the queue's requests of
/// at most 1,000 entries of at most 64 KiB each come to less in practice),
/// so a refused write always comes before a failed one.
pub const DEFAULT_MIN_FREE_BYTES: u64 = 64 << 20;

/// Posting lists: for each index key, the sequence numbers in ascending order.
/// `u32` halves their memory; a log of more than 4 billion entries is refused.
type Postings = HashMap<IndexKey, Vec<u32>>;

/// The data folder's store.
#[derive(Debug)]
pub struct Store {
    log: EntryLog,
    options: StoreOptions,
    indexes: RwLock<Postings>,
}

/// Metadata name: the newest checkpoint with witnesses' cosignatures.
pub const META_COSIGNED: &str = "cosigned";

fn index_lock() -> StoreError {
    StoreError::Refused("the index lock was poisoned by a panic".into())
}

impl Store {
    /// Create a new, empty store in `dir` (the explicit start of a log).
    pub fn create(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        Ok(Store::from_log(EntryLog::create(dir, options.log)?, options))
    }

    /// Open the store in `dir` for the node. Never creates one: a missing
    /// store is [`StoreError::Missing`].
    pub fn open(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        Ok(Store::from_log(
            EntryLog::open(dir, OpenMode::ReadWrite, options.log)?,
            options,
        ))
    }

    /// Open a stopped node's store to read it (export); writes nothing.
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
        let options = StoreOptions::default();
        Ok(Store::from_log(
            EntryLog::open(dir, OpenMode::ReadOnly, options.log)?,
            options,
        ))
    }

    fn from_log(log: EntryLog, options: StoreOptions) -> Store {
        Store {
            log,
            options,
            indexes: RwLock::new(HashMap::new()),
        }
    }

    /// What opening found after the last complete commit (never acknowledged).
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.log.torn_tail()
    }

    /// Number of entries stored (the next sequence number).
    pub fn entry_count(&self) -> u64 {
        self.log.entry_count()
    }

    /// The canonical bytes of entry `seq`.
    pub fn entry(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.log.entry(seq)
    }

    /// Entries `start..end` (up to the stored count), in order, with their
    /// sequence numbers.
    pub fn entries(&self, start: u64, end: u64) -> impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_ {
        self.log.entries(start, end)
    }

    /// The last committed checkpoint note.
    pub fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.log.checkpoint()
    }

    /// True when the file system has less room than the writes may need
    /// ([`StoreOptions::min_free_bytes`]).
    pub fn is_full(&self) -> Result<bool, StoreError> {
        Ok(self.log.available_bytes()? < self.options.min_free_bytes)
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
        let indexes = self.indexes.read().map_err(|_| index_lock())?;
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

    /// How many sequence numbers of an index are below `below`, without
    /// copying them (the publisher's "which page did this round start on").
    pub fn index_count_below(&self, index: &IndexKey, below: u64) -> Result<usize, StoreError> {
        let indexes = self.indexes.read().map_err(|_| index_lock())?;
        Ok(indexes
            .get(index)
            .map_or(0, |list| list.partition_point(|s| u64::from(*s) < below)))
    }

    /// The sequence numbers of an index below `below`, from position `skip`
    /// on (positions count from the index's first entry), and how many are
    /// below `below` in all: a region's last pages without copying the
    /// whole list under the lock the sequencer's commits take.
    pub fn index_tail(&self, index: &IndexKey, skip: usize, below: u64) -> Result<(usize, Vec<u64>), StoreError> {
        let indexes = self.indexes.read().map_err(|_| index_lock())?;
        let Some(list) = indexes.get(index) else {
            return Ok((0, Vec::new()));
        };
        let end = list.partition_point(|s| u64::from(*s) < below);
        let start = skip.min(end);
        Ok((end, list[start..end].iter().map(|s| u64::from(*s)).collect()))
    }

    /// Sequence numbers in an index, newest first, below `below`.
    pub fn index_scan_rev(&self, index: &IndexKey, below: u64, limit: usize) -> Result<Vec<u64>, StoreError> {
        let indexes = self.indexes.read().map_err(|_| index_lock())?;
        let Some(list) = indexes.get(index) else {
            return Ok(Vec::new());
        };
        let end = list.partition_point(|s| u64::from(*s) < below);
        Ok(list[..end].iter().rev().take(limit).map(|s| u64::from(*s)).collect())
    }

    /// Add an entry's postings to the in-memory indexes (start-up replay and
    /// after each durable commit). Entries must come in ascending order.
    pub fn add_to_indexes(&self, seq: u64, keys: &[IndexKey]) -> Result<(), StoreError> {
        let seq = u32::try_from(seq).map_err(|_| StoreError::Refused(format!("entry {seq} beyond the index limit")))?;
        let mut indexes = self.indexes.write().map_err(|_| index_lock())?;
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

    /// Write one group commit, entries and checkpoint, and make it durable
    /// (`fdatasync`). Returns only once it is on stable storage: the caller
    /// may then acknowledge. The batch's entries must follow the stored
    /// ones without a gap. Its postings are added once it is durable.
    pub fn commit(&self, batch: &CommitBatch) -> Result<(), StoreError> {
        let entries: Vec<(u64, &[u8])> = batch.entries.iter().map(|e| (e.seq, e.bytes.as_slice())).collect();
        self.log.commit(&entries, &batch.checkpoint)?;
        for entry in &batch.entries {
            self.add_to_indexes(entry.seq, &entry.indexes)?;
        }
        Ok(())
    }

    /// Flip one bit of entry `seq`'s stored record, unchecked. Only for the
    /// tests that prove a damaged store is caught on read and at start: the
    /// node never rewrites an entry.
    #[doc(hidden)]
    pub fn damage_entry_for_tests(&self, seq: u64, byte: u64) -> Result<(), StoreError> {
        self.log.damage_entry_for_tests(seq, byte)
    }

    /// A metadata value stored beside the log.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.log.meta(name)
    }

    /// Replace a metadata value atomically and durably. Not for entries or
    /// checkpoints: those go through [`Store::commit`].
    pub fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        self.log.put_meta(name, value)
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.log.size_on_disk()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_then_read_back_and_scan_indexes() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = Store::create(&dir.path().join("store"), StoreOptions::default())?;
        let fund = Ident::new("F1")?;
        let fund_long = Ident::new("F10")?;
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
        assert_eq!(store.entry_count(), 5);
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
        // The publisher's page reads: counts and tails below a size.
        assert_eq!(store.index_count_below(&IndexKey::Fund(fund.clone()), 5)?, 3);
        assert_eq!(store.index_count_below(&IndexKey::Fund(fund.clone()), 2)?, 1);
        assert_eq!(store.index_count_below(&IndexKey::Fund(fund.clone()), 0)?, 0);
        assert_eq!(store.index_tail(&IndexKey::Fund(fund.clone()), 1, 5)?, (3, vec![2, 4]));
        assert_eq!(store.index_tail(&IndexKey::Fund(fund.clone()), 0, 4)?, (2, vec![0, 2]));
        assert_eq!(store.index_tail(&IndexKey::Fund(fund.clone()), 9, 5)?, (3, Vec::new()));
        assert_eq!(
            store.index_tail(&IndexKey::Fund(fund.clone()), usize::MAX, 5)?,
            (3, Vec::new())
        );
        let unknown = IndexKey::Fund(Ident::new("F99")?);
        assert_eq!(store.index_count_below(&unknown, 5)?, 0);
        assert_eq!(store.index_tail(&unknown, 0, 5)?, (0, Vec::new()));
        assert_eq!(store.checkpoint()?, Some(b"cp".to_vec()));
        // Reopened, the indexes are empty until the replay rebuilds them.
        drop(store);
        let store = Store::open(&dir.path().join("store"), StoreOptions::default())?;
        assert_eq!(store.index_scan(&IndexKey::Fund(fund), None, 5, 10)?, Vec::<u64>::new());
        assert_eq!(store.entry_count(), 5);
        Ok(())
    }

    #[test]
    fn a_store_below_its_free_space_reserve_is_full() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let roomy = Store::create(&dir.path().join("a"), StoreOptions::default())?;
        assert!(!roomy.is_full()?);
        let options = StoreOptions {
            min_free_bytes: u64::MAX,
            ..StoreOptions::default()
        };
        let cramped = Store::create(&dir.path().join("b"), options)?;
        assert!(cramped.is_full()?);
        Ok(())
    }
}

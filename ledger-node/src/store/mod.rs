//! The storage module: the only code that touches sled.
//!
//! One sled tree holds the durable state, under one-byte key prefixes, so
//! that a commit is a single `apply_batch` — atomic — followed by one explicit
//! `flush` (durable). Sled's background flusher is switched off
//! (`flush_every_ms(None)`): durability is decided here, not by a timer, and
//! a receipt is only sent after [`Store::commit`] returns.
//!
//! ```text
//! B ‖ first seq (u64 BE)   → entry block: entries first.. (≤ 16, never crossing
//!                            a multiple of 16), each `u32 LE length ‖ canonical
//!                            SequencedEntry bytes` (block.rs)
//! m ‖ "format"             → store format, "2" (written when the store is created)
//! m ‖ "checkpoint"         → signed checkpoint note of the last commit
//! m ‖ "cosigned"           → newest checkpoint with witness cosignatures
//! ```
//!
//! A commit appends to the last, partly filled block by rewriting it (read,
//! check it holds exactly the entries before the batch, extend) in the same
//! atomic batch as the new blocks and the checkpoint.
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
//! nonce names the one entry that used it). Balances are not stored either:
//! the rule state rebuilt by the replay holds them.
//!
//! What is read back is verified: entries are re-decoded canonically and
//! their leaf hash compared with the in-memory tree by the callers, and the
//! whole chain is replayed at start (see `ledger::open_ledger`).

mod block;

pub use block::BLOCK_ENTRIES;
use block::{block_start, records};
use ledger_core::bundle::encode_record;
use ledger_core::entry::Account;
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::region::RegionCode;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

/// A storage failure. Any of these on the write path stops the sequencer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled reported an error (I/O, corruption, lock held by another process).
    #[error("storage: {0}")]
    Sled(#[from] sled::Error),
    /// A stored value has the wrong shape, or the store has another format.
    #[error("storage: {0}")]
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
    /// Entries stored and durable: the sequence number the next commit must
    /// start at. Read without a lock, so that readers never wait for a flush.
    stored: AtomicU64,
    /// Makes commits one at a time.
    commit_lock: Mutex<()>,
}

const CHECKPOINT_KEY: &[u8] = b"mcheckpoint";
/// Metadata key: the newest checkpoint with witnesses' cosignatures.
pub const META_COSIGNED: &str = "cosigned";

/// The store format this build reads and writes (`m‖format`).
pub const STORE_FORMAT: &str = "2";
const FORMAT_KEY: &[u8] = b"mformat";

fn block_key(first: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = b'B';
    key[1..].copy_from_slice(&first.to_be_bytes());
    key
}

/// The first entry of the block stored under `key`, which must be a
/// multiple of [`BLOCK_ENTRIES`].
fn block_first(key: &[u8]) -> Result<u64, StoreError> {
    let first = key
        .strip_prefix(b"B")
        .and_then(|tail| <[u8; 8]>::try_from(tail).ok())
        .map(u64::from_be_bytes)
        .filter(|first| first % BLOCK_ENTRIES == 0);
    first.ok_or_else(|| StoreError::Corrupt(format!("a block under the malformed key {}", hex::encode(key))))
}

impl Store {
    /// Open (or create) the store in `dir`. A store of another format is
    /// refused with a message saying how to move its ledger over.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(options.cache_bytes)
            // Durability is explicit: one flush per group commit, never a timer.
            .flush_every_ms(None)
            .mode(sled::Mode::HighThroughput)
            .open()?;
        match db.get(FORMAT_KEY)? {
            Some(format) if format.as_ref() == STORE_FORMAT.as_bytes() => {}
            Some(format) => {
                return Err(StoreError::Corrupt(format!(
                    "the store has format {:?}, this build reads format {STORE_FORMAT}; export the ledger with the build that wrote it and `ledger-node restore` the bundle",
                    String::from_utf8_lossy(&format)
                )))
            }
            None if db.is_empty() => {
                db.insert(FORMAT_KEY, STORE_FORMAT.as_bytes())?;
                db.flush()?;
            }
            None => {
                return Err(StoreError::Corrupt(format!(
                    "the store has no format marker (written before format {STORE_FORMAT}, one key per entry); export the ledger with the build that wrote it and `ledger-node restore` the bundle"
                )))
            }
        }
        let mut store = Store {
            db,
            indexes: RwLock::new(HashMap::new()),
            stored: AtomicU64::new(0),
            commit_lock: Mutex::new(()),
        };
        store.stored = AtomicU64::new(store.entry_count()?);
        Ok(store)
    }

    /// Number of entries stored (the next sequence number).
    pub fn entry_count(&self) -> Result<u64, StoreError> {
        match self.db.scan_prefix(b"B").next_back() {
            None => Ok(0),
            Some(item) => {
                let (key, value) = item?;
                let first = block_first(&key)?;
                Ok(first + records(first, &value)?.len() as u64)
            }
        }
    }

    /// The canonical bytes of entry `seq`.
    pub fn entry(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let first = block_start(seq);
        let Some(value) = self.db.get(block_key(first))? else {
            return Ok(None);
        };
        Ok(records(first, &value)?
            .get((seq - first) as usize)
            .map(|bytes| bytes.to_vec()))
    }

    /// Entries `start..end` (up to the stored count), in order, with their
    /// sequence numbers. A gap shows as a jump in the numbers; the callers
    /// name the missing entry.
    ///
    /// Blocks are read with one `get` each, not a sled range scan: measured,
    /// a range scan over a million entries kept about 270 MiB of pages
    /// resident whatever the cache capacity, one `get` per block about 70 MiB.
    pub fn entries(&self, start: u64, end: u64) -> impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_ {
        let stored = self.stored.load(Ordering::Acquire);
        let end = end.min(stored);
        let firsts = (block_start(start)..end).step_by(BLOCK_ENTRIES as usize);
        firsts.flat_map(move |first| {
            let records: Vec<Result<(u64, Vec<u8>), StoreError>> = match self.db.get(block_key(first)) {
                Err(e) => vec![Err(e.into())],
                Ok(None) => Vec::new(),
                Ok(Some(value)) => match records(first, &value) {
                    Err(e) => vec![Err(e)],
                    Ok(found) => (first..)
                        .zip(found)
                        .filter(|(seq, _)| (start..end).contains(seq))
                        .map(|(seq, bytes)| Ok((seq, bytes.to_vec())))
                        .collect(),
                },
            };
            records
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

    /// Write one group commit atomically, then make it durable. Returns only
    /// after the flush: the caller may then acknowledge. The batch's entries
    /// must follow the stored ones without a gap.
    pub fn commit(&self, batch: &CommitBatch) -> Result<(), StoreError> {
        let _one_at_a_time = self
            .commit_lock
            .lock()
            .map_err(|_| StoreError::Corrupt("commit lock".into()))?;
        let mut writes = sled::Batch::default();
        let mut next = self.stored.load(Ordering::Acquire);
        // The block being filled: (its first entry, its value).
        let mut open: Option<(u64, Vec<u8>)> = None;
        for entry in &batch.entries {
            if entry.seq != next {
                return Err(StoreError::Corrupt(format!(
                    "a commit of entry {} where entry {next} comes next",
                    entry.seq
                )));
            }
            let first = block_start(entry.seq);
            if open.as_ref().is_none_or(|(open_first, _)| *open_first != first) {
                if let Some((done_first, value)) = open.take() {
                    writes.insert(&block_key(done_first)[..], value);
                }
                // The last block may be partly filled: extend it. It must hold
                // exactly the entries before this one (verify on write).
                let value = match self.db.get(block_key(first))? {
                    Some(old) => old.to_vec(),
                    None => Vec::with_capacity(BLOCK_ENTRIES as usize * 384),
                };
                let held = first + records(first, &value)?.len() as u64;
                if held != next {
                    return Err(StoreError::Corrupt(format!(
                        "the block of entry {first} ends before entry {held}, the store at entry {next}"
                    )));
                }
                open = Some((first, value));
            }
            if let Some((_, value)) = open.as_mut() {
                value.extend_from_slice(&encode_record(&entry.bytes));
            }
            next += 1;
        }
        if let Some((first, value)) = open {
            writes.insert(&block_key(first)[..], value);
        }
        writes.insert(CHECKPOINT_KEY, batch.checkpoint.as_slice());
        self.db.apply_batch(writes)?;
        self.db.flush()?;
        self.stored.store(next, Ordering::Release);
        // Durable: now the batch's postings may be served.
        for entry in &batch.entries {
            self.add_to_indexes(entry.seq, &entry.indexes)?;
        }
        Ok(())
    }

    /// Replace the stored bytes of entry `seq`, unchecked. Only for the tests
    /// that prove a damaged store is caught on read and at start: the node
    /// never rewrites an entry.
    #[doc(hidden)]
    pub fn overwrite_entry_for_tests(&self, seq: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let first = block_start(seq);
        let key = block_key(first);
        let old = self
            .db
            .get(key)?
            .ok_or_else(|| StoreError::Corrupt(format!("no block for entry {seq}")))?;
        let mut value = Vec::with_capacity(old.len() + bytes.len());
        for (at, existing) in (first..).zip(records(first, &old)?) {
            value.extend_from_slice(&encode_record(if at == seq { bytes } else { existing }));
        }
        self.db.insert(key, value)?;
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

    fn batch_of(seqs: std::ops::Range<u64>) -> CommitBatch {
        CommitBatch {
            entries: seqs
                .map(|seq| NewEntry {
                    seq,
                    bytes: seq.to_le_bytes()[..1 + (seq % 5) as usize].to_vec(),
                    indexes: Vec::new(),
                })
                .collect(),
            checkpoint: b"cp".to_vec(),
        }
    }

    fn bytes_of(seq: u64) -> Vec<u8> {
        seq.to_le_bytes()[..1 + (seq % 5) as usize].to_vec()
    }

    #[test]
    fn commits_fill_blocks_across_their_edges_and_read_back_in_order() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let store = Store::open(dir.path(), StoreOptions { cache_bytes: 1 << 20 })?;
        // Commits of 1, 20 and 30 entries: the first block is extended twice,
        // the second commit crosses into a second block, the third into a fourth.
        for range in [0..1, 1..21, 21..51] {
            store.commit(&batch_of(range))?;
        }
        assert_eq!(store.entry_count()?, 51);
        for seq in [0, 15, 16, 17, 31, 32, 47, 48, 50] {
            assert_eq!(store.entry(seq)?, Some(bytes_of(seq)), "entry {seq}");
        }
        assert_eq!(store.entry(51)?, None);
        assert_eq!(store.entry(64)?, None);
        let read: Vec<(u64, Vec<u8>)> = store.entries(14, 35).collect::<Result<_, _>>()?;
        assert_eq!(read, (14..35).map(|s| (s, bytes_of(s))).collect::<Vec<_>>());
        assert_eq!(store.entries(50, 100).count(), 1);
        assert_eq!(store.entries(60, 100).count(), 0);
        assert_eq!(store.entries(20, 20).count(), 0);
        // Three full blocks and one with three entries.
        assert_eq!(store.db.scan_prefix(b"B").count(), 4);

        // A gap, a repeat and an out-of-order batch change nothing.
        for range in [52..53, 50..52, 0..1] {
            let err = store.commit(&batch_of(range.clone())).err().map(|e| e.to_string());
            assert!(
                err.as_deref().unwrap_or_default().contains("comes next"),
                "{range:?}: {err:?}"
            );
        }
        assert_eq!(store.entry_count()?, 51);
        store.commit(&batch_of(51..52))?;
        drop(store);
        let store = Store::open(dir.path(), StoreOptions { cache_bytes: 1 << 20 })?;
        assert_eq!(store.entry_count()?, 52);
        store.commit(&batch_of(52..53))?;
        assert_eq!(store.entry(52)?, Some(bytes_of(52)));
        Ok(())
    }

    #[test]
    fn a_store_of_another_format_is_refused_with_the_way_out() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let open_error = || {
            Store::open(dir.path(), StoreOptions { cache_bytes: 1 << 20 })
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        {
            // Format 1: one key per entry, no marker.
            let db = sled::open(dir.path())?;
            db.insert(b"e\0\0\0\0\0\0\0\0", b"entry".as_slice())?;
            db.flush()?;
        }
        let message = open_error();
        assert!(message.contains("no format marker"), "{message}");
        assert!(message.contains("restore"), "{message}");
        {
            let db = sled::open(dir.path())?;
            db.insert(FORMAT_KEY, b"3".as_slice())?;
            db.flush()?;
        }
        let message = open_error();
        assert!(message.contains("format \"3\""), "{message}");
        Ok(())
    }
}

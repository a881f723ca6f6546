//! `ledger-store`: the node's durable entry log (store format 3).
//!
//! The store is what an append-only log needs and nothing more: entries by
//! sequence number, each group commit closed by the checkpoint that covers
//! it, written to append-only, checksummed segment files and made durable
//! with `fdatasync` before [`EntryLog::commit`] returns. The node sends a
//! receipt only after that return.
//!
//! ```text
//! DIR/log-00000000000000000000.seg   entries 0..   (record framing: record.rs)
//! DIR/log-00000000000000123456.seg   entries 123456.. (a new segment once the
//!                                    last one passed LogOptions::segment_bytes)
//! DIR/meta-NAME                      small values (the cosigned checkpoint),
//!                                    replaced atomically (durable.rs)
//! ```
//!
//! Why not sled (ARCHITECTURE.md, "Durability"): sled 0.34's `flush` ends in
//! `sync_file_range`, and a simulated power cut on ext4 left its store
//! unopenable 4 times in 4, losing acknowledged entries and everything
//! older. An append-only log of checksummed records needs no B-tree: the
//! indexes are rebuilt in memory by the verified replay anyway.
//!
//! **Recovery.** Opening scans every segment and checks every record's
//! checksum. A commit is its entries *and* its commit record; whatever
//! follows the last complete commit of the last segment was never
//! acknowledged (a torn tail) and is cut off at the first write, and
//! reported in [`EntryLog::torn_tail`]. Damage anywhere else is an error
//! naming the file, the byte offset and the entry. Whether the torn tail
//! really held nothing acknowledged is checked by the node against the last
//! checkpoint its key signed (kept beside the key): this crate cannot know.
//!
//! Opening changes nothing on disk: a read-only opener (the `ledger export
//! --data` of a stopped node) and a node on a full disk can both open.
//!
//! What is deliberately absent: no secondary index, no cache (the kernel's
//! page cache serves reads), no compaction (nothing is ever deleted).

pub mod durable;
mod meta;
mod open;
mod read;
pub mod record;
mod segment;
mod write;

use record::{Bad, Kind, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The operating system refused a read, write or sync.
    #[error("storage: {context}: {source}")]
    Io {
        /// What was being done, and on which file.
        context: String,
        /// The OS error.
        source: io::Error,
    },
    /// The file system is full: nothing of the commit was acknowledged.
    #[error("storage full: {context}: {source}")]
    Full {
        /// What was being done.
        context: String,
        /// The OS error (ENOSPC, EDQUOT).
        source: io::Error,
    },
    /// A record that was committed cannot be read back as written.
    #[error("the store is damaged: {0}")]
    Damaged(Damage),
    /// There is no store at the path.
    #[error("no store at {0}")]
    Missing(PathBuf),
    /// The folder holds a store of another format.
    #[error("{0}")]
    Format(String),
    /// Another process holds the folder (a running node).
    #[error(
        "another process is using the store in {0} (a running ledger-node?); stop it first, or read an export instead"
    )]
    Locked(PathBuf),
    /// A caller broke the log's contract (a commit not following the stored
    /// entries, a payload too large, a write to a read-only log).
    #[error("storage: {0}")]
    Refused(String),
}

impl StoreError {
    /// A damaged record of segment `file` at `offset` (the one place the
    /// opener and the readers build it).
    pub(crate) fn damaged(file: &std::path::Path, offset: u64, entry: Option<u64>, what: String) -> StoreError {
        StoreError::Damaged(Damage {
            file: file.to_path_buf(),
            offset,
            entry,
            what,
        })
    }

    fn io(context: impl Into<String>, source: io::Error) -> StoreError {
        let context = context.into();
        // ENOSPC (28) and EDQUOT (122 on Linux): the disk is full.
        if matches!(source.raw_os_error(), Some(28) | Some(122)) || source.kind() == io::ErrorKind::StorageFull {
            StoreError::Full { context, source }
        } else {
            StoreError::Io { context, source }
        }
    }

    /// True for a full file system.
    pub fn is_full(&self) -> bool {
        matches!(self, StoreError::Full { .. })
    }
}

/// Where and what a damaged record is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The segment file.
    pub file: PathBuf,
    /// Byte offset of the damaged record (or header) in the file.
    pub offset: u64,
    /// The first entry that cannot be read, where known.
    pub entry: Option<u64>,
    /// What is wrong.
    pub what: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.entry {
            Some(entry) => write!(
                f,
                "entry {entry} at byte {} of {}: {}",
                self.offset,
                self.file.display(),
                self.what
            ),
            None => write!(f, "byte {} of {}: {}", self.offset, self.file.display(), self.what),
        }
    }
}

/// What opening found after the last complete commit of the last segment:
/// bytes written but never acknowledged (a crash or power cut mid-commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment file.
    pub file: PathBuf,
    /// Where the tail starts (the end of the last complete commit).
    pub offset: u64,
    /// Bytes after it.
    pub bytes: u64,
    /// Complete entry records in it (without their commit record).
    pub entries: u64,
    /// Why the scan stopped, if it did not stop at the end of the file.
    pub reason: Option<String>,
}

/// Store tuning, always passed explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// A commit that starts when the last segment holds this many bytes or
    /// more goes to a new segment.
    pub segment_bytes: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        // 256 MiB: about 600,000 entries a segment, few files for a
        // district's log, and well under the u32 offsets' 4 GiB.
        LogOptions {
            segment_bytes: 256 << 20,
        }
    }
}

/// How to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The node: may commit.
    ReadWrite,
    /// An offline reader of a stopped node's folder: never writes.
    ReadOnly,
}

/// Offsets are stored as `u32` within their segment: a segment never grows
/// past this.
const MAX_SEGMENT_BYTES: u64 = u32::MAX as u64;
/// Entries read per step by [`EntryLog::entries`].
const READ_STEP_ENTRIES: u64 = 1_024;
/// Read buffer of the opening scan.
const SCAN_BUFFER_BYTES: usize = 1 << 20;

#[derive(Debug)]
struct Segment {
    /// Its first entry.
    first: u64,
    path: PathBuf,
    file: Arc<File>,
    /// Bytes of complete commits (readers never look past them).
    end: u64,
}

#[derive(Debug)]
struct Writer {
    /// Bytes past the last complete commit to cut off before the next
    /// write (a torn tail, or the remains of a failed write).
    truncate_to: Option<u64>,
    /// A torn segment with no complete commit, to delete before the next write.
    discard: Option<PathBuf>,
    /// Set when a sync failed: what reached the disk is then unknown
    /// (fsync errors are not retried, after PostgreSQL's "fsyncgate"), so
    /// the log refuses every further commit; the node restarts and replays.
    poisoned: bool,
}

/// The durable entry log of one data folder.
#[derive(Debug)]
pub struct EntryLog {
    dir: PathBuf,
    mode: OpenMode,
    options: LogOptions,
    segments: RwLock<Vec<Segment>>,
    /// Offset of each committed entry's record within its segment.
    offsets: RwLock<Vec<u32>>,
    /// Entries committed and durable. Published after the segments and
    /// offsets, so that a reader that sees it finds them.
    stored: AtomicU64,
    /// The commit record of the last commit.
    checkpoint: RwLock<Option<Vec<u8>>>,
    writer: Mutex<Writer>,
    torn_tail: Option<TornTail>,
    /// The folder, open and `flock`ed for as long as the log is: exclusively
    /// by the node, shared by readers, so that a reader never opens a store
    /// a node is writing and two nodes never write one.
    _lock: File,
}

fn lock_error() -> StoreError {
    StoreError::Refused("a lock was poisoned by a panic".into())
}

impl EntryLog {
    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Entries committed (the next sequence number).
    pub fn entry_count(&self) -> u64 {
        self.stored.load(Ordering::Acquire)
    }

    /// What opening found after the last complete commit, if anything.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.torn_tail.as_ref()
    }

    /// The checkpoint of the last commit.
    pub fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.checkpoint.read().map_err(|_| lock_error())?.clone())
    }
}

#[cfg(test)]
mod tests;

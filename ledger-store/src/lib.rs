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
pub mod record;

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

/// `flock` the folder itself (no lock file: opening writes nothing).
fn lock_dir(dir: &Path, mode: OpenMode) -> Result<File, StoreError> {
    let handle = File::open(dir).map_err(|e| StoreError::io(format!("opening {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd as _;
        let operation = match mode {
            OpenMode::ReadWrite => libc::LOCK_EX,
            OpenMode::ReadOnly => libc::LOCK_SH,
        } | libc::LOCK_NB;
        // SAFETY: flock on a descriptor we own, which outlives the call.
        if unsafe { libc::flock(handle.as_raw_fd(), operation) } != 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::WouldBlock {
                return Err(StoreError::Locked(dir.to_path_buf()));
            }
            return Err(StoreError::io(format!("locking {}", dir.display()), error));
        }
    }
    Ok(handle)
}

fn segment_name(first: u64) -> String {
    format!("log-{first:020}.seg")
}

fn segment_first(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("log-")?.strip_suffix(".seg")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn lock_error() -> StoreError {
    StoreError::Refused("a lock was poisoned by a panic".into())
}

/// What the scan of one segment found.
struct Scan {
    offsets: Vec<u32>,
    /// End of the last complete commit.
    committed_end: u64,
    /// Entry count after it.
    committed_count: u64,
    checkpoint: Option<Vec<u8>>,
    /// Entry records after the last commit.
    pending: u64,
    file_bytes: u64,
    /// Where and why the scan stopped before the end of the file.
    stop: Option<(u64, Bad)>,
}

fn scan_segment(path: &Path, file: &File, first: u64) -> Result<Scan, StoreError> {
    let file_bytes = file
        .metadata()
        .map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?
        .len();
    let mut reader = BufReader::with_capacity(SCAN_BUFFER_BYTES, file);
    let mut scan = Scan {
        offsets: Vec::new(),
        committed_end: SEGMENT_HEADER_BYTES,
        committed_count: first,
        checkpoint: None,
        pending: 0,
        file_bytes,
        stop: None,
    };
    let mut pending_offsets: Vec<u32> = Vec::new();
    let mut position = SEGMENT_HEADER_BYTES;
    let mut next = first;
    let mut payload = Vec::new();
    loop {
        let mut head = [0u8; RECORD_HEADER_BYTES as usize];
        let got =
            read_up_to(&mut reader, &mut head).map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
        if got == 0 {
            break;
        }
        if got < head.len() {
            scan.stop = Some((position, Bad::Truncated));
            break;
        }
        let header = match record::parse_header(&head) {
            Ok(header) => header,
            Err(bad) => {
                scan.stop = Some((position, bad));
                break;
            }
        };
        payload.resize(header.length as usize, 0);
        let got = read_up_to(&mut reader, &mut payload)
            .map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
        if got < payload.len() {
            scan.stop = Some((position, Bad::Truncated));
            break;
        }
        if let Err(bad) = record::check(&header, next, &payload) {
            scan.stop = Some((position, bad));
            break;
        }
        let offset = u32::try_from(position)
            .map_err(|_| StoreError::Format(format!("{} is larger than a segment may be", path.display())))?;
        position += RECORD_HEADER_BYTES + u64::from(header.length);
        match header.kind {
            Kind::Entry => {
                pending_offsets.push(offset);
                next += 1;
            }
            Kind::Commit => {
                scan.offsets.append(&mut pending_offsets);
                scan.committed_end = position;
                scan.committed_count = next;
                scan.checkpoint = Some(payload.clone());
            }
        }
    }
    scan.pending = pending_offsets.len() as u64;
    Ok(scan)
}

/// Read until `buf` is full or the file ends; returns the bytes read.
fn read_up_to(reader: &mut impl io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn read_segment_header(path: &Path, file: &File) -> Result<Result<u64, String>, StoreError> {
    let mut header = [0u8; SEGMENT_HEADER_BYTES as usize];
    let got =
        read_up_to(&mut (&*file), &mut header).map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
    if got < header.len() {
        return Ok(Err("the file ends inside the segment header".into()));
    }
    if &header[..8] != record::SEGMENT_MAGIC {
        return Ok(Err(format!(
            "the segment header is not {:?}",
            String::from_utf8_lossy(record::SEGMENT_MAGIC)
        )));
    }
    let mut first = [0u8; 8];
    first.copy_from_slice(&header[8..]);
    Ok(Ok(u64::from_le_bytes(first)))
}

impl EntryLog {
    /// Create a new, empty log in `dir` (which must not exist, or be
    /// empty), durably: the first segment's header is synced, and so are
    /// the folder and its parent.
    pub fn create(dir: &Path, options: LogOptions) -> Result<EntryLog, StoreError> {
        if dir.exists() {
            let mut items = fs::read_dir(dir).map_err(|e| StoreError::io(format!("reading {}", dir.display()), e))?;
            if items.next().is_some() {
                return Err(StoreError::Refused(format!(
                    "{} is not empty: a new log is only created in an empty folder",
                    dir.display()
                )));
            }
        }
        fs::create_dir_all(dir).map_err(|e| StoreError::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join(segment_name(0));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| StoreError::io(format!("creating {}", path.display()), e))?;
        file.write_all_at(&record::segment_header(0), 0)
            .and_then(|()| file.sync_all())
            .map_err(|e| StoreError::io(format!("writing {}", path.display()), e))?;
        drop(file);
        durable::sync_dir(dir).map_err(|e| StoreError::io(format!("syncing {}", dir.display()), e))?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            durable::sync_dir(parent).map_err(|e| StoreError::io(format!("syncing {}", parent.display()), e))?;
        }
        EntryLog::open(dir, OpenMode::ReadWrite, options)
    }

    /// Open the log in `dir`, checking every record. Writes nothing.
    pub fn open(dir: &Path, mode: OpenMode, options: LogOptions) -> Result<EntryLog, StoreError> {
        if !dir.is_dir() {
            return Err(StoreError::Missing(dir.to_path_buf()));
        }
        if dir.join("conf").exists() && dir.join("db").exists() {
            return Err(StoreError::Format(format!(
                "{} holds a store of format 2 (sled), which this build no longer reads: export the ledger with the build that wrote it (`ledger export --data DIR --out FILE`) and `ledger-node restore` the bundle",
                dir.display()
            )));
        }
        let lock = lock_dir(dir, mode)?;
        let mut firsts = Vec::new();
        for item in fs::read_dir(dir).map_err(|e| StoreError::io(format!("reading {}", dir.display()), e))? {
            let item = item.map_err(|e| StoreError::io(format!("reading {}", dir.display()), e))?;
            if let Some(first) = item.file_name().to_str().and_then(segment_first) {
                firsts.push(first);
            }
        }
        firsts.sort_unstable();
        if firsts.first() != Some(&0) {
            return Err(StoreError::Damaged(Damage {
                file: dir.join(segment_name(0)),
                offset: 0,
                entry: Some(0),
                what: "the first segment of the log is missing".into(),
            }));
        }
        let mut segments: Vec<Segment> = Vec::new();
        let mut offsets: Vec<u32> = Vec::new();
        let mut checkpoint: Option<Vec<u8>> = None;
        let mut writer = Writer {
            truncate_to: None,
            discard: None,
            poisoned: false,
        };
        let mut torn_tail = None;
        let last_index = firsts.len() - 1;
        for (index, first) in firsts.into_iter().enumerate() {
            let is_last = index == last_index;
            let path = dir.join(segment_name(first));
            let file = OpenOptions::new()
                .read(true)
                .write(mode == OpenMode::ReadWrite && is_last)
                .open(&path)
                .map_err(|e| StoreError::io(format!("opening {}", path.display()), e))?;
            let count = offsets.len() as u64;
            let damaged = |offset: u64, entry: Option<u64>, what: String| {
                StoreError::Damaged(Damage {
                    file: path.clone(),
                    offset,
                    entry,
                    what,
                })
            };
            if first != count {
                return Err(damaged(
                    0,
                    Some(count),
                    format!("the segment starts at entry {first}, but the segments before it end at entry {count}"),
                ));
            }
            match read_segment_header(&path, &file)? {
                Ok(header_first) if header_first == first => {}
                Ok(header_first) => {
                    return Err(damaged(
                        0,
                        Some(first),
                        format!("the segment's header says it starts at entry {header_first}"),
                    ))
                }
                // A segment created by a commit that never completed (the
                // only writes to a new segment are its header and that commit).
                Err(what) if is_last && first > 0 => {
                    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
                    torn_tail = Some(TornTail {
                        file: path.clone(),
                        offset: 0,
                        bytes,
                        entries: 0,
                        reason: Some(what),
                    });
                    writer.discard = Some(path);
                    break;
                }
                Err(what) => return Err(damaged(0, Some(first), what)),
            }
            let scan = scan_segment(&path, &file, first)?;
            let complete = scan.stop.is_none() && scan.pending == 0 && scan.committed_end == scan.file_bytes;
            if !complete {
                let entry = scan.committed_count + scan.pending;
                let (offset, what) = match &scan.stop {
                    Some((offset, bad)) => (*offset, bad.to_string()),
                    None => (
                        scan.committed_end,
                        format!("{} entries without their commit record", scan.pending),
                    ),
                };
                if !is_last {
                    return Err(damaged(offset, Some(entry), what));
                }
                if scan.committed_end == SEGMENT_HEADER_BYTES && first > 0 {
                    // Not one complete commit: the whole segment is torn.
                    writer.discard = Some(path.clone());
                } else {
                    writer.truncate_to = Some(scan.committed_end);
                }
                torn_tail = Some(TornTail {
                    file: path.clone(),
                    offset: scan.committed_end,
                    bytes: scan.file_bytes - scan.committed_end,
                    entries: scan.pending,
                    reason: scan
                        .stop
                        .as_ref()
                        .map(|(at, bad)| format!("entry {entry} at byte {at}: {bad}")),
                });
                if writer.discard.is_some() {
                    break;
                }
            }
            offsets.extend_from_slice(&scan.offsets);
            if scan.checkpoint.is_some() {
                checkpoint = scan.checkpoint;
            }
            segments.push(Segment {
                first,
                path,
                file: Arc::new(file),
                end: scan.committed_end,
            });
        }
        let stored = offsets.len() as u64;
        Ok(EntryLog {
            dir: dir.to_path_buf(),
            mode,
            options,
            segments: RwLock::new(segments),
            offsets: RwLock::new(offsets),
            stored: AtomicU64::new(stored),
            checkpoint: RwLock::new(checkpoint),
            writer: Mutex::new(writer),
            torn_tail,
            _lock: lock,
        })
    }

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

    /// The segment holding `seq` and the entry's offset in it.
    fn locate(&self, seq: u64) -> Result<Located, StoreError> {
        let offset = {
            let offsets = self.offsets.read().map_err(|_| lock_error())?;
            offsets
                .get(seq as usize)
                .copied()
                .ok_or_else(|| StoreError::Refused(format!("entry {seq} is not stored")))?
        };
        let segments = self.segments.read().map_err(|_| lock_error())?;
        let at = segments.partition_point(|s| s.first <= seq);
        let segment = at
            .checked_sub(1)
            .and_then(|i| segments.get(i))
            .ok_or_else(|| StoreError::Refused(format!("no segment holds entry {seq}")))?;
        Ok(Located {
            file: segment.file.clone(),
            path: segment.path.clone(),
            offset: u64::from(offset),
            segment_end: segment.end,
            next_segment_first: segments.get(at).map_or(u64::MAX, |s| s.first),
        })
    }

    /// The canonical bytes of entry `seq`, checked against their checksum.
    pub fn entry(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if seq >= self.entry_count() {
            return Ok(None);
        }
        let Located { file, path, offset, .. } = self.locate(seq)?;
        let mut head = [0u8; RECORD_HEADER_BYTES as usize];
        file.read_exact_at(&mut head, offset)
            .map_err(|e| StoreError::io(format!("reading entry {seq} in {}", path.display()), e))?;
        let damaged = |what: String| {
            StoreError::Damaged(Damage {
                file: path.clone(),
                offset,
                entry: Some(seq),
                what,
            })
        };
        let header = record::parse_header(&head).map_err(|bad| damaged(bad.to_string()))?;
        if header.kind != Kind::Entry {
            return Err(damaged("a commit record where the entry was".into()));
        }
        let mut payload = vec![0u8; header.length as usize];
        file.read_exact_at(&mut payload, offset + RECORD_HEADER_BYTES)
            .map_err(|e| StoreError::io(format!("reading entry {seq} in {}", path.display()), e))?;
        record::check(&header, seq, &payload).map_err(|bad| damaged(bad.to_string()))?;
        Ok(Some(payload))
    }

    /// Entries `start..end` (up to the stored count), in order, with their
    /// sequence numbers, read a step of consecutive records at a time and
    /// each checked against its checksum.
    pub fn entries(&self, start: u64, end: u64) -> impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_ {
        let end = end.min(self.entry_count());
        let mut next = start;
        let mut failed = false;
        std::iter::from_fn(move || {
            if failed || next >= end {
                return None;
            }
            let step_end = end.min(next.saturating_add(READ_STEP_ENTRIES));
            match self.read_run(next, step_end) {
                Ok(run) => {
                    next += run.len() as u64;
                    if run.is_empty() {
                        return None;
                    }
                    Some(run.into_iter().map(Ok).collect::<Vec<_>>())
                }
                Err(e) => {
                    failed = true;
                    Some(vec![Err(e)])
                }
            }
        })
        .flatten()
    }

    /// Consecutive entries from `start`, up to `end` or the end of
    /// `start`'s segment, with one read.
    fn read_run(&self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let Located {
            file,
            path,
            offset: first_offset,
            segment_end,
            next_segment_first,
        } = self.locate(start)?;
        let last = end.min(next_segment_first);
        // The run's bytes end where entry `last`'s record starts if it is in
        // the same segment and stored, else at the segment's committed end
        // (any commit records in between are read and checked too).
        let byte_end = if last < next_segment_first {
            let offsets = self.offsets.read().map_err(|_| lock_error())?;
            offsets.get(last as usize).map_or(segment_end, |o| u64::from(*o))
        } else {
            segment_end
        };
        let mut bytes = vec![0u8; byte_end.saturating_sub(first_offset) as usize];
        file.read_exact_at(&mut bytes, first_offset)
            .map_err(|e| StoreError::io(format!("reading entries from {start} in {}", path.display()), e))?;
        let mut run = Vec::with_capacity((last - start) as usize);
        let mut at = 0usize;
        let mut seq = start;
        while seq < last {
            let offset = first_offset + at as u64;
            let damaged = |what: String| {
                StoreError::Damaged(Damage {
                    file: path.clone(),
                    offset,
                    entry: Some(seq),
                    what,
                })
            };
            let head: [u8; RECORD_HEADER_BYTES as usize] = bytes
                .get(at..at + RECORD_HEADER_BYTES as usize)
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| damaged(Bad::Truncated.to_string()))?;
            let header = record::parse_header(&head).map_err(|bad| damaged(bad.to_string()))?;
            let payload_start = at + RECORD_HEADER_BYTES as usize;
            let payload = bytes
                .get(payload_start..payload_start + header.length as usize)
                .ok_or_else(|| damaged(Bad::Truncated.to_string()))?;
            // A commit record sits between two commits' entries; its
            // position is the entry count, i.e. the next entry's number.
            record::check(&header, seq, payload).map_err(|bad| damaged(bad.to_string()))?;
            if header.kind == Kind::Entry {
                run.push((seq, payload.to_vec()));
                seq += 1;
            }
            at = payload_start + header.length as usize;
        }
        Ok(run)
    }

    /// Append one group commit — `entries` (each with the sequence number
    /// it must have) and the checkpoint covering them — and make it durable
    /// with `fdatasync` (and an `fsync` of the folder when a segment is
    /// created). Returns only once it is on stable storage; readers see the
    /// entries from then on.
    ///
    /// On [`StoreError::Full`] nothing was committed and the log stays
    /// usable; on any other error the log refuses further commits.
    pub fn commit(&self, entries: &[(u64, &[u8])], checkpoint: &[u8]) -> Result<(), StoreError> {
        if self.mode == OpenMode::ReadOnly {
            return Err(StoreError::Refused("the log was opened read-only".into()));
        }
        let mut writer = self.writer.lock().map_err(|_| lock_error())?;
        if writer.poisoned {
            return Err(StoreError::Refused(
                "an earlier write to the log failed; the node must restart and replay".into(),
            ));
        }
        let start = self.entry_count();
        let mut buffer =
            Vec::with_capacity(entries.iter().map(|(_, b)| b.len() + 9).sum::<usize>() + 9 + checkpoint.len());
        let mut next = start;
        for (seq, bytes) in entries {
            if *seq != next {
                return Err(StoreError::Refused(format!(
                    "a commit of entry {seq} where entry {next} comes next"
                )));
            }
            if bytes.len() as u64 > u64::from(record::MAX_PAYLOAD_BYTES) {
                return Err(StoreError::Refused(format!(
                    "entry {seq} is {} bytes long",
                    bytes.len()
                )));
            }
            record::encode(Kind::Entry, *seq, bytes, &mut buffer);
            next += 1;
        }
        if checkpoint.len() as u64 > u64::from(record::MAX_PAYLOAD_BYTES) {
            return Err(StoreError::Refused("the checkpoint is too long".into()));
        }
        record::encode(Kind::Commit, next, checkpoint, &mut buffer);

        let result = self.write_commit(&mut writer, start, &buffer);
        match &result {
            Ok(_) => {}
            Err(e) if e.is_full() => {}
            Err(_) => writer.poisoned = true,
        }
        let offsets = result?;
        // Durable: publish. Segments and offsets first, the count last.
        {
            let mut all = self.offsets.write().map_err(|_| lock_error())?;
            all.extend(offsets);
        }
        *self.checkpoint.write().map_err(|_| lock_error())? = Some(checkpoint.to_vec());
        self.stored.store(next, Ordering::Release);
        Ok(())
    }

    /// Write `buffer` (records of entries `start..`) after the last commit,
    /// sync it, and return the entries' offsets. The segment's new end is
    /// recorded; the caller publishes the offsets and the count.
    fn write_commit(&self, writer: &mut Writer, start: u64, buffer: &[u8]) -> Result<Vec<u32>, StoreError> {
        if let Some(path) = writer.discard.take() {
            if let Err(e) = fs::remove_file(&path) {
                if e.kind() != io::ErrorKind::NotFound {
                    writer.discard = Some(path.clone());
                    return Err(StoreError::io(
                        format!("removing the torn segment {}", path.display()),
                        e,
                    ));
                }
            }
            durable::sync_dir(&self.dir).map_err(|e| StoreError::io(format!("syncing {}", self.dir.display()), e))?;
        }
        let mut segments = self.segments.write().map_err(|_| lock_error())?;
        let last = segments
            .last()
            .ok_or_else(|| StoreError::Refused("the log has no segment".into()))?;
        let roll = last.end >= self.options.segment_bytes && last.end > SEGMENT_HEADER_BYTES
            || last.end + buffer.len() as u64 > MAX_SEGMENT_BYTES;
        if roll {
            if let Some(end) = writer.truncate_to.take() {
                // The old last segment keeps only its complete commits.
                let file = &last.file;
                file.set_len(end)
                    .and_then(|()| file.sync_data())
                    .map_err(|e| StoreError::io(format!("cutting the torn tail of {}", last.path.display()), e))?;
            }
            let path = self.dir.join(segment_name(start));
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .map_err(|e| StoreError::io(format!("creating {}", path.display()), e))?;
            let mut contents = Vec::with_capacity(SEGMENT_HEADER_BYTES as usize + buffer.len());
            contents.extend_from_slice(&record::segment_header(start));
            contents.extend_from_slice(buffer);
            if contents.len() as u64 > MAX_SEGMENT_BYTES {
                return Err(StoreError::Refused(format!("a commit of {} bytes", buffer.len())));
            }
            if let Err(e) = file.write_all_at(&contents, 0) {
                // Nothing of it is acknowledged; do not leave a half segment.
                let _ = fs::remove_file(&path);
                return Err(StoreError::io(format!("writing {}", path.display()), e));
            }
            file.sync_data()
                .map_err(|e| StoreError::io(format!("syncing {}", path.display()), e))?;
            durable::sync_dir(&self.dir).map_err(|e| StoreError::io(format!("syncing {}", self.dir.display()), e))?;
            let offsets = record_offsets(buffer, SEGMENT_HEADER_BYTES);
            segments.push(Segment {
                first: start,
                path,
                file: Arc::new(file),
                end: contents.len() as u64,
            });
            return Ok(offsets);
        }
        let end = last.end;
        let file = last.file.clone();
        let path = last.path.clone();
        if let Some(cut) = writer.truncate_to {
            file.set_len(cut)
                .map_err(|e| StoreError::io(format!("cutting the torn tail of {}", path.display()), e))?;
            writer.truncate_to = None;
        }
        if let Err(e) = file.write_all_at(buffer, end) {
            // Part of the buffer may be in the file: cut it at the next write.
            writer.truncate_to = Some(end);
            return Err(StoreError::io(format!("writing {}", path.display()), e));
        }
        if let Err(e) = file.sync_data() {
            writer.truncate_to = Some(end);
            // A failed fdatasync is never "full": the data may or may not be
            // on disk, and retrying would not tell (fsyncgate).
            return Err(StoreError::Io {
                context: format!("syncing {}", path.display()),
                source: e,
            });
        }
        let offsets = record_offsets(buffer, end);
        if let Some(last) = segments.last_mut() {
            last.end = end + buffer.len() as u64;
        }
        Ok(offsets)
    }

    /// A small value stored beside the log (`meta-NAME`), or None.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.meta_path(name)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Replace a small value stored beside the log, atomically and durably.
    pub fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        if self.mode == OpenMode::ReadOnly {
            return Err(StoreError::Refused("the log was opened read-only".into()));
        }
        let path = self.meta_path(name)?;
        durable::replace_file(&path, value, 0o644).map_err(|e| StoreError::io(format!("writing {}", path.display()), e))
    }

    fn meta_path(&self, name: &str) -> Result<PathBuf, StoreError> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(StoreError::Refused(format!("a metadata name {name:?}")));
        }
        Ok(self.dir.join(format!("meta-{name}")))
    }

    /// Bytes the log's segments occupy.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        let segments = self.segments.read().map_err(|_| lock_error())?;
        let mut total = 0u64;
        for segment in segments.iter() {
            total += segment
                .file
                .metadata()
                .map_err(|e| StoreError::io(format!("reading {}", segment.path.display()), e))?
                .len();
        }
        Ok(total)
    }

    /// Bytes free for the log on its file system.
    pub fn available_bytes(&self) -> Result<u64, StoreError> {
        durable::available_bytes(&self.dir).map_err(|e| StoreError::io(format!("statvfs {}", self.dir.display()), e))
    }

    /// Overwrite `length` bytes at `offset` of the segment holding entry
    /// `seq`'s record, unchecked. Only for the tests that prove damage is
    /// caught on read and at start: the node never rewrites a record.
    #[doc(hidden)]
    pub fn damage_entry_for_tests(&self, seq: u64, flip_at: u64) -> Result<(), StoreError> {
        let Located { file, path, offset, .. } = self.locate(seq)?;
        let mut byte = [0u8; 1];
        let at = offset + flip_at;
        file.read_exact_at(&mut byte, at)
            .map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
        byte[0] ^= 0x01;
        let writable = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::io(format!("opening {}", path.display()), e))?;
        writable
            .write_all_at(&byte, at)
            .and_then(|()| writable.sync_data())
            .map_err(|e| StoreError::io(format!("writing {}", path.display()), e))
    }
}

/// The offsets of the entry records in `records` (framed by this crate, so
/// well-formed), `base` being the offset of `records` in its file.
fn record_offsets(records: &[u8], base: u64) -> Vec<u32> {
    let mut offsets = Vec::new();
    let mut at = 0usize;
    while at + RECORD_HEADER_BYTES as usize <= records.len() {
        let length = u32::from_le_bytes([records[at + 1], records[at + 2], records[at + 3], records[at + 4]]) as usize;
        if records[at] == b'E' {
            // Below MAX_SEGMENT_BYTES: write_commit rolls to a new segment first.
            offsets.push((base + at as u64) as u32);
        }
        at += RECORD_HEADER_BYTES as usize + length;
    }
    offsets
}

/// Where an entry's record is.
struct Located {
    file: Arc<File>,
    path: PathBuf,
    offset: u64,
    /// Committed bytes of its segment.
    segment_end: u64,
    /// The first entry of the next segment (`u64::MAX` for the last).
    next_segment_first: u64,
}

#[cfg(test)]
mod tests;

//! Creating and opening a log: the recovery scan over every segment.

use super::segment::{lock_dir, read_segment_header, scan_segment, segment_first, segment_name};
use super::*;

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
                StoreError::damaged(path.as_path(), offset, entry, what)
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
}

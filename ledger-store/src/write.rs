//! The group commit: append, `fdatasync`, then publish to readers.

use super::segment::segment_name;
use super::*;

impl EntryLog {
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
    pub(super) fn write_commit(&self, writer: &mut Writer, start: u64, buffer: &[u8]) -> Result<Vec<u32>, StoreError> {
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

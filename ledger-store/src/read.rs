//! Reading entries back, each checked against its checksum.

use super::*;

impl EntryLog {
    /// The segment holding `seq` and the entry's offset in it.
    pub(super) fn locate(&self, seq: u64) -> Result<Located, StoreError> {
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
        let damaged = |what: String| StoreError::damaged(path.as_path(), offset, Some(seq), what);
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
    pub(super) fn read_run(&self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
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
            let damaged = |what: String| StoreError::damaged(path.as_path(), offset, Some(seq), what);
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
}

/// Where an entry's record is.
pub(super) struct Located {
    pub(super) file: Arc<File>,
    pub(super) path: PathBuf,
    pub(super) offset: u64,
    /// Committed bytes of its segment.
    pub(super) segment_end: u64,
    /// The first entry of the next segment (`u64::MAX` for the last).
    pub(super) next_segment_first: u64,
}

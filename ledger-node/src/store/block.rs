//! Entry blocks: how the store packs consecutive entries into one sled value.
//!
//! A block holds the entries `first..first + n` (`n ≤ BLOCK_ENTRIES`) where
//! `first` is a multiple of [`BLOCK_ENTRIES`]: a block never crosses a
//! multiple of it, so the block of entry `seq` is always found by one exact
//! key lookup. The value is the entries' canonical bytes, each framed as
//! `u32 LE length ‖ bytes` (the framing of the export bundle).
//!
//! Why blocks and not one key per entry: sled 0.34 copies a leaf node and
//! logs a delta for every key inserted, and splits a leaf every 8-16
//! sequential keys. At one key per entry that was 14.5 µs of the committer's
//! time per entry, the largest serial cost of ingest (PERFORMANCE.md);
//! one key per 16 entries divides it by about 16. Leaves of larger values
//! make a cache miss read more bytes, which the read benchmark measures.

use super::StoreError;

/// Entries per block. Part of the store format: changing it needs a new
/// [`super::STORE_FORMAT`].
pub const BLOCK_ENTRIES: u64 = 16;

/// The sequence number of the first entry of the block holding `seq`.
pub fn block_start(seq: u64) -> u64 {
    seq - seq % BLOCK_ENTRIES
}

/// Append one record to a block value.
pub fn push_record(block: &mut Vec<u8>, entry: &[u8]) -> Result<(), StoreError> {
    let len =
        u32::try_from(entry.len()).map_err(|_| StoreError::Corrupt(format!("an entry of {} bytes", entry.len())))?;
    block.extend_from_slice(&len.to_le_bytes());
    block.extend_from_slice(entry);
    Ok(())
}

/// The records of a block value, in order; an error names the block and the
/// record that is cut short.
pub struct Records<'a> {
    value: &'a [u8],
    at: usize,
    first: u64,
    index: u64,
}

impl<'a> Records<'a> {
    /// Walk the block that starts at entry `first`.
    pub fn new(first: u64, value: &'a [u8]) -> Records<'a> {
        Records {
            value,
            at: 0,
            first,
            index: 0,
        }
    }

    fn damaged(&mut self, what: &str) -> StoreError {
        let seq = self.first + self.index;
        self.at = self.value.len();
        StoreError::Corrupt(format!("entry {seq}: {what} in the block of entry {}", self.first))
    }
}

impl<'a> Iterator for Records<'a> {
    /// (sequence number, canonical bytes)
    type Item = Result<(u64, &'a [u8]), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.value.len() {
            return None;
        }
        if self.index >= BLOCK_ENTRIES {
            return Some(Err(self.damaged("more records than a block holds")));
        }
        let Some(len) = self
            .value
            .get(self.at..self.at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| u32::from_le_bytes(b) as usize)
        else {
            return Some(Err(self.damaged("a truncated length prefix")));
        };
        let start = self.at + 4;
        let Some(bytes) = start.checked_add(len).and_then(|end| self.value.get(start..end)) else {
            return Some(Err(self.damaged("a truncated record")));
        };
        let seq = self.first + self.index;
        self.at = start + len;
        self.index += 1;
        Some(Ok((seq, bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damage_is_named() -> Result<(), StoreError> {
        let mut block = Vec::new();
        for n in 0..3u8 {
            push_record(&mut block, &vec![n; usize::from(n) + 1])?;
        }
        let read: Vec<(u64, Vec<u8>)> = Records::new(32, &block)
            .map(|r| r.map(|(s, b)| (s, b.to_vec())))
            .collect::<Result<_, _>>()?;
        assert_eq!(read, vec![(32, vec![0]), (33, vec![1, 1]), (34, vec![2, 2, 2])]);

        // Cut inside the third record: the first two still read, the third is named.
        let cut = &block[..block.len() - 1];
        let results: Vec<_> = Records::new(32, cut).collect();
        assert_eq!(results.len(), 3);
        assert!(results[1].is_ok());
        let message = results[2].as_ref().err().map(ToString::to_string).unwrap_or_default();
        assert_eq!(
            message,
            "storage: entry 34: a truncated record in the block of entry 32"
        );
        // Cut inside a length prefix.
        let results: Vec<_> = Records::new(0, &block[..7]).collect();
        let message = results[1].as_ref().err().map(ToString::to_string).unwrap_or_default();
        assert_eq!(
            message,
            "storage: entry 1: a truncated length prefix in the block of entry 0"
        );
        assert_eq!(block_start(31), 16);
        assert_eq!(block_start(32), 32);
        assert_eq!(block_start(0), 0);
        Ok(())
    }

    #[test]
    fn a_block_with_too_many_records_is_refused() -> Result<(), StoreError> {
        let mut block = Vec::new();
        for _ in 0..=BLOCK_ENTRIES {
            push_record(&mut block, b"x")?;
        }
        let results: Vec<_> = Records::new(0, &block).collect();
        assert_eq!(results.len() as u64, BLOCK_ENTRIES + 1);
        assert!(results[..BLOCK_ENTRIES as usize].iter().all(Result::is_ok));
        assert!(results[BLOCK_ENTRIES as usize].is_err());
        Ok(())
    }
}

//! Entry blocks: how the store packs consecutive entries into one sled value.
//!
//! A block holds the entries `first..first + n` (`n ≤ BLOCK_ENTRIES`) where
//! `first` is a multiple of [`BLOCK_ENTRIES`]: a block never crosses a
//! multiple of it, so the block of entry `seq` is always found by one exact
//! key lookup. The value is the entries' canonical bytes, each framed as
//! `u32 LE length ‖ bytes` — the records of the export bundle, written and
//! split by the same functions (`ledger_core::bundle`).
//!
//! Why blocks and not one key per entry: sled 0.34 copies a leaf node and
//! logs a delta for every key inserted, and splits a leaf every 8-16
//! sequential keys. At one key per entry that was 14.5 µs of the committer's
//! time per entry, the largest serial cost of ingest (PERFORMANCE.md);
//! one key per 16 entries divides it by about 16.

use super::StoreError;
use ledger_core::bundle::split_records;

/// Entries per block. Part of the store format: changing it needs a new
/// [`super::STORE_FORMAT`].
pub const BLOCK_ENTRIES: u64 = 16;

/// The sequence number of the first entry of the block holding `seq`.
pub fn block_start(seq: u64) -> u64 {
    seq - seq % BLOCK_ENTRIES
}

/// The records of the block that starts at entry `first`, in order. A block
/// cut short or holding more than [`BLOCK_ENTRIES`] records is an error
/// naming the first entry that cannot be read.
pub fn records(first: u64, value: &[u8]) -> Result<Vec<&[u8]>, StoreError> {
    let (records, end) = split_records(value, 0, BLOCK_ENTRIES + 1);
    let damaged = |at: u64, what: &str| {
        StoreError::Corrupt(format!("entry {}: {what} in the block of entry {first}", first + at))
    };
    if records.len() as u64 > BLOCK_ENTRIES {
        return Err(damaged(BLOCK_ENTRIES, "more records than a block holds"));
    }
    if end != value.len() {
        return Err(damaged(records.len() as u64, "a truncated or oversized record"));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::bundle::encode_record;

    fn block_of(records: &[&[u8]]) -> Vec<u8> {
        records.iter().flat_map(|r| encode_record(r)).collect()
    }

    #[test]
    fn records_round_trip_and_damage_is_named() -> Result<(), StoreError> {
        let block = block_of(&[&[0], &[1, 1], &[2, 2, 2]]);
        assert_eq!(records(32, &block)?, vec![&[0u8][..], &[1, 1], &[2, 2, 2]]);
        assert_eq!(records(32, &[])?, Vec::<&[u8]>::new());

        // Cut inside the third record, or inside the second's length prefix.
        let message = |bytes: &[u8], first: u64| records(first, bytes).err().map(|e| e.to_string());
        assert_eq!(
            message(&block[..block.len() - 1], 32).as_deref(),
            Some("storage: entry 34: a truncated or oversized record in the block of entry 32")
        );
        assert_eq!(
            message(&block[..7], 0).as_deref(),
            Some("storage: entry 1: a truncated or oversized record in the block of entry 0")
        );
        assert_eq!(block_start(31), 16);
        assert_eq!(block_start(32), 32);
        assert_eq!(block_start(0), 0);
        Ok(())
    }

    #[test]
    fn a_block_with_too_many_records_is_refused() -> Result<(), StoreError> {
        let full: Vec<&[u8]> = vec![b"x"; BLOCK_ENTRIES as usize];
        assert_eq!(records(0, &block_of(&full))?.len() as u64, BLOCK_ENTRIES);
        let over: Vec<&[u8]> = vec![b"x"; BLOCK_ENTRIES as usize + 1];
        let message = records(0, &block_of(&over)).err().map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some("storage: entry 16: more records than a block holds in the block of entry 0")
        );
        Ok(())
    }
}

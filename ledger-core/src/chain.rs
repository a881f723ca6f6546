//! Sequenced entries and the blake3 hash chain.
//!
//! The node assigns each accepted submission a sequence number, a time and
//! the previous entry's hash. `entry_hash = blake3(DOMAIN_ENTRY_HASH ‖
//! canonical(SequencedEntry))`; because `prev_hash` is inside the hashed
//! bytes, replaying the chain from genesis reproduces every hash, and any
//! change to any earlier byte changes every later hash. The same canonical
//! bytes are the RFC 6962 Merkle leaf (`merkle::leaf_hash`).

use crate::encoding::{self, Bytes, DecodeError, Hash32, DOMAIN_ENTRY_HASH};
use crate::merkle::{leaf_hash, TreeHash};
use crate::submission::{SignedSubmission, SubmissionError};
use serde::{Deserialize, Serialize};

/// Version tag of [`SequencedEntry`].
pub const ENTRY_VERSION: u8 = 3;
/// `prev_hash` of the genesis entry.
pub const GENESIS_PREV_HASH: Hash32 = Bytes([0; 32]);

/// An entry as it stands in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequencedEntry {
    /// Format version, [`ENTRY_VERSION`].
    pub v: u8,
    /// Position in the log, from 0.
    pub seq: u64,
    /// When the log sequenced it (Unix ms); never decreases along the chain.
    pub time_ms: u64,
    /// `entry_hash` of entry `seq - 1`, or zeros for genesis.
    pub prev_hash: Hash32,
    /// The operator's signed submission, exactly as received.
    pub signed: SignedSubmission,
}

/// An entry decoded from canonical bytes, with the two hashes computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedEntry {
    /// The entry.
    pub entry: SequencedEntry,
    /// blake3 chain hash.
    pub entry_hash: Hash32,
    /// RFC 6962 leaf hash (SHA-256).
    pub leaf_hash: TreeHash,
}

impl SequencedEntry {
    /// Canonical bytes (the Merkle leaf data and the chain hash input).
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Decode canonical bytes, check the structure, and compute both hashes.
    pub fn decode(bytes: &[u8]) -> Result<DecodedEntry, SubmissionError> {
        encoding::expect_leading_version(bytes, ENTRY_VERSION)?;
        let entry: SequencedEntry = encoding::decode_canonical(bytes)?;
        encoding::expect_version(entry.v, ENTRY_VERSION).map_err(SubmissionError::Decode)?;
        entry.signed.check_structure()?;
        Ok(DecodedEntry {
            entry,
            entry_hash: entry_hash(bytes),
            leaf_hash: leaf_hash(bytes),
        })
    }
}

/// Bytes of a postcard varint.
fn varint_len(value: u64) -> usize {
    let bits = 64 - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

/// The canonical bytes of the unsigned [`crate::submission::Submission`]
/// inside the canonical bytes of `entry` (what its signers signed, less the
/// domain prefix), found from the fixed layout — version, `seq` and
/// `time_ms` varints, 32-byte `prev_hash`, the submission, then the
/// signatures (a count varint and 96 bytes each) — instead of encoding the
/// submission again. `entry_bytes` must be the canonical bytes `entry` was
/// decoded from ([`SequencedEntry::decode`] guarantees it).
pub fn submission_bytes<'a>(entry_bytes: &'a [u8], entry: &SequencedEntry) -> Option<&'a [u8]> {
    let head = 1 + varint_len(entry.seq) + varint_len(entry.time_ms) + 32;
    let count = entry.signed.signatures.len();
    let tail = varint_len(count as u64) + 96 * count;
    let end = entry_bytes.len().checked_sub(tail)?;
    entry_bytes.get(head..end).filter(|b| !b.is_empty())
}

/// The chain hash of an entry's canonical bytes.
pub fn entry_hash(entry_bytes: &[u8]) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(DOMAIN_ENTRY_HASH);
    hasher.update(entry_bytes);
    Bytes(*hasher.finalize().as_bytes())
}

/// A broken link between two consecutive entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// `seq` is not the entry's position.
    #[error("entry at position {position} claims sequence {claimed}")]
    Sequence {
        /// Where it stands.
        position: u64,
        /// What it says.
        claimed: u64,
    },
    /// `prev_hash` does not match the previous entry.
    #[error("entry {seq}: prev_hash {found} does not match the previous entry's hash {expected}")]
    PrevHash {
        /// The entry.
        seq: u64,
        /// Its prev_hash.
        found: Hash32,
        /// The previous entry's hash.
        expected: Hash32,
    },
    /// Time went backwards.
    #[error("entry {seq}: time {time_ms} is before the previous entry's time {previous_ms}")]
    TimeRegression {
        /// The entry.
        seq: u64,
        /// Its time.
        time_ms: u64,
        /// The previous entry's time.
        previous_ms: u64,
    },
    /// Bytes that do not decode.
    #[error("entry {seq}: {error}")]
    Decode {
        /// Position.
        seq: u64,
        /// Why.
        error: DecodeError,
    },
}

/// The head of a chain: what the next entry must link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// Number of entries so far (the next sequence number).
    pub size: u64,
    /// Hash of the last entry (zeros when empty).
    pub last_hash: Hash32,
    /// Time of the last entry (0 when empty).
    pub last_time_ms: u64,
}

impl ChainHead {
    /// The head of an empty chain.
    pub const EMPTY: ChainHead = ChainHead {
        size: 0,
        last_hash: GENESIS_PREV_HASH,
        last_time_ms: 0,
    };

    /// Check that `entry` is the next link, and advance.
    pub fn link(&mut self, entry: &SequencedEntry, entry_hash: Hash32) -> Result<(), LinkError> {
        self.link_parts(entry.seq, &entry.prev_hash, entry.time_ms, entry_hash)
    }

    /// [`ChainHead::link`] from the entry's linking fields.
    pub fn link_parts(
        &mut self,
        seq: u64,
        prev_hash: &Hash32,
        time_ms: u64,
        entry_hash: Hash32,
    ) -> Result<(), LinkError> {
        if seq != self.size {
            return Err(LinkError::Sequence {
                position: self.size,
                claimed: seq,
            });
        }
        if *prev_hash != self.last_hash {
            return Err(LinkError::PrevHash {
                seq,
                found: *prev_hash,
                expected: self.last_hash,
            });
        }
        if time_ms < self.last_time_ms {
            return Err(LinkError::TimeRegression {
                seq,
                time_ms,
                previous_ms: self.last_time_ms,
            });
        }
        self.size += 1;
        self.last_hash = entry_hash;
        self.last_time_ms = time_ms;
        Ok(())
    }

    /// Build the next entry for a signed submission (the node's sequencer).
    /// `now_ms` is clamped so time never runs backwards.
    pub fn next_entry(&self, signed: SignedSubmission, now_ms: u64) -> SequencedEntry {
        SequencedEntry {
            v: ENTRY_VERSION,
            seq: self.size,
            time_ms: now_ms.max(self.last_time_ms),
            prev_hash: self.last_hash,
            signed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `submission_bytes` on a whole generated ledger is tested in ledger-demo
    // (tests/demo.rs), the generator being outside this crate.
    #[test]
    fn varint_lengths() {
        assert_eq!(varint_len(0), 1);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
        assert_eq!(varint_len(u64::MAX), 10);
    }
}

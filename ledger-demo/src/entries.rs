//! Sequencing without a node: [`demo_entries`] lays the demo's submissions
//! out as canonical `SequencedEntry` bytes, hash-linked.

use crate::log::DemoLog;
use ledger_core::chain::{entry_hash, ChainHead, ENTRY_VERSION};
use ledger_core::encoding;
use ledger_core::submission::SignedSubmission;
use rayon::prelude::*;

/// Sequence the demo's submissions into canonical `SequencedEntry` bytes, as
/// a node would: entry `i` at `start_time_ms + i`, each linked to the
/// previous one's blake3 hash. For tests and benchmarks that need a ledger
/// without a node.
///
/// The signed submissions are encoded in parallel first: a struct's
/// encoding is the concatenation of its fields' (docs/FORMAT.md §2), so an
/// entry is `enc(v, seq, time_ms, prev_hash) ‖ enc(signed)`, and only the
/// short header and the hash need the sequential pass. The tests compare the
/// result with [`ChainHead::next_entry`]'s.
pub fn demo_entries(log: &DemoLog, start_time_ms: u64) -> Vec<Vec<u8>> {
    let signed: Vec<Vec<u8>> = log.submissions.par_iter().map(SignedSubmission::encode).collect();
    let mut head = ChainHead::EMPTY;
    let mut out = Vec::with_capacity(signed.len());
    for (seq, signed_bytes) in signed.into_iter().enumerate() {
        let time_ms = start_time_ms.saturating_add(seq as u64).max(head.last_time_ms);
        let mut bytes = encoding::encode(&(ENTRY_VERSION, seq as u64, time_ms, head.last_hash));
        bytes.extend_from_slice(&signed_bytes);
        head = ChainHead {
            size: head.size + 1,
            last_hash: entry_hash(&bytes),
            last_time_ms: time_ms,
        };
        out.push(bytes);
    }
    out
}

#[cfg(test)]
#[allow(clippy::panic)] // a failing test panics, which is its job
mod tests {
    use super::*;
    use crate::{generate, DemoConfig};

    #[test]
    fn demo_entries_equal_the_sequencer_s() {
        let config = DemoConfig {
            seed: 5,
            target_entries: 400,
            now_ms: 1_610_672_400_000,
        };
        let log = match generate(&config) {
            Ok(log) => log,
            Err(e) => panic!("{e}"),
        };
        let fast = demo_entries(&log, config.now_ms);
        let mut head = ChainHead::EMPTY;
        for (i, signed) in log.submissions.iter().enumerate() {
            let entry = head.next_entry(signed.clone(), config.now_ms + i as u64);
            let bytes = entry.encode();
            assert_eq!(fast[i], bytes, "entry {i}");
            if let Err(e) = head.link(&entry, entry_hash(&bytes)) {
                panic!("{e}");
            }
        }
        assert_eq!(fast.len(), log.submissions.len());
    }
}

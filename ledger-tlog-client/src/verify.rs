//! Checking fetched data against signed checkpoints, and the log's key
//! history as its entries declare it.

use crate::ClientError;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::VerifiedCheckpoint;
use ledger_core::entry::EntryBody;
use ledger_core::merkle::{MemoryTree, TreeHash};

/// Append `leaves` to `tree` (the caller's verified prefix) and require the
/// result to be `checkpoint`'s tree; on a mismatch the leaves are cut off
/// again, the tree is as it was, and the error is `tile_mismatch` naming
/// the range: the source serves data its own signed checkpoint does not
/// commit to.
///
/// # Errors
/// [`ClientError::TileMismatch`].
pub fn extend_to_checkpoint(
    tree: &mut MemoryTree,
    leaves: &[TreeHash],
    checkpoint: &VerifiedCheckpoint,
) -> Result<(), ClientError> {
    let before = tree.size();
    tree.append_many(leaves);
    if tree.size() == checkpoint.size() && tree.root() == *checkpoint.root() {
        return Ok(());
    }
    let (size, root) = (tree.size(), tree.root());
    tree.truncate(before);
    Err(ClientError::TileMismatch {
        path: format!("tile/entries for entries {before}..{size}"),
        detail: format!(
            "the entries give a tree of size {size} with root {root}; the signed checkpoint says size {} root {}",
            checkpoint.size(),
            checkpoint.root()
        ),
    })
}

/// The log keys (first tree size each signs from, key) after `prior` and the
/// entries `entries` (canonical bytes): genesis names the first key, a
/// `log_key_rotate` at entry `s` a key that signs from size `s + 1` (as
/// `LedgerState::log_vkey_history`). Used to choose the key a checkpoint
/// must verify against before the entries are replayed; the replay then
/// checks each rotation's endorsement. Entries that do not decode are
/// skipped here (the replay refuses them).
pub fn key_history(prior: &[(u64, String)], entries: &[Vec<u8>]) -> Vec<(u64, String)> {
    let mut keys = prior.to_vec();
    for bytes in entries {
        let Ok(decoded) = SequencedEntry::decode(bytes) else {
            continue;
        };
        let seq = decoded.entry.seq;
        match decoded.entry.signed.submission.body {
            EntryBody::Genesis(g) if seq == 0 => keys = vec![(0, g.log_vkey)],
            EntryBody::LogKeyRotate { log_vkey, .. } => keys.push((seq.saturating_add(1), log_vkey)),
            _ => {}
        }
    }
    keys
}

/// The key that signs a checkpoint of `size` entries in `history`.
pub fn vkey_for_size(history: &[(u64, String)], size: u64) -> Option<&str> {
    history
        .iter()
        .rev()
        .find(|(from, _)| *from <= size)
        .map(|(_, k)| k.as_str())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn keys_by_size() {
        let h = vec![(0, "a".to_string()), (10, "b".to_string())];
        assert_eq!(vkey_for_size(&h, 9), Some("a"));
        assert_eq!(vkey_for_size(&h, 10), Some("b"));
        assert_eq!(vkey_for_size(&[], 10), None);
        assert_eq!(key_history(&h, &[vec![1, 2, 3]]), h);
    }
}

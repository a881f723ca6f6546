//! Checking fetched data against signed checkpoints, and the log's key
//! history as its entries declare it.

use crate::ClientError;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::VerifiedCheckpoint;
use ledger_core::entry::EntryBody;
use ledger_core::keys::check_rotation;
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
/// entries `entries` (canonical bytes, in order) of the log `origin`:
/// genesis names the first key, a `log_key_rotate` at entry `s` a key that
/// signs from size `s + 1` (as `LedgerState::log_vkey_history`). Each
/// rotation must be endorsed by the key before it (`keys::check_rotation`,
/// the rule the replay and `ledger verify` apply), so every key returned
/// descends from the first one: a source cannot slip in a key the pinned
/// one never endorsed, even before any checkpoint is verified (the
/// entries read here are not yet authenticated). Entries that do not
/// decode are skipped here (the replay or the root check refuses them).
///
/// # Errors
/// [`ClientError::InvalidRotation`]: a rotation its outgoing key did not endorse.
pub fn key_history(
    prior: &[(u64, String)],
    origin: &str,
    entries: &[Vec<u8>],
) -> Result<Vec<(u64, String)>, ClientError> {
    let mut keys = prior.to_vec();
    for bytes in entries {
        let Ok(decoded) = SequencedEntry::decode(bytes) else {
            continue;
        };
        let seq = decoded.entry.seq;
        match decoded.entry.signed.submission.body {
            EntryBody::Genesis(g) if seq == 0 => keys = vec![(0, g.log_vkey)],
            EntryBody::LogKeyRotate {
                log_vkey, endorsement, ..
            } => {
                let current = keys.last().map_or("", |(_, k)| k.as_str());
                check_rotation(origin, current, &log_vkey, &endorsement).map_err(|e| {
                    ClientError::InvalidRotation(format!("entry {seq}: the rotation from {current} to {log_vkey}: {e}"))
                })?;
                keys.push((seq.saturating_add(1), log_vkey));
            }
            _ => {}
        }
    }
    Ok(keys)
}

/// The log key in force at `size`, reached from `pinned` through the
/// rotations the log's own entries declare: every entry under `size` is
/// read from the tiles (each bundle against its level-0 hash tile) in
/// chunks of `chunk` entries, and [`key_history`] checks each rotation's
/// endorsement. `pinned` may be the genesis key or any later key of the
/// chain; the answer is the pinned key itself when no rotation follows it.
/// The caller verifies the checkpoint against the answer, and the entries
/// against the checkpoint's root.
///
/// # Errors
/// [`ClientError::WrongLog`] (the pinned key is not in the log's chain),
/// [`ClientError::InvalidRotation`], and the client's read errors.
pub fn key_in_force(
    client: &crate::TilesClient,
    pinned: &str,
    origin: &str,
    size: u64,
    chunk: u64,
) -> Result<String, ClientError> {
    let mut keys = Vec::new();
    let mut at = 0;
    while at < size {
        let end = at.saturating_add(chunk.max(1)).min(size);
        keys = key_history(&keys, origin, &client.entries(at, end, size)?)?;
        at = end;
    }
    let pinned = pinned.trim();
    let Some(from) = keys.iter().position(|(_, k)| k.trim() == pinned) else {
        return Err(ClientError::WrongLog(format!(
            "the log key {pinned} is not one of this log's keys ({}): the log's own entries (genesis and its endorsed rotations) never name it",
            keys.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>().join(", ")
        )));
    };
    Ok(keys
        .get(from..)
        .and_then(|tail| tail.last())
        .map_or_else(|| pinned.to_string(), |(_, k)| k.clone()))
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
        assert_eq!(key_history(&h, "o", &[vec![1, 2, 3]]), Ok(h));
    }
}

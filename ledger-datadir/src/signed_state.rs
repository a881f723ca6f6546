//! What the log key has signed: the last checkpoint, kept beside the key.
//!
//! A log key must never sign two histories. The store alone cannot promise
//! that: a wiped store, a store rolled back to an older copy, or a data
//! volume that failed to mount all look like a shorter (or empty) log, and
//! the node would then sign a different history with the same key — a fork
//! that witnesses and auditors would pin on the district. So the node keeps
//! `keys/last-signed-checkpoint` beside the key, replaced atomically and
//! durably (`ledger_store::durable::replace_file`) after every commit and
//! before any receipt or checkpoint of that commit is handed out, and at
//! start the store must hold that checkpoint's tree (the same size and root,
//! or a larger tree whose prefix has that root). A log starts only through
//! `ledger-node init` (or `--demo`), which records "nothing signed yet".

use crate::keyfile;
use anyhow::{bail, Context, Result};
use ledger_core::merkle::{MemoryTree, TreeHash};
use std::path::{Path, PathBuf};

/// The file's contents before the key has signed anything.
const NOTHING_SIGNED: &str = "sunshine-ledger: this log key has signed no checkpoint yet\n";

/// `DIR/keys/last-signed-checkpoint`.
pub fn path(data_dir: &Path) -> PathBuf {
    keyfile::keys_dir(data_dir).join("last-signed-checkpoint")
}

/// What the file says.
#[derive(Debug, Clone, PartialEq)]
pub enum SignedState {
    /// A log made by `init`, before its first commit.
    NothingSigned,
    /// The last checkpoint the key signed.
    Signed {
        /// The note as signed.
        note: String,
        /// Its tree size.
        size: u64,
        /// Its root hash.
        root: TreeHash,
    },
}

/// The size and root a checkpoint note claims (C2SP tlog-checkpoint body:
/// origin, size, base64 root). Not a signature check: this file is the
/// node's own memory, and it is only ever used to *refuse* to go on.
fn claimed(note: &str) -> Option<(u64, TreeHash)> {
    use base64::Engine as _;
    let mut lines = note.lines();
    let _origin = lines.next()?;
    let size = lines.next()?.parse::<u64>().ok()?;
    let root = base64::engine::general_purpose::STANDARD.decode(lines.next()?).ok()?;
    Some((size, TreeHash(<[u8; 32]>::try_from(root.as_slice()).ok()?)))
}

/// Read the file; `None` when there is none.
pub fn read(data_dir: &Path) -> Result<Option<SignedState>> {
    let path = path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if text == NOTHING_SIGNED {
        return Ok(Some(SignedState::NothingSigned));
    }
    let Some((size, root)) = claimed(&text) else {
        bail!(
            "{} is not a checkpoint note: it records what the log key has signed, and without it the node cannot know that it would not fork the log. Put back the copy from a backup",
            path.display()
        );
    };
    Ok(Some(SignedState::Signed { note: text, size, root }))
}

/// Record that a new log's key has signed nothing yet (`init`).
pub fn record_nothing_signed(data_dir: &Path) -> Result<()> {
    write(data_dir, NOTHING_SIGNED.as_bytes())
}

/// Record a checkpoint the key signed, durably, before it is handed out.
pub fn record(data_dir: &Path, note: &str) -> Result<()> {
    write(data_dir, note.as_bytes())
}

fn write(data_dir: &Path, bytes: &[u8]) -> Result<()> {
    let path = path(data_dir);
    ledger_store::durable::replace_file(&path, bytes, 0o600).with_context(|| format!("writing {}", path.display()))
}

/// Why a store cannot be served with this key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Mismatch {
    /// The store holds fewer entries than the key has signed for.
    #[error("the store holds {stored} entries, but the log key has already signed a checkpoint of {signed} entries")]
    Behind {
        /// Entries in the store.
        stored: u64,
        /// Size of the last signed checkpoint.
        signed: u64,
    },
    /// The store's tree at the signed size has another root: another history.
    #[error("the store's first {size} entries are not the tree the log key signed (root {signed_root}, the store has {stored_root}): it holds a different history")]
    OtherHistory {
        /// The signed size.
        size: u64,
        /// The signed root.
        signed_root: TreeHash,
        /// The store's root at that size.
        stored_root: TreeHash,
    },
}

/// Check the replayed tree against what the key signed.
pub fn check_tree(signed: &SignedState, tree: &MemoryTree) -> Result<(), Mismatch> {
    let SignedState::Signed { size, root, .. } = signed else {
        return Ok(());
    };
    if tree.size() < *size {
        return Err(Mismatch::Behind {
            stored: tree.size(),
            signed: *size,
        });
    }
    match tree.root_at(*size) {
        Ok(stored_root) if stored_root == *root => Ok(()),
        Ok(stored_root) => Err(Mismatch::OtherHistory {
            size: *size,
            signed_root: *root,
            stored_root,
        }),
        Err(_) => Err(Mismatch::Behind {
            stored: tree.size(),
            signed: *size,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::merkle::leaf_hash;

    fn tree_of(n: u8) -> MemoryTree {
        let leaves: Vec<TreeHash> = (0..n).map(|i| leaf_hash(&[i])).collect();
        MemoryTree::from_leaves(&leaves)
    }

    fn note_for(tree: &MemoryTree) -> String {
        use base64::Engine as _;
        format!(
            "example.org/log\n{}\n{}\n\n— example.org/log AAAA\n",
            tree.size(),
            base64::engine::general_purpose::STANDARD.encode(tree.root().0)
        )
    }

    #[test]
    fn the_file_round_trips_and_checks_the_tree() -> Result<()> {
        let dir = tempfile::tempdir()?;
        // The state lives beside the log key, in keys/ (made by `init`).
        std::fs::create_dir_all(keyfile::keys_dir(dir.path()))?;
        assert_eq!(read(dir.path())?, None);
        record_nothing_signed(dir.path())?;
        assert_eq!(read(dir.path())?, Some(SignedState::NothingSigned));
        let five = tree_of(5);
        record(dir.path(), &note_for(&five))?;
        let state = read(dir.path())?.ok_or_else(|| anyhow::anyhow!("no state"))?;
        assert_eq!(
            state,
            SignedState::Signed {
                note: note_for(&five),
                size: 5,
                root: five.root()
            }
        );
        // The same tree, or a larger one extending it: fine.
        assert_eq!(check_tree(&state, &five), Ok(()));
        assert_eq!(check_tree(&state, &tree_of(9)), Ok(()));
        // A wiped or rolled-back store.
        assert_eq!(
            check_tree(&state, &tree_of(0)),
            Err(Mismatch::Behind { stored: 0, signed: 5 })
        );
        assert_eq!(
            check_tree(&state, &tree_of(4)),
            Err(Mismatch::Behind { stored: 4, signed: 5 })
        );
        // Another history of the same size.
        let other = MemoryTree::from_leaves(&(10..15u8).map(|i| leaf_hash(&[i])).collect::<Vec<_>>());
        assert!(matches!(
            check_tree(&state, &other),
            Err(Mismatch::OtherHistory { size: 5, .. })
        ));
        Ok(())
    }

    #[test]
    fn a_damaged_file_is_refused_not_ignored() -> Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(keyfile::keys_dir(dir.path()))?;
        std::fs::write(path(dir.path()), "garbage")?;
        let message = read(dir.path()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("is not a checkpoint note"), "{message}");
        Ok(())
    }
}

//! The bytes of a C2SP tlog-tiles resource, produced once for both readers
//! of them: the `/tile/...` routes (`api::tiles`) and the publication to
//! object storage (`publish`). One function per resource kind, so that the
//! bucket holds exactly the bytes the node serves (the publication tests
//! compare them byte for byte).

use crate::ledger::Ledger;
use crate::store::{Store, StoreError};
use ledger_core::merkle::{leaf_hash, MerkleError, TileKind, TileRef, TILE_WIDTH};

/// Why a tile's bytes could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum TileBytesError {
    /// The store could not be read.
    #[error("reading the store: {0}")]
    Storage(#[from] StoreError),
    /// What the store returned for `seq` is not the entry the verified tree
    /// holds (or is missing).
    #[error("entry {seq} read from the store does not verify ({why})")]
    Corrupt {
        /// The entry.
        seq: u64,
        /// What is wrong with it.
        why: String,
    },
    /// tlog-tiles frames an entry with a 16-bit length.
    #[error("entry {seq} is {len} bytes, over the 65535 bytes a tlog-tiles bundle can frame")]
    EntryTooLarge {
        /// The entry.
        seq: u64,
        /// Its canonical length.
        len: usize,
    },
    /// A hash tile outside the tree.
    #[error("tile: {0}")]
    Tree(#[from] MerkleError),
    /// The tile is not a hash tile (or not an entry bundle) where one was asked.
    #[error("{0} is not a tile of this kind")]
    WrongKind(String),
}

/// A hash tile's bytes from the in-memory tree (`tile/<L>/<N>[.p/<W>]`).
pub fn hash_tile(ledger: &Ledger, tile: &TileRef) -> Result<Vec<u8>, TileBytesError> {
    match tile.kind {
        TileKind::Hash { level } => Ok(ledger.tree.tile_data(level, tile.index, tile.width)?),
        TileKind::Entries => Err(TileBytesError::WrongKind(tile.path())),
    }
}

/// An entry bundle (`tile/entries/<N>[.p/<W>]`): the entries read in one
/// range scan, each checked against the verified tree (the store could
/// have been altered under the running node), framed as the spec says —
/// a big-endian u16 length, then the canonical `SequencedEntry` bytes.
///
/// The check is the leaf hash alone: bytes whose leaf hash is the verified
/// tree's leaf at `seq` are the bytes that were verified at write (SHA-256
/// is collision resistant), so they decode, claim `seq` and are canonical
/// without decoding them again — the decode was most of the publisher's
/// cost per entry (docs/SCALING.md, "Publication's CPU").
/// `ledger` is locked only for the leaf comparison, after the store reads.
pub fn entry_bundle(
    store: &Store,
    ledger: &std::sync::RwLock<Ledger>,
    tile: &TileRef,
) -> Result<Vec<u8>, TileBytesError> {
    if tile.kind != TileKind::Entries {
        return Err(TileBytesError::WrongKind(tile.path()));
    }
    let start = tile.index.saturating_mul(u64::from(TILE_WIDTH));
    let end = start.saturating_add(u64::from(tile.width));
    let mut loaded: Vec<(u64, Vec<u8>, ledger_core::merkle::TreeHash)> = Vec::with_capacity(tile.width as usize);
    for item in store.entries(start, end) {
        let (seq, bytes) = item?;
        let expected = start + loaded.len() as u64;
        if seq != expected {
            return Err(missing(expected));
        }
        let leaf = leaf_hash(&bytes);
        loaded.push((seq, bytes, leaf));
    }
    if (loaded.len() as u64) < end - start {
        return Err(missing(start + loaded.len() as u64));
    }
    {
        let ledger = ledger.read().map_err(|_| TileBytesError::Corrupt {
            seq: start,
            why: "the ledger state lock is poisoned".into(),
        })?;
        for (seq, _, leaf) in &loaded {
            match ledger.tree.leaf(*seq) {
                Some(l) if l == *leaf => {}
                Some(_) => {
                    return Err(TileBytesError::Corrupt {
                        seq: *seq,
                        why: "its leaf hash differs from the Merkle tree's".into(),
                    })
                }
                None => {
                    return Err(TileBytesError::Corrupt {
                        seq: *seq,
                        why: "it is not in the Merkle tree".into(),
                    })
                }
            }
        }
    }
    frame_bundle(loaded.iter().map(|(seq, bytes, _)| (*seq, bytes.as_slice())))
}

/// The tlog-tiles framing of entries: for each, its length as a big-endian
/// u16, then its bytes. A larger entry (a genesis with thousands of regions
/// could be) cannot be bundled and is named.
pub fn frame_bundle<'a>(entries: impl Iterator<Item = (u64, &'a [u8])>) -> Result<Vec<u8>, TileBytesError> {
    // One framing for the whole project: ledger_core::tiles, which the
    // tiles client and the page's reader decode.
    let (seqs, bytes): (Vec<u64>, Vec<&[u8]>) = entries.unzip();
    ledger_core::tiles::encode_entry_bundle(&bytes).map_err(|e| match e {
        ledger_core::tiles::TileDataError::EntryTooLarge { index, len } => TileBytesError::EntryTooLarge {
            seq: seqs.get(index).copied().unwrap_or_default(),
            len,
        },
        other => TileBytesError::Corrupt {
            seq: seqs.first().copied().unwrap_or_default(),
            why: other.to_string(),
        },
    })
}

fn missing(seq: u64) -> TileBytesError {
    TileBytesError::Corrupt {
        seq,
        why: "missing from the store".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CommitBatch, NewEntry, StoreOptions};
    use ledger_core::merkle::MemoryTree;
    use std::sync::RwLock;

    fn tree_of(leaves: &[&[u8]]) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for l in leaves {
            tree.append(leaf_hash(l));
        }
        tree
    }

    #[test]
    fn a_bundle_holds_only_the_bytes_whose_leaf_is_the_trees() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = Store::create(&dir.path().join("store"), StoreOptions::default())?;
        // An empty ledger (its replay of the empty store), whose tree the
        // test sets: the raw bytes below are not entries it could replay.
        let (mut ledger, _) = crate::ledger::open_ledger(&store, &|_| {})?;
        let mut batch = CommitBatch {
            checkpoint: b"cp".to_vec(),
            ..CommitBatch::default()
        };
        for seq in 0..3u64 {
            batch.entries.push(NewEntry {
                seq,
                bytes: vec![seq as u8; 5],
                indexes: Vec::new(),
            });
        }
        store.commit(&batch)?;
        // The verified tree holds other bytes at 1: the store was altered
        // under the node (a valid record, not a torn one).
        ledger.tree = tree_of(&[&[0; 5], b"other", &[2; 5]]);
        let lock = RwLock::new(ledger);
        let tile = TileRef {
            kind: TileKind::Entries,
            index: 0,
            width: 3,
        };
        let err = entry_bundle(&store, &lock, &tile).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("entry 1 read from the store does not verify (its leaf hash differs from the Merkle tree's)")
        );
        // The tree's own bytes: the bundle frames them.
        if let Ok(mut l) = lock.write() {
            l.tree = tree_of(&[&[0; 5], &[1; 5], &[2; 5]]);
        }
        let bundle = entry_bundle(&store, &lock, &tile)?;
        assert_eq!(bundle, [0, 5, 0, 0, 0, 0, 0, 0, 5, 1, 1, 1, 1, 1, 0, 5, 2, 2, 2, 2, 2]);
        // Past the store's end: named, never a short bundle.
        let wider = TileRef { width: 4, ..tile };
        let err = entry_bundle(&store, &lock, &wider).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("entry 3 read from the store does not verify (missing from the store)")
        );
        // A hash tile asked as a bundle.
        let hash = TileRef {
            kind: TileKind::Hash { level: 0 },
            ..tile
        };
        let err = entry_bundle(&store, &lock, &hash).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("tile/0/000.p/3 is not a tile of this kind"));
        Ok(())
    }

    #[test]
    fn a_bundle_frames_each_entry_with_its_big_endian_length() {
        let a = [1u8, 2, 3];
        let b = vec![9u8; 300];
        let out = frame_bundle([(0u64, &a[..]), (1u64, &b[..])].into_iter()).ok();
        let mut expected = vec![0u8, 3, 1, 2, 3, 1, 44];
        expected.extend(std::iter::repeat_n(9u8, 300));
        assert_eq!(out, Some(expected));
        let big = vec![0u8; 65_536];
        let err = frame_bundle([(7u64, &big[..])].into_iter())
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("entry 7 is 65536 bytes, over the 65535 bytes a tlog-tiles bundle can frame")
        );
    }
}

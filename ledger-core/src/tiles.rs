//! C2SP `tlog-tiles` data, both directions: the entry-bundle framing (the
//! node and the publisher encode it, the tiles client and the mirror decode
//! it), hash-tile bytes as hashes, and which tiles a tree of a given size
//! holds. Pure: the fetching lives in `ledger-tlog-client`, the serving in
//! ledger-node's `api/tiles.rs`.
//!
//! An entry bundle is, for each entry of the tile, its length as a
//! big-endian u16 then its canonical `SequencedEntry` bytes (the bytes whose
//! RFC 6962 leaf hash is the level-0 tile's hash).

use crate::merkle::{TileKind, TileRef, TreeHash, HASH_LEN, TILE_HEIGHT, TILE_WIDTH};

/// Why tile bytes cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileDataError {
    /// An entry over the 16-bit length a bundle can frame.
    #[error("entry {index} of the bundle is {len} bytes, over the 65535 bytes a tlog-tiles bundle can frame")]
    EntryTooLarge {
        /// Position in the bundle.
        index: usize,
        /// Its length.
        len: usize,
    },
    /// The bundle's framing does not hold exactly the expected entries.
    #[error("the entry bundle does not hold exactly {expected} entries: {detail}")]
    BadBundle {
        /// Entries the tile's width announces.
        expected: u32,
        /// What is wrong.
        detail: String,
    },
    /// A hash tile is not `width` × 32 bytes.
    #[error("the hash tile is {got} bytes, not {expected} ({width} hashes of 32 bytes)")]
    BadHashTile {
        /// Width of the tile.
        width: u32,
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        got: usize,
    },
}

/// Frame `entries` (canonical `SequencedEntry` bytes) as an entry bundle.
///
/// # Errors
/// [`TileDataError::EntryTooLarge`] for an entry over 65535 bytes.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, TileDataError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for (index, entry) in entries.iter().enumerate() {
        let len = u16::try_from(entry.len()).map_err(|_| TileDataError::EntryTooLarge {
            index,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Split an entry bundle into its entries; it must hold exactly `width`
/// entries and nothing after them (a truncated or padded bundle is refused,
/// never read as fewer entries).
///
/// # Errors
/// [`TileDataError::BadBundle`].
pub fn decode_entry_bundle(bytes: &[u8], width: u32) -> Result<Vec<&[u8]>, TileDataError> {
    let bad = |detail: String| TileDataError::BadBundle {
        expected: width,
        detail,
    };
    let mut out = Vec::with_capacity(width.min(TILE_WIDTH) as usize);
    let mut at = 0usize;
    while at < bytes.len() {
        if out.len() as u64 >= u64::from(width) {
            return Err(bad(format!("{} bytes after entry {width}", bytes.len() - at)));
        }
        let Some(len_bytes) = bytes.get(at..at + 2) else {
            return Err(bad(format!("a length prefix is cut short at byte {at}")));
        };
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        let start = at + 2;
        let Some(entry) = bytes.get(start..start + len) else {
            return Err(bad(format!("entry {} is cut short at byte {start}", out.len())));
        };
        out.push(entry);
        at = start + len;
    }
    if out.len() as u64 != u64::from(width) {
        return Err(bad(format!("it holds {}", out.len())));
    }
    Ok(out)
}

/// The hashes of a hash tile of `width` hashes.
///
/// # Errors
/// [`TileDataError::BadHashTile`] when the length is not `width × 32`.
pub fn decode_hash_tile(bytes: &[u8], width: u32) -> Result<Vec<TreeHash>, TileDataError> {
    let expected = width as usize * HASH_LEN;
    if bytes.len() != expected {
        return Err(TileDataError::BadHashTile {
            width,
            expected,
            got: bytes.len(),
        });
    }
    Ok(bytes
        .chunks_exact(HASH_LEN)
        .map(|c| {
            let mut h = [0u8; HASH_LEN];
            h.copy_from_slice(c);
            TreeHash(h)
        })
        .collect())
}

/// Does every hash (or entry) of `tile` exist in a tree of `size` leaves?
/// A level-L tile's hash `i` covers leaves `[(N·256 + i)·256^L, …)`, so the
/// tile exists once `(N·256 + W)·256^L <= size`.
pub fn tile_in_tree(tile: &TileRef, size: u64) -> bool {
    let level = match tile.kind {
        TileKind::Hash { level } => u32::from(level),
        TileKind::Entries => 0,
    };
    let shift = level * u32::from(TILE_HEIGHT);
    if shift >= 64 {
        return false;
    }
    let Some(end) = tile
        .index
        .checked_mul(u64::from(TILE_WIDTH))
        .and_then(|s| s.checked_add(u64::from(tile.width)))
    else {
        return false;
    };
    // end << shift without overflow: compare against size >> shift instead.
    end <= size >> shift
}

/// The entry bundle (or level-0 tile, with `kind`) that holds leaf `index`
/// in a tree of `size` leaves: full when the tree has all its 256 entries,
/// else the partial tile of the tree's last entries. `None` when `index >= size`.
pub fn tile_for_leaf(kind: TileKind, index: u64, size: u64) -> Option<TileRef> {
    if index >= size {
        return None;
    }
    let n = index / u64::from(TILE_WIDTH);
    let start = n * u64::from(TILE_WIDTH);
    let width = (size - start).min(u64::from(TILE_WIDTH)) as u32;
    Some(TileRef { kind, index: n, width })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn bundle_round_trip_and_refusals() {
        let a = vec![1u8; 3];
        let b = vec![2u8; 300];
        let bytes = encode_entry_bundle(&[&a, &b]).unwrap();
        assert_eq!(&bytes[..5], &[0, 3, 1, 1, 1]);
        assert_eq!(&bytes[5..7], &[1, 44]);
        assert_eq!(decode_entry_bundle(&bytes, 2).unwrap(), vec![&a[..], &b[..]]);
        // Too few, too many, cut short, trailing bytes.
        assert!(matches!(
            decode_entry_bundle(&bytes, 3),
            Err(TileDataError::BadBundle { expected: 3, .. })
        ));
        assert!(matches!(
            decode_entry_bundle(&bytes, 1),
            Err(TileDataError::BadBundle { expected: 1, .. })
        ));
        assert!(decode_entry_bundle(&bytes[..bytes.len() - 1], 2).is_err());
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(decode_entry_bundle(&padded, 2).is_err());
        let big = vec![0u8; 65_536];
        assert_eq!(
            encode_entry_bundle(&[&a, &big]),
            Err(TileDataError::EntryTooLarge { index: 1, len: 65_536 })
        );
    }

    #[test]
    fn hash_tiles_and_tile_arithmetic() {
        let bytes: Vec<u8> = (0..64u8).collect();
        let hashes = decode_hash_tile(&bytes, 2).unwrap();
        assert_eq!(hashes[1].0[0], 32);
        assert_eq!(
            decode_hash_tile(&bytes, 3),
            Err(TileDataError::BadHashTile {
                width: 3,
                expected: 96,
                got: 64
            })
        );
        let t = |index, width| TileRef {
            kind: TileKind::Entries,
            index,
            width,
        };
        assert!(tile_in_tree(&t(0, 256), 256));
        assert!(!tile_in_tree(&t(0, 256), 255));
        assert!(tile_in_tree(&t(1, 3), 259));
        assert!(!tile_in_tree(&t(1, 4), 259));
        assert_eq!(tile_for_leaf(TileKind::Entries, 257, 259), Some(t(1, 3)));
        assert_eq!(tile_for_leaf(TileKind::Entries, 10, 600), Some(t(0, 256)));
        assert_eq!(tile_for_leaf(TileKind::Entries, 259, 259), None);
    }
}

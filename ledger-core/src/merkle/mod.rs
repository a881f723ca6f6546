//! RFC 6962 / RFC 9162 Merkle tree over SHA-256, its inclusion and
//! consistency proofs, and the C2SP `tlog-tiles` hash tiles.
//!
//! The hashing, proof generation and proof checking come from `tlog_tiles`
//! (a port of Go's `golang.org/x/mod/sumdb/tlog`). This module adds what that
//! crate leaves to its callers:
//!
//! * guards, so that no outside input can reach one of the crate's internal
//!   `assert!`s (for example `Tile::new` with a width of 0, which
//!   `Tile::from_path` lets through for `….p/0`);
//! * an exact proof-length check before verifying, so a caller learns *why* a
//!   proof fails (wrong length vs. wrong hashes), and so a huge proof cannot
//!   make the crate's recursive checker copy it once per tree level;
//! * the RFC 9162 edge cases the test vectors pin down (see
//!   [`verify_consistency`]);
//! * C2SP tile paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/…`): `tlog_tiles`
//!   only speaks the Go sumdb form `tile/<H>/<L>/…`.
//!
//! One file per subject (issue 18): this one holds the hash type, the
//! constants, the error and the two RFC 6962 hash functions that every other
//! part uses; proof checking is in `proof.rs`, the in-memory tree
//! (roots, proofs and tile bytes) in `tree.rs`, tile paths in `tile_path.rs`.
//! Every public name stays at `ledger_core::merkle::…` through the
//! re-exports below, so callers do not see the split.

mod proof;
mod tile_path;
mod tree;

pub use proof::{root_from_inclusion, verify_consistency, verify_inclusion};
pub use tile_path::{parse_tile_path, TileKind, TileRef};
pub use tree::MemoryTree;

use tlog_tiles::{node_hash, record_hash, EMPTY_HASH};

/// A 32-byte SHA-256 Merkle tree hash (leaf hash, node hash or root).
pub use tlog_tiles::Hash as TreeHash;

/// The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub const EMPTY_TREE_ROOT: TreeHash = EMPTY_HASH;

/// Size in bytes of one [`TreeHash`].
pub const HASH_LEN: usize = tlog_tiles::HASH_SIZE;

/// Height of a C2SP hash tile: a full tile holds 2^8 = 256 hashes.
pub const TILE_HEIGHT: u8 = 8;

/// Number of hashes in a full C2SP tile.
pub const TILE_WIDTH: u32 = 1 << TILE_HEIGHT;

/// Highest tile level the C2SP spec allows in a path (`<L>` is 0..=63).
pub const MAX_TILE_LEVEL: u8 = 63;

/// Errors from building or checking Merkle proofs and tiles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A leaf index is not inside the tree it is supposed to be in.
    #[error("leaf index {index} is out of range for a tree of size {tree_size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The size of the tree the leaf should be in.
        tree_size: u64,
    },
    /// A tree size larger than the tree we hold was requested.
    #[error("tree size {requested} is larger than the current tree size {size}")]
    TreeSizeOutOfRange {
        /// The requested tree size.
        requested: u64,
        /// The size of the tree we hold.
        size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one was requested.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeAfterNewSize {
        /// The claimed old (earlier) tree size.
        old_size: u64,
        /// The claimed new (later) tree size.
        new_size: u64,
    },
    /// A consistency proof from the empty tree was requested or presented.
    #[error(
        "consistency proofs from an empty tree (old size 0) prove nothing; \
         treat an empty trusted state explicitly instead"
    )]
    EmptyOldTree,
    /// The proof has the wrong number of hashes for the given sizes/index.
    #[error("proof has {got} hashes, but {expected} are needed for these tree sizes")]
    BadProofLength {
        /// The number of hashes RFC 9162 prescribes for these parameters.
        expected: usize,
        /// The number of hashes the proof has.
        got: usize,
    },
    /// The proof has the right shape but does not lead to the expected root(s).
    #[error("the proof does not reproduce the expected root hash")]
    RootMismatch,
    /// A tile path is not a valid C2SP `tlog-tiles` path.
    #[error("malformed tile path {0:?} (expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])")]
    BadTilePath(String),
    /// A tile width is outside 1..=256.
    #[error("tile width {0} is outside 1..=256")]
    BadTileWidth(u32),
    /// The tile does not exist (yet) in a tree of the current size.
    #[error("tile at level {level}, index {index}, width {width} is not in a tree of size {tree_size}")]
    TileNotInTree {
        /// Tile level.
        level: u8,
        /// Tile index within its level.
        index: u64,
        /// Requested width.
        width: u32,
        /// Current tree size.
        tree_size: u64,
    },
    /// The hash storage misbehaved; this is a bug, not bad input.
    #[error("internal Merkle tree error: {0}")]
    Internal(String),
}

/// The RFC 6962 leaf hash: SHA-256(0x00 ‖ `leaf_data`).
pub fn leaf_hash(leaf_data: &[u8]) -> TreeHash {
    record_hash(leaf_data)
}

/// The RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn interior_hash(left: &TreeHash, right: &TreeHash) -> TreeHash {
    node_hash(*left, *right)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn leaf_hash_is_sha256_of_zero_prefix() {
        use sha2::{Digest, Sha256};
        let want: [u8; 32] = Sha256::digest([0u8, b'a', b'b']).into();
        assert_eq!(leaf_hash(b"ab").0, want);
        assert_eq!(
            EMPTY_TREE_ROOT.to_string(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}

/// Helpers shared by the unit tests of the submodules.
#[cfg(test)]
mod test_support {
    use super::{leaf_hash, TreeHash};

    /// RFC 6962 §2.1 MTH, written out recursively and independently of
    /// `tlog_tiles`, over leaf hashes.
    pub(crate) fn naive_mth(leaves: &[TreeHash]) -> TreeHash {
        use sha2::{Digest, Sha256};
        match leaves.len() {
            0 => TreeHash(Sha256::digest([]).into()),
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                let mut h = Sha256::new();
                h.update([1u8]);
                h.update(naive_mth(&leaves[..k]).0);
                h.update(naive_mth(&leaves[k..]).0);
                TreeHash(h.finalize().into())
            }
        }
    }

    pub(crate) fn leaves(n: u64) -> Vec<TreeHash> {
        (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
    }
}

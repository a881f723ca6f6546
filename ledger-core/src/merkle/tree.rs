//! The in-memory append-only Merkle tree: appends, roots at any earlier
//! size, inclusion and consistency proofs, and the bytes of C2SP hash tiles,
//! all read from one vector of stored hashes.

use std::fmt;

use tlog_tiles::{
    node_hash, prove_record, prove_tree, stored_hash_index, sub_tree_index, HashReader, Tile, EMPTY_HASH,
};

use super::{MerkleError, TreeHash, TILE_HEIGHT, TILE_WIDTH};

/// An append-only Merkle tree held in memory.
///
/// It stores every hash a tiled log would ever serve, in the Go sumdb/tlog
/// "stored hash" order ([`tlog_tiles::stored_hash_index`]): leaf `n` is
/// followed by the roots of the perfect subtrees it completes. That makes
/// appends O(1) amortised (at most `1 + log2 n`, on average under two hashes
/// per append), roots and proofs O(log n), and tiles a plain lookup.
///
/// Memory: [`stored_hash_count`](MemoryTree::stored_hash_count) is just under
/// `2 × size` hashes, i.e. about 64 bytes per leaf (plus `Vec` slack of up to
/// 2× while growing): 10 million leaves ≈ 640 MB. The node should rebuild it
/// from the stored leaf hashes at start-up, not persist it.
#[derive(Clone, Default, PartialEq)]
pub struct MemoryTree {
    /// All stored hashes, indexed by `stored_hash_index(level, n)`.
    hashes: Vec<TreeHash>,
    /// Number of leaves.
    size: u64,
}

impl fmt::Debug for MemoryTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printing every hash would be useless and huge.
        f.debug_struct("MemoryTree")
            .field("size", &self.size)
            .field("root", &self.root())
            .finish()
    }
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree holding `leaves` (leaf hashes, see [`leaf_hash`](super::leaf_hash)) in order.
    pub fn from_leaves(leaves: &[TreeHash]) -> Self {
        let mut tree = Self::new();
        tree.append_many(leaves);
        tree
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Number of stored hashes (just under `2 × size`), for memory accounting.
    pub fn stored_hash_count(&self) -> u64 {
        self.hashes.len() as u64
    }

    /// The hash stored at `stored_hash_index(level, n)`.
    ///
    /// Only called with coordinates of nodes that exist in the current tree
    /// (an internal invariant, never outside input), so the index is in range.
    fn stored(&self, level: u8, n: u64) -> TreeHash {
        self.hashes[stored_hash_index(level, n) as usize]
    }

    /// Appends a leaf hash and returns its index.
    pub fn append(&mut self, leaf: TreeHash) -> u64 {
        let n = self.size;
        self.hashes.push(leaf);
        // Each trailing 1 bit of n means leaf n completes a perfect subtree
        // one level higher: hash it with its left sibling and store it right
        // after the leaf (the same hashes `tlog_tiles::stored_hashes` returns,
        // without its Result and asserts; a unit test checks they agree).
        let mut h = leaf;
        let mut level: u8 = 0;
        while (n >> level) & 1 == 1 {
            let left = self.stored(level, (n >> level) - 1);
            h = node_hash(left, h);
            self.hashes.push(h);
            level += 1;
        }
        self.size = n + 1;
        n
    }

    /// Appends leaf hashes in order.
    pub fn append_many(&mut self, leaves: &[TreeHash]) {
        // Grow once rather than doubling repeatedly (≈ 2 hashes per leaf).
        self.hashes.reserve(leaves.len().saturating_mul(2));
        for leaf in leaves {
            self.append(*leaf);
        }
    }

    /// Cuts the tree back to its first `size` leaves (no-op if it has no
    /// more). A mirror appends the leaves of data it fetched, compares the
    /// root with the signed checkpoint, and cuts them off again when they do
    /// not match, instead of keeping a second copy of the tree.
    pub fn truncate(&mut self, size: u64) {
        if size >= self.size {
            return;
        }
        // The stored hashes of a tree of `size` leaves are exactly those
        // before the slot where leaf `size` would go.
        let keep = usize::try_from(stored_hash_index(0, size)).unwrap_or(usize::MAX);
        self.hashes.truncate(keep);
        self.size = size;
    }

    /// The leaf hash at `index`, if the tree has that many leaves.
    pub fn leaf(&self, index: u64) -> Option<TreeHash> {
        if index >= self.size {
            return None;
        }
        let i = usize::try_from(stored_hash_index(0, index)).ok()?;
        self.hashes.get(i).copied()
    }

    /// Root of the prefix tree of `n <= self.size` leaves.
    fn prefix_root(&self, n: u64) -> TreeHash {
        if n == 0 {
            return EMPTY_HASH;
        }
        // The tree of n leaves is a left-to-right sequence of perfect
        // subtrees (one per 1 bit of n), all of them stored; fold them from
        // the right as RFC 6962's MTH does.
        let indexes = sub_tree_index(0, n, Vec::new());
        let mut iter = indexes.iter().rev().map(|&i| self.hashes[i as usize]);
        let mut h = iter.next().unwrap_or(EMPTY_HASH);
        for left in iter {
            h = node_hash(left, h);
        }
        h
    }

    /// The current root (the empty-tree root for size 0).
    pub fn root(&self) -> TreeHash {
        self.prefix_root(self.size)
    }

    /// The root the tree had when it had `size` leaves.
    ///
    /// # Errors
    /// [`MerkleError::TreeSizeOutOfRange`] if `size > self.size()`.
    pub fn root_at(&self, size: u64) -> Result<TreeHash, MerkleError> {
        self.check_size(size)?;
        Ok(self.prefix_root(size))
    }

    fn check_size(&self, requested: u64) -> Result<(), MerkleError> {
        if requested > self.size {
            return Err(MerkleError::TreeSizeOutOfRange {
                requested,
                size: self.size,
            });
        }
        Ok(())
    }

    /// The RFC 9162 inclusion proof for leaf `index` in the tree of
    /// `tree_size` leaves (any size up to the current one).
    ///
    /// # Errors
    /// [`MerkleError::TreeSizeOutOfRange`] or [`MerkleError::IndexOutOfRange`].
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<Vec<TreeHash>, MerkleError> {
        self.check_size(tree_size)?;
        if index >= tree_size {
            return Err(MerkleError::IndexOutOfRange { index, tree_size });
        }
        prove_record(tree_size, index, self).map_err(|e| MerkleError::Internal(e.to_string()))
    }

    /// The RFC 9162 consistency proof from the tree of `old_size` leaves to
    /// the tree of `new_size` leaves (empty when the sizes are equal).
    ///
    /// # Errors
    /// [`MerkleError::TreeSizeOutOfRange`], [`MerkleError::OldSizeAfterNewSize`],
    /// or [`MerkleError::EmptyOldTree`] for `old_size == 0` (see
    /// [`verify_consistency`](super::verify_consistency)).
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<TreeHash>, MerkleError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(MerkleError::OldSizeAfterNewSize { old_size, new_size });
        }
        if old_size == 0 {
            return Err(MerkleError::EmptyOldTree);
        }
        prove_tree(new_size, old_size, self).map_err(|e| MerkleError::Internal(e.to_string()))
    }

    /// The bytes of the C2SP hash tile at `level`, `index`, holding its first
    /// `width` hashes (256 for a full tile, 1..=255 for a partial one): the
    /// concatenation of `width` 32-byte hashes, for `/tile/<L>/<N>[.p/<W>]`.
    ///
    /// A tile (or partial tile) is served only once all its hashes exist:
    /// `(index × 256 + width) × 256^level <= size`. Its bytes never change
    /// after that, so the response is immutable and cacheable.
    ///
    /// # Errors
    /// [`MerkleError::BadTileWidth`] or [`MerkleError::TileNotInTree`].
    pub fn tile_data(&self, level: u8, index: u64, width: u32) -> Result<Vec<u8>, MerkleError> {
        if !(1..=TILE_WIDTH).contains(&width) {
            return Err(MerkleError::BadTileWidth(width));
        }
        let not_in_tree = || MerkleError::TileNotInTree {
            level,
            index,
            width,
            tree_size: self.size,
        };
        // Hashes of a level-L tile sit at tree level 8·L; a u64-sized tree
        // has no node above level 63, so L <= 7 (also keeps `Tile::new`'s
        // `l < 64` assert and the shifts below in range).
        let tree_level = u32::from(level) * u32::from(TILE_HEIGHT);
        if tree_level > 63 {
            return Err(not_in_tree());
        }
        // Number of complete nodes at that tree level in the current tree.
        let nodes_at_level = self.size >> tree_level;
        let end = index
            .checked_mul(u64::from(TILE_WIDTH))
            .and_then(|start| start.checked_add(u64::from(width)))
            .ok_or_else(not_in_tree)?;
        if end > nodes_at_level {
            return Err(not_in_tree());
        }
        // Inputs are validated, so `Tile::new`'s asserts (1 <= h <= 30,
        // l < 64, 1 <= w <= 2^h) hold.
        Tile::new(TILE_HEIGHT, level, index, width, false)
            .read_data(self)
            .map_err(|e| MerkleError::Internal(e.to_string()))
    }
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<TreeHash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::leaf_hash;
    use super::super::test_support::{leaves, naive_mth};
    use super::*;

    #[test]
    fn truncate_restores_the_earlier_tree() {
        let leaves: Vec<TreeHash> = (0..700u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = MemoryTree::from_leaves(&leaves);
        for cut in [699u64, 512, 511, 256, 1, 0] {
            tree.truncate(cut);
            assert_eq!(tree, MemoryTree::from_leaves(&leaves[..cut as usize]));
        }
        tree.truncate(5);
        assert_eq!(tree.size(), 0);
    }

    #[test]
    fn roots_match_naive_mth_for_sizes_0_to_70() {
        let all = leaves(70);
        let mut tree = MemoryTree::new();
        assert_eq!(tree.root(), naive_mth(&[]));
        for (i, l) in all.iter().enumerate() {
            assert_eq!(tree.append(*l), i as u64);
            let n = i + 1;
            assert_eq!(tree.size(), n as u64);
            assert_eq!(tree.root(), naive_mth(&all[..n]), "size {n}");
            assert_eq!(tree.stored_hash_count(), tlog_tiles::stored_hash_count(n as u64));
            assert!(tree.stored_hash_count() < 2 * n as u64);
        }
        for n in 0..=70u64 {
            assert_eq!(tree.root_at(n).unwrap(), naive_mth(&all[..n as usize]));
        }
        assert_eq!(
            tree.root_at(71),
            Err(MerkleError::TreeSizeOutOfRange {
                requested: 71,
                size: 70
            })
        );
        assert_eq!(tree.leaf(69), Some(all[69]));
        assert_eq!(tree.leaf(70), None);
        assert_eq!(MemoryTree::from_leaves(&all), tree);
    }

    #[test]
    fn append_stores_what_tlog_tiles_would() {
        let mut tree = MemoryTree::new();
        for (i, l) in leaves(300).iter().enumerate() {
            let want = tlog_tiles::stored_hashes_for_record_hash(i as u64, *l, &tree).unwrap();
            let before = tree.hashes.len();
            assert_eq!(before as u64, tlog_tiles::stored_hash_index(0, i as u64));
            tree.append(*l);
            assert_eq!(tree.hashes[before..], want[..]);
        }
    }

    #[test]
    fn tiles_follow_c2sp_layout() {
        let all = leaves(70_000);
        let tree = MemoryTree::from_leaves(&all);
        // Level 0 tile 3: leaf hashes 768..1024.
        let t = tree.tile_data(0, 3, 256).unwrap();
        assert_eq!(t.len(), 256 * 32);
        assert_eq!(&t[..32], &all[768].0);
        assert_eq!(&t[255 * 32..], &all[1023].0);
        // Level 1 tile 0, hash i = MTH(leaves[i*256..(i+1)*256]).
        let t = tree.tile_data(1, 0, 256).unwrap();
        for i in [0usize, 1, 255] {
            assert_eq!(&t[i * 32..(i + 1) * 32], &naive_mth(&all[i * 256..(i + 1) * 256]).0);
        }
        // The spec's example: size 70,000 has 273 full level-0 tiles, a partial
        // level-0 tile of width 112, a full level-1 tile, a level-1 tile of
        // width 17 and a level-2 tile of width 1.
        assert!(tree.tile_data(0, 272, 256).is_ok());
        assert!(tree.tile_data(0, 273, 112).is_ok());
        assert!(tree.tile_data(0, 273, 113).is_err());
        assert!(tree.tile_data(0, 273, 256).is_err());
        assert!(tree.tile_data(1, 1, 17).is_ok());
        assert!(tree.tile_data(1, 1, 18).is_err());
        let l2 = tree.tile_data(2, 0, 1).unwrap();
        assert_eq!(&l2[..], &naive_mth(&all[..65536]).0);
        assert!(tree.tile_data(2, 0, 2).is_err());
        assert!(tree.tile_data(3, 0, 1).is_err());
        assert_eq!(tree.tile_data(0, 0, 0), Err(MerkleError::BadTileWidth(0)));
        assert_eq!(tree.tile_data(0, 0, 257), Err(MerkleError::BadTileWidth(257)));
        for level in [7u8, 8, 63, 64, 255] {
            assert!(tree.tile_data(level, 0, 1).is_err());
            assert!(tree.tile_data(level, u64::MAX, 256).is_err());
        }
        // Partial tiles are prefixes of the full tile.
        let full = tree.tile_data(0, 5, 256).unwrap();
        assert_eq!(tree.tile_data(0, 5, 7).unwrap(), full[..7 * 32]);
    }
}

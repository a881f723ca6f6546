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
//! One subject in one file on purpose (issue 18 looked at it): the tree, its
//! proofs and its tiles share the guards and the index arithmetic above, and
//! the code is about 650 lines; the rest of the file is its tests against
//! the RFC 6962 vectors, kept beside the arithmetic they pin down.

use std::fmt;

use tlog_tiles::{
    check_record, check_tree, node_hash, prove_record, prove_tree, record_hash, stored_hash_index, sub_tree_index,
    HashReader, Tile, EMPTY_HASH,
};

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

/// Longest tile path we accept. The longest valid C2SP path,
/// `tile/entries/x018/x446/x744/x073/x709/x551/615.p/255`, has 52 bytes.
const MAX_TILE_PATH_LEN: usize = 64;

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

/// Largest power of two strictly smaller than `n` (`n >= 2`), the split point
/// `k` of RFC 9162 §2.1.1.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Number of hashes in the RFC 9162 inclusion proof for leaf `index` in a
/// tree of `tree_size` leaves (`index < tree_size`): one per level walked.
fn inclusion_proof_len(index: u64, tree_size: u64) -> usize {
    let (mut lo, mut hi) = (0u64, tree_size);
    let mut len = 0usize;
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            hi = lo + k;
        } else {
            lo += k;
        }
        len += 1;
    }
    len
}

/// Number of hashes in the RFC 9162 consistency proof from `old_size` to
/// `new_size` (`0 < old_size <= new_size`). Mirrors SUBPROOF of RFC 9162
/// §2.1.4.1: one hash per level, plus one where the walk ends on a subtree
/// that is not the old tree itself.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    let (mut lo, mut hi) = (0u64, new_size);
    let mut len = 0usize;
    loop {
        if old_size == hi {
            return if lo == 0 { len } else { len + 1 };
        }
        let k = split_point(hi - lo);
        if old_size <= lo + k {
            hi = lo + k;
        } else {
            lo += k;
        }
        len += 1;
    }
}

/// Verifies an RFC 9162 inclusion proof (§2.1.3.2): that `leaf` is the leaf
/// hash at `index` in the tree of `tree_size` leaves whose root is `root`.
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`] if `index >= tree_size` (so always for an
/// empty tree), [`MerkleError::BadProofLength`] if the proof has missing or
/// extra hashes, [`MerkleError::RootMismatch`] if it does not lead to `root`.
pub fn verify_inclusion(
    proof: &[TreeHash],
    tree_size: u64,
    root: &TreeHash,
    index: u64,
    leaf: &TreeHash,
) -> Result<(), MerkleError> {
    // Checking the shape first gives a precise error, and keeps a hostile
    // proof of millions of hashes away from `check_record`, which copies the
    // remaining proof once per tree level while it recurses.
    check_inclusion_shape(proof, tree_size, index)?;
    // `check_record` asserts `index < tree_size` internally; guarded above.
    check_record(&proof.to_vec(), tree_size, *root, index, *leaf).map_err(|_| MerkleError::RootMismatch)
}

/// The root an RFC 9162 inclusion proof leads to from `leaf` at `index` in a
/// tree of `tree_size` leaves (the loop of §2.1.3.2, without the final
/// comparison). For callers that learn the root from the proof and then check
/// a signature over it, such as a receipt batch.
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`] if `index >= tree_size`,
/// [`MerkleError::BadProofLength`] if the proof has missing or extra hashes.
pub fn root_from_inclusion(
    proof: &[TreeHash],
    tree_size: u64,
    index: u64,
    leaf: &TreeHash,
) -> Result<TreeHash, MerkleError> {
    check_inclusion_shape(proof, tree_size, index)?;
    let (mut fn_, mut sn) = (index, tree_size - 1);
    let mut r = *leaf;
    for p in proof {
        // The length check above guarantees `sn > 0` here.
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(*p, r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(r, *p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(MerkleError::BadProofLength {
            expected: inclusion_proof_len(index, tree_size),
            got: proof.len(),
        });
    }
    Ok(r)
}

/// `index` is inside the tree and the proof has exactly one hash per level.
fn check_inclusion_shape(proof: &[TreeHash], tree_size: u64, index: u64) -> Result<(), MerkleError> {
    if index >= tree_size {
        return Err(MerkleError::IndexOutOfRange { index, tree_size });
    }
    let expected = inclusion_proof_len(index, tree_size);
    if proof.len() != expected {
        return Err(MerkleError::BadProofLength {
            expected,
            got: proof.len(),
        });
    }
    Ok(())
}

/// Verifies an RFC 9162 consistency proof (§2.1.4.2): that the tree of
/// `new_size` leaves with root `new_root` extends the tree of `old_size`
/// leaves with root `old_root`.
///
/// Edge cases, as fixed by the C2SP/transparency-dev test vectors
/// (`consistency/additional`):
/// * `old_size > new_size` is an error;
/// * `old_size == 0` is always an error, even `0 → 0`: RFC 9162 defines the
///   proof only for `0 < old_size`, and an empty tree is trivially a prefix of
///   every tree, so a "proof" from it proves nothing. A party whose trusted
///   state is the empty tree must handle that case explicitly (as
///   [`crate::checkpoint::witness_check`] does);
/// * `old_size == new_size` needs an empty proof and equal roots.
///
/// # Errors
/// [`MerkleError::OldSizeAfterNewSize`], [`MerkleError::EmptyOldTree`],
/// [`MerkleError::BadProofLength`] or [`MerkleError::RootMismatch`].
pub fn verify_consistency(
    proof: &[TreeHash],
    old_size: u64,
    old_root: &TreeHash,
    new_size: u64,
    new_root: &TreeHash,
) -> Result<(), MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::OldSizeAfterNewSize { old_size, new_size });
    }
    if old_size == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(MerkleError::BadProofLength {
            expected,
            got: proof.len(),
        });
    }
    // `check_tree` asserts `1 <= old_size <= new_size` internally; guarded
    // above. For old_size == new_size it requires the empty proof and equal
    // roots, which is exactly RFC 9162's rule.
    check_tree(&proof.to_vec(), new_size, *new_root, old_size, *old_root).map_err(|_| MerkleError::RootMismatch)
}

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

    /// A tree holding `leaves` (leaf hashes, see [`leaf_hash`]) in order.
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
    /// [`verify_consistency`]).
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

/// What a C2SP `tlog-tiles` path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// A Merkle tree hash tile, `tile/<L>/…`.
    Hash {
        /// Tile level `L` (0..=63 in a path; only 0..=7 can exist).
        level: u8,
    },
    /// An entry bundle, `tile/entries/…` (served from entry storage, not
    /// from [`MemoryTree`]).
    Entries,
}

/// A parsed C2SP tile path: `tile/<L>/<N>[.p/<W>]` or
/// `tile/entries/<N>[.p/<W>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileRef {
    /// Hash tile (with level) or entry bundle.
    pub kind: TileKind,
    /// Tile index `N` within its level.
    pub index: u64,
    /// Width: 256 for a full tile, 1..=255 for a partial (`.p/<W>`) one.
    pub width: u32,
}

impl TileRef {
    /// Whether this is a partial tile (`.p/<W>` suffix).
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The canonical C2SP path, without a leading slash.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hash { level } => level.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        // N in 3-digit groups, all but the last prefixed with 'x'.
        let mut groups = vec![format!("{:03}", self.index % 1000)];
        let mut n = self.index / 1000;
        while n > 0 {
            groups.push(format!("x{:03}", n % 1000));
            n /= 1000;
        }
        groups.reverse();
        let partial = if self.is_partial() {
            format!(".p/{}", self.width)
        } else {
            String::new()
        };
        format!("tile/{level}/{}{partial}", groups.join("/"))
    }
}

impl fmt::Display for TileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Parses an ASCII decimal with no sign and no leading zeros (except "0").
fn parse_canonical_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Parses a C2SP `tlog-tiles` path (`tile/<L>/<N>[.p/<W>]` or
/// `tile/entries/<N>[.p/<W>]`, one optional leading `/`).
///
/// Only the canonical form is accepted: `L` in 0..=63 and `W` in 1..=255 without
/// leading zeros, `N` in zero-padded 3-digit groups with `x` on all but the
/// last, no superfluous leading groups. (`tlog_tiles::Tile::from_path` parses
/// the Go sumdb form `tile/<H>/<L>/…` instead, and panics on `.p/0` or a
/// level of 64 or more, so it is not used on outside input.)
///
/// # Errors
/// [`MerkleError::BadTilePath`] for anything else.
pub fn parse_tile_path(path: &str) -> Result<TileRef, MerkleError> {
    let bad = || MerkleError::BadTilePath(path.chars().take(MAX_TILE_PATH_LEN).collect());
    if path.len() > MAX_TILE_PATH_LEN {
        return Err(bad());
    }
    let p = path.strip_prefix('/').unwrap_or(path);
    let rest = p.strip_prefix("tile/").ok_or_else(bad)?;
    let (level_str, rest) = rest.split_once('/').ok_or_else(bad)?;
    let kind = if level_str == "entries" {
        TileKind::Entries
    } else {
        let level = parse_canonical_decimal(level_str)
            .and_then(|l| u8::try_from(l).ok())
            .filter(|l| *l <= MAX_TILE_LEVEL)
            .ok_or_else(bad)?;
        TileKind::Hash { level }
    };
    let (index_str, width) = match rest.split_once(".p/") {
        Some((index_str, w)) => {
            let w = parse_canonical_decimal(w)
                .and_then(|w| u32::try_from(w).ok())
                .filter(|w| (1..TILE_WIDTH).contains(w))
                .ok_or_else(bad)?;
            (index_str, w)
        }
        None => (rest, TILE_WIDTH),
    };
    let groups: Vec<&str> = index_str.split('/').collect();
    let last = groups.len() - 1; // split always yields at least one item
    let mut index: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i < last {
            group.strip_prefix('x').ok_or_else(bad)?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let g: u64 = digits.parse().map_err(|_| bad())?;
        index = index.checked_mul(1000).and_then(|n| n.checked_add(g)).ok_or_else(bad)?;
    }
    let tile = TileRef { kind, index, width };
    // Rejects superfluous leading groups such as `x000/001`.
    if tile.path() != p {
        return Err(bad());
    }
    Ok(tile)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    /// RFC 6962 §2.1 MTH, written out recursively and independently of
    /// `tlog_tiles`, over leaf hashes.
    fn naive_mth(leaves: &[TreeHash]) -> TreeHash {
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

    fn leaves(n: u64) -> Vec<TreeHash> {
        (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
    }

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
    fn all_inclusion_proofs_up_to_40_verify_and_tampering_fails() {
        let all = leaves(40);
        let tree = MemoryTree::from_leaves(&all);
        for size in 1..=40u64 {
            let root = tree.root_at(size).unwrap();
            for index in 0..size {
                let leaf = all[index as usize];
                let mut proof = tree.inclusion_proof(index, size).unwrap();
                assert_eq!(proof.len(), inclusion_proof_len(index, size));
                verify_inclusion(&proof, size, &root, index, &leaf).unwrap();
                assert_eq!(root_from_inclusion(&proof, size, index, &leaf), Ok(root));
                for j in 0..proof.len() {
                    for byte in 0..HASH_LEN {
                        proof[j].0[byte] ^= 0x01;
                        assert_eq!(
                            verify_inclusion(&proof, size, &root, index, &leaf),
                            Err(MerkleError::RootMismatch),
                            "size {size} index {index} hash {j} byte {byte}"
                        );
                        proof[j].0[byte] ^= 0x01;
                    }
                }
                // Wrong leaf, wrong index, extra and missing hashes.
                let stranger = leaf_hash(b"not in the tree");
                assert_eq!(
                    verify_inclusion(&proof, size, &root, index, &stranger),
                    Err(MerkleError::RootMismatch)
                );
                if size > 1 {
                    assert!(verify_inclusion(&proof, size, &root, (index + 1) % size, &leaf).is_err());
                }
                let mut longer = proof.clone();
                longer.push(root);
                assert!(matches!(
                    verify_inclusion(&longer, size, &root, index, &leaf),
                    Err(MerkleError::BadProofLength { .. })
                ));
                if !proof.is_empty() {
                    assert!(matches!(
                        verify_inclusion(&proof[1..], size, &root, index, &leaf),
                        Err(MerkleError::BadProofLength { .. })
                    ));
                }
            }
            assert_eq!(
                tree.inclusion_proof(size, size),
                Err(MerkleError::IndexOutOfRange {
                    index: size,
                    tree_size: size
                })
            );
        }
        assert!(tree.inclusion_proof(0, 41).is_err());
    }

    #[test]
    fn all_consistency_proofs_up_to_40_verify_and_tampering_fails() {
        let all = leaves(40);
        let tree = MemoryTree::from_leaves(&all);
        for new in 1..=40u64 {
            let new_root = tree.root_at(new).unwrap();
            for old in 1..=new {
                let old_root = tree.root_at(old).unwrap();
                let mut proof = tree.consistency_proof(old, new).unwrap();
                assert_eq!(proof.len(), consistency_proof_len(old, new));
                verify_consistency(&proof, old, &old_root, new, &new_root).unwrap();
                for j in 0..proof.len() {
                    for byte in 0..HASH_LEN {
                        proof[j].0[byte] ^= 0x80;
                        assert_eq!(
                            verify_consistency(&proof, old, &old_root, new, &new_root),
                            Err(MerkleError::RootMismatch),
                            "old {old} new {new} hash {j} byte {byte}"
                        );
                        proof[j].0[byte] ^= 0x80;
                    }
                }
                // Swapped or wrong roots fail (unless they coincide).
                if old != new {
                    assert!(verify_consistency(&proof, old, &new_root, new, &old_root).is_err());
                    assert!(verify_consistency(&proof, old, &old_root, new, &old_root).is_err());
                }
                let mut longer = proof.clone();
                longer.push(old_root);
                assert!(matches!(
                    verify_consistency(&longer, old, &old_root, new, &new_root),
                    Err(MerkleError::BadProofLength { .. })
                ));
            }
            assert_eq!(tree.consistency_proof(0, new), Err(MerkleError::EmptyOldTree));
            assert_eq!(
                verify_consistency(&[], 0, &EMPTY_TREE_ROOT, new, &new_root),
                Err(MerkleError::EmptyOldTree)
            );
        }
        assert!(tree.consistency_proof(2, 1).is_err());
        assert!(tree.consistency_proof(1, 41).is_err());
    }

    #[test]
    fn verifiers_never_panic_on_extreme_inputs() {
        let h = leaf_hash(b"x");
        let big = vec![h; 100_000];
        for (size, index) in [(0, 0), (1, 5), (u64::MAX, u64::MAX - 1), (u64::MAX, 0), (2, 1)] {
            let _ = verify_inclusion(&big, size, &h, index, &h);
            let _ = verify_inclusion(&[], size, &h, index, &h);
            let _ = verify_inclusion(&big[..64], size, &h, index, &h);
        }
        for (old, new) in [
            (0, 0),
            (5, 1),
            (1, u64::MAX),
            (u64::MAX, u64::MAX),
            (u64::MAX - 1, u64::MAX),
        ] {
            let _ = verify_consistency(&big, old, &h, new, &h);
            let _ = verify_consistency(&[], old, &h, new, &h);
            let _ = verify_consistency(&big[..64], old, &h, new, &h);
        }
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
        assert_eq!(consistency_proof_len(1, u64::MAX), 64);
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

    #[test]
    fn tile_paths_parse_canonically() {
        let ok = [
            ("tile/0/000", TileKind::Hash { level: 0 }, 0, 256),
            ("tile/0/x001/x234/067", TileKind::Hash { level: 0 }, 1_234_067, 256),
            ("/tile/1/001.p/17", TileKind::Hash { level: 1 }, 1, 17),
            ("tile/63/999.p/255", TileKind::Hash { level: 63 }, 999, 255),
            ("tile/entries/x001/000.p/1", TileKind::Entries, 1000, 1),
            (
                "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255",
                TileKind::Entries,
                u64::MAX,
                255,
            ),
        ];
        for (path, kind, index, width) in ok {
            let t = parse_tile_path(path).unwrap();
            assert_eq!(t, TileRef { kind, index, width }, "{path}");
            assert_eq!(t.path(), path.trim_start_matches('/'));
            // Agrees with tlog_tiles' parser on the equivalent sumdb path.
            let sumdb = t.path().replacen("tile/", "tile/8/", 1).replace("/entries/", "/data/");
            let go = Tile::from_path(&sumdb).unwrap();
            assert_eq!(
                (go.level_index(), go.width(), go.is_data()),
                (index, width, kind == TileKind::Entries)
            );
        }
        let bad = [
            "",
            "tile",
            "tile/0",
            "tile/0/",
            "tile/00/000",
            "tile/64/000",
            "tile/256/000",
            "tile/-1/000",
            "tile/0/0",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/01",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000.p/1/2",
            "tile/8/0/000",
            "tile/data/000",
            "tile/entries/x018/x446/x744/x073/x709/x551/616",
            "tile/0/ 000",
            "tile/0/x1000/000",
            "tile/0/000/",
            "//tile/0/000",
            "tile/0/x018/x446/x744/x073/x709/x551/x616/x000/x000/000",
        ];
        for path in bad {
            assert!(parse_tile_path(path).is_err(), "{path:?} should be rejected");
        }
    }

    proptest! {
        #[test]
        fn prop_proofs_verify_and_reject_wrong_inputs(
            size in 1u64..600,
            a in any::<u64>(),
            b in any::<u64>(),
            flip in any::<(usize, usize, u8)>(),
        ) {
            let all = leaves(size);
            let tree = MemoryTree::from_leaves(&all);
            prop_assert_eq!(tree.root(), naive_mth(&all));
            let index = a % size;
            let tree_size = index + 1 + b % (size - index);
            let root = tree.root_at(tree_size).unwrap();
            let mut proof = tree.inclusion_proof(index, tree_size).unwrap();
            prop_assert!(verify_inclusion(&proof, tree_size, &root, index, &all[index as usize]).is_ok());
            if !proof.is_empty() {
                let (j, byte, bit) = (flip.0 % proof.len(), flip.1 % HASH_LEN, 1u8 << (flip.2 % 8));
                proof[j].0[byte] ^= bit;
                prop_assert!(verify_inclusion(&proof, tree_size, &root, index, &all[index as usize]).is_err());
            }
            let old = 1 + b % tree_size;
            let mut cproof = tree.consistency_proof(old, tree_size).unwrap();
            let old_root = tree.root_at(old).unwrap();
            prop_assert!(verify_consistency(&cproof, old, &old_root, tree_size, &root).is_ok());
            if !cproof.is_empty() {
                let (j, byte, bit) = (flip.0 % cproof.len(), flip.1 % HASH_LEN, 1u8 << (flip.2 % 8));
                cproof[j].0[byte] ^= bit;
                prop_assert!(verify_consistency(&cproof, old, &old_root, tree_size, &root).is_err());
            }
        }

        #[test]
        fn prop_verifiers_never_panic(
            proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
            s1 in any::<u64>(), s2 in any::<u64>(),
            r1 in any::<[u8; 32]>(), r2 in any::<[u8; 32]>(),
        ) {
            let proof: Vec<TreeHash> = proof.into_iter().map(TreeHash).collect();
            let _ = verify_inclusion(&proof, s1, &TreeHash(r1), s2, &TreeHash(r2));
            let _ = verify_consistency(&proof, s1, &TreeHash(r1), s2, &TreeHash(r2));
            let _ = verify_consistency(&proof, s1 % 1000, &TreeHash(r1), s2 % 1000, &TreeHash(r2));
            let _ = verify_inclusion(&proof, s1 % 1000, &TreeHash(r1), s2 % 1000, &TreeHash(r2));
        }

        #[test]
        fn prop_tile_path_parser_never_panics(s in "[tile/0-9x.pentris]{0,60}") {
            if let Ok(t) = parse_tile_path(&s) {
                prop_assert_eq!(t.path(), s.trim_start_matches('/'));
            }
        }
    }
}

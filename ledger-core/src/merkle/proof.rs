//! Checking RFC 9162 inclusion and consistency proofs: the exact proof
//! length for given tree sizes, then the hashes. Generating proofs is the
//! tree's job ([`super::MemoryTree`]); this file is what a verifier needs.

use tlog_tiles::{check_record, check_tree, node_hash};

use super::{MerkleError, TreeHash};

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::test_support::{leaves, naive_mth};
    use super::super::{leaf_hash, MemoryTree, EMPTY_TREE_ROOT, HASH_LEN};
    use super::*;
    use proptest::prelude::*;

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
    }
}

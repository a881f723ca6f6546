//! The witness's decision rules (`c2sp.org/tlog-witness`): what it must
//! check before it cosigns a new checkpoint.

use crate::merkle::{verify_consistency, MerkleError, TreeHash, EMPTY_TREE_ROOT};

use super::{CheckpointError, VerifiedCheckpoint};

/// What a witness remembers about a log: the last checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq)]
pub struct WitnessState {
    /// Log origin.
    pub origin: String,
    /// Tree size of the last cosigned checkpoint.
    pub size: u64,
    /// Root hash of the last cosigned checkpoint.
    pub root: TreeHash,
}

/// The witness's decision (`c2sp.org/tlog-witness`, `add-checkpoint`): may
/// `new` be cosigned, given the last cosigned state `prev` (None if it never
/// cosigned this log) and a consistency proof from `prev` to `new`?
///
/// Refuses another origin, a smaller size (rollback), the same size with a
/// different root (fork), a non-empty proof when none is needed (no previous
/// state, previous size 0, or same size), and a bad consistency proof.
/// Returns the state to persist.
///
/// # Errors
/// [`CheckpointError::OriginMismatch`], [`CheckpointError::Rollback`],
/// [`CheckpointError::Fork`], [`CheckpointError::EmptyTreeRootMismatch`] or
/// [`CheckpointError::BadConsistencyProof`].
pub fn witness_check(
    prev: Option<&WitnessState>,
    new: &VerifiedCheckpoint,
    consistency_proof: &[TreeHash],
) -> Result<WitnessState, CheckpointError> {
    let no_proof_expected = || {
        if consistency_proof.is_empty() {
            Ok(())
        } else {
            Err(CheckpointError::BadConsistencyProof(MerkleError::BadProofLength {
                expected: 0,
                got: consistency_proof.len(),
            }))
        }
    };
    let Some(prev) = prev else {
        // Old size 0: "the consistency proof MUST be empty, because the
        // empty tree is consistent with any tree".
        no_proof_expected()?;
        return Ok(new.to_witness_state());
    };
    if prev.origin != new.origin {
        return Err(CheckpointError::OriginMismatch {
            expected: prev.origin.clone(),
            found: new.origin.clone(),
        });
    }
    if new.size < prev.size {
        return Err(CheckpointError::Rollback {
            old_size: prev.size,
            new_size: new.size,
        });
    }
    if new.size == prev.size {
        if new.root != prev.root {
            return Err(CheckpointError::Fork { size: new.size });
        }
        no_proof_expected()?;
        return Ok(new.to_witness_state());
    }
    if prev.size == 0 {
        // `verify_consistency` refuses old size 0 (a proof from the empty
        // tree proves nothing), so handle it here: only the empty-tree root
        // is a valid size-0 state.
        if prev.root != EMPTY_TREE_ROOT {
            return Err(CheckpointError::EmptyTreeRootMismatch);
        }
        no_proof_expected()?;
        return Ok(new.to_witness_state());
    }
    verify_consistency(consistency_proof, prev.size, &prev.root, new.size, &new.root)
        .map_err(CheckpointError::BadConsistencyProof)?;
    Ok(new.to_witness_state())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::checkpoint::test_support::*;
    use crate::checkpoint::*;
    use crate::merkle::{leaf_hash, MemoryTree};

    #[test]
    fn witness_check_refuses_rollback_fork_and_bad_proofs() {
        let big = tree(50);
        let signer = log();
        let v = signer.verifier();
        let at = |n: u64| {
            v.verify_checkpoint(signer.sign_checkpoint(n, &big.root_at(n).unwrap()).as_bytes())
                .unwrap()
        };
        let (c0, c10, c30) = (at(0), at(10), at(30));

        // First contact: no proof needed, none accepted.
        let s10 = witness_check(None, &c10, &[]).unwrap();
        assert_eq!(
            s10,
            WitnessState {
                origin: ORIGIN.into(),
                size: 10,
                root: big.root_at(10).unwrap()
            }
        );
        assert!(matches!(
            witness_check(None, &c10, &[EMPTY_TREE_ROOT]),
            Err(CheckpointError::BadConsistencyProof(_))
        ));
        // Growth with a valid proof.
        let proof = big.consistency_proof(10, 30).unwrap();
        let s30 = witness_check(Some(&s10), &c30, &proof).unwrap();
        assert_eq!(s30.size, 30);
        // Bad proof: flipped, truncated, missing.
        let mut bad = proof.clone();
        bad[0].0[0] ^= 1;
        assert_eq!(
            witness_check(Some(&s10), &c30, &bad),
            Err(CheckpointError::BadConsistencyProof(MerkleError::RootMismatch))
        );
        assert!(matches!(
            witness_check(Some(&s10), &c30, &proof[1..]),
            Err(CheckpointError::BadConsistencyProof(MerkleError::BadProofLength { .. }))
        ));
        assert!(witness_check(Some(&s10), &c30, &[]).is_err());
        // Rollback.
        assert_eq!(
            witness_check(Some(&s30), &c10, &[]),
            Err(CheckpointError::Rollback {
                old_size: 30,
                new_size: 10
            })
        );
        // Same size, same root: fine (idempotent); with a proof: refused.
        assert_eq!(witness_check(Some(&s30), &c30, &[]).unwrap(), s30);
        assert!(witness_check(Some(&s30), &c30, &proof).is_err());
        // Fork: same size, another root, validly signed by the log.
        let forked_tree = MemoryTree::from_leaves(&[leaf_hash(b"evil"); 30]);
        let fork = v
            .verify_checkpoint(signer.sign_checkpoint(30, &forked_tree.root()).as_bytes())
            .unwrap();
        assert_eq!(
            witness_check(Some(&s30), &fork, &[]),
            Err(CheckpointError::Fork { size: 30 })
        );
        // A different origin.
        let other = LogSigner::new("other.example/log", key(1)).unwrap();
        let oc = other
            .verifier()
            .verify_checkpoint(other.sign_checkpoint(40, &big.root_at(40).unwrap()).as_bytes())
            .unwrap();
        assert!(matches!(
            witness_check(Some(&s30), &oc, &[]),
            Err(CheckpointError::OriginMismatch { .. })
        ));
        // From an empty-tree state: no proof needed.
        let s0 = witness_check(None, &c0, &[]).unwrap();
        assert_eq!(witness_check(Some(&s0), &c10, &[]).unwrap(), s10);
        assert!(witness_check(Some(&s0), &c10, &proof).is_err());
        let corrupt = WitnessState { root: big.root(), ..s0 };
        assert_eq!(
            witness_check(Some(&corrupt), &c10, &[]),
            Err(CheckpointError::EmptyTreeRootMismatch)
        );

        // check_and_cosign ties the check to the signature.
        let w = WitnessSigner::new("audit.example/w1", key(11)).unwrap();
        let (state, line) = w.check_and_cosign(Some(&s10), &c30, &proof, 1_700_000_000).unwrap();
        assert_eq!(state, s30);
        assert_eq!(line.timestamp(), 1_700_000_000);
        assert!(w.check_and_cosign(Some(&s30), &c10, &[], 1_700_000_000).is_err());
    }
}

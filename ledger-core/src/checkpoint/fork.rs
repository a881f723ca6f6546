//! Fork evidence: two signed checkpoints of one log that cannot both be
//! honest.

use crate::merkle::{verify_consistency, TreeHash};

use super::{CheckpointError, LogVerifier, VerifiedCheckpoint};

/// Two signed checkpoints of one log that cannot both be honest: the
/// exact note bytes, so anyone holding the log key can re-check them with
/// [`ForkEvidence::check`].
///
/// Same size with different roots is self-contained proof of misbehaviour.
/// Different sizes are evidence only together with the consistency proof
/// the log served, which fails to link them (and the log's inability to
/// produce a valid one when asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// The first checkpoint's exact note bytes.
    pub a: Vec<u8>,
    /// The second checkpoint's exact note bytes.
    pub b: Vec<u8>,
}

impl ForkEvidence {
    /// Re-checks the evidence from the note bytes alone: both notes must be
    /// signed by `verifier`'s key and [`detect_fork`] must find a fork
    /// between them (given the consistency proof, if the sizes differ).
    ///
    /// # Errors
    /// Any checkpoint verification error, or [`CheckpointError::NotAFork`].
    pub fn check(
        &self,
        verifier: &LogVerifier,
        proof_if_sizes_differ: Option<&[TreeHash]>,
    ) -> Result<(VerifiedCheckpoint, VerifiedCheckpoint), CheckpointError> {
        let a = verifier.verify_checkpoint(&self.a)?;
        let b = verifier.verify_checkpoint(&self.b)?;
        if detect_fork(&a, &b, proof_if_sizes_differ).is_none() {
            return Err(CheckpointError::NotAFork(format!(
                "checkpoints of sizes {} and {} are not shown to conflict{}",
                a.size,
                b.size,
                if a.size != b.size && proof_if_sizes_differ.is_none() {
                    " (sizes differ: a consistency proof is needed)"
                } else {
                    ""
                }
            )));
        }
        Ok((a, b))
    }
}

/// The kind tag of a fork evidence file.
pub const FORK_EVIDENCE_KIND: &str = "sunshine-ledger/fork-evidence/v1";

/// The fork evidence file (`sunshine-ledger/fork-evidence/v1`, JSON) that
/// `ledger verify` and a mirror write: two signed checkpoints that cannot
/// both be true, with what links them. Shared here so that every writer
/// produces the same fields (the CLI's `verify_cmd::EvidenceFile` is this
/// type).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ForkEvidenceFile {
    /// [`FORK_EVIDENCE_KIND`].
    pub kind: String,
    /// The log.
    pub origin: String,
    /// What was found.
    pub reason: String,
    /// The log key both checkpoints verify against.
    pub log_vkey: String,
    /// The older checkpoint (signed note text).
    pub older_checkpoint: String,
    /// The newer checkpoint (signed note text).
    pub newer_checkpoint: String,
    /// Root the newer tree has at the older size (hex), when computable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_root_at_older_size: Option<String>,
    /// Consistency proof from the older size to the newer tree (hex hashes):
    /// it shows the newer checkpoint commits to `newer_root_at_older_size`,
    /// which differs from the older checkpoint's root.
    #[serde(default)]
    pub consistency_proof: Vec<String>,
    /// When the evidence was written (Unix ms).
    pub found_ms: u64,
}

/// Checks two verified checkpoints of the same log for a fork.
///
/// Same size, different roots: always a fork. Different sizes: a fork if
/// `proof_if_sizes_differ` (the consistency proof from the smaller to the
/// larger, as obtained from the log) does not verify; without a proof
/// nothing can be concluded. Different origins are different logs: `None`.
pub fn detect_fork(
    a: &VerifiedCheckpoint,
    b: &VerifiedCheckpoint,
    proof_if_sizes_differ: Option<&[TreeHash]>,
) -> Option<ForkEvidence> {
    if a.origin != b.origin {
        return None;
    }
    let evidence = || ForkEvidence {
        a: a.note_bytes.clone(),
        b: b.note_bytes.clone(),
    };
    if a.size == b.size {
        return (a.root != b.root).then(evidence);
    }
    let proof = proof_if_sizes_differ?;
    let (old, new) = if a.size < b.size { (a, b) } else { (b, a) };
    if old.size == 0 {
        // The empty tree (whose root parsing enforced) is a prefix of all.
        return None;
    }
    verify_consistency(proof, old.size, &old.root, new.size, &new.root)
        .err()
        .map(|_| evidence())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::checkpoint::test_support::*;
    use crate::checkpoint::*;
    use crate::merkle::{leaf_hash, MemoryTree};

    #[test]
    fn fork_detection() {
        let big = tree(40);
        let signer = log();
        let v = signer.verifier();
        let at = |n: u64| {
            v.verify_checkpoint(signer.sign_checkpoint(n, &big.root_at(n).unwrap()).as_bytes())
                .unwrap()
        };
        let (c10, c30) = (at(10), at(30));
        let proof = big.consistency_proof(10, 30).unwrap();
        assert_eq!(detect_fork(&c10, &c30, Some(&proof)), None);
        assert_eq!(detect_fork(&c30, &c10, Some(&proof)), None);
        assert_eq!(detect_fork(&c10, &c30, None), None);
        assert_eq!(detect_fork(&c30, &c30, None), None);
        assert_eq!(detect_fork(&at(0), &c30, Some(&[])), None);

        let evil = MemoryTree::from_leaves(&[leaf_hash(b"evil"); 30]);
        let fork = v
            .verify_checkpoint(signer.sign_checkpoint(30, &evil.root()).as_bytes())
            .unwrap();
        let ev = detect_fork(&c30, &fork, None).unwrap();
        assert_eq!(ev.a, c30.note_bytes());
        assert_eq!(ev.b, fork.note_bytes());
        let (a, b) = ev.check(&v, None).unwrap();
        assert_eq!((a.size(), b.size()), (30, 30));
        // Different sizes, the proof against the forked tree fails.
        let ev = detect_fork(&c10, &fork, Some(&proof)).unwrap();
        assert!(ev.check(&v, Some(&proof)).is_ok());
        assert!(matches!(ev.check(&v, None), Err(CheckpointError::NotAFork(_))));
        let honest = ForkEvidence {
            a: c10.note_bytes().to_vec(),
            b: c30.note_bytes().to_vec(),
        };
        assert!(matches!(
            honest.check(&v, Some(&proof)),
            Err(CheckpointError::NotAFork(_))
        ));
        // Evidence that is not a fork, or not signed by this log, is refused.
        let fake = ForkEvidence {
            a: c30.note_bytes().to_vec(),
            b: c30.note_bytes().to_vec(),
        };
        assert!(matches!(fake.check(&v, None), Err(CheckpointError::NotAFork(_))));
        let other_log = LogSigner::new(ORIGIN, key(9)).unwrap();
        assert!(ev.check(&other_log.verifier(), Some(&proof)).is_err());
        // Different origins are different logs.
        let other = LogSigner::new("other.example/log", key(1)).unwrap();
        let oc = other
            .verifier()
            .verify_checkpoint(other.sign_checkpoint(30, &evil.root()).as_bytes())
            .unwrap();
        assert_eq!(detect_fork(&c30, &oc, None), None);
    }
}

//! Receipts: the log's signed promise that an entry is durable.
//!
//! Sent only after the entry's batch has been flushed to disk. The sequencer
//! signs the receipts of one commit batch with **one** signature: the log key
//! signs `DOMAIN_RECEIPT_BATCH ‖ canonical(ReceiptBatchHead)`, whose `root` is
//! the RFC 6962 Merkle root over the batch's receipts (leaf `i` =
//! `DOMAIN_RECEIPT ‖ canonical(receipt i)`), and each [`SignedReceipt`] carries
//! its leaf index and audit path. Why: an Ed25519 signature costs about 20 µs
//! of CPU, as much as the rest of an entry's ingest put together; one per
//! batch of a thousand entries is free, and the promise is exactly as strong —
//! the signature commits to every receipt of the batch, and a receipt cannot be
//! moved to another batch or altered without breaking the path. A batch of one
//! has an empty path: its root is its leaf hash.
//!
//! A later inclusion proof against a signed checkpoint completes a receipt
//! (see `checkpoint::TlogProof`).

use crate::encoding::{self, Bytes, DecodeError, Hash32, DOMAIN_RECEIPT, DOMAIN_RECEIPT_BATCH};
use crate::keys::SignatureBytes;
use crate::merkle::{self, MerkleError, TreeHash};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Version tag of [`Receipt`] and [`ReceiptBatchHead`]. Version 1 signed
/// each receipt on its own; version 2 signs a batch root.
pub const RECEIPT_VERSION: u8 = 2;

/// Most receipts under one signature (a commit batch is far smaller).
pub const MAX_RECEIPT_BATCH: u64 = 1 << 20;

/// What the log promises about one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// [`RECEIPT_VERSION`].
    pub v: u8,
    /// The log's origin.
    pub origin: String,
    /// Sequence number (= Merkle leaf index).
    pub seq: u64,
    /// The idempotency key of the submission.
    pub submission_id: Hash32,
    /// blake3 chain hash of the sequenced entry.
    pub entry_hash: Hash32,
    /// RFC 6962 leaf hash of the sequenced entry (hex in JSON).
    pub leaf_hash: Bytes<32>,
    /// Sequencing time (Unix ms).
    pub time_ms: u64,
}

/// What the log key signs for a batch of receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBatchHead {
    /// [`RECEIPT_VERSION`].
    pub v: u8,
    /// The log's origin.
    pub origin: String,
    /// Receipts in the batch.
    pub size: u64,
    /// RFC 6962 root over the batch's receipt leaves.
    pub root: Bytes<32>,
}

/// Where a receipt sits in the batch the log signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBatchProof {
    /// Receipts in the batch.
    pub size: u64,
    /// This receipt's leaf index in the batch.
    pub index: u64,
    /// RFC 9162 inclusion proof of the receipt's leaf in the batch tree.
    pub path: Vec<Bytes<32>>,
}

/// A receipt with the log's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReceipt {
    /// The receipt.
    pub receipt: Receipt,
    /// The receipt's place in the signed batch.
    pub batch: ReceiptBatchProof,
    /// Ed25519 signature by the log key over
    /// `DOMAIN_RECEIPT_BATCH ‖ canonical(ReceiptBatchHead)`.
    pub signature: SignatureBytes,
}

/// Why a receipt does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Wrong version.
    #[error("receipt: {0}")]
    Decode(#[from] DecodeError),
    /// The batch path does not lead from the receipt to a batch root.
    #[error("receipt batch path: {0}")]
    BadPath(MerkleError),
    /// The signature is not the log key's.
    #[error("receipt signature does not verify against the log key")]
    BadSignature,
}

impl Receipt {
    /// Build a receipt for an entry.
    pub fn new(
        origin: &str,
        seq: u64,
        submission_id: Hash32,
        entry_hash: Hash32,
        leaf_hash: TreeHash,
        time_ms: u64,
    ) -> Receipt {
        Receipt {
            v: RECEIPT_VERSION,
            origin: origin.to_string(),
            seq,
            submission_id,
            entry_hash,
            leaf_hash: Bytes(leaf_hash.0),
            time_ms,
        }
    }

    /// The receipt's leaf in its batch tree:
    /// RFC 6962 leaf hash of `DOMAIN_RECEIPT ‖ canonical(receipt)`.
    pub fn batch_leaf(&self) -> TreeHash {
        merkle::leaf_hash(&encoding::with_domain(DOMAIN_RECEIPT, &encoding::encode(self)))
    }

    /// Sign this one receipt (a batch of one).
    pub fn sign(self, log_key: &SigningKey) -> SignedReceipt {
        let mut signed = sign_batch(vec![self], log_key);
        // A batch of one yields exactly one receipt.
        signed.swap_remove(0)
    }
}

impl ReceiptBatchHead {
    fn message(&self) -> Vec<u8> {
        encoding::with_domain(DOMAIN_RECEIPT_BATCH, &encoding::encode(self))
    }
}

/// Sign `receipts` (all of one log, at most [`MAX_RECEIPT_BATCH`]) with one
/// signature; one [`SignedReceipt`] per input, in order. An empty input gives
/// an empty output and no signature.
pub fn sign_batch(receipts: Vec<Receipt>, log_key: &SigningKey) -> Vec<SignedReceipt> {
    let Some(first) = receipts.first() else {
        return Vec::new();
    };
    debug_assert!(receipts.len() as u64 <= MAX_RECEIPT_BATCH);
    let leaves: Vec<TreeHash> = receipts.iter().map(Receipt::batch_leaf).collect();
    let (root, paths) = root_and_paths(&leaves);
    let size = leaves.len() as u64;
    let head = ReceiptBatchHead {
        v: RECEIPT_VERSION,
        origin: first.origin.clone(),
        size,
        root: Bytes(root.0),
    };
    let signature: SignatureBytes = Bytes(log_key.sign(&head.message()).to_bytes());
    receipts
        .into_iter()
        .zip(paths)
        .enumerate()
        .map(|(index, (receipt, path))| SignedReceipt {
            receipt,
            batch: ReceiptBatchProof {
                size,
                index: index as u64,
                path: path.into_iter().map(|h| Bytes(h.0)).collect(),
            },
            signature,
        })
        .collect()
}

/// The RFC 6962 root of `leaves` (at least one) and every leaf's RFC 9162
/// inclusion proof, in one pass: `PATH(m, D[0:n])` is the path in the half
/// holding `m`, then the other half's root (RFC 9162 §2.1.3.1). O(n) hashes
/// and O(n log n) copies, where proving each leaf through a hash store
/// separately cost as much as the rest of the commit.
fn root_and_paths(leaves: &[TreeHash]) -> (TreeHash, Vec<Vec<TreeHash>>) {
    match leaves {
        [] => (merkle::EMPTY_TREE_ROOT, Vec::new()),
        [leaf] => (*leaf, vec![Vec::new()]),
        _ => {
            // Largest power of two strictly below the length: RFC 9162's split.
            let k = 1usize << (usize::BITS - 1 - (leaves.len() - 1).leading_zeros());
            let (left, right) = leaves.split_at(k);
            let (left_root, mut left_paths) = root_and_paths(left);
            let (right_root, right_paths) = root_and_paths(right);
            for path in &mut left_paths {
                path.push(right_root);
            }
            left_paths.extend(right_paths.into_iter().map(|mut path| {
                path.push(left_root);
                path
            }));
            (merkle::interior_hash(&left_root, &right_root), left_paths)
        }
    }
}

impl SignedReceipt {
    /// Verify against the log's public key: the path leads from this receipt
    /// to a batch root, and the log key signed that root.
    pub fn verify(&self, log_key: &VerifyingKey) -> Result<(), ReceiptError> {
        encoding::expect_version(self.receipt.v, RECEIPT_VERSION)?;
        let ReceiptBatchProof { size, index, path } = &self.batch;
        if *size > MAX_RECEIPT_BATCH {
            return Err(ReceiptError::BadPath(MerkleError::IndexOutOfRange {
                index: *index,
                tree_size: *size,
            }));
        }
        let path: Vec<TreeHash> = path.iter().map(|h| TreeHash(h.0)).collect();
        let root = merkle::root_from_inclusion(&path, *size, *index, &self.receipt.batch_leaf())
            .map_err(ReceiptError::BadPath)?;
        let head = ReceiptBatchHead {
            v: RECEIPT_VERSION,
            origin: self.receipt.origin.clone(),
            size: *size,
            root: Bytes(root.0),
        };
        let signature = Signature::from_bytes(self.signature.as_bytes());
        log_key
            .verify_strict(&head.message(), &signature)
            .map_err(|_| ReceiptError::BadSignature)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::merkle::MemoryTree;

    fn leaves(n: usize) -> Vec<TreeHash> {
        (0..n as u64).map(|i| merkle::leaf_hash(&i.to_le_bytes())).collect()
    }

    #[test]
    fn paths_are_the_rfc_9162_inclusion_proofs() {
        for n in 1..=70usize {
            let all = leaves(n);
            let (root, paths) = root_and_paths(&all);
            let tree = MemoryTree::from_leaves(&all);
            assert_eq!(root, tree.root(), "root of {n}");
            assert_eq!(paths.len(), n);
            for (i, path) in paths.iter().enumerate() {
                let expected = tree
                    .inclusion_proof(i as u64, n as u64)
                    .unwrap_or_else(|e| panic!("proof {i} of {n}: {e}"));
                assert_eq!(path, &expected, "path {i} of {n}");
            }
        }
    }

    fn receipt(seq: u64) -> Receipt {
        Receipt::new(
            "example.org/log",
            seq,
            Bytes([1; 32]),
            Bytes([2; 32]),
            merkle::leaf_hash(&seq.to_le_bytes()),
            1_700_000_000_000 + seq,
        )
    }

    #[test]
    fn a_batch_verifies_and_tampering_fails() {
        let key = SigningKey::from_bytes(&[5; 32]);
        let other = SigningKey::from_bytes(&[6; 32]);
        let signed = sign_batch((0..13).map(receipt).collect(), &key);
        assert_eq!(signed.len(), 13);
        for (i, r) in signed.iter().enumerate() {
            assert_eq!(r.receipt.seq, i as u64);
            assert_eq!(r.batch.size, 13);
            assert_eq!(r.signature, signed[0].signature, "one signature for the batch");
            assert_eq!(r.verify(&key.verifying_key()), Ok(()));
            assert_eq!(r.verify(&other.verifying_key()), Err(ReceiptError::BadSignature));
        }
        // An altered receipt, a moved index, a changed path, a wrong size.
        let mut altered = signed[4].clone();
        altered.receipt.time_ms += 1;
        assert_eq!(altered.verify(&key.verifying_key()), Err(ReceiptError::BadSignature));
        let mut moved = signed[4].clone();
        moved.batch.index = 5;
        assert_eq!(moved.verify(&key.verifying_key()), Err(ReceiptError::BadSignature));
        let mut bent = signed[4].clone();
        bent.batch.path[1].0[0] ^= 1;
        assert_eq!(bent.verify(&key.verifying_key()), Err(ReceiptError::BadSignature));
        let mut short = signed[4].clone();
        short.batch.path.pop();
        assert!(matches!(
            short.verify(&key.verifying_key()),
            Err(ReceiptError::BadPath(_))
        ));
        let mut outside = signed[4].clone();
        outside.batch.index = 13;
        assert!(matches!(
            outside.verify(&key.verifying_key()),
            Err(ReceiptError::BadPath(_))
        ));
        let mut huge = signed[4].clone();
        huge.batch.size = MAX_RECEIPT_BATCH + 1;
        assert!(matches!(
            huge.verify(&key.verifying_key()),
            Err(ReceiptError::BadPath(_))
        ));
        // A batch of one has an empty path; an empty batch signs nothing.
        let single = receipt(9).sign(&key);
        assert!(single.batch.path.is_empty());
        assert_eq!(single.verify(&key.verifying_key()), Ok(()));
        assert!(sign_batch(Vec::new(), &key).is_empty());
    }
}

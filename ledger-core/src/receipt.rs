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
use crate::merkle::{self, MemoryTree, MerkleError, TreeHash};
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
    let tree = MemoryTree::from_leaves(&leaves);
    let size = tree.size();
    let head = ReceiptBatchHead {
        v: RECEIPT_VERSION,
        origin: first.origin.clone(),
        size,
        root: Bytes(tree.root().0),
    };
    let signature: SignatureBytes = Bytes(log_key.sign(&head.message()).to_bytes());
    // The paths in parallel: a commit batch of thousands of receipts needs as
    // many inclusion proofs, and the sequencer waits for them.
    use rayon::prelude::*;
    receipts
        .into_par_iter()
        .enumerate()
        .map(|(index, receipt)| {
            let index = index as u64;
            // `index < size` by construction, so the proof always exists.
            let path = tree
                .inclusion_proof(index, size)
                .unwrap_or_default()
                .into_iter()
                .map(|h| Bytes(h.0))
                .collect();
            SignedReceipt {
                receipt,
                batch: ReceiptBatchProof { size, index, path },
                signature,
            }
        })
        .collect()
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

//! Receipts: the log's signed promise that an entry is durable.
//!
//! Sent only after the entry's batch has been flushed to disk. The log key
//! signs `DOMAIN_RECEIPT ‖ canonical(Receipt)`; a later inclusion proof against
//! a signed checkpoint completes it (see `checkpoint::TlogProof`).

use crate::encoding::{self, Bytes, DecodeError, Hash32, DOMAIN_RECEIPT};
use crate::keys::SignatureBytes;
use crate::merkle::TreeHash;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Version tag of [`Receipt`].
pub const RECEIPT_VERSION: u8 = 1;

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

/// A receipt with the log's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReceipt {
    /// The receipt.
    pub receipt: Receipt,
    /// Ed25519 signature by the log key over `DOMAIN_RECEIPT ‖ canonical(receipt)`.
    pub signature: SignatureBytes,
}

/// Why a receipt does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Wrong version.
    #[error("receipt: {0}")]
    Decode(#[from] DecodeError),
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

    fn message(&self) -> Vec<u8> {
        encoding::with_domain(DOMAIN_RECEIPT, &encoding::encode(self))
    }

    /// Sign with the log key.
    pub fn sign(self, log_key: &SigningKey) -> SignedReceipt {
        let signature = Bytes(log_key.sign(&self.message()).to_bytes());
        SignedReceipt {
            receipt: self,
            signature,
        }
    }
}

impl SignedReceipt {
    /// Verify against the log's public key.
    pub fn verify(&self, log_key: &VerifyingKey) -> Result<(), ReceiptError> {
        encoding::expect_version(self.receipt.v, RECEIPT_VERSION)?;
        let signature = Signature::from_bytes(self.signature.as_bytes());
        log_key
            .verify_strict(&self.receipt.message(), &signature)
            .map_err(|_| ReceiptError::BadSignature)
    }
}

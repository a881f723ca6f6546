//! Submissions: what an operator signs and sends.
//!
//! An operator builds an [`EntryBody`], wraps it in a [`Submission`] with the
//! log's origin, a unique client nonce and a "not after" time, and signs
//! `DOMAIN_SUBMISSION ‖ canonical(Submission)` with one or more Ed25519 keys.
//! Only [`VerifiedSubmission`] — constructible solely by signature
//! verification in this module — can be applied to the ledger state.

use crate::encoding::{self, Bytes, DecodeError, Hash32, DOMAIN_SUBMISSION, DOMAIN_SUBMISSION_ID};
use crate::entry::EntryBody;
use crate::keys::{PublicKey, SignatureBytes};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Version tag of [`Submission`].
pub const SUBMISSION_VERSION: u8 = 1;
/// Most signatures on one submission.
pub const MAX_SIGNATURES: usize = 8;

/// The unsigned submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Format version, [`SUBMISSION_VERSION`].
    pub v: u8,
    /// The log's origin; a submission for another log is refused.
    pub origin: String,
    /// Client nonce, unique per log (replay protection).
    pub nonce: Bytes<16>,
    /// The log must sequence it no later than this (Unix ms).
    pub not_after_ms: u64,
    /// What happened.
    pub body: EntryBody,
}

/// One signature on a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySignature {
    /// The signer's public key.
    pub key: PublicKey,
    /// Ed25519 signature over `DOMAIN_SUBMISSION ‖ canonical(Submission)`.
    pub signature: SignatureBytes,
}

/// A submission with its signatures: what travels to the node and is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedSubmission {
    /// The signed content.
    pub submission: Submission,
    /// 1 to [`MAX_SIGNATURES`] signatures from distinct keys, in any order.
    pub signatures: Vec<EntrySignature>,
}

/// Why a submission is malformed or its signatures do not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    /// Not canonical bytes of a signed submission.
    #[error("malformed submission: {0}")]
    Decode(#[from] DecodeError),
    /// No signature, more than [`MAX_SIGNATURES`], or one key twice.
    #[error("submission must carry 1-{MAX_SIGNATURES} signatures from distinct keys")]
    SignatureCount,
    /// A key that is not a valid Ed25519 point.
    #[error("signature key {0} is not a valid Ed25519 key")]
    BadKey(PublicKey),
    /// A signature that does not verify.
    #[error("signature by key {0} does not verify")]
    BadSignature(PublicKey),
}

impl Submission {
    /// Canonical bytes of the unsigned submission.
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// The exact message every signer signs.
    pub fn signing_message(&self) -> Vec<u8> {
        encoding::with_domain(DOMAIN_SUBMISSION, &self.encode())
    }

    /// Sign with each key (distinct keys; duplicates are dropped).
    pub fn sign(self, keys: &[&SigningKey]) -> SignedSubmission {
        let message = self.signing_message();
        let mut signatures: Vec<EntrySignature> = Vec::with_capacity(keys.len());
        for key in keys {
            let public = Bytes(key.verifying_key().to_bytes());
            if signatures.iter().any(|s| s.key == public) {
                continue;
            }
            signatures.push(EntrySignature {
                key: public,
                signature: Bytes(key.sign(&message).to_bytes()),
            });
        }
        SignedSubmission {
            submission: self,
            signatures,
        }
    }
}

impl SignedSubmission {
    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Decode canonical bytes and check the structure (version, signature
    /// count, distinct keys). Signatures are *not* verified here.
    pub fn decode(bytes: &[u8]) -> Result<SignedSubmission, SubmissionError> {
        let signed: SignedSubmission = encoding::decode_canonical(bytes)?;
        signed.check_structure()?;
        Ok(signed)
    }

    /// Version and signature-count checks.
    pub fn check_structure(&self) -> Result<(), SubmissionError> {
        encoding::expect_version(self.submission.v, SUBMISSION_VERSION)?;
        let n = self.signatures.len();
        if n == 0 || n > MAX_SIGNATURES {
            return Err(SubmissionError::SignatureCount);
        }
        for (i, s) in self.signatures.iter().enumerate() {
            if self.signatures[..i].iter().any(|t| t.key == s.key) {
                return Err(SubmissionError::SignatureCount);
            }
        }
        Ok(())
    }

    /// The idempotency key: blake3 over the unsigned submission. A retry of
    /// the same submission has the same id and gets the original receipt.
    pub fn id(&self) -> Hash32 {
        submission_id(&self.submission.encode())
    }

    /// Verify every signature one by one with `verify_strict` (which also
    /// rejects small-order keys and non-canonical signatures).
    pub fn verify(self) -> Result<VerifiedSubmission, SubmissionError> {
        self.verify_with_keys(&HashMap::new())
    }

    /// [`SignedSubmission::verify`] with keys already decompressed (the write
    /// path decompresses each distinct signer key of a request once: point
    /// decompression is a large part of a strict verification). Keys missing
    /// from `keys` are decompressed here.
    pub fn verify_with_keys(
        self,
        keys: &HashMap<PublicKey, VerifyingKey>,
    ) -> Result<VerifiedSubmission, SubmissionError> {
        self.check_structure()?;
        let message = self.submission.signing_message();
        for s in &self.signatures {
            let key = match keys.get(&s.key) {
                Some(key) => *key,
                None => VerifyingKey::from_bytes(s.key.as_bytes()).map_err(|_| SubmissionError::BadKey(s.key))?,
            };
            let signature = Signature::from_bytes(s.signature.as_bytes());
            key.verify_strict(&message, &signature)
                .map_err(|_| SubmissionError::BadSignature(s.key))?;
        }
        Ok(VerifiedSubmission { signed: self })
    }
}

/// blake3(DOMAIN_SUBMISSION_ID ‖ canonical unsigned submission).
pub fn submission_id(submission_bytes: &[u8]) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(DOMAIN_SUBMISSION_ID);
    hasher.update(submission_bytes);
    Bytes(*hasher.finalize().as_bytes())
}

/// A submission whose every signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSubmission {
    signed: SignedSubmission,
}

impl VerifiedSubmission {
    /// The signed submission.
    pub fn signed(&self) -> &SignedSubmission {
        &self.signed
    }
    /// The submission.
    pub fn submission(&self) -> &Submission {
        &self.signed.submission
    }
    /// The keys that signed it.
    pub fn signers(&self) -> impl Iterator<Item = &PublicKey> {
        self.signed.signatures.iter().map(|s| &s.key)
    }
    /// Give back the signed submission.
    pub fn into_signed(self) -> SignedSubmission {
        self.signed
    }
}

/// Verify many submissions with `verify_batch` (2.5-3x faster than one by
/// one) and return one result per input, in order. `verify_batch` does not
/// say *which* signature failed, so when a batch fails it is re-checked one by
/// one with `verify_strict`, naming each bad submission. Weak keys are refused
/// when granted (see `keys::is_strong_key`), which closes the gap that batch
/// verification skips.
pub fn verify_batch_each(batch: Vec<SignedSubmission>) -> Vec<Result<VerifiedSubmission, SubmissionError>> {
    let messages = batch.iter().map(|s| s.submission.signing_message()).collect();
    verify_batch_each_with_messages(batch, messages)
}

/// [`verify_batch_each`] with each submission's signing message
/// (`DOMAIN_SUBMISSION ‖ canonical(Submission)`) already built, e.g. from the
/// canonical bytes the submission was decoded from rather than by encoding it
/// again. `messages[i]` must be the signing message of `batch[i]`; if the
/// counts differ, the messages are recomputed.
pub fn verify_batch_each_with_messages(
    batch: Vec<SignedSubmission>,
    messages: Vec<Vec<u8>>,
) -> Vec<Result<VerifiedSubmission, SubmissionError>> {
    if messages.len() != batch.len() {
        return verify_batch_each(batch);
    }
    let mut signatures = Vec::with_capacity(batch.len());
    let mut keys = Vec::with_capacity(batch.len());
    let mut owners = Vec::with_capacity(batch.len());
    let mut all_well_formed = true;
    // A batch is signed by few distinct keys: decompress each once (point
    // decompression costs about a quarter of a batched verification).
    let mut decompressed: HashMap<PublicKey, VerifyingKey> = HashMap::new();
    for (index, signed) in batch.iter().enumerate() {
        if signed.check_structure().is_err() {
            all_well_formed = false;
            continue;
        }
        for s in &signed.signatures {
            let key = match decompressed.get(&s.key) {
                Some(key) => Ok(*key),
                None => VerifyingKey::from_bytes(s.key.as_bytes()).inspect(|key| {
                    decompressed.insert(s.key, *key);
                }),
            };
            match key {
                Ok(key) => {
                    keys.push(key);
                    signatures.push(Signature::from_bytes(s.signature.as_bytes()));
                    owners.push(index);
                }
                Err(_) => all_well_formed = false,
            }
        }
    }
    if all_well_formed {
        let message_refs: Vec<&[u8]> = owners
            .iter()
            .filter_map(|&i| messages.get(i).map(Vec::as_slice))
            .collect();
        if ed25519_dalek::verify_batch(&message_refs, &signatures, &keys).is_ok() {
            return batch
                .into_iter()
                .map(|signed| Ok(VerifiedSubmission { signed }))
                .collect();
        }
    }
    batch.into_iter().map(SignedSubmission::verify).collect()
}

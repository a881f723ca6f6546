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
use crate::signature_rule::{self, StrictnessViolation, Zip215Error};
use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};

/// Version tag of [`Submission`].
pub const SUBMISSION_VERSION: u8 = 3;
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
    /// A ZIP-215-valid signature that the write path refuses because common
    /// RFC 8032 verifiers refuse it (docs/FORMAT.md §8.1). Never returned by
    /// replay or the offline verifier.
    #[error("signature by key {key} is refused for new entries: {violation}; sign with a standard Ed25519 library")]
    NonCanonicalSignature {
        /// The signer.
        key: PublicKey,
        /// What is wrong with its encoding.
        violation: StrictnessViolation,
    },
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
        encoding::expect_leading_version(bytes, SUBMISSION_VERSION)?;
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

    /// Verify every signature one by one (ZIP-215 rules, see
    /// [`verify_batch_each`] for why those and not `verify_strict`).
    pub fn verify(self) -> Result<VerifiedSubmission, SubmissionError> {
        self.check_structure()?;
        let message = self.submission.signing_message();
        for s in &self.signatures {
            verify_one(&s.key, &s.signature, &message)?;
        }
        Ok(VerifiedSubmission::new(self, &message, true))
    }
}

/// One signature under ZIP-215 rules ([`signature_rule::zip215_verify`]).
fn verify_one(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> Result<(), SubmissionError> {
    signature_rule::zip215_verify(key, signature, message).map_err(|e| match e {
        Zip215Error::BadKey => SubmissionError::BadKey(*key),
        Zip215Error::BadSignature => SubmissionError::BadSignature(*key),
    })
}

/// blake3(DOMAIN_SUBMISSION_ID ‖ canonical unsigned submission).
pub fn submission_id(submission_bytes: &[u8]) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(DOMAIN_SUBMISSION_ID);
    hasher.update(submission_bytes);
    Bytes(*hasher.finalize().as_bytes())
}

/// A submission whose every signature has been verified. Two are equal when
/// their signed submissions are (the cached id is not part of it).
#[derive(Debug, Clone)]
pub struct VerifiedSubmission {
    signed: SignedSubmission,
    /// [`SignedSubmission::id`], computed where the write path's verification
    /// already holds the canonical bytes (on the verifying threads, not on
    /// the sequencer's). `None` from the offline verifier, which never needs
    /// it; [`VerifiedSubmission::id`] then computes it.
    id: Option<Hash32>,
}

impl PartialEq for VerifiedSubmission {
    fn eq(&self, other: &Self) -> bool {
        self.signed == other.signed
    }
}

impl Eq for VerifiedSubmission {}

impl VerifiedSubmission {
    /// `message` is the submission's signing message, `DOMAIN_SUBMISSION ‖
    /// canonical(Submission)`; the id hashes the same canonical bytes.
    fn new(signed: SignedSubmission, message: &[u8], with_id: bool) -> VerifiedSubmission {
        let id = with_id.then(|| match message.strip_prefix(DOMAIN_SUBMISSION) {
            Some(submission_bytes) => submission_id(submission_bytes),
            None => signed.id(),
        });
        debug_assert!(id.is_none_or(|id| id == signed.id()));
        VerifiedSubmission { signed, id }
    }
    /// The idempotency key ([`SignedSubmission::id`]).
    pub fn id(&self) -> Hash32 {
        self.id.unwrap_or_else(|| self.signed.id())
    }
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

/// Verify many submissions in one batch and return one result per input, in
/// order. A failed batch does not say *which* signature is bad, so it is then
/// re-checked one by one, naming each bad submission.
///
/// Why ZIP-215 (`ed25519-zebra`) and not `ed25519_dalek::verify_batch` with
/// a `verify_strict` fallback: dalek's batch equation is cofactorless on a
/// random linear combination, so whether it accepts a signature whose `R`
/// carries a small-order component depends on the random coefficients (about
/// one time in eight), while `verify_strict` always refuses it. A signer could
/// then plant an entry that one verifier accepts and another refuses, and the
/// log's own replay could fail on an entry it had acknowledged. Under ZIP-215
/// the single and the batch check are both cofactored: a batch accepts exactly
/// when every one of its signatures does (up to a 2^-128 chance of accepting
/// a bad batch, never of refusing a good one), so the write path, the node's
/// replay and every auditor agree whatever the batching. Every signature
/// `verify_strict` accepts is also ZIP-215-valid. Weak (small-order) keys are
/// refused when granted (see `keys::is_strong_key`).
///
/// ZIP-215 batching also adds one point per distinct key rather than one per
/// signature (a ledger is signed by few operator keys), which makes it about
/// 1.7× faster than `ed25519_dalek::verify_batch` on the same signatures.
/// The results carry their submission ids (the write path needs them).
pub fn verify_batch_each(batch: Vec<SignedSubmission>) -> Vec<Result<VerifiedSubmission, SubmissionError>> {
    let messages = batch.iter().map(|s| s.submission.signing_message()).collect();
    verify_batch(batch, messages, true)
}

/// The node's write path: [`verify_batch_each`] (ZIP-215 validity, the rule
/// replay applies), then, for each valid submission, the write path's extra
/// rule [`signature_rule::strict_encoding_check`] on every signature
/// (docs/FORMAT.md §8.1). Only new submissions go through this: replay and
/// the offline verifier use [`verify_batch_each_with_messages`], so an old
/// entry with such a signature keeps verifying (and `ledger audit` names it).
///
/// The extra check comes after the batch rather than before because a
/// signature it refuses is either ZIP-215-valid (and then does not spoil the
/// batch) or invalid (and then reported as `BadSignature`, the plainer answer).
pub fn verify_batch_for_write(batch: Vec<SignedSubmission>) -> Vec<Result<VerifiedSubmission, SubmissionError>> {
    // Keys repeat across a batch (few operators sign many entries): check
    // each distinct key's encoding once.
    let mut good_keys: Vec<PublicKey> = Vec::new();
    verify_batch_each(batch)
        .into_iter()
        .map(|result| {
            let verified = result?;
            for s in &verified.signed().signatures {
                let violation = if good_keys.contains(&s.key) {
                    signature_rule::strict_signature_check(&s.signature)
                } else {
                    signature_rule::strict_encoding_check(&s.key, &s.signature)
                };
                if let Err(violation) = violation {
                    return Err(SubmissionError::NonCanonicalSignature { key: s.key, violation });
                }
                if !good_keys.contains(&s.key) {
                    good_keys.push(s.key);
                }
            }
            Ok(verified)
        })
        .collect()
}

/// [`verify_batch_each`] with each submission's signing message
/// (`DOMAIN_SUBMISSION ‖ canonical(Submission)`) already built, e.g. from the
/// canonical bytes the submission was decoded from rather than by encoding it
/// again. `messages[i]` must be the signing message of `batch[i]`; if the
/// counts differ, the messages are recomputed. For the offline verifier: the
/// ids are not computed (a blake3 per entry it never uses).
pub fn verify_batch_each_with_messages(
    batch: Vec<SignedSubmission>,
    messages: Vec<Vec<u8>>,
) -> Vec<Result<VerifiedSubmission, SubmissionError>> {
    verify_batch(batch, messages, false)
}

fn verify_batch(
    batch: Vec<SignedSubmission>,
    messages: Vec<Vec<u8>>,
    with_ids: bool,
) -> Vec<Result<VerifiedSubmission, SubmissionError>> {
    if messages.len() != batch.len() {
        let messages = batch.iter().map(|s| s.submission.signing_message()).collect();
        return verify_batch(batch, messages, with_ids);
    }
    let mut verifier = ed25519_zebra::batch::Verifier::new();
    let mut all_well_formed = true;
    for (signed, message) in batch.iter().zip(&messages) {
        if signed.check_structure().is_err() {
            all_well_formed = false;
            continue;
        }
        for s in &signed.signatures {
            verifier.queue((
                ed25519_zebra::VerificationKeyBytes::from(*s.key.as_bytes()),
                ed25519_zebra::Signature::from_bytes(s.signature.as_bytes()),
                message.as_slice(),
            ));
        }
    }
    // The batch's random coefficients come from the thread's CSPRNG (ChaCha,
    // seeded by the OS): a signer who could predict them could forge a batch.
    if all_well_formed && verifier.verify(rand::thread_rng()).is_ok() {
        return batch
            .into_iter()
            .zip(&messages)
            .map(|(signed, message)| Ok(VerifiedSubmission::new(signed, message, with_ids)))
            .collect();
    }
    batch
        .into_iter()
        .zip(messages)
        .map(|(signed, message)| {
            signed.check_structure()?;
            for s in &signed.signatures {
                verify_one(&s.key, &s.signature, &message)?;
            }
            Ok(VerifiedSubmission::new(signed, &message, with_ids))
        })
        .collect()
}

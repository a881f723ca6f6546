//! The one error type of checkpoint signing, parsing and verification.

use signed_note::NoteError;

use crate::merkle::MerkleError;

/// Errors from signing, parsing and verifying checkpoints, cosignatures and
/// `tlog-proof`s.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    /// Input larger than we are willing to parse.
    #[error("{what} is {len} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A signed note must end with a newline after its last signature line.
    #[error("signed note does not end with a newline (was it truncated or trimmed?)")]
    MissingTrailingNewline,
    /// The note is not a well-formed C2SP signed note.
    #[error("malformed signed note: {0}")]
    MalformedNote(String),
    /// A key name (origin or witness name) is not valid.
    #[error("invalid key name {0:?}: it must be 1..=255 bytes with no spaces, '+' or control characters")]
    BadKeyName(String),
    /// A verifier key string is malformed.
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(String),
    /// A verifier key has another signature type than the one needed here.
    #[error("verifier key has signature type 0x{found:02x}, expected 0x{expected:02x}")]
    UnsupportedKeyType {
        /// Type byte found in the key.
        found: u8,
        /// Type byte this verifier needs.
        expected: u8,
    },
    /// The key ID in a verifier key does not match its name and key.
    #[error("verifier key ID {found:08x} does not match its name and public key (expected {expected:08x})")]
    KeyIdMismatch {
        /// ID written in the vkey.
        found: u32,
        /// ID computed from name, type and key.
        expected: u32,
    },
    /// The public key is a small-order ("weak") Ed25519 point.
    #[error("verifier key is a weak (small-order) Ed25519 key; refusing it")]
    WeakKey,
    /// The note has no signature line from the expected log key.
    #[error("note carries no signature from log key {name}+{key_id:08x}")]
    NoLogSignature {
        /// The log key name (origin).
        name: String,
        /// The log key ID.
        key_id: u32,
    },
    /// The note's signature line from the log key does not verify.
    #[error("signature by log key {name}+{key_id:08x} does not verify: the note was altered or signed by another key")]
    BadLogSignature {
        /// The log key name (origin).
        name: String,
        /// The log key ID.
        key_id: u32,
    },
    /// The checkpoint body does not follow `c2sp.org/tlog-checkpoint`.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// The tree size line is not a canonical decimal.
    #[error("checkpoint tree size {0:?} is not an ASCII decimal without leading zeros")]
    NonCanonicalSize(String),
    /// The root hash line is not base64 of 32 bytes.
    #[error("checkpoint root hash {0:?} is not the standard base64 of 32 bytes")]
    BadRootHash(String),
    /// The checkpoint's origin is not the one expected.
    #[error("checkpoint origin {found:?} is not the expected {expected:?}")]
    OriginMismatch {
        /// Expected origin.
        expected: String,
        /// Origin found.
        found: String,
    },
    /// A checkpoint of size 0 must carry the empty-tree root.
    #[error("checkpoint of size 0 has a root other than the empty-tree hash")]
    EmptyTreeRootMismatch,
    /// The note has no cosignature from this witness.
    #[error("no cosignature from witness {name}+{key_id:08x}")]
    NoCosignature {
        /// Witness name.
        name: String,
        /// Witness key ID.
        key_id: u32,
    },
    /// A cosignature line from this witness is malformed.
    #[error("malformed cosignature from witness {name}: {reason}")]
    MalformedCosignature {
        /// Witness name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A cosignature line from this witness does not verify.
    #[error("cosignature from witness {name}+{key_id:08x} does not verify")]
    BadCosignature {
        /// Witness name.
        name: String,
        /// Witness key ID.
        key_id: u32,
    },
    /// A cosignature timestamp outside 1..=2^63−1.
    #[error("cosignature timestamp {0} is outside 1..=2^63-1")]
    BadTimestamp(u64),
    /// Fewer valid cosignatures than the policy requires.
    #[error("only {got} valid witness cosignatures, policy requires {need}")]
    NotEnoughCosignatures {
        /// Valid cosignatures found.
        got: usize,
        /// Required.
        need: usize,
    },
    /// The new checkpoint is smaller than the one the witness holds.
    #[error("rollback: checkpoint size {new_size} is smaller than the last cosigned size {old_size}")]
    Rollback {
        /// Size the witness holds.
        old_size: u64,
        /// Size of the new checkpoint.
        new_size: u64,
    },
    /// Same size as the witness's state but a different root: a fork.
    #[error("fork: checkpoint of size {size} has a different root than the one already cosigned")]
    Fork {
        /// The common size.
        size: u64,
    },
    /// The consistency proof from the witness's state to the new checkpoint fails.
    #[error("consistency proof rejected: {0}")]
    BadConsistencyProof(MerkleError),
    /// The inclusion proof of a `tlog-proof` fails.
    #[error("inclusion proof rejected: {0}")]
    BadInclusionProof(MerkleError),
    /// The `tlog-proof` text does not follow `c2sp.org/tlog-proof`.
    #[error("malformed tlog-proof: {0}")]
    MalformedTlogProof(String),
    /// A tlog-witness `add-checkpoint` request body is malformed.
    #[error("malformed add-checkpoint request: {0}")]
    MalformedAddCheckpoint(String),
    /// Two checkpoints given as fork evidence do not show a fork.
    #[error("not fork evidence: {0}")]
    NotAFork(String),
}

pub(super) fn malformed_note(e: &NoteError) -> CheckpointError {
    CheckpointError::MalformedNote(e.to_string())
}

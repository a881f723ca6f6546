//! The rules an entry can break, with their stable machine codes.

use crate::amount::AmountError;
use crate::encoding::Bytes;
use crate::ids::Ident;
use crate::keys::PublicKey;
use crate::region::{RegionCode, RegionError};

/// A rule an entry breaks. [`RuleError::code`] is the stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Structurally invalid content (zero amount, empty scope, …).
    #[error("malformed entry: {0}")]
    Malformed(String),
    /// Origin is not this log's.
    #[error("submission is for log {found:?}, this log is {expected:?}")]
    WrongOrigin {
        /// This log.
        expected: String,
        /// The submission's.
        found: String,
    },
    /// The nonce was used before.
    #[error("nonce {0} was already used")]
    ReplayedNonce(Bytes<16>),
    /// Sequenced after its not-after time.
    #[error("submission expired at {not_after_ms} ms, it is now {now_ms} ms")]
    Expired {
        /// Its limit.
        not_after_ms: u64,
        /// Sequencing time.
        now_ms: u64,
    },
    /// not_after too far in the future.
    #[error("submission valid until {not_after_ms} ms, more than 7 days after {now_ms} ms")]
    ValidityTooLong {
        /// Its limit.
        not_after_ms: u64,
        /// Sequencing time.
        now_ms: u64,
    },
    /// Signed by a key never granted.
    #[error("key {0} is not granted in this log")]
    UnknownKey(PublicKey),
    /// Signed by a revoked key.
    #[error("key {key} was revoked at entry {revoked_seq}")]
    RevokedKey {
        /// The key.
        key: PublicKey,
        /// The revocation entry.
        revoked_seq: u64,
    },
    /// Signed outside the key's validity window.
    #[error("key {0} is not valid at this time")]
    KeyNotValid(PublicKey),
    /// The key's role or scope does not allow this kind in this region.
    #[error("key {key} may not sign {kind} in region {region}")]
    OutOfScope {
        /// The key.
        key: PublicKey,
        /// The entry kind.
        kind: &'static str,
        /// The region concerned.
        region: RegionCode,
    },
    /// Fewer distinct authorised signatures than the policy requires.
    #[error("{kind} needs {required} signatures from distinct authorised keys, has {found}")]
    MissingCosignature {
        /// Entry kind.
        kind: &'static str,
        /// Needed.
        required: u8,
        /// Present.
        found: u8,
    },
    /// A region the log does not know, or of the wrong level.
    #[error("{0}")]
    UnknownRegion(String),
    /// Fund not issued.
    #[error("fund {0} has not been issued")]
    UnknownFund(Ident),
    /// Fund issued twice.
    #[error("fund {0} was already issued")]
    DuplicateFund(Ident),
    /// Project not registered.
    #[error("project {0} is not registered")]
    UnknownProject(Ident),
    /// Project registered twice.
    #[error("project {0} is already registered")]
    DuplicateProject(Ident),
    /// Outflow beyond the account's balance of the fund.
    #[error("overdraft: {account} holds {balance} fen of fund {fund}, cannot pay {amount} fen")]
    Overdraft {
        /// The account.
        account: String,
        /// The fund.
        fund: Ident,
        /// Its balance.
        balance: u64,
        /// The amount asked.
        amount: u64,
    },
    /// Money may only move down the hierarchy.
    #[error("money may not move from {from} to {to}")]
    BadPath {
        /// From.
        from: String,
        /// To.
        to: String,
    },
    /// The reversal target does not exist or is not a money entry.
    #[error("entry {0} is not a money entry that can be reversed")]
    NotReversible(u64),
    /// Already reversed.
    #[error("entry {target} was already reversed by entry {by}")]
    AlreadyReversed {
        /// Target.
        target: u64,
        /// The earlier reversal.
        by: u64,
    },
    /// A weak or invalid key in a grant.
    #[error("key {0} is weak or not a valid Ed25519 key")]
    WeakKey(PublicKey),
    /// A key granted twice.
    #[error("key {0} is already granted")]
    DuplicateKey(PublicKey),
    /// Genesis missing, repeated, or badly formed.
    #[error("genesis: {0}")]
    Genesis(String),
}

impl RuleError {
    /// Stable machine-readable code (HTTP API, CLI, reports).
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Malformed(_) => "malformed",
            RuleError::WrongOrigin { .. } => "wrong_origin",
            RuleError::ReplayedNonce(_) => "replayed_nonce",
            RuleError::Expired { .. } => "expired",
            RuleError::ValidityTooLong { .. } => "validity_too_long",
            RuleError::UnknownKey(_) => "unknown_key",
            RuleError::RevokedKey { .. } => "revoked_key",
            RuleError::KeyNotValid(_) => "key_not_valid",
            RuleError::OutOfScope { .. } => "out_of_scope",
            RuleError::MissingCosignature { .. } => "missing_cosignature",
            RuleError::UnknownRegion(_) => "unknown_region",
            RuleError::UnknownFund(_) => "unknown_fund",
            RuleError::DuplicateFund(_) => "duplicate_fund",
            RuleError::UnknownProject(_) => "unknown_project",
            RuleError::DuplicateProject(_) => "duplicate_project",
            RuleError::Overdraft { .. } => "overdraft",
            RuleError::BadPath { .. } => "bad_path",
            RuleError::NotReversible(_) => "not_reversible",
            RuleError::AlreadyReversed { .. } => "already_reversed",
            RuleError::WeakKey(_) => "weak_key",
            RuleError::DuplicateKey(_) => "duplicate_key",
            RuleError::Genesis(_) => "genesis",
        }
    }
}

impl From<RegionError> for RuleError {
    fn from(e: RegionError) -> Self {
        RuleError::UnknownRegion(e.to_string())
    }
}

impl From<AmountError> for RuleError {
    fn from(e: AmountError) -> Self {
        RuleError::Malformed(e.to_string())
    }
}

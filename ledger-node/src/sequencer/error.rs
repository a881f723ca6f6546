//! Why the sequencer or the committer refused one submission. The sequencer
//! knows nothing of HTTP: `crate::api::error` maps each case to a status, a
//! stable code and a message (CONTRIBUTING.md, "Typed errors").

use ledger_core::rules::RuleError;

/// One item's refusal by the sequencer or the committer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    /// The data folder is below its free-space reserve; nothing was
    /// sequenced (checked before a batch, so the node stays up for reads).
    #[error("the data folder is below its free-space reserve")]
    StorageFull,
    /// Writing or syncing the batch failed (or its answer could not be
    /// built); the process exits so that a restart replays the store.
    #[error("the store failed during the group commit")]
    StorageFailed,
    /// A retry of entry `seq`, whose receipt the node can no longer sign:
    /// it does not hold the log key that was in force for that entry.
    #[error("entry {seq}'s log key is no longer held; its receipt cannot be signed again")]
    ReceiptUnavailable {
        /// The entry the submission already is.
        seq: u64,
    },
    /// A genesis or a log-key rotation names a log key this node does not hold.
    #[error("this node does not hold the private key of {vkey}")]
    UnknownLogKey {
        /// The verifier key named by the entry.
        vkey: String,
    },
    /// The sequenced entry would not fit a tlog-tiles entry bundle.
    #[error("the sequenced entry would be {bytes} bytes, over {max}")]
    TooLarge {
        /// Its encoded size.
        bytes: usize,
        /// The largest encoded entry.
        max: usize,
    },
    /// The rule engine refused the entry; nothing changed.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Not written: another member of its atomic group (at `failed_index`
    /// of the group as the sequencer got it) was refused.
    #[error("item {failed_index} of the atomic group was refused")]
    GroupRefused {
        /// The first refused member.
        failed_index: usize,
    },
    /// The idempotency index names an entry of another submission: the
    /// store is damaged at `seq`.
    #[error("the store's idempotency index is damaged at entry {seq}")]
    IndexDamaged {
        /// The entry the index named.
        seq: u64,
    },
}

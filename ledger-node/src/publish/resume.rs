//! Where publication starts: what the bucket already holds, checked before
//! anything is written there. The bucket's `checkpoint` must be this log's
//! (its origin, and a valid signature by the log key in force at its size —
//! keys rotate, so the key is the one the verified ledger names for that
//! size) and its root must be this node's tree root at that size. Anything
//! else is another log's bucket or a fork, and the node refuses to write
//! there rather than mix two histories under one URL.

use crate::ledger::Ledger;
use ledger_core::verify::verify_checkpoint_with_state;

/// What the bucket's checkpoint says about where to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Publish from this size (0: an empty bucket).
    From(u64),
    /// Do not write to this bucket.
    Refuse(Refusal),
}

/// Why the node refuses to publish to a bucket. Codes are API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a checkpoint of this log (another origin, another key, garbage).
    #[error("publish_foreign_checkpoint: the bucket's checkpoint is not this log's ({0}); it is another log's bucket or was tampered with. Point --publish at this log's own bucket or prefix")]
    Foreign(String),
    /// This log's key signed it, but its root is not this log's at that size.
    #[error("publish_fork: the bucket's checkpoint of {size} entries is signed by this log's key but its root {bucket_root} differs from this log's root {node_root} at that size: a fork of this log (keep the bucket's checkpoint as evidence)")]
    Fork {
        /// The bucket's size.
        size: u64,
        /// Its root (base64).
        bucket_root: String,
        /// The node's root at that size (base64).
        node_root: String,
    },
    /// A valid checkpoint of this log larger than the node's log: the node
    /// was restored from an older backup, or another node publishes here.
    #[error("publish_bucket_ahead: the bucket's checkpoint covers {bucket_size} entries but this node holds {node_size}; the node does not publish an older view over a newer one")]
    Ahead {
        /// The bucket's size.
        bucket_size: u64,
        /// The node's size.
        node_size: u64,
    },
}

impl Refusal {
    /// The stable code (also the `kind` label of `ledger_publish_errors_total`
    /// without its `publish_` prefix).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Foreign(_) => "publish_foreign_checkpoint",
            Refusal::Fork { .. } => "publish_fork",
            Refusal::Ahead { .. } => "publish_bucket_ahead",
        }
    }

    /// The metric kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Foreign(_) => "foreign_checkpoint",
            Refusal::Fork { .. } => "fork",
            Refusal::Ahead { .. } => "bucket_ahead",
        }
    }
}

/// Decide from the bucket's checkpoint (`None`: the bucket has none) and the
/// node's verified ledger, whose first `committed` entries are durable.
pub fn decide(bucket_checkpoint: Option<&[u8]>, ledger: &Ledger, committed: u64) -> Resume {
    let Some(note) = bucket_checkpoint else {
        return Resume::From(0);
    };
    let checkpoint = match verify_checkpoint_with_state(&ledger.state, note, Some("the bucket's checkpoint")) {
        Ok(c) => c,
        Err(e) => return Resume::Refuse(Refusal::Foreign(e.to_string())),
    };
    let size = checkpoint.size();
    if size > committed {
        return Resume::Refuse(Refusal::Ahead {
            bucket_size: size,
            node_size: committed,
        });
    }
    match ledger.tree.root_at(size) {
        Ok(root) if root == *checkpoint.root() => Resume::From(size),
        Ok(root) => Resume::Refuse(Refusal::Fork {
            size,
            bucket_root: checkpoint.root().to_string(),
            node_root: root.to_string(),
        }),
        Err(e) => Resume::Refuse(Refusal::Foreign(format!("size {size}: {e}"))),
    }
}

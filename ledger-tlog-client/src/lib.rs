//! # ledger-tlog-client
//!
//! A blocking C2SP `tlog-tiles` client (c2sp.org/tlog-tiles): reads a log's
//! checkpoint, entry bundles and level-0 hash tiles from a tiles prefix — a
//! node's root URL, a bucket's public URL (`http(s)://…/`) or a local
//! folder (`file:///…`) — with size limits, time-outs and retries, and
//! checks what it reads:
//!
//! * every entry of a bundle must hash (RFC 6962 leaf hash) to the level-0
//!   hash tile's hash at its position, else [`ClientError::TileMismatch`]
//!   names the bundle;
//! * the leaves fetched, appended to the caller's verified tree, must give
//!   the signed checkpoint's root ([`extend_to_checkpoint`]), else
//!   `tile_mismatch` again: data that does not match a signed checkpoint is
//!   refused, never taken for a fork;
//! * a tile the checkpoint covers that the source does not have yet (a 404:
//!   a checkpoint published before its tiles, a stale CDN) is
//!   [`ClientError::TilesMissing`], retried, and never taken for a fork.
//!
//! Used by `ledger export --tiles` and `ledger-node mirror`. It depends only
//! on ledger-core (the tile formats, the Merkle tree, checkpoints) and
//! reqwest, so the CLI stays free of the node.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fetch;
mod verify;

pub use fetch::{ClientOptions, TilesClient};
pub use verify::{extend_to_checkpoint, key_history, key_in_force, vkey_for_size};

/// Largest entry bundle read: 256 entries of at most 65535 bytes, each with
/// its 2-byte length.
pub const MAX_BUNDLE_BYTES: u64 = 256 * (65_535 + 2);
/// Largest hash tile read: 256 hashes.
pub const MAX_HASH_TILE_BYTES: u64 = 256 * 32;

/// Why the client refused or could not read the log. [`ClientError::code`]
/// is the stable machine code (metrics label, CLI line, `/readyz` detail).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The source's data does not match its own tiles or the signed
    /// checkpoint (a forged or damaged tile or bundle).
    #[error("tile_mismatch: {path}: {detail}")]
    TileMismatch {
        /// The tile path (or range) at fault.
        path: String,
        /// What does not match.
        detail: String,
    },
    /// A tile the checkpoint covers is not (yet) at the source.
    #[error("tiles_missing: {path} is not at the source although its checkpoint covers {size} entries (published before its tiles, or a stale cache); retried later")]
    TilesMissing {
        /// The missing tile.
        path: String,
        /// The checkpoint's size.
        size: u64,
    },
    /// The checkpoint does not verify (bad signature, wrong key, not a note).
    #[error("checkpoint_invalid: {0}")]
    BadCheckpoint(String),
    /// The source is another log than the one expected (origin or key).
    #[error("wrong_log: {0}")]
    WrongLog(String),
    /// A log-key rotation among the entries read that its outgoing key did
    /// not endorse: no key past it can be trusted.
    #[error("rotation_invalid: {0}")]
    InvalidRotation(String),
    /// An answer over its size limit.
    #[error("too_large: {path} is over {max_bytes} bytes")]
    TooLarge {
        /// What was read.
        path: String,
        /// The limit.
        max_bytes: u64,
    },
    /// The source could not be reached or answered an error, after retries.
    #[error("source_unavailable: {path}: {detail}")]
    Unavailable {
        /// What was read.
        path: String,
        /// The last error.
        detail: String,
    },
    /// The URL is not a usable tiles prefix.
    #[error("bad_url: {0}")]
    BadUrl(String),
}

impl ClientError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::TileMismatch { .. } => "tile_mismatch",
            ClientError::TilesMissing { .. } => "tiles_missing",
            ClientError::BadCheckpoint(_) => "checkpoint_invalid",
            ClientError::WrongLog(_) => "wrong_log",
            ClientError::InvalidRotation(_) => "rotation_invalid",
            ClientError::TooLarge { .. } => "too_large",
            ClientError::Unavailable { .. } => "source_unavailable",
            ClientError::BadUrl(_) => "bad_url",
        }
    }
}

//! # ledger-witness
//!
//! A witness that speaks `c2sp.org/tlog-witness` for Sunshine Ledger
//! (阳光账本) logs: an independent body (纪委监委, 审计局) runs it, logs push
//! each new checkpoint with a consistency proof to `POST /add-checkpoint`,
//! and it cosigns only a checkpoint that extends the last one it cosigned
//! for that log (ledger-core's `decide_add_checkpoint`, the same
//! `witness_check` the pull witness `ledger witness --node` uses), after
//! persisting its new state durably.
//!
//! Run as `ledger-witness serve …` or, the same program, `ledger witness
//! serve …` (the `ledger` command finds and runs this binary, so that the
//! auditors' command itself links no web server).
//!
//! One file per subject: `serve` (flags, start-up, the listener), `state`
//! (the per-log state and its lock), `http` (the routes and their
//! statuses), `error` (exit codes), `messages` (Chinese and English text).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod error;
pub mod http;
pub mod messages;
pub mod serve;
pub mod state;

pub use error::ServeError;
pub use serve::{run, ServeArgs, Witness, DEFAULT_REQUEST_TIMEOUT_MS};

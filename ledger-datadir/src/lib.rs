//! # ledger-datadir
//!
//! What the node's binaries share about a data folder, and nothing of the
//! node itself: key files (`keyfile`), the record of what the log key signed
//! (`signed_state`), starting a new log (`init`), the wall clock (`clock`)
//! and the language of messages from the locale (`locale`). It exists so
//! that `ledger` (ledger-cli) and ledger-bench can prepare or read a
//! folder exactly as `ledger-node` does without linking the node's web
//! server; ledger-core cannot hold any of it (no I/O, no
//! clock there).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod clock;
pub mod init;
pub mod keyfile;
pub mod locale;
pub mod signed_state;

//! # ledger-datadir
//!
//! What the node's binaries share about a data folder, and nothing of the
//! node itself: key files (`keyfile`), the record of what the log key signed
//! (`signed_state`), starting a new log (`init`), and the wall clock
//! (`clock`). It exists so that `ledger` (ledger-cli) and ledger-bench can
//! prepare or read a folder exactly as `ledger-node` does without linking
//! the node's web server; ledger-core cannot hold any of it (no I/O, no
//! clock there).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod clock;
pub mod init;
pub mod keyfile;
pub mod signed_state;

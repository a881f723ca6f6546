//! # ledger-node
//!
//! The Sunshine Ledger node: the `ledger-store` log behind one storage
//! module, the record of what the log key signed, a group-commit sequencer, the signed write API, the public read API, tiles,
//! the citizens' web page and the operations endpoints. See
//! docs/ARCHITECTURE.md for the data flow of a submission from HTTP to disk.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod config;
pub mod connections;
pub mod demo;
pub mod ledger;
pub mod memory;
pub mod metrics;
pub mod mirror;
pub mod publish;
pub mod query;
pub mod restore;
pub mod sequencer;
pub mod server;
pub mod static_views;
pub mod store;
pub mod tile_bytes;
pub mod web;
pub mod witness_push;

// The data folder's key files, signed-state record and `init` live in
// ledger-datadir (shared with ledger-cli and ledger-bench); re-exported under
// their old paths, which the docs and tests name.
pub use ledger_datadir::{init, keyfile, signed_state};

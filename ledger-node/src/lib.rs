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
pub mod init;
pub mod keyfile;
pub mod ledger;
pub mod memory;
pub mod metrics;
pub mod query;
pub mod restore;
pub mod sequencer;
pub mod server;
pub mod signed_state;
pub mod store;
pub mod web;

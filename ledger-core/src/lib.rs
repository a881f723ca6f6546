//! # ledger-core
//!
//! The verifiable data model of Sunshine Ledger (阳光账本): money in fen,
//! region codes, household references, the signed and sequenced entry types,
//! their one canonical byte encoding, the blake3 hash chain, the RFC 6962
//! Merkle tree, C2SP checkpoints, receipts, the rule engine that decides
//! whether an entry may be appended, and the chain verifier.
//!
//! Invariant: this crate does **no I/O** — no files, no network, no clock, no
//! async. Time and key material are passed in. Everything here is a function
//! of its inputs, so the node (at write time and at start-up) and the offline
//! verifier (at audit time) run exactly the same code. The one exception is
//! batch signature verification, whose random coefficients come from the
//! thread's OS-seeded CSPRNG (they must be unpredictable to the signers); its
//! answer does not depend on them (`submission::verify_batch_each`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod labels;

pub mod aging;
pub mod amount;
pub mod answer;
pub mod bundle;
pub mod chain;
pub mod checkpoint;
pub mod contacts;
pub mod encoding;
pub mod entry;
pub mod household;
pub mod household_code;
pub mod ids;
pub mod intern;
pub mod keys;
pub mod merkle;
pub mod money;
mod moves;
mod nonces;
pub mod policy;
pub mod procedure;
pub mod project;
pub mod receipt;
pub mod region;
pub mod rules;
pub mod signature_rule;
pub mod submission;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod tiles;
pub mod verify;

pub use amount::Fen;
pub use region::RegionCode;

//! # ledger-audit
//!
//! The risk rules of the 2019 policy ("防范风险源点"), run over a ledger that
//! `ledger_core::verify` has already accepted. They live outside ledger-core
//! because a verifier must trust ledger-core and nothing else: a finding here
//! is advice for a human auditor, never a reason to accept or refuse an
//! entry, so a bug in these rules cannot make a forged ledger pass.
//!
//! Like ledger-core this crate does no I/O and reads no clock: "now" for the
//! age-based rules is the ledger's last business date (the day the money
//! moved, not the sequencing time), or the day the caller names
//! (`AuditConfig::as_of`, `ledger audit --as-of`); `ledger audit`
//! (ledger-cli) feeds it.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auditor;
pub mod lists;
mod report;

pub use auditor::{audit_entries, non_strict_signers, Auditor};
pub use report::*;

//! The rule engine: may this verified submission be appended, and what does
//! it change?
//!
//! [`LedgerState::apply`] checks every rule first and mutates nothing until
//! all have passed, so a rejected entry leaves the state exactly as it was
//! (the node relies on this to reject one submission of a batch without
//! affecting the others). The node runs it before appending; the offline
//! verifier runs the very same code over the whole chain.
//!
//! One file per subject: `state` (the state and `apply`), `content` (per-kind
//! rules), `authorization` (signers and policy), `genesis`, `commit`
//! (mutation, money), `duplicates` (a household paid twice for one
//! category and period), `controls` (notices, registration, objections,
//! payment lists, confirmations: the policy's procedures), `history`
//! (what a pre-control entry broke, reported not refused), `group` (undoing an
//! atomic group's applied members), `error`. Paths stay `rules::Name` via the re-exports.

mod authorization;
mod commit;
mod contacts;
mod content;
mod controls;
mod duplicates;
mod error;
mod genesis;
mod group;
mod history;
mod idle;
mod message_zh;
mod projects;
mod state;

pub use controls::{HouseholdRecord, LineStatus, NoticeRecord, ObjectionRecord, Registration};
pub use error::{Detail, RuleError};
pub use idle::IdleFinding;
pub use projects::Approval;
pub use state::{Effects, FundRecord, HistoryWarning, KeyRecord, LedgerState, ProjectRecord};

/// The longest a submission may stay valid: 7 days. It bounds how long the
/// node must remember nonces and how stale a signed submission can be.
pub const MAX_VALIDITY_MS: u64 = 7 * 24 * 3600 * 1000;
/// Most grants, regions or rules in one admin entry.
pub const MAX_ITEMS_PER_ENTRY: usize = 1_000;

//! The policy's controls (issue 12): business dates, 两公告两比对四公示
//! registration, payment lists, objections, role sign-off and
//! confirmation. Each test starts from a small ledger built here (not the
//! demo, so every date and line is known), shows one rule refusing with its
//! exact code, and the same history accepted once the control is
//! satisfied. A refused entry changes nothing; the accepted ledger replays
//! in the offline verifier, and a tampered notice line or confirmation is
//! caught.
//!
//! One test binary, one module per control (issue 18); the small ledger's
//! builders are in `support`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod confirmation;
mod dates;
mod flow;
mod notices;
mod objections;
mod payment_lists;
mod registration;
mod roles;
mod support;

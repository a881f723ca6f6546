//! The policy's controls on the public read API (issue 12): a region's
//! notices with their windows (公示中 / 已结束), one notice with the status
//! of each line, the households registered in a village (建档立卡), the
//! objections of a region (异议), and what every household payment shows
//! besides its amount: business date, payment-list line, confirmation and
//! the warnings of history paid before a control was enforced.
//!
//! Labels are Chinese first with a stable ASCII code beside each. The
//! aggregates come from the query index (recorded after the flush);
//! titles, masked names, amounts, summaries and reasons are read back from
//! the verified entries in the store.
//!
//! One module per subject (issue 18): [`notices`], [`registrations`],
//! [`objections`] and [`payments`]; this module keeps the routes and the
//! pieces they share.

mod notices;
mod objections;
mod payments;
mod registrations;
mod verdict;

pub(crate) use payments::{
    payment_controls, payment_controls_on, warnings_json, PaymentControls, PaymentTexts, WarningJson,
};
pub(crate) use registrations::{registrations_json, RegistrationJson};
pub(crate) use verdict::{control_texts, CheckTexts, CHECKS};

use super::RegionRef;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::query::QueryIndex;
use axum::routing::get;
use axum::Router;
use ledger_core::ids::Date;
use ledger_core::region::RegionCode;
use serde::Serialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/regions/{code}/notices", get(notices::region_notices))
        .route("/v1/regions/{code}/households", get(registrations::region_households))
        .route("/v1/regions/{code}/objections", get(objections::region_objections))
        .route("/v1/notices/{id}", get(notices::notice))
}

// ---------------------------------------------------------------------------
// Shared pieces

/// Today in China (UTC+8) by the node's clock: windows and deadlines are
/// counted in the days of the offices that post them.
pub(crate) fn today() -> Date {
    Date::in_china_at(ledger_datadir::clock::now_ms()).unwrap_or(Date::LAST)
}

/// 404 for a region the log does not know.
pub(super) fn unknown_region(code: RegionCode) -> ApiError {
    ApiError::not_found(format!("region {code} is not in the log's region table"))
}

pub(super) fn region_ref(q: &QueryIndex, code: RegionCode) -> RegionRef {
    RegionRef {
        code: code.to_string(),
        name: q.region_name(code),
    }
}

/// `1234.50`: yuan with two decimals, no grouping.
pub(crate) fn yuan_text(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `{notice, line}`.
#[derive(Debug, Clone, Serialize)]
pub struct LineRefJson {
    /// Notice id.
    pub notice: String,
    /// Line index, from 0.
    pub line: u32,
}

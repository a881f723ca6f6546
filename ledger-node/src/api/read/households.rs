//! A household's payments, by its public reference (printed on its payment
//! slip). The reference is a keyed hash: it says nothing about who the
//! household is to anyone without the pseudonym key.

use super::{blocking, check_leaves, entry_json, fetch, ledger, path_param, view, EntryJson, Params, RegionRef, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::query::Lookup;
use crate::store::IndexKey;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::entry::EntryBody;
use ledger_core::household::HouseholdRef;
use ledger_core::household_code::HouseholdCode;
use serde::Serialize;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/households/{household}", get(household))
        .route("/v1/households/code/{code}", get(super::household_code::by_code))
}

/// `GET /v1/households/{ref}`.
#[derive(Debug, Serialize)]
pub struct HouseholdAnswer {
    /// How a code lookup understood its input (only on `/v1/households/code/{code}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<super::household_code::CodeQueryJson>,
    /// The reference, hex.
    pub household: String,
    /// Its household code (户码), 11 symbols.
    pub code: String,
    /// The same, grouped 4-4-3 with `-`, as printed.
    pub code_display: String,
    /// Masked name of the head of household, as on the latest payment.
    pub masked_name: String,
    /// The village of its latest payment or registration.
    pub village: Option<RegionRef>,
    /// Paid, net of reversals.
    pub total_fen: u64,
    /// Payments, net of reversals.
    pub count: u64,
    /// The villages it was paid in.
    pub villages: Vec<RegionRef>,
    /// Its registrations (建档立卡), oldest first, ended ones included.
    pub registrations: Vec<super::controls::RegistrationJson>,
    /// One page of its payments, oldest first, each with `raw` bytes so the
    /// page can check its inclusion proof.
    pub entries: Vec<EntryJson>,
    /// The payments of this page, with business date, payment-list line,
    /// confirmation and warnings.
    pub payments: Vec<super::regions::SubsidyItem>,
    /// `after` cursor of the next page, or null.
    pub next: Option<u64>,
    /// The Chinese labels of the payments' codes and the texts of their
    /// warnings, once per answer (`labels`, `warning_texts`).
    #[serde(flatten)]
    pub texts: super::controls::PaymentTexts,
    /// The Chinese texts of the payments' `controls` checks, once per answer.
    pub control_texts: std::collections::BTreeMap<&'static str, super::controls::CheckTexts>,
    /// The checks run on every payment of the answer, named once: a
    /// check named here and absent from a row's `controls.checks` passed.
    pub checked: &'static [&'static str],
}

/// The shortest reference prefix resolved: 8 hex digits (32 bits) is
/// what a person can read off a slip, and unique in any real district.
const MIN_REF_PREFIX_HEX: usize = 8;

/// A household reference: 64 hex digits, or a unique prefix of 8 or more
/// (resolved against the households the node knows).
fn parse_ref(app: &AppState, text: &str) -> Result<HouseholdRef, ApiError> {
    if text.len() < MIN_REF_PREFIX_HEX || text.len() > 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_param(format!(
            "a household reference is 64 hex digits (from the payment slip), or a unique prefix of 8 or more, not {:?}",
            super::clip(text)
        )));
    }
    let text = text.to_ascii_lowercase();
    if text.len() == 64 {
        return HouseholdRef::parse(&text).map_err(ApiError::bad_param);
    }
    let found = ledger(app)?.query.directory().by_hex_prefix(&text);
    match found {
        Lookup::One(r) => Ok(r),
        Lookup::Many(n) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "ambiguous_ref",
            format!("{n} households have a reference starting with {text}; give more digits"),
        )
        .with_zh(format!("有 {n} 户的户号以 {text} 开头，请多输入几位"))),
        Lookup::None => Err(ApiError::not_found(format!(
            "no payment to or registration of a household whose reference starts with {text} is in the log"
        ))),
    }
}

async fn household(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<HouseholdAnswer>, ApiError> {
    let text = path_param(path)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let reference = parse_ref(&app, &text)?;
        household_answer(&app, reference, after, limit, None).map(Json)
    })
    .await
}

/// The answer for one household (also the code lookup's, with `query`).
pub(super) fn household_answer(
    app: &AppState,
    reference: HouseholdRef,
    after: Option<u64>,
    limit: usize,
    query: Option<super::household_code::CodeQueryJson>,
) -> Result<HouseholdAnswer, ApiError> {
    let app = app.clone();
    {
        let View { visible, .. } = view(&app)?;
        // The total needs every payment; a household has a few dozen.
        let seqs = app
            .shared
            .store
            .index_scan(&IndexKey::Household(reference), None, visible, usize::MAX)
            .map_err(super::storage)?;
        if seqs.is_empty() {
            return Err(ApiError::not_found(format!(
                "no payment to or registration of household {reference} is in the log"
            )));
        }
        let loaded = fetch(&app, &seqs)?;
        let ledger = ledger(&app)?;
        check_leaves(&ledger, &loaded)?;
        let (mut total, mut count) = (0u64, 0u64);
        let mut masked_name = String::new();
        let mut villages: Vec<RegionRef> = Vec::new();
        for l in &loaded {
            if let EntryBody::HouseholdSubsidy(s) = l.body() {
                // Verify on read: the household index must only hold this household's payments.
                if s.household != reference {
                    return Err(super::corrupt_entry(
                        l.seq,
                        "the household index lists another household's payment",
                    ));
                }
                masked_name = s.masked_name.to_string();
                if !villages.iter().any(|v| v.code == s.village.to_string()) {
                    villages.push(RegionRef {
                        code: s.village.to_string(),
                        name: ledger.query.region_name(s.village),
                    });
                }
                if super::reversed_by(&ledger, l.seq, visible).is_none() {
                    total = total.saturating_add(s.amount.get());
                    count += 1;
                }
            }
            let other = match l.body() {
                EntryBody::HouseholdRegister(r) => {
                    if masked_name.is_empty() {
                        masked_name = r.masked_name.to_string();
                    }
                    Some((r.household, r.village))
                }
                EntryBody::HouseholdExit(e) => Some((e.household, e.village)),
                _ => None,
            };
            if let Some((household, village)) = other {
                if household != reference {
                    return Err(super::corrupt_entry(
                        l.seq,
                        "the household index lists another household's entry",
                    ));
                }
                if !villages.iter().any(|v| v.code == village.to_string()) {
                    villages.push(RegionRef {
                        code: village.to_string(),
                        name: ledger.query.region_name(village),
                    });
                }
            }
        }
        let registrations = ledger
            .query
            .registered_household(&reference)
            .map(|h| super::controls::registrations_json(h, visible))
            .unwrap_or_default();
        // The page lists payments only (registrations and exits, in the
        // same index, are in `registrations`).
        let page: Vec<&super::Loaded> = loaded
            .iter()
            .filter(|l| matches!(l.body(), EntryBody::HouseholdSubsidy(_)))
            .filter(|l| after.is_none_or(|a| l.seq > a))
            .take(limit + 1)
            .collect();
        let next = if page.len() > limit {
            page.get(limit - 1).map(|l| l.seq)
        } else {
            None
        };
        let entries = page
            .iter()
            .take(limit)
            .map(|l| entry_json(&ledger, l, visible))
            .collect();
        let items: Vec<super::regions::SubsidyItem> = page
            .iter()
            .take(limit)
            .filter_map(|l| match l.body() {
                EntryBody::HouseholdSubsidy(s) => Some(super::regions::subsidy_item(&ledger, l, s, visible)),
                _ => None,
            })
            .collect();
        drop(ledger);
        let payments: Vec<(u64, &ledger_core::entry::HouseholdSubsidy)> = page
            .iter()
            .take(limit)
            .filter_map(|l| match l.body() {
                EntryBody::HouseholdSubsidy(s) => Some((l.seq, s)),
                _ => None,
            })
            .collect();
        let (controls, texts) = super::controls::payment_controls(&app, &payments, visible)?;
        let payments = items
            .into_iter()
            .zip(controls)
            .map(|(mut item, controls)| {
                item.controls = controls;
                item
            })
            .collect();
        let code = HouseholdCode::of(&reference);
        Ok(HouseholdAnswer {
            query,
            household: reference.to_string(),
            code: code.compact(),
            code_display: code.display(),
            village: villages.last().cloned(),
            masked_name,
            total_fen: total,
            count,
            villages,
            registrations,
            entries,
            payments,
            next,
            texts,
            control_texts: super::controls::control_texts(),
            checked: &super::controls::CHECKS,
        })
    }
}

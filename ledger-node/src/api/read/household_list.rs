//! `GET /v1/regions/{code}/household-list`: every household of a region's
//! villages (户名册) with its masked name, household code, categories,
//! registration status and live payments, searchable by masked name or code
//! prefix — so a villager finds their household without the 64-hex
//! reference, and without anything secret at the terminal.
//!
//! A sibling of `/v1/regions/{code}/households` (registered households
//! only, with their registrations), which keeps its shape.

use super::{blocking, ledger, level_name, parse_region, path_param, view, Params, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::household_code::{HouseholdCode, ALPHABET, CODE_SYMBOLS};
use ledger_core::region::{RegionCode, RegionLevel};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The longest search text: a masked name is a few characters, a code 13
/// with its separators.
pub const MAX_QUERY_CHARS: usize = 32;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/regions/{code}/household-list", get(household_list))
}

/// `{code, name, level}`.
#[derive(Debug, Serialize)]
pub struct RegionLevelRef {
    /// 12 digits.
    pub code: String,
    /// Name.
    pub name: String,
    /// `district`, `town` or `village`.
    pub level: &'static str,
}

/// One household of the list.
#[derive(Debug, Serialize)]
pub struct ListedHousehold {
    /// Reference, hex.
    pub household: String,
    /// Household code, 11 symbols.
    pub code: String,
    /// The same as printed, `XXXX-XXXX-XXX`.
    pub code_display: String,
    /// Masked name, as on its latest payment or registration.
    pub masked_name: String,
    /// The village it is listed under.
    pub village: String,
    /// Assistance categories it is registered in now.
    pub categories: Vec<&'static str>,
    /// `registered`, `exited` or `not_registered`.
    pub status: &'static str,
    /// Live payments, net of reversals (every village).
    pub payments: u32,
    /// Live fen paid, net of reversals (every village).
    pub paid_fen: u64,
}

/// `GET /v1/regions/{code}/household-list`.
#[derive(Debug, Serialize)]
pub struct HouseholdList {
    /// The region.
    pub region: RegionLevelRef,
    /// The search text, as given.
    pub q: Option<String>,
    /// Households in the region.
    pub total: usize,
    /// Households matching `q`.
    pub matched: usize,
    /// One page of them.
    pub households: Vec<ListedHousehold>,
    /// Assistance category code → Chinese, for the categories in this page.
    pub category_labels: BTreeMap<&'static str, &'static str>,
    /// Status code → Chinese.
    pub status_labels: BTreeMap<&'static str, &'static str>,
    /// Offset of the next page (`after=`), or null.
    pub next: Option<u64>,
}

/// What `q` asks for.
enum Search {
    /// Households whose code starts with these symbols.
    Code(String),
    /// Households whose masked name contains this text.
    Name(String),
}

fn parse_search(q: &str) -> Result<Search, ApiError> {
    let count = q.chars().count();
    if q.trim().is_empty() || count > MAX_QUERY_CHARS {
        return Err(ApiError::bad_param(format!(
            "q must be 1-{MAX_QUERY_CHARS} characters, not {count}"
        )));
    }
    // A code, normalised as FORMAT.md §8.5.1 says; anything else is a name
    // (a masked name is Chinese characters and `*`: never code symbols).
    let symbols: String = q
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| !matches!(c, ' ' | '\t' | '-' | '·'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !symbols.is_empty() && symbols.len() <= CODE_SYMBOLS && symbols.chars().all(|c| ALPHABET.contains(c)) {
        Ok(Search::Code(symbols))
    } else {
        Ok(Search::Name(q.trim().to_string()))
    }
}

async fn household_list(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<HouseholdList>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?.unwrap_or(0);
    let limit = params.limit(app.limits.max_page)?;
    let q = params.get("q").map(str::to_string);
    let search = q.as_deref().map(parse_search).transpose()?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let ledger = ledger(&app)?;
        let index = &ledger.query;
        let Some(info) = index.region(code) else {
            return Err(ApiError::not_found(format!(
                "region {code} is not in the log's region table"
            )));
        };
        let villages: Vec<RegionCode> = match code.level() {
            RegionLevel::Village => vec![code],
            _ => index
                .regions()
                .range(code..)
                .take_while(|(c, _)| code.covers(**c))
                .filter(|(c, _)| c.level() == RegionLevel::Village)
                .map(|(c, _)| *c)
                .collect(),
        };
        let mut all = Vec::new();
        for village in villages {
            for (reference, known) in index.directory().village(village) {
                let mut categories: Vec<&'static str> = Vec::new();
                let mut ever = false;
                if let Some(h) = index.registered_household(reference) {
                    for r in h.registrations.iter().filter(|r| r.seq < visible) {
                        ever = true;
                        if r.ended_seq.is_none_or(|s| s >= visible) && !categories.contains(&r.category.name()) {
                            categories.push(r.category.name());
                        }
                    }
                }
                let status = match (categories.is_empty(), ever) {
                    (false, _) => "registered",
                    (true, true) => "exited",
                    (true, false) => "not_registered",
                };
                let household_code = HouseholdCode::of(reference);
                all.push(ListedHousehold {
                    household: reference.to_string(),
                    code: household_code.compact(),
                    code_display: household_code.display(),
                    masked_name: known.masked_name.to_string(),
                    village: village.to_string(),
                    categories,
                    status,
                    payments: known.payments,
                    paid_fen: known.paid_fen,
                });
            }
        }
        let total = all.len();
        let mut matched: Vec<ListedHousehold> = all
            .into_iter()
            .filter(|h| match &search {
                None => true,
                Some(Search::Code(prefix)) => h.code.starts_with(prefix.as_str()),
                Some(Search::Name(text)) => h.masked_name.contains(text.as_str()),
            })
            .collect();
        matched.sort_by(|a, b| (&a.village, &a.masked_name, &a.code).cmp(&(&b.village, &b.masked_name, &b.code)));
        let count = matched.len();
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(count);
        let households: Vec<ListedHousehold> = matched.into_iter().skip(start).take(limit).collect();
        let end = start + households.len();
        let next = (end < count).then_some(end as u64);
        let mut category_labels = BTreeMap::new();
        for h in &households {
            for c in &h.categories {
                if let Some(category) = ledger_core::procedure::AssistanceCategory::parse(c) {
                    category_labels.insert(*c, category.label_zh());
                }
            }
        }
        let status_labels = BTreeMap::from([
            ("registered", "在册"),
            ("exited", "已脱贫"),
            ("not_registered", "未建档立卡"),
        ]);
        Ok(Json(HouseholdList {
            region: RegionLevelRef {
                code: code.to_string(),
                name: info.name.clone(),
                level: level_name(code),
            },
            q,
            total,
            matched: count,
            households,
            category_labels,
            status_labels,
            next,
        }))
    })
    .await
}

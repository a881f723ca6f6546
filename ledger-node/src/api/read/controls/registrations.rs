//! The households registered in a region (建档立卡), with every
//! registration and exit of each.

use super::{region_ref, unknown_region};
use crate::api::error::ApiError;
use crate::api::read::{
    blocking, check_leaves, fetch, ledger, parse_region, path_param, view, Params, RegionRef, View,
};
use crate::api::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use ledger_core::entry::EntryBody;
use ledger_core::region::{RegionCode, RegionLevel};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A registration of a household.
#[derive(Debug, Serialize)]
pub struct RegistrationJson {
    /// Assistance category code.
    pub category: &'static str,
    /// 低保, 特困供养, ….
    pub category_zh: &'static str,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Ended from this day (an exit), or null.
    pub until: Option<String>,
    /// The registering entry.
    pub seq: u64,
    /// The exit that ended it, or null.
    pub ended_seq: Option<u64>,
    /// Registered through the notices of 两公告四公示 (false: history
    /// registered before the control).
    pub procedure: bool,
}

pub(crate) fn registrations_json(h: &crate::query::HouseholdInfo, visible: u64) -> Vec<RegistrationJson> {
    h.registrations
        .iter()
        .filter(|r| r.seq < visible)
        .map(|r| {
            // An exit not yet durable does not show.
            let ended = r.ended_seq.filter(|s| *s < visible);
            RegistrationJson {
                category: r.category.name(),
                category_zh: r.category.label_zh(),
                from: r.from.to_string(),
                until: ended.and(r.until).map(|d| d.to_string()),
                seq: r.seq,
                ended_seq: ended,
                procedure: r.procedure,
            }
        })
        .collect()
}

/// A registered household.
#[derive(Debug, Serialize)]
pub struct RegisteredHousehold {
    /// Reference, hex.
    pub household: String,
    /// Masked name of the head of household, as on its latest registration.
    pub masked_name: String,
    /// Its registrations, oldest first (ended ones included).
    pub registrations: Vec<RegistrationJson>,
}

/// `GET /v1/regions/{code}/households`.
#[derive(Debug, Serialize)]
pub struct RegionHouseholds {
    /// The region.
    pub region: RegionRef,
    /// One page of the households registered now (in at least one
    /// category), in order of first registration.
    pub households: Vec<RegisteredHousehold>,
    /// Registrations in force now, per assistance category (every category
    /// of the policy, zero included), over the whole region.
    pub by_category: BTreeMap<&'static str, u64>,
    /// `after` cursor of the next page, or null.
    pub next: Option<u64>,
}

pub(super) async fn region_households(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<RegionHouseholds>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        // Under the lock: the page (index, registrations) and the entries to read.
        let (region, by_category, page, next) = {
            let ledger = ledger(&app)?;
            let q = &ledger.query;
            if q.region(code).is_none() {
                return Err(unknown_region(code));
            }
            let mut by_category: BTreeMap<&'static str, u64> =
                q.policy().categories.iter().map(|c| (c.category.name(), 0)).collect();
            let mut page = Vec::new();
            let mut more = false;
            let villages: Vec<RegionCode> = match code.level() {
                RegionLevel::Village => vec![code],
                _ => q
                    .regions()
                    .range(code..)
                    .take_while(|(c, _)| code.covers(**c))
                    .filter(|(c, _)| c.level() == RegionLevel::Village)
                    .map(|(c, _)| *c)
                    .collect(),
            };
            // Cursor: the position in the villages' lists (code order, then
            // order of first registration), counting registered households only.
            let mut position = 0u64;
            for village in villages {
                for index in q.village_households(village) {
                    let Some(h) = q.household_at(*index) else { continue };
                    let mut current = h
                        .registrations
                        .iter()
                        .filter(|r| r.seq < visible && r.ended_seq.is_none_or(|s| s >= visible))
                        .peekable();
                    if current.peek().is_none() {
                        continue;
                    }
                    let mut latest = 0;
                    for r in current {
                        *by_category.entry(r.category.name()).or_insert(0) += 1;
                        latest = latest.max(r.seq);
                    }
                    position += 1;
                    if after.is_some_and(|a| position <= a) {
                        continue;
                    }
                    if page.len() < limit {
                        page.push((h.household.to_string(), latest, registrations_json(h, visible)));
                    } else {
                        more = true;
                    }
                }
            }
            let next = more.then(|| after.unwrap_or(0).saturating_add(limit as u64));
            (region_ref(q, code), by_category, page, next)
        };
        // Masked names, from the registering entries.
        let seqs: Vec<u64> = page.iter().map(|(_, seq, _)| *seq).collect();
        let loaded = fetch(&app, &seqs)?;
        {
            let ledger = ledger(&app)?;
            check_leaves(&ledger, &loaded)?;
        }
        let mut households = Vec::with_capacity(page.len());
        for ((household, seq, registrations), l) in page.into_iter().zip(loaded.iter()) {
            let masked_name = match l.body() {
                EntryBody::HouseholdRegister(r) if r.household.to_string() == household => r.masked_name.to_string(),
                _ => {
                    return Err(crate::api::read::corrupt_entry(
                        seq,
                        "the registration index names another entry",
                    ))
                }
            };
            households.push(RegisteredHousehold {
                household,
                masked_name,
                registrations,
            });
        }
        Ok(Json(RegionHouseholds {
            region,
            households,
            by_category,
            next,
        }))
    })
    .await
}

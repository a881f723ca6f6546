//! `GET /v1/regions/{code}/idle`: 资金滞留预警 — the money that has sat at
//! the region's accounts longer than the policy's limit for each level, on
//! the ledger's latest business date (`query::idle`: the figures of
//! `LedgerState::idle_money` and of `ledger audit` for the same day).

use super::{blocking, ledger, parse_region, path_param, Params, RegionRef};
use crate::api::error::ApiError;
use crate::api::read::projects::AS_OF_BASIS;
use crate::api::AppState;
use crate::query::{AccountId, QueryIndex};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::region::{RegionCode, RegionLevel};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/regions/{code}/idle", get(region_idle))
}

/// The policy's limits, in days.
#[derive(Debug, Serialize)]
pub struct FundLimitsJson {
    /// 区财政.
    pub district_days: u16,
    /// 镇财政所.
    pub town_days: u16,
    /// 村集体.
    pub village_days: u16,
    /// 项目.
    pub project_days: u16,
}

/// Idle money summed over a town or village.
#[derive(Debug, Serialize)]
pub struct IdleSum {
    /// The town or village.
    pub region: RegionRef,
    /// Fen over the limits.
    pub amount_fen: u64,
    /// (account, fund) pairs.
    pub count: u64,
}

/// Money of one (account, fund) over its limit.
#[derive(Debug, Serialize)]
pub struct IdleItem {
    /// `treasury:…` or `project:…`.
    pub account: String,
    /// 淮安区财政局, …, or the project's name.
    pub account_name: String,
    /// `district`, `town`, `village` or `project`.
    pub level: &'static str,
    /// 区级, 镇级, 村级, 项目.
    pub level_zh: &'static str,
    /// The account's region (a project's village).
    pub region: RegionRef,
    /// The fund.
    pub fund: String,
    /// Its title.
    pub fund_title: String,
    /// Fen over the limit.
    pub amount_fen: u64,
    /// When the oldest of it arrived.
    pub since: String,
    /// Days to `as_of`.
    pub days: i64,
    /// The limit.
    pub limit_days: u16,
    /// days − limit.
    pub over_days: i64,
}

/// `GET /v1/regions/{code}/idle`.
#[derive(Debug, Serialize)]
pub struct RegionIdle {
    /// The region.
    pub region: RegionRef,
    /// The ledger's latest business date (null: nothing dated yet).
    pub as_of: Option<String>,
    /// Always `latest_business_date`.
    pub as_of_basis: &'static str,
    /// The policy's limits.
    pub limits: FundLimitsJson,
    /// Over the whole region.
    pub total_fen: u64,
    /// (account, fund) pairs over the whole region.
    pub count: u64,
    /// Per town inside the region, with idle money, by code.
    pub by_town: Vec<IdleSum>,
    /// Per village inside the region, with idle money, by code.
    pub by_village: Vec<IdleSum>,
    /// One page, by account then fund.
    pub items: Vec<IdleItem>,
    /// `after` cursor of the next page.
    pub next: Option<u64>,
}

fn region_ref(q: &QueryIndex, code: RegionCode) -> RegionRef {
    RegionRef {
        code: code.to_string(),
        name: q.region_name(code),
    }
}

async fn region_idle(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<RegionIdle>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let ledger = ledger(&app)?;
        let q = &ledger.query;
        if q.region(code).is_none() {
            return Err(ApiError::not_found(format!(
                "region {code} is not in the log's region table"
            )));
        }
        let as_of = q.as_of();
        let found = as_of.map(|d| q.idle_in(code, d)).unwrap_or_default();
        let mut total = 0u64;
        let mut towns: BTreeMap<RegionCode, (u64, u64)> = BTreeMap::new();
        let mut villages: BTreeMap<RegionCode, (u64, u64)> = BTreeMap::new();
        for m in &found {
            total = total.saturating_add(m.idle.amount);
            let Some(at) = q.account_region(m.account) else {
                continue;
            };
            let add = |map: &mut BTreeMap<RegionCode, (u64, u64)>, c: RegionCode| {
                // Only towns and villages inside the region are listed.
                if code.covers(c) {
                    let e = map.entry(c).or_insert((0, 0));
                    e.0 = e.0.saturating_add(m.idle.amount);
                    e.1 += 1;
                }
            };
            if at.level() == RegionLevel::Village {
                add(&mut villages, at);
            }
            if let Some(town) = at.town() {
                add(&mut towns, town);
            }
        }
        let sums = |map: BTreeMap<RegionCode, (u64, u64)>| -> Vec<IdleSum> {
            map.into_iter()
                .map(|(c, (amount_fen, count))| IdleSum {
                    region: region_ref(q, c),
                    amount_fen,
                    count,
                })
                .collect()
        };
        let skip = after.unwrap_or(0);
        let items: Vec<IdleItem> = found
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(limit)
            .map(|m| {
                let (level, level_zh) = match m.account {
                    AccountId::Project(_) => ("project", "项目"),
                    AccountId::Treasury(c) => match c.level() {
                        RegionLevel::District => ("district", "区级"),
                        RegionLevel::Town => ("town", "镇级"),
                        RegionLevel::Village => ("village", "村级"),
                    },
                };
                let fund = q.fund_at(m.fund);
                IdleItem {
                    account: q.account_key(m.account),
                    account_name: q.account_name(m.account),
                    level,
                    level_zh,
                    region: region_ref(q, q.account_region(m.account).unwrap_or(code)),
                    fund: fund.map(|f| f.id.to_string()).unwrap_or_default(),
                    fund_title: fund.map(|f| f.title.to_string()).unwrap_or_default(),
                    amount_fen: m.idle.amount,
                    since: m.idle.since.to_string(),
                    days: m.idle.days,
                    limit_days: m.limit_days,
                    over_days: m.idle.days - i64::from(m.limit_days),
                }
            })
            .collect();
        let shown = skip.saturating_add(items.len() as u64);
        let next = ((found.len() as u64) > shown).then_some(shown);
        let limits = q.policy().fund_limits;
        Ok(Json(RegionIdle {
            region: region_ref(q, code),
            as_of: as_of.map(|d| d.to_string()),
            as_of_basis: AS_OF_BASIS,
            limits: FundLimitsJson {
                district_days: limits.district_days,
                town_days: limits.town_days,
                village_days: limits.village_days,
                project_days: limits.project_days,
            },
            total_fen: total,
            count: found.len() as u64,
            by_town: sums(towns),
            by_village: sums(villages),
            items,
            next,
        }))
    })
    .await
}

//! A project of the project library and its payments.

use super::{blocking, check_leaves, fetch, iso_date, ledger, path_param, view, Params, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::store::IndexKey;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::entry::EntryBody;
use ledger_core::ids::Ident;
use serde::Serialize;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/projects/{id}", get(project))
}

/// The project.
#[derive(Debug, Serialize)]
pub struct ProjectJson {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Village code.
    pub village: String,
    /// Village name.
    pub village_name: String,
    /// Town code.
    pub town: Option<String>,
    /// Town name.
    pub town_name: Option<String>,
    /// Category.
    pub category: &'static str,
    /// Chinese.
    pub category_zh: &'static str,
    /// Approved budget.
    pub budget_fen: u64,
    /// Paid to contractors, net of reversals.
    pub paid_fen: u64,
    /// Money in the project's own account now.
    pub balance_fen: u64,
    /// 实施单位.
    pub implementer: String,
    /// Planned start, `YYYY-MM-DD`.
    pub start: String,
    /// Planned end, `YYYY-MM-DD`.
    pub end: String,
    /// The registering entry.
    pub register_seq: u64,
}

/// A payment to a contractor.
#[derive(Debug, Serialize)]
pub struct Disbursement {
    /// Entry.
    pub seq: u64,
    /// Sequencing time, Unix ms.
    pub time_ms: u64,
    /// Fund id.
    pub fund: String,
    /// Paying account.
    pub from: String,
    /// Contractor's id.
    pub payee_id: String,
    /// Contractor's name.
    pub payee_name: String,
    /// Fen.
    pub amount_fen: u64,
    /// Contract or invoice.
    pub contract_ref: String,
    /// Milestone.
    pub milestone: String,
    /// The reversing entry, if reversed.
    pub reversed_by: Option<u64>,
}

/// `GET /v1/projects/{id}`.
#[derive(Debug, Serialize)]
pub struct ProjectAnswer {
    /// The project.
    pub project: ProjectJson,
    /// One page of its payments, oldest first.
    pub disbursements: Vec<Disbursement>,
    /// `after` cursor of the next page, or null.
    pub next: Option<u64>,
}

async fn project(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<ProjectAnswer>, ApiError> {
    let id = path_param(path)?;
    let id = Ident::new(&id).map_err(|e| ApiError::bad_param(format!("project id: {e}")))?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        // The project's index holds its registration, its payments and their
        // reversals: a handful of entries, so page over payments directly.
        let key = IndexKey::Project(id.clone());
        let mut payments = Vec::new();
        let mut cursor = after;
        let mut next = None;
        'scan: loop {
            let seqs = app
                .shared
                .store
                .index_scan(&key, cursor, visible, limit + 1)
                .map_err(super::storage)?;
            let exhausted = seqs.len() <= limit;
            for l in fetch(&app, &seqs)? {
                let seq = l.seq;
                if matches!(l.body(), EntryBody::ProjectDisbursement(_)) {
                    if payments.len() == limit {
                        // One more exists: the next page starts after the last shown.
                        next = cursor;
                        break 'scan;
                    }
                    payments.push(l);
                }
                cursor = Some(seq);
            }
            if exhausted {
                break;
            }
        }
        let ledger = ledger(&app)?;
        check_leaves(&ledger, &payments)?;
        let q = &ledger.query;
        let p = q
            .project(&id)
            .ok_or_else(|| ApiError::not_found(format!("project {id} is not registered")))?;
        let balance = q
            .account_id(&ledger_core::entry::Account::Project(id.clone()))
            .map(|a| q.balances_of(a).iter().fold(0u64, |s, (_, b)| s.saturating_add(*b)));
        let town = p.village.town();
        let disbursements = payments
            .iter()
            .filter_map(|l| match l.body() {
                EntryBody::ProjectDisbursement(d) => Some(Disbursement {
                    seq: l.seq,
                    time_ms: l.decoded.entry.time_ms,
                    fund: d.fund.to_string(),
                    from: d.from.key(),
                    payee_id: d.payee.id.to_string(),
                    payee_name: d.payee.name.to_string(),
                    amount_fen: d.amount.get(),
                    contract_ref: d.contract_ref.to_string(),
                    milestone: d.milestone.to_string(),
                    reversed_by: super::reversed_by(&ledger, l.seq, visible),
                }),
                _ => None,
            })
            .collect();
        Ok(Json(ProjectAnswer {
            project: ProjectJson {
                id: p.id.to_string(),
                name: p.name.clone(),
                village: p.village.to_string(),
                village_name: q.region_name(p.village),
                town: town.map(|t| t.to_string()),
                town_name: town.map(|t| q.region_name(t)),
                category: p.category.name(),
                category_zh: p.category.label_zh(),
                budget_fen: p.budget,
                paid_fen: p.paid.amount,
                balance_fen: balance.unwrap_or(0),
                implementer: p.implementer.clone(),
                start: iso_date(p.start),
                end: iso_date(p.end),
                register_seq: p.register_seq,
            },
            disbursements,
            next,
        }))
    })
    .await
}

//! `GET /v1/search?q=`: regions, funds and projects whose code, id, name,
//! title or document number contains the query. The lists searched are the
//! in-memory tables (hundreds of items), never the entries.

use super::{ledger, level_name, view, Params, MAX_SEARCH_CHARS};
use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::collections::HashMap;

/// Most hits per list.
pub const MAX_HITS: usize = 20;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/search", get(search))
}

/// A region hit.
#[derive(Debug, Serialize)]
pub struct RegionHit {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: &'static str,
}

/// A fund hit.
#[derive(Debug, Serialize)]
pub struct FundHit {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// 文号.
    pub document_no: String,
    /// Fiscal year.
    pub fiscal_year: u16,
}

/// A project hit.
#[derive(Debug, Serialize)]
pub struct ProjectHit {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Village code.
    pub village: String,
    /// Village name.
    pub village_name: String,
}

/// `GET /v1/search`.
#[derive(Debug, Serialize)]
pub struct SearchAnswer {
    /// The query, trimmed.
    pub q: String,
    /// Up to 20 regions, in code order.
    pub regions: Vec<RegionHit>,
    /// Up to 20 funds, in issue order.
    pub funds: Vec<FundHit>,
    /// Up to 20 projects, in registration order.
    pub projects: Vec<ProjectHit>,
}

async fn search(
    State(app): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let params = Params::from(query)?;
    let q = params.get("q").map(str::trim).unwrap_or_default().to_string();
    let chars = q.chars().count();
    if chars == 0 || chars > MAX_SEARCH_CHARS {
        return Err(ApiError::bad_param(format!(
            "q must be 1-{MAX_SEARCH_CHARS} characters, not {chars}"
        )));
    }
    if q.chars().any(char::is_control) {
        return Err(ApiError::bad_param("q must not contain control characters"));
    }
    // Off the async workers: the ledger lock may be held by the sequencer.
    super::blocking(move || {
        view(&app)?;
        // ASCII case-insensitive (ids, document numbers); Chinese matches as is.
        let needle = q.to_lowercase();
        let hit = |text: &str| text.to_lowercase().contains(&needle);
        let ledger = ledger(&app)?;
        let idx = &ledger.query;
        let regions = idx
            .regions()
            .iter()
            .filter(|(code, info)| code.to_string().starts_with(&needle) || hit(&info.name))
            .take(MAX_HITS)
            .map(|(code, info)| RegionHit {
                code: code.to_string(),
                name: info.name.clone(),
                level: level_name(*code),
            })
            .collect();
        let funds = idx
            .funds()
            .iter()
            .filter(|f| hit(f.id.as_str()) || hit(&f.title) || hit(&f.document_no))
            .take(MAX_HITS)
            .map(|f| FundHit {
                id: f.id.to_string(),
                title: f.title.to_string(),
                document_no: f.document_no.to_string(),
                fiscal_year: f.fiscal_year,
            })
            .collect();
        let projects = idx
            .projects()
            .iter()
            .filter(|p| hit(p.id.as_str()) || hit(&p.name))
            .take(MAX_HITS)
            .map(|p| ProjectHit {
                id: p.id.to_string(),
                name: p.name.clone(),
                village: p.village.to_string(),
                village_name: idx.region_name(p.village),
            })
            .collect();
        Ok(Json(SearchAnswer {
            q,
            regions,
            funds,
            projects,
        }))
    })
    .await
}

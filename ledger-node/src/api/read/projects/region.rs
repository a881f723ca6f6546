//! `GET /v1/regions/{code}/projects`: a region's projects by status, all from
//! the query index (no store read: names, stages, budgets and contractors
//! are kept there), so a village's answer stays as cheap as its flows.

use super::{share_bp, status_index, warnings, AS_OF_BASIS, STATUSES};
use crate::api::error::ApiError;
use crate::api::read::{blocking, ledger, parse_region, path_param, Params, RegionRef};
use crate::api::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use std::collections::HashMap;

/// A project in a list.
#[derive(Debug, Serialize)]
pub struct ProjectSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Village code.
    pub village: String,
    /// Village name.
    pub village_name: String,
    /// Category.
    pub category: &'static str,
    /// Chinese.
    pub category_zh: &'static str,
    /// `proposed` … `cancelled`.
    pub status: &'static str,
    /// 申报 … 已终止.
    pub status_zh: &'static str,
    /// The furthest stage reached.
    pub stage: &'static str,
    /// Chinese.
    pub stage_zh: &'static str,
    /// Date of the latest stage entry.
    pub last_date: Option<String>,
    /// Approved budget (after adjustments); null before the approval.
    pub approved_fen: Option<u64>,
    /// Paid, net of reversals.
    pub paid_fen: u64,
    /// paid ÷ approved, basis points.
    pub paid_bp: Option<u64>,
    /// The contractor in force.
    pub contractor_name: Option<String>,
    /// Warning codes.
    pub warnings: Vec<&'static str>,
}

/// Projects, approved budgets and payments of one status.
#[derive(Debug, Serialize)]
pub struct StatusCount {
    /// Status code.
    pub status: &'static str,
    /// Chinese.
    pub status_zh: &'static str,
    /// Projects.
    pub count: u64,
    /// Their approved budgets.
    pub approved_fen: u64,
    /// Paid to them.
    pub paid_fen: u64,
}

/// `GET /v1/regions/{code}/projects`.
#[derive(Debug, Serialize)]
pub struct RegionProjects {
    /// The region.
    pub region: RegionRef,
    /// The ledger's latest business date.
    pub as_of: Option<String>,
    /// Always `latest_business_date`.
    pub as_of_basis: &'static str,
    /// Every status, in order, over the whole region.
    pub by_status: Vec<StatusCount>,
    /// One page, by status then registration.
    pub projects: Vec<ProjectSummary>,
    /// `after` cursor of the next page.
    pub next: Option<u64>,
}

pub(super) async fn region_projects(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<RegionProjects>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    let only = match params.get("status") {
        None => None,
        Some(s) => Some(STATUSES.iter().position(|(c, _)| *c == s).ok_or_else(|| {
            ApiError::bad_param(format!(
                "status must be one of {}, not {:?}",
                STATUSES.map(|(c, _)| c).join(", "),
                crate::api::read::clip(s)
            ))
        })?),
    };
    blocking(move || {
        let ledger = ledger(&app)?;
        let q = &ledger.query;
        let region = q
            .region(code)
            .ok_or_else(|| ApiError::not_found(format!("region {code} is not in the log's region table")))?;
        let as_of = q.as_of();
        // Every project below the region is listed in its aggregate, in
        // registration order: group by status with one pass.
        let mut by_status: Vec<StatusCount> = STATUSES
            .iter()
            .map(|(status, status_zh)| StatusCount {
                status,
                status_zh,
                count: 0,
                approved_fen: 0,
                paid_fen: 0,
            })
            .collect();
        let mut ordered: Vec<(usize, u32)> = Vec::new();
        for index in &region.agg.projects {
            let Some(p) = q.project_at(*index) else { continue };
            let s = status_index(p);
            if let Some(c) = by_status.get_mut(s) {
                c.count += 1;
                c.approved_fen = c
                    .approved_fen
                    .saturating_add(p.stages.approval.as_ref().map_or(0, |a| a.total()));
                c.paid_fen = c.paid_fen.saturating_add(p.paid.amount);
            }
            if only.is_none_or(|o| o == s) {
                ordered.push((s, *index));
            }
        }
        // Stable: registration order within a status.
        ordered.sort_by_key(|(s, _)| *s);
        let skip = after.unwrap_or(0);
        let mut projects = Vec::new();
        for (s, index) in ordered
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(limit)
        {
            let Some(p) = q.project_at(*index) else { continue };
            let (status, status_zh) = STATUSES[*s];
            let stage = p.stages.stage();
            let approved = p.stages.approval.as_ref().map(|a| a.total());
            projects.push(ProjectSummary {
                id: p.id.to_string(),
                name: p.name.clone(),
                village: p.village.to_string(),
                village_name: q.region_name(p.village),
                category: p.category.name(),
                category_zh: p.category.label_zh(),
                status,
                status_zh,
                stage: stage.name(),
                stage_zh: stage.label_zh(),
                last_date: p.stages.last_date().map(|d| d.to_string()),
                approved_fen: approved,
                paid_fen: p.paid.amount,
                paid_bp: approved.and_then(|a| share_bp(p.paid.amount, a)),
                contractor_name: p
                    .stages
                    .approval
                    .as_ref()
                    .and_then(|a| a.contract())
                    .map(|c| c.contract.contractor.name.to_string()),
                warnings: warnings(q, *index, p, as_of).into_iter().map(|w| w.code).collect(),
            });
        }
        let shown = skip.saturating_add(projects.len() as u64);
        let next = ((ordered.len() as u64) > shown).then_some(shown);
        Ok(Json(RegionProjects {
            region: RegionRef {
                code: code.to_string(),
                name: region.name.clone(),
            },
            as_of: as_of.map(|d| d.to_string()),
            as_of_basis: AS_OF_BASIS,
            by_status,
            projects,
            next,
        }))
    })
    .await
}

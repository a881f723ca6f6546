//! The project library on the public read API (issue 13): one project with
//! its timeline, budget against payments, contracts, idle money and
//! warnings ([`one`]), and a region's projects by status ([`region`]).
//!
//! This module keeps what both show: a project's status and its warnings,
//! worked out from the query index on `as_of`, the ledger's latest business
//! date (`query::idle`), so that the page, the API and `ledger audit` count
//! to the same day.

mod one;
mod region;

use crate::api::AppState;
use crate::query::{AccountId, ProjectInfo, QueryIndex};
use axum::routing::get;
use axum::Router;
use ledger_core::amount::Fen;
use ledger_core::ids::Date;
use ledger_core::project::ProjectStage;
use serde::Serialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/projects/{id}", get(one::project))
        .route("/v1/regions/{code}/projects", get(region::region_projects))
}

/// The value of every `as_of_basis`.
pub(crate) const AS_OF_BASIS: &str = "latest_business_date";

/// Where a project stands, in display order: (code, Chinese).
pub(crate) const STATUSES: [(&str, &str); 8] = [
    ("proposed", "申报"),
    ("reviewed", "审核"),
    ("approved", "已批复"),
    ("started", "实施中"),
    ("accepted", "已验收"),
    ("handed_over", "已移交"),
    ("evaluated", "已评价"),
    ("cancelled", "已终止"),
];

/// The position of a project's status in [`STATUSES`].
pub(crate) fn status_index(p: &ProjectInfo) -> usize {
    if p.stages.cancelled.is_some() {
        return 7;
    }
    match p.stages.stage() {
        ProjectStage::Proposed => 0,
        ProjectStage::Reviewed => 1,
        ProjectStage::Approved => 2,
        ProjectStage::Started => 3,
        ProjectStage::Accepted => 4,
        ProjectStage::HandedOver => 5,
        ProjectStage::Evaluated => 6,
    }
}

/// `paid ÷ approved` in basis points, rounded down; None when nothing is
/// approved.
pub(crate) fn share_bp(paid: u64, approved: u64) -> Option<u64> {
    (approved > 0).then(|| (u128::from(paid) * 10_000 / u128::from(approved)) as u64)
}

/// `1,234.56`.
fn yuan(fen: u64) -> String {
    Fen::from_raw(fen).to_yuan_string()
}

/// A project's warning.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectWarning {
    /// `over_budget`, `idle_money`, `not_accepted` or `retention_held`.
    pub code: &'static str,
    /// Chinese, with the figures.
    pub message_zh: String,
    /// English, with the figures.
    pub message: String,
}

/// The retention of a project: (share of the approved budget held until the
/// acceptance, fen; what may be paid before it). None before the approval.
pub(crate) fn retention(q: &QueryIndex, p: &ProjectInfo) -> Option<(u64, u64)> {
    let approval = p.stages.approval.as_ref()?;
    let total = approval.total();
    let retained = (u128::from(total) * u128::from(q.policy().retention_bp) / 10_000) as u64;
    Some((retained, total - retained.min(total)))
}

/// The warnings of project `index` on `as_of` (none computed when the ledger
/// has no business date yet). The order is fixed: over budget, idle money,
/// not accepted, retention held.
pub(crate) fn warnings(q: &QueryIndex, index: u32, p: &ProjectInfo, as_of: Option<Date>) -> Vec<ProjectWarning> {
    let mut out = Vec::new();
    let s = &p.stages;
    if let Some(approval) = &s.approval {
        // Only history paid before the project rules can be over: the write
        // path refuses every payment that would be.
        for (fund, paid) in &s.paid_by_fund {
            let Some(f) = q.fund_at(*fund) else { continue };
            let budget = approval.budget_of(&f.id);
            if paid.amount > budget {
                out.push(ProjectWarning {
                    code: "over_budget",
                    message_zh: format!(
                        "资金 {} 累计支付 {} 元，超过批复预算 {} 元（规则施行前的历史记录）",
                        f.id,
                        yuan(paid.amount),
                        yuan(budget)
                    ),
                    message: format!(
                        "fund {} paid {} yuan, over its approved budget of {} yuan (history before the rules)",
                        f.id,
                        yuan(paid.amount),
                        yuan(budget)
                    ),
                });
            }
        }
    }
    let Some(as_of) = as_of else {
        return out;
    };
    for m in q.idle_at(AccountId::Project(index), as_of) {
        let fund = q.fund_at(m.fund).map(|f| f.id.to_string()).unwrap_or_default();
        out.push(ProjectWarning {
            code: "idle_money",
            message_zh: format!(
                "项目账户资金 {} 元滞留 {} 天，超过 {} 天的时限",
                yuan(m.idle.amount),
                m.idle.days,
                m.limit_days
            ),
            message: format!(
                "{} yuan of fund {fund} has sat in the project account for {} days (limit {})",
                yuan(m.idle.amount),
                m.idle.days,
                m.limit_days
            ),
        });
    }
    if s.cancelled.is_none() && s.stage() == ProjectStage::Started {
        let planned_end = Date::new(p.end).ok();
        if let (Some(started), Some(end)) = (s.started(), planned_end) {
            if as_of > end {
                let days = started.days_until(as_of);
                out.push(ProjectWarning {
                    code: "not_accepted",
                    message_zh: format!("已开工 {days} 天，超过计划完工日期 {end} 仍未验收"),
                    message: format!("started {days} days ago and not accepted after its planned end {end}"),
                });
            }
        }
    }
    if s.cancelled.is_none() && s.stage() < ProjectStage::Accepted {
        if let Some((retained, payable)) = retention(q, p) {
            if retained > 0 && p.paid.amount >= payable {
                out.push(ProjectWarning {
                    code: "retention_held",
                    message_zh: format!("尾款/质保金 {} 元待竣工验收后支付", yuan(retained)),
                    message: format!(
                        "the retention of {} yuan is paid only after the acceptance",
                        yuan(retained)
                    ),
                });
            }
        }
    }
    out
}

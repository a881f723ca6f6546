//! `GET /v1/projects/{id}`: a project of the library with its timeline of
//! stages, its approved budget per fund against what was paid, its
//! contracts, the idle money of its account, its warnings and a page of its
//! payments.

use super::{retention, share_bp, status_index, warnings, ProjectWarning, AS_OF_BASIS, STATUSES};
use crate::api::error::ApiError;
use crate::api::read::controls::{warnings_json, LineRefJson, WarningJson};
use crate::api::read::{blocking, check_leaves, fetch, iso_date, ledger, path_param, view, Params, View};
use crate::api::AppState;
use crate::query::{AccountId, ContractMark, ProjectInfo, QueryIndex, StageKind};
use crate::store::IndexKey;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use ledger_core::entry::EntryBody;
use ledger_core::ids::{Date, Ident};
use ledger_core::project::{Contract, FundBudget, ProjectStage};
use serde::Serialize;
use std::collections::HashMap;

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
    /// `proposed` … `cancelled`.
    pub status: &'static str,
    /// 申报 … 已终止.
    pub status_zh: &'static str,
    /// The furthest stage reached.
    pub stage: &'static str,
    /// Chinese.
    pub stage_zh: &'static str,
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
    /// The business date paid, `YYYY-MM-DD`.
    pub date: String,
    /// Project rules it broke before they were enforced.
    pub warnings: Vec<WarningJson>,
}

/// A fund's share of a budget.
#[derive(Debug, Serialize)]
pub struct FundBudgetJson {
    /// The fund.
    pub fund: String,
    /// Fen.
    pub amount_fen: u64,
}

/// A contract.
#[derive(Debug, Serialize)]
pub struct ContractJson {
    /// The contractor's id (统一社会信用代码).
    pub contractor_id: String,
    /// The contractor's name.
    pub contractor_name: String,
    /// 合同编号.
    pub contract_no: String,
}

/// One stage entry of a project. Every key is present; what does not apply
/// to the kind is null.
#[derive(Debug, Serialize)]
pub struct TimelineItem {
    /// `register`, `review`, `approve`, `start`, `accept`, `handover`,
    /// `evaluate`, `adjust`, `cancel`.
    pub kind: &'static str,
    /// Chinese.
    pub kind_zh: &'static str,
    /// The entry.
    pub seq: u64,
    /// Business date (null for the registration).
    pub date: Option<String>,
    /// 批复文号 or the stage's document.
    pub document_no: Option<String>,
    /// Note, reason or the asset's receiver.
    pub note: Option<String>,
    /// Where the entry left the project.
    pub stage: &'static str,
    /// Chinese.
    pub stage_zh: &'static str,
    /// A review: passed?
    pub passed: Option<bool>,
    /// An evaluation: 0-100.
    pub score: Option<u8>,
    /// An approval: its project-plan line (项目公示).
    pub plan: Option<LineRefJson>,
    /// An approval or adjustment: the budget per fund.
    pub budgets: Option<Vec<FundBudgetJson>>,
    /// An approval, or an adjustment that changes the contractor.
    pub contract: Option<ContractJson>,
}

/// A fund's approved budget against what it paid.
#[derive(Debug, Serialize)]
pub struct ProjectFundBudget {
    /// The fund.
    pub fund: String,
    /// Its title.
    pub title: String,
    /// Approved (adjusted).
    pub approved_fen: u64,
    /// Paid, net of reversals.
    pub paid_fen: u64,
    /// approved − paid, at least 0.
    pub left_fen: u64,
    /// paid − approved, at least 0 (history only).
    pub over_fen: u64,
    /// paid ÷ approved, basis points.
    pub paid_bp: Option<u64>,
}

/// The approved budget against what was paid.
#[derive(Debug, Serialize)]
pub struct ProjectBudget {
    /// Approved (after adjustments).
    pub approved_fen: u64,
    /// 批复文号 of the approval or latest adjustment.
    pub document_no: String,
    /// Paid, net of reversals.
    pub paid_fen: u64,
    /// paid ÷ approved, basis points, rounded down.
    pub paid_bp: Option<u64>,
    /// The policy's retention share, basis points.
    pub retention_bp: u16,
    /// Held until the acceptance.
    pub retained_fen: u64,
    /// Accepted: the retention may be paid.
    pub retention_released: bool,
    /// Per fund.
    pub funds: Vec<ProjectFundBudget>,
}

/// A contract with the entry that recorded it.
#[derive(Debug, Serialize)]
pub struct ContractInForce {
    /// The contractor's id.
    pub contractor_id: String,
    /// The contractor's name.
    pub contractor_name: String,
    /// 合同编号.
    pub contract_no: String,
    /// The approval or adjustment.
    pub seq: u64,
    /// Its date.
    pub date: String,
    /// Its document number.
    pub document_no: String,
}

/// Idle money of the project's account in one fund.
#[derive(Debug, Serialize)]
pub struct IdleFund {
    /// The fund.
    pub fund: String,
    /// Its title.
    pub fund_title: String,
    /// Fen over the limit.
    pub amount_fen: u64,
    /// When the oldest of it arrived.
    pub since: String,
    /// Days it has sat, to `as_of`.
    pub days: i64,
    /// The limit.
    pub limit_days: u16,
}

/// `GET /v1/projects/{id}`.
#[derive(Debug, Serialize)]
pub struct ProjectAnswer {
    /// The project.
    pub project: ProjectJson,
    /// The ledger's latest business date: what idle money and overdue
    /// acceptances are counted to.
    pub as_of: Option<String>,
    /// Always `latest_business_date`.
    pub as_of_basis: &'static str,
    /// Every stage entry, oldest first.
    pub timeline: Vec<TimelineItem>,
    /// Null before the approval.
    pub budget: Option<ProjectBudget>,
    /// The contract in force.
    pub contract: Option<ContractInForce>,
    /// Every contract, oldest first.
    pub contracts: Vec<ContractInForce>,
    /// Idle money of the project's account.
    pub idle: Vec<IdleFund>,
    /// Warnings.
    pub warnings: Vec<ProjectWarning>,
    /// One page of its payments, oldest first.
    pub disbursements: Vec<Disbursement>,
    /// `after` cursor of the next page, or null.
    pub next: Option<u64>,
}

pub(super) async fn project(
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
        // The project's index holds its registration, stage entries,
        // payments and their reversals: a few dozen entries, so page over
        // payments directly.
        let key = IndexKey::Project(id.clone());
        let mut payments = Vec::new();
        let mut cursor = after;
        let mut next = None;
        'scan: loop {
            let seqs = app
                .shared
                .store
                .index_scan(&key, cursor, visible, limit + 1)
                .map_err(crate::api::read::storage)?;
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
        // The stage entries (their documents, notes and reasons), read
        // outside the lock.
        let stage_seqs: Vec<u64> = {
            let ledger = ledger(&app)?;
            let p = ledger.query.project(&id).ok_or_else(|| unknown_project(&id))?;
            p.stages.marks.iter().map(|m| m.seq).filter(|s| *s < visible).collect()
        };
        let stage_entries = fetch(&app, &stage_seqs)?;
        let ledger = ledger(&app)?;
        check_leaves(&ledger, &payments)?;
        check_leaves(&ledger, &stage_entries)?;
        let q = &ledger.query;
        let index = q
            .account_id(&ledger_core::entry::Account::Project(id.clone()))
            .and_then(|a| match a {
                AccountId::Project(i) => Some(i),
                AccountId::Treasury(_) => None,
            })
            .ok_or_else(|| unknown_project(&id))?;
        let p = q.project_at(index).ok_or_else(|| unknown_project(&id))?;
        let balance = q
            .balances_of(AccountId::Project(index))
            .iter()
            .fold(0u64, |s, (_, b)| s.saturating_add(*b));
        let bodies: HashMap<u64, &EntryBody> = stage_entries.iter().map(|l| (l.seq, l.body())).collect();
        let as_of = q.as_of();
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
                    reversed_by: crate::api::read::reversed_by(&ledger, l.seq, visible),
                    date: d.date.to_string(),
                    warnings: warnings_json(q.warnings(l.seq)),
                }),
                _ => None,
            })
            .collect();
        let (contract, contracts) = contracts_json(p, &bodies, visible)?;
        Ok(Json(ProjectAnswer {
            project: project_json(q, p, balance),
            as_of: as_of.map(|d| d.to_string()),
            as_of_basis: AS_OF_BASIS,
            timeline: timeline(p, &bodies, visible)?,
            budget: budget_json(q, p, &bodies)?,
            contract,
            contracts,
            idle: as_of
                .map(|d| q.idle_at(AccountId::Project(index), d))
                .unwrap_or_default()
                .into_iter()
                .map(|m| IdleFund {
                    fund: q.fund_at(m.fund).map(|f| f.id.to_string()).unwrap_or_default(),
                    fund_title: q.fund_at(m.fund).map(|f| f.title.to_string()).unwrap_or_default(),
                    amount_fen: m.idle.amount,
                    since: m.idle.since.to_string(),
                    days: m.idle.days,
                    limit_days: m.limit_days,
                })
                .collect(),
            warnings: warnings(q, index, p, as_of),
            disbursements,
            next,
        }))
    })
    .await
}

/// 404 for a project the log does not hold.
fn unknown_project(id: &Ident) -> ApiError {
    ApiError::not_found(format!("project {id} is not registered"))
}

fn project_json(q: &QueryIndex, p: &ProjectInfo, balance: u64) -> ProjectJson {
    let town = p.village.town();
    let (status, status_zh) = STATUSES[status_index(p)];
    let stage = p.stages.stage();
    ProjectJson {
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
        balance_fen: balance,
        implementer: p.implementer.clone(),
        start: iso_date(p.start),
        end: iso_date(p.end),
        register_seq: p.register_seq,
        status,
        status_zh,
        stage: stage.name(),
        stage_zh: stage.label_zh(),
    }
}

fn budgets_json(budgets: &[FundBudget]) -> Vec<FundBudgetJson> {
    budgets
        .iter()
        .map(|b| FundBudgetJson {
            fund: b.fund.to_string(),
            amount_fen: b.amount.get(),
        })
        .collect()
}

fn contract_json(c: &Contract) -> ContractJson {
    ContractJson {
        contractor_id: c.contractor.id.to_string(),
        contractor_name: c.contractor.name.to_string(),
        contract_no: c.contract_no.to_string(),
    }
}

/// The document number of an approval or adjustment entry.
fn document_of(bodies: &HashMap<u64, &EntryBody>, seq: u64) -> Result<String, ApiError> {
    match bodies.get(&seq) {
        Some(EntryBody::ProjectApprove(a)) => Ok(a.document_no.to_string()),
        Some(EntryBody::ProjectAdjust(a)) => Ok(a.document_no.to_string()),
        Some(_) => Err(crate::api::read::corrupt_entry(
            seq,
            "the project index names an entry that is not an approval or adjustment",
        )),
        // Not durable yet (recorded a moment before the view): not shown.
        None => Ok(String::new()),
    }
}

fn contracts_json(
    p: &ProjectInfo,
    bodies: &HashMap<u64, &EntryBody>,
    visible: u64,
) -> Result<(Option<ContractInForce>, Vec<ContractInForce>), ApiError> {
    let marks: Vec<&ContractMark> = p
        .stages
        .approval
        .iter()
        .flat_map(|a| a.contracts.iter())
        .filter(|c| c.seq < visible)
        .collect();
    let mut all = Vec::with_capacity(marks.len());
    for c in marks {
        let j = contract_json(&c.contract);
        all.push(ContractInForce {
            contractor_id: j.contractor_id,
            contractor_name: j.contractor_name,
            contract_no: j.contract_no,
            seq: c.seq,
            date: c.date.to_string(),
            document_no: document_of(bodies, c.seq)?,
        });
    }
    let current = all.last().map(|c| ContractInForce {
        contractor_id: c.contractor_id.clone(),
        contractor_name: c.contractor_name.clone(),
        contract_no: c.contract_no.clone(),
        seq: c.seq,
        date: c.date.clone(),
        document_no: c.document_no.clone(),
    });
    Ok((current, all))
}

fn budget_json(
    q: &QueryIndex,
    p: &ProjectInfo,
    bodies: &HashMap<u64, &EntryBody>,
) -> Result<Option<ProjectBudget>, ApiError> {
    let Some(approval) = &p.stages.approval else {
        return Ok(None);
    };
    let approved = approval.total();
    // The budget's funds, then any other fund the project was paid from.
    let mut funds: Vec<(String, String, u64, u64)> = approval
        .budgets
        .iter()
        .map(|b| {
            let f = q.fund(&b.fund);
            let paid = q
                .funds()
                .iter()
                .position(|x| x.id == b.fund)
                .map_or(0, |i| p.stages.paid_of(i as u32));
            (
                b.fund.to_string(),
                f.map(|f| f.title.to_string()).unwrap_or_default(),
                b.amount.get(),
                paid,
            )
        })
        .collect();
    for (index, paid) in &p.stages.paid_by_fund {
        let Some(f) = q.fund_at(*index) else { continue };
        if approval.budgets.iter().all(|b| b.fund != f.id) && paid.amount > 0 {
            funds.push((f.id.to_string(), f.title.to_string(), 0, paid.amount));
        }
    }
    funds.sort_by(|a, b| a.0.cmp(&b.0));
    let (retained, _) = retention(q, p).unwrap_or((0, 0));
    Ok(Some(ProjectBudget {
        approved_fen: approved,
        document_no: document_of(bodies, approval.document_seq)?,
        paid_fen: p.paid.amount,
        paid_bp: share_bp(p.paid.amount, approved),
        retention_bp: q.policy().retention_bp,
        retained_fen: retained,
        retention_released: p.stages.stage() >= ProjectStage::Accepted,
        funds: funds
            .into_iter()
            .map(|(fund, title, approved, paid)| ProjectFundBudget {
                fund,
                title,
                approved_fen: approved,
                paid_fen: paid,
                left_fen: approved.saturating_sub(paid),
                over_fen: paid.saturating_sub(approved),
                paid_bp: share_bp(paid, approved),
            })
            .collect(),
    }))
}

/// The registration, then every durable stage entry with its texts.
fn timeline(p: &ProjectInfo, bodies: &HashMap<u64, &EntryBody>, visible: u64) -> Result<Vec<TimelineItem>, ApiError> {
    let blank = |kind: &'static str, kind_zh: &'static str, seq: u64, stage: ProjectStage| TimelineItem {
        kind,
        kind_zh,
        seq,
        date: None,
        document_no: None,
        note: None,
        stage: stage.name(),
        stage_zh: stage.label_zh(),
        passed: None,
        score: None,
        plan: None,
        budgets: None,
        contract: None,
    };
    let mut out = vec![blank("register", "申报", p.register_seq, ProjectStage::Proposed)];
    for m in p.stages.marks.iter().filter(|m| m.seq < visible) {
        let mut item = blank(m.kind.name(), m.kind.label_zh(), m.seq, m.stage);
        item.date = Some(m.date.to_string());
        let wrong = || crate::api::read::corrupt_entry(m.seq, "the project index names another entry");
        let body = bodies.get(&m.seq).ok_or_else(wrong)?;
        let date: Date = match (m.kind, body) {
            (StageKind::Review, EntryBody::ProjectReview(r)) if r.project == p.id => {
                item.document_no = Some(r.document_no.to_string());
                item.note = Some(r.note.to_string());
                item.passed = Some(r.passed);
                r.date
            }
            (StageKind::Approve, EntryBody::ProjectApprove(a)) if a.project == p.id => {
                item.document_no = Some(a.document_no.to_string());
                item.plan = Some(LineRefJson {
                    notice: a.plan.notice.to_string(),
                    line: a.plan.line,
                });
                item.budgets = Some(budgets_json(&a.budgets));
                item.contract = Some(contract_json(&a.contract));
                a.date
            }
            (StageKind::Start, EntryBody::ProjectStart(x))
            | (StageKind::Accept, EntryBody::ProjectAccept(x))
            | (StageKind::Handover, EntryBody::ProjectHandover(x))
                if x.project == p.id =>
            {
                item.document_no = Some(x.document_no.to_string());
                item.note = Some(x.note.to_string());
                x.date
            }
            (StageKind::Evaluate, EntryBody::ProjectEvaluate(e)) if e.project == p.id => {
                item.document_no = Some(e.document_no.to_string());
                item.note = Some(e.note.to_string());
                item.score = Some(e.score);
                e.date
            }
            (StageKind::Adjust, EntryBody::ProjectAdjust(a)) if a.project == p.id => {
                item.document_no = Some(a.document_no.to_string());
                item.note = Some(a.reason.to_string());
                item.budgets = Some(budgets_json(&a.budgets));
                item.contract = a.contract.as_ref().map(contract_json);
                a.date
            }
            (StageKind::Cancel, EntryBody::ProjectCancel(c)) if c.project == p.id => {
                item.note = Some(c.reason.to_string());
                c.date
            }
            _ => return Err(wrong()),
        };
        if date != m.date {
            return Err(wrong());
        }
        out.push(item);
    }
    Ok(out)
}

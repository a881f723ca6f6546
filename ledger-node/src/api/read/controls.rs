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

use super::{blocking, check_leaves, fetch, ledger, parse_region, path_param, view, Loaded, Params, RegionRef, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ledger::Ledger;
use crate::query::{Confirmation, LineState, NoticeInfo, ObjectionInfo, QueryIndex};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::entry::{EntryBody, HouseholdSubsidy};
use ledger_core::ids::{Date, Ident};
use ledger_core::procedure::{NoticeLines, ObjectionOutcome, ObjectionTarget};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::rules::HistoryWarning;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/regions/{code}/notices", get(region_notices))
        .route("/v1/regions/{code}/households", get(region_households))
        .route("/v1/regions/{code}/objections", get(region_objections))
        .route("/v1/notices/{id}", get(notice))
}

// ---------------------------------------------------------------------------
// Shared pieces

/// Today in China (UTC+8) by the node's clock: windows and deadlines are
/// counted in the days of the offices that post them.
pub(crate) fn today() -> Date {
    Date::in_china_at(ledger_datadir::clock::now_ms()).unwrap_or(Date::LAST)
}

/// 404 `unknown_notice`.
fn unknown_notice(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_notice",
        format!(
            "没有编号为 {} 的公告公示。 No notice {:?} is in the log.",
            super::clip(id),
            super::clip(id)
        ),
    )
}

/// 404 for a region the log does not know.
fn unknown_region(code: RegionCode) -> ApiError {
    ApiError::not_found(format!("region {code} is not in the log's region table"))
}

fn region_ref(q: &QueryIndex, code: RegionCode) -> RegionRef {
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

// ---------------------------------------------------------------------------
// Notices

/// A notice in a list (`lines` is the number of lines) or alone (`lines`
/// is the lines themselves).
#[derive(Debug, Serialize)]
pub struct NoticeJson<L> {
    /// Id.
    pub notice: String,
    /// The posting entry.
    pub seq: u64,
    /// Stage code (`payment_list`, `village_publicity`, …).
    pub stage: &'static str,
    /// 发放公示, 村级公示, ….
    pub stage_zh: &'static str,
    /// Where it was posted.
    pub region: RegionRef,
    /// Title as posted.
    pub title: String,
    /// First day of the window, `YYYY-MM-DD`.
    pub start: String,
    /// First day after the window, `YYYY-MM-DD` (the window is over on it).
    pub ends: String,
    /// Window length in days.
    pub window_days: i64,
    /// `open` while today < `ends`, then `ended`.
    pub status: &'static str,
    /// 公示中 / 已结束.
    pub status_zh: &'static str,
    /// Line count, or the lines.
    pub lines: L,
}

fn notice_json<L>(q: &QueryIndex, n: &NoticeInfo, today: Date, lines: L) -> NoticeJson<L> {
    let open = today < n.ends;
    NoticeJson {
        notice: n.id.to_string(),
        seq: n.seq,
        stage: n.stage.name(),
        stage_zh: n.stage.label_zh(),
        region: region_ref(q, n.region),
        title: n.title.clone(),
        start: n.start.to_string(),
        ends: n.ends.to_string(),
        window_days: n.start.days_until(n.ends),
        status: if open { "open" } else { "ended" },
        status_zh: if open { "公示中" } else { "已结束" },
        lines,
    }
}

/// `GET /v1/regions/{code}/notices`.
#[derive(Debug, Serialize)]
pub struct RegionNotices {
    /// The region.
    pub region: RegionRef,
    /// Today in China, `YYYY-MM-DD` (what `status` is relative to).
    pub today: String,
    /// One page, newest first.
    pub notices: Vec<NoticeJson<u32>>,
    /// `before` cursor of the next page (a notice's seq), or null.
    pub next: Option<u64>,
}

async fn region_notices(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<RegionNotices>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let before = params.u64("before")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let ledger = ledger(&app)?;
        let q = &ledger.query;
        if q.region(code).is_none() {
            return Err(unknown_region(code));
        }
        let today = today();
        let mut page: Vec<&NoticeInfo> = q
            .notices_of(code)
            .iter()
            .rev()
            .filter_map(|i| q.notice_at(*i))
            .filter(|n| n.seq < visible && before.is_none_or(|b| n.seq < b))
            .take(limit + 1)
            .collect();
        let next = if page.len() > limit {
            page.truncate(limit);
            page.last().map(|n| n.seq)
        } else {
            None
        };
        Ok(Json(RegionNotices {
            region: region_ref(q, code),
            today: today.to_string(),
            notices: page.into_iter().map(|n| notice_json(q, n, today, n.lines)).collect(),
            next,
        }))
    })
    .await
}

/// One line of a notice.
#[derive(Debug, Serialize)]
pub struct NoticeLineJson {
    /// Line index, from 0.
    pub line: u32,
    /// Household reference, hex (null on a project line).
    pub household: Option<String>,
    /// Masked name (null on a project line).
    pub masked_name: Option<String>,
    /// The household's village (null on a project line).
    pub village: Option<RegionRef>,
    /// Assistance category (registration and exit notices), subsidy
    /// category (payment lists) or `project`.
    pub category: &'static str,
    /// Chinese.
    pub category_zh: &'static str,
    /// Payment lists: the period.
    pub period: Option<String>,
    /// Payment lists: the most that may be paid, fen.
    pub amount_fen: Option<u64>,
    /// Payment lists: the same in yuan, two decimals.
    pub amount: Option<String>,
    /// `open`, `paid`, `objected` or `withdrawn`.
    pub status: &'static str,
    /// 未发放 / 已发放 / 有异议 / 已撤回 (household lines: 在列 / 有异议 / 已撤回).
    pub status_zh: &'static str,
    /// The standing payment that used the line.
    pub paid_seq: Option<u64>,
    /// Case numbers of every objection against the line, in order received.
    pub objections: Vec<String>,
    /// Project plans: the project id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

fn line_status(state: LineState, payment: bool) -> (&'static str, &'static str, Option<u64>) {
    match state {
        LineState::Withdrawn => ("withdrawn", "已撤回", None),
        LineState::Objected => ("objected", "有异议", None),
        LineState::Paid(seq) => ("paid", "已发放", Some(seq)),
        LineState::Open if payment => ("open", "未发放", None),
        LineState::Open => ("open", "在列", None),
    }
}

async fn notice(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<NoticeJson<Vec<NoticeLineJson>>>, ApiError> {
    let text = path_param(path)?;
    // A text that is not an id names no notice: the same 404.
    let id = Ident::new(&text).map_err(|_| unknown_notice(&text))?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let seq = {
            let ledger = ledger(&app)?;
            ledger
                .query
                .notice(&id)
                .filter(|n| n.seq < visible)
                .map(|n| n.seq)
                .ok_or_else(|| unknown_notice(id.as_str()))?
        };
        let loaded = fetch(&app, &[seq])?;
        let ledger = ledger(&app)?;
        check_leaves(&ledger, &loaded)?;
        let q = &ledger.query;
        let info = q.notice(&id).ok_or_else(|| unknown_notice(id.as_str()))?;
        let Some(EntryBody::Notice(body)) = loaded.first().map(Loaded::body) else {
            return Err(super::corrupt_entry(
                seq,
                "the notice index names an entry that is not this notice",
            ));
        };
        if body.notice != id {
            return Err(super::corrupt_entry(
                seq,
                format!("it is notice {}, not {id}", body.notice),
            ));
        }
        let objections = |line: u32| -> Vec<String> {
            q.line_objections(info, line)
                .into_iter()
                .map(|o| o.case_no.to_string())
                .collect()
        };
        let mut lines = Vec::with_capacity(body.lines.len());
        match &body.lines {
            NoticeLines::Households(list) => {
                for (i, l) in list.iter().enumerate() {
                    let i = i as u32;
                    let (status, status_zh, paid_seq) = line_status(q.line_state(info, i), false);
                    lines.push(NoticeLineJson {
                        line: i,
                        household: Some(l.household.to_string()),
                        masked_name: Some(l.masked_name.to_string()),
                        village: Some(region_ref(q, l.village)),
                        category: l.category.name(),
                        category_zh: l.category.label_zh(),
                        period: None,
                        amount_fen: None,
                        amount: None,
                        status,
                        status_zh,
                        paid_seq,
                        objections: objections(i),
                        project: None,
                    });
                }
            }
            NoticeLines::Payments(list) => {
                for (i, l) in list.iter().enumerate() {
                    let i = i as u32;
                    let (status, status_zh, paid_seq) = line_status(q.line_state(info, i), true);
                    lines.push(NoticeLineJson {
                        line: i,
                        household: Some(l.household.to_string()),
                        masked_name: Some(l.masked_name.to_string()),
                        village: Some(region_ref(q, body.region)),
                        category: l.category.name(),
                        category_zh: l.category.label_zh(),
                        period: Some(l.period.to_string()),
                        amount_fen: Some(l.amount.get()),
                        amount: Some(yuan_text(l.amount.get())),
                        status,
                        status_zh,
                        paid_seq: paid_seq.filter(|s| *s < visible),
                        objections: objections(i),
                        project: None,
                    });
                }
            }
            NoticeLines::Projects(list) => {
                for (i, p) in list.iter().enumerate() {
                    let i = i as u32;
                    let (status, status_zh, _) = line_status(q.line_state(info, i), false);
                    lines.push(NoticeLineJson {
                        line: i,
                        household: None,
                        masked_name: None,
                        village: None,
                        category: "project",
                        category_zh: "项目",
                        period: None,
                        amount_fen: None,
                        amount: None,
                        status,
                        status_zh,
                        paid_seq: None,
                        objections: objections(i),
                        project: Some(p.to_string()),
                    });
                }
            }
        }
        Ok(Json(notice_json(q, info, today(), lines)))
    })
    .await
}

// ---------------------------------------------------------------------------
// Registered households

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

async fn region_households(
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
                _ => return Err(super::corrupt_entry(seq, "the registration index names another entry")),
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

// ---------------------------------------------------------------------------
// Objections

/// What an objection is against: `{notice, line}` or `{seq}`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum TargetJson {
    /// A notice line.
    Line(LineRefJson),
    /// A money entry or project registration.
    Entry {
        /// Its sequence number.
        seq: u64,
    },
}

/// An objection.
#[derive(Debug, Serialize)]
pub struct ObjectionJson {
    /// Case number.
    pub case_no: String,
    /// The recording entry.
    pub seq: u64,
    /// What it is against.
    pub target: TargetJson,
    /// Channel code.
    pub channel: &'static str,
    /// 12317热线, 当面反映, 来信, 网上反映.
    pub channel_zh: &'static str,
    /// Received, `YYYY-MM-DD`.
    pub received: String,
    /// What it says (no personal data of whoever objected).
    pub summary: String,
    /// `open`, `upheld` or `dismissed`.
    pub status: &'static str,
    /// 处理中 / 属实 / 不属实.
    pub status_zh: &'static str,
    /// The deciding entry.
    pub decided_seq: Option<u64>,
    /// Decided, `YYYY-MM-DD`.
    pub decided_date: Option<String>,
    /// Why it was decided so.
    pub reason: Option<String>,
}

/// `GET /v1/regions/{code}/objections`.
#[derive(Debug, Serialize)]
pub struct RegionObjections {
    /// The region.
    pub region: RegionRef,
    /// One page, newest first.
    pub objections: Vec<ObjectionJson>,
    /// `before` cursor of the next page (an objection's seq), or null.
    pub next: Option<u64>,
}

/// Most objections against money entries paid from above a region whose
/// target is read to see whether it concerns the region, per request.
const MAX_TARGET_READS: usize = 1_000;

async fn region_objections(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<RegionObjections>, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let before = params.u64("before")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        // Candidates (newest first): certainly the region's, or against a
        // money entry paid from above it (its target is read to decide).
        let (region, candidates) = {
            let ledger = ledger(&app)?;
            let q = &ledger.query;
            if q.region(code).is_none() {
                return Err(unknown_region(code));
            }
            let mut candidates: Vec<(ObjectionInfo, bool)> = Vec::new();
            let (mut maybe, mut certain_count) = (0usize, 0usize);
            for o in q.objections().iter().rev() {
                if o.seq >= visible || before.is_some_and(|b| o.seq >= b) {
                    continue;
                }
                let certain = code.covers(o.region) || o.village.is_some_and(|v| code.covers(v));
                let entry_above =
                    matches!(o.target, ObjectionTarget::Entry(_)) && o.region.covers(code) && o.region != code;
                if certain {
                    certain_count += 1;
                    candidates.push((o.clone(), true));
                } else if entry_above && maybe < MAX_TARGET_READS {
                    maybe += 1;
                    candidates.push((o.clone(), false));
                }
                if certain_count > limit {
                    break;
                }
            }
            (region_ref(q, code), candidates)
        };
        // Decide the uncertain ones by their target's village.
        let uncertain: Vec<u64> = candidates
            .iter()
            .filter(|(_, c)| !*c)
            .filter_map(|(o, _)| match o.target {
                ObjectionTarget::Entry(seq) => Some(seq),
                ObjectionTarget::NoticeLine(_) => None,
            })
            .collect();
        let targets = fetch(&app, &uncertain)?;
        let concerns: HashMap<u64, bool> = targets
            .iter()
            .map(|l| {
                let here = matches!(l.body(), EntryBody::HouseholdSubsidy(s) if code.covers(s.village));
                (l.seq, here)
            })
            .collect();
        let mut chosen: Vec<ObjectionInfo> = candidates
            .into_iter()
            .filter(|(o, certain)| {
                *certain
                    || matches!(o.target, ObjectionTarget::Entry(seq) if concerns.get(&seq).copied().unwrap_or(false))
            })
            .map(|(o, _)| o)
            .collect();
        let next = if chosen.len() > limit {
            chosen.truncate(limit);
            chosen.last().map(|o| o.seq)
        } else {
            None
        };
        // Summaries and reasons, from the entries.
        let mut seqs = Vec::new();
        for o in &chosen {
            seqs.push(o.seq);
            if let Some((seq, _, _)) = o.decided.filter(|(s, _, _)| *s < visible) {
                seqs.push(seq);
            }
        }
        let loaded = fetch(&app, &seqs)?;
        {
            let ledger = ledger(&app)?;
            check_leaves(&ledger, &loaded)?;
            check_leaves(&ledger, &targets)?;
        }
        let texts: HashMap<u64, &EntryBody> = loaded.iter().map(|l| (l.seq, l.body())).collect();
        let mut objections = Vec::with_capacity(chosen.len());
        for o in chosen {
            let summary = match texts.get(&o.seq) {
                Some(EntryBody::Objection(x)) if x.case_no == o.case_no => x.summary.to_string(),
                _ => return Err(super::corrupt_entry(o.seq, "the objection index names another entry")),
            };
            let decided = o.decided.filter(|(s, _, _)| *s < visible);
            let reason = match decided {
                Some((seq, _, _)) => match texts.get(&seq) {
                    Some(EntryBody::ObjectionResolve(x)) if x.case_no == o.case_no => Some(x.reason.to_string()),
                    _ => return Err(super::corrupt_entry(seq, "the objection index names another entry")),
                },
                None => None,
            };
            objections.push(objection_json(&o, decided, summary, reason));
        }
        Ok(Json(RegionObjections {
            region,
            objections,
            next,
        }))
    })
    .await
}

fn objection_json(
    o: &ObjectionInfo,
    decided: Option<(u64, ObjectionOutcome, Date)>,
    summary: String,
    reason: Option<String>,
) -> ObjectionJson {
    let (status, status_zh) = match decided {
        None => ("open", "处理中"),
        Some((_, ObjectionOutcome::Upheld, _)) => ("upheld", "属实"),
        Some((_, ObjectionOutcome::Dismissed, _)) => ("dismissed", "不属实"),
    };
    ObjectionJson {
        case_no: o.case_no.to_string(),
        seq: o.seq,
        target: match &o.target {
            ObjectionTarget::NoticeLine(r) => TargetJson::Line(LineRefJson {
                notice: r.notice.to_string(),
                line: r.line,
            }),
            ObjectionTarget::Entry(seq) => TargetJson::Entry { seq: *seq },
        },
        channel: o.channel.name(),
        channel_zh: o.channel.label_zh(),
        received: o.received.to_string(),
        summary,
        status,
        status_zh,
        decided_seq: decided.map(|(s, _, _)| s),
        decided_date: decided.map(|(_, _, d)| d.to_string()),
        reason,
    }
}

// ---------------------------------------------------------------------------
// What a household payment shows besides its amount

/// A payment's confirmation (确认).
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationJson {
    /// `confirmed`, `pending`, `overdue` or `not_required`.
    pub status: &'static str,
    /// 已确认 / 待确认 / 逾期未确认 / 无需确认.
    pub status_zh: &'static str,
    /// The confirming entry.
    pub seq: Option<u64>,
    /// Confirmed on, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `bank_statement`, `card_signature` or `in_person`.
    pub method: Option<&'static str>,
    /// 银行流水 / 明白卡签字 / 当面确认.
    pub method_zh: Option<&'static str>,
    /// Last day to confirm, `YYYY-MM-DD` (null when not required or confirmed).
    pub deadline: Option<String>,
}

/// A control a payment broke before it was enforced.
#[derive(Debug, Clone, Serialize)]
pub struct WarningJson {
    /// Stable code (`paid_without_notice`, …).
    pub code: &'static str,
    /// What it means, in Chinese.
    pub message_zh: String,
    /// The rule engine's finding, in English.
    pub message: String,
}

/// The Chinese message of a history warning.
pub(crate) fn warning_zh(code: &str) -> &'static str {
    match code {
        "paid_unregistered" => "发放时该户未在有权享受此项补贴的类别中建档立卡",
        "paid_without_notice" => "发放前未经发放公示",
        "paid_before_window_end" => "公示期未满即发放",
        "paid_under_open_objection" => "异议尚未处理即发放",
        "paid_on_withdrawn_line" => "公示名单已因异议属实撤回，仍予发放",
        "paid_above_notice" => "发放金额超过公示金额",
        "missing_role" => "缺少政策规定岗位的签字",
        "registered_without_procedure" => "未经两公告四公示程序建档立卡",
        _ => "违反了当时尚未施行的管控规定",
    }
}

pub(crate) fn warnings_json(warnings: &[HistoryWarning]) -> Vec<WarningJson> {
    warnings
        .iter()
        .map(|w| WarningJson {
            code: w.code,
            message_zh: format!("{}（规则施行前的历史记录）", warning_zh(w.code)),
            message: w.message.clone(),
        })
        .collect()
}

/// Business date, payment-list line, confirmation and warnings of a
/// household payment.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentControls {
    /// 发放日期, `YYYY-MM-DD`.
    pub date: String,
    /// The payment-list line it cites, or null (history before the control).
    pub notice: Option<LineRefJson>,
    /// Its confirmation.
    pub confirmation: ConfirmationJson,
    /// Controls it broke before they were enforced (empty: none).
    pub warnings: Vec<WarningJson>,
}

impl PaymentControls {
    /// Date and line only; confirmation and warnings to be filled in.
    pub(crate) fn blank(s: &HouseholdSubsidy) -> PaymentControls {
        PaymentControls {
            date: s.date.to_string(),
            notice: s.notice.as_ref().map(|r| LineRefJson {
                notice: r.notice.to_string(),
                line: r.line,
            }),
            confirmation: ConfirmationJson {
                status: "not_required",
                status_zh: "无需确认",
                seq: None,
                date: None,
                method: None,
                method_zh: None,
                deadline: None,
            },
            warnings: Vec::new(),
        }
    }
}

/// The controls of each payment in `payments` (subsidies read and checked
/// by the caller): date, line, confirmation and warnings, all from the
/// query index (the confirming entries are not read back: the index keeps
/// their date and method). Takes the read lock itself, briefly; the caller
/// must not hold it.
pub(crate) fn payment_controls(
    app: &AppState,
    payments: &[(u64, &HouseholdSubsidy)],
    visible: u64,
) -> Result<Vec<PaymentControls>, ApiError> {
    let today = today();
    let ledger = ledger(app)?;
    let mut out = Vec::with_capacity(payments.len());
    for (seq, s) in payments {
        let mut c = ledger.query.confirmation(*seq, s.date, today);
        if let Confirmation::Confirmed { by, .. } = c {
            if by >= visible {
                // Not durable yet: as if unconfirmed.
                c = unconfirmed(&ledger, s.date, today);
            }
        }
        let confirmation = match c {
            Confirmation::Confirmed { by, date, method } => ConfirmationJson {
                status: "confirmed",
                status_zh: "已确认",
                seq: Some(by),
                date: Some(date.to_string()),
                method: Some(method.name()),
                method_zh: Some(method.label_zh()),
                deadline: None,
            },
            Confirmation::NotRequired => ConfirmationJson {
                status: "not_required",
                status_zh: "无需确认",
                seq: None,
                date: None,
                method: None,
                method_zh: None,
                deadline: None,
            },
            Confirmation::Pending(deadline) | Confirmation::Overdue(deadline) => {
                let overdue = matches!(c, Confirmation::Overdue(_));
                ConfirmationJson {
                    status: if overdue { "overdue" } else { "pending" },
                    status_zh: if overdue { "逾期未确认" } else { "待确认" },
                    seq: None,
                    date: None,
                    method: None,
                    method_zh: None,
                    deadline: Some(deadline.to_string()),
                }
            }
        };
        out.push(PaymentControls {
            date: s.date.to_string(),
            notice: s.notice.as_ref().map(|r| LineRefJson {
                notice: r.notice.to_string(),
                line: r.line,
            }),
            confirmation,
            warnings: warnings_json(ledger.query.warnings(*seq)),
        });
    }
    Ok(out)
}

/// The status of an unconfirmed payment dated `date`.
fn unconfirmed(ledger: &Ledger, date: Date, today: Date) -> Confirmation {
    // `u64::MAX` is never a confirmed payment: the index answers by date.
    match ledger.query.confirmation(u64::MAX, date, today) {
        Confirmation::Confirmed { .. } => Confirmation::NotRequired,
        other => other,
    }
}

//! Notices (公告公示): a region's notices with their windows (公示中 /
//! 已结束) and one notice with the status of each line.

use super::{region_ref, today, unknown_region, yuan_text};
use crate::api::error::ApiError;
use crate::api::read::{
    blocking, check_leaves, fetch, ledger, parse_region, path_param, view, Loaded, Params, RegionRef, View,
};
use crate::api::AppState;
use crate::query::{LineState, NoticeInfo, QueryIndex};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use ledger_core::entry::EntryBody;
use ledger_core::ids::{Date, Ident};
use ledger_core::procedure::NoticeLines;
use serde::Serialize;
use std::collections::HashMap;

/// 404 `unknown_notice`.
fn unknown_notice(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_notice",
        format!(
            "没有编号为 {} 的公告公示。 No notice {:?} is in the log.",
            crate::api::read::clip(id),
            crate::api::read::clip(id)
        ),
    )
}

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

pub(super) async fn region_notices(
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

pub(super) async fn notice(
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
            return Err(crate::api::read::corrupt_entry(
                seq,
                "the notice index names an entry that is not this notice",
            ));
        };
        if body.notice != id {
            return Err(crate::api::read::corrupt_entry(
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

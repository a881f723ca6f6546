//! The objections (异议) of a region: against its notice lines, its
//! project registrations and the payments to its households.

use super::{region_ref, unknown_region, LineRefJson};
use crate::api::error::ApiError;
use crate::api::read::{
    blocking, check_leaves, fetch, ledger, parse_region, path_param, view, Params, RegionRef, View,
};
use crate::api::AppState;
use crate::query::ObjectionInfo;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use ledger_core::procedure::{ObjectionOutcome, ObjectionTarget};
use serde::Serialize;
use std::collections::HashMap;

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
/// target is read to see whether it concerns the region, per request (only
/// history paid without a list line needs it); past it, the page ends early
/// and `next` goes on from there.
const MAX_TARGET_READS: usize = 1_000;

pub(super) async fn region_objections(
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
        let (region, candidates, stopped_before) = {
            let ledger = ledger(&app)?;
            let q = &ledger.query;
            if q.region(code).is_none() {
                return Err(unknown_region(code));
            }
            let mut candidates: Vec<(ObjectionInfo, bool)> = Vec::new();
            let (mut maybe, mut certain_count) = (0usize, 0usize);
            // Where the scan stopped because the target reads ran out: the
            // next page goes on from there, so nothing is ever skipped.
            let mut stopped_before: Option<u64> = None;
            let mut last_examined: Option<u64> = None;
            for o in q.objections().iter().rev() {
                if o.seq >= visible || before.is_some_and(|b| o.seq >= b) {
                    continue;
                }
                let certain = code.covers(o.region) || o.village.is_some_and(|v| code.covers(v));
                // Against a payment from above the region whose village the
                // index does not know (history paid without a list line):
                // its target is read to decide.
                let entry_above = o.village.is_none()
                    && matches!(o.target, ObjectionTarget::Entry(_))
                    && o.region.covers(code)
                    && o.region != code;
                if certain {
                    certain_count += 1;
                    candidates.push((o.clone(), true));
                } else if entry_above {
                    if maybe == MAX_TARGET_READS {
                        stopped_before = last_examined;
                        break;
                    }
                    maybe += 1;
                    candidates.push((o.clone(), false));
                }
                last_examined = Some(o.seq);
                if certain_count > limit {
                    break;
                }
            }
            (region_ref(q, code), candidates, stopped_before)
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
            stopped_before
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
                _ => {
                    return Err(crate::api::read::corrupt_entry(
                        o.seq,
                        "the objection index names another entry",
                    ))
                }
            };
            let decided = o.decided.filter(|(s, _, _)| *s < visible);
            let reason = match decided {
                Some((seq, _, _)) => match texts.get(&seq) {
                    Some(EntryBody::ObjectionResolve(x)) if x.case_no == o.case_no => Some(x.reason.to_string()),
                    _ => {
                        return Err(crate::api::read::corrupt_entry(
                            seq,
                            "the objection index names another entry",
                        ))
                    }
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

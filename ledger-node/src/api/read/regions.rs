//! The region tree with totals, and a region's flows: funds in, projects,
//! subsidies, totals by source, category and year, and a sankey.

use super::flows_cache::{CachedAnswer, FlowsKey, Validity};
use super::{
    blocking, check_leaves, fetch, ledger, level_name, parse_region, path_param, view, Loaded, Params, RegionRef,
    Sankey, View,
};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::query::{QueryIndex, RegionAgg, RegionInfo};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::entry::{EntryBody, FundCategory, FundSource, ProjectCategory, SubsidyCategory};
use ledger_core::region::RegionCode;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/regions", get(regions))
        .route("/v1/regions/{code}/flows", get(flows))
}

/// Totals of a region's subtree.
#[derive(Debug, Serialize)]
pub struct RegionTotals {
    /// Money that reached the subtree's treasuries and projects from outside
    /// it, net of reversals.
    pub received_fen: u64,
    /// Subsidies paid to the subtree's households, net of reversals.
    pub households_fen: u64,
    /// Distinct households paid (a household paid in two villages counts in each).
    pub households: u64,
    /// Subsidy payments, net of reversals.
    pub subsidies: u64,
    /// Paid to contractors for the subtree's projects, net of reversals.
    pub projects_fen: u64,
    /// Projects registered in the subtree.
    pub projects: u64,
    /// Money held now in the subtree's treasuries and project accounts.
    pub balance_fen: u64,
}

fn totals(agg: &RegionAgg) -> RegionTotals {
    RegionTotals {
        received_fen: agg.received.amount,
        households_fen: agg.subsidies.amount,
        households: agg.households,
        subsidies: agg.subsidies.count,
        projects_fen: agg.project_payments.amount,
        projects: agg.projects.len() as u64,
        balance_fen: agg.balance(),
    }
}

/// One region of `/v1/regions`.
#[derive(Debug, Serialize)]
pub struct RegionItem {
    /// 12-digit code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `district`, `town` or `village`.
    pub level: &'static str,
    /// Parent code, null for a district.
    pub parent: Option<String>,
    /// Subtree totals.
    pub totals: RegionTotals,
}

/// `GET /v1/regions`.
#[derive(Debug, Serialize)]
pub struct RegionList {
    /// Every registered region, in code order (parents before children).
    pub regions: Vec<RegionItem>,
}

async fn regions(State(app): State<AppState>) -> Result<Json<RegionList>, ApiError> {
    blocking(move || {
        view(&app)?;
        let ledger = ledger(&app)?;
        let regions = ledger
            .query
            .regions()
            .iter()
            .map(|(code, info)| RegionItem {
                code: code.to_string(),
                name: info.name.clone(),
                level: level_name(*code),
                parent: code.parent().map(|p| p.to_string()),
                totals: totals(&info.agg),
            })
            .collect();
        Ok(Json(RegionList { regions }))
    })
    .await
}

/// A fund's contribution to a region.
#[derive(Debug, Serialize)]
pub struct FundIn {
    /// Fund id.
    pub fund: String,
    /// Title.
    pub title: String,
    /// 文号.
    pub document_no: String,
    /// Source.
    pub source: &'static str,
    /// Source, Chinese.
    pub source_zh: &'static str,
    /// Fiscal year.
    pub fiscal_year: u16,
    /// Category.
    pub category: &'static str,
    /// Category, Chinese.
    pub category_zh: &'static str,
    /// Received from this fund, net.
    pub amount_fen: u64,
    /// Receiving entries, net.
    pub count: u64,
}

/// Received by source.
#[derive(Debug, Serialize)]
pub struct BySource {
    /// Source.
    pub source: &'static str,
    /// Chinese.
    pub source_zh: &'static str,
    /// Fen.
    pub amount_fen: u64,
}

/// Received by fund category, or subsidies by subsidy category.
#[derive(Debug, Serialize)]
pub struct ByCategory {
    /// Category.
    pub category: &'static str,
    /// Chinese.
    pub category_zh: &'static str,
    /// Fen.
    pub amount_fen: u64,
    /// Entries.
    pub count: u64,
}

/// Amount by year.
#[derive(Debug, Serialize)]
pub struct ByYear {
    /// Year.
    pub year: u16,
    /// Fen.
    pub amount_fen: u64,
    /// Entries.
    pub count: u64,
}

/// A project of the region.
#[derive(Debug, Serialize)]
pub struct ProjectItem {
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
    /// Budget.
    pub budget_fen: u64,
    /// Paid to contractors, net.
    pub paid_fen: u64,
    /// 实施单位.
    pub implementer: String,
    /// The registering entry.
    pub register_seq: u64,
}

/// A household payment of the region.
#[derive(Debug, Serialize)]
pub struct SubsidyItem {
    /// Entry.
    pub seq: u64,
    /// Sequencing time, Unix ms.
    pub time_ms: u64,
    /// Household reference, hex.
    pub household: String,
    /// Masked name.
    pub masked_name: String,
    /// Village code.
    pub village: String,
    /// Fund id.
    pub fund: String,
    /// Category (its Chinese label is in the answer's `labels.category`).
    pub category: &'static str,
    /// `2019` or `2019-03`.
    pub period: String,
    /// Fen.
    pub amount_fen: u64,
    /// The reversing entry, only when reversed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reversed_by: Option<u64>,
    /// Only for a supplementary payment (补发/差额补足, issue 14): why, the
    /// earlier payment it adds to, and the note a citizen reads. Omitted
    /// otherwise, so that a plain payment's row is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplementary: Option<SupplementJson>,
    /// Business date, payment-list line, confirmation, warnings.
    #[serde(flatten)]
    pub controls: super::controls::PaymentControls,
}

/// A supplementary payment's `supplementary` (FORMAT.md: `Supplement`).
#[derive(Debug, Serialize)]
pub struct SupplementJson {
    /// `back_pay` (补发) or `top_up` (差额补足): stable codes (the row is
    /// lean: the page knows the two words).
    pub reason: &'static str,
    /// The earlier payment (same household, category and period).
    pub of_seq: u64,
    /// The explanation a citizen reads (批准文号, what was underpaid).
    pub note: String,
}

impl SupplementJson {
    fn of(s: &ledger_core::entry::Supplement) -> Self {
        SupplementJson {
            reason: s.reason.name(),
            of_seq: s.of_seq,
            note: s.note.to_string(),
        }
    }
}

/// A payment's item with its controls still blank (`date` only): the
/// caller fills them from [`super::controls::payment_controls`], which
/// reads the store and so runs outside the read lock.
pub(crate) fn subsidy_item(
    ledger: &crate::ledger::Ledger,
    l: &Loaded,
    s: &ledger_core::entry::HouseholdSubsidy,
    visible: u64,
) -> SubsidyItem {
    SubsidyItem {
        seq: l.seq,
        time_ms: l.decoded.entry.time_ms,
        household: s.household.to_string(),
        masked_name: s.masked_name.to_string(),
        village: s.village.to_string(),
        fund: s.fund.to_string(),
        category: s.category.name(),
        period: s.period.to_string(),
        amount_fen: s.amount.get(),
        reversed_by: super::reversed_by(ledger, l.seq, visible),
        supplementary: s.supplementary.as_ref().map(SupplementJson::of),
        controls: super::controls::PaymentControls::blank(s),
    }
}

/// The region's household payments.
#[derive(Debug, Serialize)]
pub struct Subsidies {
    /// Total, net of reversals.
    pub total_fen: u64,
    /// Payments, net of reversals.
    pub count: u64,
    /// By subsidy category.
    pub by_category: Vec<ByCategory>,
    /// By period year.
    pub by_year: Vec<ByYear>,
    /// One page of payments, oldest first (reversed ones included, marked).
    pub items: Vec<SubsidyItem>,
    /// `after` cursor of the next page, or null at the end.
    pub next: Option<u64>,
    /// The Chinese labels of the items' codes and the texts of their
    /// warnings, once per answer (`labels`, `warning_texts`).
    #[serde(flatten)]
    pub texts: super::controls::PaymentTexts,
    /// The Chinese texts of the items' `controls` checks, once per answer.
    pub control_texts: BTreeMap<&'static str, super::controls::CheckTexts>,
    /// The checks run on every payment of the answer, named once: a
    /// check named here and absent from a row's `controls.checks` passed.
    pub checked: &'static [&'static str],
}

/// `GET /v1/regions/{code}/flows`.
#[derive(Debug, Serialize)]
pub struct Flows {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: &'static str,
    /// Parent, null for a district.
    pub parent: Option<RegionRef>,
    /// Registered children.
    pub children: Vec<RegionRef>,
    /// Subtree totals.
    pub totals: RegionTotals,
    /// Money received, per fund.
    pub funds_in: Vec<FundIn>,
    /// Money received, per fund source.
    pub by_source: Vec<BySource>,
    /// Money received, per fund category.
    pub by_category: Vec<ByCategory>,
    /// Money received, per fund fiscal year.
    pub by_year: Vec<ByYear>,
    /// Projects registered in the subtree.
    pub projects: Vec<ProjectItem>,
    /// Household payments.
    pub subsidies: Subsidies,
    /// source → district → town → village → project and subsidy categories (and what is held).
    pub sankey: Sankey,
}

async fn flows(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let code = parse_region(&path_param(path)?)?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit_or(FLOWS_DEFAULT_PAGE, app.limits.max_page)?;
    // Only the first `If-None-Match` is read; a value that is not text
    // matches nothing.
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let key = FlowsKey { code, after, limit };
        let validity = Validity {
            size: visible,
            today: super::controls::today(),
        };
        let answer = match app.flows_cache.get(&key, validity) {
            Some(answer) => answer,
            None => {
                let flows = flows_answer(&app, key, validity)?;
                let body = serde_json::to_vec(&flows)
                    .map_err(|e| ApiError::internal(format!("serializing the flows answer: {e}")))?;
                let answer = Arc::new(CachedAnswer::new(body));
                app.flows_cache.put(key, validity, answer.clone());
                answer
            }
        };
        let etag = HeaderValue::from_str(&answer.etag)
            .map_err(|_| ApiError::internal("the flows answer's ETag is not a header value"))?;
        if if_none_match.as_deref().is_some_and(|tags| answer.matches(tags)) {
            app.flows_cache.metrics().not_modified.inc();
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
        }
        Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (header::ETAG, etag),
            ],
            answer.body.clone(),
        )
            .into_response())
    })
    .await
}

/// The answer of `GET /v1/regions/{code}/flows` for one page, as of the
/// view of `validity` (built when the cache has none).
fn flows_answer(app: &AppState, key: FlowsKey, validity: Validity) -> Result<Flows, ApiError> {
    let FlowsKey { code, after, limit } = key;
    let visible = validity.size;
    // Subsidy page first (store reads, no lock), then aggregates.
    let (page, next) = subsidy_page(app, code, after, limit, visible)?;
    let payments: Vec<(u64, &ledger_core::entry::HouseholdSubsidy)> = page
        .iter()
        .filter_map(|l| match l.body() {
            EntryBody::HouseholdSubsidy(s) => Some((l.seq, s)),
            _ => None,
        })
        .collect();
    let (controls, texts) = super::controls::payment_controls_on(app, &payments, visible, validity.today)?;
    let mut controls = controls.into_iter();
    let ledger = ledger(app)?;
    check_leaves(&ledger, &page)?;
    let q = &ledger.query;
    let info = q
        .region(code)
        .ok_or_else(|| ApiError::not_found(format!("region {code} is not in the log's region table")))?;
    let items = page
        .iter()
        .filter_map(|l| match l.body() {
            EntryBody::HouseholdSubsidy(s) => controls.next().map(|controls| SubsidyItem {
                controls,
                ..subsidy_item(&ledger, l, s, visible)
            }),
            _ => None,
        })
        .collect();
    Ok(build_flows(q, code, info, items, next, texts))
}

/// Payments on a page of flows when the client names no `limit` (others
/// list 50): each row is an entry read back from the store, checked against
/// its leaf and decoded, plus its controls, so the page's rows are most of
/// the answer's cost; 20 keep the village query within its p99 target of
/// 5 ms (issue 12, docs/PERFORMANCE.md), and the page loads more on demand.
pub const FLOWS_DEFAULT_PAGE: usize = 20;

/// One page of the region's household payments, from the payment list the
/// aggregates keep per region (`query::RegionInfo::payments`): only the
/// page's own entries are read, never the notices and confirmations the
/// store's region index interleaves with them. Returns the payments and
/// the cursor of the next page (null at the end).
fn subsidy_page(
    app: &AppState,
    code: RegionCode,
    after: Option<u64>,
    limit: usize,
    visible: u64,
) -> Result<(Vec<Loaded>, Option<u64>), ApiError> {
    // One more than the page: is there a next page?
    let mut seqs = ledger(app)?
        .query
        .region_payments(code, after, visible, limit.saturating_add(1));
    let more = seqs.len() > limit;
    seqs.truncate(limit);
    let page = fetch(app, &seqs)?;
    for loaded in &page {
        // Verify on read: the list must only hold payments to households in
        // the region.
        match loaded.body() {
            EntryBody::HouseholdSubsidy(subsidy) if code.covers(subsidy.village) => {}
            EntryBody::HouseholdSubsidy(subsidy) => {
                return Err(super::corrupt_entry(
                    loaded.seq,
                    format!(
                        "the payments of region {code} list a payment to village {}",
                        subsidy.village
                    ),
                ))
            }
            other => {
                return Err(super::corrupt_entry(
                    loaded.seq,
                    format!("the payments of region {code} list a {} entry", other.kind().name()),
                ))
            }
        }
    }
    let next = if more { page.last().map(|l| l.seq) } else { None };
    Ok((page, next))
}

fn build_flows(
    q: &QueryIndex,
    code: RegionCode,
    info: &RegionInfo,
    items: Vec<SubsidyItem>,
    next: Option<u64>,
    texts: super::controls::PaymentTexts,
) -> Flows {
    let agg = &info.agg;
    let mut funds_in = Vec::new();
    let mut by_source: BTreeMap<FundSource, u64> = BTreeMap::new();
    let mut by_category: BTreeMap<FundCategory, (u64, u64)> = BTreeMap::new();
    let mut by_year: BTreeMap<u16, (u64, u64)> = BTreeMap::new();
    for (index, tally) in &agg.received_by_fund {
        let Some(f) = q.fund_at(*index) else { continue };
        if tally.amount == 0 && tally.count == 0 {
            continue; // wholly reversed
        }
        funds_in.push(FundIn {
            fund: f.id.to_string(),
            title: f.title.to_string(),
            document_no: f.document_no.to_string(),
            source: f.source.name(),
            source_zh: f.source.label_zh(),
            fiscal_year: f.fiscal_year,
            category: f.category.name(),
            category_zh: f.category.label_zh(),
            amount_fen: tally.amount,
            count: tally.count,
        });
        let s = by_source.entry(f.source).or_default();
        *s = s.saturating_add(tally.amount);
        let c = by_category.entry(f.category).or_default();
        *c = (c.0.saturating_add(tally.amount), c.1.saturating_add(tally.count));
        let y = by_year.entry(f.fiscal_year).or_default();
        *y = (y.0.saturating_add(tally.amount), y.1.saturating_add(tally.count));
    }
    let projects = agg
        .projects
        .iter()
        .filter_map(|i| q.project_at(*i))
        .map(|p| ProjectItem {
            id: p.id.to_string(),
            name: p.name.clone(),
            village: p.village.to_string(),
            village_name: q.region_name(p.village),
            category: p.category.name(),
            category_zh: p.category.label_zh(),
            budget_fen: p.budget,
            paid_fen: p.paid.amount,
            implementer: p.implementer.clone(),
            register_seq: p.register_seq,
        })
        .collect();
    let subsidies = Subsidies {
        total_fen: agg.subsidies.amount,
        count: agg.subsidies.count,
        by_category: SubsidyCategory::ALL
            .iter()
            .zip(agg.subsidies_by_category.iter())
            .filter(|(_, t)| t.count > 0)
            .map(|(c, t)| ByCategory {
                category: c.name(),
                category_zh: c.label_zh(),
                amount_fen: t.amount,
                count: t.count,
            })
            .collect(),
        by_year: agg
            .subsidies_by_year
            .iter()
            .filter(|(_, t)| t.count > 0)
            .map(|(year, t)| ByYear {
                year: *year,
                amount_fen: t.amount,
                count: t.count,
            })
            .collect(),
        items,
        next,
        texts,
        control_texts: super::controls::control_texts(),
        checked: &super::controls::CHECKS,
    };
    Flows {
        code: code.to_string(),
        name: info.name.clone(),
        level: level_name(code),
        parent: code.parent().map(|p| RegionRef {
            code: p.to_string(),
            name: q.region_name(p),
        }),
        children: info
            .children
            .iter()
            .map(|c| RegionRef {
                code: c.to_string(),
                name: q.region_name(*c),
            })
            .collect(),
        totals: totals(agg),
        funds_in,
        by_source: by_source
            .into_iter()
            .map(|(s, amount_fen)| BySource {
                source: s.name(),
                source_zh: s.label_zh(),
                amount_fen,
            })
            .collect(),
        by_category: by_category
            .into_iter()
            .map(|(c, (amount_fen, count))| ByCategory {
                category: c.name(),
                category_zh: c.label_zh(),
                amount_fen,
                count,
            })
            .collect(),
        by_year: by_year
            .into_iter()
            .map(|(year, (amount_fen, count))| ByYear {
                year,
                amount_fen,
                count,
            })
            .collect(),
        projects,
        subsidies,
        sankey: region_sankey(q, code, agg),
    }
}

/// source → district → town → … → this region → what the money became.
///
/// Every link into the region carries the money of one source that either
/// reached the region's households and projects or is held in its accounts,
/// so the diagram balances at every node. The chain of ancestors shows the
/// hierarchy that money passed into (a region's money is inside each
/// ancestor's subtree), not individual transfers.
fn region_sankey(q: &QueryIndex, code: RegionCode, agg: &RegionAgg) -> Sankey {
    let mut sankey = Sankey::default();
    let mut chain = Vec::new();
    let mut cursor = Some(code);
    while let Some(c) = cursor {
        if q.region(c).is_some() {
            chain.push(c);
        }
        cursor = c.parent();
    }
    chain.reverse();
    let Some(top) = chain.first().copied() else {
        return sankey;
    };
    let top_id = format!("region:{top}");
    let mut total = 0u64;
    for source in FundSource::ALL {
        let value = agg.benefit_by_source[*source as usize].saturating_add(agg.held_by_source[*source as usize]);
        if value > 0 {
            let id = format!("source:{}", source.name());
            sankey.node(&id, source.label_zh());
            sankey.node(&top_id, &q.region_name(top));
            sankey.link(&id, &top_id, value);
            total = total.saturating_add(value);
        }
    }
    if total == 0 {
        return sankey;
    }
    for pair in chain.windows(2) {
        let (a, b) = (format!("region:{}", pair[0]), format!("region:{}", pair[1]));
        sankey.node(&b, &q.region_name(pair[1]));
        sankey.link(&a, &b, total);
    }
    let here = format!("region:{code}");
    for (category, tally) in ProjectCategory::ALL.iter().zip(agg.project_payments_by_category.iter()) {
        if tally.amount > 0 {
            let id = format!("project:{}", category.name());
            sankey.node(&id, &format!("项目·{}", category.label_zh()));
            sankey.link(&here, &id, tally.amount);
        }
    }
    for (category, tally) in SubsidyCategory::ALL.iter().zip(agg.subsidies_by_category.iter()) {
        if tally.amount > 0 {
            let id = format!("household:{}", category.name());
            sankey.node(&id, &format!("到户·{}", category.label_zh()));
            sankey.link(&here, &id, tally.amount);
        }
    }
    let held = agg.balance();
    if held > 0 {
        sankey.node("balance", "结余（账户余额）");
        sankey.link(&here, "balance", held);
    }
    sankey
}

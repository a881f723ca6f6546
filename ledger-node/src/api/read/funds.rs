//! A fund's trace: from its source through the accounts to the payees.

use super::{blocking, check_leaves, fetch, ledger, path_param, view, Loaded, Params, Sankey, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ledger::Ledger;
use crate::query::{FlowNode, FundInfo, QueryIndex};
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
    Router::new().route("/v1/funds/{id}/trace", get(trace))
}

/// The fund.
#[derive(Debug, Serialize)]
pub struct FundJson {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// 文号.
    pub document_no: String,
    /// Source.
    pub source: &'static str,
    /// Chinese.
    pub source_zh: &'static str,
    /// Category.
    pub category: &'static str,
    /// Chinese.
    pub category_zh: &'static str,
    /// Fiscal year.
    pub fiscal_year: u16,
    /// Issued, net of a reversal of the issue.
    pub issued_fen: u64,
    /// The issuing entry.
    pub issue_seq: u64,
    /// The account it was issued into.
    pub issued_to: String,
    /// Held in the ledger's accounts now.
    pub held_fen: u64,
    /// Paid out to payees and households, net.
    pub paid_out_fen: u64,
}

/// One movement of the fund's money.
#[derive(Debug, Serialize)]
pub struct Movement {
    /// Entry.
    pub seq: u64,
    /// Sequencing time, Unix ms.
    pub time_ms: u64,
    /// Entry kind.
    pub kind: &'static str,
    /// Chinese.
    pub kind_zh: &'static str,
    /// `source:<source>`, an account key, `payee:<id>` or `household:<ref>`.
    pub from: String,
    /// Name of `from`.
    pub from_name: String,
    /// As `from`.
    pub to: String,
    /// Name of `to`.
    pub to_name: String,
    /// Fen.
    pub amount_fen: u64,
    /// The reversing entry, if reversed.
    pub reversed_by: Option<u64>,
    /// For a reversal: the entry it undoes.
    pub reverses: Option<u64>,
}

/// What an account holds of the fund.
#[derive(Debug, Serialize)]
pub struct FundBalance {
    /// Account key.
    pub account: String,
    /// Name.
    pub account_name: String,
    /// Fen.
    pub balance_fen: u64,
}

/// Money that left custody to a contractor, or to the households of a village.
#[derive(Debug, Serialize)]
pub struct PayeeTotal {
    /// `payee` (a contractor; `id` is its credit code) or `households` (the
    /// households of one village, grouped; `id` is the village code — the
    /// village's flows list each household's payment).
    pub kind: &'static str,
    /// Payee id or village code.
    pub id: String,
    /// Payee name, or `<village>农户`.
    pub name: String,
    /// The village for `households`; null for a contractor.
    pub region: Option<String>,
    /// Fen, net.
    pub amount_fen: u64,
    /// Payments, net.
    pub count: u64,
}

/// `GET /v1/funds/{id}/trace`.
#[derive(Debug, Serialize)]
pub struct Trace {
    /// The fund.
    pub fund: FundJson,
    /// One page of the fund's entries, oldest first.
    pub movements: Vec<Movement>,
    /// `after` cursor of the next page of movements, or null.
    pub next: Option<u64>,
    /// Non-zero balances of the fund, per account.
    pub balances: Vec<FundBalance>,
    /// Where the money left custody, largest first.
    pub payees: Vec<PayeeTotal>,
    /// source → accounts → payees (and what is still held).
    pub sankey: Sankey,
}

async fn trace(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Trace>, ApiError> {
    let id = path_param(path)?;
    let id = Ident::new(&id).map_err(|e| ApiError::bad_param(format!("fund id: {e}")))?;
    let params = Params::from(query)?;
    let after = params.u64("after")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let key = IndexKey::Fund(id.clone());
        let mut seqs = app
            .shared
            .store
            .index_scan(&key, after, visible, limit + 1)
            .map_err(super::storage)?;
        let next = if seqs.len() > limit {
            seqs.truncate(limit);
            seqs.last().copied()
        } else {
            None
        };
        let page = fetch(&app, &seqs)?;
        // A reversal's movement is its target's, backwards.
        let targets: Vec<u64> = page
            .iter()
            .filter_map(|l| match l.body() {
                EntryBody::Reversal(r) => Some(r.target_seq),
                _ => None,
            })
            .collect();
        let targets = fetch(&app, &targets)?;
        let ledger = ledger(&app)?;
        check_leaves(&ledger, &page)?;
        check_leaves(&ledger, &targets)?;
        let fund = ledger
            .query
            .fund(&id)
            .ok_or_else(|| ApiError::not_found(format!("fund {id} has not been issued")))?;
        let movements = page
            .iter()
            .filter_map(|l| movement(&ledger, l, &targets, visible))
            .collect();
        Ok(Json(Trace {
            fund: fund_json(&ledger.query, fund),
            movements,
            next,
            balances: fund
                .balances
                .iter()
                .filter(|(_, b)| **b > 0)
                .map(|(account, b)| FundBalance {
                    account: ledger.query.account_key(*account),
                    account_name: ledger.query.account_name(*account),
                    balance_fen: *b,
                })
                .collect(),
            payees: payees(&ledger.query, fund),
            sankey: fund_sankey(&ledger.query, fund),
        }))
    })
    .await
}

fn fund_json(q: &QueryIndex, f: &FundInfo) -> FundJson {
    let held = f.balances.values().fold(0u64, |a, b| a.saturating_add(*b));
    let paid = f.payees.values().fold(0u64, |a, t| a.saturating_add(t.amount));
    FundJson {
        id: f.id.to_string(),
        title: f.title.to_string(),
        document_no: f.document_no.to_string(),
        source: f.source.name(),
        source_zh: f.source.label_zh(),
        category: f.category.name(),
        category_zh: f.category.label_zh(),
        fiscal_year: f.fiscal_year,
        issued_fen: f.issued,
        issue_seq: f.issue_seq,
        issued_to: q.account_key(f.issued_to),
        held_fen: held,
        paid_out_fen: paid,
    }
}

/// (from, from_name, to, to_name, amount) of a money entry.
fn endpoints(ledger: &Ledger, body: &EntryBody) -> Option<(String, String, String, String, u64)> {
    let q = &ledger.query;
    let account = |a: &ledger_core::entry::Account| (a.key(), super::account_label(ledger, a));
    match body {
        EntryBody::FundIssue(f) => {
            let (to, to_name) = account(&f.to);
            Some((
                format!("source:{}", f.source.name()),
                f.source.label_zh().to_string(),
                to,
                to_name,
                f.amount.get(),
            ))
        }
        EntryBody::Transfer(t) => {
            let ((from, from_name), (to, to_name)) = (account(&t.from), account(&t.to));
            Some((from, from_name, to, to_name, t.amount.get()))
        }
        EntryBody::ProjectDisbursement(d) => {
            let (from, from_name) = account(&d.from);
            Some((
                from,
                from_name,
                format!("payee:{}", d.payee.id),
                d.payee.name.to_string(),
                d.amount.get(),
            ))
        }
        EntryBody::HouseholdSubsidy(s) => {
            let (from, from_name) = account(&s.from);
            let to_name = format!("{} {}", q.region_name(s.village), s.masked_name);
            Some((
                from,
                from_name,
                format!("household:{}", s.household),
                to_name,
                s.amount.get(),
            ))
        }
        _ => None,
    }
}

fn movement(ledger: &Ledger, l: &Loaded, targets: &[Loaded], visible: u64) -> Option<Movement> {
    let body = l.body();
    let kind = body.kind();
    let (from, from_name, to, to_name, amount, reverses) = match body {
        EntryBody::Reversal(r) => {
            let target = targets.iter().find(|t| t.seq == r.target_seq)?;
            let (from, from_name, to, to_name, amount) = endpoints(ledger, target.body())?;
            (to, to_name, from, from_name, amount, Some(r.target_seq))
        }
        other => {
            let (from, from_name, to, to_name, amount) = endpoints(ledger, other)?;
            (from, from_name, to, to_name, amount, None)
        }
    };
    Some(Movement {
        seq: l.seq,
        time_ms: l.decoded.entry.time_ms,
        kind: kind.name(),
        kind_zh: kind.label_zh(),
        from,
        from_name,
        to,
        to_name,
        amount_fen: amount,
        reversed_by: super::reversed_by(ledger, l.seq, visible),
        reverses,
    })
}

fn node_id(q: &QueryIndex, f: &FundInfo, node: FlowNode) -> (String, String) {
    match node {
        FlowNode::Source => (
            format!("source:{}", f.source.name()),
            format!("{}·{}", f.source.label_zh(), f.title),
        ),
        FlowNode::Account(a) => (format!("account:{}", q.account_key(a)), q.account_name(a)),
        FlowNode::Payee(p) => match q.payee_at(p) {
            Some(payee) => (format!("payee:{}", payee.id), payee.name.clone()),
            None => (format!("payee:#{p}"), format!("收款单位#{p}")),
        },
        FlowNode::Households(v) => (format!("households:{v}"), format!("{}农户", q.region_name(v))),
    }
}

fn payees(q: &QueryIndex, f: &FundInfo) -> Vec<PayeeTotal> {
    let mut out: Vec<PayeeTotal> = f
        .payees
        .iter()
        .filter(|(_, t)| t.count > 0)
        .map(|(node, t)| {
            let (kind, id, region) = match node {
                FlowNode::Payee(p) => (
                    "payee",
                    q.payee_at(*p).map(|x| x.id.to_string()).unwrap_or_default(),
                    None,
                ),
                FlowNode::Households(v) => ("households", v.to_string(), Some(v.to_string())),
                _ => ("payee", String::new(), None),
            };
            let (_, name) = node_id(q, f, *node);
            PayeeTotal {
                kind,
                id,
                name,
                region,
                amount_fen: t.amount,
                count: t.count,
            }
        })
        .collect();
    out.sort_by(|a, b| b.amount_fen.cmp(&a.amount_fen).then_with(|| a.id.cmp(&b.id)));
    out
}

fn fund_sankey(q: &QueryIndex, f: &FundInfo) -> Sankey {
    let mut sankey = Sankey::default();
    for ((from, to), tally) in &f.flows {
        if tally.amount == 0 {
            continue;
        }
        let (a, a_label) = node_id(q, f, *from);
        let (b, b_label) = node_id(q, f, *to);
        sankey.node(&a, &a_label);
        sankey.node(&b, &b_label);
        sankey.link(&a, &b, tally.amount);
    }
    // What each account still holds, so that every account node balances.
    for (account, balance) in &f.balances {
        if *balance > 0 {
            let (a, a_label) = node_id(q, f, FlowNode::Account(*account));
            sankey.node(&a, &a_label);
            sankey.node("balance", "结余（账户余额）");
            sankey.link(&a, "balance", *balance);
        }
    }
    sankey
}

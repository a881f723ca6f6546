//! An account's balances and its latest entries.

use super::{blocking, clip, entries_json, ledger, path_param, view, EntryJson, Params, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::store::IndexKey;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use ledger_core::entry::Account;
use serde::Serialize;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/accounts/{account}", get(account))
}

/// One fund held.
#[derive(Debug, Serialize)]
pub struct AccountBalance {
    /// Fund id.
    pub fund: String,
    /// Fund title.
    pub title: String,
    /// Fen.
    pub balance_fen: u64,
}

/// `GET /v1/accounts/{account}`.
#[derive(Debug, Serialize)]
pub struct AccountAnswer {
    /// `treasury:<code>` or `project:<id>`.
    pub account: String,
    /// 区财政局 / 镇财政所 / 村集体账户, or the project's name.
    pub name: String,
    /// The region it belongs to (a project's village).
    pub region: Option<String>,
    /// Total held.
    pub balance_fen: u64,
    /// Non-zero balances per fund.
    pub balances: Vec<AccountBalance>,
    /// Entries debiting or crediting it, newest first.
    pub recent: Vec<EntryJson>,
    /// `before` cursor of the next (older) page, or null.
    pub next: Option<u64>,
}

async fn account(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<AccountAnswer>, ApiError> {
    let text = path_param(path)?;
    // Longest valid key: `project:` and a 64-byte id. Refuse longer before
    // the parser echoes the input into its message.
    if text.len() > 80 {
        return Err(ApiError::bad_param(format!("account {:?}… is too long", clip(&text))));
    }
    let account = Account::parse(&text).map_err(ApiError::bad_param)?;
    let params = Params::from(query)?;
    let before = params.u64("before")?;
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let below = before.unwrap_or(visible).min(visible);
        let mut seqs = app
            .shared
            .store
            .index_scan_rev(&IndexKey::Account(account.clone()), below, limit + 1)
            .map_err(super::storage)?;
        let next = if seqs.len() > limit {
            seqs.truncate(limit);
            seqs.last().copied()
        } else {
            None
        };
        let recent = entries_json(&app, &seqs, visible)?;
        let ledger = ledger(&app)?;
        let q = &ledger.query;
        let id = q
            .account_id(&account)
            .ok_or_else(|| ApiError::not_found(format!("account {} is not known to the log", account.key())))?;
        let balances: Vec<AccountBalance> = q
            .balances_of(id)
            .into_iter()
            .filter_map(|(f, b)| {
                q.fund_at(f).map(|fund| AccountBalance {
                    fund: fund.id.to_string(),
                    title: fund.title.to_string(),
                    balance_fen: b,
                })
            })
            .collect();
        Ok(Json(AccountAnswer {
            account: account.key(),
            name: q.account_name(id),
            region: q.account_region(id).map(|r| r.to_string()),
            balance_fen: balances.iter().fold(0u64, |s, b| s.saturating_add(b.balance_fen)),
            balances,
            recent,
            next,
        }))
    })
    .await
}

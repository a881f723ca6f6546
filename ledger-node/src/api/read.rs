//! The public read API: no login, CORS, rate-limited, paginated, JSON.

use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

/// Routes of the public read API.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/log", get(log_info)).route("/v1/checkpoint", get(checkpoint))
}

/// `GET /v1/log`.
#[derive(Debug, Serialize)]
pub struct LogInfo {
    /// The log's origin.
    pub origin: String,
    /// The log key in force, signed-note verifier form.
    pub log_vkey: String,
    /// Every log key with the tree size from which it signs.
    pub log_keys: Vec<LogKeyInfo>,
    /// Durable entries.
    pub size: u64,
    /// Merkle root at `size`, hex.
    pub root: String,
    /// Title from genesis.
    pub title: String,
}

/// One log key.
#[derive(Debug, Serialize)]
pub struct LogKeyInfo {
    /// Signs checkpoints of tree sizes from this one on.
    pub from_size: u64,
    /// The key.
    pub vkey: String,
}

async fn log_info(State(app): State<AppState>) -> Result<Json<LogInfo>, ApiError> {
    let latest = app.shared.latest().ok_or_else(|| ApiError::not_found("the log has no genesis yet"))?;
    let ledger = app.shared.ledger.read().map_err(|_| ApiError::internal("state lock"))?;
    Ok(Json(LogInfo {
        origin: ledger.state.origin().unwrap_or_default().to_string(),
        log_vkey: ledger.state.log_vkey_for_size(latest.size).unwrap_or_default().to_string(),
        log_keys: ledger
            .state
            .log_vkey_history()
            .iter()
            .map(|(from, vkey)| LogKeyInfo { from_size: *from, vkey: vkey.clone() })
            .collect(),
        size: latest.size,
        root: hex::encode(latest.root.0),
        title: ledger.query.title().to_string(),
    }))
}

async fn checkpoint(State(app): State<AppState>) -> Result<Response, ApiError> {
    let latest = app.shared.latest().ok_or_else(|| ApiError::not_found("the log has no genesis yet"))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], latest.note.clone())
        .into_response())
}

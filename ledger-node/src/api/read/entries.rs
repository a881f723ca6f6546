//! The log itself: `/v1/log`, `/v1/checkpoint`, entries by range and by
//! sequence, inclusion and consistency proofs.

use super::{
    blocking, check_leaves, entries_json, entry_json, fetch, ledger, parse_u64, path_param, view, EntryJson, Params,
    View,
};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ledger::Ledger;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/log", get(log_info))
        .route("/v1/checkpoint", get(checkpoint))
        .route("/v1/entries", get(entries))
        .route("/v1/entries/{seq}", get(entry))
        .route("/v1/proof/inclusion", get(inclusion))
        .route("/v1/proof/consistency", get(consistency))
}

/// `GET /v1/log`.
#[derive(Debug, Serialize)]
pub struct LogInfo {
    /// The log's origin.
    pub origin: String,
    /// The log key in force at `size`, signed-note verifier form.
    pub log_vkey: String,
    /// Every log key with the tree size from which it signs.
    pub log_keys: Vec<LogKeyInfo>,
    /// Durable entries (the latest checkpoint's size).
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
    // Off the async workers: the ledger lock may be held by the sequencer.
    blocking(move || {
        let View { latest, .. } = view(&app)?;
        let ledger = ledger(&app)?;
        // Keys rotated by entries that are not yet durable are not shown.
        let log_keys = ledger
            .state
            .log_vkey_history()
            .iter()
            .filter(|(from, _)| *from <= latest.size)
            .map(|(from, vkey)| LogKeyInfo {
                from_size: *from,
                vkey: vkey.clone(),
            })
            .collect();
        Ok(Json(LogInfo {
            origin: ledger.query.origin().to_string(),
            log_vkey: ledger
                .state
                .log_vkey_for_size(latest.size)
                .unwrap_or_default()
                .to_string(),
            log_keys,
            size: latest.size,
            root: hex::encode(latest.root.0),
            title: ledger.query.title().to_string(),
        }))
    })
    .await
}

/// `GET /v1/checkpoint` (and `/checkpoint`, the tlog-tiles location).
pub(crate) async fn checkpoint(State(app): State<AppState>) -> Result<Response, ApiError> {
    let View { latest, .. } = view(&app)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        latest.note.clone(),
    )
        .into_response())
}

/// `GET /v1/entries`.
#[derive(Debug, Serialize)]
pub struct EntriesPage {
    /// First sequence number of the page.
    pub start: u64,
    /// Durable entries in the log.
    pub size: u64,
    /// `start` of the next page, or null at the end.
    pub next: Option<u64>,
    /// The entries.
    pub entries: Vec<EntryJson>,
}

async fn entries(
    State(app): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<EntriesPage>, ApiError> {
    let params = Params::from(query)?;
    let start = params.u64("start")?.unwrap_or(0);
    let limit = params.limit(app.limits.max_page)?;
    blocking(move || {
        let View { visible, .. } = view(&app)?;
        let end = start.saturating_add(limit as u64).min(visible);
        let seqs: Vec<u64> = (start.min(end)..end).collect();
        let entries = entries_json(&app, &seqs, visible)?;
        Ok(Json(EntriesPage {
            start,
            size: visible,
            next: (end < visible).then_some(end),
            entries,
        }))
    })
    .await
}

/// `GET /v1/entries/{seq}`.
#[derive(Debug, Serialize)]
pub struct EntryWithProof {
    /// The entry.
    pub entry: EntryJson,
    /// Its inclusion proof, when `?proof=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<InclusionProofJson>,
}

async fn entry(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<EntryWithProof>, ApiError> {
    let seq = parse_u64("seq", &path_param(path)?)?;
    let params = Params::from(query)?;
    let with_proof = params.flag("proof")?;
    blocking(move || {
        let view = view(&app)?;
        if seq >= view.visible {
            return Err(ApiError::not_found(format!(
                "entry {seq} does not exist; the log has {} entries",
                view.visible
            )));
        }
        let loaded = fetch(&app, &[seq])?;
        let ledger = ledger(&app)?;
        check_leaves(&ledger, &loaded)?;
        let Some(first) = loaded.first() else {
            return Err(ApiError::internal("no entry read"));
        };
        let proof = if with_proof {
            Some(inclusion_proof(&ledger, &view, seq)?)
        } else {
            None
        };
        Ok(Json(EntryWithProof {
            entry: entry_json(&ledger, first, view.visible),
            proof,
        }))
    })
    .await
}

/// `InclusionProof` of the contract.
#[derive(Debug, Clone, Serialize)]
pub struct InclusionProofJson {
    /// The entry's sequence number.
    pub leaf_index: u64,
    /// Size of the tree the proof is for (the latest checkpoint's).
    pub tree_size: u64,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// The audit path, leaf to root, hex.
    pub hashes: Vec<String>,
    /// The root at `tree_size`, hex.
    pub root: String,
    /// The signed checkpoint of size `tree_size`.
    pub checkpoint: String,
}

/// The proof of `seq` against the latest checkpoint (under the read lock:
/// O(log n) hash lookups).
pub(crate) fn inclusion_proof(ledger: &Ledger, view: &View, seq: u64) -> Result<InclusionProofJson, ApiError> {
    let size = view.latest.size;
    let leaf = ledger
        .tree
        .leaf(seq)
        .ok_or_else(|| ApiError::not_found(format!("entry {seq} is not in the tree")))?;
    let hashes = ledger
        .tree
        .inclusion_proof(seq, size)
        .map_err(|e| ApiError::internal(format!("inclusion proof: {e}")))?;
    Ok(InclusionProofJson {
        leaf_index: seq,
        tree_size: size,
        leaf_hash: hex::encode(leaf.0),
        hashes: hashes.iter().map(|h| hex::encode(h.0)).collect(),
        root: hex::encode(view.latest.root.0),
        checkpoint: view.latest.note.clone(),
    })
}

async fn inclusion(
    State(app): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<InclusionProofJson>, ApiError> {
    let params = Params::from(query)?;
    let seq = params
        .u64("seq")?
        .ok_or_else(|| ApiError::bad_param("seq is required: /v1/proof/inclusion?seq=N"))?;
    blocking(move || {
        let view = view(&app)?;
        if seq >= view.visible {
            return Err(ApiError::not_found(format!(
                "entry {seq} does not exist; the log has {} entries",
                view.visible
            )));
        }
        let ledger = ledger(&app)?;
        Ok(Json(inclusion_proof(&ledger, &view, seq)?))
    })
    .await
}

/// `GET /v1/proof/consistency`.
#[derive(Debug, Serialize)]
pub struct ConsistencyProofJson {
    /// The older tree size.
    pub from: u64,
    /// The latest checkpoint's size.
    pub to: u64,
    /// RFC 9162 consistency proof, hex.
    pub hashes: Vec<String>,
    /// The signed checkpoint of size `to`.
    pub checkpoint: String,
}

async fn consistency(
    State(app): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<ConsistencyProofJson>, ApiError> {
    let params = Params::from(query)?;
    let from = params
        .u64("from")?
        .ok_or_else(|| ApiError::bad_param("from is required: /v1/proof/consistency?from=N"))?;
    blocking(move || {
        let View { latest, .. } = view(&app)?;
        let to = latest.size;
        if from == 0 || from > to {
            // A proof from the empty tree proves nothing (RFC 9162 §2.1.4).
            return Err(ApiError::bad_param(format!(
                "from must be 1-{to} (the latest checkpoint's size), not {from}"
            )));
        }
        let ledger = ledger(&app)?;
        let hashes = ledger
            .tree
            .consistency_proof(from, to)
            .map_err(|e| ApiError::internal(format!("consistency proof: {e}")))?;
        Ok(Json(ConsistencyProofJson {
            from,
            to,
            hashes: hashes.iter().map(|h| hex::encode(h.0)).collect(),
            checkpoint: latest.note.clone(),
        }))
    })
    .await
}

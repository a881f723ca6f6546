//! `GET /v1/log/keys`: the log's key rotations with exactly the material
//! `ledger verify` and `ledger prove` check (`keys::check_rotation`), so the
//! page can follow rotations from the first key it pinned: each rotation's
//! new key, the key before it, the outgoing key's endorsement, the signed
//! message, and the entry's bytes for its inclusion proof.

use super::{blocking, check_leaves, fetch, ledger, view, View};
use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use ledger_core::entry::EntryBody;
use serde::Serialize;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/log/keys", get(log_keys))
}

/// One rotation.
#[derive(Debug, Serialize)]
pub struct RotationJson {
    /// The `log_key_rotate` entry.
    pub seq: u64,
    /// The tree size from which the new key signs checkpoints (`seq + 1`).
    pub from_size: u64,
    /// The outgoing key, which endorsed the new one.
    pub previous: String,
    /// The new log verifier key.
    pub log_vkey: String,
    /// The outgoing key's Ed25519 signature over `message`, base64.
    pub endorsement: String,
    /// `"SunshineLedger/v1/log-rotation\0" ‖ origin ‖ 0x00 ‖ log_vkey`,
    /// base64 (a client recomputes it rather than trust it).
    pub message: String,
    /// The entry's canonical bytes, base64.
    pub raw: String,
}

/// `GET /v1/log/keys`.
#[derive(Debug, Serialize)]
pub struct LogKeys {
    /// The log's origin.
    pub origin: String,
    /// The genesis key: what a client pins.
    pub first: String,
    /// Every durable rotation, oldest first.
    pub rotations: Vec<RotationJson>,
}

async fn log_keys(State(app): State<AppState>) -> Result<Json<LogKeys>, ApiError> {
    blocking(move || {
        let View { latest, .. } = view(&app)?;
        let (origin, history) = {
            let ledger = ledger(&app)?;
            let history: Vec<(u64, String)> = ledger
                .state
                .log_vkey_history()
                .iter()
                .filter(|(from, _)| *from <= latest.size)
                .cloned()
                .collect();
            (ledger.query.origin().to_string(), history)
        };
        let Some((_, first)) = history.first().cloned() else {
            return Err(ApiError::not_found("the log has no genesis yet"));
        };
        // Every key after the first came from the entry just before its size.
        let seqs: Vec<u64> = history.iter().skip(1).map(|(from, _)| from.saturating_sub(1)).collect();
        let loaded = fetch(&app, &seqs)?;
        check_leaves(&*ledger(&app)?, &loaded)?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut rotations = Vec::with_capacity(loaded.len());
        let mut previous = first.clone();
        for l in &loaded {
            let EntryBody::LogKeyRotate {
                log_vkey, endorsement, ..
            } = l.body()
            else {
                return Err(super::corrupt_entry(
                    l.seq,
                    "the log key history names an entry that is not a rotation",
                ));
            };
            rotations.push(RotationJson {
                seq: l.seq,
                from_size: l.seq + 1,
                previous: previous.clone(),
                log_vkey: log_vkey.clone(),
                endorsement: b64.encode(endorsement.as_bytes()),
                message: b64.encode(ledger_core::keys::rotation_message(&origin, log_vkey)),
                raw: b64.encode(&l.bytes),
            });
            previous = log_vkey.clone();
        }
        Ok(Json(LogKeys {
            origin,
            first,
            rotations,
        }))
    })
    .await
}

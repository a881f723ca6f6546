//! Witness cosignatures: independent parties (纪委监委, 审计局) run `ledger
//! witness`, which checks each new checkpoint for consistency with the last
//! one it saw and cosigns it (C2SP tlog-cosignature). They post the cosigned
//! note here; the node keeps, for the newest cosigned size, one note carrying
//! its own signature and every configured witness's cosignature, so clients
//! that require k-of-n cosignatures fetch it from `/v1/checkpoint/cosigned`.
//!
//! The node accepts only cosignatures by the witnesses it is configured with
//! (`--witness VKEY`), on a checkpoint it signed, of a tree that is a prefix of
//! its own: a witness cannot be made to vouch for a history the node does not
//! have.
//!
//! Witnesses reached over `c2sp.org/tlog-witness` (`--witness-url`) are
//! pushed to by `crate::witness_push`, whose cosignatures go through the
//! same [`accept_cosigned_note`].

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::ledger::Shared;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ledger_core::checkpoint::{add_cosignature, CosignatureLine, WitnessVerifier, MAX_NOTE_BYTES};
use ledger_core::verify::verify_checkpoint_with_state;
use serde::Serialize;

/// Routes for witnesses.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cosignatures", post(post_cosignature))
        .route("/v1/checkpoint/cosigned", get(cosigned_checkpoint))
        .route("/v1/witnesses", get(witnesses))
}

/// `GET /v1/witnesses`.
#[derive(Debug, Serialize)]
pub struct WitnessesInfo {
    /// Configured witness verifier keys.
    pub witnesses: Vec<String>,
    /// How many of them must cosign for a client to trust a checkpoint (k
    /// of n; the node's `--min-witnesses`).
    pub min_witnesses: usize,
    /// Size of the newest cosigned checkpoint, if any.
    pub cosigned_size: Option<u64>,
    /// How many configured witnesses cosigned it.
    pub cosignatures: usize,
}

/// `POST /v1/cosignatures` answer.
#[derive(Debug, Serialize)]
pub struct CosignatureAccepted {
    /// The checkpoint size cosigned.
    pub size: u64,
    /// Witness names whose cosignatures were accepted from this request.
    pub accepted: Vec<String>,
    /// Cosignatures now held for the newest cosigned checkpoint.
    pub cosignatures: usize,
}

async fn witnesses(State(app): State<AppState>) -> Result<Json<WitnessesInfo>, ApiError> {
    off_workers(move || witnesses_blocking(&app)).await
}

fn witnesses_blocking(app: &AppState) -> Result<Json<WitnessesInfo>, ApiError> {
    let (cosigned_size, cosignatures) = match load_cosigned(app)? {
        Some((size, count)) => (Some(size), count),
        None => (None, 0),
    };
    Ok(Json(WitnessesInfo {
        witnesses: app.witnesses.iter().map(WitnessVerifier::vkey).collect(),
        min_witnesses: app.min_witnesses,
        cosigned_size,
        cosignatures,
    }))
}

fn load_cosigned(app: &AppState) -> Result<Option<(u64, usize)>, ApiError> {
    load_cosigned_in(&app.shared, &app.witnesses)
}

fn load_cosigned_in(shared: &Shared, witnesses: &[WitnessVerifier]) -> Result<Option<(u64, usize)>, ApiError> {
    let Some(note) = shared
        .store
        .meta(crate::store::META_COSIGNED)
        .map_err(|e| ApiError::internal(e.to_string()))?
    else {
        return Ok(None);
    };
    let ledger = shared.ledger.read().map_err(|_| ApiError::internal("state lock"))?;
    let checkpoint =
        verify_checkpoint_with_state(&ledger.state, &note, None).map_err(|e| ApiError::internal(e.to_string()))?;
    let count = ledger_core::checkpoint::count_valid_cosignatures(&checkpoint, witnesses);
    Ok(Some((checkpoint.size(), count)))
}

async fn cosigned_checkpoint(State(app): State<AppState>) -> Result<Response, ApiError> {
    let note = app
        .shared
        .store
        .meta(crate::store::META_COSIGNED)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .ok_or_else(|| ApiError::not_found("no checkpoint has been cosigned by a configured witness yet"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        note,
    )
        .into_response())
}

/// Run lock-taking, store-touching work on the blocking pool: the ledger
/// lock may be held by the sequencer for a whole batch.
async fn off_workers<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal("the witness task failed"))?
}

async fn post_cosignature(State(app): State<AppState>, body: String) -> Result<Json<CosignatureAccepted>, ApiError> {
    off_workers(move || post_cosignature_blocking(&app, &body)).await
}

fn post_cosignature_blocking(app: &AppState, body: &str) -> Result<Json<CosignatureAccepted>, ApiError> {
    accept_cosigned_note(&app.shared, &app.witnesses, &app.cosign_lock, body.as_bytes()).map(Json)
}

/// The one merge of witness cosignatures into the node's cosigned note,
/// used by `POST /v1/cosignatures` (pull witnesses) and by the push task
/// (`crate::witness_push`, from `add-checkpoint` answers): checks that
/// `note` is a checkpoint of this log's own history carrying at least one
/// valid cosignature by a configured witness, then keeps, for the newest
/// cosigned size, one note with the log's signature and every configured
/// witness's cosignature.
///
/// # Errors
/// `too_large` (413), `unknown_witness` / `bad_cosignature` (403),
/// `bad_checkpoint` (400), `not_our_checkpoint` / `stale_checkpoint` (409).
pub fn accept_cosigned_note(
    shared: &Shared,
    witnesses: &[WitnessVerifier],
    cosign_lock: &std::sync::Mutex<()>,
    body: &[u8],
) -> Result<CosignatureAccepted, ApiError> {
    if body.len() > MAX_NOTE_BYTES {
        return Err(ApiError::too_large(format!(
            "a cosigned checkpoint is at most {MAX_NOTE_BYTES} bytes"
        )));
    }
    if witnesses.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "unknown_witness",
            "this node has no configured witnesses (--witness)",
        ));
    }
    // Serialise cosignature updates: read-modify-write of one stored note.
    let _guard = cosign_lock.lock().map_err(|_| ApiError::internal("cosignature lock"))?;
    let (checkpoint, valid_lines) = {
        let ledger = shared.ledger.read().map_err(|_| ApiError::internal("state lock"))?;
        let checkpoint = verify_checkpoint_with_state(&ledger.state, body, None)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_checkpoint", e.message))?;
        let committed = shared.committed();
        if checkpoint.size() == 0 || checkpoint.size() > committed {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_our_checkpoint",
                "the checkpoint's size is not in this log",
            ));
        }
        let ours = ledger
            .tree
            .root_at(checkpoint.size())
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if ours != *checkpoint.root() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_our_checkpoint",
                "the checkpoint's root differs from this log's tree at that size",
            ));
        }
        let mut lines = Vec::new();
        for witness in witnesses.iter() {
            match witness.verify_cosignature(&checkpoint) {
                Ok(_) => {
                    for sig in checkpoint.other_signatures() {
                        if sig.name() == witness.name() && sig.id() == witness.key_id() {
                            let text = String::from_utf8_lossy(&sig.to_bytes()).into_owned();
                            lines.push(CosignatureLine::parse(&text).map_err(|e| ApiError::malformed(e.to_string()))?);
                        }
                    }
                }
                Err(ledger_core::checkpoint::CheckpointError::NoCosignature { .. }) => {}
                Err(e) => return Err(ApiError::new(StatusCode::FORBIDDEN, "bad_cosignature", e.to_string())),
            }
        }
        (checkpoint, lines)
    };
    if valid_lines.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "unknown_witness",
            "no cosignature by a configured witness on this checkpoint",
        ));
    }
    // Start from the stored note if it is for the same size; a newer size replaces it.
    let stored = shared
        .store
        .meta(crate::store::META_COSIGNED)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let stored_size = match (&stored, load_cosigned_in(shared, witnesses)?) {
        (Some(_), Some((size, _))) => Some(size),
        _ => None,
    };
    if stored_size.is_some_and(|s| s > checkpoint.size()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "stale_checkpoint",
            "a newer checkpoint is already cosigned",
        ));
    }
    let mut note: Vec<u8> = match (stored, stored_size) {
        (Some(note), Some(size)) if size == checkpoint.size() => note,
        _ => latest_log_signed_note(shared, checkpoint.size(), checkpoint.note_bytes())?,
    };
    let mut accepted = Vec::new();
    for line in &valid_lines {
        note = add_cosignature(&note, line).map_err(|e| ApiError::malformed(e.to_string()))?;
        accepted.push(line.name().to_string());
    }
    shared
        .store
        .put_meta(crate::store::META_COSIGNED, &note)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let cosignatures = load_cosigned_in(shared, witnesses)?.map(|(_, c)| c).unwrap_or(0);
    Ok(CosignatureAccepted {
        size: checkpoint.size(),
        accepted,
        cosignatures,
    })
}

/// The note with only the log's own signature (drop unknown cosignatures
/// the poster may have attached).
fn latest_log_signed_note(shared: &Shared, size: u64, posted: &[u8]) -> Result<Vec<u8>, ApiError> {
    let text = String::from_utf8_lossy(posted);
    let Some((body, sigs)) = text.split_once("\n\n") else {
        return Err(ApiError::malformed("not a signed note"));
    };
    let origin = body.lines().next().unwrap_or_default();
    let log_key_id = {
        let ledger = shared.ledger.read().map_err(|_| ApiError::internal("state lock"))?;
        let vkey = ledger.state.log_vkey_for_size(size).unwrap_or_default().to_string();
        ledger_core::checkpoint::LogVerifier::from_vkey(&vkey)
            .map_err(|e| ApiError::internal(e.to_string()))?
            .key_id()
    };
    let mut out = format!("{body}\n\n");
    for line in sigs.lines() {
        if let Ok(sig) = ledger_core::checkpoint::NoteSignature::from_bytes(line.as_bytes()) {
            if sig.name() == origin && sig.id() == log_key_id {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out.into_bytes())
}

//! The witness's HTTP routes (`c2sp.org/tlog-witness`):
//! `POST /add-checkpoint` and the monitoring `GET /<origin hash>/checkpoint`.
//!
//! Statuses are the spec's: 200 with the cosignature line(s), 400 malformed,
//! 403 not signed by a trusted log key, 404 unknown log, 409 `old` is not
//! the held size (body: that size, `text/x.tlog.size`), 422 inconsistent,
//! 413 over the body limit, 408 over the time-out, 500 when the state could
//! not be persisted (then no cosignature leaves). Error bodies are one line:
//! a stable ASCII code, then the Chinese message and the detail.

use crate::serve::Witness;
use crate::state::{origin_hash, Held, LogSlot};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ledger_core::checkpoint::{
    add_cosignature, checkpoint_origin, decide_add_checkpoint, AddCheckpointRefusal, AddCheckpointRequest,
    MAX_ADD_CHECKPOINT_BYTES,
};
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

/// Most evidence files kept: each needs a checkpoint validly signed by a
/// trusted log key, so only a misbehaving log can make them, but the disk
/// is bounded all the same.
const MAX_EVIDENCE_FILES: usize = 1_000;

/// The routes, with the body limit and the request time-out.
pub fn router(witness: Arc<Witness>, request_timeout_ms: u64) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(monitor_checkpoint))
        .fallback(|| async {
            text(
                StatusCode::NOT_FOUND,
                "not_found: 没有这个地址 (no such endpoint; POST /add-checkpoint)",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_ADD_CHECKPOINT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(request_timeout_ms),
        ))
        .with_state(witness)
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut body = body.into();
    body.push('\n');
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn refusal_response(refusal: &AddCheckpointRefusal) -> Response {
    if let AddCheckpointRefusal::OldSizeMismatch { held, .. } = refusal {
        // The exact body and type the spec requires: the client reads the
        // size and retries from there.
        return (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{held}\n"),
        )
            .into_response();
    }
    let status = StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let chinese = match refusal {
        AddCheckpointRefusal::Malformed(_) => "请求格式错误",
        AddCheckpointRefusal::UnknownOrigin(_) => "本见证人不见证这个账本",
        AddCheckpointRefusal::NotSigned(_) => "检查点没有受信任的账本密钥签名",
        AddCheckpointRefusal::Inconsistent(_) => "检查点与已联署的历史不一致，拒绝联署",
        AddCheckpointRefusal::OldSizeMismatch { .. } => "旧大小不符",
    };
    text(status, format!("{}: {chinese} ({refusal})", refusal.code()))
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let request = match AddCheckpointRequest::parse(&body) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(kind = "malformed", error = %e, "add-checkpoint refused");
            return refusal_response(&AddCheckpointRefusal::Malformed(e.to_string()));
        }
    };
    let origin = match checkpoint_origin(&request.checkpoint) {
        Ok(o) => o.to_owned(),
        Err(refusal) => return refusal_response(&refusal),
    };
    let Some(slot) = witness.logs.get(&origin).cloned() else {
        tracing::info!(kind = "unknown_log", origin = %origin.chars().take(80).collect::<String>(), "add-checkpoint refused");
        return refusal_response(&AddCheckpointRefusal::UnknownOrigin(origin.chars().take(80).collect()));
    };
    // Run to the end even if the client goes away or the time-out fires: a
    // state written to disk but not to memory would make the two disagree.
    match tokio::spawn(decide_and_cosign(witness, slot, origin, request, body)).await {
        Ok(response) => response,
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal: 见证处理失败 (the request task failed)",
        ),
    }
}

/// Under the log's lock: decide, cosign, persist durably, update memory,
/// as one step (the spec's atomic check-and-persist).
async fn decide_and_cosign(
    witness: Arc<Witness>,
    slot: Arc<LogSlot>,
    origin: String,
    request: AddCheckpointRequest,
    body: Bytes,
) -> Response {
    let mut held = slot.held.lock().await;
    let (checkpoint, state) = match decide_add_checkpoint(&slot.keys, held.as_ref().map(|h| &h.state), &request) {
        Ok(decided) => decided,
        Err(refusal) => {
            let held_size = held.as_ref().map_or(0, |h| h.state.size);
            if matches!(refusal, AddCheckpointRefusal::OldSizeMismatch { .. }) {
                // Routine: a log that restarted asks with old 0 to learn the size.
                tracing::info!(kind = refusal.code(), origin = %origin, old = request.old_size, held = held_size, "add-checkpoint: told the log the held size");
            } else {
                tracing::warn!(kind = refusal.code(), origin = %origin, old = request.old_size, held = held_size, error = %refusal, "add-checkpoint refused");
            }
            if matches!(refusal, AddCheckpointRefusal::Inconsistent(_)) {
                // Validly signed by the log and inconsistent with what this
                // witness cosigned: evidence of a fork (the spec allows
                // logging it). Kept beside the state.
                keep_evidence(&witness, &origin, &body).await;
            }
            return refusal_response(&refusal);
        }
    };
    let time_s = ledger_datadir::clock::now_ms() / 1000;
    let line = match witness.signer.cosign(&checkpoint, time_s) {
        Ok(line) => line,
        Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, format!("clock: 系统时钟异常 ({e})")),
    };
    let note = match add_cosignature(checkpoint.note_bytes(), &line) {
        Ok(note) => String::from_utf8_lossy(&note).into_owned(),
        Err(e) => {
            return refusal_response(&AddCheckpointRefusal::Malformed(format!(
                "the checkpoint cannot carry one more signature: {e}"
            )))
        }
    };
    let new = Held { state, note };
    let writer = slot.clone();
    let to_write = new.clone();
    let persisted = tokio::task::spawn_blocking(move || writer.persist(&to_write)).await;
    match persisted {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(kind = "storage", origin = %origin, error = %format!("{e:#}"), "could not persist the witness state; no cosignature released");
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("storage: 见证人状态写入失败，未联署 ({e:#})"),
            );
        }
        Err(_) => return text(StatusCode::INTERNAL_SERVER_ERROR, "storage: 见证人状态写入失败，未联署"),
    }
    tracing::info!(
        origin = %origin,
        old = request.old_size,
        size = new.state.size,
        "cosigned"
    );
    *held = Some(new);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        line.to_line(),
    )
        .into_response()
}

async fn keep_evidence(witness: &Witness, origin: &str, body: &[u8]) {
    use sha2::{Digest as _, Sha256};
    let dir = witness.evidence_dir.clone();
    let name = format!(
        "{}-{}.add-checkpoint",
        origin_hash(origin).get(..16).unwrap_or_default(),
        hex::encode(&Sha256::digest(body)[..8])
    );
    let body = body.to_vec();
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<Option<std::path::PathBuf>> {
        std::fs::create_dir_all(&dir)?;
        if std::fs::read_dir(&dir)?.take(MAX_EVIDENCE_FILES).count() >= MAX_EVIDENCE_FILES {
            return Ok(None);
        }
        let path = dir.join(name);
        // Not secret (anyone may see a signed checkpoint): readable by all.
        ledger_store::durable::replace_file(&path, &body, 0o644)?;
        Ok(Some(path))
    })
    .await;
    match written {
        Ok(Ok(Some(path))) => {
            tracing::warn!(origin, evidence = %path.display(), "kept the refused checkpoint as evidence")
        }
        Ok(Ok(None)) => tracing::warn!(origin, "evidence folder full; refused checkpoint not kept"),
        Ok(Err(e)) => tracing::error!(origin, error = %e, "could not keep the refused checkpoint as evidence"),
        Err(_) => {}
    }
}

async fn monitor_checkpoint(State(witness): State<Arc<Witness>>, Path(hash): Path<String>) -> Response {
    for slot in witness.logs.values() {
        if origin_hash(&slot.origin) == hash {
            let held = slot.held.lock().await;
            return match held.as_ref() {
                Some(h) => (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    h.note.clone(),
                )
                    .into_response(),
                None => text(StatusCode::NOT_FOUND, "not_cosigned: 尚未联署过这个账本的检查点"),
            };
        }
    }
    text(StatusCode::NOT_FOUND, "unknown_log: 本见证人不见证这个账本")
}

//! Operations endpoints: liveness, readiness, metrics.

use crate::api::AppState;
use crate::metrics::Metrics;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::atomic::Ordering;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: start-up checks passed and the sequencer is running.
/// Plain text by default (`ready: N entries`, then a `publish:` line when
/// the node publishes to object storage); `?format=json` gives the same as
/// `{"ready", "entries", "writes_paused", "publish"}` (docs/API.md). The
/// publication's lag or failure never makes the node unready: sequencing
/// and serving are its job, and they go on without the bucket.
pub async fn readyz(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    // A mirror says how far it has verified, or that its source forked.
    if let Some(status) = &app.mirror {
        return crate::mirror::readyz(&app, status);
    }
    let ready = app.shared.ready.load(Ordering::Acquire) && app.submit.as_ref().is_some_and(|s| !s.is_closed());
    // Reads go on with a full disk: still ready, and say why writes are refused.
    let writes_paused = ready && matches!(app.shared.store.is_full(), Ok(true));
    let publish = app.publish.as_ref().map(|p| p.report());
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if query.as_deref() == Some("format=json") {
        let body = serde_json::json!({
            "ready": ready,
            "entries": app.shared.committed(),
            "writes_paused": writes_paused,
            "publish": publish,
        });
        return (status, Json(body)).into_response();
    }
    if !ready {
        return (status, "not ready\n").into_response();
    }
    let writes = if writes_paused {
        "; writes paused: the disk is below its free-space reserve (storage_full)"
    } else {
        ""
    };
    // Witnesses pushed to: detail only. A witness being down must not take
    // the log out of its load balancer.
    let mut text = format!(
        "ready: {} entries{writes}\n{}",
        app.shared.committed(),
        app.witness_push.readyz_lines()
    );
    if let Some(p) = publish {
        text.push_str(&format!(
            "publish: {} holds {} entries, {} behind ({} ms){}\n",
            p.target,
            p.published_size.map_or_else(|| "?".to_string(), |s| s.to_string()),
            p.lag_entries,
            p.lag_ms,
            p.last_error.map(|c| format!("; last error: {c}")).unwrap_or_default()
        ));
    }
    (status, text).into_response()
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(app): State<AppState>) -> Response {
    if let Ok(size) = app.shared.store.size_on_disk() {
        Metrics::set_gauge(&app.shared.metrics.disk_bytes, size);
    }
    if let Some(submit) = &app.submit {
        Metrics::set_gauge(
            &app.shared.metrics.queue_depth,
            (submit.max_capacity() - submit.capacity()) as u64,
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.shared.metrics.render(),
    )
        .into_response()
}

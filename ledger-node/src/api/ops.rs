//! Operations endpoints: liveness, readiness, metrics.

use crate::api::AppState;
use crate::metrics::Metrics;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::Ordering;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: start-up checks passed and the sequencer is running.
pub async fn readyz(State(app): State<AppState>) -> Response {
    if let Some(status) = &app.mirror {
        return crate::mirror::readyz(&app, status);
    }
    if app.shared.ready.load(Ordering::Acquire) && app.submit.as_ref().is_some_and(|s| !s.is_closed()) {
        // Reads go on with a full disk: still ready, and say why writes are refused.
        let writes = match app.shared.store.is_full() {
            Ok(true) => "; writes paused: the disk is below its free-space reserve (storage_full)",
            _ => "",
        };
        (
            StatusCode::OK,
            format!("ready: {} entries{writes}\n", app.shared.committed()),
        )
            .into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
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

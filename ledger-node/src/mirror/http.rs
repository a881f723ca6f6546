//! The mirror's HTTP edge: write routes answer `read_only_mirror`, reads
//! stop with `fork_detected` once the source forked, and `/readyz` says
//! where the mirror stands.

use super::MirrorStatus;
use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

/// 405 `read_only_mirror`: a mirror accepts no writes.
pub fn read_only_error() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "read_only_mirror",
        "this is a read-only mirror: send submissions and cosignatures to the primary node",
    )
    .with_zh("这是只读镜像节点：请向主节点提交数据与见证签名")
}

async fn read_only() -> ApiError {
    read_only_error()
}

/// The write (and cosignature) routes of a mirror: all `read_only_mirror`.
pub fn read_only_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/submissions", post(read_only).fallback(read_only))
        .route("/v1/cosignatures", post(read_only).fallback(read_only))
}

/// On a mirror whose source forked, every read answers 503 `fork_detected`
/// (what it verified may be one side of a fork: it serves neither). A
/// primary passes through.
pub async fn halted_guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(halt) = app.mirror.as_ref().and_then(|m| m.halt()).filter(|h| h.blocks_reads) {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, halt.code, halt.message)
            .with_zh("镜像节点发现源账本分叉（或签名的数据无效），已停止提供数据；分叉证据已保存")
            .into_response();
    }
    next.run(request).await
}

/// `GET /readyz` of a mirror: 200 while it serves, 503 with detail `fork`
/// once it stopped; a `mirror:` line with the source, the verified and the
/// source sizes and the last error.
pub fn readyz(app: &AppState, status: &MirrorStatus) -> Response {
    let view = status.view();
    let verified = app.shared.committed();
    let source_size = view
        .source_size
        .map_or_else(|| "unknown".to_string(), |s| s.to_string());
    let last_error = view
        .last_error
        .as_ref()
        .map_or_else(|| "none".to_string(), |(code, message)| format!("{code}: {message}"));
    let detail = format!(
        "mirror: source {}, verified size {verified}, source size {source_size}, last error {last_error}\n",
        status.source
    );
    match &view.halt {
        Some(h) if h.code == "fork_detected" => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: fork: {}\n{detail}", h.message),
        )
            .into_response(),
        Some(h) if h.blocks_reads => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {}: {}\n{detail}", h.code, h.message),
        )
            .into_response(),
        Some(h) => (
            StatusCode::OK,
            format!(
                "ready: {verified} entries; not following: {}: {}\n{detail}",
                h.code, h.message
            ),
        )
            .into_response(),
        None if app.shared.ready.load(std::sync::atomic::Ordering::Acquire) => {
            (StatusCode::OK, format!("ready: {verified} entries\n{detail}")).into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready\n{detail}")).into_response(),
    }
}

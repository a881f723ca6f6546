//! `GET /static/v1/...`: the static index files (`crate::static_views`)
//! served by the node itself, as of its latest checkpoint, so that the
//! page's static mode can be pointed at a node (and tested before a bucket
//! exists). A bucket serves the same bytes, written by the publisher.

use crate::api::error::ApiError;
use crate::api::read::{blocking, ledger, path_param, view};
use crate::api::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Longest path accepted: the longest real one is
/// `regions/<12 digits>/<page>.json`; anything longer is not ours.
const MAX_PATH_BYTES: usize = 64;

/// Routes of the static index files.
pub fn router() -> Router<AppState> {
    Router::new().route("/static/v1/{*path}", get(static_file))
}

async fn static_file(
    State(app): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let path = path_param(path)?;
    if path.len() > MAX_PATH_BYTES {
        return Err(ApiError::bad_param(format!(
            "static path is {} bytes, over the {MAX_PATH_BYTES} a static index file has",
            path.len()
        )));
    }
    blocking(move || {
        let size = view(&app)?.latest.size;
        let full = format!("{}/{path}", crate::static_views::PREFIX);
        let object = {
            let ledger = ledger(&app)?;
            crate::static_views::object_at(&ledger, &app.shared.store, &full, size)
                .map_err(|e| ApiError::internal(format!("{full}: {e:#}")))?
        };
        let object = object.ok_or_else(|| ApiError::not_found(format!("no static index file {full}")))?;
        let cache = if object.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        Ok((
            [
                (header::CONTENT_TYPE, object.content_type),
                (header::CACHE_CONTROL, cache),
            ],
            object.bytes,
        )
            .into_response())
    })
    .await
}

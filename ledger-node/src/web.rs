//! The citizens' web page, served by the node itself (no CDN, no npm at
//! `cargo build` time).
//!
//! The page is built from `ledger-node/web/src` by `npm ci && npm run build`
//! (see `docs/WEB.md`); the build writes `web/dist/` — committed — and
//! `web/dist/assets.rs`, which names every built file and is included here,
//! so the bytes are embedded in the binary with `include_bytes!`.
//!
//! * `/` (and `/index.html`): the page, `Cache-Control: no-cache` with a
//!   strong ETag (a reload costs one `304` on a weak village connection);
//! * `/assets/<name>.<hash>.<ext>`: content-addressed JS and CSS, cached for
//!   a year as `immutable`;
//! * gzip when the client accepts it; a strict Content-Security-Policy (the
//!   page loads nothing from elsewhere and runs no inline script).

use crate::api::error::ApiError;
use crate::api::AppState;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;

pub(crate) mod built {
    include!("../web/dist/assets.rs");
}

/// Everything the page may load: itself, same-origin API calls, inline SVG
/// data URIs (the favicon), its own subset CJK font (issue 15). No inline
/// script, no other origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Routes of the web page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/assets/{file}", get(asset))
        .route("/config.json", get(config))
        .layer(CompressionLayer::new())
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

fn etag_matches(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

async fn index(request: HeaderMap) -> Response {
    let mut response = if etag_matches(&request, built::INDEX_ETAG) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        built::INDEX_HTML.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::ETAG, HeaderValue::from_static(built::INDEX_ETAG));
    security_headers(headers);
    response
}

/// The page's mode (issue 17): served from the node, the page uses the read
/// API. A bucket's copy of the page gets `{"mode":"static",…}` instead
/// (`static_views::page_assets`).
async fn config() -> Response {
    let mut response = "{\"mode\":\"api\"}\n".into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    security_headers(headers);
    response
}

/// Strong ETag of an asset: its file name carries its content hash.
fn asset_etag(path: &str) -> Option<HeaderValue> {
    let name = path.rsplit('/').next()?;
    let hash = name.split('.').nth(1)?;
    HeaderValue::from_str(&format!("\"{hash}\"")).ok()
}

async fn asset(Path(file): Path<String>, request: HeaderMap) -> Result<Response, ApiError> {
    let path = format!("/assets/{file}");
    let &(_, content_type, bytes) = built::ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .ok_or_else(|| ApiError::not_found("no such asset; reload the page"))?;
    let etag = asset_etag(&path);
    let fresh = etag
        .as_ref()
        .and_then(|e| e.to_str().ok())
        .is_some_and(|e| etag_matches(&request, e));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        bytes.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag);
    }
    security_headers(headers);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::built;

    #[test]
    fn page_refers_to_every_embedded_asset() {
        assert!(!built::ASSETS.is_empty());
        // The font is loaded by the stylesheet, not by index.html.
        let css: Vec<&[u8]> = built::ASSETS
            .iter()
            .filter(|a| a.0.ends_with(".css"))
            .map(|a| a.2)
            .collect();
        for (path, content_type, bytes) in built::ASSETS {
            if path.ends_with(".woff2") {
                assert_eq!(*content_type, "font/woff2");
                let named = css.iter().any(|c| c.windows(path.len()).any(|w| w == path.as_bytes()));
                assert!(named, "no stylesheet loads {path}");
            } else {
                assert!(built::INDEX_HTML.contains(path), "index.html does not load {path}");
                assert!(content_type.contains("charset=utf-8"));
            }
            assert!(!bytes.is_empty(), "{path} is empty");
        }
    }

    #[test]
    fn etags_come_from_content_hashes() {
        for (path, _, _) in built::ASSETS {
            let etag = super::asset_etag(path);
            assert!(etag.is_some_and(|e| e.len() == 14), "{path}");
        }
        assert_eq!(built::INDEX_ETAG.len(), 14);
    }
}

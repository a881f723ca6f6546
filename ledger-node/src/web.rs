//! The citizens' web page, served by the node itself (no CDN).

use crate::api::AppState;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

/// Routes of the web page.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(index))
}

async fn index() -> Html<&'static str> {
    Html(include_str!("../web/index.html"))
}

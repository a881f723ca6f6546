//! C2SP `tlog-tiles`: the log as static, cacheable resources, so that any
//! tlog-tiles client (and a CDN or object-storage mirror) can read it.
//!
//! * `/checkpoint` — the latest signed checkpoint (mutable, not cached);
//! * `/tile/<L>/<N>[.p/<W>]` — Merkle hash tiles from the in-memory tree;
//! * `/tile/entries/<N>[.p/<W>]` — entry bundles: for each entry, its length
//!   as a big-endian u16 then its canonical `SequencedEntry` bytes (the
//!   bytes whose RFC 6962 leaf hash is the level-0 tile's hash).
//!
//! Only tiles inside the latest checkpoint's tree are served: a tile's
//! bytes never change once they exist there, so every tile answer is
//! immutable. The `<prefix>` of the spec is the node's root URL; the
//! checkpoint's origin line names the log.

use crate::api::error::ApiError;
use crate::api::read::{self, blocking, corrupt_entry, ledger, path_param, storage, view};
use crate::api::AppState;
use crate::tile_bytes::{self, TileBytesError};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ledger_core::merkle::{parse_tile_path, TileKind, TileRef};

/// `Cache-Control` of a tile: its bytes never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Routes of the tiles.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkpoint", get(read::checkpoint_handler))
        .route("/tile/{*path}", get(tile))
}

async fn tile(State(app): State<AppState>, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let path = path_param(path)?;
    let tile = parse_tile_path(&format!("tile/{path}")).map_err(|e| ApiError::bad_param(e.to_string()))?;
    blocking(move || {
        let size = view(&app)?.latest.size;
        if !ledger_core::tiles::tile_in_tree(&tile, size) {
            return Err(ApiError::not_found(format!(
                "tile {tile} is not in the tree of the latest checkpoint (size {size})"
            )));
        }
        let bytes = match tile.kind {
            TileKind::Hash { .. } => {
                let ledger = ledger(&app)?;
                tile_bytes::hash_tile(&ledger, &tile).map_err(|e| ApiError::internal(format!("tile {tile}: {e}")))?
            }
            TileKind::Entries => entry_bundle(&app, &tile)?,
        };
        Ok((
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

/// An entry bundle's bytes (`tile_bytes::entry_bundle`, shared with the
/// publication to object storage), its errors mapped to the API's codes.
fn entry_bundle(app: &AppState, tile: &TileRef) -> Result<Vec<u8>, ApiError> {
    tile_bytes::entry_bundle(&app.shared.store, &app.shared.ledger, tile).map_err(|e| match e {
        TileBytesError::Storage(e) => storage(e),
        TileBytesError::Corrupt { seq, why } => corrupt_entry(seq, why),
        TileBytesError::EntryTooLarge { seq, len } => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "entry_too_large",
            format!("entry {seq} is {len} bytes, over the 65535 bytes a tlog-tiles bundle can frame; read it at /v1/entries/{seq}"),
        ),
        other => ApiError::internal(format!("tile {tile}: {other}")),
    })
}

//! Tiles served to tlog-tiles clients.

use super::*;

// ---------------------------------------------------------------------------
// Tiles

#[tokio::test]
pub(crate) async fn tiles_serve_the_log_to_tlog_tiles_clients() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    assert!(n > 512 && n < 65_536);
    let vkey = node.log.log_vkey().unwrap_or_default();
    let checkpoint = LogVerifier::from_vkey(vkey)?.verify_checkpoint(&get(app, "/checkpoint").await?.body)?;
    // Read the log as a tlog-tiles client does: level-0 tiles and entry
    // bundles (full ones, then the partial ones of the checkpoint's size).
    let full = n / 256;
    let partial = n % 256;
    let mut leaves: Vec<TreeHash> = Vec::new();
    let mut entries: Vec<Vec<u8>> = Vec::new();
    for t in 0..=full {
        let width = if t < full { 256 } else { partial };
        if width == 0 {
            break;
        }
        let suffix = if width < 256 {
            format!(".p/{width}")
        } else {
            String::new()
        };
        let tile = get(app, &format!("/tile/0/{t:03}{suffix}")).await?;
        assert_eq!(tile.status, StatusCode::OK);
        assert_eq!(tile.header("content-type"), "application/octet-stream");
        assert_eq!(tile.header("cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(tile.body.len() as u64, 32 * width);
        let bundle = get(app, &format!("/tile/entries/{t:03}{suffix}")).await?;
        assert_eq!(bundle.status, StatusCode::OK);
        let mut at = 0usize;
        let mut k = 0usize;
        while at < bundle.body.len() {
            let len = u16::from_be_bytes([bundle.body[at], bundle.body[at + 1]]) as usize;
            let bytes = bundle.body[at + 2..at + 2 + len].to_vec();
            // Each entry hashes to the level-0 tile's hash at its position.
            assert_eq!(leaf_hash(&bytes).0[..], tile.body[32 * k..32 * k + 32]);
            entries.push(bytes);
            at += 2 + len;
            k += 1;
        }
        assert_eq!(k as u64, width);
        for chunk in tile.body.chunks(32) {
            let mut h = [0u8; 32];
            h.copy_from_slice(chunk);
            leaves.push(TreeHash(h));
        }
    }
    assert_eq!(entries.len() as u64, n);
    for (i, bytes) in entries.iter().enumerate() {
        assert_eq!(SequencedEntry::decode(bytes)?.entry.signed, node.log.submissions[i]);
    }
    let tree = MemoryTree::from_leaves(&leaves);
    assert_eq!(tree.root(), *checkpoint.root());
    // The level-1 partial tile holds the roots of the full level-0 tiles.
    let level1 = get(app, &format!("/tile/1/000.p/{full}")).await?;
    assert_eq!(level1.status, StatusCode::OK);
    for t in 0..full as usize {
        let sub = MemoryTree::from_leaves(&leaves[t * 256..(t + 1) * 256]);
        assert_eq!(level1.body[32 * t..32 * t + 32], sub.root().0[..]);
    }
    // Tiles the checkpoint does not cover, and malformed paths.
    for (uri, status, code) in [
        (format!("/tile/0/{full:03}"), StatusCode::NOT_FOUND, "not_found"),
        (
            format!("/tile/0/{full:03}.p/{}", partial + 1),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/tile/entries/{:03}", full + 1),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("/tile/1/000".to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("/tile/8/000.p/1".to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("/tile/0/1".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/tile/0/000.p/0".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/tile/0/000.p/256".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        ("/tile/64/000".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/tile/0/x000/001".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/tile/entries".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

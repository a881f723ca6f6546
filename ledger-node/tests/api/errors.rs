//! Damage, and a log before genesis (separate nodes).

use super::*;

// ---------------------------------------------------------------------------
// Damage, and a log before genesis (separate nodes)

#[tokio::test]
pub(crate) async fn a_tampered_entry_is_a_corrupt_entry_error_naming_it() -> TestResult {
    let node = std::thread::spawn(|| demo_node("tamper", 7, 600, Limits::default()).map_err(|e| e.to_string()))
        .join()
        .map_err(|_| "panicked")??;
    let app = &node.app;
    let seq = 5u64;
    // Flip one bit inside entry 5's stored record (past its 9-byte header):
    // the record's checksum no longer matches, and every read names the entry.
    node.app.shared.store.damage_entry_for_tests(seq, 40)?;
    for uri in [
        "/v1/entries/5",
        "/v1/entries?start=0&limit=10",
        "/tile/entries/000.p/10",
    ] {
        let answer = get(app, uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "corrupt_entry"),
            "{uri}"
        );
        assert!(
            answer.json()?["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("entry 5 "),
            "{}",
            answer.text()
        );
    }
    // Entries that were not touched still read.
    assert_eq!(get(app, "/v1/entries/4").await?.status, StatusCode::OK);
    Ok(())
}

#[tokio::test]
pub(crate) async fn before_genesis_everything_is_not_found() -> TestResult {
    let node = std::thread::spawn(|| empty_node("empty", Limits::default()).map_err(|e| e.to_string()))
        .join()
        .map_err(|_| "panicked")??;
    for uri in [
        "/v1/log",
        "/v1/checkpoint",
        "/checkpoint",
        "/v1/entries",
        "/v1/regions",
        "/v1/search?q=a",
        "/tile/0/000.p/1",
        "/v1/proof/consistency?from=1",
    ] {
        let answer = get(&node.app, uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{uri}"
        );
    }
    Ok(())
}

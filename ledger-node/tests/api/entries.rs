//! The log, its entries and pages.

use super::*;

// ---------------------------------------------------------------------------
// The log, entries and proofs

#[tokio::test]
pub(crate) async fn log_and_checkpoint_match_the_demo_log() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let log = get_json(app, "/v1/log").await?;
    assert_eq!(log["origin"], ledger_demo::DEMO_ORIGIN);
    assert_eq!(log["title"], ledger_demo::DEMO_TITLE);
    assert_eq!(u(&log["size"]), n);
    let vkey = node.log.log_vkey().unwrap_or_default();
    assert_eq!(log["log_vkey"], vkey);
    assert_eq!(log["log_keys"], serde_json::json!([{ "from_size": 0, "vkey": vkey }]));

    // The root over the served entries, recomputed here, is the checkpoint's.
    let entries = all_entries(app).await?;
    assert_eq!(entries.len() as u64, n);
    for (i, bytes) in entries.iter().enumerate() {
        let decoded = SequencedEntry::decode(bytes)?;
        assert_eq!(decoded.entry.seq, i as u64);
        assert_eq!(
            decoded.entry.signed, node.log.submissions[i],
            "entry {i} is the demo submission"
        );
    }
    let tree = MemoryTree::from_leaves(&entries.iter().map(|b| leaf_hash(b)).collect::<Vec<_>>());
    assert_eq!(log["root"], hex::encode(tree.root().0));

    for uri in ["/v1/checkpoint", "/checkpoint"] {
        let answer = get(app, uri).await?;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
        assert_eq!(answer.header("cache-control"), "no-store");
        let checkpoint = LogVerifier::from_vkey(vkey)?.verify_checkpoint(&answer.body)?;
        assert_eq!(checkpoint.size(), n);
        assert_eq!(*checkpoint.root(), tree.root());
    }
    Ok(())
}

#[tokio::test]
pub(crate) async fn entries_pages_and_limits() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let page = get_json(app, "/v1/entries?start=0&limit=10").await?;
    assert_eq!(u(&page["start"]), 0);
    assert_eq!(u(&page["size"]), n);
    assert_eq!(u(&page["next"]), 10);
    let entries = page["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 10);
    let genesis = &entries[0];
    assert_eq!(genesis["seq"], 0);
    assert_eq!(genesis["kind"], "genesis");
    assert_eq!(genesis["kind_zh"], "创世");
    assert_eq!(genesis["reversed_by"], Value::Null);
    assert_eq!(genesis["prev_hash"], "0".repeat(64));
    assert_eq!(
        genesis["body"],
        serde_json::to_value(&node.log.submissions[0].submission.body)?
    );
    let signers: Vec<String> = node.log.submissions[0]
        .signatures
        .iter()
        .map(|s| s.key.to_hex())
        .collect();
    assert_eq!(genesis["signers"], serde_json::to_value(&signers)?);
    assert_eq!(genesis["submission_id"], node.log.submissions[0].id().to_hex());
    assert!(genesis["summary_zh"]
        .as_str()
        .unwrap_or_default()
        .starts_with("创世：淮安区阳光扶贫资金账本，登记区划361个"));
    // Hashes and chain links are those of the raw bytes.
    for pair in entries.windows(2) {
        let raw = base64::engine::general_purpose::STANDARD.decode(pair[0]["raw"].as_str().unwrap_or_default())?;
        let decoded = SequencedEntry::decode(&raw)?;
        assert_eq!(pair[0]["entry_hash"], decoded.entry_hash.to_hex());
        assert_eq!(pair[0]["leaf_hash"], hex::encode(decoded.leaf_hash.0));
        assert_eq!(pair[1]["prev_hash"], pair[0]["entry_hash"]);
    }
    assert_schema("EntriesPage", &page)?;

    // The last page ends with next = null; past the end is an empty page.
    let tail = get_json(app, &format!("/v1/entries?start={}", n - 3)).await?;
    assert_eq!(tail["entries"].as_array().map(Vec::len), Some(3));
    assert_eq!(tail["next"], Value::Null);
    let past = get_json(app, &format!("/v1/entries?start={}", n + 5)).await?;
    assert_eq!(past["entries"].as_array().map(Vec::len), Some(0));
    assert_eq!(past["next"], Value::Null);
    // Default limit is 50.
    let default = get_json(app, "/v1/entries").await?;
    assert_eq!(default["entries"].as_array().map(Vec::len), Some(50));
    assert_eq!(u(&default["next"]), 50);

    for bad in [
        "/v1/entries?limit=1001",
        "/v1/entries?limit=0",
        "/v1/entries?start=-1",
        "/v1/entries?start=abc",
        "/v1/entries?limit=1e3",
    ] {
        let answer = get(app, bad).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::BAD_REQUEST, "bad_parameter"),
            "{bad}"
        );
    }
    let max = get_json(app, "/v1/entries?limit=1000").await?;
    assert_eq!(max["entries"].as_array().map(Vec::len), Some(1000));
    Ok(())
}

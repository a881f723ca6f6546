//! The village page's answer cache (`api::read::flows_cache`): the same
//! bytes as without it, never a stale answer after a commit, within its
//! byte budget, and the `ETag` / `If-None-Match` → 304 path.

use super::*;
use ledger_node::api::read::flows_cache::{FlowsCache, FlowsCacheMetrics};
use ledger_node::api::AppState;
use std::sync::Arc;

/// The same node with another cache (`0`: none): same ledger, same store.
fn with_cache(app: &AppState, max_bytes: usize) -> AppState {
    AppState {
        flows_cache: Arc::new(FlowsCache::new(max_bytes, FlowsCacheMetrics::default())),
        ..app.clone()
    }
}

/// Villages with at least one payment, busiest first.
async fn paid_villages(app: &AppState) -> TestResult<Vec<String>> {
    let regions = get_json(app, "/v1/regions").await?;
    let mut villages: Vec<(u64, String)> = regions["regions"]
        .as_array()
        .ok_or("regions")?
        .iter()
        .filter(|r| r["level"] == "village" && u(&r["totals"]["subsidies"]) > 0)
        .map(|r| {
            (
                u(&r["totals"]["subsidies"]),
                r["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    villages.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(villages.into_iter().map(|(_, code)| code).collect())
}

/// `GET uri` with `If-None-Match`.
async fn get_if_none_match(app: &AppState, uri: &str, tags: &str) -> TestResult<Answer> {
    let mut request = Request::get(uri).header("if-none-match", tags).body(Body::empty())?;
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(fresh_client()));
    send(app, request).await
}

/// `GET uri`: 200, the body.
async fn body(app: &AppState, uri: &str) -> TestResult<Vec<u8>> {
    let answer = get(app, uri).await?;
    if answer.status != StatusCode::OK {
        return Err(format!("GET {uri}: {} {}", answer.status, answer.text()).into());
    }
    Ok(answer.body)
}

#[tokio::test]
async fn cached_flows_answers_are_the_uncached_bytes() -> TestResult {
    let node = node()?;
    let cached = with_cache(&node.app, 64 << 20);
    let uncached = with_cache(&node.app, 0);
    let villages = paid_villages(&node.app).await?;
    // The 2,500-entry demo pays households in 16 villages.
    assert!(villages.len() >= 10, "{} villages", villages.len());
    let mut pages = 0;
    for village in &villages {
        let first = format!("/v1/regions/{village}/flows");
        let next = serde_json::from_slice::<Value>(&body(&uncached, &first).await?)?["subsidies"]["next"].as_u64();
        let mut uris = vec![
            first.clone(),
            // The same page named differently is the same answer (and the
            // same cache entry): `limit` is normalized.
            format!("{first}?limit=20"),
            format!("{first}?limit=7"),
            format!("{first}?limit=1000"),
        ];
        if let Some(after) = next {
            uris.push(format!("{first}?after={after}"));
            uris.push(format!("{first}?limit=3&after={after}"));
        }
        for uri in &uris {
            let want = body(&uncached, uri).await?;
            let hits = cached.flows_cache.metrics().hits.get();
            // Built (or, for `?limit=20`, found under the default page's key),
            // then served from the cache: both are the uncached bytes.
            assert_eq!(body(&cached, uri).await?, want, "{uri}, first");
            assert_eq!(body(&cached, uri).await?, want, "{uri}, second");
            assert!(cached.flows_cache.metrics().hits.get() > hits, "{uri}: no hit");
            pages += 1;
        }
    }
    assert!(pages >= 5 * villages.len() as u64, "{pages} pages");
    // `?limit=20` found the default page's answer: one entry for both.
    let hits = cached.flows_cache.metrics().hits.get();
    let misses = cached.flows_cache.metrics().misses.get();
    assert_eq!(hits + misses, 2 * pages);
    assert_eq!(cached.flows_cache.len() as u64, misses);
    // Errors are never cached: the same 400 and 404 with or without it.
    for uri in [
        "/v1/regions/320803000000/flows?after=x",
        "/v1/regions/320803999999/flows",
        "/v1/regions/32080/flows",
    ] {
        let (a, b) = (get(&cached, uri).await?, get(&uncached, uri).await?);
        assert_eq!((a.status, a.body), (b.status, b.body), "{uri}");
    }
    Ok(())
}

#[tokio::test]
async fn the_cache_keeps_within_its_byte_budget() -> TestResult {
    let node = node()?;
    let budget = 60_000;
    let small = with_cache(&node.app, budget);
    let uncached = with_cache(&node.app, 0);
    let villages = paid_villages(&node.app).await?;
    for village in &villages {
        let uri = format!("/v1/regions/{village}/flows");
        assert_eq!(body(&small, &uri).await?, body(&uncached, &uri).await?, "{uri}");
        assert!(
            small.flows_cache.bytes() <= budget,
            "{} bytes",
            small.flows_cache.bytes()
        );
        assert!(!small.flows_cache.is_empty());
        assert_eq!(
            small.flows_cache.metrics().bytes.get(),
            small.flows_cache.bytes() as i64
        );
    }
    // Every village's answer (several kilobytes each) does not fit in 60
    // kB: some were dropped, least recently used first, so the last one is
    // still there.
    assert!(small.flows_cache.metrics().evictions.get() > 0);
    assert!(small.flows_cache.len() < villages.len());
    let last = format!("/v1/regions/{}/flows", villages.last().ok_or("a village")?);
    let hits = small.flows_cache.metrics().hits.get();
    body(&small, &last).await?;
    assert_eq!(small.flows_cache.metrics().hits.get(), hits + 1);
    Ok(())
}

#[tokio::test]
async fn an_unchanged_answer_is_304_not_modified() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let villages = paid_villages(app).await?;
    let uri = format!("/v1/regions/{}/flows", villages[0]);
    let first = get(app, &uri).await?;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("content-type"), "application/json");
    let etag = first.header("etag");
    assert!(etag.starts_with("W/\"") && etag.len() == 36, "{etag}");
    // The same answer again: the same tag.
    assert_eq!(get(app, &uri).await?.header("etag"), etag);
    let not_modified = app.flows_cache.metrics().not_modified.get();
    let strong = etag.trim_start_matches("W/").to_string();
    for tags in [etag.clone(), strong, format!("\"x\", {etag}"), "*".to_string()] {
        let answer = get_if_none_match(app, &uri, &tags).await?;
        assert_eq!(answer.status, StatusCode::NOT_MODIFIED, "{tags}");
        assert_eq!(answer.header("etag"), etag, "{tags}");
        assert!(answer.body.is_empty(), "{tags}");
    }
    assert_eq!(app.flows_cache.metrics().not_modified.get(), not_modified + 4);
    // Another tag, another page, or the cache off: the whole answer.
    let other = get_if_none_match(app, &uri, "W/\"00000000000000000000000000000000\"").await?;
    assert_eq!((other.status, other.body), (StatusCode::OK, first.body.clone()));
    let page = get_if_none_match(app, &format!("{uri}?limit=7"), &etag).await?;
    assert_eq!(page.status, StatusCode::OK);
    assert_ne!(page.header("etag"), etag);
    let off = with_cache(app, 0);
    let answer = get_if_none_match(&off, &uri, &etag).await?;
    assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
    assert_eq!(get(&off, &uri).await?.header("etag"), etag);
    Ok(())
}

/// Post the demo in small requests; before each, the busiest villages'
/// answers are in the cache; after it, each village's answer is the
/// uncached one (whatever the request did: notices, registrations,
/// payments, confirmations, reversals), and a request that paid a village
/// changed that village's answer at once.
#[tokio::test]
async fn a_commit_invalidates_at_once() -> TestResult {
    let node = empty_node_for("flows-cache", SEED, ENTRIES, limits())?;
    let subs = &node.log.submissions;
    let uncached = with_cache(&node.app, 0);
    let cached = &node.app;
    // The busiest villages of the whole log.
    let mut paid: BTreeMap<String, usize> = BTreeMap::new();
    for s in subs {
        if let EntryBody::HouseholdSubsidy(h) = &s.submission.body {
            *paid.entry(h.village.to_string()).or_default() += 1;
        }
    }
    let mut villages: Vec<(usize, String)> = paid.into_iter().map(|(v, n)| (n, v)).collect();
    villages.sort_by(|a, b| b.cmp(a));
    let villages: Vec<String> = villages.into_iter().take(3).map(|(_, v)| v).collect();
    let mut requests = Vec::new();
    for chunk in demo_chunks(subs) {
        requests.extend(chunk.chunks(60));
    }
    let mut before: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let (mut checked, mut changed_by_payment) = (0, 0);
    for (i, request) in requests.iter().enumerate() {
        let results = ledger_node::api::write::submit_parsed(cached, request.iter().cloned().map(Ok).collect()).await?;
        if let Some(refused) = results.iter().find_map(|r| r.as_ref().err()) {
            return Err(format!("request {i}: {} {}", refused.code, refused.message).into());
        }
        for village in &villages {
            let uri = format!("/v1/regions/{village}/flows?limit=1000");
            let answer = get(cached, &uri).await?;
            if answer.status == StatusCode::NOT_FOUND {
                continue; // before the village is registered
            }
            assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
            assert_eq!(answer.body, body(&uncached, &uri).await?, "request {i}, {uri}");
            let pays_here = request.iter().any(
                |s| matches!(&s.submission.body, EntryBody::HouseholdSubsidy(h) if h.village.to_string() == *village),
            );
            if pays_here {
                assert_ne!(before.get(village), Some(&answer.body), "request {i} paid {village}");
                changed_by_payment += 1;
            }
            // Warm the cache for the next request's check: a hit now.
            let hits = cached.flows_cache.metrics().hits.get();
            assert_eq!(body(cached, &uri).await?, answer.body);
            assert_eq!(cached.flows_cache.metrics().hits.get(), hits + 1);
            before.insert(village.clone(), answer.body);
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} checks");
    assert!(
        changed_by_payment >= 3,
        "{changed_by_payment} requests paid the villages"
    );
    Ok(())
}

//! HTTP behaviour: CORS, compression, unknown routes, rate limit.

use super::*;

// ---------------------------------------------------------------------------
// HTTP behaviour: CORS, compression, unknown routes, rate limit

#[tokio::test]
pub(crate) async fn cors_compression_and_unknown_routes() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let mut request = Request::get("/v1/regions")
        .header("origin", "https://example.org")
        .header("accept-encoding", "gzip")
        .body(Body::empty())?;
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(fresh_client()));
    let answer = send(app, request).await?;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    assert_eq!(answer.header("content-encoding"), "gzip");
    // Pre-flight.
    let mut request = Request::builder()
        .method("OPTIONS")
        .uri("/v1/log")
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .body(Body::empty())?;
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(fresh_client()));
    let answer = send(app, request).await?;
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    let answer = get(app, "/v1/no-such-endpoint").await?;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

#[tokio::test]
pub(crate) async fn rate_limited_per_client_address() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let client = fixed_client();
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..(BURST + 20) {
        let answer = get_from(app, "/v1/log", client).await?;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS && limited.is_none() {
            limited = Some(answer);
        }
    }
    // The burst passes; then the limit (1/s) bites.
    assert!(
        statuses[..BURST as usize].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let limited = limited.ok_or("no request was rate-limited")?;
    assert_eq!(limited.code(), "rate_limited");
    assert_eq!(limited.header("retry-after"), "1");
    assert_schema("Error", &limited.json()?)?;
    // Other addresses are not affected.
    assert_eq!(get(app, "/v1/log").await?.status, StatusCode::OK);
    Ok(())
}

//! The node pushing checkpoints to witnesses that misbehave: a 409 without
//! a size, a 200 without a cosignature, a witness that is down. The node
//! keeps acknowledging submissions, counts each failure by kind in
//! `ledger_witness_push_errors_total`, and says so on `/readyz`. (A real
//! witness, `ledger witness serve`, is pushed to in ledger-cli/tests/witness_push.rs.)

mod common;

use axum::http::{header, StatusCode};
use axum::routing::post;
use common::{demo_folder, folder_config, get, post_all, stop, TestResult};
use ledger_core::checkpoint::WitnessSigner;
use ledger_node::server::start;
use ledger_node::witness_push::{spawn, WitnessTarget};
use std::time::{Duration, Instant};

/// A witness answering every `add-checkpoint` with this status, type and body.
async fn fake_witness(status: StatusCode, content_type: &'static str, body: &'static str) -> TestResult<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new().route(
        "/add-checkpoint",
        post(move || async move { (status, [(header::CONTENT_TYPE, content_type)], body) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

fn signer(name: &str, seed: u8) -> TestResult<WitnessSigner> {
    Ok(WitnessSigner::new(
        name,
        ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
    )?)
}

#[test]
fn misbehaving_witnesses_are_counted_and_never_stop_sequencing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 200)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let conflict = signer("w409.example", 21)?;
    let empty = signer("w200.example", 22)?;
    let down = signer("down.example", 23)?;
    let (conflict_url, empty_url, down_url) = runtime.block_on(async {
        let a = fake_witness(StatusCode::CONFLICT, "text/plain", "hello").await?;
        let b = fake_witness(StatusCode::OK, "text/plain", "not a cosignature\n").await?;
        // A port that was free a moment ago: nothing listens there.
        let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let c = format!("http://{}", gone.local_addr()?);
        drop(gone);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((a, b, c))
    })?;
    let mut config = folder_config(dir.path())?;
    for (w, url) in [(&conflict, &conflict_url), (&empty, &empty_url), (&down, &down_url)] {
        config.witnesses.push(w.verifier_key());
        config.witness_push.targets.push(WitnessTarget {
            vkey: w.verifier_key(),
            url: url.clone(),
        });
    }
    config.witness_push.interval_ms = 20;
    config.witness_push.timeout_ms = 2_000;
    let started = start(&config)?;
    let pushers = runtime.block_on(async { spawn(&started.app, &config.witness_push) })?;
    let half = log.submissions.len() / 2;
    post_all(&runtime, &started, &log.submissions[..half])?;

    // Wait (bounded) until every witness failed at least once.
    let expected = [
        "ledger_witness_push_errors_total{witness=\"w409.example\",kind=\"garbage\"}",
        "ledger_witness_push_errors_total{witness=\"w200.example\",kind=\"garbage\"}",
        "ledger_witness_push_errors_total{witness=\"down.example\",kind=\"unreachable\"}",
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let metrics = started.app.shared.metrics.render();
        if expected.iter().all(|e| metrics.contains(e)) {
            break;
        }
        assert!(Instant::now() < deadline, "errors never counted:\n{metrics}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Sequencing went on and goes on.
    post_all(&runtime, &started, &log.submissions[half..])?;
    assert_eq!(started.app.shared.committed(), log.submissions.len() as u64);
    let metrics = started.app.shared.metrics.render();
    assert!(
        !metrics.contains("ledger_witness_cosigned_size{"),
        "no witness cosigned:\n{metrics}"
    );
    let readyz = runtime.block_on(get(&started.app, "/readyz"))?;
    assert_eq!(readyz.status, StatusCode::OK);
    let text = readyz.text();
    assert!(
        text.contains("witness w409.example: cosigned size 0; last error garbage: the witness's answer is malformed: 409 without a text/x.tlog.size body"),
        "{text}"
    );
    assert!(
        text.contains("witness down.example: cosigned size 0; last error unreachable: "),
        "{text}"
    );
    assert!(
        text.contains("witness w200.example: cosigned size 0; last error garbage: "),
        "{text}"
    );
    for p in pushers {
        p.abort();
    }
    drop(runtime);
    stop(started)
}

#[test]
fn witness_url_flags_add_the_key_to_the_witnesses() -> TestResult {
    use clap::Parser as _;
    let w = signer("w.example", 31)?;
    let args = ledger_node::config::Args::try_parse_from([
        "ledger-node",
        "--witness-url",
        &format!("{}=http://127.0.0.1:7380/", w.verifier_key()),
        "--witness-interval-ms",
        "250",
    ])?;
    let config = ledger_node::config::NodeConfig::resolve(&args).map_err(|e| format!("{e:#}"))?;
    assert_eq!(config.witnesses, vec![w.verifier_key()]);
    assert_eq!(config.min_witnesses, 1);
    assert_eq!(
        config.witness_push.targets,
        vec![WitnessTarget {
            vkey: w.verifier_key(),
            url: "http://127.0.0.1:7380".into()
        }]
    );
    assert_eq!(
        (config.witness_push.interval_ms, config.witness_push.timeout_ms),
        (250, 5_000)
    );
    let bad = ledger_node::config::Args::try_parse_from(["ledger-node", "--witness-url", "nonsense"])?;
    let e = ledger_node::config::NodeConfig::resolve(&bad)
        .map(|_| ())
        .map_err(|e| format!("{e:#}"));
    assert_eq!(
        e,
        Err(
            "--witness-url \"nonsense\": expected VKEY=http://HOST:PORT (the witness's verifier key, '=', its URL)"
                .to_string()
        )
    );
    Ok(())
}

//! Issue 11: no request can stop the node, and the node stops when it must.
//! Each test names the finding it covers (docs/SECURITY.md, "Issue 11").

mod common;

use axum::http::StatusCode;
use common::{
    demo_folder, empty_node, folder_config, free_port, now_ms, post, post_all, project, project_valid_until, rotation,
    stop, wait_exit, TestResult,
};
use ledger_core::encoding::Bytes;
use ledger_core::entry::EntryBody;
use ledger_core::submission::{SignedSubmission, Submission};
use ledger_node::api::write::submit_parsed;
use ledger_node::api::{router, Limits};
use ledger_node::connections::{self, ConnectionLimits};
use ledger_node::keyfile;
use ledger_node::sequencer::{Clock, CLOCK_STEP_LIMIT_MS, EXIT_SEQUENCER_PANICKED};
use ledger_node::server::{prepare_rotation, start, start_with_clock};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Codes of a list of results (`"ok"` for a receipt).
fn codes(results: &[Result<ledger_core::receipt::SignedReceipt, ledger_node::api::error::ApiError>]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r.as_ref().map_or_else(|e| e.code, |_| "ok"))
        .collect()
}

// ---------------------------------------------------------------------------
// Finding 1: a retry of an old public entry whose log key file is missing.

#[test]
fn a_retry_whose_log_key_is_gone_is_refused_for_that_item_and_the_node_stays_up() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 400)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let config = folder_config(dir.path())?;
    let started = start(&config)?;
    post_all(&runtime, &started, &log.submissions)?;
    let (new_vkey, endorsement_hex) = prepare_rotation(&config)?;
    let endorsement = Bytes::<64>::from_hex(&endorsement_hex)?;
    let rotate = rotation(&log.origin, &new_vkey, endorsement, 3)?.sign(&[&log.admins[0].key]);
    post_all(&runtime, &started, &[rotate])?;
    stop(started)?;
    // The operator loses the retired key file (the key of entries 0-399).
    for item in std::fs::read_dir(keyfile::keys_dir(dir.path()))? {
        let path = item?.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("log-retired-"))
        {
            std::fs::remove_file(path)?;
        }
    }

    let started = start(&config)?;
    // Anyone may re-post entry 10 (it is public): over HTTP, twice.
    let body = serde_json::to_vec(&serde_json::json!({ "submissions": [log.submissions[10]] }))?;
    for _ in 0..2 {
        let answer = runtime.block_on(post(&started.app, "application/json", body.clone()))?;
        assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text());
        assert_eq!(answer.code(), "receipt_unavailable");
    }
    // In a batch, only that item is refused; the others are sequenced.
    let operator = &log.operators[0].key;
    let fresh = project(&log.origin, 0)?.sign(&[operator]);
    let results = runtime.block_on(submit_parsed(
        &started.app,
        vec![Ok(log.submissions[10].clone()), Ok(fresh.clone())],
    ))?;
    assert_eq!(codes(&results), vec!["receipt_unavailable", "ok"]);
    assert_eq!(results[1].as_ref().map(|r| r.receipt.seq).ok(), Some(401));
    let message = results[0].as_ref().err().map(|e| e.message.clone()).unwrap_or_default();
    assert!(message.contains("entry 10"), "{message}");
    // Entries under the key the node holds still get their receipts again.
    let retry = runtime.block_on(submit_parsed(&started.app, vec![Ok(fresh)]))?;
    assert_eq!(retry[0].as_ref().map(|r| r.receipt.seq).ok(), Some(401));
    assert!(started.app.shared.ready.load(Ordering::Acquire));
    stop(started)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Finding 2: a key grant signed by a stranger vouches for nothing.

fn grant_of(log: &ledger_demo::DemoLog, grantee: &ed25519_dalek::SigningKey, nonce: u8) -> Submission {
    let mut grant = log.operators[0].grant.clone();
    grant.key = Bytes(grantee.verifying_key().to_bytes());
    Submission {
        v: ledger_core::submission::SUBMISSION_VERSION,
        origin: log.origin.clone(),
        nonce: Bytes([nonce; 16]),
        not_after_ms: now_ms() + 3_600_000,
        body: EntryBody::KeyGrant(grant),
    }
}

#[test]
fn keys_granted_by_a_stranger_in_the_same_request_are_unknown_keys() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 400)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(&folder_config(dir.path())?)?;
    post_all(&runtime, &started, &log.submissions)?;
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let grantee = ed25519_dalek::SigningKey::from_bytes(&[43; 32]);

    // The stranger grants a key, and "uses" it with garbage signatures: the
    // cheap check refuses them all as unknown keys, verifying nothing.
    let mut forged: Vec<SignedSubmission> = (1..=3u8)
        .map(|i| project(&log.origin, i).map(|s| s.sign(&[&grantee])))
        .collect::<Result<_, _>>()?;
    for s in &mut forged {
        s.signatures[0].signature = Bytes([7; 64]);
    }
    let mut request = vec![Ok(grant_of(&log, &grantee, 200).sign(&[&stranger]))];
    request.extend(forged.into_iter().map(Ok));
    let results = runtime.block_on(submit_parsed(&started.app, request))?;
    assert_eq!(
        codes(&results),
        vec!["unknown_key", "unknown_key", "unknown_key", "unknown_key"]
    );
    // A grant forged in the name of the admins does not vouch either.
    let admins: Vec<&ed25519_dalek::SigningKey> = log.admins.iter().map(|a| &a.key).collect();
    let mut forged_grant = grant_of(&log, &grantee, 201).sign(&admins);
    for sig in &mut forged_grant.signatures {
        sig.signature = Bytes([9; 64]);
    }
    let mut forged_use = project(&log.origin, 4)?.sign(&[&grantee]);
    forged_use.signatures[0].signature = Bytes([7; 64]);
    let results = runtime.block_on(submit_parsed(&started.app, vec![Ok(forged_grant), Ok(forged_use)]))?;
    assert_eq!(codes(&results), vec!["bad_signature", "unknown_key"]);

    // The admins' own grant still lets its key be used in the same request.
    let results = runtime.block_on(submit_parsed(
        &started.app,
        vec![
            Ok(grant_of(&log, &grantee, 202).sign(&admins)),
            Ok(project(&log.origin, 5)?.sign(&[&grantee])),
        ],
    ))?;
    assert_eq!(codes(&results), vec!["ok", "ok"]);
    stop(started)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Finding 4: a wall clock that jumped ahead does not carry the log's time
// into the future.

/// A clock the test moves by hand.
#[derive(Debug, Default)]
struct TestClock {
    wall_ms: AtomicU64,
    monotonic_ms: AtomicU64,
}

impl TestClock {
    fn set(&self, wall_ms: u64, monotonic_ms: u64) {
        self.wall_ms.store(wall_ms, Ordering::SeqCst);
        self.monotonic_ms.store(monotonic_ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn wall_ms(&self) -> u64 {
        self.wall_ms.load(Ordering::SeqCst)
    }
    fn monotonic_ms(&self) -> u64 {
        self.monotonic_ms.load(Ordering::SeqCst)
    }
}

#[test]
fn after_the_clock_ran_days_ahead_short_window_submissions_are_accepted() -> TestResult {
    const DAY_MS: u64 = 24 * 3600 * 1000;
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 400)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let t = now_ms();
    let clock = Arc::new(TestClock::default());
    clock.set(t, 0);
    let started = start_with_clock(&folder_config(dir.path())?, clock.clone())?;
    post_all(&runtime, &started, &log.submissions)?;
    let operator = &log.operators[0].key;
    let time_of = |s: Submission| -> TestResult<u64> {
        Ok(post_all(&runtime, &started, &[s.sign(&[operator])])?[0].receipt.time_ms)
    };

    // The wall clock jumps 3 days ahead one second later: the sequencing
    // time follows the monotonic clock, plus at most the step limit.
    clock.set(t + 3 * DAY_MS, 1_000);
    let during = time_of(project_valid_until(&log.origin, 0, t + 3 * DAY_MS + 3_600_000)?)?;
    assert_eq!(during, t + 1_000 + CLOCK_STEP_LIMIT_MS);

    // The clock is corrected: a submission valid for 5 minutes is accepted,
    // at the log's time (which never decreases).
    clock.set(t + 2_000, 2_000);
    let after = time_of(project_valid_until(&log.origin, 1, t + 2_000 + 300_000)?)?;
    assert_eq!(after, during);
    // Once the wall clock passes the log's time, entries take the wall time.
    clock.set(t + 120_000, 120_000);
    let later = time_of(project_valid_until(&log.origin, 2, t + 120_000 + 300_000)?)?;
    assert_eq!(later, t + 120_000);
    // A clock set back is followed at once (entries keep the log's time).
    clock.set(t + 100_000, 130_000);
    let back = time_of(project_valid_until(&log.origin, 3, t + 100_000 + 300_000)?)?;
    assert_eq!(back, t + 120_000);
    clock.set(t + 121_000, 151_000);
    let next = time_of(project_valid_until(&log.origin, 4, t + 121_000 + 300_000)?)?;
    assert_eq!(next, t + 121_000);
    stop(started)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Finding 5: a panic in the sequencer or the committer ends the process.

fn panicking_node_exits(thread: &str) -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 9, 100)?;
    let port = free_port()?;
    let mut node = common::start_node(dir.path(), port, &[("LEDGER_TEST_PANIC", thread)])?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    // The first submission reaches the thread, which panics; the request
    // gets no answer (the process is gone).
    let _ = client
        .post(format!("http://127.0.0.1:{port}/v1/submissions"))
        .json(&serde_json::json!({ "submissions": [log.submissions[0]] }))
        .send();
    assert_eq!(
        wait_exit(&mut node, Duration::from_secs(60))?,
        Some(EXIT_SEQUENCER_PANICKED)
    );
    // A restart replays the store and is ready again.
    let mut node = common::start_node(dir.path(), port, &[])?;
    node.kill()?;
    node.wait()?;
    Ok(())
}

#[test]
fn a_panic_in_the_sequencer_ends_the_process_with_exit_71() -> TestResult {
    panicking_node_exits("sequencer")
}

#[test]
fn a_panic_in_the_committer_ends_the_process_with_exit_71() -> TestResult {
    panicking_node_exits("committer")
}

// ---------------------------------------------------------------------------
// Finding 3: idle connections are closed, open connections are capped.

/// Serve the router of an empty node on 127.0.0.1 with these limits.
async fn serve_with(
    name: &str,
    limits: ConnectionLimits,
) -> TestResult<(std::net::SocketAddr, common::TestNode, tokio::sync::oneshot::Sender<()>)> {
    let node = empty_node(name, Limits::default())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = connections::serve(
        listener,
        router(node.app.clone()),
        limits,
        &node.app.shared.metrics,
        async move {
            let _ = stop_rx.await;
        },
    );
    tokio::spawn(serving);
    Ok((address, node, stop_tx))
}

/// Connect to `server` from the local address `from` (any 127.x.y.z).
async fn connect_from(from: [u8; 4], server: std::net::SocketAddr) -> TestResult<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::from((from, 0)))?;
    Ok(socket.connect(server).await?)
}

/// Everything the server sends until it closes the connection (a reset
/// counts as closed); fails if it is still open after a minute.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> TestResult<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut out)).await {
        Err(_) => Err("the server did not close the connection".into()),
        Ok(Ok(_)) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(String::from_utf8_lossy(&out).into_owned()),
        Ok(Err(e)) => Err(e.into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped_in_total_and_per_address() -> TestResult {
    let limits = ConnectionLimits {
        max_connections: 3,
        max_connections_per_address: 2,
        header_read_timeout_ms: 600_000,
    };
    let (server, node, stop_tx) = serve_with("conn-caps", limits).await?;
    // Two idle connections from one address are kept; the third is refused.
    let _a1 = connect_from([127, 0, 0, 1], server).await?;
    let _a2 = connect_from([127, 0, 0, 1], server).await?;
    let mut a3 = connect_from([127, 0, 0, 1], server).await?;
    let refused = read_until_closed(&mut a3).await?;
    assert!(refused.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{refused}");
    assert!(refused.contains("\"code\":\"overloaded\""), "{refused}");
    // Another address gets the last slot; a fourth connection is refused.
    let mut b1 = connect_from([127, 0, 0, 2], server).await?;
    let mut c1 = connect_from([127, 0, 0, 3], server).await?;
    let refused = read_until_closed(&mut c1).await?;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    // The admitted connection serves requests.
    b1.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let answer = read_until_closed(&mut b1).await?;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let metrics = node.app.shared.metrics.render();
    assert!(
        metrics.contains("ledger_connections_refused_total{reason=\"max_connections_per_address\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("ledger_connections_refused_total{reason=\"max_connections\"} 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("ledger_connections_open "), "{metrics}");
    let _ = stop_tx.send(());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_after_the_header_read_timeout() -> TestResult {
    let limits = ConnectionLimits {
        header_read_timeout_ms: 200,
        ..ConnectionLimits::default()
    };
    let (server, _node, stop_tx) = serve_with("conn-idle", limits).await?;
    // Sends nothing.
    let mut idle = connect_from([127, 0, 0, 1], server).await?;
    assert_eq!(read_until_closed(&mut idle).await?, "");
    // Sends half a request head and stops.
    let mut slow = connect_from([127, 0, 0, 1], server).await?;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await?;
    read_until_closed(&mut slow).await?;
    // Kept alive after an answer, then idle.
    let mut kept = connect_from([127, 0, 0, 1], server).await?;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await?;
    let answer = read_until_closed(&mut kept).await?;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let _ = stop_tx.send(());
    Ok(())
}

// ---------------------------------------------------------------------------
// Finding 8: README's restore line works as written.

#[test]
fn readme_restore_line_runs_as_written() -> TestResult {
    use ledger_core::bundle::{encode_header, encode_record, BundleHeader, BUNDLE_VERSION};
    use ledger_core::checkpoint::LogSigner;
    use ledger_core::merkle::{leaf_hash, MemoryTree};
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))?;
    let line = readme
        .split('`')
        .find(|s| s.starts_with("ledger-node restore "))
        .ok_or("README has no `ledger-node restore ...` command")?;
    assert_eq!(line, "ledger-node restore --data NEWDIR --bundle FILE");

    // A bundle of a demo log, as `ledger export` writes it.
    let dir = tempfile::tempdir()?;
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: 3,
        target_entries: 150,
        now_ms: now_ms(),
    })?;
    let entries = ledger_demo::demo_entries(&log, now_ms());
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.append(leaf_hash(e));
    }
    let signer = LogSigner::new(&log.origin, log.log_key.clone())?;
    let header = BundleHeader {
        v: BUNDLE_VERSION,
        origin: log.origin.clone(),
        log_vkey: signer.verifier_key(),
        checkpoint: String::from_utf8(signer.sign_checkpoint(tree.size(), &tree.root()).to_bytes())?,
        entry_count: entries.len() as u64,
    };
    let mut bundle = encode_header(&header);
    for e in &entries {
        bundle.extend(encode_record(e));
    }
    let bundle_path = dir.path().join("backup.bundle");
    std::fs::write(&bundle_path, bundle)?;
    let new_dir = dir.path().join("restored");

    let argv: Vec<String> = line
        .split_whitespace()
        .skip(1)
        .map(|word| match word {
            "NEWDIR" => new_dir.display().to_string(),
            "FILE" => bundle_path.display().to_string(),
            other => other.to_string(),
        })
        .collect();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ledger-node"))
        .args(&argv)
        .env("RUST_LOG", "warn")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "restored {} verified entries into {}\n",
            entries.len(),
            new_dir.display()
        )
    );
    Ok(())
}

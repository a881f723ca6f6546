//! A mirror killed with SIGKILL inside a catch-up step (issue 17): real
//! processes — a demo primary, a mirror following its root URL that is
//! `kill -9`ed at three points of one step, and a reference mirror that is
//! never killed.
//!
//! The kill points come from the debug-build test knob
//! `LEDGER_TEST_MIRROR_PAUSE_AFTER=N` (the follower stops for good after the
//! chunk commit that brings its store to N entries and says so on stderr);
//! the test then sends a real SIGKILL. With chunks of 4,096 entries and a
//! log of about 12,000, the points are: one chunk of a step durable (4,096),
//! two chunks (8,192, the second run resumed from the first kill), and every
//! chunk durable but the step not finished (the checkpoint not yet served).
//!
//! After each kill the mirror restarts on its own store (the start-up
//! replay), serves no checkpoint it cannot prove, and at the end holds the
//! same tree size and root, the same village answer bytes and the same
//! entries as the reference mirror and the primary, with its store
//! replaying cleanly (nothing lost, nothing twice).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{free_port, TestResult};
use ledger_node::ledger::open_ledger;
use ledger_node::mirror::MIRROR_APPLY_CHUNK;
use ledger_node::store::{Store, StoreOptions};
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A demo primary process on `port`, loaded and ready.
fn start_primary(dir: &Path, port: u16, entries: u64) -> TestResult<Child> {
    let child = Command::new(env!("CARGO_BIN_EXE_ledger-node"))
        .args([
            "--data",
            &dir.display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--demo",
            "--demo-entries",
            &entries.to_string(),
            // The mirrors read every tile from this one address.
            "--read-rate-per-sec",
            "1000000000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    wait_ready(port, child, Duration::from_secs(300))
}

/// Wait (a bound, not a timing assertion) until `/readyz` answers 200.
fn wait_ready(port: u16, mut child: Child, limit: Duration) -> TestResult<Child> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(r) = http().get(format!("http://127.0.0.1:{port}/readyz")).send() {
            if r.status().is_success() {
                return Ok(child);
            }
        }
        if let Some(status) = child.try_wait()? {
            return Err(format!("the process exited before it was ready: {status}").into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    Err("not ready in time".into())
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// A mirror process; `pause_after` sets the test knob. Its stderr lines go
/// to the returned channel.
fn spawn_mirror(
    dir: &Path,
    port: u16,
    follow: &str,
    vkey: &str,
    pause_after: Option<u64>,
) -> TestResult<(Child, mpsc::Receiver<String>)> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ledger-node"));
    command
        .args([
            "--data",
            &dir.display().to_string(),
            "--read-rate-per-sec",
            "1000000000",
            "mirror",
            "--follow",
            follow,
            "--log-key",
            vkey,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--poll-interval-ms",
            "100",
        ])
        .env("RUST_LOG", "warn")
        .env_remove("LEDGER_TEST_MIRROR_PAUSE_AFTER")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(n) = pause_after {
        command.env("LEDGER_TEST_MIRROR_PAUSE_AFTER", n.to_string());
    }
    let mut child = command.spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    Ok((child, rx))
}

/// Wait for the knob's pause line; returns the stored entry count it names.
fn wait_paused(lines: &mpsc::Receiver<String>) -> TestResult<u64> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("LEDGER_TEST_MIRROR_PAUSE_AFTER: paused with ") {
                    let n = rest.split(' ').next().unwrap_or_default();
                    return Ok(n.parse()?);
                }
                seen.push(line);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!("the mirror exited before pausing: {}", seen.join("\n")).into())
            }
        }
    }
    Err(format!("the mirror never paused: {}", seen.join("\n")).into())
}

fn get(port: u16, path: &str) -> TestResult<(u16, Vec<u8>)> {
    let r = http().get(format!("http://127.0.0.1:{port}{path}")).send()?;
    Ok((r.status().as_u16(), r.bytes()?.to_vec()))
}

fn log_json(port: u16) -> TestResult<serde_json::Value> {
    let (status, body) = get(port, "/v1/log")?;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    Ok(serde_json::from_slice(&body)?)
}

/// Wait until the mirror on `port` serves the checkpoint of `size`.
fn wait_caught_up(port: u16, size: u64) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok((200, body)) = get(port, "/checkpoint") {
            if String::from_utf8_lossy(&body).lines().nth(1) == Some(&size.to_string()) {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the mirror on {port} did not reach {size}").into())
}

fn sigkill(child: &mut Child) -> TestResult {
    // Child::kill is SIGKILL on Unix: no destructor, no flush, no step end.
    child.kill()?;
    child.wait()?;
    Ok(())
}

#[test]
fn a_mirror_killed_mid_step_resumes_to_the_same_state() -> TestResult {
    let dir = tempfile::tempdir()?;
    let primary_port = free_port()?;
    let mut primary = start_primary(&dir.path().join("primary"), primary_port, 12_000)?;
    let log = log_json(primary_port)?;
    let size = log["size"].as_u64().ok_or("size")?;
    let vkey = log["log_vkey"].as_str().ok_or("log_vkey")?.to_string();
    let chunk = MIRROR_APPLY_CHUNK;
    assert!(
        size > 2 * chunk + 1_000,
        "want a step of three chunks, the log has {size} entries"
    );
    let follow = format!("http://127.0.0.1:{primary_port}/");

    // The reference: a mirror never killed.
    let ref_dir = dir.path().join("reference");
    let ref_port = free_port()?;
    let (reference, _ref_lines) = spawn_mirror(&ref_dir, ref_port, &follow, &vkey, None)?;
    let mut reference = wait_ready(ref_port, reference, Duration::from_secs(60))?;

    // The mirror under test, killed three times inside its one step.
    let m_dir = dir.path().join("mirror");
    let m_port = free_port()?;
    for (run, pause, stored) in [(1, chunk, chunk), (2, 2 * chunk, 2 * chunk), (3, size - 1, size)] {
        let (child, lines) = spawn_mirror(&m_dir, m_port, &follow, &vkey, Some(pause))?;
        let mut child = child;
        let paused = wait_paused(&lines)?;
        assert_eq!(paused, stored, "run {run}");
        // Paused inside the step: the store holds `stored` entries under a
        // checkpoint of `size`; no checkpoint is served (none is proven).
        let (status, body) = get(m_port, "/checkpoint")?;
        assert_ne!(status, 200, "run {run}: {}", String::from_utf8_lossy(&body));
        sigkill(&mut child)?;
    }

    // The last start: resumes from its store and finishes.
    let (child, _lines) = spawn_mirror(&m_dir, m_port, &follow, &vkey, None)?;
    let mut mirror = wait_ready(m_port, child, Duration::from_secs(120))?;
    wait_caught_up(m_port, size)?;
    wait_caught_up(ref_port, size)?;

    let village = "/v1/regions/320803001001/flows";
    for path in [
        "/checkpoint",
        "/v1/log",
        village,
        &format!("/v1/entries/{}", size - 1),
        &format!("/v1/entries/{chunk}"),
        &format!("/v1/proof/inclusion?seq={}&size={size}", chunk + 7),
        "/tile/0/000",
    ] {
        let (status, ours) = get(m_port, path)?;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&ours));
        assert_eq!(
            ours,
            get(ref_port, path)?.1,
            "{path}: the resumed mirror differs from the reference"
        );
        assert_eq!(
            ours,
            get(primary_port, path)?.1,
            "{path}: the resumed mirror differs from the primary"
        );
    }
    let (_, flows) = get(m_port, village)?;
    assert!(
        flows.len() > 100,
        "the village answer is empty: {}",
        String::from_utf8_lossy(&flows)
    );

    // Its store, read as a primary's start-up reads one: every entry once,
    // in order, under a checkpoint of exactly that size.
    sigkill(&mut mirror)?;
    let store = Store::open(&m_dir.join("store"), StoreOptions::default())?;
    let (ledger, latest) = open_ledger(&store, &|_| {}).map_err(|e| e.to_string())?;
    assert_eq!(ledger.head.size, size);
    let latest = latest.ok_or("no checkpoint")?;
    assert_eq!(latest.size, size);

    sigkill(&mut reference)?;
    sigkill(&mut primary)?;
    Ok(())
}

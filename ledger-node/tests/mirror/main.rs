//! `ledger-node mirror` (issue 17 item 3), end to end in one process: a
//! primary served on a loopback socket, mirrors following its root URL or a
//! folder copy of its tiles (file://):
//!
//! * catch up, the same village answer byte for byte, the same proofs;
//!   the primary ingests more and the mirror follows; writes are refused
//!   `read_only_mirror`;
//! * a forged bundle byte: refused `tile_mismatch`, counted, the old state
//!   still served; once the tile is right again the mirror catches up;
//! * a fork (a second node with the same log key and other entries): reads
//!   503 `fork_detected`, `/readyz` 503 `fork`, evidence written (and it
//!   re-checks with ledger-core), still halted after a restart;
//! * a wrong log key: the mirror does not follow (`wrong_log`), and refuses
//!   to start on a store of another key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

use common::{config, demo_chunks, demo_folder, fresh_dir, get, post, TestResult};
use ledger_core::checkpoint::{ForkEvidence, ForkEvidenceFile, LogVerifier};
use ledger_core::merkle::{TileKind, TileRef, TreeHash, TILE_WIDTH};
use ledger_core::submission::SignedSubmission;
use ledger_node::api::{router, AppState, Limits};
use ledger_node::mirror::{MirrorConfig, StartedMirror};
use ledger_node::server::{start, Started};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

fn limits() -> Limits {
    // The mirror reads many tiles from one address: no rate limit here.
    Limits {
        read_rate_per_sec: 1_000_000,
        read_burst: 1_000_000,
        ..Limits::default()
    }
}

/// A primary on a loopback socket.
struct Primary {
    url: String,
    started: Option<Started>,
    runtime: tokio::runtime::Runtime,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Primary {
    fn start(dir: &Path) -> TestResult<Primary> {
        let started = start(&config(dir, limits())?).map_err(|e| format!("{e:#}"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = started.app.clone();
        let url = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(async move {
                let _ = axum::serve(
                    listener,
                    router(app).into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            });
            Ok::<_, std::io::Error>(format!("http://{addr}"))
        })?;
        Ok(Primary {
            url,
            started: Some(started),
            runtime,
            shutdown: Some(tx),
        })
    }

    fn app(&self) -> &AppState {
        &self.started.as_ref().unwrap().app
    }

    fn post(&self, submissions: &[SignedSubmission]) -> TestResult {
        for chunk in demo_chunks(submissions) {
            let results = self.runtime.block_on(ledger_node::api::write::submit_parsed(
                self.app(),
                chunk.iter().cloned().map(Ok).collect(),
            ))?;
            if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
                return Err(format!("rejected: {e}").into());
            }
        }
        Ok(())
    }

    fn size(&self) -> u64 {
        self.app().shared.committed()
    }
}

impl Drop for Primary {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(started) = self.started.take() {
            drop(started.app);
            let _ = started.sequencer.join();
        }
    }
}

fn mirror_config(follow: &str, log_key: &str) -> MirrorConfig {
    MirrorConfig {
        follow: follow.to_string(),
        log_key: log_key.to_string(),
        origin: None,
        poll_interval_ms: 100,
        client: ledger_tlog_client::ClientOptions {
            timeout_ms: 10_000,
            attempts: 2,
            backoff_ms: 10,
            max_backoff_ms: 50,
        },
    }
}

fn start_mirror(dir: &Path, follow: &str, log_key: &str) -> TestResult<StartedMirror> {
    Ok(
        ledger_node::mirror::start(&config(dir, limits())?, &mirror_config(follow, log_key))
            .map_err(|e| format!("{e:#}"))?,
    )
}

/// Wait (up to a minute: a bound, not a timing assertion) for `done`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if done() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("timed out waiting for {what}").into())
}

fn errors_of(m: &StartedMirror, kind: &str) -> u64 {
    let text = m.app.shared.metrics.render();
    let needle = format!("ledger_mirror_source_errors_total{{kind=\"{kind}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&needle))
        .map_or(0, |v| v.trim().parse().unwrap_or(0))
}

/// Copy the primary's checkpoint, entry bundles and level-0 tiles into
/// `dir` as a bucket holds them.
fn copy_tiles(url: &str, size: u64, dir: &Path, tamper: &dyn Fn(&Path) -> TestResult) -> TestResult {
    let get = |path: &str| -> TestResult<Vec<u8>> {
        let r = reqwest::blocking::get(format!("{url}/{path}"))?;
        if !r.status().is_success() {
            return Err(format!("{path}: {}", r.status()).into());
        }
        Ok(r.bytes()?.to_vec())
    };
    std::fs::create_dir_all(dir)?;
    let mut start = 0;
    while start < size {
        let width = (size - start).min(u64::from(TILE_WIDTH)) as u32;
        let index = start / u64::from(TILE_WIDTH);
        for kind in [TileKind::Entries, TileKind::Hash { level: 0 }] {
            let path = TileRef { kind, index, width }.path();
            let file = dir.join(&path);
            std::fs::create_dir_all(file.parent().ok_or("parent")?)?;
            std::fs::write(file, get(&path)?)?;
        }
        start += u64::from(width);
    }
    tamper(dir)?;
    // The checkpoint last, as a publisher writes it.
    std::fs::write(dir.join("checkpoint"), get("checkpoint")?)?;
    Ok(())
}

fn body(rt: &tokio::runtime::Runtime, app: &AppState, uri: &str) -> TestResult<(u16, String)> {
    let a = rt.block_on(get(app, uri))?;
    Ok((a.status.as_u16(), a.text()))
}

#[test]
fn mirror_follows_verifies_refuses_forgeries_and_stops_on_a_fork() -> TestResult {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Primary A: the demo log, two thirds of it first.
    let dir_a = fresh_dir("mirror-a")?;
    let log = demo_folder(&dir_a, 1, 700)?;
    let a = Primary::start(&dir_a)?;
    let n = log.submissions.len();
    a.post(&log.submissions[..n * 2 / 3])?;
    let vkey = ledger_core::keys::verifier_key_string(&log.origin, &log.log_key.verifying_key());

    // A mirror follows A's root URL and catches up.
    let dir_m = fresh_dir("mirror-m")?;
    let m = start_mirror(&dir_m, &a.url, &vkey)?;
    wait_for("the mirror to catch up", || m.app.shared.committed() == a.size())?;
    let village = log.households[0].village;
    let same = |uri: &str| -> TestResult {
        let from_a = body(&rt, a.app(), uri)?;
        let from_m = body(&rt, &m.app, uri)?;
        assert_eq!(from_a.0, 200, "{uri}: {}", from_a.1);
        assert_eq!(from_m, from_a, "{uri}");
        Ok(())
    };
    let size = a.size();
    same(&format!("/v1/regions/{village}/flows"))?;
    same("/checkpoint")?;
    same(&format!("/v1/proof/inclusion?seq=7&size={size}"))?;
    same(&format!("/v1/entries/{}", size - 1))?;
    same("/tile/0/000")?;

    // Writes: refused, with the stable code.
    let refused = rt.block_on(post(&m.app, "application/json", b"{}".to_vec()))?;
    assert_eq!(refused.status.as_u16(), 405);
    assert_eq!(refused.code(), "read_only_mirror");
    let ready = body(&rt, &m.app, "/readyz")?;
    assert_eq!(ready.0, 200, "{}", ready.1);
    assert!(
        ready.1.contains(&format!(
            "mirror: source {}/, verified size {size}, source size {size}, last error none",
            a.url
        )),
        "{}",
        ready.1
    );

    // A ingests more; the mirror follows.
    a.post(&log.submissions[n * 2 / 3..n * 5 / 6])?;
    let size = a.size();
    wait_for("the mirror to follow", || m.app.shared.committed() == size)?;
    same(&format!("/v1/regions/{village}/flows"))?;
    let metrics = m.app.shared.metrics.render();
    assert!(metrics.contains(&format!("ledger_mirror_size {size}\n")), "{metrics}");
    assert!(metrics.contains("ledger_mirror_lag_entries 0\n"), "{metrics}");
    assert!(metrics.contains("ledger_mirror_fork 0\n"), "{metrics}");

    // A forged bundle byte, from a folder copy: refused, counted, and the
    // mirror still serves what it verified.
    let bucket = fresh_dir("mirror-bucket")?;
    copy_tiles(&a.url, size, &bucket, &|_| Ok(()))?;
    let dir_f = fresh_dir("mirror-f")?;
    let f = start_mirror(&dir_f, &format!("file://{}", bucket.display()), &vkey)?;
    wait_for("the folder mirror to catch up", || f.app.shared.committed() == size)?;
    a.post(&log.submissions[n * 5 / 6..])?;
    let new_size = a.size();
    let last = TileRef {
        kind: TileKind::Entries,
        index: (new_size - 1) / u64::from(TILE_WIDTH),
        width: ((new_size - 1) % u64::from(TILE_WIDTH) + 1) as u32,
    };
    let forged = bucket.join(last.path());
    // One byte flipped before the checkpoint that covers it is published.
    copy_tiles(&a.url, new_size, &bucket, &|_| {
        let mut bad = std::fs::read(&forged)?;
        let at = bad.len() - 10;
        bad[at] ^= 1;
        std::fs::write(&forged, &bad)?;
        Ok(())
    })?;
    let mut good = std::fs::read(&forged)?;
    let at = good.len() - 10;
    good[at] ^= 1;
    wait_for("the forgery to be refused", || errors_of(&f, "tile_mismatch") >= 1)?;
    assert_eq!(f.app.shared.committed(), size);
    let ready = body(&rt, &f.app, "/readyz")?;
    assert_eq!(ready.0, 200, "{}", ready.1);
    assert!(
        ready
            .1
            .contains(&format!("last error tile_mismatch: tile_mismatch: {}:", last.path())),
        "{}",
        ready.1
    );
    let flows = body(&rt, &f.app, &format!("/v1/regions/{village}/flows"))?;
    assert_eq!(flows.0, 200);
    // The right bytes again: the mirror catches up on its next poll.
    std::fs::write(&forged, &good)?;
    wait_for("the folder mirror to recover", || f.app.shared.committed() == new_size)?;
    f.shutdown();

    // A wrong log key: the mirror does not follow.
    let other = ledger_core::keys::verifier_key_string(
        &log.origin,
        &ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    );
    let dir_w = fresh_dir("mirror-w")?;
    let w = start_mirror(&dir_w, &a.url, &other)?;
    wait_for("the wrong key to be refused", || errors_of(&w, "wrong_log") == 1)?;
    assert_eq!(w.app.shared.committed(), 0);
    let ready = body(&rt, &w.app, "/readyz")?;
    assert!(
        ready.1.contains("not following: wrong_log: the source's log keys are"),
        "{}",
        ready.1
    );
    w.shutdown();

    // The binary: `ledger-node mirror` follows A over HTTP and answers
    // /readyz with its verified size.
    let port = common::free_port()?;
    let dir_p = fresh_dir("mirror-p")?;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_ledger-node"))
        .args([
            "mirror",
            "--follow",
            &a.url,
            "--data",
            &dir_p.display().to_string(),
            "--log-key",
            &vkey,
        ])
        .args(["--listen", &format!("127.0.0.1:{port}"), "--poll-interval-ms", "100"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut child = common::NodeProcess(child);
    let want = format!("verified size {new_size}, source size {new_size}, last error none");
    wait_for("the mirror process to catch up", || {
        reqwest::blocking::get(format!("http://127.0.0.1:{port}/readyz"))
            .and_then(|r| r.text())
            .is_ok_and(|t| t.starts_with("ready:") && t.contains(&want))
    })?;
    let from_process = reqwest::blocking::get(format!("http://127.0.0.1:{port}/v1/regions/{village}/flows"))?.text()?;
    assert_eq!(
        from_process,
        body(&rt, a.app(), &format!("/v1/regions/{village}/flows"))?.1
    );
    child.0.kill()?;
    child.0.wait()?;

    // The fork: B, an independent node with the SAME log key and other
    // entries (the same submissions sequenced at other times), longer than
    // what the mirror verified from A.
    wait_for("the mirror to follow", || m.app.shared.committed() == new_size)?;
    m.shutdown();
    let verified = new_size;
    let dir_b = fresh_dir("mirror-b")?;
    let log_b = demo_folder(&dir_b, 1, 900)?;
    assert_eq!(log_b.log_key.to_bytes(), log.log_key.to_bytes());
    let b = Primary::start(&dir_b)?;
    b.post(&log_b.submissions)?;
    assert!(b.size() > verified, "{} > {verified}", b.size());
    // The mirror's own store, restarted and pointed at B.
    let m = start_mirror(&dir_m, &b.url, &vkey)?;
    assert_eq!(
        m.app.shared.committed(),
        verified,
        "resumed from its own verified store"
    );
    wait_for("the fork to be found", || {
        m.app.mirror.as_ref().unwrap().halt().is_some()
    })?;
    let halt = m.app.mirror.as_ref().unwrap().halt().unwrap();
    assert_eq!(halt.code, "fork_detected", "{}", halt.message);
    let answer = rt.block_on(get(&m.app, &format!("/v1/regions/{village}/flows")))?;
    assert_eq!(answer.status.as_u16(), 503);
    assert_eq!(answer.code(), "fork_detected");
    let ready = body(&rt, &m.app, "/readyz")?;
    assert_eq!(ready.0, 503);
    assert!(
        ready
            .1
            .starts_with("not ready: fork: fork: the source's signed checkpoint"),
        "{}",
        ready.1
    );
    assert!(m.app.shared.metrics.render().contains("ledger_mirror_fork 1\n"));
    // The evidence: A's checkpoint (older) and B's (newer), with the proof
    // from B's tree; ledger-core re-checks it as a fork.
    let evidence = std::fs::read_dir(&dir_m)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fork-evidence-"))
        })
        .ok_or("no evidence file")?;
    let file: ForkEvidenceFile = serde_json::from_slice(&std::fs::read(&evidence)?)?;
    assert_eq!(file.kind, "sunshine-ledger/fork-evidence/v1");
    assert_eq!(
        file.older_checkpoint.lines().nth(1),
        Some(verified.to_string().as_str())
    );
    assert_eq!(
        file.newer_checkpoint.lines().nth(1),
        Some(b.size().to_string().as_str())
    );
    let proof: Vec<TreeHash> = file
        .consistency_proof
        .iter()
        .map(|h| {
            let mut b = [0u8; 32];
            b.copy_from_slice(&hex::decode(h).unwrap());
            TreeHash(b)
        })
        .collect();
    let v = LogVerifier::from_vkey(&vkey)?;
    ForkEvidence {
        a: file.older_checkpoint.clone().into_bytes(),
        b: file.newer_checkpoint.clone().into_bytes(),
    }
    .check(&v, Some(&proof))?;
    m.shutdown();

    // Restarted, still halted while the evidence is there (it is never overwritten).
    let m = start_mirror(&dir_m, &a.url, &vkey)?;
    let answer = rt.block_on(get(&m.app, "/v1/log"))?;
    assert_eq!(answer.code(), "fork_detected");
    m.shutdown();
    assert_eq!(
        serde_json::from_slice::<ForkEvidenceFile>(&std::fs::read(&evidence)?)?,
        file
    );

    // A store of this log refuses another key at start.
    let refused = start_mirror(&dir_m, &a.url, &other).err().ok_or("started")?;
    assert!(
        refused
            .to_string()
            .starts_with("wrong_log: the mirror's store holds a log whose keys are"),
        "{refused}"
    );
    Ok(())
}

/// Rotate A's log key: the node prepares the next key and its endorsement by
/// the current one, an admin posts the rotation. The new verifier key.
fn rotate(a: &Primary, dir: &Path, log: &ledger_demo::DemoLog, nonce: u8) -> TestResult<String> {
    let (new_vkey, endorsement_hex) =
        ledger_node::server::prepare_rotation(&config(dir, limits())?).map_err(|e| format!("{e:#}"))?;
    let endorsement = ledger_core::encoding::Bytes::<64>::from_hex(&endorsement_hex)?;
    let rotation = common::rotation(&log.origin, &new_vkey, endorsement, nonce)?.sign(&[&log.admins[0].key]);
    a.post(&[rotation])?;
    // The key files are renamed just after the commit (sequencer::key_files):
    // the next rotation must wait for that.
    wait_for("log-next.key to be promoted", || {
        !ledger_node::keyfile::next_log_key_path(dir).exists()
    })?;
    Ok(new_vkey)
}

#[test]
fn mirrors_pinned_to_the_genesis_key_follow_log_key_rotations() -> TestResult {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let dir_a = fresh_dir("mirror-rot-a")?;
    let log = demo_folder(&dir_a, 3, 300)?;
    let a = Primary::start(&dir_a)?;
    a.post(&log.submissions)?;
    let genesis = ledger_core::keys::verifier_key_string(&log.origin, &log.log_key.verifying_key());

    // A mirror that follows the rotations as they come.
    let dir_m = fresh_dir("mirror-rot-m")?;
    let m = start_mirror(&dir_m, &a.url, &genesis)?;
    wait_for("the mirror to catch up", || m.app.shared.committed() == a.size())?;
    let second = rotate(&a, &dir_a, &log, 201)?;
    wait_for("the mirror to follow the first rotation", || {
        m.app.shared.committed() == a.size()
    })?;
    let third = rotate(&a, &dir_a, &log, 202)?;
    let size = a.size();
    wait_for("the mirror to follow the second rotation", || {
        m.app.shared.committed() == size
    })?;

    // A new mirror pinned to the genesis key, the log already rotated twice:
    // it learns the keys from the log's endorsed rotations.
    let dir_n = fresh_dir("mirror-rot-n")?;
    let n = start_mirror(&dir_n, &a.url, &genesis)?;
    wait_for("the new mirror to catch up", || n.app.shared.committed() == size)?;
    let checkpoint = body(&rt, a.app(), "/checkpoint")?;
    assert_eq!(checkpoint.0, 200);
    assert!(LogVerifier::from_vkey(&third)?
        .verify_checkpoint(checkpoint.1.as_bytes())
        .is_ok());
    for mirror in [&m, &n] {
        assert_eq!(body(&rt, &mirror.app, "/checkpoint")?, checkpoint);
        let village = log.households[0].village;
        let uri = format!("/v1/regions/{village}/flows");
        assert_eq!(body(&rt, &mirror.app, &uri)?, body(&rt, a.app(), &uri)?);
        let keys = mirror
            .app
            .shared
            .ledger
            .read()
            .map_err(|_| "lock")?
            .state
            .log_vkey_history()
            .to_vec();
        let keys: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, [genesis.as_str(), second.as_str(), third.as_str()]);
    }
    m.shutdown();
    n.shutdown();

    // A key never in the chain (same origin): the mirror does not follow.
    let stranger = ledger_core::keys::verifier_key_string(
        &log.origin,
        &ed25519_dalek::SigningKey::from_bytes(&[8; 32]).verifying_key(),
    );
    let dir_s = fresh_dir("mirror-rot-s")?;
    let s = start_mirror(&dir_s, &a.url, &stranger)?;
    wait_for("the stranger key to be refused", || errors_of(&s, "wrong_log") == 1)?;
    assert_eq!(s.app.shared.committed(), 0);
    s.shutdown();
    Ok(())
}

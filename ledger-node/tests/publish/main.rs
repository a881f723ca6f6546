//! Publication to object storage (issue 17 items 1 and 5), end to end: the
//! real `ledger-node` binary publishing to a real S3 server (`s3s-fs`, see
//! `support/s3.rs`) on loopback. The bucket is a folder of that server, so
//! the tests read what was written — and break a path — on disk.
//!
//! What is proved: the bucket holds the node's `/tile/...` and `/checkpoint`
//! bytes exactly; a round cut short leaves the previous checkpoint, all of
//! whose tiles exist; a restart resumes and writes only the new objects;
//! another log's bucket is refused by name while the node keeps sequencing;
//! a dead server grows the lag while the node keeps acknowledging, and
//! publication catches up when it is back.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/s3.rs"]
mod s3;

use common::{demo_chunks, demo_folder, free_port, post_to_process, NodeProcess, TestResult};
use ledger_core::submission::SignedSubmission;
use ledger_node::publish::layout::tiles_between;
use s3::S3Server;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BUCKET: &str = "ledger";
const PREFIX: &str = "county/320803";

/// A node process publishing to `server` (or not, with `publish: false`).
fn start(data: &Path, server: &S3Server, publish: bool) -> TestResult<(NodeProcess, u16, PathBuf)> {
    let port = free_port()?;
    let log_path = data.with_extension(format!("{port}.log"));
    // The node logs (tracing) to stdout; both streams go to the log file.
    let log_file = std::fs::File::create(&log_path)?;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ledger-node"));
    command
        .args(["--data", &data.display().to_string()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .envs(server.env())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    if publish {
        command
            .args(["--publish", &format!("s3://{BUCKET}/{PREFIX}")])
            .args(["--publish-endpoint", &server.endpoint()])
            .args(["--publish-interval-ms", "50"])
            .args(["--publish-request-timeout-ms", "2000"]);
    }
    let node = NodeProcess(command.spawn()?);
    wait_for(&log_path, "the node to be ready", || {
        Ok(client()?
            .get(url(port, "/readyz"))
            .send()
            .is_ok_and(|r| r.status().is_success()))
    })?;
    Ok((node, port, log_path))
}

fn client() -> reqwest::Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
}

fn url(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

/// Poll `done` every 50 ms for up to 60 s; on time-out, fail with the node's log.
fn wait_for(log_path: &Path, what: &str, mut done: impl FnMut() -> TestResult<bool>) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if done()? {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(log_path).unwrap_or_default();
    Err(format!("timed out waiting for {what}; node log:\n{log}").into())
}

/// Post submissions in the demo's request-sized chunks; all must be accepted.
fn post(port: u16, submissions: &[SignedSubmission]) -> TestResult {
    let client = client()?;
    for chunk in demo_chunks(submissions) {
        let answer = post_to_process(&client, port, chunk)?;
        assert_eq!(answer["accepted"].as_u64(), Some(chunk.len() as u64), "{answer}");
    }
    Ok(())
}

fn readyz(port: u16) -> TestResult<serde_json::Value> {
    Ok(client()?.get(url(port, "/readyz?format=json")).send()?.json()?)
}

/// The value of one metric line (`name` with its labels, as rendered).
fn metric(port: u16, name: &str) -> TestResult<Option<u64>> {
    let text = client()?.get(url(port, "/metrics")).send()?.text()?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64))
}

fn published(port: u16) -> TestResult<Option<u64>> {
    Ok(readyz(port)?["publish"]["published_size"].as_u64())
}

fn bucket(server: &S3Server) -> PathBuf {
    server.bucket_dir(BUCKET).join(PREFIX)
}

/// The size line of a checkpoint note.
fn size_of(note: &[u8]) -> Option<u64> {
    std::str::from_utf8(note).ok()?.lines().nth(1)?.parse().ok()
}

/// The `Cache-Control` the server stored with `key` of the bucket (s3s-fs
/// keeps an object's attributes in a JSON file at its root, named by the
/// base64url of the bucket and the key).
fn stored_cache_control(server: &S3Server, key: &str) -> TestResult<Option<String>> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let name = format!(
        ".bucket-{}.object-{}.metadata.json",
        b64.encode(BUCKET),
        b64.encode(key)
    );
    let attributes: serde_json::Value = serde_json::from_slice(&std::fs::read(server.root.join(name))?)?;
    Ok(attributes["cache_control"].as_str().map(str::to_string))
}

/// Every file under `dir`, as paths relative to it.
fn files(dir: &Path) -> TestResult<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for item in std::fs::read_dir(&d)? {
            let path = item?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    Ok(out)
}

#[test]
fn the_bucket_holds_the_nodes_tiles_and_checkpoint_byte_for_byte() -> TestResult {
    let server = S3Server::start(BUCKET)?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("node");
    let log = demo_folder(&data, 11, 1_200)?;
    let (_node, port, log_path) = start(&data, &server, true)?;
    post(port, &log.submissions)?;
    let size = log.submissions.len() as u64;
    wait_for(&log_path, "publication of every entry", || {
        Ok(published(port)? == Some(size))
    })?;

    let client = client()?;
    let root = bucket(&server);
    // Every tile of the final size is there…
    for tile in tiles_between(0, size) {
        assert!(root.join(tile.path()).is_file(), "missing {tile}");
    }
    // …and every object in the bucket (earlier rounds' partial tiles too)
    // is byte for byte what the node serves at the same path.
    let written = files(&root)?;
    assert!(written.contains(&"checkpoint".to_string()));
    // The page's own files are the exception: in a bucket they load from
    // relative paths and `config.json` puts the page in static mode, so
    // they differ from the node's copies by design (static_views.rs).
    for page_file in ["index.html", "config.json"] {
        assert!(written.contains(&page_file.to_string()), "missing {page_file}");
    }
    assert!(written.iter().any(|p| p.starts_with("assets/")), "no page assets");
    assert!(written.contains(&"static/v1/regions.json".to_string()));
    for path in &written {
        if path == "index.html" || path == "config.json" || path.starts_with("assets/") {
            continue;
        }
        let served = client.get(url(port, &format!("/{path}"))).send()?;
        assert_eq!(served.status().as_u16(), 200, "{path}");
        assert_eq!(std::fs::read(root.join(path))?, served.bytes()?.to_vec(), "{path}");
    }
    assert_eq!(size_of(&std::fs::read(root.join("checkpoint"))?), Some(size));
    // Tiles are immutable for caches; the checkpoint is revalidated.
    assert_eq!(
        stored_cache_control(&server, &format!("{PREFIX}/tile/0/000"))?.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        stored_cache_control(&server, &format!("{PREFIX}/checkpoint"))?.as_deref(),
        Some("no-cache")
    );
    assert_eq!(metric(port, "ledger_publish_size")?, Some(size));
    assert_eq!(metric(port, "ledger_publish_lag_entries")?, Some(0));
    let report = readyz(port)?;
    assert_eq!(report["publish"]["target"], "s3://ledger/county/320803");
    assert_eq!(report["publish"]["last_error"], serde_json::Value::Null);
    assert_eq!(report["ready"], true);
    // The credentials are never shown.
    assert!(!report.to_string().contains(s3::SECRET_KEY));
    Ok(())
}

#[test]
fn a_round_cut_short_leaves_the_previous_checkpoint_with_all_its_tiles() -> TestResult {
    let server = S3Server::start(BUCKET)?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("node");
    let log = demo_folder(&data, 12, 1_400)?;
    let (_node, port, log_path) = start(&data, &server, true)?;
    post(port, &log.submissions[..600])?;
    wait_for(&log_path, "the first 600 entries published", || {
        Ok(published(port)? == Some(600))
    })?;
    // The store now fails one object: the bundle that becomes full at 1,280
    // entries (a folder sits where it must go; the server cannot replace it).
    let blocked = bucket(&server).join("tile/entries/004");
    std::fs::create_dir_all(&blocked)?;
    std::fs::write(blocked.join("in-the-way"), b"x")?;
    post(port, &log.submissions[600..])?;
    let size = log.submissions.len() as u64;
    wait_for(&log_path, "a failed round", || {
        Ok(readyz(port)?["publish"]["last_error"] == "publish_storage")
    })?;
    // The node went on: every entry acknowledged, ready, serving.
    let report = readyz(port)?;
    assert_eq!(
        (report["ready"].clone(), report["entries"].as_u64()),
        (true.into(), Some(size))
    );
    // The bucket's checkpoint is one from before the failing round, and
    // every tile it covers is there: readers see a consistent log.
    let note = std::fs::read(bucket(&server).join("checkpoint"))?;
    let old = size_of(&note).ok_or("the bucket's checkpoint has no size")?;
    assert!((600..1_280).contains(&old), "bucket checkpoint at {old}");
    for tile in tiles_between(0, old) {
        assert!(bucket(&server).join(tile.path()).is_file(), "missing {tile}");
    }
    assert!(metric(port, "ledger_publish_errors_total{kind=\"storage\"}")?.unwrap_or(0) >= 1);
    wait_for(&log_path, "the lag to cover every unpublished entry", || {
        Ok(metric(port, "ledger_publish_lag_entries")? == Some(size - old))
    })?;
    // The path is cleared: publication catches up, checkpoint last.
    std::fs::remove_dir_all(&blocked)?;
    wait_for(&log_path, "catching up", || Ok(published(port)? == Some(size)))?;
    let served = client()?.get(url(port, "/checkpoint")).send()?.bytes()?.to_vec();
    assert_eq!(std::fs::read(bucket(&server).join("checkpoint"))?, served);
    assert_eq!(readyz(port)?["publish"]["last_error"], serde_json::Value::Null);
    Ok(())
}

#[test]
fn a_restart_resumes_from_the_buckets_checkpoint_and_writes_only_new_objects() -> TestResult {
    let server = S3Server::start(BUCKET)?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("node");
    let log = demo_folder(&data, 13, 1_000)?;
    let first = 700usize;
    {
        let (_node, port, log_path) = start(&data, &server, true)?;
        post(port, &log.submissions[..first])?;
        wait_for(&log_path, "700 entries published", || {
            Ok(published(port)? == Some(first as u64))
        })?;
    }
    // The same log restarted with nothing new: the bucket is checked and
    // nothing is rewritten.
    {
        let (_node, port, log_path) = start(&data, &server, true)?;
        wait_for(&log_path, "the bucket checked", || {
            Ok(published(port)? == Some(first as u64))
        })?;
        assert_eq!(metric(port, "ledger_publish_objects_total")?, Some(0));
        // More entries while publication is off…
    }
    {
        let (_node, port, _) = start(&data, &server, false)?;
        post(port, &log.submissions[first..])?;
    }
    // …then one round from 700 to the end: exactly its tiles and the checkpoint.
    let size = log.submissions.len() as u64;
    let since = std::time::SystemTime::now();
    let (_node, port, log_path) = start(&data, &server, true)?;
    wait_for(&log_path, "catching up", || Ok(published(port)? == Some(size)))?;
    // What this round wrote: its tiles, the index files of its entries, the
    // page's files (the first round of a process carries them), and the
    // checkpoint — and not one tile of the first 700 entries again.
    let root = bucket(&server);
    let mut rewritten = Vec::new();
    for path in files(&root)? {
        if std::fs::metadata(root.join(&path))?.modified()? >= since {
            rewritten.push(path);
        }
    }
    let expected: Vec<String> = tiles_between(first as u64, size).iter().map(|t| t.path()).collect();
    let tiles_written: Vec<&String> = rewritten.iter().filter(|p| p.starts_with("tile/")).collect();
    assert_eq!(tiles_written.len(), expected.len(), "{tiles_written:?}");
    for tile in &expected {
        assert!(rewritten.contains(tile), "{tile} not written");
    }
    assert!(rewritten.contains(&"checkpoint".to_string()));
    assert!(rewritten.iter().any(|p| p.starts_with("static/v1/regions/")));
    let mut bytes = 0;
    for path in &rewritten {
        bytes += std::fs::metadata(root.join(path))?.len();
    }
    assert_eq!(
        metric(port, "ledger_publish_objects_total")?,
        Some(rewritten.len() as u64)
    );
    assert_eq!(metric(port, "ledger_publish_bytes_total")?, Some(bytes));
    Ok(())
}

#[test]
fn another_logs_bucket_is_refused_by_name_and_the_node_keeps_sequencing() -> TestResult {
    let server = S3Server::start(BUCKET)?;
    let dir = tempfile::tempdir()?;
    // Log A publishes first.
    let data_a = dir.path().join("a");
    let log_a = demo_folder(&data_a, 14, 300)?;
    {
        let (_node, port, log_path) = start(&data_a, &server, true)?;
        post(port, &log_a.submissions)?;
        let size = log_a.submissions.len() as u64;
        wait_for(&log_path, "log A published", || Ok(published(port)? == Some(size)))?;
    }
    let a_checkpoint = std::fs::read(bucket(&server).join("checkpoint"))?;
    let a_files = files(&bucket(&server))?;
    // Log B (another key) is pointed at A's bucket by mistake.
    let data_b = dir.path().join("b");
    let log_b = demo_folder(&data_b, 15, 300)?;
    {
        let (_node, port, _) = start(&data_b, &server, false)?;
        post(port, &log_b.submissions)?;
    }
    let (_node, port, log_path) = start(&data_b, &server, true)?;
    wait_for(&log_path, "the refusal", || {
        Ok(readyz(port)?["publish"]["last_error"] == "publish_foreign_checkpoint")
    })?;
    // B goes on sequencing: one more entry (a project) is acknowledged.
    let extra = common::project(&log_b.origin, 1)?.sign(&[&log_b.operators[0].key]);
    post(port, std::slice::from_ref(&extra))?;
    let report = readyz(port)?;
    assert_eq!(report["ready"], true);
    assert_eq!(report["entries"].as_u64(), Some(log_b.submissions.len() as u64 + 1));
    assert_eq!(report["publish"]["published_size"], serde_json::Value::Null);
    assert_eq!(metric(port, "ledger_publish_refused")?, Some(1));
    assert_eq!(
        metric(port, "ledger_publish_errors_total{kind=\"foreign_checkpoint\"}")?,
        Some(1)
    );
    assert_eq!(metric(port, "ledger_publish_objects_total")?, Some(0));
    // Nothing of B was written over A.
    assert_eq!(std::fs::read(bucket(&server).join("checkpoint"))?, a_checkpoint);
    assert_eq!(files(&bucket(&server))?, a_files);
    let log = std::fs::read_to_string(&log_path)?;
    assert!(log.contains("publish_foreign_checkpoint"), "{log}");
    Ok(())
}

#[test]
fn a_dead_server_grows_the_lag_and_publication_catches_up_when_it_returns() -> TestResult {
    let mut server = S3Server::start(BUCKET)?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("node");
    let log = demo_folder(&data, 16, 900)?;
    let (_node, port, log_path) = start(&data, &server, true)?;
    post(port, &log.submissions[..400])?;
    wait_for(&log_path, "400 entries published", || Ok(published(port)? == Some(400)))?;
    server.stop();
    // The node acknowledges every write with its bucket gone.
    post(port, &log.submissions[400..])?;
    let size = log.submissions.len() as u64;
    wait_for(&log_path, "a failed round", || {
        Ok(readyz(port)?["publish"]["last_error"].as_str().is_some())
    })?;
    wait_for(&log_path, "the lag to cover every unacknowledged entry", || {
        Ok(metric(port, "ledger_publish_lag_entries")? == Some(size - 400))
    })?;
    assert_eq!(metric(port, "ledger_publish_size")?, Some(400));
    assert_eq!(readyz(port)?["ready"], true);
    server.restart()?;
    wait_for(&log_path, "catching up", || Ok(published(port)? == Some(size)))?;
    assert_eq!(metric(port, "ledger_publish_lag_entries")?, Some(0));
    let served = client()?.get(url(port, "/checkpoint")).send()?.bytes()?.to_vec();
    assert_eq!(std::fs::read(bucket(&server).join("checkpoint"))?, served);
    Ok(())
}

#[test]
fn a_fork_or_a_bucket_ahead_of_the_node_is_refused_by_name() -> TestResult {
    let server = S3Server::start(BUCKET)?;
    let dir = tempfile::tempdir()?;
    // Log A publishes 300 entries.
    let data_a = dir.path().join("a");
    let log = demo_folder(&data_a, 17, 400)?;
    {
        let (_node, port, log_path) = start(&data_a, &server, true)?;
        post(port, &log.submissions[..300])?;
        wait_for(&log_path, "300 entries published", || Ok(published(port)? == Some(300)))?;
    }
    let bucket_checkpoint = std::fs::read(bucket(&server).join("checkpoint"))?;
    // The same log key, another history: entry 299 differs (a fork).
    let data_fork = dir.path().join("fork");
    demo_folder(&data_fork, 17, 400)?;
    {
        let (_node, port, _) = start(&data_fork, &server, false)?;
        post(port, &log.submissions[..299])?;
        let other = common::project(&log.origin, 2)?.sign(&[&log.operators[0].key]);
        post(port, std::slice::from_ref(&other))?;
    }
    {
        let (_node, port, log_path) = start(&data_fork, &server, true)?;
        wait_for(&log_path, "the fork refused", || {
            Ok(readyz(port)?["publish"]["last_error"] == "publish_fork")
        })?;
        assert_eq!(metric(port, "ledger_publish_errors_total{kind=\"fork\"}")?, Some(1));
        assert_eq!(metric(port, "ledger_publish_refused")?, Some(1));
        assert_eq!(readyz(port)?["ready"], true);
    }
    // The same history, but shorter than the bucket's (a node restored
    // from an older backup): it does not publish its older view.
    let data_behind = dir.path().join("behind");
    demo_folder(&data_behind, 17, 400)?;
    {
        let (_node, port, _) = start(&data_behind, &server, false)?;
        post(port, &log.submissions[..200])?;
    }
    let (_node, port, log_path) = start(&data_behind, &server, true)?;
    wait_for(&log_path, "the older view refused", || {
        Ok(readyz(port)?["publish"]["last_error"] == "publish_bucket_ahead")
    })?;
    assert_eq!(
        metric(port, "ledger_publish_errors_total{kind=\"bucket_ahead\"}")?,
        Some(1)
    );
    assert_eq!(metric(port, "ledger_publish_objects_total")?, Some(0));
    // The bucket still holds A's checkpoint.
    assert_eq!(std::fs::read(bucket(&server).join("checkpoint"))?, bucket_checkpoint);
    Ok(())
}

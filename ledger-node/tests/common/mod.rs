//! Test helpers of the node's integration tests: a node in a temporary
//! folder loaded with demo data, driven in-process through the axum router
//! (no socket), and nodes on a plain folder started and stopped in-process.
#![allow(dead_code)] // each test binary uses a different subset

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use clap::Parser as _;
use ledger_core::submission::SignedSubmission;
use ledger_demo::{generate, DemoConfig, DemoLog};
use ledger_node::api::{router, AppState, Limits};
use ledger_node::config::{Args, NodeConfig};
use ledger_node::server::{start, Started};
use ledger_node::store::StoreOptions;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt as _;

pub mod mounts;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A running node and the demo log it holds.
pub struct TestNode {
    /// The data folder.
    pub dir: PathBuf,
    /// The app state (shared ledger, store, sequencer queue).
    pub app: AppState,
    /// The demo log that was posted (entry `i` is `log.submissions[i]`).
    pub log: DemoLog,
    /// The sequencer thread (kept so it is not detached silently).
    pub sequencer: Option<std::thread::JoinHandle<()>>,
}

/// The one wall clock of every binary (ledger-datadir), not a copy of it.
pub use ledger_datadir::clock::now_ms;

/// A fresh, empty folder under cargo's per-target temporary directory.
pub fn fresh_dir(name: &str) -> TestResult<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("api-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The node's configuration as the command line would resolve it (so new
/// fields get their defaults), with the test's limits and a small cache.
pub fn config(dir: &Path, limits: Limits) -> TestResult<NodeConfig> {
    let args = Args::try_parse_from([
        "ledger-node",
        "--data",
        &dir.display().to_string(),
        "--listen",
        "127.0.0.1:0",
    ])?;
    let mut config = NodeConfig::resolve(&args).map_err(|e| format!("{e:#}"))?;
    config.limits = limits;
    config.sequencer.max_batch_entries = 8_192;
    config.sequencer.batch_window_ms = 1;
    config.store = StoreOptions::default();
    config.queue_requests = 1_024;
    Ok(config)
}

/// Start a node on `dir` holding the demo log of `seed`/`entries`, posting
/// the submissions through the real write path. Runs its own runtime, so it
/// can be called from a `OnceLock` initializer.
pub fn demo_node(name: &str, seed: u64, entries: u64, limits: Limits) -> TestResult<TestNode> {
    let dir = fresh_dir(name)?;
    let log = demo_folder(&dir, seed, entries)?;
    let Started { app, sequencer } = start(&config(&dir, limits)?).map_err(|e| format!("{e:#}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        for chunk in demo_chunks(&log.submissions) {
            let results = ledger_node::api::write::submit_parsed(&app, chunk.iter().cloned().map(Ok).collect())
                .await
                .map_err(|e| e.to_string())?;
            if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
                return Err(format!("demo submission rejected: {e}"));
            }
        }
        Ok::<(), String>(())
    })?;
    Ok(TestNode {
        dir,
        app,
        log,
        sequencer: Some(sequencer),
    })
}

/// The demo submissions in request-sized chunks, in order. An admin entry
/// (genesis, a grant, a revocation…) ends its chunk: the write path may check
/// signers against the keys granted *before* the request, so a key's grant
/// and its first use must not share one.
pub fn demo_chunks(submissions: &[SignedSubmission]) -> Vec<&[SignedSubmission]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for (i, s) in submissions.iter().enumerate() {
        if s.submission.body.kind().is_admin() || i + 1 - start == 1_000 {
            chunks.push(&submissions[start..=i]);
            start = i + 1;
        }
    }
    if start < submissions.len() {
        chunks.push(&submissions[start..]);
    }
    chunks
}

/// Post the demo log of an empty node, in order, up to a run of household
/// subsidies, and return (at most `keep` of) that run: the last run of at
/// least `keep` consecutive subsidies, or the longest one. Those subsidies
/// depend only on what came before (each cites its own payment-list line),
/// not on each other, so a test may post them in any order or grouping.
/// What follows the run (confirmations naming payments by sequence number,
/// …) is never posted.
pub async fn post_all_but_trailing_subsidies(node: &TestNode, keep: usize) -> TestResult<&[SignedSubmission]> {
    let subs = &node.log.submissions;
    let is_subsidy =
        |s: &SignedSubmission| matches!(s.submission.body, ledger_core::entry::EntryBody::HouseholdSubsidy(_));
    // Runs of consecutive subsidies: (start, end).
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < subs.len() {
        if is_subsidy(&subs[i]) {
            let start = i;
            while i < subs.len() && is_subsidy(&subs[i]) {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    let (start, end) = runs
        .iter()
        .rev()
        .find(|(a, b)| b - a >= keep)
        .or_else(|| runs.iter().max_by_key(|(a, b)| b - a))
        .copied()
        .ok_or("a run of subsidies")?;
    let first_kept = start.max(end.saturating_sub(keep));
    let setup = &subs[..first_kept];
    let rest = &subs[first_kept..end];
    for chunk in demo_chunks(setup) {
        let results =
            ledger_node::api::write::submit_parsed(&node.app, chunk.iter().cloned().map(Ok).collect()).await?;
        if let Some(refused) = results.iter().find_map(|r| r.as_ref().err()) {
            return Err(format!("setup: {} {}", refused.code, refused.message).into());
        }
    }
    Ok(rest)
}

/// A node with a log key but no entries (before genesis).
pub fn empty_node(name: &str, limits: Limits) -> TestResult<TestNode> {
    empty_node_for(name, 1, 100, limits)
}

/// A node with a log key but no entries, and the demo log of
/// `seed`/`entries` (not posted) for the test to post.
pub fn empty_node_for(name: &str, seed: u64, entries: u64, limits: Limits) -> TestResult<TestNode> {
    let dir = fresh_dir(name)?;
    let log = demo_folder(&dir, seed, entries)?;
    let Started { app, sequencer } = start(&config(&dir, limits)?).map_err(|e| format!("{e:#}"))?;
    Ok(TestNode {
        dir,
        app,
        log,
        sequencer: Some(sequencer),
    })
}

static NEXT_CLIENT: AtomicU32 = AtomicU32::new(1);

/// A client address of its own (loopback range), so that the per-address
/// rate limit applies only to the test that means to hit it.
pub fn fresh_client() -> SocketAddr {
    let n = NEXT_CLIENT.fetch_add(1, Ordering::Relaxed);
    SocketAddr::from((Ipv4Addr::from(0x7f00_0000u32 | (n & 0x00ff_ffff)), 40_000))
}

/// An answer: status, headers, body bytes.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> TestResult<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&self.body)).into())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
    /// The `error.code` of an error answer.
    pub fn code(&self) -> String {
        self.json()
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Send one request through the router.
pub async fn send(app: &AppState, request: Request<Body>) -> TestResult<Answer> {
    let router: Router = router(app.clone());
    let response = router.oneshot(request).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await?
        .to_vec();
    Ok(Answer { status, headers, body })
}

/// `GET uri` from a client address of its own.
pub async fn get(app: &AppState, uri: &str) -> TestResult<Answer> {
    get_from(app, uri, fresh_client()).await
}

/// `GET uri` from `client`.
pub async fn get_from(app: &AppState, uri: &str, client: SocketAddr) -> TestResult<Answer> {
    let mut request = Request::get(uri).body(Body::empty())?;
    request.extensions_mut().insert(ConnectInfo(client));
    send(app, request).await
}

/// `GET uri`, expecting 200 and JSON.
pub async fn get_json(app: &AppState, uri: &str) -> TestResult<serde_json::Value> {
    let answer = get(app, uri).await?;
    if answer.status != StatusCode::OK {
        return Err(format!("GET {uri}: {} {}", answer.status, answer.text()).into());
    }
    answer.json()
}

/// `POST /v1/submissions` with a body and content type.
pub async fn post(app: &AppState, content_type: &str, body: Vec<u8>) -> TestResult<Answer> {
    let mut request = Request::post("/v1/submissions")
        .header("content-type", content_type)
        .body(Body::from(body))?;
    request.extensions_mut().insert(ConnectInfo(fresh_client()));
    send(app, request).await
}

/// The client address used by the rate-limit test.
pub fn fixed_client() -> SocketAddr {
    SocketAddr::from((IpAddr::V4(Ipv4Addr::new(127, 255, 255, 254)), 40_000))
}

// ---------------------------------------------------------------------------
// Nodes on a plain data folder, started and stopped in-process (restart,
// rotation, witness and damaged-store tests).

/// The node configuration for a data folder, as the flags alone would give it.
pub fn folder_config(dir: &Path) -> TestResult<NodeConfig> {
    let args = Args::try_parse_from(["ledger-node", "--data", &dir.display().to_string()])?;
    Ok(NodeConfig::resolve(&args).map_err(|e| format!("{e:#}"))?)
}

/// Stop a started node and release the store's lock.
pub fn stop(started: Started) -> TestResult {
    drop(started.app);
    started.sequencer.join().map_err(|_| "sequencer panicked")?;
    Ok(())
}

/// A demo log of `entries` entries, and a new log for it started in `dir`
/// (`init` with the demo's log key).
pub fn demo_folder(dir: &Path, seed: u64, entries: u64) -> TestResult<DemoLog> {
    let log = generate(&DemoConfig {
        seed,
        target_entries: entries,
        now_ms: now_ms(),
    })?;
    ledger_node::init::init_with_key(dir, &log.origin, &log.log_key, StoreOptions::default().log)
        .map_err(|e| format!("{e:#}"))?;
    Ok(log)
}

/// Post submissions through the write path; every one must be accepted.
pub fn post_all(
    runtime: &tokio::runtime::Runtime,
    started: &Started,
    submissions: &[SignedSubmission],
) -> TestResult<Vec<ledger_core::receipt::SignedReceipt>> {
    let results = runtime.block_on(ledger_node::api::write::submit_parsed(
        &started.app,
        submissions.iter().cloned().map(Ok).collect(),
    ))?;
    let mut receipts = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        receipts.push(r.map_err(|e| format!("submission {i} rejected: {e}"))?);
    }
    Ok(receipts)
}

/// Build a node folder holding `entries` demo entries, and stop the node.
pub fn build_folder(dir: &Path, entries: u64) -> TestResult<DemoLog> {
    let log = demo_folder(dir, 5, entries)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(&folder_config(dir)?).map_err(|e| format!("{e:#}"))?;
    post_all(&runtime, &started, &log.submissions)?;
    stop(started)?;
    Ok(log)
}

// ---------------------------------------------------------------------------
// Submissions the demo log does not have.

/// A log-key rotation to `vkey`, endorsed by the outgoing log key.
pub fn rotation(
    origin: &str,
    vkey: &str,
    endorsement: ledger_core::keys::SignatureBytes,
    nonce: u8,
) -> TestResult<ledger_core::submission::Submission> {
    use ledger_core::encoding::Bytes;
    use ledger_core::entry::EntryBody;
    use ledger_core::ids::Text;
    Ok(ledger_core::submission::Submission {
        v: ledger_core::submission::SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce: Bytes([nonce; 16]),
        not_after_ms: now_ms() + 3_600_000,
        body: EntryBody::LogKeyRotate {
            log_vkey: vkey.to_string(),
            reason: Text::new("年度密钥轮换")?,
            endorsement,
        },
    })
}

/// Project `P-ROT-<i>` in village 320803001001, valid for an hour.
pub fn project(origin: &str, i: u8) -> TestResult<ledger_core::submission::Submission> {
    project_valid_until(origin, i, now_ms() + 3_600_000)
}

/// Project `P-ROT-<i>` in village 320803001001, valid until `not_after_ms`.
pub fn project_valid_until(origin: &str, i: u8, not_after_ms: u64) -> TestResult<ledger_core::submission::Submission> {
    use ledger_core::encoding::Bytes;
    use ledger_core::entry::{EntryBody, ProjectCategory, ProjectRegister};
    use ledger_core::ids::{Date, Ident, Text};
    Ok(ledger_core::submission::Submission {
        v: ledger_core::submission::SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce: Bytes([100 + i; 16]),
        not_after_ms,
        body: EntryBody::ProjectRegister(ProjectRegister {
            project: Ident::new(&format!("P-ROT-{i}"))?,
            name: Text::new("村组道路硬化")?,
            village: ledger_core::RegionCode::parse("320803001001")?,
            category: ProjectCategory::VillageRoad,
            budget: ledger_core::Fen::new(1_000_000)?,
            implementer: Text::new("淮城街道办事处")?,
            start: Date::new(20200301)?,
            end: Date::new(20201130)?,
        }),
    })
}

// ---------------------------------------------------------------------------
// The real `ledger-node` binary.

/// A port free at the time of asking.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// POST submissions as JSON to a node process on `port`; its JSON answer.
pub fn post_to_process(
    client: &reqwest::blocking::Client,
    port: u16,
    batch: &[SignedSubmission],
) -> Result<serde_json::Value, reqwest::Error> {
    client
        .post(format!("http://127.0.0.1:{port}/v1/submissions"))
        .json(&serde_json::json!({ "submissions": batch }))
        .send()?
        .json::<serde_json::Value>()
}

/// Spawn `ledger-node --data DIR --listen 127.0.0.1:PORT` with these extra
/// environment variables, without waiting for it.
pub fn spawn_node(dir: &Path, port: u16, env: &[(&str, &str)]) -> std::io::Result<std::process::Child> {
    std::process::Command::new(env!("CARGO_BIN_EXE_ledger-node"))
        .args([
            "--data",
            &dir.display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
}

/// Spawn the node and wait (up to a minute) until `/readyz` answers 200.
pub fn start_node(dir: &Path, port: u16, env: &[(&str, &str)]) -> TestResult<std::process::Child> {
    use std::time::{Duration, Instant};
    let mut child = spawn_node(dir, port, env)?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send() {
            if r.status().is_success() {
                return Ok(child);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    Err("node did not become ready in 60 s".into())
}

/// Wait for a child to exit, killing it after `limit` (so a test that
/// expects an exit fails instead of hanging); its exit code.
pub fn wait_exit(child: &mut std::process::Child, limit: std::time::Duration) -> TestResult<Option<i32>> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code());
        }
        if std::time::Instant::now() >= deadline {
            child.kill()?;
            child.wait()?;
            return Err(format!("the node did not exit within {limit:?}").into());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Start the `ledger-node` binary on `data` (more flags in `extra`), its log
/// in `log_path` (keep it off a file system the test breaks), and wait until
/// it is ready; a node that exits or never gets ready fails the test with
/// its log.
pub fn start_logged_node(data: &Path, log_path: &Path, port: u16, extra: &[&str]) -> TestResult<NodeProcess> {
    let log = std::fs::File::create(log_path)?;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ledger-node"))
        .args([
            "--data",
            &data.display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()?;
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait()? {
            let text = std::fs::read_to_string(log_path).unwrap_or_default();
            return Err(format!("the node exited ({status}) instead of starting:\n{text}").into());
        }
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send() {
            if r.status().is_success() {
                return Ok(NodeProcess(child));
            }
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(log_path).unwrap_or_default();
            return Err(format!("the node was not ready within 120 s:\n{text}").into());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A started `ledger-node` process, killed when dropped: a test that fails
/// half-way must not leave nodes running on its (unmounted) folders.
pub struct NodeProcess(pub std::process::Child);

impl std::ops::Deref for NodeProcess {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for NodeProcess {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A demo log split for a concurrent load (`crash.rs`, `power_cut.rs`):
/// `(subsidies, setup)`. Household subsidies are independent of each other
/// once funded, registered and listed (each cites its own line): they are
/// the concurrent load; everything else is set-up, posted in order first.
/// Entries that name a payment by sequence number (confirmations,
/// reversals, objections against an entry and their decisions) are left
/// out: without the subsidies before them their numbers would name other
/// entries. With `drop_reversed`, an entry a reversal targets is left out
/// too: the demo reverses transfers as well (issue 13's history), and
/// without the reversal the money it returned would be missing.
pub fn load_split(log: &DemoLog, drop_reversed: bool) -> (Vec<SignedSubmission>, Vec<SignedSubmission>) {
    use ledger_core::entry::EntryBody;
    use ledger_core::procedure::ObjectionTarget;
    let names_a_seq = |body: &EntryBody| match body {
        EntryBody::PaymentConfirm(_) | EntryBody::Reversal(_) => true,
        EntryBody::Objection(o) => matches!(o.target, ObjectionTarget::Entry(_)),
        _ => false,
    };
    let against_entries: Vec<ledger_core::ids::Ident> = log
        .submissions
        .iter()
        .filter_map(|s| match &s.submission.body {
            EntryBody::Objection(o) if names_a_seq(&s.submission.body) => Some(o.case_no.clone()),
            _ => None,
        })
        .collect();
    let reversed: std::collections::HashSet<u64> = log
        .submissions
        .iter()
        .filter_map(|s| match &s.submission.body {
            EntryBody::Reversal(r) if drop_reversed => Some(r.target_seq),
            _ => None,
        })
        .collect();
    log.submissions
        .iter()
        .enumerate()
        .filter(|(seq, _)| !reversed.contains(&(*seq as u64)))
        .map(|(_, s)| s)
        .filter(|s| !names_a_seq(&s.submission.body))
        .filter(
            |s| !matches!(&s.submission.body, EntryBody::ObjectionResolve(r) if against_entries.contains(&r.case_no)),
        )
        .cloned()
        .partition(|s| matches!(s.submission.body, EntryBody::HouseholdSubsidy(_)))
}

//! Shared test helpers: an in-process node with the demo data set, the
//! `ledger` binary, and hand-built bundles.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use ledger_core::bundle::{encode_header, encode_record, BundleHeader, BUNDLE_VERSION};
use ledger_core::chain::{entry_hash, ChainHead, SequencedEntry};
use ledger_core::checkpoint::LogSigner;
use ledger_core::household::check_char;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_node::config::NodeConfig;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The `ledger` binary.
pub fn ledger() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ledger"));
    cmd.arg("--quiet");
    cmd
}

/// Run `ledger` with args; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = ledger().args(args).output().expect("running ledger");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Run and require success.
pub fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(
        code, 0,
        "ledger {args:?} failed with {code}:\nstdout: {out}\nstderr: {err}"
    );
    out
}

/// A node serving the demo data set on 127.0.0.1, in this process.
pub struct TestNode {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The node's data folder (keys under `keys/`).
    pub data: PathBuf,
    /// The temporary folder holding everything.
    pub dir: tempfile::TempDir,
    runtime: Option<tokio::runtime::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    sequencer: Option<std::thread::JoinHandle<()>>,
}

/// The node configuration used by tests (built from flags, so new options keep their defaults).
pub fn test_config(data: &Path, demo_entries: u64, witnesses: &[String]) -> NodeConfig {
    use clap::Parser as _;
    let mut flags = vec![
        "ledger-node".to_string(),
        "--data".into(),
        data.display().to_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--demo".into(),
        "--demo-entries".into(),
        demo_entries.to_string(),
        "--read-rate-per-sec".into(),
        "100000".into(),
    ];
    for w in witnesses {
        flags.push("--witness".into());
        flags.push(w.clone());
    }
    let args = ledger_node::config::Args::try_parse_from(flags).expect("node flags");
    NodeConfig::resolve(&args).expect("node config")
}

impl TestNode {
    /// Start a node with the demo keys and data set (`demo_entries` entries).
    pub fn start_demo(demo_entries: u64) -> TestNode {
        TestNode::start_demo_with(demo_entries, &[])
    }

    /// Start a demo node that collects cosignatures from these witnesses.
    pub fn start_demo_with(demo_entries: u64, witnesses: &[String]) -> TestNode {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let config = test_config(&data, demo_entries, witnesses);
        ledger_node::demo::prepare(&config).expect("demo keys");
        let started = ledger_node::server::start(&config).expect("node start");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = started.app;
        let (url, server) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            ledger_node::demo::load(&app, &config).await.expect("demo load");
            let router = ledger_node::api::router(app);
            let server = tokio::spawn(async move {
                let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
            (format!("http://{addr}"), server)
        });
        TestNode {
            url,
            data,
            dir,
            runtime: Some(runtime),
            shutdown: Some(tx),
            server: Some(server),
            sequencer: Some(started.sequencer),
        }
    }

    /// A key file under the data folder's `keys/`.
    pub fn key(&self, name: &str) -> String {
        self.data.join("keys").join(name).display().to_string()
    }

    /// A path in the temporary folder.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `GET` JSON from the node.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let body = reqwest::blocking::get(format!("{}{path}", self.url))
            .expect("GET")
            .text()
            .expect("body");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// The log's size.
    pub fn size(&self) -> u64 {
        self.get_json("/v1/log")["size"].as_u64().expect("size")
    }

    /// The log's verifier key.
    pub fn log_vkey(&self) -> String {
        self.get_json("/v1/log")["log_vkey"].as_str().expect("vkey").to_string()
    }

    /// Stop serving, finish the sequencer and release the store.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let (Some(runtime), Some(server)) = (self.runtime.as_ref(), self.server.take()) {
            let _ = runtime.block_on(server);
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        }
        if let Some(sequencer) = self.sequencer.take() {
            let _ = sequencer.join();
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A valid synthetic resident ID (area 320803, born on `birth`, serial `serial`).
pub fn resident_id(birth: &str, serial: u16) -> String {
    let body = format!("320803{birth}{serial:03}");
    let bytes: [u8; 17] = body.as_bytes().try_into().expect("17 digits");
    format!("{body}{}", check_char(&bytes))
}

/// Sequence submissions into canonical entries with the given times.
pub fn sequence(submissions: &[(ledger_core::submission::SignedSubmission, u64)]) -> Vec<Vec<u8>> {
    let mut head = ChainHead::EMPTY;
    let mut out = Vec::new();
    for (signed, time) in submissions {
        let entry: SequencedEntry = head.next_entry(signed.clone(), *time);
        let bytes = entry.encode();
        head.link(&entry, entry_hash(&bytes)).expect("link");
        out.push(bytes);
    }
    out
}

/// The Merkle tree of entries.
pub fn tree(entries: &[Vec<u8>]) -> MemoryTree {
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    MemoryTree::from_leaves(&leaves)
}

/// A checkpoint note over the first `size` entries, signed by `key` for `origin`.
pub fn checkpoint(origin: &str, key: &SigningKey, entries: &[Vec<u8>], size: u64) -> String {
    let t = tree(entries);
    let root = t.root_at(size).expect("root");
    LogSigner::new(origin, key.clone())
        .expect("signer")
        .sign_checkpoint(size, &root)
        .as_text()
        .to_string()
}

/// Write a bundle file.
pub fn write_bundle(path: &Path, origin: &str, log_vkey: &str, entries: &[Vec<u8>], note: &str) {
    let header = BundleHeader {
        v: BUNDLE_VERSION,
        origin: origin.to_string(),
        log_vkey: log_vkey.to_string(),
        checkpoint: note.to_string(),
        entry_count: entries.len() as u64,
    };
    let mut bytes = encode_header(&header);
    for e in entries {
        bytes.extend_from_slice(&encode_record(e));
    }
    std::fs::write(path, bytes).expect("write bundle");
}

/// The demo's first town with at least `n` rural villages (named …村委会),
/// and `n` of them: the place the posting tests work in.
pub fn town_with_villages(n: usize) -> (ledger_core::region::RegionCode, Vec<ledger_core::region::RegionCode>) {
    use ledger_core::region::RegionLevel;
    let regions = ledger_demo::huaian_regions().expect("regions");
    for town in regions.iter().filter(|r| r.code.level() == RegionLevel::Town) {
        let villages: Vec<_> = regions
            .iter()
            .filter(|r| {
                r.code.level() == RegionLevel::Village
                    && r.code.parent() == Some(town.code)
                    && r.name.ends_with("村委会")
            })
            .map(|r| r.code)
            .take(n)
            .collect();
        if villages.len() == n {
            return (town.code, villages);
        }
    }
    panic!("no town with {n} villages");
}

/// Run, expect the node to refuse (exit 3) with one line on standard
/// error, and nothing written; returns that line.
pub fn refused(node: &TestNode, args: &[&str]) -> String {
    let before = node.size();
    let (exit, out, err) = run(args);
    assert_eq!(exit, 3, "expected a refusal: stdout {out} stderr {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(node.size(), before, "a refusal wrote nothing");
    err.trim().to_string()
}

/// A fund and its first move, from flags, signed by `key` (the district
/// operator): `fund` of 50,000 元 issued to the district treasury on
/// `date`, then `moved` 元 on to `treasury:{town}` with `memo`.
pub struct FundSetup<'a> {
    pub url: &'a str,
    pub key: &'a str,
    pub fund: &'a str,
    pub title: &'a str,
    pub document_no: &'a str,
    pub town: &'a str,
    pub moved: &'a str,
    pub memo: &'a str,
    pub date: &'a str,
}

/// Post [`FundSetup`]'s issue and transfer; both must be accepted.
pub fn issue_and_move(f: &FundSetup) {
    ok(&[
        "post",
        "--node",
        f.url,
        "--key",
        f.key,
        "fund-issue",
        "--fund",
        f.fund,
        "--title",
        f.title,
        "--document-no",
        f.document_no,
        "--source",
        "区级财政",
        "--category",
        "social_security",
        "--year",
        "2019",
        "--to",
        "treasury:320803000000",
        "--amount",
        "50,000",
        "--date",
        f.date,
    ]);
    ok(&[
        "post",
        "--node",
        f.url,
        "--key",
        f.key,
        "transfer",
        "--fund",
        f.fund,
        "--from",
        "treasury:320803000000",
        "--to",
        &format!("treasury:{}", f.town),
        "--amount",
        f.moved,
        "--memo",
        f.memo,
        "--date",
        f.date,
    ]);
}

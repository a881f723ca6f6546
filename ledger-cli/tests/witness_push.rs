//! End to end: a node pushing its checkpoints to a real `ledger witness
//! serve` over c2sp.org/tlog-witness. After the demo's ingest the node's
//! `/v1/checkpoint/cosigned` carries the witness's cosignature, `ledger
//! export --cosigned` + `ledger verify --witness VKEY --min-witnesses 1`
//! accept it, and a restarted node (which starts from `old 0`) recovers the
//! witness's size from its 409 and goes on.

mod common;
mod witness_support;

use common::{ok, test_config};
use ledger_core::checkpoint::{LogVerifier, WitnessVerifier};
use ledger_node::config::NodeConfig;
use ledger_node::witness_push::WitnessTarget;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const DEMO_ENTRIES: u64 = 300;

/// A node in this process, with its push tasks.
struct PushNode {
    url: String,
    runtime: tokio::runtime::Runtime,
    app: Option<ledger_node::api::AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    sequencer: Option<std::thread::JoinHandle<()>>,
}

impl PushNode {
    fn start(config: &NodeConfig, load_demo: bool) -> PushNode {
        let started = ledger_node::server::start(config).expect("node start");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = started.app;
        let (url, server) = runtime.block_on(async {
            ledger_node::witness_push::spawn(&app, &config.witness_push).expect("push tasks");
            if load_demo {
                ledger_node::demo::load(&app, config).await.expect("demo load");
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let router = ledger_node::api::router(app.clone());
            let server = tokio::spawn(async move {
                let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
            (format!("http://{addr}"), server)
        });
        PushNode {
            url,
            runtime,
            app: Some(app),
            shutdown: Some(tx),
            server: Some(server),
            sequencer: Some(started.sequencer),
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = reqwest::blocking::get(format!("{}{path}", self.url)).expect("GET");
        (r.status().as_u16(), r.text().expect("body"))
    }

    /// Wait (bounded) until the cosigned checkpoint is of `size`.
    fn wait_cosigned(&self, size: u64, log: &LogVerifier, witness: &WitnessVerifier) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, note) = self.get("/v1/checkpoint/cosigned");
            if status == 200 {
                let cp = log.verify_checkpoint(note.as_bytes()).expect("cosigned note verifies");
                if cp.size() == size && witness.verify_cosignature(&cp).is_ok() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no cosignature at size {size}: {status} {note}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server);
        }
        // The push tasks hold no sender of the sequencer's queue; the app does.
        self.app.take();
        let PushNode { runtime, sequencer, .. } = self;
        runtime.shutdown_timeout(Duration::from_secs(5));
        if let Some(sequencer) = sequencer {
            let _ = sequencer.join();
        }
    }
}

#[test]
fn the_node_pushes_to_a_real_witness_and_verify_accepts_the_cosigned_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, witness_vkey) = witness_support::jiwei_witness_key(dir.path());
    let witness = WitnessVerifier::from_vkey(&witness_vkey).expect("witness vkey");

    // The demo's log key exists once its folder is prepared; the witness
    // needs it before the node starts pushing.
    let data = dir.path().join("data");
    let mut config = test_config(&data, DEMO_ENTRIES, &[]);
    let log_vkey = witness_support::demo_log_vkey(&config);
    let log = LogVerifier::from_vkey(&log_vkey).expect("log verifier");
    let state = dir.path().join("witness-state");
    let server = witness_support::start_witness(&key, &state, &[&log_vkey]);

    config.witnesses.push(witness_vkey.clone());
    config.min_witnesses = 1;
    config.witness_push.targets.push(WitnessTarget {
        vkey: witness_vkey.clone(),
        url: server.url.clone(),
    });
    config.witness_push.interval_ms = 20;
    let node = PushNode::start(&config, true);
    let size: u64 = {
        let (_, log_json) = node.get("/v1/log");
        serde_json::from_str::<serde_json::Value>(&log_json).expect("json")["size"]
            .as_u64()
            .expect("size")
    };
    assert!(size >= DEMO_ENTRIES, "{size}");
    node.wait_cosigned(size, &log, &witness);
    let (_, metrics) = node.get("/metrics");
    assert!(
        metrics.contains(&format!(
            "ledger_witness_cosigned_size{{witness=\"witness.jiwei.huaian.example\"}} {size}"
        )),
        "{metrics}"
    );
    let (_, readyz) = node.get("/readyz");
    assert!(
        readyz.contains(&format!("witness witness.jiwei.huaian.example: cosigned size {size}\n")),
        "{readyz}"
    );

    // An auditor: export against the cosigned checkpoint, verify with k = 1.
    let bundle = dir.path().join("cosigned.bundle").display().to_string();
    ok(&["export", "--node", &node.url, "--out", &bundle, "--cosigned"]);
    let out = ok(&[
        "--lang",
        "en",
        "verify",
        &bundle,
        "--log-key",
        &log_vkey,
        "--witness",
        &witness_vkey,
        "--min-witnesses",
        "1",
    ]);
    assert!(out.contains("1 verified witness cosignature"), "{out}");
    // Without the witness's cosignature the same policy fails: a second,
    // unknown witness key required.
    let (code, _, err) = common::run(&[
        "verify",
        &bundle,
        "--log-key",
        &log_vkey,
        "--witness",
        &witness_vkey,
        "--min-witnesses",
        "2",
    ]);
    assert_eq!(code, 1, "{err}");

    // Restart: the node forgot the witness's size and starts from old 0; the
    // witness answers 409 with its size and the node goes on from there.
    node.stop();
    let node = PushNode::start(&config, false);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, readyz) = node.get("/readyz");
        if readyz.contains(&format!("witness witness.jiwei.huaian.example: cosigned size {size}\n")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted node never re-synced: {readyz}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    node.stop();
}

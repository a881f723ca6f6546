//! Issue 17 end to end: a node publishing to a real S3 server (s3s-fs) and
//! pushing its checkpoints to a real `ledger witness serve`; a mirror that
//! follows the bucket's public URL (not the node) and serves the same
//! village answer; `ledger export --tiles` + `ledger verify` from the bucket
//! with the node stopped; a forged tile in the bucket refused by a fresh
//! mirror and by the export; the witness's cosignature on the node's
//! cosigned checkpoint.
//!
//! The bucket has two doors, as in a deployment: the node writes through the
//! signed S3 endpoint, readers use an unsigned one (a bucket's public
//! endpoint or a CDN) — here a second s3s-fs over the same folder.

mod common;
#[path = "../../ledger-node/tests/support/s3.rs"]
mod s3;
mod witness_support;

use common::{ok, test_config};
use ledger_core::checkpoint::{LogVerifier, WitnessVerifier};
use ledger_node::mirror::MirrorConfig;
use ledger_node::publish::target::PublishTarget;
use ledger_node::publish::PublishConfig;
use ledger_node::witness_push::WitnessTarget;
use s3::S3Server;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const DEMO_ENTRIES: u64 = 600;
const BUCKET: &str = "ledger-huaian";
const PREFIX: &str = "county/320803";

/// Serve `app` on a free loopback port from `runtime`; returns its URL.
fn serve(runtime: &tokio::runtime::Runtime, app: ledger_node::api::AppState) -> String {
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = ledger_node::api::router(app);
        tokio::spawn(async move {
            let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        format!("http://{addr}")
    })
}

fn get(url: &str) -> (u16, String) {
    let r = reqwest::blocking::get(url).expect("GET");
    (r.status().as_u16(), r.text().expect("body"))
}

/// Wait (a bound of two minutes, not a timing assertion) for `done`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

fn mirror_config(follow: &str, log_vkey: &str) -> MirrorConfig {
    MirrorConfig {
        follow: follow.to_string(),
        log_key: log_vkey.to_string(),
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

#[test]
fn node_bucket_mirror_witness_and_an_offline_verify() {
    let dir = tempfile::tempdir().expect("tempdir");

    // The witness (纪委监委) and its key.
    let (witness_key, witness_vkey) = witness_support::jiwei_witness_key(dir.path());
    let witness = WitnessVerifier::from_vkey(&witness_vkey).expect("witness vkey");

    // The node's folder and log key, so the witness knows the log.
    let data = dir.path().join("node");
    let mut config = test_config(&data, DEMO_ENTRIES, &[]);
    let log_vkey = witness_support::demo_log_vkey(&config);
    let log = LogVerifier::from_vkey(&log_vkey).expect("log verifier");
    let _witness_server = witness_support::start_witness(&witness_key, &dir.path().join("witness-state"), &[&log_vkey]);
    config.witnesses.push(witness_vkey.clone());
    config.min_witnesses = 1;
    config.witness_push.targets.push(WitnessTarget {
        vkey: witness_vkey.clone(),
        url: _witness_server.url.clone(),
    });
    config.witness_push.interval_ms = 20;

    // The bucket: written through the signed endpoint (credentials from the
    // environment, as in production), read through the public one.
    let s3 = S3Server::start(BUCKET).expect("s3s-fs (cargo install s3s-fs@0.14.1 --locked --features binary)");
    let public = s3.start_public_reader().expect("public s3s-fs");
    for (name, value) in s3.env() {
        // One test per binary: nothing else reads the environment meanwhile.
        std::env::set_var(name, value);
    }
    let target = PublishTarget::parse(&format!("s3://{BUCKET}/{PREFIX}")).expect("target");
    let mut publish = PublishConfig::new(target, Some(s3.endpoint()));
    publish.interval_ms = 20;
    publish.extra = Some(ledger_node::static_views::publisher_extra());
    let bucket_url = public.url(BUCKET, PREFIX);

    // The node: demo ingest, publication and witness pushes in the background.
    let started = ledger_node::server::start(&config).expect("node start");
    let node_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = node_rt.block_on(async {
        ledger_node::witness_push::spawn(&started.app, &config.witness_push).expect("push tasks");
        ledger_node::demo::load(&started.app, &config).await.expect("demo load");
        let status = ledger_node::publish::spawn(started.app.shared.clone(), publish).expect("publish");
        started.app.clone().with_publish(status)
    });
    let node_url = serve(&node_rt, app.clone());
    let size = app.shared.committed();
    assert!(size >= DEMO_ENTRIES, "{size}");

    // Published: the bucket's public checkpoint is the node's, and its page
    // and index files are there.
    wait_for("the bucket to hold every entry", || {
        let (status, note) = get(&format!("{bucket_url}checkpoint"));
        status == 200 && log.verify_checkpoint(note.as_bytes()).is_ok_and(|cp| cp.size() == size)
    });
    assert_eq!(
        get(&format!("{bucket_url}checkpoint")).1,
        get(&format!("{node_url}/checkpoint")).1
    );
    let (status, config_json) = get(&format!("{bucket_url}config.json"));
    assert_eq!(status, 200);
    assert!(config_json.contains("\"mode\":\"static\""), "{config_json}");
    assert_eq!(get(&format!("{bucket_url}index.html")).0, 200);
    assert_eq!(
        get(&format!("{bucket_url}static/v1/regions.json")).1,
        get(&format!("{node_url}/static/v1/regions.json")).1
    );

    // The witness cosigned the newest checkpoint; the node serves it.
    wait_for("the witness's cosignature", || {
        let (status, note) = get(&format!("{node_url}/v1/checkpoint/cosigned"));
        status == 200
            && log
                .verify_checkpoint(note.as_bytes())
                .is_ok_and(|cp| cp.size() == size && witness.verify_cosignature(&cp).is_ok())
    });

    // A mirror following the BUCKET (not the node) catches up and answers
    // the village query exactly as the node does.
    let mirror_dir = dir.path().join("mirror");
    let mirror_cfg = test_config(&mirror_dir, 0, &[]);
    let mirror = ledger_node::mirror::start(&mirror_cfg, &mirror_config(&bucket_url, &log_vkey)).expect("mirror");
    let mirror_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mirror_url = serve(&mirror_rt, mirror.app.clone());
    wait_for("the mirror to catch up from the bucket", || {
        mirror.app.shared.committed() == size
    });
    let (_, regions) = get(&format!("{node_url}/v1/regions"));
    let regions: serde_json::Value = serde_json::from_str(&regions).expect("regions json");
    let village = regions["regions"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .find(|r| r["level"] == "village" && r["totals"]["subsidies"].as_u64().unwrap_or(0) > 0)
                .or_else(|| rs.iter().find(|r| r["level"] == "village"))
        })
        .and_then(|r| r["code"].as_str())
        .expect("a village")
        .to_string();
    let flows = format!("/v1/regions/{village}/flows");
    let from_node = get(&format!("{node_url}{flows}"));
    assert_eq!(from_node.0, 200, "{}", from_node.1);
    assert_eq!(get(&format!("{mirror_url}{flows}")), from_node);
    assert_eq!(
        get(&format!("{mirror_url}/checkpoint")),
        get(&format!("{node_url}/checkpoint"))
    );

    // The node switched off: an auditor exports from the bucket alone and
    // verifies offline, with the witness's cosignature required as well.
    let (_, cosigned) = get(&format!("{node_url}/v1/checkpoint/cosigned"));
    drop(app);
    node_rt.shutdown_timeout(Duration::from_secs(5));
    drop(started.app);
    let _ = started.sequencer.join();
    assert!(
        reqwest::blocking::get(format!("{node_url}/healthz")).is_err(),
        "the node is still up"
    );
    let bundle = dir.path().join("from-bucket.bundle").display().to_string();
    ok(&[
        "export",
        "--tiles",
        &bucket_url,
        "--log-key",
        &log_vkey,
        "--out",
        &bundle,
    ]);
    let out = ok(&["--lang", "en", "verify", &bundle, "--log-key", &log_vkey]);
    assert!(out.starts_with("OK "), "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("entries:") && l.split_whitespace().last() == Some(&size.to_string())),
        "{out}"
    );
    // The cosigned note (kept by the auditor from the node, or from any
    // mirror) names the same tree the bucket holds.
    let cosigned_cp = log.verify_checkpoint(cosigned.as_bytes()).expect("cosigned");
    assert_eq!(cosigned_cp.size(), size);
    assert!(witness.verify_cosignature(&cosigned_cp).is_ok());

    // A forged tile in the bucket: one byte of the first entry bundle. A new
    // mirror refuses it by name and serves nothing unverified; the export
    // refuses it too.
    let first_bundle = s3.bucket_dir(BUCKET).join(PREFIX).join("tile/entries/000");
    let mut bytes = std::fs::read(&first_bundle).expect("bundle 000");
    bytes[40] ^= 0x01;
    std::fs::write(&first_bundle, &bytes).expect("forge");
    let forged_dir = dir.path().join("mirror-2");
    let forged_cfg = test_config(&forged_dir, 0, &[]);
    let second = ledger_node::mirror::start(&forged_cfg, &mirror_config(&bucket_url, &log_vkey)).expect("mirror 2");
    wait_for("the forged tile to be refused", || {
        metric(
            &second.app.shared.metrics.render(),
            "ledger_mirror_source_errors_total{kind=\"tile_mismatch\"}",
        )
        .unwrap_or(0)
            > 0
    });
    assert_eq!(second.app.shared.committed(), 0);
    let forged_bundle = dir.path().join("forged.bundle").display().to_string();
    let (code, _, err) = common::run(&[
        "--lang",
        "en",
        "export",
        "--tiles",
        &bucket_url,
        "--log-key",
        &log_vkey,
        "--out",
        &forged_bundle,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tile_mismatch"), "{err}");
    // The first mirror verified before the forgery and keeps serving.
    assert_eq!(get(&format!("{mirror_url}{flows}")), from_node);
    second.shutdown();
    mirror.shutdown();
}

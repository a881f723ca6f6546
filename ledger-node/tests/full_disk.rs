//! A full disk, for real: the data folder on a 48 MiB tmpfs that a filler
//! file fills up. Below the free-space reserve the node refuses writes
//! `storage_full` (507) and goes on serving reads, also after a restart; it
//! takes writes again as soon as space is freed, without a restart. When a
//! batch is larger than the space left above the smallest reserve (1 MiB),
//! the write itself fails (ENOSPC): the clients of that batch are answered
//! `storage_failed`, the node exits 70, and it starts again on the same full
//! disk, serving reads, with nothing acknowledged lost.
//!
//! Needs root (mount). Without it the test passes after printing SKIPPED
//! (see `common::mounts::skip`).

mod common;

use common::mounts::{self, Tmpfs};
use common::{demo_folder, free_port, start_logged_node, wait_exit, TestResult};
use ledger_core::submission::SignedSubmission;
use ledger_node::ledger::open_ledger;
use ledger_node::store::Store;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

const DISK_MIB: u64 = 48;
const RESERVE_MIB: u64 = 16;

fn client() -> TestResult<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Post `batch`; the HTTP status and the per-item codes ("accepted" for a receipt).
fn post(port: u16, batch: &[SignedSubmission]) -> TestResult<(u16, Vec<String>)> {
    let answer = client()?
        .post(format!("http://127.0.0.1:{port}/v1/submissions"))
        .json(&serde_json::json!({ "submissions": batch }))
        .send()?;
    let status = answer.status().as_u16();
    let json: serde_json::Value = answer.json()?;
    let codes = match json["results"].as_array() {
        Some(results) => results
            .iter()
            .map(|r| match r.get("receipt") {
                Some(_) => "accepted".to_string(),
                None => r["error"]["code"].as_str().unwrap_or("?").to_string(),
            })
            .collect(),
        None => vec![json["error"]["code"].as_str().unwrap_or("?").to_string()],
    };
    Ok((status, codes))
}

fn get(port: u16, path: &str) -> TestResult<(u16, String)> {
    let answer = client()?.get(format!("http://127.0.0.1:{port}{path}")).send()?;
    Ok((answer.status().as_u16(), answer.text()?))
}

fn log_size(port: u16) -> TestResult<u64> {
    let (status, text) = get(port, "/v1/log")?;
    assert_eq!(status, 200, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text)?;
    Ok(json["size"].as_u64().ok_or("no size")?)
}

/// Write zeros into `filler` until the file system has less than `left` bytes free.
fn fill(filler: &Path, left: u64) -> TestResult {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(filler)?;
    let chunk = vec![0u8; 256 << 10];
    loop {
        let free = ledger_store::durable::available_bytes(filler.parent().ok_or("no parent")?)?;
        if free < left {
            break;
        }
        let take = (free - left + 1).min(chunk.len() as u64) as usize;
        if let Err(e) = file.write_all(&chunk[..take]) {
            // The disk is full before `left` was reached: that is full too.
            if e.raw_os_error() == Some(28) {
                break;
            }
            return Err(e.into());
        }
    }
    file.sync_all()?;
    Ok(())
}

#[test]
fn a_full_disk_pauses_writes_and_keeps_reads() -> TestResult {
    if let Some(reason) = mounts::mount_unavailable() {
        return mounts::skip("full_disk", &reason);
    }
    mounts::not_skipped("full_disk");
    let base = tempfile::tempdir()?;
    let disk = Tmpfs::create(base.path(), DISK_MIB)?;
    let data = disk.mount.join("data");
    let filler = disk.mount.join("filler");
    let node_log = base.path().join("node.log");
    let log = demo_folder(&data, 31, 8_000)?;
    // The demo log in order: every prefix is valid, and a refused write
    // records nothing, so the same submissions can be sent again later.
    let all = &log.submissions;
    assert!(all.len() >= 7_000, "the demo log has {} entries", all.len());
    let reserve = RESERVE_MIB.to_string();
    let with_reserve = ["--min-free-mib", reserve.as_str()];

    // Room to spare: writes go through.
    let port = free_port()?;
    let mut node = start_logged_node(&data, &node_log, port, &with_reserve)?;
    for batch in all[..1_000].chunks(250) {
        let (_, codes) = post(port, batch)?;
        let refused: Vec<&String> = codes.iter().filter(|c| *c != "accepted").collect();
        assert!(refused.is_empty(), "refused with room to spare: {refused:?}");
    }
    let size = log_size(port)?;

    // Below the reserve: every write refused `storage_full`, nothing recorded,
    // reads served, /readyz still ready and saying why, the metric set.
    fill(&filler, (RESERVE_MIB - 4) << 20)?;
    let (status, codes) = post(port, &all[1_000..1_003])?;
    assert_eq!(codes, vec!["storage_full"; 3], "HTTP {status}");
    assert_eq!(log_size(port)?, size);
    let (status, entry) = get(port, "/v1/entries/0")?;
    assert_eq!(status, 200, "{entry}");
    let (status, ready) = get(port, "/readyz")?;
    assert_eq!(status, 200);
    assert!(
        ready.contains("writes paused") && ready.contains("storage_full"),
        "{ready}"
    );
    let (_, metrics) = get(port, "/metrics")?;
    assert!(metrics.lines().any(|l| l == "ledger_storage_full 1"), "{metrics}");

    // A restart on the full disk: the node starts and serves reads.
    node.kill()?;
    node.wait()?;
    let port = free_port()?;
    let mut node = start_logged_node(&data, &node_log, port, &with_reserve)?;
    assert_eq!(log_size(port)?, size);
    let (_, codes) = post(port, &all[1_000..1_001])?;
    assert_eq!(codes, vec!["storage_full"]);

    // Space freed: writes resume at once, no restart.
    std::fs::remove_file(&filler)?;
    let (_, codes) = post(port, &all[1_000..1_003])?;
    assert_eq!(codes, vec!["accepted"; 3]);
    let size = log_size(port)?;
    node.kill()?;
    node.wait()?;

    // The smallest reserve (1 MiB) and 1 MiB + 32 KiB left: the check before
    // the batch passes, the batch (over 1 MiB) does not fit, and the write
    // itself hits ENOSPC. Its client is told `storage_failed`, the node
    // exits 70; nothing acknowledged is lost.
    let port = free_port()?;
    let mut node = start_logged_node(&data, &node_log, port, &["--min-free-mib", "1"])?;
    fill(&filler, (1 << 20) + (32 << 10))?;
    let batch: Vec<SignedSubmission> = all[1_003..6_003].to_vec();
    let batch_bytes = serde_json::to_vec(&batch)?.len();
    assert!(
        batch.len() == 5_000 && batch_bytes > 3 << 20,
        "the batch is only {} submissions, {batch_bytes} bytes",
        batch.len()
    );
    let (status, codes) = post(port, &batch)?;
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "storage_failed"),
        "HTTP {status}: {codes:?}"
    );
    assert_eq!(wait_exit(&mut node, Duration::from_secs(20))?, Some(70));

    // Started again on the same full disk (with a reserve): reads served,
    // writes `storage_full`, the store exactly what was acknowledged.
    let port = free_port()?;
    let mut node = start_logged_node(&data, &node_log, port, &with_reserve)?;
    assert_eq!(log_size(port)?, size);
    let (_, codes) = post(port, &all[1_003..1_004])?;
    assert_eq!(codes, vec!["storage_full"]);
    let (status, _) = get(port, "/v1/entries/0")?;
    assert_eq!(status, 200);
    node.kill()?;
    node.wait()?;
    let store = Store::open_read_only(&data.join("store"))?;
    let (ledger, _) = open_ledger(&store, &|_| {})?;
    assert_eq!(ledger.head.size, size);
    drop(disk);
    Ok(())
}

//! Shared helpers of the node's integration tests: a node folder holding
//! demo entries, started and stopped in-process.
#![allow(dead_code)]

use ledger_core::demo::{generate, DemoConfig, DemoLog};
use ledger_core::keys::format_signing_key;
use ledger_node::api::write::submit_parsed;
use ledger_node::config::{Args, NodeConfig};
use ledger_node::keyfile;
use ledger_node::server::{start, Started};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The node configuration for a data folder, as the flags would give it.
pub fn config(dir: &Path) -> Result<NodeConfig, Box<dyn std::error::Error>> {
    use clap::Parser as _;
    let args = Args::try_parse_from(["ledger-node", "--data", &dir.display().to_string()])?;
    Ok(NodeConfig::resolve(&args)?)
}

/// Stop a started node and release the store's lock.
pub fn stop(started: Started) -> TestResult {
    drop(started.app);
    started.sequencer.join().map_err(|_| "sequencer panicked")?;
    Ok(())
}

/// A demo log of `entries` entries, with its log key written into `dir`.
pub fn demo_folder(dir: &Path, seed: u64, entries: u64) -> Result<DemoLog, Box<dyn std::error::Error>> {
    let log = generate(&DemoConfig {
        seed,
        target_entries: entries,
        now_ms: now_ms(),
    })?;
    keyfile::write_secret(
        &keyfile::log_key_path(dir),
        &format_signing_key(&log.origin, &log.log_key),
    )?;
    Ok(log)
}

/// Post submissions through the write path; every one must be accepted.
pub fn post_all(
    runtime: &tokio::runtime::Runtime,
    started: &Started,
    submissions: &[ledger_core::submission::SignedSubmission],
) -> Result<Vec<ledger_core::receipt::SignedReceipt>, Box<dyn std::error::Error>> {
    let results = runtime.block_on(submit_parsed(
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
pub fn build_folder(dir: &Path, entries: u64) -> Result<DemoLog, Box<dyn std::error::Error>> {
    let log = demo_folder(dir, 5, entries)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(&config(dir)?)?;
    post_all(&runtime, &started, &log.submissions)?;
    stop(started)?;
    Ok(log)
}

//! A damaged data folder is refused at start, naming the damaged entry.

use ledger_core::demo::{generate, DemoConfig};
use ledger_core::keys::format_signing_key;
use ledger_node::api::write::submit_parsed;
use ledger_node::config::{Args, NodeConfig};
use ledger_node::keyfile;
use ledger_node::server::start;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn config(dir: &Path) -> Result<NodeConfig, Box<dyn std::error::Error>> {
    use clap::Parser as _;
    let args = Args::try_parse_from(["ledger-node", "--data", &dir.display().to_string()])?;
    Ok(NodeConfig::resolve(&args)?)
}

/// Build a node folder holding `entries` demo entries, and stop the node.
fn build_folder(dir: &Path, entries: u64) -> TestResult {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
    let log = generate(&DemoConfig {
        seed: 5,
        target_entries: entries,
        now_ms: now,
    })?;
    keyfile::write_secret(
        &keyfile::log_key_path(dir),
        &format_signing_key(&log.origin, &log.log_key),
    )?;
    let config = config(dir)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(&config)?;
    runtime.block_on(async {
        let results = submit_parsed(&started.app, log.submissions.iter().cloned().map(Ok).collect()).await?;
        assert!(results.iter().all(Result::is_ok));
        Ok::<_, ledger_node::api::error::ApiError>(())
    })?;
    stop(started)
}

fn entry_key(seq: u64) -> Vec<u8> {
    let mut key = vec![b'e'];
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// Stop a started node and release the store's lock.
fn stop(started: ledger_node::server::Started) -> TestResult {
    drop(started.app);
    started.sequencer.join().map_err(|_| "sequencer panicked")?;
    Ok(())
}

fn start_error(dir: &Path) -> Result<String, Box<dyn std::error::Error>> {
    match start(&config(dir)?) {
        Ok(started) => {
            stop(started)?;
            Err("the node started on a damaged store".into())
        }
        Err(e) => Ok(format!("{e:#}")),
    }
}

#[test]
fn flipped_byte_in_a_stored_entry_is_refused_and_named() -> TestResult {
    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 300)?;
    stop(start(&config(dir.path())?)?)?; // the clean folder starts
    {
        // Tamper below our storage module, the way a disk fault or an insider would.
        let db = sled::open(dir.path().join("store"))?;
        let key = entry_key(123);
        let mut bytes = db.get(&key)?.ok_or("entry 123 missing")?.to_vec();
        let last = bytes.len() - 1;
        bytes[last - 40] ^= 0x01;
        db.insert(&key, bytes)?;
        db.flush()?;
    }
    let message = start_error(dir.path())?;
    assert!(message.contains("entry 123"), "{message}");
    assert!(message.contains("damaged"), "{message}");
    Ok(())
}

#[test]
fn missing_entry_and_wrong_checkpoint_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 200)?;
    {
        let db = sled::open(dir.path().join("store"))?;
        db.remove(entry_key(50))?;
        db.flush()?;
    }
    let message = start_error(dir.path())?;
    assert!(message.contains("entry 50 is missing"), "{message}");

    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 200)?;
    {
        // Drop the last entry but keep the checkpoint that covers it: a torn or rolled-back store.
        let db = sled::open(dir.path().join("store"))?;
        let last = db.scan_prefix(b"e").next_back().ok_or("no entries")??.0;
        db.remove(last)?;
        db.flush()?;
    }
    let message = start_error(dir.path())?;
    assert!(message.contains("does not match"), "{message}");
    Ok(())
}

//! A damaged data folder is refused at start, naming the damaged entry.

mod common;

use common::{build_folder, folder_config as config, stop, TestResult};
use ledger_node::keyfile;
use ledger_node::server::start;
use ledger_node::store::BLOCK_ENTRIES;
use std::path::Path;

/// The sled key of the block holding entry `seq` (store format 2: `B ‖
/// first seq`, 16 entries per block; see ledger-node/src/store).
fn block_key(seq: u64) -> Vec<u8> {
    let mut key = vec![b'B'];
    key.extend_from_slice(&block_first(seq).to_be_bytes());
    key
}

fn block_first(seq: u64) -> u64 {
    seq - seq % BLOCK_ENTRIES
}

/// The (start, end) byte range of entry `seq`'s bytes inside its block value
/// (records are `u32 LE length ‖ bytes`).
fn record_range(block: &[u8], seq: u64) -> TestResult<(usize, usize)> {
    let mut at = 0usize;
    for _ in block_first(seq)..seq {
        let len = u32::from_le_bytes(block[at..at + 4].try_into()?) as usize;
        at += 4 + len;
    }
    let len = u32::from_le_bytes(block[at..at + 4].try_into()?) as usize;
    Ok((at + 4, at + 4 + len))
}

fn start_error(dir: &Path) -> TestResult<String> {
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
        let key = block_key(123);
        let mut block = db.get(&key)?.ok_or("block of entry 123 missing")?.to_vec();
        let (_, end) = record_range(&block, 123)?;
        block[end - 41] ^= 0x01;
        db.insert(&key, block)?;
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
        // A whole block gone: the replay names its first entry.
        let db = sled::open(dir.path().join("store"))?;
        db.remove(block_key(50))?.ok_or("no block of entry 50")?;
        db.flush()?;
    }
    let message = start_error(dir.path())?;
    assert!(message.contains("entry 48 is missing"), "{message}");

    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 200)?;
    {
        // One record cut out of a block: the block ends one entry early,
        // before the next block starts, and that gap is named.
        let db = sled::open(dir.path().join("store"))?;
        let key = block_key(50);
        let block = db.get(&key)?.ok_or("no block of entry 50")?.to_vec();
        let (start, end) = record_range(&block, 50)?;
        let cut = [&block[..start - 4], &block[end..]].concat();
        db.insert(&key, cut)?;
        db.flush()?;
    }
    let message = start_error(dir.path())?;
    assert!(message.contains("entry 63 is missing"), "{message}");

    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 200)?;
    {
        // Drop the last entry but keep the checkpoint that covers it: a torn or rolled-back store.
        let db = sled::open(dir.path().join("store"))?;
        let (key, block) = db.scan_prefix(b"B").next_back().ok_or("no entries")??;
        let (start, _) = record_range(&block, 199)?;
        db.insert(key, &block[..start - 4])?;
        db.flush()?;
    }
    let message = start_error(dir.path())?;
    assert!(message.contains("does not match"), "{message}");
    Ok(())
}

/// Export a stopped node's folder to a bundle (what `ledger export --data` does).
fn export_bundle(dir: &Path) -> TestResult<Vec<u8>> {
    use ledger_core::bundle::{encode_header, encode_record, BundleHeader, BUNDLE_VERSION};
    let store = ledger_node::store::Store::open(
        &dir.join("store"),
        ledger_node::store::StoreOptions { cache_bytes: 8 << 20 },
    )?;
    let count = store.entry_count()?;
    let checkpoint = String::from_utf8(store.checkpoint()?.ok_or("no checkpoint")?)?;
    let origin = checkpoint.lines().next().unwrap_or_default().to_string();
    let header = BundleHeader {
        v: BUNDLE_VERSION,
        origin,
        log_vkey: String::new(),
        checkpoint,
        entry_count: count,
    };
    let mut out = encode_header(&header);
    for item in store.entries(0, count) {
        out.extend_from_slice(&encode_record(&item?.1));
    }
    Ok(out)
}

#[test]
fn a_bundle_restores_into_a_node_that_starts_with_the_same_root() -> TestResult {
    let original = tempfile::tempdir()?;
    build_folder(original.path(), 400)?;
    let bundle = export_bundle(original.path())?;
    let bundle_path = original.path().join("backup.bundle");
    std::fs::write(&bundle_path, &bundle)?;

    let restored = tempfile::tempdir()?;
    let options = ledger_node::store::StoreOptions { cache_bytes: 8 << 20 };
    let count = ledger_node::restore::restore(restored.path(), &bundle_path, options)?;
    assert_eq!(count, 400);
    // The operator copies the keys/ folder from the key backup.
    let key_text = std::fs::read_to_string(keyfile::log_key_path(original.path()))?;
    keyfile::write_secret(&keyfile::log_key_path(restored.path()), &key_text)?;
    let a = start(&config(original.path())?)?;
    let b = start(&config(restored.path())?)?;
    let root_a = a.app.shared.latest().map(|l| (l.size, l.root));
    let root_b = b.app.shared.latest().map(|l| (l.size, l.root));
    assert!(root_a.is_some());
    assert_eq!(root_a, root_b);
    stop(a)?;
    stop(b)?;

    // A tampered bundle restores nothing.
    let mut tampered = bundle.clone();
    let at = tampered.len() - 100;
    tampered[at] ^= 0x20;
    std::fs::write(&bundle_path, &tampered)?;
    let empty = tempfile::tempdir()?;
    let err = ledger_node::restore::restore(empty.path(), &bundle_path, options)
        .err()
        .map(|e| format!("{e:#}"));
    assert!(
        err.as_deref().unwrap_or_default().contains("does not verify"),
        "{err:?}"
    );
    assert!(!empty.path().join("store").exists(), "nothing written");
    Ok(())
}

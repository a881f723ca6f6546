//! A data folder the node must not serve is refused at start, in one
//! paragraph naming what is wrong and the restore command: a damaged
//! record, a wiped store, a store rolled back to an older copy, a volume
//! that did not mount. And a log key never signs a second history.

mod common;

use common::{build_folder, folder_config as config, stop, TestResult};
use ledger_node::keyfile;
use ledger_node::server::start;
use ledger_node::signed_state;
use ledger_node::store::{Store, StoreOptions};
use std::path::Path;

fn start_error(dir: &Path) -> TestResult<String> {
    match start(&config(dir)?) {
        Ok(started) => {
            stop(started)?;
            Err("the node started on a folder it must refuse".into())
        }
        Err(e) => Ok(format!("{e:#}")),
    }
}

/// The restore line every refusal ends with, for this folder.
fn restore_line(dir: &Path) -> String {
    format!("`ledger-node restore --data {} --bundle ledger.bundle`", dir.display())
}

fn copy_dir(from: &Path, to: &Path) -> TestResult {
    std::fs::create_dir_all(to)?;
    for item in std::fs::read_dir(from)? {
        let item = item?;
        std::fs::copy(item.path(), to.join(item.file_name()))?;
    }
    Ok(())
}

#[test]
fn a_flipped_bit_in_a_stored_entry_is_refused_and_named() -> TestResult {
    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 300)?;
    stop(start(&config(dir.path())?)?)?; // the clean folder starts
    {
        // Below the node's storage code, the way a disk fault or an insider would.
        let store = Store::open(&dir.path().join("store"), StoreOptions::default())?;
        store.damage_entry_for_tests(123, 60)?;
    }
    let message = start_error(dir.path())?;
    // Entry 123 sits in the last (only) segment, where a bad record could be
    // a torn tail; the key's record of 300 signed entries says it is not.
    assert!(
        message.starts_with("the store is damaged: entry 123 at byte "),
        "{message}"
    );
    assert!(message.contains("a checksum mismatch"), "{message}");
    assert!(message.contains("the log key has signed 300 entries"), "{message}");
    assert!(message.contains(&restore_line(dir.path())), "{message}");
    Ok(())
}

#[test]
fn a_wiped_store_is_refused_and_a_forged_genesis_is_never_signed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = build_folder(dir.path(), 120)?;
    std::fs::remove_dir_all(dir.path().join("store"))?;
    let message = start_error(dir.path())?;
    assert!(message.contains("no store at"), "{message}");
    assert!(
        message.contains(&format!(
            "this log key has already signed a checkpoint of {} entries",
            log.submissions.len()
        )),
        "{message}"
    );
    assert!(message.contains(&restore_line(dir.path())), "{message}");

    // An empty store put in its place (or a fresh volume) is refused too,
    // so nobody's genesis naming the node's key is ever signed.
    Store::create(&dir.path().join("store"), StoreOptions::default())?;
    let message = start_error(dir.path())?;
    assert!(
        message.starts_with(&format!(
            "the store holds 0 entries, but the log key has already signed a checkpoint of {} entries",
            log.submissions.len()
        )),
        "{message}"
    );
    Ok(())
}

/// A folder whose log holds the first `first` of the demo's `total`
/// entries; returns the demo log (the rest is for the test to post).
fn folder_with(dir: &Path, seed: u64, total: u64, first: usize) -> TestResult<ledger_demo::DemoLog> {
    let log = common::demo_folder(dir, seed, total)?;
    post_range(dir, &log, 0..first)?;
    Ok(log)
}

/// Start the node on `dir`, post `range` of the demo log, stop it.
fn post_range(dir: &Path, log: &ledger_demo::DemoLog, range: std::ops::Range<usize>) -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(&config(dir)?)?;
    common::post_all(&runtime, &started, &log.submissions[range])?;
    stop(started)
}

#[test]
fn a_store_rolled_back_to_an_older_copy_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = folder_with(dir.path(), 5, 200, 150)?;
    let old_copy = tempfile::tempdir()?;
    copy_dir(&dir.path().join("store"), old_copy.path())?;
    // Ten more entries, then the old copy of the store is put back.
    post_range(dir.path(), &log, 150..160)?;
    std::fs::remove_dir_all(dir.path().join("store"))?;
    copy_dir(old_copy.path(), &dir.path().join("store"))?;
    let message = start_error(dir.path())?;
    assert!(
        message
            .starts_with("the store holds 150 entries, but the log key has already signed a checkpoint of 160 entries"),
        "{message}"
    );
    assert!(message.contains("rolled back to an older copy"), "{message}");
    Ok(())
}

#[test]
fn a_data_volume_that_did_not_mount_is_refused() -> TestResult {
    // The mount point is there, empty: no key, no store, no record.
    let dir = tempfile::tempdir()?;
    let message = start_error(dir.path())?;
    assert!(message.starts_with("no log key at"), "{message}");
    assert!(message.contains("init --origin NAME"), "{message}");
    assert!(!dir.path().join("store").exists(), "starting created nothing");

    // Keys on another volume that did mount, the store's volume did not:
    // the key has signed, so the node refuses to start an empty log.
    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 100)?;
    std::fs::remove_dir_all(dir.path().join("store"))?;
    let message = start_error(dir.path())?;
    assert!(message.contains("its volume is not mounted"), "{message}");

    // A key without its record of what it signed, and an empty store.
    let dir = tempfile::tempdir()?;
    build_folder(dir.path(), 100)?;
    std::fs::remove_file(signed_state::path(dir.path()))?;
    std::fs::remove_dir_all(dir.path().join("store"))?;
    Store::create(&dir.path().join("store"), StoreOptions::default())?;
    let message = start_error(dir.path())?;
    assert!(
        message.contains("there is no record of what it has signed"),
        "{message}"
    );
    Ok(())
}

#[test]
fn a_store_of_another_history_is_refused() -> TestResult {
    // Two logs under one key: folder B's record of what the key signed,
    // with a store that is not that history (folder A's, another demo).
    let a = tempfile::tempdir()?;
    folder_with(a.path(), 5, 200, 120)?;
    let b = tempfile::tempdir()?;
    folder_with(b.path(), 6, 200, 100)?;
    std::fs::remove_dir_all(b.path().join("store"))?;
    copy_dir(&a.path().join("store"), &b.path().join("store"))?;
    let message = start_error(b.path())?;
    assert!(
        message.starts_with("the store's first 100 entries are not the tree the log key signed"),
        "{message}"
    );
    Ok(())
}

#[test]
fn a_record_cut_out_of_the_log_is_named() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = build_folder(dir.path(), 200)?;
    // Cut the log file inside entry 150's record: acknowledged entries lost.
    let segment = dir.path().join("store").join("log-00000000000000000000.seg");
    let offset = {
        let store = Store::open(&dir.path().join("store"), StoreOptions::default())?;
        let before: u64 = store
            .entries(0, 150)
            .map(|item| item.map(|(_, bytes)| bytes.len() as u64 + 9))
            .sum::<Result<u64, _>>()?;
        before
    };
    let file = std::fs::OpenOptions::new().write(true).open(&segment)?;
    // Header (16) + the entries before 150 + their commit records: cut a few
    // bytes further than the entries alone, still inside the log's records.
    file.set_len(16 + offset + 40)?;
    drop(file);
    let message = start_error(dir.path())?;
    assert!(message.starts_with("the store is damaged: "), "{message}");
    assert!(
        message.contains(&format!("the log key has signed {} entries", log.submissions.len())),
        "{message}"
    );
    Ok(())
}

/// Export a stopped node's folder to a bundle (what `ledger export --data` does).
fn export_bundle(dir: &Path) -> TestResult<Vec<u8>> {
    use ledger_core::bundle::{encode_header, encode_record, BundleHeader, BUNDLE_VERSION};
    let store = Store::open_read_only(&dir.join("store"))?;
    let count = store.entry_count();
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
    let options = StoreOptions::default();
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

    // A wiped store of the original folder, keys kept: restored from the
    // bundle, it starts again (the bundle covers what the key signed).
    std::fs::remove_dir_all(original.path().join("store"))?;
    assert_eq!(
        ledger_node::restore::restore(original.path(), &bundle_path, options)?,
        400
    );
    stop(start(&config(original.path())?)?)?;

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

#[test]
fn an_older_bundle_is_not_restored_over_a_key_that_signed_more() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = folder_with(dir.path(), 5, 200, 120)?;
    let old_bundle = export_bundle(dir.path())?;
    post_range(dir.path(), &log, 120..130)?;
    let bundle_path = dir.path().join("old.bundle");
    std::fs::write(&bundle_path, &old_bundle)?;
    std::fs::remove_dir_all(dir.path().join("store"))?;
    let err = ledger_node::restore::restore(dir.path(), &bundle_path, StoreOptions::default())
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(
        err.starts_with("the store holds 120 entries, but the log key has already signed a checkpoint of 130 entries"),
        "{err}"
    );
    assert!(err.contains("nothing restored"), "{err}");
    assert!(!dir.path().join("store").exists(), "nothing written");
    Ok(())
}

/// README's "Running a real node" lines, run as written (the folder swapped
/// for a temporary one): `init` makes a log whose key has signed nothing,
/// the node starts on it, a second `init` is refused, and a node started on
/// a folder without `init` refuses to start a log by itself.
#[test]
fn readme_init_and_start_lines_run_as_written() -> TestResult {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))?;
    let line = |prefix: &str| -> TestResult<String> {
        readme
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(str::to_string)
            .ok_or_else(|| format!("README has no line starting `{prefix}`").into())
    };
    let init = line("ledger-node init ")?;
    assert_eq!(
        init,
        "ledger-node init --data /srv/sunshine --origin huaian.example.gov.cn/ledger"
    );
    let serve = line("ledger-node --data /srv/sunshine --listen")?;
    assert_eq!(serve, "ledger-node --data /srv/sunshine --listen 0.0.0.0:8080");

    let dir = tempfile::tempdir()?;
    let data = dir.path().join("sunshine");
    let run = |command: &str| -> TestResult<std::process::Output> {
        let args: Vec<String> = command
            .replace("/srv/sunshine", &data.display().to_string())
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect();
        Ok(std::process::Command::new(env!("CARGO_BIN_EXE_ledger-node"))
            .args(&args)
            .env_remove("LEDGER_ORIGIN")
            .output()?)
    };
    let out = run(&init)?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("huaian.example.gov.cn/ledger+"), "{printed}");
    assert_eq!(
        signed_state::read(&data).map_err(|e| e.to_string())?,
        Some(signed_state::SignedState::NothingSigned)
    );
    assert!(keyfile::log_key_path(&data).exists());
    // The folder is a log now: init again is refused, and changes nothing.
    let key_before = std::fs::read(keyfile::log_key_path(&data))?;
    let again = run(&init)?;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read(keyfile::log_key_path(&data))?, key_before);
    // The serve line starts on it (checked in-process: same folder, same config).
    let started = start(&config(&data)?).map_err(|e| format!("{e:#}"))?;
    stop(started)?;
    // A folder that never saw init: the node does not make a log by itself.
    let empty = tempfile::tempdir()?;
    let message = start_error(empty.path())?;
    assert!(message.contains("init --origin NAME"), "{message}");
    Ok(())
}

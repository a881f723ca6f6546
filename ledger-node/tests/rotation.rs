//! Log-key rotation, end to end: prepare a key, an admin posts
//! `LogKeyRotate`, the node signs with the new key from then on, survives a
//! restart, and the whole chain still verifies offline.

mod common;

use common::{
    demo_folder, folder_config as config, free_port, post_all, post_to_process, project, rotation, start_node, stop,
    wait_exit, TestResult,
};
use ledger_core::checkpoint::LogVerifier;
use ledger_core::verify::{verify_ledger, VerifyOptions};
use ledger_node::api::write::submit_parsed;
use ledger_node::keyfile;
use ledger_node::server::{prepare_rotation, start};
use ledger_node::store::{Store, StoreOptions};
use std::path::Path;
use std::time::{Duration, Instant};

/// Has `keys/log-next.key` been renamed to `log.key` within 10 s?
fn wait_for_promotion(dir: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while keyfile::next_log_key_path(dir).exists() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// The verifier key (signed-note form) of the key file at `path`.
fn vkey_of(path: &Path) -> TestResult<String> {
    let (origin, key) = keyfile::read_signing_key(path)?;
    Ok(ledger_core::keys::verifier_key_string(&origin, &key.verifying_key()))
}

/// The names in `keys/`, sorted.
fn key_file_names(dir: &Path) -> TestResult<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(keyfile::keys_dir(dir))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

#[test]
fn rotated_log_key_signs_from_the_next_checkpoint_and_survives_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 400)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let config = config(dir.path())?;
    let started = start(&config)?;
    post_all(&runtime, &started, &log.submissions)?;
    let old_vkey = started
        .app
        .shared
        .ledger
        .read()
        .map_err(|_| "lock")?
        .state
        .log_vkey()
        .unwrap_or_default()
        .to_string();

    // A rotation to a key the node does not hold is refused, and changes nothing.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let stranger_vkey = ledger_core::keys::verifier_key_string(&log.origin, &stranger.verifying_key());
    let admin = &log.admins[0].key;
    let stranger_endorsement = ledger_core::keys::endorse_rotation(&log.log_key, &log.origin, &stranger_vkey);
    let refused = runtime.block_on(submit_parsed(
        &started.app,
        vec![Ok(
            rotation(&log.origin, &stranger_vkey, stranger_endorsement, 1)?.sign(&[admin])
        )],
    ))?;
    assert_eq!(refused[0].as_ref().err().map(|e| e.code), Some("unknown_log_key"));
    // An operator may not rotate the log key.
    let (new_vkey, endorsement_hex) = prepare_rotation(&config)?;
    let endorsement = ledger_core::encoding::Bytes::<64>::from_hex(&endorsement_hex)?;
    // Admins alone cannot rotate: the endorsement must be the outgoing log key's.
    let self_endorsed = ledger_core::keys::endorse_rotation(admin, &log.origin, &new_vkey);
    let forged = runtime.block_on(submit_parsed(
        &started.app,
        vec![Ok(rotation(&log.origin, &new_vkey, self_endorsed, 4)?.sign(&[admin]))],
    ))?;
    assert_eq!(forged[0].as_ref().err().map(|e| e.code), Some("malformed"));
    let operator = &log.operators[0].key;
    let by_operator = runtime.block_on(submit_parsed(
        &started.app,
        vec![Ok(rotation(&log.origin, &new_vkey, endorsement, 2)?.sign(&[operator]))],
    ))?;
    assert_eq!(by_operator[0].as_ref().err().map(|e| e.code), Some("out_of_scope"));

    let receipts = post_all(
        &runtime,
        &started,
        &[rotation(&log.origin, &new_vkey, endorsement, 3)?.sign(&[admin])],
    )?;
    let rotation_seq = receipts[0].receipt.seq;
    assert_eq!(rotation_seq, 400);
    let new_verifier = LogVerifier::from_vkey(&new_vkey)?;
    let old_verifier = LogVerifier::from_vkey(&old_vkey)?;
    let note = started.app.shared.latest().ok_or("no checkpoint")?.note.clone();
    assert!(
        new_verifier.verify_checkpoint(note.as_bytes()).is_ok(),
        "new key signs the checkpoint"
    );
    assert!(
        old_verifier.verify_checkpoint(note.as_bytes()).is_err(),
        "old key no longer does"
    );
    assert!(keyfile::log_key_path(dir.path()).exists());
    // The renames run on a thread of their own after the commit
    // (`sequencer::key_files`), so they may finish just after the answer.
    assert!(wait_for_promotion(dir.path()), "log-next.key was promoted");
    let retired = std::fs::read_dir(keyfile::keys_dir(dir.path()))?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("log-retired-"))
        .count();
    assert_eq!(retired, 1);

    // Entries after the rotation get receipts signed by the new key.
    let projects: Vec<_> = (0..3u8)
        .map(|i| project(&log.origin, i).map(|s| s.sign(&[operator])))
        .collect::<Result<_, _>>()?;
    let later = post_all(&runtime, &started, &projects)?;
    let new_key = new_verifier.verifying_key();
    for r in &later {
        r.verify(new_key)?;
    }
    stop(started)?;

    // Restart with the rotated keys on disk, then verify the whole chain offline.
    let started = start(&config)?;
    let size = started.app.shared.committed();
    assert_eq!(size, 404);
    stop(started)?;
    let store = Store::open(&dir.path().join("store"), StoreOptions::default())?;
    let entries: Vec<Vec<u8>> = store
        .entries(0, size)
        .map(|r| r.map(|(_, b)| b))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let checkpoint = store.checkpoint()?.ok_or("no checkpoint")?;
    let report = verify_ledger(&refs, &checkpoint, &VerifyOptions::default(), &|_| {})?;
    assert_eq!(report.entries, 404);
    assert_eq!(report.log_vkey, new_vkey);
    assert_eq!(report.state.log_vkey_for_size(400), Some(old_vkey.as_str()));
    assert_eq!(report.state.log_vkey_for_size(401), Some(new_vkey.as_str()));
    Ok(())
}

/// A stop between a rotation's commit and its key files' renames (kill -9,
/// a power cut: the committer leaves the renames to another thread) leaves
/// the rotation durable in the chain and `keys/` as `prepare-rotation` left
/// it, perhaps with a partial temporary copy of the retired key. The next
/// start finishes the renames before it serves and signs with the new key;
/// so does a folder left without `log.key` by the earlier code, which
/// renamed `log.key` away first.
#[test]
fn a_rotation_cut_short_before_its_key_files_were_renamed_is_finished_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 6, 300)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let config = config(dir.path())?;
    let started = start(&config)?;
    post_all(&runtime, &started, &log.submissions)?;
    let (new_vkey, endorsement_hex) = prepare_rotation(&config)?;
    let endorsement = ledger_core::encoding::Bytes::<64>::from_hex(&endorsement_hex)?;
    let admin = &log.admins[0].key;
    let old_vkey = vkey_of(&keyfile::log_key_path(dir.path()))?;
    post_all(
        &runtime,
        &started,
        &[rotation(&log.origin, &new_vkey, endorsement, 3)?.sign(&[admin])],
    )?;
    stop(started)?;
    let done = key_file_names(dir.path())?;
    assert_eq!(
        done.len(),
        3,
        "the signed-state record, log.key and one retired key: {done:?}"
    );
    let retired_name = done
        .iter()
        .find(|n| n.starts_with("log-retired-"))
        .ok_or("no retired key")?
        .clone();
    let keys = keyfile::keys_dir(dir.path());

    // Put keys/ back as it was between the commit and the renames, with a
    // partial temporary copy of the retired key left by the crash.
    std::fs::rename(keys.join("log.key"), keys.join("log-next.key"))?;
    std::fs::rename(keys.join(&retired_name), keys.join("log.key"))?;
    std::fs::write(keys.join(format!(".{retired_name}.tmp")), "partial")?;
    starts_with_the_new_key(&config, &log, &done, &new_vkey, 10, "cut before the renames")?;
    // The earlier code's crash between its two renames: the old key already
    // retired, the new one not yet log.key.
    std::fs::rename(keys.join("log.key"), keys.join("log-next.key"))?;
    starts_with_the_new_key(&config, &log, &done, &new_vkey, 11, "cut between the renames")?;
    assert_eq!(
        vkey_of(&keys.join(&retired_name))?,
        old_vkey,
        "the retired key is the old one"
    );
    Ok(())
}

/// Start on `config`'s folder: the key files must be `expected` with the new
/// key as log.key, and a new entry's receipt and checkpoint signed by it.
fn starts_with_the_new_key(
    config: &ledger_node::config::NodeConfig,
    log: &ledger_demo::DemoLog,
    expected: &[String],
    new_vkey: &str,
    nonce: u8,
    round: &str,
) -> TestResult {
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(config).map_err(|e| format!("{round}: {e:#}"))?;
    assert_eq!(vkey_of(&keyfile::log_key_path(&config.data_dir))?, new_vkey, "{round}");
    assert_eq!(
        key_file_names(&config.data_dir)?,
        expected,
        "{round}: the renames were finished"
    );
    let operator = &log.operators[0].key;
    let receipts = post_all(&runtime, &started, &[project(&log.origin, nonce)?.sign(&[operator])])?;
    let new_verifier = LogVerifier::from_vkey(new_vkey)?;
    receipts[0].verify(new_verifier.verifying_key())?;
    let note = started.app.shared.latest().ok_or("no checkpoint")?.note.clone();
    assert!(
        new_verifier.verify_checkpoint(note.as_bytes()).is_ok(),
        "{round}: the new key signs the checkpoint"
    );
    stop(started)
}

/// The same cut with a real process: the `ledger-node` binary dies
/// (`LEDGER_TEST_KEY_FILES=kill`: an abort, as abrupt as kill -9) the moment
/// its committer hands a durable rotation to the key-file thread, before any
/// rename. Restarted, it renames the files and signs with the new key.
#[test]
fn a_node_killed_between_the_rotation_commit_and_the_renames_restarts_on_the_new_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 8, 300)?;
    let config = config(dir.path())?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let port = free_port()?;
    let mut node = start_node(dir.path(), port, &[("LEDGER_TEST_KEY_FILES", "kill")])?;
    for batch in log.submissions.chunks(100) {
        let answer = post_to_process(&client, port, batch)?;
        let accepted = answer["results"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|x| x.get("receipt").is_some()).count());
        assert_eq!(accepted, batch.len(), "{answer}");
    }
    // prepare-rotation runs beside the running node, as an operator does.
    let old_vkey = vkey_of(&keyfile::log_key_path(dir.path()))?;
    let (new_vkey, endorsement_hex) = prepare_rotation(&config)?;
    let endorsement = ledger_core::encoding::Bytes::<64>::from_hex(&endorsement_hex)?;
    let rotate = rotation(&log.origin, &new_vkey, endorsement, 3)?.sign(&[&log.admins[0].key]);
    // The answer races the abort: it may or may not reach the client.
    let _ = post_to_process(&client, port, std::slice::from_ref(&rotate));
    let code = wait_exit(&mut node, Duration::from_secs(30))?;
    assert_eq!(code, None, "killed by a signal, not exited");
    // Cut between the commit and the renames: the old key is still log.key.
    assert_eq!(vkey_of(&keyfile::log_key_path(dir.path()))?, old_vkey);
    assert_eq!(vkey_of(&keyfile::next_log_key_path(dir.path()))?, new_vkey);

    let port = free_port()?;
    let mut node = start_node(dir.path(), port, &[])?;
    let result = (|| -> TestResult {
        let names = key_file_names(dir.path())?;
        assert_eq!(
            names.len(),
            3,
            "the signed-state record, log.key, one retired key: {names:?}"
        );
        assert_eq!(vkey_of(&keyfile::log_key_path(dir.path()))?, new_vkey);
        let operator = &log.operators[0].key;
        let answer = post_to_process(&client, port, &[project(&log.origin, 20)?.sign(&[operator])])?;
        let receipt: ledger_core::receipt::SignedReceipt =
            serde_json::from_value(answer.pointer("/results/0/receipt").ok_or("no receipt")?.clone())?;
        assert_eq!(receipt.receipt.seq, 301, "the rotation (entry 300) was durable");
        let new_verifier = LogVerifier::from_vkey(&new_vkey)?;
        receipt.verify(new_verifier.verifying_key())?;
        let note = client
            .get(format!("http://127.0.0.1:{port}/checkpoint"))
            .send()?
            .text()?;
        assert!(
            new_verifier.verify_checkpoint(note.as_bytes()).is_ok(),
            "the new key signs the checkpoint: {note}"
        );
        Ok(())
    })();
    node.kill()?;
    node.wait()?;
    result
}

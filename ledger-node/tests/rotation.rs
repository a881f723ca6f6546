//! Log-key rotation, end to end: prepare a key, an admin posts
//! `LogKeyRotate`, the node signs with the new key from then on, survives a
//! restart, and the whole chain still verifies offline.

mod common;

use common::{demo_folder, folder_config as config, post_all, project, rotation, stop, TestResult};
use ledger_core::checkpoint::LogVerifier;
use ledger_core::verify::{verify_ledger, VerifyOptions};
use ledger_node::api::write::submit_parsed;
use ledger_node::keyfile;
use ledger_node::server::{prepare_rotation, start};
use ledger_node::store::{Store, StoreOptions};

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
    assert!(
        !keyfile::next_log_key_path(dir.path()).exists(),
        "log-next.key was promoted"
    );
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

//! `GET /v1/log/keys` (issue 15): the rotation chain with its endorsements,
//! exactly what `ledger verify` checks, so the page can follow a rotation
//! from the first key it pinned; and `/v1/witnesses` stating k of n.

mod common;

use base64::Engine as _;
use common::{demo_folder, folder_config as config, get_json, post_all, rotation, stop, TestResult};
use ledger_core::chain::SequencedEntry;
use ledger_core::entry::EntryBody;
use ledger_node::server::{prepare_rotation, start};

#[test]
fn the_rotation_chain_with_the_endorsements_a_client_checks() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 400)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let config = config(dir.path())?;
    let started = start(&config)?;
    post_all(&runtime, &started, &log.submissions)?;
    let first = runtime.block_on(get_json(&started.app, "/v1/log"))?["log_vkey"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let before = runtime.block_on(get_json(&started.app, "/v1/log/keys"))?;
    assert_eq!(
        before,
        serde_json::json!({"origin": log.origin, "first": first, "rotations": []})
    );
    let witnesses = runtime.block_on(get_json(&started.app, "/v1/witnesses"))?;
    assert_eq!(
        witnesses,
        serde_json::json!({"witnesses": [], "min_witnesses": 0, "cosigned_size": null, "cosignatures": 0})
    );

    let (new_vkey, endorsement_hex) = prepare_rotation(&config)?;
    let endorsement = ledger_core::encoding::Bytes::<64>::from_hex(&endorsement_hex)?;
    post_all(
        &runtime,
        &started,
        &[rotation(&log.origin, &new_vkey, endorsement, 3)?.sign(&[&log.admins[0].key])],
    )?;
    let keys = runtime.block_on(get_json(&started.app, "/v1/log/keys"))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let message = ledger_core::keys::rotation_message(&log.origin, &new_vkey);
    assert_eq!(keys["first"], first.as_str());
    let r = &keys["rotations"][0];
    assert_eq!(keys["rotations"].as_array().map(Vec::len), Some(1));
    assert_eq!(r["seq"], 400);
    assert_eq!(r["from_size"], 401);
    assert_eq!(r["previous"], first.as_str());
    assert_eq!(r["log_vkey"], new_vkey.as_str());
    assert_eq!(r["endorsement"], b64.encode(endorsement.as_bytes()));
    assert_eq!(r["message"], b64.encode(&message));
    // What a client does with it: the endorsement verifies under the
    // previous key, and the raw entry is that rotation.
    let served = ledger_core::encoding::Bytes::<64>(
        b64.decode(r["endorsement"].as_str().unwrap_or_default())?
            .try_into()
            .map_err(|_| "64 bytes")?,
    );
    ledger_core::keys::check_rotation(&log.origin, &first, &new_vkey, &served)?;
    // A tampered endorsement byte does not.
    let mut tampered = served;
    tampered.0[0] ^= 1;
    assert!(ledger_core::keys::check_rotation(&log.origin, &first, &new_vkey, &tampered).is_err());
    let raw = b64.decode(r["raw"].as_str().unwrap_or_default())?;
    let entry = SequencedEntry::decode(&raw)?.entry;
    assert_eq!(entry.seq, 400);
    assert!(matches!(
        &entry.signed.submission.body,
        EntryBody::LogKeyRotate { log_vkey, .. } if *log_vkey == new_vkey
    ));
    stop(started)?;
    Ok(())
}

//! `ledger witness serve` alone, over real HTTP: every status of
//! c2sp.org/tlog-witness `add-checkpoint`, a fork refused with the state
//! unchanged, and the state kept across a kill and restart.

mod common;
mod witness_support;

use common::ok;
use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::{add_cosignature, AddCheckpointRequest, CosignatureLine, LogSigner, WitnessVerifier};
use ledger_core::merkle::{leaf_hash, MemoryTree, TreeHash};
use sha2::{Digest as _, Sha256};
use witness_support::WitnessServer;

const ORIGIN: &str = "huaian.example.gov.cn/ledger";

fn tree(prefix: &str, n: u64, shared: u64) -> MemoryTree {
    let leaves: Vec<TreeHash> = (0..n)
        .map(|i| {
            let who = if i < shared { "entry" } else { prefix };
            leaf_hash(format!("{who} {i}").as_bytes())
        })
        .collect();
    MemoryTree::from_leaves(&leaves)
}

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

fn post(url: &str, body: Vec<u8>) -> Answer {
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .expect("POST /add-checkpoint");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Answer {
        status,
        content_type,
        body: r.text().expect("body"),
    }
}

fn request(log: &LogSigner, t: &MemoryTree, old: u64, size: u64) -> Vec<u8> {
    let proof = if old == 0 || old >= size {
        vec![]
    } else {
        t.consistency_proof(old, size).expect("proof")
    };
    AddCheckpointRequest {
        old_size: old,
        consistency_proof: proof,
        checkpoint: log.sign_checkpoint(size, &t.root_at(size).expect("root")).to_bytes(),
    }
    .to_bytes()
}

#[test]
fn add_checkpoint_answers_every_spec_status_and_remembers_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, witness_vkey) = witness_support::jiwei_witness_key(dir.path());
    let witness = WitnessVerifier::from_vkey(&witness_vkey).expect("witness vkey");
    let log = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).expect("log");
    let state = dir.path().join("state");
    let mut server = WitnessServer::start(&key, &state, &[&log.verifier_key()]);
    let url = server.url.clone();
    let honest = tree("entry", 40, 40);

    // Garbage: 400.
    for garbage in [&b"hello"[..], b"old 01\n\nx\n", b"old 0\n\n", b""] {
        let a = post(&url, garbage.to_vec());
        assert_eq!(a.status, 400, "{garbage:?}: {}", a.body);
        assert!(a.body.starts_with("malformed: "), "{}", a.body);
    }
    // An unknown origin: 404.
    let other = LogSigner::new("other.example/log", SigningKey::from_bytes(&[1; 32])).expect("log");
    let a = post(&url, request(&other, &honest, 0, 10));
    assert_eq!(a.status, 404, "{}", a.body);
    assert!(a.body.starts_with("unknown_log: "), "{}", a.body);
    // Signed by another key for the same origin: 403.
    let impostor = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[9; 32])).expect("log");
    let a = post(&url, request(&impostor, &honest, 0, 10));
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.starts_with("not_signed: "), "{}", a.body);

    // First contact: 200 and a cosignature that verifies with the witness key.
    let a = post(&url, request(&log, &honest, 0, 10));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body.lines().count(), 1, "{}", a.body);
    assert!(a.body.starts_with("— witness.jiwei.huaian.example "), "{}", a.body);
    let line = CosignatureLine::parse(&a.body).expect("cosignature line");
    let note = log.sign_checkpoint(10, &honest.root_at(10).expect("root"));
    let cosigned = add_cosignature(note.as_bytes(), &line).expect("add");
    let verified = log.verifier().verify_checkpoint(&cosigned).expect("note");
    let ts = witness.verify_cosignature(&verified).expect("cosignature verifies");
    assert!(ts > 1_700_000_000, "{ts}");
    // The same checkpoint again: accepted again.
    let a = post(&url, request(&log, &honest, 10, 10));
    assert_eq!(a.status, 200, "{}", a.body);

    // A wrong old size: 409 with the held size, as text/x.tlog.size.
    let a = post(&url, request(&log, &honest, 0, 20));
    assert_eq!(
        (a.status, a.content_type.as_str(), a.body.as_str()),
        (409, "text/x.tlog.size", "10\n")
    );
    // old above the checkpoint's size: 400.
    let a = post(&url, request(&log, &honest, 30, 20));
    assert_eq!(a.status, 400, "{}", a.body);
    // A bad proof: 422, nothing changes.
    let mut bad = AddCheckpointRequest::parse(&request(&log, &honest, 10, 20)).expect("parse");
    bad.consistency_proof[0].0[0] ^= 1;
    let a = post(&url, bad.to_bytes());
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.starts_with("inconsistent: "), "{}", a.body);
    assert_eq!(post(&url, request(&log, &honest, 0, 20)).body, "10\n");

    // Growth 10 → 20 with a good proof.
    assert_eq!(post(&url, request(&log, &honest, 10, 20)).status, 200);

    // A fork: a tree sharing the first 10 entries, then another history.
    // Validly signed by the log, refused at the same size and when extended.
    let forked = tree("evil", 40, 10);
    let a = post(&url, request(&log, &forked, 20, 20));
    assert_eq!(a.status, 422, "{}", a.body);
    let a = post(&url, request(&log, &forked, 20, 30));
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(post(&url, request(&log, &forked, 0, 30)).body, "20\n");
    let evidence: Vec<_> = std::fs::read_dir(state.join("evidence"))
        .expect("evidence folder")
        .collect();
    // One file per refused, validly signed request: the bad proof and the two forks.
    assert_eq!(evidence.len(), 3);

    // The monitoring endpoint serves the held checkpoint with both signatures.
    let origin_hash = hex::encode(Sha256::digest(ORIGIN.as_bytes()));
    let held = reqwest::blocking::get(format!("{url}/{origin_hash}/checkpoint"))
        .expect("GET")
        .text()
        .expect("text");
    let held = log.verifier().verify_checkpoint(held.as_bytes()).expect("held note");
    assert_eq!((held.size(), held.root()), (20, &honest.root_at(20).expect("root")));
    assert!(witness.verify_cosignature(&held).is_ok());
    let unknown = reqwest::blocking::get(format!("{url}/{}/checkpoint", "0".repeat(64))).expect("GET");
    assert_eq!(unknown.status().as_u16(), 404);

    // Killed and restarted: it still holds 20 and goes on from there.
    server.kill();
    let server = WitnessServer::start(&key, &state, &[&log.verifier_key()]);
    let a = post(&server.url, request(&log, &honest, 0, 30));
    assert_eq!((a.status, a.body.as_str()), (409, "20\n"));
    assert_eq!(post(&server.url, request(&log, &forked, 20, 30)).status, 422);
    let a = post(&server.url, request(&log, &honest, 20, 30));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(post(&server.url, request(&log, &honest, 0, 40)).body, "30\n");
}

#[test]
fn a_rotated_log_key_is_trusted_once_the_operator_adds_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("w.key");
    ok(&[
        "keygen",
        "--out",
        &key.display().to_string(),
        "--name",
        "w.example",
        "--witness",
    ]);
    let old = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).expect("log");
    let new = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[2; 32])).expect("log");
    let t = tree("entry", 20, 20);
    let state = dir.path().join("state");
    let mut server = WitnessServer::start(&key, &state, &[&old.verifier_key()]);
    assert_eq!(post(&server.url, request(&old, &t, 0, 10)).status, 200);
    // The new key alone is not trusted yet.
    assert_eq!(post(&server.url, request(&new, &t, 10, 20)).status, 403);
    server.kill();
    let server = WitnessServer::start(&key, &state, &[&old.verifier_key(), &new.verifier_key()]);
    let a = post(&server.url, request(&new, &t, 10, 20));
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn serve_refuses_bad_flags_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("w.key");
    ok(&[
        "keygen",
        "--out",
        &key.display().to_string(),
        "--name",
        "w.example",
        "--witness",
    ]);
    let (code, _, err) = common::run(&[
        "witness",
        "serve",
        "--key",
        &key.display().to_string(),
        "--state-dir",
        &dir.path().join("s").display().to_string(),
        "--log",
        "not-a-vkey",
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("--log not-a-vkey"), "{err}");
}

//! `ledger-witness serve` alone, over real HTTP (the binary, as a separate
//! process): every status of c2sp.org/tlog-witness `add-checkpoint`, a fork
//! refused with the state unchanged, and the state kept across a kill and
//! restart. (`ledger witness serve`, the same binary run through `ledger`,
//! is tested end to end in ledger-cli/tests/witness_push.rs.)

use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::{
    add_cosignature, AddCheckpointRequest, CosignatureLine, LogSigner, WitnessSigner, WitnessVerifier,
};
use ledger_core::merkle::{leaf_hash, MemoryTree, TreeHash};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use witness_server::WitnessServer;

mod witness_server;

const ORIGIN: &str = "huaian.example.gov.cn/ledger";

/// `ledger-witness serve` with this key, state folder and logs.
fn start(key: &Path, state_dir: &Path, logs: &[&str]) -> WitnessServer {
    let mut program = Command::new(env!("CARGO_BIN_EXE_ledger-witness"));
    program.arg("--quiet");
    WitnessServer::spawn(program, key, state_dir, logs)
}

/// A witness key file (what `ledger keygen --witness --name NAME` writes)
/// and its verifier key.
fn witness_key(dir: &Path, file: &str, name: &str) -> (PathBuf, String) {
    let path = dir.join(file);
    let key = ledger_datadir::keyfile::create_signing_key(&path, name).expect("key file");
    let vkey = WitnessSigner::new(name, key).expect("witness name").verifier_key();
    (path, vkey)
}

/// Run `ledger-witness ARGS`: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ledger-witness"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("running ledger-witness");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

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
    let (key, witness_vkey) = witness_key(dir.path(), "jiwei.key", "witness.jiwei.huaian.example");
    let witness = WitnessVerifier::from_vkey(&witness_vkey).expect("witness vkey");
    let log = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).expect("log");
    let state = dir.path().join("state");
    let mut server = start(&key, &state, &[&log.verifier_key()]);
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
    let server = start(&key, &state, &[&log.verifier_key()]);
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
    let (key, _) = witness_key(dir.path(), "w.key", "w.example");
    let old = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).expect("log");
    let new = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[2; 32])).expect("log");
    let t = tree("entry", 20, 20);
    let state = dir.path().join("state");
    let mut server = start(&key, &state, &[&old.verifier_key()]);
    assert_eq!(post(&server.url, request(&old, &t, 0, 10)).status, 200);
    // The new key alone is not trusted yet.
    assert_eq!(post(&server.url, request(&new, &t, 10, 20)).status, 403);
    server.kill();
    let server = start(&key, &state, &[&old.verifier_key(), &new.verifier_key()]);
    let a = post(&server.url, request(&new, &t, 10, 20));
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn serve_refuses_bad_flags_with_one_line_and_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, _) = witness_key(dir.path(), "w.key", "w.example");
    let key = key.display().to_string();
    let state = dir.path().join("s").display().to_string();
    let log = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32]))
        .expect("log")
        .verifier_key();
    // `ledger-witness [global…] serve --key K --state-dir S --log L [more…]`
    let serve = |global: &[&str], key: &str, log: &str, more: &[&str]| {
        let mut args: Vec<&str> = global.to_vec();
        args.extend(["serve", "--key", key, "--state-dir", &state, "--log", log]);
        args.extend(more);
        run(&args)
    };

    // A bad log key: exit 4, one Chinese line (no locale: Chinese) naming
    // it, and nothing created.
    let (code, out, err) = serve(&[], &key, "not-a-vkey", &[]);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("ledger-witness: 账本公钥有误：--log not-a-vkey"),
        "{err}"
    );
    assert!(!dir.path().join("s").exists());
    // The same in English.
    let (code, _, err) = serve(&["--lang", "en"], &key, "not-a-vkey", &[]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.starts_with("ledger-witness: a log key is wrong: --log not-a-vkey"),
        "{err}"
    );
    // An out-of-range time-out: a usage error, exit 2, nothing created.
    let (code, _, err) = serve(&[], &key, &log, &["--request-timeout-ms", "0"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "ledger-witness: --request-timeout-ms 须在 1 到 600000 之间（给的是 0）\n"
        )
    );
    assert!(!dir.path().join("s").exists());
    // A missing key file: exit 4.
    let missing = dir.path().join("missing.key").display().to_string();
    let (code, _, err) = serve(&[], &missing, &log, &[]);
    assert_eq!(code, 4, "{err}");
    assert!(err.starts_with("ledger-witness: 见证人密钥文件不能用："), "{err}");
    // A corrupt state file: refused at start (exit 4), not silently reset
    // (a witness that forgot its size could be walked back).
    std::fs::create_dir_all(&state).expect("mkdir");
    let origin_hash = hex::encode(Sha256::digest(ORIGIN.as_bytes()));
    std::fs::write(dir.path().join("s").join(format!("{origin_hash}.json")), "{").expect("write");
    let (code, _, err) = serve(&[], &key, &log, &[]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("is not a witness state file"), "{err}");
    // The port already taken: exit 3.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    std::fs::remove_dir_all(&state).expect("rm");
    let (code, _, err) = serve(&["--quiet"], &key, &log, &["--listen", &addr]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.starts_with(&format!("ledger-witness: 不能在 {addr} 上监听：")),
        "{err}"
    );
}

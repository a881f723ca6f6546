//! `ledger witness serve` is the `ledger-witness` binary run through
//! `ledger` (src/witness_serve.rs): a cosignature comes back through it, its
//! exit codes and `--help` pass through, and a missing binary is one
//! Chinese line saying how to install it. The witness's own behaviour (every
//! tlog-witness status, restarts) is tested in
//! ledger-witness/tests/witness_serve.rs.

mod common;
mod witness_support;

use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::{add_cosignature, AddCheckpointRequest, CosignatureLine, LogSigner, WitnessVerifier};
use ledger_core::merkle::{leaf_hash, MemoryTree, TreeHash};
use std::path::Path;
use std::process::Command;
use witness_support::witness_bin;

const ORIGIN: &str = "huaian.example.gov.cn/ledger";

/// Run a `ledger` binary with a clean locale (Chinese) and these extra
/// environment variables: (exit code, stdout, stderr).
fn run_ledger(ledger: &Path, env: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(ledger);
    cmd.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("LEDGER_WITNESS_BIN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.args(args).output().expect("running ledger");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_cosignature_comes_back_through_ledger_witness_serve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, witness_vkey) = witness_support::jiwei_witness_key(dir.path());
    let log = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).expect("log");
    let server = witness_support::start_witness(&key, &dir.path().join("state"), &[&log.verifier_key()]);

    let leaves: Vec<TreeHash> = (0..10u8).map(|i| leaf_hash(&[i])).collect();
    let tree = MemoryTree::from_leaves(&leaves);
    let note = log.sign_checkpoint(10, &tree.root_at(10).expect("root"));
    let body = AddCheckpointRequest {
        old_size: 0,
        consistency_proof: vec![],
        checkpoint: note.to_bytes(),
    }
    .to_bytes();
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/add-checkpoint", server.url))
        .body(body)
        .send()
        .expect("POST /add-checkpoint");
    assert_eq!(answer.status().as_u16(), 200);
    let line = CosignatureLine::parse(&answer.text().expect("body")).expect("cosignature line");
    let cosigned = add_cosignature(note.as_bytes(), &line).expect("add");
    let checkpoint = log.verifier().verify_checkpoint(&cosigned).expect("note");
    let witness = WitnessVerifier::from_vkey(&witness_vkey).expect("witness vkey");
    assert!(witness.verify_cosignature(&checkpoint).is_ok());
}

#[test]
fn exit_codes_and_help_pass_through() {
    let ledger = Path::new(env!("CARGO_BIN_EXE_ledger"));
    let bin = witness_bin();
    let env = [("LEDGER_WITNESS_BIN", bin.as_os_str())];
    // The witness's own help, in Chinese first, exit 0.
    let (code, out, err) = run_ledger(ledger, &env, &["witness", "serve", "--help"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("--state-dir <DIR>"), "{out}");
    assert!(out.contains("整个请求的超时，毫秒"), "{out}");
    // Its errors and exit codes, unchanged; `--lang en` before `witness`
    // reaches it.
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.key").display().to_string();
    let state = dir.path().join("s").display().to_string();
    let vkey = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32]))
        .expect("log")
        .verifier_key();
    let serve = |global: &[&str], more: &[&str]| {
        let mut args: Vec<&str> = global.to_vec();
        args.extend([
            "witness",
            "serve",
            "--key",
            &missing,
            "--state-dir",
            &state,
            "--log",
            &vkey,
        ]);
        args.extend(more);
        run_ledger(ledger, &env, &args)
    };
    let (code, _, err) = serve(&[], &[]);
    assert_eq!(code, 4, "{err}");
    assert!(err.starts_with("ledger-witness: 见证人密钥文件不能用："), "{err}");
    let (code, _, err) = serve(&["--lang", "en"], &[]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.starts_with("ledger-witness: the witness key file cannot be used: "),
        "{err}"
    );
    let (code, _, err) = serve(&[], &["--request-timeout-ms", "0"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_missing_witness_binary_is_one_chinese_line_saying_how_to_install_it() {
    // A `ledger` alone in a folder, with an empty PATH: nothing to find.
    let dir = tempfile::tempdir().expect("tempdir");
    let lonely = dir.path().join("ledger");
    std::fs::copy(env!("CARGO_BIN_EXE_ledger"), &lonely).expect("copy ledger");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let args = ["witness", "serve", "--key", "k", "--state-dir", "s", "--log", "v"];
    let (code, out, err) = run_ledger(&lonely, &[("PATH", empty.as_os_str())], &args);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ledger: 找不到 ledger-witness 程序"), "{err}");
    assert!(err.contains("cargo install --path ledger-witness"), "{err}");
    assert!(err.contains("LEDGER_WITNESS_BIN"), "{err}");
    // A variable naming no file: a usage error (exit 2), not a fallback.
    let nowhere = dir.path().join("nowhere");
    let (code, _, err) = run_ledger(&lonely, &[("LEDGER_WITNESS_BIN", nowhere.as_os_str())], &args);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("ledger: 环境变量 LEDGER_WITNESS_BIN="), "{err}");
}

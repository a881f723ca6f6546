//! A `ledger witness serve` process for tests: started on a free loopback
//! port (it prints its address), killed on drop. It runs through the `ledger`
//! shim (src/witness_serve.rs), which execs the real `ledger-witness`
//! binary: the one this helper makes sure is built and current.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `ledger-witness` binary, beside the `ledger` under test.
///
/// `cargo test -p ledger-cli` builds only ledger-cli's own binaries, so the
/// first call runs `cargo build -p ledger-witness --bin ledger-witness`
/// (with the profile of the `ledger` under test): a no-op when it is
/// current, as after `cargo test --workspace`, and never a stale binary
/// after a change to the witness. A failed build fails the test: no test
/// that needs a witness is ever skipped.
pub fn witness_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // `./run-tests` runs `cargo test --workspace`, which has built
        // target/debug/ledger-witness (with the workspace's features) before
        // any test starts: it names that binary here, so the build below
        // (another feature set, so another compile of ledger-core and its
        // friends) is only for `cargo test -p ledger-cli` alone.
        if let Some(prebuilt) = std::env::var_os("LEDGER_TEST_WITNESS_BIN") {
            let prebuilt = PathBuf::from(prebuilt);
            assert!(
                prebuilt.is_file(),
                "LEDGER_TEST_WITNESS_BIN={} is not a file",
                prebuilt.display()
            );
            return prebuilt;
        }
        let ledger = Path::new(env!("CARGO_BIN_EXE_ledger"));
        let bin = ledger.with_file_name(format!("ledger-witness{}", std::env::consts::EXE_SUFFIX));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args([
                "build",
                "--locked",
                "--quiet",
                "-p",
                "ledger-witness",
                "--bin",
                "ledger-witness",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        // target/<profile dir>/ledger: `debug` is the dev profile.
        match ledger.parent().and_then(Path::file_name).and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some(profile) => {
                build.args(["--profile", profile]);
            }
        }
        let status = build.status().expect("running cargo build -p ledger-witness");
        assert!(status.success(), "cargo build -p ledger-witness failed: {status}");
        assert!(bin.is_file(), "{} missing after the build", bin.display());
        bin
    })
    .clone()
}

/// A running witness server (the helper ledger-witness's own tests use).
#[path = "../../../ledger-witness/tests/witness_server/mod.rs"]
mod witness_server;
pub use witness_server::WitnessServer;

/// Start `ledger witness serve` (the shim, with the current binary) with
/// this key, state folder and logs.
pub fn start_witness(key: &Path, state_dir: &Path, logs: &[&str]) -> WitnessServer {
    let mut program = Command::new(env!("CARGO_BIN_EXE_ledger"));
    program
        .env("LEDGER_WITNESS_BIN", witness_bin())
        .args(["--quiet", "witness"]);
    WitnessServer::spawn(program, key, state_dir, logs)
}

/// `ledger keygen --witness` for the district's discipline inspectors in
/// `dir`: the key file and its verifier key.
pub fn jiwei_witness_key(dir: &Path) -> (std::path::PathBuf, String) {
    let key = dir.join("jiwei.key");
    let vkey = crate::common::ok(&[
        "keygen",
        "--out",
        &key.display().to_string(),
        "--name",
        "witness.jiwei.huaian.example",
        "--witness",
    ])
    .trim()
    .to_string();
    (key, vkey)
}

/// Prepare `config`'s demo folder (its keys) and return the log's verifier
/// key: a witness must know the log before the node pushes to it.
pub fn demo_log_vkey(config: &ledger_node::config::NodeConfig) -> String {
    ledger_node::demo::prepare(config).expect("demo keys");
    let (origin, log_key) =
        ledger_datadir::keyfile::read_signing_key(&ledger_datadir::keyfile::log_key_path(&config.data_dir))
            .expect("log key");
    ledger_core::checkpoint::LogSigner::new(&origin, log_key)
        .expect("log signer")
        .verifier_key()
}

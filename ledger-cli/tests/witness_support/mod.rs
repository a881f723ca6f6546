//! A `ledger witness serve` process for tests: started on a free loopback
//! port (it prints its address), killed on drop. It runs through the `ledger`
//! shim (src/witness_serve.rs), which execs the real `ledger-witness`
//! binary: the one this helper makes sure is built and current.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// A running witness server.
pub struct WitnessServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl WitnessServer {
    /// Start `ledger witness serve` with this key, state folder and logs.
    pub fn start(key: &Path, state_dir: &Path, logs: &[&str]) -> WitnessServer {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledger"));
        cmd.env("LEDGER_WITNESS_BIN", witness_bin())
            .args(["--quiet", "witness", "serve", "--key"])
            .arg(key)
            .arg("--state-dir")
            .arg(state_dir)
            .args(["--listen", "127.0.0.1:0"]);
        for log in logs {
            cmd.args(["--log", log]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning ledger witness serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the ready line");
        // "阳光账本见证人已就绪： http://127.0.0.1:PORT/add-checkpoint  （vkey）"
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .and_then(|u| u.strip_suffix("/add-checkpoint"))
            .unwrap_or_else(|| panic!("no address in the witness's ready line {line:?}"))
            .to_string();
        WitnessServer { child, url }
    }

    /// Stop it (SIGKILL: what a power cut or a crash does to it).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WitnessServer {
    fn drop(&mut self) {
        self.kill();
    }
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

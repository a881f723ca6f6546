//! A `ledger witness serve` process for tests: started on a free loopback
//! port (it prints its address), killed on drop.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

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
        cmd.args(["--quiet", "witness", "serve", "--key"])
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
        // "阳光账本 witness ready: http://127.0.0.1:PORT/add-checkpoint  (vkey)"
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

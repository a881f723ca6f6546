//! A witness server process for tests: `… serve` on a free loopback port
//! (it prints its address), killed on drop. One copy for ledger-witness's
//! tests (the binary itself) and ledger-cli's (through `ledger witness
//! serve`, which includes this file by path).
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
    /// Run `program` (with its arguments up to the subcommand, e.g.
    /// `ledger-witness --quiet` or `ledger --quiet witness`) `serve` with
    /// this key, state folder and logs on port 0, and read the ready line.
    pub fn spawn(mut program: Command, key: &Path, state_dir: &Path, logs: &[&str]) -> WitnessServer {
        program
            .args(["serve", "--key"])
            .arg(key)
            .arg("--state-dir")
            .arg(state_dir)
            .args(["--listen", "127.0.0.1:0"]);
        for log in logs {
            program.args(["--log", log]);
        }
        let mut child = program
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning the witness server");
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

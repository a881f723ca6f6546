//! The node under test: started here (the `ledger-node` binary on a fresh data
//! folder with the workload's log key) or attached to by URL.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A node the bench talks to.
pub struct Node {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The process, when started here.
    pub child: Option<Child>,
}

/// The binary next to this one (`target/<profile>/NAME`), if it exists.
pub fn sibling_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.join(name);
    path.exists().then_some(path)
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

impl Node {
    /// Start `bin --data DIR --listen 127.0.0.1:PORT` with `log_key` written
    /// as the log key. `extra` are more flags (limits).
    pub fn start(
        bin: &Path,
        data_dir: &Path,
        origin: &str,
        log_key: &ed25519_dalek::SigningKey,
        extra: &[String],
    ) -> Result<Node> {
        Node::start_with_env(bin, data_dir, origin, log_key, extra, &[])
    }

    /// [`Node::start`] with more environment variables (the S3 credentials
    /// of a publishing node).
    pub fn start_with_env(
        bin: &Path,
        data_dir: &Path,
        origin: &str,
        log_key: &ed25519_dalek::SigningKey,
        extra: &[String],
        env: &[(&str, String)],
    ) -> Result<Node> {
        ledger_datadir::init::init_with_key(data_dir, origin, log_key, ledger_store::LogOptions::default())?;
        Node::restart_with_env(bin, data_dir, extra, env)
    }

    /// Start `bin` on a data folder that already holds its log key (and
    /// maybe a store, which the node replays and verifies before it is ready).
    pub fn restart(bin: &Path, data_dir: &Path, extra: &[String]) -> Result<Node> {
        Node::restart_with_env(bin, data_dir, extra, &[])
    }

    fn restart_with_env(bin: &Path, data_dir: &Path, extra: &[String], env: &[(&str, String)]) -> Result<Node> {
        let port = free_port()?;
        let log_path = data_dir.join("node.log");
        let log = std::fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
        let child = Command::new(bin)
            .arg("--data")
            .arg(data_dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            // The load generator is one address with up to 64 clients and
            // their connection pools: the per-address cap meant to stop one
            // client exhausting the node would refuse the benchmark itself.
            .args(["--max-connections", "4096", "--max-connections-per-address", "2048"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut node = Node {
            url: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        };
        node.wait_ready(Duration::from_secs(600))
            .with_context(|| format!("node log: {}", log_path.display()))?;
        Ok(node)
    }

    /// Attach to a running node.
    pub fn attach(url: &str) -> Node {
        Node {
            url: url.trim_end_matches('/').to_string(),
            child: None,
        }
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<()> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!("ledger-node exited during start-up ({status})");
                }
            }
            if let Ok(r) = client.get(format!("{}/healthz", self.url)).send() {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if started.elapsed() > limit {
                bail!("ledger-node not healthy after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id, when started here.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// CPU seconds the node has used (user + system, all threads).
    pub fn cpu_seconds(&self) -> Option<f64> {
        crate::verification::process_cpu_seconds(&self.pid()?.to_string())
    }

    /// `VmHWM` and `VmRSS` of the node in bytes, from /proc/PID/status.
    pub fn memory(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        };
        Some((field("VmHWM:")?, field("VmRSS:")?))
    }

    /// Stop the node we started: SIGTERM (graceful: the batch in flight is
    /// finished and flushed), then wait.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
            let started = Instant::now();
            loop {
                if child.try_wait()?.is_some() {
                    break;
                }
                if started.elapsed() > Duration::from_secs(60) {
                    child.kill()?;
                    child.wait()?;
                    bail!("ledger-node did not stop within 60 s of SIGTERM; killed");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Disk usage of a folder as `du` counts it (allocated blocks), and its
/// apparent size, in bytes.
pub fn disk_usage(dir: &Path) -> Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let mut blocks = 0u64;
    let mut apparent = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for item in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let item = item?;
            let meta = item.metadata()?;
            if meta.is_dir() {
                stack.push(item.path());
            } else {
                blocks += meta.blocks() * 512;
                apparent += meta.len();
            }
        }
    }
    Ok((blocks, apparent))
}

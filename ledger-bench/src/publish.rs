//! `--modes publish`: what publication to object storage costs the node
//! under the batch ingest (issue 17, items 1 and 6).
//!
//! The same entries are posted to fresh nodes, one after the other in one
//! run so that they see the same machine load: first without publication
//! (the reference), then once per `--publish` target. For each: entries/s,
//! node CPU per entry (from the first post until the bucket's checkpoint
//! covers every entry, so a publisher that merely falls behind cannot look
//! cheap), and the publication lag sampled from the node's own metrics
//! (`ledger_publish_lag_entries`, `ledger_publish_lag_ms`) every
//! [`SAMPLE_MS`] during the ingest.
//!
//! Targets: `file` (a folder in the work directory), `file:///DIR`, and
//! `s3s-fs` (a real S3 server on loopback, started here from `--s3s-fs` or
//! `~/.cargo/bin/s3s-fs`, as the tests start it: SigV4 credentials, one
//! bucket).

use crate::data::Workload;
use crate::ingest;
use crate::node::Node;
use crate::stats::Throughput;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the node's metrics are read during the ingest.
pub const SAMPLE_MS: u64 = 250;
/// Longest wait for the bucket to catch up after the last post.
pub const DRAIN_TIMEOUT_MS: u64 = 600_000;
/// The bucket the started s3s-fs holds.
const BUCKET: &str = "ledger-bench";
/// Credentials of the started s3s-fs (loopback only, thrown away with it).
const ACCESS_KEY: &str = "ledger-bench";
const SECRET_KEY: &str = "ledger-bench-secret";

/// One ingest of the whole workload on a fresh node.
#[derive(Debug, Clone, Serialize)]
pub struct PublishFigures {
    /// `none` (the reference), `file` or `s3s-fs`.
    pub target: String,
    /// The node's `--publish` flags.
    pub node_flags: Vec<String>,
    /// The ingest: entries and wall seconds until the last answer.
    pub ingest: Throughput,
    /// Seconds from the last answer until the bucket's checkpoint covered
    /// every entry (0 without publication).
    pub drain_seconds: f64,
    /// Node CPU seconds from the first post until the drain ended.
    pub node_cpu_seconds: f64,
    /// `node_cpu_seconds` per entry, µs.
    pub node_cpu_us_per_entry: f64,
    /// Lag samples taken during the ingest.
    pub lag_samples: usize,
    /// Median and largest `ledger_publish_lag_entries` while ingesting.
    pub lag_entries_p50: u64,
    /// Largest.
    pub lag_entries_max: u64,
    /// Median and largest `ledger_publish_lag_ms` while ingesting.
    pub lag_ms_p50: u64,
    /// Largest.
    pub lag_ms_max: u64,
    /// `ledger_publish_objects_total` and `ledger_publish_bytes_total` at the end.
    pub objects: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Where to publish, as given to `--publish`.
#[derive(Debug, Clone)]
enum Target {
    /// A folder (`file` alone: one in the work directory).
    File(Option<PathBuf>),
    /// A started s3s-fs.
    S3sFs,
}

fn parse_target(s: &str) -> Result<Target> {
    match s {
        "file" => Ok(Target::File(None)),
        "s3s-fs" => Ok(Target::S3sFs),
        other => match other.strip_prefix("file://") {
            Some(dir) if dir.starts_with('/') => Ok(Target::File(Some(PathBuf::from(dir)))),
            _ => bail!("--publish {other}: expected file, file:///ABSOLUTE/DIR or s3s-fs"),
        },
    }
}

/// A started `s3s-fs`, killed when dropped.
struct S3sFs {
    child: Child,
    port: u16,
}

impl S3sFs {
    fn start(bin: &Path, root: &Path) -> Result<S3sFs> {
        std::fs::create_dir_all(root.join(BUCKET))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if child.try_wait()?.is_some() || Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("s3s-fs did not listen on port {port} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(S3sFs { child, port })
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--s3s-fs`, else `s3s-fs` on PATH, else ~/.cargo/bin/s3s-fs.
fn s3s_fs_binary(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("s3s-fs"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/s3s-fs"));
    on_path
        .into_iter()
        .chain(home)
        .find(|p| p.is_file())
        .context("s3s-fs not found (--s3s-fs PATH, or cargo install s3s-fs@0.14.1 --locked --features binary)")
}

/// The publication metrics of interest, from `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
struct Sample {
    size: u64,
    lag_entries: u64,
    lag_ms: u64,
    objects: u64,
    bytes: u64,
}

fn sample(client: &reqwest::blocking::Client, base: &str) -> Result<Sample> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()?
        .error_for_status()?
        .text()?;
    let mut s = Sample::default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        // Counters and gauges are printed as floats by some encoders.
        let value = value.parse::<f64>().unwrap_or(0.0).max(0.0) as u64;
        match name {
            "ledger_publish_size" => s.size = value,
            "ledger_publish_lag_entries" => s.lag_entries = value,
            "ledger_publish_lag_ms" => s.lag_ms = value,
            "ledger_publish_objects_total" => s.objects = value,
            "ledger_publish_bytes_total" => s.bytes = value,
            _ => {}
        }
    }
    Ok(s)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Settings of the publication phase.
pub struct PublishRun<'a> {
    /// The ledger-node binary.
    pub node_bin: &'a Path,
    /// Flags every started node gets (limits, `--node-arg`).
    pub node_flags: &'a [String],
    /// `--publish` values.
    pub targets: &'a [String],
    /// `--s3s-fs`.
    pub s3s_fs: Option<&'a Path>,
    /// Entries posted (a prefix of the workload).
    pub entries: usize,
    /// Submissions per request.
    pub batch: usize,
    /// Requests in flight.
    pub window: usize,
    /// Atomic groups.
    pub atomic: bool,
}

/// The reference run, then one per target.
pub fn run(run: &PublishRun, workload: &Workload, work: &Path) -> Result<Vec<PublishFigures>> {
    let targets = run
        .targets
        .iter()
        .map(|t| parse_target(t))
        .collect::<Result<Vec<_>>>()?;
    let mut out = vec![one(run, workload, &work.join("publish-none"), None)?];
    for target in targets {
        let dir = work.join(match &target {
            Target::File(_) => "publish-file",
            Target::S3sFs => "publish-s3s-fs",
        });
        out.push(one(run, workload, &dir, Some(&target))?);
    }
    Ok(out)
}

fn one(run: &PublishRun, workload: &Workload, dir: &Path, target: Option<&Target>) -> Result<PublishFigures> {
    std::fs::create_dir_all(dir)?;
    let mut _server = None;
    let mut env = Vec::new();
    let (label, flags) = match target {
        None => ("none".to_string(), Vec::new()),
        Some(Target::File(given)) => {
            let folder = given.clone().unwrap_or_else(|| dir.join("bucket"));
            std::fs::create_dir_all(&folder)?;
            (
                "file".to_string(),
                vec!["--publish".to_string(), format!("file://{}", folder.display())],
            )
        }
        Some(Target::S3sFs) => {
            let server = S3sFs::start(&s3s_fs_binary(run.s3s_fs)?, &dir.join("s3"))?;
            let flags = vec![
                "--publish".to_string(),
                format!("s3://{BUCKET}/log"),
                "--publish-endpoint".to_string(),
                format!("http://127.0.0.1:{}", server.port),
            ];
            env = vec![
                ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
                ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
                ("AWS_REGION", "us-east-1".to_string()),
            ];
            _server = Some(server);
            ("s3s-fs".to_string(), flags)
        }
    };
    let mut all_flags = run.node_flags.to_vec();
    all_flags.extend(flags.iter().cloned());
    let data_dir = dir.join("node");
    let mut node = Node::start_with_env(
        run.node_bin,
        &data_dir,
        &workload.log.origin,
        &workload.log.log_key,
        &all_flags,
        &env,
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let client = ingest::client(16)?;
    let probe = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()?;

    // The sampler: lag while the posts go on.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        let probe = probe.clone();
        let url = node.url.clone();
        let publishing = target.is_some();
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while publishing && !stop.load(Ordering::Acquire) {
                if let Ok(s) = sample(&probe, &url) {
                    samples.push(s);
                }
                std::thread::sleep(Duration::from_millis(SAMPLE_MS));
            }
            samples
        })
    };

    let requests = workload.requests(0..run.entries, run.batch);
    eprintln!(
        "  publish [{label}]: posting {} entries in {} requests, window {}",
        run.entries,
        requests.len(),
        run.window
    );
    let cpu_before = node.cpu_seconds().context("the node's CPU time")?;
    let posted = runtime.block_on(ingest::batch(&client, &node.url, requests, run.window, run.atomic));
    stop.store(true, Ordering::Release);
    let samples = sampler
        .join()
        .map_err(|_| anyhow::anyhow!("the metrics sampler panicked"))?;
    let tp = posted?;

    let drain_started = Instant::now();
    let mut last = Sample::default();
    if target.is_some() {
        loop {
            last = sample(&probe, &node.url)?;
            if last.size >= run.entries as u64 {
                break;
            }
            if drain_started.elapsed() > Duration::from_millis(DRAIN_TIMEOUT_MS) {
                bail!(
                    "publish [{label}]: the bucket holds {} of {} entries {} s after the last post (node log: {})",
                    last.size,
                    run.entries,
                    DRAIN_TIMEOUT_MS / 1000,
                    data_dir.join("node.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let drain_seconds = if target.is_some() {
        drain_started.elapsed().as_secs_f64()
    } else {
        0.0
    };
    let cpu = node.cpu_seconds().context("the node's CPU time")? - cpu_before;
    node.stop()?;

    let mut lag_entries: Vec<u64> = samples.iter().map(|s| s.lag_entries).collect();
    let mut lag_ms: Vec<u64> = samples.iter().map(|s| s.lag_ms).collect();
    lag_entries.sort_unstable();
    lag_ms.sort_unstable();
    let figures = PublishFigures {
        target: label.clone(),
        node_flags: flags,
        ingest: tp,
        drain_seconds,
        node_cpu_seconds: cpu,
        node_cpu_us_per_entry: cpu * 1e6 / (run.entries.max(1) as f64),
        lag_samples: samples.len(),
        lag_entries_p50: percentile(&lag_entries, 0.5),
        lag_entries_max: lag_entries.last().copied().unwrap_or(0),
        lag_ms_p50: percentile(&lag_ms, 0.5),
        lag_ms_max: lag_ms.last().copied().unwrap_or(0),
        objects: last.objects,
        bytes: last.bytes,
    };
    eprintln!(
        "  publish [{label}]: {:.0} entries/s, node CPU {:.1} µs/entry (until published), drain {:.2} s, lag p50 {} ms / {} entries, max {} ms / {} entries ({} samples), {} objects, {:.1} MB",
        tp.rate(),
        figures.node_cpu_us_per_entry,
        drain_seconds,
        figures.lag_ms_p50,
        figures.lag_entries_p50,
        figures.lag_ms_max,
        figures.lag_entries_max,
        figures.lag_samples,
        figures.objects,
        figures.bytes as f64 / 1e6
    );
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_bad_ones_are_named() {
        assert!(matches!(parse_target("file"), Ok(Target::File(None))));
        assert!(matches!(parse_target("s3s-fs"), Ok(Target::S3sFs)));
        assert!(matches!(parse_target("file:///tmp/x"), Ok(Target::File(Some(p))) if p == Path::new("/tmp/x")));
        let err = parse_target("file://relative").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("--publish file://relative: expected file, file:///ABSOLUTE/DIR or s3s-fs")
        );
        assert!(parse_target("s3://b").is_err());
    }

    #[test]
    fn percentiles_of_sorted_samples() {
        assert_eq!(percentile(&[], 0.5), 0);
        assert_eq!(percentile(&[1, 2, 3, 4, 5], 0.5), 3);
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), 3);
        assert_eq!(percentile(&[7], 0.5), 7);
    }
}

//! The results of one run: JSON for machines, a Markdown table for
//! docs/PERFORMANCE.md.

use crate::pg::PgFigures;
use crate::stats::{Latencies, Summary, Throughput};
use crate::verification::VerifyFigures;
use crate::Args;
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

/// The machine the run was on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// `nproc`.
    pub cores: usize,
    /// CPU model from /proc/cpuinfo.
    pub cpu: String,
    /// MemTotal.
    pub memory_bytes: u64,
    /// /proc/loadavg at start (1, 5, 15 min).
    pub load_at_start: String,
    /// (all CPU ticks, stolen ticks) from /proc/stat at start.
    pub cpu_ticks_at_start: (u64, u64),
}

/// (all CPU ticks, ticks stolen by the hypervisor) so far, from /proc/stat.
/// On a shared virtual machine the stolen share is the first thing to read
/// before trusting a run: it is time this machine's cores ran someone else.
pub fn cpu_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …
    let total = fields.iter().take(8).sum();
    (total, fields.get(7).copied().unwrap_or(0))
}

/// Percent of CPU time stolen since `start`.
pub fn steal_percent_since(start: (u64, u64)) -> f64 {
    let (total, steal) = cpu_ticks();
    let dt = total.saturating_sub(start.0);
    if dt == 0 {
        return 0.0;
    }
    100.0 * steal.saturating_sub(start.1) as f64 / dt as f64
}

impl Machine {
    /// Read /proc.
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_bytes = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024;
        let load_at_start = std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        Machine {
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            cpu,
            memory_bytes,
            load_at_start,
            cpu_ticks_at_start: cpu_ticks(),
        }
    }
}

/// Single-submission mode.
#[derive(Debug, Clone, Serialize)]
pub struct SingleFigures {
    /// Concurrent clients.
    pub clients: usize,
    /// Ledger size when the phase started.
    pub at_size: u64,
    /// Entries/s in this mode.
    pub throughput: Throughput,
    /// Receipt latency.
    pub latency: Summary,
}

/// One read kind.
#[derive(Debug, Clone, Serialize)]
pub struct ReadFigures {
    /// `healthz`, `village` or `proof`.
    pub name: String,
    /// Concurrent clients.
    pub clients: usize,
    /// Requests/s.
    pub throughput: Throughput,
    /// Latency.
    pub latency: Summary,
    /// Mean answer size.
    pub mean_bytes: f64,
}

/// Everything measured.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// The machine.
    pub machine: Machine,
    /// The exact command.
    pub command: String,
    /// How the node was started.
    pub node_command: String,
    /// Entries.
    pub entries: u64,
    /// Signatures of those entries.
    pub signatures: u64,
    /// Batch size.
    pub batch: usize,
    /// Requests in flight in batch mode.
    pub window: usize,
    /// Generating and signing the workload.
    pub generate_seconds: f64,
    /// Verification phase.
    pub verify: Option<VerifyFigures>,
    /// Batch ingest.
    pub ingest: Option<Throughput>,
    /// Requests of the ingest that had to go alone (ordering barriers).
    pub ingest_barrier_requests: u64,
    /// Percent of CPU time the hypervisor stole during the run.
    pub steal_percent: f64,
    /// CPU seconds the node used during the batch ingest (0 when attached).
    pub ingest_node_cpu_seconds: f64,
    /// CPU seconds the load generator used during the batch ingest.
    pub ingest_bench_cpu_seconds: f64,
    /// Single mode.
    pub single: Option<SingleFigures>,
    /// Reads.
    pub reads: Vec<ReadFigures>,
    /// fsync latency of the data folder's disk (4 KiB write + fdatasync).
    pub fsync: Option<Summary>,
    /// (VmHWM, VmRSS) after the batch ingest.
    pub memory_after_ingest: Option<(u64, u64)>,
    /// (VmHWM, VmRSS) at the end.
    pub memory_end: Option<(u64, u64)>,
    /// VmHWM and VmRSS after a restart (the replay of the whole store).
    pub memory_restart: Option<(u64, u64)>,
    /// Seconds from starting the node again until it was ready.
    pub restart_seconds: Option<f64>,
    /// Entries the node reports at the end.
    pub node_entries: Option<u64>,
    /// (du bytes, apparent bytes) of the store while running.
    pub disk_running: Option<(u64, u64)>,
    /// (du bytes, apparent bytes) after a clean stop.
    pub disk_stopped: Option<(u64, u64)>,
    /// PostgreSQL baseline.
    pub postgres: Option<PgFigures>,
    /// `--modes publish`: the reference run, then one per target.
    pub publish: Vec<crate::publish::PublishFigures>,
    /// Things skipped or worth knowing.
    pub notes: Vec<String>,
}

/// Write 4 KiB and `fdatasync` `count` times in `dir`: the floor under any
/// durable acknowledgement on this disk.
pub fn fsync_floor(dir: &Path, count: usize) -> Result<Summary> {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let block = [0x5au8; 4096];
    let mut latencies = Latencies::new()?;
    for _ in 0..count {
        let t = Instant::now();
        file.write_all(&block)?;
        file.sync_data()?;
        latencies.record(t.elapsed())?;
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(latencies.summary())
}

const MIB: f64 = 1024.0 * 1024.0;

fn yes(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

impl Results {
    /// Empty results for a run.
    pub fn new(machine: Machine, entries: u64, args: &Args) -> Results {
        Results {
            machine,
            command: std::env::args().collect::<Vec<_>>().join(" "),
            node_command: String::new(),
            entries,
            signatures: 0,
            batch: args.batch,
            window: args.window,
            generate_seconds: 0.0,
            verify: None,
            ingest: None,
            ingest_barrier_requests: 0,
            steal_percent: 0.0,
            ingest_node_cpu_seconds: 0.0,
            ingest_bench_cpu_seconds: 0.0,
            single: None,
            reads: Vec::new(),
            fsync: None,
            memory_after_ingest: None,
            memory_end: None,
            memory_restart: None,
            restart_seconds: None,
            node_entries: None,
            disk_running: None,
            disk_stopped: None,
            postgres: None,
            publish: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn read(&self, name: &str) -> Option<&ReadFigures> {
        self.reads.iter().find(|r| r.name == name)
    }

    /// The table of targets (BRIEF section 7) with figure, reference, ratio.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let m = &self.machine;
        let _ = writeln!(
            s,
            "Machine: {} cores, {}, {:.1} GiB; load at start {}; CPU time stolen by the hypervisor during the run: {:.1} %. Entries: {} ({} signatures).\nCommand: `{}`\n",
            m.cores,
            m.cpu,
            m.memory_bytes as f64 / (1024.0 * MIB),
            m.load_at_start,
            self.steal_percent,
            self.entries,
            self.signatures,
            self.command
        );
        let _ = writeln!(
            s,
            "| target (BRIEF §7) | figure | reference, same run | ratio | goal | met |"
        );
        let _ = writeln!(s, "| --- | --- | --- | --- | --- | --- |");
        if let Some(v) = &self.verify {
            let raw_entries_rate = v.entries as f64 / v.raw_batch.seconds.max(1e-9);
            let _ = writeln!(
                s,
                "| offline verification, `verify_ledger` | {:.0} entries/s ({:.0} sig/s) | raw `verify_batch` of the same {} signatures, {} cores, batches of 512: {:.0} sig/s = {:.0} entries/s (one core one by one: {:.0} sig/s) | **{:.2}** | ≥ 0.80 | {} |",
                v.library.rate(),
                v.signatures as f64 / v.library.seconds.max(1e-9),
                v.signatures,
                m.cores,
                v.raw_batch.rate(),
                raw_entries_rate,
                v.raw_single_one_core.rate(),
                v.ratio,
                yes(v.ratio >= 0.8)
            );
            let _ = writeln!(
                s,
                "| offline verification, `verify_ledger`, against its own batch equation (for information: not the brief's reference) | same | raw ZIP-215 batch (`ed25519-zebra`, what the verifier uses) of the same signatures, same batches and cores: {:.0} sig/s | {:.2} | | |",
                v.raw_zip215_batch.rate(),
                v.ratio_zip215,
            );
            let _ = writeln!(
                s,
                "| offline verification, CPU time (all threads) for the same work | {:.1} CPU-s for {} entries | raw batch verification: {:.1} CPU-s | **{:.2}** | ≥ 0.80 | {} |",
                v.library_cpu_seconds,
                v.entries,
                v.raw_cpu_seconds,
                v.raw_cpu_seconds / v.library_cpu_seconds.max(1e-9),
                yes(v.raw_cpu_seconds / v.library_cpu_seconds.max(1e-9) >= 0.8)
            );
            match (&v.cli, v.cli_ratio) {
                (Some(c), Some(r)) => {
                    let _ = writeln!(
                        s,
                        "| offline verification, `ledger verify FILE` (whole process) | {:.0} entries/s | same | **{:.2}** | ≥ 0.80 | {} |",
                        c.rate(),
                        r,
                        yes(r >= 0.8)
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "| offline verification, `ledger verify FILE` | not measured: {} | | | ≥ 0.80 | |",
                        v.cli_note.clone().unwrap_or_default()
                    );
                }
            }
        }
        if let Some(i) = &self.ingest {
            let mut reference = String::new();
            let mut ratio = String::new();
            if let Some(p) = &self.postgres {
                let _ = write!(
                    reference,
                    "PostgreSQL {} inserting the same rows, batches of {}, synchronous_commit=on: {:.0} rows/s",
                    p.version,
                    self.batch,
                    p.insert.rate()
                );
                let _ = write!(ratio, "**{:.2}** × PostgreSQL", i.rate() / p.insert.rate().max(1e-9));
            }
            if let Some(v) = &self.verify {
                let raw_entries_rate = v.entries as f64 / v.raw_batch.seconds.max(1e-9);
                if !reference.is_empty() {
                    reference.push_str("; ");
                    ratio.push_str("; ");
                }
                let _ = write!(
                    reference,
                    "raw batch verification of the same entries: {raw_entries_rate:.0} entries/s"
                );
                let _ = write!(ratio, "{:.2} of raw", i.rate() / raw_entries_rate.max(1e-9));
            }
            let _ = writeln!(
                s,
                "| ingest over HTTP, batches of {} ({} in flight, binary answers) | {:.0} entries/s ({} entries, {:.1} s) | {} | {} | ≥ 40,000/s | {} |",
                self.batch,
                self.window,
                i.rate(),
                i.count,
                i.seconds,
                reference,
                ratio,
                yes(i.rate() >= 40_000.0)
            );
            if self.ingest_node_cpu_seconds > 0.0 {
                let per_entry = |cpu: f64| cpu * 1e6 / i.count.max(1) as f64;
                let budget = m.cores as f64 * 1e6 / 40_000.0;
                let _ = writeln!(
                    s,
                    "| ingest, CPU per entry (all threads) | node {:.1} µs + load generator {:.1} µs | {} cores at 40,000 entries/s: {:.0} µs per entry in all | {:.2} of the budget | | |",
                    per_entry(self.ingest_node_cpu_seconds),
                    per_entry(self.ingest_bench_cpu_seconds),
                    m.cores,
                    budget,
                    (per_entry(self.ingest_node_cpu_seconds) + per_entry(self.ingest_bench_cpu_seconds)) / budget
                );
            }
        }
        if let Some(single) = &self.single {
            let l = &single.latency;
            let (reference, ratio) = match &self.fsync {
                Some(f) => (
                    format!(
                        "4 KiB write + fdatasync on the same disk: p50 {:.2} ms, p99 {:.2} ms",
                        f.p50_ms, f.p99_ms
                    ),
                    format!("{:.1} × fsync p99", l.p99_ms / f.p99_ms.max(1e-9)),
                ),
                None => (String::new(), String::new()),
            };
            let _ = writeln!(
                s,
                "| receipt latency, single submissions, {} clients, from {} entries on | p50 {:.2} ms, p95 {:.2} ms, **p99 {:.2} ms** ({} entries, {:.0} entries/s) | {} | {} | p99 ≤ 25 ms | {} |",
                single.clients,
                single.at_size,
                l.p50_ms,
                l.p95_ms,
                l.p99_ms,
                l.count,
                single.throughput.rate(),
                reference,
                ratio,
                yes(l.p99_ms <= 25.0)
            );
        }
        let floor = self.read("healthz");
        for (name, label, goal) in [
            ("village", "village query `/v1/regions/{code}/flows`", 5.0),
            ("proof", "inclusion proof `/v1/proof/inclusion?seq=N`", 1.0),
        ] {
            if let Some(r) = self.read(name) {
                let (reference, ratio) = match floor {
                    Some(f) => (
                        format!(
                            "`GET /healthz`, same clients: {:.0} req/s, p99 {:.2} ms",
                            f.throughput.rate(),
                            f.latency.p99_ms
                        ),
                        format!("{:.1} × floor p99", r.latency.p99_ms / f.latency.p99_ms.max(1e-9)),
                    ),
                    None => (String::new(), String::new()),
                };
                let _ = writeln!(
                    s,
                    "| {label}, {} clients, {} entries | {:.0} req/s, p50 {:.2} ms, **p99 {:.2} ms** ({:.0} B/answer) | {} | {} | p99 ≤ {goal} ms | {} |",
                    r.clients,
                    self.node_entries.unwrap_or(0),
                    r.throughput.rate(),
                    r.latency.p50_ms,
                    r.latency.p99_ms,
                    r.mean_bytes,
                    reference,
                    ratio,
                    yes(r.latency.p99_ms <= goal)
                );
            }
        }
        if let (Some((du, apparent)), Some(n)) = (self.disk_stopped.or(self.disk_running), self.node_entries) {
            let per = du as f64 / n.max(1) as f64;
            let raw = self
                .verify
                .as_ref()
                .map(|v| v.bundle_bytes as f64 / v.entries.max(1) as f64);
            let (reference, ratio) = match raw {
                Some(r) => (
                    format!("the entries' own bytes (bundle ÷ entries): {r:.0} B"),
                    format!("{:.2} × raw", per / r.max(1e-9)),
                ),
                None => (String::new(), String::new()),
            };
            let running = self
                .disk_running
                .map(|(d, _)| format!("; {:.0} B while running", d as f64 / n.max(1) as f64))
                .unwrap_or_default();
            let pg = self
                .postgres
                .as_ref()
                .map(|p| {
                    format!(
                        "; PostgreSQL table + indexes: {:.0} B/row",
                        p.table_bytes as f64 / p.insert.count.max(1) as f64
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| storage per entry, incl. indexes (`du` of the store ÷ entries, after a clean stop) | **{per:.0} B** ({:.1} MiB on disk, {:.1} MiB apparent{running}) | {reference}{pg} | {ratio} | ≤ 1,024 B | {} |",
                du as f64 / MIB,
                apparent as f64 / MIB,
                yes(per <= 1024.0)
            );
        }
        if let Some((hwm, rss)) = self.memory_end {
            let raw = self
                .verify
                .as_ref()
                .map(|v| format!("the entries' own bytes: {:.0} MiB", v.bundle_bytes as f64 / MIB))
                .unwrap_or_default();
            let ratio = self
                .verify
                .as_ref()
                .map(|v| format!("{:.2} × raw", hwm as f64 / v.bundle_bytes.max(1) as f64))
                .unwrap_or_default();
            let ingest = self
                .memory_after_ingest
                .map(|(h, _)| format!("; {:.0} MiB after the batch ingest", h as f64 / MIB))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| node peak memory (VmHWM) at {} entries | **{:.0} MiB** (RSS at end {:.0} MiB{ingest}) | {raw} | {ratio} | ≤ 300 MiB | {} |",
                self.node_entries.unwrap_or(0),
                hwm as f64 / MIB,
                rss as f64 / MIB,
                yes(hwm as f64 <= 300.0 * MIB)
            );
        }
        if let (Some((hwm, rss)), Some(seconds)) = (self.memory_restart, self.restart_seconds) {
            let _ = writeln!(
                s,
                "| node peak memory (VmHWM) on restart at {} entries (full replay and verification of the store, {seconds:.1} s) | **{:.0} MiB** (RSS when ready {:.0} MiB) | | | ≤ 300 MiB | {} |",
                self.node_entries.unwrap_or(0),
                hwm as f64 / MIB,
                rss as f64 / MIB,
                yes(hwm as f64 <= 300.0 * MIB)
            );
        }
        if let Some(p) = &self.postgres {
            let _ = writeln!(
                s,
                "\nPostgreSQL {}: {:.0} rows/s ({} rows, {} transactions, {:.1} s), table + indexes {:.1} MiB.",
                p.version,
                p.insert.rate(),
                p.insert.count,
                p.insert.requests,
                p.insert.seconds,
                p.table_bytes as f64 / MIB
            );
        }
        if !self.publish.is_empty() {
            let _ = writeln!(
                s,
                "\nPublication under the batch ingest (fresh node each, same entries; CPU until the bucket's checkpoint covers every entry):\n\n| publish to | entries/s | node CPU µs/entry | publication's share µs/entry | drain after last post | lag p50 | lag max | objects |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
            );
            let reference = self.publish.first().map_or(0.0, |p| p.node_cpu_us_per_entry);
            for p in &self.publish {
                let _ = writeln!(
                    s,
                    "| {} | {:.0} | {:.1} | {:.1} | {:.2} s | {} ms / {} entries | {} ms / {} entries | {} ({:.1} MB) |",
                    p.target,
                    p.ingest.rate(),
                    p.node_cpu_us_per_entry,
                    p.node_cpu_us_per_entry - reference,
                    p.drain_seconds,
                    p.lag_ms_p50,
                    p.lag_entries_p50,
                    p.lag_ms_max,
                    p.lag_entries_max,
                    p.objects,
                    p.bytes as f64 / 1e6
                );
            }
        }
        if !self.node_command.is_empty() {
            let _ = writeln!(s, "\nNode: `{}`", self.node_command);
        }
        let _ = writeln!(
            s,
            "Workload generated and signed in {:.1} s; {} of the batch requests were ordering barriers.",
            self.generate_seconds, self.ingest_barrier_requests
        );
        for note in &self.notes {
            let _ = writeln!(s, "- {note}");
        }
        s
    }
}

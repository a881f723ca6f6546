//! `ledger-bench`: the measurements behind docs/PERFORMANCE.md.
//!
//! One run pre-signs N entries of the deterministic demo ledger (many
//! operator keys), then measures, each against a reference taken in the
//! same run:
//!
//! - **verify**: `verify::verify_ledger` (and `ledger verify` once) over the
//!   N-entry bundle ÷ raw `ed25519_dalek::verify_batch` of the same
//!   signatures on all cores;
//! - **ingest**: entries/s over HTTP in batches (vs PostgreSQL inserting the
//!   same rows, when `--postgres` is given);
//! - **single**: receipt latency p50/p95/p99 of single submissions at C
//!   concurrent clients (vs the disk's fsync latency);
//! - **read**: a village's flows and inclusion proofs per second and p99 (vs
//!   `/healthz`, the HTTP floor);
//! - the node's peak memory (VmHWM) and its store's bytes on disk per entry.
//! - **publish** (`--modes publish --publish file,s3s-fs`): the ingest on a
//!   fresh node without publication, then with it, per target: node CPU per
//!   entry and publication lag (docs/SCALING.md).
//!
//! Timings are reported, never asserted; a run fails only when something is
//! wrong (an entry refused, a proof missing, a bundle that does not verify).

mod data;
mod ingest;
mod node;
mod pg;
mod publish;
mod reads;
mod report;
mod stats;
mod verification;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// mimalloc rather than glibc's malloc: verifying a bundle decodes a million
/// entries into short-lived strings and vectors, and with mimalloc that costs
/// about 15 % less CPU (docs/PERFORMANCE.md). The node keeps glibc's
/// allocator: with mimalloc its resident memory at a million entries was
/// higher (311-456 MiB against 287-317 MiB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Offline verification vs raw batch verification.
    Verify,
    /// Batch ingest over HTTP.
    Ingest,
    /// Single submissions at C clients (needs ingest first on a fresh node).
    Single,
    /// Village queries and inclusion proofs.
    Read,
    /// PostgreSQL baseline (needs --postgres).
    Postgres,
    /// The ingest on fresh nodes without and with publication (--publish):
    /// node CPU per entry and publication lag (docs/SCALING.md).
    Publish,
}

/// Sunshine Ledger benchmark harness (see docs/PERFORMANCE.md).
#[derive(Debug, Parser)]
#[command(
    name = "ledger-bench",
    after_help = "Examples:\n  ledger-bench --smoke                                  # 2,000 entries, every mode but postgres\n  ledger-bench --entries 1000000 --out bench.json       # the full run\n  ledger-bench --entries 300000 --modes publish --publish file,s3s-fs   # publication's cost and lag\n  ledger-bench --entries 1000000 --postgres 'host=127.0.0.1 port=5544 user=bench dbname=bench'\n  ledger-bench --write-log-key DIR --entries 20000      # prepare a data folder, then:\n  ledger-node --data DIR --listen 127.0.0.1:8090 --read-rate-per-sec 1000000000 &\n  ledger-bench --node http://127.0.0.1:8090 --entries 20000"
)]
pub struct Args {
    /// Entries in the ledger (genesis included). Default 1,000,000 (2,000 with --smoke).
    #[arg(long)]
    pub entries: Option<u64>,
    /// Small and quick: 2,000 entries, short read phases, no PostgreSQL.
    #[arg(long)]
    pub smoke: bool,
    /// Modes, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "verify,ingest,single,read,postgres"
    )]
    pub modes: Vec<Mode>,
    /// Entries the node phases post (a prefix of the workload; default: all).
    /// The node's memory grows with its store (see docs/PERFORMANCE.md), so a
    /// run can verify a larger bundle than it loads into a node.
    #[arg(long)]
    pub node_entries: Option<usize>,
    /// Attach to this node instead of starting one (it must be empty and hold
    /// the workload's log key: see --write-log-key).
    #[arg(long)]
    pub node: Option<String>,
    /// The ledger-node binary (default: next to this one).
    #[arg(long)]
    pub node_bin: Option<PathBuf>,
    /// More flags for the started node, e.g. `--node-arg=--min-free-mib=128`.
    #[arg(long, allow_hyphen_values = true)]
    pub node_arg: Vec<String>,
    /// The `ledger` CLI binary for one timed `ledger verify` (default: next to this one).
    #[arg(long)]
    pub ledger_bin: Option<PathBuf>,
    /// Submissions per request in batch mode (and rows per PostgreSQL transaction).
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Batch requests in flight at once between ordering barriers. 8: the
    /// node verifies the signatures of the requests waiting for the
    /// sequencer while it sequences one batch and commits another, so a bulk
    /// poster keeps that many in flight to keep both cores busy (4 measured
    /// 10-15 % fewer entries/s; docs/PERFORMANCE.md).
    #[arg(long, default_value_t = 8)]
    pub window: usize,
    /// Post each batch request as one atomic group (`?atomic=1`, issue 14:
    /// what `ledger post` sends), instead of independent submissions.
    #[arg(long)]
    pub atomic: bool,
    /// Concurrent clients in single-submission mode.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Entries posted one by one in single mode (the ledger's last entries).
    #[arg(long)]
    pub single: Option<usize>,
    /// Concurrent clients in read mode.
    #[arg(long, default_value_t = 4)]
    pub read_clients: usize,
    /// Requests per read kind.
    #[arg(long)]
    pub reads: Option<usize>,
    /// Repetitions of the verification timings (best kept).
    #[arg(long)]
    pub verify_reps: Option<usize>,
    /// PostgreSQL connection string for the baseline.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Seed of the workload.
    #[arg(long, default_value_t = ledger_demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Folder for the node's data and the bundle (default: the system temp folder).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Also write the workload's bundle here (for profiling `ledger verify`).
    #[arg(long)]
    pub keep_bundle: Option<PathBuf>,
    /// Write the results as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Publication targets of `--modes publish`, comma-separated: `file` (a
    /// folder in the work directory), `file:///DIR`, `s3s-fs` (a real S3
    /// server started on loopback).
    #[arg(long, value_delimiter = ',', default_value = "file")]
    pub publish: Vec<String>,
    /// The s3s-fs binary for `--publish s3s-fs` (default: PATH, then ~/.cargo/bin).
    #[arg(long)]
    pub s3s_fs: Option<PathBuf>,
    /// Only write the workload's log key into DIR/keys/log.key, then exit.
    #[arg(long)]
    pub write_log_key: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let entries = args.entries.unwrap_or(if args.smoke { 2_000 } else { 1_000_000 });
    if let Some(dir) = &args.write_log_key {
        let log = ledger_demo::generate(&ledger_demo::DemoConfig {
            seed: args.seed,
            target_entries: 100,
            now_ms: data::now_ms(),
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        ledger_datadir::init::init_with_key(dir, &log.origin, &log.log_key, ledger_store::LogOptions::default())?;
        println!("wrote {}", ledger_datadir::keyfile::log_key_path(dir).display());
        return Ok(());
    }
    let modes = args.modes.clone();
    let has = |m: Mode| modes.contains(&m);
    let machine = report::Machine::detect();
    eprintln!(
        "ledger-bench: {entries} entries, modes {:?}; {} cores, {}, load {}",
        modes, machine.cores, machine.cpu, machine.load_at_start
    );
    let work = match &args.work_dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            tempfile::Builder::new().prefix("ledger-bench-").tempdir_in(d)?
        }
        None => tempfile::Builder::new().prefix("ledger-bench-").tempdir()?,
    };
    let mut results = report::Results::new(machine, entries, &args);

    let t = Instant::now();
    let workload = data::prepare(entries, args.seed)?;
    results.generate_seconds = workload.generate_seconds;
    results.signatures = workload.signatures();
    eprintln!(
        "  generated and signed {entries} entries ({} signatures, {} operator keys) in {:.1} s",
        results.signatures,
        workload.log.operators.len() + workload.log.admins.len(),
        t.elapsed().as_secs_f64()
    );

    let subsidies = workload
        .meta
        .iter()
        .filter(|m| m.kind == ledger_core::entry::EntryKind::HouseholdSubsidy)
        .count();
    let barriers = workload.meta.iter().filter(|m| m.barrier).count();
    results.notes.push(format!(
        "workload: {subsidies} household subsidies and {} other entries; {barriers} ordering barriers; {} operator and admin keys",
        entries as usize - subsidies,
        workload.log.operators.len() + workload.log.admins.len()
    ));

    if has(Mode::Verify) {
        let cli = args.ledger_bin.clone().or_else(|| node::sibling_binary("ledger"));
        let reps = args.verify_reps.unwrap_or(if args.smoke { 1 } else { 2 });
        let v = verification::run(&workload, work.path(), cli, reps)?;
        if let Some(path) = &args.keep_bundle {
            verification::write_bundle(&workload, path)?;
        }
        eprintln!(
            "  verify: library {:.0} entries/s, raw batch {:.0} sig/s, ratio {:.2} (CPU time: library {:.1} s, raw {:.1} s, ratio {:.2})",
            v.library.rate(),
            v.raw_batch.rate(),
            v.ratio,
            v.library_cpu_seconds,
            v.raw_cpu_seconds,
            v.raw_cpu_seconds / v.library_cpu_seconds.max(1e-9)
        );
        results.verify = Some(v);
    }

    let needs_node = has(Mode::Ingest) || has(Mode::Single) || has(Mode::Read);
    if needs_node {
        run_node_phases(&args, &workload, work.path(), &mut results)?;
    }

    if has(Mode::Publish) {
        let bin = args
            .node_bin
            .clone()
            .or_else(|| node::sibling_binary("ledger-node"))
            .context("ledger-node binary not found next to ledger-bench: build it or pass --node-bin")?;
        let mut flags = vec!["--read-rate-per-sec".to_string(), "1000000000".to_string()];
        flags.extend(args.node_arg.iter().cloned());
        let settings = publish::PublishRun {
            node_bin: &bin,
            node_flags: &flags,
            targets: &args.publish,
            s3s_fs: args.s3s_fs.as_deref(),
            entries: args.node_entries.unwrap_or(usize::MAX).min(workload.records.len()),
            batch: args.batch,
            window: args.window,
            atomic: args.atomic,
        };
        results.publish = publish::run(&settings, &workload, work.path())?;
    }

    if has(Mode::Postgres) {
        match &args.postgres {
            None if args.smoke => results.notes.push("postgres: skipped in smoke mode".into()),
            None => results
                .notes
                .push("postgres: skipped (no --postgres; bench/full.sh starts one)".into()),
            Some(conninfo) => {
                let sequenced = workload.sequenced();
                let p = pg::run(conninfo, &workload, &sequenced, args.batch)?;
                eprintln!("  postgres: {:.0} rows/s", p.insert.rate());
                results.postgres = Some(p);
            }
        }
    }

    results.steal_percent = report::steal_percent_since(results.machine.cpu_ticks_at_start);
    let text = results.markdown();
    println!("{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_vec_pretty(&results)?)
            .with_context(|| format!("writing {}", out.display()))?;
        eprintln!("  results written to {}", out.display());
    }
    Ok(())
}

fn run_node_phases(
    args: &Args,
    workload: &data::Workload,
    work: &std::path::Path,
    results: &mut report::Results,
) -> Result<()> {
    let has = |m: Mode| args.modes.contains(&m);
    let n = args.node_entries.unwrap_or(usize::MAX).min(workload.records.len());
    let data_dir = work.join("node");
    let mut restart_with: Option<(PathBuf, Vec<String>)> = None;
    let mut node = match &args.node {
        Some(url) => node::Node::attach(url),
        None => {
            let bin = args
                .node_bin
                .clone()
                .or_else(|| node::sibling_binary("ledger-node"))
                .context("ledger-node binary not found next to ledger-bench: build it (cargo build --release -p ledger-node) or pass --node-bin")?;
            std::fs::create_dir_all(&data_dir)?;
            let mut extra = vec!["--read-rate-per-sec".to_string(), "1000000000".to_string()];
            extra.extend(args.node_arg.iter().cloned());
            results.node_command = format!(
                "{} --data DIR --listen 127.0.0.1:PORT {}",
                bin.display(),
                extra.join(" ")
            );
            let started = node::Node::start(&bin, &data_dir, &workload.log.origin, &workload.log.log_key, &extra)?;
            restart_with = Some((bin, extra));
            started
        }
    };
    if node.child.is_some() {
        results.fsync = Some(report::fsync_floor(&data_dir, if args.smoke { 50 } else { 500 })?);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let client = ingest::client(args.clients.max(args.read_clients) + 8)?;

    // Which entries go one by one: a stretch free of ordering barriers. The
    // rest goes in batches, before and after it, in log order.
    let want_single = if has(Mode::Single) {
        args.single.unwrap_or(if args.smoke { 300 } else { 20_000 })
    } else {
        0
    };
    let single = workload.free_stretch(want_single, n);
    if has(Mode::Single) && single.len() < want_single {
        results.notes.push(format!(
            "single: the longest stretch free of ordering barriers holds {} entries (asked for {want_single})",
            single.len()
        ));
    }
    let post_batches = |range: std::ops::Range<usize>, results: &mut report::Results| -> Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let requests = workload.requests(range.clone(), args.batch);
        let barriers = requests.iter().filter(|r| r.barrier).count();
        eprintln!(
            "  ingest: entries {}..{} in {} requests ({} ordering barriers), window {}",
            range.start,
            range.end,
            requests.len(),
            barriers,
            args.window
        );
        let (node_cpu, bench_cpu) = (node.cpu_seconds(), verification::cpu_seconds());
        let tp = runtime.block_on(ingest::batch(&client, &node.url, requests, args.window, args.atomic))?;
        eprintln!("  ingest: {:.0} entries/s", tp.rate());
        if let (Some(before), Some(after)) = (node_cpu, node.cpu_seconds()) {
            results.ingest_node_cpu_seconds += after - before;
            results.ingest_bench_cpu_seconds += verification::cpu_seconds() - bench_cpu;
            eprintln!(
                "  ingest CPU per entry: node {:.1} µs, load generator {:.1} µs",
                (after - before) * 1e6 / tp.count.max(1) as f64,
                (verification::cpu_seconds() - bench_cpu) * 1e6 / tp.count.max(1) as f64
            );
        }
        let total = match results.ingest {
            None => tp,
            Some(before) => stats::Throughput {
                count: before.count + tp.count,
                seconds: before.seconds + tp.seconds,
                requests: before.requests + tp.requests,
            },
        };
        results.ingest = Some(total);
        results.ingest_barrier_requests += barriers as u64;
        Ok(())
    };
    if has(Mode::Ingest) {
        post_batches(0..single.start, results)?;
    }
    if has(Mode::Single) && !single.is_empty() {
        let records: Vec<Vec<u8>> = workload.records[single.clone()].to_vec();
        let (tp, lat) = runtime.block_on(ingest::single(
            &client,
            &node.url,
            Arc::new(records),
            single.start,
            args.clients,
        ))?;
        let s = lat.summary();
        eprintln!(
            "  single: entries {}..{}, {} clients, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, {:.0} entries/s",
            single.start,
            single.end,
            args.clients,
            s.p50_ms,
            s.p95_ms,
            s.p99_ms,
            tp.rate()
        );
        results.single = Some(report::SingleFigures {
            clients: args.clients,
            at_size: single.start as u64,
            throughput: tp,
            latency: s,
        });
    }
    if has(Mode::Ingest) {
        post_batches(single.end..n, results)?;
        results.memory_after_ingest = node.memory();
    }
    if has(Mode::Read) {
        let size = fetch_size(&runtime, &client, &node.url)?;
        if has(Mode::Ingest) && size != n as u64 && (has(Mode::Single) || single.is_empty()) {
            bail!("the node holds {size} entries after ingest, expected {n}");
        }
        let count = args.reads.unwrap_or(if args.smoke { 1_000 } else { 20_000 });
        let villages = &workload.villages;
        let floor_urls: Vec<String> = (0..count).map(|_| "/healthz".to_string()).collect();
        let village_urls: Vec<String> = (0..count as u64)
            .map(|i| {
                let v = villages[reads::pick(i, villages.len() as u64) as usize];
                format!("/v1/regions/{v}/flows")
            })
            .collect();
        let proof_urls: Vec<String> = (0..count as u64)
            .map(|i| format!("/v1/proof/inclusion?seq={}", reads::pick(i ^ 0x5EED, size)))
            .collect();
        for (name, urls) in [
            ("healthz", floor_urls),
            ("village", village_urls),
            ("proof", proof_urls),
        ] {
            let cache_before = runtime.block_on(reads::flows_cache_counts(&client, &node.url));
            let outcome = runtime.block_on(reads::run(&client, &node.url, urls, args.read_clients))?;
            if name == "village" {
                let cache_after = runtime.block_on(reads::flows_cache_counts(&client, &node.url));
                if let (Some(before), Some(after)) = (cache_before, cache_after) {
                    let note = reads::cache_note(before, after);
                    eprintln!("  {note}");
                    results.notes.push(note);
                }
            }
            match outcome {
                reads::ReadOutcome::Measured(tp, lat, bytes) => {
                    let s = lat.summary();
                    eprintln!(
                        "  read {name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {:.0} bytes/answer",
                        tp.rate(),
                        s.p50_ms,
                        s.p99_ms,
                        bytes as f64 / tp.count.max(1) as f64
                    );
                    results.reads.push(report::ReadFigures {
                        name: name.to_string(),
                        clients: args.read_clients,
                        throughput: tp,
                        latency: s,
                        mean_bytes: bytes as f64 / tp.count.max(1) as f64,
                    });
                }
                reads::ReadOutcome::Unavailable(why) => {
                    eprintln!("  read {name}: {why}");
                    results.notes.push(format!("read {name}: {why}"));
                }
            }
        }
    }
    results.memory_end = node.memory();
    results.node_entries = fetch_size(&runtime, &client, &node.url).ok();
    if node.child.is_some() {
        let store = data_dir.join("store");
        results.disk_running = Some(node::disk_usage(&store)?);
        node.stop()?;
        results.disk_stopped = Some(node::disk_usage(&store)?);
        // A restart: the node replays and verifies its whole store, which
        // is the other moment its memory peaks.
        if let Some((bin, extra)) = &restart_with {
            let started = Instant::now();
            let mut again = node::Node::restart(bin, &data_dir, extra)?;
            results.restart_seconds = Some(started.elapsed().as_secs_f64());
            results.memory_restart = again.memory();
            again.stop()?;
            if let (Some(seconds), Some((hwm, _))) = (results.restart_seconds, results.memory_restart) {
                eprintln!(
                    "  restart: store replayed and verified in {seconds:.1} s, peak {:.0} MiB",
                    hwm as f64 / (1024.0 * 1024.0)
                );
            }
        }
    }
    Ok(())
}

fn fetch_size(runtime: &tokio::runtime::Runtime, client: &reqwest::Client, base: &str) -> Result<u64> {
    runtime.block_on(async {
        let r = client.get(format!("{base}/v1/log")).send().await?;
        if !r.status().is_success() {
            bail!("GET /v1/log: HTTP {}", r.status());
        }
        let v: serde_json::Value = r.json().await?;
        v.get("size")
            .and_then(serde_json::Value::as_u64)
            .context("/v1/log has no size")
    })
}

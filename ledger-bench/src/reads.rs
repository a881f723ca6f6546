//! Read load: a village's flows and inclusion proofs, at R concurrent
//! clients, plus the HTTP floor (`/healthz`) measured the same way.

use crate::stats::{Latencies, Throughput};
use anyhow::{bail, Result};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinSet;

/// Outcome of one read kind.
pub enum ReadOutcome {
    /// Measured.
    Measured(Throughput, Latencies, u64),
    /// The node does not serve this endpoint (yet).
    Unavailable(String),
}

/// Deterministic pseudo-random numbers (splitmix64) for picking targets.
pub fn pick(i: u64, below: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    if below == 0 {
        0
    } else {
        z % below
    }
}

/// GET `urls` (a path per request, relative to `base`) with `clients` tasks.
pub async fn run(client: &reqwest::Client, base: &str, urls: Vec<String>, clients: usize) -> Result<ReadOutcome> {
    // Probe once: is the endpoint there?
    if let Some(first) = urls.first() {
        let response = client.get(format!("{base}{first}")).send().await?;
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            if status.as_u16() == 404 && body.contains("no such endpoint") {
                return Ok(ReadOutcome::Unavailable(format!(
                    "{first}: endpoint not served by this node"
                )));
            }
            bail!("GET {first}: HTTP {status}: {}", &body[..body.len().min(300)]);
        }
    }
    let urls = Arc::new(urls);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks: JoinSet<Result<(Latencies, u64)>> = JoinSet::new();
    let started = Instant::now();
    for _ in 0..clients.max(1) {
        let (client, urls, next, base) = (client.clone(), urls.clone(), next.clone(), base.to_string());
        tasks.spawn(async move {
            let mut latencies = Latencies::new()?;
            let mut bytes = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = urls.get(i) else { break };
                let t = Instant::now();
                let response = client.get(format!("{base}{path}")).send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                latencies.record(t.elapsed())?;
                if !status.is_success() {
                    bail!(
                        "GET {path}: HTTP {status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    );
                }
                bytes += body.len() as u64;
            }
            Ok((latencies, bytes))
        });
    }
    let mut all = Latencies::new()?;
    let mut bytes = 0u64;
    while let Some(done) = tasks.join_next().await {
        let (l, b) = done??;
        all.merge(&l)?;
        bytes += b;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(ReadOutcome::Measured(
        Throughput {
            count: urls.len() as u64,
            seconds,
            requests: urls.len() as u64,
        },
        all,
        bytes,
    ))
}

/// The node's village-page answer cache counters (hits, misses) from
/// `/metrics` (`ledger_flows_cache_hits_total`, `…_misses_total`), or None
/// when they cannot be read (a node built before the cache). The village
/// figure of a warm cache is mostly hits: the hit rate says which figure a
/// run measured; `LEDGER_FLOWS_CACHE_BYTES=0` in the bench's environment
/// (the node inherits it) measures every answer built.
pub async fn flows_cache_counts(client: &reqwest::Client, base: &str) -> Option<(u64, u64)> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok())
            .map(|v| v as u64)
    };
    Some((
        value("ledger_flows_cache_hits_total ")?,
        value("ledger_flows_cache_misses_total ")?,
    ))
}

/// "village: answer cache 19,662 hits of 20,000 (98.3 %)", from the counts
/// before and after the run.
pub fn cache_note(before: (u64, u64), after: (u64, u64)) -> String {
    let hits = after.0.saturating_sub(before.0);
    let misses = after.1.saturating_sub(before.1);
    let all = hits + misses;
    if all == 0 {
        return "village: answer cache off (--flows-cache-bytes 0): every answer built".to_string();
    }
    format!(
        "village: answer cache {hits} hits of {all} ({:.1} %)",
        hits as f64 * 100.0 / all as f64
    )
}

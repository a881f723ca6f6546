//! Write load: batch mode (entries/s) and single-submission mode at C
//! concurrent clients (receipt latency percentiles).

use crate::data::{frame, Request};
use crate::stats::{Latencies, Throughput};
use anyhow::{bail, Context, Result};
use ledger_core::answer::{decode_binary_answer, BinaryResult};

/// The media type of the binary request body and answer (docs/API.md).
const OCTET_STREAM: &str = "application/octet-stream";
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// An HTTP client for the bench: keep-alive, no proxy, generous pool.
pub fn client(pool: usize) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(pool)
        .timeout(Duration::from_secs(120))
        .tcp_nodelay(true)
        .build()?)
}

/// Post framed submissions and ask for the binary answer (FORMAT.md §10.1),
/// as a bulk client would: it saves node and client about 1 KB of JSON per
/// receipt. Every submission must be accepted.
async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>, count: usize, first: usize) -> Result<usize> {
    let response = client
        .post(url)
        .header("content-type", OCTET_STREAM)
        .header("accept", OCTET_STREAM)
        .body(body)
        .send()
        .await
        .with_context(|| format!("POST of entries {first}..{}", first + count))?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if !status.is_success() {
        bail!(
            "entries {first}..{}: HTTP {status}: {}",
            first + count,
            String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
        );
    }
    let results = decode_binary_answer(&bytes, count)
        .map_err(|e| anyhow::anyhow!("entries {first}..{}: the answer: {e}", first + count))?;
    if results.len() != count {
        bail!(
            "entries {first}..{}: {} results for {count} submissions",
            first + count,
            results.len()
        );
    }
    if let Some((i, BinaryResult::Rejected(e))) = results
        .iter()
        .enumerate()
        .find(|(_, r)| matches!(r, BinaryResult::Rejected(_)))
    {
        bail!(
            "entries {first}..{}: entry {} rejected ({}: {})",
            first + count,
            first + i,
            e.code,
            e.message
        );
    }
    Ok(count)
}

/// Batch mode: send `requests` in order, up to `window` in flight between
/// barriers, each an atomic group if `atomic`. Every entry must be accepted.
pub async fn batch(
    client: &reqwest::Client,
    base: &str,
    requests: Vec<Request>,
    window: usize,
    atomic: bool,
) -> Result<Throughput> {
    let url = if atomic {
        format!("{base}/v1/submissions?atomic=1")
    } else {
        format!("{base}/v1/submissions")
    };
    let total: usize = requests.iter().map(|r| r.count).sum();
    let requests_n = requests.len();
    let mut in_flight: JoinSet<Result<usize>> = JoinSet::new();
    let mut accepted = 0usize;
    let started = Instant::now();
    for request in requests {
        let limit = if request.barrier { 0 } else { window.max(1) - 1 };
        while in_flight.len() > limit {
            if let Some(done) = in_flight.join_next().await {
                accepted += done??;
            }
        }
        let (client, url) = (client.clone(), url.clone());
        let Request {
            barrier,
            body,
            count,
            first,
        } = request;
        in_flight.spawn(async move { post(&client, &url, body, count, first).await });
        if barrier {
            if let Some(done) = in_flight.join_next().await {
                accepted += done??;
            }
        }
    }
    while let Some(done) = in_flight.join_next().await {
        accepted += done??;
    }
    let seconds = started.elapsed().as_secs_f64();
    if accepted != total {
        bail!("{accepted} of {total} entries accepted");
    }
    Ok(Throughput {
        count: total as u64,
        seconds,
        requests: requests_n as u64,
    })
}

/// Single-submission mode: `clients` tasks each post one submission at a time
/// from a shared queue; every request's wall time until its receipt is
/// recorded.
pub async fn single(
    client: &reqwest::Client,
    base: &str,
    records: Arc<Vec<Vec<u8>>>,
    first: usize,
    clients: usize,
) -> Result<(Throughput, Latencies)> {
    let url = Arc::new(format!("{base}/v1/submissions"));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks: JoinSet<Result<Latencies>> = JoinSet::new();
    let started = Instant::now();
    for _ in 0..clients.max(1) {
        let (client, url, next, records) = (client.clone(), url.clone(), next.clone(), records.clone());
        tasks.spawn(async move {
            let mut latencies = Latencies::new()?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(record) = records.get(i) else { break };
                let mut body = Vec::with_capacity(record.len() + 4);
                frame(&mut body, record);
                let t = Instant::now();
                post(&client, &url, body, 1, first + i).await?;
                latencies.record(t.elapsed())?;
            }
            Ok(latencies)
        });
    }
    let mut all = Latencies::new()?;
    while let Some(done) = tasks.join_next().await {
        all.merge(&done??)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok((
        Throughput {
            count: records.len() as u64,
            seconds,
            requests: records.len() as u64,
        },
        all,
    ))
}

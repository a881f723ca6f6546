//! Counters and latency histograms (HdrHistogram, microsecond resolution).

use anyhow::Result;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::Duration;

/// A count over a time.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Throughput {
    /// Items (entries, signatures, requests).
    pub count: u64,
    /// Wall seconds.
    pub seconds: f64,
    /// HTTP requests it took (0 when not over HTTP).
    pub requests: u64,
}

impl Throughput {
    /// Items per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.count as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Request latencies in microseconds, 1 µs to 10 min, 3 significant digits.
#[derive(Debug, Clone)]
pub struct Latencies(Histogram<u64>);

/// Percentiles of a [`Latencies`], in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    /// Requests.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

impl Latencies {
    /// An empty histogram.
    pub fn new() -> Result<Latencies> {
        Ok(Latencies(Histogram::new_with_bounds(1, 600_000_000, 3)?))
    }

    /// Record one latency.
    pub fn record(&mut self, d: Duration) -> Result<()> {
        let us = (d.as_micros() as u64).clamp(1, 600_000_000);
        self.0.record(us)?;
        Ok(())
    }

    /// Add another histogram's samples.
    pub fn merge(&mut self, other: &Latencies) -> Result<()> {
        self.0.add(&other.0)?;
        Ok(())
    }

    /// Percentiles.
    pub fn summary(&self) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        Summary {
            count: self.0.len(),
            p50_ms: ms(self.0.value_at_quantile(0.50)),
            p95_ms: ms(self.0.value_at_quantile(0.95)),
            p99_ms: ms(self.0.value_at_quantile(0.99)),
            max_ms: ms(self.0.max()),
            mean_ms: self.0.mean() / 1000.0,
        }
    }
}

//! What the publication reports: the `publish` object of `/readyz` and the
//! lag gauges. The lag never makes the node unready — sequencing is its
//! job, and readers have the node itself while the bucket is behind.

use super::metrics::PublishMetrics;
use crate::ledger::Shared;
use crate::metrics::Metrics;
use ledger_core::chain::SequencedEntry;
use serde::Serialize;
use std::sync::Mutex;

/// The `publish` object of `GET /readyz?format=json` (field names are API).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PublishReport {
    /// The target URL (`s3://bucket/prefix` or `file:///dir`; never credentials).
    pub target: String,
    /// Entries covered by the bucket's checkpoint (null until the bucket was read).
    pub published_size: Option<u64>,
    /// Committed entries not yet published.
    pub lag_entries: u64,
    /// Age of the oldest unpublished committed entry, ms (0 when none).
    pub lag_ms: u64,
    /// The code of the last failure, null after a successful round:
    /// `publish_storage`, `publish_timeout`, `publish_local_read`,
    /// `publish_extra_objects`, `publish_foreign_checkpoint`, `publish_fork`,
    /// `publish_bucket_ahead`.
    pub last_error: Option<String>,
    /// Its message (English, for operators' logs).
    pub last_error_message: Option<String>,
}

/// Shared between the publication task and `/readyz`.
#[derive(Debug)]
pub struct PublishStatus(Mutex<PublishReport>);

impl PublishStatus {
    /// A status for `target`, nothing published yet.
    pub fn new(target: String) -> PublishStatus {
        PublishStatus(Mutex::new(PublishReport {
            target,
            ..PublishReport::default()
        }))
    }

    /// A copy of the current report.
    pub fn report(&self) -> PublishReport {
        self.0.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn with(&self, f: impl FnOnce(&mut PublishReport)) {
        if let Ok(mut r) = self.0.lock() {
            f(&mut r);
        }
    }

    /// A round (or the bucket check) succeeded: the bucket holds `size`.
    pub fn succeeded(&self, size: u64) {
        self.with(|r| {
            r.published_size = Some(size);
            r.last_error = None;
            r.last_error_message = None;
        });
    }

    /// A round failed with `code`.
    pub fn failed(&self, code: &str, message: &str) {
        self.with(|r| {
            r.last_error = Some(code.to_string());
            r.last_error_message = Some(message.chars().take(500).collect());
        });
    }
}

/// Keeps the lag gauges and the backlog warning (once per crossing).
#[derive(Debug)]
pub struct LagTracker {
    max_backlog_entries: u64,
    exceeded: bool,
    /// (published size, sequencing time of the entry at that position):
    /// re-read only when the published size moves.
    oldest: Option<(u64, u64)>,
}

impl LagTracker {
    /// A tracker warning above `max_backlog_entries`.
    pub fn new(max_backlog_entries: u64) -> LagTracker {
        LagTracker {
            max_backlog_entries,
            exceeded: false,
            oldest: None,
        }
    }

    /// Update the gauges and the report from the committed size and the
    /// published one (`None`: the bucket was not read yet, counted as 0).
    pub fn update(&mut self, shared: &Shared, published: Option<u64>, status: &PublishStatus) {
        let metrics: &PublishMetrics = &shared.metrics.publish;
        let committed = shared.latest().map_or(0, |l| l.size);
        let from = published.unwrap_or(0);
        let lag_entries = committed.saturating_sub(from);
        let lag_ms = if lag_entries == 0 {
            0
        } else {
            let time_ms = match self.oldest {
                Some((at, time_ms)) if at == from => Some(time_ms),
                _ => {
                    // One entry read per published-size change: cheap.
                    let time_ms = shared
                        .store
                        .entry(from)
                        .ok()
                        .flatten()
                        .and_then(|bytes| SequencedEntry::decode(&bytes).ok())
                        .map(|d| d.entry.time_ms);
                    if let Some(t) = time_ms {
                        self.oldest = Some((from, t));
                    }
                    time_ms
                }
            };
            time_ms.map_or(0, |t| ledger_datadir::clock::now_ms().saturating_sub(t))
        };
        Metrics::set_gauge(&metrics.lag_entries, lag_entries);
        Metrics::set_gauge(&metrics.lag_ms, lag_ms);
        let over = lag_entries > self.max_backlog_entries;
        if over && !self.exceeded {
            tracing::warn!(
                lag_entries,
                max_backlog_entries = self.max_backlog_entries,
                "publication is behind by more than --publish-max-backlog-entries; sequencing goes on, the bucket lags (ledger_publish_backlog_exceeded)"
            );
        } else if !over && self.exceeded {
            tracing::info!(lag_entries, "publication is back within its backlog");
        }
        self.exceeded = over;
        metrics.backlog_exceeded.set(i64::from(over));
        status.with(|r| {
            r.lag_entries = lag_entries;
            r.lag_ms = lag_ms;
        });
    }
}

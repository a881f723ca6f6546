//! Prometheus metrics (`GET /metrics`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry};

/// Label: a rejection code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    /// Stable error code.
    pub code: String,
}

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    /// Matched route pattern.
    pub route: String,
    /// Status class, e.g. `2xx`.
    pub status: String,
}

/// Label: why a connection was refused.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// `max_connections` or `max_connections_per_address`.
    pub reason: String,
}

/// Label: a witness the node pushes checkpoints to (its key name).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WitnessLabel {
    /// The witness name.
    pub witness: String,
}

/// Labels of a failed push to a witness.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WitnessKindLabel {
    /// The witness name.
    pub witness: String,
    /// Stable kind (`crate::witness_push::PushError::kind`).
    pub kind: String,
}

/// Every metric the node exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Entries appended.
    pub entries: Counter,
    /// Current log size.
    pub log_size: Gauge,
    /// Submissions rejected, by code.
    pub rejections: Family<CodeLabel, Counter>,
    /// Entries per group commit.
    pub batch_size: Histogram,
    /// Seconds from batch start to durable flush.
    pub commit_seconds: Histogram,
    /// Seconds per HTTP request, by route and status class.
    pub request_seconds: Family<RouteLabel, Histogram, fn() -> Histogram>,
    /// Submissions waiting in the queue.
    pub queue_depth: Gauge,
    /// Bytes the store occupies on disk.
    pub disk_bytes: Gauge,
    /// Write requests received in full and not yet answered.
    pub submit_requests_in_flight: Gauge,
    /// Open HTTP connections.
    pub connections_open: Gauge,
    /// Connections refused at accept, by reason.
    pub connections_refused: Family<ReasonLabel, Counter>,
    /// 1 while the data folder is below its free-space reserve (writes
    /// refused `storage_full`, reads served).
    pub storage_full: Gauge,
    /// `ledger_flows_cache_*`: the village page's answer cache.
    pub flows_cache: crate::api::read::flows_cache::FlowsCacheMetrics,
    /// Publication to object storage (`crate::publish::metrics`).
    pub publish: crate::publish::metrics::PublishMetrics,
    /// Failed `add-checkpoint` pushes, by witness and kind.
    pub witness_push_errors: Family<WitnessKindLabel, Counter>,
    /// Largest checkpoint size each pushed witness cosigned.
    pub witness_cosigned_size: Family<WitnessLabel, Gauge>,
}

fn request_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Registers `metric` in `registry` under `name` (the registry adds the
/// `ledger_` prefix) and hands it back. Prometheus metrics are shared
/// handles: the registry keeps one clone to render, the caller the other to
/// update, so one call replaces the make / register a clone / keep pattern
/// that every metric of the node, the publisher and the mirror repeated.
/// Names and help texts are API: never rename one.
pub(crate) fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

impl Metrics {
    /// Register every metric.
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("ledger");
        Metrics {
            entries: registered(&mut r, "entries", "Entries appended to the log", Counter::default()),
            log_size: registered(&mut r, "log_size", "Entries in the log (durable)", Gauge::default()),
            rejections: registered(
                &mut r,
                "rejections",
                "Submissions rejected, by error code",
                Family::<CodeLabel, Counter>::default(),
            ),
            batch_size: registered(
                &mut r,
                "batch_size_entries",
                "Entries per group commit",
                Histogram::new(exponential_buckets(1.0, 2.0, 15)),
            ),
            commit_seconds: registered(
                &mut r,
                "commit_seconds",
                "Group commit latency: validation, append, flush, checkpoint",
                Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            ),
            request_seconds: registered(
                &mut r,
                "http_request_seconds",
                "HTTP request latency by route and status class",
                Family::<RouteLabel, Histogram, fn() -> Histogram>::new_with_constructor(request_histogram),
            ),
            queue_depth: registered(
                &mut r,
                "queue_depth",
                "Submissions waiting for the sequencer",
                Gauge::default(),
            ),
            disk_bytes: registered(&mut r, "disk_bytes", "Bytes the store occupies on disk", Gauge::default()),
            submit_requests_in_flight: registered(
                &mut r,
                "submit_requests_in_flight",
                "Write requests received in full and not yet answered",
                Gauge::default(),
            ),
            connections_open: registered(&mut r, "connections_open", "Open HTTP connections", Gauge::default()),
            connections_refused: registered(
                &mut r,
                "connections_refused",
                "HTTP connections refused at accept, by reason (max_connections, max_connections_per_address)",
                Family::<ReasonLabel, Counter>::default(),
            ),
            storage_full: registered(
                &mut r,
                "storage_full",
                "1 while the data folder's file system is below its free-space reserve and writes are refused",
                Gauge::default(),
            ),
            publish: crate::publish::metrics::PublishMetrics::register(&mut r),
            flows_cache: crate::api::read::flows_cache::FlowsCacheMetrics::register(&mut r),
            witness_push_errors: registered(
                &mut r,
                "witness_push_errors",
                "Failed add-checkpoint pushes to witnesses, by witness and kind (conflict, timeout, unreachable, garbage, ...)",
                Family::<WitnessKindLabel, Counter>::default(),
            ),
            witness_cosigned_size: registered(
                &mut r,
                "witness_cosigned_size",
                "Largest checkpoint size each pushed witness cosigned since the node started",
                Family::<WitnessLabel, Gauge>::default(),
            ),
            // Last: every field above borrowed it to register in it.
            registry: r,
        }
    }

    /// Count a rejection.
    pub fn reject(&self, code: &str) {
        self.rejections
            .get_or_create(&CodeLabel { code: code.to_string() })
            .inc();
    }

    /// Set a gauge from an unsigned count (saturating at i64::MAX).
    pub fn set_gauge(gauge: &Gauge, value: u64) {
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Label: the kind of a mirror's source error (a `ledger_tlog_client`
/// error code: `tile_mismatch`, `tiles_missing`, `source_unavailable`…).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// Stable error code.
    pub kind: String,
}

/// The metrics of a mirror (`ledger-node mirror`), registered only there.
#[derive(Debug, Clone, Default)]
pub struct MirrorMetrics {
    /// `ledger_mirror_size`: entries verified and served.
    pub size: Gauge,
    /// `ledger_mirror_lag_entries`: the source checkpoint's size minus the verified size.
    pub lag_entries: Gauge,
    /// `ledger_mirror_source_errors_total{kind}`.
    pub source_errors: Family<KindLabel, Counter>,
    /// `ledger_mirror_fork`: 1 once the source forked (reads stopped).
    pub fork: Gauge,
}

impl Metrics {
    /// Register the mirror's metrics (before the metrics are shared).
    pub fn register_mirror(&mut self) -> MirrorMetrics {
        let r = &mut self.registry;
        MirrorMetrics {
            size: registered(r, "mirror_size", "Entries the mirror verified and serves", Gauge::default()),
            lag_entries: registered(
                r,
                "mirror_lag_entries",
                "The source checkpoint's size minus the mirror's verified size",
                Gauge::default(),
            ),
            source_errors: registered(
                r,
                "mirror_source_errors",
                "Refused or failed reads of the source, by kind (tile_mismatch, tiles_missing, source_unavailable, checkpoint_invalid, wrong_log, invalid_log)",
                Family::default(),
            ),
            fork: registered(r, "mirror_fork", "1 once the source served a fork (reads stopped)", Gauge::default()),
        }
    }
}

/// Counts one unit in a gauge while alive (a request in flight).
#[derive(Debug)]
pub struct InFlight(Gauge);

impl InFlight {
    /// Increment `gauge` until the guard is dropped.
    pub fn enter(gauge: &Gauge) -> InFlight {
        gauge.inc();
        InFlight(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

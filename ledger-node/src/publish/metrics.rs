//! The publication's Prometheus metrics, registered with the node's
//! (`crate::metrics::Metrics::publish`). Names are API: never rename one.
//!
//! * `ledger_publish_size` — entries covered by the bucket's checkpoint;
//! * `ledger_publish_lag_entries` — committed entries not yet published;
//! * `ledger_publish_lag_ms` — age of the oldest committed entry not yet
//!   published (its sequencing time), 0 when nothing is waiting;
//! * `ledger_publish_backlog_exceeded` — 1 while the lag is above
//!   `--publish-max-backlog-entries`;
//! * `ledger_publish_refused` — 1 while the bucket holds another log's
//!   checkpoint or a fork of this one and the node refuses to write there;
//! * `ledger_publish_errors_total{kind}` — failed requests and rounds, by
//!   kind (`timeout`, `storage`, `local_read`, `foreign_checkpoint`,
//!   `fork`, `bucket_ahead`, `extra_objects`);
//! * `ledger_publish_objects_total`, `ledger_publish_bytes_total` — objects
//!   and bytes acknowledged by the store.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::metrics::registered;

/// Label: the kind of a publication error.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// Stable error kind.
    pub kind: String,
}

/// Every publication metric.
#[derive(Debug, Default, Clone)]
pub struct PublishMetrics {
    /// Entries covered by the bucket's checkpoint.
    pub size: Gauge,
    /// Committed entries not yet published.
    pub lag_entries: Gauge,
    /// Age of the oldest unpublished committed entry, ms.
    pub lag_ms: Gauge,
    /// 1 while the lag is above the configured backlog.
    pub backlog_exceeded: Gauge,
    /// 1 while publication is refused (foreign checkpoint or fork in the bucket).
    pub refused: Gauge,
    /// Errors by kind.
    pub errors: Family<KindLabel, Counter>,
    /// Objects written.
    pub objects: Counter,
    /// Bytes written.
    pub bytes: Counter,
}

impl PublishMetrics {
    /// Register every publication metric in `registry` (prefix `ledger`).
    pub fn register(registry: &mut Registry) -> PublishMetrics {
        PublishMetrics {
            size: registered(
                registry,
                "publish_size",
                "Entries covered by the checkpoint in the publication bucket",
                Gauge::default(),
            ),
            lag_entries: registered(
                registry,
                "publish_lag_entries",
                "Committed entries not yet published to the bucket",
                Gauge::default(),
            ),
            lag_ms: registered(
                registry,
                "publish_lag_ms",
                "Age in ms of the oldest committed entry not yet published (0 when none)",
                Gauge::default(),
            ),
            backlog_exceeded: registered(
                registry,
                "publish_backlog_exceeded",
                "1 while the publication lag is above --publish-max-backlog-entries",
                Gauge::default(),
            ),
            refused: registered(
                registry,
                "publish_refused",
                "1 while the bucket holds another log's checkpoint or a fork and the node refuses to publish there",
                Gauge::default(),
            ),
            errors: registered(
                registry,
                "publish_errors",
                "Publication errors by kind (timeout, storage, local_read, foreign_checkpoint, fork, bucket_ahead, extra_objects)",
                Family::default(),
            ),
            objects: registered(registry, "publish_objects", "Objects written to the bucket", Counter::default()),
            bytes: registered(registry, "publish_bytes", "Bytes written to the bucket", Counter::default()),
        }
    }

    /// Count an error of `kind`.
    pub fn error(&self, kind: &str) {
        self.errors.get_or_create(&KindLabel { kind: kind.to_string() }).inc();
    }
}

//! The names, types and help texts of every metric the node can export
//! (the node's own, the publisher's and the mirror's), exactly: they are
//! API for dashboards and alerts, so a refactoring of how they are
//! registered (`metrics::registered`) must not rename or retype one.

use ledger_node::metrics::Metrics;

/// `# HELP` and `# TYPE` lines of the text exposition, in registration order.
fn header_lines(rendered: &str) -> Vec<&str> {
    rendered.lines().filter(|l| l.starts_with("# ")).collect()
}

#[test]
fn every_metric_keeps_its_name_type_and_help() {
    let mut metrics = Metrics::new();
    let _mirror = metrics.register_mirror();
    let rendered = metrics.render();
    let want = [
        ("ledger_entries", "counter", "Entries appended to the log"),
        ("ledger_log_size", "gauge", "Entries in the log (durable)"),
        ("ledger_rejections", "counter", "Submissions rejected, by error code"),
        ("ledger_batch_size_entries", "histogram", "Entries per group commit"),
        (
            "ledger_commit_seconds",
            "histogram",
            "Group commit latency: validation, append, flush, checkpoint",
        ),
        (
            "ledger_http_request_seconds",
            "histogram",
            "HTTP request latency by route and status class",
        ),
        ("ledger_queue_depth", "gauge", "Submissions waiting for the sequencer"),
        ("ledger_disk_bytes", "gauge", "Bytes the store occupies on disk"),
        (
            "ledger_submit_requests_in_flight",
            "gauge",
            "Write requests received in full and not yet answered",
        ),
        ("ledger_connections_open", "gauge", "Open HTTP connections"),
        (
            "ledger_connections_refused",
            "counter",
            "HTTP connections refused at accept, by reason (max_connections, max_connections_per_address)",
        ),
        (
            "ledger_storage_full",
            "gauge",
            "1 while the data folder's file system is below its free-space reserve and writes are refused",
        ),
        (
            "ledger_publish_size",
            "gauge",
            "Entries covered by the checkpoint in the publication bucket",
        ),
        (
            "ledger_publish_lag_entries",
            "gauge",
            "Committed entries not yet published to the bucket",
        ),
        (
            "ledger_publish_lag_ms",
            "gauge",
            "Age in ms of the oldest committed entry not yet published (0 when none)",
        ),
        (
            "ledger_publish_backlog_exceeded",
            "gauge",
            "1 while the publication lag is above --publish-max-backlog-entries",
        ),
        (
            "ledger_publish_refused",
            "gauge",
            "1 while the bucket holds another log's checkpoint or a fork and the node refuses to publish there",
        ),
        (
            "ledger_publish_errors",
            "counter",
            "Publication errors by kind (timeout, storage, local_read, foreign_checkpoint, fork, bucket_ahead, extra_objects)",
        ),
        ("ledger_publish_objects", "counter", "Objects written to the bucket"),
        ("ledger_publish_bytes", "counter", "Bytes written to the bucket"),
        (
            "ledger_flows_cache_hits",
            "counter",
            "Village page answers (/v1/regions/{code}/flows) served from the answer cache",
        ),
        (
            "ledger_flows_cache_misses",
            "counter",
            "Village page answers built because the cache had none valid (cache on)",
        ),
        (
            "ledger_flows_cache_bytes",
            "gauge",
            "Bytes held by the village page answer cache (bodies and per-entry overhead)",
        ),
        (
            "ledger_flows_cache_evictions",
            "counter",
            "Village page answers dropped from the cache to stay within --flows-cache-bytes",
        ),
        (
            "ledger_flows_not_modified",
            "counter",
            "Village page requests answered 304 Not Modified (If-None-Match)",
        ),
        (
            "ledger_witness_push_errors",
            "counter",
            "Failed add-checkpoint pushes to witnesses, by witness and kind (conflict, timeout, unreachable, garbage, ...)",
        ),
        (
            "ledger_witness_cosigned_size",
            "gauge",
            "Largest checkpoint size each pushed witness cosigned since the node started",
        ),
        ("ledger_mirror_size", "gauge", "Entries the mirror verified and serves"),
        (
            "ledger_mirror_lag_entries",
            "gauge",
            "The source checkpoint's size minus the mirror's verified size",
        ),
        (
            "ledger_mirror_source_errors",
            "counter",
            "Refused or failed reads of the source, by kind (tile_mismatch, tiles_missing, source_unavailable, checkpoint_invalid, wrong_log, invalid_log)",
        ),
        ("ledger_mirror_fork", "gauge", "1 once the source served a fork (reads stopped)"),
    ];
    let want_lines: Vec<String> = want
        .iter()
        .flat_map(|(name, kind, help)| [format!("# HELP {name} {help}."), format!("# TYPE {name} {kind}")])
        .chain(["# EOF".to_owned()]) // OpenMetrics' end marker
        .collect();
    assert_eq!(header_lines(&rendered), want_lines, "{rendered}");
}

#[test]
fn a_registered_metric_is_the_one_the_node_updates() {
    // The helper hands back a clone that shares its value with the
    // registry's: an update through the field must show in the rendering.
    let metrics = Metrics::new();
    metrics.entries.inc_by(7);
    Metrics::set_gauge(&metrics.log_size, 12);
    metrics.publish.error("timeout");
    metrics.reject("overdraft");
    let rendered = metrics.render();
    for line in [
        "ledger_entries_total 7",
        "ledger_log_size 12",
        "ledger_publish_errors_total{kind=\"timeout\"} 1",
        "ledger_rejections_total{code=\"overdraft\"} 1",
    ] {
        assert!(rendered.lines().any(|l| l == line), "{line} missing in:\n{rendered}");
    }
    assert!(
        !rendered.contains("ledger_mirror_"),
        "mirror metrics only where registered"
    );
}

//! Publication of the log to object storage (issue 17 item 1): a background
//! task copies every committed tile, entry bundle and the checkpoint to an
//! S3-compatible bucket (or a folder) as C2SP tlog-tiles paths, so that
//! readers, mirrors and a CDN need not reach the node.
//!
//! Invariants:
//!
//! * **The checkpoint is written last.** A round writes the tiles that its
//!   checkpoint covers (`layout`), then the extra objects, and only when the
//!   store has acknowledged every one of them, `checkpoint`. A round cut
//!   short leaves the previous checkpoint in place, whose tiles are all
//!   there: a reader never sees a checkpoint newer than its tiles.
//! * **Publication never blocks sequencing.** The task reads only committed
//!   state (`Shared::latest`, the in-memory tree under short read locks, the
//!   store's entries) and the sequencer never waits for it; a slow or dead
//!   bucket grows the lag (metrics, logs, `/readyz` detail), nothing else.
//! * **One history per bucket.** Before writing, the bucket's checkpoint is
//!   checked (`resume`): this log's and on this log's tree → resume from its
//!   size; empty → from 0; anything else → refused, named, and left alone.
//!
//! One file per concept: `target` (the URL and the store), `layout` (which
//! objects a round writes), `upload` (one object, retries, time-outs),
//! `resume` (the bucket's checkpoint), `status` (what `/readyz` shows),
//! `metrics`, and here the round and the loop.

pub mod layout;
pub mod metrics;
pub mod resume;
pub mod status;
pub mod target;
pub mod upload;

use crate::ledger::{Ledger, Shared};
use crate::store::Store;
use crate::tile_bytes::{self, TileBytesError};
use ledger_core::merkle::{TileKind, TileRef};
use object_store::ObjectStore;
use resume::{Refusal, Resume};
use status::PublishStatus;
use std::sync::Arc;
use std::time::Duration;
use target::PublishTarget;
use upload::{RetryPolicy, Upload, UploadError};

/// Default `--publish-interval-ms`: at most one round per second.
pub const DEFAULT_INTERVAL_MS: u64 = 1_000;
/// Default `--publish-max-backlog-entries`.
pub const DEFAULT_MAX_BACKLOG_ENTRIES: u64 = 100_000;
/// Objects written at once (tiles are produced and written this many at a
/// time, which also bounds the memory a round holds).
pub const DEFAULT_MAX_CONCURRENT_PUTS: usize = 8;
/// Largest bucket checkpoint read back (a checkpoint note with its
/// cosignatures is far smaller; anything larger is not one).
pub const MAX_BUCKET_CHECKPOINT_BYTES: u64 = ledger_core::checkpoint::MAX_NOTE_BYTES as u64;

/// Extra objects written in a round after the tiles and before the
/// checkpoint (the page's static index files, `static_views`): called on the
/// blocking pool under the ledger's read lock with the entries
/// `[from_seq, to_seq)` the round publishes.
pub type ExtraObjects = Arc<dyn Fn(&Ledger, &Store, u64, u64) -> anyhow::Result<Vec<Upload>> + Send + Sync>;

/// The publication's settings (`--publish` and the flags around it).
#[derive(Clone)]
pub struct PublishConfig {
    /// Where to.
    pub target: PublishTarget,
    /// The S3 endpoint URL (`--publish-endpoint`).
    pub endpoint: Option<String>,
    /// Virtual-hosted-style requests (`bucket.endpoint/key`) instead of
    /// path-style (`endpoint/bucket/key`, the default: what S3-compatible
    /// servers on one host answer).
    pub virtual_hosted: bool,
    /// At most one round per this many ms (rounds coalesce the commits made
    /// meanwhile).
    pub interval_ms: u64,
    /// Above this lag the node says so, once per crossing.
    pub max_backlog_entries: u64,
    /// Retries and time-outs.
    pub retry: RetryPolicy,
    /// Objects written at once.
    pub max_concurrent_puts: usize,
    /// Extra objects of each round (None: tiles and checkpoint only).
    pub extra: Option<ExtraObjects>,
}

impl std::fmt::Debug for PublishConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishConfig")
            .field("target", &self.target.to_string())
            .field("endpoint", &self.endpoint)
            .field("virtual_hosted", &self.virtual_hosted)
            .field("interval_ms", &self.interval_ms)
            .field("max_backlog_entries", &self.max_backlog_entries)
            .field("retry", &self.retry)
            .field("max_concurrent_puts", &self.max_concurrent_puts)
            .field("extra", &self.extra.is_some())
            .finish()
    }
}

impl PublishConfig {
    /// Defaults for `target`.
    pub fn new(target: PublishTarget, endpoint: Option<String>) -> PublishConfig {
        PublishConfig {
            target,
            endpoint,
            virtual_hosted: false,
            interval_ms: DEFAULT_INTERVAL_MS,
            max_backlog_entries: DEFAULT_MAX_BACKLOG_ENTRIES,
            retry: RetryPolicy::default(),
            max_concurrent_puts: DEFAULT_MAX_CONCURRENT_PUTS,
            extra: None,
        }
    }

    /// Open the target's store.
    pub fn open(&self) -> anyhow::Result<Arc<dyn ObjectStore>> {
        self.target.open(
            self.endpoint.as_deref(),
            self.virtual_hosted,
            self.retry.request_timeout_ms,
        )
    }
}

/// Why a round or the bucket check failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The store refused or did not answer.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// Reading the bucket's checkpoint failed.
    #[error("reading the bucket's checkpoint: {0}")]
    Read(String),
    /// The node's own data could not be read (a damaged store).
    #[error("reading this node's tiles: {0}")]
    Local(#[from] TileBytesError),
    /// The extra objects could not be produced.
    #[error("producing the extra objects: {0}")]
    Extra(String),
    /// The bucket is not this log's, or holds a fork.
    #[error(transparent)]
    Refused(#[from] Refusal),
}

impl PublishError {
    /// The stable code shown at `/readyz`.
    pub fn code(&self) -> &'static str {
        match self {
            PublishError::Upload(UploadError::Timeout { .. }) => "publish_timeout",
            PublishError::Upload(UploadError::Storage { .. }) | PublishError::Read(_) => "publish_storage",
            PublishError::Local(_) => "publish_local_read",
            PublishError::Extra(_) => "publish_extra_objects",
            PublishError::Refused(r) => r.code(),
        }
    }
}

/// Start the background publication; the returned status feeds `/readyz`.
/// Must be called inside a tokio runtime.
pub fn spawn(shared: Arc<Shared>, config: PublishConfig) -> anyhow::Result<Arc<PublishStatus>> {
    let store = config.open()?;
    let status = Arc::new(PublishStatus::new(config.target.to_string()));
    tracing::info!(target_url = %config.target, interval_ms = config.interval_ms, "publishing the log to object storage");
    tokio::spawn(run(shared, store, config, status.clone()));
    Ok(status)
}

/// The loop: check the bucket, then one round per interval while the
/// checkpoint moves; back off after failures.
async fn run(shared: Arc<Shared>, store: Arc<dyn ObjectStore>, config: PublishConfig, status: Arc<PublishStatus>) {
    let metrics = &shared.metrics.publish;
    let mut published: Option<u64> = None;
    let mut failures: u32 = 0;
    let mut lag = status::LagTracker::new(config.max_backlog_entries);
    loop {
        let outcome = match published {
            None => check_bucket(&shared, store.as_ref(), &config).await.inspect(|&from| {
                tracing::info!(target_url = %config.target, size = from, "publication resumes from the bucket's checkpoint");
                published = Some(from);
            }),
            Some(from) => match shared.latest() {
                Some(latest) if latest.size > from => {
                    round(&shared, store.as_ref(), &config, from, &latest).await.map(|()| {
                        published = Some(latest.size);
                        latest.size
                    })
                }
                _ => Ok(from),
            },
        };
        match outcome {
            Ok(size) => {
                if failures > 0 || status.report().last_error.is_some() {
                    tracing::info!(target_url = %config.target, size, "publication works again");
                }
                failures = 0;
                metrics.refused.set(0);
                crate::metrics::Metrics::set_gauge(&metrics.size, size);
                status.succeeded(size);
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let code = e.code();
                // A refusal is logged once per change, not every interval:
                // it lasts until an operator acts.
                let repeated = status.report().last_error.as_deref() == Some(code);
                if let PublishError::Refused(r) = &e {
                    metrics.refused.set(1);
                    if !repeated {
                        metrics.error(r.kind());
                        tracing::error!(code, target_url = %config.target, "{e}; the node goes on sequencing and serving, and does not write to this bucket");
                    }
                } else {
                    match &e {
                        PublishError::Local(_) => metrics.error("local_read"),
                        PublishError::Extra(_) => metrics.error("extra_objects"),
                        _ => {}
                    }
                    tracing::warn!(code, target_url = %config.target, failures, "publication round failed: {e}; the bucket keeps its previous checkpoint, retrying");
                }
                status.failed(code, &e.to_string());
            }
        }
        lag.update(&shared, published, &status);
        let wait_ms = if failures == 0 {
            config.interval_ms
        } else {
            config.interval_ms.max(config.retry.backoff_ms(failures))
        };
        tokio::time::sleep(Duration::from_millis(wait_ms.max(1))).await;
    }
}

/// Read the bucket's checkpoint and decide where to start.
pub async fn check_bucket(
    shared: &Arc<Shared>,
    store: &dyn ObjectStore,
    config: &PublishConfig,
) -> Result<u64, PublishError> {
    let note = read_checkpoint(store, config, &shared.metrics.publish).await?;
    let shared2 = shared.clone();
    let decision = tokio::task::spawn_blocking(move || {
        let committed = shared2.latest().map_or(0, |l| l.size);
        let ledger = shared2
            .ledger
            .read()
            .map_err(|_| PublishError::Read("the ledger state lock is poisoned".into()))?;
        Ok::<Resume, PublishError>(resume::decide(note.as_deref(), &ledger, committed))
    })
    .await
    .map_err(|e| PublishError::Read(format!("the check task failed: {e}")))??;
    match decision {
        Resume::From(size) => Ok(size),
        Resume::Refuse(r) => Err(r.into()),
    }
}

/// The bucket's `checkpoint`, `None` when it has none.
async fn read_checkpoint(
    store: &dyn ObjectStore,
    config: &PublishConfig,
    metrics: &metrics::PublishMetrics,
) -> Result<Option<Vec<u8>>, PublishError> {
    let path = config.target.object_path(layout::CHECKPOINT_PATH);
    let timeout = Duration::from_millis(config.retry.request_timeout_ms.max(1));
    let read = async {
        match store.get(&path).await {
            Ok(result) => {
                if result.meta.size > MAX_BUCKET_CHECKPOINT_BYTES {
                    return Err(PublishError::Refused(Refusal::Foreign(format!(
                        "it is {} bytes, over the {MAX_BUCKET_CHECKPOINT_BYTES} bytes of a checkpoint",
                        result.meta.size
                    ))));
                }
                let bytes = result.bytes().await.map_err(|e| PublishError::Read(e.to_string()))?;
                Ok(Some(bytes.to_vec()))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(PublishError::Read(e.to_string())),
        }
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => {
            if let Err(PublishError::Read(_)) = &result {
                metrics.error("storage");
            }
            result
        }
        Err(_) => {
            metrics.error("timeout");
            Err(PublishError::Upload(UploadError::Timeout {
                path: layout::CHECKPOINT_PATH.into(),
                timeout_ms: config.retry.request_timeout_ms,
                attempts: 1,
            }))
        }
    }
}

/// One round: publish `[from, latest.size)` — tiles, extra objects, then
/// the checkpoint.
pub async fn round(
    shared: &Arc<Shared>,
    store: &dyn ObjectStore,
    config: &PublishConfig,
    from: u64,
    latest: &crate::ledger::Latest,
) -> Result<(), PublishError> {
    let metrics = &shared.metrics.publish;
    let tiles = layout::tiles_between(from, latest.size);
    for chunk in tiles.chunks(config.max_concurrent_puts.max(1)) {
        let uploads = produce(shared, chunk.to_vec()).await?;
        put_all(store, config, uploads, metrics).await?;
    }
    if let Some(extra) = &config.extra {
        let extra = extra.clone();
        let shared2 = shared.clone();
        let to = latest.size;
        let objects = tokio::task::spawn_blocking(move || {
            let ledger = shared2
                .ledger
                .read()
                .map_err(|_| PublishError::Extra("the ledger state lock is poisoned".into()))?;
            extra(&ledger, &shared2.store, from, to).map_err(|e| PublishError::Extra(format!("{e:#}")))
        })
        .await
        .map_err(|e| PublishError::Extra(format!("the task failed: {e}")))??;
        // A sliding window of puts rather than chunks that each wait for
        // their slowest object: the extra objects are hundreds per round.
        put_all(store, config, objects, metrics).await?;
    }
    // Last, and only now: every object it covers was acknowledged above.
    let checkpoint = Upload {
        path: layout::CHECKPOINT_PATH.into(),
        bytes: latest.note.clone().into_bytes(),
        content_type: "text/plain; charset=utf-8",
        immutable: false,
    };
    upload::put(store, &config.target, &checkpoint, &config.retry, metrics).await?;
    Ok(())
}

/// The bytes of `tiles`, on the blocking pool (store reads, hashing).
async fn produce(shared: &Arc<Shared>, tiles: Vec<TileRef>) -> Result<Vec<Upload>, PublishError> {
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::with_capacity(tiles.len());
        for tile in tiles {
            let bytes = match tile.kind {
                TileKind::Hash { .. } => {
                    // The lock is held for one tile at a time: the
                    // sequencer's write lock never waits long.
                    let ledger = shared.ledger.read().map_err(|_| TileBytesError::Corrupt {
                        seq: 0,
                        why: "the ledger state lock is poisoned".into(),
                    })?;
                    tile_bytes::hash_tile(&ledger, &tile)?
                }
                TileKind::Entries => tile_bytes::entry_bundle(&shared.store, &shared.ledger, &tile)?,
            };
            out.push(Upload {
                path: tile.path(),
                bytes,
                content_type: "application/octet-stream",
                immutable: true,
            });
        }
        Ok::<_, PublishError>(out)
    })
    .await
    .map_err(|e| {
        PublishError::Local(TileBytesError::Corrupt {
            seq: 0,
            why: format!("the tile task failed: {e}"),
        })
    })?
}

/// Write `uploads`, at most `max_concurrent_puts` at once; every one must
/// be acknowledged (the first failure ends the round).
async fn put_all(
    store: &dyn ObjectStore,
    config: &PublishConfig,
    uploads: Vec<Upload>,
    metrics: &metrics::PublishMetrics,
) -> Result<(), PublishError> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    // Collected first: a lazily mapped iterator here makes the future not
    // `Send`-general enough for `tokio::spawn` (a higher-ranked lifetime).
    let puts: Vec<_> = uploads
        .iter()
        .map(|u| upload::put(store, &config.target, u, &config.retry, metrics))
        .collect();
    stream::iter(puts)
        .buffer_unordered(config.max_concurrent_puts.max(1))
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// `ledger-node publish --to URL`: publish a stopped node's log up to its
/// last checkpoint, once; returns the published size.
pub async fn publish_once(shared: Arc<Shared>, config: PublishConfig) -> anyhow::Result<u64> {
    let store = config.open()?;
    let from = check_bucket(&shared, store.as_ref(), &config).await?;
    let Some(latest) = shared.latest() else {
        return Ok(from);
    };
    if latest.size > from {
        round(&shared, store.as_ref(), &config, from, &latest).await?;
    }
    Ok(latest.size.max(from))
}

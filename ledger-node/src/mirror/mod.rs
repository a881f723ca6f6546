//! `ledger-node mirror`: a read-only node that follows a log from its C2SP
//! tlog-tiles (a node's root URL or a bucket's public URL), verifies every
//! entry with the primary's start-up replay (`ledger_core::verify::Replay`)
//! before serving it, and serves the same public read API, tiles and page.
//!
//! Invariant: **a mirror serves only what it verified.** Each follow step
//! (`follow.rs`) reads the source's signed checkpoint, checks it against the
//! log key (the pinned `--log-key`, then the keys the verified chain rotates
//! to), checks the new leaf hashes against the checkpoint's root, then reads
//! the entry bundles (each entry against its authenticated leaf), replays
//! them and commits them to its store the way `restore` does (chunks, each
//! commit carrying the verified checkpoint). Only then do `/v1/checkpoint`
//! and the size readers see move.
//!
//! Data that matches no signed checkpoint (a forged tile) is refused
//! (`tile_mismatch`), counted and retried; the mirror goes on serving what
//! it had. Two validly signed checkpoints that cannot both be prefixes of one
//! tree are a fork (`fork.rs`): the mirror writes the evidence into its data
//! folder, stops serving entries (503 `fork_detected`) and stays stopped
//! across restarts while the evidence file is there.

mod follow;
mod fork;
mod http;

pub use follow::MIRROR_APPLY_CHUNK;
pub use http::{halted_guard, read_only_error, read_only_routes, readyz};

use crate::api::AppState;
use crate::config::NodeConfig;
use crate::ledger::{open_ledger_resumable, Shared};
use crate::metrics::{Metrics, MirrorMetrics};
use crate::store::{Store, StoreError};
use anyhow::{bail, Context, Result};
use ledger_tlog_client::{ClientOptions, TilesClient};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Shortest poll interval (a source is not polled in a busy loop).
pub const MIN_POLL_INTERVAL_MS: u64 = 100;
/// Default poll interval.
pub const DEFAULT_POLL_INTERVAL_MS: u64 = 2_000;

/// What `ledger-node mirror` was told.
#[derive(Debug, Clone)]
pub struct MirrorConfig {
    /// The tiles prefix followed.
    pub follow: String,
    /// The log's verifier key (trust anchor).
    pub log_key: String,
    /// The log's origin, when pinned.
    pub origin: Option<String>,
    /// Pause between follow steps when up to date or after an error.
    pub poll_interval_ms: u64,
    /// Time-outs, attempts and back-off of the tiles client.
    pub client: ClientOptions,
}

/// Why the mirror stopped: a fork stops reads; another log only stops following.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halt {
    /// `fork_detected`, `wrong_log` or `invalid_log`.
    pub code: &'static str,
    /// One line for people and logs.
    pub message: String,
    /// Whether read routes answer 503 (`fork_detected`, `invalid_log`).
    pub blocks_reads: bool,
}

/// What `/readyz` and the guard read.
#[derive(Debug, Clone, Default)]
pub struct StatusView {
    /// The source checkpoint's size last seen.
    pub source_size: Option<u64>,
    /// The last source error (code, message), cleared by a good step.
    pub last_error: Option<(String, String)>,
    /// Set once the mirror stopped following.
    pub halt: Option<Halt>,
}

/// The follower's status, shared with the HTTP handlers.
#[derive(Debug)]
pub struct MirrorStatus {
    /// The tiles prefix followed.
    pub source: String,
    /// The mirror's metrics.
    pub metrics: MirrorMetrics,
    view: Mutex<StatusView>,
}

impl MirrorStatus {
    /// A copy of the current status.
    pub fn view(&self) -> StatusView {
        self.view.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut StatusView)) {
        if let Ok(mut v) = self.view.lock() {
            f(&mut v);
        }
    }

    /// The halt, if the mirror stopped.
    pub fn halt(&self) -> Option<Halt> {
        self.view.lock().ok().and_then(|v| v.halt.clone())
    }
}

/// A started mirror: the app state for the router and the follower thread.
#[derive(Debug)]
pub struct StartedMirror {
    /// Shared by every handler.
    pub app: AppState,
    /// Set to stop the follower after its current step.
    pub stop: Arc<AtomicBool>,
    /// The follower thread.
    pub follower: std::thread::JoinHandle<()>,
}

impl StartedMirror {
    /// Stop the follower (after its current step: a step's commits are not
    /// cut short) and wait for it.
    pub fn shutdown(self) {
        self.stop.store(true, Ordering::Release);
        let _ = self.follower.join();
    }
}

/// Open (or create) the mirror's store in `config.data_dir`, replay and
/// verify it as the primary does at start-up, check it is the configured
/// log, and start following.
pub fn start(config: &NodeConfig, mirror: &MirrorConfig) -> Result<StartedMirror> {
    let data_dir = &config.data_dir;
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    if crate::keyfile::log_key_path(data_dir).exists() {
        bail!(
            "{} holds a log key: it is a primary's data folder. A mirror keeps its own folder (it never signs)",
            data_dir.display()
        );
    }
    let verifier = ledger_core::checkpoint::LogVerifier::from_vkey(mirror.log_key.trim())
        .map_err(|e| anyhow::anyhow!("wrong_log: --log-key {}: {e}", mirror.log_key))?;
    let store_dir = crate::init::store_dir(data_dir);
    let store = match Store::open(&store_dir, config.store) {
        Ok(s) => s,
        Err(StoreError::Missing(_)) => {
            Store::create(&store_dir, config.store).with_context(|| format!("creating {}", store_dir.display()))?
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("opening the mirror's store {}", store_dir.display())))
        }
    };
    tracing::info!(dir = %data_dir.display(), "verifying the mirror's stored ledger");
    // A store cut short inside a step (`kill -9` between two chunk commits)
    // opens with its verified entries and no checkpoint: the follower's next
    // step proves them against a signed root before any checkpoint is served.
    let (ledger, latest) = open_ledger_resumable(&store, &|n| tracing::debug!(entries = n, "replayed")).map_err(|e| {
        anyhow::anyhow!(
            "{e}. The mirror does not serve a damaged copy: move {} aside and start the mirror again to fetch the log anew",
            store_dir.display()
        )
    })?;
    // The store must be the configured log: its origin and a key it holds.
    let stored_origin = ledger.state.origin().map(str::to_string);
    let origin = match (&mirror.origin, &stored_origin) {
        (Some(want), Some(have)) if want != have => {
            bail!("wrong_log: the mirror's store holds log {have:?}, not --origin {want:?}; use another --data folder")
        }
        (Some(want), _) => want.clone(),
        (None, Some(have)) => have.clone(),
        (None, None) => verifier.name().to_string(),
    };
    if verifier.name() != origin {
        bail!(
            "wrong_log: --log-key is a key of log {:?}, not of {origin:?}",
            verifier.name()
        );
    }
    let history = ledger.state.log_vkey_history().to_vec();
    if !history.is_empty() && !history.iter().any(|(_, k)| k.trim() == mirror.log_key.trim()) {
        bail!(
            "wrong_log: the mirror's store holds a log whose keys are {}, not --log-key {}; use another --data folder",
            history.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>().join(", "),
            mirror.log_key
        );
    }
    let client = TilesClient::new(&mirror.follow, mirror.client).map_err(|e| anyhow::anyhow!("--follow: {e}"))?;
    let mut metrics = Metrics::new();
    let mirror_metrics = metrics.register_mirror();
    Metrics::set_gauge(&metrics.log_size, ledger.head.size);
    Metrics::set_gauge(&mirror_metrics.size, ledger.head.size);
    let status = Arc::new(MirrorStatus {
        source: client.url(),
        metrics: mirror_metrics,
        view: Mutex::new(StatusView::default()),
    });
    // Evidence of an earlier fork keeps the mirror stopped: an operator
    // decides (and moves the file away) before it serves again.
    if let Some(evidence) = fork::existing_evidence(data_dir)? {
        let message = format!(
            "fork evidence {} is in the data folder: the source served a fork; reads stay stopped until it is moved away",
            evidence.display()
        );
        tracing::error!(%message, "mirror halted");
        Metrics::set_gauge(&status.metrics.fork, 1);
        status.update(|v| {
            v.halt = Some(Halt {
                code: "fork_detected",
                message,
                blocks_reads: true,
            })
        });
    }
    let shared = Shared::new(data_dir.clone(), store, ledger, latest, metrics);
    shared.ready.store(true, Ordering::Release);
    let stop = Arc::new(AtomicBool::new(false));
    let follower = follow::Follower {
        shared: shared.clone(),
        status: status.clone(),
        client,
        pinned: mirror.log_key.trim().to_string(),
        origin,
        poll_interval_ms: mirror.poll_interval_ms.max(MIN_POLL_INTERVAL_MS),
        data_dir: data_dir.clone(),
        stop: stop.clone(),
    };
    let handle = std::thread::Builder::new()
        .name("mirror-follower".into())
        .spawn(move || follower.run())
        .context("starting the mirror's follower")?;
    Ok(StartedMirror {
        app: AppState::mirror(shared, status, config.limits),
        stop,
        follower: handle,
    })
}

/// Run the mirror until SIGINT/SIGTERM.
pub async fn serve(config: NodeConfig, mirror: MirrorConfig) -> Result<()> {
    // Built off the async runtime: the tiles client is reqwest's blocking
    // one, which must not be created (or dropped) inside async code.
    let started = {
        let (config, mirror) = (config.clone(), mirror.clone());
        tokio::task::spawn_blocking(move || start(&config, &mirror))
            .await
            .context("starting the mirror")??
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {} (is the port in use? pass --listen)", config.listen))?;
    let local = listener.local_addr()?;
    let app = started.app.clone();
    println!(
        "阳光账本 mirror ready: http://{local}/  (following {}, data: {}, {} verified entries)",
        mirror.follow,
        config.data_dir.display(),
        app.shared.committed()
    );
    let router = crate::api::router(app.clone());
    let shared = app.shared.clone();
    drop(app);
    let fatal_shared = shared.clone();
    let stop = async move {
        tokio::select! {
            _ = crate::server::shutdown_signal() => {},
            _ = fatal_shared.fatal.notified() => {},
        }
    };
    crate::connections::serve(listener, router, config.connections, &shared.metrics, stop).await;
    shared.ready.store(false, Ordering::Release);
    tracing::info!("HTTP stopped; letting the follower finish its step");
    let StartedMirror { stop, follower, .. } = started;
    stop.store(true, Ordering::Release);
    tokio::task::spawn_blocking(move || follower.join()).await.ok();
    if shared.storage_failed.load(Ordering::Acquire) {
        tracing::error!("storage failed: exiting; a restart replays the mirror's store from disk");
        std::process::exit(crate::sequencer::EXIT_STORAGE_FAILED);
    }
    Ok(())
}

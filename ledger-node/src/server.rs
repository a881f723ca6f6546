//! Start-up, serving and shutdown.

use crate::api::{self, AppState};
use crate::config::NodeConfig;
use crate::keyfile;
use crate::ledger::{open_ledger, Shared};
use crate::metrics::Metrics;
use crate::sequencer::{self, Clock, Signers, SystemClock};
use crate::store::Store;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A started node: the app state for the router and the sequencer thread.
#[derive(Debug)]
pub struct Started {
    /// Shared by every handler.
    pub app: AppState,
    /// The sequencer; joins after every `AppState` is dropped.
    pub sequencer: std::thread::JoinHandle<()>,
}

/// Load the log keys the node holds: `keys/log.key`, any retired ones (so
/// idempotent retries of old entries still get their original receipts) and
/// `keys/log-next.key` if a rotation is prepared.
fn load_signers(data_dir: &Path) -> Result<Signers> {
    let mut keys = Vec::new();
    let dir = keyfile::keys_dir(data_dir);
    if dir.exists() {
        for item in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = item?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if name == "log.key"
                || name == "log-next.key"
                || (name.starts_with("log-retired-") && name.ends_with(".key"))
            {
                keys.push(keyfile::read_signing_key(&path)?);
            }
        }
    }
    Signers::new(keys)
}

/// Open the store, replay and verify it, and start the sequencer on the
/// system clocks.
pub fn start(config: &NodeConfig) -> Result<Started> {
    start_with_clock(config, Arc::new(SystemClock::new()))
}

/// [`start`] with the sequencer reading `clock` (tests make it jump).
pub fn start_with_clock(config: &NodeConfig, clock: Arc<dyn Clock>) -> Result<Started> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data folder {}", config.data_dir.display()))?;
    let store_dir = config.data_dir.join("store");
    let store = Store::open(&store_dir, config.store).with_context(|| {
        format!(
            "opening the store in {} (is another ledger-node using this folder?)",
            store_dir.display()
        )
    })?;
    let log_path = keyfile::log_key_path(&config.data_dir);
    if !log_path.exists() {
        let Some(origin) = &config.origin else {
            bail!(
                "no log key at {}: start once with --origin <name, e.g. huaian.example.gov.cn/ledger> to create one",
                log_path.display()
            );
        };
        let key = keyfile::create_signing_key(&log_path, origin)?;
        let vkey = ledger_core::keys::verifier_key_string(origin, &key.verifying_key());
        tracing::info!(vkey, path = %log_path.display(), "created the log key; put this verifier key in the genesis entry");
    }
    let signers = load_signers(&config.data_dir)?;
    tracing::info!(dir = %config.data_dir.display(), "verifying the stored ledger");
    let started = std::time::Instant::now();
    let (ledger, latest) = open_ledger(&store, &|n| tracing::debug!(entries = n, "replayed"))?;
    let (moves_bytes, nonces_bytes) = ledger.state.per_entry_heap_bytes();
    const MIB: u64 = 1 << 20;
    tracing::info!(
        entries = ledger.head.size,
        seconds = started.elapsed().as_secs_f64(),
        tree_mib = ledger.tree.stored_hash_count() * 32 / MIB,
        movements_mib = moves_bytes as u64 / MIB,
        nonces_mib = nonces_bytes as u64 / MIB,
        postings_mib = store.index_heap_bytes() / MIB,
        query_mib = ledger.query.approx_heap_bytes() as u64 / MIB,
        "store verified"
    );
    if let Some(vkey) = ledger.state.log_vkey() {
        if !signers.has(vkey) {
            bail!(
                "the log key in force ({vkey}) is not in {}",
                keyfile::keys_dir(&config.data_dir).display()
            );
        }
    }
    let metrics = Metrics::new();
    Metrics::set_gauge(&metrics.log_size, ledger.head.size);
    let shared = Shared::new(config.data_dir.clone(), store, ledger, latest, metrics);
    let (tx, rx) = mpsc::channel(config.queue_requests);
    let sequencer =
        sequencer::spawn(shared.clone(), signers, rx, config.sequencer, clock).context("starting the sequencer")?;
    shared.ready.store(true, Ordering::Release);
    let mut witnesses = Vec::new();
    for vkey in &config.witnesses {
        witnesses.push(
            ledger_core::checkpoint::WitnessVerifier::from_vkey(vkey)
                .map_err(|e| anyhow::anyhow!("--witness {vkey}: {e}"))?,
        );
    }
    Ok(Started {
        app: AppState::new(shared, tx, config.limits).with_witnesses(witnesses),
        sequencer,
    })
}

/// Run the node until SIGINT/SIGTERM; finish the batch in flight; flush.
pub async fn serve(config: NodeConfig) -> Result<()> {
    let demo_needed = config.demo && !config.data_dir.join("store").exists();
    if demo_needed {
        crate::demo::prepare(&config)?;
    }
    let Started { app, sequencer } = start(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {} (is the port in use? pass --listen)", config.listen))?;
    let local = listener.local_addr()?;
    if demo_needed {
        crate::demo::load(&app, &config).await?;
    }
    let url = format!("http://{local}/");
    tracing::info!(%url, entries = app.shared.committed(), "serving");
    println!(
        "阳光账本 node ready: {url}  (data: {}, {} entries)",
        config.data_dir.display(),
        app.shared.committed()
    );
    // The per-address rate limiter keeps a cell per client address: forget
    // the idle ones every minute so its memory stays bounded.
    let limiter = app.read_limiter.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
    let router = api::router(app.clone());
    let shared = app.shared.clone();
    drop(app);
    crate::connections::serve(listener, router, config.connections, &shared.metrics, shutdown_signal()).await;
    tracing::info!("HTTP stopped; finishing the batch in flight");
    shared.ready.store(false, Ordering::Release);
    // Every sender is gone with the router: the sequencer drains and returns.
    tokio::task::spawn_blocking(move || sequencer.join()).await.ok();
    shared.store.flush().context("final flush")?;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// `prepare-rotation`: create `keys/log-next.key`; returns its verifier key
/// and the outgoing log key's endorsement of it (hex), both of which the
/// admins put in the `log_key_rotate` entry.
pub fn prepare_rotation(config: &NodeConfig) -> Result<(String, String)> {
    let (origin, outgoing) = keyfile::read_signing_key(&keyfile::log_key_path(&config.data_dir))?;
    let path = keyfile::next_log_key_path(&config.data_dir);
    let key = keyfile::create_signing_key(&path, &origin)?;
    let vkey = ledger_core::keys::verifier_key_string(&origin, &key.verifying_key());
    let endorsement = ledger_core::keys::endorse_rotation(&outgoing, &origin, &vkey);
    Ok((vkey, endorsement.to_hex()))
}

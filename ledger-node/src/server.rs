//! Start-up, serving and shutdown.

use crate::api::{self, AppState};
use crate::config::NodeConfig;
use crate::keyfile;
use crate::ledger::{open_ledger, Shared};
use crate::ledger::{Latest, Ledger};
use crate::metrics::Metrics;
use crate::sequencer::{self, Clock, Signers, SystemClock, EXIT_STORAGE_FAILED};
use crate::signed_state::{self, SignedState};
use crate::store::{Store, StoreError};
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc;

// One copy for the node, its mirror (`crate::server::shutdown_signal`) and
// ledger-witness: the ledger-shutdown crate says why it is a crate.
pub(crate) use ledger_shutdown::shutdown_signal;

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

/// The restore command for `data_dir`, as an operator types it.
fn restore_hint(data_dir: &Path) -> String {
    format!(
        "move {store} aside (keep it as evidence), then rebuild it from the newest export bundle you have (a backup, or `ledger export --node URL --out ledger.bundle` from a mirror): `ledger-node restore --data {data} --bundle ledger.bundle`, and start the node again",
        store = crate::init::store_dir(data_dir).display(),
        data = data_dir.display()
    )
}

/// Open the store and refuse, in one paragraph saying what is wrong and
/// what to do, every folder the node must not serve.
fn open_store(config: &NodeConfig, signed: Option<&SignedState>) -> Result<Store> {
    let data_dir = &config.data_dir;
    let store_dir = crate::init::store_dir(data_dir);
    match Store::open(&store_dir, config.store) {
        Ok(store) => Ok(store),
        // An init interrupted before the store was made: the key has signed
        // nothing, so an empty store is the log it started.
        Err(StoreError::Missing(_)) if signed == Some(&SignedState::NothingSigned) => {
            Store::create(&store_dir, config.store).with_context(|| format!("creating {}", store_dir.display()))
        }
        Err(StoreError::Missing(_)) => match signed {
            Some(SignedState::Signed { size, .. }) => bail!(
                "no store at {}, but this log key has already signed a checkpoint of {size} entries: the store was removed, or its volume is not mounted. Starting an empty log would sign a second history with the same key, so the node refuses. If the volume is not mounted, mount it; otherwise {}",
                store_dir.display(),
                restore_hint(data_dir)
            ),
            _ => bail!(
                "no store at {} (the log key is there, but no record of what it signed): the store was removed, or its volume is not mounted. If it is, mount it; to rebuild it, {}. A new log starts only with `ledger-node --data DIR init --origin NAME` in an empty folder",
                store_dir.display(),
                restore_hint(data_dir)
            ),
        },
        Err(StoreError::Damaged(damage)) => bail!(
            "the store is damaged: {damage}. Entries {} onwards cannot be read as they were written; the node does not serve a damaged log. To recover, {}",
            damage.entry.map_or_else(|| "from that point".to_string(), |e| e.to_string()),
            restore_hint(data_dir)
        ),
        Err(e @ StoreError::Format(_)) => Err(e.into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("opening the store in {}", store_dir.display()))),
    }
}

/// Open the store, replay and verify it, check it against what the log key
/// has signed, and start the sequencer on the system clocks.
pub fn start(config: &NodeConfig) -> Result<Started> {
    start_with_clock(config, Arc::new(SystemClock::new()))
}

/// [`start`] with the sequencer reading `clock` (tests make it jump).
pub fn start_with_clock(config: &NodeConfig, clock: Arc<dyn Clock>) -> Result<Started> {
    let data_dir = &config.data_dir;
    let log_path = keyfile::log_key_path(data_dir);
    // Without log.key but with log-next.key: a rotation's renames were cut
    // short by a stop (the node's earlier code renamed log.key away first);
    // finished below, once the replay names the key in force.
    if !log_path.exists() && !keyfile::next_log_key_path(data_dir).exists() {
        bail!(
            "no log key at {}: a new log starts with `ledger-node --data {} init --origin NAME` (NAME, e.g. huaian.example.gov.cn/ledger, is the log's origin); an existing one needs its keys/ folder back from the key backup",
            log_path.display(),
            data_dir.display()
        );
    }
    let signed = signed_state::read(data_dir)?;
    let store = open_store(config, signed.as_ref())?;
    if let Some(torn) = store.torn_tail() {
        tracing::warn!(
            file = %torn.file.display(),
            offset = torn.offset,
            bytes = torn.bytes,
            entries = torn.entries,
            reason = torn.reason.as_deref().unwrap_or("the file ends after them"),
            "the last commit before the stop did not complete; its entries were never acknowledged and are dropped"
        );
    }
    let signers = load_signers(&config.data_dir)?;
    tracing::info!(dir = %config.data_dir.display(), "verifying the stored ledger");
    let started = std::time::Instant::now();
    let (ledger, latest) = match open_ledger(&store, &|n| tracing::debug!(entries = n, "replayed")) {
        Ok(opened) => opened,
        Err(e) => bail!(
            "{e}. The node does not serve a damaged log. To recover, {}",
            restore_hint(data_dir)
        ),
    };
    check_signed_state(data_dir, signed.as_ref(), &ledger, latest.as_ref(), store.torn_tail())?;
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
        // A rotation durable in the chain whose key files were not yet
        // renamed when the node stopped (the committer leaves that work to
        // a thread, `sequencer::key_files`): finish it before serving, so
        // that log.key is the key in force for `prepare-rotation`.
        if keyfile::promote_next_log_key(data_dir, vkey).with_context(|| {
            format!(
                "finishing the rotation to {vkey} in {}",
                keyfile::keys_dir(data_dir).display()
            )
        })? {
            tracing::warn!(
                vkey,
                "finished renaming the key files of a log-key rotation interrupted by a stop"
            );
        }
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
    let pushed: Vec<String> = config
        .witness_push
        .targets
        .iter()
        .map(|t| t.vkey.split('+').next().unwrap_or_default().to_string())
        .collect();
    Ok(Started {
        app: AppState::new(shared, tx, config.limits)
            .with_witnesses(witnesses)
            .with_min_witnesses(config.min_witnesses)
            .with_witness_push(pushed),
        sequencer,
    })
}

/// The store must hold the tree the log key last signed (or a larger one
/// extending it); then the record is brought up to the store's checkpoint.
fn check_signed_state(
    data_dir: &Path,
    signed: Option<&SignedState>,
    ledger: &Ledger,
    latest: Option<&Latest>,
    torn_tail: Option<&crate::store::TornTail>,
) -> Result<()> {
    match signed {
        None if ledger.head.size == 0 => bail!(
            "the log key at {} exists, but there is no record of what it has signed ({}) and the store is empty: if this key ever signed a checkpoint, an empty log would fork its history. Restore the store and the record from a backup ({}); a new log starts with `ledger-node --data DIR init --origin NAME` in an empty folder",
            keyfile::log_key_path(data_dir).display(),
            signed_state::path(data_dir).display(),
            restore_hint(data_dir)
        ),
        None => tracing::warn!(
            path = %signed_state::path(data_dir).display(),
            "no record of what the log key signed (a data folder from before this record existed): taking the store's verified checkpoint as the last one signed"
        ),
        Some(state) => {
            // A bad record in the last segment reads like a commit cut short
            // by a crash; if entries the key signed are missing behind it,
            // it is damage to acknowledged data, and is named as such.
            if let (Err(signed_state::Mismatch::Behind { stored, signed }), Some(torn)) =
                (signed_state::check_tree(state, &ledger.tree), torn_tail)
            {
                let what = match &torn.reason {
                    Some(reason) => format!("{reason} (in {})", torn.file.display()),
                    None => format!("{} ends at entry {stored}", torn.file.display()),
                };
                bail!(
                    "the store is damaged: {what}; the log key has signed {signed} entries, so entries {stored} to {} were acknowledged and cannot be read. The node does not serve a damaged log. To recover, {}",
                    signed - 1,
                    restore_hint(data_dir)
                );
            }
            if let Err(mismatch) = signed_state::check_tree(state, &ledger.tree) {
                bail!(
                    "{mismatch}: the store was wiped, rolled back to an older copy, or replaced. Serving it would make the log key sign a second history, so the node refuses. To recover, {} (the bundle must cover at least the signed checkpoint)",
                    restore_hint(data_dir)
                );
            }
        }
    }
    let recorded_size = match signed {
        Some(SignedState::Signed { size, .. }) => Some(*size),
        _ => None,
    };
    if let Some(latest) = latest {
        if recorded_size != Some(latest.size) {
            signed_state::record(data_dir, &latest.note)?;
        }
    }
    Ok(())
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
    if config.demo {
        if let Some(table) = crate::demo::read_key_table(&config) {
            // Where the keys are and who holds which: what a newcomer needs
            // to post with `ledger` against the demo (README).
            println!(
                "演示密钥（私钥文件，权限 0600）在 {}：\n{table}",
                crate::keyfile::keys_dir(&config.data_dir).display()
            );
        }
    }
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
    let app = match config.publish.clone() {
        // Spawned after the demo load: its first round publishes the whole
        // demo at once instead of racing the load batch by batch.
        Some(mut publish) => {
            publish.extra = Some(crate::static_views::publisher_extra());
            let status = crate::publish::spawn(app.shared.clone(), publish)?;
            app.with_publish(status)
        }
        None => app,
    };
    // Checkpoints to witnesses: background tasks that never block sequencing.
    let pushers = crate::witness_push::spawn(&app, &config.witness_push)?;
    let router = api::router(app.clone());
    let shared = app.shared.clone();
    drop(app);
    let fatal_shared = shared.clone();
    let stop = async move {
        tokio::select! {
            _ = shutdown_signal() => {},
            _ = fatal_shared.fatal.notified() => {},
        }
    };
    crate::connections::serve(listener, router, config.connections, &shared.metrics, stop).await;
    if shared.storage_failed.load(Ordering::Acquire) {
        // The answers of the failed batch went out; the store is the truth.
        tracing::error!(
            code = EXIT_STORAGE_FAILED,
            "storage failed: exiting; a restart replays the store from disk"
        );
        std::process::exit(EXIT_STORAGE_FAILED);
    }
    for pusher in pushers {
        pusher.abort();
    }
    tracing::info!("HTTP stopped; finishing the batch in flight");
    shared.ready.store(false, Ordering::Release);
    // Every sender is gone with the router: the sequencer drains and returns.
    tokio::task::spawn_blocking(move || sequencer.join()).await.ok();
    // Every commit was synced when it was made: nothing is left to flush.
    tracing::info!("stopped cleanly");
    Ok(())
}

/// `publish --to URL`: open the data folder (verifying it, as a start
/// does), publish up to its last checkpoint once, and stop.
pub async fn publish_once(config: &NodeConfig, mut publish: crate::publish::PublishConfig) -> Result<u64> {
    publish.extra = Some(crate::static_views::publisher_extra());
    let started = start(config)?;
    let result = crate::publish::publish_once(started.app.shared.clone(), publish).await;
    let Started { app, sequencer } = started;
    drop(app);
    tokio::task::spawn_blocking(move || sequencer.join()).await.ok();
    result
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

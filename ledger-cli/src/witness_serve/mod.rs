//! `ledger witness serve`: a witness that speaks `c2sp.org/tlog-witness`.
//! Logs push each new checkpoint with a consistency proof to
//! `POST /add-checkpoint`; the witness checks it against the latest
//! checkpoint it cosigned for that log (ledger-core's
//! `decide_add_checkpoint`, the same `witness_check` the pull witness
//! `ledger witness --node` uses), persists the new state durably, and only
//! then answers with its Ed25519 `cosignature/v1` line.
//!
//! One file per subject: `durable` (write-fsync-rename-fsync), `state` (the
//! per-log state and its lock), `http` (the routes and their statuses).

mod durable;
mod http;
mod state;

pub use durable::replace_file;

use crate::exit::{input, network, usage, Tag as _};
use crate::keys;
use anyhow::Result;
use clap::Args;
use ledger_core::checkpoint::WitnessSigner;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Default whole-request time-out: a request is one small body and one
/// signature; a client that takes longer is holding a connection for nothing.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;

/// `ledger witness serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The witness's signing key file (its name is the witness name; `ledger
    /// keygen --witness`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Folder for the per-log state (created if missing): the latest
    /// cosigned checkpoint of each log, written durably before each answer.
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7380")]
    pub listen: SocketAddr,
    /// A log this witness cosigns for: its verifier key (origin = key name).
    /// Repeatable; two keys with the same origin are both trusted (a log-key
    /// rotation: add the new key, restart, later remove the old one).
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<String>,
    /// Whole-request time-out, milliseconds.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_REQUEST_TIMEOUT_MS)]
    pub request_timeout_ms: u64,
}

/// Everything a request handler needs.
#[derive(Debug)]
pub struct Witness {
    /// The cosigning key.
    pub signer: WitnessSigner,
    /// The configured logs by origin.
    pub logs: std::collections::BTreeMap<String, Arc<state::LogSlot>>,
    /// Where refused, validly signed checkpoints are kept as evidence.
    pub evidence_dir: PathBuf,
}

/// Run `ledger witness serve` until SIGINT/SIGTERM.
pub fn run(args: &ServeArgs, quiet: bool) -> Result<()> {
    if args.request_timeout_ms == 0 || args.request_timeout_ms > 600_000 {
        return Err(usage("--request-timeout-ms must be 1-600000"));
    }
    let (name, key) = keys::read_signing_key(&args.key)?;
    let signer = WitnessSigner::new(&name, key).usage_err(format!("witness key name {name:?}"))?;
    std::fs::create_dir_all(&args.state_dir).input_err(format!("creating {}", args.state_dir.display()))?;
    let logs = state::load_logs(&args.state_dir, &args.logs).map_err(|e| input(format!("{e:#}")))?;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(if quiet { "warn" } else { "info" })),
        )
        .try_init();
    for slot in logs.values() {
        let held = slot.held.try_lock().ok().and_then(|h| h.as_ref().map(|h| h.state.size));
        tracing::info!(
            origin = %slot.origin,
            keys = slot.keys.len(),
            cosigned_size = held,
            state = %slot.file.display(),
            "witnessing log"
        );
    }
    let witness = Arc::new(Witness {
        signer,
        logs,
        evidence_dir: args.state_dir.join("evidence"),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .input_err("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| {
            network(format!(
                "listening on {}: {e} (is the port in use? pass --listen)",
                args.listen
            ))
        })?;
        let local = listener.local_addr().map_err(|e| network(e.to_string()))?;
        tracing::info!(
            %local,
            vkey = %witness.signer.verifier_key(),
            "witness serving c2sp.org/tlog-witness add-checkpoint"
        );
        // The address on stdout, for scripts and tests that pass port 0.
        println!(
            "阳光账本 witness ready: http://{local}/add-checkpoint  ({})",
            witness.signer.verifier_key()
        );
        let router = http::router(witness, args.request_timeout_ms);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| network(format!("serving: {e}")))
    })?;
    tracing::info!("witness stopped");
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

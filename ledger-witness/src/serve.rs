//! `ledger-witness serve` (also run as `ledger witness serve`): the flags,
//! the start-up checks, and the listener until SIGINT/SIGTERM.

use crate::error::ServeError;
use crate::messages::Msg;
use crate::state;
use clap::Args;
use ledger_core::checkpoint::WitnessSigner;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Default whole-request time-out: a request is one small body and one
/// signature; a client that takes longer is holding a connection for nothing.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;

/// Longest `--request-timeout-ms`: ten minutes is already far more than one
/// small body and one signature need.
pub const MAX_REQUEST_TIMEOUT_MS: u64 = 600_000;

/// `ledger-witness serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// 见证人的签名密钥文件，其名字即见证人名（用 `ledger keygen --witness` 生成）
    /// (the witness's signing key file; its name is the witness name).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// 每个账本的状态文件夹（没有则创建）：最近联署的检查点，每次应答前持久写盘
    /// (folder for the per-log state, created if missing: the latest cosigned
    /// checkpoint of each log, written durably before each answer).
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// 监听地址 (address to listen on).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7380")]
    pub listen: SocketAddr,
    /// 本见证人为之联署的账本：它的验证公钥（origin 即公钥名）。可重复；同一 origin 的两把公钥都受信任（账本换密钥时：加新公钥、重启，之后再去掉旧的）
    /// (a log this witness cosigns for: its verifier key, origin = key name;
    /// repeatable; two keys with the same origin are both trusted, for a
    /// log-key rotation).
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<String>,
    /// 整个请求的超时，毫秒 (whole-request time-out, milliseconds).
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

/// Run the witness until SIGINT/SIGTERM. `quiet`: log warnings only
/// (`RUST_LOG` overrides).
///
/// # Errors
/// A bad flag, key or state file, or an address it cannot listen on; the
/// message is in the run's language, the variant gives the exit code.
pub fn run(args: &ServeArgs, quiet: bool) -> Result<(), ServeError> {
    if args.request_timeout_ms == 0 || args.request_timeout_ms > MAX_REQUEST_TIMEOUT_MS {
        return Err(ServeError::Usage(
            Msg::BadTimeout {
                value: args.request_timeout_ms,
                max: MAX_REQUEST_TIMEOUT_MS,
            }
            .text(),
        ));
    }
    let (name, key) =
        ledger_datadir::keyfile::read_signing_key(&args.key).map_err(|e| ServeError::Input(Msg::KeyFile(&e).text()))?;
    let signer = WitnessSigner::new(&name, key).map_err(|e| {
        ServeError::Usage(
            Msg::KeyName {
                name: &name,
                detail: &e,
            }
            .text(),
        )
    })?;
    let keys =
        state::trusted_keys(&args.logs).map_err(|e| ServeError::Input(Msg::LogKey(&format_args!("{e:#}")).text()))?;
    std::fs::create_dir_all(&args.state_dir).map_err(|e| {
        ServeError::Input(
            Msg::StateDir {
                path: &args.state_dir.display(),
                detail: &e,
            }
            .text(),
        )
    })?;
    let logs = state::load_logs(&args.state_dir, keys)
        .map_err(|e| ServeError::Input(Msg::StateFile(&format_args!("{e:#}")).text()))?;
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
        .map_err(|e| ServeError::Input(Msg::Runtime(&e).text()))?;
    runtime.block_on(async move {
        let cannot_listen = |e: std::io::Error| {
            ServeError::Network(
                Msg::Listen {
                    addr: &args.listen,
                    detail: &e,
                }
                .text(),
            )
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(cannot_listen)?;
        let local = listener.local_addr().map_err(cannot_listen)?;
        tracing::info!(
            %local,
            vkey = %witness.signer.verifier_key(),
            "witness serving c2sp.org/tlog-witness add-checkpoint"
        );
        // The address on stdout, for scripts and tests that pass port 0.
        println!(
            "{}",
            Msg::Ready {
                url: &format!("http://{local}/add-checkpoint"),
                vkey: &witness.signer.verifier_key(),
            }
            .text()
        );
        let router = crate::http::router(witness, args.request_timeout_ms);
        axum::serve(listener, router)
            .with_graceful_shutdown(ledger_shutdown::shutdown_signal())
            .await
            .map_err(|e| ServeError::Network(Msg::Serving(&e).text()))
    })?;
    tracing::info!("witness stopped");
    Ok(())
}

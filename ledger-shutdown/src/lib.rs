//! # ledger-shutdown
//!
//! The one stop signal of the project's servers: `ledger-node` (its HTTP
//! server and `mirror`) and `ledger-witness serve` both finish their
//! requests in flight and stop on Ctrl-C or SIGTERM (what systemd and
//! `docker stop` send).
//!
//! Why a crate of its own, this small: it needs tokio's signal handling, and
//! the two servers must not depend on each other (a witness is independent
//! of the log it witnesses) nor put it in a crate the auditors' `ledger`
//! links (ledger-datadir). A cargo feature of ledger-datadir would not do:
//! a workspace build unifies features, so `ledger` would be compiled with it.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Resolves on the first SIGINT (Ctrl-C) or, on Unix, SIGTERM. If a handler
/// cannot be installed, that signal is simply never awaited (the other one
/// and SIGKILL still stop the process), rather than failing the start.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
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

//! The HTTP accept loop, with the limits `axum::serve` does not have: a cap
//! on open connections, a cap per client address, and a timeout for reading
//! a request's head (which is also the idle timeout of a kept-alive
//! connection: hyper starts it when it waits for the next request).
//!
//! Without them one client holding thousands of idle connections exhausts
//! the process's file descriptors, and then every `accept` fails ("Too many
//! open files") for everyone. A refused connection gets a one-line 503 and
//! is closed at once, so it holds a descriptor for no time.
//!
//! The node speaks HTTP/1.1 only (axum's default features), so hyper's
//! HTTP/1 connection builder is used directly.

use crate::metrics::{Metrics, ReasonLabel};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt as _;

/// Default cap on open HTTP connections: well under the usual soft limit of
/// 1,024 file descriptors, leaving room for the store's files.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default cap on open HTTP connections from one client address: a browser
/// opens at most 6 per host, a bulk client 8-16; a village office behind one
/// NAT address still fits.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: usize = 32;
/// Default time a client has to send a request's head, counted from the
/// connection's start or from the previous answer.
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 15_000;

/// After an accept error other than a reset by the peer (e.g. out of file
/// descriptors), wait this long before accepting again instead of spinning.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// What a refused connection reads before it is closed.
const REFUSED_ANSWER: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 88\r\n\r\n{\"error\":{\"code\":\"overloaded\",\"message\":\"too many open connections; retry in a second\"}}";

/// Connection limits, passed explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most open connections.
    pub max_connections: usize,
    /// Most open connections from one client IP address.
    pub max_connections_per_address: usize,
    /// Time to send a request head (idle timeout between requests too).
    pub header_read_timeout_ms: u64,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
            header_read_timeout_ms: DEFAULT_HEADER_READ_TIMEOUT_MS,
        }
    }
}

/// Why a connection was refused (the metric's `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Total,
    PerAddress,
}

impl Refusal {
    fn label(self) -> &'static str {
        match self {
            Refusal::Total => "max_connections",
            Refusal::PerAddress => "max_connections_per_address",
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// The open connections, counted in total and per address.
#[derive(Debug, Clone)]
struct Tracker {
    counts: Arc<Mutex<Counts>>,
    limits: ConnectionLimits,
    open: Gauge,
    refused: Family<ReasonLabel, Counter>,
}

/// One admitted connection; uncounted when dropped.
#[derive(Debug)]
struct Slot {
    tracker: Tracker,
    address: IpAddr,
}

impl Tracker {
    fn admit(&self, address: IpAddr) -> Result<Slot, Refusal> {
        // A poisoned lock only means a panic elsewhere while counting; the
        // counts themselves are still consistent integers.
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.total >= self.limits.max_connections {
            return Err(Refusal::Total);
        }
        let mine = counts.per_address.entry(address).or_insert(0);
        if *mine >= self.limits.max_connections_per_address {
            return Err(Refusal::PerAddress);
        }
        *mine += 1;
        counts.total += 1;
        Metrics::set_gauge(&self.open, counts.total as u64);
        Ok(Slot {
            tracker: self.clone(),
            address,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.tracker.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.per_address.remove(&self.address);
            }
        }
        Metrics::set_gauge(&self.tracker.open, counts.total as u64);
    }
}

/// Serve `router` on `listener` until `shutdown` completes; then stop
/// accepting, let every connection finish the request it is in (idle ones
/// close at once) and return when all are closed.
pub fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let tracker = Tracker {
        counts: Arc::new(Mutex::new(Counts::default())),
        limits,
        open: metrics.connections_open.clone(),
        refused: metrics.connections_refused.clone(),
    };
    accept_loop(listener, router, tracker, shutdown)
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tracker: Tracker,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = tracker.limits;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(limits.header_read_timeout_ms));
    // Shutdown is sent on `signal`; every connection task holds a `done`
    // receiver, so `done_tx.closed()` completes when the last one has ended.
    let (signal_tx, signal_rx) = watch::channel(false);
    let (done_tx, done_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionRefused
                            | std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::ConnectionReset
                    ) {
                        tracing::error!(error = %e, "accept error");
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = match tracker.admit(remote.ip()) {
            Ok(slot) => slot,
            Err(refusal) => {
                refuse(&stream, refusal, &tracker.refused);
                continue;
            }
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(remote));
            router.clone().oneshot(request)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut signal = signal_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _done = done;
            tokio::pin!(connection);
            let mut shutting_down = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        break;
                    }
                    _ = signal.changed(), if !shutting_down => {
                        shutting_down = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    drop(listener);
    drop(done_rx);
    let _ = signal_tx.send(true);
    done_tx.closed().await;
}

/// Answer 503 without waiting (a fresh socket's send buffer is empty, so
/// the write completes or is skipped), count it, and close.
fn refuse(stream: &TcpStream, refusal: Refusal, refused: &Family<ReasonLabel, Counter>) {
    let _ = stream.try_write(REFUSED_ANSWER);
    refused
        .get_or_create(&ReasonLabel {
            reason: refusal.label().to_string(),
        })
        .inc();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refused_answer_s_length_is_right() {
        let text = String::from_utf8_lossy(REFUSED_ANSWER);
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        assert_eq!(body.len(), 88);
    }
}

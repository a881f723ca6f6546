//! The node pushes its checkpoints to witnesses (`c2sp.org/tlog-witness`,
//! `POST <URL>/add-checkpoint`) and merges their cosignatures into the
//! note served at `/v1/checkpoint/cosigned`.
//!
//! One task per witness (`--witness-url VKEY=URL`). Each sends the newest
//! checkpoint with a consistency proof from the size that witness last
//! cosigned (0 after a start: no proof; the witness answers 409 with its
//! size, and the task retries once from there). At most one request is in
//! flight per witness and at most one leaves per `--witness-interval-ms`;
//! failures back off, doubling up to [`MAX_WITNESS_BACKOFF_MS`].
//!
//! Nothing here touches sequencing: the task only reads the latest
//! checkpoint and the tree (the tree under the ledger's read lock, on the
//! blocking pool). Every failure is counted in
//! `ledger_witness_push_errors_total{witness,kind}`, logged with the same
//! stable kind, and shown on `/readyz`; progress is
//! `ledger_witness_cosigned_size{witness}`.
//!
//! One file per subject: `config` (flags), `status` (`/readyz`), `push`
//! (one request and its answer), this file (the loop).

mod config;
mod push;
mod status;

pub use config::{
    parse_witness_url, WitnessPushConfig, WitnessTarget, DEFAULT_WITNESS_INTERVAL_MS, DEFAULT_WITNESS_TIMEOUT_MS,
    MAX_WITNESS_BACKOFF_MS,
};
pub use push::{PushError, MAX_ANSWER_BYTES};
pub use status::{PushStatus, WitnessProgress};

use crate::api::AppState;
use crate::ledger::Shared;
use crate::metrics::{Metrics, WitnessKindLabel, WitnessLabel};
use ledger_core::checkpoint::WitnessVerifier;
use std::sync::Arc;
use std::time::Duration;

/// What one witness's task holds (never the sequencer's queue: a task
/// holding a sender would keep the sequencer alive after the server stops).
struct Pusher {
    index: usize,
    shared: Arc<Shared>,
    witnesses: Arc<Vec<WitnessVerifier>>,
    cosign_lock: Arc<std::sync::Mutex<()>>,
    status: Arc<PushStatus>,
    witness: WitnessVerifier,
    url: String,
    client: reqwest::Client,
    interval_ms: u64,
}

/// Start one push task per configured witness URL, on the current tokio
/// runtime. The tasks run until aborted (the server aborts them when it
/// stops) or the runtime ends.
///
/// # Errors
/// A target whose vkey is not among the node's witnesses (config.rs adds
/// every `--witness-url` key to them), or an HTTP client that cannot be built.
pub fn spawn(app: &AppState, config: &WitnessPushConfig) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(config.timeout_ms))
        .connect_timeout(Duration::from_millis(config.timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut handles = Vec::new();
    for (index, target) in config.targets.iter().enumerate() {
        let witness = app
            .witnesses
            .iter()
            .find(|w| w.vkey() == target.vkey)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("--witness-url {}: not among the node's witnesses", target.vkey))?;
        let pusher = Pusher {
            index,
            shared: app.shared.clone(),
            witnesses: app.witnesses.clone(),
            cosign_lock: app.cosign_lock.clone(),
            status: app.witness_push.clone(),
            witness,
            url: format!("{}/add-checkpoint", target.url),
            client: client.clone(),
            interval_ms: config.interval_ms.max(1),
        };
        tracing::info!(witness = pusher.witness.name(), url = %pusher.url, "pushing checkpoints to witness");
        handles.push(tokio::spawn(pusher.run()));
    }
    Ok(handles)
}

impl Pusher {
    async fn run(self) {
        // The size this witness holds, as far as the node knows.
        let mut known: Option<u64> = None;
        let mut backoff_ms = self.interval_ms;
        loop {
            let Some(latest) = self.shared.latest() else {
                tokio::time::sleep(Duration::from_millis(self.interval_ms)).await;
                continue;
            };
            if known == Some(latest.size) {
                tokio::time::sleep(Duration::from_millis(self.interval_ms)).await;
                continue;
            }
            let mut outcome = self.push(known.unwrap_or(0), &latest).await;
            if let Err(PushError::Conflict { held }) = outcome {
                // The spec's recovery: the witness said what it holds; one retry from there.
                tracing::info!(
                    witness = self.witness.name(),
                    held,
                    "witness holds another size; retrying from it"
                );
                known = Some(held);
                outcome = self.push(held, &latest).await;
            }
            match outcome {
                Ok(size) => {
                    known = Some(size);
                    backoff_ms = self.interval_ms;
                    Metrics::set_gauge(
                        &self.shared.metrics.witness_cosigned_size.get_or_create(&WitnessLabel {
                            witness: self.witness.name().to_owned(),
                        }),
                        size,
                    );
                    self.status.update(self.index, |p| {
                        p.cosigned_size = p.cosigned_size.max(size);
                        p.last_error = None;
                    });
                    tracing::debug!(witness = self.witness.name(), size, "witness cosigned");
                    tokio::time::sleep(Duration::from_millis(self.interval_ms)).await;
                }
                Err(e) => {
                    if let PushError::Conflict { held } = e {
                        known = Some(held);
                    }
                    let kind = e.kind();
                    self.shared
                        .metrics
                        .witness_push_errors
                        .get_or_create(&WitnessKindLabel {
                            witness: self.witness.name().to_owned(),
                            kind: kind.to_owned(),
                        })
                        .inc();
                    tracing::warn!(witness = self.witness.name(), kind, error = %e, retry_ms = backoff_ms, "witness push failed; sequencing goes on");
                    let message = e.to_string();
                    self.status
                        .update(self.index, |p| p.last_error = Some((kind.to_owned(), message)));
                    tokio::time::sleep(Duration::from_millis(backoff_ms)).await;
                    backoff_ms = backoff_ms
                        .saturating_mul(2)
                        .min(MAX_WITNESS_BACKOFF_MS.max(self.interval_ms));
                }
            }
        }
    }
}

//! Group commit: one sequencer thread takes submissions from every
//! connection, validates each against the ledger state, appends the batch and
//! signs a checkpoint; a committer thread appends the batch and its
//! checkpoint to the entry log with one `fdatasync`, records the checkpoint
//! as the last one the log key signed (`signed_state`), signs the batch's
//! receipts with one signature, and only then answers everyone.
//!
//! The two threads form a pipeline: while batch `k` is written and flushed,
//! batch `k + 1` is already being checked against the rules. At most one
//! batch waits between them. Batches are committed strictly in order, so
//! batch `k + 1` is never durable before batch `k`; a retry of a submission
//! whose entry is still in flight is recognised by its id (`Inflight`) and
//! answered once that entry is durable.
//!
//! A rejected submission does not affect the others in its batch: the rule
//! engine changes nothing when it refuses. If the store fails to write or
//! sync, the in-memory state is ahead of the disk; the committer answers
//! `storage_failed` to the whole batch (nothing of it was acknowledged), the
//! server lets those answers reach their clients, and the process exits 70
//! so that a restart replays the store — the truth — from disk. That is
//! safer than trying to roll back in memory. A disk below its free-space
//! reserve is found *before* a batch is sequenced: its submissions are
//! answered `storage_full` and nothing changes, so the node stays up for reads.
//!
//! Here: the two threads and their exits. Beside it: `batch` (building a
//! batch in memory), `commit` (making it durable and answering), `clock`
//! (the sequencing time), `signers` (the log keys held in memory),
//! `key_files` (a rotation's renames, on a thread of their own) and `error`
//! (`SequenceError`, mapped to HTTP only in `crate::api::error`).
//!
//! A job may be an atomic group or a check-only request (`GroupMode`):
//! jobs are never split between batches, so an atomic group is written by
//! one group commit (one flush) and answered only once all of it is
//! durable; a crash before the flush leaves none of it.

mod batch;
mod clock;
mod commit;
mod error;
mod key_files;
mod signers;

pub use clock::{now_ms, Clock, SequencingClock, SystemClock, CLOCK_STEP_LIMIT_MS};
pub use error::SequenceError;
pub use signers::Signers;

use crate::ledger::Shared;
use crate::metrics::Metrics;
use batch::{sequence_batch, Inflight, Sequenced};
use commit::finish_batch;
use ledger_core::receipt::SignedReceipt;
use ledger_core::submission::VerifiedSubmission;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Entries committed between two trims of the allocator's free memory.
const TRIM_EVERY_ENTRIES: u64 = 50_000;

/// One request's submissions and where to send their results.
#[derive(Debug)]
pub struct Job {
    /// Verified submissions, in request order.
    pub items: Vec<VerifiedSubmission>,
    /// Sequenced one by one (the default), as one atomic group, or only
    /// checked (docs/API.md "Atomic groups and check-only submission").
    pub mode: GroupMode,
    /// One result per item, same order.
    pub reply: oneshot::Sender<Vec<Result<Answer, SequenceError>>>,
}

/// How a job's items are sequenced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupMode {
    /// All in this batch's one commit, or none: a refused member takes the
    /// others back (`ledger_core::rules::LedgerState::rollback_group`) and
    /// they answer `group_refused`.
    pub atomic: bool,
    /// Every check, then everything taken back: nothing written, no nonce
    /// used.
    pub check_only: bool,
}

/// An item the sequencer did not refuse.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Durable; its signed receipt.
    Receipt(SignedReceipt),
    /// Check-only: a real submission would be accepted.
    WouldAccept,
}

/// Sequencer limits, passed explicitly.
#[derive(Debug, Clone, Copy)]
pub struct SequencerOptions {
    /// Most entries in one group commit.
    pub max_batch_entries: usize,
    /// How long to wait for more submissions once the first has arrived,
    /// to fill a batch (0: take what is queued and go).
    pub batch_window_ms: u64,
}

/// Exit code when storage failed during a group commit (the in-memory state
/// is ahead of the disk; a restart replays the store).
pub const EXIT_STORAGE_FAILED: i32 = 70;
/// Exit code when the sequencer or the committer thread panicked (a bug):
/// without them no write can be answered, so the node must not stay up
/// reporting ready; a restart replays and verifies the store.
pub const EXIT_SEQUENCER_PANICKED: i32 = 71;

/// Start the sequencer and committer threads. They run until every sender
/// is dropped, then finish the batches in flight and return.
pub fn spawn(
    shared: Arc<Shared>,
    signers: Signers,
    mut rx: mpsc::Receiver<Job>,
    options: SequencerOptions,
    clock: Arc<dyn Clock>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    // Capacity 1: one batch being committed, at most one more waiting.
    let (commit_tx, commit_rx) = std::sync::mpsc::sync_channel::<Sequenced>(1);
    let committer_shared = shared.clone();
    let injected = injected_panic();
    // Key files are renamed off the committer's path (`key_files`).
    let (key_files, key_files_thread) = key_files::spawn(shared.data_dir.clone())?;
    let committer = std::thread::Builder::new().name("committer".into()).spawn(move || {
        let _exit_on_panic = ExitOnPanic {
            shared: committer_shared.clone(),
            thread: "committer",
        };
        let mut since_trim = 0u64;
        while let Ok(sequenced) = commit_rx.recv() {
            if injected == Some(InjectedPanic::Committer) {
                inject_panic("committer");
            }
            since_trim += sequenced.appended.len() as u64;
            if finish_batch(&committer_shared, sequenced, &key_files) {
                storage_failed(&committer_shared);
            }
            // Requests, answers and batches of freed entries stay resident
            // in glibc's arenas unless given back (crate::memory).
            if since_trim >= TRIM_EVERY_ENTRIES {
                since_trim = 0;
                crate::memory::trim();
            }
        }
        // A clean stop leaves the key files in order: the rotation's file
        // work queued by the last batches is done before the node exits.
        drop(key_files);
        let _ = key_files_thread.join();
    })?;
    std::thread::Builder::new().name("sequencer".into()).spawn(move || {
        let _exit_on_panic = ExitOnPanic {
            shared: shared.clone(),
            thread: "sequencer",
        };
        let mut signers = signers;
        let mut inflight = Inflight::default();
        let mut clock = SequencingClock::new(clock);
        while let Some(first) = rx.blocking_recv() {
            if injected == Some(InjectedPanic::Sequencer) {
                inject_panic("sequencer");
            }
            let mut jobs = vec![first];
            let mut count = jobs[0].items.len();
            let deadline = Instant::now() + Duration::from_millis(options.batch_window_ms);
            while count < options.max_batch_entries {
                match rx.try_recv() {
                    Ok(job) => {
                        count += job.items.len();
                        jobs.push(job);
                    }
                    Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_micros(200)),
                    Err(_) => break,
                }
            }
            Metrics::set_gauge(&shared.metrics.queue_depth, rx.len() as u64);
            if disk_is_full(&shared) {
                for job in jobs {
                    let _ = job
                        .reply
                        .send(job.items.iter().map(|_| Err(SequenceError::StorageFull)).collect());
                }
                continue;
            }
            inflight.forget_durable(shared.committed());
            let Some(sequenced) = sequence_batch(&shared, &mut signers, &mut inflight, &mut clock, jobs) else {
                storage_failed(&shared);
            };
            if commit_tx.send(sequenced).is_err() {
                // The committer only stops by exiting the process; be safe anyway.
                storage_failed(&shared);
            }
        }
        drop(commit_tx);
        // A committer panic has already ended the process (`ExitOnPanic`).
        let _ = committer.join();
        tracing::info!("sequencer stopped");
    })
}

/// How long the server has, after a storage failure, to hand the answers
/// already given to their clients before the process exits anyway.
pub const STORAGE_FAILURE_GRACE_MS: u64 = 3_000;

/// The store failed (or the state lock is poisoned): the in-memory state is
/// ahead of the disk. Stop taking requests, let the `storage_failed` answers
/// already sent reach their clients (the server exits 70 once its
/// connections are done), and exit 70 after a bounded grace in any case, so
/// that a restart replays the store — the truth.
fn storage_failed(shared: &Shared) -> ! {
    shared.ready.store(false, Ordering::Release);
    shared.storage_failed.store(true, Ordering::Release);
    shared.fatal.notify_one();
    tracing::error!("storage failed during a group commit; exiting so that a restart replays the store from disk");
    std::thread::sleep(Duration::from_millis(STORAGE_FAILURE_GRACE_MS));
    std::process::exit(EXIT_STORAGE_FAILED);
}

/// Ends the process if its thread unwinds from a panic. Without the
/// sequencer or the committer no write is ever answered again, yet HTTP
/// would go on, `/readyz` saying ready and writes answering "shutting
/// down"; and the in-memory state may be half-updated. Exiting lets the
/// supervisor restart the node, whose start-up replay rebuilds everything
/// from the store. Per thread, not `panic = "abort"`: request handlers keep
/// unwinding so that tower-http's catch-panic answers 500 for them.
struct ExitOnPanic {
    shared: Arc<Shared>,
    thread: &'static str,
}

impl Drop for ExitOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shared.ready.store(false, Ordering::Release);
            tracing::error!(
                thread = self.thread,
                code = EXIT_SEQUENCER_PANICKED,
                "the thread panicked; exiting so that a restart replays the store from disk"
            );
            std::process::exit(EXIT_SEQUENCER_PANICKED);
        }
    }
}

/// Test-only fault injection (debug builds only; release builds ignore the
/// variable): `LEDGER_TEST_PANIC=sequencer|committer` makes that thread
/// panic on its first batch, so a real-process test can check the exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InjectedPanic {
    Sequencer,
    Committer,
}

fn injected_panic() -> Option<InjectedPanic> {
    if !cfg!(debug_assertions) {
        return None;
    }
    match std::env::var("LEDGER_TEST_PANIC").ok().as_deref() {
        Some("sequencer") => Some(InjectedPanic::Sequencer),
        Some("committer") => Some(InjectedPanic::Committer),
        _ => None,
    }
}

#[allow(clippy::panic)] // the injected fault is a panic, by design
fn inject_panic(thread: &str) {
    panic!("LEDGER_TEST_PANIC: injected panic in the {thread} thread");
}

/// Is the data folder's file system below its free-space reserve? A failed
/// `statvfs` counts as not full: the write itself will then say what is wrong.
fn disk_is_full(shared: &Shared) -> bool {
    match shared.store.is_full() {
        Ok(full) => {
            Metrics::set_gauge(&shared.metrics.storage_full, u64::from(full));
            if full {
                shared.metrics.reject("storage_full");
            }
            full
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the free space of the data folder");
            false
        }
    }
}

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

use crate::api::error::ApiError;
use crate::keyfile;
use crate::ledger::{fold_reversal_targets, index_keys, load_reversal_targets, reversals_in, Latest, Shared};
use crate::metrics::Metrics;
use crate::signed_state;
use crate::store::{CommitBatch, NewEntry};
use ledger_core::chain::{entry_hash, SequencedEntry};
use ledger_core::checkpoint::LogSigner;
use ledger_core::encoding::{Hash32, MAX_ENCODED_BYTES};
use ledger_core::entry::EntryBody;
use ledger_core::merkle::leaf_hash;
use ledger_core::receipt::{sign_batch, Receipt, SignedReceipt};
use ledger_core::rules::Effects;
use ledger_core::submission::VerifiedSubmission;
use std::collections::HashMap;
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
    /// One result per item, same order.
    pub reply: oneshot::Sender<Vec<Result<SignedReceipt, ApiError>>>,
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

/// The log keys the sequencer can sign with, by verifier key string.
pub struct Signers {
    by_vkey: HashMap<String, (LogSigner, ed25519_dalek::SigningKey)>,
}

impl std::fmt::Debug for Signers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signers")
            .field("keys", &self.by_vkey.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Signers {
    /// From key pairs `(origin, key)`.
    pub fn new(keys: Vec<(String, ed25519_dalek::SigningKey)>) -> anyhow::Result<Signers> {
        let mut by_vkey = HashMap::new();
        for (origin, key) in keys {
            let signer = LogSigner::new(&origin, key.clone()).map_err(|e| anyhow::anyhow!("log key: {e}"))?;
            by_vkey.insert(signer.verifier_key(), (signer, key));
        }
        Ok(Signers { by_vkey })
    }

    /// Does the node hold the private key of this vkey?
    pub fn has(&self, vkey: &str) -> bool {
        self.by_vkey.contains_key(vkey)
    }

    /// Load `keys/log-next.key` (prepared for a rotation) if present.
    pub fn load_next(&mut self, data_dir: &std::path::Path) {
        let path = keyfile::next_log_key_path(data_dir);
        if !path.exists() {
            return;
        }
        match keyfile::read_signing_key(&path) {
            Ok((origin, key)) => match LogSigner::new(&origin, key.clone()) {
                Ok(signer) => {
                    self.by_vkey.insert(signer.verifier_key(), (signer, key));
                }
                Err(e) => tracing::error!(error = %e, "log-next.key is not a usable log key"),
            },
            Err(e) => tracing::error!(error = %e, "reading log-next.key"),
        }
    }

    fn get(&self, vkey: &str) -> Option<&(LogSigner, ed25519_dalek::SigningKey)> {
        self.by_vkey.get(vkey)
    }
}

/// Current Unix time in ms (one clock for every binary: ledger-datadir).
pub use ledger_datadir::clock::now_ms;

/// Exit code when storage failed during a group commit (the in-memory state
/// is ahead of the disk; a restart replays the store).
pub const EXIT_STORAGE_FAILED: i32 = 70;
/// Exit code when the sequencer or the committer thread panicked (a bug):
/// without them no write can be answered, so the node must not stay up
/// reporting ready; a restart replays and verifies the store.
pub const EXIT_SEQUENCER_PANICKED: i32 = 71;

/// How far the wall clock may run ahead of the monotonic clock's projection
/// of the last trusted reading before the sequencer stops following it (see
/// [`SequencingClock`]).
pub const CLOCK_STEP_LIMIT_MS: u64 = 60_000;

/// The clocks the sequencer reads; injectable so that tests can make the
/// wall clock jump without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix time in ms (may jump either way: NTP steps, an operator's `date`).
    fn wall_ms(&self) -> u64;
    /// A monotonic time in ms from an arbitrary origin (never jumps).
    fn monotonic_ms(&self) -> u64;
}

/// The operating system's clocks.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// The system clocks, the monotonic one counted from now.
    pub fn new() -> SystemClock {
        SystemClock { origin: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn wall_ms(&self) -> u64 {
        now_ms()
    }
    fn monotonic_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The sequencer's time source. An entry's time is `max(this, previous
/// entry's time)` (the chain requires times never to decrease, and every
/// replay checks expiry against the entry's time), so a wall clock that
/// jumps ahead and comes back would leave the log's time in the future —
/// refusing every short-window submission as `expired` until the real time
/// caught up. So a forward jump is not followed: the time given is at most
/// the monotonic clock's projection of the last trusted wall reading plus
/// [`CLOCK_STEP_LIMIT_MS`]. A wall clock at or behind that projection is
/// trusted again (the anchor moves back), so a clock that was set back is
/// followed at once. A wall clock that was *behind* and is corrected forward
/// by more than the limit is followed only after a restart; until then
/// entries are stamped slightly early, which is harmless (ARCHITECTURE.md,
/// "Time").
#[derive(Debug)]
pub struct SequencingClock {
    source: Arc<dyn Clock>,
    /// (wall ms, monotonic ms) of the last trusted reading.
    anchor: Option<(u64, u64)>,
    /// The wall clock is ahead of the limit (warned once per jump).
    ahead: bool,
}

impl SequencingClock {
    /// A clock over `source`; the first reading is trusted.
    pub fn new(source: Arc<dyn Clock>) -> SequencingClock {
        SequencingClock {
            source,
            anchor: None,
            ahead: false,
        }
    }

    /// The time to sequence at, in Unix ms.
    pub fn now_ms(&mut self) -> u64 {
        let wall = self.source.wall_ms();
        let monotonic = self.source.monotonic_ms();
        let Some((anchor_wall, anchor_monotonic)) = self.anchor else {
            self.anchor = Some((wall, monotonic));
            return wall;
        };
        let projected = anchor_wall.saturating_add(monotonic.saturating_sub(anchor_monotonic));
        if wall <= projected {
            self.anchor = Some((wall, monotonic));
        }
        let limit = projected.saturating_add(CLOCK_STEP_LIMIT_MS);
        if wall > limit {
            if !self.ahead {
                tracing::warn!(
                    wall_ms = wall,
                    sequencing_ms = limit,
                    "the wall clock jumped ahead of the monotonic clock; sequencing time does not follow it"
                );
            }
            self.ahead = true;
            return limit;
        }
        self.ahead = false;
        wall
    }
}

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
            if finish_batch(&committer_shared, sequenced) {
                storage_failed(&committer_shared);
            }
            // Requests, answers and batches of freed entries stay resident
            // in glibc's arenas unless given back (crate::memory).
            if since_trim >= TRIM_EVERY_ENTRIES {
                since_trim = 0;
                crate::memory::trim();
            }
        }
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
                        .send(job.items.iter().map(|_| Err(ApiError::storage_full())).collect());
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

/// Ids of submissions sequenced but maybe not yet durable, per batch, so that
/// a retry arriving meanwhile is answered with the original entry's receipt
/// instead of being refused as a replayed nonce.
#[derive(Default)]
struct Inflight {
    /// (tree size after the batch, id → seq), oldest first.
    batches: std::collections::VecDeque<(u64, HashMap<Hash32, u64>)>,
}

impl Inflight {
    fn forget_durable(&mut self, committed: u64) {
        while self.batches.front().is_some_and(|(end, _)| *end <= committed) {
            self.batches.pop_front();
        }
    }

    fn seq_of(&self, id: &Hash32) -> Option<u64> {
        self.batches.iter().find_map(|(_, ids)| ids.get(id).copied())
    }
}

/// What became of one item while the batch was built.
enum Outcome {
    /// Rejected; nothing written.
    Rejected(ApiError),
    /// Already in the log before this batch (durable, or in a batch committed
    /// before this one): answer with its receipt, signed by this key.
    Existing {
        seq: u64,
        id: Hash32,
        key: Box<ed25519_dalek::SigningKey>,
    },
    /// Appended in this batch at this seq.
    Appended(u64),
}

/// A batch sequenced in memory, on its way to disk and to its clients.
struct Sequenced {
    started: Instant,
    batch: CommitBatch,
    appended: Vec<(SequencedEntry, Effects)>,
    /// The appended entries' receipts, unsigned, in runs per log key (a
    /// rotation sequenced in the batch splits it).
    receipt_runs: Vec<(ed25519_dalek::SigningKey, Vec<Receipt>)>,
    outcomes: Vec<Vec<Outcome>>,
    replies: Vec<oneshot::Sender<Vec<Result<SignedReceipt, ApiError>>>>,
    tree_size: u64,
    root: ledger_core::merkle::TreeHash,
    note: String,
}

/// Check a batch of jobs against the rules and append the accepted entries
/// in memory (state, chain head, tree); sign the checkpoint. `None` if the
/// state lock is poisoned or the store cannot be read.
fn sequence_batch(
    shared: &Shared,
    signers: &mut Signers,
    inflight: &mut Inflight,
    clock: &mut SequencingClock,
    jobs: Vec<Job>,
) -> Option<Sequenced> {
    let started = Instant::now();
    let mut outcomes: Vec<Vec<Outcome>> = Vec::with_capacity(jobs.len());
    let mut batch = CommitBatch::default();
    // (entry, effects, submission id, chain hash, leaf hash)
    let mut appended: Vec<(SequencedEntry, Effects, Hash32, Hash32, ledger_core::merkle::TreeHash)> = Vec::new();
    let mut batch_ids: HashMap<Hash32, u64> = HashMap::new();
    let mut replies = Vec::with_capacity(jobs.len());
    let Ok(mut ledger) = shared.ledger.write() else {
        return None;
    };
    for job in jobs {
        let mut results = Vec::with_capacity(job.items.len());
        for verified in job.items {
            let id = verified.id();
            if let Some(seq) = batch_ids.get(&id) {
                results.push(Outcome::Appended(*seq));
                continue;
            }
            // Idempotency: a nonce names the one entry that used it. If that
            // entry is this very submission, answer with its receipt; if it is
            // another, the rule engine refuses the replayed nonce below.
            // Same-batch duplicates were answered above; entries of batches
            // still being committed are found by id (they are durable by the
            // time this batch is answered, batches commit in order).
            //
            // The receipt is signed by the log key that was in force at the
            // entry. If the node no longer holds it (a retired key file was
            // removed), this one item is refused `receipt_unavailable`:
            // anyone can re-post a public entry, so this must not stop the
            // node. Re-signing with the current key would not be sound: a
            // receipt is checked against the key in force at its entry
            // (`log_vkey_for_size`), and accepting receipts from whichever
            // key the log holds now would let a later key vouch for entries
            // it never sequenced. The entry and its inclusion proof remain
            // the evidence.
            let existing = |seq: u64, ledger: &crate::ledger::Ledger| match ledger
                .state
                .log_vkey_for_size(seq + 1)
                .and_then(|vkey| signers.get(vkey))
            {
                Some((_, key)) => Outcome::Existing {
                    seq,
                    id,
                    key: Box::new(key.clone()),
                },
                None => {
                    shared.metrics.reject("receipt_unavailable");
                    Outcome::Rejected(ApiError::receipt_unavailable(seq))
                }
            };
            if let Some(seq) = inflight.seq_of(&id) {
                results.push(existing(seq, &ledger));
                continue;
            }
            let durable = shared.committed();
            if let Some(seq) = ledger
                .state
                .nonce_seq(&verified.submission().nonce)
                .filter(|seq| *seq < durable)
            {
                match shared.store.entry(seq) {
                    Ok(Some(bytes)) => {
                        if SequencedEntry::decode(&bytes).is_ok_and(|d| d.entry.signed.id() == id) {
                            results.push(existing(seq, &ledger));
                            continue;
                        }
                    }
                    Ok(None) => {
                        tracing::error!(seq, "an entry named by the nonce map is missing from the store");
                        return None;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "reading an entry for an idempotent retry");
                        return None;
                    }
                }
            }
            // A genesis must name the log key this node holds: otherwise anyone
            // could found the log with their own admins, or a genesis naming a
            // key the node cannot sign with would stop the sequencer.
            if let EntryBody::Genesis(genesis) = &verified.submission().body {
                if !signers.has(&genesis.log_vkey) {
                    results.push(Outcome::Rejected(ApiError::unknown_log_key(&genesis.log_vkey)));
                    continue;
                }
            }
            // A log-key rotation is only accepted if this node holds the new key.
            if let EntryBody::LogKeyRotate { log_vkey, .. } = &verified.submission().body {
                if !signers.has(log_vkey) {
                    signers.load_next(&shared.data_dir);
                }
                if !signers.has(log_vkey) {
                    results.push(Outcome::Rejected(ApiError::unknown_log_key(log_vkey)));
                    continue;
                }
            }
            let entry = ledger.head.next_entry(verified.signed().clone(), clock.now_ms());
            // The sequenced entry must fit a tlog-tiles entry bundle (2-byte length).
            let bytes = entry.encode();
            if bytes.len() > MAX_ENCODED_BYTES {
                shared.metrics.reject("too_large");
                results.push(Outcome::Rejected(ApiError::too_large(format!(
                    "the sequenced entry would be {} bytes, over {MAX_ENCODED_BYTES}",
                    bytes.len()
                ))));
                continue;
            }
            match ledger.state.apply(entry.seq, entry.time_ms, &verified) {
                Err(e) => {
                    shared.metrics.reject(e.code());
                    results.push(Outcome::Rejected(ApiError::from_rule(&e)));
                }
                Ok(effects) => {
                    let chain_hash = entry_hash(&bytes);
                    let leaf = leaf_hash(&bytes);
                    if let Err(e) = ledger.head.link(&entry, chain_hash) {
                        // Cannot happen: next_entry built it from this head.
                        tracing::error!(error = %e, "sequencer produced a bad link");
                        return None;
                    }
                    ledger.tree.append(leaf);
                    batch_ids.insert(id, entry.seq);
                    batch.entries.push(NewEntry {
                        seq: entry.seq,
                        bytes,
                        indexes: index_keys(&effects),
                    });
                    results.push(Outcome::Appended(entry.seq));
                    appended.push((entry, effects, id, chain_hash, leaf));
                }
            }
        }
        outcomes.push(results);
        replies.push(job.reply);
    }
    let tree_size = ledger.head.size;
    let root = ledger.tree.root();
    let vkey = ledger
        .state
        .log_vkey_for_size(tree_size)
        .unwrap_or_default()
        .to_string();
    let origin = ledger.state.origin().unwrap_or_default().to_string();
    // The receipts, unsigned: one run per log key in force (see
    // LedgerState::log_vkey_for_size: the key in force once an entry is in the tree).
    let mut receipt_runs: Vec<(String, ed25519_dalek::SigningKey, Vec<Receipt>)> = Vec::new();
    for (entry, _, id, chain_hash, leaf) in &appended {
        let key_vkey = ledger.state.log_vkey_for_size(entry.seq + 1).unwrap_or_default();
        let receipt = Receipt::new(&origin, entry.seq, *id, *chain_hash, *leaf, entry.time_ms);
        match receipt_runs.last_mut() {
            Some((vkey, _, receipts)) if vkey == key_vkey => receipts.push(receipt),
            _ => match signers.get(key_vkey) {
                Some((_, key)) => receipt_runs.push((key_vkey.to_string(), key.clone(), vec![receipt])),
                None => {
                    tracing::error!(vkey = key_vkey, "the node does not hold the log key for these receipts");
                    return None;
                }
            },
        }
    }
    drop(ledger);

    let mut note = String::new();
    if !appended.is_empty() {
        let Some((signer, _)) = signers.get(&vkey) else {
            tracing::error!(vkey, "the node does not hold the log key in force");
            return None;
        };
        let checkpoint = signer.sign_checkpoint(tree_size, &root);
        batch.checkpoint = checkpoint.to_bytes();
        note = String::from_utf8_lossy(&batch.checkpoint).into_owned();
        inflight.batches.push_back((tree_size, batch_ids));
    }
    Some(Sequenced {
        started,
        batch,
        appended: appended
            .into_iter()
            .map(|(entry, effects, _, _, _)| (entry, effects))
            .collect(),
        receipt_runs: receipt_runs
            .into_iter()
            .map(|(_, key, receipts)| (key, receipts))
            .collect(),
        outcomes,
        replies,
        tree_size,
        root,
        note,
    })
}

/// Make a sequenced batch durable (one atomic write, one flush), publish it
/// to readers, sign its receipts and answer every client. Returns true if
/// storage failed.
fn finish_batch(shared: &Shared, s: Sequenced) -> bool {
    let Sequenced {
        started,
        batch,
        appended,
        receipt_runs,
        outcomes,
        replies,
        tree_size,
        root,
        note,
    } = s;
    // The batch's receipts by position (seq − first appended seq).
    let first_seq = appended.first().map_or(0, |(entry, _)| entry.seq);
    let mut receipts: Vec<Option<SignedReceipt>> = Vec::with_capacity(appended.len());
    if !appended.is_empty() {
        // Durable in the log, then recorded as the last checkpoint the key
        // signed: only then may the checkpoint or any receipt leave the node.
        let written = shared
            .store
            .commit(&batch)
            .map_err(anyhow::Error::from)
            .and_then(|()| signed_state::record(&shared.data_dir, &note));
        if let Err(e) = written {
            tracing::error!(error = %format!("{e:#}"), "group commit failed");
            for (reply, items) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(items.iter().map(|_| Err(ApiError::storage_failed())).collect());
            }
            return true;
        }
        // Durable. Read the targets of any reversal (rare) outside the lock,
        // so that the aggregates are updated here, in one write, and read
        // handlers never write.
        let pending = shared
            .ledger
            .read()
            .map(|l| l.query.pending_reversals().to_vec())
            .unwrap_or_default();
        let wanted = reversals_in(&pending, appended.iter().map(|(entry, _)| entry));
        let targets = load_reversal_targets(&shared.store, &wanted);
        // Publish to readers, then answer.
        if let Ok(mut ledger) = shared.ledger.write() {
            let ledger = &mut *ledger;
            for (entry, effects) in &appended {
                ledger.query.record(entry, effects);
            }
            // On failure the reversal stays pending and is retried after the
            // next commit; the aggregates lag, they are never wrong.
            if let Err(e) = targets.and_then(|t| fold_reversal_targets(ledger, t)) {
                tracing::error!(error = %e, "reversal targets could not be folded into the aggregates");
            }
        }
        if let Ok(mut latest) = shared.latest.write() {
            *latest = Some(Arc::new(Latest {
                note,
                size: tree_size,
                root,
            }));
        }
        shared.committed.store(tree_size, Ordering::Release);
        shared.metrics.entries.inc_by(appended.len() as u64);
        Metrics::set_gauge(&shared.metrics.log_size, tree_size);
        shared.metrics.batch_size.observe(appended.len() as f64);
        shared.metrics.commit_seconds.observe(started.elapsed().as_secs_f64());
        // One signature for the whole batch's receipts (`receipt::sign_batch`).
        for (key, run) in receipt_runs {
            receipts.extend(sign_batch(run, &key).into_iter().map(Some));
        }
        for (entry, _) in &appended {
            if let EntryBody::LogKeyRotate { log_vkey, .. } = &entry.signed.submission.body {
                promote_next_log_key(shared, log_vkey);
            }
        }
    }

    // A receipt is handed over (not cloned) to the one item that asked for
    // its entry, cloned only for a copy of the same submission in the batch.
    let mut askers = vec![0u32; receipts.len()];
    for outcome in outcomes.iter().flatten() {
        if let Outcome::Appended(seq) = outcome {
            if let Some(n) = askers.get_mut(seq.wrapping_sub(first_seq) as usize) {
                *n += 1;
            }
        }
    }
    let mut take_receipt = |seq: u64| -> Result<SignedReceipt, ApiError> {
        let at = seq.wrapping_sub(first_seq) as usize;
        let (Some(n), Some(slot)) = (askers.get_mut(at), receipts.get_mut(at)) else {
            return Err(ApiError::storage_failed());
        };
        *n = n.saturating_sub(1);
        let receipt = if *n == 0 { slot.take() } else { slot.clone() };
        receipt.ok_or_else(ApiError::storage_failed)
    };
    for (reply, items) in replies.into_iter().zip(outcomes) {
        let results = items
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Rejected(e) => Err(e),
                Outcome::Appended(seq) => take_receipt(seq),
                Outcome::Existing { seq, id, key } => existing_receipt(shared, &key, seq, &id),
            })
            .collect();
        // The client may have gone away; the entry is durable regardless.
        let _ = reply.send(results);
    }
    false
}

/// Rebuild the receipt of an entry already in the log (an idempotent retry):
/// the same receipt fields as the first answer, signed again as a batch of one.
fn existing_receipt(
    shared: &Shared,
    key: &ed25519_dalek::SigningKey,
    seq: u64,
    expected_id: &Hash32,
) -> Result<SignedReceipt, ApiError> {
    let bytes = shared
        .store
        .entry(seq)
        .map_err(|_| ApiError::storage_failed())?
        .ok_or_else(ApiError::storage_failed)?;
    let decoded = SequencedEntry::decode(&bytes).map_err(|_| ApiError::storage_failed())?;
    // Verify on read: the idempotency index must point at this very submission.
    if decoded.entry.signed.id() != *expected_id {
        tracing::error!(
            seq,
            "the idempotency index points at another entry: the store is damaged"
        );
        return Err(ApiError::internal(format!(
            "the store's idempotency index is damaged at entry {seq}"
        )));
    }
    let origin = {
        let ledger = shared.ledger.read().map_err(|_| ApiError::storage_failed())?;
        ledger.state.origin().unwrap_or_default().to_string()
    };
    Ok(Receipt::new(
        &origin,
        seq,
        decoded.entry.signed.id(),
        decoded.entry_hash,
        decoded.leaf_hash,
        decoded.entry.time_ms,
    )
    .sign(key))
}

/// After a rotation is durable, make the new key the one on disk in force:
/// `log.key` becomes `log-retired-<time>.key`, `log-next.key` becomes `log.key`.
fn promote_next_log_key(shared: &Shared, vkey: &str) {
    let current = keyfile::log_key_path(&shared.data_dir);
    let next = keyfile::next_log_key_path(&shared.data_dir);
    let retired = keyfile::keys_dir(&shared.data_dir).join(format!("log-retired-{}.key", now_ms()));
    let result = std::fs::rename(&current, &retired).and_then(|_| std::fs::rename(&next, &current));
    match result {
        Ok(()) => tracing::info!(vkey, "log key rotated"),
        Err(e) => {
            tracing::error!(error = %e, vkey, "rotated the log key in the chain but could not rename the key files")
        }
    }
}

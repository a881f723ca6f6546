//! Group commit: one sequencer thread takes submissions from every
//! connection, validates each against the ledger state, appends the batch,
//! signs a checkpoint, writes everything in one atomic sled batch, flushes
//! once, and only then answers everyone.
//!
//! A rejected submission does not affect the others in its batch: the rule
//! engine changes nothing when it refuses. If the store fails to write or
//! flush, the in-memory state is ahead of the disk; the sequencer answers
//! `storage_failed` to the whole batch (nothing of it was acknowledged) and
//! the process exits so that a restart replays the store — the truth — from
//! disk. That is safer than trying to roll back in memory.

use crate::api::error::ApiError;
use crate::keyfile;
use crate::ledger::{index_keys, Latest, Shared};
use crate::metrics::Metrics;
use crate::store::{CommitBatch, NewEntry};
use ledger_core::chain::{entry_hash, SequencedEntry};
use ledger_core::checkpoint::LogSigner;
use ledger_core::encoding::{Hash32, MAX_ENCODED_BYTES};
use ledger_core::entry::EntryBody;
use ledger_core::merkle::leaf_hash;
use ledger_core::receipt::{Receipt, SignedReceipt};
use ledger_core::rules::Effects;
use ledger_core::submission::VerifiedSubmission;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

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

/// Current Unix time in ms.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Start the sequencer thread. It runs until every sender is dropped, then
/// finishes the batch in flight and returns.
pub fn spawn(
    shared: Arc<Shared>,
    signers: Signers,
    mut rx: mpsc::Receiver<Job>,
    options: SequencerOptions,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("sequencer".into()).spawn(move || {
        let mut signers = signers;
        while let Some(first) = rx.blocking_recv() {
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
            let failed = run_batch(&shared, &mut signers, jobs);
            if failed {
                shared.ready.store(false, Ordering::Release);
                tracing::error!(
                    "storage failed during a group commit; exiting so that a restart replays the store from disk"
                );
                std::process::exit(70);
            }
        }
        if let Err(e) = shared.store.flush() {
            tracing::error!(error = %e, "final flush failed");
        }
        tracing::info!("sequencer stopped");
    })
}

/// What became of one item while the batch was built.
enum Outcome {
    /// Rejected; nothing written.
    Rejected(ApiError),
    /// Already in the log before this batch: answer with its receipt.
    Existing(u64, Hash32),
    /// Appended in this batch at this seq.
    Appended(u64),
}

/// Process one group commit. Returns true if storage failed.
fn run_batch(shared: &Shared, signers: &mut Signers, jobs: Vec<Job>) -> bool {
    let started = Instant::now();
    let mut outcomes: Vec<Vec<Outcome>> = Vec::with_capacity(jobs.len());
    let mut batch = CommitBatch::default();
    let mut appended: Vec<(SequencedEntry, Effects, Hash32, ledger_core::merkle::TreeHash)> = Vec::new();
    let mut batch_ids: HashMap<Hash32, u64> = HashMap::new();
    let mut replies = Vec::with_capacity(jobs.len());
    let (tree_size, root, vkey) = {
        let Ok(mut ledger) = shared.ledger.write() else {
            return true;
        };
        for job in jobs {
            let mut results = Vec::with_capacity(job.items.len());
            for verified in job.items {
                let id = verified.signed().id();
                if let Some(seq) = batch_ids.get(&id) {
                    results.push(Outcome::Appended(*seq));
                    continue;
                }
                // Idempotency: a nonce names the one entry that used it. If that
                // entry is this very submission, answer with its receipt; if it is
                // another, the rule engine refuses the replayed nonce below.
                // (An entry of this batch is not in the store yet: same-batch
                // duplicates were answered above, other reuses are refused below.)
                let durable = shared.committed();
                if let Some(seq) = ledger
                    .state
                    .nonce_seq(&verified.submission().nonce)
                    .filter(|seq| *seq < durable)
                {
                    match shared.store.entry(seq) {
                        Ok(Some(bytes)) => {
                            if SequencedEntry::decode(&bytes).is_ok_and(|d| d.entry.signed.id() == id) {
                                results.push(Outcome::Existing(seq, id));
                                continue;
                            }
                        }
                        Ok(None) => {
                            tracing::error!(seq, "an entry named by the nonce map is missing from the store");
                            return true;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "reading an entry for an idempotent retry");
                            return true;
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
                let entry = ledger.head.next_entry(verified.signed().clone(), now_ms());
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
                            return true;
                        }
                        ledger.tree.append(leaf);
                        batch_ids.insert(id, entry.seq);
                        batch.entries.push(NewEntry {
                            seq: entry.seq,
                            bytes,
                            indexes: index_keys(&effects),
                        });
                        results.push(Outcome::Appended(entry.seq));
                        appended.push((entry, effects, chain_hash, leaf));
                    }
                }
            }
            outcomes.push(results);
            replies.push(job.reply);
        }
        // Balances of every (account, fund) touched, as of the batch's end.
        let mut touched = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (_, effects, _, _) in &appended {
            if let Some(fund) = &effects.fund {
                for account in &effects.accounts {
                    if seen.insert((account, fund)) {
                        touched.push((account.clone(), fund.clone()));
                    }
                }
            }
        }
        for (account, fund) in touched {
            let balance = ledger.state.balance(&account, &fund).get();
            batch.balances.push((account, fund, balance));
        }
        let size = ledger.head.size;
        let vkey = ledger.state.log_vkey_for_size(size).unwrap_or_default().to_string();
        (size, ledger.tree.root(), vkey)
    };

    let mut receipts_by_seq: HashMap<u64, SignedReceipt> = HashMap::new();
    if !appended.is_empty() {
        let Some((signer, _)) = signers.get(&vkey) else {
            tracing::error!(vkey, "the node does not hold the log key in force");
            return true;
        };
        let checkpoint = signer.sign_checkpoint(tree_size, &root);
        batch.checkpoint = checkpoint.to_bytes();
        if let Err(e) = shared.store.commit(&batch) {
            tracing::error!(error = %e, "group commit failed");
            for (reply, items) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(items.iter().map(|_| Err(ApiError::storage_failed())).collect());
            }
            return true;
        }
        // Durable. Publish to readers, then answer.
        if let Ok(mut ledger) = shared.ledger.write() {
            let ledger = &mut *ledger;
            for (entry, effects, _, _) in &appended {
                ledger.query.record(entry, effects, &ledger.state);
            }
        }
        let note = String::from_utf8_lossy(&batch.checkpoint).into_owned();
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
        let (origin, key_history) = match shared.ledger.read() {
            Ok(l) => (
                l.state.origin().unwrap_or_default().to_string(),
                l.state.log_vkey_history().to_vec(),
            ),
            Err(_) => return true,
        };
        // Sign the receipts on every core (an Ed25519 signature each: the
        // largest CPU cost of a commit after storage).
        let signers_ref: &Signers = signers;
        let signed: Vec<(u64, SignedReceipt)> = {
            use rayon::prelude::*;
            appended
                .par_iter()
                .filter_map(|(entry, _, chain_hash, leaf)| {
                    // The key in force once this entry is in the tree (see LedgerState::log_vkey_for_size).
                    let key_vkey = key_history
                        .iter()
                        .rev()
                        .find(|(from, _)| *from <= entry.seq + 1)
                        .map(|(_, k)| k.as_str())
                        .unwrap_or_default();
                    let (_, key) = signers_ref.get(key_vkey)?;
                    let receipt =
                        Receipt::new(&origin, entry.seq, entry.signed.id(), *chain_hash, *leaf, entry.time_ms)
                            .sign(key);
                    Some((entry.seq, receipt))
                })
                .collect()
        };
        receipts_by_seq.extend(signed);
        for (entry, _, _, _) in &appended {
            if let EntryBody::LogKeyRotate { log_vkey, .. } = &entry.signed.submission.body {
                promote_next_log_key(shared, log_vkey);
            }
        }
    }

    for (reply, items) in replies.into_iter().zip(outcomes) {
        let results = items
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Rejected(e) => Err(e),
                Outcome::Appended(seq) => receipts_by_seq.get(&seq).cloned().ok_or_else(ApiError::storage_failed),
                Outcome::Existing(seq, id) => existing_receipt(shared, signers, seq, &id),
            })
            .collect();
        // The client may have gone away; the entry is durable regardless.
        let _ = reply.send(results);
    }
    false
}

/// Rebuild the receipt of an entry already in the log (an idempotent retry).
/// Ed25519 signatures are deterministic, so it is byte-identical to the first.
pub fn existing_receipt(
    shared: &Shared,
    signers: &Signers,
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
    let (origin, vkey) = {
        let ledger = shared.ledger.read().map_err(|_| ApiError::storage_failed())?;
        (
            ledger.state.origin().unwrap_or_default().to_string(),
            ledger.state.log_vkey_for_size(seq + 1).unwrap_or_default().to_string(),
        )
    };
    let (_, key) = signers.get(&vkey).ok_or_else(ApiError::storage_failed)?;
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

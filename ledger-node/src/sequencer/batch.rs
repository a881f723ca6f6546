//! Building one group-commit batch in memory: idempotency, the rule engine,
//! the chain and the tree, the checkpoint signature. Nothing here touches the
//! disk except reading an entry for an idempotent retry.

use super::{Answer, Job, SequenceError, SequencingClock, Signers};
use crate::ledger::{index_keys, Shared};
use crate::store::{CommitBatch, NewEntry};
use ledger_core::chain::{entry_hash, SequencedEntry};
use ledger_core::encoding::{Hash32, MAX_ENCODED_BYTES};
use ledger_core::entry::EntryBody;
use ledger_core::merkle::leaf_hash;
use ledger_core::receipt::Receipt;
use ledger_core::rules::Effects;
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::oneshot;

/// Ids of submissions sequenced but maybe not yet durable, per batch, so that
/// a retry arriving meanwhile is answered with the original entry's receipt
/// instead of being refused as a replayed nonce.
#[derive(Default)]
pub(super) struct Inflight {
    /// (tree size after the batch, id → seq), oldest first.
    batches: std::collections::VecDeque<(u64, HashMap<Hash32, u64>)>,
}

impl Inflight {
    pub(super) fn forget_durable(&mut self, committed: u64) {
        while self.batches.front().is_some_and(|(end, _)| *end <= committed) {
            self.batches.pop_front();
        }
    }

    fn seq_of(&self, id: &Hash32) -> Option<u64> {
        self.batches.iter().find_map(|(_, ids)| ids.get(id).copied())
    }
}

/// What became of one item while the batch was built.
pub(super) enum Outcome {
    /// Rejected; nothing written.
    Rejected(SequenceError),
    /// Already in the log before this batch (durable, or in a batch committed
    /// before this one): answer with its receipt, signed by this key.
    Existing {
        seq: u64,
        id: Hash32,
        key: Box<ed25519_dalek::SigningKey>,
    },
    /// Appended in this batch at this seq.
    Appended(u64),
    /// Check-only: every check passed; taken back.
    WouldAccept,
}

/// A batch sequenced in memory, on its way to disk and to its clients.
pub(super) struct Sequenced {
    pub(super) started: Instant,
    pub(super) batch: CommitBatch,
    pub(super) appended: Vec<(SequencedEntry, Effects)>,
    /// The appended entries' receipts, unsigned, in runs per log key (a
    /// rotation sequenced in the batch splits it).
    pub(super) receipt_runs: Vec<(ed25519_dalek::SigningKey, Vec<Receipt>)>,
    pub(super) outcomes: Vec<Vec<Outcome>>,
    pub(super) replies: Vec<oneshot::Sender<Vec<Result<Answer, SequenceError>>>>,
    pub(super) tree_size: u64,
    pub(super) root: ledger_core::merkle::TreeHash,
    pub(super) note: String,
}

/// Where a job started in the batch being built: an atomic group refused,
/// or a check-only job, is taken back to here.
struct GroupMark {
    head: ledger_core::chain::ChainHead,
    appended: usize,
    entries: usize,
}

/// Check a batch of jobs against the rules and append the accepted entries
/// in memory (state, chain head, tree); sign the checkpoint. `None` if the
/// state lock is poisoned or the store cannot be read.
pub(super) fn sequence_batch(
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
        let grouped = job.mode.atomic || job.mode.check_only;
        // Where this job starts, to take it back if it is a refused group or
        // check-only (below).
        let mark = GroupMark {
            head: ledger.head,
            appended: appended.len(),
            entries: batch.entries.len(),
        };
        if grouped {
            ledger.state.begin_group();
        }
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
                    Outcome::Rejected(SequenceError::ReceiptUnavailable { seq })
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
                    results.push(Outcome::Rejected(SequenceError::UnknownLogKey {
                        vkey: genesis.log_vkey.clone(),
                    }));
                    continue;
                }
            }
            // A log-key rotation is only accepted if this node holds the new key.
            if let EntryBody::LogKeyRotate { log_vkey, .. } = &verified.submission().body {
                if !signers.has(log_vkey) {
                    signers.load_next(&shared.data_dir);
                }
                if !signers.has(log_vkey) {
                    results.push(Outcome::Rejected(SequenceError::UnknownLogKey {
                        vkey: log_vkey.clone(),
                    }));
                    continue;
                }
            }
            let entry = ledger.head.next_entry(verified.signed().clone(), clock.now_ms());
            // The sequenced entry must fit a tlog-tiles entry bundle (2-byte length).
            let bytes = entry.encode();
            if bytes.len() > MAX_ENCODED_BYTES {
                shared.metrics.reject("too_large");
                results.push(Outcome::Rejected(SequenceError::TooLarge {
                    bytes: bytes.len(),
                    max: MAX_ENCODED_BYTES,
                }));
                continue;
            }
            match ledger.state.apply(entry.seq, entry.time_ms, &verified) {
                Err(e) => {
                    shared.metrics.reject(e.code());
                    results.push(Outcome::Rejected(SequenceError::Rule(e)));
                }
                Ok(effects) => {
                    let chain_hash = entry_hash(&bytes);
                    let leaf = leaf_hash(&bytes);
                    if let Err(e) = ledger.head.link(&entry, chain_hash) {
                        // Cannot happen: next_entry built it from this head.
                        tracing::error!(error = %e, "sequencer produced a bad link");
                        return None;
                    }
                    // The tree is extended once the batch is final (below),
                    // so that a group taken back leaves it untouched.
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
        if grouped {
            let failed = results.iter().position(|o| matches!(o, Outcome::Rejected(_)));
            if failed.is_none() && !job.mode.check_only {
                ledger.state.keep_group();
            } else {
                ledger.state.rollback_group();
                ledger.head = mark.head;
                for (_, _, id, _, _) in appended.drain(mark.appended..) {
                    batch_ids.remove(&id);
                }
                batch.entries.truncate(mark.entries);
                results = results
                    .into_iter()
                    .map(|outcome| match (outcome, failed) {
                        (Outcome::Rejected(e), _) => Outcome::Rejected(e),
                        // A check of a plain batch: each item on its own
                        // (against the state the earlier ones leave, as the
                        // real batch would be sequenced).
                        (_, Some(failed_index)) if job.mode.atomic => {
                            Outcome::Rejected(SequenceError::GroupRefused { failed_index })
                        }
                        _ => Outcome::WouldAccept,
                    })
                    .collect();
            }
        }
        outcomes.push(results);
        replies.push(job.reply);
    }
    for (_, _, _, _, leaf) in &appended {
        ledger.tree.append(*leaf);
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

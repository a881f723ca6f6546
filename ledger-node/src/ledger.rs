//! The node's in-memory view of the ledger: the rule state, the Merkle tree,
//! the chain head and the query aggregates, rebuilt at start by replaying
//! (and so re-verifying) every stored entry.
//!
//! Readers only ever look at the first `committed` entries — those whose
//! batch has been flushed — so proofs, entries and checkpoints served to the
//! public are always durable.

use crate::metrics::Metrics;
use crate::query::QueryIndex;
use crate::store::{IndexKey, Store, StoreError};
use ledger_core::chain::{ChainHead, DecodedEntry, SequencedEntry};
use ledger_core::entry::EntryBody;
use ledger_core::merkle::{MemoryTree, TreeHash};
use ledger_core::rules::{Effects, LedgerState};
use ledger_core::verify::{verify_checkpoint_with_state, Replay, VerifyFailure};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Entries read from the store at a time during the start-up replay (their
/// bytes are held until the chunk is replayed: 16,384 instead of 32,768
/// lowered the restart peak at a million entries by 9 MiB; 8,192 since a
/// heap profile of the restart at 100,000 entries showed the chunk's bytes,
/// their decoded entries and the signature batch as 18.6 of the 56.8 MiB
/// peak — transient, and the same at any ledger size; docs/PERFORMANCE.md
/// "Restart memory").
const REPLAY_CHUNK: u64 = 8_192;

/// Entries the start-up replay decodes and checks per parallel step (two
/// steps in memory at once). Smaller than the offline verifier's 32,768: at a
/// million entries the node must stay under 300 MiB, and two steps of 32,768
/// decoded entries were about 60 MiB of transient heap (two of 8,192 were
/// 9.8 MiB of the restart peak at 100,000 entries: see REPLAY_CHUNK). Each
/// step still splits across the cores.
const REPLAY_STEP_ENTRIES: usize = 4_096;

/// The mutable in-memory ledger, guarded by one lock.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Rule state (keys, funds, projects, balances, nonces).
    pub state: LedgerState,
    /// Every stored Merkle hash.
    pub tree: MemoryTree,
    /// The chain head.
    pub head: ChainHead,
    /// Aggregates for the public queries.
    pub query: QueryIndex,
}

/// The latest durable checkpoint.
#[derive(Debug, Clone)]
pub struct Latest {
    /// The signed note, as served at `/v1/checkpoint`.
    pub note: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: TreeHash,
}

/// What every part of the node shares.
#[derive(Debug)]
pub struct Shared {
    /// The data folder.
    pub data_dir: PathBuf,
    /// The store.
    pub store: Store,
    /// The in-memory ledger.
    pub ledger: RwLock<Ledger>,
    /// Number of durable entries (visible to readers).
    pub committed: AtomicU64,
    /// The latest durable checkpoint (None before genesis).
    pub latest: RwLock<Option<Arc<Latest>>>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// False until start-up checks pass, and after the sequencer stops.
    pub ready: AtomicBool,
    /// Set when storage failed: the server stops accepting, lets the answers
    /// already given reach their clients, and the process exits 70.
    pub storage_failed: AtomicBool,
    /// Wakes the server when `storage_failed` is set.
    pub fatal: tokio::sync::Notify,
}

impl Shared {
    /// Durable entry count.
    pub fn committed(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    /// The latest checkpoint.
    pub fn latest(&self) -> Option<Arc<Latest>> {
        self.latest.read().ok().and_then(|g| g.clone())
    }
}

/// Why the node refuses to start on a data folder.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An entry does not verify: the store is damaged or was tampered with.
    #[error("the store is damaged: {0}. Restore the data folder from a backup (ledger export bundle) and restart")]
    Damaged(VerifyFailure),
    /// The stored checkpoint does not match the stored entries.
    #[error("the store is damaged: {0}")]
    Checkpoint(String),
}

/// The secondary index keys of an applied entry: every region concerned and
/// its ancestors (so a town's query sees its villages' entries), the fund,
/// the project, the household and the accounts.
pub fn index_keys(effects: &Effects) -> Vec<IndexKey> {
    let mut keys: Vec<IndexKey> = Vec::new();
    for region in &effects.regions {
        let mut cursor = Some(*region);
        while let Some(code) = cursor {
            let key = IndexKey::Region(code);
            if !keys.contains(&key) {
                keys.push(key);
            }
            cursor = code.parent();
        }
    }
    if let Some(fund) = &effects.fund {
        keys.push(IndexKey::Fund(fund.clone()));
    }
    if let Some(project) = &effects.project {
        keys.push(IndexKey::Project(project.clone()));
    }
    if let Some(household) = &effects.household {
        keys.push(IndexKey::Household(*household));
    }
    for account in &effects.accounts {
        let key = IndexKey::Account(account.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Replay every stored entry — decoding, links, signatures, rules, tree — and
/// check the result against the stored checkpoint. A flipped byte anywhere
/// is found here and named.
pub fn open_ledger(store: &Store, progress: &dyn Fn(u64)) -> Result<(Ledger, Option<Latest>), OpenError> {
    open_ledger_with(store, progress, false)
}

/// [`open_ledger`] for a mirror's store, which may end inside a catch-up
/// step: the mirror commits a step's entries in chunks, each carrying the
/// step's (larger) checkpoint, and a `kill -9` between two chunks leaves
/// fewer entries than that checkpoint. Those entries are still replayed and
/// verified like any; the checkpoint, which the mirror cannot yet prove
/// (its tree is not all there), is not served: `Latest` is `None` until the
/// follower's next step proves the prefix against a signed root again.
/// Entries past a checkpoint, or a checkpoint of the same size with another
/// root, are refused as in [`open_ledger`].
pub fn open_ledger_resumable(store: &Store, progress: &dyn Fn(u64)) -> Result<(Ledger, Option<Latest>), OpenError> {
    open_ledger_with(store, progress, true)
}

fn open_ledger_with(
    store: &Store,
    progress: &dyn Fn(u64),
    allow_checkpoint_ahead: bool,
) -> Result<(Ledger, Option<Latest>), OpenError> {
    let count = store.entry_count();
    let mut replay = Replay::with_chunk_entries(REPLAY_STEP_ENTRIES);
    let mut query = QueryIndex::default();
    // Reversal targets folded during the replay: (target, leaf hash read).
    let mut folded: Vec<(u64, TreeHash)> = Vec::new();
    let mut start = 0u64;
    while start < count {
        let end = (start + REPLAY_CHUNK).min(count);
        let mut chunk: Vec<Vec<u8>> = Vec::with_capacity((end - start) as usize);
        for item in store.entries(start, end) {
            let (seq, bytes) = item?;
            if seq != start + chunk.len() as u64 {
                return Err(OpenError::Checkpoint(format!(
                    "entry {} is missing from the store",
                    start + chunk.len() as u64
                )));
            }
            chunk.push(bytes);
        }
        // A chunk cut short at its end (a missing last block) is named here,
        // not as a broken link in the next chunk.
        if (chunk.len() as u64) < end - start {
            return Err(OpenError::Checkpoint(format!(
                "entry {} is missing from the store",
                start + chunk.len() as u64
            )));
        }
        let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        // The query aggregates and the secondary indexes are derived from
        // each verified entry as the replay applies it (no copy of the chunk).
        let mut index_error = None;
        let mut fold_error = None;
        replay
            .push(&refs, &mut |entry, effects, _leaf| {
                query.record(entry, effects);
                // A reversal is folded in right away (its target is earlier,
                // so already in the store): the idle-money lots are order
                // dependent (`query::idle`). The target's leaf is checked
                // against the tree once the replay has built it.
                if let EntryBody::Reversal(r) = &entry.signed.submission.body {
                    match load_reversal_targets(store, &[(entry.seq, r.target_seq)]) {
                        Ok(loaded) => {
                            for (reversal, target, decoded) in loaded {
                                query.resolve_reversal(reversal, target, &decoded.entry.signed.submission.body);
                                folded.push((target, decoded.leaf_hash));
                            }
                        }
                        Err(e) => {
                            fold_error.get_or_insert(e);
                        }
                    }
                }
                if let Err(e) = store.add_to_indexes(entry.seq, &index_keys(effects)) {
                    index_error.get_or_insert(e);
                }
            })
            .map_err(OpenError::Damaged)?;
        if let Some(e) = index_error {
            return Err(e.into());
        }
        if let Some(e) = fold_error {
            return Err(OpenError::Checkpoint(e));
        }
        start = end;
        progress(start);
        // The step's decoded entries were freed on the worker threads.
        crate::memory::trim();
    }
    store.shrink_indexes();
    query.shrink_payment_lists();
    let Replay { state, head, tree, .. } = replay;
    let latest = match store.checkpoint()? {
        None if count == 0 => None,
        None => return Err(OpenError::Checkpoint(format!("{count} entries but no checkpoint"))),
        Some(note) if allow_checkpoint_ahead && checkpoint_size(&note).is_some_and(|size| size > count) => {
            tracing::warn!(
                entries = count,
                checkpoint_size = checkpoint_size(&note).unwrap_or_default(),
                "the store ends inside an interrupted catch-up step: its verified entries are kept, its checkpoint is not served until the next step proves them"
            );
            None
        }
        Some(note) => {
            let checkpoint = verify_checkpoint_with_state(&state, &note, Some("the stored checkpoint"))
                .map_err(|e| OpenError::Checkpoint(e.to_string()))?;
            if checkpoint.size() != count || *checkpoint.root() != tree.root() {
                return Err(OpenError::Checkpoint(format!(
                    "the stored checkpoint (size {}, root {}) does not match the {count} stored entries (root {})",
                    checkpoint.size(),
                    checkpoint.root(),
                    tree.root()
                )));
            }
            let note = String::from_utf8(note).map_err(|_| OpenError::Checkpoint("checkpoint is not UTF-8".into()))?;
            Some(Latest {
                note,
                size: count,
                root: tree.root(),
            })
        }
    };
    let mut ledger = Ledger {
        state,
        tree,
        head,
        query,
    };
    // Verify on read: every target folded during the replay is the entry
    // the verified tree holds.
    for (target, leaf) in folded {
        if ledger.tree.leaf(target) != Some(leaf) {
            return Err(OpenError::Checkpoint(format!(
                "entry {target}: its leaf hash differs from the Merkle tree's"
            )));
        }
    }
    // Any reversal still pending is folded in now, so that read handlers
    // never have to (they take read locks only).
    let pending = ledger.query.pending_reversals().to_vec();
    let targets = load_reversal_targets(store, &pending).map_err(OpenError::Checkpoint)?;
    fold_reversal_targets(&mut ledger, targets).map_err(OpenError::Checkpoint)?;
    Ok((ledger, latest))
}

/// The tree size a checkpoint note states (its second line), unverified.
fn checkpoint_size(note: &[u8]) -> Option<u64> {
    std::str::from_utf8(note).ok()?.lines().nth(1)?.parse().ok()
}

/// The reversals whose targets must be read: those still pending and those
/// in `entries` (a batch just made durable). Reversals are rare, so this is
/// nearly always empty.
pub fn reversals_in<'a>(pending: &[(u64, u64)], entries: impl Iterator<Item = &'a SequencedEntry>) -> Vec<(u64, u64)> {
    let mut wanted = pending.to_vec();
    wanted.extend(entries.filter_map(|e| match &e.signed.submission.body {
        EntryBody::Reversal(r) => Some((e.seq, r.target_seq)),
        _ => None,
    }));
    wanted
}

/// Read the targets of `reversals` (reversal seq, target seq) back from the
/// store, outside any lock: the aggregates need a target's body to negate it
/// (`query` module docs), and the store, not memory, holds the bodies.
pub fn load_reversal_targets(store: &Store, reversals: &[(u64, u64)]) -> Result<Vec<(u64, u64, DecodedEntry)>, String> {
    let mut out = Vec::with_capacity(reversals.len());
    for &(reversal, target) in reversals {
        let bytes = store
            .entry(target)
            .map_err(|e| format!("entry {target}: {e}"))?
            .ok_or_else(|| format!("entry {target} is missing from the store"))?;
        let decoded = SequencedEntry::decode(&bytes).map_err(|e| format!("entry {target}: {e}"))?;
        if decoded.entry.seq != target {
            return Err(format!("entry {target} claims sequence {}", decoded.entry.seq));
        }
        out.push((reversal, target, decoded));
    }
    Ok(out)
}

/// Record a batch made durable, folding each reversal in right after it
/// when its target was loaded (the idle-money lots are order dependent:
/// `query::idle`), then any reversal still pending from earlier batches.
pub fn record_batch(
    ledger: &mut Ledger,
    appended: &[(SequencedEntry, Effects)],
    targets: Vec<(u64, u64, DecodedEntry)>,
) -> Result<(), String> {
    let mut targets: Vec<Option<(u64, u64, DecodedEntry)>> = targets.into_iter().map(Some).collect();
    let mut result = Ok(());
    for (entry, effects) in appended {
        ledger.query.record(entry, effects);
        if !matches!(entry.signed.submission.body, EntryBody::Reversal(_)) {
            continue;
        }
        let mine: Vec<(u64, u64, DecodedEntry)> = targets
            .iter_mut()
            .filter(|t| t.as_ref().is_some_and(|(r, _, _)| *r == entry.seq))
            .filter_map(Option::take)
            .collect();
        if let Err(e) = fold_reversal_targets(ledger, mine) {
            result = Err(e);
        }
    }
    let rest: Vec<(u64, u64, DecodedEntry)> = targets.into_iter().flatten().collect();
    result.and(fold_reversal_targets(ledger, rest))
}

/// Fold loaded reversal targets into the aggregates, each checked against
/// the verified Merkle tree first (the store could have been altered under
/// the running node). A pair no longer pending is skipped.
pub fn fold_reversal_targets(ledger: &mut Ledger, targets: Vec<(u64, u64, DecodedEntry)>) -> Result<(), String> {
    for (reversal, target, decoded) in targets {
        match ledger.tree.leaf(target) {
            Some(leaf) if leaf == decoded.leaf_hash => {}
            Some(_) => return Err(format!("entry {target}: its leaf hash differs from the Merkle tree's")),
            None => return Err(format!("entry {target} is not in the Merkle tree")),
        }
        ledger
            .query
            .resolve_reversal(reversal, target, &decoded.entry.signed.submission.body);
    }
    Ok(())
}

impl Shared {
    /// Build the shared state from an opened ledger.
    pub fn new(
        data_dir: PathBuf,
        store: Store,
        ledger: Ledger,
        latest: Option<Latest>,
        metrics: Metrics,
    ) -> Arc<Shared> {
        let committed = ledger.head.size;
        Arc::new(Shared {
            data_dir,
            store,
            ledger: RwLock::new(ledger),
            committed: AtomicU64::new(committed),
            latest: RwLock::new(latest.map(Arc::new)),
            metrics,
            ready: AtomicBool::new(false),
            storage_failed: AtomicBool::new(false),
            fatal: tokio::sync::Notify::new(),
        })
    }
}

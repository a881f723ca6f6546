//! The follower: one thread that polls the source and brings the mirror's
//! verified store up to the source's signed checkpoint, step by step.
//!
//! A step, for a source checkpoint of `size` entries when the mirror holds
//! `applied` verified entries:
//!
//! 1. the checkpoint must name the mirror's log (origin) and verify against
//!    the key in force at `size` — the pinned `--log-key` on a new mirror,
//!    else the keys the verified chain declares, plus the rotations in the
//!    new entries (a rotation's endorsement is checked by the replay);
//! 2. `size <= applied`: the mirror's tree must have the checkpoint's root
//!    at `size` (a stale source is fine) — else a **fork**;
//! 3. `size > applied`: the new leaf hashes (level-0 hash tiles), appended
//!    to the verified tree, must give the checkpoint's root. If not, the
//!    source's whole tree is read from its tiles: if it gives the signed
//!    root but disagrees with the mirror's verified prefix, two signed
//!    checkpoints cannot both be prefixes of one tree — a **fork**, with the
//!    consistency proof from that tree as evidence; otherwise the data
//!    matches no signed checkpoint: `tile_mismatch`, refused, retried;
//! 4. the entry bundles, each entry against its authenticated leaf, are
//!    replayed (`Replay`, as at the primary's start-up) and committed in
//!    chunks, each commit carrying the checkpoint (as `restore` does);
//! 5. only then the checkpoint and size the readers see move.

use super::{fork, Halt, MirrorStatus};
use crate::ledger::{index_keys, load_reversal_targets, record_batch, reversals_in, Latest, Shared};
use crate::metrics::{KindLabel, Metrics};
use crate::store::{CommitBatch, NewEntry};
use ledger_core::checkpoint::{ForkEvidenceFile, LogVerifier, VerifiedCheckpoint, FORK_EVIDENCE_KIND};
use ledger_core::merkle::{leaf_hash, MemoryTree, TileKind, TreeHash};
use ledger_core::tiles::tile_for_leaf;
use ledger_core::verify::Replay;
use ledger_tlog_client::{extend_to_checkpoint, key_history, vkey_for_size, ClientError, TilesClient};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Entries fetched, replayed and committed per store commit. The ledger's
/// write lock is held while a chunk is replayed (signatures included), so
/// readers wait at most one chunk's replay during a catch-up. Half the
/// start-up replay's step: a chunk lives three times at once (the fetched
/// bytes, the replay's decoded entries, the decoded copies kept for the
/// aggregates until the commit is durable), and that transient part is
/// what put the mirror's catch-up peak above the node's restart peak.
pub const MIRROR_APPLY_CHUNK: u64 = 2_048;

/// Entries read per pass when the new entries are scanned for log-key
/// rotations (only when the checkpoint is not signed by the key in force).
const KEY_SCAN_CHUNK: u64 = 16_384;

/// How often a sleeping follower looks at the stop flag.
const STOP_CHECK_MS: u64 = 50;

/// Why a step did not bring the mirror up to the source.
enum StepError {
    /// The source failed or served data that matches no signed checkpoint:
    /// counted, retried at the next poll; the mirror serves what it had.
    Source(ClientError),
    /// The source is another log: the mirror stops following.
    WrongLog(String),
    /// Two signed checkpoints that cannot both be prefixes of one tree.
    Fork {
        message: String,
        evidence: Box<ForkEvidenceFile>,
    },
    /// The log signed entries its own rules refuse.
    Invalid(String),
    /// The mirror's own store failed: the process stops (a restart replays).
    Storage(String),
}

impl From<ClientError> for StepError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::WrongLog(m) => StepError::WrongLog(m),
            other => StepError::Source(other),
        }
    }
}

/// The follower thread's state.
pub(super) struct Follower {
    pub(super) shared: Arc<Shared>,
    pub(super) status: Arc<MirrorStatus>,
    pub(super) client: TilesClient,
    pub(super) pinned: String,
    pub(super) origin: String,
    pub(super) poll_interval_ms: u64,
    pub(super) data_dir: PathBuf,
    pub(super) stop: Arc<AtomicBool>,
}

impl Follower {
    /// Follow until stopped or halted.
    pub(super) fn run(self) {
        while !self.stop.load(Ordering::Acquire) && self.status.halt().is_none() {
            match self.step() {
                Ok(()) => self.status.update(|v| v.last_error = None),
                Err(StepError::Source(e)) => {
                    self.count(e.code());
                    tracing::warn!(code = e.code(), error = %e, source = %self.status.source, "mirror: source refused; serving what was verified, retrying");
                    self.status
                        .update(|v| v.last_error = Some((e.code().to_string(), e.to_string())));
                }
                Err(StepError::WrongLog(message)) => {
                    self.count("wrong_log");
                    tracing::error!(%message, "mirror: the source is another log; no longer following");
                    self.halt("wrong_log", message, false);
                }
                Err(StepError::Invalid(message)) => {
                    self.count("invalid_log");
                    tracing::error!(%message, "mirror: the log signed entries that do not verify; reads stopped");
                    self.halt("invalid_log", message, true);
                }
                Err(StepError::Fork { message, evidence }) => {
                    self.count("fork");
                    Metrics::set_gauge(&self.status.metrics.fork, 1);
                    let message = match fork::write_evidence(&self.data_dir, &evidence) {
                        Ok(path) => format!("{message}; both signed checkpoints are saved in {}", path.display()),
                        Err(e) => format!("{message}; writing the evidence failed: {e:#}"),
                    };
                    tracing::error!(%message, "mirror: FORK: reads stopped");
                    self.halt("fork_detected", message, true);
                }
                Err(StepError::Storage(message)) => {
                    tracing::error!(%message, "mirror: storage failed; stopping (a restart replays the store)");
                    self.shared.storage_failed.store(true, Ordering::Release);
                    self.shared.fatal.notify_one();
                    return;
                }
            }
            let mut slept = 0;
            while slept < self.poll_interval_ms && !self.stop.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(STOP_CHECK_MS));
                slept += STOP_CHECK_MS;
            }
        }
    }

    fn count(&self, kind: &str) {
        self.status
            .metrics
            .source_errors
            .get_or_create(&KindLabel { kind: kind.to_string() })
            .inc();
    }

    fn halt(&self, code: &'static str, message: String, blocks_reads: bool) {
        self.status.update(|v| {
            v.last_error = Some((code.to_string(), message.clone()));
            v.halt = Some(Halt {
                code,
                message,
                blocks_reads,
            });
        });
    }

    fn step(&self) -> Result<(), StepError> {
        let note = self.client.checkpoint_note()?;
        let text = std::str::from_utf8(&note)
            .map_err(|_| ClientError::BadCheckpoint("the checkpoint is not UTF-8 text".into()))?;
        let mut lines = text.lines();
        let origin = lines.next().unwrap_or_default();
        if origin != self.origin {
            return Err(StepError::WrongLog(format!(
                "the source {} serves log {origin:?}, not {:?}",
                self.status.source, self.origin
            )));
        }
        let size = lines
            .next()
            .and_then(|l| l.parse::<u64>().ok())
            .ok_or_else(|| ClientError::BadCheckpoint("not a C2SP checkpoint note".into()))?;
        self.status.update(|v| v.source_size = Some(size));
        let latest = self.shared.latest();
        let verified = latest.as_ref().map_or(0, |l| l.size);
        Metrics::set_gauge(&self.status.metrics.lag_entries, size.saturating_sub(verified));
        let (applied, history) = {
            let l = self.read()?;
            (l.head.size, l.state.log_vkey_history().to_vec())
        };
        let (checkpoint, vkey) = self.verify_checkpoint(&note, size, applied, history)?;
        if size <= applied {
            if size == 0 {
                return Ok(());
            }
            let ours = self.read()?.tree.root_at(size).ok();
            if ours == Some(*checkpoint.root()) {
                if size == applied && latest.is_none() {
                    // A store resumed from an interrupted step holds exactly
                    // this signed tree: its checkpoint may be served now.
                    self.publish(text, size, &checkpoint);
                }
                return Ok(()); // up to date, or a stale read of the source
            }
            return Err(self.fork_at_known_size(&checkpoint, latest.as_deref(), &vkey));
        }
        let leaves = self.client.leaf_hashes(applied, size, size)?;
        {
            let mut l = self.write()?;
            match extend_to_checkpoint(&mut l.tree, &leaves, &checkpoint) {
                // Checked; the replay appends them for real.
                Ok(()) => l.tree.truncate(applied),
                Err(mismatch) => {
                    drop(l);
                    return Err(self.classify_mismatch(
                        mismatch,
                        &checkpoint,
                        &leaves,
                        latest.as_deref(),
                        applied,
                        &vkey,
                    ));
                }
            }
        }
        // The authenticated leaves, kept as one digest per block for the
        // rest of the step: 32 bytes per 256 entries instead of 32 per
        // entry (a 1,000,000-entry catch-up held 32 MB of leaves until its
        // last chunk, at the mirror's memory peak).
        let blocks = block_digests(&leaves);
        drop(leaves);
        let mut next = applied;
        while next < size {
            let end = (next + MIRROR_APPLY_CHUNK).min(size);
            let entries = self.client.entries(next, end, size)?;
            if entries.len() as u64 != end - next {
                return Err(StepError::Source(ClientError::TileMismatch {
                    path: format!("tile/entries for entries {next}..{end}"),
                    detail: format!("{} entries read", entries.len()),
                }));
            }
            let hashes: Vec<TreeHash> = entries.iter().map(|e| leaf_hash(e)).collect();
            for (i, block) in hashes.chunks(DIGEST_BLOCK_LEAVES).enumerate() {
                let first = next + (i * DIGEST_BLOCK_LEAVES) as u64;
                let index = ((first - applied) / DIGEST_BLOCK_LEAVES as u64) as usize;
                if blocks.get(index) != Some(&block_digest(block)) {
                    let path = tile_for_leaf(TileKind::Entries, first, size).map_or_else(String::new, |t| t.path());
                    let last = first + block.len() as u64 - 1;
                    return Err(StepError::Source(ClientError::TileMismatch {
                        path,
                        detail: format!(
                            "entries {first}..={last} differ from the leaves the signed checkpoint commits to"
                        ),
                    }));
                }
            }
            self.apply(entries, &note)?;
            next = end;
        }
        self.publish(text, size, &checkpoint);
        tracing::info!(size, from = applied, "mirror: verified and serving");
        Ok(())
    }

    /// The readers see the verified checkpoint of `size` (every entry under
    /// it is durable in the mirror's store).
    fn publish(&self, note: &str, size: u64, checkpoint: &VerifiedCheckpoint) {
        if let Ok(mut l) = self.shared.latest.write() {
            *l = Some(Arc::new(Latest {
                note: note.to_string(),
                size,
                root: *checkpoint.root(),
            }));
        }
        self.shared.committed.store(size, Ordering::Release);
        Metrics::set_gauge(&self.shared.metrics.log_size, size);
        Metrics::set_gauge(&self.status.metrics.size, size);
        Metrics::set_gauge(&self.status.metrics.lag_entries, 0);
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, crate::ledger::Ledger>, StepError> {
        self.shared
            .ledger
            .read()
            .map_err(|_| StepError::Storage("the ledger lock is poisoned".into()))
    }

    fn write(&self) -> Result<std::sync::RwLockWriteGuard<'_, crate::ledger::Ledger>, StepError> {
        self.shared
            .ledger
            .write()
            .map_err(|_| StepError::Storage("the ledger lock is poisoned".into()))
    }

    /// The checkpoint verified against the key in force at `size`; returns
    /// it and that key.
    fn verify_checkpoint(
        &self,
        note: &[u8],
        size: u64,
        applied: u64,
        history: Vec<(u64, String)>,
    ) -> Result<(VerifiedCheckpoint, String), StepError> {
        let verify = |vkey: &str| -> Result<VerifiedCheckpoint, ClientError> {
            let verifier =
                LogVerifier::from_vkey(vkey).map_err(|e| ClientError::BadCheckpoint(format!("log key {vkey}: {e}")))?;
            verifier.verify_checkpoint(note).map_err(|e| {
                ClientError::BadCheckpoint(format!(
                    "the checkpoint of size {size} does not verify against the log key {vkey}: {e}"
                ))
            })
        };
        let known = if history.is_empty() {
            vec![(0, self.pinned.clone())]
        } else {
            history.clone()
        };
        let vkey = vkey_for_size(&known, size).unwrap_or(&self.pinned).to_string();
        let first = match verify(&vkey) {
            Ok(cp) => return Ok((cp, vkey)),
            Err(e) => e,
        };
        if size <= applied {
            return Err(StepError::Source(first));
        }
        // A rotation among the new entries, or a new mirror pinned to a key
        // the log rotated to: learn the keys from the entries themselves.
        let mut keys = if applied == 0 { Vec::new() } else { history };
        let mut at = applied;
        while at < size {
            let end = (at + KEY_SCAN_CHUNK).min(size);
            keys = key_history(&keys, &self.origin, &self.client.entries(at, end, size)?)?;
            at = end;
        }
        if applied == 0 && !keys.iter().any(|(_, k)| k.trim() == self.pinned) {
            return Err(StepError::WrongLog(format!(
                "the source's log keys are {}, not the pinned --log-key {}",
                keys.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>().join(", "),
                self.pinned
            )));
        }
        let vkey = vkey_for_size(&keys, size).unwrap_or(&self.pinned).to_string();
        Ok((verify(&vkey)?, vkey))
    }

    /// A signed checkpoint of a size the mirror holds, with another root.
    fn fork_at_known_size(&self, theirs: &VerifiedCheckpoint, latest: Option<&Latest>, vkey: &str) -> StepError {
        let Some(ours) = latest.filter(|l| l.size > 0) else {
            return StepError::Source(ClientError::TileMismatch {
                path: "checkpoint".into(),
                detail: "a checkpoint inside a catch-up that was cut short does not match the entries verified".into(),
            });
        };
        let size = theirs.size();
        let message = format!(
            "fork: the source signed a checkpoint of size {size} with root {}, but the mirror verified a tree whose root at that size is different (its own checkpoint: size {}, root {})",
            theirs.root(),
            ours.size,
            ours.root
        );
        let (older, newer, root_at, proof) = if size < ours.size {
            let l = self.shared.ledger.read();
            let (root_at, proof) = match &l {
                Ok(l) => (
                    l.tree.root_at(size).ok(),
                    l.tree.consistency_proof(size, ours.size).unwrap_or_default(),
                ),
                Err(_) => (None, Vec::new()),
            };
            (note_text(theirs), ours.note.clone(), root_at, proof)
        } else {
            (ours.note.clone(), note_text(theirs), None, Vec::new())
        };
        fork_error(message, &self.origin, vkey, older, newer, root_at, proof)
    }

    /// The new leaves do not give the signed root: a fork if the source's
    /// own tree gives that root but another prefix than the mirror's; else
    /// the data matches no signed checkpoint (`tile_mismatch`).
    fn classify_mismatch(
        &self,
        mismatch: ClientError,
        theirs: &VerifiedCheckpoint,
        leaves: &[TreeHash],
        latest: Option<&Latest>,
        applied: u64,
        vkey: &str,
    ) -> StepError {
        let Some(ours) = latest.filter(|l| l.size > 0) else {
            return StepError::Source(mismatch);
        };
        let prefix = match self.client.leaf_hashes(0, applied, theirs.size()) {
            Ok(p) => p,
            Err(e) => return StepError::from(e),
        };
        let mut their_tree = MemoryTree::from_leaves(&prefix);
        their_tree.append_many(leaves);
        if their_tree.root() != *theirs.root() {
            return StepError::Source(mismatch);
        }
        let Ok(their_at) = their_tree.root_at(ours.size) else {
            return StepError::Source(mismatch);
        };
        if their_at == ours.root {
            return StepError::Source(mismatch);
        }
        let proof = their_tree
            .consistency_proof(ours.size, theirs.size())
            .unwrap_or_default();
        let message = format!(
            "fork: the source's signed checkpoint of size {} commits to a tree whose root at size {} is {their_at}, but the mirror verified root {} at that size",
            theirs.size(),
            ours.size,
            ours.root
        );
        fork_error(
            message,
            &self.origin,
            vkey,
            ours.note.clone(),
            note_text(theirs),
            Some(their_at),
            proof,
        )
    }

    /// Replay `entries` onto the verified ledger and commit them with `note`.
    fn apply(&self, entries: Vec<Vec<u8>>, note: &[u8]) -> Result<(), StepError> {
        let mut indexed = Vec::with_capacity(entries.len());
        let mut appended = Vec::with_capacity(entries.len());
        let replayed = {
            let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
            let mut guard = self.write()?;
            let ledger = &mut *guard;
            // The replay works on the ledger's own state and tree (moved in
            // and back), so the mirror holds one copy of each.
            let mut replay = Replay::with_chunk_entries(MIRROR_APPLY_CHUNK as usize);
            replay.state = std::mem::take(&mut ledger.state);
            replay.head = std::mem::take(&mut ledger.head);
            replay.tree = std::mem::take(&mut ledger.tree);
            let result = replay.push(&refs, &mut |entry, effects, _leaf| {
                indexed.push((entry.seq, index_keys(effects)));
                appended.push((entry.clone(), effects.clone()));
            });
            ledger.state = replay.state;
            ledger.head = replay.head;
            ledger.tree = replay.tree;
            result
        };
        if let Err(e) = replayed {
            return Err(StepError::Invalid(format!(
                "the source's signed checkpoint covers entries that do not verify: {e}"
            )));
        }
        if indexed.len() != entries.len() {
            return Err(StepError::Invalid(format!(
                "the replay applied {} of {} entries",
                indexed.len(),
                entries.len()
            )));
        }
        // The fetched bytes themselves are stored (moved, not re-encoded: one
        // copy of the chunk less): they are the bytes whose leaf hashes the
        // signed checkpoint commits to, and the replay decoded them canonically.
        let batch = CommitBatch {
            checkpoint: note.to_vec(),
            entries: entries
                .into_iter()
                .zip(indexed)
                .map(|(bytes, (seq, indexes))| NewEntry { seq, bytes, indexes })
                .collect(),
        };
        self.shared
            .store
            .commit(&batch)
            .map_err(|e| StepError::Storage(format!("writing the mirror's store: {e}")))?;
        test_pause_after_commit(batch.entries.last().map_or(0, |e| e.seq + 1));
        // As the primary's committer: reversal targets read outside the lock.
        let pending = self.read()?.query.pending_reversals().to_vec();
        let wanted = reversals_in(&pending, appended.iter().map(|(entry, _)| entry));
        let targets = load_reversal_targets(&self.shared.store, &wanted);
        let mut guard = self.write()?;
        let recorded = match targets {
            Ok(t) => record_batch(&mut guard, &appended, t),
            Err(e) => record_batch(&mut guard, &appended, Vec::new()).and(Err(e)),
        };
        if let Err(e) = recorded {
            tracing::error!(error = %e, "mirror: reversal targets could not be folded into the aggregates");
        }
        drop(guard);
        // As the start-up replay: the chunk's decoded entries were freed on
        // the rayon threads' arenas; give those pages back (measured: the
        // catch-up peak is otherwise above the node's restart peak).
        crate::memory::trim();
        Ok(())
    }
}

/// Leaves per block digest. A divisor of [`MIRROR_APPLY_CHUNK`], so the
/// blocks counted from a step's first entry never straddle two chunks.
const DIGEST_BLOCK_LEAVES: usize = 256;
const _: () = assert!(MIRROR_APPLY_CHUNK % DIGEST_BLOCK_LEAVES as u64 == 0);

/// One digest per [`DIGEST_BLOCK_LEAVES`] leaves (the last block may be
/// shorter).
fn block_digests(leaves: &[TreeHash]) -> Vec<TreeHash> {
    leaves.chunks(DIGEST_BLOCK_LEAVES).map(block_digest).collect()
}

/// A collision-resistant digest of a run of leaf hashes: the SHA-256 leaf
/// hash of their concatenation (any change of a leaf, or of their order or
/// number, changes it).
fn block_digest(leaves: &[TreeHash]) -> TreeHash {
    let mut bytes = Vec::with_capacity(leaves.len() * 32);
    for leaf in leaves {
        bytes.extend_from_slice(&leaf.0);
    }
    leaf_hash(&bytes)
}

/// Test-only fault point (debug builds only; release builds ignore the
/// variable): with `LEDGER_TEST_MIRROR_PAUSE_AFTER=N`, the follower stops
/// for good right after the chunk commit that brings its store to `N`
/// entries or more, and says so on stderr, so a real-process test can
/// `kill -9` the mirror at a known point inside a step.
fn test_pause_after_commit(stored: u64) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(at) = std::env::var("LEDGER_TEST_MIRROR_PAUSE_AFTER")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    if stored >= at {
        eprintln!("LEDGER_TEST_MIRROR_PAUSE_AFTER: paused with {stored} entries stored");
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

fn note_text(checkpoint: &VerifiedCheckpoint) -> String {
    String::from_utf8_lossy(checkpoint.note_bytes()).into_owned()
}

fn fork_error(
    message: String,
    origin: &str,
    vkey: &str,
    older: String,
    newer: String,
    root_at: Option<TreeHash>,
    proof: Vec<TreeHash>,
) -> StepError {
    let found_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    StepError::Fork {
        evidence: Box::new(ForkEvidenceFile {
            kind: FORK_EVIDENCE_KIND.into(),
            origin: origin.to_string(),
            reason: message.clone(),
            log_vkey: vkey.to_string(),
            older_checkpoint: older,
            newer_checkpoint: newer,
            newer_root_at_older_size: root_at.map(|r| hex::encode(r.0)),
            consistency_proof: proof.iter().map(|h| hex::encode(h.0)).collect(),
            found_ms,
        }),
        message,
    }
}

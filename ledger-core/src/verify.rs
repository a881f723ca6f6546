//! The chain verifier: trust nothing but the maths.
//!
//! Given every entry's bytes and a signed checkpoint, it checks, for *every*
//! entry (not just the endpoints — the immudb CVE-2022-36111 lesson):
//! canonical decoding, the sequence number, the blake3 link to the previous
//! entry, non-decreasing time, every Ed25519 signature (batch-verified on all
//! cores, falling back to one-by-one to name the bad one), every ledger rule
//! (authorization at the time of the entry, replay, conservation, …), the
//! RFC 6962 root against the checkpoint, the checkpoint's signature by the
//! log key declared in genesis, and optionally consistency with an older
//! checkpoint the auditor saved. It reports the first bad entry and why.
//!
//! Entries are processed in chunks: decoding, hashing and signature checks run
//! in parallel (rayon) within a chunk, then links and rules run in order. So
//! memory stays bounded by the chunk size whatever the ledger's length.

use crate::chain::{submission_bytes, ChainHead, SequencedEntry, ENTRY_VERSION};
use crate::checkpoint::{ForkEvidence, LogVerifier, VerifiedCheckpoint};
use crate::encoding::{self, Hash32, DOMAIN_SUBMISSION};
use crate::entry::EntryBody;
use crate::keys::PublicKey;
use crate::merkle::{MemoryTree, TreeHash};
use crate::rules::{Effects, LedgerState};
use crate::signature_rule::{StrictKey, STRICT_TABLE_MIN_SIGNATURES};
use crate::submission::{
    verify_batch_each_with_messages, verify_strict_first, SignedSubmission, SubmissionError, VerifiedSubmission,
};
use rayon::prelude::*;
use std::collections::HashMap;

/// Entries decoded and signature-checked in parallel per step.
pub const CHUNK_ENTRIES: usize = 32_768;
/// Submissions per ZIP-215 batch (`verify_batch_each`; the sweet spot measured is 256-1024).
pub const SIGNATURE_BATCH: usize = 512;

/// What to check beyond the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// If set, the log key must be exactly this (signed-note vkey); otherwise
    /// the key declared in genesis is used and reported.
    pub trusted_log_vkey: Option<String>,
    /// An older signed checkpoint the auditor saved; the ledger must extend it.
    pub old_checkpoint: Option<Vec<u8>>,
}

/// Why verification failed: the first bad entry (if the fault is in one) and
/// the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// The first bad entry, when the fault is in an entry.
    pub seq: Option<u64>,
    /// Stable code: `decode`, `link`, `signature`, a rule code, `checkpoint`,
    /// `root_mismatch`, `size_mismatch`, `fork`.
    pub code: &'static str,
    /// A sentence saying what is wrong.
    pub message: String,
    /// When two signed checkpoints contradict each other: both, as evidence.
    pub fork: Option<ForkEvidence>,
}

impl std::fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "entry {seq}: [{}] {}", self.code, self.message),
            None => write!(f, "[{}] {}", self.code, self.message),
        }
    }
}

impl std::error::Error for VerifyFailure {}

fn fail(seq: Option<u64>, code: &'static str, message: impl Into<String>) -> VerifyFailure {
    VerifyFailure {
        seq,
        code,
        message: message.into(),
        fork: None,
    }
}

/// What a successful verification established.
#[derive(Debug)]
pub struct VerifyReport {
    /// Entries verified.
    pub entries: u64,
    /// The log's origin.
    pub origin: String,
    /// The log key the checkpoint was verified against.
    pub log_vkey: String,
    /// The verified checkpoint.
    pub checkpoint: VerifiedCheckpoint,
    /// The recomputed Merkle root (equal to the checkpoint's).
    pub root: TreeHash,
    /// blake3 hash of the last entry.
    pub head_hash: Hash32,
    /// Signatures verified.
    pub signatures: u64,
    /// Size of the older checkpoint shown consistent, if one was given.
    pub consistent_with_size: Option<u64>,
    /// The ledger state after the last entry (balances, funds, projects, keys),
    /// for audit rules.
    pub state: LedgerState,
}

/// Verify a checkpoint note against the log key in force at the size it
/// claims. The size is read from the unverified text first only to pick the
/// key; the signature check then covers that very text.
pub fn verify_checkpoint_with_state(
    state: &LedgerState,
    note: &[u8],
    what: Option<&str>,
) -> Result<VerifiedCheckpoint, VerifyFailure> {
    let what = what.unwrap_or("the checkpoint");
    let claimed_size = std::str::from_utf8(note)
        .ok()
        .and_then(|t| t.lines().nth(1))
        .and_then(|l| l.parse::<u64>().ok())
        .ok_or_else(|| fail(None, "checkpoint", format!("{what} is not a C2SP checkpoint note")))?;
    let vkey = state
        .log_vkey_for_size(claimed_size)
        .ok_or_else(|| fail(None, "checkpoint", "the ledger declares no log key"))?;
    let verifier =
        LogVerifier::from_vkey(vkey).map_err(|e| fail(None, "checkpoint", format!("log key {vkey}: {e}")))?;
    verifier.verify_checkpoint(note).map_err(|e| {
        fail(
            None,
            "checkpoint",
            format!("{what} does not verify against the log key {vkey}: {e}"),
        )
    })
}

struct Prepared {
    seq: u64,
    time_ms: u64,
    prev_hash: Hash32,
    entry_hash: Hash32,
    leaf_hash: TreeHash,
}

/// Replays a chain from genesis, chunk by chunk, checking every link, leaf,
/// signature and rule. Used by the offline verifier and by the node at
/// start-up (which is how the node rebuilds its in-memory state and tree, and
/// how it detects a damaged store).
#[derive(Debug)]
pub struct Replay {
    /// The ledger state after the entries pushed so far.
    pub state: LedgerState,
    /// The chain head.
    pub head: ChainHead,
    /// The Merkle tree of the entries pushed so far.
    pub tree: MemoryTree,
    /// Signatures verified so far.
    pub signatures: u64,
    /// Entries decoded and checked in parallel per step (two steps are in
    /// memory at once).
    chunk_entries: usize,
}

impl Default for Replay {
    fn default() -> Self {
        Replay {
            state: LedgerState::default(),
            head: ChainHead::EMPTY,
            tree: MemoryTree::default(),
            signatures: 0,
            chunk_entries: CHUNK_ENTRIES,
        }
    }
}

impl Default for ChainHead {
    fn default() -> Self {
        ChainHead::EMPTY
    }
}

impl Replay {
    /// Start from an empty ledger.
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Start from an empty ledger, checking `chunk_entries` entries per
    /// parallel step (at least 1,024) instead of [`CHUNK_ENTRIES`]: fewer
    /// decoded entries in memory at once, for a process that must stay small
    /// (the node at start-up), at some cost in parallel efficiency.
    pub fn with_chunk_entries(chunk_entries: usize) -> Replay {
        Replay {
            chunk_entries: chunk_entries.max(1_024),
            ..Replay::default()
        }
    }

    /// Verify and apply the next entries (any count; processed in parallel
    /// steps of [`CHUNK_ENTRIES`], or the size given to
    /// [`Replay::with_chunk_entries`]). `on_entry` sees each applied entry with
    /// its effects (the node builds its query indexes from it).
    ///
    /// Two chunks are in flight: while this thread applies chunk `k` in order
    /// (links, rules, tree), the thread pool decodes, hashes and
    /// signature-checks chunk `k + 1`, so the sequential part does not leave
    /// the other cores idle.
    pub fn push(
        &mut self,
        entries: &[&[u8]],
        on_entry: &mut dyn FnMut(&SequencedEntry, &Effects, &TreeHash),
    ) -> Result<(), VerifyFailure> {
        self.push_observed(entries, None, &mut |a| on_entry(a.entry, a.effects, a.leaf))
    }

    /// [`Replay::push`] for `ledger audit` (issue 16: one pass): `on_entry`
    /// also sees the ledger state after each entry, and, for the entries at
    /// positions from `strict_from` on, which keys' signatures strict
    /// verification refused. Those entries' signatures are checked strictly
    /// instead of batch-checked ([`verify_strict_first`]: strict acceptance
    /// implies validity), in the same parallel stage as decoding, so the
    /// audit's strict check overlaps the sequential apply and no signature
    /// is verified twice. Entries before `strict_from` (`None`: all) are
    /// batch-checked as in [`Replay::push`] (an earlier audit's cache knows
    /// their strict answers). The validity answer, and so every failure, is
    /// the same either way.
    pub fn push_observed(
        &mut self,
        entries: &[&[u8]],
        strict_from: Option<u64>,
        on_entry: &mut dyn FnMut(Applied<'_>),
    ) -> Result<(), VerifyFailure> {
        let start = self.head.size;
        let chunk_entries = self.chunk_entries;
        let chunks: Vec<&[&[u8]]> = entries.chunks(chunk_entries).collect();
        let base = |k: usize| start + (k * chunk_entries) as u64;
        let mut next = chunks.first().map(|c| prepare_chunk(c, base(0), strict_from));
        for k in 0..chunks.len() {
            let Some(current) = next.take() else { break };
            let mut following = None;
            let applied = rayon::in_place_scope(|scope| {
                if let Some(chunk) = chunks.get(k + 1) {
                    let slot = &mut following;
                    let at = base(k + 1);
                    scope.spawn(move |_| *slot = Some(prepare_chunk(chunk, at, strict_from)));
                }
                self.apply_chunk(current, on_entry)
            });
            applied?;
            next = following;
        }
        Ok(())
    }

    fn apply_chunk(
        &mut self,
        chunk: PreparedChunk,
        on_entry: &mut dyn FnMut(Applied<'_>),
    ) -> Result<(), VerifyFailure> {
        let PreparedChunk {
            prepared,
            verified,
            first_decode_error,
        } = chunk;
        // In order: links, rules, tree.
        for (p, (v, non_strict)) in prepared.into_iter().zip(verified) {
            let position = self.head.size;
            let v = v.map_err(|e| fail(Some(position), "signature", e.to_string()))?;
            self.head
                .link_parts(p.seq, &p.prev_hash, p.time_ms, p.entry_hash)
                .map_err(|e| fail(Some(position), "link", e.to_string()))?;
            let effects = self
                .state
                .apply(p.seq, p.time_ms, &v)
                .map_err(|e| fail(Some(position), e.code(), e.to_string()))?;
            self.signatures += v.signed().signatures.len() as u64;
            self.tree.append(p.leaf_hash);
            let entry = SequencedEntry {
                v: ENTRY_VERSION,
                seq: p.seq,
                time_ms: p.time_ms,
                prev_hash: p.prev_hash,
                signed: v.into_signed(),
            };
            on_entry(Applied {
                entry: &entry,
                effects: &effects,
                leaf: &p.leaf_hash,
                state: &self.state,
                non_strict: non_strict.as_deref(),
            });
        }
        match first_decode_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// One entry as [`Replay::push_observed`] hands it over, once applied.
#[derive(Debug, Clone, Copy)]
pub struct Applied<'a> {
    /// The entry.
    pub entry: &'a SequencedEntry,
    /// What the rule engine reported for it.
    pub effects: &'a Effects,
    /// Its Merkle leaf hash.
    pub leaf: &'a TreeHash,
    /// The ledger state after it.
    pub state: &'a LedgerState,
    /// `Some`: its signatures were checked strictly, and strict verification
    /// refused those by these keys (usually none); `None`: not checked
    /// strictly (before `strict_from`).
    pub non_strict: Option<&'a [PublicKey]>,
}

/// A signature check's answer, and, when the check was strict, the keys
/// strict verification refused.
type Checked = (Result<VerifiedSubmission, SubmissionError>, Option<Vec<PublicKey>>);

/// A chunk decoded, hashed and signature-checked, ready to apply in order.
struct PreparedChunk {
    prepared: Vec<Prepared>,
    verified: Vec<Checked>,
    first_decode_error: Option<VerifyFailure>,
}

/// The parallel part of a chunk whose first entry is at position `base`:
/// decode and hash every entry, then verify the signatures in batches of
/// [`SIGNATURE_BATCH`] (a failed batch is re-checked one by one), or, from
/// position `strict_from` on, strictly ([`check_strictly`]). Stops at the
/// first entry that does not decode.
fn prepare_chunk(chunk: &[&[u8]], base: u64, strict_from: Option<u64>) -> PreparedChunk {
    type Decoded = (Prepared, SignedSubmission, Vec<u8>);
    let decoded: Vec<Result<Decoded, VerifyFailure>> = chunk
        .par_iter()
        .enumerate()
        .map(|(i, bytes)| {
            let position = base + i as u64;
            let d = SequencedEntry::decode(bytes).map_err(|e| fail(Some(position), "decode", e.to_string()))?;
            // The signed message, sliced from the canonical bytes rather than re-encoded.
            let message = match submission_bytes(bytes, &d.entry) {
                Some(submission) => encoding::with_domain(DOMAIN_SUBMISSION, submission),
                None => d.entry.signed.submission.signing_message(),
            };
            let prepared = Prepared {
                seq: d.entry.seq,
                time_ms: d.entry.time_ms,
                prev_hash: d.entry.prev_hash,
                entry_hash: d.entry_hash,
                leaf_hash: d.leaf_hash,
            };
            Ok((prepared, d.entry.signed, message))
        })
        .collect();
    let mut prepared = Vec::with_capacity(decoded.len());
    let mut signed: Vec<SignedSubmission> = Vec::with_capacity(decoded.len());
    let mut messages: Vec<Vec<u8>> = Vec::with_capacity(decoded.len());
    let mut first_decode_error: Option<VerifyFailure> = None;
    for item in decoded {
        match item {
            Ok((p, s, m)) => {
                prepared.push(p);
                signed.push(s);
                messages.push(m);
            }
            Err(e) => {
                first_decode_error = Some(e);
                break;
            }
        }
    }
    // Entries before `strict_from` are batch-checked, the rest strictly; the
    // boundary is a position, so the chunk splits in two.
    let strict_at = match strict_from {
        Some(from) => usize::try_from(from.saturating_sub(base))
            .unwrap_or(usize::MAX)
            .min(signed.len()),
        None => signed.len(),
    };
    let strict_signed = signed.split_off(strict_at);
    let strict_messages = messages.split_off(strict_at);
    let mut batches: Vec<(Vec<SignedSubmission>, Vec<Vec<u8>>)> = Vec::new();
    let mut iter = signed.into_iter().zip(messages).peekable();
    while iter.peek().is_some() {
        batches.push(iter.by_ref().take(SIGNATURE_BATCH).unzip());
    }
    let mut verified: Vec<Checked> = batches
        .into_par_iter()
        .map(|(batch, messages)| verify_batch_each_with_messages(batch, messages))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .map(|r| (r, None))
        .collect();
    verified.extend(check_strictly(strict_signed, strict_messages));
    PreparedChunk {
        prepared,
        verified,
        first_decode_error,
    }
}

/// [`verify_strict_first`] on every submission, in parallel; each distinct
/// key is decompressed once for the chunk (a ledger is signed by few
/// operator keys, so this saves a point decompression per signature), and a
/// key that signs many of the chunk's entries gets its fixed-base table
/// ([`StrictKey::with_table`]: the same answers, about 40 % less work per
/// signature once the table is paid for).
fn check_strictly(signed: Vec<SignedSubmission>, messages: Vec<Vec<u8>>) -> Vec<Checked> {
    let mut counts: HashMap<PublicKey, usize> = HashMap::new();
    for s in signed.iter().flat_map(|s| &s.signatures) {
        *counts.entry(s.key).or_default() += 1;
    }
    let keys: HashMap<PublicKey, StrictKey> = counts
        .into_par_iter()
        .map(|(key, n)| {
            let strict = if n >= STRICT_TABLE_MIN_SIGNATURES {
                StrictKey::with_table(&key)
            } else {
                StrictKey::new(&key)
            };
            (key, strict)
        })
        .collect();
    let strict = |key: &PublicKey, signature: &crate::keys::SignatureBytes, message: &[u8]| match keys.get(key) {
        Some(k) => k.verify(signature, message),
        None => StrictKey::new(key).verify(signature, message),
    };
    signed
        .into_par_iter()
        .zip(messages)
        .with_min_len(64)
        .map(|(s, m)| {
            let (result, non_strict) = verify_strict_first(s, &m, &strict);
            (result, Some(non_strict))
        })
        .collect()
}

/// Verify a whole ledger. `progress` is called with the number of entries
/// done after each chunk.
pub fn verify_ledger(
    entries: &[&[u8]],
    checkpoint_note: &[u8],
    options: &VerifyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport, VerifyFailure> {
    verify_ledger_observed(entries, checkpoint_note, options, progress, None, &mut |_| {})
}

/// [`verify_ledger`] that hands every entry, once applied, to `on_entry`
/// ([`Replay::push_observed`]; `strict_from` as there): `ledger audit` runs
/// its rules in the verification's own pass. `on_entry` sees entries before
/// the checkpoint is checked, so a caller must discard what it built if this
/// returns an error (a bundle that does not verify is never audited).
pub fn verify_ledger_observed(
    entries: &[&[u8]],
    checkpoint_note: &[u8],
    options: &VerifyOptions,
    progress: &(dyn Fn(u64) + Sync),
    strict_from: Option<u64>,
    on_entry: &mut dyn FnMut(Applied<'_>),
) -> Result<VerifyReport, VerifyFailure> {
    // Trust anchor: the log key named in genesis (or the one the auditor pins).
    let first = entries
        .first()
        .ok_or_else(|| fail(None, "empty", "the bundle holds no entries"))?;
    let genesis = SequencedEntry::decode(first).map_err(|e| fail(Some(0), "decode", e.to_string()))?;
    let EntryBody::Genesis(g) = &genesis.entry.signed.submission.body else {
        return Err(fail(Some(0), "genesis", "the first entry is not genesis"));
    };
    let genesis_vkey = g.log_vkey.clone();
    if let Some(trusted) = &options.trusted_log_vkey {
        if *trusted != genesis_vkey {
            return Err(fail(
                Some(0),
                "checkpoint",
                format!("genesis declares log key {genesis_vkey}, not the trusted key {trusted}"),
            ));
        }
    }

    let mut replay = Replay::new();
    // One push for the whole ledger, so that chunks overlap (see `Replay::push`).
    replay.push_observed(entries, strict_from, &mut |applied| {
        let seq = applied.entry.seq;
        on_entry(applied);
        if (seq + 1) % CHUNK_ENTRIES as u64 == 0 {
            progress(seq + 1);
        }
    })?;
    progress(replay.head.size);
    let Replay {
        state,
        head,
        tree,
        signatures,
        ..
    } = replay;

    // The checkpoint must be signed by the log key in force at its size
    // (genesis's key, or the latest rotation sequenced before it).
    let checkpoint = verify_checkpoint_with_state(&state, checkpoint_note, None)?;
    let log_vkey = state
        .log_vkey_for_size(checkpoint.size())
        .unwrap_or_default()
        .to_string();
    if checkpoint.size() != head.size {
        return Err(fail(
            None,
            "size_mismatch",
            format!(
                "the checkpoint covers {} entries but the bundle holds {}",
                checkpoint.size(),
                head.size
            ),
        ));
    }
    let root = tree.root();
    if root != *checkpoint.root() {
        return Err(fail(
            None,
            "root_mismatch",
            format!(
                "the entries' Merkle root {root} differs from the signed checkpoint's root {}",
                checkpoint.root()
            ),
        ));
    }
    let old = match &options.old_checkpoint {
        Some(bytes) => Some(verify_checkpoint_with_state(
            &state,
            bytes,
            Some("the saved older checkpoint"),
        )?),
        None => None,
    };
    let mut consistent_with_size = None;
    if let Some(old) = old {
        if old.size() > checkpoint.size() {
            // The log once showed more entries than it shows now: a rollback.
            return Err(VerifyFailure {
                seq: None,
                code: "fork",
                message: format!(
                    "the saved checkpoint has {} entries but the ledger now has only {}: history was truncated",
                    old.size(),
                    checkpoint.size()
                ),
                fork: Some(ForkEvidence {
                    a: old.note_bytes().to_vec(),
                    b: checkpoint.note_bytes().to_vec(),
                }),
            });
        }
        let old_root = tree
            .root_at(old.size())
            .map_err(|e| fail(None, "fork", e.to_string()))?;
        if old_root != *old.root() {
            return Err(VerifyFailure {
                seq: None,
                code: "fork",
                message: format!(
                    "the saved checkpoint of size {} has root {} but this ledger's first {} entries hash to {}: history was rewritten",
                    old.size(),
                    old.root(),
                    old.size(),
                    old_root
                ),
                fork: Some(ForkEvidence { a: old.note_bytes().to_vec(), b: checkpoint.note_bytes().to_vec() }),
            });
        }
        consistent_with_size = Some(old.size());
    }
    Ok(VerifyReport {
        entries: head.size,
        origin: state.origin().unwrap_or_default().to_string(),
        log_vkey,
        checkpoint,
        root,
        head_hash: head.last_hash,
        signatures,
        consistent_with_size,
        state,
    })
}

//! Golden hashes of the demo ledger: the generator must produce exactly the
//! same bytes for the same seed, across refactors.
//!
//! Each test generates a demo log for a fixed seed, size and clock, and
//! compares a blake3 hash of (a) every sequenced entry's bytes, as
//! [`ledger_demo::demo_entries`] lays them out from a fixed start time, and
//! (b) the side data that appears in no entry (key holders' names and
//! private keys, revocations, the pseudonym key, the households' resident
//! IDs and names) with a recorded hex value.
//!
//! A refactor of the generator must leave these values unchanged. A
//! DELIBERATE change of the demo data (new entries, other names, another
//! amount rule, ...) changes them: then update the golden values below in the
//! same commit, and say in its message that the demo data changed and why.

use ledger_core::encoding;
use ledger_demo::{demo_entries, generate, DemoConfig, DemoLog, DEFAULT_SEED, DEFAULT_TARGET_ENTRIES};

/// 2021-01-15 09:00 China time, after the demo's last business date: the fixed clock of the golden logs.
const NOW_MS: u64 = 1_610_672_400_000;

// The golden values, recorded when the demo's projects began to go through
// the project library's stages (issue 13: proposal, review, plan publicity,
// approval with budget and contractor, start, payments passed from the town
// treasury into the project's account, acceptance, hand-over, evaluation,
// retention; adjustments, a cancellation, pre-rule project history, the
// last 2020 projects at each earlier stage; allocations exactly what the log
// pays out); updated for format 3 (issue 14: entries and submissions are
// version 3, every household payment ends with `supplementary: None`, the
// policy's `enforced_from.duplicates` is 2019-03-01; same data otherwise);
// updated for the demo's contacts and back-pay (issues 15 and 14: the
// district's and each town's ContactsUpdate as the log's last 19 entries,
// the kind in the poverty offices' grants; a 低保 payment of April 2019
// underpaid by 212 元 and made good by a supplementary payment 补发 seven
// days later).
// Update them ONLY for a deliberate
// change of the demo data (see the module comment), never to make a
// refactor pass.

/// The default demo (seed 320803, 3,000 entries): entry bytes.
const DEFAULT_ENTRIES_GOLDEN: &str = "5c4784e5b89a74e9ee7c4a9f11b9ae625dda047b2f9f019cb1585a78b9109cd9";
/// The default demo: keys, names, households.
const DEFAULT_SIDE_DATA_GOLDEN: &str = "a2ed4d888cee4d72087c92e936670344182c58123d15da1724d1c9bc10386919";
/// Seed 7, 800 entries: entry bytes.
const SMALL_ENTRIES_GOLDEN: &str = "f0cf7b9fe2725ba8ed04ddb1e5e3fd5b5db73aa51ccf35eba5f980944f5127ca";
/// Seed 7, 800 entries: keys, names, households.
const SMALL_SIDE_DATA_GOLDEN: &str = "b82934c055602021bbb425443b5f0e516fa43a314645ef366e59f6138b3c9368";

fn log_of(seed: u64, target_entries: u64) -> DemoLog {
    let config = DemoConfig {
        seed,
        target_entries,
        now_ms: NOW_MS,
    };
    match generate(&config) {
        Ok(log) => log,
        Err(e) => panic!("seed {seed}, {target_entries} entries: {e}"),
    }
}

/// blake3 of every entry's bytes, each prefixed with its length.
fn entries_hash(log: &DemoLog) -> String {
    let mut hasher = blake3::Hasher::new();
    for entry in demo_entries(log, NOW_MS) {
        hasher.update(&(entry.len() as u64).to_le_bytes());
        hasher.update(&entry);
    }
    hasher.finalize().to_hex().to_string()
}

/// blake3 of what the log carries besides its submissions.
fn side_data_hash(log: &DemoLog) -> String {
    let mut hasher = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(log.origin.as_bytes());
    field(&log.log_key.to_bytes());
    field(&log.pseudonym_key.to_bytes());
    for op in log.admins.iter().chain(&log.operators) {
        field(op.name.as_bytes());
        field(&op.key.to_bytes());
        field(&encoding::encode(&op.grant));
        field(&op.revoked_at_seq.unwrap_or(u64::MAX).to_le_bytes());
    }
    for h in &log.households {
        field(h.resident_id.as_bytes());
        field(h.full_name.as_bytes());
        field(h.masked_name.as_str().as_bytes());
        field(&h.reference.0 .0);
        field(&h.village.get().to_le_bytes());
    }
    hasher.finalize().to_hex().to_string()
}

#[test]
fn default_demo_is_byte_for_byte_unchanged() {
    let log = log_of(DEFAULT_SEED, DEFAULT_TARGET_ENTRIES);
    assert_eq!(log.submissions.len() as u64, DEFAULT_TARGET_ENTRIES);
    assert_eq!(
        (entries_hash(&log), side_data_hash(&log)),
        (DEFAULT_ENTRIES_GOLDEN.to_string(), DEFAULT_SIDE_DATA_GOLDEN.to_string()),
        "(entries, side data)"
    );
}

#[test]
fn small_demo_of_another_seed_is_byte_for_byte_unchanged() {
    let log = log_of(7, 800);
    assert_eq!(log.submissions.len(), 800);
    assert_eq!(
        (entries_hash(&log), side_data_hash(&log)),
        (SMALL_ENTRIES_GOLDEN.to_string(), SMALL_SIDE_DATA_GOLDEN.to_string()),
        "(entries, side data)"
    );
}

//! The chain verifier on a damaged demo ledger: it names the first bad
//! entry, the gap, the wrong key, the wrong root, and a fork against a
//! saved checkpoint.

use ed25519_dalek::SigningKey;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::{LogSigner, SignedCheckpoint};
use ledger_core::encoding::Bytes;
use ledger_core::entry::EntryBody;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_core::verify::{verify_ledger, VerifyFailure, VerifyOptions, VerifyReport};
use ledger_demo as demo;

use crate::support::*;

fn checkpoint(entries: &[Vec<u8>], size: usize, key: &SigningKey) -> SignedCheckpoint {
    let leaves: Vec<_> = entries[..size].iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaves(&leaves);
    LogSigner::new(demo::DEMO_ORIGIN, key.clone())
        .unwrap_or_else(|e| panic!("{e}"))
        .sign_checkpoint(size as u64, &tree.root())
}

fn verify(entries: &[Vec<u8>], note: &[u8], old: Option<&SignedCheckpoint>) -> Result<VerifyReport, VerifyFailure> {
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let options = VerifyOptions {
        old_checkpoint: old.map(SignedCheckpoint::to_bytes),
        ..VerifyOptions::default()
    };
    verify_ledger(&refs, note, &options, &|_| {})
}

fn failure(result: Result<VerifyReport, VerifyFailure>) -> VerifyFailure {
    match result {
        Ok(report) => panic!("a damaged ledger of {} entries verified", report.entries),
        Err(f) => f,
    }
}

/// The position of the first demo entry of a kind after `after`.
fn first_of(kind: &str, after: usize) -> usize {
    fx().log
        .submissions
        .iter()
        .enumerate()
        .skip(after)
        .find(|(_, s)| s.submission.body.kind().name() == kind)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn clean_demo_ledger_verifies() {
    let f = fx();
    let n = f.entries.len();
    let cp = checkpoint(&f.entries, n, &f.log.log_key);
    let older = checkpoint(&f.entries, n / 2, &f.log.log_key);
    let report = verify(&f.entries, cp.as_bytes(), Some(&older)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.entries, n as u64);
    assert_eq!(report.origin, demo::DEMO_ORIGIN);
    assert_eq!(Some(report.log_vkey.as_str()), f.log.log_vkey());
    assert_eq!(report.root, *cp.root());
    assert_eq!(report.consistent_with_size, Some((n / 2) as u64));
    let expected_signatures: usize = f.log.submissions.iter().map(|s| s.signatures.len()).sum();
    assert_eq!(report.signatures, expected_signatures as u64);
    assert_eq!(report.state.size(), f.state.size());
}

#[test]
fn flipped_byte_names_the_entry() {
    let f = fx();
    let n = f.entries.len();
    let k = first_of("household_subsidy", 100);
    let decoded = SequencedEntry::decode(&f.entries[k]).unwrap_or_else(|e| panic!("{e}"));

    // Inside the signed submission (a nonce byte): the signature fails at k.
    let mut entries = f.entries.clone();
    let nonce = decoded.entry.signed.submission.nonce.0;
    let at = entries[k]
        .windows(16)
        .position(|w| w == nonce)
        .unwrap_or_else(|| panic!("nonce"));
    entries[k][at] ^= 0x80;
    let cp = checkpoint(&entries, n, &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "signature"), "{fail}");

    // In the link (a prev_hash byte): the link fails at k.
    let mut entries = f.entries.clone();
    let prev = decoded.entry.prev_hash.0;
    let at = entries[k]
        .windows(32)
        .position(|w| w == prev)
        .unwrap_or_else(|| panic!("prev_hash"));
    entries[k][at + 31] ^= 0x01;
    let cp = checkpoint(&entries, n, &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "link"), "{fail}");

    // Checked against the clean ledger's checkpoint (what an auditor holds),
    // the damaged entry is still the one named.
    let clean_cp = checkpoint(&f.entries, n, &f.log.log_key);
    let mut entries = f.entries.clone();
    entries[k][at] ^= 0x01;
    let fail = failure(verify(&entries, clean_cp.as_bytes(), None));
    assert_eq!(fail.seq, Some(k as u64), "{fail}");

    // A byte that makes the entry non-canonical (a trailing byte): decode.
    let mut entries = f.entries.clone();
    entries[k].push(0);
    let fail = failure(verify(&entries, clean_cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "decode"), "{fail}");
}

#[test]
fn dropped_entry_names_the_gap() {
    let f = fx();
    let k = 200;
    let mut entries = f.entries.clone();
    entries.remove(k);
    let cp = checkpoint(&entries, entries.len(), &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "link"), "{fail}");
    assert!(fail.message.contains(&format!("claims sequence {}", k + 1)), "{fail}");
}

#[test]
fn swapped_entries_are_caught() {
    let f = fx();
    let k = 300;
    let mut entries = f.entries.clone();
    entries.swap(k, k + 1);
    let cp = checkpoint(&entries, entries.len(), &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "link"), "{fail}");
}

#[test]
fn checkpoint_signed_by_another_key_is_refused() {
    let f = fx();
    let impostor = SigningKey::from_bytes(&[9; 32]);
    let cp = checkpoint(&f.entries, f.entries.len(), &impostor);
    let fail = failure(verify(&f.entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (None, "checkpoint"), "{fail}");
    // A byte changed in a correctly signed checkpoint (the size line).
    let good = checkpoint(&f.entries, f.entries.len(), &f.log.log_key);
    let text = good.as_text().replacen(
        &format!("\n{}\n", f.entries.len()),
        &format!("\n{}\n", f.entries.len() + 1),
        1,
    );
    let fail = failure(verify(&f.entries, text.as_bytes(), None));
    assert_eq!(fail.code, "checkpoint", "{fail}");
}

#[test]
fn checkpoint_root_must_match_the_entries() {
    let f = fx();
    let n = f.entries.len();
    // Correctly signed, right size, but the root of other entries.
    let leaves: Vec<_> = f.entries[..n - 1].iter().map(|e| leaf_hash(e)).collect();
    let wrong_root = MemoryTree::from_leaves(&leaves).root();
    let signer = LogSigner::new(demo::DEMO_ORIGIN, f.log.log_key.clone()).unwrap_or_else(|e| panic!("{e}"));
    let cp = signer.sign_checkpoint(n as u64, &wrong_root);
    let fail = failure(verify(&f.entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (None, "root_mismatch"), "{fail}");
    // And a checkpoint of another size.
    let short = checkpoint(&f.entries, n - 1, &f.log.log_key);
    let fail = failure(verify(&f.entries, short.as_bytes(), None));
    assert_eq!(fail.code, "size_mismatch", "{fail}");
}

/// The signing keys of the demo, by public key.
fn key_of(public: &Bytes<32>) -> &'static SigningKey {
    let log = &fx().log;
    log.admins
        .iter()
        .chain(log.operators.iter())
        .find(|o| o.grant.key == *public)
        .map(|o| &o.key)
        .unwrap_or_else(|| panic!("a demo key"))
}

#[test]
fn rewritten_history_is_a_fork_against_a_saved_checkpoint() {
    let f = fx();
    let n = f.entries.len();
    // An auditor saved the checkpoint at size n - 100.
    let saved = checkpoint(&f.entries, n - 100, &f.log.log_key);
    // Later the log presents a history in which an earlier payment was
    // quietly lowered by 1 fen — re-signed by the same operator, re-chained,
    // valid under every rule, and with a correctly signed checkpoint.
    let k = first_of("household_subsidy", n - 300);
    let mut rewritten = f.log.clone();
    let original = rewritten.submissions[k].clone();
    let mut submission = original.submission.clone();
    if let EntryBody::HouseholdSubsidy(s) = &mut submission.body {
        s.amount = fen(s.amount.get() - 1);
    }
    let keys: Vec<&SigningKey> = original.signatures.iter().map(|s| key_of(&s.key)).collect();
    rewritten.submissions[k] = submission.sign(&keys);
    let entries = demo::demo_entries(&rewritten, NOW_MS);
    assert_eq!(entries[..k], f.entries[..k], "the prefix is shared");
    let cp = checkpoint(&entries, n, &f.log.log_key);
    // On its own, the rewritten ledger is perfectly valid ...
    assert!(verify(&entries, cp.as_bytes(), None).is_ok());
    // ... but not an extension of what the auditor saw.
    let fail = failure(verify(&entries, cp.as_bytes(), Some(&saved)));
    assert_eq!(fail.code, "fork", "{fail}");
    let evidence = fail.fork.unwrap_or_else(|| panic!("fork evidence"));
    assert_eq!(evidence.a, saved.to_bytes());
    assert_eq!(evidence.b, cp.to_bytes());

    // A truncated history (a rollback below the saved size) is a fork too.
    let truncated = &f.entries[..n - 150];
    let cp = checkpoint(truncated, truncated.len(), &f.log.log_key);
    let fail = failure(verify(truncated, cp.as_bytes(), Some(&saved)));
    assert_eq!(fail.code, "fork", "{fail}");
    assert!(fail.fork.is_some());
}

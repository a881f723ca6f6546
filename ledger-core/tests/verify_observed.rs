//! `ledger audit`'s one pass (issue 16): `Replay::push_observed` with the
//! strict signature check in the verifier's parallel stage gives exactly the
//! answers of `Replay::push` (the batch check), entry by entry and failure
//! by failure, and names every signature strict verification refuses.
//!
//! - (every Ed25519 edge case: tests/ed25519_edge_cases.rs, `strict_first_…`);
//! - a demo ledger: the same entries, effects, states and root whichever
//!   entries are checked strictly (none, all, from the middle of a chunk);
//! - a crafted mixed-order `R` (valid, not strict) is named, at its entry
//!   only, whether its key is checked with its fixed-base table (a key that
//!   signs many of the step's entries) or without; a tampered signature byte fails with the same position, code
//!   and message either way.

use ledger_core::encoding::Bytes;
use ledger_core::keys::{PublicKey, SignatureBytes};
use ledger_core::merkle::TreeHash;
use ledger_core::rules::Effects;
use ledger_core::signature_rule::{crafted, STRICT_TABLE_MIN_SIGNATURES};
use ledger_core::verify::{Replay, VerifyFailure};
use ledger_demo::{demo_entries, generate, DemoConfig, DemoLog};
use std::sync::OnceLock;

const NOW_MS: u64 = 1_704_067_200_000;

struct Fixture {
    log: DemoLog,
    entries: Vec<Vec<u8>>,
}

/// A demo of 2,500 entries: over two replay steps of 1,024.
fn fx() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let config = DemoConfig {
            seed: 16,
            target_entries: 2_500,
            now_ms: NOW_MS,
        };
        let log = generate(&config).unwrap_or_else(|e| panic!("{e}"));
        let entries = demo_entries(&log, NOW_MS);
        Fixture { log, entries }
    })
}

/// What one replay showed: per entry (seq, leaf, effects, non-strict keys),
/// and the final root, head hash, signature count.
type Seen = (
    Vec<(u64, TreeHash, Effects, Option<Vec<PublicKey>>)>,
    TreeHash,
    Bytes<32>,
    u64,
);

fn replay(entries: &[Vec<u8>], strict_from: Option<Option<u64>>) -> Result<Seen, VerifyFailure> {
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let mut replay = Replay::with_chunk_entries(1_024);
    let mut seen = Vec::new();
    match strict_from {
        // `None`: the node's `push`.
        None => replay.push(&refs, &mut |e, effects, leaf| {
            seen.push((e.seq, *leaf, effects.clone(), None));
        })?,
        Some(from) => replay.push_observed(&refs, from, &mut |a| {
            // The state after the entry: genesis has set the origin.
            assert_eq!(a.state.origin(), Some(ledger_demo::DEMO_ORIGIN));
            seen.push((a.entry.seq, *a.leaf, a.effects.clone(), a.non_strict.map(<[_]>::to_vec)));
        })?,
    }
    Ok((seen, replay.tree.root(), replay.head.last_hash, replay.signatures))
}

#[test]
fn the_strict_pass_replays_exactly_as_the_batch_pass() -> Result<(), VerifyFailure> {
    let entries = &fx().entries;
    let n = entries.len() as u64;
    let batch = replay(entries, None)?;
    assert_eq!(batch.0.len() as u64, n);
    for strict_from in [None, Some(0), Some(1_500), Some(n), Some(u64::MAX)] {
        let seen = replay(entries, Some(strict_from))?;
        assert_eq!(
            (&seen.1, &seen.2, seen.3),
            (&batch.1, &batch.2, batch.3),
            "{strict_from:?}"
        );
        assert_eq!(seen.0.len(), batch.0.len());
        for (s, b) in seen.0.iter().zip(&batch.0) {
            assert_eq!((s.0, &s.1, &s.2), (b.0, &b.1, &b.2), "{strict_from:?}");
            // Checked strictly from `strict_from` on (`None`: not at all),
            // and the demo signs honestly: nothing refused.
            let strictly = strict_from.is_some_and(|from| s.0 >= from);
            assert_eq!(s.3, strictly.then(Vec::new), "entry {} with {strict_from:?}", s.0);
        }
    }
    Ok(())
}

/// The demo with entry `k`'s first signature replaced by `signature(key, message)`.
fn with_signature(
    k: usize,
    signature: impl Fn(&ed25519_dalek::SigningKey, &[u8]) -> SignatureBytes,
) -> (Vec<Vec<u8>>, PublicKey) {
    let f = fx();
    let mut log = f.log.clone();
    let signed = &mut log.submissions[k];
    let public = signed.signatures[0].key;
    let key = f
        .log
        .admins
        .iter()
        .chain(&f.log.operators)
        .find(|o| o.grant.key == public)
        .map(|o| &o.key)
        .unwrap_or_else(|| panic!("entry {k} is signed by a demo key"));
    signed.signatures[0].signature = signature(key, &signed.submission.signing_message());
    (demo_entries(&log, NOW_MS), public)
}

/// An entry in the second replay step, past the middle boundary below.
const K: usize = 1_700;

#[test]
fn a_mixed_order_r_is_valid_and_named_at_its_entry_only() -> Result<(), VerifyFailure> {
    let (entries, key) = with_signature(K, crafted::mixed_order_r);
    // Valid: the node's replay accepts it.
    let batch = replay(&entries, None)?;
    let seen = replay(&entries, Some(Some(0)))?;
    assert_eq!((&seen.1, seen.3), (&batch.1, batch.3));
    let named: Vec<(u64, Vec<PublicKey>)> = seen
        .0
        .iter()
        .filter_map(|s| s.3.as_ref().filter(|k| !k.is_empty()).map(|k| (s.0, k.clone())))
        .collect();
    assert_eq!(named, vec![(K as u64, vec![key])]);
    // From a cache covering it, it is not checked strictly (the cache names it).
    let seen = replay(&entries, Some(Some(K as u64 + 1)))?;
    assert!(seen.0.iter().all(|s| s.3.as_ref().is_none_or(Vec::is_empty)));
    Ok(())
}

/// The strict check's table path (`StrictKey::with_table`, for a key with
/// at least `STRICT_TABLE_MIN_SIGNATURES` signatures in the step) names the
/// crafted signature too: the step's busiest key signs it.
#[test]
fn a_mixed_order_r_by_a_busy_key_is_named_by_the_table_path() -> Result<(), VerifyFailure> {
    let step = &fx().log.submissions[1_024..2_048];
    let mut counts: std::collections::HashMap<PublicKey, usize> = std::collections::HashMap::new();
    for s in step.iter().flat_map(|s| &s.signatures) {
        *counts.entry(s.key).or_default() += 1;
    }
    let (busiest, n) = counts
        .into_iter()
        .max_by_key(|(key, n)| (*n, *key.as_bytes()))
        .unwrap_or_else(|| panic!("the step has signatures"));
    assert!(n >= STRICT_TABLE_MIN_SIGNATURES, "{n} signatures by the busiest key");
    let k = 1_024
        + step
            .iter()
            .position(|s| s.signatures[0].key == busiest)
            .unwrap_or_else(|| panic!("the busiest key signs first somewhere"));
    let (entries, key) = with_signature(k, crafted::mixed_order_r);
    assert_eq!(key, busiest);
    let batch = replay(&entries, None)?;
    let seen = replay(&entries, Some(Some(0)))?;
    assert_eq!((&seen.1, seen.3), (&batch.1, batch.3));
    let named: Vec<(u64, Vec<PublicKey>)> = seen
        .0
        .iter()
        .filter_map(|s| s.3.as_ref().filter(|k| !k.is_empty()).map(|k| (s.0, k.clone())))
        .collect();
    assert_eq!(named, vec![(k as u64, vec![key])]);
    Ok(())
}

#[test]
fn a_tampered_signature_fails_alike_whichever_check() {
    let (entries, _) = with_signature(K, |key, message| {
        let mut s = crafted::mixed_order_r(key, message);
        s.0[40] ^= 1; // S changed: no equation holds
        s
    });
    let failure = |strict_from| match replay(&entries, strict_from) {
        Ok(_) => panic!("a tampered signature verified ({strict_from:?})"),
        Err(f) => f,
    };
    let batch = failure(None);
    assert_eq!((batch.seq, batch.code), (Some(K as u64), "signature"), "{batch}");
    for strict_from in [Some(0), Some(1_500), Some(K as u64), Some(K as u64 + 1)] {
        assert_eq!(failure(Some(strict_from)), batch, "{strict_from:?}");
    }
}

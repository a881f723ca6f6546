//! `ledger audit`'s one pass (issue 16): `Replay::push_observed` with the
//! strict signature check in the verifier's parallel stage gives exactly the
//! answers of `Replay::push` (the batch check), entry by entry and failure
//! by failure, and names every signature strict verification refuses.
//!
//! - every Ed25519 edge case of fixtures/vectors/ed25519-edge-cases.json:
//!   `verify_strict_first` accepts exactly the ZIP-215-valid ones, with the
//!   batch's error otherwise, and names exactly the ones `verify_strict`
//!   refuses (a key decompressed once, [`StrictKey`], answers as
//!   `strict_verify` does);
//! - a demo ledger: the same entries, effects, states and root whichever
//!   entries are checked strictly (none, all, from the middle of a chunk);
//! - a crafted mixed-order `R` (valid, not strict) is named, at its entry
//!   only; a tampered signature byte fails with the same position, code
//!   and message either way.

use ledger_core::encoding::Bytes;
use ledger_core::entry::{EntryBody, Reversal};
use ledger_core::ids::Text;
use ledger_core::keys::{PublicKey, SignatureBytes};
use ledger_core::merkle::TreeHash;
use ledger_core::rules::Effects;
use ledger_core::signature_rule::{crafted, strict_verify, zip215_verify, StrictKey};
use ledger_core::submission::{
    verify_batch_each_with_messages, verify_strict_first, EntrySignature, SignedSubmission, Submission,
};
use ledger_core::verify::{Replay, VerifyFailure};
use ledger_demo::{demo_entries, generate, DemoConfig, DemoLog};
use serde_json::Value;
use std::sync::OnceLock;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NOW_MS: u64 = 1_704_067_200_000;

fn hex_array<const N: usize>(v: &Value) -> Result<[u8; N], Box<dyn std::error::Error>> {
    let bytes = hex::decode(v.as_str().ok_or("hex string")?)?;
    Ok(bytes.try_into().map_err(|_| "length")?)
}

/// A structurally valid submission carrying one (key, signature); the case's
/// own message is passed as the signing message.
fn carrier(key: PublicKey, signature: SignatureBytes) -> Result<SignedSubmission, Box<dyn std::error::Error>> {
    Ok(SignedSubmission {
        submission: Submission {
            v: ledger_core::submission::SUBMISSION_VERSION,
            origin: "edge.example/log".into(),
            nonce: Bytes([0; 16]),
            not_after_ms: 1,
            body: EntryBody::Reversal(Reversal {
                target_seq: 0,
                reason: Text::new("edge case")?,
                date: ledger_core::ids::Date::new(20190101)?,
            }),
        },
        signatures: vec![EntrySignature { key, signature }],
    })
}

fn strict(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> bool {
    StrictKey::new(key).verify(signature, message)
}

#[test]
fn strict_first_gives_validity_and_names_exactly_the_non_strict_edge_cases() -> TestResult {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/vectors/ed25519-edge-cases.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let cases = doc["cases"].as_array().ok_or("cases")?;
    assert_eq!(cases.len(), 18);
    let (mut valid, mut named) = (0, 0);
    for case in cases {
        let id = case["id"].as_str().ok_or("id")?;
        let message = hex::decode(case["message"].as_str().ok_or("message")?)?;
        let key = Bytes(hex_array::<32>(&case["pub_key"])?);
        let signature = Bytes(hex_array::<64>(&case["signature"])?);
        let zip215 = case["expected"]["zip215"].as_bool().ok_or("zip215")?;
        let strictly = case["expected"]["verify_strict"].as_bool().ok_or("verify_strict")?;

        // The key decompressed once answers as the one-off check.
        assert_eq!(StrictKey::new(&key).verify(&signature, &message), strictly, "{id}");
        assert_eq!(strict_verify(&key, &signature, &message), strictly, "{id}");
        // What the one pass relies on: strict acceptance implies validity.
        if strictly {
            assert!(zip215_verify(&key, &signature, &message).is_ok(), "{id}");
        }
        let (result, non_strict) = verify_strict_first(carrier(key, signature)?, &message, &strict);
        let batch = verify_batch_each_with_messages(vec![carrier(key, signature)?], vec![message.clone()]);
        assert_eq!(result.is_ok(), zip215, "{id}: validity");
        assert_eq!(
            result.as_ref().err(),
            batch[0].as_ref().err(),
            "{id}: the batch's answer"
        );
        assert_eq!(non_strict, if strictly { vec![] } else { vec![key] }, "{id}: named");
        valid += usize::from(zip215);
        named += usize::from(zip215 && !strictly);
    }
    // 14 valid signatures, 12 of them refused by strict verification (the
    // speccheck cases are edge cases; the generated mixed-order ones too).
    assert_eq!((valid, named), (14, 12));
    Ok(())
}

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

//! Postcard decoders of signed submissions and sequenced entries.

use ledger_core::testkit::fuzz as fuzzkit;

use fuzzkit::{fail, input, show, Outcome};
use ledger_core::chain::{self, SequencedEntry};
use ledger_core::encoding;
use ledger_core::merkle::leaf_hash;
use ledger_core::submission::SignedSubmission;

use crate::support::*;

#[test]
fn fuzz_signed_submission_postcard() {
    let pool = submission_pool();
    fuzzkit::run("fuzz_signed_submission_postcard", SHORT, |rng| {
        let (i, made, bytes) = postcard_input(rng, pool);
        input(&bytes);
        match SignedSubmission::decode(&bytes) {
            Ok(decoded) => {
                let again = decoded.encode();
                if again != bytes {
                    return fail(format!(
                        "accepted a non-canonical encoding; it re-encodes to {}",
                        show(&again)
                    ));
                }
                if made == Made::Unmutated && decoded != pool[i].value {
                    return fail("a valid submission decoded to another value");
                }
                // The JSON edge (write API, `ledger submit`) carries the same
                // value: what the canonical decoder accepts, JSON accepts back.
                let json = serde_json::to_string(&decoded).unwrap_or_default();
                match serde_json::from_str::<SignedSubmission>(&json) {
                    Ok(back) if back == decoded => Outcome::Accepted,
                    Ok(_) => fail(format!("JSON round trip changed the value: {json}")),
                    Err(e) => fail(format!("JSON refuses what postcard accepted ({e}): {json}")),
                }
            }
            Err(e) if made == Made::Unmutated => fail(format!("a valid submission was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

/// The node's read path (`SequencedEntry::decode_at_leaf`): bytes whose
/// leaf is the verified tree's decode to exactly what `decode` gives; any
/// other bytes are refused on the leaf before decoding; bytes that match
/// their leaf but are no entry are still refused.
#[test]
fn decode_at_leaf_accepts_only_the_verified_bytes() {
    use ledger_core::chain::LeafDecodeError;
    for seed in entry_pool().iter().take(32) {
        let leaf = leaf_hash(&seed.bytes);
        let read = SequencedEntry::decode_at_leaf(&seed.bytes, &leaf);
        assert_eq!(
            read,
            Ok(SequencedEntry::decode(&seed.bytes).expect("a pool entry decodes"))
        );
        for i in [0, 1, seed.bytes.len() / 2, seed.bytes.len() - 1] {
            let mut tampered = seed.bytes.clone();
            tampered[i] ^= 0x01;
            assert_eq!(
                SequencedEntry::decode_at_leaf(&tampered, &leaf),
                Err(LeafDecodeError::LeafMismatch),
                "byte {i} flipped"
            );
        }
        let mut longer = seed.bytes.clone();
        longer.push(0);
        assert_eq!(
            SequencedEntry::decode_at_leaf(&longer, &leaf),
            Err(LeafDecodeError::LeafMismatch)
        );
    }
    let junk = [chain::ENTRY_VERSION, 0xff];
    assert!(matches!(
        SequencedEntry::decode_at_leaf(&junk, &leaf_hash(&junk)),
        Err(LeafDecodeError::Decode(_))
    ));
    let old = [1u8, 0, 0];
    assert!(matches!(
        SequencedEntry::decode_at_leaf(&old, &leaf_hash(&old)),
        Err(LeafDecodeError::Decode(
            ledger_core::submission::SubmissionError::Decode(encoding::DecodeError::UnsupportedVersion {
                found: 1,
                supported: chain::ENTRY_VERSION
            })
        ))
    ));
}

#[test]
fn fuzz_sequenced_entry_postcard() {
    let pool = entry_pool();
    fuzzkit::run("fuzz_sequenced_entry_postcard", SHORT, |rng| {
        let (i, made, bytes) = postcard_input(rng, pool);
        input(&bytes);
        match SequencedEntry::decode(&bytes) {
            Ok(decoded) => {
                let again = decoded.entry.encode();
                if again != bytes {
                    return fail(format!(
                        "accepted a non-canonical encoding; it re-encodes to {}",
                        show(&again)
                    ));
                }
                if made == Made::Unmutated && decoded.entry != pool[i].value {
                    return fail("a valid entry decoded to another value");
                }
                if decoded.entry_hash != chain::entry_hash(&bytes) || decoded.leaf_hash != leaf_hash(&bytes) {
                    return fail("hashes are not those of the input bytes");
                }
                // What the verifiers check signatures over: the submission's
                // canonical bytes, found in place.
                let signed_part = decoded.entry.signed.submission.encode();
                if chain::submission_bytes(&bytes, &decoded.entry) != Some(signed_part.as_slice()) {
                    return fail("submission_bytes is not the canonical submission");
                }
                Outcome::Accepted
            }
            Err(e) if made == Made::Unmutated => fail(format!("a valid entry was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

//! The worked example's hashes and signatures, recomputed from the
//! specification with the primitives alone.

use base64::Engine as _;
use ed25519_dalek::{Signature, Verifier as _};
use ledger_core::bundle::{self};
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::LogVerifier;
use ledger_core::encoding::{
    DOMAIN_ENTRY_HASH, DOMAIN_HOUSEHOLD, DOMAIN_RECEIPT, DOMAIN_RECEIPT_BATCH, DOMAIN_SUBMISSION,
};
use ledger_core::household::ResidentId;
use ledger_core::submission::SignedSubmission;
use ledger_core::verify::{verify_ledger, VerifyOptions};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::example::*;

/// The hashes and signatures, recomputed from the specification with the
/// primitives alone (what an independent verifier would do).
#[test]
fn worked_example_follows_the_specification() {
    let example = build();
    let j = &example.json;
    let hex_of = |v: &Value| must(hex::decode(v.as_str().unwrap_or_default()));
    let sha256 = |parts: &[&[u8]]| -> Vec<u8> {
        let mut h = Sha256::new();
        parts.iter().for_each(|p| h.update(p));
        h.finalize().to_vec()
    };
    let mut prev = vec![0u8; 32];
    let mut leaves = Vec::new();
    for e in must(j["entries"].as_array().ok_or("entries")) {
        let submission = hex_of(&e["submission_hex"]);
        let message = hex_of(&e["signing_message_hex"]);
        assert_eq!(message, [DOMAIN_SUBMISSION, submission.as_slice()].concat());
        assert_eq!(DOMAIN_SUBMISSION, b"SunshineLedger/v1/submission\0");
        // Ed25519 over the message.
        let key = must(ed25519_dalek::VerifyingKey::from_bytes(&must(
            <[u8; 32]>::try_from(hex_of(&e["signer_public_key"])).map_err(|_| "32 bytes"),
        )));
        let sig = Signature::from_bytes(&must(<[u8; 64]>::try_from(hex_of(&e["signature"])).map_err(|_| "64")));
        assert!(key.verify_strict(&message, &sig).is_ok());
        assert!(key.verify(&message, &sig).is_ok());
        // Submission id: blake3(domain ‖ submission).
        let id = blake3::hash(&[b"SunshineLedger/v1/submission-id\0".as_slice(), &submission].concat());
        assert_eq!(hex::encode(id.as_bytes()), e["submission_id"]);
        // The entry embeds the signed submission after its 4 header fields.
        let entry = hex_of(&e["entry_hex"]);
        let signed = hex_of(&e["signed_submission_hex"]);
        assert!(entry.ends_with(&signed));
        assert!(signed.starts_with(&submission));
        assert_eq!(
            entry[entry.len() - signed.len() - 32..entry.len() - signed.len()],
            prev[..]
        );
        // Chain hash and leaf hash.
        let chain = blake3::hash(&[DOMAIN_ENTRY_HASH, entry.as_slice()].concat());
        assert_eq!(DOMAIN_ENTRY_HASH, b"SunshineLedger/v1/entry\0");
        assert_eq!(hex::encode(chain.as_bytes()), e["entry_hash"]);
        let leaf = sha256(&[&[0x00], &entry]);
        assert_eq!(hex::encode(&leaf), e["leaf_hash"]);
        prev = chain.as_bytes().to_vec();
        leaves.push(leaf);
        // And the code decodes it canonically.
        assert!(SequencedEntry::decode(&entry).is_ok());
        assert!(SignedSubmission::decode(&signed).is_ok());
    }
    // RFC 6962: root(3) = H(0x01 ‖ H(0x01 ‖ l0 ‖ l1) ‖ l2).
    let node = sha256(&[&[0x01], &leaves[0], &leaves[1]]);
    assert_eq!(hex::encode(&node), j["tree"]["node_0_1"]);
    let root = sha256(&[&[0x01], &node, &leaves[2]]);
    assert_eq!(hex::encode(&root), j["tree"]["root"]);

    // Household reference: blake3 keyed with the pseudonym key.
    let id = j["inputs"]["resident_id"].as_str().unwrap_or_default();
    let mut keyed = blake3::Hasher::new_keyed(&PSEUDONYM_KEY);
    keyed.update(DOMAIN_HOUSEHOLD);
    keyed.update(id.as_bytes());
    assert_eq!(
        hex::encode(keyed.finalize().as_bytes()),
        j["household"]["household_ref"]
    );
    assert!(
        ResidentId::parse(id).is_ok(),
        "the example ID has a valid GB 11643 check character"
    );
    let commitment = blake3::hash(&[b"SunshineLedger/v1/pseudonym-commitment\0".as_slice(), &PSEUDONYM_KEY].concat());
    assert_eq!(hex::encode(commitment.as_bytes()), j["keys"]["pseudonym_commitment"]);

    // Checkpoint: a C2SP signed note; key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ pk)[..4].
    let log_pk = hex_of(&j["keys"]["log_public_key"]);
    let key_id = &sha256(&[ORIGIN.as_bytes(), b"\n", &[0x01], &log_pk])[..4];
    assert_eq!(hex::encode(key_id), j["keys"]["log_key_id"]);
    let b64 = base64::engine::general_purpose::STANDARD;
    let vkey = format!(
        "{ORIGIN}+{}+{}",
        hex::encode(key_id),
        b64.encode([&[0x01], log_pk.as_slice()].concat())
    );
    assert_eq!(vkey, j["keys"]["log_vkey"]);
    let body = format!("{ORIGIN}\n3\n{}\n", b64.encode(&root));
    assert_eq!(j["checkpoint"]["body"], body.as_str());
    let note = example.checkpoint.as_str();
    let sig_line = must(
        note.strip_prefix(&format!("{body}\n"))
            .ok_or("note = body, blank line, signatures"),
    );
    let blob = must(
        b64.decode(must(
            sig_line
                .strip_prefix(&format!("\u{2014} {ORIGIN} "))
                .and_then(|s| s.strip_suffix('\n'))
                .ok_or("line"),
        )),
    );
    assert_eq!(&blob[..4], key_id);
    let log_key = must(ed25519_dalek::VerifyingKey::from_bytes(&must(
        <[u8; 32]>::try_from(log_pk.clone()).map_err(|_| "32"),
    )));
    let sig = Signature::from_bytes(&must(<[u8; 64]>::try_from(&blob[4..]).map_err(|_| "64")));
    assert!(log_key.verify_strict(body.as_bytes(), &sig).is_ok());
    assert!(must(LogVerifier::from_vkey(&vkey))
        .verify_checkpoint(note.as_bytes())
        .is_ok());

    // Receipt (a batch of one): leaf = SHA-256(00 ‖ DOMAIN_RECEIPT ‖ receipt),
    // head = v 2 ‖ origin ‖ size 1 ‖ root (= that leaf), and the log key
    // signs DOMAIN_RECEIPT_BATCH ‖ head.
    let receipt_leaf = sha256(&[&[0x00], DOMAIN_RECEIPT, &hex_of(&j["receipt"]["receipt_hex"])]);
    assert_eq!(receipt_leaf, hex_of(&j["receipt"]["batch_leaf_hex"]));
    let head = [
        &[0x02][..],
        &[ORIGIN.len() as u8],
        ORIGIN.as_bytes(),
        &[0x01],
        receipt_leaf.as_slice(),
    ]
    .concat();
    assert_eq!(head, hex_of(&j["receipt"]["batch_head_hex"]));
    let message = hex_of(&j["receipt"]["message_hex"]);
    assert_eq!(message, [DOMAIN_RECEIPT_BATCH, head.as_slice()].concat());
    let sig = Signature::from_bytes(&must(
        <[u8; 64]>::try_from(hex_of(&j["receipt"]["signature"])).map_err(|_| "64"),
    ));
    assert!(log_key.verify_strict(&message, &sig).is_ok());

    // The whole example is a valid ledger, and the bundle parses back to it.
    let refs: Vec<&[u8]> = example.entries.iter().map(Vec::as_slice).collect();
    let report =
        must(verify_ledger(&refs, note.as_bytes(), &VerifyOptions::default(), &|_| {}).map_err(|f| f.to_string()));
    assert_eq!(report.entries, 3);
    let bundle_bytes = hex_of(&j["bundle_hex"]);
    let view = must(bundle::parse_bundle(&bundle_bytes));
    assert_eq!(view.entries, refs);
    assert_eq!(view.header.checkpoint, note);
    assert!(bundle_bytes.starts_with(b"SUNSHINE-LEDGER-BUNDLE/v1\n"));
}

//! The Ed25519 edge cases of fixtures/vectors/ed25519-edge-cases.json against
//! the one signature rule (docs/FORMAT.md §8.1): every case gets exactly the
//! expected answer from
//!   (a) ZIP-215 validity — one by one (`signature_rule::zip215_verify`) and
//!       through the batch verifier replay uses;
//!   (b) the write path's rule (ZIP-215, then `strict_encoding_check`), with
//!       the exact violation;
//!   (c) `verify_strict`, which `ledger audit` compares validity against, and
//!       its one-pass check (`verify_strict_first`: strict, then ZIP-215).
//!
//! The twelve `speccheck-*` cases are the data of novifinancial/ed25519-speccheck
//! (see fixtures/README.md); the `generated-*` cases are rebuilt here from
//! a fixed seed (with `signature_rule::crafted`) and must equal the file
//! byte for byte.

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{EntryBody, Reversal};
use ledger_core::ids::Text;
use ledger_core::keys::{PublicKey, SignatureBytes};
use ledger_core::signature_rule::{crafted, strict_encoding_check, strict_verify, zip215_verify, StrictKey};
use ledger_core::submission::{
    verify_batch_each_with_messages, verify_batch_for_write, verify_strict_first, EntrySignature, SignedSubmission,
    Submission, SubmissionError,
};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn file() -> Result<Value, Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/vectors/ed25519-edge-cases.json"
    );
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn hex32(v: &Value) -> Result<[u8; 32], Box<dyn std::error::Error>> {
    let bytes = hex::decode(v.as_str().ok_or("hex string")?)?;
    Ok(bytes.try_into().map_err(|_| "32 bytes")?)
}

fn hex64(v: &Value) -> Result<[u8; 64], Box<dyn std::error::Error>> {
    let bytes = hex::decode(v.as_str().ok_or("hex string")?)?;
    Ok(bytes.try_into().map_err(|_| "64 bytes")?)
}

/// The write path's answer: `None` when accepted, else the error's stable name.
fn write_path_answer(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> Option<&'static str> {
    if zip215_verify(key, signature, message).is_err() {
        return Some("invalid");
    }
    strict_encoding_check(key, signature).err().map(|v| v.code())
}

/// A structurally valid submission carrying one (key, signature): the batch
/// verifier takes the message to check as given, so the case's own message
/// is checked, not the submission's.
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

#[test]
fn every_edge_case_gets_its_expected_answer_under_each_rule() -> TestResult {
    let doc = file()?;
    let cases = doc["cases"].as_array().ok_or("cases")?;
    assert_eq!(cases.len(), 18, "12 speccheck cases and 6 generated ones");
    let mut accepted_by_replay = 0;
    let mut accepted_by_write_path = 0;
    for case in cases {
        let id = case["id"].as_str().ok_or("id")?;
        let message = hex::decode(case["message"].as_str().ok_or("message")?)?;
        let key = Bytes(hex32(&case["pub_key"])?);
        let signature = Bytes(hex64(&case["signature"])?);
        let zip215 = case["expected"]["zip215"].as_bool().ok_or("zip215")?;
        let write = case["expected"]["write_path"].as_str().ok_or("write_path")?;
        let strict = case["expected"]["verify_strict"].as_bool().ok_or("verify_strict")?;

        assert_eq!(
            zip215_verify(&key, &signature, &message).is_ok(),
            zip215,
            "{id}: ZIP-215"
        );
        // Replay's batch verifier agrees with the single check, whatever the
        // random coefficients: try it several times, alone and beside an
        // honest signature.
        let honest_key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let honest = carrier(Bytes(honest_key.verifying_key().to_bytes()), Bytes([0; 64]))?;
        let honest_message = honest.submission.signing_message();
        let honest = carrier(
            honest.signatures[0].key,
            Bytes(ed25519_dalek::Signer::sign(&honest_key, &honest_message).to_bytes()),
        )?;
        for _ in 0..8 {
            let results = verify_batch_each_with_messages(
                vec![carrier(key, signature)?, honest.clone()],
                vec![message.clone(), honest_message.clone()],
            );
            assert_eq!(results[0].is_ok(), zip215, "{id}: ZIP-215 batch");
            assert!(results[1].is_ok(), "{id}: the honest neighbour");
        }
        let expected_write = if write == "accept" { None } else { Some(write) };
        assert_eq!(
            write_path_answer(&key, &signature, &message),
            expected_write,
            "{id}: write path"
        );
        assert_eq!(strict_verify(&key, &signature, &message), strict, "{id}: verify_strict");
        // What the write path accepts, strict verifiers mostly accept too; the
        // audit names the rest (valid but not strict).
        assert!(
            expected_write.is_some() || zip215,
            "{id}: the write path accepts only valid signatures"
        );
        accepted_by_replay += usize::from(zip215);
        accepted_by_write_path += usize::from(expected_write.is_none());
    }
    assert_eq!((accepted_by_replay, accepted_by_write_path), (14, 5));
    Ok(())
}

#[test]
fn the_write_path_refuses_with_the_stable_error_and_keeps_valid_ones() -> TestResult {
    // The finding of issue 11: R a non-canonical encoding of the identity,
    // made by the holder of a real key. ZIP-215 accepts it, so the batch
    // verifier does; the write path names the key and the violation.
    let seed = [1u8; 32];
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = Bytes(key.verifying_key().to_bytes());
    let honest = carrier(public, Bytes([0; 64]))?;
    let message = honest.submission.signing_message();
    let forged = carrier(public, crafted::identity_r(&key, &message))?;
    let honest = honest.submission.clone().sign(&[&key]);
    let results = verify_batch_for_write(vec![honest.clone(), forged.clone()]);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().map(|v| v.signed()), Ok(&honest));
    assert_eq!(
        results[1].as_ref().err(),
        Some(&SubmissionError::NonCanonicalSignature {
            key: public,
            violation: ledger_core::signature_rule::StrictnessViolation::NonCanonicalR,
        })
    );
    // Replay accepts the very same signature.
    assert!(forged.clone().verify().is_ok());
    // A signature that does not verify at all is still a bad signature.
    let mut broken = forged;
    broken.signatures[0].signature.0[40] ^= 1;
    assert_eq!(
        verify_batch_for_write(vec![broken])[0].as_ref().err(),
        Some(&SubmissionError::BadSignature(public))
    );
    Ok(())
}

// ------------------------------------------------------------- generation

/// L, little-endian: 2^252 + 27742317777372353535851937790883648493.
fn group_order() -> [u8; 32] {
    let mut l = [0u8; 32];
    l.copy_from_slice(
        &hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").unwrap_or_default(),
    );
    l
}

/// A generated case: (id, description, message, key, signature).
type Generated = (&'static str, &'static str, Vec<u8>, [u8; 32], [u8; 64]);

/// The generated cases.
fn generated() -> Vec<Generated> {
    let seed = [1u8; 32];
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = key.verifying_key().to_bytes();
    let msg = |text: &str| format!("SunshineLedger edge case: {text}").into_bytes();
    let mut out = Vec::new();

    let m = msg("honest");
    let honest = ed25519_dalek::Signer::sign(&key, &m).to_bytes();
    out.push((
        "generated-honest",
        "an RFC 8032 signature by seed [1; 32]: accepted everywhere",
        m,
        public,
        honest,
    ));

    let m = msg("identity R, y = p + 1");
    let sig = crafted::identity_r(&key, &m).0;
    out.push((
        "generated-identity-r-noncanonical",
        "R = the identity encoded with y = p + 1 (non-canonical, small order), S = k·a: the finding of issue 11",
        m,
        public,
        sig,
    ));

    let m = msg("identity R, canonical");
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let sig = crafted::sign_with_r(&key, identity, Scalar::ZERO, &m).0;
    out.push((
        "generated-identity-r",
        "R = the identity, canonically encoded (small order), S = k·a",
        m,
        public,
        sig,
    ));

    let m = msg("mixed-order R");
    let sig = crafted::mixed_order_r(&key, &m).0;
    out.push((
        "generated-mixed-order-r",
        "R = r·B + T (T of order 8), S = r + k·a: cofactored equation holds, cofactorless fails; canonical and not small, so the write path accepts it and `ledger audit` names it",
        m,
        public,
        sig,
    ));

    let m = msg("S + L");
    let mut sig = ed25519_dalek::Signer::sign(&key, &m).to_bytes();
    // S + L (L = 2^252 + 27742317777372353535851937790883648493): below 2^256,
    // above L. Added bytewise with carry (no field or scalar arithmetic).
    let l = group_order();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
        sig[32 + i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out.push((
        "generated-s-plus-l",
        "an honest signature with S replaced by S + L (non-canonical S): refused everywhere",
        m,
        public,
        sig,
    ));

    let m = msg("identity key, y = p + 1");
    let mut sig = [0u8; 64];
    sig[0] = 1; // R = identity, S = 0
    out.push((
        "generated-identity-key-noncanonical",
        "A = the identity encoded with y = p + 1, R = the identity, S = 0: valid for every message under ZIP-215, refused by the write path and strict verifiers",
        m,
        crafted::NON_CANONICAL_IDENTITY,
        sig,
    ));
    out
}

#[test]
fn generated_cases_are_reproducible() -> TestResult {
    let doc = file()?;
    let cases = doc["cases"].as_array().ok_or("cases")?;
    let in_file: Vec<&Value> = cases
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|id| id.starts_with("generated-")))
        .collect();
    let built = generated();
    let shown: Vec<String> = built
        .iter()
        .map(|(id, d, m, k, s)| {
            format!(
                "{{\"id\": \"{id}\", \"description\": \"{d}\", \"message\": \"{}\", \"pub_key\": \"{}\", \"signature\": \"{}\"}}",
                hex::encode(m),
                hex::encode(k),
                hex::encode(s)
            )
        })
        .collect();
    assert_eq!(in_file.len(), built.len(), "generated cases:\n{}", shown.join(",\n"));
    for ((id, description, message, key, signature), case) in built.iter().zip(in_file) {
        let got = (
            case["id"].as_str().unwrap_or_default(),
            case["description"].as_str().unwrap_or_default(),
            case["message"].as_str().unwrap_or_default(),
            case["pub_key"].as_str().unwrap_or_default(),
            case["signature"].as_str().unwrap_or_default(),
        );
        let want = (
            *id,
            *description,
            hex::encode(message),
            hex::encode(key),
            hex::encode(signature),
        );
        assert_eq!(
            (got.0, got.1, got.2.to_string(), got.3.to_string(), got.4.to_string()),
            (want.0, want.1, want.2, want.3, want.4),
            "generated cases:\n{}",
            shown.join(",\n")
        );
    }
    // The constants are what their names say.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        CompressedEdwardsY(crafted::NON_CANONICAL_IDENTITY)
            .decompress()
            .map(|p| p.compress().to_bytes()),
        Some(identity)
    );
    assert_eq!(Scalar::from_bytes_mod_order(group_order()), Scalar::ZERO);
    assert!(bool::from(Scalar::from_canonical_bytes(group_order()).is_none()));
    Ok(())
}

/// `ledger audit`'s strict check: a key decompressed once (issue 16).
fn strict(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> bool {
    StrictKey::new(key).verify(signature, message)
}

/// The one-pass audit (issue 16): `verify_strict_first` accepts exactly the
/// ZIP-215-valid cases, with the batch's error otherwise, and names exactly
/// the ones `verify_strict` refuses; a key decompressed once ([`StrictKey`])
/// answers as `strict_verify` does.
#[test]
fn strict_first_gives_validity_and_names_exactly_the_non_strict_edge_cases() -> TestResult {
    let doc = file()?;
    let cases = doc["cases"].as_array().ok_or("cases")?;
    assert_eq!(cases.len(), 18);
    let (mut valid, mut named) = (0, 0);
    for case in cases {
        let id = case["id"].as_str().ok_or("id")?;
        let message = hex::decode(case["message"].as_str().ok_or("message")?)?;
        let key = Bytes(hex32(&case["pub_key"])?);
        let signature = Bytes(hex64(&case["signature"])?);
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

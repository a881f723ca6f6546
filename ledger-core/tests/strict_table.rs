//! The audit's fast strict check (`StrictKey::with_table`: the same equation
//! as ed25519-dalek's `verify_strict`, computed with a fixed-base table of
//! the key) against `verify_strict` itself: the same answer on every
//! edge-case vector, on crafted signatures (small-order and mixed-order `R`
//! and keys, non-canonical encodings, `S + L`), on tampered ones and on
//! honest ones. `verify_strict` is the reference the audit's rule is defined
//! by (docs/FORMAT.md §8.1), so any difference is a bug in the table path.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer as _, SigningKey};
use ledger_core::encoding::Bytes;
use ledger_core::keys::{PublicKey, SignatureBytes};
use ledger_core::signature_rule::{crafted, StrictKey};
use serde_json::Value;
use sha2::{Digest as _, Sha512};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// ed25519-dalek's own answer: the reference.
fn reference(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> bool {
    match ed25519_dalek::VerifyingKey::from_bytes(key.as_bytes()) {
        Ok(k) => k
            .verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature.as_bytes()))
            .is_ok(),
        Err(_) => false,
    }
}

/// Both paths of `StrictKey` give the reference's answer; returns it.
fn same_answer(key: &PublicKey, signature: &SignatureBytes, message: &[u8], what: &str) -> bool {
    let expected = reference(key, signature, message);
    assert_eq!(
        StrictKey::with_table(key).verify(signature, message),
        expected,
        "{what}: table path"
    );
    assert_eq!(
        StrictKey::new(key).verify(signature, message),
        expected,
        "{what}: plain path"
    );
    expected
}

fn signing_key(n: u32) -> SigningKey {
    let seed: [u8; 32] = Sha512::digest(format!("strict-table key {n}").as_bytes())[..32]
        .try_into()
        .unwrap_or([1; 32]);
    SigningKey::from_bytes(&seed)
}

fn public(key: &SigningKey) -> PublicKey {
    Bytes(key.verifying_key().to_bytes())
}

fn hex_bytes<const N: usize>(v: &Value) -> Result<[u8; N], Box<dyn std::error::Error>> {
    let bytes = hex::decode(v.as_str().ok_or("hex string")?)?;
    Ok(bytes.try_into().map_err(|_| "length")?)
}

#[test]
fn the_edge_case_vectors_get_verify_stricts_answer() -> TestResult {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/vectors/ed25519-edge-cases.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let cases = doc["cases"].as_array().ok_or("cases")?;
    assert_eq!(cases.len(), 18);
    let mut accepted = Vec::new();
    for case in cases {
        let id = case["id"].as_str().ok_or("id")?;
        let message = hex::decode(case["message"].as_str().ok_or("message")?)?;
        let key = Bytes(hex_bytes::<32>(&case["pub_key"])?);
        let signature = Bytes(hex_bytes::<64>(&case["signature"])?);
        let strict = case["expected"]["verify_strict"].as_bool().ok_or("verify_strict")?;
        assert_eq!(
            same_answer(&key, &signature, &message, id),
            strict,
            "{id}: the file's answer"
        );
        if strict {
            accepted.push(id.to_string());
        }
    }
    // A mixed-order key and R whose cofactorless equation holds is strictly
    // valid: the table path must accept it too, not only refuse.
    assert_eq!(accepted, ["speccheck-3", "generated-honest"]);
    Ok(())
}

#[test]
fn crafted_signatures_get_verify_stricts_answer() -> TestResult {
    let key = signing_key(1);
    let a = public(&key);
    let mut refused = 0;
    for m in 0..16u32 {
        let message = format!("crafted message {m}").into_bytes();
        // Honest: accepted.
        let honest = Bytes(key.sign(&message).to_bytes());
        assert!(same_answer(&a, &honest, &message, "honest"));
        // R = the identity, non-canonically and canonically encoded.
        assert!(!same_answer(
            &a,
            &crafted::identity_r(&key, &message),
            &message,
            "identity R (non-canonical)"
        ));
        // R = r·B + T for T of each order 2, 4, 8: cofactored-valid only.
        assert!(!same_answer(
            &a,
            &crafted::mixed_order_r(&key, &message),
            &message,
            "mixed-order R"
        ));
        for (i, t) in EIGHT_TORSION.iter().enumerate() {
            let r = Scalar::from_hash(
                Sha512::new()
                    .chain_update(b"r")
                    .chain_update(&message)
                    .chain_update([i as u8]),
            );
            let mixed = r * ED25519_BASEPOINT_POINT + t;
            let sig = crafted::sign_with_r(&key, mixed.compress().to_bytes(), r, &message);
            assert_eq!(
                same_answer(&a, &sig, &message, "r·B + T"),
                i == 0,
                "T = EIGHT_TORSION[{i}]"
            );
            // R = T itself (small order), S = k·a.
            let small = crafted::sign_with_r(&key, t.compress().to_bytes(), Scalar::ZERO, &message);
            assert!(!same_answer(&a, &small, &message, "small-order R"));
            refused += 2;
        }
        // S + L: the same point equation, a non-canonical S.
        let mut s_plus_l = honest.0;
        let s = Scalar::from_canonical_bytes(s_plus_l[32..].try_into()?)
            .into_option()
            .ok_or("s")?;
        let wide = add_l(s.to_bytes());
        s_plus_l[32..].copy_from_slice(&wide);
        assert!(!same_answer(&a, &Bytes(s_plus_l), &message, "S + L"));
        // Every single-bit flip of the signature, and the wrong key.
        for bit in (0..512).step_by(7) {
            let mut flipped = honest.0;
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!same_answer(&a, &Bytes(flipped), &message, "a flipped bit"));
        }
        assert!(!same_answer(&public(&signing_key(2)), &honest, &message, "wrong key"));
        let mut other = message.clone();
        other.push(b'!');
        assert!(!same_answer(&a, &honest, &other, "another message"));
    }
    assert_eq!(refused, 16 * 16);
    Ok(())
}

#[test]
fn small_order_and_mixed_order_keys_get_verify_stricts_answer() -> TestResult {
    let message = b"keys".to_vec();
    // A small-order key (each torsion point, and the identity with y = p + 1):
    // refused whatever the signature, even one whose equation holds.
    for t in EIGHT_TORSION.iter() {
        let key = Bytes(t.compress().to_bytes());
        let sig = Bytes([0u8; 64]);
        let mut with_r = [0u8; 64];
        with_r[..32].copy_from_slice(&t.compress().to_bytes());
        assert!(!same_answer(&key, &sig, &message, "small-order key, zero signature"));
        assert!(!same_answer(&key, &Bytes(with_r), &message, "small-order key, R = A"));
    }
    assert!(!same_answer(
        &Bytes(crafted::NON_CANONICAL_IDENTITY),
        &Bytes([0; 64]),
        &message,
        "identity key y = p + 1"
    ));
    // A key that is not a point refuses everything.
    let not_a_point = (0u8..=255)
        .map(|b| [b; 32])
        .find(|bytes| CompressedEdwardsY(*bytes).decompress().is_none())
        .ok_or("some bytes are not a point")?;
    assert!(!same_answer(
        &Bytes(not_a_point),
        &Bytes([0; 64]),
        &message,
        "not a point"
    ));
    // A mixed-order key A = a·B + T: [S]B - [k]A = r·B - k·T, so with
    // R = r·B + T' the signature is strict exactly when T' = -k·T, which
    // depends on the challenge; both paths must agree on every try.
    let a = Scalar::from_hash(Sha512::new().chain_update(b"mixed key"));
    let big_a = a * ED25519_BASEPOINT_POINT + EIGHT_TORSION[1];
    let key = Bytes(big_a.compress().to_bytes());
    let mut accepted = 0;
    for m in 0..64u32 {
        let message = format!("mixed key {m}").into_bytes();
        for (i, t) in EIGHT_TORSION.iter().enumerate() {
            let r = Scalar::from_hash(Sha512::new().chain_update(&message).chain_update([i as u8]));
            let big_r = (r * ED25519_BASEPOINT_POINT + t).compress().to_bytes();
            let k = Scalar::from_hash(
                Sha512::new()
                    .chain_update(big_r)
                    .chain_update(key.as_bytes())
                    .chain_update(&message),
            );
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&big_r);
            sig[32..].copy_from_slice((r + k * a).as_bytes());
            if same_answer(&key, &Bytes(sig), &message, "mixed-order key") {
                accepted += 1;
            }
        }
    }
    // Each try is strict with probability 1/8 (`-k·T` is one of the eight
    // torsion points, `k` fixed by the hash); these 512 fixed tries give 61.
    assert_eq!(accepted, 61);
    Ok(())
}

#[test]
fn random_honest_and_tampered_signatures_get_verify_stricts_answer() {
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..300u32 {
        let key = signing_key(100 + n % 5);
        let message = Sha512::digest(n.to_le_bytes()).to_vec();
        let sig = key.sign(&message).to_bytes();
        if same_answer(&public(&key), &Bytes(sig), &message, "honest") {
            accepted += 1;
        }
        let mut tampered = sig;
        tampered[(n as usize * 13) % 64] ^= 0x10;
        if !same_answer(&public(&key), &Bytes(tampered), &message, "tampered") {
            refused += 1;
        }
    }
    assert_eq!((accepted, refused), (300, 300));
}

/// `s + L` as 32 little-endian bytes (`s < L`, so it fits below 2^253).
fn add_l(s: [u8; 32]) -> [u8; 32] {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(s[i]) + u16::from(L[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

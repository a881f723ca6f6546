//! Verifier key strings (`<name>+<id>+<key>`) of logs and witnesses,
//! including small-order and non-canonical points.

use ledger_core::testkit::fuzz as fuzzkit;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{SigningKey, VerifyingKey};
use fuzzkit::{fail, input, mutate_text, pool_rng, Outcome};
use ledger_core::checkpoint::{LogVerifier, WitnessVerifier};
use ledger_core::keys;

use crate::support::*;

/// Small-order points (weak keys) and non-canonical encodings (y ≥ p) of
/// points, as 32-byte public keys.
fn awkward_points() -> Vec<[u8; 32]> {
    let mut out = Vec::new();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    out.push(identity);
    // y = p + k (p = 2^255 − 19) for k in 0..19, both signs of x.
    for k in 0u8..19 {
        for sign in [0u8, 0x80] {
            let mut y = [0xffu8; 32];
            y[0] = 0xed + k;
            y[31] = 0x7f | sign;
            out.push(y);
        }
    }
    // The order-8 points of the speccheck vectors (canonical encodings).
    for hex_point in [
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ] {
        if let Ok(b) = <[u8; 32]>::try_from(hex::decode(hex_point).unwrap_or_default()) {
            out.push(b);
        }
    }
    out
}

fn vkey_string(name: &str, alg: u8, key: &[u8]) -> String {
    let mut k = vec![alg];
    k.extend_from_slice(key);
    format!("{name}+{:08x}+{}", signed_note::key_id(name, &k), BASE64.encode(&k))
}

#[test]
fn fuzz_verifier_keys() {
    let names = key_names();
    let points = awkward_points();
    // Keys drawn from a pool: deriving a public key costs more than parsing it.
    let mut pool_rng = pool_rng(0x7e);
    let public_keys: Vec<[u8; 32]> = (0..64)
        .map(|_| SigningKey::from_bytes(&pool_rng.bytes()).verifying_key().to_bytes())
        .collect();
    fuzzkit::run("fuzz_verifier_keys", SHORT, |rng| {
        let name = rng.pick(&names).clone();
        let alg = if rng.chance(1, 2) { 0x01 } else { 0x04 };
        let key = *rng.pick(&public_keys);
        let unmutated_vkey = vkey_string(&name, alg, &key);
        let mut unmutated = false;
        let vkey = match rng.below(10) {
            0 | 1 => {
                unmutated = true;
                unmutated_vkey.clone()
            }
            // A weak or non-canonical point, with a matching key ID.
            2 | 3 => vkey_string(&name, alg, &points[rng.index(points.len())]),
            4 => {
                // The key ID of the other signature type, or spelt otherwise.
                let (n, rest) = unmutated_vkey.split_once('+').unwrap_or_default();
                let (id, b64) = rest.split_once('+').unwrap_or_default();
                let id = match rng.below(3) {
                    0 => id.to_uppercase(),
                    1 => id.trim_start_matches('0').to_owned(),
                    _ => format!("0{id}"),
                };
                format!("{n}+{id}+{b64}")
            }
            5 => {
                // Another name: spaces, '+', controls, 256 bytes, the BOM.
                let odd = rng
                    .pick(&["a b", "a+b", "", "a\u{85}", "a\u{a0}b", "\u{feff}", "a\u{2028}"])
                    .to_string();
                let odd = if rng.chance(1, 5) { "y".repeat(256) } else { odd };
                vkey_string(&odd, alg, &key)
            }
            6 => {
                // Key bytes of the wrong length.
                let mut k = key.to_vec();
                if rng.chance(1, 2) {
                    k.pop();
                } else {
                    k.push(0);
                }
                vkey_string(&name, alg, &k)
            }
            _ => {
                let mut v = unmutated_vkey.clone();
                mutate_text(rng, &mut v, &["+", "=", "A", "/", &name]);
                v
            }
        };
        input(vkey.as_bytes());
        let log = LogVerifier::from_vkey(&vkey);
        let witness = WitnessVerifier::from_vkey(&vkey);
        let lenient = keys::parse_verifier_key(&vkey);
        let mut accepted = false;
        for (which, parsed) in [
            (
                "log",
                log.as_ref()
                    .map(|v| (v.vkey(), v.name().to_owned(), *v.verifying_key()))
                    .ok(),
            ),
            (
                "witness",
                witness
                    .as_ref()
                    .map(|v| (v.vkey(), v.name().to_owned(), *v.verifying_key()))
                    .ok(),
            ),
        ] {
            let Some((again, parsed_name, pk)) = parsed else {
                continue;
            };
            accepted = true;
            if again != vkey {
                return fail(format!(
                    "{which} vkey accepted non-canonically; it re-renders as {again:?}"
                ));
            }
            if pk.is_weak() {
                return fail(format!("{which} vkey with a weak key accepted"));
            }
            let canonical = CompressedEdwardsY(pk.to_bytes())
                .decompress()
                .is_some_and(|p| p.compress().to_bytes() == pk.to_bytes());
            if !canonical {
                return fail(format!("{which} vkey with a non-canonical point encoding accepted"));
            }
            // The lenient parser of log keys (`ledger` arguments, the
            // outgoing key of a rotation) must read the same key from it.
            match &lenient {
                _ if which == "witness" => {}
                Ok((n, k)) if *n == parsed_name && *k == pk => {}
                other => return fail(format!("keys::parse_verifier_key disagrees: {other:?}")),
            }
        }
        if unmutated {
            let ok = if alg == 0x01 { log.is_ok() } else { witness.is_ok() };
            if !ok {
                return fail(format!("a valid vkey was refused: {:?} {:?}", log.err(), witness.err()));
            }
        }
        // Parsed keys are usable: nothing below may panic.
        if let Ok((_, k)) = &lenient {
            let _ = VerifyingKey::from_bytes(k.as_bytes());
        }
        if accepted {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        }
    });
}

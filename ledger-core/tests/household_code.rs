//! The household code's vectors (docs/FORMAT.md "Household code"):
//! `fixtures/vectors/household_code.json` is what this crate computes, and
//! every vector is re-derived here by a second, deliberately naive
//! implementation (u128 arithmetic, string building) straight from the
//! specification, so a bug in one is not copied into the file. The page's
//! JavaScript is tested against the same file.
//!
//! Regenerate after an intended change (a new version of the code):
//! `UPDATE_VECTORS=1 cargo test -p ledger-core --test household_code`

use ledger_core::encoding::Bytes;
use ledger_core::household::HouseholdRef;
use ledger_core::household_code::{parse_query, CodeQuery, HouseholdCode, ALPHABET, CODE_VERSION};
use serde_json::{json, Value};
use std::path::PathBuf;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn must<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The references: edge cases first (zeros, 0xff, leading zero bytes, the
/// modulus itself and its neighbours), then blake3 of a label.
fn references() -> Vec<[u8; 32]> {
    let mut out = Vec::new();
    let with_first = |first: u64, rest: u8| {
        let mut r = [rest; 32];
        r[..8].copy_from_slice(&first.to_be_bytes());
        r
    };
    let modulus = 29u64.pow(10);
    out.push([0u8; 32]);
    out.push([0xffu8; 32]);
    out.push(with_first(1, 0));
    out.push(with_first(0x0000_00ab_cdef_0123, 0x11));
    out.push(with_first(0x00ff_ffff_ffff_ffff, 0xff));
    out.push(with_first(0xff00_0000_0000_0000, 0x00));
    out.push(with_first(modulus - 1, 0x22));
    out.push(with_first(modulus, 0x33));
    out.push(with_first(modulus + 1, 0x44));
    for i in 0..15u32 {
        out.push(*blake3::hash(format!("SunshineLedger/household-code-vector/{i}").as_bytes()).as_bytes());
    }
    out
}

/// The specification, spelled out naively and independently of the crate.
fn naive_code(reference: &[u8; 32]) -> String {
    let alphabet: Vec<char> = "23456789ABCDEFGHJKMNPQRTUVWXY".chars().collect();
    let mut n: u128 = 0;
    for &b in &reference[..8] {
        n = n * 256 + u128::from(b);
    }
    n %= 29u128.pow(10);
    let mut digits = [0u128; 10];
    for i in (0..10).rev() {
        digits[i] = n % 29;
        n /= 29;
    }
    let sum: u128 = digits.iter().enumerate().map(|(i, d)| (i as u128 + 1) * d).sum();
    let check = (29 - sum % 29) % 29;
    digits
        .iter()
        .chain([check].iter())
        .map(|&d| alphabet[d as usize])
        .collect()
}

fn build() -> Value {
    let refs = references();
    let vectors: Vec<Value> = refs
        .iter()
        .map(|r| {
            let code = HouseholdCode::of(&HouseholdRef(Bytes(*r)));
            assert_eq!(code.compact(), naive_code(r), "{}", hex::encode(r));
            json!({"ref": hex::encode(r), "code": code.compact(), "display": code.display()})
        })
        .collect();
    // Typos are made from one vector's code, each a kind a person makes.
    let code = naive_code(&refs[10]);
    let c: Vec<char> = code.chars().collect();
    let substituted = {
        let mut t = c.clone();
        let i = 3;
        let pos = ALPHABET.find(t[i]).unwrap_or(0);
        t[i] = ALPHABET.chars().nth((pos + 1) % 29).unwrap_or('2');
        t.into_iter().collect::<String>()
    };
    let swapped = |i: usize| {
        let mut t = c.clone();
        t.swap(i, i + 1);
        t.into_iter().collect::<String>()
    };
    assert_ne!(c[4], c[5], "pick another vector: its symbols 5 and 6 are equal");
    assert_ne!(c[9], c[10], "pick another vector: its last two symbols are equal");
    let typos = vec![
        json!({"input": substituted, "error": "bad_code_check"}),
        json!({"input": swapped(4), "error": "bad_code_check"}),
        json!({"input": swapped(9), "error": "bad_code_check"}),
        json!({"input": format!("{}O{}", &code[..4], &code[5..]), "error": "bad_symbol"}),
        json!({"input": format!("{}1{}", &code[..2], &code[3..]), "error": "bad_symbol"}),
        json!({"input": format!("S{}", &code[1..]), "error": "bad_symbol"}),
        json!({"input": format!("{}z", &code[..7]), "error": "bad_symbol"}),
        json!({"input": format!("{}?", &code[..10]), "error": "bad_symbol"}),
        json!({"input": code[..5].to_string(), "error": "code_too_short"}),
        json!({"input": format!("{}-{}", &code[..2], &code[2..4]), "error": "code_too_short"}),
        json!({"input": "", "error": "code_too_short"}),
        json!({"input": format!("{code}2"), "error": "code_too_long"}),
    ];
    // Accepted inputs: every normalisation rule once, and prefixes.
    let display = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
    let full_width: String = code
        .chars()
        .map(|ch| char::from_u32(ch as u32 + 0xFEE0).unwrap_or(ch))
        .collect();
    let accepted = vec![
        json!({"input": display.clone(), "code": code.clone()}),
        json!({"input": display.to_lowercase(), "code": code.clone()}),
        json!({"input": format!(" {} {}·{}\t", &code[..4], &code[4..8], &code[8..]), "code": code.clone()}),
        json!({"input": format!("{}\u{3000}{}", &full_width[..12], &full_width[12..]), "code": code.clone()}),
        json!({"input": code[..6].to_lowercase(), "prefix": code[..6].to_string()}),
        json!({"input": format!("{}-{}", &code[..4], &code[4..10]), "prefix": code[..10].to_string()}),
    ];
    json!({
        "version": CODE_VERSION,
        "alphabet": ALPHABET,
        "vectors": vectors,
        "typos": typos,
        "accepted": accepted,
    })
}

#[test]
fn vectors_file_matches_the_code_and_the_specification() {
    let built = build();
    let file = path("fixtures/vectors/household_code.json");
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        must(std::fs::write(&file, must(serde_json::to_string_pretty(&built)) + "\n"));
    }
    let stored: Value = must(serde_json::from_str(&must(std::fs::read_to_string(&file))));
    assert_eq!(
        stored, built,
        "fixtures/vectors/household_code.json differs from the code"
    );
    assert!(stored["vectors"].as_array().map_or(0, Vec::len) >= 20);
}

#[test]
fn every_vector_parses_back_and_every_typo_fails_with_its_code() {
    let stored: Value = must(serde_json::from_str(&must(std::fs::read_to_string(path(
        "fixtures/vectors/household_code.json",
    )))));
    for v in stored["vectors"].as_array().into_iter().flatten() {
        let reference = HouseholdRef(must(Bytes::from_hex(v["ref"].as_str().unwrap_or_default())));
        let code = HouseholdCode::of(&reference);
        for form in ["code", "display"] {
            let parsed = parse_query(v[form].as_str().unwrap_or_default());
            assert_eq!(parsed, Ok(CodeQuery::Full(code)), "{v}");
        }
        assert!(code.matches(&reference));
    }
    let mut errors = 0;
    for t in stored["typos"].as_array().into_iter().flatten() {
        let input = t["input"].as_str().unwrap_or_default();
        let got = parse_query(input).map(|_| "ok").unwrap_or_else(|e| e.code());
        assert_eq!(got, t["error"].as_str().unwrap_or_default(), "{input:?}");
        errors += 1;
    }
    assert_eq!(errors, 12);
    for a in stored["accepted"].as_array().into_iter().flatten() {
        let input = a["input"].as_str().unwrap_or_default();
        match must(parse_query(input).map_err(|e| e.message_zh())) {
            CodeQuery::Full(code) => assert_eq!(code.compact(), a["code"].as_str().unwrap_or_default()),
            CodeQuery::Prefix(p) => assert_eq!(p.len(), a["prefix"].as_str().map_or(0, str::len)),
        }
    }
}

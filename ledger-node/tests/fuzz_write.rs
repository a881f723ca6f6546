//! Structure-aware fuzz targets of the node's write API decoders (issue 11,
//! item 7; docs/SECURITY.md, "Fuzzing"):
//!
//! | target | decoder | input |
//! | --- | --- | --- |
//! | `fuzz_submissions_json` | `api::write::parse_json_body` | `POST /v1/submissions`, `application/json` |
//! | `fuzz_submissions_framed` | `api::write::parse_framed` | `POST /v1/submissions`, `application/octet-stream` |
//! | `fuzz_binary_answer` | `api::write::decode_binary_answer` | the node's binary answer, as `ledger` reads it |
//!
//! Same machinery and properties as `ledger-core/tests/fuzz_decoders.rs`
//! (`fuzzkit`). JSON is not a canonical format and is never signed: for it
//! the property is that an accepted body yields values whose canonical
//! encodings decode back to them, that spellings which keep the value
//! (whitespace, key order, escapes, hex case, ignored unknown fields) give
//! exactly the original submissions, and that ambiguous JSON (a key twice)
//! is refused.

use ledger_core::testkit::fuzz as fuzzkit;

use fuzzkit::{
    fail, input, mutate_bytes, mutate_text, mutate_tokens, show, tokenize, tokens_to_bytes, Outcome, Rng, Tok,
};
use ledger_core::encoding::{self, Bytes};
use ledger_core::receipt::{Receipt, ReceiptBatchProof, SignedReceipt, RECEIPT_VERSION};
use ledger_core::submission::SignedSubmission;
use ledger_node::api::error::ApiError;
use ledger_node::api::write::{
    decode_binary_answer, encode_binary_answer, parse_framed, parse_json_body, BinaryResult, RejectedRecord,
    ANSWER_ACCEPTED, ANSWER_REJECTED,
};
use serde_json::Value;
use std::sync::OnceLock;

const SHORT: u64 = 2_000;
/// Most submissions per request in these runs (the node's default is 10,000).
const MAX_ITEMS: usize = 8;

struct Seed {
    value: SignedSubmission,
    bytes: Vec<u8>,
    toks: Vec<Tok>,
    json: Value,
}

fn pool() -> &'static Vec<Seed> {
    static POOL: OnceLock<Vec<Seed>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = fuzzkit::pool_rng(0x150);
        let keys = fuzzkit::gen_keys(&mut rng, 10);
        let seed = |value: SignedSubmission| {
            let bytes = value.encode();
            let toks = tokenize(&bytes, fuzzkit::signed_submission_tokens)
                .unwrap_or_else(|| panic!("the token model does not match {}", show(&bytes)));
            let json = serde_json::to_value(&value).unwrap_or_else(|e| panic!("{e}"));
            Seed {
                value,
                bytes,
                toks,
                json,
            }
        };
        let mut seeds: Vec<Seed> = (0..256)
            .map(|_| seed(fuzzkit::gen_signed_submission(&mut rng, &keys)))
            .collect();
        // Top up with the kinds 256 draws missed (the procedure kinds are
        // rarer), so that every kind reaches the JSON edge.
        for _ in 0..20_000 {
            let missing = ledger_core::entry::EntryKind::ALL
                .into_iter()
                .any(|k| !seeds.iter().any(|s| s.value.submission.body.kind() == k));
            if !missing {
                break;
            }
            let value = fuzzkit::gen_signed_submission(&mut rng, &keys);
            let kind = value.submission.body.kind();
            if !seeds.iter().any(|s| s.value.submission.body.kind() == kind) {
                seeds.push(seed(value));
            }
        }
        seeds
    })
}

// ------------------------------------------------------------------ JSON

/// A JSON document as written, so that it can hold what `serde_json::Value`
/// cannot: a key twice, numbers spelt as written, raw text.
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
    Raw(String),
}

fn from_value(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => J::Num(n.to_string()),
        Value::String(s) => J::Str(s.clone()),
        Value::Array(a) => J::Arr(a.iter().map(from_value).collect()),
        Value::Object(o) => J::Obj(o.iter().map(|(k, v)| (k.clone(), from_value(v))).collect()),
    }
}

/// Keys whose values are hex byte strings (`Bytes<N>`): their case is free.
const HEX_KEYS: [&str; 6] = [
    "nonce",
    "key",
    "signature",
    "household",
    "pseudonym_commitment",
    "endorsement",
];

/// The name of the unknown member the mutations add.
const EXTRA: &str = "extra_field";

/// What the mutations did to the value the JSON stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    /// Same value, other spelling.
    Preserving,
    /// Another value, or invalid: anything goes, but accepted values must hold.
    Changed,
    /// Ambiguous JSON: must be refused.
    MustReject,
}

fn write_str(s: &str, rng: &mut Rng, escape: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            '/' if escape && rng.chance(1, 2) => out.push_str("\\/"),
            c if escape && rng.chance(1, 4) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Write `j`; with `pretty`, random whitespace and escapes (same value).
fn write(j: &J, rng: &mut Rng, pretty: bool, out: &mut String) {
    let ws = |rng: &mut Rng, out: &mut String| {
        if pretty && rng.chance(1, 3) {
            out.push_str(rng.pick::<&str>(&[" ", "\n", "\t", "\r\n", "  "]));
        }
    };
    ws(rng, out);
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) | J::Raw(n) => out.push_str(n),
        J::Str(s) => write_str(s, rng, pretty, out),
        J::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, rng, pretty, out);
            }
            ws(rng, out);
            out.push(']');
        }
        J::Obj(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(rng, out);
                write_str(k, rng, pretty, out);
                ws(rng, out);
                out.push(':');
                write(v, rng, pretty, out);
            }
            ws(rng, out);
            out.push('}');
        }
    }
    ws(rng, out);
}

/// Every node of `j`, as paths of child indexes.
fn paths(j: &J, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(here.clone());
    let children: Vec<&J> = match j {
        J::Arr(a) => a.iter().collect(),
        J::Obj(o) => o.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    for (i, c) in children.into_iter().enumerate() {
        here.push(i);
        paths(c, here, out);
        here.pop();
    }
}

fn node_mut<'a>(j: &'a mut J, path: &[usize]) -> Option<&'a mut J> {
    let Some((first, rest)) = path.split_first() else {
        return Some(j);
    };
    match j {
        J::Arr(a) => node_mut(a.get_mut(*first)?, rest),
        J::Obj(o) => node_mut(&mut o.get_mut(*first)?.1, rest),
        _ => None,
    }
}

/// The key a path's last step goes through, if it is an object member.
fn key_at(root: &J, path: &[usize]) -> Option<String> {
    let (last, parent_path) = path.split_last()?;
    let mut node = root;
    for i in parent_path {
        node = match node {
            J::Arr(a) => a.get(*i)?,
            J::Obj(o) => &o.get(*i)?.1,
            _ => return None,
        };
    }
    match node {
        J::Obj(o) => o.get(*last).map(|(k, _)| k.clone()),
        _ => None,
    }
}

/// An externally tagged enum: one key, capitalised.
fn is_enum_wrapper(o: &[(String, J)]) -> bool {
    o.len() == 1 && o[0].0.starts_with(|c: char| c.is_ascii_uppercase())
}

fn odd_number(rng: &mut Rng) -> String {
    (*rng.pick(&[
        "18446744073709551616",
        "18446744073709551615",
        "-1",
        "-0",
        "1.5",
        "1.0",
        "1e3",
        "1E400",
        "0x10",
        "01",
        "NaN",
        "Infinity",
        "99999999999999999999999999",
        "4294967296",
        "65536",
        "256",
    ]))
    .to_owned()
}

/// One mutation of the JSON tree; returns its effect on the value.
fn mutate_json(rng: &mut Rng, root: &mut J, top: bool) -> Effect {
    let mut all = Vec::new();
    paths(root, &mut Vec::new(), &mut all);
    let path = all[rng.index(all.len())].clone();
    let key = key_at(root, &path);
    let Some(node) = node_mut(root, &path) else {
        return Effect::Preserving;
    };
    match rng.below(12) {
        // Key order: free.
        0 => {
            if let J::Obj(o) = node {
                if !o.is_empty() {
                    let (i, j) = (rng.index(o.len()), rng.index(o.len()));
                    o.swap(i, j);
                }
            }
            Effect::Preserving
        }
        // Hex case: free.
        1 => match (node, key.as_deref()) {
            (J::Str(s), Some(k)) if HEX_KEYS.contains(&k) => {
                *s = s.to_uppercase();
                Effect::Preserving
            }
            _ => Effect::Preserving,
        },
        // A key twice: ambiguous, must be refused. (A member nobody reads,
        // twice, is ignored twice: no value depends on it. The long run's
        // case 0x24586be6f7f6a798 of seed 0x10d620190711, a KeyGrant's
        // `scope` with an unknown member twice, was this oracle's mistake.)
        2 => match node {
            J::Obj(o) if !o.is_empty() => {
                let i = rng.index(o.len());
                let (k, v) = o[i].clone();
                let v = if rng.chance(1, 2) { v } else { J::Num("1".into()) };
                let ignored = k == EXTRA;
                o.insert(rng.index(o.len() + 1), (k, v));
                if ignored {
                    Effect::Preserving
                } else {
                    Effect::MustReject
                }
            }
            _ => Effect::Preserving,
        },
        // An unknown member: ignored inside the submission, refused at the
        // top (`deny_unknown_fields`) and inside an enum's wrapper.
        3 => match node {
            J::Obj(o) => {
                let wrapper = is_enum_wrapper(o);
                o.insert(rng.index(o.len() + 1), (EXTRA.into(), J::Num("1".into())));
                if path.is_empty() && top || wrapper {
                    Effect::MustReject
                } else {
                    Effect::Preserving
                }
            }
            _ => Effect::Preserving,
        },
        // A member missing, renamed or re-cased.
        4 => {
            if let J::Obj(o) = node {
                if !o.is_empty() {
                    let i = rng.index(o.len());
                    match rng.below(3) {
                        0 => {
                            o.remove(i);
                        }
                        1 => o[i].0 = o[i].0.to_uppercase(),
                        _ => o[i].0.push(' '),
                    }
                }
            }
            Effect::Changed
        }
        // Another type.
        5 => {
            *node = match rng.below(7) {
                0 => J::Null,
                1 => J::Bool(true),
                2 => J::Str("1".into()),
                3 => J::Arr(vec![node.clone()]),
                4 => J::Obj(Vec::new()),
                5 => J::Num("0".into()),
                _ => J::Str(String::new()),
            };
            Effect::Changed
        }
        // Odd numbers.
        6 => {
            *node = J::Num(odd_number(rng));
            Effect::Changed
        }
        // Strings: refused values, odd hex.
        7 => {
            if let J::Str(s) = node {
                match rng.below(4) {
                    0 => *s = String::from_utf8_lossy(&fuzzkit::interesting_string(rng)).into_owned(),
                    1 => {
                        s.pop();
                    }
                    2 => s.push_str(rng.pick::<&str>(&["0", "00", "g", " ", "\u{feff}"])),
                    _ => *s = format!(" {s} "),
                }
            }
            Effect::Changed
        }
        // Arrays: an element more or fewer.
        8 => {
            if let J::Arr(a) = node {
                if !a.is_empty() && rng.chance(1, 2) {
                    a.remove(rng.index(a.len()));
                } else if let Some(x) = a.first().cloned() {
                    a.push(x);
                } else {
                    a.push(J::Null);
                }
            }
            Effect::Changed
        }
        // Enums: an unknown variant, a second variant, a unit spelling.
        9 => {
            if let J::Obj(o) = node {
                if is_enum_wrapper(o) {
                    match rng.below(3) {
                        0 => o[0].0 = "NoSuchKind".into(),
                        1 => {
                            let extra = o[0].clone();
                            o.push(("Transfer".into(), extra.1));
                            return Effect::MustReject;
                        }
                        _ => *node = J::Str(o[0].0.clone()),
                    }
                }
            }
            Effect::Changed
        }
        // Deep nesting.
        10 => {
            let n = 1 + rng.index(3000);
            *node = J::Raw(format!("{}{}", "[".repeat(n), "]".repeat(n)));
            Effect::Changed
        }
        // A string with escapes of its own characters: free.
        _ => Effect::Preserving,
    }
}

#[test]
fn fuzz_submissions_json() {
    let pool = pool();
    // Every kind reaches the JSON edge, the policy's procedures (format 2)
    // included: a kind the generator lost would go untested here.
    for kind in ledger_core::entry::EntryKind::ALL {
        assert!(
            pool.iter().any(|s| s.value.submission.body.kind() == kind),
            "no {} among the seeds",
            kind.name()
        );
    }
    fuzzkit::run("fuzz_submissions_json", SHORT / 2, |rng| {
        let count = 1 + rng.index(3);
        let picked: Vec<&Seed> = (0..count).map(|_| &pool[rng.index(pool.len())]).collect();
        let mut doc = J::Obj(vec![(
            "submissions".into(),
            J::Arr(picked.iter().map(|s| from_value(&s.json)).collect()),
        )]);
        let mut effect = Effect::Preserving;
        let mutations = if rng.chance(1, 5) { 0 } else { 1 + rng.below(3) };
        for _ in 0..mutations {
            effect = effect.max(mutate_json(rng, &mut doc, true));
            // Later mutations could undo what makes the JSON ambiguous.
            if effect == Effect::MustReject {
                break;
            }
        }
        let mut text = String::new();
        let pretty = rng.chance(1, 2);
        write(&doc, rng, pretty, &mut text);
        if effect != Effect::MustReject && rng.chance(1, 8) {
            mutate_text(
                rng,
                &mut text,
                &["{", "}", "[", "]", ",", ":", "\"", "null", "\\u0000", "\\ud800"],
            );
            effect = effect.max(Effect::Changed);
        }
        let mut bytes = text.into_bytes();
        if effect != Effect::MustReject && rng.chance(1, 16) {
            mutate_bytes(rng, &mut bytes, &[]);
            effect = effect.max(Effect::Changed);
        }
        input(&bytes);
        match parse_json_body(&bytes, MAX_ITEMS) {
            Ok(items) => {
                if effect == Effect::MustReject {
                    return fail(
                        "ambiguous JSON (a key twice, or an unknown member where none is allowed) was accepted",
                    );
                }
                for item in &items {
                    let Ok(s) = item else { continue };
                    // The value must be one the canonical format carries.
                    let canonical = s.encode();
                    match SignedSubmission::decode(&canonical) {
                        Ok(back) if back == *s => {}
                        Ok(_) => return fail("the canonical encoding of an accepted value decodes to another"),
                        Err(e) => return fail(format!("an accepted value has no valid canonical encoding: {e}")),
                    }
                    let json = serde_json::to_string(s).unwrap_or_default();
                    if serde_json::from_str::<SignedSubmission>(&json).ok().as_ref() != Some(s) {
                        return fail(format!("JSON round trip changed an accepted value: {json}"));
                    }
                }
                if effect == Effect::Preserving {
                    let got: Vec<Option<&SignedSubmission>> = items.iter().map(|i| i.as_ref().ok()).collect();
                    let want: Vec<Option<&SignedSubmission>> = picked.iter().map(|s| Some(&s.value)).collect();
                    if got != want {
                        return fail(format!(
                            "a respelling of valid submissions gave other results: {items:?}"
                        ));
                    }
                }
                if items.iter().all(Result::is_ok) {
                    Outcome::Accepted
                } else {
                    Outcome::Rejected
                }
            }
            Err(e) if effect == Effect::Preserving => fail(format!("valid submissions were refused: {e:?}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

// ----------------------------------------------------------------- framed

/// The records of a framed body, read independently of the node's code:
/// `None` if the framing itself is broken (or over the limits).
fn frames(body: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if out.len() >= MAX_ITEMS || rest.len() < 4 {
            return None;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > encoding::MAX_ENCODED_BYTES || rest.len() - 4 < len {
            return None;
        }
        out.push(&rest[4..4 + len]);
        rest = &rest[4 + len..];
    }
    Some(out)
}

#[test]
fn fuzz_submissions_framed() {
    let pool = pool();
    fuzzkit::run("fuzz_submissions_framed", SHORT, |rng| {
        let count = rng.index(4);
        let picked: Vec<&Seed> = (0..count).map(|_| &pool[rng.index(pool.len())]).collect();
        let mutated = rng.chance(7, 8);
        let mut toks = Vec::new();
        for s in &picked {
            let mut record = s.bytes.clone();
            if mutated && rng.chance(1, 3) {
                let mut t = s.toks.clone();
                let other = &pool[rng.index(pool.len())].toks;
                mutate_tokens(rng, &mut t, other);
                record = tokens_to_bytes(&t);
            }
            toks.push(Tok::U32Le(record.len() as u32));
            toks.push(Tok::Raw(record));
        }
        if mutated && rng.chance(1, 2) {
            mutate_tokens(rng, &mut toks, &[]);
        }
        let mut body = tokens_to_bytes(&toks);
        if mutated && rng.chance(1, 4) {
            let other = &pool[rng.index(pool.len())].bytes;
            mutate_bytes(rng, &mut body, other);
        }
        input(&body);
        let expected = frames(&body);
        match (parse_framed(&body, MAX_ITEMS), expected) {
            (Ok(items), Some(records)) => {
                if items.len() != records.len() {
                    return fail(format!("{} results for {} records", items.len(), records.len()));
                }
                for (item, record) in items.iter().zip(&records) {
                    match (item, SignedSubmission::decode(record)) {
                        (Ok(s), Ok(d)) if *s == d && s.encode() == *record => {}
                        (Err(_), Err(_)) => {}
                        (got, want) => {
                            return fail(format!("record {} decoded as {got:?}, expected {want:?}", show(record)))
                        }
                    }
                }
                if !mutated
                    && items
                        .iter()
                        .map(|i| i.as_ref().ok())
                        .ne(picked.iter().map(|s| Some(&s.value)))
                {
                    return fail("valid records decoded to other values");
                }
                if items.iter().all(Result::is_ok) {
                    Outcome::Accepted
                } else {
                    Outcome::Rejected
                }
            }
            (Err(_), None) if mutated => Outcome::Rejected,
            (Err(e), _) => fail(format!("the framing is valid but the body was refused: {e:?}")),
            (Ok(items), None) => fail(format!("broken framing accepted as {} records", items.len())),
        }
    });
}

// ----------------------------------------------------------- binary answer

fn gen_receipt(rng: &mut Rng) -> SignedReceipt {
    SignedReceipt {
        receipt: Receipt {
            v: RECEIPT_VERSION,
            origin: fuzzkit::gen_string(rng),
            seq: rng.edgy_u64(),
            submission_id: Bytes(rng.bytes()),
            entry_hash: Bytes(rng.bytes()),
            leaf_hash: Bytes(rng.bytes()),
            time_ms: rng.edgy_u64(),
        },
        batch: ReceiptBatchProof {
            size: rng.edgy_u64(),
            index: rng.edgy_u64(),
            path: (0..rng.below(5)).map(|_| Bytes(rng.bytes())).collect(),
        },
        signature: Bytes(rng.bytes()),
    }
}

const CODES: [&str; 5] = [
    "bad_signature",
    "unknown_key",
    "overdraft",
    "replayed_nonce",
    "malformed",
];

fn rejected_tokens(w: &mut fuzzkit::Walk<'_>) -> Option<()> {
    w.string()?;
    w.string()
}

#[test]
fn fuzz_binary_answer() {
    fuzzkit::run("fuzz_binary_answer", SHORT, |rng| {
        let count = rng.index(4);
        let results: Vec<Result<SignedReceipt, ApiError>> = (0..count)
            .map(|_| {
                if rng.chance(2, 3) {
                    Ok(gen_receipt(rng))
                } else {
                    let mut e = ApiError::malformed(fuzzkit::gen_string(rng));
                    e.code = *rng.pick(&CODES);
                    Err(e)
                }
            })
            .collect();
        let valid = encode_binary_answer(&results);
        // The same answer as fields: status, length, then the record's own
        // fields (mutated now and then).
        let mutated = rng.chance(7, 8);
        let mut toks = Vec::new();
        let mut at = 0;
        while at + 5 <= valid.len() {
            let status = valid[at];
            let len = u32::from_le_bytes([valid[at + 1], valid[at + 2], valid[at + 3], valid[at + 4]]) as usize;
            let record = &valid[at + 5..at + 5 + len];
            let mut rt = if status == ANSWER_ACCEPTED {
                tokenize(record, fuzzkit::signed_receipt_tokens)
            } else {
                tokenize(record, rejected_tokens)
            }
            .unwrap_or_else(|| vec![Tok::Raw(record.to_vec())]);
            if mutated && rng.chance(1, 3) {
                mutate_tokens(rng, &mut rt, &[]);
            }
            let record = tokens_to_bytes(&rt);
            toks.push(Tok::U8(status));
            toks.push(Tok::U32Le(record.len() as u32));
            toks.push(Tok::Raw(record));
            at += 5 + len;
        }
        if mutated && rng.chance(1, 2) {
            mutate_tokens(rng, &mut toks, &[]);
        }
        let mut body = tokens_to_bytes(&toks);
        if mutated && rng.chance(1, 4) {
            mutate_bytes(rng, &mut body, &valid);
        }
        input(&body);
        match decode_binary_answer(&body, MAX_ITEMS) {
            Ok(decoded) => {
                let mut again = Vec::new();
                for r in &decoded {
                    let (status, bytes) = match r {
                        BinaryResult::Accepted(receipt) => (ANSWER_ACCEPTED, encoding::encode(receipt)),
                        BinaryResult::Rejected(record) => (ANSWER_REJECTED, encoding::encode(record)),
                    };
                    again.push(status);
                    again.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                    again.extend_from_slice(&bytes);
                }
                if again != body {
                    return fail(format!(
                        "accepted a non-canonical answer; it re-encodes to {}",
                        show(&again)
                    ));
                }
                if !mutated {
                    let want: Vec<BinaryResult> = results
                        .iter()
                        .map(|r| match r {
                            Ok(receipt) => BinaryResult::Accepted(receipt.clone()),
                            Err(e) => BinaryResult::Rejected(RejectedRecord {
                                code: e.code.to_owned(),
                                message: e.message.clone(),
                                message_zh: e.message_zh.clone().unwrap_or_default(),
                            }),
                        })
                        .collect();
                    if decoded != want {
                        return fail("a valid answer decoded to other results");
                    }
                }
                Outcome::Accepted
            }
            Err(e) if !mutated => fail(format!("a valid answer was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

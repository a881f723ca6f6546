//! Structure-aware fuzz targets of ledger-core's decoders of outside input
//! (issue 11, item 7; docs/SECURITY.md, "Fuzzing"):
//!
//! | target | decoder | where the input comes from |
//! | --- | --- | --- |
//! | `fuzz_signed_submission_postcard` | `SignedSubmission::decode` | `POST /v1/submissions` (octet-stream), `ledger submit` files |
//! | `fuzz_sequenced_entry_postcard` | `SequencedEntry::decode`, `chain::submission_bytes` | `/v1/entries`, bundles, tiles, the store |
//! | `fuzz_bundle` | `bundle::parse_bundle` (+ each record's `SequencedEntry::decode`) | `ledger verify`, `ledger-node restore`, `ledger export` resume |
//! | `fuzz_checkpoint_note` | `LogVerifier::verify_checkpoint`, `WitnessVerifier::verify_cosignature`, `add_cosignature`, `CosignatureLine::parse` | `/checkpoint`, `POST /v1/cosignatures`, `ledger witness`, saved checkpoints |
//! | `fuzz_verifier_keys` | `LogVerifier::from_vkey`, `WitnessVerifier::from_vkey`, `keys::parse_verifier_key` | genesis and `LogKeyRotate` entries, `--log-key`, `--witness` |
//! | `fuzz_tlog_proof` | `TlogProof::parse` | `ledger prove --check FILE` |
//! | `fuzz_tile_path` | `merkle::parse_tile_path` | `GET /tile/…` |
//!
//! Each generates valid values (really signed where the decoder checks
//! signatures), encodes them, mutates them at the level of the format's
//! fields and of bytes, and checks: no panic; an accepted input is exactly
//! the canonical encoding of what was decoded (decode then encode gives the
//! same bytes); an unmutated valid input decodes to the original value.
//!
//! `cargo test -p ledger-core --test fuzz_decoders` runs a short run of each
//! (CI); `fuzz/long-run.sh` runs millions of cases in release mode
//! (`FUZZ_CASES`, `FUZZ_SEED`, `FUZZ_REPLAY`: see `fuzzkit::settings`).
//!
//! One file on purpose (issue 18): one subject, the decoders of outside
//! input, all driven by the shared harness `ledger_core::testkit::fuzz`.

use ledger_core::testkit::fuzz as fuzzkit;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use fuzzkit::{
    fail, input, mutate_bytes, mutate_text, mutate_tokens, pool_rng, show, tokenize, tokens_to_bytes, Outcome, Rng,
    Tok, Walk,
};
use ledger_core::bundle::{self, BundleHeader, BUNDLE_MAGIC, BUNDLE_VERSION};
use ledger_core::chain::{self, SequencedEntry};
use ledger_core::checkpoint::{
    add_cosignature, CosignatureLine, LogSigner, LogVerifier, NoteSignature, TlogProof, VerifiedCheckpoint,
    WitnessSigner, WitnessVerifier, MAX_COSIGNATURE_TIMESTAMP, MAX_TLOG_PROOF_EXTRA_BYTES,
};
use ledger_core::encoding;
use ledger_core::keys;
use ledger_core::merkle::{self, leaf_hash, parse_tile_path, TileKind, TileRef, TreeHash, EMPTY_TREE_ROOT};
use ledger_core::submission::SignedSubmission;
use std::sync::OnceLock;

/// Short-run cases of the cheap targets (microseconds each in debug).
const SHORT: u64 = 3_000;
/// Short-run cases of the targets that verify signatures.
const SHORT_SIGNED: u64 = 1_000;

// ------------------------------------------------------ postcard pools

/// A valid value, its canonical bytes and their tokens.
struct Seed<T> {
    value: T,
    bytes: Vec<u8>,
    toks: Vec<Tok>,
}

fn submission_pool() -> &'static Vec<Seed<SignedSubmission>> {
    static POOL: OnceLock<Vec<Seed<SignedSubmission>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = pool_rng(0x5b);
        let keys = fuzzkit::gen_keys(&mut rng, 10);
        (0..256)
            .map(|_| {
                let value = fuzzkit::gen_signed_submission(&mut rng, &keys);
                let bytes = value.encode();
                let toks = tokenize(&bytes, fuzzkit::signed_submission_tokens)
                    .unwrap_or_else(|| panic!("the token model does not match {}", show(&bytes)));
                assert_eq!(tokens_to_bytes(&toks), bytes, "tokens re-encode");
                Seed { value, bytes, toks }
            })
            .collect()
    })
}

fn entry_pool() -> &'static Vec<Seed<SequencedEntry>> {
    static POOL: OnceLock<Vec<Seed<SequencedEntry>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = pool_rng(0xe7);
        let keys = fuzzkit::gen_keys(&mut rng, 10);
        (0..256)
            .map(|_| {
                let value = fuzzkit::gen_entry(&mut rng, &keys);
                let bytes = value.encode();
                let toks = tokenize(&bytes, fuzzkit::entry_tokens)
                    .unwrap_or_else(|| panic!("the token model does not match {}", show(&bytes)));
                assert_eq!(tokens_to_bytes(&toks), bytes, "tokens re-encode");
                Seed { value, bytes, toks }
            })
            .collect()
    })
}

/// How a case's input was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    /// A valid seed, unchanged: must decode to its value.
    Unmutated,
    /// Anything else.
    Mutated,
}

/// A mutated input from a pool of postcard seeds: field-level (token)
/// mutations most of the time, byte-level ones on top or alone, and now and
/// then plain random bytes.
fn postcard_input<T>(rng: &mut Rng, pool: &[Seed<T>]) -> (usize, Made, Vec<u8>) {
    let i = rng.index(pool.len());
    let other = &pool[rng.index(pool.len())];
    let seed = &pool[i];
    match rng.below(16) {
        0 | 1 => (i, Made::Unmutated, seed.bytes.clone()),
        2 => (i, Made::Mutated, rng.junk(400)),
        3..=10 => {
            let mut toks = seed.toks.clone();
            mutate_tokens(rng, &mut toks, &other.toks);
            let mut bytes = tokens_to_bytes(&toks);
            if rng.chance(1, 4) {
                mutate_bytes(rng, &mut bytes, &other.bytes);
            }
            (i, Made::Mutated, bytes)
        }
        _ => {
            let mut bytes = seed.bytes.clone();
            mutate_bytes(rng, &mut bytes, &other.bytes);
            (i, Made::Mutated, bytes)
        }
    }
}

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

// ---------------------------------------------------------------- bundle

fn bundle_header_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.string()?;
    w.string()?;
    w.string()?;
    w.var(64, fuzzkit::VarRole::Num).map(|_| ())
}

#[test]
fn fuzz_bundle() {
    let entries = entry_pool();
    let notes = note_pool();
    fuzzkit::run("fuzz_bundle", SHORT, |rng| {
        let count = rng.below(5) as usize;
        let records: Vec<&[u8]> = (0..count)
            .map(|_| entries[rng.index(entries.len())].bytes.as_slice())
            .collect();
        let note = &notes.notes[rng.index(notes.notes.len())];
        let header = BundleHeader {
            v: BUNDLE_VERSION,
            origin: if rng.chance(3, 4) {
                notes.logs[note.log].signer.origin().to_owned()
            } else {
                fuzzkit::gen_string(rng)
            },
            log_vkey: if rng.chance(3, 4) {
                notes.logs[note.log].signer.verifier_key()
            } else {
                fuzzkit::gen_string(rng)
            },
            checkpoint: String::from_utf8_lossy(&note.bytes).into_owned(),
            entry_count: if rng.chance(7, 8) { count as u64 } else { rng.edgy_u64() },
        };
        let head_bytes = encoding::encode(&header);
        let mut head_toks = tokenize(&head_bytes, bundle_header_tokens).unwrap_or_default();
        let mutated = rng.chance(7, 8);
        if mutated && rng.chance(1, 3) {
            mutate_tokens(rng, &mut head_toks, &[]);
        }
        let head = tokens_to_bytes(&head_toks);
        // The file as fields: magic, header length and bytes, then one
        // length-prefixed record per entry.
        let mut toks = vec![
            Tok::Raw(BUNDLE_MAGIC.to_vec()),
            Tok::U32Le(head.len() as u32),
            Tok::Raw(head),
        ];
        for r in &records {
            toks.push(Tok::U32Le(r.len() as u32));
            toks.push(Tok::Raw(r.to_vec()));
        }
        if mutated && rng.chance(1, 2) {
            mutate_tokens(rng, &mut toks, &[]);
        }
        let mut bytes = tokens_to_bytes(&toks);
        if mutated && rng.chance(1, 3) {
            let other = &entries[rng.index(entries.len())].bytes;
            mutate_bytes(rng, &mut bytes, other);
        }
        let unmutated = !mutated && header.entry_count == count as u64;
        input(&bytes);
        match bundle::parse_bundle(&bytes) {
            Ok(view) => {
                let mut again = bundle::encode_header(&view.header);
                for e in &view.entries {
                    again.extend_from_slice(&bundle::encode_record(e));
                }
                if again != bytes {
                    return fail(format!(
                        "accepted a non-canonical bundle; it re-encodes to {}",
                        show(&again)
                    ));
                }
                if view.entries.len() as u64 != view.header.entry_count {
                    return fail("entry count differs from the header's");
                }
                if unmutated && (view.header != header || view.entries != records) {
                    return fail("a valid bundle decoded to other values");
                }
                // What `ledger verify` does next with each record.
                for e in &view.entries {
                    if let Ok(d) = SequencedEntry::decode(e) {
                        if d.entry.encode() != *e {
                            return fail("a bundle record decoded from non-canonical bytes");
                        }
                    }
                }
                Outcome::Accepted
            }
            Err(e) if unmutated => fail(format!("a valid bundle was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

// ----------------------------------------------------------- checkpoints

struct Log {
    signer: LogSigner,
    verifier: LogVerifier,
}

struct Witness {
    signer: WitnessSigner,
    key: SigningKey,
    verifier: WitnessVerifier,
}

struct Note {
    log: usize,
    bytes: Vec<u8>,
    /// Origin, size line, root line, extension lines: the body's fields.
    size: u64,
    root: TreeHash,
    extensions: Vec<String>,
    /// Witnesses (indexes) that cosigned it.
    cosigned_by: Vec<usize>,
}

struct Notes {
    logs: Vec<Log>,
    witnesses: Vec<Witness>,
    notes: Vec<Note>,
}

/// Key names (log origins, witness names) that `check_key_name` accepts,
/// from plain to awkward: non-ASCII, the BOM (not a Unicode space), 255 bytes.
fn key_names() -> Vec<String> {
    vec![
        "huaian.sunshine-ledger.example/demo".to_owned(),
        "淮安/阳光账本".to_owned(),
        "a".to_owned(),
        "example.com/\u{feff}log".to_owned(),
        "x".repeat(255),
        "w1.example/witness".to_owned(),
        "审计局/witness".to_owned(),
    ]
}

/// Strict Ed25519 verification for the oracle's own re-checks, memoized:
/// most cases re-check the same pool lines, and a verification costs ~40 µs
/// (the decoder's own verifications are never memoized).
fn verifies(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    thread_local! {
        static MEMO: std::cell::RefCell<HashMap<u64, bool>> = std::cell::RefCell::new(HashMap::new());
    }
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return false;
    };
    let mut h = DefaultHasher::new();
    (key.as_bytes(), msg, &sig[..]).hash(&mut h);
    let id = h.finish();
    if let Some(known) = MEMO.with(|m| m.borrow().get(&id).copied()) {
        return known;
    }
    let ok = key.verify_strict(msg, &Signature::from_bytes(&sig)).is_ok();
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 200_000 {
            m.clear();
        }
        m.insert(id, ok);
    });
    ok
}

fn render_body(origin: &str, size: u64, root: &TreeHash, extensions: &[String]) -> String {
    let mut body = format!("{origin}\n{size}\n{}\n", BASE64.encode(root.0));
    for e in extensions {
        body.push_str(e);
        body.push('\n');
    }
    body
}

fn note_line(name: &str, id: u32, sig: &[u8]) -> Vec<u8> {
    NoteSignature::new(name.to_owned(), id, sig.to_vec())
        .map(|s| s.to_bytes())
        .unwrap_or_else(|_| format!("\u{2014} {name} AAAA\n").into_bytes())
}

fn cosign_bytes(w: &Witness, ts: u64, body: &str) -> Vec<u8> {
    let sig = w.key.sign(format!("cosignature/v1\ntime {ts}\n{body}").as_bytes());
    let mut payload = ts.to_be_bytes().to_vec();
    payload.extend_from_slice(&sig.to_bytes());
    note_line(w.signer.name(), w.signer.key_id(), &payload)
}

fn gen_extension(rng: &mut Rng) -> String {
    let s: String = fuzzkit::gen_string(rng).chars().filter(|c| *c >= ' ').collect();
    if s.is_empty() {
        "ext".to_owned()
    } else {
        s
    }
}

fn note_pool() -> &'static Notes {
    static POOL: OnceLock<Notes> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = pool_rng(0xc4);
        let names = key_names();
        let logs: Vec<Log> = names[..5]
            .iter()
            .map(|name| {
                let key = SigningKey::from_bytes(&rng.bytes());
                let signer = LogSigner::new(name, key).unwrap_or_else(|e| panic!("{e}"));
                let verifier = LogVerifier::from_vkey(&signer.verifier_key()).unwrap_or_else(|e| panic!("{e}"));
                Log { signer, verifier }
            })
            .collect();
        let witnesses: Vec<Witness> = names[4..]
            .iter()
            .map(|name| {
                let key = SigningKey::from_bytes(&rng.bytes());
                let signer = WitnessSigner::new(name, key.clone()).unwrap_or_else(|e| panic!("{e}"));
                let verifier = WitnessVerifier::from_vkey(&signer.verifier_key()).unwrap_or_else(|e| panic!("{e}"));
                Witness { signer, key, verifier }
            })
            .collect();
        let mut notes = Vec::new();
        for _ in 0..128 {
            let log = rng.index(logs.len());
            let size = if rng.chance(1, 8) { 0 } else { rng.edgy_u64() };
            let root = if size == 0 {
                EMPTY_TREE_ROOT
            } else {
                TreeHash(rng.bytes())
            };
            let extensions: Vec<String> = (0..if rng.chance(1, 4) { 1 + rng.below(2) } else { 0 })
                .map(|_| gen_extension(&mut rng))
                .collect();
            let l = &logs[log];
            let body = render_body(l.signer.origin(), size, &root, &extensions);
            let sig = l.signer.sign_bytes(body.as_bytes());
            let mut bytes = format!("{body}\n").into_bytes();
            bytes.extend(note_line(l.signer.origin(), l.signer.key_id(), &sig.to_bytes()));
            // Lines by keys nobody knows: verifiers must skip them.
            for _ in 0..rng.below(2) {
                let name = rng.pick(&names).clone();
                let id = rng.next_u64() as u32;
                let n = 1 + rng.index(100);
                bytes.extend(note_line(&name, id, &rng.vec(n)));
            }
            let mut cosigned_by = Vec::new();
            if let Ok(cp) = l.verifier.verify_checkpoint(&bytes) {
                for (wi, w) in witnesses.iter().enumerate() {
                    if rng.chance(1, 3) {
                        let ts = rng.range(1, MAX_COSIGNATURE_TIMESTAMP);
                        if let Ok(line) = w.signer.cosign(&cp, ts) {
                            if let Ok(b) = add_cosignature(&bytes, &line) {
                                bytes = b;
                                cosigned_by.push(wi);
                            }
                        }
                    }
                }
            }
            notes.push(Note {
                log,
                bytes,
                size,
                root,
                extensions,
                cosigned_by,
            });
        }
        Notes { logs, witnesses, notes }
    })
}

/// Ways to spell a tree size: canonical and not.
fn size_spelling(rng: &mut Rng, size: u64) -> String {
    match rng.below(8) {
        0 => format!("0{size}"),
        1 => format!("+{size}"),
        2 => format!(" {size}"),
        3 => format!("{size} "),
        4 => "18446744073709551616".to_owned(),
        5 => format!("{size:x}"),
        6 => "".to_owned(),
        _ => rng.edgy_u64().to_string(),
    }
}

/// Ways to spell a root hash: canonical base64 of other lengths, unpadded,
/// URL-safe, with non-zero trailing bits, with whitespace.
fn root_spelling(rng: &mut Rng, root: &TreeHash) -> String {
    let b64 = BASE64.encode(root.0);
    match rng.below(8) {
        0 => b64.trim_end_matches('=').to_owned(),
        1 => b64.replace('+', "-").replace('/', "_"),
        2 => {
            // The last data character carries 2 unused bits: set them.
            let mut chars: Vec<char> = b64.chars().collect();
            let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            if let Some(pos) = alphabet.find(chars[42]) {
                chars[42] = alphabet.chars().nth((pos & !3) | (1 + rng.index(3))).unwrap_or('B');
            }
            chars.into_iter().collect()
        }
        3 => format!("{b64} "),
        4 => BASE64.encode(&root.0[..31]),
        5 => BASE64.encode([&root.0[..], &[0u8][..]].concat()),
        6 => format!("{b64}="),
        _ => BASE64.encode(rng.bytes::<32>()),
    }
}

/// A mutated note: the body's fields re-spelt and the note re-signed by the
/// log key (so the body parser, not the signature, must refuse), lines of the
/// signature block duplicated, forged, re-ordered or re-spelt, cosignatures
/// with out-of-range timestamps signed by the witness, whole-text and byte
/// mutations.
fn mutated_note(rng: &mut Rng, notes: &Notes, n: &Note) -> Vec<u8> {
    let l = &notes.logs[n.log];
    let origin = l.signer.origin();
    let text = String::from_utf8_lossy(&n.bytes).into_owned();
    let (body, block) = text
        .rsplit_once("\n\n")
        .map(|(b, s)| (format!("{b}\n"), s.to_owned()))
        .unwrap_or_default();
    let mut lines: Vec<String> = block.lines().map(str::to_owned).collect();
    match rng.below(8) {
        0 | 1 => {
            // Re-spell the body's fields, then sign what was written.
            let mut origin_line = origin.to_owned();
            let mut size_line = n.size.to_string();
            let mut root_line = BASE64.encode(n.root.0);
            let mut ext = n.extensions.clone();
            match rng.below(6) {
                0 => size_line = size_spelling(rng, n.size),
                1 => root_line = root_spelling(rng, &n.root),
                2 => ext.insert(rng.index(ext.len() + 1), String::new()),
                3 => origin_line = format!("{origin}{}", rng.pick(&[" ", "\u{feff}", "/", "\u{a0}"])),
                4 => {
                    size_line = "0".to_owned();
                    root_line = BASE64.encode(rng.bytes::<32>());
                }
                _ => ext.push(gen_extension(rng)),
            }
            let mut body = format!("{origin_line}\n{size_line}\n{root_line}\n");
            for e in &ext {
                body.push_str(e);
                body.push('\n');
            }
            if rng.chance(1, 4) {
                let mut b = body.clone();
                mutate_text(rng, &mut b, &["\n", "0", "=", origin]);
                if !b.ends_with('\n') {
                    b.push('\n');
                }
                body = b;
            }
            let sig = l.signer.sign_bytes(body.as_bytes());
            let mut out = format!("{body}\n").into_bytes();
            out.extend(note_line(origin, l.signer.key_id(), &sig.to_bytes()));
            for w in &n.cosigned_by {
                out.extend(cosign_bytes(&notes.witnesses[*w], rng.range(1, 1000), &body));
            }
            out
        }
        2 | 3 => {
            let log_line = String::from_utf8_lossy(&note_line(
                origin,
                l.signer.key_id(),
                &l.signer.sign_bytes(body.as_bytes()).to_bytes(),
            ))
            .trim_end()
            .to_owned();
            match rng.below(9) {
                // The log's signature twice: harmless.
                0 => lines.push(log_line),
                // A second line by the log key that does not verify, after
                // the good one: the signed-note spec says verify it.
                1 => lines.push(
                    String::from_utf8_lossy(&note_line(origin, l.signer.key_id(), &rng.vec(64)))
                        .trim_end()
                        .to_owned(),
                ),
                2 => lines.insert(
                    0,
                    String::from_utf8_lossy(&note_line(origin, l.signer.key_id(), &rng.vec(64)))
                        .trim_end()
                        .to_owned(),
                ),
                3 if !lines.is_empty() => {
                    let i = rng.index(lines.len());
                    lines.remove(i);
                }
                4 if lines.len() > 1 => {
                    let (i, j) = (rng.index(lines.len()), rng.index(lines.len()));
                    lines.swap(i, j);
                }
                5 if !n.cosigned_by.is_empty() => {
                    // A cosignature whose timestamp is out of range, or 0,
                    // really signed by the witness.
                    let w = &notes.witnesses[*rng.pick(&n.cosigned_by)];
                    let ts = *rng.pick(&[0, MAX_COSIGNATURE_TIMESTAMP, MAX_COSIGNATURE_TIMESTAMP + 1, u64::MAX]);
                    lines.push(
                        String::from_utf8_lossy(&cosign_bytes(w, ts, &body))
                            .trim_end()
                            .to_owned(),
                    );
                }
                6 if !lines.is_empty() => {
                    // Re-spell a line's base64: unpadded, trailing bits, URL alphabet.
                    let i = rng.index(lines.len());
                    if let Some((head, b64)) = lines[i].rsplit_once(' ') {
                        let b64 = match rng.below(3) {
                            0 => b64.trim_end_matches('=').to_owned(),
                            1 => b64.replace('+', "-").replace('/', "_"),
                            _ => {
                                let mut c: Vec<char> = b64.chars().collect();
                                let at = c.iter().rposition(|x| *x != '=').unwrap_or(0);
                                c[at] = if c[at] == 'A' { 'B' } else { 'A' };
                                c.into_iter().collect()
                            }
                        };
                        lines[i] = format!("{head} {b64}");
                    }
                }
                7 => lines.push(format!("\u{2014} {} AAAA", rng.pick(&key_names()))),
                _ => {
                    let w = &notes.witnesses[rng.index(notes.witnesses.len())];
                    lines.push(
                        String::from_utf8_lossy(&cosign_bytes(w, rng.range(1, 99), &body))
                            .trim_end()
                            .to_owned(),
                    );
                }
            }
            let mut out = format!("{body}\n");
            for l in &lines {
                out.push_str(l);
                out.push('\n');
            }
            out.into_bytes()
        }
        4 | 5 => {
            let mut t = text;
            mutate_text(rng, &mut t, &["\n\n", "\u{2014} ", origin, "=", "+"]);
            t.into_bytes()
        }
        6 => {
            let mut b = n.bytes.clone();
            let other = &notes.notes[rng.index(notes.notes.len())].bytes;
            mutate_bytes(rng, &mut b, other);
            b
        }
        _ => {
            // Separators: the blank line, CRLF, the final newline.
            let t = match rng.below(4) {
                0 => text.replacen("\n\n", "\n", 1),
                1 => text.replace('\n', "\r\n"),
                2 => text.trim_end().to_owned(),
                _ => text.replacen("\n\n", "\n\n\n", 1),
            };
            t.into_bytes()
        }
    }
}

/// The properties of a note `verify_checkpoint` accepted.
fn check_accepted_note(
    notes: &Notes,
    log: &Log,
    bytes: &[u8],
    cp: &VerifiedCheckpoint,
    rng: &mut Rng,
) -> Option<String> {
    let body = cp.body();
    if cp.origin() != log.signer.origin() {
        return Some("origin is not the log's".into());
    }
    if render_body(cp.origin(), cp.size(), cp.root(), cp.extension_lines()) != body {
        return Some(format!("accepted a non-canonical checkpoint body {body:?}"));
    }
    if cp.size() == 0 && *cp.root() != EMPTY_TREE_ROOT {
        return Some("size 0 with another root".into());
    }
    let Some(block) = bytes.strip_prefix(format!("{body}\n").as_bytes()) else {
        return Some("the note does not start with its body and a blank line".into());
    };
    let Ok(block) = std::str::from_utf8(block) else {
        return Some("signature block is not UTF-8".into());
    };
    let Some(block) = block.strip_suffix('\n') else {
        return Some("no final newline".into());
    };
    let mut log_lines = 0;
    for line in block.split('\n') {
        let Ok(sig) = NoteSignature::from_bytes(line.as_bytes()) else {
            return Some(format!("accepted a malformed signature line {line:?}"));
        };
        if sig.to_bytes() != format!("{line}\n").into_bytes() {
            return Some(format!("accepted a non-canonical signature line {line:?}"));
        }
        // Every line by the log key (its name and ID) must verify
        // (c2sp.org/signed-note: "If the key name and ID match a known key,
        // verifiers MUST verify the signature"); the page refuses the note
        // otherwise, so the node must not accept or serve it.
        if sig.name() == log.signer.origin() && sig.id() == log.signer.key_id() {
            log_lines += 1;
            let ok = verifies(&log.signer.verifying_key(), body.as_bytes(), sig.signature());
            if !ok {
                return Some(format!(
                    "accepted a note with a log-key line that does not verify: {line:?}"
                ));
            }
        }
    }
    if log_lines == 0 {
        return Some("accepted without a log signature line".into());
    }
    for w in &notes.witnesses {
        if let Ok(ts) = w.verifier.verify_cosignature(cp) {
            let mut seen = false;
            for line in block.split('\n') {
                let Ok(sig) = NoteSignature::from_bytes(line.as_bytes()) else {
                    continue;
                };
                if sig.name() != w.signer.name() || sig.id() != w.signer.key_id() {
                    continue;
                }
                seen = true;
                let Ok(parsed) = CosignatureLine::parse(line) else {
                    return Some(format!("a verified cosignature line does not parse: {line:?}"));
                };
                if parsed.to_line() != format!("{line}\n") || parsed.timestamp() > MAX_COSIGNATURE_TIMESTAMP {
                    return Some(format!("accepted a non-canonical cosignature line {line:?}"));
                }
                let msg = format!("cosignature/v1\ntime {}\n{body}", parsed.timestamp());
                let ok = sig
                    .signature()
                    .get(8..)
                    .is_some_and(|s| verifies(w.verifier.verifying_key(), msg.as_bytes(), s));
                if !ok {
                    return Some(format!("accepted a cosignature line that does not verify: {line:?}"));
                }
                if parsed.timestamp() > ts {
                    return Some("the reported timestamp is not the latest".into());
                }
            }
            if !seen {
                return Some("a cosignature verified without a line".into());
            }
        }
    }
    // The witness path: add a fresh cosignature, which must verify in turn.
    if rng.chance(1, 8) {
        let w = &notes.witnesses[rng.index(notes.witnesses.len())];
        if let Ok(line) = w.signer.cosign(cp, rng.range(1, MAX_COSIGNATURE_TIMESTAMP)) {
            if let Ok(with) = add_cosignature(bytes, &line) {
                match log.verifier.verify_checkpoint(&with) {
                    Ok(cp2) if cp2.body() == body => {
                        if w.verifier.verify_cosignature(&cp2).is_err() {
                            return Some("an added cosignature does not verify".into());
                        }
                    }
                    Ok(_) => return Some("adding a cosignature changed the body".into()),
                    Err(e) => return Some(format!("adding a cosignature broke the note: {e}")),
                }
            }
        }
    }
    None
}

#[test]
fn fuzz_checkpoint_note() {
    let notes = note_pool();
    fuzzkit::run("fuzz_checkpoint_note", SHORT_SIGNED, |rng| {
        let n = &notes.notes[rng.index(notes.notes.len())];
        let log = &notes.logs[n.log];
        let unmutated = rng.chance(1, 10);
        let bytes = if unmutated {
            n.bytes.clone()
        } else if rng.chance(1, 40) {
            rng.junk(300)
        } else {
            mutated_note(rng, notes, n)
        };
        input(&bytes);
        // A cosignature line on its own, as a witness's reply carries it.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Some(line) = text.lines().rev().find(|l| l.starts_with('\u{2014}')) {
                if let Ok(c) = CosignatureLine::parse(line) {
                    if c.to_line() != format!("{line}\n") || c.timestamp() > MAX_COSIGNATURE_TIMESTAMP {
                        return fail(format!("CosignatureLine::parse accepted a non-canonical line {line:?}"));
                    }
                }
            }
        }
        match log.verifier.verify_checkpoint(&bytes) {
            Ok(cp) => {
                if unmutated {
                    if cp.size() != n.size || *cp.root() != n.root || cp.extension_lines() != n.extensions {
                        return fail("a valid checkpoint decoded to other values");
                    }
                    for w in &n.cosigned_by {
                        if let Err(e) = notes.witnesses[*w].verifier.verify_cosignature(&cp) {
                            return fail(format!("a valid cosignature was refused: {e}"));
                        }
                    }
                }
                match check_accepted_note(notes, log, &bytes, &cp, rng) {
                    Some(why) => fail(why),
                    None => Outcome::Accepted,
                }
            }
            Err(e) if unmutated => fail(format!("a valid checkpoint was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

// ---------------------------------------------------------- verifier keys

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

// ------------------------------------------------------------ tlog-proof

#[test]
fn fuzz_tlog_proof() {
    let notes = note_pool();
    fuzzkit::run("fuzz_tlog_proof", SHORT, |rng| {
        let note = &notes.notes[rng.index(notes.notes.len())];
        let proof = TlogProof {
            extra_data: match rng.below(16) {
                0..=3 => None,
                4 => Some(Vec::new()),
                5 => {
                    let n = MAX_TLOG_PROOF_EXTRA_BYTES - 2 + rng.index(5);
                    Some(rng.vec(n))
                }
                _ => Some(rng.junk(60)),
            },
            index: rng.edgy_u64(),
            inclusion_proof: (0..if rng.chance(1, 20) {
                64 + rng.below(2)
            } else {
                rng.below(8)
            })
                .map(|_| TreeHash(rng.bytes()))
                .collect(),
            checkpoint: String::from_utf8_lossy(&note.bytes).into_owned(),
        };
        let text = proof.to_text();
        let unmutated = rng.chance(1, 8);
        let text = if unmutated {
            text
        } else if rng.chance(1, 4) {
            let mut b = text.into_bytes();
            mutate_bytes(rng, &mut b, &note.bytes);
            match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => return Outcome::Rejected, // the CLI reads the file as UTF-8 text first
            }
        } else {
            let mut t = text;
            mutate_text(
                rng,
                &mut t,
                &["index ", "extra ", "\n\n", "=", "c2sp.org/tlog-proof@v1\n"],
            );
            t
        };
        input(text.as_bytes());
        let valid = proof.inclusion_proof.len() <= 64
            && proof
                .extra_data
                .as_ref()
                .is_none_or(|e| e.len() <= MAX_TLOG_PROOF_EXTRA_BYTES);
        match TlogProof::parse(&text) {
            Ok(p) => {
                let again = p.to_text();
                if again != text {
                    return fail(format!(
                        "accepted a non-canonical tlog-proof; it re-renders as {}",
                        show(again.as_bytes())
                    ));
                }
                if p.extra_data
                    .as_ref()
                    .is_some_and(|e| e.len() > MAX_TLOG_PROOF_EXTRA_BYTES)
                {
                    return fail(format!(
                        "accepted {} bytes of extra data, over the {MAX_TLOG_PROOF_EXTRA_BYTES}-byte limit",
                        p.extra_data.as_ref().map_or(0, Vec::len)
                    ));
                }
                if unmutated && p != proof {
                    return fail("a valid tlog-proof parsed to other values");
                }
                Outcome::Accepted
            }
            Err(e) if unmutated && valid => fail(format!("a valid tlog-proof was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

// ------------------------------------------------------------- tile path

#[test]
fn fuzz_tile_path() {
    fuzzkit::run("fuzz_tile_path", SHORT, |rng| {
        let tile = TileRef {
            kind: if rng.chance(1, 3) {
                TileKind::Entries
            } else {
                TileKind::Hash {
                    level: if rng.chance(1, 4) { 63 } else { rng.below(8) as u8 },
                }
            },
            index: rng.edgy_u64(),
            width: if rng.chance(1, 2) {
                merkle::TILE_WIDTH
            } else {
                1 + rng.below(255) as u32
            },
        };
        let canonical = tile.path();
        let slash = rng.chance(1, 4);
        let path = if slash {
            format!("/{canonical}")
        } else {
            canonical.clone()
        };
        let unmutated = rng.chance(1, 8);
        let path = if unmutated {
            path
        } else {
            let mut p = path;
            mutate_text(
                rng,
                &mut p,
                &[
                    "x", "000", "/", ".p/", "tile/", "entries", "data", "x000/", "999", "256", "64",
                ],
            );
            p
        };
        input(path.as_bytes());
        match parse_tile_path(&path) {
            Ok(t) => {
                let stripped = path.strip_prefix('/').unwrap_or(&path);
                if t.path() != stripped {
                    return fail(format!(
                        "accepted a non-canonical tile path; canonical is {:?}",
                        t.path()
                    ));
                }
                if unmutated && t != tile {
                    return fail("a valid tile path parsed to another tile");
                }
                Outcome::Accepted
            }
            Err(e) if unmutated => fail(format!("a valid tile path was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

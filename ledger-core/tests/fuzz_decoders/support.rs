//! What the targets share: the short-run case counts and the pools of
//! valid values (signed submissions, sequenced entries, signed checkpoint
//! notes with their logs and witnesses) that the targets mutate.

use ledger_core::testkit::fuzz as fuzzkit;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use fuzzkit::{mutate_bytes, mutate_tokens, pool_rng, show, tokenize, tokens_to_bytes, Rng, Tok};
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::{
    add_cosignature, LogSigner, LogVerifier, NoteSignature, WitnessSigner, WitnessVerifier, MAX_COSIGNATURE_TIMESTAMP,
};
use ledger_core::merkle::{TreeHash, EMPTY_TREE_ROOT};
use ledger_core::submission::SignedSubmission;
use std::sync::OnceLock;

/// Short-run cases of the cheap targets (microseconds each in debug).
pub(crate) const SHORT: u64 = 3_000;
/// Short-run cases of the targets that verify signatures.
pub(crate) const SHORT_SIGNED: u64 = 1_000;

// ------------------------------------------------------ postcard pools

/// A valid value, its canonical bytes and their tokens.
pub(crate) struct Seed<T> {
    pub(crate) value: T,
    pub(crate) bytes: Vec<u8>,
    pub(crate) toks: Vec<Tok>,
}

pub(crate) fn submission_pool() -> &'static Vec<Seed<SignedSubmission>> {
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

pub(crate) fn entry_pool() -> &'static Vec<Seed<SequencedEntry>> {
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
pub(crate) enum Made {
    /// A valid seed, unchanged: must decode to its value.
    Unmutated,
    /// Anything else.
    Mutated,
}

/// A mutated input from a pool of postcard seeds: field-level (token)
/// mutations most of the time, byte-level ones on top or alone, and now and
/// then plain random bytes.
pub(crate) fn postcard_input<T>(rng: &mut Rng, pool: &[Seed<T>]) -> (usize, Made, Vec<u8>) {
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

pub(crate) struct Log {
    pub(crate) signer: LogSigner,
    pub(crate) verifier: LogVerifier,
}

pub(crate) struct Witness {
    pub(crate) signer: WitnessSigner,
    pub(crate) key: SigningKey,
    pub(crate) verifier: WitnessVerifier,
}

pub(crate) struct Note {
    pub(crate) log: usize,
    pub(crate) bytes: Vec<u8>,
    /// Origin, size line, root line, extension lines: the body's fields.
    pub(crate) size: u64,
    pub(crate) root: TreeHash,
    pub(crate) extensions: Vec<String>,
    /// Witnesses (indexes) that cosigned it.
    pub(crate) cosigned_by: Vec<usize>,
}

pub(crate) struct Notes {
    pub(crate) logs: Vec<Log>,
    pub(crate) witnesses: Vec<Witness>,
    pub(crate) notes: Vec<Note>,
}

/// Key names (log origins, witness names) that `check_key_name` accepts,
/// from plain to awkward: non-ASCII, the BOM (not a Unicode space), 255 bytes.
pub(crate) fn key_names() -> Vec<String> {
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
pub(crate) fn verifies(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
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

pub(crate) fn render_body(origin: &str, size: u64, root: &TreeHash, extensions: &[String]) -> String {
    let mut body = format!("{origin}\n{size}\n{}\n", BASE64.encode(root.0));
    for e in extensions {
        body.push_str(e);
        body.push('\n');
    }
    body
}

pub(crate) fn note_line(name: &str, id: u32, sig: &[u8]) -> Vec<u8> {
    NoteSignature::new(name.to_owned(), id, sig.to_vec())
        .map(|s| s.to_bytes())
        .unwrap_or_else(|_| format!("\u{2014} {name} AAAA\n").into_bytes())
}

pub(crate) fn cosign_bytes(w: &Witness, ts: u64, body: &str) -> Vec<u8> {
    let sig = w.key.sign(format!("cosignature/v1\ntime {ts}\n{body}").as_bytes());
    let mut payload = ts.to_be_bytes().to_vec();
    payload.extend_from_slice(&sig.to_bytes());
    note_line(w.signer.name(), w.signer.key_id(), &payload)
}

pub(crate) fn gen_extension(rng: &mut Rng) -> String {
    let s: String = fuzzkit::gen_string(rng).chars().filter(|c| *c >= ' ').collect();
    if s.is_empty() {
        "ext".to_owned()
    } else {
        s
    }
}

pub(crate) fn note_pool() -> &'static Notes {
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

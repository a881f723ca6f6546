//! RFC 6962 / RFC 9162 proof test vectors.
//!
//! Reads the copy in `fixtures/testvectors/rfc6962-merkle/` (so the repository
//! is self-contained; its LICENSE travels with it), checks that the copy still
//! equals `../shared/testvectors/rfc6962-merkle/` when that folder exists, and
//! runs every `inclusion/**` and `consistency/**` vector through
//! `ledger_core::merkle::{verify_inclusion, verify_consistency}`: every happy
//! path must verify and every `wantErr` case must be rejected.
//!
//! Not run: `subtreeinclusion/**` and `subtreeconsistency/**`. They test the
//! *subtree* proofs of draft-ietf-plants-merkle-tree-certs (a leaf in the
//! subtree `[start, end)`, a subtree inside a tree), which are a different
//! statement from RFC 9162 proofs about a whole tree head. Even their
//! `start == 0` cases do not coincide at the edges: e.g.
//! `subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-zero-…-proof-is-empty.json`
//! is a happy path, whereas RFC 9162 (and `consistency/additional`) reject a
//! consistency check from size 0. We do not implement subtree proofs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ledger_core::merkle::{root_from_inclusion, verify_consistency, verify_inclusion, TreeHash};
use serde_json::Value;

/// Number of vector files per folder. Pinned so the test cannot pass
/// vacuously on zero files, nor silently skip a folder that moved.
const EXPECTED_INCLUSION: &[(&str, usize)] = &[
    ("inclusion/0", 13),
    ("inclusion/1", 18),
    ("inclusion/2", 18),
    ("inclusion/3", 15),
    ("inclusion/4", 18),
    ("inclusion/additional/0", 3),
    ("inclusion/additional/1", 3),
    ("inclusion/additional/2", 3),
    ("inclusion/additional/3", 3),
    ("inclusion/single-entry", 4),
];
const EXPECTED_CONSISTENCY: &[(&str, usize)] = &[
    ("consistency/0", 1),
    ("consistency/1", 21),
    ("consistency/2", 21),
    ("consistency/3", 20),
    ("consistency/4", 21),
    ("consistency/additional", 14),
];

/// Happy-path vectors our typed API cannot express, with the reason.
///
/// Our API takes roots as 32-byte `TreeHash`es, and the brief requires any
/// base64 value that does not decode to exactly 32 bytes to be rejected. This
/// vector (from the Go `transparency-dev/merkle` suite, where roots are byte
/// slices compared with `bytes.Equal`) uses the 12-byte placeholder roots
/// "don't care 2" to test "equal sizes, empty proof, equal roots ⇒ OK". We
/// check that it is rejected at decoding, *and* that the rule it tests holds
/// with a real 32-byte root (see `deviation_semantics_hold_with_32_byte_roots`).
const DEVIATIONS: &[&str] = &["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/testvectors/rfc6962-merkle")
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testvectors/rfc6962-merkle")
}

/// All `.json` files under `dir`, sorted, as paths relative to `root`.
fn json_files(root: &Path, dir: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &root.join(dir), &mut out);
    out.sort();
    out
}

fn count_per_folder(files: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for f in files {
        let folder = f.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        *counts.entry(folder).or_insert(0) += 1;
    }
    counts
}

fn expected_map(expected: &[(&str, usize)]) -> BTreeMap<String, usize> {
    expected.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect()
}

/// Decodes one base64 hash; anything but exactly 32 bytes is an error.
fn hash(v: &Value, field: &str) -> Result<TreeHash, String> {
    let s = v.as_str().ok_or_else(|| format!("{field}: not a string"))?;
    let bytes = STANDARD.decode(s).map_err(|e| format!("{field}: bad base64: {e}"))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{field}: {} bytes, want 32", b.len()))?;
    Ok(TreeHash(arr))
}

/// `proof` is a list of base64 hashes, or `null` for an empty proof.
fn proof(v: &Value) -> Result<Vec<TreeHash>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, h)| hash(h, &format!("proof[{i}]")))
            .collect(),
        _ => Err("proof: not a list".into()),
    }
}

fn num(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("field {field} is not an unsigned integer: {v}"))
}

fn load(root: &Path, rel: &str) -> Value {
    let text = fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Outcome of one vector: Ok(()) verified, Err(reason) rejected.
fn run_inclusion(v: &Value) -> Result<(), String> {
    let root = hash(&v["root"], "root")?;
    let leaf = hash(&v["leafHash"], "leafHash")?;
    let p = proof(&v["proof"])?;
    let (size, index) = (num(v, "treeSize"), num(v, "leafIdx"));
    let verified = verify_inclusion(&p, size, &root, index, &leaf).map_err(|e| e.to_string());
    // `root_from_inclusion` (receipt batches) must agree on every vector.
    let recomputed = root_from_inclusion(&p, size, index, &leaf);
    assert_eq!(
        verified.is_ok(),
        recomputed == Ok(root),
        "root_from_inclusion disagrees with verify_inclusion on {v}"
    );
    verified
}

fn run_consistency(v: &Value) -> Result<(), String> {
    let root1 = hash(&v["root1"], "root1")?;
    let root2 = hash(&v["root2"], "root2")?;
    let p = proof(&v["proof"])?;
    verify_consistency(&p, num(v, "size1"), &root1, num(v, "size2"), &root2).map_err(|e| e.to_string())
}

struct Tally {
    checked: usize,
    happy: usize,
    rejected_as_wanted: usize,
}

fn run_folder(dir: &str, expected: &[(&str, usize)], run: fn(&Value) -> Result<(), String>) -> Tally {
    let root = fixtures();
    let files = json_files(&root, dir);
    assert_eq!(
        count_per_folder(&files),
        expected_map(expected),
        "vector files per folder under {dir}"
    );
    let mut mismatches = Vec::new();
    let mut tally = Tally {
        checked: 0,
        happy: 0,
        rejected_as_wanted: 0,
    };
    for rel in &files {
        let v = load(&root, rel);
        let want_err = v["wantErr"]
            .as_bool()
            .unwrap_or_else(|| panic!("{rel}: wantErr missing"));
        let got = run(&v);
        tally.checked += 1;
        match (want_err, got) {
            (true, Err(_)) => tally.rejected_as_wanted += 1,
            (false, Ok(())) => tally.happy += 1,
            (true, Ok(())) => mismatches.push(format!("{rel}: wantErr but it verified")),
            (false, Err(e)) if DEVIATIONS.contains(&rel.as_str()) => {
                // Documented above: must fail at decoding, nowhere else.
                assert!(e.contains("bytes, want 32"), "{rel}: unexpected error {e}");
            }
            (false, Err(e)) => mismatches.push(format!("{rel}: happy path rejected: {e}")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatching vector(s):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    tally
}

#[test]
fn inclusion_vectors() {
    let t = run_folder("inclusion", EXPECTED_INCLUSION, run_inclusion);
    assert_eq!((t.checked, t.happy, t.rejected_as_wanted), (98, 6, 92));
}

#[test]
fn consistency_vectors() {
    let t = run_folder("consistency", EXPECTED_CONSISTENCY, run_consistency);
    // 6 happy paths, one of them the documented 12-byte-root deviation.
    assert_eq!((t.checked, t.happy, t.rejected_as_wanted), (98, 5, 92));
}

#[test]
fn deviation_semantics_hold_with_32_byte_roots() {
    for rel in DEVIATIONS {
        let v = load(&fixtures(), rel);
        assert_eq!(v["wantErr"], Value::Bool(false));
        assert!(run_consistency(&v).is_err(), "{rel} must fail decoding");
        // Same sizes and proof, roots replaced by one real 32-byte hash.
        let root = TreeHash([0x42; 32]);
        let p = proof(&v["proof"]).expect("proof decodes");
        verify_consistency(&p, num(&v, "size1"), &root, num(&v, "size2"), &root)
            .unwrap_or_else(|e| panic!("{rel} with 32-byte roots: {e}"));
    }
}

#[test]
fn fixture_copy_matches_shared_vectors() {
    let shared = shared();
    if !shared.exists() {
        // The repository is self-contained; the shared folder is optional.
        return;
    }
    let ours = fixtures();
    assert!(ours.join("LICENSE").is_file(), "LICENSE must travel with the vectors");
    for dir in ["inclusion", "consistency", "subtreeinclusion", "subtreeconsistency"] {
        let a = json_files(&ours, dir);
        let b = json_files(&shared, dir);
        assert_eq!(a, b, "file lists differ under {dir}");
        for rel in &a {
            assert_eq!(
                fs::read(ours.join(rel)).expect("read copy"),
                fs::read(shared.join(rel)).expect("read shared"),
                "{rel} differs from ../shared"
            );
        }
    }
}

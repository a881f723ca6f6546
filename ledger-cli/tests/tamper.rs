//! `ledger verify` on tampered bundles: each fails, names the first bad
//! entry and the rule, and exits 1; a rewritten history against a saved
//! checkpoint writes the fork evidence.

mod common;

use common::{checkpoint, ok, run, sequence, write_bundle};
use ed25519_dalek::SigningKey;
use ledger_demo::{generate, DemoConfig, DemoLog};

struct Fixture {
    log: DemoLog,
    now: u64,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let now = ledger_datadir::clock::now_ms();
    let log = generate(&DemoConfig {
        seed: 7,
        target_entries: 400,
        now_ms: now,
    })
    .expect("demo");
    Fixture {
        log,
        now,
        dir: tempfile::tempdir().expect("tempdir"),
    }
}

impl Fixture {
    fn entries(&self, start: u64) -> Vec<Vec<u8>> {
        let subs: Vec<_> = self
            .log
            .submissions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), start + i as u64))
            .collect();
        sequence(&subs)
    }
    fn vkey(&self) -> String {
        self.log.log_vkey().expect("vkey").to_string()
    }
    fn note(&self, entries: &[Vec<u8>], size: u64) -> String {
        checkpoint(&self.log.origin, &self.log.log_key, entries, size)
    }
    fn bundle(&self, name: &str, entries: &[Vec<u8>], note: &str) -> String {
        let path = self.dir.path().join(name);
        write_bundle(&path, &self.log.origin, &self.vkey(), entries, note);
        path.display().to_string()
    }
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// The needles are English unless `args` starts with `--lang`: the
/// language is pinned, so the machine's locale cannot decide the words.
fn fails_with(args: &[&str], needles: &[&str]) -> String {
    let pinned: Vec<&str> = if args.first() == Some(&"--lang") {
        args.to_vec()
    } else {
        ["--lang", "en"].iter().chain(args).copied().collect()
    };
    let (code, out, err) = run(&pinned);
    assert_eq!(code, 1, "expected exit 1 for {args:?}\nstdout: {out}\nstderr: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in the error for {args:?}: {err}");
    }
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn good_bundle_verifies_and_tampered_ones_fail() {
    let f = fixture();
    let entries = f.entries(f.now);
    let n = entries.len() as u64;
    let note = f.note(&entries, n);
    let good = f.bundle("good.bundle", &entries, &note);
    let vkey = f.vkey();
    let out = ok(&["--lang", "en", "verify", &good, "--log-key", &vkey]);
    assert!(out.contains(&format!("entries:      {n}")), "{out}");
    // In Chinese (the default), line by line.
    let out = ok(&["--lang", "zh", "verify", &good, "--log-key", &vkey]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("OK {good}：每条记录、链接、叶子、签名和规则都成立"));
    assert_eq!(lines[2], format!("  记录数：    {n}"));
    assert_eq!(
        lines[7],
        format!("  检查点：    大小 {n}，其他签名 0 行，已验证的见证副署 0 个")
    );

    // A flipped byte in an entry (the last byte of entry 10's last signature).
    let mut flipped = entries.clone();
    if let Some(b) = flipped[10].last_mut() {
        *b ^= 0x01;
    }
    let path = f.bundle("flipped.bundle", &flipped, &note);
    fails_with(&["verify", &path], &["entry 10", "[signature]"]);
    // The same failure in each language: the verifier's ASCII reason inside
    // the sentence.
    let zh = fails_with(&["--lang", "zh", "verify", &path], &["entry 10", "[signature]"]);
    assert!(zh.starts_with(&format!("ledger: {path}：校验未通过：entry 10")), "{zh}");
    let en = fails_with(&["--lang", "en", "verify", &path], &["entry 10", "[signature]"]);
    assert!(
        en.starts_with(&format!("ledger: {path}: verification failed: entry 10")),
        "{en}"
    );
    // Not a bundle at all: exit 4, the file named.
    let junk = f.path("junk.bundle");
    std::fs::write(&junk, b"not a bundle").expect("write");
    let (code, _, err) = run(&["--lang", "zh", "verify", &junk]);
    assert_eq!(
        (code, err.trim()),
        (4, format!("ledger: {junk} 不是阳光账本的导出包（bundle）").as_str())
    );
    let (code, _, err) = run(&["--lang", "en", "verify", &junk]);
    assert_eq!(
        (code, err.trim()),
        (4, format!("ledger: {junk} is not a Sunshine Ledger bundle").as_str())
    );

    // A flipped byte in an entry's body, so it no longer decodes or signs the same.
    let mut body = entries.clone();
    let mid = body[20].len() / 2;
    body[20][mid] ^= 0x40;
    let path = f.bundle("body.bundle", &body, &note);
    fails_with(&["verify", &path], &["entry 20"]);

    // A dropped entry (header count adjusted so the file itself is well formed).
    let mut dropped = entries.clone();
    dropped.remove(10);
    let path = f.bundle("dropped.bundle", &dropped, &note);
    fails_with(&["verify", &path], &["entry 10", "[link]", "claims sequence 11"]);

    // Two entries swapped.
    let mut swapped = entries.clone();
    swapped.swap(10, 11);
    let path = f.bundle("swapped.bundle", &swapped, &note);
    fails_with(&["verify", &path], &["entry 10", "[link]"]);

    // A checkpoint signed by another key (under the log's origin).
    let other = SigningKey::from_bytes(&[42; 32]);
    let forged = checkpoint(&f.log.origin, &other, &entries, n);
    let path = f.bundle("forged.bundle", &entries, &forged);
    fails_with(&["verify", &path], &["[checkpoint]", "does not verify"]);

    // A genuine checkpoint that does not match the entries: size and root.
    let short = f.note(&entries, n - 1);
    let path = f.bundle("size.bundle", &entries, &short);
    fails_with(&["verify", &path], &["[size_mismatch]"]);
    let other_entries = f.entries(f.now + 1000);
    let wrong_root = f.note(&other_entries, n);
    let path = f.bundle("root.bundle", &entries, &wrong_root);
    fails_with(&["verify", &path], &["[root_mismatch]"]);

    // A truncated file and a file that is no bundle.
    let bytes = std::fs::read(&good).expect("read");
    let truncated = f.path("truncated.bundle");
    std::fs::write(&truncated, &bytes[..bytes.len() - 7]).expect("write");
    fails_with(&["verify", &truncated], &["damaged", "truncated"]);
    let junk = f.path("junk.bundle");
    std::fs::write(&junk, b"hello").expect("write");
    let (code, _, err) = run(&["verify", &junk]);
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = run(&["verify", &f.path("missing.bundle")]);
    assert_eq!(code, 4, "{err}");
    // A pinned key that is not the log's.
    let wrong_vkey = ledger_core::keys::verifier_key_string(&f.log.origin, &other.verifying_key());
    fails_with(
        &["verify", &good, "--log-key", &wrong_vkey],
        &["[checkpoint]", "trusted key"],
    );
}

#[test]
fn rewritten_history_against_a_saved_checkpoint_writes_evidence() {
    let f = fixture();
    let honest = f.entries(f.now);
    let n = honest.len() as u64;
    // The auditor saved the checkpoint of the first 100 entries last month.
    let saved = f.path("saved.checkpoint");
    std::fs::write(&saved, f.note(&honest, 100)).expect("write");
    let good = f.bundle("good.bundle", &honest, &f.note(&honest, n));
    let out = ok(&["--lang", "en", "verify", &good, "--checkpoint", &saved]);
    assert!(out.contains("extends the saved checkpoint of size 100"), "{out}");
    let out = ok(&["--lang", "zh", "verify", &good, "--checkpoint", &saved]);
    assert!(out.contains("  一致性：    延续已保存的大小为 100 的检查点"), "{out}");

    // The log now shows another history (every entry re-sequenced), signed by its real key.
    let rewritten = f.entries(f.now + 5);
    let bundle = f.bundle("rewritten.bundle", &rewritten, &f.note(&rewritten, n));
    ok(&["verify", &bundle]);
    let evidence = f.path("evidence.json");
    let err = fails_with(
        &["verify", &bundle, "--checkpoint", &saved, "--evidence", &evidence],
        &["FORK", "evidence"],
    );
    assert!(err.contains(&evidence), "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&evidence).expect("evidence")).expect("json");
    let older = doc["older_checkpoint"].as_str().expect("older");
    let newer = doc["newer_checkpoint"].as_str().expect("newer");
    assert!(older.contains("\n100\n"), "{older}");
    assert!(newer.contains(&format!("\n{n}\n")), "{newer}");
    assert!(!doc["consistency_proof"].as_array().expect("proof").is_empty());

    // The evidence holds: both notes verify against the log key, and the newer
    // tree's root at size 100 (proved by the consistency proof) differs.
    let verifier = ledger_core::checkpoint::LogVerifier::from_vkey(&f.vkey()).expect("verifier");
    let a = verifier.verify_checkpoint(older.as_bytes()).expect("older verifies");
    let b = verifier.verify_checkpoint(newer.as_bytes()).expect("newer verifies");
    let proof: Vec<_> = doc["consistency_proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| {
            ledger_core::merkle::TreeHash(
                ledger_core::encoding::Bytes::<32>::from_hex(h.as_str().expect("hex"))
                    .expect("hash")
                    .0,
            )
        })
        .collect();
    let root_at = ledger_core::merkle::TreeHash(
        ledger_core::encoding::Bytes::<32>::from_hex(doc["newer_root_at_older_size"].as_str().expect("root"))
            .expect("hash")
            .0,
    );
    ledger_core::merkle::verify_consistency(&proof, a.size(), &root_at, b.size(), b.root())
        .expect("the newer tree commits to root_at");
    assert_ne!(&root_at, a.root());

    // Default evidence path: next to the bundle.
    fails_with(&["verify", &bundle, "--checkpoint", &saved], &["FORK"]);
    assert!(std::path::Path::new(&format!("{bundle}.fork-evidence.json")).exists());
}

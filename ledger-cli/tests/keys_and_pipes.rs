//! Small promises of the command line (issue 14, item 7): `keygen` writes the
//! `NAME.vkey` the docs pass to `grant`, and a closed standard output
//! (`ledger verify FILE | head`) ends the command quietly with 141, as
//! `cat` or `grep` end, not with a panic and a backtrace.

mod common;

use common::{checkpoint, ok, run, sequence, write_bundle};
use ledger_demo::{generate, DemoConfig};
use std::process::Stdio;

#[test]
fn keygen_writes_the_vkey_beside_the_key_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("shihe-op.key");
    let key = key.to_str().expect("utf-8 path");
    let printed = ok(&["keygen", "--out", key]);
    let vkey_path = dir.path().join("shihe-op.vkey");
    let written = std::fs::read_to_string(&vkey_path).expect("shihe-op.vkey written");
    assert_eq!(written, printed, "the file holds exactly the printed verifier key");
    assert!(written.starts_with("shihe-op+"), "{written}");
    assert_eq!(written.lines().count(), 1);
    // The verifier key is public: readable by others (unlike the 0600 key).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(std::path::Path::new(key)), 0o600);
        assert_ne!(mode(&vkey_path) & 0o044, 0, "the vkey is readable by others");
    }
    // What `grant --grantee "$(cat shihe-op.vkey)"` parses is the key itself.
    let (_, parsed) = ledger_core::keys::parse_verifier_key(written.trim()).expect("a verifier key");
    let (_, signing) = ledger_datadir::keyfile::read_signing_key(std::path::Path::new(key)).expect("key file");
    assert_eq!(parsed, signing.verifying_key());

    // A second keygen to another key name whose .vkey exists is refused
    // (exit 4), and writes no key file either.
    let other = dir.path().join("shihe-op.secret");
    let (code, out, err) = run(&["keygen", "--out", other.to_str().expect("utf-8")]);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert!(err.contains("shihe-op.vkey 已存在（请换一个 --out）"), "{err}");
    assert!(!other.exists(), "no key written when its vkey cannot be");
    assert_eq!(
        std::fs::read_to_string(&vkey_path).expect("vkey"),
        printed,
        "the old vkey is untouched"
    );

    // The pseudonym key has no verifier key, so no .vkey.
    let pseudonym = dir.path().join("pseudonym.key");
    ok(&["keygen", "--out", pseudonym.to_str().expect("utf-8"), "--pseudonym"]);
    assert!(!dir.path().join("pseudonym.vkey").exists());
}

/// `ledger ARGS` with its standard output closed before it prints: the
/// reader of `| head` that went away. Returns (exit code, stderr).
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
        .arg("--quiet")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ledger");
    // Close the read end at once: the command has not started printing yet
    // (it still has to start and verify), so its first print meets EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_verify_quietly_with_141() {
    let now = ledger_datadir::clock::now_ms();
    let log = generate(&DemoConfig {
        seed: 7,
        target_entries: 300,
        now_ms: now,
    })
    .expect("demo");
    let subs: Vec<_> = log
        .submissions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), now + i as u64))
        .collect();
    let entries = sequence(&subs);
    let note = checkpoint(&log.origin, &log.log_key, &entries, entries.len() as u64);
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("demo.bundle");
    let vkey = log.log_vkey().expect("vkey").to_string();
    write_bundle(&bundle, &log.origin, &vkey, &entries, &note);
    let bundle = bundle.to_str().expect("utf-8");

    // With a reader the same command succeeds and prints its report.
    assert!(ok(&["--lang", "en", "verify", bundle]).contains("entries:"));
    assert!(ok(&["--lang", "zh", "verify", bundle]).contains("记录数："));

    let (code, err) = with_closed_stdout(&["verify", bundle]);
    assert_eq!(code, Some(141), "stderr: {err}");
    assert_eq!(err, "", "no panic message, no backtrace");

    // A real failure still speaks: a missing file is exit 4 with one line,
    // closed stdout or not.
    let missing = dir.path().join("missing.bundle");
    let (code, err) = with_closed_stdout(&["verify", missing.to_str().expect("utf-8")]);
    assert_eq!(code, Some(4), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ledger: "), "{err}");
}

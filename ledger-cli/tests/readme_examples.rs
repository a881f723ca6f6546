//! README.md's examples run as written (issue 14, item 7): every command of
//! each ```` ```sh title="demo" ```` block of README.md is run, in order, with
//! `sh`, against a demo node started here, from a folder where the node's
//! data folder is `sunshine-demo/` (as `ledger-node --demo` makes it), and
//! must exit 0. Only the node's address is rewritten (the README's
//! `http://127.0.0.1:8080` is this node's). The checks are on exit codes and
//! on files and stable fields, not on the wording of messages, which the
//! Chinese message catalogue may change.

mod common;

use common::TestNode;
use std::path::Path;

/// The README's address of the demo node.
const README_NODE: &str = "http://127.0.0.1:8080";

/// The commands of the `sh title="demo"` blocks, in order: a command and
/// its continuation lines (ending in `\`) together, as `sh` reads them.
fn demo_commands(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut current = String::new();
    for line in readme.lines() {
        let trimmed = line.trim_start();
        if !in_block {
            in_block = trimmed.starts_with("```sh title=\"demo\"");
            continue;
        }
        if trimmed.starts_with("```") {
            in_block = false;
            continue;
        }
        current.push_str(line);
        if line.trim_end().ends_with('\\') {
            current.push('\n');
            continue;
        }
        if !current.trim().is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.clear();
    }
    out
}

#[test]
fn the_readme_block_parser_keeps_commands_whole() {
    let text = "intro\n```sh\nledger not-this\n```\n```sh title=\"demo\"\nledger a --x 1   # note\nledger b \\\n  --y 2\n```\n";
    assert_eq!(
        demo_commands(text),
        vec![
            "ledger a --x 1   # note".to_string(),
            "ledger b \\\n  --y 2".to_string()
        ]
    );
}

#[test]
fn readme_demo_examples_run_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).expect("README.md");
    let commands = demo_commands(&readme);
    // The blocks README.md marks: keygen, grant, query, export, verify, audit, prove.
    let first_words: Vec<&str> = commands.iter().filter_map(|c| c.split_whitespace().nth(1)).collect();
    assert_eq!(
        first_words,
        ["keygen", "grant", "query", "export", "verify", "audit", "prove"],
        "{commands:#?}"
    );

    let node = TestNode::start_demo(3_000);
    let work = tempfile::tempdir().expect("tempdir");
    // `ledger` on PATH, and the node's data folder where --demo puts it.
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ledger"), bin.join("ledger")).expect("symlink ledger");
    std::os::unix::fs::symlink(&node.data, work.path().join("sunshine-demo")).expect("symlink data");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
    );
    for command in &commands {
        let script = command.replace(README_NODE, &node.url);
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(work.path())
            .env("PATH", &path)
            // A Chinese office's machine: the messages' default language.
            .env("LC_ALL", "zh_CN.UTF-8")
            .output()
            .expect("sh");
        assert_eq!(
            output.status.code(),
            Some(0),
            "README example failed:\n{command}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        match command.split_whitespace().nth(1) {
            Some("keygen") => assert!(stdout.starts_with("shihe-op+"), "{stdout}"),
            Some("verify") => assert!(stdout.contains(&format!("记录数：    {}", node.size())), "{stdout}"),
            _ => {}
        }
    }
    // What the examples leave behind: the key pair, and the bundle.
    for file in ["shihe-op.key", "shihe-op.vkey", "ledger.bundle"] {
        assert!(work.path().join(file).is_file(), "{file}");
    }
    // The grant took effect: the log grew by one entry (the grant).
    assert_eq!(
        node.get_json("/v1/entries?start=3000&limit=1")["entries"][0]["kind"],
        "key_grant"
    );
}

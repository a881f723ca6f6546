//! Every `Examples:` line of every `ledger … --help` is run against a demo
//! node (issue 14 item 7: the `--help` examples must not mislead).
//!
//! `src/cli/help_examples.rs` checks that each example *parses*; this runs
//! them. The help texts are read from the built binary (`ledger --help`,
//! then every subcommand listed under `Commands:`), so a new example is run
//! as soon as it is written — and this test fails until [`EXPECTED`] says
//! how it must end: exit 0, the documented refusal code with the reason,
//! or why it cannot run against a demo node at all. Nothing is skipped
//! silently.
//!
//! How an example is run: with `sh`, from a fresh folder per help text (the
//! examples of one help run in order there, as a reader would type them),
//! with the node's address in place of `URL` and `http://127.0.0.1:8080`,
//! `$LOG_VKEY` set to the demo log's key, and the key files the examples
//! name (`op.key`, `admin-1.key`, `town.key` …) copied from the demo's
//! `keys/` by the holder the example means ([`KEY_FILES`]) — except a file
//! the help itself creates with `--out`. The placeholders of a household
//! reference (`3f2a…e9`, the prefix `3f2a91c0`) and of a finding id are
//! replaced by a real one of the demo.
//!
//! The examples run in the order of the help, against one node: later
//! ones see what earlier ones posted (the `post project` example creates
//! the project the `review` and `cancel` examples and `query project` use).

mod common;

use common::TestNode;
use std::path::Path;

/// How an example must end.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exit 0.
    Ok,
    /// The documented refusal code, and why the demo refuses it.
    Refused(i32, &'static str),
    /// Not run, and why.
    NotRun(&'static str),
}

use Expect::{NotRun, Ok, Refused};

/// Why the examples that need an office's own spreadsheet are not run: the
/// batch paths are run on generated files by `tests/post_sheets.rs` and
/// `tests/post_check.rs`.
const OFFICE_FILE: &str = "needs the office's own spreadsheet or list (not part of the demo); the same command is run on generated files by post_sheets.rs/post_check.rs/controls.rs/contacts.rs/audit_compare.rs";

/// Every example (its start, unique enough) and how it must end. Checked
/// in order: the first entry whose text starts the example decides.
const EXPECTED: &[(&str, Expect)] = &[
    // ledger --help
    ("ledger keygen --out op.key", Ok),
    ("ledger post --node URL --key op.key csv 2019-06-低保.csv", NotRun(OFFICE_FILE)),
    ("ledger export --node URL --out ledger.bundle", Ok),
    ("ledger verify ledger.bundle --checkpoint saved.checkpoint", Ok),
    ("ledger audit ledger.bundle --format table", Ok),
    // keygen
    ("ledger keygen --out shihe-op.key --name shihe-op", Ok),
    ("ledger keygen --out pseudonym.key --pseudonym", Ok),
    ("ledger keygen --out jiwei.key --witness", Ok),
    // grant (after the keygen of its own help)
    ("ledger grant --node URL --key admin-1.key --key admin-2.key --grantee", Ok),
    ("ledger revoke --node URL --key admin-1.key --revoked old-op.key", Ok),
    (
        "ledger policy-update ",
        NotRun("needs the office's policy file; policy updates are run by genesis_policy.rs"),
    ),
    (
        "ledger rotate-log-key ",
        NotRun("needs `ledger-node prepare-rotation` on the node's data folder, and would change the key every later example checks against; run by roundtrip.rs"),
    ),
    (
        "ledger genesis ",
        NotRun("starts a new log (the demo already has its genesis) from the district's division list; run by genesis_policy.rs"),
    ),
    // post (the generic examples; the demo's accounts decide the refusals)
    (
        "ledger post --node URL --key op.key transfer --fund F2019-SCN-012",
        Refused(3, "overdraft: the demo has already passed all of F2019-SCN-012 down from the district treasury"),
    ),
    (
        "ledger post --node URL --key op.key subsidy",
        Refused(3, "overdraft: 平桥镇's treasury (320803101000) holds nothing of F2019-SCS-023 in the demo"),
    ),
    (
        "ledger post --node URL --key op.key reversal --seq 1234",
        Refused(3, "overdraft: the project that entry 1234 paid has spent the money since, so the node refuses to reverse it"),
    ),
    ("ledger post --node URL --key village.key notice --id N-APP-1", NotRun(OFFICE_FILE)),
    (
        "ledger post --node URL --key village.key confirm --seq 1234",
        Refused(3, "not_a_payment: demo entry 1234 is a transfer, not a household payment"),
    ),
    ("ledger post --node URL --key op.key csv 2019-06.csv", NotRun(OFFICE_FILE)),
    ("ledger post --node URL --key op.key entry --json transfer.json", NotRun(OFFICE_FILE)),
    (
        "ledger post --node URL --key op.key fund-issue --fund F2019-SCN-012",
        Refused(3, "duplicate_fund: the demo issued F2019-SCN-012 already"),
    ),
    ("ledger post --node URL --key op.key project --id P2019-101201-01", Ok),
    (
        "ledger post --node URL --key op.key disbursement",
        Refused(3, "overdraft: the new project has no approved budget yet"),
    ),
    (
        "ledger post --node URL --key op.key --key deputy.key reversal --seq 1234",
        Refused(3, "overdraft, as the reversal above"),
    ),
    ("ledger post --node URL --key village.key --key town.key notice", NotRun(OFFICE_FILE)),
    (
        "ledger post --node URL --key town.key check",
        Refused(3, "not_publicized: the demo has no notice N-320803101201-2019-APP"),
    ),
    (
        "ledger post --node URL --key town.key register",
        Refused(3, "malformed: the demo household put in for 3f2a…e9 lives in another village (320803101213)"),
    ),
    (
        "ledger post --node URL --key town.key exit",
        Refused(3, "not_publicized: the demo has no notice N-320803101201-2020-EXIT"),
    ),
    (
        "ledger post --node URL --key inspector.key objection",
        Refused(3, "unknown_target: the demo has no notice N-320803101201-2019-06-PAY"),
    ),
    (
        "ledger post --node URL --key inspector.key resolve",
        Refused(3, "unknown_objection: the objection example above was refused"),
    ),
    ("ledger post --node URL --key poverty.key contacts", NotRun(OFFICE_FILE)),
    ("ledger post --node URL --key town.key review --project P2019-101201-01", Ok),
    (
        "ledger post --node URL --key poverty.key --key finance.key approve",
        Refused(3, "not_publicized: the project's plan notice is not in the demo"),
    ),
    (
        "ledger post --node URL --key town.key start",
        Refused(3, "stage_order: the project was not approved (above)"),
    ),
    (
        "ledger post --node URL --key town.key --key finance.key accept",
        Refused(3, "stage_order: the project was not started"),
    ),
    (
        "ledger post --node URL --key town.key handover",
        Refused(3, "stage_order: the project was not accepted"),
    ),
    (
        "ledger post --node URL --key poverty.key evaluate",
        Refused(3, "stage_order: the project was not handed over"),
    ),
    (
        "ledger post --node URL --key poverty.key --key finance.key adjust",
        Refused(3, "stage_order: the project was not approved"),
    ),
    ("ledger post --node URL --key poverty.key cancel --project P2019-101201-01", Ok),
    ("ledger --lang zh post --node URL --key 镇财政所.key --key 镇扶贫办.key csv", NotRun(OFFICE_FILE)),
    ("ledger post --node URL --key 镇财政所.key --key 镇扶贫办.key csv", NotRun(OFFICE_FILE)),
    // cosign: the three lines are one story, run in order
    ("ledger post --origin O --key op.key --out t.json transfer", Ok),
    ("ledger cosign t.json --key deputy.key", Ok),
    // submit: the signed project of the setup (below), posted as it is
    ("ledger submit t.json --node URL --receipts receipts.jsonl", Ok),
    (
        "ledger submit t.json --node URL",
        Refused(3, "overdraft: the co-signed transfer is refused as the transfer example above"),
    ),
    // export, verify, audit, prove
    (
        "ledger export --data /srv/ledger",
        NotRun("reads a stopped node's data folder; the demo node is running (export from a folder is run by roundtrip.rs)"),
    ),
    ("ledger verify ledger.bundle --checkpoint last-month.checkpoint", Ok),
    ("ledger verify ledger.bundle", Ok),
    ("ledger audit ledger.bundle --format json --out findings.json", Ok),
    ("ledger audit ledger.bundle --format csv --standards standards.json", NotRun(OFFICE_FILE)),
    ("ledger audit ledger.bundle --pseudonym-key pseudonym.key --compare", NotRun(OFFICE_FILE)),
    ("ledger audit ledger.bundle", Ok),
    ("ledger prove --node URL --seq 1234", Ok),
    ("ledger prove --node URL --household", Ok),
    ("ledger prove --proof 1234.tlog-proof", Ok),
    ("ledger prove --bundle ledger.bundle --finding", Ok),
    ("ledger prove --bundle ledger.bundle --household", Ok),
    // query: every one runs
    ("ledger query --node URL ", Ok),
    // witness
    (
        "ledger witness serve ",
        NotRun("a server: it runs until stopped (run by witness_serve.rs)"),
    ),
    ("ledger witness --node URL --key jiwei.key --state jiwei.state.json", Ok),
    ("ledger witness --key jiwei.key --state s.json --node URL --print-vkey", Ok),
    // slips
    (
        "ledger slips ",
        NotRun("reads the receipts file of a batch posted from an office's spreadsheet; run by post_sheets.rs"),
    ),
];

/// The demo key file each key name of the examples stands for (the table
/// `--demo` prints, `keys/持钥人.txt`).
const KEY_FILES: &[(&str, &str)] = &[
    ("op.key", "operator-1.key"),         // 淮安区财政局农业科 (区财政局)
    ("finance.key", "operator-1.key"),    // 区财政局
    ("deputy.key", "operator-3.key"),     // 区分管领导
    ("poverty.key", "operator-4.key"),    // 区扶贫办
    ("镇财政所.key", "operator-8.key"),   // 平桥镇财政所
    ("town.key", "operator-27.key"),      // 平桥镇扶贫办
    ("镇扶贫办.key", "operator-27.key"),  // 平桥镇扶贫办
    ("inspector.key", "operator-42.key"), // 纪检监察
    ("village.key", "operator-43.key"),   // 前庄村委会
    ("old-op.key", "operator-62.key"),    // 陈华村委会: the key the revoke example revokes
    ("jiwei.key", "operator-42.key"),     // the witness example signs with the inspector's key
    ("admin-1.key", "admin-1.key"),
    ("admin-2.key", "admin-2.key"),
    ("pseudonym.key", "pseudonym.key"),
];

/// `ledger ARGS --help` of the built binary.
fn help(path: &[String]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
        .args(path)
        .arg("--help")
        .output()
        .expect("ledger --help");
    assert!(output.status.success(), "ledger {path:?} --help");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The subcommands listed under `Commands:` (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The example command lines of one help text: a command and its
/// continuation lines (ending in `\`) joined, `# comments` kept (sh drops
/// them), lines not starting with `ledger ` left out (another program's).
fn examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in help.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("Examples:") || trimmed.starts_with("Example:") || trimmed.starts_with("示例") {
            in_block = true;
            continue;
        }
        if !in_block {
            continue;
        }
        if trimmed.is_empty() && pending.is_empty() {
            in_block = false;
            continue;
        }
        if pending.is_empty() && !trimmed.starts_with("ledger ") {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(t) => {
                pending.push_str(t.trim_end());
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                out.push(std::mem::take(&mut pending));
            }
        }
    }
    out
}

/// Every help text with its command path, depth first (`ledger`, then
/// `ledger keygen`, …).
fn all_helps(path: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let text = help(&path);
    let subs = subcommands(&text);
    out.push((path.clone(), text));
    for sub in subs {
        let mut p = path.clone();
        p.push(sub);
        all_helps(p, out);
    }
}

/// The example with the node's address in place of the reader's.
fn normalised(example: &str) -> String {
    example.replace("http://127.0.0.1:8080", "URL")
}

fn expectation(example: &str) -> Option<(usize, Expect)> {
    let text = normalised(example);
    EXPECTED
        .iter()
        .enumerate()
        .find(|(_, (start, _))| text.starts_with(start))
        .map(|(i, (_, e))| (i, *e))
}

#[test]
fn the_example_reader_joins_lines_and_skips_other_programs() {
    assert_eq!(
        examples("Examples:\n  ledger-node prepare-rotation > r.txt\n  ledger a \\\n    --b c   # note\n  ledger d\n\nExit codes: 0"),
        ["ledger a --b c   # note", "ledger d"]
    );
    assert_eq!(
        subcommands("Usage: x\n\nCommands:\n  keygen  Create\n  help    Print\n\nOptions:\n  -q"),
        ["keygen"]
    );
    assert!(matches!(
        expectation("ledger witness serve --key k"),
        Some((_, NotRun(_)))
    ));
    assert!(expectation("ledger frobnicate").is_none());
}

#[test]
fn every_help_example_runs_against_the_demo_as_its_help_says() {
    let node = TestNode::start_demo(3_000);
    let log_vkey = node.log_vkey();
    let bin = Path::new(env!("CARGO_BIN_EXE_ledger"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
    );

    // What the examples read that an office would have made before: a
    // bundle, a saved checkpoint, an audit report, a proof file.
    let setup = tempfile::tempdir().expect("tempdir");
    let s = |name: &str| setup.path().join(name).display().to_string();
    common::ok(&[
        "export",
        "--node",
        &node.url,
        "--out",
        &s("ledger.bundle"),
        "--log-key",
        &log_vkey,
    ]);
    common::ok(&[
        "verify",
        &s("ledger.bundle"),
        "--log-key",
        &log_vkey,
        "--save-checkpoint",
        &s("saved.checkpoint"),
    ]);
    std::fs::copy(s("saved.checkpoint"), s("last-month.checkpoint")).expect("copy");
    common::ok(&[
        "audit",
        &s("ledger.bundle"),
        "--format",
        "json",
        "--out",
        &s("findings.json"),
    ]);
    common::ok(&[
        "prove",
        "--node",
        &node.url,
        "--seq",
        "1234",
        "--log-key",
        &log_vkey,
        "--out",
        &s("1234.tlog-proof"),
    ]);
    // A signed submission written for a co-signer, as `ledger submit`'s
    // example sends it: a project the district's finance office may post.
    common::ok(&[
        "post",
        "--node",
        &node.url,
        "--key",
        &node.key("operator-1.key"),
        "--out",
        &s("t.json"),
        "project",
        "--id",
        "P2019-106201-09",
        "--name",
        "葛庄村道路硬化工程",
        "--village",
        "320803106201",
        "--category",
        "village_road",
        "--budget",
        "100,000",
        "--implementer",
        "施河镇人民政府",
        "--start",
        "2019-04-01",
        "--end",
        "2019-10-28",
    ]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s("findings.json")).expect("findings")).expect("json");
    let finding = report["report"]["findings"][0]["id"]
        .as_str()
        .expect("a finding id")
        .to_string();
    // A household the demo paid (the first household payment from entry 1000).
    let page = node.get_json("/v1/entries?start=1000&limit=1000");
    let household = page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find_map(|e| e.pointer("/body/HouseholdSubsidy/household").and_then(|h| h.as_str()))
        .expect("a household payment")
        .to_string();

    let mut helps = Vec::new();
    all_helps(Vec::new(), &mut helps);
    let mut used = vec![false; EXPECTED.len()];
    let mut unclassified = Vec::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut not_run = Vec::new();
    for (path, text) in &helps {
        let block = examples(text);
        if block.is_empty() {
            continue;
        }
        // A fresh folder per help text, with what it reads.
        let work = tempfile::tempdir().expect("tempdir");
        let w = work.path();
        let made_here = |name: &str| block.iter().any(|e| e.contains(&format!("--out {name}")));
        for file in [
            "ledger.bundle",
            "saved.checkpoint",
            "last-month.checkpoint",
            "findings.json",
            "1234.tlog-proof",
            "t.json",
        ] {
            if !made_here(file) {
                std::fs::copy(setup.path().join(file), w.join(file)).expect("copy setup");
            }
        }
        for (name, demo_file) in KEY_FILES {
            if made_here(name) {
                continue; // the help makes it itself
            }
            let to = w.join(name);
            std::fs::copy(Path::new(&node.key(demo_file)), &to).expect("copy key");
            // Copies keep the 0600 a key file must have.
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        for example in &block {
            let Some((index, expect)) = expectation(example) else {
                unclassified.push(format!("ledger {}: {example}", path.join(" ")));
                continue;
            };
            used[index] = true;
            let (want, why) = match expect {
                NotRun(why) => {
                    not_run.push(format!("{example}\n    not run: {why}"));
                    continue;
                }
                Ok => (0, ""),
                Refused(code, why) => (code, why),
            };
            let script = example
                .replace("http://127.0.0.1:8080", &node.url)
                .replace(" URL ", &format!(" {} ", node.url))
                .replace("3f2a…e9", &household)
                .replace("3f2a91c0", &household[..8])
                .replace("F-2f6d8a64c5fa", &finding);
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .current_dir(w)
                .env("PATH", &path_var)
                .env("LOG_VKEY", &log_vkey)
                .env("LC_ALL", "zh_CN.UTF-8")
                .output()
                .expect("sh");
            ran += 1;
            let code = output.status.code().unwrap_or(-1);
            if code != want {
                failures.push(format!(
                    "ledger {}: {example}\n  exit {code}, expected {want} {why}\n  stderr: {}",
                    path.join(" "),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
        }
    }
    assert!(
        unclassified.is_empty(),
        "examples EXPECTED does not classify:\n{}",
        unclassified.join("\n")
    );
    assert!(
        failures.is_empty(),
        "help examples that do not end as their help says:\n{}",
        failures.join("\n")
    );
    // (The witness server's help may leave `ledger` for its own crate,
    // issue 18: its rows may then match nothing.)
    let stale: Vec<&str> = EXPECTED
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((start, _), _)| *start)
        .filter(|start| !start.starts_with("ledger witness serve"))
        .collect();
    assert!(
        stale.is_empty(),
        "EXPECTED entries no example matches any more: {stale:?}"
    );
    // The examples not run, with why (shown with `--nocapture`).
    eprintln!(
        "{} help examples not run against the demo:\n{}",
        not_run.len(),
        not_run.join("\n")
    );
    // Most examples really ran (a reader that found none would pass).
    assert!(ran >= 45, "only {ran} examples ran");
}

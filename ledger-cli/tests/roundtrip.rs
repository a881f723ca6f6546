//! The whole round trip against a real node (in this process): keygen,
//! grant, fund issue and transfer from flags, a CSV batch (rerun safely),
//! export (node and data folder), verify, audit of the clean demo, proofs,
//! queries and the witness.

mod common;

use common::{issue_and_move, ok, resident_id, run, town_with_villages, FundSetup, TestNode};

const DAY_MS: u64 = 24 * 3600 * 1000;
/// The business date of what this test posts: February 2019, before the
/// demo's controls start (2019-03-01), so its subsidies load as history
/// without registration or payment list (and the audit reports them).
const DEMO_DATE: &str = "2019-02-20";

// The one wall clock of every binary (ledger-datadir), not a copy of it.
use ledger_datadir::clock::now_ms;

/// Entries of the demo the node loads.
const DEMO_ENTRIES: u64 = 600;

/// The last business date of the demo the node loads, from the demo itself
/// (the same generator, seed and size as `ledger_node::demo`), so a
/// deliberate change of the demo's timeline does not break this test.
fn demo_last_date() -> ledger_core::ids::Date {
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: ledger_node::demo::DEMO_SEED,
        target_entries: DEMO_ENTRIES,
        now_ms: now_ms(),
    })
    .expect("demo");
    log.submissions
        .iter()
        .filter_map(|s| s.submission.body.business_date())
        .max()
        .expect("the demo has dated entries")
}

#[test]
fn keygen_grant_post_csv_export_verify_audit_prove_witness() {
    let wdir = tempfile::tempdir().expect("tempdir");
    let witness_key = wdir.path().join("jiwei.key").display().to_string();
    let witness_vkey = ok(&["keygen", "--out", &witness_key, "--name", "jiwei", "--witness"])
        .trim()
        .to_string();
    let mut node = TestNode::start_demo_with(DEMO_ENTRIES, std::slice::from_ref(&witness_vkey));
    let url = node.url.clone();
    let vkey = node.log_vkey();
    let (town, villages) = town_with_villages(2);
    let (v1, v2) = (villages[0], villages[1]);
    let (town, v1, v2) = (town.to_string(), v1.to_string(), v2.to_string());

    // keygen: 0600 file, verifier key on stdout; never overwrites.
    let op_key = node.path("new-op.key");
    let op_vkey = ok(&["keygen", "--out", &op_key, "--name", "new-op"]).trim().to_string();
    assert!(op_vkey.starts_with("new-op+"), "{op_vkey}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&op_key).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(run(&["keygen", "--out", &op_key]).0, 4);

    // grant: the demo policy needs two admin signatures for a grant.
    let (admin1, admin2) = (node.key("admin-1.key"), node.key("admin-2.key"));
    let (code, _, err) = run(&[
        "grant",
        "--node",
        &url,
        "--key",
        &admin1,
        "--grantee",
        &op_vkey,
        "--holder",
        "测试镇财政所 王*明",
        "--role",
        "operator",
        "--office",
        "镇财政所",
        "--region",
        &town,
    ]);
    assert_eq!(code, 3, "one admin signature is refused by the node: {err}");
    assert!(err.contains("missing_cosignature"), "{err}");
    let receipt = ok(&[
        "grant",
        "--node",
        &url,
        "--key",
        &admin1,
        "--key",
        &admin2,
        "--grantee",
        &op_vkey,
        "--holder",
        "测试镇财政所 王*明",
        "--role",
        "operator",
        "--office",
        "镇财政所",
        "--region",
        &town,
        "--kinds",
        "household_subsidy,reversal",
    ]);
    assert!(receipt.contains("\"kind\":\"key_grant\""), "{receipt}");
    // The demo's policy has a household payment co-signed by the town's
    // poverty-alleviation office (五签字): a second key, granted the same way.
    let poverty_key = node.path("new-poverty.key");
    let poverty_vkey = ok(&["keygen", "--out", &poverty_key, "--name", "new-poverty"])
        .trim()
        .to_string();
    ok(&[
        "grant",
        "--node",
        &url,
        "--key",
        &admin1,
        "--key",
        &admin2,
        "--grantee",
        &poverty_vkey,
        "--holder",
        "测试镇扶贫办 李*华",
        "--role",
        "operator",
        "--office",
        "镇扶贫办",
        "--region",
        &town,
        "--kinds",
        "household_subsidy",
    ]);

    // A fund and a transfer from flags, by the district operator.
    let district_op = node.key("operator-1.key");
    // Business dates inside the demo's history (2019-2020), so the
    // age-based audit rules see one consistent timeline.
    issue_and_move(&FundSetup {
        url: &url,
        key: &district_op,
        fund: "F2019-TEST-001",
        title: "测试救助资金",
        document_no: "淮区财社〔2019〕99号",
        town: &town,
        moved: "20000",
        memo: "拨付测试救助资金",
        date: DEMO_DATE,
    });

    // A CSV batch: three households, Chinese headers.
    let csv = node.path("2019-02-低保.csv");
    let rows = format!(
        "身份证号,姓名,村代码,类别,金额,期间\n{},张小三,{v1},最低生活保障,500,2019-02\n{},李四,{v1},minimum_living,\"1,200.50\",2019-02\n{},欧阳建华,{v2},最低生活保障,660,2019-02\n",
        resident_id("19800101", 101),
        resident_id("19750615", 102),
        resident_id("19621230", 103),
    );
    std::fs::write(&csv, rows).expect("csv");
    let pseudonym = node.key("pseudonym.key");
    let until = (now_ms() + 3 * DAY_MS).to_string();
    let before = node.size();
    let out = ok(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "--valid-until",
        &until,
        "csv",
        &csv,
        "--pseudonym-key",
        &pseudonym,
        "--fund",
        "F2019-TEST-001",
        "--date",
        DEMO_DATE,
    ]);
    assert!(out.contains("3 payment(s) posted, 2,360.50 元"), "{out}");
    assert_eq!(node.size(), before + 3);
    let receipts = format!("{csv}.receipts.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&receipts)
        .expect("receipts")
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 7, "header + 3 receipts + 3 payment slips: {lines:?}");
    for line in &lines {
        assert!(!line.contains("19800101"), "no resident ID in receipts");
    }

    // Rerun: nothing to post (receipts on file).
    let out = ok(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "csv",
        &csv,
        "--pseudonym-key",
        &pseudonym,
        "--fund",
        "F2019-TEST-001",
    ]);
    // The pre-flight finds every row's payment in the log: nothing is sent.
    assert!(out.contains("this file's content was posted on"), "{out}");
    // Rerun without the receipts file but with the same window: the same.
    let receipts2 = node.path("again.jsonl");
    let out = ok(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "--valid-until",
        &until,
        "--receipts",
        &receipts2,
        "csv",
        &csv,
        "--pseudonym-key",
        &pseudonym,
        "--fund",
        "F2019-TEST-001",
        "--date",
        DEMO_DATE,
    ]);
    assert_eq!(node.size(), before + 3, "nothing posted twice");
    let seqs = |path: &str| -> Vec<u64> {
        std::fs::read_to_string(path)
            .expect("receipts")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["seq"].as_u64())
            .collect()
    };
    let posted = seqs(&receipts);
    let (lo, hi) = (posted.iter().min().expect("seq"), posted.iter().max().expect("seq"));
    assert!(
        out.contains(&format!("(3 payment(s), entries {lo}-{hi}): nothing posted now")),
        "{out}"
    );
    // Rerun with another window (and no receipts): refused by nonce, still not posted twice.
    let receipts3 = node.path("third.jsonl");
    let out = ok(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "--receipts",
        &receipts3,
        "csv",
        &csv,
        "--pseudonym-key",
        &pseudonym,
        "--fund",
        "F2019-TEST-001",
    ]);
    assert!(out.contains("this file's content was posted on"), "{out}");
    assert_eq!(node.size(), before + 3);
    // Rerun with the receipts lost and without --date (so dated today, not
    // 2020-12-31): the date is not part of a row's nonce, so the node
    // refuses the replay and nobody is paid twice.
    let receipts4 = node.path("fourth.jsonl");
    let out = ok(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "--valid-until",
        &until,
        "--receipts",
        &receipts4,
        "csv",
        &csv,
        "--pseudonym-key",
        &pseudonym,
        "--fund",
        "F2019-TEST-001",
    ]);
    assert!(out.contains("this file's content was posted on"), "{out}");
    assert_eq!(node.size(), before + 3, "a different date does not post twice");

    // A bad row: named by line, nothing posted.
    let bad = node.path("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "resident_id,name,village,category,amount,period\n{},王五,{v1},最低生活保障,300,2019-02\n110105194912310021,赵六,{v1},最低生活保障,300,2019-02\n",
            resident_id("19900101", 104)
        ),
    )
    .expect("csv");
    let (code, _, err) = run(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "csv",
        &bad,
        "--pseudonym-key",
        &pseudonym,
        "--fund",
        "F2019-TEST-001",
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains(
            "bad.csv: row 3, column A (resident_id): not a valid resident ID (resident ID check digit is wrong (expected X)): check it"
        ),
        "{err}"
    );
    assert!(err.contains("nothing posted"), "{err}");
    assert_eq!(node.size(), before + 3);
    // A wrong pseudonym key is refused before anything is posted.
    let wrong = node.path("wrong-pseudonym.key");
    ok(&["keygen", "--out", &wrong, "--pseudonym"]);
    let (code, _, err) = run(&[
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &op_key,
        "--key",
        &poverty_key,
        "csv",
        &csv,
        "--pseudonym-key",
        &wrong,
        "--fund",
        "F2019-TEST-001",
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("not this log's key"), "{err}");

    // Export, verify, audit (the demo plus these entries is clean).
    let bundle = node.path("ledger.bundle");
    let out = ok(&[
        "--lang",
        "en",
        "export",
        "--node",
        &url,
        "--out",
        &bundle,
        "--log-key",
        &vkey,
    ]);
    assert!(out.contains(&format!("exported {} entries", node.size())), "{out}");
    // An output folder that does not exist: exit 4, one line naming the
    // file, in each language.
    let nowhere = node.path("无此目录/ledger.bundle");
    for (lang, creating) in [("zh", "无法创建"), ("en", "creating")] {
        let (code, _, err) = run(&[
            "--lang",
            lang,
            "export",
            "--node",
            &url,
            "--out",
            &nowhere,
            "--log-key",
            &vkey,
        ]);
        assert_eq!(
            (code, err.trim()),
            (
                4,
                format!("ledger: {creating} {nowhere}: No such file or directory (os error 2)").as_str()
            )
        );
    }
    let saved = node.path("saved.checkpoint");
    let out = ok(&["verify", &bundle, "--log-key", &vkey, "--save-checkpoint", &saved]);
    assert!(out.starts_with("OK "), "{out}");
    let report = ok(&["audit", &bundle, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&report).expect("json");
    let findings = report["report"]["findings"].as_array().expect("findings");
    // None of the abuse patterns is in the demo. What is reported is its
    // timeline and its history: the age-based rules count business dates
    // (a 600-entry prefix of the demo stops before many allocations were
    // paid out), and the payments the demo imports from before its
    // policy's controls are pre-rule history (unregistered, unpublicised,
    // unconfirmed; three project payments of spring 2019).
    let timeline_or_history = [
        "idle_funds",
        "village_retention",
        "paid_unregistered",
        "paid_without_notice",
        "paid_before_window_end",
        "paid_under_objection",
        "paid_above_notice",
        "missing_role",
        "registered_without_procedure",
        "unconfirmed_payment",
        // The demo's three project payments of spring 2019, before the
        // project rules (2019-07-01): paid before approval, to another
        // company, over the budget (and so into the retention before the
        // acceptance; issue 13).
        "pre_rule_history",
        "project_paid_before_approval",
        "project_payee_not_contracted",
        "project_overrun",
        "project_final_before_acceptance",
        // 资金滞留: the demo's idle lots (a district reserve, leftovers of
        // reversed payments, a budget cut, a cancelled project's money).
        "idle_money",
    ];
    let abuse: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| !timeline_or_history.contains(&f["rule"].as_str().unwrap_or("")))
        .collect();
    assert!(
        abuse.is_empty(),
        "the clean demo has findings: {}",
        serde_json::to_string_pretty(&abuse).unwrap_or_default()
    );
    // The test's own entries are February 2019 history: the latest business
    // date is the demo's own last.
    let last = demo_last_date();
    assert_eq!(
        report["report"]["as_of_date"],
        last.get(),
        "the demo's last business date"
    );
    let table = ok(&["audit", &bundle]);
    assert!(
        table.contains(&format!("时限类规则按业务日期计，截至 {last}")),
        "{}",
        table.lines().next().unwrap_or("")
    );
    let csv_report = ok(&["audit", &bundle, "--format", "csv"]);
    // UTF-8 with a BOM (Excel on Chinese Windows), the finding id first.
    assert!(csv_report.starts_with("\u{feff}id,rule,"), "{csv_report}");

    // Resume: a partial export continues where it stopped.
    let bytes = std::fs::read(&bundle).expect("bundle");
    let partial = node.path("partial.bundle");
    std::fs::write(&partial, &bytes[..bytes.len() * 2 / 3]).expect("write");
    ok(&["export", "--node", &url, "--out", &partial, "--log-key", &vkey]);
    assert_eq!(std::fs::read(&partial).expect("partial"), bytes);

    // Prove one of the new subsidies, online and offline.
    let seq = seqs(&receipts)[0].to_string();
    let proof_file = node.path("entry.tlog-proof");
    let out = ok(&[
        "--lang",
        "en",
        "prove",
        "--node",
        &url,
        "--seq",
        &seq,
        "--log-key",
        &vkey,
        "--out",
        &proof_file,
    ]);
    assert!(out.contains("included"), "{out}");
    assert!(
        out.ends_with(&format!(
            "wrote the offline proof to {proof_file} (check it with: ledger prove --proof {proof_file} --log-key VKEY)\n"
        )),
        "{out}"
    );
    let out = ok(&["--lang", "en", "prove", "--proof", &proof_file, "--log-key", &vkey]);
    assert!(out.contains(&format!("entry {seq}")), "{out}");
    // The same check in Chinese: the first line names the entry.
    let out = ok(&["--lang", "zh", "prove", "--proof", &proof_file, "--log-key", &vkey]);
    assert!(out.starts_with(&format!("第 {seq} 条：")), "{out}");
    assert!(out.contains("  ✓ 根 "), "{out}");
    // A household the node never saw: exit 3, one line, in each language.
    let unknown = "ab".repeat(32);
    let (code, _, err) = run(&["--lang", "zh", "prove", "--node", &url, "--household", &unknown]);
    assert_eq!(
        (code, err.trim()),
        (3, format!("ledger: 节点上没有户号 {unknown} 的记录").as_str())
    );
    let (code, _, err) = run(&["--lang", "en", "prove", "--node", &url, "--household", &unknown]);
    assert_eq!(
        (code, err.trim()),
        (
            3,
            format!("ledger: the node has no entries for household {unknown}").as_str()
        )
    );
    let (code, _, err) = run(&["--lang", "zh", "prove", "--node", &url]);
    assert_eq!(
        (code, err.trim()),
        (
            2,
            "ledger: 请给 --seq N、--household REF，或 --resident-id ID --pseudonym-key FILE"
        )
    );
    let out = ok(&[
        "--lang",
        "en",
        "prove",
        "--node",
        &url,
        "--resident-id",
        &resident_id("19800101", 101),
        "--pseudonym-key",
        &pseudonym,
        "--log-key",
        &vkey,
    ]);
    assert!(out.contains("张*三") || out.contains("all 1 entries"), "{out}");

    // Queries print tables with Chinese names and yuan.
    let out = ok(&["query", "--node", &url, "log"]);
    assert!(out.contains("淮安区阳光扶贫资金账本"), "{out}");
    let out = ok(&["query", "--node", &url, "entries", "--start", "0", "--limit", "3"]);
    assert!(out.contains("创世"), "{out}");
    let out = ok(&["query", "--node", &url, "village", &v1]);
    assert!(out.contains("1,200.50") || out.contains("张*三"), "{out}");

    // Witness: first use, then after the log grew (consistency proof checked).
    let state = node.path("jiwei.state.json");
    let line = ok(&[
        "witness",
        "--node",
        &url,
        "--key",
        &witness_key,
        "--state",
        &state,
        "--log-key",
        &vkey,
    ]);
    assert!(line.starts_with("— jiwei "), "{line}");
    ok(&[
        "post",
        "--node",
        &url,
        "--key",
        &district_op,
        "transfer",
        "--fund",
        "F2019-TEST-001",
        "--from",
        "treasury:320803000000",
        "--to",
        &format!("treasury:{town}"),
        "--amount",
        "100",
        "--memo",
        "追加拨付",
    ]);
    let cosigned = node.path("cosigned.checkpoint");
    let line = ok(&[
        "witness",
        "--node",
        &url,
        "--key",
        &witness_key,
        "--state",
        &state,
        "--out",
        &cosigned,
    ]);
    assert!(line.starts_with("— jiwei "), "{line}");
    let witness_vkey = ok(&[
        "witness",
        "--node",
        &url,
        "--key",
        &witness_key,
        "--state",
        &state,
        "--print-vkey",
    ])
    .trim()
    .to_string();
    // The saved checkpoint from before is extended by today's log.
    let bundle2 = node.path("ledger2.bundle");
    ok(&["export", "--node", &url, "--out", &bundle2, "--checkpoint", &cosigned]);
    let out = ok(&[
        "--lang",
        "en",
        "verify",
        &bundle2,
        "--checkpoint",
        &saved,
        "--witness",
        &witness_vkey,
        "--min-witnesses",
        "1",
    ]);
    assert!(out.contains("1 verified witness cosignature"), "{out}");

    // Export a stopped node's data folder directly.
    let size = node.size();
    node.stop();
    let offline = node.path("offline.bundle");
    let out = ok(&[
        "--lang",
        "en",
        "export",
        "--data",
        &node.data.display().to_string(),
        "--out",
        &offline,
    ]);
    assert!(out.contains(&format!("exported {size} entries")), "{out}");
    ok(&["verify", &offline, "--log-key", &vkey]);
}

#[test]
fn network_and_usage_errors_have_their_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x.bundle").display().to_string();
    let (code, _, err) = run(&[
        "export",
        "--node",
        "http://127.0.0.1:9",
        "--out",
        &out,
        "--timeout",
        "2",
    ]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, _, err) = run(&["export", "--node", "ftp://x", "--out", &out]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(&["verify"]);
    assert_eq!(code, 2);
    let commands: &[&[&str]] = &[
        &["keygen"],
        &["grant"],
        &["revoke"],
        &["rotate-log-key"],
        &["policy-update"],
        &["genesis"],
        &["post"],
        &["post", "csv"],
        &["post", "subsidy"],
        &["post", "transfer"],
        &["post", "reversal"],
        &["post", "notice"],
        &["post", "check"],
        &["post", "register"],
        &["post", "exit"],
        &["post", "objection"],
        &["post", "resolve"],
        &["post", "confirm"],
        &["cosign"],
        &["submit"],
        &["export"],
        &["verify"],
        &["audit"],
        &["prove"],
        &["query"],
        &["query", "village"],
        &["witness"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let (code, out, _) = run(&args);
        assert_eq!(code, 0, "{command:?}");
        assert!(
            out.contains("Example") && out.contains("Exit codes"),
            "{command:?} --help lacks an example: {out}"
        );
    }
}

#[test]
fn prove_with_a_pinned_key_follows_a_log_key_rotation() {
    let node = TestNode::start_demo(300);
    let url = node.url.clone();
    let old_vkey = node.log_vkey();
    ok(&["prove", "--node", &url, "--seq", "5", "--log-key", &old_vkey]);

    // Rotate the log key as an operator would: the node prepares the next
    // key and its endorsement by the current one, the admins post it.
    let config = common::test_config(&node.data, 300, &[]);
    let (new_vkey, endorsement) = ledger_node::server::prepare_rotation(&config).expect("prepare rotation");
    ok(&[
        "rotate-log-key",
        "--node",
        &url,
        "--key",
        &node.key("admin-1.key"),
        "--key",
        &node.key("admin-2.key"),
        "--vkey",
        &new_vkey,
        "--endorsement",
        &endorsement,
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while node.log_vkey() != new_vkey {
        assert!(
            std::time::Instant::now() < deadline,
            "the node never signed with the new key"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // The checkpoint is now signed by the new key; the key pinned before the
    // rotation still proves entries, through the endorsed rotation (as
    // `ledger verify` follows it), and so does the new key.
    let out = ok(&[
        "--lang",
        "en",
        "prove",
        "--node",
        &url,
        "--seq",
        "5",
        "--log-key",
        &old_vkey,
    ]);
    assert!(out.contains("entry 5:"), "{out}");
    ok(&["prove", "--node", &url, "--seq", "5", "--log-key", &new_vkey]);

    // A key the log never used leads nowhere: exit 1, saying why.
    let stranger = node.path("stranger.key");
    let stranger_vkey = ok(&[
        "keygen",
        "--out",
        &stranger,
        "--name",
        new_vkey.split('+').next().unwrap_or_default(),
    ])
    .trim()
    .to_string();
    let (code, _, err) = run(&["prove", "--node", &url, "--seq", "5", "--log-key", &stranger_vkey]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("而节点没有列出从固定的密钥"), "{err}");
}

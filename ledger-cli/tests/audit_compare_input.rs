//! Issue 16, the inputs: every bad list (check digit, date form, missing
//! column, duplicate row, undecodable bytes) gives one line naming file,
//! row and column, exit 4 and nothing audited; `--skip-bad` counts what it
//! skips; a wrong key or a bundle that does not verify stops the audit; and
//! the 优亲厚友 lead appears only with a roster. Fixture: tests/audit16.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit16;
mod common;

use audit16::*;
use common::{ok, run};

#[test]
fn bad_input_is_named_and_nothing_is_audited() {
    let (f, _) = build(true);
    let good = write_lists(&f, true);
    let cases: Vec<(&str, String, &str, &[u8])> = vec![
        (
            "deceased",
            "bad_check.csv".into(),
            "bad_check.csv row 3 column 身份证号码: check digit is wrong",
            b"",
        ),
        (
            "deceased",
            "bad_date.csv".into(),
            "bad_date.csv row 2 column 死亡日期: not a date",
            b"",
        ),
        (
            "deceased",
            "no_column.csv".into(),
            "no_column.csv: missing column 死亡日期",
            b"",
        ),
        (
            "deceased",
            "dup.csv".into(),
            "dup.csv row 3 column 身份证号码: duplicate of row 2",
            b"",
        ),
        (
            "public_employee",
            "binary.csv".into(),
            "binary.csv: neither UTF-8 nor GB18030/GBK text",
            b"",
        ),
    ];
    let mut bad_id = id(5);
    let last = bad_id.pop().unwrap();
    bad_id.push(if last == '0' { '1' } else { '0' });
    let contents: Vec<Vec<u8>> = vec![
        format!(
            "身份证号码,姓名,死亡日期\n{},某甲,2019-01-01\n{bad_id},钱五,2019-02-01\n",
            id(901)
        )
        .into_bytes(),
        format!("身份证号码,姓名,死亡日期\n{},钱五,02/01/2019\n", id(5)).into_bytes(),
        format!("身份证号码,姓名,日期\n{},钱五,2019-02-01\n", id(5)).into_bytes(),
        format!(
            "身份证号码,姓名,死亡日期\n{},钱五,2019-02-01\n{},钱五,2019-02-01\n",
            id(5),
            id(5)
        )
        .into_bytes(),
        vec![0xff, 0xfe, 0x00, 0x81, 0x30, 0x0a],
    ];
    for ((kind, name, message, _), bytes) in cases.iter().zip(contents) {
        let p = path(&f, name);
        std::fs::write(&p, bytes).unwrap();
        let list = format!("{kind}={}", p.display());
        let lists = vec![good[2].clone(), list];
        let (code, out, err) = run(&audit_args(&f, &lists, &["--format", "json"]));
        assert_eq!(code, 4, "{name}: {err}");
        assert!(out.is_empty(), "{name}: audited anyway: {out}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(message), "{name}: {err}");
        for serial in [5, 901] {
            assert!(
                !err.contains(&id(serial)) && !err.contains(&bad_id),
                "{name}: clear ID in {err}"
            );
        }
    }
    // --skip-bad: the bad row skipped and counted; the rest audited.
    let lists = vec![format!("deceased={}", path(&f, "bad_check.csv").display())];
    let json = ok(&audit_args(&f, &lists, &["--format", "json", "--skip-bad"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["lists"][0]["rows"], 2);
    assert_eq!(doc["lists"][0]["skipped"], 1);
    assert_eq!(doc["lists"][0]["people"], 1);
    // Usage: no key, a bad kind; a key that is not the log's.
    let (code, _, err) = run(&["audit", &f.bundle, "--compare", &good[0]]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&audit_args(&f, &["pets=x.csv".to_string()], &[]));
    assert_eq!(code, 2, "{err}");
    let other = path(&f, "other.key");
    std::fs::write(&other, hex::encode([3u8; 32])).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (code, out, err) = run(&[
        "audit",
        &f.bundle,
        "--pseudonym-key",
        other.to_str().unwrap(),
        "--compare",
        &good[0],
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(out.is_empty() && err.contains("假名密钥文件不是这个账本的"), "{err}");
    // A bundle that does not verify is never audited.
    let mut bytes = std::fs::read(&f.bundle).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    let bad = path(&f, "tampered.bundle");
    std::fs::write(&bad, bytes).unwrap();
    let bad_s = bad.display().to_string();
    let mut args = audit_args(&f, &good, &["--format", "json"]);
    args[1] = &bad_s;
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    // Nor one that fails only after the last entry (the checkpoint covers
    // one more entry than the bundle holds): the one pass has shown the
    // auditor every entry, but no report is written.
    let bytes = std::fs::read(&f.bundle).unwrap();
    let view = ledger_core::bundle::parse_bundle(&bytes).unwrap();
    let kept: Vec<Vec<u8>> = view.entries[..view.entries.len() - 1]
        .iter()
        .map(|e| e.to_vec())
        .collect();
    let short = path(&f, "short.bundle");
    common::write_bundle(
        &short,
        &view.header.origin,
        &view.header.log_vkey,
        &kept,
        &view.header.checkpoint,
    );
    let (short_s, report) = (short.display().to_string(), path(&f, "short.json"));
    let report_s = report.display().to_string();
    let mut args = audit_args(&f, &good, &["--format", "json", "--out", &report_s]);
    args[1] = &short_s;
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty() && err.contains("[size_mismatch]"), "{err}");
    assert!(!report.exists());
}

#[test]
fn favouritism_lead_only_with_a_roster() {
    let (f, p) = build(true);
    let roster = path(&f, "roster.csv");
    std::fs::write(
        &roster,
        format!("区划代码,姓名,职务\n{V1},赵大,村支书\n{V1},钱二,村会计\n{TOWN},孙某,镇扶贫办\n"),
    )
    .unwrap();
    let json = ok(&[
        "audit",
        &f.bundle,
        "--format",
        "json",
        "--roster",
        roster.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let leads: Vec<&serde_json::Value> = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "favouritism_lead")
        .collect();
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead = leads[0];
    assert_eq!(lead["lead"], true);
    assert_eq!(lead["severity"], "low");
    assert_eq!(lead["region"], V1);
    // 东村's cadres are 赵 and 钱, the town's 孙: 赵四 900 + 950, 钱五 300 +
    // 400 and 孙六 350 (2,900 元, 967 元 a household) against 张一, 李二 and
    // 王三 (1,000 元, 333 元 a household).
    let entries: Vec<u64> = lead["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_u64().unwrap())
        .collect();
    assert_eq!(entries.len(), 5, "{lead}");
    for s in p.split.iter().chain([&p.after_death, &p.public_employee]) {
        assert!(entries.contains(s), "{lead}");
    }
    assert_eq!(lead["amount"], 290_000);
    assert!(
        lead["explanation_zh"].as_str().unwrap().starts_with("线索（非认定）"),
        "{lead}"
    );
    // Without a roster, no lead; a bad roster is named.
    let json = ok(&["audit", &f.bundle, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let leads = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "favouritism_lead")
        .count();
    assert_eq!(leads, 0);
    std::fs::write(&roster, "区划代码,姓名\n3208,赵大\n").unwrap();
    let (code, out, err) = run(&["audit", &f.bundle, "--roster", roster.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
    assert!(
        out.is_empty() && err.contains("roster.csv row 2 column 区划代码"),
        "{err}"
    );
}

//! Issue 16 end to end: a ledger with every new rule planted — a household
//! paid in two villages for one period, a back-dated payment, a payment
//! split below the co-signature threshold, payments after a death on the
//! deceased list, a public employee's and a car owner's household assisted —
//! and the three lists written by the test as CSV UTF-8 (BOM), CSV GBK and
//! .xlsx. The audit yields exactly the expected findings of these rules
//! (rule, entries, amount, household, list rows), each finding's prove
//! commands work, and the clean ledger yields none. Bad input and the
//! roster: audit_compare_input.rs; the fixture: tests/audit16. (Round
//! amounts and contractor splitting: ledger-audit tests/patterns.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit16;
mod common;

use audit16::*;
use common::{ok, run};

#[test]
fn every_planted_finding_and_no_other() {
    let (f, p) = build(true);
    let lists = write_lists(&f, true);
    let json_path = path(&f, "report.json").display().to_string();
    ok(&audit_args(&f, &lists, &["--format", "json", "--out", &json_path]));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let href = &f.href;
    let mut want: Vec<Row> = vec![
        (
            "two_villages_same_period".into(),
            "high".into(),
            p.two_villages.clone(),
            Some(60_000),
            Some(href(2)),
            vec![],
        ),
        (
            "back_dated".into(),
            "medium".into(),
            vec![p.back_dated],
            Some(20_000),
            Some(href(3)),
            vec![],
        ),
        (
            "split_below_threshold".into(),
            "high".into(),
            p.split.clone(),
            Some(185_000),
            Some(href(4)),
            vec![],
        ),
        (
            "paid_after_death".into(),
            "high".into(),
            vec![p.after_death],
            Some(40_000),
            Some(href(5)),
            vec!["deceased.csv:3".into()],
        ),
        (
            "public_employee".into(),
            "high".into(),
            vec![p.public_employee],
            Some(35_000),
            Some(href(6)),
            vec!["财政供养人员.csv:3".into()],
        ),
        (
            "vehicle_owner".into(),
            "medium".into(),
            vec![p.vehicle],
            Some(25_000),
            Some(href(7)),
            vec!["vehicles.xlsx:2".into(), "vehicles.xlsx:3".into()],
        ),
    ];
    want.sort();
    assert_eq!(new_rule_findings(&doc), want);
    // The lists as read.
    let summary: Vec<(String, String, u64, u64, u64)> = doc["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["encoding"].as_str().unwrap().to_string(),
                l["rows"].as_u64().unwrap(),
                l["skipped"].as_u64().unwrap(),
                l["people"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("deceased".into(), "UTF-8 (BOM)".into(), 3, 0, 3),
            ("public_employee".into(), "GB18030".into(), 2, 0, 2),
            ("vehicle".into(), "xlsx".into(), 3, 0, 1),
        ]
    );
    // Money by source and by month (business dates), for the HTML report.
    assert_eq!(
        doc["report"]["sources"],
        serde_json::json!([{"source": "provincial", "label": "省级财政", "amount": 10_000_000}])
    );
    let months: Vec<(u64, u64, u64, u64)> = doc["report"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_u64().unwrap(),
                m["issued"].as_u64().unwrap(),
                m["transferred"].as_u64().unwrap(),
                m["households"].as_u64().unwrap(),
            )
        })
        .collect();
    // January: 张一 500, 钱五 300 and 王三's back-dated 200; March: 钱五 400;
    // April: 350 + 250 + 260; May: 300 + 300; June: 900 + 950 (business dates).
    assert_eq!(
        months,
        vec![
            (201901, 10_000_000, 5_000_000, 100_000),
            (201903, 0, 0, 40_000),
            (201904, 0, 0, 86_000),
            (201905, 0, 0, 60_000),
            (201906, 0, 0, 185_000),
        ]
    );
    // Which clock each rule counts with.
    let clock = |id: &str| {
        doc["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["clock"].clone())
            .unwrap()
    };
    assert_eq!(clock("back_dated"), "both");
    assert_eq!(clock("paid_after_death"), "business");
    assert_eq!(clock("public_employee"), "none");
    assert_eq!(clock("shared_payee"), "log_order");
    // No clear ID anywhere in the report.
    let text = std::fs::read_to_string(&json_path).unwrap();
    for serial in [5, 6, 7, 8, 901, 903] {
        assert!(!text.contains(&id(serial)), "clear ID {serial} in the report");
    }
    // Findings name the household in full, in Chinese and English.
    let death = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "paid_after_death")
        .unwrap();
    assert!(
        death["explanation_zh"]
            .as_str()
            .unwrap()
            .contains(&format!("户{}", href(5))),
        "{death}"
    );
    assert!(
        death["explanation_zh"].as_str().unwrap().contains("死亡日期2019-02-01"),
        "{death}"
    );
    assert_eq!(
        (death["rule_zh"].as_str(), death["severity_zh"].as_str()),
        (Some("死亡后发放"), Some("高"))
    );

    // Every new finding's prove commands work: the finding, then each entry.
    for finding in doc["report"]["findings"].as_array().unwrap() {
        if !RULES.contains(&finding["rule"].as_str().unwrap_or("")) {
            continue;
        }
        let fid = finding["id"].as_str().unwrap();
        let cmds = &doc["prove"][fid];
        let mut all: Vec<String> = vec![cmds["finding"].as_str().unwrap().to_string()];
        all.extend(
            cmds["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string()),
        );
        for cmd in all {
            let mut args: Vec<&str> = cmd.split(' ').collect();
            assert_eq!(args.remove(0), "ledger");
            if args.contains(&"--finding") {
                args.extend_from_slice(&["--report", &json_path]);
            }
            // The messages this test reads are the English ones.
            args.splice(0..0, ["--lang", "en"]);
            let out = ok(&args);
            for seq in finding["entries"].as_array().unwrap() {
                if args.contains(&"--finding") {
                    assert!(out.contains(&format!("entry {seq}:")), "{out}");
                }
            }
            assert!(out.contains("is included"), "{out}");
        }
    }
    // --finding without --report audits the bundle again (default settings,
    // no lists): the back-dated finding is found; a list finding is not.
    let back = doc["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "back_dated")
        .unwrap();
    let out = ok(&[
        "--lang",
        "en",
        "prove",
        "--bundle",
        &f.bundle,
        "--log-key",
        &f.vkey,
        "--finding",
        back["id"].as_str().unwrap(),
    ]);
    assert!(out.contains(&format!("entry {}:", p.back_dated)), "{out}");
    let death_id = death["id"].as_str().unwrap();
    let (code, _, err) = run(&[
        "--lang",
        "en",
        "prove",
        "--bundle",
        &f.bundle,
        "--log-key",
        &f.vkey,
        "--finding",
        death_id,
    ]);
    assert_eq!(code, 4, "{err}");
    // A household by a prefix; too short and ambiguous prefixes refused.
    let h5 = href(5);
    let out = ok(&[
        "--lang",
        "en",
        "prove",
        "--bundle",
        &f.bundle,
        "--log-key",
        &f.vkey,
        "--household",
        &h5[..10],
    ]);
    assert!(out.contains(&format!("household {h5}: 2 entries")), "{out}");
    let (code, _, err) = run(&["prove", "--bundle", &f.bundle, "--household", &h5[..7]]);
    assert_eq!(code, 2, "{err}");

    // Other forms: CSV with a BOM and the ids; English table; HTML without URLs.
    let csv = ok(&audit_args(&f, &lists, &["--format", "csv"]));
    assert!(csv.starts_with('\u{feff}'), "no BOM");
    assert!(csv.contains(death_id) && csv.contains("死亡后发放"), "{csv}");
    let table = ok(&audit_args(&f, &lists, &["--lang", "en"]));
    assert!(
        table.contains("paid after death") && table.contains(death_id),
        "{table}"
    );
    let table = ok(&audit_args(&f, &lists, &[]));
    assert!(table.contains("死亡后发放") && table.contains("高"), "{table}");
    let (code, _, err) = run(&audit_args(&f, &lists, &["--format", "html"]));
    assert_eq!(code, 2, "--format html needs --out: {err}");
    let html_path = path(&f, "report.html");
    ok(&audit_args(
        &f,
        &lists,
        &["--format", "html", "--out", html_path.to_str().unwrap()],
    ));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_no_external_urls(&html);
    assert!(
        html.contains("阳光账本 审计报告") && html.contains(&f.vkey) && html.contains("<svg"),
        "html"
    );
    assert!(html.contains(death_id) && html.contains("deceased.csv:3"));
    for serial in [5, 6, 7] {
        assert!(!html.contains(&id(serial)));
    }
    // It renders in headless Chromium where there is one (CI has Debian's).
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if std::path::Path::new(&chromium).exists() {
        let png = path(&f, "page.png");
        let status = std::process::Command::new(&chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--window-size=794,1123"])
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", html_path.display()))
            .output()
            .unwrap()
            .status;
        assert!(status.success());
        let bytes = std::fs::read(&png).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{} bytes",
            bytes.len()
        );
    }
}

#[test]
fn clean_ledger_has_none() {
    let (f, _) = build(false);
    let lists = write_lists(&f, false);
    let json = ok(&audit_args(&f, &lists, &["--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(new_rule_findings(&doc), vec![]);
}

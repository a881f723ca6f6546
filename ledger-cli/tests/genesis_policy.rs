//! `ledger genesis` builds the policy (issue 12): the defaults with
//! co-signature rules naming offices and the enforcement date, or a whole
//! policy from JSON; a malformed rule or policy is refused before anything
//! is signed, naming the problem.

mod common;

use common::{ok, run};

struct Setup {
    _dir: tempfile::TempDir,
    admin: String,
    log_vkey: String,
    pseudonym: String,
    regions: String,
    path: std::path::PathBuf,
}

const ORIGIN: &str = "genesis.test.example/ledger";

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let p = |n: &str| path.join(n).display().to_string();
    let admin = p("admin.key");
    ok(&["keygen", "--out", &admin, "--name", "admin-1"]);
    let log_vkey = ok(&["keygen", "--out", &p("log.key"), "--name", ORIGIN])
        .trim()
        .to_string();
    let pseudonym = p("pseudonym.key");
    ok(&["keygen", "--out", &pseudonym, "--pseudonym"]);
    let regions = p("regions.txt");
    std::fs::write(
        &regions,
        "320803000000 淮安区\n320803101000 施河镇\n320803101201 王桥村委会\n",
    )
    .expect("regions");
    Setup {
        _dir: dir,
        admin,
        log_vkey,
        pseudonym,
        regions,
        path,
    }
}

fn genesis(s: &Setup, out: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "genesis",
        "--origin",
        ORIGIN,
        "--title",
        "测试账本",
        "--regions",
        &s.regions,
        "--key",
        &s.admin,
        "--log-vkey",
        &s.log_vkey,
        "--pseudonym-key",
        &s.pseudonym,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn policy_of(out: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(out).expect("genesis file");
    let signed: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    signed["submission"]["body"]["Genesis"]["policy"].clone()
}

#[test]
fn default_policy_with_offices_and_enforcement_date() {
    let s = setup();
    let out = s.path.join("g.json").display().to_string();
    let (code, _, err) = genesis(
        &s,
        &out,
        &[
            "--cosign-rule",
            "household_subsidy:0:2:镇扶贫办+town_finance",
            "--cosign-rule",
            "transfer:500000:2",
            "--enforced-from",
            "2019-07-01",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let policy = policy_of(&out);
    assert_eq!(
        policy["cosign_rules"][0]["roles"],
        serde_json::json!(["TownPovertyOffice", "TownFinance"])
    );
    assert_eq!(policy["cosign_rules"][1]["roles"], serde_json::json!([]));
    assert_eq!(policy["confirmation_days"], 30);
    assert_eq!(policy["publicity_days"]["payment_list"], 7);
    assert_eq!(policy["enforced_from"]["registration"], 20190701);
    assert_eq!(policy["enforced_from"]["confirmation"], 20190701);
    // The project library's rules follow the same date; no retention share,
    // the default fund time limits.
    assert_eq!(policy["enforced_from"]["projects"], 20190701);
    assert_eq!(policy["retention_bp"], 0);
    assert_eq!(
        policy["fund_limits"],
        serde_json::json!({"district_days": 30, "town_days": 30, "village_days": 30, "project_days": 90})
    );
    let categories: Vec<String> = policy["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["category"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(categories, ["MinimumLiving", "RegisteredLowIncome", "ExtremePoverty"]);
    assert_eq!(policy["categories"][1]["ends_with_exit"], true);
    assert_eq!(
        policy["categories"][0]["subsidies"],
        serde_json::json!(["MinimumLiving"])
    );
    // The admin key's office.
    let text = std::fs::read_to_string(&out).expect("genesis file");
    assert!(text.contains("\"office\":\"Admin\""), "{text}");

    // The same policy from its JSON form.
    let file = s.path.join("policy.json");
    std::fs::write(&file, serde_json::to_string(&policy).expect("json")).expect("write");
    let out2 = s.path.join("g2.json").display().to_string();
    let (code, _, err) = genesis(&s, &out2, &["--policy", &file.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(policy_of(&out2), policy);

    // The same file as a policy update, signed offline.
    let out3 = s.path.join("update.json").display().to_string();
    let file = file.display().to_string();
    ok(&[
        "policy-update",
        "--origin",
        ORIGIN,
        "--key",
        &s.admin,
        "--out",
        &out3,
        "--policy",
        &file,
    ]);
    let text = std::fs::read_to_string(&out3).expect("update file");
    let signed: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    assert_eq!(signed["submission"]["body"]["PolicyUpdate"]["policy"], policy);
}

#[test]
fn bad_rules_and_policies_are_refused_before_signing() {
    let s = setup();
    let out = s.path.join("g.json").display().to_string();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--cosign-rule", "household_subsidy:0:1:镇扶贫办+镇财政所"],
            2,
            "列了 2 个岗位，但只需要 1 个签名",
        ),
        (
            &["--cosign-rule", "household_subsidy:0:2:镇长"],
            2,
            "--cosign-rule office \"镇长\" 不是岗位",
        ),
        (
            &["--cosign-rule", "household_subsidy:0:2:镇扶贫办+镇扶贫办"],
            2,
            "把岗位 town_poverty_office 写了两次",
        ),
        (&["--enforced-from", "2019-02-30"], 2, "--enforced-from: not a date"),
    ];
    for (extra, code, message) in cases {
        let (got, _, err) = genesis(&s, &out, extra);
        assert_eq!(got, *code, "{extra:?}: {err}");
        assert!(err.contains(message), "{extra:?}: {err}");
        assert!(!std::path::Path::new(&out).exists(), "nothing written");
    }
    let file = s.path.join("policy.json");
    std::fs::write(&file, "{\"cosign_rules\": []}").expect("write");
    let (code, _, err) = genesis(&s, &out, &["--policy", &file.display().to_string()]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("不是 JSON 格式的政策文件"), "{err}");
    // Well-formed JSON, but a policy the format refuses (no categories).
    std::fs::write(
        &file,
        r#"{"cosign_rules":[],"publicity_days":{"application":7,"village":7,"town":7,"district":7,"objection_review":7,"exit":7,"payment_list":7,"project_plan":7},"categories":[],"confirmation_days":30,"enforced_from":{"registration":20190701,"payment_list":20190701,"roles":20190701,"confirmation":20190701,"projects":20190701,"duplicates":20190701},"retention_bp":0,"fund_limits":{"district_days":30,"town_days":30,"village_days":30,"project_days":90}}"#,
    )
    .expect("write");
    let (code, _, err) = genesis(&s, &out, &["--policy", &file.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the policy: the policy lists 1 or more assistance categories"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "policy-update",
        "--origin",
        ORIGIN,
        "--key",
        &s.admin,
        "--out",
        &out,
        "--policy",
        &file.display().to_string(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the policy lists 1 or more assistance categories"),
        "{err}"
    );
    // --policy and --cosign-rule together.
    let (code, _, err) = genesis(
        &s,
        &out,
        &["--policy", &file.display().to_string(), "--cosign-rule", "transfer:0:2"],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn project_library_settings_from_flags() {
    let s = setup();
    let out = s.path.join("g.json").display().to_string();
    let (code, _, err) = genesis(
        &s,
        &out,
        &[
            "--enforced-from",
            "2019-03-01",
            "--projects-from",
            "2019-07-01",
            "--retention-bp",
            "500",
            "--fund-limit",
            "town=45",
            "--fund-limit",
            "项目=120",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let policy = policy_of(&out);
    assert_eq!(policy["enforced_from"]["registration"], 20190301);
    assert_eq!(policy["enforced_from"]["projects"], 20190701);
    assert_eq!(policy["retention_bp"], 500);
    assert_eq!(
        policy["fund_limits"],
        serde_json::json!({"district_days": 30, "town_days": 45, "village_days": 30, "project_days": 120})
    );
    // A policy update changes them on top of a file.
    let file = s.path.join("policy.json");
    std::fs::write(&file, serde_json::to_string(&policy).expect("json")).expect("write");
    let file = file.display().to_string();
    let update = s.path.join("update.json").display().to_string();
    ok(&[
        "policy-update",
        "--origin",
        ORIGIN,
        "--key",
        &s.admin,
        "--out",
        &update,
        "--policy",
        &file,
        "--retention-bp",
        "300",
        "--fund-limit",
        "district=20",
    ]);
    let text = std::fs::read_to_string(&update).expect("update file");
    let signed: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    let updated = &signed["submission"]["body"]["PolicyUpdate"]["policy"];
    assert_eq!(updated["retention_bp"], 300);
    assert_eq!(updated["fund_limits"]["district_days"], 20);
    assert_eq!(updated["fund_limits"]["town_days"], 45);
    assert_eq!(updated["enforced_from"]["projects"], 20190701);

    // Out of bounds: refused before anything is signed, naming the problem.
    let bad = s.path.join("bad.json").display().to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--retention-bp", "3001"],
            "ledger: the policy: the retention share must be 0-3000 basis points",
        ),
        (
            &["--fund-limit", "town=0"],
            "ledger: the policy: a fund time limit must be 1-",
        ),
        (
            &["--fund-limit", "county=30"],
            "ledger: --fund-limit：级别 \"county\" 不是 district/区、town/镇、village/村 或 project/项目",
        ),
        (
            &["--fund-limit", "town"],
            "ledger: --fund-limit \"town\"：应写成 LEVEL=DAYS，例如 town=30",
        ),
        (&["--projects-from", "2019-02-30"], "ledger: --projects-from: "),
    ];
    for (extra, message) in cases {
        let (code, _, err) = genesis(&s, &bad, extra);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.trim().starts_with(message), "{extra:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!std::path::Path::new(&bad).exists(), "nothing written");
    }
}

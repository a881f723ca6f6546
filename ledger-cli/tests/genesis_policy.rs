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
            "names 2 offices but needs only 1 signatures",
        ),
        (
            &["--cosign-rule", "household_subsidy:0:2:镇长"],
            2,
            "--cosign-rule office \"镇长\" is not an office",
        ),
        (
            &["--cosign-rule", "household_subsidy:0:2:镇扶贫办+镇扶贫办"],
            2,
            "names town_poverty_office twice",
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
    assert!(err.contains("is not a policy in JSON"), "{err}");
    // Well-formed JSON, but a policy the format refuses (no categories).
    std::fs::write(
        &file,
        r#"{"cosign_rules":[],"publicity_days":{"application":7,"village":7,"town":7,"district":7,"objection_review":7,"exit":7,"payment_list":7,"project_plan":7},"categories":[],"confirmation_days":30,"enforced_from":{"registration":20190701,"payment_list":20190701,"roles":20190701,"confirmation":20190701}}"#,
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

//! `ledger post` for the project library's stages (项目库, issue 13) against
//! a running demo node: a project is taken from review to evaluation, each
//! stage out of order, an unpublicised approval, a payment to another
//! company, over the retention share or the budget, and anything for a
//! cancelled project are refused by the node with their exact codes (exit
//! 3, one line, nothing written); bad flags are caught before anything is
//! sent (exit 2).

mod common;

use common::{ok, refused, run, town_with_villages, TestNode};

const DISTRICT: &str = "320803000000";
const CONTRACTOR: &str = "91320803MA1XXXXXX0";
const OTHER_COMPANY: &str = "91320803MA2YYYYYY1";

/// Run, expect a usage error (exit 2) naming `expected`, nothing written.
fn usage(node: &TestNode, args: &[&str], expected: &str) {
    let before = node.size();
    let (exit, out, err) = run(args);
    assert_eq!(exit, 2, "expected a usage error: stdout {out} stderr {err}");
    assert!(err.contains(expected), "expected {expected:?}: {err}");
    assert_eq!(node.size(), before, "nothing sent");
}

/// `args` as owned strings joined with `extra`.
fn with(args: &[&str], extra: &[&str]) -> Vec<String> {
    args.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn project_stages_post_in_order_and_are_refused_with_their_codes() {
    let node = TestNode::start_demo(40);
    let url = node.url.clone();
    let (town, villages) = town_with_villages(1);
    let (town, village) = (town.to_string(), villages[0].to_string());
    let (admin1, admin2) = (node.key("admin-1.key"), node.key("admin-2.key"));
    let key = |name: &str, office: &str, region: &str, kinds: &str| -> String {
        let path = node.path(&format!("{name}.key"));
        let vkey = ok(&["keygen", "--out", &path, "--name", name]).trim().to_string();
        ok(&[
            "grant",
            "--node",
            &url,
            "--key",
            &admin1,
            "--key",
            &admin2,
            "--grantee",
            &vkey,
            "--holder",
            &format!("测试 {name}"),
            "--role",
            "operator",
            "--office",
            office,
            "--region",
            region,
            "--kinds",
            kinds,
        ]);
        path
    };
    let finance = key(
        "finance",
        "district_finance",
        DISTRICT,
        "fund_issue,transfer,project_approve,project_adjust",
    );
    let poverty = key(
        "poverty",
        "district_poverty_office",
        DISTRICT,
        "project_approve,project_adjust,project_evaluate,project_cancel",
    );
    let town_poverty = key(
        "town-poverty",
        "town_poverty_office",
        &town,
        "notice,project_review,project_start,project_accept,project_handover",
    );
    let town_finance = key(
        "town-finance",
        "town_finance",
        &town,
        "project_register,project_disbursement,project_accept",
    );
    let post = |keys: &[&str]| -> Vec<String> {
        let mut v = vec!["post".to_string(), "--node".into(), url.clone()];
        for k in keys {
            v.push("--key".into());
            v.push(k.to_string());
        }
        v
    };
    let district_treasury = format!("treasury:{DISTRICT}");
    let town_treasury = format!("treasury:{town}");
    // A fund, passed to the town; two proposed projects of the village.
    ok(&refs(&with(
        &refs(&post(&[&finance])),
        &[
            "fund-issue",
            "--fund",
            "F-TEST",
            "--title",
            "测试专项扶贫资金",
            "--document-no",
            "苏财农〔2020〕99号",
            "--source",
            "provincial",
            "--category",
            "special_poverty",
            "--year",
            "2020",
            "--to",
            &district_treasury,
            "--amount",
            "600,000",
            "--date",
            "2020-11-02",
        ],
    )));
    ok(&refs(&with(
        &refs(&post(&[&finance])),
        &[
            "transfer",
            "--fund",
            "F-TEST",
            "--from",
            &district_treasury,
            "--to",
            &town_treasury,
            "--amount",
            "600,000",
            "--memo",
            "拨付测试资金",
            "--date",
            "2020-11-03",
        ],
    )));
    for id in ["P-TEST-1", "P-TEST-2"] {
        ok(&refs(&with(
            &refs(&post(&[&town_finance])),
            &[
                "project",
                "--id",
                id,
                "--name",
                "测试村道路硬化工程",
                "--village",
                &village,
                "--category",
                "village_road",
                "--budget",
                "500,000",
                "--implementer",
                "测试镇人民政府",
                "--start",
                "2020-12-15",
                "--end",
                "2021-06-30",
            ],
        )));
    }

    let stage = |signers: &[&str], what: &str, project: &str, date: &str, doc: &str, rest: &[&str]| {
        let mut v = post(signers);
        v.extend(
            [what, "--project", project, "--date", date, "--document-no", doc]
                .iter()
                .map(|s| s.to_string()),
        );
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let approve = |date: &str, budget: &str| {
        stage(
            &[&poverty, &finance],
            "approve",
            "P-TEST-1",
            date,
            "淮区扶贫〔2020〕99号",
            &[
                "--plan",
                "N-TEST-PLAN:0",
                "--budget",
                budget,
                "--contractor",
                CONTRACTOR,
                "--contractor-name",
                "淮安市测试建设工程有限公司",
                "--contract-no",
                "HAFP-TEST-001",
            ],
        )
    };
    let pay = |payee: &str, amount: &str, date: &str| {
        let mut v = post(&[&town_finance]);
        v.extend(
            [
                "disbursement",
                "--fund",
                "F-TEST",
                "--project",
                "P-TEST-1",
                "--from",
                &town_treasury,
                "--payee-id",
                payee,
                "--payee-name",
                "某公司",
                "--amount",
                amount,
                "--contract",
                "HAFP-TEST-001",
                "--milestone",
                "进度款",
                "--date",
                date,
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        v
    };

    // 审核论证 comes first: an approval or a start before it is out of order.
    let e = refused(&node, &refs(&approve("2020-11-20", "F-TEST=400,000")));
    assert_eq!(
        e,
        "ledger: 节点拒绝了这条批复入库：项目 P-TEST-1 处于“申报”阶段：批复入库须在审核论证通过之后（项目库程序：申报 → \
         审核论证 → 公示 → 批复入库 → 实施 → 竣工验收 → 资产移交 → 绩效评价）（project P-TEST-1 is at stage proposed: an approval \
         follows a passed review） (stage_order)"
    );
    let start = stage(
        &[&town_poverty],
        "start",
        "P-TEST-1",
        "2020-11-21",
        "测试开工令〔2020〕1号",
        &["--note", "进场施工"],
    );
    refused(&node, &refs(&start));
    ok(&refs(&stage(
        &[&town_poverty],
        "review",
        "P-TEST-1",
        "2020-11-05",
        "淮区扶贫论〔2020〕9号",
        &["--result", "通过", "--note", "选址合理、效益可行"],
    )));
    // 项目公示: without it, and before its window ended, no approval.
    let e = refused(&node, &refs(&approve("2020-11-20", "F-TEST=400,000")));
    assert!(e.ends_with("(not_publicized)"), "{e}");
    let plan = node.path("plan.csv");
    std::fs::write(&plan, "项目编号\nP-TEST-1\n").expect("csv");
    let receipt = ok(&refs(&with(
        &refs(&post(&[&town_poverty])),
        &[
            "notice",
            "--id",
            "N-TEST-PLAN",
            "--stage",
            "项目公示",
            "--region",
            &village,
            "--start",
            "2020-11-10",
            "--title",
            "2020年度测试村扶贫项目计划公示",
            "--lines",
            &plan,
        ],
    )));
    assert!(receipt.contains("\"kind\":\"notice\""), "{receipt}");
    let e = refused(&node, &refs(&approve("2020-11-16", "F-TEST=400,000")));
    assert!(e.ends_with("(publicity_not_ended)"), "{e}");
    // A budget from a fund that was never issued.
    let e = refused(&node, &refs(&approve("2020-11-20", "F-NONE=400,000")));
    assert!(e.ends_with("(unknown_fund)"), "{e}");
    let receipt = ok(&refs(&approve("2020-11-20", "F-TEST=400,000")));
    assert!(receipt.contains("\"kind\":\"project_approve\""), "{receipt}");

    // Only the contractor is paid.
    let e = refused(&node, &refs(&pay(OTHER_COMPANY, "100,000", "2020-11-25")));
    assert!(e.ends_with("(payee_not_contracted)"), "{e}");
    ok(&refs(&start));
    // 质保金: 5 % of 400,000 元 waits for the acceptance; 380,000 元 may be paid.
    let e = refused(&node, &refs(&pay(CONTRACTOR, "380,000.01", "2020-11-25")));
    assert!(e.ends_with("(final_payment_before_acceptance)"), "{e}");
    ok(&refs(&pay(CONTRACTOR, "380,000", "2020-11-25")));
    // One fen over the budget is refused, and the same payment accepted
    // once the budget is raised.
    let e = refused(&node, &refs(&pay(CONTRACTOR, "20,000.01", "2020-11-26")));
    assert_eq!(
        e,
        "ledger: 节点拒绝了这条项目支出：超出预算：项目 P-TEST-1 批复预算 400,000.00 元，已支付 \
         380,000.00 元，本次 20,000.01 元将超出预算（project P-TEST-1 has an approved budget of 40000000 fen and has been \
         paid 38000000 fen; 2000001 fen more would exceed it） (budget_exceeded)"
    );
    ok(&refs(&stage(
        &[&poverty, &finance],
        "adjust",
        "P-TEST-1",
        "2020-11-27",
        "淮区扶贫〔2020〕100号",
        &["--budget", "F-TEST=450,000", "--reason", "设计变更，追加项目预算"],
    )));
    // Still before the acceptance: within the new 95 % (427,500 元).
    ok(&refs(&pay(CONTRACTOR, "20,000.01", "2020-11-28")));
    // 竣工验收, 资产移交, 绩效评价, in order.
    let handover = stage(
        &[&town_poverty],
        "handover",
        "P-TEST-1",
        "2020-12-02",
        "测试移交〔2020〕1号",
        &["--note", "移交村委会管护"],
    );
    refused(&node, &refs(&handover));
    ok(&refs(&stage(
        &[&town_poverty, &town_finance],
        "accept",
        "P-TEST-1",
        "2020-12-01",
        "淮区扶贫验〔2020〕5号",
        &["--note", "工程质量合格"],
    )));
    ok(&refs(&handover));
    let evaluate = |score: &str| {
        stage(
            &[&poverty],
            "evaluate",
            "P-TEST-1",
            "2020-12-20",
            "淮区扶贫绩〔2020〕3号",
            &["--score", score, "--note", "群众满意"],
        )
    };
    usage(&node, &refs(&evaluate("101")), "--score \"101\"：分数是 0-100 的整数");
    let receipt = ok(&refs(&evaluate("92")));
    assert!(receipt.contains("\"kind\":\"project_evaluate\""), "{receipt}");
    // A handed-over project cannot be cancelled.
    let cancel = |project: &str| {
        let mut v = post(&[&poverty]);
        v.extend(
            [
                "cancel",
                "--project",
                project,
                "--date",
                "2020-12-21",
                "--reason",
                "项目选址与规划冲突，终止实施",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        v
    };
    let e = refused(&node, &refs(&cancel("P-TEST-1")));
    assert!(e.ends_with("(stage_order)"), "{e}");
    // 终止: the other project, then nothing more for it.
    ok(&refs(&cancel("P-TEST-2")));
    let e = refused(
        &node,
        &refs(&stage(
            &[&town_poverty],
            "review",
            "P-TEST-2",
            "2020-12-22",
            "淮区扶贫论〔2020〕10号",
            &["--result", "pass", "--note", "可行"],
        )),
    );
    assert!(e.ends_with("(project_cancelled)"), "{e}");
    assert!(e.contains("P-TEST-2"), "{e}");
}

#[test]
fn bad_flags_are_caught_before_anything_is_sent() {
    // No node is needed: nothing is sent. The URL points nowhere.
    let key_dir = tempfile::tempdir().expect("tempdir");
    let key = key_dir.path().join("k.key").display().to_string();
    ok(&["keygen", "--out", &key, "--name", "k"]);
    let base = ["post", "--node", "http://127.0.0.1:9", "--key", &key];
    let approve = |extra: &[&str]| -> (i32, String) {
        let mut args: Vec<&str> = base.to_vec();
        args.extend([
            "approve",
            "--project",
            "P-1",
            "--date",
            "2020-11-20",
            "--document-no",
            "淮区扶贫〔2020〕1号",
            "--plan",
            "N-1:0",
        ]);
        args.extend(extra);
        let (code, _, err) = run(&args);
        (code, err.trim().to_string())
    };
    let contractor = [
        "--contractor",
        CONTRACTOR,
        "--contractor-name",
        "某公司",
        "--contract-no",
        "HT-1",
    ];
    let person = common::resident_id("19800101", 123);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            [&["--budget", "F-1"][..], &contractor[..]].concat(),
            "ledger: --budget \"F-1\"：应写成 FUND=YUAN，例如 F2019-SCN-012=1,200,000",
        ),
        (
            [&["--budget", "F-1=abc"][..], &contractor[..]].concat(),
            "ledger: --budget F-1: ",
        ),
        (
            [&["--budget", "F-1=1", "--budget", "F-1=2"][..], &contractor[..]].concat(),
            "ledger: --budget：资金 F-1 给了两次",
        ),
        (
            vec!["--budget", "F-1=100", "--contractor", CONTRACTOR],
            "ledger: 请给出承包方：--contractor、--contractor-name 和 --contract-no",
        ),
        (
            vec![
                "--budget",
                "F-1=100",
                "--contractor",
                &person,
                "--contractor-name",
                "张三",
                "--contract-no",
                "HT-1",
            ],
            "ledger: --contractor：承包方是单位（统一社会信用代码），不能是居民身份证号",
        ),
    ];
    for (extra, expected) in cases {
        let (code, err) = approve(&extra);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.starts_with(expected), "{extra:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A missing --budget is clap's usage error (exit 2).
    let (code, err) = approve(&contractor);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--budget <FUND=YUAN>"), "{err}");
    // A project id the ledger cannot hold, a bad date.
    let mut args: Vec<&str> = base.to_vec();
    args.extend([
        "start",
        "--project",
        "P 1",
        "--date",
        "2020-11-20",
        "--document-no",
        "开工令",
        "--note",
        "开工",
    ]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.trim().starts_with("ledger: --project: "), "{err}");
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["cancel", "--project", "P-1", "--date", "2020-13-01", "--reason", "终止"]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.trim().starts_with("ledger: --date: "), "{err}");
}

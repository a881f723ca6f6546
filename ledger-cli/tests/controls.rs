//! `ledger post` for the policy's procedures (issue 12) against a running
//! demo node: a notice from a CSV file is accepted, and each bad
//! submission is refused by the node with its exact rule code (exit 3) or
//! caught by the CLI before anything is sent (exit 2 for flags, 4 for the
//! file, named by line). Nothing refused is written.

mod common;

use common::{ok, run, town_with_villages, TestNode};

fn household(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// Run, expect the node to refuse with `code` (exit 3, one line), and
/// nothing written.
fn refused(node: &TestNode, args: &[&str], code: &str) -> String {
    let err = common::refused(node, args);
    assert!(err.contains(code), "expected {code}: {err}");
    err
}

#[test]
fn procedure_commands_post_and_are_refused_with_their_codes() {
    let mut node = TestNode::start_demo(40);
    let url = node.url.clone();
    let (town, villages) = town_with_villages(1);
    let (town, village) = (town.to_string(), villages[0].to_string());
    let (admin1, admin2) = (node.key("admin-1.key"), node.key("admin-2.key"));

    // A village cadre and a town poverty-office key, granted with offices.
    let cadre = node.path("cadre.key");
    let cadre_vkey = ok(&["keygen", "--out", &cadre, "--name", "cadre"]).trim().to_string();
    let town_key = node.path("town.key");
    let town_vkey = ok(&["keygen", "--out", &town_key, "--name", "town"]).trim().to_string();
    // The demo's policy names the discipline inspector for objection decisions.
    let inspector_key = node.path("inspector.key");
    let inspector_vkey = ok(&["keygen", "--out", &inspector_key, "--name", "inspector"])
        .trim()
        .to_string();
    let grant = |vkey: &str, office: &str, region: &str, kinds: &str| {
        ok(&[
            "grant",
            "--node",
            &url,
            "--key",
            &admin1,
            "--key",
            &admin2,
            "--grantee",
            vkey,
            "--holder",
            &format!("测试 {office}"),
            "--role",
            "operator",
            "--office",
            office,
            "--region",
            region,
            "--kinds",
            kinds,
        ])
    };
    grant(
        &cadre_vkey,
        "村委会",
        &village,
        "notice,household_check,payment_confirm,objection",
    );
    grant(
        &town_vkey,
        "town_poverty_office",
        &town,
        "notice,household_check,household_register,household_exit,objection,objection_resolve,household_subsidy",
    );
    grant(&inspector_vkey, "纪检监察", &town, "objection,objection_resolve");
    // An operator needs its office; a wrong office name is a usage error.
    let (code, _, err) = run(&[
        "grant",
        "--node",
        &url,
        "--key",
        &admin1,
        "--grantee",
        &cadre_vkey,
        "--holder",
        "x",
        "--role",
        "operator",
        "--region",
        &village,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("经办密钥需要 --office（例如 village_committee/村委会"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "grant",
        "--node",
        &url,
        "--key",
        &admin1,
        "--grantee",
        &cadre_vkey,
        "--holder",
        "x",
        "--role",
        "operator",
        "--office",
        "村长",
        "--region",
        &village,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--office \"村长\" 不是岗位；可选：admin/系统管理员"),
        "{err}"
    );

    // 申报公告 from a CSV file with Chinese headers.
    let lines = node.path("申报.csv");
    std::fs::write(
        &lines,
        format!(
            "户编号,姓名,村代码,类别\n{},张*三,{village},低保\n{},李四,{village},建档立卡低收入户\n",
            household(1),
            household(2)
        ),
    )
    .expect("csv");
    let notice_args = |id: &'static str| -> Vec<String> {
        [
            "post",
            "--node",
            &url,
            "--key",
            &cadre,
            "notice",
            "--id",
            id,
            "--stage",
            "申报公告",
            "--region",
            &village,
            "--start",
            "2020-12-01",
            "--title",
            "2020年12月低保申报公告",
            "--lines",
            &lines,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let args = notice_args("N-TEST-APP");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let receipt = ok(&args);
    assert!(receipt.contains("\"kind\":\"notice\""), "{receipt}");
    let notice_seq = node.size() - 1;
    // The same id again.
    refused(&node, &args, "duplicate_notice");

    // A check of a line the notice does not have.
    let check = |line: &str| -> Vec<String> {
        [
            "post",
            "--node",
            &url,
            "--key",
            &cadre,
            "check",
            "--notice",
            "N-TEST-APP",
            "--line",
            line,
            "--check",
            "入户核对",
            "--date",
            "2020-12-03",
            "--result",
            "通过",
            "--note",
            "住房收入与申报一致",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let args = check("5");
    refused(
        &node,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        "not_publicized",
    );
    let args = check("0");
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // A registration citing the application line for every publicity.
    let app = "N-TEST-APP:0";
    let err = refused(
        &node,
        &[
            "post",
            "--node",
            &url,
            "--key",
            &town_key,
            "register",
            "--household",
            &household(1),
            "--name",
            "张*三",
            "--village",
            &village,
            "--category",
            "低保",
            "--date",
            "2020-12-20",
            "--application",
            app,
            "--village-publicity",
            app,
            "--town-publicity",
            app,
            "--district-publicity",
            app,
            "--objection-review",
            app,
        ],
        "procedure_incomplete",
    );
    assert!(err.contains("N-TEST-APP"), "{err}");
    // Only some of the five lines: caught before sending.
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &town_key,
        "register",
        "--household",
        &household(1),
        "--name",
        "张*三",
        "--village",
        &village,
        "--category",
        "低保",
        "--date",
        "2020-12-20",
        "--application",
        app,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("缺少 --village-publicity："), "{err}");

    // An objection against line 1, its resolution, and the errors around it.
    ok(&[
        "post",
        "--node",
        &url,
        "--key",
        &cadre,
        "objection",
        "--case",
        "YY-TEST-1",
        "--notice",
        "N-TEST-APP",
        "--line",
        "1",
        "--channel",
        "12317热线",
        "--received",
        "2020-12-02",
        "--summary",
        "反映该户有经营性收入",
    ]);
    refused(
        &node,
        &[
            "post",
            "--node",
            &url,
            "--key",
            &cadre,
            "objection",
            "--case",
            "YY-TEST-1",
            "--notice",
            "N-TEST-APP",
            "--line",
            "0",
            "--channel",
            "letter",
            "--received",
            "2020-12-02",
            "--summary",
            "重复编号",
        ],
        "duplicate_objection",
    );
    refused(
        &node,
        &[
            "post",
            "--node",
            &url,
            "--key",
            &inspector_key,
            "resolve",
            "--case",
            "YY-NONE",
            "--outcome",
            "不属实",
            "--date",
            "2020-12-05",
            "--reason",
            "查无此案",
        ],
        "unknown_objection",
    );
    let resolve = [
        "post",
        "--node",
        &url,
        "--key",
        &inspector_key,
        "resolve",
        "--case",
        "YY-TEST-1",
        "--outcome",
        "不属实",
        "--date",
        "2020-12-05",
        "--reason",
        "经核查无经营性收入",
    ];
    ok(&resolve);
    refused(&node, &resolve, "objection_closed");
    // Neither a notice line nor an entry: caught before sending.
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &cadre,
        "objection",
        "--case",
        "YY-TEST-2",
        "--channel",
        "web",
        "--received",
        "2020-12-02",
        "--summary",
        "x",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ledger: 请说明异议针对什么：--notice ID --line N，或 --seq SEQ"),
        "{err}"
    );

    // A confirmation of something that is not a payment.
    let seq = notice_seq.to_string();
    refused(
        &node,
        &[
            "post",
            "--node",
            &url,
            "--key",
            &cadre,
            "confirm",
            "--seq",
            &seq,
            "--method",
            "明白卡签字",
            "--date",
            "2020-12-20",
        ],
        "not_a_payment",
    );
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &cadre,
        "confirm",
        "--seq",
        &seq,
        "--method",
        "phone",
        "--date",
        "2020-12-20",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--method \"phone\" 不是以下之一：bank_statement/银行流水"),
        "{err}"
    );

    // Business dates: in the future, and before the fund's own issue.
    let district_op = node.key("operator-1.key");
    let issue = |fund: &str, date: &str| -> Vec<String> {
        [
            "post",
            "--node",
            &url,
            "--key",
            &district_op,
            "fund-issue",
            "--fund",
            fund,
            "--title",
            "测试资金",
            "--document-no",
            "淮区财〔2020〕98号",
            "--source",
            "district",
            "--category",
            "social_security",
            "--year",
            "2020",
            "--to",
            "treasury:320803000000",
            "--amount",
            "10,000",
            "--date",
            date,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let args = issue("F-TEST-FUTURE", "2099-01-01");
    refused(
        &node,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        "date_in_future",
    );
    let args = issue("F-TEST-DATES", "2020-12-10");
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    refused(
        &node,
        &[
            "post",
            "--node",
            &url,
            "--key",
            &district_op,
            "transfer",
            "--fund",
            "F-TEST-DATES",
            "--from",
            "treasury:320803000000",
            "--to",
            &format!("treasury:{town}"),
            "--amount",
            "100",
            "--memo",
            "早于下达",
            "--date",
            "2020-12-01",
        ],
        "date_before_fund",
    );
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &district_op,
        "transfer",
        "--fund",
        "F-TEST-DATES",
        "--from",
        "treasury:320803000000",
        "--to",
        &format!("treasury:{town}"),
        "--amount",
        "100",
        "--memo",
        "x",
        "--date",
        "2020-02-30",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--date: not a date"), "{err}");

    // A subsidy to a household never registered, citing a payment-list line
    // that does not exist: the demo enforces its controls (from 2019-03-01),
    // so the registration is what the node names first; and --notice
    // without --line is a usage error.
    ok(&[
        "post",
        "--node",
        &url,
        "--key",
        &district_op,
        "transfer",
        "--fund",
        "F-TEST-DATES",
        "--from",
        "treasury:320803000000",
        "--to",
        &format!("treasury:{town}"),
        "--amount",
        "1,000",
        "--memo",
        "拨付",
        "--date",
        "2020-12-15",
    ]);
    let pseudonym = node.key("pseudonym.key");
    let subsidy = |extra: &[&str]| -> (i32, String, String) {
        let mut args = vec![
            "post",
            "--node",
            &url,
            "--key",
            &town_key,
            "subsidy",
            "--pseudonym-key",
            &pseudonym,
            "--fund",
            "F-TEST-DATES",
            "--resident-id",
            "11010519491231002X",
            "--name",
            "张小三",
            "--village",
            &village,
            "--category",
            "最低生活保障",
            "--period",
            "2020-12",
            "--amount",
            "300",
            "--date",
            "2020-12-20",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let before = node.size();
    let (code, _, err) = subsidy(&["--notice", "N-TEST-NONE", "--line", "0"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not_registered") && err.contains("2020-12-20"), "{err}");
    let (code, _, err) = subsidy(&["--notice", "N-TEST-NONE"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(node.size(), before);

    // Notice files: a bad row is named by file and line (exit 4), nothing sent.
    let before = node.size();
    let bad = node.path("bad-pay.csv");
    std::fs::write(
        &bad,
        format!(
            "household,masked_name,category,period,amount\n{},张*三,最低生活保障,2020-12,560\n{},李*,最低生活保障,2020-12,5x0\n",
            household(1),
            household(2)
        ),
    )
    .expect("csv");
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &cadre,
        "notice",
        "--id",
        "N-TEST-PAY",
        "--stage",
        "payment_list",
        "--region",
        &village,
        "--start",
        "2020-12-01",
        "--title",
        "发放公示",
        "--lines",
        &bad,
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("bad-pay.csv: line 3 (notice line 1): amount:"), "{err}");
    let mut big = String::from("household,masked_name,village,category\n");
    for i in 0..501u32 {
        big.push_str(&format!("{:064x},张*三,{village},低保\n", i + 1));
    }
    let big_file = node.path("big.csv");
    std::fs::write(&big_file, big).expect("csv");
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &cadre,
        "notice",
        "--id",
        "N-TEST-BIG",
        "--stage",
        "application",
        "--region",
        &village,
        "--start",
        "2020-12-01",
        "--title",
        "申报公告",
        "--lines",
        &big_file,
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("more than 500 rows"), "{err}");
    let (code, _, err) = run(&[
        "post",
        "--node",
        &url,
        "--key",
        &cadre,
        "notice",
        "--id",
        "N-TEST-X",
        "--stage",
        "公示",
        "--region",
        &village,
        "--start",
        "2020-12-01",
        "--title",
        "x",
        "--lines",
        &big_file,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--stage \"公示\" 不是以下之一：application/申报公告"),
        "{err}"
    );
    assert_eq!(node.size(), before, "nothing sent");
    node.stop();
}

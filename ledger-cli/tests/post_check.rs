//! Issue 14: `ledger post csv --dry-run` is the node's own check
//! (`check_only` atomic group): it writes nothing, uses no nonce, and
//! lists what the real run would be refused, row by row, with the same
//! words; the pre-flight's duplicate and overdraft read the same in a dry
//! run and a real one. And a supplementary payment (补发) posted with its
//! reason and the entry it adds to.
//!
//! The demo enforces every household control from 2019-03-01; the
//! supplement test moves the duplicate control alone earlier with a policy
//! update, so a February payment meets it without registration or a
//! payment list.

mod common;
mod post_common;

use common::run;
use post_common::*;

/// `ledger post csv FILE` signed by the town finance key alone.
fn post_one_key(s: &Setup, file: &str, extra: &[&str]) -> (i32, String, String) {
    let url = s.node.url.clone();
    let mut args = vec![
        "--lang",
        "en",
        "post",
        "--node",
        &url,
        "--key",
        &s.finance,
        "csv",
        file,
        "--pseudonym-key",
        &s.pseudonym,
        "--fund",
        FUND,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The node's refusals a run printed: `(row, why)`.
fn refusals(err: &str, verb: &str) -> Vec<(u64, String)> {
    err.lines()
        .filter_map(|l| l.split_once(": row "))
        .filter_map(|(_, rest)| rest.split_once(verb))
        .filter_map(|(row, why)| Some((row.parse().ok()?, why.to_string())))
        .collect()
}

#[test]
fn a_dry_run_is_the_node_s_check_and_writes_nothing() {
    let s = setup();
    let rows = households(&s, "19700101");
    let file = s.node.path("核对.csv");
    std::fs::write(&file, csv_text(&rows[..3], "2019-01")).expect("csv");
    let receipts = format!("{file}.receipts.jsonl");
    let before = s.node.size();

    // One key where the demo's policy wants two: the client's checks pass
    // (money, not paid before), the node's check refuses every row.
    let (code, out, dry_err) = post_one_key(&s, &file, &["--dry-run"]);
    assert_eq!(code, 3, "{out}{dry_err}");
    // Without --quiet the signer is named by holder and office, from the
    // node's GET /v1/keys/{key}.
    let url = s.node.url.clone();
    let loud = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
        .args([
            "--lang",
            "en",
            "post",
            "--node",
            &url,
            "--key",
            &s.finance,
            "csv",
            &file,
            "--pseudonym-key",
            &s.pseudonym,
            "--fund",
            FUND,
            "--dry-run",
        ])
        .output()
        .expect("running ledger");
    let loud_err = String::from_utf8_lossy(&loud.stderr);
    assert!(
        loud_err.starts_with(&format!("signed by: {}（镇财政所）\n", s.finance_holder)),
        "{loud_err}"
    );
    let dry = refusals(&dry_err, " would be refused by the node: ");
    assert_eq!(dry.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3, 4], "{dry_err}");
    for (_, why) in &dry {
        assert!(why.ends_with("(missing_cosignature)"), "{why}");
    }
    assert!(
        dry_err.contains("pre-flight failed: the node would refuse 3 payment(s) (above); nothing sent, nothing posted"),
        "{dry_err}"
    );
    assert_eq!(s.node.size(), before, "a dry run writes nothing");
    assert!(
        !std::path::Path::new(&receipts).exists(),
        "a dry run writes no receipts file"
    );

    // The real run is refused with the very same words, and writes nothing.
    let (code, _, real_err) = post_one_key(&s, &file, &[]);
    assert_eq!(code, 3, "{real_err}");
    assert_eq!(refusals(&real_err, " refused by the node: "), dry);
    assert_eq!(s.node.size(), before);

    // Both keys: the node would accept; the dry run still writes nothing,
    // and the real run then posts the same signed rows (no nonce was used).
    let (code, out, err) = post(&s, "en", &file, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.ends_with("pre-flight passed: 3 payment(s), 1,834.50 元; nothing sent (run without --dry-run to post)\n"),
        "{out}"
    );
    assert_eq!(s.node.size(), before);
    let (code, out, err) = post(&s, "en", &file, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("核对.csv: 3 payment(s) posted, 1,834.50 元; receipts in {receipts}\n")
    );
    assert_eq!(s.node.size(), before + 3);

    // A duplicate (row 2: the first household again, another amount) and
    // an overdraft (18,165.50 元 left, 20 × 1,000 元 asked): the dry run and
    // the real run print the same lines, and neither writes anything.
    let mut bad = vec![(
        rows[0].0.clone(),
        rows[0].1.clone(),
        rows[0].2.clone(),
        "350".to_string(),
    )];
    bad.extend(
        households(&s, "19800202")
            .into_iter()
            .take(20)
            .map(|(id, name, village, _)| (id, name, village, "1000".to_string())),
    );
    let second = s.node.path("第二批.csv");
    std::fs::write(&second, csv_text(&bad, "2019-01")).expect("csv");
    let size = s.node.size();
    let dry = post(&s, "zh", &second, &["--dry-run"]);
    let real = post(&s, "zh", &second, &[]);
    assert_eq!(dry.0, 3, "{}", dry.2);
    assert_eq!(dry, real, "a dry run reads as the real run");
    let town = s.town;
    let account = name_of_town_account(&s);
    let masked = format!("{}*华", rows[0].1.chars().next().expect("surname"));
    let receipt_seq: u64 = std::fs::read_to_string(&receipts)
        .expect("receipts")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| (v["line"] == 2).then(|| v["seq"].as_u64()).flatten())
        .expect("row 2's receipt");
    for line in [
        format!("第 2 行：{masked} 的 最低生活保障 2019-01 已经发放过（账本第 {receipt_seq} 条，duplicate_payment）"),
        format!("{account}（treasury:{town}）资金 {FUND} 余额不足：本批需要 20,350.00 元，可用 18,165.50 元，还差 2,184.50 元"),
        "未记账：预检发现 2 个问题，一笔也没有记".to_string(),
    ] {
        assert!(dry.2.contains(&line), "{line} not in {}", dry.2);
    }
    assert_eq!(s.node.size(), size, "nothing of a refused batch is written");
}

/// `ledger post subsidy --supplementary 补发 --of-seq N --note TEXT`: the
/// supplement is on the wire and in the entry; one naming an entry that is
/// not a standing payment of the household is refused by the node
/// (`not_supplementing`); a reason that is neither 补发 nor 差额补足, or a
/// supplement without its entry, is refused before anything is sent.
#[test]
fn a_supplement_names_its_reason_and_the_payment_it_adds_to() {
    let s = setup();
    let url = s.node.url.clone();
    let village = s.villages[0].0.to_string();
    let id = common::resident_id("19650505", 7);
    let subsidy = |amount: &str, extra: &[&str]| {
        let mut args = vec![
            "--lang",
            "en",
            "post",
            "--node",
            &url,
            "--key",
            &s.finance,
            "--key",
            &s.poverty,
            "subsidy",
            "--pseudonym-key",
            &s.pseudonym,
            "--fund",
            FUND,
            "--resident-id",
            &id,
            "--name",
            "王小二",
            "--village",
            &village,
            "--category",
            "最低生活保障",
            "--period",
            "2019-01",
            "--amount",
            amount,
            "--date",
            DATE,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let seq_of = |out: &str| -> u64 {
        serde_json::from_str::<serde_json::Value>(out.trim())
            .ok()
            .and_then(|v| v["seq"].as_u64())
            .unwrap_or_else(|| panic!("a receipt: {out}"))
    };
    let (code, out, err) = subsidy("300", &[]);
    assert_eq!(code, 0, "{err}");
    let first = seq_of(&out);

    // The demo enforces the duplicate control from 2019-03-01 (with the
    // registration and payment-list controls). The admins move it to
    // 2019-01-01 with a policy update built from GET /v1/policy, so this
    // February payment is under it while the other controls are not.
    let mut policy = s.node.get_json("/v1/policy")["policy"].clone();
    assert_eq!(policy["enforced_from"]["duplicates"], 20190301);
    policy["enforced_from"]["duplicates"] = serde_json::json!(20190101);
    let policy_file = s.node.path("policy.json");
    std::fs::write(&policy_file, policy.to_string()).expect("policy");
    let (admin1, admin2) = (s.node.key("admin-1.key"), s.node.key("admin-2.key"));
    common::ok(&[
        "policy-update",
        "--node",
        &url,
        "--key",
        &admin1,
        "--key",
        &admin2,
        "--policy",
        &policy_file,
    ]);
    assert_eq!(
        s.node.get_json("/v1/policy")["policy"]["enforced_from"]["duplicates"],
        20190101
    );

    // The same household, category and period again: refused, naming the
    // payment that stands.
    let size = s.node.size();
    let (code, _, err) = subsidy("50", &[]);
    assert_eq!(code, 3, "{err}");
    let household = s.node.get_json(&format!("/v1/entries/{first}"))["entry"]["body"]["HouseholdSubsidy"]["household"]
        .as_str()
        .expect("household")
        .to_string();
    assert_eq!(
        err,
        format!(
            "ledger: the node refused the household_subsidy entry: 重复发放：农户 {household} 的“最低生活保障”2019-01 已由第 {first} 号条目于 2019-02-20 发放 300.00 元；再次发放须标明为补发（或差额补足）并注明原发放，或先冲正原发放（household {household} was already paid for minimum_living 2019-01 by entry {first} on 2019-02-20 (30000 fen); a second payment must be marked supplementary, or the first reversed） (duplicate_payment)\n"
        )
    );
    assert_eq!(s.node.size(), size);

    let (code, _, err) = subsidy("50", &["--supplementary", "多发", "--of-seq", "1", "--note", "x"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "ledger: --supplementary: 补发原因 \"多发\" 应为“补发”或“差额补足” (the reason must be 补发/back_pay or 差额补足/top_up)\n"
    );
    let (code, _, err) = subsidy("50", &["--supplementary", "补发", "--note", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--of-seq"), "{err}");
    // Entry 3 is not this household's payment.
    let (code, _, err) = subsidy(
        "50",
        &["--supplementary", "补发", "--of-seq", "3", "--note", "补发少发的50元"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("(not_supplementing)"), "{err}");
    assert_eq!(s.node.size(), size, "nothing refused is written");

    let note = "淮区民〔2019〕7号 补发少发的50元";
    let first_text = first.to_string();
    let (code, out, err) = subsidy(
        "50",
        &["--supplementary", "补发", "--of-seq", &first_text, "--note", note],
    );
    assert_eq!(code, 0, "{err}");
    let second = seq_of(&out);
    assert_eq!(second, size);
    let entry = s.node.get_json(&format!("/v1/entries/{second}"));
    assert_eq!(
        entry["entry"]["body"]["HouseholdSubsidy"]["supplementary"],
        serde_json::json!({"note": note, "of_seq": first, "reason": "BackPay"})
    );
    assert_eq!(entry["entry"]["body"]["HouseholdSubsidy"]["amount"], 5000);

    // The same from a table: a 差额补足 row with its three columns passes
    // the pre-flight (it is not "already paid") and is posted.
    let table = s.node.path("差额补足.csv");
    std::fs::write(
        &table,
        format!(
            "{},补发原因,原发放序号,说明\r\n王小二,{id},{village},低保,2019-01,20,{DATE},差额补足,{first},标准提高后补足差额\r\n",
            HEADER.join(",")
        ),
    )
    .expect("csv");
    let (code, out, err) = post(&s, "en", &table, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("差额补足.csv: 1 payment(s) posted, 20.00 元; receipts in {table}.receipts.jsonl\n")
    );
    let third = s.node.get_json(&format!("/v1/entries/{}", second + 1));
    assert_eq!(
        third["entry"]["body"]["HouseholdSubsidy"]["supplementary"],
        serde_json::json!({"note": "标准提高后补足差额", "of_seq": first, "reason": "TopUp"})
    );
}

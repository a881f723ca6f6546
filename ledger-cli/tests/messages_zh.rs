//! What `ledger` says to people, checked word for word (issue 14: "Chinese
//! first"; `ledger --lang zh` output is checked for the main paths, and a
//! few in English with `--lang en`). Each expected text is built from the
//! node's own answer (sizes, roots and keys differ per run), so the test
//! pins the wording, not the demo's numbers. Error codes stay ASCII in
//! both languages.

mod common;

use common::TestNode;

/// Run `ledger ARGS` without `--quiet` (notes are part of what is
/// checked), in a locale that names no language: the default must be
/// Chinese. Returns (exit code, stdout, stderr).
fn run_lang(args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("running ledger");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn s(v: &serde_json::Value, key: &str) -> String {
    match &v[key] {
        serde_json::Value::String(x) => x.clone(),
        other => other.to_string(),
    }
}

#[test]
fn query_speaks_chinese_by_default_and_english_when_asked() {
    let node = TestNode::start_demo(3_000);
    let log = node.get_json("/v1/log");
    let key_line = |from: &str, en: bool| {
        if en {
            format!("  from size {from}: {}\n", s(&log, "log_vkey"))
        } else {
            format!("  自第 {from} 条起：{}\n", s(&log, "log_vkey"))
        }
    };

    // `query log`, whole.
    let (code, out, err) = run_lang(&["query", "--node", &node.url, "log"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!(
            "淮安区阳光扶贫资金账本\n来源标识：{}\n记录数：  {}\n根哈希：  {}\n账本密钥：{}\n{}",
            s(&log, "origin"),
            s(&log, "size"),
            s(&log, "root"),
            s(&log, "log_vkey"),
            key_line("0", false)
        )
    );
    let (code, out, _) = run_lang(&["--lang", "en", "query", "--node", &node.url, "log"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "淮安区阳光扶贫资金账本\norigin:  {}\nsize:    {}\nroot:    {}\nlog key: {}\n{}",
            s(&log, "origin"),
            s(&log, "size"),
            s(&log, "root"),
            s(&log, "log_vkey"),
            key_line("0", true)
        )
    );

    // `query entry`: signers by holder and office, not by hex.
    let entry = node.get_json("/v1/entries/1234");
    let signer = entry["entry"]["signers"][0].as_str().expect("signer").to_string();
    let grant = node.get_json(&format!("/v1/keys/{signer}"));
    let (code, out, _) = run_lang(&["query", "--node", &node.url, "entry", "1234"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "第 1234 条 {}（{}）",
            s(&entry["entry"], "kind_zh"),
            s(&entry["entry"], "kind")
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "签名人：  {}（{}，{}…）",
            s(&grant, "holder"),
            s(&grant, "office_zh"),
            &signer[..8]
        )
    );
    assert_eq!(lines[4], format!("摘要：    {}", s(&entry["entry"], "summary_zh")));
    let (_, out, _) = run_lang(&["--lang", "en", "query", "--node", &node.url, "entry", "1234"]);
    assert_eq!(
        out.lines().nth(3).expect("signers line"),
        format!(
            "signers:    {} ({}, {}…)",
            s(&grant, "holder"),
            s(&grant, "office"),
            &signer[..8]
        )
    );

    // `query village`: totals in 元 with separators, Chinese titles only.
    let flows = node.get_json("/v1/regions/320803106000/flows");
    let (code, out, _) = run_lang(&["query", "--node", &node.url, "village", "320803106000"]);
    assert_eq!(code, 0);
    let totals = &flows["totals"];
    let yuan = |key: &str| {
        let fen = totals[key].as_u64().expect(key);
        ledger_core::amount::Fen::from_raw(fen).to_yuan_string()
    };
    assert!(
        out.starts_with(&format!(
            "320803106000 施河镇（乡镇/街道）\n到达资金 {} 元，到户 {} 元（{} 户），项目 {} 元，结余 {} 元\n\n资金来源\n资金  ",
            yuan("received_fen"),
            yuan("households_fen"),
            s(totals, "households"),
            yuan("projects_fen"),
            yuan("balance_fen")
        )),
        "{out}"
    );
    assert!(out.contains("\n项目\n项目  名称  "), "{out}");
    assert!(out.contains("\n到户补贴（合计 "), "{out}");
    assert!(!out.contains("funds in") && !out.contains("subsidies"), "{out}");
    let (_, out, _) = run_lang(&["--lang", "en", "query", "--node", &node.url, "village", "320803106000"]);
    assert!(out.starts_with("320803106000 施河镇 (town)\nreceived "), "{out}");
    assert!(out.contains("\nfunds in\nfund  "), "{out}");

    // `query household`: the household line.
    let page = node.get_json("/v1/entries?start=1000&limit=1000");
    let household = page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find_map(|e| e.pointer("/body/HouseholdSubsidy/household").and_then(|h| h.as_str()))
        .expect("a household payment")
        .to_string();
    let answer = node.get_json(&format!("/v1/households/{household}"));
    let (code, out, _) = run_lang(&["query", "--node", &node.url, "household", &household]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().next(),
        Some(
            format!(
                "户 {household}（{}），合计 {} 元",
                s(&answer, "masked_name"),
                ledger_core::amount::Fen::from_raw(answer["total_fen"].as_u64().expect("total")).to_yuan_string()
            )
            .as_str()
        )
    );

    // `query project`: its head line and section titles.
    let project = node.get_json("/v1/projects/P2019-115205-01");
    let p = &project["project"];
    let (code, out, _) = run_lang(&["query", "--node", &node.url, "project", "P2019-115205-01"]);
    assert_eq!(code, 0);
    let stage = s(p, "stage_zh");
    assert!(
        out.starts_with(&format!(
            "P2019-115205-01 {}{}\n{} {}，{}，预算 {} 元，",
            s(p, "name"),
            if stage.is_empty() {
                String::new()
            } else {
                format!("（{stage}）")
            },
            s(p, "village"),
            s(p, "village_name"),
            s(p, "category_zh"),
            ledger_core::amount::Fen::from_raw(p["budget_fen"].as_u64().expect("budget")).to_yuan_string()
        )),
        "{out}"
    );
    // (Column widths follow the data: the header words, not their spacing.)
    let after = out.split("\n项目支出\n").nth(1).expect("the payments' title");
    let header: Vec<&str> = after.lines().next().expect("header").split_whitespace().collect();
    assert_eq!(
        header,
        ["条目", "日期", "资金", "收款方", "金额(元)", "合同", "节点", "冲正"]
    );
    assert!(!out.contains("disbursements"), "{out}");
    let (_, out, _) = run_lang(&[
        "--lang",
        "en",
        "query",
        "--node",
        &node.url,
        "project",
        "P2019-115205-01",
    ]);
    let after = out.split("\ndisbursements\n").nth(1).expect("the payments' title");
    assert!(after.lines().next().expect("header").contains("payee"), "{out}");

    // A refusal by the node: Chinese sentence, the node's code as it is.
    let (code, _, err) = run_lang(&["query", "--node", &node.url, "household", "zz"]);
    assert_eq!(code, 3);
    assert!(
        err.starts_with(&format!(
            "ledger: {}/v1/households/zz：节点答复 400 bad_parameter：",
            node.url
        )),
        "{err}"
    );
    // A bad flag value: usage, exit 2, nothing asked.
    let (code, _, err) = run_lang(&["query", "--node", &node.url, "entries", "--limit", "0"]);
    assert_eq!((code, err.as_str()), (2, "ledger: --limit 应为 1-1000\n"));
    let (code, _, err) = run_lang(&["--lang", "en", "query", "--node", &node.url, "entries", "--limit", "0"]);
    assert_eq!((code, err.as_str()), (2, "ledger: --limit must be 1-1000\n"));
}

#[test]
fn network_errors_and_key_files_speak_chinese() {
    // Nothing listens on port 1: the connection is refused at once.
    let (code, _, err) = run_lang(&["--timeout", "2", "query", "--node", "http://127.0.0.1:1", "log"]);
    assert_eq!(code, 3);
    assert_eq!(
        err,
        "ledger: http://127.0.0.1:1/v1/log：无法连接节点（地址是否正确、节点是否在运行？）\n"
    );
    let (code, _, err) = run_lang(&[
        "--lang",
        "en",
        "--timeout",
        "2",
        "query",
        "--node",
        "http://127.0.0.1:1",
        "log",
    ]);
    assert_eq!(code, 3);
    assert_eq!(
        err,
        "ledger: http://127.0.0.1:1/v1/log: cannot connect (is the address right, is the node running?)\n"
    );
    let (code, _, err) = run_lang(&["query", "--node", "127.0.0.1:8080", "log"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "ledger: --node 应为 http:// 或 https:// 开头的网址，而不是 \"127.0.0.1:8080\"\n"
        )
    );

    // keygen: the files it wrote, in Chinese; refusing to overwrite.
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("shihe-op.key");
    let key_s = key.display().to_string();
    let (code, out, err) = run_lang(&["keygen", "--out", &key_s]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("shihe-op+"), "{out}");
    let vkey = dir.path().join("shihe-op.vkey").display().to_string();
    assert!(
        err.starts_with(&format!("已写入私钥 {key_s}（权限 0600）和验证公钥 {vkey}；公钥 ")),
        "{err}"
    );
    let (code, _, err) = run_lang(&[
        "keygen",
        "--out",
        &dir.path().join("other.key").display().to_string(),
        "--name",
        "a b",
    ]);
    assert_eq!(
        (code, err.as_str()),
        (2, "ledger: --name \"a b\"：密钥名不能含空格或“+”（1-255 字节）\n")
    );
    let (code, _, err) = run_lang(&[
        "keygen",
        "--out",
        &dir.path().join("shihe-op.key").display().to_string(),
    ]);
    assert_eq!(code, 4);
    assert_eq!(err, format!("ledger: {vkey} 已存在（请换一个 --out）\n"));

    // export --data: a folder with no store (a mistyped --data).
    let nowhere = dir.path().join("nowhere").display().to_string();
    let out = dir.path().join("x.bundle").display().to_string();
    let (code, _, err) = run_lang(&["export", "--data", &nowhere, "--out", &out]);
    assert_eq!(code, 4);
    assert!(
        err.starts_with(&format!("ledger: 无法读取数据目录 {nowhere} 中的账本存储：")),
        "{err}"
    );

    // cosign: a file that is not there; a key given twice.
    let missing = dir.path().join("t.json").display().to_string();
    let (code, _, err) = run_lang(&["cosign", &missing, "--key", &key_s]);
    assert_eq!(code, 4);
    assert!(err.starts_with(&format!("ledger: 无法读取 {missing}")), "{err}");
    let (code, _, err) = run_lang(&["cosign", &missing, "--key", &key_s, "--key", &key_s]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            format!("ledger: 密钥文件 {key_s} 给了两次（联签需要不同的密钥）\n").as_str()
        )
    );
    let (code, _, err) = run_lang(&["--lang", "en", "cosign", &missing, "--key", &key_s, "--key", &key_s]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            format!("ledger: key file {key_s} is given twice (co-signatures need distinct keys)\n").as_str()
        )
    );
}

#[test]
fn witness_pull_mode_speaks_chinese_by_default_and_english_when_asked() {
    let node = TestNode::start_demo(300);
    let log = node.get_json("/v1/log");
    let (origin, size, vkey) = (s(&log, "origin"), s(&log, "size"), s(&log, "log_vkey"));
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("jiwei.key").display().to_string();
    let (code, _, err) = run_lang(&["keygen", "--out", &key]);
    assert_eq!(code, 0, "{err}");
    let state = dir.path().join("jiwei.state.json").display().to_string();
    let witness = |extra: &[&str]| {
        let mut args = vec!["witness", "--node", &node.url, "--key", &key, "--state", &state];
        args.extend_from_slice(extra);
        run_lang(&args)
    };

    // First use without the log key: refused before anything is fetched.
    let (code, out, err) = witness(&[]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (2, "", "ledger: 第一次运行需要 --log-key VKEY（您信任的账本验证密钥）\n")
    );
    let (code, _, err) = run_lang(&[
        "--lang", "en", "witness", "--node", &node.url, "--key", &key, "--state", &state,
    ]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "ledger: the first run needs --log-key VKEY (the log's verifier key you trust)\n"
        )
    );

    // First use: cosigned, the note in Chinese.
    let (code, out, err) = witness(&["--log-key", &vkey]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("— jiwei "), "{out}");
    assert_eq!(
        err,
        format!("已联署 {origin} 大小为 {size} 的检查点（上次大小：无，首次运行）\n")
    );

    // Again, in English: the previous size is the one just cosigned.
    let (code, _, err) = run_lang(&[
        "--lang", "en", "witness", "--node", &node.url, "--key", &key, "--state", &state,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        format!("cosigned checkpoint size {size} of {origin} (previous size {size})\n")
    );

    // Another log key than the one kept: refused, nothing written.
    let before = std::fs::read(&state).expect("state");
    let other = dir.path().join("other.key").display().to_string();
    let (code, other_vkey, err) = run_lang(&["keygen", "--out", &other]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = witness(&["--log-key", other_vkey.trim()]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            format!(
                "ledger: --log-key 与 {state} 中保存的账本密钥（{vkey}）不同；账本换了密钥，请另起一个新的状态文件\n"
            )
            .as_str()
        )
    );
    assert_eq!(std::fs::read(&state).expect("state"), before);

    // A state whose root is not the log's at that size (a fork): refused,
    // the evidence kept, the state untouched.
    let mut kept: serde_json::Value = serde_json::from_slice(&before).expect("state json");
    kept["root"] = serde_json::Value::String("00".repeat(32));
    let forked = serde_json::to_vec(&kept).expect("json");
    std::fs::write(&state, &forked).expect("write state");
    let (code, out, err) = witness(&[]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.starts_with("ledger: 拒绝联署："), "{err}");
    assert!(
        err.ends_with(&format!(
            "；账本给出的历史没有延续本见证人已联署的检查点。两个检查点和证明已作为分叉证据保存在 {state}.fork-evidence.json\n"
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&state).expect("state"), forked);
}

#[test]
fn audit_flags_are_refused_in_chinese_before_the_bundle_is_read() {
    let (code, out, err) = run_lang(&["audit", "missing.bundle", "--fail-on", "extreme"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (2, "", "ledger: --fail-on \"extreme\"：应为 low、medium 或 high\n")
    );
    let (code, _, err) = run_lang(&["audit", "missing.bundle", "--format", "html"]);
    assert_eq!((code, err.as_str()), (2, "ledger: --format html 需要 --out FILE\n"));
    let (code, _, err) = run_lang(&["--lang", "en", "audit", "missing.bundle", "--format", "html"]);
    assert_eq!((code, err.as_str()), (2, "ledger: --format html needs --out FILE\n"));
}

#[test]
fn prove_against_another_log_key_is_refused_in_chinese_and_in_english() {
    let node = TestNode::start_demo(300);
    let log = node.get_json("/v1/log");
    let (size, vkey) = (s(&log, "size"), s(&log, "log_vkey"));
    let dir = tempfile::tempdir().expect("tempdir");
    let name = vkey.split('+').next().expect("key name").to_string();
    let stranger = dir.path().join("stranger.key").display().to_string();
    let (code, wrong, err) = run_lang(&["keygen", "--out", &stranger, "--name", &name]);
    assert_eq!(code, 0, "{err}");
    let wrong = wrong.trim().to_string();
    let (code, out, err) = run_lang(&["prove", "--node", &node.url, "--seq", "5", "--log-key", &wrong]);
    assert_eq!(
        (code, out.as_str(), err),
        (
            1,
            "",
            format!(
                "ledger: 大小为 {size} 的检查点由 {vkey} 签名，而节点没有列出从固定的密钥 {wrong} 到它的密钥轮换\n"
            )
        )
    );
    let (code, _, err) = run_lang(&[
        "--lang",
        "en",
        "prove",
        "--node",
        &node.url,
        "--seq",
        "5",
        "--log-key",
        &wrong,
    ]);
    assert_eq!(
        (code, err),
        (
            1,
            format!(
                "ledger: the checkpoint of size {size} is signed by {vkey}, and the node lists no rotation from the pinned key {wrong} to it\n"
            )
        )
    );
}

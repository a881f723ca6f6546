//! What the read API shows of the project log of `projects` (its table of
//! entries): a project's timeline, budget per fund, contracts and
//! warnings; a region's projects by status; idle money (资金滞留) with
//! exact values, and the same figures as the rule engine's own
//! (`LedgerState::idle_money`) from a replay of the log the node serves.

use super::projects::{d, C1, C2, DISTRICT, P1_APPROVE, TOWN, V1, V2};
use super::*;

pub(crate) async fn check_project_p1(app: &ledger_node::api::AppState) -> TestResult {
    let answer = get_json(app, "/v1/projects/P1").await?;
    assert_schema("ProjectAnswer", &answer)?;
    let p = &answer["project"];
    assert_eq!(
        (p["status"].as_str(), p["status_zh"].as_str()),
        (Some("evaluated"), Some("已评价"))
    );
    assert_eq!(
        (p["stage"].as_str(), p["stage_zh"].as_str()),
        (Some("evaluated"), Some("绩效评价"))
    );
    assert_eq!(u(&p["budget_fen"]), 15_000_000);
    assert_eq!(u(&p["paid_fen"]), 14_400_001);
    assert_eq!(u(&p["balance_fen"]), 600_000);
    assert_eq!(answer["as_of"], "2020-06-28");
    assert_eq!(answer["as_of_basis"], "latest_business_date");
    let kinds: Vec<&str> = answer["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["register", "review", "approve", "start", "adjust", "adjust", "accept", "handover", "evaluate"]
    );
    let tl = &answer["timeline"];
    assert_eq!(tl[0]["seq"], 14);
    assert_eq!(tl[0]["date"], Value::Null);
    assert_eq!(tl[1]["document_no"], "施政审〔2020〕P1号");
    assert_eq!(tl[1]["passed"], true);
    assert_eq!(tl[2]["seq"], P1_APPROVE);
    assert_eq!(tl[2]["kind_zh"], "批复入库");
    assert_eq!(tl[2]["date"], "2020-02-20");
    assert_eq!(tl[2]["document_no"], "淮区扶贫〔2020〕12号");
    assert_eq!(tl[2]["plan"], serde_json::json!({"notice": "N-PLAN", "line": 0}));
    assert_eq!(
        tl[2]["budgets"],
        serde_json::json!([{"fund": "F-A", "amount_fen": 10_000_000}, {"fund": "F-B", "amount_fen": 5_000_000}])
    );
    assert_eq!(tl[2]["contract"]["contractor_id"], C1);
    assert_eq!(tl[4]["contract"]["contractor_id"], C2);
    assert_eq!(tl[4]["note"], "原施工单位资质到期，变更施工单位");
    assert_eq!(tl[5]["contract"], Value::Null);
    assert_eq!(tl[5]["stage"], "started");
    assert_eq!(tl[7]["note"], "移交一村村委会管护");
    assert_eq!(tl[8]["score"], 92);
    assert_eq!(tl[8]["stage_zh"], "绩效评价");
    // Budget: 160,000 元 after the second adjustment, 144,000.01 paid.
    let b = &answer["budget"];
    assert_eq!(u(&b["approved_fen"]), 16_000_000);
    assert_eq!(b["document_no"], "淮区扶贫〔2020〕35号");
    assert_eq!(u(&b["paid_fen"]), 14_400_001);
    assert_eq!(u(&b["paid_bp"]), 9_000);
    assert_eq!((u(&b["retention_bp"]), u(&b["retained_fen"])), (1_000, 1_600_000));
    assert_eq!(b["retention_released"], true);
    assert_eq!(
        b["funds"],
        serde_json::json!([
            {"fund": "F-A", "title": "2020年财政专项扶贫资金 F-A", "approved_fen": 10_000_000, "paid_fen": 9_400_000,
             "left_fen": 600_000, "over_fen": 0, "paid_bp": 9_400},
            {"fund": "F-B", "title": "2020年财政专项扶贫资金 F-B", "approved_fen": 6_000_000, "paid_fen": 5_000_001,
             "left_fen": 999_999, "over_fen": 0, "paid_bp": 8_333}
        ])
    );
    // Contracts: C1 at the approval, C2 by the first adjustment.
    let contracts = answer["contracts"].as_array().cloned().unwrap_or_default();
    assert_eq!(contracts.len(), 2);
    assert_eq!(
        (contracts[0]["contractor_id"].as_str(), u(&contracts[0]["seq"])),
        (Some(C1), P1_APPROVE)
    );
    assert_eq!(contracts[1]["document_no"], "淮区扶贫〔2020〕31号");
    assert_eq!(contracts[1]["date"], "2020-03-16");
    assert_eq!(answer["contract"], contracts[1]);
    // 6,000 元 left in the project account since 2020-02-25: 124 days, over 60.
    assert_eq!(
        answer["idle"],
        serde_json::json!([{"fund": "F-A", "fund_title": "2020年财政专项扶贫资金 F-A", "amount_fen": 600_000,
                            "since": "2020-02-25", "days": 124, "limit_days": 60}])
    );
    assert_eq!(
        answer["warnings"],
        serde_json::json!([{"code": "idle_money", "message_zh": "项目账户资金 6,000.00 元滞留 124 天，超过 60 天的时限",
                            "message": "6,000.00 yuan of fund F-A has sat in the project account for 124 days (limit 60)"}])
    );
    // The payments with their business dates; none is history.
    let paid: Vec<(u64, &str)> = answer["disbursements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| (u(&x["amount_fen"]), x["date"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        paid,
        [
            (3_000_000, "2020-03-16"),
            (5_000_001, "2020-03-21"),
            (6_400_000, "2020-06-20")
        ]
    );
    assert!(answer["disbursements"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|x| x["warnings"] == serde_json::json!([])));
    Ok(())
}

pub(crate) async fn check_other_projects(app: &ledger_node::api::AppState) -> TestResult {
    // P2: approved, paid up to the retention.
    let p2 = get_json(app, "/v1/projects/P2").await?;
    assert_schema("ProjectAnswer", &p2)?;
    assert_eq!(p2["project"]["status"], "started");
    let kinds: Vec<(&str, Value)> = p2["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| (i["kind"].as_str().unwrap_or_default(), i["passed"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("register", Value::Null),
            ("review", Value::Bool(false)),
            ("review", Value::Bool(true)),
            ("approve", Value::Null),
            ("start", Value::Null)
        ]
    );
    assert_eq!(p2["timeline"][1]["stage"], "proposed");
    assert_eq!(
        (u(&p2["budget"]["paid_fen"]), u(&p2["budget"]["retained_fen"])),
        (1_800_000, 200_000)
    );
    assert_eq!(p2["budget"]["retention_released"], false);
    assert_eq!(
        p2["warnings"],
        serde_json::json!([{"code": "retention_held", "message_zh": "尾款/质保金 2,000.00 元待竣工验收后支付",
                            "message": "the retention of 2,000.00 yuan is paid only after the acceptance"}])
    );
    // P4: started 2020-03-01, planned to end 2020-05-31, not accepted on 2020-06-28.
    let p4 = get_json(app, "/v1/projects/P4").await?;
    assert_eq!(
        p4["warnings"],
        serde_json::json!([{"code": "not_accepted", "message_zh": "已开工 119 天，超过计划完工日期 2020-05-31 仍未验收",
                            "message": "started 119 days ago and not accepted after its planned end 2020-05-31"}])
    );
    // P3: cancelled where it stood (proposed).
    let p3 = get_json(app, "/v1/projects/P3").await?;
    assert_eq!(
        (p3["project"]["status"].as_str(), p3["project"]["stage"].as_str()),
        (Some("cancelled"), Some("proposed"))
    );
    assert_eq!(p3["timeline"][1]["kind"], "cancel");
    assert_eq!(p3["timeline"][1]["note"], "选址不符合用地规划，终止实施");
    assert_eq!(p3["budget"], Value::Null);
    assert_eq!(p3["contract"], Value::Null);
    // P5: history paid over its budget before the rules (2019).
    let p5 = get_json(app, "/v1/projects/P5").await?;
    assert_schema("ProjectAnswer", &p5)?;
    let codes: Vec<&str> = p5["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| w["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["over_budget", "retention_held"]);
    assert_eq!(
        p5["warnings"][0]["message_zh"],
        "资金 F2019-H 累计支付 12,000.00 元，超过批复预算 10,000.00 元（规则施行前的历史记录）"
    );
    assert_eq!(u(&p5["budget"]["funds"][0]["over_fen"]), 200_000);
    assert_eq!(u(&p5["budget"]["paid_bp"]), 12_000);
    assert_eq!(p5["disbursements"][0]["warnings"][0]["code"], "project_overrun");
    assert_eq!(
        p5["disbursements"][0]["warnings"][0]["message_zh"],
        "超出预算：项目 P5 批复预算 10,000.00 元，已支付 0.00 元，本次 12,000.00 元将超出预算（规则施行前的历史记录）"
    );
    for (uri, status, code) in [
        ("/v1/projects/NO-SUCH", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/projects/P1?limit=0", StatusCode::BAD_REQUEST, "bad_parameter"),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

pub(crate) async fn check_region_projects(app: &ledger_node::api::AppState) -> TestResult {
    let v1 = get_json(app, &format!("/v1/regions/{V1}/projects")).await?;
    assert_schema("RegionProjects", &v1)?;
    let counts: Vec<(&str, u64, u64, u64)> = v1["by_status"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["status"].as_str().unwrap_or_default(),
                u(&c["count"]),
                u(&c["approved_fen"]),
                u(&c["paid_fen"]),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("proposed", 0, 0, 0),
            ("reviewed", 0, 0, 0),
            ("approved", 0, 0, 0),
            ("started", 2, 2_500_000, 1_800_000),
            ("accepted", 0, 0, 0),
            ("handed_over", 0, 0, 0),
            ("evaluated", 1, 16_000_000, 14_400_001),
            ("cancelled", 0, 0, 0)
        ]
    );
    let listed: Vec<(&str, &str, Value)> = v1["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or_default(),
                p["status"].as_str().unwrap_or_default(),
                p["warnings"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("P2", "started", serde_json::json!(["retention_held"])),
            ("P4", "started", serde_json::json!(["not_accepted"])),
            ("P1", "evaluated", serde_json::json!(["idle_money"]))
        ]
    );
    let p1 = &v1["projects"][2];
    assert_eq!(p1["contractor_name"], "江苏润通路桥有限公司");
    assert_eq!((u(&p1["approved_fen"]), u(&p1["paid_bp"])), (16_000_000, 9_000));
    assert_eq!(p1["last_date"], "2020-06-28");
    // The district: every project; paged one at a time; filtered by status.
    let mut ids = Vec::new();
    let mut uri = format!("/v1/regions/{DISTRICT}/projects?limit=1");
    loop {
        let page = get_json(app, &uri).await?;
        assert_schema("RegionProjects", &page)?;
        ids.extend(
            page["projects"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["id"].to_string()),
        );
        match page["next"].as_u64() {
            Some(n) => uri = format!("/v1/regions/{DISTRICT}/projects?limit=1&after={n}"),
            None => break,
        }
    }
    assert_eq!(ids, ["\"P5\"", "\"P2\"", "\"P4\"", "\"P1\"", "\"P3\""]);
    let cancelled = get_json(app, &format!("/v1/regions/{DISTRICT}/projects?status=cancelled")).await?;
    assert_eq!(cancelled["projects"][0]["id"], "P3");
    assert_eq!(cancelled["projects"].as_array().map(Vec::len), Some(1));
    for (uri, status, code) in [
        (
            format!("/v1/regions/{V1}/projects?status=done"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/320803999999/projects".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/v1/regions/3208/projects".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

pub(crate) async fn check_idle(app: &ledger_node::api::AppState, size: u64) -> TestResult {
    let all = get_json(app, &format!("/v1/regions/{DISTRICT}/idle")).await?;
    assert_schema("RegionIdle", &all)?;
    assert_eq!(all["as_of"], "2020-06-28");
    assert_eq!(
        all["limits"],
        serde_json::json!({"district_days": 30, "town_days": 30, "village_days": 30, "project_days": 60})
    );
    // By hand: the district holds F2019-H 88,000 (since 2019-01-10), F-A
    // 700,000 and F-B 401,999.99 (since 2020-01-10); the town F-A 200,000
    // (since 2020-01-20) and no F-B (the money the reversal returned was
    // passed on again: folded in any later, the town would show 30,000);
    // 一村 F-B 30,000 (since 2020-02-05); P1's account F-A 6,000 (since
    // 2020-02-25).
    let items: Vec<(String, String, u64, String, i64, u64)> = all["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["account"].as_str().unwrap_or_default().to_string(),
                i["fund"].as_str().unwrap_or_default().to_string(),
                u(&i["amount_fen"]),
                i["since"].as_str().unwrap_or_default().to_string(),
                i["days"].as_i64().unwrap_or(-1),
                u(&i["over_days"]),
            )
        })
        .collect();
    let row = |a: &str, f: &str, amount: u64, since: &str, days: i64, over: u64| {
        (a.to_string(), f.to_string(), amount, since.to_string(), days, over)
    };
    assert_eq!(
        items,
        [
            row("treasury:320803000000", "F2019-H", 8_800_000, "2019-01-10", 535, 505),
            row("treasury:320803000000", "F-A", 70_000_000, "2020-01-10", 170, 140),
            row("treasury:320803000000", "F-B", 40_199_999, "2020-01-10", 170, 140),
            row("treasury:320803101000", "F-A", 20_000_000, "2020-01-20", 160, 130),
            row("treasury:320803101201", "F-B", 3_000_000, "2020-02-05", 144, 114),
            row("project:P1", "F-A", 600_000, "2020-02-25", 124, 64),
        ]
    );
    assert_eq!(all["items"][5]["level"], "project");
    assert_eq!(all["items"][5]["region"]["code"], V1);
    assert_eq!(all["items"][4]["level_zh"], "村级");
    assert_eq!(all["items"][3]["account_name"], "施河镇财政所");
    assert_eq!((u(&all["total_fen"]), u(&all["count"])), (142_599_999, 6));
    assert_eq!(
        all["by_town"],
        serde_json::json!([{"region": {"code": TOWN, "name": "施河镇"}, "amount_fen": 23_600_000, "count": 3}])
    );
    assert_eq!(
        all["by_village"],
        serde_json::json!([{"region": {"code": V1, "name": "一村"}, "amount_fen": 3_600_000, "count": 2}])
    );
    // The same figures as the rule engine's, from a replay of what the node serves.
    let raw = all_entries(app).await?;
    assert_eq!(raw.len() as u64, size);
    let mut replay = ledger_core::verify::Replay::new();
    let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    replay.push(&refs, &mut |_, _, _| {}).map_err(|e| e.to_string())?;
    let engine: Vec<(String, String, u64, String, i64)> = replay
        .state
        .idle_money(d(20200628))
        .into_iter()
        .map(|f| {
            (
                f.account.key(),
                f.fund.to_string(),
                f.amount,
                f.since.to_string(),
                f.days,
            )
        })
        .collect();
    let mut ours: Vec<(String, String, u64, String, i64)> =
        items.into_iter().map(|(a, f, m, s, dd, _)| (a, f, m, s, dd)).collect();
    let mut engine_sorted = engine;
    ours.sort();
    engine_sorted.sort();
    assert_eq!(ours, engine_sorted);
    // A town sees its own and its villages' accounts; paging.
    let town = get_json(app, &format!("/v1/regions/{TOWN}/idle?limit=1")).await?;
    assert_schema("RegionIdle", &town)?;
    assert_eq!((u(&town["total_fen"]), u(&town["count"])), (23_600_000, 3));
    assert_eq!(town["items"][0]["account"], "treasury:320803101000");
    assert_eq!(town["next"], 1);
    let second = get_json(app, &format!("/v1/regions/{TOWN}/idle?limit=2&after=1")).await?;
    let accounts: Vec<&str> = second["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["account"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(accounts, ["treasury:320803101201", "project:P1"]);
    assert_eq!(second["next"], Value::Null);
    let v2 = get_json(app, &format!("/v1/regions/{V2}/idle")).await?;
    assert_eq!(
        (u(&v2["total_fen"]), v2["items"].as_array().map(Vec::len)),
        (0, Some(0))
    );
    for (uri, status, code) in [
        ("/v1/regions/320803999999/idle", StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/regions/320803000000/idle?limit=5000",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

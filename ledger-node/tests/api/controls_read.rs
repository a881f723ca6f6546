//! The read API's notices, lines, registered households, objections and
//! each payment's date, line, confirmation and warnings (issue 12), with
//! exact values, on the log of `controls`.

use super::controls::*;
use super::*;
use ledger_node::server::{start, Started};

#[tokio::test]
async fn region_notices_newest_first_with_windows() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let today = node.today.to_string();
    let v1 = get_json(app, &format!("/v1/regions/{C_V1}/notices")).await?;
    assert_schema("RegionNotices", &v1)?;
    assert_eq!(v1["today"], today.as_str());
    assert_eq!(v1["region"], serde_json::json!({"code": C_V1, "name": "一村"}));
    let seqs = |v: &Value| -> Vec<u64> {
        v["notices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| u(&n["seq"]))
            .collect()
    };
    // The village's own notices and the town and district ones listing its households.
    assert_eq!(seqs(&v1), vec![21, 12, 10, 9, 8, 7, 4]);
    assert_eq!(v1["next"], Value::Null);
    assert_eq!(
        v1["notices"][1],
        serde_json::json!({
            "notice": "N-PAY", "seq": 12, "stage": "payment_list", "stage_zh": "发放公示",
            "region": {"code": C_V1, "name": "一村"}, "title": "2019年7-9月低保金发放公示",
            "start": "2019-07-10", "ends": "2019-07-17", "window_days": 7,
            "status": "ended", "status_zh": "已结束", "lines": 3
        })
    );
    let now = &v1["notices"][0];
    assert_eq!(
        (
            now["notice"].as_str(),
            now["status"].as_str(),
            now["status_zh"].as_str()
        ),
        (Some("N-PAY-NOW"), Some("open"), Some("公示中"))
    );
    assert_eq!(now["start"], today.as_str());
    assert_eq!(now["ends"], node.today.plus_days(7).ok_or("date")?.to_string().as_str());
    assert_eq!(v1["notices"][3]["region"]["code"], C_DISTRICT);
    assert_eq!(v1["notices"][3]["stage_zh"], "区级公示");

    // A town: posted in it or below (not the district's notice).
    let town = get_json(app, &format!("/v1/regions/{C_TOWN}/notices")).await?;
    assert_eq!(seqs(&town), vec![23, 21, 12, 10, 8, 7, 4]);
    let district = get_json(app, &format!("/v1/regions/{C_DISTRICT}/notices")).await?;
    assert_eq!(seqs(&district), vec![23, 21, 12, 10, 9, 8, 7, 4]);
    let v2 = get_json(app, &format!("/v1/regions/{C_V2}/notices")).await?;
    assert_eq!(seqs(&v2), vec![23]);

    // Pages: `before` the previous page's `next`.
    let page = get_json(app, &format!("/v1/regions/{C_V1}/notices?limit=3")).await?;
    assert_eq!((seqs(&page), u(&page["next"])), (vec![21, 12, 10], 10));
    let page = get_json(app, &format!("/v1/regions/{C_V1}/notices?limit=3&before=10")).await?;
    assert_eq!((seqs(&page), u(&page["next"])), (vec![9, 8, 7], 7));
    let page = get_json(app, &format!("/v1/regions/{C_V1}/notices?limit=3&before=7")).await?;
    assert_eq!((seqs(&page), page["next"].clone()), (vec![4], Value::Null));

    let bad = get(app, &format!("/v1/regions/{C_V1}/notices?limit=1001")).await?;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_parameter")
    );
    let unknown = get(app, "/v1/regions/320803999999/notices").await?;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

#[tokio::test]
async fn a_notice_with_the_status_of_each_line() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let pay = get_json(app, "/v1/notices/N-PAY").await?;
    assert_schema("NoticeAnswer", &pay)?;
    assert_eq!(
        (pay["notice"].as_str(), u(&pay["seq"]), pay["status"].as_str()),
        (Some("N-PAY"), 12, Some("ended"))
    );
    let village = serde_json::json!({"code": C_V1, "name": "一村"});
    let payment_line = |line: u32, period: &str, status: &str, status_zh: &str, paid: Value, objections: Value| {
        serde_json::json!({
            "line": line, "household": hex(1), "masked_name": "张*三", "village": village,
            "category": "minimum_living", "category_zh": "最低生活保障", "period": period,
            "amount_fen": 30000, "amount": "300.00", "status": status, "status_zh": status_zh,
            "paid_seq": paid, "objections": objections
        })
    };
    assert_eq!(
        pay["lines"],
        serde_json::json!([
            payment_line(
                0,
                "2019-07",
                "paid",
                "已发放",
                serde_json::json!(13),
                serde_json::json!([])
            ),
            payment_line(
                1,
                "2019-08",
                "paid",
                "已发放",
                serde_json::json!(19),
                serde_json::json!(["YY-2019-0001"])
            ),
            payment_line(2, "2019-09", "open", "未发放", Value::Null, serde_json::json!([])),
        ])
    );

    // Household lines: 在列, and the line withdrawn after the upheld objection.
    let vil = get_json(app, "/v1/notices/N-VIL").await?;
    assert_schema("NoticeAnswer", &vil)?;
    let household_line = |line: u32, n: u8, name: &str, status: &str, status_zh: &str, objections: Value| {
        serde_json::json!({
            "line": line, "household": hex(n), "masked_name": name, "village": village,
            "category": "minimum_living", "category_zh": "低保", "period": null,
            "amount_fen": null, "amount": null, "status": status, "status_zh": status_zh,
            "paid_seq": null, "objections": objections
        })
    };
    assert_eq!(
        vil["lines"],
        serde_json::json!([
            household_line(0, 1, "张*三", "open", "在列", serde_json::json!([])),
            household_line(
                1,
                2,
                "李*四",
                "withdrawn",
                "已撤回",
                serde_json::json!(["YY-2019-0002"])
            ),
        ])
    );
    assert_eq!(
        (vil["stage"].as_str(), vil["stage_zh"].as_str(), vil["title"].as_str()),
        (Some("village_publicity"), Some("村级公示"), Some("2019年低保村级公示"))
    );

    // An open objection: 有异议; the other line of the open window: 未发放.
    let now = get_json(app, "/v1/notices/N-PAY-NOW").await?;
    assert_eq!(
        (now["status"].as_str(), now["status_zh"].as_str()),
        (Some("open"), Some("公示中"))
    );
    assert_eq!(
        (
            now["lines"][0]["status"].as_str(),
            now["lines"][0]["status_zh"].as_str()
        ),
        (Some("open"), Some("未发放"))
    );
    assert_eq!(
        (
            now["lines"][1]["status"].as_str(),
            now["lines"][1]["status_zh"].as_str()
        ),
        (Some("objected"), Some("有异议"))
    );
    assert_eq!(now["lines"][1]["objections"], serde_json::json!(["YY-NOW-0001"]));

    // A town notice lists the village of each household.
    let town = get_json(app, "/v1/notices/N-TOWN").await?;
    assert_eq!(
        (
            town["region"]["name"].as_str(),
            town["lines"][1]["village"]["name"].as_str()
        ),
        (Some("施河镇"), Some("一村"))
    );

    // Unknown, altered or malformed ids: 404 unknown_notice.
    for bad in ["N-NONE", "n-pay", "N-PAY-", "N-PAY%20", "%E5%85%AC%E5%91%8A"] {
        let answer = get(app, &format!("/v1/notices/{bad}")).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::NOT_FOUND, "unknown_notice"),
            "{bad}: {}",
            answer.text()
        );
        assert_schema("Error", &answer.json()?)?;
    }
    Ok(())
}

#[tokio::test]
async fn households_registered_now_per_village() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let v1 = get_json(app, &format!("/v1/regions/{C_V1}/households")).await?;
    assert_schema("RegionHouseholds", &v1)?;
    assert_eq!(
        v1,
        serde_json::json!({
            "region": {"code": C_V1, "name": "一村"},
            "households": [{
                "household": hex(1), "masked_name": "张*三",
                "registrations": [{
                    "category": "minimum_living", "category_zh": "低保", "from": "2019-07-08",
                    "until": null, "seq": 11, "ended_seq": null, "procedure": true
                }]
            }],
            "by_category": {"minimum_living": 1, "registered_low_income": 0},
            "next": null
        })
    );
    // The town counts its villages; 二村 has applicants but nobody registered.
    let town = get_json(app, &format!("/v1/regions/{C_TOWN}/households")).await?;
    assert_eq!(town["households"].as_array().map(Vec::len), Some(1));
    assert_eq!(town["by_category"]["minimum_living"], 1);
    let v2 = get_json(app, &format!("/v1/regions/{C_V2}/households")).await?;
    assert_eq!(
        (v2["households"].clone(), v2["by_category"]["minimum_living"].clone()),
        (serde_json::json!([]), serde_json::json!(0))
    );
    let unknown = get(app, "/v1/regions/320803999999/households").await?;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

#[tokio::test]
async fn objections_with_status_and_decisions() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let v1 = get_json(app, &format!("/v1/regions/{C_V1}/objections")).await?;
    assert_schema("RegionObjections", &v1)?;
    let today = node.today.to_string();
    assert_eq!(
        v1["objections"],
        serde_json::json!([
            {
                "case_no": "YY-NOW-0001", "seq": 22, "target": {"notice": "N-PAY-NOW", "line": 1},
                "channel": "in_person", "channel_zh": "当面反映", "received": today,
                "summary": "反映上月已发放", "status": "open", "status_zh": "处理中",
                "decided_seq": null, "decided_date": null, "reason": null
            },
            {
                "case_no": "YY-2019-0003", "seq": 20, "target": {"seq": 19},
                "channel": "web", "channel_zh": "网上反映", "received": "2019-08-25",
                "summary": "反映8月低保金未实际到账", "status": "open", "status_zh": "处理中",
                "decided_seq": null, "decided_date": null, "reason": null
            },
            {
                "case_no": "YY-2019-0002", "seq": 17, "target": {"notice": "N-VIL", "line": 1},
                "channel": "letter", "channel_zh": "来信", "received": "2019-06-12",
                "summary": "反映该户有经营性车辆", "status": "upheld", "status_zh": "属实",
                "decided_seq": 18, "decided_date": "2019-06-20", "reason": "经核实属实，撤回公示"
            },
            {
                "case_no": "YY-2019-0001", "seq": 15, "target": {"notice": "N-PAY", "line": 1},
                "channel": "hotline_12317", "channel_zh": "12317热线", "received": "2019-07-12",
                "summary": "反映该户家庭收入超标", "status": "dismissed", "status_zh": "不属实",
                "decided_seq": 16, "decided_date": "2019-07-19", "reason": "经入户核实，收入未超标"
            }
        ])
    );
    assert_eq!(v1["next"], Value::Null);
    let page = get_json(app, &format!("/v1/regions/{C_V1}/objections?limit=2")).await?;
    assert_eq!(
        (page["objections"].as_array().map(Vec::len), u(&page["next"])),
        (Some(2), 20)
    );
    let page = get_json(app, &format!("/v1/regions/{C_V1}/objections?limit=2&before=20")).await?;
    assert_eq!(
        (page["objections"][0]["case_no"].as_str(), page["next"].clone()),
        (Some("YY-2019-0002"), Value::Null)
    );
    let town = get_json(app, &format!("/v1/regions/{C_TOWN}/objections")).await?;
    assert_eq!(town["objections"].as_array().map(Vec::len), Some(4));
    let v2 = get_json(app, &format!("/v1/regions/{C_V2}/objections")).await?;
    assert_eq!(v2["objections"], serde_json::json!([]));
    Ok(())
}

/// The controls part of a payment item, with the Chinese words and warning
/// texts its answer sends once (`labels`, `warning_texts`) put back in.
fn controls_of(item: &Value, answer: &Value) -> Value {
    let mut confirmation = item["confirmation"].clone();
    if let Some(c) = confirmation.as_object_mut() {
        let status = c.get("status").and_then(Value::as_str).unwrap_or("-").to_string();
        c.insert("status_zh".into(), answer["labels"]["confirmation"][status].clone());
        if let Some(method) = c.get("method").and_then(Value::as_str).map(str::to_string) {
            c.insert("method_zh".into(), answer["labels"]["method"][method].clone());
        }
    }
    let warnings: Vec<Value> = item["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let mut w = w.clone();
            let text = answer["warning_texts"][w["text"].as_u64().unwrap_or(u64::MAX) as usize].clone();
            if let Some(o) = w.as_object_mut() {
                o.remove("text");
                o.insert("message_zh".into(), text["message_zh"].clone());
                o.insert("message".into(), text["message"].clone());
            }
            w
        })
        .collect();
    serde_json::json!({
        "seq": item["seq"], "date": item["date"], "notice": item["notice"],
        "category_zh": answer["labels"]["category"][item["category"].as_str().unwrap_or("-")],
        "confirmation": confirmation, "warnings": warnings
    })
}

fn expected_payments() -> Value {
    let none = serde_json::json!({"status": "not_required", "status_zh": "无需确认"});
    serde_json::json!([
        {
            "seq": 3, "date": "2019-03-15", "notice": null, "category_zh": "最低生活保障", "confirmation": none,
            "warnings": [
                {"code": "missing_role", "message_zh": "缺少政策规定的镇扶贫办签字（规则施行前的历史记录）", "office": "town_poverty_office",
                 "message": "not signed by the town_poverty_office the policy names (before roles were enforced)"},
                {"code": "paid_unregistered", "message_zh": "发放日 2019-03-15 该户未在有权享受“最低生活保障”的类别中建档立卡（规则施行前的历史记录）",
                 "message": "household not registered in a category entitling it to minimum_living on 2019-03-15"},
                {"code": "paid_without_notice", "message_zh": "发放前未经发放公示（规则施行前的历史记录）",
                 "message": "paid without a payment-list line (发放公示)"}
            ]
        },
        {
            "seq": 13, "date": "2019-07-20", "notice": {"notice": "N-PAY", "line": 0}, "category_zh": "最低生活保障",
            "confirmation": {"status": "confirmed", "status_zh": "已确认", "seq": 14, "date": "2019-07-25",
                             "method": "card_signature", "method_zh": "明白卡签字"},
            "warnings": []
        },
        {
            "seq": 19, "date": "2019-08-20", "notice": {"notice": "N-PAY", "line": 1}, "category_zh": "最低生活保障",
            "confirmation": {"status": "overdue", "status_zh": "逾期未确认", "deadline": "2019-09-19"},
            "warnings": []
        }
    ])
}

#[tokio::test]
async fn payments_show_date_line_confirmation_and_warnings() -> TestResult {
    let node = cnode()?;
    let app = &node.app;
    let flows = get_json(app, &format!("/v1/regions/{C_V1}/flows")).await?;
    assert_schema("Flows", &flows)?;
    let subsidies = &flows["subsidies"];
    let items: Vec<Value> = subsidies["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| controls_of(item, subsidies))
        .collect();
    assert_eq!(Value::Array(items), expected_payments());
    // The lean row itself: codes and text indexes, the words once per answer.
    assert_eq!(
        subsidies["items"][0]["warnings"],
        serde_json::json!([
            {"code": "missing_role", "text": 0, "office": "town_poverty_office"},
            {"code": "paid_unregistered", "text": 1},
            {"code": "paid_without_notice", "text": 2}
        ])
    );
    assert_eq!(
        (
            subsidies["items"][0].get("category_zh"),
            subsidies["items"][0].get("reversed_by")
        ),
        (None, None)
    );
    assert_eq!(
        subsidies["labels"],
        serde_json::json!({
            "category": {"minimum_living": "最低生活保障"},
            "confirmation": {"confirmed": "已确认", "not_required": "无需确认", "overdue": "逾期未确认"},
            "method": {"card_signature": "明白卡签字"}
        })
    );
    assert_eq!(subsidies["warning_texts"].as_array().map(Vec::len), Some(3));

    // The household: its registrations and its payments, the same way.
    let one = get_json(app, &format!("/v1/households/{}", hex(1))).await?;
    assert_schema("HouseholdAnswer", &one)?;
    assert_eq!(
        (u(&one["count"]), u(&one["total_fen"]), one["masked_name"].as_str()),
        (2, 60_000, Some("张*三"))
    );
    assert_eq!(
        one["registrations"],
        serde_json::json!([{
            "category": "minimum_living", "category_zh": "低保", "from": "2019-07-08",
            "until": null, "seq": 11, "ended_seq": null, "procedure": true
        }])
    );
    let entry_seqs: Vec<u64> = one["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| u(&e["seq"]))
        .collect();
    assert_eq!(entry_seqs, vec![13, 19]);
    let payments: Vec<Value> = one["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| controls_of(item, &one))
        .collect();
    let expected = expected_payments();
    assert_eq!(Value::Array(payments), serde_json::json!([expected[1], expected[2]]));
    let nine = get_json(app, &format!("/v1/households/{}", hex(9))).await?;
    assert_eq!(
        (nine["registrations"].clone(), controls_of(&nine["payments"][0], &nine)),
        (serde_json::json!([]), expected[0].clone())
    );
    // Household 2 applied, was withdrawn, never paid: nothing to show.
    let two = get(app, &format!("/v1/households/{}", hex(2))).await?;
    assert_eq!((two.status, two.code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
    Ok(())
}

/// The controls are rebuilt by the replay at start-up: a restarted node
/// answers every controls view exactly as before (the new kinds replay in
/// the node, warnings included).
#[tokio::test]
async fn a_restarted_node_shows_the_same_controls() -> TestResult {
    let node = tokio::task::spawn_blocking(|| controls_node("controls-restart").map_err(|e| e.to_string()))
        .await?
        .map_err(|e| e.to_string())?;
    let uris = [
        format!("/v1/regions/{C_V1}/notices"),
        format!("/v1/regions/{C_DISTRICT}/notices"),
        "/v1/notices/N-PAY".to_string(),
        "/v1/notices/N-VIL".to_string(),
        "/v1/notices/N-PAY-NOW".to_string(),
        format!("/v1/regions/{C_V1}/households"),
        format!("/v1/regions/{C_V1}/objections"),
        format!("/v1/regions/{C_V1}/flows"),
        format!("/v1/households/{}", hex(1)),
        format!("/v1/households/{}", hex(9)),
    ];
    let mut before = Vec::new();
    for uri in &uris {
        before.push(get_json(&node.app, uri).await?);
    }
    let ControlsNode {
        dir, app, sequencer, ..
    } = node;
    tokio::task::spawn_blocking(move || {
        drop(app);
        sequencer.join().map_err(|_| "sequencer panicked".to_string())
    })
    .await??;
    let started = start(&config(&dir, limits())?).map_err(|e| format!("{e:#}"))?;
    for (uri, expected) in uris.iter().zip(&before) {
        let mut again = get_json(&started.app, uri).await?;
        let mut expected = expected.clone();
        // `today` may have turned over midnight between the two reads.
        for v in [&mut again, &mut expected] {
            if let Some(o) = v.as_object_mut() {
                o.remove("today");
            }
        }
        assert_eq!(again, expected, "{uri}");
    }
    assert_eq!(before[0]["notices"].as_array().map(Vec::len), Some(7));
    assert_eq!(
        before[7]["subsidies"]["items"][0]["warnings"].as_array().map(Vec::len),
        Some(3)
    );
    let Started { app, sequencer } = started;
    tokio::task::spawn_blocking(move || {
        drop(app);
        sequencer.join().map_err(|_| "sequencer panicked".to_string())
    })
    .await??;
    Ok(())
}

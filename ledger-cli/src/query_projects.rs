//! `ledger query project` and `ledger query idle` as tables (项目库, issue
//! 13): a project's stages with dates and documents, its budget per fund
//! against what was paid, the contractor in force, its warnings and
//! payments; a region's money over its time limit (资金滞留预警). Sections
//! the node does not send are left out, so an older node still prints.

use crate::messages::query::{Headers, QueryText};
use crate::messages::Message as _;
use crate::query::{arr, s, yuan};
use crate::table::Table;
use serde_json::Value;

/// A share in basis points as a percentage, `95.00%`.
fn percent(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_u64)
        .map(|bp| format!("{}.{:02}%", bp / 100, bp % 100))
        .unwrap_or_default()
}

/// `GET /v1/projects/{id}` as text.
pub fn project(v: &Value) -> String {
    let p = v.get("project").cloned().unwrap_or(Value::Null);
    let mut text = QueryText::ProjectHead {
        id: s(&p, "id"),
        name: s(&p, "name"),
        stage: s(&p, "stage_zh"),
        village: s(&p, "village"),
        village_name: s(&p, "village_name"),
        category: s(&p, "category_zh"),
        budget: yuan(&p, "budget_fen"),
        paid: yuan(&p, "paid_fen"),
        implementer: s(&p, "implementer"),
    }
    .text();
    if let Some(c) = v.get("contract").filter(|c| !c.is_null()) {
        text.push_str(
            &QueryText::Contract {
                name: s(c, "contractor_name"),
                id: s(c, "contractor_id"),
                contract_no: s(c, "contract_no"),
            }
            .text(),
        );
    }
    let timeline = arr(v, "timeline");
    if !timeline.is_empty() {
        let mut t = Table::new(Headers::ProjectTimeline.get()).right_align(&[0]);
        for item in timeline {
            let outcome = match (item.get("passed").and_then(Value::as_bool), item.get("score")) {
                (Some(true), _) => QueryText::Passed.text(),
                (Some(false), _) => QueryText::Failed.text(),
                (None, Some(score)) if !score.is_null() => QueryText::Score {
                    score: score.to_string(),
                }
                .text(),
                _ => String::new(),
            };
            t.row(vec![
                format!("#{}", s(item, "seq")),
                s(item, "date"),
                s(item, "kind_zh"),
                s(item, "document_no"),
                format!("{outcome}{}", s(item, "note")),
            ]);
        }
        text.push_str(&QueryText::Timeline.text());
        text.push_str(&t.render());
    }
    if let Some(b) = v.get("budget").filter(|b| !b.is_null()) {
        text.push_str(
            &QueryText::Budget {
                document_no: s(b, "document_no"),
                approved: yuan(b, "approved_fen"),
                paid: yuan(b, "paid_fen"),
                paid_share: percent(b, "paid_bp"),
                retained: yuan(b, "retained_fen"),
                released: b.get("retention_released").and_then(Value::as_bool) == Some(true),
            }
            .text(),
        );
        let mut t = Table::new(Headers::ProjectBudget.get()).right_align(&[2, 3, 4, 5]);
        for f in arr(b, "funds") {
            t.row(vec![
                s(f, "fund"),
                s(f, "title"),
                yuan(f, "approved_fen"),
                yuan(f, "paid_fen"),
                yuan(f, "left_fen"),
                yuan(f, "over_fen"),
            ]);
        }
        text.push_str(&t.render());
    }
    let warnings = arr(v, "warnings");
    if !warnings.is_empty() {
        text.push_str(&QueryText::Warnings.text());
        for w in warnings {
            text.push_str(&format!("  [{}] {}\n", s(w, "code"), s(w, "message_zh")));
        }
    }
    let mut t = Table::new(Headers::ProjectDisbursements.get()).right_align(&[0, 4]);
    for d in arr(v, "disbursements") {
        t.row(vec![
            format!("#{}", s(d, "seq")),
            s(d, "date"),
            s(d, "fund"),
            s(d, "payee_name"),
            yuan(d, "amount_fen"),
            s(d, "contract_ref"),
            s(d, "milestone"),
            d.get("reversed_by")
                .and_then(Value::as_u64)
                .map(|r| format!("#{r}"))
                .unwrap_or_default(),
        ]);
    }
    text.push_str(&QueryText::Disbursements.text());
    text.push_str(&t.render());
    text
}

/// `GET /v1/regions/{code}/idle` as text.
pub fn idle(v: &Value) -> String {
    let region = v.get("region").cloned().unwrap_or(Value::Null);
    let as_of = s(v, "as_of");
    let mut text = QueryText::IdleHead {
        code: s(&region, "code"),
        name: s(&region, "name"),
        as_of: if as_of.is_empty() { "—".to_string() } else { as_of },
        total: yuan(v, "total_fen"),
        count: s(v, "count"),
    }
    .text();
    if let Some(l) = v.get("limits").filter(|l| !l.is_null()) {
        text.push_str(
            &QueryText::IdleLimits {
                district: s(l, "district_days"),
                town: s(l, "town_days"),
                village: s(l, "village_days"),
                project: s(l, "project_days"),
            }
            .text(),
        );
    }
    let mut t = Table::new(Headers::Idle.get()).right_align(&[4, 6, 7]);
    for i in arr(v, "items") {
        t.row(vec![
            s(i, "account"),
            s(i, "account_name"),
            s(i, "level_zh"),
            s(i, "fund"),
            yuan(i, "amount_fen"),
            s(i, "since"),
            s(i, "days"),
            s(i, "over_days"),
        ]);
    }
    text.push('\n');
    text.push_str(&t.render());
    if let Some(next) = v.get("next").and_then(Value::as_u64) {
        text.push_str(&QueryText::IdleMore { next }.text());
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_project_with_its_timeline_budget_and_warnings() {
        let v: Value = serde_json::from_str(
            r#"{"project":{"id":"P-1","name":"王桥村道路硬化","village":"320803101201","village_name":"王桥村委会",
            "category_zh":"村组道路","budget_fen":50000000,"paid_fen":38000000,"implementer":"施河镇人民政府",
            "stage":"started","stage_zh":"实施"},
            "contract":{"contractor_id":"91320803MA1XXXXXX0","contractor_name":"淮安市瑞丰建设工程有限公司","contract_no":"HT-1","seq":9,"date":"2019-03-20"},
            "timeline":[{"kind":"project_review","kind_zh":"审核论证","seq":5,"date":"2019-03-08","document_no":"淮区扶贫论〔2019〕3号","note":"可行","stage":"reviewed","stage_zh":"审核论证","passed":true},
              {"kind":"project_evaluate","kind_zh":"绩效评价","seq":12,"date":"2019-12-15","document_no":"淮区扶贫绩〔2019〕9号","note":"满意","stage":"evaluated","stage_zh":"绩效评价","score":92}],
            "budget":{"approved_fen":40000000,"document_no":"淮区扶贫〔2019〕12号","paid_fen":38000000,"paid_bp":9500,"retention_bp":500,"retained_fen":2000000,"retention_released":false,
              "funds":[{"fund":"F1","title":"省级专项","approved_fen":40000000,"paid_fen":38000000,"left_fen":2000000,"over_fen":0,"paid_bp":9500}]},
            "warnings":[{"code":"not_accepted","message_zh":"尚未验收","message":"not accepted"}],
            "disbursements":[{"seq":10,"date":"2019-04-18","fund":"F1","payee_name":"淮安市瑞丰建设工程有限公司","amount_fen":38000000,"contract_ref":"HT-1","milestone":"预付款","reversed_by":null}]}"#,
        )
        .unwrap();
        let text = project(&v);
        assert!(text.starts_with(
            "P-1 王桥村道路硬化（实施）\n320803101201 王桥村委会，村组道路，预算 500,000.00 元，已付 380,000.00 元，实施单位 施河镇人民政府\n\
             施工单位 淮安市瑞丰建设工程有限公司（91320803MA1XXXXXX0），合同 HT-1\n"
        ), "{text}");
        assert!(text.contains("淮区扶贫论〔2019〕3号"), "{text}");
        assert!(text.contains("通过 可行"), "{text}");
        assert!(text.contains("92分 满意"), "{text}");
        assert!(text.contains(
            "批复预算（淮区扶贫〔2019〕12号）：400,000.00 元，已付 380,000.00 元（95.00%），质保金 20,000.00 元（验收前暂留）"
        ), "{text}");
        assert!(text.contains("  [not_accepted] 尚未验收\n"), "{text}");
        assert!(text.contains("预付款"), "{text}");
        // An older node's answer (no stages): the old sections only.
        let old: Value = serde_json::from_str(r#"{"project":{"id":"P-1","name":"路"},"disbursements":[]}"#).unwrap();
        let text = project(&old);
        assert!(text.starts_with("P-1 路\n"), "{text}");
        assert!(!text.contains("项目进度") && !text.contains("批复预算"), "{text}");
    }

    #[test]
    fn idle_money_of_a_region() {
        let v: Value = serde_json::from_str(
            r#"{"region":{"code":"320803000000","name":"淮安区"},"as_of":"2020-12-24","as_of_basis":"latest_business_date",
            "limits":{"district_days":30,"town_days":30,"village_days":30,"project_days":90},"total_fen":93500000,"count":1,
            "items":[{"account":"treasury:320803121000","account_name":"车桥镇财政所","level":"town","level_zh":"镇级",
              "fund":"F2019-SCN-012","fund_title":"省级专项","amount_fen":93500000,"since":"2019-02-10","days":683,"limit_days":30,"over_days":653}],
            "next":null}"#,
        )
        .unwrap();
        let text = idle(&v);
        assert!(text.starts_with(
            "资金滞留预警 320803000000 淮安区，截至 2020-12-24：合计 935,000.00 元，1 项\n时限：区级 30 天，镇级 30 天，村级 30 天，项目 90 天\n"
        ), "{text}");
        assert!(text.contains("treasury:320803121000"), "{text}");
        assert!(text.contains("935,000.00"), "{text}");
        assert!(text.contains("653"), "{text}");
        assert!(!text.contains("更多"), "{text}");
    }
}

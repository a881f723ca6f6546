//! What a household payment of the demo shows besides its amount: business
//! date, payment-list line, confirmation (确认) and the warnings of history
//! paid before a control was enforced, in a village's flows and on the
//! household's page, against the demo submissions.

use super::*;
use ledger_core::keys::Office;
use ledger_core::policy::required_roles;
use ledger_core::procedure::AssistanceCategory;

/// The controls part of a payment item, as the model says.
fn expected(
    node: &TestNode,
    controls: &ControlsModel,
    offices: &HashMap<Bytes<32>, Office>,
    seq: u64,
    s: &HouseholdSubsidy,
) -> Value {
    let policy = &controls.policy;
    let enforced = policy.enforced_from;
    let today = china_today();
    // The lean row (issue 12): no null fields, the Chinese words once per
    // answer in `labels` (checked here through `controls_of`).
    let (confirmation, status_zh, method_zh) = match controls.confirmed.get(&seq) {
        Some((by, date, method)) => {
            let method_zh = ledger_core::procedure::ConfirmMethod::parse(method).map(|m| m.label_zh());
            (
                serde_json::json!({"status": "confirmed", "seq": by, "date": date.to_string(), "method": method}),
                "已确认",
                method_zh,
            )
        }
        None if s.date < enforced.confirmation => (serde_json::json!({"status": "not_required"}), "无需确认", None),
        None => {
            let deadline = s.date.plus_days(u32::from(policy.confirmation_days)).unwrap_or(s.date);
            let (status, zh) = if today > deadline {
                ("overdue", "逾期未确认")
            } else {
                ("pending", "待确认")
            };
            (
                serde_json::json!({"status": status, "deadline": deadline.to_string()}),
                zh,
                None,
            )
        }
    };
    // Warning codes of history (the rule engine's order): roles, registration, notice.
    let mut codes = Vec::new();
    if s.date < enforced.roles {
        let signers: Vec<Office> = node.log.submissions[seq as usize]
            .signatures
            .iter()
            .filter_map(|sig| offices.get(&sig.key).copied())
            .collect();
        let needed = required_roles(&policy.cosign_rules, EntryKind::HouseholdSubsidy, Some(s.amount));
        if needed.iter().any(|o| !signers.contains(o)) {
            codes.push("missing_role");
        }
    }
    if s.date < enforced.registration && !registered_on(node, controls, s, seq) {
        codes.push("paid_unregistered");
    }
    if s.date < enforced.payment_list && s.notice.is_none() {
        codes.push("paid_without_notice");
    }
    if s.date < enforced.payment_list {
        if let Some(code) = s.notice.as_ref().and_then(|r| line_history(controls, r, s, seq)) {
            codes.push(code);
        }
    }
    serde_json::json!({
        "seq": seq, "date": s.date.to_string(),
        "notice": s.notice.as_ref().map(|r| serde_json::json!({"notice": r.notice.to_string(), "line": r.line})),
        "confirmation": confirmation, "warnings": codes,
        "category_zh": s.category.label_zh(), "status_zh": status_zh, "method_zh": method_zh
    })
}

/// What the cited line did not allow when history payment `seq` was made:
/// the first of amount, withdrawal, open objection, window (the rule
/// engine's order).
fn line_history(
    controls: &ControlsModel,
    r: &ledger_core::procedure::NoticeLineRef,
    s: &HouseholdSubsidy,
    seq: u64,
) -> Option<&'static str> {
    let (_, notice, ends) = controls.notices.iter().find(|(_, n, _)| n.notice == r.notice)?;
    let allowed = match &notice.lines {
        ledger_core::procedure::NoticeLines::Payments(l) => l.get(r.line as usize)?.amount,
        _ => return None,
    };
    if s.amount > allowed {
        return Some("paid_above_notice");
    }
    let before: Vec<_> = controls
        .line_objections(r)
        .into_iter()
        .filter(|(o, _, _)| *o < seq)
        .collect();
    let decided_before = |d: &Option<(u64, ledger_core::procedure::ObjectionResolve)>| {
        d.as_ref().filter(|(by, _)| *by < seq).map(|(_, x)| x.outcome)
    };
    if before
        .iter()
        .any(|(_, _, d)| decided_before(d) == Some(ledger_core::procedure::ObjectionOutcome::Upheld))
    {
        return Some("paid_on_withdrawn_line");
    }
    if before.iter().any(|(_, _, d)| decided_before(d).is_none()) {
        return Some("paid_under_open_objection");
    }
    (s.date < *ends).then_some("paid_before_window_end")
}

/// Was the household registered, before entry `seq`, in a category
/// entitling it to the subsidy on its date?
fn registered_on(node: &TestNode, controls: &ControlsModel, s: &HouseholdSubsidy, seq: u64) -> bool {
    let entitling: Vec<AssistanceCategory> = controls.policy.entitling(s.category).collect();
    let mut held: Vec<(
        AssistanceCategory,
        ledger_core::ids::Date,
        Option<ledger_core::ids::Date>,
    )> = Vec::new();
    for sub in node.log.submissions.iter().take(seq as usize) {
        match &sub.submission.body {
            EntryBody::HouseholdRegister(r) if r.household == s.household && r.village == s.village => {
                held.push((r.category, r.date, None))
            }
            EntryBody::HouseholdExit(e) if e.household == s.household => {
                for h in held.iter_mut() {
                    if h.2.is_none() && controls.policy.ends_with_exit(h.0) {
                        h.2 = Some(e.date);
                    }
                }
            }
            _ => {}
        }
    }
    held.iter()
        .any(|(c, from, until)| entitling.contains(c) && *from <= s.date && until.is_none_or(|u| s.date < u))
}

/// Each signer's office, from the grants.
fn offices(node: &TestNode) -> HashMap<Bytes<32>, Office> {
    let mut out = HashMap::new();
    for s in &node.log.submissions {
        match &s.submission.body {
            EntryBody::Genesis(g) => {
                for grant in &g.grants {
                    out.insert(grant.key, grant.office);
                }
            }
            EntryBody::KeyGrant(grant) => {
                out.insert(grant.key, grant.office);
            }
            _ => {}
        }
    }
    out
}

/// The controls of a payment item, its Chinese words looked up in the
/// `labels` of its `answer` (sent once per answer, not on the row).
fn controls_of(item: &Value, answer: &Value) -> Value {
    let codes: Vec<Value> = item["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| w["code"].clone())
        .collect();
    let label = |map: &str, code: &Value| answer["labels"][map][code.as_str().unwrap_or("-")].clone();
    let confirmation = &item["confirmation"];
    serde_json::json!({
        "seq": item["seq"], "date": item["date"], "notice": item["notice"],
        "confirmation": confirmation, "warnings": codes,
        "category_zh": label("category", &item["category"]),
        "status_zh": label("confirmation", &confirmation["status"]),
        "method_zh": label("method", &confirmation["method"])
    })
}

/// Each warning of `item` with its texts from the answer's `warning_texts`.
fn warning_texts(item: &Value, answer: &Value) -> Vec<(String, Value)> {
    item["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let text = w["text"].as_u64().and_then(|i| answer["warning_texts"].get(i as usize));
            (
                w["code"].as_str().unwrap_or_default().to_string(),
                text.cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[tokio::test]
async fn demo_payments_show_date_line_confirmation_and_warnings() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let model = Model::new(node);
    let controls = ControlsModel::new(node);
    let offices = offices(node);
    let village = village_with_most_notices(&controls)?;
    let payments = model.subsidies_of(village);
    assert!(!payments.is_empty());
    let mut items = Vec::new();
    let mut after: Option<u64> = None;
    loop {
        let uri = match after {
            Some(a) => format!("/v1/regions/{village}/flows?limit=1000&after={a}"),
            None => format!("/v1/regions/{village}/flows?limit=1000"),
        };
        let flows = get_json(app, &uri).await?;
        let subsidies = &flows["subsidies"];
        for item in subsidies["items"].as_array().into_iter().flatten() {
            items.push((controls_of(item, subsidies), warning_texts(item, subsidies)));
        }
        // Each text once per answer, and every one used.
        let texts = subsidies["warning_texts"].as_array().ok_or("warning_texts")?;
        let distinct: BTreeSet<String> = texts.iter().map(Value::to_string).collect();
        assert_eq!(distinct.len(), texts.len(), "{texts:?}");
        match flows["subsidies"]["next"].as_u64() {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let got: Vec<Value> = items.iter().map(|(c, _)| c.clone()).collect();
    let want: Vec<Value> = payments
        .iter()
        .map(|(seq, s)| expected(node, &controls, &offices, *seq, s))
        .collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    // Every warning has its Chinese and English texts in the answer.
    let mut warned = 0;
    for (_, texts) in &items {
        for (code, text) in texts {
            warned += 1;
            assert!(
                text["message_zh"]
                    .as_str()
                    .is_some_and(|m| m.ends_with("（规则施行前的历史记录）")),
                "{code}: {text}"
            );
            assert!(
                text["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{code}: {text}"
            );
        }
    }
    assert!(warned > 0, "the village has history with warnings");
    // The whole demo: the controls of every payment, on its household's page.
    let statuses: BTreeSet<String> = got
        .iter()
        .map(|g| g["confirmation"]["status"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(statuses.contains("confirmed"), "{statuses:?}");
    let (seq, s) = payments.last().ok_or("a payment")?;
    let answer = get_json(app, &format!("/v1/households/{}?limit=1000", s.household)).await?;
    assert_schema("HouseholdAnswer", &answer)?;
    let on_page = answer["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| u(&p["seq"]) == *seq)
        .ok_or("the payment on its household's page")?;
    assert_eq!(
        controls_of(on_page, &answer),
        expected(node, &controls, &offices, *seq, s)
    );
    Ok(())
}

/// Every payment of the demo dated before the controls carries the
/// warnings its history earned; every later one carries none.
#[tokio::test]
async fn demo_history_payments_are_never_shown_as_plainly_fine() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let controls = ControlsModel::new(node);
    let enforced = controls.policy.enforced_from;
    let history: Vec<(u64, &HouseholdSubsidy)> = node
        .log
        .submissions
        .iter()
        .enumerate()
        .filter_map(|(seq, s)| match &s.submission.body {
            EntryBody::HouseholdSubsidy(x) if x.date < enforced.payment_list => Some((seq as u64, x)),
            _ => None,
        })
        .collect();
    assert!(!history.is_empty(), "the demo has pre-rule history");
    let offices = offices(node);
    for (seq, s) in history.iter().take(20) {
        let answer = get_json(app, &format!("/v1/households/{}?limit=1000", s.household)).await?;
        let item = answer["payments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| u(&p["seq"]) == *seq)
            .ok_or("the payment")?;
        let want = expected(node, &controls, &offices, *seq, s);
        assert_eq!(controls_of(item, &answer), want);
        assert!(
            !want["warnings"].as_array().is_some_and(Vec::is_empty),
            "history entry {seq} breaks a control: {want}"
        );
    }
    Ok(())
}

//! Notices (公告公示) of the demo log: a region's list and every notice's
//! lines, against a model of the policy's controls computed here from the
//! demo submissions (not from the node). The model is shared with the
//! objections, registrations and payments modules.

use super::*;
use ledger_core::ids::Date;
use ledger_core::policy::Policy;
use ledger_core::procedure::{
    Notice, NoticeLineRef, NoticeLines, Objection, ObjectionOutcome, ObjectionResolve, ObjectionTarget,
};
use ledger_core::region::RegionLevel;

/// An objection of the demo: its seq, body and decision (seq, body).
pub(crate) type DemoObjection = (u64, Objection, Option<(u64, ObjectionResolve)>);

/// The policy's controls as the demo submissions say.
pub(crate) struct ControlsModel {
    /// Region names.
    pub names: HashMap<RegionCode, String>,
    /// The policy in force at the end.
    pub policy: Policy,
    /// (seq, notice, first day after its window).
    pub notices: Vec<(u64, Notice, Date)>,
    /// (seq, objection, decision (seq, resolve)).
    pub objections: Vec<DemoObjection>,
    /// Live payment citing each line: line → seq.
    pub paid: HashMap<NoticeLineRef, u64>,
    /// Payment seq → its confirming entry (seq, date, method).
    pub confirmed: HashMap<u64, (u64, Date, &'static str)>,
}

impl ControlsModel {
    pub(crate) fn new(node: &TestNode) -> ControlsModel {
        let model = Model::new(node);
        let mut names = HashMap::new();
        let mut policy = Policy::default();
        let mut notices = Vec::new();
        let mut objections: Vec<DemoObjection> = Vec::new();
        let mut paid = HashMap::new();
        let mut confirmed = HashMap::new();
        for (seq, body) in model.bodies.iter().enumerate() {
            let seq = seq as u64;
            match body {
                EntryBody::Genesis(g) => {
                    policy = g.policy.clone();
                    for r in &g.regions {
                        names.insert(r.code, r.name.clone());
                    }
                }
                EntryBody::RegionRegister { regions } => {
                    for r in regions {
                        names.entry(r.code).or_insert_with(|| r.name.clone());
                    }
                }
                EntryBody::PolicyUpdate { policy: p } => policy = p.clone(),
                EntryBody::Notice(n) => {
                    let days = policy.publicity_days.of(n.stage);
                    let ends = n.start.plus_days(u32::from(days)).unwrap_or(n.start);
                    notices.push((seq, n.clone(), ends));
                }
                EntryBody::Objection(o) => objections.push((seq, o.clone(), None)),
                EntryBody::ObjectionResolve(r) => {
                    if let Some(o) = objections.iter_mut().find(|(_, o, _)| o.case_no == r.case_no) {
                        o.2 = Some((seq, r.clone()));
                    }
                }
                EntryBody::HouseholdSubsidy(s) => {
                    if let Some(line) = &s.notice {
                        if !model.reversed.contains_key(&seq) {
                            paid.insert(line.clone(), seq);
                        }
                    }
                }
                EntryBody::PaymentConfirm(c) => {
                    confirmed.insert(c.payment_seq, (seq, c.date, c.method.name()));
                }
                _ => {}
            }
        }
        ControlsModel {
            names,
            policy,
            notices,
            objections,
            paid,
            confirmed,
        }
    }

    pub(crate) fn region_json(&self, code: RegionCode) -> Value {
        serde_json::json!({"code": code.to_string(), "name": self.names.get(&code).cloned().unwrap_or_default()})
    }

    /// The notices a region lists: posted in it or below it, and for a
    /// village the higher notices listing its households; newest first.
    pub(crate) fn notices_of(&self, code: RegionCode) -> Vec<&(u64, Notice, Date)> {
        self.notices
            .iter()
            .rev()
            .filter(|(_, n, _)| {
                code.covers(n.region)
                    || (code.level() == RegionLevel::Village
                        && n.region.level() != RegionLevel::Village
                        && matches!(&n.lines, NoticeLines::Households(l) if l.iter().any(|l| l.village == code)))
            })
            .collect()
    }

    /// A notice as listed (`lines`: the count).
    pub(crate) fn notice_json(&self, seq: u64, n: &Notice, ends: Date, today: Date) -> Value {
        let open = today < ends;
        serde_json::json!({
            "notice": n.notice.to_string(), "seq": seq, "stage": n.stage.name(), "stage_zh": n.stage.label_zh(),
            "region": self.region_json(n.region), "title": n.title.to_string(),
            "start": n.start.to_string(), "ends": ends.to_string(), "window_days": n.start.days_until(ends),
            "status": if open { "open" } else { "ended" }, "status_zh": if open { "公示中" } else { "已结束" },
            "lines": n.lines.len()
        })
    }

    /// The objections against a line, in order received.
    pub(crate) fn line_objections(&self, r: &NoticeLineRef) -> Vec<&DemoObjection> {
        self.objections
            .iter()
            .filter(|(_, o, _)| matches!(&o.target, ObjectionTarget::NoticeLine(x) if x == r))
            .collect()
    }

    /// A line's (status, status_zh, paid_seq).
    pub(crate) fn line_status(&self, r: &NoticeLineRef, payment: bool) -> (&'static str, &'static str, Option<u64>) {
        let objections = self.line_objections(r);
        if objections
            .iter()
            .any(|(_, _, d)| matches!(d, Some((_, x)) if x.outcome == ObjectionOutcome::Upheld))
        {
            return ("withdrawn", "已撤回", None);
        }
        if objections.iter().any(|(_, _, d)| d.is_none()) {
            return ("objected", "有异议", None);
        }
        match self.paid.get(r) {
            Some(seq) => ("paid", "已发放", Some(*seq)),
            None if payment => ("open", "未发放", None),
            None => ("open", "在列", None),
        }
    }

    /// A notice's lines as `GET /v1/notices/{id}` shows them.
    pub(crate) fn lines_json(&self, n: &Notice) -> Value {
        let r = |line: usize| NoticeLineRef {
            notice: n.notice.clone(),
            line: line as u32,
        };
        let objections = |line: usize| -> Vec<String> {
            self.line_objections(&r(line))
                .iter()
                .map(|(_, o, _)| o.case_no.to_string())
                .collect()
        };
        let lines: Vec<Value> = match &n.lines {
            NoticeLines::Households(list) => list
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (status, status_zh, paid) = self.line_status(&r(i), false);
                    serde_json::json!({
                        "line": i, "household": l.household.to_string(), "masked_name": l.masked_name.to_string(),
                        "village": self.region_json(l.village), "category": l.category.name(),
                        "category_zh": l.category.label_zh(), "period": null, "amount_fen": null, "amount": null,
                        "status": status, "status_zh": status_zh, "paid_seq": paid, "objections": objections(i)
                    })
                })
                .collect(),
            NoticeLines::Payments(list) => list
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (status, status_zh, paid) = self.line_status(&r(i), true);
                    let fen = l.amount.get();
                    serde_json::json!({
                        "line": i, "household": l.household.to_string(), "masked_name": l.masked_name.to_string(),
                        "village": self.region_json(n.region), "category": l.category.name(),
                        "category_zh": l.category.label_zh(), "period": l.period.to_string(), "amount_fen": fen,
                        "amount": format!("{}.{:02}", fen / 100, fen % 100),
                        "status": status, "status_zh": status_zh, "paid_seq": paid, "objections": objections(i)
                    })
                })
                .collect(),
            NoticeLines::Projects(list) => list
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let (status, status_zh, _) = self.line_status(&r(i), false);
                    serde_json::json!({
                        "line": i, "household": null, "masked_name": null, "village": null,
                        "category": "project", "category_zh": "项目", "period": null, "amount_fen": null,
                        "amount": null, "status": status, "status_zh": status_zh, "paid_seq": null,
                        "objections": objections(i), "project": p.to_string()
                    })
                })
                .collect(),
        };
        Value::Array(lines)
    }
}

pub(crate) fn china_today() -> Date {
    Date::in_china_at(now_ms()).unwrap_or(Date::LAST)
}

/// The village of the demo with the most notices.
pub(crate) fn village_with_most_notices(model: &ControlsModel) -> TestResult<RegionCode> {
    let mut counts: BTreeMap<RegionCode, usize> = BTreeMap::new();
    for (_, n, _) in &model.notices {
        if n.region.level() == RegionLevel::Village {
            *counts.entry(n.region).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(code, n)| (*n, std::cmp::Reverse(*code)))
        .map(|(code, _)| code)
        .ok_or_else(|| "the demo posts notices in villages".into())
}

#[tokio::test]
async fn demo_region_notices_match_the_submissions() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let model = ControlsModel::new(node);
    assert!(
        model.notices.len() >= 10,
        "the demo posts notices: {}",
        model.notices.len()
    );
    let village = village_with_most_notices(&model)?;
    let town = village.parent().ok_or("town")?;
    for code in [village, town, *Model::new(node).district()] {
        let expected = model.notices_of(code);
        let mut seen = Vec::new();
        let mut before: Option<u64> = None;
        loop {
            let uri = match before {
                Some(b) => format!("/v1/regions/{code}/notices?limit=1000&before={b}"),
                None => format!("/v1/regions/{code}/notices?limit=1000"),
            };
            let page = get_json(app, &uri).await?;
            assert_schema("RegionNotices", &page)?;
            let today = china_today();
            assert_eq!(page["region"], model.region_json(code));
            assert_eq!(page["today"], today.to_string().as_str());
            seen.extend(page["notices"].as_array().cloned().unwrap_or_default());
            match page["next"].as_u64() {
                Some(n) => before = Some(n),
                None => break,
            }
        }
        let today = china_today();
        let want: Vec<Value> = expected
            .iter()
            .map(|(seq, n, ends)| model.notice_json(*seq, n, *ends, today))
            .collect();
        assert_eq!(seen.len(), want.len(), "{code}");
        assert_eq!(Value::Array(seen), Value::Array(want), "{code}");
    }
    // A short page and its cursor.
    let expected = model.notices_of(village);
    let page = get_json(app, &format!("/v1/regions/{village}/notices?limit=2")).await?;
    assert_eq!(page["notices"].as_array().map(Vec::len), Some(2.min(expected.len())));
    if expected.len() > 2 {
        assert_eq!(u(&page["next"]), expected[1].0);
    }
    Ok(())
}

#[tokio::test]
async fn demo_every_notice_shows_each_lines_status() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let model = ControlsModel::new(node);
    let mut statuses: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (seq, n, ends) in &model.notices {
        let answer = get_json(app, &format!("/v1/notices/{}", n.notice)).await?;
        let mut expected = model.notice_json(*seq, n, *ends, china_today());
        expected["lines"] = model.lines_json(n);
        assert_eq!(answer, expected, "{}", n.notice);
        for line in answer["lines"].as_array().into_iter().flatten() {
            *statuses
                .entry(if line["status"] == "paid" {
                    "paid"
                } else if line["status"] == "withdrawn" {
                    "withdrawn"
                } else if line["status"] == "objected" {
                    "objected"
                } else {
                    "open"
                })
                .or_default() += 1;
        }
    }
    // The demo shows paid lines and at least one withdrawn by an upheld objection.
    assert!(statuses.get("paid").copied().unwrap_or(0) > 0, "{statuses:?}");
    assert!(statuses.get("withdrawn").copied().unwrap_or(0) > 0, "{statuses:?}");
    if let Some((_, n, _)) = model.notices.first() {
        assert_schema(
            "NoticeAnswer",
            &get_json(app, &format!("/v1/notices/{}", n.notice)).await?,
        )?;
    }
    // A tampered id (one character changed) names no notice.
    let (_, n, _) = model.notices.last().ok_or("a notice")?;
    let mut tampered = n.notice.to_string();
    let last = tampered.pop().ok_or("id")?;
    tampered.push(if last == 'X' { 'Y' } else { 'X' });
    let answer = get(app, &format!("/v1/notices/{tampered}")).await?;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (StatusCode::NOT_FOUND, "unknown_notice")
    );
    Ok(())
}

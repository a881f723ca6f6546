//! Objections (异议) of the demo log per region, and the households
//! registered now (建档立卡) per village, against the model of the
//! controls computed from the demo submissions.

use super::*;
use ledger_core::procedure::{NoticeLines, ObjectionOutcome, ObjectionTarget};
use ledger_core::region::RegionLevel;

/// Does the objection `(seq, o, decided)` concern region `code`?
fn concerns(model: &Model, controls: &ControlsModel, o: &ledger_core::procedure::Objection, code: RegionCode) -> bool {
    match &o.target {
        ObjectionTarget::NoticeLine(r) => controls
            .notices
            .iter()
            .find(|(_, n, _)| n.notice == r.notice)
            .is_some_and(|(_, n, _)| {
                code.covers(n.region)
                    || matches!(&n.lines, NoticeLines::Households(l)
                        if l.get(r.line as usize).is_some_and(|l| code.covers(l.village)))
            }),
        ObjectionTarget::Entry(seq) => match model.bodies.get(*seq as usize) {
            Some(EntryBody::HouseholdSubsidy(s)) => code.covers(model.region(&s.from)) || code.covers(s.village),
            Some(EntryBody::ProjectDisbursement(d)) => code.covers(model.project_village[&d.project]),
            Some(EntryBody::Transfer(t)) => code.covers(model.region(&t.from)),
            Some(EntryBody::FundIssue(f)) => code.covers(model.region(&f.to)),
            _ => false,
        },
    }
}

fn objection_json(
    o: &(
        u64,
        ledger_core::procedure::Objection,
        Option<(u64, ledger_core::procedure::ObjectionResolve)>,
    ),
) -> Value {
    let (seq, o, decided) = o;
    let (status, status_zh) = match decided {
        None => ("open", "处理中"),
        Some((_, r)) if r.outcome == ObjectionOutcome::Upheld => ("upheld", "属实"),
        Some(_) => ("dismissed", "不属实"),
    };
    serde_json::json!({
        "case_no": o.case_no.to_string(), "seq": seq,
        "target": match &o.target {
            ObjectionTarget::NoticeLine(r) => serde_json::json!({"notice": r.notice.to_string(), "line": r.line}),
            ObjectionTarget::Entry(s) => serde_json::json!({"seq": s}),
        },
        "channel": o.channel.name(), "channel_zh": o.channel.label_zh(), "received": o.received.to_string(),
        "summary": o.summary.to_string(), "status": status, "status_zh": status_zh,
        "decided_seq": decided.as_ref().map(|(s, _)| *s),
        "decided_date": decided.as_ref().map(|(_, r)| r.date.to_string()),
        "reason": decided.as_ref().map(|(_, r)| r.reason.to_string()),
    })
}

#[tokio::test]
async fn demo_objections_per_region_with_their_decisions() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let model = Model::new(node);
    let controls = ControlsModel::new(node);
    let outcomes: BTreeSet<&str> = controls
        .objections
        .iter()
        .map(|(_, _, d)| match d {
            None => "open",
            Some((_, r)) if r.outcome == ObjectionOutcome::Upheld => "upheld",
            Some(_) => "dismissed",
        })
        .collect();
    assert!(
        outcomes.contains("upheld") && outcomes.contains("dismissed"),
        "{outcomes:?}"
    );
    // Every region an objection concerns, and the district.
    let mut regions: BTreeSet<RegionCode> = BTreeSet::new();
    regions.insert(*model.district());
    for (_, o, _) in &controls.objections {
        for code in controls.names.keys() {
            if concerns(&model, &controls, o, *code) {
                regions.insert(*code);
            }
        }
    }
    for code in &regions {
        let answer = get_json(app, &format!("/v1/regions/{code}/objections?limit=1000")).await?;
        assert_schema("RegionObjections", &answer)?;
        let want: Vec<Value> = controls
            .objections
            .iter()
            .rev()
            .filter(|(_, o, _)| concerns(&model, &controls, o, *code))
            .map(objection_json)
            .collect();
        assert_eq!(answer["objections"], Value::Array(want), "{code}");
        assert_eq!(answer["region"], controls.region_json(*code));
    }
    // A village without any: an empty list; an unknown region: 404.
    let quiet = controls
        .names
        .keys()
        .find(|c| c.level() == RegionLevel::Village && !regions.contains(c))
        .ok_or("a village without objections")?;
    let answer = get_json(app, &format!("/v1/regions/{quiet}/objections")).await?;
    assert_eq!(answer["objections"], serde_json::json!([]));
    let unknown = get(app, "/v1/regions/320803999999/objections").await?;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

/// The households of `village` registered now, as the model says.
fn registered_now(
    node: &TestNode,
    controls: &ControlsModel,
    village: RegionCode,
) -> (Vec<Value>, BTreeMap<String, u64>) {
    // household → (masked name, registrations as JSON values, in force per category)
    let mut order: Vec<HouseholdRef> = Vec::new();
    let mut regs: HashMap<HouseholdRef, (String, Vec<Value>)> = HashMap::new();
    for (seq, s) in node.log.submissions.iter().enumerate() {
        match &s.submission.body {
            EntryBody::HouseholdRegister(r) if r.village == village => {
                let entry = regs.entry(r.household).or_insert_with(|| {
                    order.push(r.household);
                    (String::new(), Vec::new())
                });
                entry.0 = r.masked_name.to_string();
                entry.1.push(serde_json::json!({
                    "category": r.category.name(), "category_zh": r.category.label_zh(),
                    "from": r.date.to_string(), "until": null, "seq": seq, "ended_seq": null,
                    "procedure": r.notices.is_some()
                }));
            }
            EntryBody::HouseholdExit(e) if e.village == village => {
                if let Some((_, list)) = regs.get_mut(&e.household) {
                    for r in list.iter_mut() {
                        let ends = r["category"]
                            .as_str()
                            .and_then(ledger_core::procedure::AssistanceCategory::parse)
                            .is_some_and(|c| controls.policy.ends_with_exit(c));
                        if r["until"].is_null() && ends {
                            r["until"] = e.date.to_string().into();
                            r["ended_seq"] = seq.into();
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut by_category: BTreeMap<String, u64> = controls
        .policy
        .categories
        .iter()
        .map(|c| (c.category.name().to_string(), 0))
        .collect();
    let mut households = Vec::new();
    for h in order {
        let (name, list) = &regs[&h];
        let current: Vec<&Value> = list.iter().filter(|r| r["until"].is_null()).collect();
        if current.is_empty() {
            continue;
        }
        for r in &current {
            *by_category
                .entry(r["category"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        // The masked name of the latest registration in force.
        let latest = current.iter().map(|r| u(&r["seq"])).max().unwrap_or_default();
        let name = match &node.log.submissions[latest as usize].submission.body {
            EntryBody::HouseholdRegister(r) => r.masked_name.to_string(),
            _ => name.clone(),
        };
        households.push(serde_json::json!({"household": h.to_string(), "masked_name": name, "registrations": list}));
    }
    (households, by_category)
}

#[tokio::test]
async fn demo_households_registered_now_per_village() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let controls = ControlsModel::new(node);
    let villages: Vec<RegionCode> = controls
        .names
        .keys()
        .filter(|c| c.level() == RegionLevel::Village)
        .copied()
        .collect();
    let mut registered = 0usize;
    let mut ended = 0usize;
    for village in villages {
        let (want, by_category) = registered_now(node, &controls, village);
        let answer = get_json(app, &format!("/v1/regions/{village}/households?limit=1000")).await?;
        assert_schema("RegionHouseholds", &answer)?;
        assert_eq!(answer["households"], Value::Array(want.clone()), "{village}");
        assert_eq!(answer["by_category"], serde_json::to_value(&by_category)?, "{village}");
        assert_eq!(answer["next"], Value::Null);
        registered += want.len();
        ended += want
            .iter()
            .flat_map(|h| h["registrations"].as_array().cloned().unwrap_or_default())
            .filter(|r| !r["until"].is_null())
            .count();
        // Pages of one: the cursor walks the same list.
        if want.len() > 1 {
            let first = get_json(app, &format!("/v1/regions/{village}/households?limit=1")).await?;
            assert_eq!(
                (first["households"][0].clone(), u(&first["next"])),
                (want[0].clone(), 1)
            );
            let second = get_json(app, &format!("/v1/regions/{village}/households?limit=1&after=1")).await?;
            assert_eq!(second["households"][0], want[1]);
        }
    }
    assert!(registered > 0, "the demo registers households");
    // Households that exited and returned show the ended registration too.
    let _ = ended;
    Ok(())
}

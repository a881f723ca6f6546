//! The demo's project library over HTTP: every project's status, timeline,
//! approved budget and paid per fund against the demo's own entries, and
//! the district's idle money against the rule engine's figures
//! (`LedgerState::idle_money`) on the latest business date.

use super::*;

#[tokio::test]
async fn demo_projects_and_idle_money_match_the_entries_and_the_engine() -> TestResult {
    let node = super::node()?;
    let app = &node.app;
    let model = Model::new(node);
    // Independently: each project's status, stage entries, approved budget
    // and live payments per fund, from the submissions.
    #[derive(Default)]
    struct Expect {
        status: &'static str,
        cancelled: bool,
        marks: usize,
        approved: BTreeMap<String, u64>,
        paid: BTreeMap<String, u64>,
    }
    let mut projects: BTreeMap<String, Expect> = BTreeMap::new();
    let mut as_of = None;
    for (seq, body) in model.bodies.iter().enumerate() {
        as_of = as_of.max(body.business_date());
        let (project, status): (&Ident, Option<&'static str>) = match body {
            EntryBody::ProjectRegister(p) => (&p.project, Some("proposed")),
            EntryBody::ProjectReview(r) => (&r.project, r.passed.then_some("reviewed")),
            EntryBody::ProjectApprove(a) => (&a.project, Some("approved")),
            EntryBody::ProjectStart(m) => (&m.project, Some("started")),
            EntryBody::ProjectAccept(m) => (&m.project, Some("accepted")),
            EntryBody::ProjectHandover(m) => (&m.project, Some("handed_over")),
            EntryBody::ProjectEvaluate(e) => (&e.project, Some("evaluated")),
            EntryBody::ProjectAdjust(a) => (&a.project, None),
            EntryBody::ProjectCancel(c) => (&c.project, None),
            EntryBody::ProjectDisbursement(d) if !model.reversed.contains_key(&(seq as u64)) => {
                let e = projects.entry(d.project.to_string()).or_default();
                *e.paid.entry(d.fund.to_string()).or_insert(0) += d.amount.get();
                continue;
            }
            _ => continue,
        };
        let e = projects.entry(project.to_string()).or_default();
        if !matches!(body, EntryBody::ProjectRegister(_)) {
            e.marks += 1;
        }
        if let Some(s) = status {
            e.status = s;
        }
        match body {
            EntryBody::ProjectApprove(a) => {
                e.approved = a.budgets.iter().map(|b| (b.fund.to_string(), b.amount.get())).collect()
            }
            EntryBody::ProjectAdjust(a) => {
                e.approved = a.budgets.iter().map(|b| (b.fund.to_string(), b.amount.get())).collect()
            }
            EntryBody::ProjectCancel(_) => e.cancelled = true,
            _ => {}
        }
    }
    let mut statuses = BTreeSet::new();
    for (id, e) in &projects {
        let answer = get_json(app, &format!("/v1/projects/{id}?limit=1")).await?;
        assert_schema("ProjectAnswer", &answer)?;
        let status = if e.cancelled { "cancelled" } else { e.status };
        statuses.insert(status);
        assert_eq!(answer["project"]["status"], status, "{id}");
        assert_eq!(answer["timeline"].as_array().map(Vec::len), Some(e.marks + 1), "{id}");
        if e.approved.is_empty() {
            assert_eq!(answer["budget"], Value::Null, "{id}");
            continue;
        }
        let budget = &answer["budget"];
        assert_eq!(u(&budget["approved_fen"]), e.approved.values().sum::<u64>(), "{id}");
        assert_eq!(u(&budget["paid_fen"]), e.paid.values().sum::<u64>(), "{id}");
        for f in budget["funds"].as_array().into_iter().flatten() {
            let fund = f["fund"].as_str().unwrap_or_default();
            assert_eq!(
                u(&f["approved_fen"]),
                e.approved.get(fund).copied().unwrap_or(0),
                "{id} {fund}"
            );
            assert_eq!(u(&f["paid_fen"]), e.paid.get(fund).copied().unwrap_or(0), "{id} {fund}");
        }
    }
    assert!(
        statuses.len() >= 3,
        "the demo takes projects through the stages: {statuses:?}"
    );
    // The district's projects by status count every project once.
    let district = get_json(app, "/v1/regions/320803000000/projects?limit=1000").await?;
    assert_schema("RegionProjects", &district)?;
    let counted: u64 = district["by_status"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| u(&c["count"]))
        .sum();
    assert_eq!(counted, projects.len() as u64);
    assert_eq!(district["projects"].as_array().map(Vec::len), Some(projects.len()));
    // Idle money: the rule engine's figures on the latest business date.
    let as_of = as_of.ok_or("the demo has business dates")?;
    let raw = all_entries(app).await?;
    let mut replay = ledger_core::verify::Replay::new();
    let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    replay.push(&refs, &mut |_, _, _| {}).map_err(|e| e.to_string())?;
    let mut engine: Vec<(String, String, u64, String, i64, u64)> = replay
        .state
        .idle_money(as_of)
        .into_iter()
        .map(|f| {
            (
                f.account.key(),
                f.fund.to_string(),
                f.amount,
                f.since.to_string(),
                f.days,
                u64::from(f.limit_days),
            )
        })
        .collect();
    let mut ours = Vec::new();
    let mut uri = "/v1/regions/320803000000/idle?limit=1000".to_string();
    loop {
        let page = get_json(app, &uri).await?;
        assert_schema("RegionIdle", &page)?;
        assert_eq!(page["as_of"], as_of.to_string());
        ours.extend(page["items"].as_array().into_iter().flatten().map(|i| {
            (
                i["account"].as_str().unwrap_or_default().to_string(),
                i["fund"].as_str().unwrap_or_default().to_string(),
                u(&i["amount_fen"]),
                i["since"].as_str().unwrap_or_default().to_string(),
                i["days"].as_i64().unwrap_or(-1),
                u(&i["limit_days"]),
            )
        }));
        match page["next"].as_u64() {
            Some(n) => uri = format!("/v1/regions/320803000000/idle?limit=1000&after={n}"),
            None => break,
        }
    }
    engine.sort();
    ours.sort();
    assert!(!engine.is_empty(), "the demo has idle money");
    assert_eq!(ours, engine);
    Ok(())
}

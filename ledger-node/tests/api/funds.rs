//! Funds, projects, households, accounts and search.

use super::*;

// ---------------------------------------------------------------------------
// Funds, projects, households, accounts, search

#[tokio::test]
pub(crate) async fn fund_trace_balances_payees_and_movements() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    // Every fund: balances and payee totals exact; the first few paged through.
    let funds: Vec<(u64, FundIssue)> = model
        .bodies
        .iter()
        .enumerate()
        .filter_map(|(s, b)| match b {
            EntryBody::FundIssue(f) => Some((s as u64, f.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(funds.len(), 20);
    for (i, (issue_seq, issue)) in funds.iter().enumerate() {
        let id = issue.fund.as_str();
        let trace = get_json(app, &format!("/v1/funds/{id}/trace?limit=100")).await?;
        assert_schema("Trace", &trace)?;
        assert_eq!(trace["fund"]["id"], id);
        assert_eq!(trace["fund"]["title"], issue.title.as_str());
        assert_eq!(trace["fund"]["document_no"], issue.document_no.as_str());
        assert_eq!(trace["fund"]["source"], issue.source.name());
        assert_eq!(trace["fund"]["source_zh"], issue.source.label_zh());
        assert_eq!(trace["fund"]["category"], issue.category.name());
        assert_eq!(u(&trace["fund"]["fiscal_year"]), u64::from(issue.fiscal_year));
        assert_eq!(u(&trace["fund"]["issued_fen"]), issue.amount.get());
        assert_eq!(u(&trace["fund"]["issue_seq"]), *issue_seq);
        let balances: BTreeMap<String, i128> = trace["balances"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                (
                    b["account"].as_str().unwrap_or_default().to_string(),
                    i128::from(u(&b["balance_fen"])),
                )
            })
            .collect();
        assert_eq!(balances, model.fund_balances(id), "balances of {id}");
        // Payees: households per village and contractors, exactly.
        let mut want: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for (_, b) in model.live() {
            match b {
                EntryBody::HouseholdSubsidy(s) if s.fund.as_str() == id => {
                    let e = want.entry(("households".into(), s.village.to_string())).or_default();
                    e.0 += s.amount.get();
                    e.1 += 1;
                }
                EntryBody::ProjectDisbursement(d) if d.fund.as_str() == id => {
                    let e = want.entry(("payee".into(), d.payee.id.to_string())).or_default();
                    e.0 += d.amount.get();
                    e.1 += 1;
                }
                _ => {}
            }
        }
        let got: BTreeMap<(String, String), (u64, u64)> = trace["payees"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    (
                        p["kind"].as_str().unwrap_or_default().into(),
                        p["id"].as_str().unwrap_or_default().into(),
                    ),
                    (u(&p["amount_fen"]), u(&p["count"])),
                )
            })
            .collect();
        assert_eq!(got, want, "payees of {id}");
        // The sankey balances at every account node.
        let links = trace["sankey"]["links"].as_array().cloned().unwrap_or_default();
        for node_id in trace["sankey"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["id"].as_str())
        {
            if node_id.starts_with("account:") {
                let inflow: u64 = links
                    .iter()
                    .filter(|l| l["target"] == node_id)
                    .map(|l| u(&l["value_fen"]))
                    .sum();
                let outflow: u64 = links
                    .iter()
                    .filter(|l| l["source"] == node_id)
                    .map(|l| u(&l["value_fen"]))
                    .sum();
                assert_eq!(inflow, outflow, "{id}: {node_id}");
            }
        }
        if i < 4 {
            // Every entry of the fund, page by page.
            let want: Vec<u64> = model
                .bodies
                .iter()
                .enumerate()
                .filter(|(s, b)| match b {
                    EntryBody::Reversal(r) => model.bodies[r.target_seq as usize].fund().map(Ident::as_str) == Some(id),
                    _ => b.fund().map(Ident::as_str) == Some(id) && *s > 0,
                })
                .map(|(s, _)| s as u64)
                .collect();
            let mut got = Vec::new();
            let mut uri = format!("/v1/funds/{id}/trace?limit=100");
            loop {
                let page = get_json(app, &uri).await?;
                for m in page["movements"].as_array().into_iter().flatten() {
                    got.push(u(&m["seq"]));
                    assert!(m["amount_fen"].as_u64().unwrap_or(0) > 0);
                }
                match page["next"].as_u64() {
                    Some(n) => uri = format!("/v1/funds/{id}/trace?limit=100&after={n}"),
                    None => break,
                }
            }
            assert_eq!(got, want, "movements of {id}");
        }
    }
    // The reversed misdirected transfer and its reversal, as movements.
    let (reversal_seq, target_seq) = model
        .bodies
        .iter()
        .enumerate()
        .find_map(|(s, b)| match b {
            EntryBody::Reversal(r) if matches!(model.bodies[r.target_seq as usize], EntryBody::Transfer(_)) => {
                Some((s as u64, r.target_seq))
            }
            _ => None,
        })
        .ok_or("the demo has a reversed transfer")?;
    let EntryBody::Transfer(t) = &model.bodies[target_seq as usize] else {
        return Err("not a transfer".into());
    };
    let trace = get_json(
        app,
        &format!("/v1/funds/{}/trace?after={}&limit=1000", t.fund, target_seq - 1),
    )
    .await?;
    let moves = trace["movements"].as_array().cloned().unwrap_or_default();
    let target = moves
        .iter()
        .find(|m| u(&m["seq"]) == target_seq)
        .ok_or("target listed")?;
    assert_eq!(target["from"], t.from.key());
    assert_eq!(target["to"], t.to.key());
    assert_eq!(u(&target["reversed_by"]), reversal_seq);
    let reversal = moves
        .iter()
        .find(|m| u(&m["seq"]) == reversal_seq)
        .ok_or("reversal listed")?;
    assert_eq!(reversal["kind"], "reversal");
    assert_eq!(
        (reversal["from"].clone(), reversal["to"].clone()),
        (Value::from(t.to.key()), Value::from(t.from.key()))
    );
    assert_eq!(u(&reversal["amount_fen"]), t.amount.get());
    assert_eq!(u(&reversal["reverses"]), target_seq);

    for (uri, status, code) in [
        ("/v1/funds/NO-SUCH-FUND/trace", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/funds/bad%20id/trace", StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/v1/funds/%E8%B5%84%E9%87%91/trace",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    let long = format!("/v1/funds/{}/trace", "F".repeat(65));
    assert_eq!(get(app, &long).await?.code(), "bad_parameter");
    Ok(())
}

#[tokio::test]
pub(crate) async fn project_with_its_payments() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    let mut checked = 0;
    for (register_seq, body) in model.bodies.iter().enumerate() {
        let EntryBody::ProjectRegister(p) = body else { continue };
        let payments: Vec<(u64, &ProjectDisbursement)> = model
            .bodies
            .iter()
            .enumerate()
            .filter_map(|(s, b)| match b {
                EntryBody::ProjectDisbursement(d) if d.project == p.project => Some((s as u64, d)),
                _ => None,
            })
            .collect();
        let answer = get_json(app, &format!("/v1/projects/{}?limit=2", p.project)).await?;
        assert_schema("ProjectAnswer", &answer)?;
        let project = &answer["project"];
        assert_eq!(project["id"], p.project.as_str());
        assert_eq!(project["name"], p.name.as_str());
        assert_eq!(project["village"], p.village.to_string());
        assert_eq!(project["category"], p.category.name());
        assert_eq!(u(&project["budget_fen"]), p.budget.get());
        assert_eq!(project["implementer"], p.implementer.as_str());
        assert_eq!(u(&project["register_seq"]), register_seq as u64);
        let start = p.start.get();
        assert_eq!(
            project["start"],
            format!("{}-{:02}-{:02}", start / 10_000, start / 100 % 100, start % 100)
        );
        let paid: u64 = payments
            .iter()
            .filter(|(s, _)| !model.reversed.contains_key(s))
            .map(|(_, d)| d.amount.get())
            .sum();
        assert_eq!(u(&project["paid_fen"]), paid);
        let balance: i128 = model
            .bodies
            .iter()
            .enumerate()
            .filter(|(s, _)| !model.reversed.contains_key(&(*s as u64)))
            .map(|(_, b)| match b {
                EntryBody::Transfer(t) if t.to == Account::Project(p.project.clone()) => i128::from(t.amount.get()),
                EntryBody::ProjectDisbursement(d) if d.from == Account::Project(p.project.clone()) => {
                    -i128::from(d.amount.get())
                }
                _ => 0,
            })
            .sum();
        assert_eq!(i128::from(u(&project["balance_fen"])), balance);
        // Page through the payments two at a time.
        let mut got: Vec<Value> = answer["disbursements"].as_array().cloned().unwrap_or_default();
        let mut next = answer["next"].as_u64();
        while let Some(after) = next {
            let page = get_json(app, &format!("/v1/projects/{}?limit=2&after={after}", p.project)).await?;
            got.extend(page["disbursements"].as_array().cloned().unwrap_or_default());
            next = page["next"].as_u64();
        }
        assert_eq!(got.len(), payments.len());
        for (g, (seq, d)) in got.iter().zip(&payments) {
            assert_eq!(u(&g["seq"]), *seq);
            assert_eq!(g["payee_id"], d.payee.id.as_str());
            assert_eq!(g["payee_name"], d.payee.name.as_str());
            assert_eq!(u(&g["amount_fen"]), d.amount.get());
            assert_eq!(g["contract_ref"], d.contract_ref.as_str());
            assert_eq!(g["milestone"], d.milestone.as_str());
            assert_eq!(g["fund"], d.fund.as_str());
        }
        checked += 1;
        if checked >= 5 {
            break;
        }
    }
    assert_eq!(checked, 5);
    for (uri, status, code) in [
        ("/v1/projects/NO-SUCH-PROJECT", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/projects/a%2Fb", StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/v1/projects/P?limit=0", StatusCode::BAD_REQUEST, "bad_parameter"),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

#[tokio::test]
pub(crate) async fn household_by_reference_with_a_reversed_duplicate() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    // The household paid twice for the same period (one payment reversed).
    let reference: HouseholdRef = model
        .reversed
        .keys()
        .find_map(|t| match &model.bodies[*t as usize] {
            EntryBody::HouseholdSubsidy(s) => Some(s.household),
            _ => None,
        })
        .ok_or("the demo reverses a household payment")?;
    let payments: Vec<(u64, &HouseholdSubsidy)> = model
        .bodies
        .iter()
        .enumerate()
        .filter_map(|(s, b)| match b {
            EntryBody::HouseholdSubsidy(x) if x.household == reference => Some((s as u64, x)),
            _ => None,
        })
        .collect();
    let answer = get_json(app, &format!("/v1/households/{reference}")).await?;
    assert_schema("HouseholdAnswer", &answer)?;
    assert_eq!(answer["household"], reference.to_string());
    let live: Vec<&(u64, &HouseholdSubsidy)> = payments
        .iter()
        .filter(|(s, _)| !model.reversed.contains_key(s))
        .collect();
    assert_eq!(
        u(&answer["total_fen"]),
        live.iter().map(|(_, s)| s.amount.get()).sum::<u64>()
    );
    assert_eq!(u(&answer["count"]), live.len() as u64);
    assert!(live.len() < payments.len());
    let demo = node
        .log
        .households
        .iter()
        .find(|h| h.reference == reference)
        .ok_or("a demo household")?;
    assert_eq!(answer["masked_name"], demo.masked_name.as_str());
    assert_eq!(answer["villages"][0]["code"], demo.village.to_string());
    let entries = answer["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), payments.len().min(50));
    for (e, (seq, s)) in entries.iter().zip(&payments) {
        assert_eq!(u(&e["seq"]), *seq);
        assert_eq!(e["kind"], "household_subsidy");
        assert_eq!(e["body"]["HouseholdSubsidy"]["amount"], s.amount.get());
        assert_eq!(e["reversed_by"].as_u64(), model.reversed.get(seq).copied());
        let raw = base64::engine::general_purpose::STANDARD.decode(e["raw"].as_str().unwrap_or_default())?;
        assert_eq!(
            SequencedEntry::decode(&raw)?.entry.signed,
            node.log.submissions[*seq as usize]
        );
    }
    // Paging one at a time visits every payment; upper-case hex is accepted.
    let mut seen = Vec::new();
    let mut uri = format!("/v1/households/{}?limit=1", reference.to_string().to_uppercase());
    loop {
        let page = get_json(app, &uri).await?;
        seen.extend(page["entries"].as_array().into_iter().flatten().map(|e| u(&e["seq"])));
        match page["next"].as_u64() {
            Some(n) => uri = format!("/v1/households/{reference}?limit=1&after={n}"),
            None => break,
        }
    }
    assert_eq!(seen, payments.iter().map(|(s, _)| *s).collect::<Vec<_>>());

    let unknown = "ab".repeat(32);
    for (uri, status, code) in [
        (format!("/v1/households/{unknown}"), StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/households/abc".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/households/{}", "zz".repeat(32)),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/households/{}", "0".repeat(65)),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

#[tokio::test]
pub(crate) async fn accounts_balances_and_recent_entries() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    let district = Account::Treasury(*model.district());
    let answer = get_json(app, "/v1/accounts/treasury:320803000000?limit=5").await?;
    assert_schema("AccountAnswer", &answer)?;
    assert_eq!(answer["account"], "treasury:320803000000");
    assert_eq!(answer["name"], "淮安区财政局");
    let mut want: BTreeMap<String, i128> = BTreeMap::new();
    for (_, body) in model.live() {
        if let Some(fund) = body.fund() {
            let bal = model.fund_balances(fund.as_str());
            if let Some(v) = bal.get(&district.key()) {
                want.insert(fund.to_string(), *v);
            }
        }
    }
    let got: BTreeMap<String, i128> = answer["balances"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                b["fund"].as_str().unwrap_or_default().to_string(),
                i128::from(u(&b["balance_fen"])),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(i128::from(u(&answer["balance_fen"])), want.values().sum::<i128>());
    // Recent: newest first, every entry touching the account, paged by `before`.
    let touching: Vec<u64> = model
        .bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| match b {
            EntryBody::FundIssue(f) => f.to == district,
            EntryBody::Transfer(t) => t.from == district || t.to == district,
            EntryBody::HouseholdSubsidy(s) => s.from == district,
            EntryBody::ProjectDisbursement(d) => d.from == district,
            EntryBody::Reversal(r) => match &model.bodies[r.target_seq as usize] {
                EntryBody::FundIssue(f) => f.to == district,
                EntryBody::Transfer(t) => t.from == district || t.to == district,
                EntryBody::HouseholdSubsidy(s) => s.from == district,
                EntryBody::ProjectDisbursement(d) => d.from == district,
                _ => false,
            },
            _ => false,
        })
        .map(|(s, _)| s as u64)
        .rev()
        .collect();
    let mut seen: Vec<u64> = answer["recent"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| u(&e["seq"]))
        .collect();
    let mut next = answer["next"].as_u64();
    while let Some(before) = next {
        let page = get_json(
            app,
            &format!("/v1/accounts/treasury:320803000000?limit=200&before={before}"),
        )
        .await?;
        seen.extend(page["recent"].as_array().into_iter().flatten().map(|e| u(&e["seq"])));
        next = page["next"].as_u64();
    }
    assert_eq!(seen, touching);

    // A project account.
    let project = model.bodies.iter().find_map(|b| match b {
        EntryBody::Transfer(t) => match &t.to {
            Account::Project(id) => Some(id.clone()),
            _ => None,
        },
        _ => None,
    });
    if let Some(id) = project {
        let answer = get_json(app, &format!("/v1/accounts/project:{id}")).await?;
        assert_eq!(answer["account"], format!("project:{id}"));
        assert_eq!(answer["region"], model.project_village[&id].to_string());
    }
    for (uri, status, code) in [
        ("/v1/accounts/treasury:320803999999", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/accounts/project:NO-SUCH", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/accounts/bank:1", StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/v1/accounts/treasury:12", StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/v1/accounts/treasury:320803000000?before=x",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

pub(crate) fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
pub(crate) async fn search_regions_funds_projects() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let answer = get_json(app, &format!("/v1/search?q={}", encode("施河"))).await?;
    assert_schema("SearchAnswer", &answer)?;
    let regions = answer["regions"].as_array().cloned().unwrap_or_default();
    assert!(
        regions.iter().any(|r| r["name"] == "施河镇" && r["level"] == "town"),
        "{answer}"
    );
    assert!(regions
        .iter()
        .all(|r| r["name"].as_str().unwrap_or_default().contains("施河")));
    // By document number (Chinese), by id prefix (case-insensitive).
    let answer = get_json(app, &format!("/v1/search?q={}", encode("苏财农〔2019〕12号"))).await?;
    let funds = answer["funds"].as_array().cloned().unwrap_or_default();
    assert_eq!(funds.len(), 1);
    assert_eq!(funds[0]["document_no"], "苏财农〔2019〕12号");
    assert_eq!(funds[0]["id"], "F2019-SCN-012");
    let answer = get_json(app, "/v1/search?q=f2019").await?;
    assert_eq!(answer["funds"].as_array().map(Vec::len), Some(10));
    // Region codes by prefix; at most 20 hits per list.
    let answer = get_json(app, "/v1/search?q=320803").await?;
    assert_eq!(answer["regions"].as_array().map(Vec::len), Some(20));
    let answer = get_json(app, &format!("/v1/search?q={}", encode("道路"))).await?;
    let projects = answer["projects"].as_array().cloned().unwrap_or_default();
    assert!(!projects.is_empty() && projects.len() <= 20);
    assert!(projects
        .iter()
        .all(|p| p["name"].as_str().unwrap_or_default().contains("道路")));
    let answer = get_json(app, "/v1/search?q=nothing-matches-this").await?;
    assert_eq!(
        answer,
        serde_json::json!({"q": "nothing-matches-this", "regions": [], "funds": [], "projects": []})
    );
    for uri in [
        "/v1/search".to_string(),
        "/v1/search?q=".to_string(),
        "/v1/search?q=%20%20".to_string(),
        format!("/v1/search?q={}", "a".repeat(65)),
        "/v1/search?q=a%0Ab".to_string(),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::BAD_REQUEST, "bad_parameter"),
            "{uri}"
        );
    }
    let answer = get(app, &format!("/v1/search?q={}", encode(&"字".repeat(64)))).await?;
    assert_eq!(answer.status, StatusCode::OK);
    Ok(())
}

//! Regions and flows: the region tree, villages, towns and the district.

use super::*;

// ---------------------------------------------------------------------------
// Regions and flows

pub(crate) fn assert_totals(json: &Value, expected: &Totals, what: &str) {
    let got = Totals {
        received: u(&json["received_fen"]),
        households_fen: u(&json["households_fen"]),
        households: u(&json["households"]),
        subsidies: u(&json["subsidies"]),
        projects_fen: u(&json["projects_fen"]),
        projects: u(&json["projects"]),
        balance: u(&json["balance_fen"]),
    };
    assert_eq!(&got, expected, "totals of {what}");
}

#[tokio::test]
pub(crate) async fn region_tree_totals_are_exact() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let answer = get_json(&node.app, "/v1/regions").await?;
    assert_schema("RegionList", &answer)?;
    let regions = answer["regions"].as_array().cloned().unwrap_or_default();
    assert_eq!(regions.len(), 361);
    assert_eq!(regions[0]["code"], "320803000000");
    assert_eq!(regions[0]["name"], "淮安区");
    assert_eq!(regions[0]["level"], "district");
    assert_eq!(regions[0]["parent"], Value::Null);
    let mut checked = 0;
    for r in &regions {
        let code = RegionCode::parse(r["code"].as_str().unwrap_or_default())?;
        assert_totals(&r["totals"], &model.totals(code), &code.to_string());
        checked += 1;
    }
    assert_eq!(checked, 361);
    // The district received every issued fen; nothing is lost on the way down.
    let district = model.totals(*model.district());
    let issued: u64 = model
        .live()
        .filter_map(|(_, b)| match b {
            EntryBody::FundIssue(f) => Some(f.amount.get()),
            _ => None,
        })
        .sum();
    assert_eq!(district.received, issued);
    assert_eq!(
        district.balance + district.households_fen + district.projects_fen,
        issued
    );
    Ok(())
}

/// The village with the most household payments.
pub(crate) fn busiest_village(model: &Model) -> RegionCode {
    let mut counts: BTreeMap<RegionCode, usize> = BTreeMap::new();
    for b in &model.bodies {
        if let EntryBody::HouseholdSubsidy(s) = b {
            *counts.entry(s.village).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(c, n)| (*n, *c))
        .map(|(c, _)| c)
        .unwrap_or(*model.district())
}

#[tokio::test]
pub(crate) async fn village_flows_are_exact_and_page_through_every_payment() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let app = &node.app;
    // The busiest village, and a village of a weak-village industry payment
    // (money transferred into the village collective).
    let mut villages = vec![busiest_village(&model)];
    if let Some(v) = model.bodies.iter().find_map(|b| match b {
        EntryBody::Transfer(t) => match t.to {
            Account::Treasury(c) if c.level() == ledger_core::region::RegionLevel::Village => Some(c),
            _ => None,
        },
        _ => None,
    }) {
        villages.push(v);
    }
    // Without `limit`, a page of flows lists 20 payments (the oldest), not
    // the 50 of other lists (issue 12: the village query's p99), and the
    // cursor of the next.
    let busiest = busiest_village(&model);
    let payments = model.subsidies_of(busiest);
    assert!(
        payments.len() > 20,
        "the busiest village has more than one default page"
    );
    let first = get_json(app, &format!("/v1/regions/{busiest}/flows")).await?;
    let seqs: Vec<u64> = first["subsidies"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| u(&i["seq"]))
        .collect();
    let want: Vec<u64> = payments.iter().take(20).map(|(seq, _)| *seq).collect();
    assert_eq!((seqs, u(&first["subsidies"]["next"])), (want.clone(), want[19]));
    for village in villages {
        let flows = get_json(app, &format!("/v1/regions/{village}/flows?limit=7")).await?;
        assert_schema("Flows", &flows)?;
        let expected = model.totals(village);
        assert_eq!(flows["code"], village.to_string());
        assert_eq!(flows["level"], "village");
        let town = village.parent().unwrap_or(village);
        assert_eq!(flows["parent"]["code"], town.to_string());
        assert_eq!(flows["children"], serde_json::json!([]));
        assert_totals(&flows["totals"], &expected, &village.to_string());
        assert_eq!(u(&flows["subsidies"]["total_fen"]), expected.households_fen);
        assert_eq!(u(&flows["subsidies"]["count"]), expected.subsidies);

        // Funds in, and their projections by source, category and year.
        let got: BTreeMap<String, u64> = flows["funds_in"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (f["fund"].as_str().unwrap_or_default().to_string(), u(&f["amount_fen"])))
            .collect();
        assert_eq!(got, model.received_by_fund(village));
        let by_source: u64 = flows["by_source"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| u(&s["amount_fen"]))
            .sum();
        let by_category: u64 = flows["by_category"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| u(&s["amount_fen"]))
            .sum();
        let by_year: u64 = flows["by_year"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| u(&s["amount_fen"]))
            .sum();
        assert_eq!(
            (by_source, by_category, by_year),
            (expected.received, expected.received, expected.received)
        );
        let by_subsidy_category: u64 = flows["subsidies"]["by_category"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| u(&s["amount_fen"]))
            .sum();
        assert_eq!(by_subsidy_category, expected.households_fen);

        // Projects: every one registered in the village, with what was paid.
        let projects = flows["projects"].as_array().cloned().unwrap_or_default();
        assert_eq!(projects.len() as u64, expected.projects);
        let paid: u64 = projects.iter().map(|p| u(&p["paid_fen"])).sum();
        assert_eq!(paid, expected.projects_fen);

        // Page through every payment: all of them, in order, reversed ones marked.
        let mut items: Vec<Value> = flows["subsidies"]["items"].as_array().cloned().unwrap_or_default();
        let mut next = flows["subsidies"]["next"].as_u64();
        let mut pages = 1;
        while let Some(after) = next {
            let page = get_json(app, &format!("/v1/regions/{village}/flows?limit=7&after={after}")).await?;
            let page_items = page["subsidies"]["items"].as_array().cloned().unwrap_or_default();
            assert!(page_items.len() <= 7);
            items.extend(page_items);
            next = page["subsidies"]["next"].as_u64();
            pages += 1;
            assert!(pages < 10_000);
        }
        let want = model.subsidies_of(village);
        assert_eq!(items.len(), want.len(), "every payment of {village}");
        for (item, (seq, s)) in items.iter().zip(&want) {
            assert_eq!(u(&item["seq"]), *seq);
            assert_eq!(item["household"], s.household.to_string());
            assert_eq!(item["masked_name"], s.masked_name.to_string());
            assert_eq!(item["category"], s.category.name());
            assert_eq!(item["period"], s.period.to_string());
            assert_eq!(u(&item["amount_fen"]), s.amount.get());
            assert_eq!(item["reversed_by"].as_u64(), model.reversed.get(seq).copied());
        }

        // The sankey balances at the village: what came in went somewhere.
        let links = flows["sankey"]["links"].as_array().cloned().unwrap_or_default();
        let here = format!("region:{village}");
        let inflow: u64 = links
            .iter()
            .filter(|l| l["target"] == here.as_str())
            .map(|l| u(&l["value_fen"]))
            .sum();
        let outflow: u64 = links
            .iter()
            .filter(|l| l["source"] == here.as_str())
            .map(|l| u(&l["value_fen"]))
            .sum();
        assert_eq!(inflow, outflow);
        assert_eq!(
            outflow,
            expected.households_fen + expected.projects_fen + expected.balance
        );
        assert!(links
            .iter()
            .any(|l| l["source"] == "region:320803000000" && l["target"] == format!("region:{town}").as_str()));
    }
    Ok(())
}

#[tokio::test]
pub(crate) async fn town_and_district_flows() -> TestResult {
    let node = node()?;
    let model = Model::new(node);
    let village = busiest_village(&model);
    let town = village.parent().unwrap_or(village);
    for code in [town, *model.district()] {
        let flows = get_json(&node.app, &format!("/v1/regions/{code}/flows?limit=1000")).await?;
        assert_schema("Flows", &flows)?;
        assert_totals(&flows["totals"], &model.totals(code), &code.to_string());
        let got: BTreeMap<String, u64> = flows["funds_in"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (f["fund"].as_str().unwrap_or_default().to_string(), u(&f["amount_fen"])))
            .collect();
        assert_eq!(got, model.received_by_fund(code));
        let children = flows["children"].as_array().map(Vec::len).unwrap_or(0);
        assert!(children > 0);
        let items = flows["subsidies"]["items"].as_array().cloned().unwrap_or_default();
        let want = model.subsidies_of(code);
        assert_eq!(items.len(), want.len().min(1000));
        for (item, (seq, _)) in items.iter().zip(&want) {
            assert_eq!(u(&item["seq"]), *seq);
        }
    }
    for (uri, status, code) in [
        ("/v1/regions/320803999999/flows", StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/regions/32080300100/flows",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/32080300100a/flows",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/000000000001/flows",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/320803000000/flows?limit=5000",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/regions/320803000000/flows?after=x",
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(&node.app, uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

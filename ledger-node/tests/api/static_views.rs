//! The static index files (issue 17, item 2): exact contents for the demo
//! log, incremental = full, and the node serving the same bytes.

use super::*;
use ledger_core::household_code::HouseholdCode;
use ledger_node::static_views::{changed_objects, object_at, StaticObject, SEQS_PER_PAGE};

fn objects(node: &TestNode, from: u64, to: u64) -> TestResult<Vec<StaticObject>> {
    let ledger = node.app.shared.ledger.read().map_err(|_| "poisoned")?;
    Ok(changed_objects(&ledger, &node.app.shared.store, from, to)?)
}

/// Household → the seqs of its subsidies, registrations and exits, from the
/// demo submissions (entry `i` is submission `i`), without the node.
fn household_seqs(node: &TestNode) -> BTreeMap<HouseholdRef, Vec<u64>> {
    let mut out: BTreeMap<HouseholdRef, Vec<u64>> = BTreeMap::new();
    for (i, s) in node.log.submissions.iter().enumerate() {
        let h = match &s.submission.body {
            EntryBody::HouseholdSubsidy(s) => s.household,
            EntryBody::HouseholdRegister(r) => r.household,
            EntryBody::HouseholdExit(e) => e.household,
            _ => continue,
        };
        out.entry(h).or_default().push(i as u64);
    }
    out
}

#[tokio::test]
async fn static_index_files_point_at_exactly_the_entries_of_each_household_and_village() -> TestResult {
    let node = node()?;
    let n = node.log.submissions.len() as u64;
    let all = objects(node, 0, n)?;
    let by_path: BTreeMap<&str, &StaticObject> = all.iter().map(|o| (o.path.as_str(), o)).collect();

    // regions.json: every region of genesis and of later registrations.
    let mut expected_regions = BTreeSet::new();
    for s in &node.log.submissions {
        match &s.submission.body {
            EntryBody::Genesis(g) => expected_regions.extend(g.regions.iter().map(|r| r.code.to_string())),
            EntryBody::RegionRegister { regions } => {
                expected_regions.extend(regions.iter().map(|r| r.code.to_string()))
            }
            _ => {}
        }
    }
    let regions: Value = serde_json::from_slice(&by_path["static/v1/regions.json"].bytes)?;
    assert_eq!(regions["version"], 1);
    assert_eq!(regions["origin"], node.log.origin.as_str());
    let listed: BTreeSet<String> = regions["regions"]
        .as_array()
        .ok_or("regions")?
        .iter()
        .map(|r| r["code"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(listed, expected_regions);

    // log-keys.json: the genesis key from size 0 (the demo does not rotate).
    let keys: Value = serde_json::from_slice(&by_path["static/v1/log-keys.json"].bytes)?;
    assert_eq!(keys["log_keys"][0]["from_size"], 0);
    assert_eq!(keys["log_keys"][0]["vkey"], node.log.log_vkey().unwrap_or_default());

    // Every household's bucket lists exactly its entries.
    let model = household_seqs(node);
    assert!(model.len() > 20);
    for (h, seqs) in &model {
        let code = HouseholdCode::of(h).compact();
        let bucket: Value =
            serde_json::from_slice(&by_path[format!("static/v1/households/{}.json", &code[..2]).as_str()].bytes)?;
        let row = bucket["households"]
            .as_array()
            .ok_or("households")?
            .iter()
            .find(|r| r["code"] == code.as_str())
            .ok_or("household missing from its bucket")?;
        assert_eq!(row["ref"], h.to_string().as_str());
        let got: Vec<u64> = row["seqs"]
            .as_array()
            .ok_or("seqs")?
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        assert_eq!(&got, seqs, "household {code}");
    }
    let rows: usize = all
        .iter()
        .filter(|o| o.path.starts_with("static/v1/households/"))
        .map(|o| serde_json::from_slice::<Value>(&o.bytes).map(|v| v["households"].as_array().map_or(0, Vec::len)))
        .sum::<Result<usize, _>>()?;
    assert_eq!(rows, model.len());

    // A village: its file lists its households, its pages every payment to it.
    let first_payment = node
        .log
        .submissions
        .iter()
        .find_map(|s| match &s.submission.body {
            EntryBody::HouseholdSubsidy(s) => Some(s.village),
            _ => None,
        })
        .ok_or("no payment")?;
    let village: Value =
        serde_json::from_slice(&by_path[format!("static/v1/regions/{first_payment}.json").as_str()].bytes)?;
    let pages = village["pages"].as_u64().ok_or("pages")? as usize;
    let entries = village["entries"].as_u64().ok_or("entries")? as usize;
    assert_eq!(pages, entries.div_ceil(SEQS_PER_PAGE));
    let mut seqs = Vec::new();
    for p in 0..pages {
        let page: Value =
            serde_json::from_slice(&by_path[format!("static/v1/regions/{first_payment}/{p}.json").as_str()].bytes)?;
        seqs.extend(page["seqs"].as_array().ok_or("seqs")?.iter().filter_map(Value::as_u64));
    }
    assert_eq!(seqs.len(), entries);
    for (i, s) in node.log.submissions.iter().enumerate() {
        if let EntryBody::HouseholdSubsidy(p) = &s.submission.body {
            if p.village == first_payment {
                assert!(
                    seqs.contains(&(i as u64)),
                    "payment {i} missing from its village's pages"
                );
                let code = HouseholdCode::of(&p.household).compact();
                assert!(village["households"]
                    .as_array()
                    .ok_or("households")?
                    .iter()
                    .any(|r| r["code"] == code.as_str()));
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn incremental_static_objects_equal_the_full_set() -> TestResult {
    let node = node()?;
    let n = node.log.submissions.len() as u64;
    let full = objects(node, 0, n)?;
    for cuts in [vec![1, n], vec![n / 2, n], vec![300, 1_100, 1_101, n]] {
        let mut merged: BTreeMap<String, StaticObject> = BTreeMap::new();
        let mut from = 0;
        for to in cuts {
            for o in objects(node, from, to)? {
                merged.insert(o.path.clone(), o);
            }
            from = to;
        }
        let merged: Vec<StaticObject> = merged.into_values().collect();
        assert_eq!(merged.len(), full.len());
        assert!(merged == full, "incremental objects differ from the full set");
    }
    // Nothing new, nothing changes.
    assert!(objects(node, n, n)?.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_node_serves_the_static_index_files() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let full = objects(node, 0, n)?;
    for o in full.iter().take(40) {
        let got = get_from(app, &format!("/{}", o.path), fresh_client()).await?;
        assert_eq!(got.status, StatusCode::OK, "{}", o.path);
        assert_eq!(got.header("content-type"), "application/json; charset=utf-8");
        assert_eq!(got.body, o.bytes, "{}", o.path);
    }
    let config = get_from(app, "/static/v1/config.json", fresh_client()).await?.json()?;
    assert_eq!(config["mode"], "static");
    assert_eq!(config["log"]["vkey"], node.log.log_vkey().unwrap_or_default());
    for (path, status, code) in [
        (
            "/static/v1/regions/320803999999.json",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("/static/v1/regions/abc.json", StatusCode::NOT_FOUND, "not_found"),
        ("/static/v1/households/0O.json", StatusCode::NOT_FOUND, "not_found"),
        ("/static/v1/households/ABC.json", StatusCode::NOT_FOUND, "not_found"),
        ("/static/v1/nothing.json", StatusCode::NOT_FOUND, "not_found"),
    ] {
        let got = get_from(app, path, fresh_client()).await?;
        assert_eq!((got.status, got.code().as_str()), (status, code), "{path}");
    }
    let long = format!("/static/v1/regions/{}.json", "1".repeat(80));
    let got = get_from(app, &long, fresh_client()).await?;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    // Against a checked-in tiny ledger (the node's own test): the first page
    // of a village is immutable only once full.
    let village = full.iter().find(|o| o.path.ends_with("/0.json")).ok_or("no page")?;
    let page: Value = serde_json::from_slice(&village.bytes)?;
    assert_eq!(
        village.immutable,
        page["seqs"].as_array().map_or(0, Vec::len) == SEQS_PER_PAGE
    );
    let ledger = app.shared.ledger.read().map_err(|_| "poisoned")?;
    assert_eq!(
        object_at(&ledger, &app.shared.store, "static/v1/regions.json", n)?.map(|o| o.bytes),
        full.iter()
            .find(|o| o.path == "static/v1/regions.json")
            .map(|o| o.bytes.clone())
    );
    Ok(())
}

#[tokio::test]
async fn page_assets_for_a_bucket_use_relative_paths_and_a_static_config() -> TestResult {
    let node = node()?;
    let ledger = node.app.shared.ledger.read().map_err(|_| "poisoned")?;
    let assets = ledger_node::static_views::page_assets(&ledger)?;
    let index = assets.iter().find(|o| o.path == "index.html").ok_or("no index.html")?;
    let html = String::from_utf8(index.bytes.clone())?;
    assert!(!html.contains("\"/assets/"), "index.html still loads absolute paths");
    assert!(!index.immutable);
    for o in assets.iter().filter(|o| o.path.starts_with("assets/")) {
        assert!(o.immutable, "{}", o.path);
        if !o.path.ends_with(".woff2") {
            assert!(
                html.contains(&format!("\"{}\"", o.path)),
                "index.html does not load {}",
                o.path
            );
        }
        if o.path.ends_with(".css") {
            let css = String::from_utf8(o.bytes.clone())?;
            assert!(!css.contains("url(/assets/"));
            let font = assets.iter().find(|f| f.path.ends_with(".woff2")).ok_or("no font")?;
            assert!(css.contains(&format!("url({})", font.path.trim_start_matches("assets/"))));
        }
    }
    let config = assets
        .iter()
        .find(|o| o.path == "config.json")
        .ok_or("no config.json")?;
    let config: Value = serde_json::from_slice(&config.bytes)?;
    assert_eq!(config["mode"], "static");
    assert_eq!(config["log"]["origin"], node.log.origin.as_str());
    assert_eq!(config["log"]["vkey"], node.log.log_vkey().unwrap_or_default());
    // index.html, config.json, the script, the stylesheet and the font.
    assert_eq!(assets.len(), 5);
    Ok(())
}

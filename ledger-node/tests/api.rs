//! The public read API, tiles and the write API's error codes, in-process
//! (the axum app without a socket) against a node holding the demo log.
//!
//! Expected values are computed here, independently of the node, from the
//! demo submissions themselves (entry `i` is submission `i`): what a village
//! received, paid, holds; a fund's balances; a household's payments.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use common::*;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::LogVerifier;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{Account, EntryBody, EntryKind, FundIssue, HouseholdSubsidy, Payee, ProjectDisbursement};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::{Ident, Text};
use ledger_core::merkle::{leaf_hash, verify_consistency, verify_inclusion, MemoryTree, TreeHash};
use ledger_core::region::RegionCode;
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use ledger_core::Fen;
use ledger_node::api::Limits;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

const SEED: u64 = 2019;
const ENTRIES: u64 = 2_500;
/// The shared node's read limit: 1 request/s per address after a burst of
/// 40. Every test but the rate-limit one uses fresh client addresses.
const BURST: u32 = 40;
/// The shared node's body limit (the demo is loaded without HTTP).
const MAX_BODY: usize = 1024 * 1024;
/// The shared node's most submissions per request.
const MAX_BATCH: usize = 50;

fn limits() -> Limits {
    Limits {
        max_body_bytes: MAX_BODY,
        max_batch_submissions: MAX_BATCH,
        read_rate_per_sec: 1,
        read_burst: BURST,
        ..Limits::default()
    }
}

static NODE: OnceLock<Result<TestNode, String>> = OnceLock::new();

/// The shared node (built once, on its own thread and runtime).
fn node() -> TestResult<&'static TestNode> {
    NODE.get_or_init(|| {
        std::thread::spawn(|| demo_node("shared", SEED, ENTRIES, limits()).map_err(|e| e.to_string()))
            .join()
            .unwrap_or_else(|_| Err("building the node panicked".into()))
    })
    .as_ref()
    .map_err(|e| e.clone().into())
}

// ---------------------------------------------------------------------------
// An independent model of the demo log

/// What the demo submissions say, computed without the node.
struct Model {
    bodies: Vec<EntryBody>,
    /// target seq → reversing seq.
    reversed: HashMap<u64, u64>,
    project_village: HashMap<Ident, RegionCode>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    received: u64,
    households_fen: u64,
    households: u64,
    subsidies: u64,
    projects_fen: u64,
    projects: u64,
    balance: u64,
}

impl Model {
    fn new(node: &TestNode) -> Model {
        let bodies: Vec<EntryBody> = node.log.submissions.iter().map(|s| s.submission.body.clone()).collect();
        let mut reversed = HashMap::new();
        let mut project_village = HashMap::new();
        for (seq, body) in bodies.iter().enumerate() {
            match body {
                EntryBody::Reversal(r) => {
                    reversed.insert(r.target_seq, seq as u64);
                }
                EntryBody::ProjectRegister(p) => {
                    project_village.insert(p.project.clone(), p.village);
                }
                _ => {}
            }
        }
        Model {
            bodies,
            reversed,
            project_village,
        }
    }

    fn region(&self, account: &Account) -> RegionCode {
        match account {
            Account::Treasury(code) => *code,
            Account::Project(id) => self.project_village[id],
        }
    }

    fn district(&self) -> &'static RegionCode {
        static DISTRICT: OnceLock<RegionCode> = OnceLock::new();
        DISTRICT.get_or_init(|| region(320_803_000_000))
    }

    /// Live (not reversed) money entries with their seq.
    fn live(&self) -> impl Iterator<Item = (u64, &EntryBody)> {
        self.bodies
            .iter()
            .enumerate()
            .map(|(s, b)| (s as u64, b))
            .filter(|(s, _)| !self.reversed.contains_key(s))
    }

    fn totals(&self, r: RegionCode) -> Totals {
        let mut t = Totals::default();
        let mut paid_out = 0u64;
        let mut households = BTreeSet::new();
        for (_, body) in self.live() {
            match body {
                EntryBody::FundIssue(f) if r.covers(self.region(&f.to)) => t.received += f.amount.get(),
                EntryBody::Transfer(x) if r.covers(self.region(&x.to)) && !r.covers(self.region(&x.from)) => {
                    t.received += x.amount.get()
                }
                EntryBody::HouseholdSubsidy(s) => {
                    if r.covers(s.village) {
                        t.households_fen += s.amount.get();
                        t.subsidies += 1;
                        households.insert(s.household);
                    }
                    if r.covers(self.region(&s.from)) {
                        paid_out += s.amount.get();
                    }
                }
                EntryBody::ProjectDisbursement(d) => {
                    if r.covers(self.project_village[&d.project]) {
                        t.projects_fen += d.amount.get();
                    }
                    if r.covers(self.region(&d.from)) {
                        paid_out += d.amount.get();
                    }
                }
                EntryBody::ProjectRegister(p) if r.covers(p.village) => t.projects += 1,
                _ => {}
            }
        }
        t.households = households.len() as u64;
        t.balance = t.received - paid_out;
        t
    }

    /// Received by region `r` per fund.
    fn received_by_fund(&self, r: RegionCode) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (_, body) in self.live() {
            let (fund, amount) = match body {
                EntryBody::FundIssue(f) if r.covers(self.region(&f.to)) => (f.fund.to_string(), f.amount.get()),
                EntryBody::Transfer(x) if r.covers(self.region(&x.to)) && !r.covers(self.region(&x.from)) => {
                    (x.fund.to_string(), x.amount.get())
                }
                _ => continue,
            };
            *out.entry(fund).or_insert(0) += amount;
        }
        out
    }

    /// Balances of a fund per account key.
    fn fund_balances(&self, fund: &str) -> BTreeMap<String, i128> {
        let mut out: BTreeMap<String, i128> = BTreeMap::new();
        let mut add = |a: &Account, v: i128| *out.entry(a.key()).or_insert(0) += v;
        for (_, body) in self.live() {
            match body {
                EntryBody::FundIssue(f) if f.fund.as_str() == fund => add(&f.to, f.amount.get().into()),
                EntryBody::Transfer(t) if t.fund.as_str() == fund => {
                    add(&t.from, -i128::from(t.amount.get()));
                    add(&t.to, t.amount.get().into());
                }
                EntryBody::ProjectDisbursement(d) if d.fund.as_str() == fund => {
                    add(&d.from, -i128::from(d.amount.get()))
                }
                EntryBody::HouseholdSubsidy(s) if s.fund.as_str() == fund => add(&s.from, -i128::from(s.amount.get())),
                _ => {}
            }
        }
        out.retain(|_, v| *v != 0);
        out
    }

    /// Every subsidy to a village's households (reversed ones included).
    fn subsidies_of(&self, village: RegionCode) -> Vec<(u64, &HouseholdSubsidy)> {
        self.bodies
            .iter()
            .enumerate()
            .filter_map(|(s, b)| match b {
                EntryBody::HouseholdSubsidy(x) if village.covers(x.village) => Some((s as u64, x)),
                _ => None,
            })
            .collect()
    }
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(u64::MAX)
}

fn hash(hex_text: &Value) -> TreeHash {
    let bytes: Bytes<32> = Bytes::from_hex(hex_text.as_str().unwrap_or_default()).unwrap_or(Bytes([0; 32]));
    TreeHash(bytes.0)
}

fn hashes(list: &Value) -> Vec<TreeHash> {
    list.as_array()
        .map(|a| a.iter().map(hash).collect())
        .unwrap_or_default()
}

fn region(code: u64) -> RegionCode {
    RegionCode::new(code).unwrap_or_else(|e| panic!("{e}"))
}

/// The leaves of the whole log, from the demo submissions' sequenced bytes
/// as served (checked against the submissions).
async fn all_entries(app: &ledger_node::api::AppState) -> TestResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut start = 0u64;
    loop {
        let page = get_json(app, &format!("/v1/entries?start={start}&limit=1000")).await?;
        for e in page["entries"].as_array().into_iter().flatten() {
            out.push(base64::engine::general_purpose::STANDARD.decode(e["raw"].as_str().unwrap_or_default())?);
        }
        match page["next"].as_u64() {
            Some(n) => start = n,
            None => return Ok(out),
        }
    }
}

// ---------------------------------------------------------------------------
// The log, entries and proofs

#[tokio::test]
async fn log_and_checkpoint_match_the_demo_log() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let log = get_json(app, "/v1/log").await?;
    assert_eq!(log["origin"], ledger_demo::DEMO_ORIGIN);
    assert_eq!(log["title"], ledger_demo::DEMO_TITLE);
    assert_eq!(u(&log["size"]), n);
    let vkey = node.log.log_vkey().unwrap_or_default();
    assert_eq!(log["log_vkey"], vkey);
    assert_eq!(log["log_keys"], serde_json::json!([{ "from_size": 0, "vkey": vkey }]));

    // The root over the served entries, recomputed here, is the checkpoint's.
    let entries = all_entries(app).await?;
    assert_eq!(entries.len() as u64, n);
    for (i, bytes) in entries.iter().enumerate() {
        let decoded = SequencedEntry::decode(bytes)?;
        assert_eq!(decoded.entry.seq, i as u64);
        assert_eq!(
            decoded.entry.signed, node.log.submissions[i],
            "entry {i} is the demo submission"
        );
    }
    let tree = MemoryTree::from_leaves(&entries.iter().map(|b| leaf_hash(b)).collect::<Vec<_>>());
    assert_eq!(log["root"], hex::encode(tree.root().0));

    for uri in ["/v1/checkpoint", "/checkpoint"] {
        let answer = get(app, uri).await?;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("content-type"), "text/plain; charset=utf-8");
        assert_eq!(answer.header("cache-control"), "no-store");
        let checkpoint = LogVerifier::from_vkey(vkey)?.verify_checkpoint(&answer.body)?;
        assert_eq!(checkpoint.size(), n);
        assert_eq!(*checkpoint.root(), tree.root());
    }
    Ok(())
}

#[tokio::test]
async fn entries_pages_and_limits() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let page = get_json(app, "/v1/entries?start=0&limit=10").await?;
    assert_eq!(u(&page["start"]), 0);
    assert_eq!(u(&page["size"]), n);
    assert_eq!(u(&page["next"]), 10);
    let entries = page["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 10);
    let genesis = &entries[0];
    assert_eq!(genesis["seq"], 0);
    assert_eq!(genesis["kind"], "genesis");
    assert_eq!(genesis["kind_zh"], "创世");
    assert_eq!(genesis["reversed_by"], Value::Null);
    assert_eq!(genesis["prev_hash"], "0".repeat(64));
    assert_eq!(
        genesis["body"],
        serde_json::to_value(&node.log.submissions[0].submission.body)?
    );
    let signers: Vec<String> = node.log.submissions[0]
        .signatures
        .iter()
        .map(|s| s.key.to_hex())
        .collect();
    assert_eq!(genesis["signers"], serde_json::to_value(&signers)?);
    assert_eq!(genesis["submission_id"], node.log.submissions[0].id().to_hex());
    assert!(genesis["summary_zh"]
        .as_str()
        .unwrap_or_default()
        .starts_with("创世：淮安区阳光扶贫资金账本，登记区划361个"));
    // Hashes and chain links are those of the raw bytes.
    for pair in entries.windows(2) {
        let raw = base64::engine::general_purpose::STANDARD.decode(pair[0]["raw"].as_str().unwrap_or_default())?;
        let decoded = SequencedEntry::decode(&raw)?;
        assert_eq!(pair[0]["entry_hash"], decoded.entry_hash.to_hex());
        assert_eq!(pair[0]["leaf_hash"], hex::encode(decoded.leaf_hash.0));
        assert_eq!(pair[1]["prev_hash"], pair[0]["entry_hash"]);
    }
    assert_schema("EntriesPage", &page)?;

    // The last page ends with next = null; past the end is an empty page.
    let tail = get_json(app, &format!("/v1/entries?start={}", n - 3)).await?;
    assert_eq!(tail["entries"].as_array().map(Vec::len), Some(3));
    assert_eq!(tail["next"], Value::Null);
    let past = get_json(app, &format!("/v1/entries?start={}", n + 5)).await?;
    assert_eq!(past["entries"].as_array().map(Vec::len), Some(0));
    assert_eq!(past["next"], Value::Null);
    // Default limit is 50.
    let default = get_json(app, "/v1/entries").await?;
    assert_eq!(default["entries"].as_array().map(Vec::len), Some(50));
    assert_eq!(u(&default["next"]), 50);

    for bad in [
        "/v1/entries?limit=1001",
        "/v1/entries?limit=0",
        "/v1/entries?start=-1",
        "/v1/entries?start=abc",
        "/v1/entries?limit=1e3",
    ] {
        let answer = get(app, bad).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::BAD_REQUEST, "bad_parameter"),
            "{bad}"
        );
    }
    let max = get_json(app, "/v1/entries?limit=1000").await?;
    assert_eq!(max["entries"].as_array().map(Vec::len), Some(1000));
    Ok(())
}

#[tokio::test]
async fn entry_with_inclusion_proof_verifies_against_the_signed_checkpoint() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let vkey = node.log.log_vkey().unwrap_or_default();
    for seq in [0, 1, 7, n / 2, n - 1] {
        let answer = get_json(app, &format!("/v1/entries/{seq}?proof=true")).await?;
        assert_schema("EntryWithProof", &answer)?;
        let entry = &answer["entry"];
        let proof = &answer["proof"];
        assert_eq!(u(&entry["seq"]), seq);
        assert_eq!(u(&proof["leaf_index"]), seq);
        assert_eq!(u(&proof["tree_size"]), n);
        let raw = base64::engine::general_purpose::STANDARD.decode(entry["raw"].as_str().unwrap_or_default())?;
        let leaf = leaf_hash(&raw);
        assert_eq!(proof["leaf_hash"], hex::encode(leaf.0));
        let checkpoint = LogVerifier::from_vkey(vkey)?
            .verify_checkpoint(proof["checkpoint"].as_str().unwrap_or_default().as_bytes())?;
        assert_eq!(checkpoint.size(), n);
        assert_eq!(proof["root"], hex::encode(checkpoint.root().0));
        verify_inclusion(&hashes(&proof["hashes"]), n, checkpoint.root(), seq, &leaf)?;
        // And the separate proof endpoint gives the same proof.
        let same = get_json(app, &format!("/v1/proof/inclusion?seq={seq}")).await?;
        assert_eq!(&same, proof);
        assert_schema("InclusionProof", &same)?;
    }
    // Without ?proof there is no proof field.
    let plain = get_json(app, "/v1/entries/3").await?;
    assert!(plain.get("proof").is_none());
    let plain = get_json(app, "/v1/entries/3?proof=false").await?;
    assert!(plain.get("proof").is_none());

    for (uri, status, code) in [
        (format!("/v1/entries/{n}"), StatusCode::NOT_FOUND, "not_found"),
        ("/v1/entries/abc".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/v1/entries/99999999999999999999999".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/entries/1?proof=maybe".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/proof/inclusion?seq={n}"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/v1/proof/inclusion".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/proof/inclusion?seq=x".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
        assert_schema("Error", &answer.json()?)?;
    }
    Ok(())
}

#[tokio::test]
async fn consistency_proofs_from_any_older_size() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let entries = all_entries(app).await?;
    let tree = MemoryTree::from_leaves(&entries.iter().map(|b| leaf_hash(b)).collect::<Vec<_>>());
    for from in [1, 2, 3, 255, 256, 1000, n - 1, n] {
        let answer = get_json(app, &format!("/v1/proof/consistency?from={from}")).await?;
        assert_schema("ConsistencyProof", &answer)?;
        assert_eq!(u(&answer["from"]), from);
        assert_eq!(u(&answer["to"]), n);
        let old_root = tree.root_at(from)?;
        verify_consistency(&hashes(&answer["hashes"]), from, &old_root, n, &tree.root())?;
        assert!(answer["checkpoint"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("\n{n}\n")));
    }
    for uri in [
        "/v1/proof/consistency?from=0".to_string(),
        format!("/v1/proof/consistency?from={}", n + 1),
        "/v1/proof/consistency".to_string(),
        "/v1/proof/consistency?from=-3".to_string(),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::BAD_REQUEST, "bad_parameter"),
            "{uri}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Regions and flows

fn assert_totals(json: &Value, expected: &Totals, what: &str) {
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
async fn region_tree_totals_are_exact() -> TestResult {
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
fn busiest_village(model: &Model) -> RegionCode {
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
async fn village_flows_are_exact_and_page_through_every_payment() -> TestResult {
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
async fn town_and_district_flows() -> TestResult {
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

// ---------------------------------------------------------------------------
// Funds, projects, households, accounts, search

#[tokio::test]
async fn fund_trace_balances_payees_and_movements() -> TestResult {
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
async fn project_with_its_payments() -> TestResult {
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
async fn household_by_reference_with_a_reversed_duplicate() -> TestResult {
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
async fn accounts_balances_and_recent_entries() -> TestResult {
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

fn encode(q: &str) -> String {
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
async fn search_regions_funds_projects() -> TestResult {
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

// ---------------------------------------------------------------------------
// Tiles

#[tokio::test]
async fn tiles_serve_the_log_to_tlog_tiles_clients() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    assert!(n > 512 && n < 65_536);
    let vkey = node.log.log_vkey().unwrap_or_default();
    let checkpoint = LogVerifier::from_vkey(vkey)?.verify_checkpoint(&get(app, "/checkpoint").await?.body)?;
    // Read the log as a tlog-tiles client does: level-0 tiles and entry
    // bundles (full ones, then the partial ones of the checkpoint's size).
    let full = n / 256;
    let partial = n % 256;
    let mut leaves: Vec<TreeHash> = Vec::new();
    let mut entries: Vec<Vec<u8>> = Vec::new();
    for t in 0..=full {
        let width = if t < full { 256 } else { partial };
        if width == 0 {
            break;
        }
        let suffix = if width < 256 {
            format!(".p/{width}")
        } else {
            String::new()
        };
        let tile = get(app, &format!("/tile/0/{t:03}{suffix}")).await?;
        assert_eq!(tile.status, StatusCode::OK);
        assert_eq!(tile.header("content-type"), "application/octet-stream");
        assert_eq!(tile.header("cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(tile.body.len() as u64, 32 * width);
        let bundle = get(app, &format!("/tile/entries/{t:03}{suffix}")).await?;
        assert_eq!(bundle.status, StatusCode::OK);
        let mut at = 0usize;
        let mut k = 0usize;
        while at < bundle.body.len() {
            let len = u16::from_be_bytes([bundle.body[at], bundle.body[at + 1]]) as usize;
            let bytes = bundle.body[at + 2..at + 2 + len].to_vec();
            // Each entry hashes to the level-0 tile's hash at its position.
            assert_eq!(leaf_hash(&bytes).0[..], tile.body[32 * k..32 * k + 32]);
            entries.push(bytes);
            at += 2 + len;
            k += 1;
        }
        assert_eq!(k as u64, width);
        for chunk in tile.body.chunks(32) {
            let mut h = [0u8; 32];
            h.copy_from_slice(chunk);
            leaves.push(TreeHash(h));
        }
    }
    assert_eq!(entries.len() as u64, n);
    for (i, bytes) in entries.iter().enumerate() {
        assert_eq!(SequencedEntry::decode(bytes)?.entry.signed, node.log.submissions[i]);
    }
    let tree = MemoryTree::from_leaves(&leaves);
    assert_eq!(tree.root(), *checkpoint.root());
    // The level-1 partial tile holds the roots of the full level-0 tiles.
    let level1 = get(app, &format!("/tile/1/000.p/{full}")).await?;
    assert_eq!(level1.status, StatusCode::OK);
    for t in 0..full as usize {
        let sub = MemoryTree::from_leaves(&leaves[t * 256..(t + 1) * 256]);
        assert_eq!(level1.body[32 * t..32 * t + 32], sub.root().0[..]);
    }
    // Tiles the checkpoint does not cover, and malformed paths.
    for (uri, status, code) in [
        (format!("/tile/0/{full:03}"), StatusCode::NOT_FOUND, "not_found"),
        (
            format!("/tile/0/{full:03}.p/{}", partial + 1),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/tile/entries/{:03}", full + 1),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("/tile/1/000".to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("/tile/8/000.p/1".to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("/tile/0/1".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/tile/0/000.p/0".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/tile/0/000.p/256".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        ("/tile/64/000".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/tile/0/x000/001".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        ("/tile/entries".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// HTTP behaviour: CORS, compression, unknown routes, rate limit

#[tokio::test]
async fn cors_compression_and_unknown_routes() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let mut request = Request::get("/v1/regions")
        .header("origin", "https://example.org")
        .header("accept-encoding", "gzip")
        .body(Body::empty())?;
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(fresh_client()));
    let answer = send(app, request).await?;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    assert_eq!(answer.header("content-encoding"), "gzip");
    // Pre-flight.
    let mut request = Request::builder()
        .method("OPTIONS")
        .uri("/v1/log")
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .body(Body::empty())?;
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(fresh_client()));
    let answer = send(app, request).await?;
    assert_eq!(answer.header("access-control-allow-origin"), "*");
    let answer = get(app, "/v1/no-such-endpoint").await?;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    Ok(())
}

#[tokio::test]
async fn rate_limited_per_client_address() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let client = fixed_client();
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..(BURST + 20) {
        let answer = get_from(app, "/v1/log", client).await?;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS && limited.is_none() {
            limited = Some(answer);
        }
    }
    // The burst passes; then the limit (1/s) bites.
    assert!(
        statuses[..BURST as usize].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let limited = limited.ok_or("no request was rate-limited")?;
    assert_eq!(limited.code(), "rate_limited");
    assert_eq!(limited.header("retry-after"), "1");
    assert_schema("Error", &limited.json()?)?;
    // Other addresses are not affected.
    assert_eq!(get(app, "/v1/log").await?.status, StatusCode::OK);
    Ok(())
}

// ---------------------------------------------------------------------------
// The write API's error codes (each leaves the log unchanged)

struct Keys {
    district_op: ed25519_dalek::SigningKey,
    town_op: ed25519_dalek::SigningKey,
    other_town_op: ed25519_dalek::SigningKey,
    revoked: ed25519_dalek::SigningKey,
}

fn keys(node: &TestNode, town: RegionCode) -> TestResult<Keys> {
    let district_op = node
        .log
        .district_operators()
        .first()
        .map(|o| o.key.clone())
        .ok_or("district operator")?;
    let town_op = node
        .log
        .town_operator(town)
        .map(|o| o.key.clone())
        .ok_or("town operator")?;
    let other_town_op = node
        .log
        .operators
        .iter()
        .find(|o| {
            o.revoked_at_seq.is_none()
                && o.grant.scope.regions.len() == 1
                && o.grant.scope.regions[0].level() == ledger_core::region::RegionLevel::Town
                && o.grant.scope.regions[0] != town
        })
        .map(|o| o.key.clone())
        .ok_or("another town's operator")?;
    let revoked = node
        .log
        .operators
        .iter()
        .find(|o| o.revoked_at_seq.is_some())
        .map(|o| o.key.clone())
        .ok_or("a revoked operator")?;
    Ok(Keys {
        district_op,
        town_op,
        other_town_op,
        revoked,
    })
}

fn submission(
    origin: &str,
    nonce: [u8; 16],
    not_after_ms: u64,
    body: EntryBody,
    signers: &[&ed25519_dalek::SigningKey],
) -> SignedSubmission {
    Submission {
        v: SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce: Bytes(nonce),
        not_after_ms,
        body,
    }
    .sign(signers)
}

async fn post_json(app: &ledger_node::api::AppState, submissions: &[SignedSubmission]) -> TestResult<Answer> {
    post(
        app,
        "application/json",
        serde_json::to_vec(&serde_json::json!({ "submissions": submissions }))?,
    )
    .await
}

#[tokio::test]
async fn write_api_error_codes() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let model = Model::new(node);
    let size_before = u(&get_json(app, "/v1/log").await?["size"]);
    let origin = node.log.origin.clone();
    let later = now_ms() + 3_600_000;
    // A town-paid subsidy of the demo: its fund, town and village are real,
    // and the town still holds money of that fund.
    let (template, template_nonce) = node
        .log
        .submissions
        .iter()
        .rev()
        .find_map(|s| match &s.submission.body {
            EntryBody::HouseholdSubsidy(x) if matches!(x.from, Account::Treasury(c) if c.level() == ledger_core::region::RegionLevel::Town) => {
                Some((x.clone(), s.submission.nonce.0))
            }
            _ => None,
        })
        .ok_or("a town-paid subsidy")?;
    let Account::Treasury(town) = template.from else {
        return Err("town".into());
    };
    let balances = model.fund_balances(template.fund.as_str());
    assert!(
        balances.get(&template.from.key()).copied().unwrap_or(0) > 1,
        "the town still holds money of the fund"
    );
    let keys = keys(node, town)?;
    let one_fen = |mut s: HouseholdSubsidy| {
        s.amount = Fen::new(1).unwrap_or(Fen::ZERO);
        EntryBody::HouseholdSubsidy(s)
    };
    let mut nonce_counter = 0u8;
    let mut nonce = || {
        nonce_counter += 1;
        let mut n = [0xA5u8; 16];
        n[0] = nonce_counter;
        n
    };

    // A valid submission (never posted) that each case breaks in one way.
    let valid = submission(&origin, nonce(), later, one_fen(template.clone()), &[&keys.town_op]);
    let mut cases: Vec<(&str, StatusCode, Answer)> = Vec::new();

    let mut bad_sig = valid.clone();
    bad_sig.signatures[0].signature.0[5] ^= 1;
    cases.push((
        "bad_signature",
        StatusCode::UNAUTHORIZED,
        post_json(app, &[bad_sig]).await?,
    ));

    // Issue 11: a signature by the granted town operator whose R is the
    // identity encoded with y = p + 1. Valid under ZIP-215 (replay's rule),
    // refused by RFC 8032 verifiers: the write path refuses it with its own code.
    let mut non_canonical = valid.clone();
    let message = non_canonical.submission.signing_message();
    non_canonical.signatures[0].signature = ledger_core::signature_rule::crafted::identity_r(&keys.town_op, &message);
    assert!(non_canonical.clone().verify().is_ok(), "replay's rule accepts it");
    cases.push((
        "non_canonical_signature",
        StatusCode::UNAUTHORIZED,
        post_json(app, &[non_canonical]).await?,
    ));

    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let s = submission(&origin, nonce(), later, one_fen(template.clone()), &[&stranger]);
    cases.push(("unknown_key", StatusCode::FORBIDDEN, post_json(app, &[s]).await?));

    // The rotated town operator, after its revocation.
    let revoked_town = node
        .log
        .operators
        .iter()
        .find(|o| o.revoked_at_seq.is_some())
        .and_then(|o| o.grant.scope.regions.first().copied())
        .ok_or("revoked scope")?;
    let revoked_template = node
        .log
        .submissions
        .iter()
        .rev()
        .find_map(|s| match &s.submission.body {
            EntryBody::HouseholdSubsidy(x) if x.from == Account::Treasury(revoked_town) => Some(x.clone()),
            _ => None,
        })
        .ok_or("a subsidy of the rotated town")?;
    let s = submission(&origin, nonce(), later, one_fen(revoked_template), &[&keys.revoked]);
    cases.push(("revoked_key", StatusCode::FORBIDDEN, post_json(app, &[s]).await?));

    let s = submission(
        &origin,
        nonce(),
        later,
        one_fen(template.clone()),
        &[&keys.other_town_op],
    );
    cases.push(("out_of_scope", StatusCode::FORBIDDEN, post_json(app, &[s]).await?));

    // A fund issue of 2,000,000 元 needs two signatures.
    let issue = EntryBody::FundIssue(FundIssue {
        fund: Ident::new("F2099-TEST-001")?,
        title: Text::new("测试资金")?,
        document_no: Text::new("测〔2099〕1号")?,
        source: ledger_core::entry::FundSource::District,
        category: ledger_core::entry::FundCategory::Other,
        fiscal_year: 2099,
        to: Account::Treasury(*model.district()),
        amount: Fen::new(200_000_000)?,
    });
    let s = submission(&origin, nonce(), later, issue, &[&keys.district_op]);
    cases.push((
        "missing_cosignature",
        StatusCode::FORBIDDEN,
        post_json(app, &[s]).await?,
    ));

    let s = submission(
        &origin,
        template_nonce,
        later,
        one_fen(template.clone()),
        &[&keys.town_op],
    );
    cases.push(("replayed_nonce", StatusCode::CONFLICT, post_json(app, &[s]).await?));

    let s = submission(
        &origin,
        nonce(),
        now_ms() - 60_000,
        one_fen(template.clone()),
        &[&keys.town_op],
    );
    cases.push(("expired", StatusCode::UNPROCESSABLE_ENTITY, post_json(app, &[s]).await?));

    let s = submission(
        "other.example/log",
        nonce(),
        later,
        one_fen(template.clone()),
        &[&keys.town_op],
    );
    cases.push((
        "wrong_origin",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    let mut huge = template.clone();
    huge.amount = Fen::new(ledger_core::amount::MAX_ENTRY_FEN)?;
    let s = submission(
        &origin,
        nonce(),
        later,
        EntryBody::HouseholdSubsidy(huge),
        &[&keys.town_op],
    );
    cases.push((
        "overdraft",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    let disbursement = EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund: template.fund.clone(),
        project: Ident::new("NO-SUCH-PROJECT")?,
        from: Account::Treasury(town),
        payee: Payee {
            id: Ident::new("91320803MA0000000X")?,
            name: Text::new("测试公司")?,
        },
        amount: Fen::new(1)?,
        contract_ref: Text::new("HT-1")?,
        milestone: Text::new("预付款")?,
    });
    let s = submission(&origin, nonce(), later, disbursement, &[&keys.town_op]);
    cases.push((
        "unknown_project",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    let mut elsewhere = template.clone();
    elsewhere.village = RegionCode::new(320_803_999_999)?;
    let s = submission(&origin, nonce(), later, one_fen(elsewhere), &[&keys.town_op]);
    cases.push((
        "unknown_region",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    // malformed: not the request shape; not JSON; a record that does not decode.
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/json", br#"{"submissions": "x"}"#.to_vec()).await?,
    ));
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/json", b"{not json".to_vec()).await?,
    ));
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/json", br#"{"submissions": []}"#.to_vec()).await?,
    ));
    let mut framed = 3u32.to_le_bytes().to_vec();
    framed.extend_from_slice(&[1, 2, 3]);
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/octet-stream", framed).await?,
    ));
    let mut twice = valid.clone();
    twice.signatures.push(twice.signatures[0].clone());
    cases.push(("malformed", StatusCode::BAD_REQUEST, post_json(app, &[twice]).await?));

    // too_large: a body over the limit; a record over the entry limit; too many submissions.
    cases.push((
        "too_large",
        StatusCode::PAYLOAD_TOO_LARGE,
        post(app, "application/octet-stream", vec![0u8; MAX_BODY + 1]).await?,
    ));
    let record = ((ledger_core::encoding::MAX_ENCODED_BYTES + 1) as u32)
        .to_le_bytes()
        .to_vec();
    cases.push((
        "too_large",
        StatusCode::PAYLOAD_TOO_LARGE,
        post(app, "application/octet-stream", record).await?,
    ));
    let many: Vec<SignedSubmission> = (0..=MAX_BATCH).map(|_| valid.clone()).collect();
    cases.push(("too_large", StatusCode::PAYLOAD_TOO_LARGE, post_json(app, &many).await?));

    for (code, status, answer) in &cases {
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (*status, *code),
            "{code}: {}",
            answer.text()
        );
        let message = answer.json()?["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(!message.is_empty(), "{code} has a message");
        assert_schema("Error", &answer.json()?)?;
    }
    let codes: BTreeSet<&str> = cases.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(codes.len(), 14, "every write error code: {codes:?}");
    let refused = cases
        .iter()
        .find(|(c, _, _)| *c == "non_canonical_signature")
        .ok_or("case")?;
    assert_eq!(
        refused.2.json()?["error"]["message"],
        format!(
            "signature by key {} is refused for new entries: R is not the canonical encoding of a curve point; sign with a standard Ed25519 library",
            Bytes(keys.town_op.verifying_key().to_bytes())
        )
    );

    // In a batch, a rejected item is reported in place and the batch answer is 200.
    let batch = vec![
        submission(
            "other.example/log",
            nonce(),
            later,
            one_fen(template.clone()),
            &[&keys.town_op],
        ),
        submission(&origin, nonce(), later, one_fen(template.clone()), &[&stranger]),
    ];
    let answer = post_json(app, &batch).await?;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json()?;
    assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (0, 2));
    assert_eq!(json["results"][0]["error"]["code"], "wrong_origin");
    assert_eq!(json["results"][1]["error"]["code"], "unknown_key");

    // Nothing was recorded.
    assert_eq!(u(&get_json(app, "/v1/log").await?["size"]), size_before);
    Ok(())
}

// ---------------------------------------------------------------------------
// Damage, and a log before genesis (separate nodes)

#[tokio::test]
async fn a_tampered_entry_is_a_corrupt_entry_error_naming_it() -> TestResult {
    let node = std::thread::spawn(|| demo_node("tamper", 7, 600, Limits::default()).map_err(|e| e.to_string()))
        .join()
        .map_err(|_| "panicked")??;
    let app = &node.app;
    let seq = 5u64;
    // Flip one bit inside entry 5's stored record (past its 9-byte header):
    // the record's checksum no longer matches, and every read names the entry.
    node.app.shared.store.damage_entry_for_tests(seq, 40)?;
    for uri in [
        "/v1/entries/5",
        "/v1/entries?start=0&limit=10",
        "/tile/entries/000.p/10",
    ] {
        let answer = get(app, uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "corrupt_entry"),
            "{uri}"
        );
        assert!(
            answer.json()?["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("entry 5 "),
            "{}",
            answer.text()
        );
    }
    // Entries that were not touched still read.
    assert_eq!(get(app, "/v1/entries/4").await?.status, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn before_genesis_everything_is_not_found() -> TestResult {
    let node = std::thread::spawn(|| empty_node("empty", Limits::default()).map_err(|e| e.to_string()))
        .join()
        .map_err(|_| "panicked")??;
    for uri in [
        "/v1/log",
        "/v1/checkpoint",
        "/checkpoint",
        "/v1/entries",
        "/v1/regions",
        "/v1/search?q=a",
        "/tile/0/000.p/1",
        "/v1/proof/consistency?from=1",
    ] {
        let answer = get(&node.app, uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{uri}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Schemas: every route is in the OpenAPI file; answers match it; every
// demo entry body matches the entry JSON Schema.

fn workspace_file(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn openapi() -> TestResult<&'static Value> {
    static DOC: OnceLock<Result<Value, String>> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = std::fs::read_to_string(workspace_file("schemas/openapi.json")).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| e.clone().into())
}

/// Check a JSON value against `#/components/schemas/<name>` of the OpenAPI file.
fn assert_schema(name: &str, value: &Value) -> TestResult {
    let doc = openapi()?;
    let schema = doc["components"]["schemas"]
        .get(name)
        .ok_or(format!("no schema {name}"))?;
    let mut errors = Vec::new();
    schema::validate(doc, schema, value, "$", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", errors.join("; ")).into())
    }
}

#[test]
fn every_route_is_in_the_openapi_file() -> TestResult {
    let doc = openapi()?;
    let paths = doc["paths"].as_object().ok_or("paths")?;
    let mut routes = Vec::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for item in std::fs::read_dir(&dir)? {
            let path = item?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)?;
                for (i, _) in text.match_indices(".route(\"") {
                    let rest = &text[i + 8..];
                    let route = &rest[..rest.find('"').unwrap_or(0)];
                    let after = &rest[route.len()..];
                    let method = if after.trim_start_matches(['"', ',', ' ', '\n']).starts_with("post(") {
                        "post"
                    } else {
                        "get"
                    };
                    routes.push((route.to_string(), method, path.display().to_string()));
                }
            }
        }
    }
    assert!(routes.len() >= 20, "{routes:?}");
    for (route, method, file) in &routes {
        let documented = if let Some(prefix) = route.strip_suffix("{*path}") {
            paths
                .iter()
                .any(|(p, item)| p.starts_with(prefix) && item.get(*method).is_some())
        } else {
            paths.get(route).and_then(|item| item.get(*method)).is_some()
        };
        assert!(
            documented,
            "{method} {route} (in {file}) is not in schemas/openapi.json"
        );
    }
    // And every documented operation has responses with examples of its errors.
    for (p, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {p} has responses"
            );
            assert!(op.get("summary").is_some(), "{method} {p} has a summary");
        }
    }
    Ok(())
}

#[test]
fn every_demo_entry_body_matches_the_entry_schema() -> TestResult {
    let text = std::fs::read_to_string(workspace_file("schemas/entry.schema.json"))?;
    let doc: Value = serde_json::from_str(&text)?;
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: 5,
        target_entries: 800,
        now_ms: now_ms(),
    })?;
    let mut kinds = BTreeSet::new();
    for s in &log.submissions {
        let value = serde_json::to_value(s)?;
        let mut errors = Vec::new();
        schema::validate(&doc, &doc["$defs"]["SignedSubmission"], &value, "$", &mut errors);
        assert!(
            errors.is_empty(),
            "{}: {}",
            s.submission.body.kind().name(),
            errors.join("; ")
        );
        kinds.insert(s.submission.body.kind());
    }
    assert!(kinds.len() >= 8, "{kinds:?}");
    // Every kind has a definition (including those the demo never posts).
    for kind in EntryKind::ALL {
        let variant = serde_json::to_value(kind)?;
        let variant = variant.as_str().unwrap_or_default();
        assert!(
            doc["$defs"]["EntryBody"]["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v["required"][0] == variant),
            "EntryBody has {variant}"
        );
    }
    // And the schema refuses what the node refuses: an unmasked name, a bad region code.
    let mut bad = serde_json::to_value(&log.submissions[log.submissions.len() - 1])?;
    if let Some(body) = bad["submission"]["body"].get_mut("HouseholdSubsidy") {
        body["masked_name"] = Value::from("张小三");
        let mut errors = Vec::new();
        schema::validate(&doc, &doc["$defs"]["SignedSubmission"], &bad, "$", &mut errors);
        assert!(!errors.is_empty(), "an unmasked name is refused");
    }
    Ok(())
}

/// A small JSON Schema checker for the subset the project's schemas use:
/// `$ref` (local), `type` (one or a list), `properties`, `required`,
/// `additionalProperties`, `items`, `minItems`, `maxItems`, `enum`,
/// `const`, `oneOf`, `anyOf`, `minimum`, `maximum`, `minLength`,
/// `maxLength` and `pattern` (anchored character classes with counts only).
mod schema {
    use serde_json::Value;

    fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        root.pointer(pointer)
    }

    fn type_ok(t: &str, v: &Value) -> bool {
        match t {
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "null" => v.is_null(),
            _ => false,
        }
    }

    pub fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            match resolve(root, r) {
                Some(s) => validate(root, s, v, at, errors),
                None => errors.push(format!("{at}: unresolved {r}")),
            }
            return;
        }
        match schema.get("type") {
            Some(Value::String(t)) if !type_ok(t, v) => return errors.push(format!("{at}: not {t}: {v}")),
            Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap_or_default(), v)) => {
                return errors.push(format!("{at}: not any of {ts:?}"))
            }
            _ => {}
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if !values.contains(v) {
                errors.push(format!("{at}: {v} not in enum"));
            }
        }
        if let Some(c) = schema.get("const") {
            if c != v {
                errors.push(format!("{at}: {v} is not {c}"));
            }
        }
        for (key, pass) in [("oneOf", 1usize), ("anyOf", 0)] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let ok = options
                    .iter()
                    .filter(|o| {
                        let mut e = Vec::new();
                        validate(root, o, v, at, &mut e);
                        e.is_empty()
                    })
                    .count();
                if (pass == 1 && ok != 1) || (pass == 0 && ok == 0) {
                    errors.push(format!("{at}: {ok} of {key} match"));
                }
            }
        }
        if let Some(n) = v.as_u64() {
            if schema.get("minimum").and_then(Value::as_u64).is_some_and(|m| n < m)
                || schema.get("maximum").and_then(Value::as_u64).is_some_and(|m| n > m)
            {
                errors.push(format!("{at}: {n} out of range"));
            }
        }
        if let Some(s) = v.as_str() {
            let len = s.chars().count() as u64;
            if schema.get("minLength").and_then(Value::as_u64).is_some_and(|m| len < m)
                || schema.get("maxLength").and_then(Value::as_u64).is_some_and(|m| len > m)
            {
                errors.push(format!("{at}: length {len} out of range"));
            }
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                if let Some(false) = pattern_match(p, s) {
                    errors.push(format!("{at}: {s:?} does not match {p}"));
                }
            }
        }
        if let Some(items) = v.as_array() {
            if schema
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| (items.len() as u64) < m)
                || schema
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| (items.len() as u64) > m)
            {
                errors.push(format!("{at}: {} items out of range", items.len()));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(root, item_schema, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        if let Some(object) = v.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: missing {name}"));
                }
            }
            for (k, value) in object {
                match properties.and_then(|p| p.get(k)) {
                    Some(s) => validate(root, s, value, &format!("{at}.{k}"), errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => errors.push(format!("{at}: unexpected property {k}")),
                        Some(s @ Value::Object(_)) => validate(root, s, value, &format!("{at}.{k}"), errors),
                        _ => {}
                    },
                }
            }
        }
    }

    /// One pattern element: a character class and how often it repeats.
    struct Atom {
        ranges: Vec<(char, char)>,
        negated: bool,
        min: usize,
        max: usize,
    }

    /// `^…$` patterns made of literal characters and classes like `[0-9a-f]`
    /// with `{n}`, `{n,m}`, `*`, `+` or `?`. Returns None for anything else
    /// (not checked).
    pub fn pattern_match(pattern: &str, s: &str) -> Option<bool> {
        let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
        let p: Vec<char> = body.chars().collect();
        let mut atoms: Vec<Atom> = Vec::new();
        let mut i = 0;
        while i < p.len() {
            let (ranges, negated) = if p[i] == '[' {
                let end = p[i..].iter().position(|c| *c == ']')? + i;
                let mut class = &p[i + 1..end];
                let negated = class.first() == Some(&'^');
                if negated {
                    class = &class[1..];
                }
                let mut ranges = Vec::new();
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == '-' {
                        ranges.push((class[k], class[k + 2]));
                        k += 3;
                    } else {
                        ranges.push((class[k], class[k]));
                        k += 1;
                    }
                }
                i = end + 1;
                (ranges, negated)
            } else if p[i] == '\\' {
                i += 2;
                (vec![(*p.get(i - 1)?, *p.get(i - 1)?)], false)
            } else if "().|".contains(p[i]) {
                return None;
            } else {
                i += 1;
                (vec![(p[i - 1], p[i - 1])], false)
            };
            let (min, max) = match p.get(i) {
                Some('*') => {
                    i += 1;
                    (0, usize::MAX)
                }
                Some('+') => {
                    i += 1;
                    (1, usize::MAX)
                }
                Some('?') => {
                    i += 1;
                    (0, 1)
                }
                Some('{') => {
                    let end = p[i..].iter().position(|c| *c == '}')? + i;
                    let inner: String = p[i + 1..end].iter().collect();
                    i = end + 1;
                    match inner.split_once(',') {
                        Some((a, b)) => (a.parse().ok()?, if b.is_empty() { usize::MAX } else { b.parse().ok()? }),
                        None => {
                            let n = inner.parse().ok()?;
                            (n, n)
                        }
                    }
                }
                _ => (1, 1),
            };
            atoms.push(Atom {
                ranges,
                negated,
                min,
                max,
            });
        }
        let chars: Vec<char> = s.chars().collect();
        fn matches(atoms: &[Atom], chars: &[char]) -> bool {
            let Some((
                Atom {
                    ranges,
                    negated,
                    min,
                    max,
                },
                rest,
            )) = atoms.split_first()
            else {
                return chars.is_empty();
            };
            let hit = |c: char| ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *negated;
            let mut n = 0;
            while n < chars.len() && n < *max && hit(chars[n]) {
                n += 1;
            }
            (*min..=n).rev().any(|k| matches(rest, &chars[k..]))
        }
        Some(matches(&atoms, &chars))
    }
}

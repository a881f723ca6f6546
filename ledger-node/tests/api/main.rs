//! The public read API, tiles and the write API's error codes, in-process
//! (the axum app without a socket) against a node holding the demo log.
//!
//! Expected values are computed here, independently of the node, from the
//! demo submissions themselves (entry `i` is submission `i`): what a village
//! received, paid, holds; a fund's balances; a household's payments.
//!
//! One test binary, one module per resource; the demo node is built once
//! for all of them (`node()`, a `OnceLock`) because generating and loading
//! the 2,500-entry demo log is most of the run time. Shared helpers and the
//! independent model stay here; the modules reach them through `super::*`.

mod citizens;
#[path = "../common/mod.rs"]
mod common;
mod contacts;
mod controls;
mod controls_read;
mod controls_write;
mod entries;
mod errors;
mod flows_cache;
mod funds;
mod groups;
mod http;
mod keys_policy;
mod notices;
mod objections;
mod payments;
mod projects;
mod projects_demo;
mod projects_read;
mod proofs;
mod regions;
mod schemas;
mod static_views;
mod tiles;
mod write;

// Helpers a module shares with the others (the schema checks, the write
// API's keys and submissions): each module's `pub(crate)` items, in scope
// here and so, through `super::*`, in every module.
#[allow(unused_imports)]
use {entries::*, errors::*, funds::*, http::*, notices::*, proofs::*, regions::*, schemas::*, tiles::*, write::*};

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

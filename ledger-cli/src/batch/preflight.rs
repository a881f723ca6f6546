//! The pre-flight: before anything is sent, ask the node what it would
//! refuse, so a batch posts whole or not at all instead of paying whichever
//! villagers' rows happened to come first.
//!
//! - **Money**: the batch's total per paying account and fund against the
//!   account's balance of that fund (`GET /v1/accounts/{account}`); a
//!   shortfall names the account and the amount missing in 元.
//! - **Already paid**: each household's payments (`GET
//!   /v1/households/{ref}`); a payment of the same category and period not
//!   reversed is either this very row posted before (same fund, account,
//!   village and amount: skipped, reported as already posted) or another
//!   payment (`duplicate_payment`: the row is refused; a 补发 says so in
//!   its 补发原因/原发放序号/说明 columns, and is not looked up here).
//!
//! - **Payment list**: a household payment dated from the policy's
//!   payment-list date on without its 发放公示 line (`not_publicized`).
//!
//! The check reads the node's state at one moment: another operator
//! posting from the same account in between can still make the node refuse
//! a row (then named with its code, and the summary says exactly what was
//! posted). Atomic groups in the node close that gap.

use super::Row;
use crate::exit::network;
use crate::http::Node;
use crate::messages::batch::RunMsg;
use crate::messages::node::NodeMsg;
use crate::messages::Message as _;
use anyhow::Result;
use ledger_core::entry::EntryBody;
use ledger_core::policy::Policy;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Most households looked up one by one: past this the check would take
/// minutes of requests; the node still refuses an overdraft at write.
pub const MAX_HOUSEHOLD_LOOKUPS: usize = 20_000;

/// A payment of a household, as the node lists it.
#[derive(Debug, Clone, Deserialize)]
struct Paid {
    seq: u64,
    time_ms: u64,
    fund: String,
    village: String,
    category: String,
    period: String,
    amount_fen: u64,
    reversed_by: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct HouseholdPayments {
    #[serde(default)]
    payments: Vec<Paid>,
}

#[derive(Debug, Deserialize)]
struct FundBalance {
    fund: String,
    balance_fen: u64,
}

#[derive(Debug, Deserialize)]
struct AccountAnswer {
    name: String,
    #[serde(default)]
    balances: Vec<FundBalance>,
}

/// A batch total per paying account and fund.
#[derive(Debug, Clone)]
pub struct Total {
    /// Account key.
    pub account: String,
    /// Fund.
    pub fund: String,
    /// Rows.
    pub rows: usize,
    /// Fen.
    pub fen: u64,
}

/// What the pre-flight found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Lines for people, one per problem (shortfalls, duplicates).
    pub problems: Vec<RunMsg>,
    /// Totals, with the account's name and balance when known.
    pub totals: Vec<RunMsg>,
    /// Rows already in the log with this very content: `row line → (seq, time)`.
    pub posted: HashMap<u64, (u64, u64)>,
}

/// Totals per (account, fund), in a stable order.
pub fn totals(rows: &[Row]) -> Vec<Total> {
    let mut map: BTreeMap<(String, String), (usize, u64)> = BTreeMap::new();
    for row in rows {
        let (account, fund) = match &row.body {
            EntryBody::HouseholdSubsidy(s) => (s.from.key(), s.fund.to_string()),
            EntryBody::ProjectDisbursement(d) => (d.from.key(), d.fund.to_string()),
            _ => continue,
        };
        let e = map.entry((account, fund)).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.saturating_add(row.body.amount().map_or(0, |a| a.get()));
    }
    map.into_iter()
        .map(|((account, fund), (rows, fen))| Total {
            account,
            fund,
            rows,
            fen,
        })
        .collect()
}

/// Run the pre-flight against the node. `policy`: the policy in force,
/// when the CLI read the whole log (else the node alone checks notices).
pub fn check(node: &Node, rows: &[Row], policy: Option<&Policy>) -> Result<Findings> {
    let mut findings = Findings::default();
    let households: Vec<&Row> = rows
        .iter()
        .filter(|r| matches!(r.body, EntryBody::HouseholdSubsidy(_)))
        .collect();
    if households.len() <= MAX_HOUSEHOLD_LOOKUPS {
        already_paid(node, &households, &mut findings)?;
    }
    // A payment dated from the policy's payment-list date on must name its
    // line on a payment list (发放公示): the node refuses it otherwise
    // (`not_publicized`). A row already in the log is not sent again.
    if let Some(p) = policy {
        for row in rows {
            if let EntryBody::HouseholdSubsidy(s) = &row.body {
                if !findings.posted.contains_key(&row.line)
                    && s.notice.is_none()
                    && s.date >= p.enforced_from.payment_list
                {
                    findings.problems.push(RunMsg::NoNotice {
                        row: row.line,
                        from: p.enforced_from.payment_list.to_string(),
                    });
                }
            }
        }
    }
    // Money: only the rows still to post need it.
    let todo: Vec<Row> = rows
        .iter()
        .filter(|r| !findings.posted.contains_key(&r.line))
        .cloned()
        .collect();
    for t in totals(&todo) {
        let answer = node.get_any(&format!("/v1/accounts/{}", t.account))?;
        let (name, available) = match answer.status {
            200 => {
                let a: AccountAnswer = serde_json::from_slice(&answer.body).map_err(|e| {
                    network(
                        NodeMsg::NotJson {
                            url: format!("/v1/accounts/{}", t.account),
                            why: e.to_string(),
                        }
                        .text(),
                    )
                })?;
                let bal = a
                    .balances
                    .iter()
                    .find(|b| b.fund == t.fund)
                    .map_or(0, |b| b.balance_fen);
                (a.name, bal)
            }
            // An account the log never used holds nothing.
            404 => (t.account.clone(), 0),
            s => {
                return Err(network(
                    NodeMsg::Status {
                        url: format!("/v1/accounts/{}", t.account),
                        status: s,
                    }
                    .text(),
                ))
            }
        };
        findings.totals.push(RunMsg::Total {
            account: t.account.clone(),
            name: name.clone(),
            fund: t.fund.clone(),
            rows: t.rows,
            fen: t.fen,
            balance: Some(available),
        });
        if t.fen > available {
            findings.problems.push(RunMsg::Shortfall {
                account: t.account,
                name,
                fund: t.fund,
                needed: t.fen,
                available,
            });
        }
    }
    Ok(findings)
}

fn already_paid(node: &Node, rows: &[&Row], findings: &mut Findings) -> Result<()> {
    let mut cache: HashMap<String, Vec<Paid>> = HashMap::new();
    for row in rows {
        let EntryBody::HouseholdSubsidy(s) = &row.body else {
            continue;
        };
        // A supplement (补发) is meant to follow a payment of its key: the
        // node checks it adds to a standing one (`not_supplementing`).
        if s.supplementary.is_some() {
            continue;
        }
        let reference = s.household.to_string();
        if !cache.contains_key(&reference) {
            let answer = node.get_any(&format!("/v1/households/{reference}?limit=1000"))?;
            let paid = match answer.status {
                200 => {
                    serde_json::from_slice::<HouseholdPayments>(&answer.body)
                        .map_err(|e| {
                            network(
                                NodeMsg::NotJson {
                                    url: "/v1/households/…".into(),
                                    why: e.to_string(),
                                }
                                .text(),
                            )
                        })?
                        .payments
                }
                404 => Vec::new(),
                st => {
                    return Err(network(
                        NodeMsg::Status {
                            url: "/v1/households/…".into(),
                            status: st,
                        }
                        .text(),
                    ))
                }
            };
            cache.insert(reference.clone(), paid);
        }
        let period = s.period.to_string();
        let same = cache
            .get(&reference)
            .into_iter()
            .flatten()
            .find(|p| p.reversed_by.is_none() && p.category == s.category.name() && p.period == period);
        if let Some(p) = same {
            let identical =
                p.fund == s.fund.as_str() && p.village == s.village.to_string() && p.amount_fen == s.amount.get();
            if identical {
                findings.posted.insert(row.line, (p.seq, p.time_ms));
            } else {
                findings.problems.push(RunMsg::AlreadyPaid {
                    row: row.line,
                    name: s.masked_name.to_string(),
                    category: s.category.label_zh().to_string(),
                    period: period.clone(),
                    seq: p.seq,
                });
            }
        }
    }
    Ok(())
}

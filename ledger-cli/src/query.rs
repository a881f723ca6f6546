//! `ledger query`: the public read API as readable tables (Chinese names
//! intact, amounts in yuan), or the raw JSON with `--json`.

use crate::exit::usage;
use crate::http::Node;
use crate::messages::query::{Headers, QueryText};
use crate::messages::Message as _;
use crate::table::Table;
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_core::amount::Fen;
use serde_json::Value;

/// `ledger query`.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// The node.
    #[arg(long, env = "LEDGER_NODE", value_name = "URL")]
    pub node: String,
    /// Print the node's JSON as it is.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to ask.
    #[command(subcommand)]
    pub what: QueryWhat,
}

/// What to ask.
#[derive(Debug, Clone, Subcommand)]
pub enum QueryWhat {
    /// The log: origin, size, keys.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 log\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Log,
    /// The latest signed checkpoint.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 checkpoint\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Checkpoint,
    /// Entries from START.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 entries --start 100 --limit 20\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Entries {
        /// First sequence number.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// How many (1-1000).
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// One entry.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 entry 1234\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Entry {
        /// Sequence number.
        seq: u64,
    },
    /// Every region with its totals.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 regions\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Regions,
    /// A town's or village's money flows.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 village 320803101201\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Village {
        /// Region code.
        code: String,
    },
    /// A fund from source to payees.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 fund F2019-SCN-012\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Fund {
        /// Fund id.
        id: String,
    },
    /// A project: its stages, budget per fund, contractor, warnings and payments.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 project P2019-101201-01\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Project {
        /// Project id.
        id: String,
    },
    /// 资金滞留预警: money over the policy's time limit in a region (district, town or village).
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 idle 320803000000\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Idle {
        /// Region code.
        code: String,
    },
    /// A household's entries.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 household 3f2a…e9\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Household {
        /// Household reference (64 hex digits).
        reference: String,
    },
    /// An account's balances (treasury:CODE or project:ID).
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 account treasury:320803101000\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Account {
        /// Account key.
        account: String,
    },
    /// Search regions, funds, projects.
    #[command(
        after_help = "Example:\n  ledger query --node http://127.0.0.1:8080 search 王桥\n\nExit codes: 0 ok, 2 usage, 3 network or node error."
    )]
    Search {
        /// Text.
        q: String,
    },
}

// The readers of a node's JSON answers, shared with `query_projects`: a
// field the node does not send reads as empty, so an older node still prints.

/// A field as text (empty when absent or null).
pub(crate) fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A fen field as yuan (empty when absent).
pub(crate) fn yuan(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_u64)
        .map(|f| Fen::from_raw(f).to_yuan_string())
        .unwrap_or_default()
}

/// An array field (empty when absent).
pub(crate) fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn time_of(v: &Value) -> String {
    v.get("time_ms")
        .and_then(Value::as_u64)
        .map(crate::time::format_ms)
        .unwrap_or_default()
}

/// A region's level in the run's language.
fn level(v: &Value) -> String {
    QueryText::Level { level: s(v, "level") }.text()
}

/// A signer by its grant's holder and office (`GET /v1/keys/{key}`), as
/// people know the key; the key's hex when the node does not know it
/// (a genesis admin of an older node, a node that is unreachable now).
/// At most 8 signers per entry, so at most 8 small requests.
fn signer_name(node: &Node, key: &str) -> String {
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return key.to_string();
    }
    match node.get_json::<Value>(&format!("/v1/keys/{key}")) {
        Ok(grant) if !s(&grant, "holder").is_empty() => QueryText::Signer {
            holder: s(&grant, "holder"),
            office_zh: s(&grant, "office_zh"),
            office: s(&grant, "office"),
            key: key.to_string(),
        }
        .text(),
        _ => key.to_string(),
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.:".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn entries_table(entries: &[Value]) -> String {
    let mut t = Table::new(Headers::Entries.get()).right_align(&[0]);
    for e in entries {
        t.row(vec![
            format!("#{}", s(e, "seq")),
            time_of(e),
            s(e, "kind_zh"),
            s(e, "summary_zh"),
            arr(e, "signers").len().to_string(),
            e.get("reversed_by")
                .and_then(Value::as_u64)
                .map(|r| format!("#{r}"))
                .unwrap_or_default(),
        ]);
    }
    t.render()
}

/// Run `ledger query`.
pub fn run(args: &QueryArgs, timeout_s: u64) -> Result<()> {
    let node = Node::new(&args.node, timeout_s)?;
    if let QueryWhat::Checkpoint = args.what {
        print!("{}", node.checkpoint()?);
        return Ok(());
    }
    let path = match &args.what {
        QueryWhat::Log => "/v1/log".to_string(),
        QueryWhat::Checkpoint => "/v1/checkpoint".to_string(),
        QueryWhat::Entries { start, limit } => {
            if !(1..=1000).contains(limit) {
                return Err(usage(QueryText::BadLimit.text()));
            }
            format!("/v1/entries?start={start}&limit={limit}")
        }
        QueryWhat::Entry { seq } => format!("/v1/entries/{seq}"),
        QueryWhat::Regions => "/v1/regions".to_string(),
        QueryWhat::Village { code } => format!("/v1/regions/{}/flows", encode(code)),
        QueryWhat::Fund { id } => format!("/v1/funds/{}/trace", encode(id)),
        QueryWhat::Project { id } => format!("/v1/projects/{}", encode(id)),
        QueryWhat::Idle { code } => format!("/v1/regions/{}/idle", encode(code)),
        QueryWhat::Household { reference } => format!("/v1/households/{}", encode(reference)),
        QueryWhat::Account { account } => format!("/v1/accounts/{}", encode(account)),
        QueryWhat::Search { q } => format!("/v1/search?q={}", encode(q)),
    };
    let v: Value = node.get_json(&path)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(());
    }
    let out = match &args.what {
        QueryWhat::Log => {
            let mut text = QueryText::Log {
                title: s(&v, "title"),
                origin: s(&v, "origin"),
                size: s(&v, "size"),
                root: s(&v, "root"),
                vkey: s(&v, "log_vkey"),
            }
            .text();
            for k in arr(&v, "log_keys") {
                text.push_str(
                    &QueryText::LogKeyFrom {
                        from_size: s(k, "from_size"),
                        vkey: s(k, "vkey"),
                    }
                    .text(),
                );
            }
            text
        }
        QueryWhat::Entries { .. } => entries_table(arr(&v, "entries")),
        QueryWhat::Entry { .. } => {
            let e = v.get("entry").unwrap_or(&v);
            QueryText::Entry {
                seq: s(e, "seq"),
                kind_zh: s(e, "kind_zh"),
                kind: s(e, "kind"),
                time: time_of(e),
                hash: s(e, "entry_hash"),
                signers: arr(e, "signers")
                    .iter()
                    .map(|x| signer_name(&node, x.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", "),
                summary: s(e, "summary_zh"),
                body: serde_json::to_string_pretty(e.get("body").unwrap_or(&Value::Null)).unwrap_or_default(),
            }
            .text()
        }
        QueryWhat::Regions => {
            let mut t = Table::new(Headers::Regions.get()).right_align(&[3, 4, 5, 6, 7]);
            for r in arr(&v, "regions") {
                let totals = r.get("totals").cloned().unwrap_or(Value::Null);
                t.row(vec![
                    s(r, "code"),
                    s(r, "name"),
                    level(r),
                    yuan(&totals, "received_fen"),
                    yuan(&totals, "households_fen"),
                    s(&totals, "households"),
                    yuan(&totals, "projects_fen"),
                    s(&totals, "projects"),
                ]);
            }
            t.render()
        }
        QueryWhat::Village { .. } => {
            let totals = v.get("totals").cloned().unwrap_or(Value::Null);
            let mut text = QueryText::VillageTotals {
                code: s(&v, "code"),
                name: s(&v, "name"),
                level: level(&v),
                received: yuan(&totals, "received_fen"),
                households_paid: yuan(&totals, "households_fen"),
                households: s(&totals, "households"),
                projects: yuan(&totals, "projects_fen"),
                balance: yuan(&totals, "balance_fen"),
            }
            .text();
            let mut t = Table::new(Headers::VillageFunds.get()).right_align(&[5]);
            for f in arr(&v, "funds_in") {
                t.row(vec![
                    s(f, "fund"),
                    s(f, "title"),
                    s(f, "document_no"),
                    s(f, "source_zh"),
                    s(f, "fiscal_year"),
                    yuan(f, "amount_fen"),
                ]);
            }
            text.push_str(&QueryText::FundsIn.text());
            text.push_str(&t.render());
            let mut t = Table::new(Headers::VillageProjects.get()).right_align(&[4, 5]);
            for p in arr(&v, "projects") {
                t.row(vec![
                    s(p, "id"),
                    s(p, "name"),
                    s(p, "category_zh"),
                    s(p, "stage_zh"),
                    yuan(p, "budget_fen"),
                    yuan(p, "paid_fen"),
                    s(p, "implementer"),
                ]);
            }
            text.push_str(&QueryText::Projects.text());
            text.push_str(&t.render());
            let subsidies = v.get("subsidies").cloned().unwrap_or(Value::Null);
            let mut t = Table::new(Headers::VillageSubsidies.get()).right_align(&[0, 5]);
            for i in arr(&subsidies, "items") {
                let period = i.get("period").map(|p| match (p.get("year"), p.get("month")) {
                    (Some(y), Some(m)) if m.as_u64() == Some(0) => y.to_string(),
                    (Some(y), Some(m)) => format!("{y}-{:02}", m.as_u64().unwrap_or(0)),
                    _ => p.as_str().unwrap_or("").to_string(),
                });
                // The category's Chinese is in the answer's `labels`, once
                // (the lean row, docs/API.md).
                let category_zh = i
                    .get("category")
                    .and_then(Value::as_str)
                    .and_then(|c| subsidies.pointer(&format!("/labels/category/{c}")))
                    .and_then(Value::as_str)
                    .map_or_else(|| s(i, "category"), str::to_string);
                t.row(vec![
                    format!("#{}", s(i, "seq")),
                    s(i, "household").chars().take(12).collect(),
                    s(i, "masked_name"),
                    category_zh,
                    period.unwrap_or_default(),
                    yuan(i, "amount_fen"),
                    i.get("reversed_by")
                        .and_then(Value::as_u64)
                        .map(|r| format!("#{r}"))
                        .unwrap_or_default(),
                ]);
            }
            text.push_str(
                &QueryText::Subsidies {
                    total: yuan(&subsidies, "total_fen"),
                    count: s(&subsidies, "count"),
                }
                .text(),
            );
            text.push_str(&t.render());
            text
        }
        QueryWhat::Fund { .. } => {
            let f = v.get("fund").cloned().unwrap_or(Value::Null);
            let mut text = QueryText::FundHeader {
                id: s(&f, "id"),
                title: s(&f, "title"),
                document_no: s(&f, "document_no"),
                source: s(&f, "source_zh"),
                category: s(&f, "category_zh"),
                year: s(&f, "fiscal_year"),
                issued: yuan(&f, "issued_fen"),
            }
            .text();
            let mut t = Table::new(Headers::FundMovements.get()).right_align(&[0, 4]);
            for m in arr(&v, "movements") {
                t.row(vec![
                    format!("#{}", s(m, "seq")),
                    s(m, "kind"),
                    s(m, "from"),
                    s(m, "to"),
                    yuan(m, "amount_fen"),
                    m.get("reversed_by")
                        .and_then(Value::as_u64)
                        .map(|r| format!("#{r}"))
                        .unwrap_or_default(),
                ]);
            }
            text.push_str(&t.render());
            let mut t = Table::new(Headers::FundBalances.get()).right_align(&[2]);
            for b in arr(&v, "balances") {
                t.row(vec![s(b, "account"), s(b, "account_name"), yuan(b, "balance_fen")]);
            }
            text.push_str(&QueryText::Balances.text());
            text.push_str(&t.render());
            text
        }
        QueryWhat::Project { .. } => crate::query_projects::project(&v),
        QueryWhat::Idle { .. } => crate::query_projects::idle(&v),
        QueryWhat::Household { .. } => {
            QueryText::Household {
                reference: s(&v, "household"),
                masked_name: s(&v, "masked_name"),
                total: yuan(&v, "total_fen"),
            }
            .text()
                + &entries_table(arr(&v, "entries"))
        }
        QueryWhat::Account { .. } => {
            let mut t = Table::new(Headers::AccountBalances.get()).right_align(&[1]);
            for b in arr(&v, "balances") {
                t.row(vec![s(b, "fund"), yuan(b, "balance_fen")]);
            }
            format!(
                "{} {}\n{}\n{}",
                s(&v, "account"),
                s(&v, "name"),
                t.render(),
                entries_table(arr(&v, "recent"))
            )
        }
        QueryWhat::Search { .. } => {
            let mut t = Table::new(Headers::Search.get());
            for r in arr(&v, "regions") {
                t.row(vec![QueryText::KindRegion.text(), s(r, "code"), s(r, "name"), level(r)]);
            }
            for f in arr(&v, "funds") {
                t.row(vec![
                    QueryText::KindFund.text(),
                    s(f, "id"),
                    s(f, "title"),
                    s(f, "document_no"),
                ]);
            }
            for p in arr(&v, "projects") {
                t.row(vec![
                    QueryText::KindProject.text(),
                    s(p, "id"),
                    s(p, "name"),
                    s(p, "village"),
                ]);
            }
            t.render()
        }
        QueryWhat::Checkpoint => String::new(),
    };
    print!("{out}");
    Ok(())
}

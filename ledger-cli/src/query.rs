//! `ledger query`: the public read API as readable tables (Chinese names
//! intact, amounts in yuan), or the raw JSON with `--json`.

use crate::exit::usage;
use crate::http::Node;
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
    let mut t = Table::new(&["条目", "时间", "类别", "摘要", "签名", "冲正"]).right_align(&[0]);
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
                return Err(usage("--limit must be 1-1000"));
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
            let mut text = format!(
                "{}\norigin:  {}\nsize:    {}\nroot:    {}\nlog key: {}\n",
                s(&v, "title"),
                s(&v, "origin"),
                s(&v, "size"),
                s(&v, "root"),
                s(&v, "log_vkey")
            );
            for k in arr(&v, "log_keys") {
                text.push_str(&format!("  from size {}: {}\n", s(k, "from_size"), s(k, "vkey")));
            }
            text
        }
        QueryWhat::Entries { .. } => entries_table(arr(&v, "entries")),
        QueryWhat::Entry { .. } => {
            let e = v.get("entry").unwrap_or(&v);
            format!(
                "entry #{} {} ({})\ntime:       {}\nentry hash: {}\nsigners:    {}\nsummary:    {}\nbody:\n{}\n",
                s(e, "seq"),
                s(e, "kind_zh"),
                s(e, "kind"),
                time_of(e),
                s(e, "entry_hash"),
                arr(e, "signers")
                    .iter()
                    .map(|x| x.as_str().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(", "),
                s(e, "summary_zh"),
                serde_json::to_string_pretty(e.get("body").unwrap_or(&Value::Null)).unwrap_or_default()
            )
        }
        QueryWhat::Regions => {
            let mut t = Table::new(&[
                "代码",
                "名称",
                "级别",
                "到达资金(元)",
                "到户(元)",
                "户数",
                "项目(元)",
                "项目数",
            ])
            .right_align(&[3, 4, 5, 6, 7]);
            for r in arr(&v, "regions") {
                let totals = r.get("totals").cloned().unwrap_or(Value::Null);
                t.row(vec![
                    s(r, "code"),
                    s(r, "name"),
                    s(r, "level"),
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
            let mut text = format!(
                "{} {} ({})\n到达资金 {} 元，到户 {} 元（{} 户），项目 {} 元，结余 {} 元\n\n",
                s(&v, "code"),
                s(&v, "name"),
                s(&v, "level"),
                yuan(&totals, "received_fen"),
                yuan(&totals, "households_fen"),
                s(&totals, "households"),
                yuan(&totals, "projects_fen"),
                yuan(&totals, "balance_fen")
            );
            let mut t = Table::new(&["资金", "名称", "文号", "来源", "年度", "金额(元)"]).right_align(&[5]);
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
            text.push_str("资金来源 funds in\n");
            text.push_str(&t.render());
            let mut t =
                Table::new(&["项目", "名称", "类别", "阶段", "预算(元)", "已付(元)", "实施单位"]).right_align(&[4, 5]);
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
            text.push_str("\n项目 projects\n");
            text.push_str(&t.render());
            let subsidies = v.get("subsidies").cloned().unwrap_or(Value::Null);
            let mut t = Table::new(&["条目", "户", "户主", "类别", "期间", "金额(元)", "冲正"]).right_align(&[0, 5]);
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
            text.push_str(&format!(
                "\n到户补贴 subsidies (合计 {} 元，{} 笔)\n",
                yuan(&subsidies, "total_fen"),
                s(&subsidies, "count")
            ));
            text.push_str(&t.render());
            text
        }
        QueryWhat::Fund { .. } => {
            let f = v.get("fund").cloned().unwrap_or(Value::Null);
            let mut text = format!(
                "{} {}\n文号 {}，{}，{}，{} 年度，下达 {} 元\n\n",
                s(&f, "id"),
                s(&f, "title"),
                s(&f, "document_no"),
                s(&f, "source_zh"),
                s(&f, "category_zh"),
                s(&f, "fiscal_year"),
                yuan(&f, "issued_fen")
            );
            let mut t = Table::new(&["条目", "类别", "从", "到", "金额(元)", "冲正"]).right_align(&[0, 4]);
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
            let mut t = Table::new(&["账户", "名称", "余额(元)"]).right_align(&[2]);
            for b in arr(&v, "balances") {
                t.row(vec![s(b, "account"), s(b, "account_name"), yuan(b, "balance_fen")]);
            }
            text.push_str("\n余额 balances\n");
            text.push_str(&t.render());
            text
        }
        QueryWhat::Project { .. } => crate::query_projects::project(&v),
        QueryWhat::Idle { .. } => crate::query_projects::idle(&v),
        QueryWhat::Household { .. } => {
            format!(
                "household {} ({})，合计 {} 元\n{}",
                s(&v, "household"),
                s(&v, "masked_name"),
                yuan(&v, "total_fen"),
                entries_table(arr(&v, "entries"))
            )
        }
        QueryWhat::Account { .. } => {
            let mut t = Table::new(&["资金", "余额(元)"]).right_align(&[1]);
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
            let mut t = Table::new(&["类型", "代码", "名称", "说明"]);
            for r in arr(&v, "regions") {
                t.row(vec!["区划".into(), s(r, "code"), s(r, "name"), s(r, "level")]);
            }
            for f in arr(&v, "funds") {
                t.row(vec!["资金".into(), s(f, "id"), s(f, "title"), s(f, "document_no")]);
            }
            for p in arr(&v, "projects") {
                t.row(vec!["项目".into(), s(p, "id"), s(p, "name"), s(p, "village")]);
            }
            t.render()
        }
        QueryWhat::Checkpoint => String::new(),
    };
    print!("{out}");
    Ok(())
}

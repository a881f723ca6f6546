//! `ledger audit`: verify the bundle, then run the risk rules
//! (the `ledger-audit` crate) and print the findings.

use crate::exit::{input, usage, verify, Tag as _};
use crate::keys;
use crate::table::Table;
use crate::verify_cmd::{self, TrustArgs};
use anyhow::Result;
use clap::{Args, ValueEnum};
use ledger_audit::{non_strict_signers, AuditConfig, AuditReport, Auditor, Severity, Standard, Standards, DAY_MS};
use ledger_core::amount::Fen;
use ledger_core::chain::SequencedEntry;
use ledger_core::entry::SubsidyCategory;
use ledger_core::keys::PublicKey;
use ledger_core::region::RegionLevel;
use ledger_core::submission::VerifiedSubmission;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable tables.
    Table,
    /// One JSON document.
    Json,
    /// CSV of the findings.
    Csv,
}

/// Language of explanations in the table and CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// `ledger audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The bundle (from `ledger export`).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Language of the explanations (table, CSV; JSON has both).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: Lang,
    /// Subsidy standards (JSON: {"minimum_living": {"per_month": "3000", "per_year": "36000"}, …}, yuan).
    #[arg(long, value_name = "FILE")]
    pub standards: Option<PathBuf>,
    /// Days without outflow after which money counts as idle.
    #[arg(long, default_value_t = 365)]
    pub idle_days: u64,
    /// Hours within which a reversal is examined.
    #[arg(long, default_value_t = 24)]
    pub reversal_hours: u64,
    /// "Now" for the age-based rules (idle money, idle funds, village
    /// retention, confirmation deadlines), YYYY-MM-DD (default: the
    /// ledger's last business date).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 1 if there is a finding of this severity or higher (low, medium, high).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Trust anchors.
    #[command(flatten)]
    pub trust: TrustArgs,
}

#[derive(serde::Deserialize)]
struct StandardJson {
    per_month: Option<serde_json::Value>,
    per_year: serde_json::Value,
}

fn yuan_value(v: &serde_json::Value, what: &str) -> Result<Fen> {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err(input(format!("{what}: an amount in yuan"))),
    };
    Fen::parse_yuan(&text).input_err(what)
}

fn load_standards(path: &Path) -> Result<Standards> {
    let text = keys::read_small(path, 1024 * 1024)?;
    let map: BTreeMap<String, StandardJson> = serde_json::from_str(&text).input_err(format!("{}", path.display()))?;
    let mut standards = Standards::jiangsu_2019();
    for (name, s) in map {
        let category = SubsidyCategory::parse(&name)
            .ok_or_else(|| input(format!("{}: unknown category {name:?}", path.display())))?;
        let per_month = match &s.per_month {
            Some(v) => Some(yuan_value(v, &format!("{name}.per_month"))?),
            None => None,
        };
        standards.subsidy.insert(
            category,
            Standard {
                per_month,
                per_year: yuan_value(&s.per_year, &format!("{name}.per_year"))?,
            },
        );
    }
    Ok(standards)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    origin: &'a str,
    checkpoint_size: u64,
    log_vkey: &'a str,
    config: &'a AuditConfig,
    report: &'a AuditReport,
}

/// Run `ledger audit`.
pub fn run(args: &AuditArgs, quiet: bool) -> Result<()> {
    verify_cmd::set_threads(args.trust.threads)?;
    let fail_on = match &args.fail_on {
        Some(s) => Some(Severity::parse(s).ok_or_else(|| usage(format!("--fail-on {s:?}: low, medium or high")))?),
        None => None,
    };
    let as_of = match &args.as_of {
        Some(text) => Some(crate::post::parse::date(text, "--as-of").map_err(usage)?),
        None => None,
    };
    let standards = match &args.standards {
        Some(p) => load_standards(p)?,
        None => Standards::jiangsu_2019(),
    };
    let config = AuditConfig {
        standards,
        idle_after_ms: args.idle_days.saturating_mul(DAY_MS),
        reversal_window_ms: args.reversal_hours.saturating_mul(3_600_000),
        as_of,
        ..AuditConfig::default()
    };
    let bytes = verify_cmd::read_bundle(&args.file)?;
    let view = verify_cmd::parse(&args.file, &bytes)?;
    let verified = verify_cmd::verify_bundle(&args.file, &view, &args.trust, quiet)?;
    let mut auditor = Auditor::new(config.clone());
    let bar = crate::progress::bar(view.entries.len() as u64, "auditing", quiet);
    for chunk in view.entries.chunks(16_384) {
        // Decoding and the strict signature check (a full verification per
        // signature) run in parallel; the rules then see entries in order.
        // The control rules replay each entry through the rule engine, which
        // takes verified submissions: the ZIP-215 check runs here too.
        let decoded: Vec<(SequencedEntry, Vec<PublicKey>, Option<VerifiedSubmission>)> = chunk
            .par_iter()
            .map(|b| {
                SequencedEntry::decode(b).map(|d| {
                    let non_strict = non_strict_signers(&d.entry);
                    let verified = d.entry.signed.clone().verify().ok();
                    (d.entry, non_strict, verified)
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| verify(format!("an entry does not decode: {e}")))?;
        for (entry, non_strict, verified) in &decoded {
            auditor.observe_verified(entry, verified.as_ref(), non_strict);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let report = auditor.finish(&verified.state);
    let text = match args.format {
        Format::Json => {
            let doc = JsonReport {
                origin: &verified.origin,
                checkpoint_size: verified.checkpoint.size(),
                log_vkey: &verified.log_vkey,
                config: &config,
                report: &report,
            };
            serde_json::to_string_pretty(&doc).input_err("encoding the report")? + "\n"
        }
        Format::Csv => findings_table(&report, args.lang, &verified.state).to_csv()?,
        Format::Table => render_table(&report, args.lang, &verified),
    };
    match &args.out {
        Some(path) => std::fs::write(path, &text).input_err(format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    if let Some(threshold) = fail_on {
        let n = report.findings.iter().filter(|f| f.severity >= threshold).count();
        if n > 0 {
            return Err(verify(format!(
                "{n} finding(s) of severity {} or higher",
                threshold.name()
            )));
        }
    }
    Ok(())
}

fn region_name(state: &ledger_core::rules::LedgerState, code: Option<ledger_core::RegionCode>) -> (String, String) {
    match code {
        Some(c) => (c.to_string(), state.regions().name(c).unwrap_or("").to_string()),
        None => (String::new(), String::new()),
    }
}

fn findings_table(report: &AuditReport, lang: Lang, state: &ledger_core::rules::LedgerState) -> Table {
    let mut t = Table::new(&[
        "rule",
        "规则",
        "severity",
        "region",
        "region_name",
        "entries",
        "entry_count",
        "amount_yuan",
        "explanation",
    ]);
    for f in &report.findings {
        let (code, name) = region_name(state, f.region);
        t.row(vec![
            f.rule.id().into(),
            f.rule.label_zh().into(),
            f.severity.name().into(),
            code,
            name,
            f.entries.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" "),
            f.entry_count.to_string(),
            f.amount.map(|a| a.to_yuan_string()).unwrap_or_default(),
            match lang {
                Lang::Zh => f.explanation_zh.clone(),
                Lang::En => f.explanation_en.clone(),
            },
        ]);
    }
    t
}

/// The date the age-based rules count to, or a dash for an empty ledger.
fn as_of_date(report: &AuditReport) -> String {
    report.as_of_date.map_or_else(|| "-".to_string(), |d| d.to_string())
}

fn render_table(report: &AuditReport, lang: Lang, verified: &ledger_core::verify::VerifyReport) -> String {
    let state = &verified.state;
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let mut out = String::new();
    let (high, medium, low) = (count(Severity::High), count(Severity::Medium), count(Severity::Low));
    match lang {
        Lang::Zh => out.push_str(&format!(
            "审计 {}：{} 条目已验证，截至 {}（时限类规则按业务日期计，截至 {}）；发现 {} 项（高 {high} / 中 {medium} / 低 {low}）\n\n",
            verified.origin,
            report.entries,
            crate::time::format_ms(report.as_of_ms),
            as_of_date(report),
            report.findings.len()
        )),
        Lang::En => out.push_str(&format!(
            "Audit of {}: {} verified entries, as of {} (age-based rules by business date, as of {}); {} finding(s) (high {high} / medium {medium} / low {low})\n\n",
            verified.origin,
            report.entries,
            crate::time::format_ms(report.as_of_ms),
            as_of_date(report),
            report.findings.len()
        )),
    }
    if report.findings.is_empty() {
        out.push_str(match lang {
            Lang::Zh => "未发现风险点。\n",
            Lang::En => "No findings.\n",
        });
    } else {
        let mut t =
            Table::new(&["#", "规则 rule", "严重度", "区域", "条目 entries", "金额(元)", "说明"]).right_align(&[0, 5]);
        for (i, f) in report.findings.iter().enumerate() {
            let (code, name) = region_name(state, f.region);
            let region = if name.is_empty() { code } else { name };
            let mut entries = f
                .entries
                .iter()
                .take(6)
                .map(|s| format!("#{s}"))
                .collect::<Vec<_>>()
                .join(" ");
            if f.entry_count > 6 {
                entries.push_str(&format!(" …({})", f.entry_count));
            }
            t.row(vec![
                (i + 1).to_string(),
                format!("{} {}", f.rule.label_zh(), f.rule.id()),
                f.severity.label_zh().into(),
                region,
                entries,
                f.amount.map(|a| a.to_yuan_string()).unwrap_or_default(),
                match lang {
                    Lang::Zh => f.explanation_zh.clone(),
                    Lang::En => f.explanation_en.clone(),
                },
            ]);
        }
        out.push_str(&t.render());
    }
    if !report.regions.is_empty() {
        out.push_str(match lang {
            Lang::Zh => "\n乡镇、村汇总（到达资金、到户、项目，均扣除冲正；滞留：超过政策时限未拨付的资金）\n",
            Lang::En => "\nPer town and village (money received, to households, to projects, net of reversals; idle: money held beyond the policy's time limit)\n",
        });
        let mut t = Table::new(&[
            "区划代码",
            "名称",
            "级别",
            "到达资金(元)",
            "到户(元)",
            "项目(元)",
            "滞留(元)",
            "高",
            "中",
            "低",
        ])
        .right_align(&[3, 4, 5, 6, 7, 8, 9]);
        for r in &report.regions {
            let level = match r.level {
                RegionLevel::Town => "镇/街道",
                RegionLevel::Village => "村/社区",
                RegionLevel::District => "区",
            };
            let name = if r.level == RegionLevel::Village {
                format!("  {}", r.name)
            } else {
                r.name.clone()
            };
            t.row(vec![
                r.code.to_string(),
                name,
                level.into(),
                r.received.to_yuan_string(),
                r.households_paid.to_yuan_string(),
                r.projects_paid.to_yuan_string(),
                r.idle_money.to_yuan_string(),
                r.high.to_string(),
                r.medium.to_string(),
                r.low.to_string(),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}

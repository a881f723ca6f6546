//! `ledger audit`: verify the bundle, then run the risk rules
//! (the `ledger-audit` crate) and print the findings.

use crate::audit::strict_cache::Strict;
use crate::compare::{self, ListSummary};
use crate::exit::{input, usage, verify, Tag as _};
use crate::keys;
use crate::messages::audit::AuditMsg;
use crate::messages::Message as _;
use crate::table::Table;
use crate::verify_cmd::{self, TrustArgs};
use anyhow::Result;
use clap::{Args, ValueEnum};
use ledger_audit::lists::ExternalLists;
use ledger_audit::{AuditConfig, AuditReport, Auditor, Severity, Standard, Standards, DAY_MS};
use ledger_core::amount::Fen;
use ledger_core::bundle::BundleView;
use ledger_core::entry::SubsidyCategory;
use ledger_core::household::PseudonymKey;
use ledger_core::keys::PublicKey;
use ledger_core::region::RegionLevel;
use ledger_core::verify::VerifyReport;
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
    /// CSV of the findings (UTF-8 with a BOM, for Excel).
    Csv,
    /// One self-contained HTML report for a committee (Chinese, A4; needs --out).
    Html,
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
    /// Cross-check with an external list (两比对), KIND=FILE (CSV UTF-8/GBK
    /// or .xlsx; kinds: deceased, public_employee, vehicle, business,
    /// property; layouts in docs/AUDIT.md); repeat. Needs --pseudonym-key.
    #[arg(long = "compare", value_name = "KIND=FILE")]
    pub compare: Vec<String>,
    /// The district's pseudonym key, to hash the lists' IDs as posting does.
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
    /// The cadres' office roster (区划代码, 姓名; CSV or .xlsx): payments concentrated on households sharing a
    /// cadre's surname are reported as 优亲厚友 leads (线索), not findings.
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// Keep the strict signature check's results in FILE and reuse them for the
    /// entries an earlier audit of the same history checked (created if missing).
    #[arg(long, value_name = "FILE")]
    pub strict_cache: Option<PathBuf>,
    /// Skip bad rows of the lists (bad ID, date, duplicate) and say how many, instead of refusing to run.
    #[arg(long)]
    pub skip_bad: bool,
    /// Report vehicle owners with at least this many cars.
    #[arg(long, default_value_t = 1)]
    pub vehicle_min: u32,
    /// Report business owners with registered capital of at least this many 万元 (0: any).
    #[arg(long, default_value_t = 0.0)]
    pub business_min_capital: f64,
    /// Report property owners with at least this many properties.
    #[arg(long, default_value_t = 1)]
    pub property_min_count: u32,
    /// … and at least this much floor area in all, m² (0: any).
    #[arg(long, default_value_t = 0.0)]
    pub property_min_area: f64,
    /// 事后补记: days between business date and sequencing beyond which an entry is reported.
    #[arg(long, default_value_t = 90)]
    pub backdate_days: u32,
    /// 拆分规避会签: days within which payments to one payee are added up.
    #[arg(long, default_value_t = 30)]
    pub split_window_days: u32,
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
        _ => return Err(input(AuditMsg::AmountInYuan { what: what.to_string() }.text())),
    };
    Fen::parse_yuan(&text).input_err(what)
}

fn load_standards(path: &Path) -> Result<Standards> {
    let text = keys::read_small(path, 1024 * 1024)?;
    let map: BTreeMap<String, StandardJson> = serde_json::from_str(&text).input_err(format!("{}", path.display()))?;
    let mut standards = Standards::jiangsu_2019();
    for (name, s) in map {
        let category = SubsidyCategory::parse(&name).ok_or_else(|| {
            input(
                AuditMsg::UnknownCategory {
                    file: path.display().to_string(),
                    name: name.clone(),
                }
                .text(),
            )
        })?;
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
    /// The lists cross-checked (比对): file, rows, rows skipped.
    lists: &'a [ListSummary],
    /// Per finding id: the commands that prove its entries against the log.
    prove: BTreeMap<&'a str, ProveCommands>,
    /// Every rule: id, names, and which time it counts with.
    rules: Vec<RuleInfo>,
    report: &'a AuditReport,
}

#[derive(Serialize)]
struct RuleInfo {
    id: &'static str,
    label_zh: &'static str,
    label_en: &'static str,
    clock: ledger_audit::Clock,
}

#[derive(Serialize)]
struct ProveCommands {
    finding: String,
    entries: Vec<String>,
}

/// Quote a path or key for a shell command line when it needs it.
fn shell(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || "-_./:+=@,".contains(c)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `ledger prove` for one entry of the bundle, offline.
pub fn prove_entry_command(bundle: &Path, log_vkey: &str, seq: u64) -> String {
    format!(
        "ledger prove --bundle {} --seq {seq} --log-key {}",
        shell(&bundle.display().to_string()),
        shell(log_vkey)
    )
}

/// `ledger prove` for every entry of a finding, offline.
pub fn prove_finding_command(bundle: &Path, log_vkey: &str, id: &str) -> String {
    format!(
        "ledger prove --bundle {} --finding {id} --log-key {}",
        shell(&bundle.display().to_string()),
        shell(log_vkey)
    )
}

/// The audit's settings from the command line.
fn config(args: &AuditArgs) -> Result<AuditConfig> {
    let as_of = match &args.as_of {
        Some(text) => Some(crate::post::parse::date(text, "--as-of").map_err(usage)?),
        None => None,
    };
    let standards = match &args.standards {
        Some(p) => load_standards(p)?,
        None => Standards::jiangsu_2019(),
    };
    Ok(AuditConfig {
        standards,
        idle_after_ms: args.idle_days.saturating_mul(DAY_MS),
        reversal_window_ms: args.reversal_hours.saturating_mul(3_600_000),
        as_of,
        backdate_days: args.backdate_days,
        split_window_days: args.split_window_days,
        ..AuditConfig::default()
    })
}

/// Verify the bundle and run the rules in the same pass (issue 16): the
/// verifier hands every entry it has applied — decoded, its signatures
/// checked, replayed through the rule engine — to the auditor with the
/// rule engine's effects and state, so nothing is decoded, verified or
/// replayed twice. The strict signature check (`non_strict_signature`) runs
/// in the verifier's parallel stage for the entries `strict`'s cache does
/// not cover (and there replaces their batch check: strict acceptance
/// implies validity). The report is only returned if the whole bundle
/// verifies (checkpoint and root included): a bundle that does not verify
/// is never audited.
#[allow(clippy::too_many_arguments)]
pub fn verify_and_audit(
    path: &Path,
    view: &BundleView<'_>,
    trust: &TrustArgs,
    config: &AuditConfig,
    lists: ExternalLists,
    roster: BTreeMap<ledger_core::RegionCode, std::collections::BTreeSet<char>>,
    strict: &mut Strict,
    quiet: bool,
) -> Result<(VerifyReport, AuditReport)> {
    let mut auditor = Auditor::new(config.clone());
    auditor.set_lists(lists);
    auditor.set_roster(roster);
    let (known_size, known) = (strict.known_size, &strict.known);
    let mut found: BTreeMap<u64, Vec<PublicKey>> = BTreeMap::new();
    let verified = verify_cmd::verify_bundle_observed(
        path,
        view,
        trust,
        quiet,
        "verifying and auditing",
        Some(known_size),
        &mut |applied| {
            // Entries an earlier audit checked: their answer from the cache.
            let non_strict = match applied.non_strict {
                Some(keys) => keys,
                None => known.get(&applied.entry.seq).map_or(&[][..], Vec::as_slice),
            };
            auditor.observe_applied(applied.entry, applied.effects, applied.state, non_strict);
            if !non_strict.is_empty() {
                found.insert(applied.entry.seq, non_strict.to_vec());
            }
        },
    )?;
    strict.found = found;
    let report = auditor.finish(&verified.state);
    Ok((verified, report))
}

fn load_lists(args: &AuditArgs) -> Result<(ExternalLists, Vec<ListSummary>, Option<PseudonymKey>)> {
    if args.compare.is_empty() {
        return Ok((ExternalLists::default(), Vec::new(), None));
    }
    let path = args
        .pseudonym_key
        .as_ref()
        .ok_or_else(|| usage(AuditMsg::CompareNeedsKey.text()))?;
    let key = keys::read_pseudonym_key(path)?;
    for spec in &args.compare {
        compare::parse_arg(spec).map_err(usage)?;
    }
    let thresholds = compare::Thresholds {
        vehicles: args.vehicle_min,
        business_capital: args.business_min_capital,
        properties: args.property_min_count,
        property_area: args.property_min_area,
    };
    let (lists, summaries) = compare::load(&args.compare, &key, &thresholds, args.skip_bad).map_err(input)?;
    Ok((lists, summaries, Some(key)))
}

/// Run `ledger audit`.
pub fn run(args: &AuditArgs, quiet: bool) -> Result<()> {
    verify_cmd::set_threads(args.trust.threads)?;
    let fail_on = match &args.fail_on {
        Some(s) => Some(Severity::parse(s).ok_or_else(|| usage(AuditMsg::FailOn { value: s.clone() }.text()))?),
        None => None,
    };
    if args.format == Format::Html && args.out.is_none() {
        return Err(usage(AuditMsg::HtmlNeedsOut.text()));
    }
    let config = config(args)?;
    // The lists first: a bad list stops the audit before any work.
    let (lists, summaries, key) = load_lists(args)?;
    for s in &summaries {
        if s.skipped > 0 {
            crate::progress::note(
                quiet,
                &AuditMsg::SkippedRows {
                    file: s.file.clone(),
                    skipped: s.skipped,
                    rows: s.rows,
                }
                .text(),
            );
        }
    }
    let roster = match &args.roster {
        Some(p) => compare::roster::load(p).map_err(input)?,
        None => Default::default(),
    };
    let bytes = verify_cmd::read_bundle(&args.file)?;
    let view = verify_cmd::parse(&args.file, &bytes)?;
    let mut strict = match &args.strict_cache {
        Some(p) => crate::audit::strict_cache::load(p, &view, quiet)?,
        None => Strict::default(),
    };
    // A bundle that does not verify is never audited: this returns its
    // failure and no report.
    let (verified, report) = verify_and_audit(
        &args.file,
        &view,
        &args.trust,
        &config,
        lists,
        roster,
        &mut strict,
        quiet,
    )?;
    // The lists were matched with this key during the pass: if it is not
    // the log's, their matches mean nothing, so the report is dropped.
    if let Some(key) = &key {
        if verified.state.pseudonym_commitment() != Some(key.commitment()) {
            return Err(input(AuditMsg::WrongPseudonymKey.text()));
        }
    }
    if let Some(p) = &args.strict_cache {
        crate::audit::strict_cache::save(p, &verified.origin, verified.entries, &verified.root.0, &strict)?;
    }
    let lang = match args.lang {
        Lang::Zh => ledger_audit::Lang::Zh,
        Lang::En => ledger_audit::Lang::En,
    };
    let text = match args.format {
        Format::Json => {
            let prove = report
                .findings
                .iter()
                .map(|f| {
                    (
                        f.id.as_str(),
                        ProveCommands {
                            finding: prove_finding_command(&args.file, &verified.log_vkey, &f.id),
                            entries: f
                                .entries
                                .iter()
                                .map(|s| prove_entry_command(&args.file, &verified.log_vkey, *s))
                                .collect(),
                        },
                    )
                })
                .collect();
            let doc = JsonReport {
                origin: &verified.origin,
                checkpoint_size: verified.checkpoint.size(),
                log_vkey: &verified.log_vkey,
                config: &config,
                lists: &summaries,
                prove,
                rules: ledger_audit::Rule::ALL
                    .iter()
                    .map(|r| RuleInfo {
                        id: r.id(),
                        label_zh: r.label_zh(),
                        label_en: r.label_en(),
                        clock: r.clock(),
                    })
                    .collect(),
                report: &report,
            };
            serde_json::to_string_pretty(&doc).input_err(AuditMsg::EncodingReport.text())? + "\n"
        }
        Format::Csv => {
            // A BOM, so that Excel on Chinese Windows reads UTF-8.
            "\u{feff}".to_string() + &findings_table(&report, lang, &verified, &args.file).to_csv()?
        }
        Format::Table => render_table(&report, lang, &verified, &summaries, &args.file),
        Format::Html => crate::audit::html::render(&crate::audit::html::Input {
            report: &report,
            verified: &verified,
            lists: &summaries,
            bundle: &args.file,
            lang,
        }),
    };
    match &args.out {
        Some(path) => std::fs::write(path, &text).input_err(
            AuditMsg::Writing {
                file: path.display().to_string(),
            }
            .text(),
        )?,
        None => print!("{text}"),
    }
    if let Some(threshold) = fail_on {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity >= threshold && !f.lead)
            .count();
        if n > 0 {
            return Err(verify(
                AuditMsg::FindingsAtOrAbove {
                    count: n,
                    severity: threshold.name().to_string(),
                }
                .text(),
            ));
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

fn findings_table(report: &AuditReport, lang: ledger_audit::Lang, verified: &VerifyReport, bundle: &Path) -> Table {
    let state = &verified.state;
    let mut t = Table::new(&[
        "id",
        "rule",
        "规则",
        "severity",
        "严重度",
        "lead",
        "region",
        "region_name",
        "reference",
        "entries",
        "entry_count",
        "amount_yuan",
        "list_rows",
        "explanation",
        "prove",
    ]);
    for f in &report.findings {
        let (code, name) = region_name(state, f.region);
        t.row(vec![
            f.id.clone(),
            f.rule.id().into(),
            f.rule.label(lang).into(),
            f.severity.name().into(),
            f.severity.label(lang).into(),
            if f.lead { "线索" } else { "" }.into(),
            code,
            name,
            f.reference.clone().unwrap_or_default(),
            f.entries.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" "),
            f.entry_count.to_string(),
            f.amount.map(|a| a.to_yuan_string()).unwrap_or_default(),
            f.list_rows.join(" "),
            match lang {
                ledger_audit::Lang::Zh => f.explanation_zh.clone(),
                ledger_audit::Lang::En => f.explanation_en.clone(),
            },
            prove_finding_command(bundle, &verified.log_vkey, &f.id),
        ]);
    }
    t
}

/// The date the age-based rules count to, or a dash for an empty ledger.
fn as_of_date(report: &AuditReport) -> String {
    report.as_of_date.map_or_else(|| "-".to_string(), |d| d.to_string())
}

fn render_table(
    report: &AuditReport,
    lang: ledger_audit::Lang,
    verified: &VerifyReport,
    lists: &[ListSummary],
    bundle: &Path,
) -> String {
    use ledger_audit::Lang;
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
    for l in lists {
        out.push_str(&match lang {
            Lang::Zh => format!(
                "比对 {}：{}（{}），{} 行，跳过 {} 行，名单内超过阈值 {} 人\n",
                l.kind.label_zh(),
                l.file,
                l.encoding,
                l.rows,
                l.skipped,
                l.people
            ),
            Lang::En => format!(
                "Compared with {} list {} ({}): {} rows, {} skipped, {} people above the threshold\n",
                l.kind.name(),
                l.file,
                l.encoding,
                l.rows,
                l.skipped,
                l.people
            ),
        });
    }
    if !lists.is_empty() {
        out.push('\n');
    }
    if report.findings.is_empty() {
        out.push_str(match lang {
            Lang::Zh => "未发现风险点。\n",
            Lang::En => "No findings.\n",
        });
    } else {
        let mut t = match lang {
            Lang::Zh => Table::new(&["#", "编号", "规则", "严重度", "区域", "条目", "金额(元)", "说明"]),
            Lang::En => Table::new(&[
                "#",
                "id",
                "rule",
                "severity",
                "region",
                "entries",
                "yuan",
                "explanation",
            ]),
        }
        .right_align(&[0, 6]);
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
            let rule = if f.lead {
                format!("{}（线索）", f.rule.label(lang))
            } else {
                f.rule.label(lang).to_string()
            };
            t.row(vec![
                (i + 1).to_string(),
                f.id.clone(),
                rule,
                f.severity.label(lang).into(),
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
        out.push_str(&match lang {
            Lang::Zh => format!(
                "\n逐条核验某项发现涉及的条目（全文见 --format json/csv）：{}\n",
                prove_finding_command(bundle, &verified.log_vkey, "编号")
            ),
            Lang::En => format!(
                "\nProve a finding's entries against the signed log (full text: --format json/csv): {}\n",
                prove_finding_command(bundle, &verified.log_vkey, "ID")
            ),
        });
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

//! `ledger audit --format html`: one self-contained HTML file for a
//! committee — Chinese, printable to A4, no script and nothing fetched from
//! anywhere (charts are inline SVG generated here). Page 1: what was
//! verified (origin, checkpoint, log key) and the totals; page 2: the
//! summary by town and rule with its charts; then the fund flow, money by
//! month, and every finding with its evidence and the command proving it.

use super::svg::{self, esc, Node};
use crate::audit_cmd::{prove_entry_command, prove_finding_command};
use crate::compare::ListSummary;
use ledger_audit::{AuditReport, Finding, Lang, Rule, Severity};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::verify::VerifyReport;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// What the report is made of.
pub struct Input<'a> {
    /// The audit.
    pub report: &'a AuditReport,
    /// The verification it ran on.
    pub verified: &'a VerifyReport,
    /// The lists cross-checked.
    pub lists: &'a [ListSummary],
    /// The bundle file (for the prove commands).
    pub bundle: &'a Path,
    /// Language of the explanations (headings stay Chinese).
    pub lang: Lang,
}

const STYLE: &str = r#"
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun", sans-serif; font-size: 10.5pt; color: #111; margin: 0; }
.page { page-break-after: always; break-after: page; padding: 8mm 0; }
.page:last-child { page-break-after: auto; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
h2 { font-size: 14pt; border-bottom: 2px solid #1f4e79; padding-bottom: 1mm; margin: 6mm 0 3mm; }
h3 { font-size: 11.5pt; margin: 4mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: 1px solid #999; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e8eef5; white-space: nowrap; }
td.n { text-align: right; white-space: nowrap; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; word-break: break-all; }
.high { color: #b22222; font-weight: bold; } .medium { color: #d2691e; font-weight: bold; } .low { color: #4682b4; }
.finding { border: 1px solid #bbb; padding: 2mm 3mm; margin: 2mm 0; break-inside: avoid; page-break-inside: avoid; }
.lead { border-style: dashed; }
.meta { color: #444; }
.chart { display: block; margin: 2mm 0; max-width: 100%; height: auto; }
.ct { font-size: 13px; font-weight: bold; } .cl { font-size: 11px; } .cv { font-size: 10px; }
pre { white-space: pre-wrap; word-break: break-all; background: #f5f5f5; padding: 2mm; font-size: 8.5pt; }
"#;

fn sev_class(s: Severity) -> &'static str {
    s.name()
}

fn region_label(verified: &VerifyReport, code: Option<RegionCode>) -> String {
    match code {
        Some(c) => verified
            .state
            .regions()
            .name(c)
            .map_or_else(|| c.to_string(), |n| format!("{n}（{c}）")),
        None => "全区".into(),
    }
}

fn town_of(code: Option<RegionCode>) -> Option<RegionCode> {
    code.and_then(|c| c.town())
}

fn cover(out: &mut String, i: &Input<'_>) {
    let r = i.report;
    let v = i.verified;
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s && !f.lead).count();
    let leads = r.findings.iter().filter(|f| f.lead).count();
    let _ = write!(
        out,
        r#"<section class="page"><h1>阳光账本 审计报告</h1><p class="meta">{title}</p>
<h2>核验依据</h2><table>
<tr><th>账本</th><td>{origin}</td></tr>
<tr><th>条目数</th><td>{entries}（逐条验证签名、哈希链、默克尔树与业务规则）</td></tr>
<tr><th>签名检查点</th><td>树大小 {size}，根哈希 <span class="mono">{root}</span></td></tr>
<tr><th>日志公钥</th><td class="mono">{vkey}</td></tr>
<tr><th>时限类规则截至</th><td>{as_of}（业务日期）</td></tr>
<tr><th>账本文件</th><td class="mono">{bundle}</td></tr>
</table>
<h3>检查点原文</h3><pre>{note}</pre>
<h2>结论摘要</h2><table><tr><th>发现合计</th><th class="high">高</th><th class="medium">中</th><th class="low">低</th><th>线索</th></tr>
<tr><td class="n">{total}</td><td class="n">{high}</td><td class="n">{medium}</td><td class="n">{low}</td><td class="n">{leads}</td></tr></table>"#,
        title = esc(&format!(
            "依据《关于进一步加强扶贫资金监管的意见》防范风险源点逐项检查，{} 项发现",
            r.findings.len()
        )),
        origin = esc(&v.origin),
        entries = r.entries,
        size = v.checkpoint.size(),
        root = esc(&v.checkpoint.root().to_string()),
        vkey = esc(&v.log_vkey),
        as_of = r.as_of_date.map_or_else(|| "-".into(), |d| d.to_string()),
        bundle = esc(&i.bundle.display().to_string()),
        note = esc(v.checkpoint.body()),
        total = r.findings.len(),
        high = count(Severity::High),
        medium = count(Severity::Medium),
        low = count(Severity::Low),
    );
    if !i.lists.is_empty() {
        out.push_str("<h3>比对名单（仅在本机读取，身份证号经假名密钥散列后比对，报告中不出现明文）</h3><table><tr><th>类别</th><th>文件</th><th>编码</th><th>行数</th><th>跳过</th><th>超过阈值人数</th></tr>");
        for l in i.lists {
            let _ = write!(
                out,
                r#"<tr><td>{}</td><td class="mono">{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(l.kind.label_zh()),
                esc(&l.file),
                esc(&l.encoding),
                l.rows,
                l.skipped,
                l.people
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

#[derive(Default)]
struct Count {
    by: [usize; 3],
    amount: u64,
}

impl Count {
    fn add(&mut self, f: &Finding) {
        self.by[match f.severity {
            Severity::High => 0,
            Severity::Medium => 1,
            Severity::Low => 2,
        }] += 1;
        self.amount = self.amount.saturating_add(f.amount.map_or(0, |a| a.get()));
    }
    fn total(&self) -> usize {
        self.by.iter().sum()
    }
    fn row(&self, out: &mut String, label: &str) {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(label),
            self.by[0],
            self.by[1],
            self.by[2],
            self.total(),
            ledger_core::amount::Fen::from_raw(self.amount).to_yuan_string()
        );
    }
}

const COUNT_HEADER: &str = r#"<th class="high">高</th><th class="medium">中</th><th class="low">低</th><th>合计</th><th>涉及金额（元）</th></tr>"#;

fn summary(out: &mut String, i: &Input<'_>) {
    let r = i.report;
    let v = i.verified;
    let mut towns: BTreeMap<Option<RegionCode>, Count> = BTreeMap::new();
    let mut rules: BTreeMap<Rule, Count> = BTreeMap::new();
    for f in &r.findings {
        towns.entry(town_of(f.region)).or_default().add(f);
        rules.entry(f.rule).or_default().add(f);
    }
    out.push_str(r#"<section class="page"><h2>按规则汇总</h2><table><tr><th>规则</th>"#);
    out.push_str(COUNT_HEADER);
    for (rule, c) in &rules {
        c.row(out, rule.label_zh());
    }
    out.push_str("</table>");
    let by_rule: Vec<(String, u64)> = rules
        .iter()
        .map(|(rule, c)| (rule.label_zh().to_string(), c.total() as u64))
        .collect();
    out.push_str(&svg::bars("按规则统计的发现数", &by_rule, 14, "#b22222"));
    out.push_str(r#"<h2>按乡镇汇总</h2><table><tr><th>乡镇</th>"#);
    out.push_str(COUNT_HEADER);
    for (t, c) in &towns {
        c.row(out, &short_region(v, *t));
    }
    out.push_str("</table>");
    let by_town: Vec<(String, u64)> = towns
        .iter()
        .map(|(t, c)| (short_region(v, *t), c.total() as u64))
        .collect();
    out.push_str(&svg::bars("按乡镇统计的发现数", &by_town, 14, "#1f4e79"));
    // Money per town.
    out.push_str("<h3>乡镇资金（元，扣除冲正）</h3><table><tr><th>乡镇</th><th>到达资金</th><th>到户</th><th>项目</th><th>滞留</th></tr>");
    for t in r.regions.iter().filter(|x| x.level == RegionLevel::Town) {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&t.name),
            t.received.to_yuan_string(),
            t.households_paid.to_yuan_string(),
            t.projects_paid.to_yuan_string(),
            t.idle_money.to_yuan_string(),
        );
    }
    out.push_str("</table></section>");
}

fn short_region(v: &VerifyReport, code: Option<RegionCode>) -> String {
    match code {
        Some(c) => v.state.regions().name(c).map_or_else(|| c.to_string(), str::to_string),
        None => "全区".into(),
    }
}

fn flows(out: &mut String, i: &Input<'_>) {
    let r = i.report;
    let sources: Vec<Node> = r
        .sources
        .iter()
        .map(|s| Node {
            label: s.label.clone(),
            amount: s.amount.get(),
        })
        .collect();
    let issued: u64 = sources.iter().map(|n| n.amount).sum();
    let mut towns: Vec<&ledger_audit::RegionSummary> =
        r.regions.iter().filter(|x| x.level == RegionLevel::Town).collect();
    towns.sort_by_key(|t| std::cmp::Reverse(t.received));
    towns.truncate(10);
    let mut villages: Vec<&ledger_audit::RegionSummary> =
        r.regions.iter().filter(|x| x.level == RegionLevel::Village).collect();
    // A village's money is what reached its households and projects (paid
    // from its treasury or, on its behalf, from the town's).
    let reached = |v: &ledger_audit::RegionSummary| v.households_paid.get().saturating_add(v.projects_paid.get());
    villages.sort_by_key(|v| std::cmp::Reverse(reached(v)));
    villages.truncate(14);
    villages.sort_by_key(|v| {
        v.code
            .town()
            .map(|t| towns.iter().position(|x| x.code == t).unwrap_or(99))
    });
    let households: u64 = villages.iter().map(|v| v.households_paid.get()).sum();
    let projects: u64 = villages.iter().map(|v| v.projects_paid.get()).sum();
    let mut links = Vec::new();
    for (k, s) in sources.iter().enumerate() {
        links.push((0, k, 0, s.amount));
    }
    for (k, t) in towns.iter().enumerate() {
        links.push((1, 0, k, t.received.get()));
    }
    for (k, v) in villages.iter().enumerate() {
        if let Some(t) = v.code.town().and_then(|t| towns.iter().position(|x| x.code == t)) {
            links.push((2, t, k, reached(v)));
        }
        links.push((3, k, 0, v.households_paid.get()));
        links.push((3, k, 1, v.projects_paid.get()));
    }
    let columns = vec![
        ("资金来源", sources),
        (
            "区",
            vec![Node {
                label: "区级".into(),
                amount: issued,
            }],
        ),
        (
            "乡镇",
            towns
                .iter()
                .map(|t| Node {
                    label: t.name.clone(),
                    amount: t.received.get(),
                })
                .collect(),
        ),
        (
            "村（到户与项目最多的14个）",
            villages
                .iter()
                .map(|v| Node {
                    label: v.name.clone(),
                    amount: reached(v),
                })
                .collect(),
        ),
        (
            "去向",
            vec![
                Node {
                    label: "到户".into(),
                    amount: households,
                },
                Node {
                    label: "项目".into(),
                    amount: projects,
                },
            ],
        ),
    ];
    out.push_str(r#"<section class="page"><h2>资金流向（来源 → 区 → 乡镇 → 村 → 到户/项目）</h2>"#);
    out.push_str(&svg::flow("资金流向（每列高度按该列金额缩放）", &columns, &links));
    let months: Vec<u32> = r.months.iter().map(|m| m.month).collect();
    let series = vec![
        ("下达", r.months.iter().map(|m| m.issued.get()).collect()),
        ("到户", r.months.iter().map(|m| m.households.get()).collect()),
        ("项目", r.months.iter().map(|m| m.projects.get()).collect()),
    ];
    out.push_str("<h2>按月资金（业务日期，元）</h2>");
    out.push_str(&svg::timeline("每月下达、到户、项目支付", &months, &series));
    out.push_str("</section>");
}

fn finding(out: &mut String, i: &Input<'_>, n: usize, f: &Finding) {
    let v = i.verified;
    let explanation = match i.lang {
        Lang::Zh => &f.explanation_zh,
        Lang::En => &f.explanation_en,
    };
    let _ = write!(
        out,
        r#"<div class="finding{lead}"><h3>{n}. <span class="{cls}">[{sev}]</span> {rule}{lead_label} <span class="mono">{id}</span></h3><p>{exp}</p><table>
<tr><th>区域</th><td>{region}</td><th>金额（元）</th><td class="n">{amount}</td></tr>
<tr><th>户/项目</th><td colspan="3" class="mono">{reference}</td></tr>
<tr><th>涉及条目</th><td colspan="3">{entries}</td></tr>"#,
        lead = if f.lead { " lead" } else { "" },
        cls = sev_class(f.severity),
        sev = f.severity.label_zh(),
        rule = esc(f.rule.label_zh()),
        lead_label = if f.lead { "（线索，非认定）" } else { "" },
        id = esc(&f.id),
        exp = esc(explanation),
        region = esc(&region_label(v, f.region)),
        amount = f.amount.map(|a| a.to_yuan_string()).unwrap_or_else(|| "-".into()),
        reference = esc(f.reference.as_deref().unwrap_or("-")),
        entries = if f.entry_count > f.entries.len() {
            format!(
                "{} …（共{}条）",
                f.entries.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" "),
                f.entry_count
            )
        } else {
            f.entries.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" ")
        },
    );
    if !f.list_rows.is_empty() {
        let _ = write!(
            out,
            r#"<tr><th>比对名单行</th><td colspan="3" class="mono">{}</td></tr>"#,
            esc(&f.list_rows.join(", "))
        );
    }
    let mut cmds = vec![prove_finding_command(i.bundle, &v.log_vkey, &f.id)];
    cmds.extend(
        f.entries
            .iter()
            .take(3)
            .map(|s| prove_entry_command(i.bundle, &v.log_vkey, *s)),
    );
    let _ = write!(
        out,
        r#"<tr><th>核验命令</th><td colspan="3" class="mono">{}</td></tr></table></div>"#,
        cmds.iter().map(|c| esc(c)).collect::<Vec<_>>().join("<br>")
    );
}

/// The whole report.
pub fn render(i: &Input<'_>) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>审计报告 {}</title><style>{STYLE}</style></head><body>",
        esc(&i.verified.origin)
    );
    cover(&mut out, i);
    summary(&mut out, i);
    flows(&mut out, i);
    out.push_str(r#"<section class="page"><h2>发现明细（每项含证据与核验命令）</h2>"#);
    if i.report.findings.is_empty() {
        out.push_str("<p>未发现风险点。</p>");
    }
    for (n, f) in i.report.findings.iter().enumerate() {
        finding(&mut out, i, n + 1, f);
    }
    out.push_str("</section></body></html>\n");
    out
}

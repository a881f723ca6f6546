//! `ledger slips`: the payment slips (明白卡 / 发放回执) of a posted batch, one
//! per household line, as one self-contained HTML file for the browser's
//! print-to-PDF: A4 sheets of cards, or 80 mm receipt-printer strips.
//!
//! Everything comes from the batch's receipts file, where `ledger post csv`
//! writes a slip line beside each receipt (masked name, village, category,
//! period, amount, business date, household reference; never an ID or a
//! full name), so slips are printed offline, at the town office. Each slip
//! has the household's code (户码, `K7M3-QX9R-T4B`) and a QR code opening
//! its page on the public site, `{node}/#/h/{code}`: the route the web page
//! serves.

use crate::exit::{input, usage, Tag as _};
use crate::keys;
use crate::messages::slips::Label;
use crate::messages::{yuan, Message as _};
use anyhow::Result;
use clap::{Args, ValueEnum};
use ledger_core::entry::SubsidyCategory;
use ledger_core::household::HouseholdRef;
use ledger_core::household_code::HouseholdCode;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Largest receipts file read.
const MAX_RECEIPTS_BYTES: u64 = 512 * 1024 * 1024;
/// Most slips in one file (a town's month is a few thousand).
pub const MAX_SLIPS: usize = 100_000;

/// Paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Size {
    /// A4 sheets, cards in two columns.
    A4,
    /// 80 mm receipt paper, one slip after another.
    #[value(name = "80mm")]
    Mm80,
}

/// `ledger slips`.
#[derive(Debug, Clone, Args)]
pub struct SlipsArgs {
    /// 批量记账的回执文件（FILE.receipts.jsonl）(the batch's receipts file).
    pub receipts: PathBuf,
    /// 输出的 HTML 文件 (the HTML file to write).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// 纸张：a4（A4 两栏）或 80mm（小票）(paper: a4 or 80mm).
    #[arg(long, value_enum, default_value = "a4")]
    pub size: Size,
    /// 公开查询网站的地址，二维码指向 {URL}/#/h/{户码} (the public site the QR codes open).
    #[arg(long, env = "LEDGER_NODE", value_name = "URL")]
    pub node: Option<String>,
}

/// A slip line of a receipts file: what a household's slip shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipLine {
    /// The slip.
    pub slip: Slip,
}

/// One household payment as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slip {
    /// The file's row.
    pub row: u64,
    /// The entry.
    pub seq: u64,
    /// Household reference, hex.
    pub household: String,
    /// Masked name.
    pub masked_name: String,
    /// Village code.
    pub village: String,
    /// Village name (empty when unknown).
    #[serde(default)]
    pub village_name: String,
    /// Category (format name).
    pub category: String,
    /// `2019` or `2019-08`.
    pub period: String,
    /// Fen.
    pub amount_fen: u64,
    /// Business date, `2019-08-20`.
    pub date: String,
}

/// The household's code (户码, `ledger_core::household_code`, issue 15)
/// as printed on its slip, `K7M3-QX9R-T4B`: short enough to read aloud and
/// type at a village terminal, and a pure function of the public household
/// reference (no key needed to print it).
pub fn household_lookup_code(reference: &HouseholdRef) -> String {
    HouseholdCode::of(reference).display()
}

/// The household page's address put in the QR code: `{site}/#/h/{code}`
/// with the code's eleven symbols without dashes (the page's route takes
/// a code, a prefix or a full reference).
pub fn household_url(site: &str, reference: &HouseholdRef) -> String {
    format!("{site}/#/h/{}", HouseholdCode::of(reference).compact())
}

/// `2019-08` → `2019年8月`, `2019` → `2019年`.
fn period_zh(period: &str) -> String {
    match period.split_once('-') {
        Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
        None => format!("{period}年"),
    }
}

/// Escape text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A QR code as inline SVG (no XML declaration: it sits inside HTML).
fn qr_svg(data: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| input(format!("QR code for {data}: {e}")))?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(120, 120)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

const CSS_A4: &str = "@page{size:A4;margin:12mm}\
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0}\
.slips{display:grid;grid-template-columns:1fr 1fr;gap:6mm}\
.slip{border:1px solid #333;padding:4mm;break-inside:avoid;page-break-inside:avoid}";
const CSS_80MM: &str = "@page{size:80mm auto;margin:4mm}\
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;width:72mm}\
.slip{border-bottom:1px dashed #333;padding:3mm 0;break-after:page;page-break-after:always}";
const CSS_COMMON: &str = "h2{font-size:15pt;margin:0 0 2mm}\
table{border-collapse:collapse;width:100%;font-size:10.5pt}\
th{text-align:left;font-weight:normal;color:#444;width:5.5em;padding:0.6mm 0}\
td{padding:0.6mm 0}.amount{font-weight:bold;font-size:12pt}\
.code{font-family:monospace;word-break:break-all;font-size:8pt}\
.qr svg{width:30mm;height:30mm}.qr{text-align:center;margin-top:2mm}\
.note{font-size:8pt;color:#444}\
.sign{display:inline-block;width:30mm;border-bottom:1px solid #333;height:6mm}";

/// Render the slips as one HTML document.
pub fn render(slips: &[Slip], size: Size, site: &str) -> Result<String> {
    let site = site.trim_end_matches('/');
    let css = match size {
        Size::A4 => CSS_A4,
        Size::Mm80 => CSS_80MM,
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>{css}{CSS_COMMON}</style></head><body><div class=\"slips\">\n",
        Label::Title.zh()
    );
    for s in slips {
        let reference =
            HouseholdRef::parse(&s.household).map_err(|e| input(format!("slip of row {}: household {e}", s.row)))?;
        let code = household_lookup_code(&reference);
        let url = household_url(site, &reference);
        let category = SubsidyCategory::parse(&s.category).map_or(s.category.clone(), |c| c.label_zh().to_string());
        let village = if s.village_name.is_empty() {
            s.village.clone()
        } else {
            format!("{}（{}）", s.village_name, s.village)
        };
        let rows = [
            (Label::Name, esc(&s.masked_name)),
            (Label::Village, esc(&village)),
            (Label::Category, esc(&category)),
            (Label::Period, esc(&period_zh(&s.period))),
            (
                Label::Amount,
                format!("<span class=\"amount\">{}</span>", yuan(s.amount_fen)),
            ),
            (Label::Date, esc(&s.date)),
            (Label::Entry, format!("第 {} 条", s.seq)),
            (Label::Code, format!("<span class=\"code\">{}</span>", esc(&code))),
            (Label::Signature, "<span class=\"sign\"></span>".to_string()),
        ];
        html.push_str(&format!("<div class=\"slip\"><h2>{}</h2><table>", Label::Title.zh()));
        for (label, value) in rows {
            html.push_str(&format!("<tr><th>{}</th><td>{value}</td></tr>", label.zh()));
        }
        html.push_str(&format!(
            "</table><div class=\"qr\">{}<div class=\"note\">{}</div><div class=\"code\">{}</div></div></div>\n",
            qr_svg(&url)?,
            Label::ScanToCheck.zh(),
            esc(&url)
        ));
    }
    html.push_str("</div></body></html>\n");
    Ok(html)
}

/// The slips of a receipts file, in row order.
pub fn read_slips(path: &std::path::Path) -> Result<Vec<Slip>> {
    let text = keys::read_small(path, MAX_RECEIPTS_BYTES)?;
    let mut slips: Vec<Slip> = text
        .lines()
        .filter(|l| l.contains("\"slip\""))
        .filter_map(|l| serde_json::from_str::<SlipLine>(l).ok())
        .map(|l| l.slip)
        .collect();
    if slips.len() > MAX_SLIPS {
        return Err(input(format!(
            "{}: more than {MAX_SLIPS} slips; split the batch",
            path.display()
        )));
    }
    slips.sort_by_key(|s| (s.row, s.seq));
    // A rerun may have written the same slip twice (receipts are appended).
    slips.dedup_by_key(|s| s.seq);
    Ok(slips)
}

/// Run `ledger slips`.
pub fn run(args: &SlipsArgs, quiet: bool) -> Result<()> {
    let site = args
        .node
        .clone()
        .ok_or_else(|| usage("give --node URL (or LEDGER_NODE): the public site the QR codes open"))?;
    let slips = read_slips(&args.receipts)?;
    if slips.is_empty() {
        return Err(input(format!(
            "{}: no payment slips (only batches posted by `ledger post csv` since slips exist carry them)",
            args.receipts.display()
        )));
    }
    let html = render(&slips, args.size, &site)?;
    std::fs::write(&args.out, html).input_err(format!("cannot write {}", args.out.display()))?;
    crate::progress::note(quiet, &format!("{} 张明白卡 → {}", slips.len(), args.out.display()));
    println!("{}", args.out.display());
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_escaping() {
        assert_eq!(period_zh("2019-08"), "2019年8月");
        assert_eq!(period_zh("2019-11"), "2019年11月");
        assert_eq!(period_zh("2019"), "2019年");
        assert_eq!(esc("<a&\"b\">"), "&lt;a&amp;&quot;b&quot;&gt;");
    }

    /// The code and the QR address of fixtures/vectors/household_code.json's
    /// all-ff reference.
    #[test]
    fn the_slip_carries_the_household_code() {
        let reference = HouseholdRef::parse(&"f".repeat(64)).unwrap();
        assert_eq!(household_lookup_code(&reference), "YK33-H2BA-XTC");
        assert_eq!(
            household_url("https://ledger.example", &reference),
            "https://ledger.example/#/h/YK33H2BAXTC"
        );
    }

    #[test]
    fn a_qr_code_is_inline_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/#/h/abc").unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }
}

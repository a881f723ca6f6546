//! Structure-aware fuzz targets of the CSV import, `ledger post csv`
//! (issue 11, item 7; docs/SECURITY.md, "Fuzzing"):
//!
//! * `fuzz_csv_rows` — `batch::parse_rows` on generated subsidy and payment
//!   files (header aliases in English and Chinese, quoting, BOM, CRLF, the
//!   spellings each cell accepts), mutated at the level of the header,
//!   rows, cells and bytes;
//! * `fuzz_csv_cells` — the cell parsers (amounts, resident IDs, periods,
//!   region codes) against independent reference implementations of the
//!   rules docs/CLI.md and docs/FORMAT.md state.
//!
//! CSV is not a canonical format and is never signed: the properties are
//! that no input panics, that every row accepted becomes an entry body with a
//! canonical encoding and in-range fields, that spellings which keep the
//! meaning give exactly the expected bodies, and that an ambiguous header (two
//! columns for one field) is refused. Short run in `cargo test -p ledger-cli`,
//! long run in `fuzz/long-run.sh`.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../ledger-core/tests/fuzzkit/mod.rs"]
mod fuzzkit;

use crate::batch::{parse_rows, Context, CsvType};
use fuzzkit::{input, mutate_bytes, mutate_text, Outcome, Rng};
use ledger_core::amount::MAX_ENTRY_FEN;
use ledger_core::encoding;
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, Payee, ProjectDisbursement, SubsidyCategory};
use ledger_core::household::{check_char, MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Ident, Period, Text};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::Fen;
use std::collections::HashSet;

const SHORT: u64 = 2_000;

fn fail(why: impl Into<String>) -> Outcome {
    Outcome::Fail(why.into())
}

/// The villages registered in the test log, and their town and district.
const VILLAGES: [u64; 6] = [
    320_803_001_001,
    320_803_001_002,
    320_803_001_999,
    320_803_002_001,
    320_803_106_203,
    320_803_106_204,
];

fn code(n: u64) -> RegionCode {
    RegionCode::new(n).unwrap_or_else(|e| panic!("{e}"))
}

/// One cell: the column's field, and the text written.
struct Cell {
    field: &'static str,
    text: String,
}

/// A generated file: header fields, rows of cells, and the bodies the rows
/// stand for.
struct File {
    kind: CsvType,
    rows: Vec<Vec<Cell>>,
    expected: Vec<EntryBody>,
}

/// The optional columns both kinds of file may carry, `fund` and `from`,
/// when the generated file has them (one place, so the two generators
/// cannot drift apart).
fn push_optional(cells: &mut Vec<Cell>, fund: Option<String>, from: Option<String>) {
    if let Some(text) = fund {
        cells.push(Cell { field: "fund", text });
    }
    if let Some(text) = from {
        cells.push(Cell { field: "from", text });
    }
}

fn aliases(field: &str) -> &'static [&'static str] {
    match field {
        "resident_id" => &["resident_id", "id_number", "身份证号", "身份证号码", "公民身份号码"],
        "name" => &["name", "姓名", "户主姓名", "户主"],
        "village" => &["village", "village_code", "村代码", "村", "行政区划代码", "区划代码"],
        "category" => &["category", "类别", "补贴类别", "补贴项目"],
        "amount" => &["amount", "amount_yuan", "金额", "金额（元）", "金额(元)", "补贴金额"],
        "period" => &["period", "期间", "发放期间", "所属期"],
        "fund" => &["fund", "fund_id", "资金编号", "资金"],
        "from" => &["from", "account", "付款账户", "拨付账户"],
        "project" => &["project", "project_id", "项目编号"],
        "payee_id" => &["payee_id", "收款方代码", "统一社会信用代码"],
        "payee_name" => &["payee_name", "payee", "收款方", "收款单位"],
        "contract" => &["contract", "contract_ref", "合同编号", "合同"],
        "milestone" => &["milestone", "支付节点", "节点"],
        _ => &[],
    }
}

/// Ways to write `fen` as yuan that mean exactly `fen`.
fn yuan_spelling(rng: &mut Rng, fen: u64) -> String {
    let (whole, frac) = (fen / 100, fen % 100);
    let plain = if frac == 0 && rng.chance(1, 2) {
        whole.to_string()
    } else if frac % 10 == 0 && rng.chance(1, 2) {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    };
    match rng.below(5) {
        0 => Fen::from_raw(fen).to_yuan_string(),
        1 => format!("¥{plain}"),
        2 => format!("{plain}元"),
        3 => format!("￥{}", Fen::from_raw(fen).to_yuan_string()),
        _ => plain,
    }
}

fn gen_fen(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => 1,
        1 => MAX_ENTRY_FEN,
        2 => rng.range(1, 100_000),
        _ => rng.range(1, MAX_ENTRY_FEN),
    }
}

/// A valid resident ID: 17 digits and the GB 11643 check character, spelt
/// with a lowercase x or full-width digits now and then.
fn gen_resident_id(rng: &mut Rng) -> String {
    let mut body = [0u8; 17];
    for d in body.iter_mut() {
        *d = b'0' + rng.below(10) as u8;
    }
    let mut id: String = body.iter().map(|b| *b as char).collect();
    id.push(check_char(&body));
    match rng.below(6) {
        0 => id.replace('X', "x"),
        1 => id
            .chars()
            .map(|c| c.to_digit(10).map_or(c, |d| char::from_u32(0xff10 + d).unwrap_or(c)))
            .collect(),
        _ => id,
    }
}

const NAME_CHARS: [char; 10] = ['张', '小', '三', '李', '欧', '阳', 'A', 'b', '·', 'é'];

fn gen_full_name(rng: &mut Rng) -> String {
    let n = 1 + rng.index(6);
    (0..n).map(|_| *rng.pick(&NAME_CHARS)).collect()
}

/// Text cells that stay valid after trimming.
fn gen_text_cell(rng: &mut Rng) -> String {
    let t = fuzzkit::gen_text(rng).as_str().trim().to_owned();
    if Text::new(&t).is_ok() {
        t
    } else {
        "竣工验收".to_owned()
    }
}

fn gen_subsidies(rng: &mut Rng, key: &PseudonymKey, fund_default: &str) -> File {
    let with_fund = rng.chance(1, 2);
    let with_from = rng.chance(1, 2);
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    let mut seen = HashSet::new();
    for _ in 0..1 + rng.index(4) {
        let id = gen_resident_id(rng);
        let Ok(parsed) = ResidentId::parse(&id) else { continue };
        let household = key.household_ref(&parsed);
        let name = gen_full_name(rng);
        let Ok(masked) = MaskedName::mask(&name) else { continue };
        let village = code(*rng.pick(&VILLAGES));
        let category = *rng.pick(SubsidyCategory::ALL);
        let period = fuzzkit::gen_period(rng);
        if !seen.insert((household, category, period)) {
            continue;
        }
        let fen = gen_fen(rng);
        let fund = fuzzkit::gen_ident(rng);
        let (from_text, from) = match rng.below(4) {
            0 => ("town".to_owned(), Account::Treasury(village.town().unwrap_or(village))),
            1 => ("village".to_owned(), Account::Treasury(village)),
            2 => (
                "treasury:320803000000".to_owned(),
                Account::Treasury(code(320_803_000_000)),
            ),
            _ => (String::new(), Account::Treasury(village.town().unwrap_or(village))),
        };
        let (from_text, from) = if with_from {
            (from_text, from)
        } else {
            (String::new(), Account::Treasury(village.town().unwrap_or(village)))
        };
        let mut cells = vec![
            Cell {
                field: "resident_id",
                text: id,
            },
            Cell {
                field: "name",
                text: name,
            },
            Cell {
                field: "village",
                text: village.to_string(),
            },
            Cell {
                field: "category",
                text: if rng.chance(1, 2) {
                    category.name().to_owned()
                } else {
                    category.label_zh().to_owned()
                },
            },
            Cell {
                field: "amount",
                text: yuan_spelling(rng, fen),
            },
            Cell {
                field: "period",
                text: if period.month == 0 {
                    period.year.to_string()
                } else if rng.chance(1, 4) {
                    format!("{}-{}", period.year, period.month)
                } else {
                    period.to_string()
                },
            },
        ];
        push_optional(
            &mut cells,
            with_fund.then(|| fund.to_string()),
            with_from.then_some(from_text),
        );
        expected.push(EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: if with_fund {
                fund
            } else {
                Ident::new(fund_default).unwrap_or_else(|e| panic!("{e}"))
            },
            from,
            household,
            masked_name: masked,
            village,
            category,
            period,
            amount: Fen::from_raw(fen),
            date: fuzz_date(),
            notice: None,
        }));
        rows.push(cells);
    }
    File {
        kind: CsvType::Subsidies,
        rows,
        expected,
    }
}

/// The business date every generated row gets from `--date` (the
/// generated files have no date column).
fn fuzz_date() -> ledger_core::ids::Date {
    ledger_core::ids::Date::new(20190615).unwrap_or_else(|e| panic!("{e}"))
}

fn gen_disbursements(rng: &mut Rng, fund_default: &str) -> File {
    let with_fund = rng.chance(1, 2);
    let with_from = rng.chance(1, 2);
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    let mut seen = HashSet::new();
    for _ in 0..1 + rng.index(4) {
        let project = fuzzkit::gen_ident(rng);
        let payee_id = fuzzkit::gen_ident(rng);
        let payee_name = gen_text_cell(rng);
        let contract = gen_text_cell(rng);
        let milestone = gen_text_cell(rng);
        let fen = gen_fen(rng);
        let fund = fuzzkit::gen_ident(rng);
        let (from_text, from) = if with_from && rng.chance(1, 2) {
            (
                "treasury:320803001000".to_owned(),
                Account::Treasury(code(320_803_001_000)),
            )
        } else if with_from {
            (format!("project:{project}"), Account::Project(project.clone()))
        } else {
            (String::new(), Account::Project(project.clone()))
        };
        let body = EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: if with_fund {
                fund.clone()
            } else {
                Ident::new(fund_default).unwrap_or_else(|e| panic!("{e}"))
            },
            project: project.clone(),
            from,
            payee: Payee {
                id: payee_id.clone(),
                name: Text::new(&payee_name).unwrap_or_else(|e| panic!("{e}")),
            },
            amount: Fen::from_raw(fen),
            contract_ref: Text::new(&contract).unwrap_or_else(|e| panic!("{e}")),
            milestone: Text::new(&milestone).unwrap_or_else(|e| panic!("{e}")),
            date: fuzz_date(),
        });
        if !seen.insert(encoding::encode(&body)) {
            continue;
        }
        let mut cells = vec![
            Cell {
                field: "project",
                text: project.to_string(),
            },
            Cell {
                field: "payee_id",
                text: payee_id.to_string(),
            },
            Cell {
                field: "payee_name",
                text: payee_name,
            },
            Cell {
                field: "amount",
                text: yuan_spelling(rng, fen),
            },
            Cell {
                field: "contract",
                text: contract,
            },
            Cell {
                field: "milestone",
                text: milestone,
            },
        ];
        push_optional(
            &mut cells,
            with_fund.then(|| fund.to_string()),
            with_from.then_some(from_text),
        );
        expected.push(body);
        rows.push(cells);
    }
    File {
        kind: CsvType::Disbursements,
        rows,
        expected,
    }
}

/// How the file is written: everything that must not change its meaning.
struct Style {
    /// Column order: a permutation of the cells' indexes.
    order: Vec<usize>,
    /// The header name used for each field.
    names: Vec<String>,
    /// Quote every field, or only those that need it.
    quote_all: bool,
    /// Spaces around cell values (the importer trims them).
    pad: bool,
    crlf: bool,
    bom: bool,
    /// An extra column nobody reads.
    extra_column: bool,
    /// A blank line between rows.
    blank_lines: bool,
}

fn field_cell(text: &str, quote: bool) -> String {
    if quote || text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The file's text, and the line each row starts on.
fn render(file: &File, style: &Style) -> (String, Vec<u64>) {
    let nl = if style.crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    if style.bom {
        out.push('\u{feff}');
    }
    let mut header: Vec<String> = style
        .order
        .iter()
        .map(|i| field_cell(&style.names[*i], style.quote_all))
        .collect();
    if style.extra_column {
        header.push("备注".to_owned());
    }
    out.push_str(&header.join(","));
    out.push_str(nl);
    let mut starts = Vec::new();
    for row in &file.rows {
        // Quoted fields may hold line breaks: count what precedes the row.
        starts.push(1 + out.matches('\n').count() as u64);
        let mut cells: Vec<String> = style
            .order
            .iter()
            .map(|i| {
                let text = row.get(*i).map_or("", |c| c.text.as_str());
                let text = if style.pad {
                    format!("  {text} ")
                } else {
                    text.to_owned()
                };
                field_cell(&text, style.quote_all)
            })
            .collect();
        if style.extra_column {
            cells.push("无".to_owned());
        }
        out.push_str(&cells.join(","));
        out.push_str(nl);
        if style.blank_lines {
            out.push_str(nl);
        }
    }
    (out, starts)
}

/// What a mutation did to the file's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    Preserving,
    Changed,
    /// Two columns for one field: which one counts would be a guess.
    MustReject,
}

fn bad_cell(rng: &mut Rng, field: &str) -> String {
    let generic = String::from_utf8_lossy(&fuzzkit::interesting_string(rng)).into_owned();
    let specific: &[&str] = match field {
        "amount" => &[
            "1.234",
            "-5",
            "1e5",
            "0",
            "0.00",
            "",
            ",",
            "¥",
            "元",
            "1.",
            ".5",
            "１２３",
            "99999999999999999999",
            "1000000000000.01",
            "18446744073709551615",
            "1,0,0",
            "1 000",
            "12.5.5",
            "¥¥5",
            "5元元",
        ],
        "resident_id" => &[
            "11010519491231002X",
            "110105194912310021",
            "1101051949123100",
            "1101051949123100X2",
            "11010519491231002XX",
            "X10105194912310021",
        ],
        "period" => &[
            "2019-13",
            "2019-00",
            "1999",
            "2100-01",
            "2019-",
            "-03",
            "2019-03-01",
            "2019-+3",
            "20191",
        ],
        "village" => &[
            "320803001000",
            "320803000000",
            "32080300100",
            "3208030010011",
            "320803009999",
            "999999999999",
        ],
        "from" => &[
            "treasury:320803002000",
            "project:",
            "treasury:",
            "town ",
            "nowhere",
            "treasury:320803001001",
        ],
        "category" => &["minimum living", "MINIMUM_LIVING", "低保", ""],
        _ => &["", " ", "a b", "有中文"],
    };
    if rng.chance(2, 3) {
        (*rng.pick(specific)).to_owned()
    } else {
        generic
    }
}

#[test]
fn fuzz_csv_rows() {
    let key = PseudonymKey::from_bytes([7; 32]);
    let regions: HashSet<RegionCode> = [320_803_000_000, 320_803_001_000, 320_803_002_000, 320_803_106_000]
        .into_iter()
        .chain(VILLAGES)
        .map(code)
        .collect();
    let fund_default = "F2019-SCS-031";
    fuzzkit::run("fuzz_csv_rows", SHORT, |rng| {
        let mut file = if rng.chance(2, 3) {
            gen_subsidies(rng, &key, fund_default)
        } else {
            gen_disbursements(rng, fund_default)
        };
        let Some(first) = file.rows.first() else {
            return Outcome::Rejected;
        };
        let fields: Vec<&'static str> = first.iter().map(|c| c.field).collect();
        let width = fields.len();
        let mut order: Vec<usize> = (0..width).collect();
        let mut effect = Effect::Preserving;
        let mut names: Vec<String> = fields.iter().map(|f| aliases(f)[0].to_owned()).collect();
        let mutations = if rng.chance(1, 6) { 0 } else { 1 + rng.below(3) };
        let mut pad = false;
        let (mut crlf, mut bom, mut extra_column, mut blank_lines, mut quote_all) = (false, false, false, false, false);
        for _ in 0..mutations {
            match rng.below(14) {
                // Meaning-preserving: spelling of the header and the layout.
                0 => {
                    for (i, field) in fields.iter().enumerate() {
                        let a = aliases(field);
                        let name = a[rng.index(a.len())];
                        names[i] = match rng.below(3) {
                            0 => name.to_uppercase(),
                            1 => format!(" {name} "),
                            _ => name.to_owned(),
                        };
                    }
                }
                1 => {
                    for i in (1..order.len()).rev() {
                        let j = rng.index(i + 1);
                        order.swap(i, j);
                    }
                }
                2 => quote_all = true,
                3 => pad = true,
                4 => crlf = true,
                5 => bom = true,
                6 => extra_column = true,
                7 => blank_lines = true,
                // Two columns for one field: must be refused.
                8 => {
                    let i = rng.index(width);
                    let a = aliases(fields[i]);
                    let other = a[rng.index(a.len())].to_owned();
                    let shortest = file.rows.iter().map(Vec::len).min().unwrap_or(0);
                    if shortest == 0 {
                        continue;
                    }
                    let copy_from = i.min(shortest - 1);
                    for row in &mut file.rows {
                        let text = if rng.chance(1, 2) {
                            row[copy_from].text.clone()
                        } else {
                            let fen = gen_fen(rng);
                            yuan_spelling(rng, fen)
                        };
                        row.push(Cell {
                            field: row[copy_from].field,
                            text,
                        });
                    }
                    names.push(other);
                    order.insert(rng.index(order.len() + 1), names.len() - 1);
                    effect = Effect::MustReject;
                    break;
                }
                // A cell with a refused or odd value.
                9..=11 => {
                    let r = rng.index(file.rows.len());
                    let c = rng.index(file.rows[r].len());
                    let Some(field) = file.rows[r].get(c).map(|cell| cell.field) else {
                        continue;
                    };
                    file.rows[r][c].text = bad_cell(rng, field);
                    effect = effect.max(Effect::Changed);
                }
                // A row removed or doubled, or a cell dropped.
                12 => {
                    let r = rng.index(file.rows.len());
                    match rng.below(3) {
                        0 => {
                            // Removing a valid row keeps the rest valid, while
                            // rows and expected bodies still correspond.
                            if file.rows.len() == file.expected.len() {
                                file.expected.remove(r);
                            } else {
                                effect = effect.max(Effect::Changed);
                            }
                            file.rows.remove(r);
                        }
                        1 => {
                            let copy: Vec<Cell> = file.rows[r]
                                .iter()
                                .map(|c| Cell {
                                    field: c.field,
                                    text: c.text.clone(),
                                })
                                .collect();
                            file.rows.insert(r, copy);
                            effect = effect.max(Effect::Changed);
                        }
                        _ => {
                            file.rows[r].pop();
                            effect = effect.max(Effect::Changed);
                        }
                    }
                    if file.rows.is_empty() {
                        return Outcome::Rejected;
                    }
                }
                _ => effect = effect.max(Effect::Changed),
            }
        }
        let style = Style {
            order,
            names,
            quote_all,
            pad,
            crlf,
            bom,
            extra_column,
            blank_lines,
        };
        let (mut text, starts) = render(&file, &style);
        if effect != Effect::MustReject && rng.chance(1, 6) {
            mutate_text(
                rng,
                &mut text,
                &[",", "\"", "\n", "\r\n", "\"\"", "\u{feff}", "¥", "元", ".", "X"],
            );
            effect = effect.max(Effect::Changed);
        }
        let mut bytes = text.into_bytes();
        if effect != Effect::MustReject && rng.chance(1, 16) {
            mutate_bytes(rng, &mut bytes, &[]);
            effect = effect.max(Effect::Changed);
        }
        input(&bytes);
        let ctx = Context {
            regions: &regions,
            pseudonym: Some(&key),
            fund: Some(fund_default),
            from: None,
            date: Some(fuzz_date()),
        };
        match parse_rows(&bytes, file.kind, &ctx) {
            Ok((rows, errors)) => {
                if effect == Effect::MustReject {
                    return fail("a header with two columns for one field was accepted");
                }
                let mut last = 0;
                for row in &rows {
                    if row.line <= last {
                        return fail(format!(
                            "row lines are not increasing: {:?}",
                            rows.iter().map(|r| r.line).collect::<Vec<_>>()
                        ));
                    }
                    last = row.line;
                    if let Some(why) = check_body(&row.body, &regions) {
                        return fail(format!("line {}: {why}", row.line));
                    }
                }
                if effect == Effect::Preserving {
                    if !errors.is_empty() {
                        return fail(format!(
                            "a valid file had row errors: {:?}",
                            errors.iter().map(|e| (e.line, &e.message)).collect::<Vec<_>>()
                        ));
                    }
                    let got: Vec<&EntryBody> = rows.iter().map(|r| &r.body).collect();
                    let want: Vec<&EntryBody> = file.expected.iter().collect();
                    if got != want {
                        return fail(format!("a valid file gave other rows: {got:?}, expected {want:?}"));
                    }
                    // `FILE:LINE: why` must point at the row.
                    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
                    if lines != starts {
                        return fail(format!("rows reported on lines {lines:?}, written on lines {starts:?}"));
                    }
                }
                if errors.is_empty() {
                    Outcome::Accepted
                } else {
                    Outcome::Rejected
                }
            }
            Err(e) if effect == Effect::Preserving => fail(format!("a valid file was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}

/// What every accepted row's body must satisfy.
fn check_body(body: &EntryBody, regions: &HashSet<RegionCode>) -> Option<String> {
    let bytes = encoding::encode(body);
    match encoding::decode_canonical::<EntryBody>(&bytes) {
        Ok(back) if back == *body => {}
        _ => return Some("the body has no canonical encoding".into()),
    }
    let amount = body.amount().map_or(0, Fen::get);
    if !(1..=MAX_ENTRY_FEN).contains(&amount) {
        return Some(format!("amount {amount} fen out of range"));
    }
    match body {
        EntryBody::HouseholdSubsidy(s) => {
            if s.village.level() != RegionLevel::Village || !regions.contains(&s.village) {
                return Some(format!("village {} is not a registered village", s.village));
            }
            if let Account::Treasury(t) = &s.from {
                if !t.covers(s.village) {
                    return Some(format!("{} does not cover {}", s.from.key(), s.village));
                }
            }
            if MaskedName::parse_masked(s.masked_name.as_str()).is_err() {
                return Some("not a masked name".into());
            }
            None
        }
        EntryBody::ProjectDisbursement(_) => None,
        _ => Some("a row became another kind of entry".into()),
    }
}

// ------------------------------------------------------------------ cells

/// Amounts, as docs/CLI.md states them: yuan with at most two decimals,
/// digits grouped by commas, an optional leading ¥/￥ and trailing 元; the
/// entry limit of docs/FORMAT.md (1 ..= 10^14 fen). Written over exact
/// decimal digits, not the importer's arithmetic.
fn reference_yuan(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t.trim_start_matches(['¥', '￥']).trim_end_matches('元');
    let digits: String = t.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let (whole, frac) = match digits.find('.') {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits.as_str(), ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || frac.len() > 2 || !all_digits(frac) {
        return None;
    }
    // Fen as a decimal string: whole ‖ frac padded to two digits.
    let fen_text = format!("{whole}{frac:0<2}");
    let fen_text = fen_text.trim_start_matches('0');
    if fen_text.is_empty() || fen_text.len() > 15 {
        return None; // zero, or over 10^14 whatever the digits
    }
    let fen: u64 = fen_text.parse().ok()?;
    (fen <= MAX_ENTRY_FEN).then_some(fen)
}

/// GB 11643: 17 digits and a check character; weight of position i (from
/// the left, 1-based) is 2^(18−i) mod 11; check = (12 − Σ mod 11) mod 11,
/// written `X` for 10. Full-width digits and x/ｘ/Ｘ are accepted spellings.
fn reference_resident_id(text: &str) -> Option<String> {
    let normal: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xff10 + u32::from(b'0')).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            c => c,
        })
        .collect();
    let chars: Vec<char> = normal.chars().collect();
    if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
        return None;
    }
    let sum: u32 = chars[..17]
        .iter()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * ((1u32 << (17 - i)) % 11))
        .sum();
    let check = (12 - sum % 11) % 11;
    let want = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap_or('?')
    };
    (chars[17] == want).then_some(normal)
}

/// Periods: `YYYY` (month 0, the whole year) or `YYYY-M[M]`, year
/// 2000-2099, month 0-12; each a decimal number (Rust's integer syntax: an
/// optional `+`, leading zeros).
fn reference_period(text: &str) -> Option<(u16, u8)> {
    let t = text.trim();
    let (y, m) = t.split_once('-').unwrap_or((t, "0"));
    let number = |s: &str| -> Option<u32> {
        let s = s.strip_prefix('+').unwrap_or(s);
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let s = s.trim_start_matches('0');
        if s.len() > 5 {
            return None;
        }
        Some(s.parse().unwrap_or(0))
    };
    let (y, m) = (number(y)?, number(m)?);
    ((2000..=2099).contains(&y) && m <= 12).then_some((y as u16, m as u8))
}

/// Region codes: exactly 12 ASCII digits, not starting with 0.
fn reference_region(text: &str) -> Option<u64> {
    let t = text.trim();
    (t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0')).then(|| t.parse().ok())?
}

#[test]
fn fuzz_csv_cells() {
    fuzzkit::run("fuzz_csv_cells", SHORT * 5, |rng| {
        let which = rng.below(4);
        let mut text = match which {
            0 => {
                let fen = gen_fen(rng);
                yuan_spelling(rng, fen)
            }
            1 => gen_resident_id(rng),
            2 => {
                let p = fuzzkit::gen_period(rng);
                if p.month == 0 {
                    p.year.to_string()
                } else {
                    p.to_string()
                }
            }
            _ => fuzzkit::gen_region(rng).to_string(),
        };
        if rng.chance(3, 4) {
            mutate_text(
                rng,
                &mut text,
                &["¥", "￥", "元", ",", ".", "0", "9", "X", "x", "-", "+", "１", "٣", " "],
            );
        }
        input(text.as_bytes());
        // For resident IDs only acceptance is compared: the value becomes a
        // keyed hash.
        let (got, want) = match which {
            0 => (
                Fen::parse_yuan(&text).ok().map(|f| f.get().to_string()),
                reference_yuan(&text).map(|f| f.to_string()),
            ),
            1 => (
                ResidentId::parse(&text).ok().map(|_| "valid".to_owned()),
                reference_resident_id(&text).map(|_| "valid".to_owned()),
            ),
            2 => (
                Period::parse(&text).ok().map(|p| format!("{}/{}", p.year, p.month)),
                reference_period(&text).map(|(y, m)| format!("{y}/{m}")),
            ),
            _ => (
                RegionCode::parse(&text).ok().map(|c| c.get().to_string()),
                reference_region(&text).map(|c| c.to_string()),
            ),
        };
        if got != want {
            return fail(format!(
                "the importer reads {text:?} as {got:?}, the rules say {want:?}"
            ));
        }
        if want.is_some() {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        }
    });
}

//! `fuzz_csv_rows`: whole files, rendered in every layout that keeps
//! their meaning, then mutated; `batch::parse_rows` must give exactly the
//! expected bodies, refuse an ambiguous header, and never panic.

use super::fuzzkit::{self, fail, input, mutate_bytes, mutate_text, Outcome, Rng};
use super::model::{code, fuzz_date, gen_disbursements, gen_fen, gen_subsidies, yuan_spelling, Cell, File, VILLAGES};
use super::SHORT;
use crate::batch::{aliases, parse_rows, Context};
use ledger_core::amount::MAX_ENTRY_FEN;
use ledger_core::encoding;
use ledger_core::entry::{Account, EntryBody};
use ledger_core::household::{MaskedName, PseudonymKey};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::Fen;
use std::collections::HashSet;

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
            villages: &crate::batch::VillageNames::default(),
            scope: &[],
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

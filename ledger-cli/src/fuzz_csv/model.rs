//! The model of a CSV file: rows of cells generated from the entry bodies
//! they stand for, with the spellings each cell accepts.

use super::fuzzkit::{self, Rng};
use crate::batch::CsvType;
use ledger_core::amount::MAX_ENTRY_FEN;
use ledger_core::encoding;
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, Payee, ProjectDisbursement, SubsidyCategory};
use ledger_core::household::{check_char, MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Ident, Text};
use ledger_core::region::RegionCode;
use ledger_core::Fen;
use std::collections::HashSet;

/// The villages registered in the test log, and their town and district.
pub(super) const VILLAGES: [u64; 6] = [
    320_803_001_001,
    320_803_001_002,
    320_803_001_999,
    320_803_002_001,
    320_803_106_203,
    320_803_106_204,
];

pub(super) fn code(n: u64) -> RegionCode {
    RegionCode::new(n).unwrap_or_else(|e| panic!("{e}"))
}

/// One cell: the column's field, and the text written.
pub(super) struct Cell {
    pub(super) field: &'static str,
    pub(super) text: String,
}

/// A generated file: header fields, rows of cells, and the bodies the rows
/// stand for.
pub(super) struct File {
    pub(super) kind: CsvType,
    pub(super) rows: Vec<Vec<Cell>>,
    pub(super) expected: Vec<EntryBody>,
}

/// The optional columns both kinds of file may carry, `fund` and `from`,
/// when the generated file has them (one place, so the two generators
/// cannot drift apart).
pub(super) fn push_optional(cells: &mut Vec<Cell>, fund: Option<String>, from: Option<String>) {
    if let Some(text) = fund {
        cells.push(Cell { field: "fund", text });
    }
    if let Some(text) = from {
        cells.push(Cell { field: "from", text });
    }
}

/// Ways to write `fen` as yuan that mean exactly `fen`.
pub(super) fn yuan_spelling(rng: &mut Rng, fen: u64) -> String {
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

pub(super) fn gen_fen(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => 1,
        1 => MAX_ENTRY_FEN,
        2 => rng.range(1, 100_000),
        _ => rng.range(1, MAX_ENTRY_FEN),
    }
}

/// A valid resident ID: 17 digits and the GB 11643 check character, spelt
/// with a lowercase x or full-width digits now and then.
pub(super) fn gen_resident_id(rng: &mut Rng) -> String {
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

pub(super) const NAME_CHARS: [char; 10] = ['张', '小', '三', '李', '欧', '阳', 'A', 'b', '·', 'é'];

pub(super) fn gen_full_name(rng: &mut Rng) -> String {
    let n = 1 + rng.index(6);
    (0..n).map(|_| *rng.pick(&NAME_CHARS)).collect()
}

/// Text cells that stay valid after trimming.
pub(super) fn gen_text_cell(rng: &mut Rng) -> String {
    let t = fuzzkit::gen_text(rng).as_str().trim().to_owned();
    if Text::new(&t).is_ok() {
        t
    } else {
        "竣工验收".to_owned()
    }
}

pub(super) fn gen_subsidies(rng: &mut Rng, key: &PseudonymKey, fund_default: &str) -> File {
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
            supplementary: None,
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
pub(super) fn fuzz_date() -> ledger_core::ids::Date {
    ledger_core::ids::Date::new(20190615).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn gen_disbursements(rng: &mut Rng, fund_default: &str) -> File {
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

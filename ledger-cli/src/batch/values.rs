//! One cell's value as an office writes it: IDs (refusing what Excel
//! mangled), amounts in 元 as exact decimal text, periods in three
//! spellings, dates, categories by their everyday Chinese names.

use crate::messages::batch::CellMsg;
use crate::sheet::Cell;
use ledger_core::entry::SubsidyCategory;
use ledger_core::household::ResidentId;
use ledger_core::ids::{Date, Period};
use ledger_core::Fen;

/// A cell's text as the office sees it. A workbook's number becomes its
/// shortest decimal text that reads back as the same binary number — what
/// Excel itself shows for a General cell (`1234.5` stays `1234.5`, never
/// `1234.4999…`): Rust's `Display` for `f64` is that shortest round-trip
/// form and never uses an exponent. Exactness then comes from parsing that
/// text as decimal, never from arithmetic on the float.
pub fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.trim().to_string(),
        Cell::Serial(f) => format!("{f}"),
    }
}

/// A resident ID. A number (the column was not Text in Excel) or text in
/// scientific notation (`3.20803E+17`, what a CSV keeps after Excel showed
/// it so) has lost digits: refused with how to fix it, never guessed.
pub fn resident_id(cell: &Cell) -> Result<ResidentId, CellMsg> {
    let text = match cell {
        Cell::Serial(_) => return Err(CellMsg::IdNumber),
        Cell::Text(t) => t.trim(),
    };
    if is_scientific(text) {
        return Err(CellMsg::Scientific {
            shown: text.to_string(),
        });
    }
    ResidentId::parse(text).map_err(|e| CellMsg::BadId { why: e.to_string() })
}

/// `3.20803E+17`, `3.2E17`, `1e+15`: digits, an optional fraction, `E`/`e`,
/// an optional sign and digits.
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// An amount in 元, at most two decimals, exactly (`Fen::parse_yuan`
/// parses decimal text; see [`shown`] for a workbook's number).
pub fn amount(cell: &Cell) -> Result<Fen, CellMsg> {
    let text = shown(cell);
    let bare = text.trim_start_matches(['¥', '￥']).trim();
    if bare.starts_with('-') || bare.starts_with('－') {
        return Err(CellMsg::NegativeAmount);
    }
    match Fen::parse_yuan(&text) {
        Ok(f) => Ok(f),
        Err(ledger_core::amount::AmountError::Zero) => Err(CellMsg::ZeroAmount),
        Err(_) => Err(CellMsg::BadAmount { shown: text }),
    }
}

/// A period: `2019年8月`, `2019-08` (or `2019-8`, `2019/08`, `2019.08`),
/// `201908`, a year alone (`2019`), or a workbook date cell (its month).
pub fn period(cell: &Cell, is_date: bool) -> Result<Period, CellMsg> {
    let text = shown(cell);
    let bad = || CellMsg::BadPeriod { shown: text.clone() };
    if let (Cell::Serial(f), true) = (cell, is_date) {
        let d = serial_date(*f).ok_or_else(bad)?;
        return Period::new(d.0, d.1).map_err(|_| bad());
    }
    let t = text.trim();
    // A year alone (`2019`, `2019年`): a lump sum for the year, as
    // `ledger post subsidy --period 2019` posts it.
    let year_only = t.strip_suffix('年').unwrap_or(t);
    if year_only.len() == 4 && year_only.bytes().all(|b| b.is_ascii_digit()) {
        let year: u16 = year_only.parse().map_err(|_| bad())?;
        return Period::new(year, 0).map_err(|_| bad());
    }
    let (year, month) = if let Some(rest) = t.strip_suffix('月') {
        rest.split_once('年').ok_or_else(bad)?
    } else if let Some(split) = t.split_once(['-', '/', '.']) {
        split
    } else if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.split_at(4)
    } else {
        return Err(bad());
    };
    let year: u16 = year.trim().parse().map_err(|_| bad())?;
    let month: u8 = month.trim().parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    Period::new(year, month).map_err(|_| bad())
}

/// A date: `2019-08-20`, `2019/8/20`, `20190820`, `2019年8月20日`, or a
/// workbook date cell.
pub fn date(cell: &Cell, is_date: bool) -> Result<Date, CellMsg> {
    let text = shown(cell);
    let bad = || CellMsg::BadDate { shown: text.clone() };
    let (y, m, d) = match (cell, is_date) {
        (Cell::Serial(f), true) => serial_date(*f).ok_or_else(bad)?,
        _ => {
            let t = text.trim().trim_end_matches('日');
            let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
            match parts.as_slice() {
                [y, m, d] => (
                    y.trim().parse().map_err(|_| bad())?,
                    m.trim().parse().map_err(|_| bad())?,
                    d.trim().parse().map_err(|_| bad())?,
                ),
                [ymd] if ymd.len() == 8 && ymd.bytes().all(|b| b.is_ascii_digit()) => (
                    ymd[..4].parse().map_err(|_| bad())?,
                    ymd[4..6].parse().map_err(|_| bad())?,
                    ymd[6..].parse().map_err(|_| bad())?,
                ),
                _ => return Err(bad()),
            }
        }
    };
    let n = u32::from(y) * 10_000 + u32::from(m) * 100 + u32::from(d);
    Date::new(n).map_err(|_| bad())
}

/// An Excel serial day (days since 1899-12-30) as (year, month, day), by
/// the civil-from-days algorithm (H. Hinnant), integers only.
fn serial_date(serial: f64) -> Option<(u16, u8, u8)> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    // Whole days: a date cell's time of day is not part of the date.
    let days = serial.floor() as i64 - 25_569; // 1970-01-01 is serial 25569
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some((u16::try_from(y).ok()?, m as u8, d as u8))
}

/// Everyday names of categories, beside the format's own names and labels
/// (`minimum_living`, `最低生活保障`): what the offices' sheets say.
const CATEGORY_NAMES: &[(&str, SubsidyCategory)] = &[
    ("低保", SubsidyCategory::MinimumLiving),
    ("低保金", SubsidyCategory::MinimumLiving),
    ("农村低保", SubsidyCategory::MinimumLiving),
    ("城市低保", SubsidyCategory::MinimumLiving),
    ("城乡低保", SubsidyCategory::MinimumLiving),
    ("最低生活保障金", SubsidyCategory::MinimumLiving),
    ("危改", SubsidyCategory::HousingRenovation),
    ("危房改造补助", SubsidyCategory::HousingRenovation),
    ("教育补助", SubsidyCategory::Education),
    ("医保补贴", SubsidyCategory::MedicalInsurance),
    ("医疗保险补贴", SubsidyCategory::MedicalInsurance),
    ("就业补助", SubsidyCategory::Employment),
    ("养老保险补贴", SubsidyCategory::Pension),
    ("产业补助", SubsidyCategory::IndustrySupport),
    ("产业扶持资金", SubsidyCategory::IndustrySupport),
];

/// A category: its name, its label or an everyday name.
pub fn category(cell: &Cell) -> Result<SubsidyCategory, CellMsg> {
    let text = shown(cell);
    let t = text.trim();
    if let Some(c) = SubsidyCategory::parse(t) {
        return Ok(c);
    }
    if let Some((_, c)) = CATEGORY_NAMES.iter().find(|(n, _)| *n == t) {
        return Ok(*c);
    }
    let accepted = SubsidyCategory::ALL
        .iter()
        .map(|c| c.label_zh())
        .chain(["低保"])
        .collect::<Vec<_>>()
        .join("、");
    Err(CellMsg::BadCategory { shown: text, accepted })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn text(t: &str) -> Cell {
        Cell::Text(t.into())
    }

    #[test]
    fn periods_in_three_spellings_and_date_cells() {
        let want = Period::new(2019, 8).unwrap();
        for t in [
            "2019年8月",
            "2019年08月",
            "2019-08",
            "2019-8",
            "201908",
            "2019/08",
            " 2019.08 ",
        ] {
            assert_eq!(period(&text(t), false), Ok(want), "{t}");
        }
        // 2019-08-01 is Excel serial 43678.
        assert_eq!(period(&Cell::Serial(43678.0), true), Ok(want));
        assert_eq!(period(&Cell::Serial(201908.0), false), Ok(want), "a number 201908");
        assert_eq!(
            period(&text("2019"), false),
            Ok(Period::new(2019, 0).unwrap()),
            "a year's lump sum"
        );
        for bad in ["2019年13月", "19-08", "八月", "2019-00", "20190"] {
            assert_eq!(
                period(&text(bad), false),
                Err(CellMsg::BadPeriod { shown: bad.into() }),
                "{bad}"
            );
        }
    }

    #[test]
    fn amounts_are_exact_decimal_text() {
        assert_eq!(amount(&text("1,234.50")).map(Fen::get), Ok(123_450));
        assert_eq!(amount(&Cell::Serial(1234.5)).map(Fen::get), Ok(123_450));
        assert_eq!(
            amount(&Cell::Serial(0.1 + 0.2)),
            Err(CellMsg::BadAmount {
                shown: "0.30000000000000004".into()
            })
        );
        assert_eq!(
            amount(&text("12.345")),
            Err(CellMsg::BadAmount { shown: "12.345".into() })
        );
        assert_eq!(amount(&text("-300")), Err(CellMsg::NegativeAmount));
        assert_eq!(amount(&Cell::Serial(-300.0)), Err(CellMsg::NegativeAmount));
        assert_eq!(amount(&text("0.00")), Err(CellMsg::ZeroAmount));
    }

    #[test]
    fn mangled_ids_are_refused_with_the_fix() {
        assert_eq!(
            resident_id(&text("3.20803E+17")).map(|_| ()),
            Err(CellMsg::Scientific {
                shown: "3.20803E+17".into()
            })
        );
        assert_eq!(
            resident_id(&Cell::Serial(3.20803e17)).map(|_| ()),
            Err(CellMsg::IdNumber)
        );
        assert!(!is_scientific("32080319800101123X"));
        assert!(is_scientific("1e15"));
    }

    #[test]
    fn dates_and_categories() {
        let want = Date::new(20190820).unwrap();
        for t in ["2019-08-20", "2019/8/20", "20190820", "2019年8月20日"] {
            assert_eq!(date(&text(t), false), Ok(want), "{t}");
        }
        assert_eq!(date(&Cell::Serial(43697.0), true), Ok(want));
        assert_eq!(category(&text("低保")), Ok(SubsidyCategory::MinimumLiving));
        assert_eq!(category(&text("最低生活保障")), Ok(SubsidyCategory::MinimumLiving));
        assert_eq!(category(&text("minimum_living")), Ok(SubsidyCategory::MinimumLiving));
        assert!(matches!(category(&text("低收入")), Err(CellMsg::BadCategory { .. })));
    }
}

//! The column layout of each kind of list (docs/AUDIT.md), and reading one
//! row: the resident ID validated (18 digits, check digit), the date of
//! death in one of the usual forms, the figures the thresholds look at.
//! Messages name the file, row and column, never the ID or the name.

use super::read::Cell;
use ledger_audit::lists::ListKind;
use ledger_core::household::{ResidentId, ResidentIdError};
use ledger_core::ids::Date;

/// The resident ID column (every kind), with the names it also goes by.
pub const ID_COLUMNS: [&str; 3] = ["身份证号码", "公民身份号码", "身份证号"];
/// The name column (every kind; read only to check it is present).
pub const NAME_COLUMNS: [&str; 2] = ["姓名", "户主姓名"];

/// The columns a kind needs besides the ID and the name.
pub fn columns(kind: ListKind) -> &'static [&'static str] {
    match kind {
        ListKind::Deceased => &["死亡日期"],
        ListKind::PublicEmployee => &["工作单位"],
        ListKind::Vehicle => &["号牌号码", "车辆类型"],
        ListKind::Business => &["企业名称", "注册资本(万元)"],
        ListKind::Property => &["不动产权证号", "建筑面积(平方米)"],
    }
}

/// One valid row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The validated ID (hashed, then dropped, by the caller).
    pub id: ResidentId,
    /// What makes a row distinct from another of the same person (the
    /// plate, company or certificate; empty for one-row-per-person kinds).
    pub key: String,
    /// Date of death (deceased).
    pub death: Option<Date>,
    /// The figure the threshold looks at: registered capital in 万元
    /// (business), floor area in m² (property), 1 for a car counted
    /// (vehicle), 0 for a vehicle not counted (motorcycle, farm vehicle,
    /// disability scooter).
    pub figure: f64,
}

/// Where each needed column is in the header.
pub struct Columns {
    id: usize,
    extra: Vec<usize>,
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.trim().trim_start_matches('\u{feff}') == *n))
}

/// Locate the columns; a missing one is named.
pub fn locate(file: &str, kind: ListKind, header: &[String]) -> Result<Columns, String> {
    let id = find(header, &ID_COLUMNS).ok_or_else(|| {
        format!(
            "{file}: missing column 身份证号码 (a {} list needs 身份证号码, 姓名, {})",
            kind.name(),
            columns(kind).join(", ")
        )
    })?;
    find(header, &NAME_COLUMNS).ok_or_else(|| format!("{file}: missing column 姓名"))?;
    let mut extra = Vec::new();
    for c in columns(kind) {
        extra.push(find(header, &[c]).ok_or_else(|| {
            format!(
                "{file}: missing column {c} (a {} list needs 身份证号码, 姓名, {})",
                kind.name(),
                columns(kind).join(", ")
            )
        })?);
    }
    Ok(Columns { id, extra })
}

/// Parse a date: `2020-03-05`, `2020/3/5`, `2020.3.5`, `20200305`,
/// `2020年3月5日`, or a spreadsheet date.
pub fn parse_date(cell: &Cell) -> Option<Date> {
    if let Cell::Serial(f) = cell {
        // Excel's day 0 is 1899-12-30; 25569 is 1970-01-01.
        if *f >= 1.0 && *f < 2_958_466.0 && f.fract() == 0.0 {
            return Date::from_days_since_epoch(*f as i64 - 25_569);
        }
        let t = cell.text();
        return if t.len() == 8 { parse_date(&Cell::Text(t)) } else { None };
    }
    let t = cell.text();
    let t = t.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let (y, m, d) = match parts.as_slice() {
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => (&one[..4], &one[4..6], &one[6..]),
        [y, m, d] if y.len() == 4 => (*y, *m, *d),
        _ => return None,
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Date::new(y * 10_000 + m * 100 + d).ok()
}

fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Serial(f) => Some(*f),
        Cell::Text(t) => t
            .trim()
            .replace(',', "")
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0),
    }
}

/// Vehicle types that do not count (the policy's exceptions).
const NOT_COUNTED: [&str; 5] = ["摩托", "农用", "三轮", "残疾", "拖拉机"];

/// Read one row (`cells` non-empty). Errors name file, row and column.
pub fn row(file: &str, kind: ListKind, cols: &Columns, row: usize, cells: &[Cell]) -> Result<Row, String> {
    let get = |i: usize| cells.get(i).cloned().unwrap_or(Cell::Text(String::new()));
    let id_cell = get(cols.id);
    let id_text = match &id_cell {
        Cell::Text(t) => t.clone(),
        Cell::Serial(_) => {
            return Err(format!(
                "{file} row {row} column 身份证号码: a number, not text (18-digit IDs lose digits as numbers; format the column as text)"
            ))
        }
    };
    let id = ResidentId::parse(&id_text).map_err(|e| match e {
        ResidentIdError::CheckDigit { .. } => format!("{file} row {row} column 身份证号码: check digit is wrong"),
        ResidentIdError::Format => format!("{file} row {row} column 身份证号码: not an 18-digit resident ID"),
    })?;
    let col = |k: usize| columns(kind).get(k).copied().unwrap_or("");
    let extra = |k: usize| get(cols.extra.get(k).copied().unwrap_or(usize::MAX));
    let mut out = Row {
        id,
        key: String::new(),
        death: None,
        figure: 0.0,
    };
    match kind {
        ListKind::Deceased => {
            let c = extra(0);
            out.death = Some(parse_date(&c).ok_or_else(|| {
                format!(
                    "{file} row {row} column {}: not a date (2020-03-05, 2020/3/5, 20200305 or 2020年3月5日)",
                    col(0)
                )
            })?);
        }
        ListKind::PublicEmployee => {}
        ListKind::Vehicle => {
            out.key = extra(0).text();
            if out.key.is_empty() {
                return Err(format!("{file} row {row} column {}: empty", col(0)));
            }
            let t = extra(1).text();
            out.figure = if NOT_COUNTED.iter().any(|n| t.contains(n)) {
                0.0
            } else {
                1.0
            };
        }
        ListKind::Business | ListKind::Property => {
            out.key = extra(0).text();
            if out.key.is_empty() {
                return Err(format!("{file} row {row} column {}: empty", col(0)));
            }
            out.figure =
                number(&extra(1)).ok_or_else(|| format!("{file} row {row} column {}: not a number", col(1)))?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_forms() {
        let want = Date::new(20200305).ok();
        for t in ["2020-03-05", "2020/3/5", "2020.3.5", "20200305", "2020年3月5日"] {
            assert_eq!(parse_date(&Cell::Text(t.into())), want, "{t}");
        }
        assert_eq!(parse_date(&Cell::Serial(43895.0)), want);
        for bad in ["05/03/2020", "2020-13-01", "2020-02-30", "March 5", ""] {
            assert_eq!(parse_date(&Cell::Text(bad.into())), None, "{bad}");
        }
    }
}

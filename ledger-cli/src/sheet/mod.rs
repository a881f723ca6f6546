//! Reading a table file (an audit list, a posting batch) into rows of text cells: CSV in UTF-8 (with or
//! without a BOM) or GB18030/GBK (detected: a file that is not valid UTF-8
//! is decoded as GB18030, a superset of GBK, and refused if that fails too),
//! or the first sheet of an .xlsx workbook. Bounded: at most
//! [`MAX_LIST_BYTES`] bytes and [`MAX_LIST_ROWS`] rows.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;
use std::path::Path;

/// Largest list file read (200 MiB).
pub const MAX_LIST_BYTES: u64 = 200 * 1024 * 1024;
/// Most data rows in one list.
pub const MAX_LIST_ROWS: usize = 2_000_000;
/// Longest cell, in characters.
pub const MAX_CELL_CHARS: usize = 200;

/// A list file's cells.
pub struct Sheet {
    /// The header row.
    pub header: Vec<String>,
    /// Data rows; row `i` is the file's row `i + 2` (the header is row 1).
    pub rows: Vec<Vec<Cell>>,
    /// How it was decoded: `UTF-8`, `UTF-8 (BOM)`, `GB18030` or `xlsx`.
    pub encoding: &'static str,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (CSV cells are always text).
    Text(String),
    /// A spreadsheet date, as days since 1899-12-30 (Excel's serial).
    Serial(f64),
}

impl Cell {
    /// The cell as text (numbers without a needless `.0`).
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.trim().to_string(),
            Cell::Serial(f) => {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{}", *f as i64)
                } else {
                    f.to_string()
                }
            }
        }
    }
}

fn too_long(name: &str, row: usize, header: &[String], cells: &[Cell]) -> Result<(), String> {
    for (i, c) in cells.iter().enumerate() {
        if let Cell::Text(t) = c {
            if t.chars().count() > MAX_CELL_CHARS {
                let col = header.get(i).cloned().unwrap_or_else(|| format!("第{}列", i + 1));
                return Err(format!(
                    "{name} row {row} column {col}: cell longer than {MAX_CELL_CHARS} characters"
                ));
            }
        }
    }
    Ok(())
}

/// Read a list file. Errors are one line naming the file (and row).
pub fn read(path: &Path) -> Result<Sheet, String> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    if meta.len() > MAX_LIST_BYTES {
        return Err(format!(
            "{name}: {} bytes, more than the {MAX_LIST_BYTES}-byte limit for a list",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let is_xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx || bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(&name, bytes);
    }
    let (text, encoding) = decode(&name, &bytes)?;
    read_csv(&name, &text, encoding)
}

/// Decode CSV bytes: UTF-8 (BOM stripped) or GB18030.
pub fn decode(name: &str, bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|t| (t.to_string(), "UTF-8 (BOM)"))
            .map_err(|e| {
                format!(
                    "{name}: starts with a UTF-8 BOM but is not UTF-8 (byte {})",
                    e.valid_up_to() + 3
                )
            });
    }
    if let Ok(t) = std::str::from_utf8(bytes) {
        return Ok((t.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(format!(
            "{name}: neither UTF-8 nor GB18030/GBK text; save it as CSV (UTF-8) or .xlsx"
        ));
    }
    Ok((text.into_owned(), "GB18030"))
}

fn read_csv(name: &str, text: &str, encoding: &'static str) -> Result<Sheet, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|c| c.trim().to_string()).collect(),
        Some(Err(e)) => return Err(format!("{name} row 1: {e}")),
        None => return Err(format!("{name}: empty file (no header row)")),
    };
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("{name} row {row}: not CSV: {}", clip(&e.to_string())))?;
        if rows.len() >= MAX_LIST_ROWS {
            return Err(format!("{name}: more than {MAX_LIST_ROWS} rows"));
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            rows.push(Vec::new());
            continue;
        }
        if record.len() != header.len() {
            return Err(format!(
                "{name} row {row}: {} fields, the header has {}",
                record.len(),
                header.len()
            ));
        }
        let cells: Vec<Cell> = record.iter().map(|c| Cell::Text(c.to_string())).collect();
        too_long(name, row, &header, &cells)?;
        rows.push(cells);
    }
    Ok(Sheet { header, rows, encoding })
}

/// An error message without the data that caused it (the CSV crate quotes
/// nothing of a record, but keep messages short).
fn clip(text: &str) -> String {
    text.chars().take(120).collect()
}

fn read_xlsx(name: &str, bytes: Vec<u8>) -> Result<Sheet, String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("{name}: not an .xlsx workbook: {e}"))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| format!("{name}: the workbook has no sheet"))?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| format!("{name}: sheet {first}: {e}"))?;
    let mut it = range.rows();
    let header: Vec<String> = match it.next() {
        Some(r) => r.iter().map(|c| cell(c).text()).collect(),
        None => return Err(format!("{name}: sheet {first} is empty (no header row)")),
    };
    let mut rows = Vec::new();
    for (i, r) in it.enumerate() {
        if rows.len() >= MAX_LIST_ROWS {
            return Err(format!("{name}: more than {MAX_LIST_ROWS} rows"));
        }
        let mut cells: Vec<Cell> = r.iter().map(cell).collect();
        if cells.iter().all(|c| c.text().is_empty()) {
            rows.push(Vec::new());
            continue;
        }
        cells.resize(header.len().max(cells.len()), Cell::Text(String::new()));
        too_long(name, i + 2, &header, &cells)?;
        rows.push(cells);
    }
    Ok(Sheet {
        header,
        rows,
        encoding: "xlsx",
    })
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Serial(*f),
        Data::Int(i) => Cell::Serial(*i as f64),
        Data::DateTime(dt) => Cell::Serial(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::Error(_) | Data::Empty => Cell::Text(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_gbk() {
        let (t, e) = decode("a.csv", "\u{feff}身份证号码,姓名".as_bytes()).unwrap_or_default();
        assert_eq!((t.as_str(), e), ("身份证号码,姓名", "UTF-8 (BOM)"));
        let (gbk, _, _) = encoding_rs::GBK.encode("身份证号码,姓名");
        let (t, e) = decode("a.csv", &gbk).unwrap_or_default();
        assert_eq!((t.as_str(), e), ("身份证号码,姓名", "GB18030"));
        assert!(decode("a.csv", &[0xff, 0xff, 0x30]).is_err());
    }
}

//! Reading a table file (an audit list, a posting batch) into rows of text cells: CSV in UTF-8 (with or
//! without a BOM) or GB18030/GBK (detected: a file that is not valid UTF-8
//! is decoded as GB18030, a superset of GBK, and refused if that fails too),
//! or the first sheet of an .xlsx workbook. Bounded: at most
//! [`MAX_LIST_BYTES`] bytes and [`MAX_LIST_ROWS`] rows.

mod lines;
mod workbook;

pub use lines::Lines;

use crate::messages::sheet::SheetMsg;
use crate::messages::Message as _;
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
    /// The header's row number in the file (1 for CSV; a sheet may start lower).
    pub first_row: u64,
    /// The header's first column (0 = A).
    pub first_col: usize,
    /// `(data row index, column index)` of the cells a workbook stores as
    /// dates (a period typed as `2019年8月` is a date cell, not the text).
    pub date_cells: Vec<(usize, usize)>,
    /// CSV only: the line each data row starts on (what a text editor and
    /// Excel, which shows a blank line as a blank row, number it). Empty
    /// for a workbook, whose rows follow `first_row`.
    pub row_lines: Vec<u64>,
    /// Strict workbooks only: formula and merged cells, refused by the
    /// reader of the rows from the header down.
    pub suspects: Vec<Suspect>,
}

/// A workbook cell whose value would be a guess: a formula (its cached
/// result may be stale or missing) or a merged region (only its top-left
/// cell holds the value; the other rows would read as empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspect {
    /// First row (Excel's number).
    pub first_row: u64,
    /// Last row (the same for a formula).
    pub last_row: u64,
    /// Column (0 = A).
    pub col: usize,
    /// A formula (else a merged region).
    pub formula: bool,
}

impl Sheet {
    /// The file's own row number of data row `i` (header = row 1 unless
    /// the sheet starts lower): what an office sees in Excel/WPS.
    pub fn row_number(&self, i: usize) -> u64 {
        self.row_lines.get(i).copied().unwrap_or(self.first_row + 1 + i as u64)
    }
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

pub(crate) fn too_long(name: &str, row: usize, header: &[String], cells: &[Cell]) -> Result<(), String> {
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

/// `FILE：what` / `FILE: what`, in the run's language.
fn in_file(name: &str, what: String) -> String {
    use crate::messages::batch::RunMsg;
    RunMsg::InFile {
        file: name.to_string(),
        what,
    }
    .text()
}

/// Read a list file. Errors are one line naming the file (and row).
pub fn read(path: &Path) -> Result<Sheet, String> {
    read_with(path, false)
}

/// Read a file of payments to post: as [`read`], and also refusing a
/// workbook's formula or merged cell, and leaving a CSV row's field count
/// to the caller (a row error, not the whole file's).
pub fn read_strict(path: &Path) -> Result<Sheet, String> {
    read_with(path, true)
}

fn read_with(path: &Path, strict: bool) -> Result<Sheet, String> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    if meta.len() > MAX_LIST_BYTES {
        return Err(format!(
            "{name}: {} bytes, more than the {MAX_LIST_BYTES}-byte limit for a list",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let is_workbook = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xls"));
    // Zip (.xlsx) or OLE compound file (.xls) magic: a workbook renamed
    // `.csv` is still read as what it is.
    if is_workbook || bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return workbook::read_workbook(&name, bytes, strict);
    }
    let (text, encoding) = match decode(&name, &bytes) {
        Ok(decoded) => decoded,
        // Posting speaks the run's language and says how to save the file.
        Err(_) if strict => return Err(in_file(&name, SheetMsg::UnknownEncoding.text())),
        Err(e) => return Err(e),
    };
    read_csv(&name, &text, encoding, strict)
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

pub fn read_csv(name: &str, text: &str, encoding: &'static str, strict: bool) -> Result<Sheet, String> {
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
    let mut row_lines = Vec::new();
    let mut lines = Lines::new(text.as_bytes());
    for (i, record) in records.enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("{name} row {row}: not CSV: {}", clip(&e.to_string())))?;
        row_lines.push(record.position().map_or(row as u64, |p| lines.line_of(p.byte())));
        if rows.len() >= MAX_LIST_ROWS {
            return Err(format!("{name}: more than {MAX_LIST_ROWS} rows"));
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            rows.push(Vec::new());
            continue;
        }
        if !strict && record.len() != header.len() {
            return Err(format!(
                "{name} row {row}: {} fields, the header has {}",
                record.len(),
                header.len()
            ));
        }
        let cells: Vec<Cell> = record.iter().map(|c| Cell::Text(c.to_string())).collect();
        // Posting leaves a long value to the field's own limit (a named row
        // error), not a refusal of the whole file.
        if !strict {
            too_long(name, row, &header, &cells)?;
        }
        rows.push(cells);
    }
    Ok(Sheet {
        header,
        rows,
        encoding,
        first_row: 1,
        first_col: 0,
        date_cells: Vec::new(),
        row_lines,
        suspects: Vec::new(),
    })
}

/// An error message without the data that caused it (the CSV crate quotes
/// nothing of a record, but keep messages short).
fn clip(text: &str) -> String {
    text.chars().take(120).collect()
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

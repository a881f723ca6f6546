//! Workbooks (.xlsx, and the .xls older offices still save): the first
//! sheet's cells, and in strict mode (posting money) where the cells are
//! whose value would be a guess, for the rows' reader to refuse — a formula (its cached result may be
//! stale or missing) and a merged cell (only its top-left cell has a value;
//! the other rows would silently read as empty or, worse, be filled by a
//! well-meaning reader from the row above).

use super::{in_file, too_long, Cell, Sheet, Suspect, MAX_LIST_ROWS};
use crate::messages::sheet::SheetMsg;
use crate::messages::Message as _;
use calamine::{open_workbook_auto_from_rs, Data, Dimensions, Range, Reader, Sheets};
use std::io::Cursor;

/// A file-level error: in the run's language with what to do when posting
/// (strict), as the audit's list reader has always said it otherwise.
fn fail(name: &str, strict: bool, msg: SheetMsg, audit: String) -> String {
    if strict {
        in_file(name, msg.text())
    } else {
        format!("{name}: {audit}")
    }
}

/// Run calamine on outside bytes, a panic in it taken as "damaged file".
/// Why: calamine 0.31 panics on some damaged .xls files (a truncated
/// compound file: "slice index starts at 4096 but ends at 512", found by
/// `tests/post_sheets.rs` `an_xls_workbook_reads_as_its_csv_does`); bad
/// input must end in one line naming the file, never a panic. The default
/// hook is silenced meanwhile so no backtrace reaches the user (the CLI is
/// single-threaded while it reads the file).
fn guarded<T>(read: impl FnOnce() -> T) -> Option<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    std::panic::set_hook(hook);
    out.ok()
}

/// The reason given for a file calamine could not read without a panic.
const DAMAGED: &str = "the file is damaged or truncated";

/// Read the first sheet of a workbook.
pub(super) fn read_workbook(name: &str, bytes: Vec<u8>, strict: bool) -> Result<Sheet, String> {
    let unreadable = |why: &str| {
        fail(
            name,
            strict,
            SheetMsg::Unreadable { why: why.to_string() },
            format!("not an .xlsx workbook: {why}"),
        )
    };
    guarded(|| read_first_sheet(name, bytes, strict)).unwrap_or_else(|| Err(unreadable(DAMAGED)))
}

fn read_first_sheet(name: &str, bytes: Vec<u8>, strict: bool) -> Result<Sheet, String> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        let why = e.to_string().chars().take(120).collect::<String>();
        fail(
            name,
            strict,
            SheetMsg::Unreadable { why: why.clone() },
            format!("not an .xlsx workbook: {why}"),
        )
    })?;
    let encoding = if matches!(book, Sheets::Xls(_)) { "xls" } else { "xlsx" };
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| fail(name, strict, SheetMsg::NoHeader, "the workbook has no sheet".into()))?;
    let range = book.worksheet_range(&first).map_err(|e| {
        let why = e.to_string().chars().take(120).collect::<String>();
        fail(
            name,
            strict,
            SheetMsg::Unreadable { why: why.clone() },
            format!("sheet {first}: {why}"),
        )
    })?;
    // Absolute position of the range's top-left cell: a sheet whose table
    // starts lower or further right must still name Excel's own rows and
    // columns in every message.
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut it = range.rows();
    let header: Vec<String> = match it.next() {
        Some(r) => r.iter().map(|c| cell(c).text()).collect(),
        None => {
            return Err(fail(
                name,
                strict,
                SheetMsg::NoHeader,
                format!("sheet {first} is empty (no header row)"),
            ))
        }
    };
    // Posting money: a formula or a merged cell is recorded here and
    // refused by the reader of the rows once it knows which row is the
    // header (a merged title above it is harmless).
    let mut suspects = Vec::new();
    if strict {
        let merged: Vec<Dimensions> = match &mut book {
            Sheets::Xlsx(x) => x.worksheet_merge_cells(&first).and_then(Result::ok).unwrap_or_default(),
            Sheets::Xls(x) => x.worksheet_merge_cells(&first).unwrap_or_default(),
            _ => Vec::new(),
        };
        suspects.extend(merged.iter().map(|m| Suspect {
            first_row: u64::from(m.start.0) + 1,
            last_row: u64::from(m.end.0) + 1,
            col: m.start.1 as usize,
            formula: false,
        }));
        let formulas: Range<String> = book.worksheet_formula(&first).unwrap_or_default();
        let (fr, fc) = formulas.start().unwrap_or((0, 0));
        suspects.extend(
            formulas
                .used_cells()
                .filter(|(_, _, f)| !f.trim().is_empty())
                .map(|(r, c, _)| Suspect {
                    first_row: u64::from(fr) + r as u64 + 1,
                    last_row: u64::from(fr) + r as u64 + 1,
                    col: fc as usize + c,
                    formula: true,
                }),
        );
    }
    let mut rows = Vec::new();
    let mut dates = Vec::new();
    for (i, r) in it.enumerate() {
        if rows.len() >= MAX_LIST_ROWS {
            return Err(format!("{name}: more than {MAX_LIST_ROWS} rows"));
        }
        let mut cells: Vec<Cell> = r.iter().map(cell).collect();
        if cells.iter().all(|c| c.text().is_empty()) {
            rows.push(Vec::new());
            continue;
        }
        for (j, d) in r.iter().enumerate() {
            if matches!(d, Data::DateTime(_)) {
                dates.push((i, j));
            }
        }
        cells.resize(header.len().max(cells.len()), Cell::Text(String::new()));
        if !strict {
            too_long(name, i + 2, &header, &cells)?;
        }
        rows.push(cells);
    }
    Ok(Sheet {
        header,
        rows,
        encoding,
        first_row: u64::from(row0) + 1,
        first_col: col0 as usize,
        date_cells: dates,
        row_lines: Vec::new(),
        suspects,
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

//! `ledger audit --roster FILE`: the cadres' office roster for the 优亲厚友
//! lead — columns 区划代码 (the village or town the cadre serves) and 姓名;
//! only the surname (first character) is kept, and nothing of the file is
//! written out. CSV (UTF-8/GBK) or .xlsx, read as the lists are.

use super::read;
use ledger_core::region::RegionCode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The roster: surnames per region code.
pub fn load(path: &Path) -> Result<BTreeMap<RegionCode, BTreeSet<char>>, String> {
    let name = path.display().to_string();
    let sheet = read::read(path)?;
    let col = |c: &str| {
        sheet
            .header
            .iter()
            .position(|h| h.trim() == c)
            .ok_or_else(|| format!("{name}: missing column {c} (a roster needs 区划代码, 姓名)"))
    };
    let (code_col, name_col) = (col("区划代码")?, col("姓名")?);
    let mut out: BTreeMap<RegionCode, BTreeSet<char>> = BTreeMap::new();
    for (i, cells) in sheet.rows.iter().enumerate() {
        if cells.is_empty() {
            continue;
        }
        let row = i + 2;
        let code_text = cells.get(code_col).map(read::Cell::text).unwrap_or_default();
        let code = RegionCode::parse(&code_text)
            .map_err(|_| format!("{name} row {row} column 区划代码: not a 12-digit region code"))?;
        let surname = cells
            .get(name_col)
            .map(read::Cell::text)
            .and_then(|n| n.chars().next())
            .ok_or_else(|| format!("{name} row {row} column 姓名: empty"))?;
        out.entry(code).or_default().insert(surname);
    }
    Ok(out)
}

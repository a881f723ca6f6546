//! Reading a CSV file's header and lines: the column names accepted per
//! field, and the line each record starts on. Shared with the controls
//! import (`controls_cmd`), which reads CSV the same way.

use std::collections::HashMap;

/// Column names accepted per field (also the header names the fuzz target
/// `fuzz_csv_rows` writes).
pub(crate) fn aliases(field: &str) -> &'static [&'static str] {
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
        "date" => &["date", "business_date", "日期", "拨付日期", "发放日期", "支付日期"],
        "notice" => &["notice", "notice_id", "公示编号", "公示"],
        "line" => &["line", "notice_line", "公示行号", "行号"],
        "household" => &["household", "household_ref", "户编号", "家庭编号"],
        "masked_name" => &["masked_name", "姓名", "户主姓名", "户主", "name"],
        "project_id" => &["project", "project_id", "项目编号"],
        _ => &[],
    }
}

pub(crate) struct Columns(HashMap<&'static str, usize>);

impl Columns {
    pub(crate) fn find(
        headers: &csv::StringRecord,
        required: &[&'static str],
        optional: &[&'static str],
    ) -> Result<Columns, String> {
        let names: Vec<String> = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut map = HashMap::new();
        for field in required.iter().chain(optional.iter()) {
            let matching: Vec<usize> = (0..names.len())
                .filter(|i| aliases(field).iter().any(|a| a.to_lowercase() == names[*i]))
                .collect();
            // Two columns for one field (金额 and 补贴金额, 姓名 and 户主姓名):
            // taking either would be a guess that posts the wrong amount or
            // name without a word (found by the fuzz target `fuzz_csv_rows`).
            if matching.len() > 1 {
                let found: Vec<&str> = matching.iter().filter_map(|i| headers.get(*i)).map(str::trim).collect();
                return Err(format!(
                    "the header has {} columns for {field:?} ({}): keep one",
                    matching.len(),
                    found.join(", ")
                ));
            }
            if let Some(i) = matching.first().copied() {
                map.insert(*field, i);
            } else if required.contains(field) {
                return Err(format!(
                    "the header has no {field:?} column (accepted names: {})",
                    aliases(field).join(", ")
                ));
            }
        }
        Ok(Columns(map))
    }
    pub(crate) fn get<'r>(&self, record: &'r csv::StringRecord, field: &str) -> Option<&'r str> {
        self.0
            .get(field)
            .and_then(|i| record.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
    pub(crate) fn need<'r>(&self, record: &'r csv::StringRecord, field: &str) -> Result<&'r str, String> {
        self.get(record, field).ok_or_else(|| format!("{field} is empty"))
    }
}

/// Line numbers of records, from their byte offsets.
///
/// The csv crate ends a record at the `\r` of a `\r\n` and counts the `\n`
/// in the next record's position, so with Windows line ends (what Excel's
/// "CSV UTF-8" writes) `Position::line` named the line above each row (fuzz
/// target `fuzz_csv_rows`). Here a line ends at `\n`, `\r\n` or a lone `\r`,
/// and a record's line is that of its first character.
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    /// Bytes before this offset are counted…
    at: usize,
    /// …into this line number.
    line: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines { bytes, at: 0, line: 1 }
    }

    /// The line of the record that starts at `byte` (records come in order).
    pub(crate) fn line_of(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.at {
            (self.at, self.line) = (0, 1);
        }
        for i in self.at..start {
            let breaks = match self.bytes[i] {
                b'\n' => true,
                b'\r' => self.bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            self.line += u64::from(breaks);
        }
        self.at = start;
        self.line
    }
}

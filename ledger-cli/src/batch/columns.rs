//! A table's header: the column names accepted per field. Shared with the
//! controls import (`controls_cmd`), which reads CSV the same way. (The
//! line each CSV record starts on is [`crate::sheet::Lines`].)

use crate::messages::batch::RowMsg;
use crate::messages::Message as _;
use std::collections::HashMap;

/// Column names accepted per field (also the header names the fuzz target
/// `fuzz_csv_rows` writes).
pub(crate) fn aliases(field: &str) -> &'static [&'static str] {
    match field {
        "resident_id" => &[
            "resident_id",
            "id_number",
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "户主身份证号码",
            "户主身份证号",
        ],
        "name" => &["name", "姓名", "户主姓名", "户主"],
        "village" => &[
            "village",
            "village_code",
            "村代码",
            "村",
            "村名",
            "村/社区",
            "村(社区)",
            "村（社区）",
            "村居",
            "所在村",
            "行政区划代码",
            "区划代码",
        ],
        "category" => &[
            "category",
            "类别",
            "补贴类别",
            "补贴项目",
            "补助类别",
            "补助类型",
            "救助类别",
        ],
        "amount" => &[
            "amount",
            "amount_yuan",
            "金额",
            "金额（元）",
            "金额(元)",
            "补贴金额",
            "补助金额",
            "补助金额(元)",
            "发放金额",
            "发放金额(元)",
        ],
        "period" => &[
            "period",
            "期间",
            "发放期间",
            "所属期",
            "所属期间",
            "所属月份",
            "发放月份",
        ],
        "fund" => &["fund", "fund_id", "资金编号", "资金"],
        "from" => &["from", "account", "付款账户", "拨付账户"],
        "project" => &["project", "project_id", "项目编号"],
        "payee_id" => &["payee_id", "收款方代码", "统一社会信用代码"],
        "payee_name" => &["payee_name", "payee", "收款方", "收款单位"],
        "contract" => &["contract", "contract_ref", "合同编号", "合同"],
        "milestone" => &["milestone", "支付节点", "节点"],
        "date" => &["date", "business_date", "日期", "拨付日期", "发放日期", "支付日期"],
        "notice" => &["notice", "notice_id", "公示编号", "公示"],
        "line" => &["line", "notice_line", "公示行号", "行号", "公示行"],
        // A supplementary payment (补发 / 差额补足, issue 14): its reason,
        // the entry it adds to, the citizen's explanation. Not 备注: an
        // office's remarks column says anything.
        "supplementary" => &["supplementary", "supplementary_reason", "补发原因", "补发类型"],
        "of_seq" => &["of_seq", "原发放序号", "原发放条目", "原条目序号"],
        "note" => &["note", "说明", "补发说明"],
        "household" => &["household", "household_ref", "户编号", "家庭编号"],
        "masked_name" => &["masked_name", "姓名", "户主姓名", "户主", "name"],
        "project_id" => &["project", "project_id", "项目编号"],
        _ => &[],
    }
}

pub(crate) struct Columns(HashMap<&'static str, usize>);

/// A header name as compared: trimmed, without a BOM or spaces, lower
/// case, full-width brackets as ASCII (`金额（元）` is `金额(元)`).
fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '／' => '/',
            other => other,
        })
        .collect::<String>()
        .to_lowercase()
}

impl Columns {
    /// Find the columns (messages in English: the controls import's).
    pub(crate) fn find(
        headers: &csv::StringRecord,
        required: &[&'static str],
        optional: &[&'static str],
    ) -> Result<Columns, String> {
        let names: Vec<&str> = headers.iter().collect();
        Columns::locate(&names, required, optional).map_err(|m| m.en())
    }

    /// Find the columns of a table's header.
    pub(crate) fn locate(
        headers: &[&str],
        required: &[&'static str],
        optional: &[&'static str],
    ) -> Result<Columns, RowMsg> {
        let names: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let mut map = HashMap::new();
        for field in required.iter().chain(optional.iter()) {
            let matching: Vec<usize> = (0..names.len())
                .filter(|i| aliases(field).iter().any(|a| normalise(a) == names[*i]))
                .collect();
            // Two columns for one field (金额 and 补贴金额, 姓名 and 户主姓名):
            // taking either would be a guess that posts the wrong amount or
            // name without a word (found by the fuzz target `fuzz_csv_rows`).
            if matching.len() > 1 {
                let found: Vec<&str> = matching
                    .iter()
                    .filter_map(|i| headers.get(*i))
                    .map(|h| h.trim())
                    .collect();
                return Err(RowMsg::TwoColumns {
                    field,
                    count: matching.len(),
                    found: found.join(", "),
                });
            }
            if let Some(i) = matching.first().copied() {
                map.insert(*field, i);
            } else if required.contains(field) {
                return Err(RowMsg::MissingColumn {
                    field,
                    accepted: aliases(field).join(", "),
                });
            }
        }
        Ok(Columns(map))
    }

    /// The column index of a field.
    pub(crate) fn index(&self, field: &str) -> Option<usize> {
        self.0.get(field).copied()
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

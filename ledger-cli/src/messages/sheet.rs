//! Reading a table file: what is wrong with the file itself (its encoding,
//! its workbook structure, a formula or merged cell), each naming the row
//! and column an office sees in Excel/WPS (header = row 1, columns A, B, …).

use super::Message;

/// A spreadsheet position: `row` as numbered in the file, `column` as
/// `C（金额(元)）` — the letter and the header's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    /// Row number (header = 1).
    pub row: u64,
    /// Column letter.
    pub letter: String,
    /// The column's header text (may be empty).
    pub header: String,
}

impl At {
    /// `第 8 行 E 列（金额(元)）`.
    pub fn zh(&self) -> String {
        if self.header.is_empty() {
            format!("第 {} 行 {} 列", self.row, self.letter)
        } else {
            format!("第 {} 行 {} 列（{}）", self.row, self.letter, self.header)
        }
    }
    /// `row 8, column E (金额(元))`.
    pub fn en(&self) -> String {
        if self.header.is_empty() {
            format!("row {}, column {}", self.row, self.letter)
        } else {
            format!("row {}, column {} ({})", self.row, self.letter, self.header)
        }
    }
}

/// A problem of the file, not of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetMsg {
    /// Neither UTF-8 nor GB18030/GBK.
    UnknownEncoding,
    /// Not a workbook calamine can read.
    Unreadable {
        /// calamine's reason.
        why: String,
    },
    /// No sheet, or the first sheet is empty.
    NoHeader,
    /// A cell holds a formula.
    Formula(At),
    /// A merged cell in the data.
    Merged(At),
}

impl Message for SheetMsg {
    fn zh(&self) -> String {
        match self {
            SheetMsg::UnknownEncoding => {
                "既不是 UTF-8 也不是 GBK/GB18030 编码的文本：请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx".into()
            }
            SheetMsg::Unreadable { why } => {
                format!("无法读取这个表格文件（{why}）：请用 Excel/WPS 打开后另存为 .xlsx 或 CSV")
            }
            SheetMsg::NoHeader => "表格为空：第 1 行应是表头（户主姓名、身份证号码、……）".into(),
            SheetMsg::Formula(at) => format!("{}是公式，不是数值：请复制该列后“选择性粘贴 → 数值”再保存", at.zh()),
            SheetMsg::Merged(at) => format!("{}是合并单元格：请取消合并，每一行都填上完整的值", at.zh()),
        }
    }
    fn en(&self) -> String {
        match self {
            SheetMsg::UnknownEncoding => {
                "neither UTF-8 nor GBK/GB18030 text: save it from Excel/WPS as \"CSV UTF-8\" or .xlsx".into()
            }
            SheetMsg::Unreadable { why } => {
                format!("cannot read this spreadsheet ({why}): open it in Excel/WPS and save it as .xlsx or CSV")
            }
            SheetMsg::NoHeader => "the sheet is empty: row 1 must be the header (name, resident ID, …)".into(),
            SheetMsg::Formula(at) => format!(
                "{} is a formula, not a value: copy the column and paste it back as values, then save",
                at.en()
            ),
            SheetMsg::Merged(at) => format!("{} is a merged cell: unmerge it and fill in every row's value", at.en()),
        }
    }
}

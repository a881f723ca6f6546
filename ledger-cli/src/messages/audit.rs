//! `ledger audit`: the flags, standards file and pseudonym key it refuses,
//! the rows it skipped and the `--fail-on` verdict. Severity names
//! (`low`, `medium`, `high`) stay ASCII: scripts pass them back.

use super::Message;

/// A message of `ledger audit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditMsg {
    /// A standards-file amount that is neither a string nor a number.
    AmountInYuan { what: String },
    /// A standards file naming a category the ledger does not have.
    UnknownCategory { file: String, name: String },
    /// `--compare` without `--pseudonym-key`.
    CompareNeedsKey,
    /// `--fail-on` not a severity.
    FailOn { value: String },
    /// `--format html` without `--out`.
    HtmlNeedsOut,
    /// `--skip-bad`: rows left out of a list.
    SkippedRows { file: String, skipped: usize, rows: usize },
    /// The pseudonym key is not the log's.
    WrongPseudonymKey,
    /// `--fail-on`: findings at or above the threshold.
    FindingsAtOrAbove { count: usize, severity: String },
    /// The report cannot be encoded.
    EncodingReport,
    /// The report cannot be written.
    Writing { file: String },
}

impl Message for AuditMsg {
    fn zh(&self) -> String {
        match self {
            AuditMsg::AmountInYuan { what } => format!("{what}：应为以元为单位的金额"),
            AuditMsg::UnknownCategory { file, name } => format!("{file}：未知的补贴类别 {name:?}"),
            AuditMsg::CompareNeedsKey => {
                "--compare 需要 --pseudonym-key FILE（名单中的身份证号要像发放时一样做假名化）".to_string()
            }
            AuditMsg::FailOn { value } => format!("--fail-on {value:?}：应为 low、medium 或 high"),
            AuditMsg::HtmlNeedsOut => "--format html 需要 --out FILE".to_string(),
            AuditMsg::SkippedRows { file, skipped, rows } => {
                format!("提示：{file}：{rows} 行中跳过了 {skipped} 行有误的（--skip-bad）")
            }
            AuditMsg::WrongPseudonymKey => {
                "假名密钥文件不是这个账本的（其承诺值与创世记录中的不同）：名单中的身份证号将匹配不到任何人".to_string()
            }
            AuditMsg::FindingsAtOrAbove { count, severity } => {
                format!("有 {count} 项严重程度为 {severity} 或更高的发现")
            }
            AuditMsg::EncodingReport => "无法编码审计报告".to_string(),
            AuditMsg::Writing { file } => format!("无法写入 {file}"),
        }
    }
    fn en(&self) -> String {
        match self {
            AuditMsg::AmountInYuan { what } => format!("{what}: an amount in yuan"),
            AuditMsg::UnknownCategory { file, name } => format!("{file}: unknown category {name:?}"),
            AuditMsg::CompareNeedsKey => {
                "--compare needs --pseudonym-key FILE (the lists' IDs are hashed as posting hashes them)".to_string()
            }
            AuditMsg::FailOn { value } => format!("--fail-on {value:?}: low, medium or high"),
            AuditMsg::HtmlNeedsOut => "--format html needs --out FILE".to_string(),
            AuditMsg::SkippedRows { file, skipped, rows } => {
                format!("note: {file}: skipped {skipped} bad row(s) of {rows} (--skip-bad)")
            }
            AuditMsg::WrongPseudonymKey => "the pseudonym key file is not this log's key (its commitment differs from the one in genesis): the lists' IDs would match nothing".to_string(),
            AuditMsg::FindingsAtOrAbove { count, severity } => {
                format!("{count} finding(s) of severity {severity} or higher")
            }
            AuditMsg::EncodingReport => "encoding the report".to_string(),
            AuditMsg::Writing { file } => format!("writing {file}"),
        }
    }
}

//! Batches from an office's table: a month's household subsidies, or
//! project payments, from CSV (UTF-8 with or without BOM, or GBK/GB18030,
//! detected) or a workbook (.xlsx, .xls), with Chinese or English headers.
//!
//! All or nothing, as far as the node can tell beforehand: every row is
//! checked first (a bad row stops the batch, named by the file's own row
//! and column); then the pre-flight (`preflight.rs`) asks the node whether
//! each paying account holds enough of each fund for the WHOLE batch and
//! whether a household is already paid for that category and period;
//! any problem and nothing is sent.
//!
//! The batch's identity is its content, not its file name: a renamed,
//! reordered, re-encoded or merged copy holds the same payments and posts
//! none of them twice. Safe to rerun after an interruption, by
//! construction:
//!
//! - Each row's nonce is derived, not drawn: `blake3` keyed with a key
//!   derived from the first signing key and the log, over the row's
//!   canonical entry body without its business date (`resume::row_nonce`).
//!   The same row always gets the same nonce, whatever file, line or day it
//!   is posted from; the node keeps every nonce of the log and refuses a
//!   second use (`replayed_nonce`). (`--batch-id ID`, and receipts files
//!   written before content ids, scope the nonces to that id instead.)
//! - Before posting, a row whose payment is already in the log with the
//!   same fund, village and amount is not sent: reported as posted before
//!   ("此文件的内容已于 … 记账" when that is every row).
//! - The not-after time is chosen once per batch and written as the first
//!   line of the receipts file (`<file>.receipts.jsonl` by default) before
//!   anything is posted. A rerun reuses it, so it rebuilds byte-identical
//!   submissions, and the node answers a submission it already holds with
//!   its original receipt instead of posting it twice.
//! - Rows whose receipt is already in the receipts file are not sent again.
//! - A row whose nonce the node has already seen under another validity
//!   window (`replayed_nonce`) is reported as already posted.
//!
//! The window is at most the node's 7 days (default 6, leaving a day for
//! clock skew). After it has passed, rows not yet posted need a new window
//! (`--new-window`); rows already posted are still skipped. See
//! docs/CLI.md.

mod columns;
mod group;
mod preflight;
mod resume;
mod rows;
mod run;
mod signer;
mod values;
mod villages;

pub(crate) use crate::sheet::Lines;
#[cfg(test)]
pub(crate) use columns::aliases;
pub(crate) use columns::Columns;
#[cfg(test)]
pub use rows::parse_rows;
pub use rows::{parse_sheet, Context};
pub use run::run;
#[cfg(test)]
pub use villages::VillageNames;

use crate::time;
use clap::{Args, ValueEnum};
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Most rows in one CSV file.
pub const MAX_ROWS: usize = 100_000;
/// Largest CSV file.
pub const MAX_CSV_BYTES: u64 = 64 * 1024 * 1024;
/// Default validity window of a batch.
pub const DEFAULT_WINDOW_MS: u64 = 6 * time::DAY_MS;
/// Most row errors printed.
const MAX_ERRORS_SHOWN: usize = 20;

/// What the CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvType {
    /// 到户补贴：户主姓名 身份证号码 村/社区 补助类别 所属期间 金额(元) [发放日期 公示编号 公示行号 资金编号 付款账户].
    Subsidies,
    /// 项目支出：项目编号 收款方代码 收款方 金额 合同编号 支付节点 [日期 资金编号 付款账户].
    Disbursements,
}

/// `ledger post csv`.
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    /// 表格文件：CSV（UTF-8 或 GBK）或 Excel 工作簿（.xlsx/.xls），第 1 行为表头（中文或英文列名）
    /// (the table: CSV in UTF-8 or GBK, or a workbook; header in row 1).
    pub file: PathBuf,
    /// 表格内容：subsidies（到户补贴，默认）或 disbursements（项目支出） (what the rows are).
    #[arg(long = "type", value_enum, default_value = "subsidies")]
    pub kind: CsvType,
    /// 资金编号，用于没有“资金编号”列的行 (fund id for rows without a fund column).
    #[arg(long)]
    pub fund: Option<String>,
    /// 付款账户，用于没有“付款账户”列的行：town（该村所属镇财政所，补贴的默认）、village 或 treasury:代码 / project:编号
    /// (paying account for rows without a from column).
    #[arg(long)]
    pub from: Option<String>,
    /// 假名密钥文件（到户补贴必需；与账本创世条目核对）(the pseudonym key file; subsidies).
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
    /// 发放日期，用于没有“发放日期”列的行，YYYY-MM-DD；默认沿用本批上次的日期（记在回执文件里），否则为今天（北京时间）
    /// (business date for rows without a date column; default the batch's earlier date, else today in China).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// 批次号：默认由文件内容决定（改名、另存的副本不会重复记账）
    /// (batch id; default: the rows' content, so a renamed copy posts nothing).
    #[arg(long)]
    pub batch_id: Option<String>,
    /// 与 --split 一起用：每个原子组的笔数（1-10000）
    /// (with --split: submissions per atomic group, 1-10000).
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// 本批超过节点一组的上限（10000 笔）时，允许分成多个原子组提交（每组全记或全不记）
    /// (allow a batch over the node's group limit to be posted as several atomic groups).
    #[arg(long)]
    pub split: bool,
    /// 只记正确的行、跳过有错的行（默认：有任何错误行则一笔不记）(post the valid rows, skip the invalid ones).
    #[arg(long)]
    pub skip_bad: bool,
    /// 预检：检查每一行、各账户各资金余额是否够整批、是否已发放过，不记账
    /// (pre-flight: check every row, the balances for the whole batch and earlier payments; post nothing).
    #[arg(long)]
    pub dry_run: bool,
    /// 本批的有效期已过：为尚未记账的行开新的有效期 (start a new validity window for the rows not yet posted).
    #[arg(long)]
    pub new_window: bool,
}

/// The first line of a receipts file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchHeader {
    /// Batch id.
    pub id: String,
    /// The log.
    pub origin: String,
    /// Not-after of every submission of the batch.
    pub not_after_ms: u64,
    /// When the window was opened.
    pub opened_ms: u64,
    /// The business date of rows without a date column (absent in receipts
    /// files written before business dates existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
}

#[derive(Debug, Serialize, Deserialize)]
struct HeaderLine {
    batch: BatchHeader,
}

/// One valid row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The file's own row number (header = row 1).
    pub line: u64,
    /// The entry.
    pub body: EntryBody,
}

/// A row that cannot be posted.
#[derive(Debug, Clone)]
pub struct RowError {
    /// The file's own row number (the message names it too; tests and the
    /// fuzz target check it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub line: u64,
    /// Why.
    pub message: String,
}

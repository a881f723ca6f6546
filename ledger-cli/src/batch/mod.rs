//! CSV batches: a month's household subsidies, or project payments.
//!
//! Safe to rerun after an interruption, by construction:
//!
//! - Each row's nonce is derived, not drawn: `blake3` keyed with a key
//!   derived from the first signing key, over the batch id and the row's
//!   canonical entry body. The same row in the same batch always gets the
//!   same nonce, whatever line it is on or whatever else changed in the file.
//! - The not-after time is chosen once per batch and written as the first
//!   line of the receipts file (`<csv>.receipts.jsonl` by default) before
//!   anything is posted. A rerun reuses it, so it rebuilds byte-identical
//!   submissions, and the node answers a submission it already holds with
//!   its original receipt instead of posting it twice.
//! - Rows whose receipt is already in the receipts file are not sent again.
//! - A row whose nonce the node has already seen under another validity
//!   window (`replayed_nonce`) is reported as already posted.
//!
//! The window is at most the node's 7 days (default 6, leaving a day for
//! clock skew). After it has passed, rows not yet posted need a new window
//! (`--new-window`); rows already posted are still skipped through the
//! receipts file. See docs/CLI.md.

mod columns;
mod resume;
mod rows;
mod run;

#[cfg(test)]
pub(crate) use columns::aliases;
pub(crate) use columns::{Columns, Lines};
pub use rows::{parse_rows, Context};
pub use run::run;

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
    /// 到户补贴: resident_id, name, village, category, amount, period [, date, notice, line, fund, from].
    Subsidies,
    /// 项目支出: project, payee_id, payee_name, amount, contract, milestone [, date, fund, from].
    Disbursements,
}

/// `ledger post csv`.
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    /// The CSV file (UTF-8, header row; Chinese or English column names).
    pub file: PathBuf,
    /// What the rows are.
    #[arg(long = "type", value_enum, default_value = "subsidies")]
    pub kind: CsvType,
    /// Fund id for rows without a `fund` column.
    #[arg(long)]
    pub fund: Option<String>,
    /// Paying account for rows without a `from` column: an account
    /// (treasury:CODE, project:ID), `town` (the village's town treasury,
    /// the default for subsidies) or `village`.
    #[arg(long)]
    pub from: Option<String>,
    /// The pseudonym key file (subsidies; checked against the log's genesis).
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
    /// 发放日期: business date for rows without a `date` column, YYYY-MM-DD.
    /// Default: the date this batch used before (kept in its receipts file),
    /// else today in China; recorded, so a rerun on a later day builds the
    /// same entries and posts nothing twice.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Batch id, part of every row's nonce (default: the file name).
    #[arg(long)]
    pub batch_id: Option<String>,
    /// Submissions per request (1-10000).
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Post the valid rows and skip the invalid ones (default: post nothing if any row is invalid).
    #[arg(long)]
    pub skip_bad: bool,
    /// Check every row and print the totals; post nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The batch's validity window has passed: start a new one for the rows not yet posted.
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
    /// Line in the file.
    pub line: u64,
    /// The entry.
    pub body: EntryBody,
}

/// A row that cannot be posted.
#[derive(Debug, Clone)]
pub struct RowError {
    /// Line in the file.
    pub line: u64,
    /// Why.
    pub message: String,
}

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

use crate::exit::{input, network, usage, Tag as _};
use crate::http::Node;
use crate::keys::{self, read_signing_keys};
use crate::post::{check_pseudonym, parse};
use crate::submit::{self, check_receipt, post_batch, ItemAnswer, ReceiptLine, SignArgs, Target};
use crate::time;
use anyhow::Result;
use clap::{Args, ValueEnum};
use ed25519_dalek::SigningKey;
use ledger_core::encoding::{self, Bytes};
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, NoticeLineRef, Payee, ProjectDisbursement};
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::Date;
use ledger_core::region::{RegionCode, RegionDef};
use ledger_core::submission::SignedSubmission;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

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

/// Column names accepted per field.
fn aliases(field: &str) -> &'static [&'static str] {
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

/// What the CSV rows are checked against.
pub struct Context<'a> {
    /// Registered villages (empty: not checked).
    pub regions: &'a HashSet<RegionCode>,
    /// The pseudonym key (subsidies).
    pub pseudonym: Option<&'a PseudonymKey>,
    /// Default fund.
    pub fund: Option<&'a str>,
    /// Default paying account.
    pub from: Option<&'a str>,
    /// Default business date (rows without a `date` column).
    pub date: Option<Date>,
}

/// Parse and check every row. Never fails on a row: bad rows are returned.
pub fn parse_rows(bytes: &[u8], kind: CsvType, ctx: &Context<'_>) -> Result<(Vec<Row>, Vec<RowError>)> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| input(format!("the header row: {e}")))?
        .clone();
    let columns = match kind {
        CsvType::Subsidies => Columns::find(
            &headers,
            &["resident_id", "name", "village", "category", "amount", "period"],
            &["date", "notice", "line", "fund", "from"],
        ),
        CsvType::Disbursements => Columns::find(
            &headers,
            &["project", "payee_id", "payee_name", "amount", "contract", "milestone"],
            &["date", "fund", "from"],
        ),
    }
    .map_err(input)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut lines = Lines::new(bytes);
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| lines.line_of(p.byte())).unwrap_or(line);
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as \"CSV UTF-8\")".to_string(),
                    _ => e.to_string(),
                };
                errors.push(RowError { line, message });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| lines.line_of(p.byte())).unwrap_or(line);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err(input(format!("more than {MAX_ROWS} rows; split the file")));
        }
        let parsed = match kind {
            CsvType::Subsidies => subsidy_row(&columns, &record, ctx),
            CsvType::Disbursements => disbursement_row(&columns, &record, ctx),
        };
        match parsed {
            Err(message) => errors.push(RowError { line, message }),
            Ok(body) => {
                let dedup_key = match &body {
                    // The same household, category and period twice is a duplicate payment.
                    EntryBody::HouseholdSubsidy(s) => encoding::encode(&(s.household, s.category, s.period)),
                    other => encoding::encode(other),
                };
                if let Some(first) = seen.get(&dedup_key) {
                    errors.push(RowError {
                        line,
                        message: format!("same household, category and period as line {first} (a duplicate payment)"),
                    });
                    continue;
                }
                seen.insert(dedup_key, line);
                rows.push(Row { line, body });
            }
        }
    }
    Ok((rows, errors))
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

fn check_village(code: RegionCode, ctx: &Context<'_>) -> Result<(), String> {
    if !ctx.regions.is_empty() && !ctx.regions.contains(&code) {
        return Err(format!("village {code} is not registered in this log"));
    }
    Ok(())
}

/// A row's business date: its `date` column, else `--date`.
fn row_date(c: &Columns, r: &csv::StringRecord, ctx: &Context<'_>) -> Result<Date, String> {
    match c.get(r, "date") {
        Some(d) => parse::date(d, "date"),
        None => ctx
            .date
            .ok_or_else(|| "no date (give a date/发放日期 column or --date)".to_string()),
    }
}

/// A row's payment-list line: `notice` and `line` columns, both or neither.
fn row_notice(c: &Columns, r: &csv::StringRecord) -> Result<Option<NoticeLineRef>, String> {
    match (c.get(r, "notice"), c.get(r, "line")) {
        (None, None) => Ok(None),
        (Some(n), Some(l)) => Ok(Some(NoticeLineRef {
            notice: parse::ident(n, "notice")?,
            line: l
                .parse()
                .map_err(|_| format!("line: {l:?} is not a line number (0, 1, 2, …)"))?,
        })),
        (Some(_), None) => Err("notice given without its line".into()),
        (None, Some(_)) => Err("line given without its notice".into()),
    }
}

fn subsidy_row(c: &Columns, r: &csv::StringRecord, ctx: &Context<'_>) -> Result<EntryBody, String> {
    let id = ResidentId::parse(c.need(r, "resident_id")?).map_err(|e| format!("resident ID: {e}"))?;
    let masked_name = MaskedName::mask(c.need(r, "name")?).map_err(|e| format!("name: {e}"))?;
    let village = parse::village(c.need(r, "village")?)?;
    check_village(village, ctx)?;
    let category = parse::subsidy_category(c.need(r, "category")?)?;
    let amount = parse::yuan(c.need(r, "amount")?, "amount")?;
    let period = parse::period(c.need(r, "period")?)?;
    let fund = c
        .get(r, "fund")
        .or(ctx.fund)
        .ok_or("no fund (give a fund column or --fund)")?;
    let from = parse::subsidy_from(c.get(r, "from").or(ctx.from), village)?;
    if let Account::Treasury(code) = &from {
        if !code.covers(village) {
            return Err(format!("account {} does not cover village {village}", from.key()));
        }
    }
    let key = ctx.pseudonym.ok_or("no pseudonym key (--pseudonym-key)")?;
    Ok(EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: parse::ident(fund, "fund")?,
        from,
        household: key.household_ref(&id),
        masked_name,
        village,
        category,
        period,
        amount,
        date: row_date(c, r, ctx)?,
        notice: row_notice(c, r)?,
    }))
}

fn disbursement_row(c: &Columns, r: &csv::StringRecord, ctx: &Context<'_>) -> Result<EntryBody, String> {
    let project = parse::ident(c.need(r, "project")?, "project")?;
    let fund = c
        .get(r, "fund")
        .or(ctx.fund)
        .ok_or("no fund (give a fund column or --fund)")?;
    let from = match c.get(r, "from").or(ctx.from) {
        Some(f) => parse::account(f, "from")?,
        None => Account::Project(project.clone()),
    };
    Ok(EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund: parse::ident(fund, "fund")?,
        project,
        from,
        payee: Payee {
            id: parse::ident(c.need(r, "payee_id")?, "payee_id")?,
            name: parse::text(c.need(r, "payee_name")?, "payee_name")?,
        },
        amount: parse::yuan(c.need(r, "amount")?, "amount")?,
        contract_ref: parse::text(c.need(r, "contract")?, "contract")?,
        milestone: parse::text(c.need(r, "milestone")?, "milestone")?,
        date: row_date(c, r, ctx)?,
    }))
}

/// The deterministic nonce of a row (also its key in the receipts file).
///
/// The business date is left out: the same row of the same batch is the
/// same payment whatever day it is dated, so a rerun that dates it
/// differently (another `--date`, or "today" moved on and the receipts file
/// that recorded the first date was lost) reuses the nonce and is refused
/// by the node as a replay instead of paying the household twice.
pub fn row_nonce(key: &SigningKey, origin: &str, batch_id: &str, body: &EntryBody) -> Bytes<16> {
    let mut body = body.clone();
    match &mut body {
        EntryBody::HouseholdSubsidy(s) => s.date = Date::LAST,
        EntryBody::ProjectDisbursement(d) => d.date = Date::LAST,
        _ => {}
    }
    let body = &body;
    let secret = blake3::derive_key(
        "SunshineLedger/v1/cli-row-nonce",
        &[key.as_bytes().as_slice(), origin.as_bytes()].concat(),
    );
    let mut hasher = blake3::Hasher::new_keyed(&secret);
    hasher.update(&(batch_id.len() as u64).to_le_bytes());
    hasher.update(batch_id.as_bytes());
    hasher.update(&encoding::encode(body));
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    Bytes(nonce)
}

/// What a receipts file already holds.
#[derive(Debug, Default)]
struct Done {
    header: Option<BatchHeader>,
    rows: HashMap<String, u64>,
}

fn read_done(path: &Path) -> Result<Done> {
    let mut done = Done::default();
    if !path.exists() {
        return Ok(done);
    }
    let text = keys::read_small(path, 512 * 1024 * 1024)?;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if let Ok(h) = serde_json::from_str::<HeaderLine>(line) {
            done.header = Some(h.batch);
            continue;
        }
        match serde_json::from_str::<ReceiptLine>(line) {
            Ok(r) => {
                if let Some(k) = r.row_key {
                    done.rows.insert(k, r.seq);
                }
            }
            // A torn last line after a crash is harmless: that row is resent.
            Err(_) if i + 1 == text.lines().count() => {}
            Err(e) => return Err(input(format!("{} line {}: {e}", path.display(), i + 1))),
        }
    }
    Ok(done)
}

fn load_regions(node: Option<&Node>) -> Result<HashSet<RegionCode>> {
    let Some(node) = node else { return Ok(HashSet::new()) };
    #[derive(Deserialize)]
    struct Regions {
        regions: Vec<RegionDef>,
    }
    let mut set: HashSet<RegionCode> = match node.get_json::<Regions>("/v1/regions") {
        Ok(r) => r.regions.into_iter().map(|r| r.code).collect(),
        Err(_) => HashSet::new(),
    };
    if set.is_empty() {
        set = node.genesis()?.regions.into_iter().map(|r| r.code).collect();
    }
    Ok(set)
}

/// Run a CSV batch.
pub fn run(sign: &SignArgs, args: &CsvArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    if !(1..=10_000).contains(&args.batch_size) {
        return Err(usage("--batch-size must be 1-10000"));
    }
    let meta = std::fs::metadata(&args.file).input_err(format!("cannot read {}", args.file.display()))?;
    if meta.len() > MAX_CSV_BYTES {
        return Err(input(format!(
            "{} is over {MAX_CSV_BYTES} bytes; split it",
            args.file.display()
        )));
    }
    let bytes = std::fs::read(&args.file).input_err(format!("cannot read {}", args.file.display()))?;
    let signers = read_signing_keys(&sign.keys)?;
    let Some((_, first_key)) = signers.first() else {
        return Err(usage("give at least one --key"));
    };
    let offline = sign.node.is_none();
    if offline && sign.out.is_none() && !args.dry_run {
        return Err(usage("give --node URL to post (or --out FILE / --dry-run)"));
    }
    let target = if offline {
        let origin = sign.origin.clone().unwrap_or_else(|| "offline".into());
        Target {
            node: None,
            origin,
            log_vkeys: Vec::new(),
        }
    } else {
        Target::resolve(sign, timeout_s)?
    };
    let pseudonym = match (&args.pseudonym_key, args.kind) {
        (Some(p), _) => Some(keys::read_pseudonym_key(p)?),
        (None, CsvType::Subsidies) => return Err(usage("subsidies need --pseudonym-key FILE to hash resident IDs")),
        (None, CsvType::Disbursements) => None,
    };
    if let Some(p) = &pseudonym {
        check_pseudonym(p, target.node.as_ref(), quiet)?;
    }
    let regions = load_regions(target.node.as_ref())?;
    let batch_id = args.batch_id.clone().unwrap_or_else(|| {
        args.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let receipts = sign.receipts.clone().unwrap_or_else(|| {
        let mut p = args.file.clone().into_os_string();
        p.push(".receipts.jsonl");
        PathBuf::from(p)
    });
    let done = read_done(&receipts)?;
    // The date of rows without one: --date, else the one this batch used
    // before, else today. A "today" that moved between two runs would give
    // the same rows new bodies and new nonces, and post them twice.
    let default_date = match (&args.date, done.header.as_ref().and_then(|h| h.date)) {
        (Some(d), _) => parse::date(d, "--date").map_err(usage)?,
        (None, Some(d)) => d,
        (None, None) => {
            Date::in_china_at(time::now_ms()).ok_or_else(|| usage("the clock is outside 2000-2099; give --date"))?
        }
    };
    let ctx = Context {
        regions: &regions,
        pseudonym: pseudonym.as_ref(),
        fund: args.fund.as_deref(),
        from: args.from.as_deref(),
        date: Some(default_date),
    };
    let (rows, errors) = parse_rows(&bytes, args.kind, &ctx)?;
    let name = args.file.display();
    for e in errors.iter().take(MAX_ERRORS_SHOWN) {
        eprintln!("{name}:{}: {}", e.line, e.message);
    }
    if errors.len() > MAX_ERRORS_SHOWN {
        eprintln!("… and {} more bad rows", errors.len() - MAX_ERRORS_SHOWN);
    }
    if !errors.is_empty() && !args.skip_bad {
        let first = &errors[0];
        return Err(input(format!(
            "{name}: {} bad row(s), nothing posted (first: line {}: {}); fix them or pass --skip-bad",
            errors.len(),
            first.line,
            first.message
        )));
    }
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    for row in &rows {
        let key = match &row.body {
            EntryBody::HouseholdSubsidy(s) => format!("{} from {}", s.fund, s.from.key()),
            EntryBody::ProjectDisbursement(d) => format!("{} from {}", d.fund, d.from.key()),
            _ => String::new(),
        };
        let amount = row.body.amount().map(|a| a.get()).unwrap_or(0);
        *totals.entry(key).or_insert(0) += amount;
    }
    if args.dry_run {
        println!("{} valid row(s), {} bad row(s)", rows.len(), errors.len());
        for (k, v) in &totals {
            println!("  fund {k}: {} 元", ledger_core::Fen::from_raw(*v).to_yuan_string());
        }
        return Ok(());
    }
    let now = time::now_ms();
    let header = match (&done.header, &sign.valid_until) {
        (Some(h), _) if h.id != batch_id || h.origin != target.origin => {
            return Err(usage(format!(
                "{} belongs to batch {:?} of log {:?}; give another --receipts file or the same --batch-id",
                receipts.display(),
                h.id,
                h.origin
            )))
        }
        (Some(h), None) if !args.new_window => BatchHeader {
            date: Some(default_date),
            ..h.clone()
        },
        _ => {
            let not_after_ms = submit::not_after(sign.valid_until.as_deref(), DEFAULT_WINDOW_MS, now)?;
            BatchHeader {
                id: batch_id.clone(),
                origin: target.origin.clone(),
                not_after_ms,
                opened_ms: now,
                date: Some(default_date),
            }
        }
    };
    let todo: Vec<(Row, SignedSubmission, String)> = rows
        .into_iter()
        .map(|row| {
            let nonce = row_nonce(first_key, &target.origin, &batch_id, &row.body);
            let key = nonce.to_hex();
            (row, nonce, key)
        })
        .filter(|(_, _, key)| !done.rows.contains_key(key))
        .map(|(row, nonce, key)| {
            let signed = submit::sign(&target.origin, nonce, header.not_after_ms, row.body.clone(), &signers);
            (row, signed, key)
        })
        .collect();
    let skipped = done.rows.len();
    if todo.is_empty() {
        println!(
            "nothing to post: all {skipped} row(s) of this batch already have receipts in {}",
            receipts.display()
        );
        return Ok(());
    }
    if header.not_after_ms <= now {
        return Err(usage(format!(
            "this batch's validity window ended at {}; {} row(s) are not posted yet. Rerun with --new-window to post them (rows already posted are skipped through {})",
            time::format_ms(header.not_after_ms),
            todo.len(),
            receipts.display()
        )));
    }
    if let Some(out) = &sign.out {
        let lines: Vec<String> = todo
            .iter()
            .map(|(_, s, _)| serde_json::to_string(s))
            .collect::<Result<_, _>>()
            .input_err("encoding")?;
        submit::append_lines(out, &lines)?;
        println!(
            "wrote {} signed submission(s) to {} (not posted)",
            lines.len(),
            out.display()
        );
        return Ok(());
    }
    let node = target
        .node
        .as_ref()
        .ok_or_else(|| usage("--node is required to post"))?;
    if done.header.as_ref().map(|h| (h.not_after_ms, h.date)) != Some((header.not_after_ms, header.date)) {
        let line = serde_json::to_string(&HeaderLine { batch: header.clone() }).input_err("encoding")?;
        submit::append_lines(&receipts, &[line])?;
    }
    let bar = crate::progress::bar(todo.len() as u64, "posting", quiet);
    let started = time::now_ms();
    let (mut new, mut original, mut already) = (0usize, 0usize, 0usize);
    let mut rejected: Vec<(u64, String)> = Vec::new();
    for chunk in todo.chunks(args.batch_size) {
        let signed: Vec<SignedSubmission> = chunk.iter().map(|(_, s, _)| s.clone()).collect();
        let answers = match post_batch(node, &signed) {
            Ok(a) => a,
            Err(e) => {
                bar.abandon();
                let first = chunk.first().map(|c| c.0.line).unwrap_or(0);
                let last = chunk.last().map(|c| c.0.line).unwrap_or(0);
                return Err(network(format!(
                    "{}; so far {new} row(s) posted, {original} already in the log, {} rejected; the outcome of lines {first}-{last} is unknown. Every receipt received is in {}. Rerun the same command to finish: it is safe (nothing is posted twice)",
                    crate::exit::one_line(&e),
                    rejected.len(),
                    receipts.display()
                )));
            }
        };
        let mut lines = Vec::new();
        for ((row, signed, key), answer) in chunk.iter().zip(answers) {
            match answer {
                ItemAnswer::Accepted { receipt } => {
                    check_receipt(&receipt, signed, &target)?;
                    if receipt.receipt.time_ms < started {
                        original += 1;
                    } else {
                        new += 1;
                    }
                    let line = ReceiptLine {
                        line: Some(row.line),
                        row_key: Some(key.clone()),
                        seq: receipt.receipt.seq,
                        kind: row.body.kind().name().into(),
                        receipt,
                    };
                    lines.push(serde_json::to_string(&line).input_err("encoding")?);
                }
                ItemAnswer::Rejected { error } if error.code == "replayed_nonce" => already += 1,
                ItemAnswer::Rejected { error } => {
                    rejected.push((row.line, format!("{} ({})", error.human(), error.code)))
                }
            }
        }
        submit::append_lines(&receipts, &lines)?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    println!(
        "{name}: {new} row(s) posted, {original} already in the log (original receipts), {already} already posted in an earlier window, {skipped} skipped (receipts on file), {} rejected; receipts in {}",
        rejected.len(),
        receipts.display()
    );
    for (line, why) in rejected.iter().take(MAX_ERRORS_SHOWN) {
        eprintln!("{name}:{line}: rejected by the node: {why}");
    }
    if let Some((line, why)) = rejected.first() {
        return Err(network(format!(
            "the node rejected {} row(s) (first: line {line}: {why}); the other rows are posted, see {}",
            rejected.len(),
            receipts.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ledger_core::Fen;

    fn read(csv: &str) -> Result<(Vec<Row>, Vec<RowError>)> {
        let regions: HashSet<RegionCode> = [320_803_001_000, 320_803_001_002]
            .into_iter()
            .map(|c| RegionCode::new(c).unwrap())
            .collect();
        let key = PseudonymKey::from_bytes([7; 32]);
        let ctx = Context {
            regions: &regions,
            pseudonym: Some(&key),
            fund: Some("F2019-SCS-031"),
            from: None,
            date: Some(Date::new(20190615).unwrap()),
        };
        parse_rows(csv.as_bytes(), CsvType::Subsidies, &ctx)
    }

    /// Regression (fuzz target `fuzz_csv_rows`, case 0x6c9a352b13e5a8b3 of
    /// seed 0x5eed20190711): with `\r\n` line ends every row and error was
    /// reported one line too early (the first row on the header's line).
    #[test]
    fn rows_are_reported_on_their_own_lines_whatever_the_line_ends() {
        let header = "resident_id,name,village,category,amount,period";
        let good = "11010519491231002X,张小三,320803001002,最低生活保障,300.00,2019-06";
        let bad = "110105194912310021,李四,320803001002,最低生活保障,300.00,2019-06";
        for nl in ["\n", "\r\n", "\r"] {
            let csv = [header, good, "", bad, "\"multi\nline\",x", good].join(nl) + nl;
            let (rows, errors) = read(&csv).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            let error_lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, vec![2], "{nl:?}");
            // The bad ID on line 4, the two-line row on 5, the repeated row on 7.
            assert_eq!(error_lines, vec![4, 5, 7], "{nl:?}: {errors:?}");
        }
    }

    /// The business date and the payment-list line: columns with English
    /// or Chinese names, `--date` for rows without one, and each bad value
    /// named on its own line.
    #[test]
    fn date_notice_and_line_columns() {
        let id = "11010519491231002X";
        let csv = format!(
            "身份证号,姓名,村代码,类别,金额,期间,发放日期,公示编号,公示行号\n\
             {id},张小三,320803001002,最低生活保障,300,2019-06,2019-06-20,N-PAY-1,4\n\
             {id},张小三,320803001002,最低生活保障,300,2019-07,,,\n\
             {id},张小三,320803001002,最低生活保障,300,2019-08,2019-02-30,,\n\
             {id},张小三,320803001002,最低生活保障,300,2019-09,,N-PAY-1,\n\
             {id},张小三,320803001002,最低生活保障,300,2019-10,,,3\n\
             {id},张小三,320803001002,最低生活保障,300,2019-11,,N-PAY-1,x\n"
        );
        let (rows, errors) = read(&csv).unwrap();
        let EntryBody::HouseholdSubsidy(first) = &rows[0].body else {
            panic!("subsidy")
        };
        assert_eq!(first.date, Date::new(20190620).unwrap());
        assert_eq!(
            first.notice,
            Some(NoticeLineRef {
                notice: ledger_core::ids::Ident::new("N-PAY-1").unwrap(),
                line: 4
            })
        );
        let EntryBody::HouseholdSubsidy(second) = &rows[1].body else {
            panic!("subsidy")
        };
        assert_eq!(second.date, Date::new(20190615).unwrap(), "the --date default");
        assert_eq!(second.notice, None);
        let errors: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            errors,
            vec![
                (4, "date: not a date YYYYMMDD: 20190230"),
                (5, "notice given without its line"),
                (6, "line given without its notice"),
                (7, "line: \"x\" is not a line number (0, 1, 2, …)"),
            ]
        );
        // Two date columns is a guess refused, as for every field.
        let e = read("resident_id,name,village,category,amount,period,date,拨付日期\n")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 columns for \"date\" (date, 拨付日期)"), "{e}");
    }

    /// Regression (fuzz target `fuzz_csv_rows`, case 0x8c2f4bb7058046a1 of
    /// seed 0x5eed20190711): two resident-ID columns (`resident_id` and
    /// `身份证号码`), of which the first was silently used.
    #[test]
    fn a_header_with_two_columns_for_one_field_is_refused() {
        let row = "11010519491231002X,张小三,320803001002,最低生活保障,300.00,528368302467.68,2019-06\n";
        let two_ids = format!("resident_id,name,village,category,amount,身份证号码,period\n{row}");
        let e = read(&two_ids).map(|_| ()).unwrap_err().to_string();
        assert!(
            e.contains("2 columns for \"resident_id\" (resident_id, 身份证号码)"),
            "{e}"
        );
        let two_amounts = format!("身份证号,姓名,村代码,类别,金额,补贴金额,期间\n{row}");
        let e = read(&two_amounts).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("2 columns for \"amount\" (金额, 补贴金额)"), "{e}");
        // One column per field, plus columns nobody reads: fine.
        let ok = format!("身份证号,姓名,村代码,类别,金额,备注,期间\n{row}");
        let (rows, errors) = read(&ok).unwrap();
        assert_eq!((rows.len(), errors.len()), (1, 0));
        assert_eq!(rows[0].body.amount().map(Fen::get), Some(30_000));
    }
}

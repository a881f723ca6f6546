//! Running a batch: read the table, check every row, ask the node what it
//! would refuse (the pre-flight), then sign and post the rows not yet
//! posted, in chunks, appending each receipt as it arrives.

use super::group::{refusal_text, GroupInfo, GroupLine, GROUP_REFUSED, MAX_GROUP_SUBMISSIONS, REPLAYED_NONCE};
use super::preflight::{self, Findings};
use super::resume::{read_done, row_nonce, BatchIdentity};
use super::villages::VillageNames;
use super::{
    parse_sheet, BatchHeader, Context, CsvArgs, CsvType, HeaderLine, Row, DEFAULT_WINDOW_MS, MAX_CSV_BYTES,
    MAX_ERRORS_SHOWN,
};
use crate::exit::{input, network, usage, Tag as _};
use crate::http::Node;
use crate::keys::{self, read_signing_keys};
use crate::messages::batch::RunMsg;
use crate::messages::run_errors::RunErr;
use crate::messages::Message as _;
use crate::post::{check_pseudonym, parse};
use crate::slips::{Slip, SlipLine};
use crate::submit::{self, check_receipt, GroupMode, ItemOutcome, ReceiptLine, SignArgs, Target};
use crate::time;
use anyhow::Result;
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use ledger_core::region::{RegionCode, RegionDef};
use ledger_core::submission::SignedSubmission;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::PathBuf;

/// The log's regions with their names: the regions API, else the genesis.
fn load_regions(node: Option<&Node>) -> Result<Vec<RegionDef>> {
    let Some(node) = node else { return Ok(Vec::new()) };
    #[derive(Deserialize)]
    struct Regions {
        regions: Vec<RegionDef>,
    }
    let list = match node.get_json::<Regions>("/v1/regions") {
        Ok(r) => r.regions,
        Err(_) => Vec::new(),
    };
    if list.is_empty() {
        return Ok(node.genesis()?.regions);
    }
    Ok(list)
}

/// The payment slip of a household row (`ledger slips` prints it).
fn slip_line(row: &Row, seq: u64, villages: &VillageNames) -> Option<SlipLine> {
    let EntryBody::HouseholdSubsidy(s) = &row.body else {
        return None;
    };
    Some(SlipLine {
        slip: Slip {
            row: row.line,
            seq,
            household: s.household.to_string(),
            masked_name: s.masked_name.to_string(),
            village: s.village.to_string(),
            village_name: villages.name(s.village).unwrap_or_default().to_string(),
            category: s.category.name().to_string(),
            period: s.period.to_string(),
            amount_fen: s.amount.get(),
            date: s.date.to_string(),
        },
    })
}

fn say(lines: &[RunMsg]) {
    for l in lines {
        println!("{}", l.text());
    }
}

/// Run a CSV/workbook batch.
pub fn run(sign: &SignArgs, args: &CsvArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    if !(1..=MAX_GROUP_SUBMISSIONS).contains(&args.batch_size) {
        return Err(usage(RunErr::BatchSize.text()));
    }
    let meta = std::fs::metadata(&args.file).input_err(
        RunErr::CannotRead {
            file: args.file.display().to_string(),
        }
        .text(),
    )?;
    if meta.len() > MAX_CSV_BYTES {
        return Err(input(
            RunErr::TooBig {
                file: args.file.display().to_string(),
                max: MAX_CSV_BYTES,
            }
            .text(),
        ));
    }
    let sheet = crate::sheet::read_strict(&args.file).map_err(input)?;
    let signers = read_signing_keys(&sign.keys)?;
    let Some((_, first_key)) = signers.first() else {
        return Err(usage(RunErr::NoKey.text()));
    };
    let offline = sign.node.is_none();
    if offline && sign.out.is_none() && !args.dry_run {
        return Err(usage(RunErr::NoNode.text()));
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
        (None, CsvType::Subsidies) => return Err(usage(RunErr::NoPseudonymKey.text())),
        (None, CsvType::Disbursements) => None,
    };
    if let Some(p) = &pseudonym {
        check_pseudonym(p, target.node.as_ref(), quiet)?;
    }
    let region_defs = load_regions(target.node.as_ref())?;
    let regions: HashSet<RegionCode> = region_defs.iter().map(|r| r.code).collect();
    let villages = VillageNames::new(&region_defs);
    let facts = match target.node.as_ref() {
        Some(n) => super::signer::facts(n, &first_key.verifying_key().to_bytes())?,
        None => Default::default(),
    };
    let grant = facts.grant.clone();
    let scope: Vec<RegionCode> = grant.as_ref().map(|g| g.regions.clone()).unwrap_or_default();
    if let (Some(g), false) = (&grant, quiet) {
        eprintln!(
            "{}",
            RunMsg::Signer {
                who: super::signer::label(g)
            }
            .text()
        );
    }
    let receipts = sign.receipts.clone().unwrap_or_else(|| {
        let mut p = args.file.clone().into_os_string();
        p.push(".receipts.jsonl");
        PathBuf::from(p)
    });
    let done = read_done(&receipts)?;
    // The date of rows without one: --date, else the one this batch used
    // before, else today. (The date is not part of a row's nonce, so even a
    // "today" that moved between two runs cannot post a row twice.)
    let default_date = match (&args.date, done.header.as_ref().and_then(|h| h.date)) {
        (Some(d), _) => parse::date(d, "--date").map_err(usage)?,
        (None, Some(d)) => d,
        (None, None) => Date::in_china_at(time::now_ms()).ok_or_else(|| usage(RunErr::Clock.text()))?,
    };
    let ctx = Context {
        regions: &regions,
        villages: &villages,
        scope: &scope,
        pseudonym: pseudonym.as_ref(),
        fund: args.fund.as_deref(),
        from: args.from.as_deref(),
        date: Some(default_date),
    };
    let name = args
        .file
        .file_name()
        .map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    // A problem of the whole table (its header, a formula or merged cell)
    // is named with the file.
    let (rows, errors) = parse_sheet(&sheet, args.kind, &ctx).map_err(|e| {
        input(
            RunMsg::InFile {
                file: name.clone(),
                what: crate::exit::one_line(&e),
            }
            .text(),
        )
    })?;
    if !quiet {
        eprintln!(
            "{}",
            RunMsg::Read {
                file: name.clone(),
                encoding: sheet.encoding.to_string(),
                rows: rows.len() + errors.len(),
            }
            .text()
        );
    }
    for e in errors.iter().take(MAX_ERRORS_SHOWN) {
        eprintln!(
            "{}",
            RunMsg::InFile {
                file: name.clone(),
                what: e.message.clone()
            }
            .text()
        );
    }
    if errors.len() > MAX_ERRORS_SHOWN {
        eprintln!(
            "{}",
            RunMsg::MoreBadRows {
                count: errors.len() - MAX_ERRORS_SHOWN
            }
            .text()
        );
    }
    if !errors.is_empty() && !args.skip_bad {
        return Err(input(
            RunMsg::BadRows {
                file: name.clone(),
                count: errors.len(),
            }
            .text(),
        ));
    }
    // The batch is its content: the same rows under another file name, in
    // another order or merged into a bigger file are the same payments.
    let identity = BatchIdentity::choose(args.batch_id.as_deref(), done.header.as_ref(), &rows);
    let findings = match target.node.as_ref() {
        Some(node) if !rows.is_empty() => {
            let policy = facts.policy.as_ref().filter(|_| facts.complete);
            preflight::check(node, &rows, policy)?
        }
        _ => Findings {
            totals: preflight::totals(&rows)
                .into_iter()
                .map(|t| RunMsg::Total {
                    name: t.account.clone(),
                    account: t.account,
                    fund: t.fund,
                    rows: t.rows,
                    fen: t.fen,
                    balance: None,
                })
                .collect(),
            ..Findings::default()
        },
    };
    if args.dry_run || !findings.problems.is_empty() {
        say(&findings.totals);
        for p in &findings.problems {
            eprintln!("{}", p.text());
        }
    }
    if !findings.problems.is_empty() {
        return Err(network(
            RunMsg::NotPosted {
                problems: findings.problems.len(),
            }
            .text(),
        ));
    }
    let (posted_before, rows): (Vec<Row>, Vec<Row>) =
        rows.into_iter().partition(|r| findings.posted.contains_key(&r.line));
    if rows.is_empty() && !posted_before.is_empty() {
        let (first_seq, first_ms) = findings.posted.values().min().copied().unwrap_or((0, 0));
        let last_seq = findings.posted.values().map(|p| p.0).max().unwrap_or(first_seq);
        println!(
            "{}",
            RunMsg::AlreadyPosted {
                when: time::format_ms(first_ms),
                rows: posted_before.len(),
                seqs: if first_seq == last_seq {
                    first_seq.to_string()
                } else {
                    format!("{first_seq}-{last_seq}")
                },
            }
            .text()
        );
        return Ok(());
    }
    let total_fen: u64 = rows.iter().filter_map(|r| r.body.amount()).map(|a| a.get()).sum();
    if args.dry_run {
        if let Some(node) = target.node.as_ref() {
            check_with_node(node, &rows, args, sign, &target, &identity, &done, &signers)?;
        }
        println!(
            "{}",
            RunMsg::DryRunOk {
                rows: rows.len(),
                fen: total_fen
            }
            .text()
        );
        return Ok(());
    }
    let now = time::now_ms();
    let header = match (&done.header, &sign.valid_until) {
        // A content batch's nonces do not depend on its id, so a receipts
        // file of an earlier version of the same file (a row corrected
        // after a partial run) is still this batch's; a named batch's is
        // not.
        (Some(h), _)
            if h.origin != target.origin || (matches!(identity, BatchIdentity::Named(_)) && h.id != identity.id()) =>
        {
            return Err(usage(
                RunErr::OtherBatch {
                    receipts: receipts.display().to_string(),
                    id: h.id.clone(),
                    origin: h.origin.clone(),
                    this: identity.id().to_string(),
                }
                .text(),
            ))
        }
        (Some(h), None) if !args.new_window => BatchHeader {
            id: identity.id().to_string(),
            date: Some(default_date),
            ..h.clone()
        },
        _ => {
            let not_after_ms = submit::not_after(sign.valid_until.as_deref(), DEFAULT_WINDOW_MS, now)?;
            BatchHeader {
                id: identity.id().to_string(),
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
            let nonce = row_nonce(first_key, &target.origin, &identity, &row.body);
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
            "{}",
            RunMsg::NothingToPost {
                rows: skipped + posted_before.len(),
                receipts: receipts.display().to_string()
            }
            .text()
        );
        return Ok(());
    }
    if header.not_after_ms <= now {
        return Err(usage(
            RunErr::WindowEnded {
                at: time::format_ms(header.not_after_ms),
                rows: todo.len(),
                receipts: receipts.display().to_string(),
            }
            .text(),
        ));
    }
    if let Some(out) = &sign.out {
        let lines: Vec<String> = todo
            .iter()
            .map(|(_, s, _)| serde_json::to_string(s))
            .collect::<Result<_, _>>()
            .input_err("encoding")?;
        submit::append_lines(out, &lines)?;
        println!(
            "{}",
            RunErr::Wrote {
                count: lines.len(),
                out: out.display().to_string()
            }
            .text()
        );
        return Ok(());
    }
    let node = target.posting_node()?;
    if done.header.as_ref().map(|h| (&h.id, h.not_after_ms, h.date))
        != Some((&header.id, header.not_after_ms, header.date))
    {
        let line = serde_json::to_string(&HeaderLine { batch: header.clone() }).input_err("encoding")?;
        submit::append_lines(&receipts, &[line])?;
    }
    // One atomic group, or with --split several (each all or nothing).
    let groups = groups_of(&todo, args)?;
    if groups.len() > 1 {
        println!(
            "{}",
            RunMsg::Split {
                rows: todo.len(),
                groups: groups.len(),
                size: args.batch_size
            }
            .text()
        );
    }
    let bar = crate::progress::bar(todo.len() as u64, "posting", quiet);
    let started = time::now_ms();
    let (mut new, mut new_fen, mut original, mut already) = (0usize, 0u64, 0usize, 0usize);
    let mut rejected: Vec<(u64, String)> = Vec::new();
    let mut groups_refused: Vec<RunMsg> = Vec::new();
    let of = groups.len();
    for (g, group) in groups.iter().enumerate() {
        let info = GroupLine {
            group: GroupInfo {
                index: g + 1,
                of,
                rows: group.iter().map(|(r, _, _)| r.line).collect(),
            },
        };
        if of > 1 {
            submit::append_lines(&receipts, &[serde_json::to_string(&info).input_err("encoding")?])?;
        }
        let mut pending: Vec<&(Row, SignedSubmission, String)> = group.iter().collect();
        // At most twice: a member already in the log under another window
        // (`replayed_nonce`) refuses its whole group; it is posted, so the
        // group goes again without it.
        for _attempt in 0..2 {
            let signed: Vec<SignedSubmission> = pending.iter().map(|(_, s, _)| s.clone()).collect();
            let answers = match submit::submit_group(node, &signed, REAL_GROUP) {
                Ok(a) => a,
                Err(e) => {
                    bar.abandon();
                    return Err(network(
                        RunErr::Interrupted {
                            why: crate::exit::one_line(&e),
                            new,
                            original,
                            rejected: rejected.len(),
                            group: g + 1,
                            of,
                            receipts: receipts.display().to_string(),
                        }
                        .text(),
                    ));
                }
            };
            let mut lines = Vec::new();
            let mut not_written = Vec::new();
            let mut refused_here = 0usize;
            for (item, answer) in pending.iter().zip(answers) {
                let (row, signed, key) = *item;
                match answer {
                    ItemOutcome::Accepted { receipt } => {
                        check_receipt(&receipt, signed, &target)?;
                        if receipt.receipt.time_ms < started {
                            original += 1;
                        } else {
                            new += 1;
                            new_fen = new_fen.saturating_add(row.body.amount().map_or(0, |a| a.get()));
                        }
                        let line = ReceiptLine {
                            line: Some(row.line),
                            row_key: Some(key.clone()),
                            seq: receipt.receipt.seq,
                            kind: row.body.kind().name().into(),
                            receipt,
                        };
                        lines.push(serde_json::to_string(&line).input_err("encoding")?);
                        if let Some(slip) = slip_line(row, line.seq, &villages) {
                            lines.push(serde_json::to_string(&slip).input_err("encoding")?);
                        }
                    }
                    ItemOutcome::Rejected { error } if error.detail.code == REPLAYED_NONCE => already += 1,
                    ItemOutcome::Rejected { error } if error.detail.code == GROUP_REFUSED => not_written.push(*item),
                    ItemOutcome::Rejected { error } => {
                        refused_here += 1;
                        rejected.push((row.line, refusal_text(&error)))
                    }
                    // Only a check-only request answers this; a node that
                    // does so to a real one has written nothing we can prove.
                    ItemOutcome::WouldAccept => {
                        bar.abandon();
                        return Err(network(format!(
                            "the node answered would_accept to a real submission (row {}); nothing of it is known to be posted",
                            row.line
                        )));
                    }
                }
            }
            submit::append_lines(&receipts, &lines)?;
            if not_written.is_empty() {
                break;
            }
            if refused_here > 0 {
                groups_refused.push(RunMsg::GroupNotPosted {
                    index: g + 1,
                    of,
                    rows: not_written.len() + refused_here,
                });
                break;
            }
            pending = not_written;
        }
        bar.inc(group.len() as u64);
    }
    bar.finish_and_clear();
    println!(
        "{}",
        RunMsg::Posted {
            file: name.clone(),
            new,
            fen: new_fen,
            original,
            already: already + posted_before.len(),
            skipped,
            receipts: receipts.display().to_string(),
        }
        .text()
    );
    for g in &groups_refused {
        eprintln!("{}", g.text());
    }
    for (line, why) in rejected.iter().take(MAX_ERRORS_SHOWN) {
        let what = RunMsg::NodeRefusedRow {
            row: *line,
            why: why.clone(),
        }
        .text();
        eprintln!(
            "{}",
            RunMsg::InFile {
                file: name.clone(),
                what
            }
            .text()
        );
    }
    if !rejected.is_empty() {
        return Err(network(
            RunMsg::Refused {
                count: rejected.len(),
                posted: new,
            }
            .text(),
        ));
    }
    Ok(())
}

/// A real run's group: all or nothing, written.
const REAL_GROUP: GroupMode = GroupMode {
    atomic: true,
    check_only: false,
};

/// The groups a run posts: one, or with `--split` several of
/// `--batch-size`; a batch over the node's group limit without `--split`
/// is refused before anything is sent.
fn groups_of<'a, T>(todo: &'a [T], args: &CsvArgs) -> Result<Vec<&'a [T]>> {
    if args.split {
        Ok(todo.chunks(args.batch_size).collect())
    } else if todo.len() <= MAX_GROUP_SUBMISSIONS {
        Ok(vec![todo])
    } else {
        Err(usage(
            RunMsg::TooLargeForGroup {
                rows: todo.len(),
                max: MAX_GROUP_SUBMISSIONS,
            }
            .text(),
        ))
    }
}

/// `--dry-run` against a node: the rows still to post, signed exactly as
/// the real run signs them (the same nonces, the batch's window when it
/// has one), sent as the same atomic groups with `check_only`: the node
/// runs every check of a real submission (keys, co-signatures, scope,
/// money, duplicates, payment lists) against its state and writes
/// nothing, uses no nonce. Each refusal is printed with its row, as the
/// real run would print it; any refusal is exit 3.
#[allow(clippy::too_many_arguments)]
fn check_with_node(
    node: &Node,
    rows: &[Row],
    args: &CsvArgs,
    sign: &SignArgs,
    target: &Target,
    identity: &BatchIdentity,
    done: &super::resume::Done,
    signers: &[(String, ed25519_dalek::SigningKey)],
) -> Result<()> {
    let Some((_, first_key)) = signers.first() else {
        return Err(usage(RunErr::NoKey.text()));
    };
    let now = time::now_ms();
    let not_after_ms = match &done.header {
        Some(h) if h.not_after_ms > now && sign.valid_until.is_none() && !args.new_window => h.not_after_ms,
        _ => submit::not_after(sign.valid_until.as_deref(), DEFAULT_WINDOW_MS, now)?,
    };
    let todo: Vec<(u64, SignedSubmission)> = rows
        .iter()
        .filter_map(|row| {
            let nonce = row_nonce(first_key, &target.origin, identity, &row.body);
            (!done.rows.contains_key(&nonce.to_hex())).then(|| {
                (
                    row.line,
                    submit::sign(&target.origin, nonce, not_after_ms, row.body.clone(), signers),
                )
            })
        })
        .collect();
    let name = args
        .file
        .file_name()
        .map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut refused = 0usize;
    for group in groups_of(&todo, args)? {
        let signed: Vec<SignedSubmission> = group.iter().map(|(_, s)| s.clone()).collect();
        let mode = GroupMode {
            atomic: true,
            check_only: true,
        };
        let outcomes = submit::submit_group(node, &signed, mode)?;
        for ((line, _), outcome) in group.iter().zip(outcomes) {
            let ItemOutcome::Rejected { error } = outcome else {
                continue;
            };
            if error.detail.code == GROUP_REFUSED || error.detail.code == REPLAYED_NONCE {
                continue;
            }
            refused += 1;
            if refused <= MAX_ERRORS_SHOWN {
                let what = RunMsg::NodeWouldRefuse {
                    row: *line,
                    why: refusal_text(&error),
                }
                .text();
                eprintln!(
                    "{}",
                    RunMsg::InFile {
                        file: name.clone(),
                        what
                    }
                    .text()
                );
            }
        }
    }
    if refused > MAX_ERRORS_SHOWN {
        eprintln!(
            "{}",
            RunMsg::MoreBadRows {
                count: refused - MAX_ERRORS_SHOWN
            }
            .text()
        );
    }
    if refused > 0 {
        return Err(network(RunMsg::CheckRefused { count: refused }.text()));
    }
    Ok(())
}

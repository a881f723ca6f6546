//! Running a batch: check every row, then sign and post the rows not yet
//! posted, in chunks, appending each receipt as it arrives.

use super::resume::{read_done, row_nonce};
use super::{
    parse_rows, BatchHeader, Context, CsvArgs, CsvType, HeaderLine, Row, DEFAULT_WINDOW_MS, MAX_CSV_BYTES,
    MAX_ERRORS_SHOWN,
};
use crate::exit::{input, network, usage, Tag as _};
use crate::http::Node;
use crate::keys::{self, read_signing_keys};
use crate::post::{check_pseudonym, parse};
use crate::submit::{self, check_receipt, post_batch, ItemAnswer, ReceiptLine, SignArgs, Target};
use crate::time;
use anyhow::Result;
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use ledger_core::region::{RegionCode, RegionDef};
use ledger_core::submission::SignedSubmission;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

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
    let node = target.posting_node()?;
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

//! Building, signing and sending submissions; checking receipts.
//!
//! Every command that writes to the ledger goes through here: it builds an
//! [`EntryBody`], wraps it with the log's origin, a nonce and a not-after
//! time, signs it with every `--key` (co-signatures), and either posts it to
//! the node (`--node`) or writes the signed submission as a JSON line
//! (`--out`) for someone else to co-sign (`ledger cosign`) or send
//! (`ledger submit`). A receipt is accepted only if it is signed by the log's
//! key and names exactly the submission sent.

use crate::exit::{input, network, usage, Tag as _};
use crate::http::{ErrorDetail, Node};
use crate::keys;
use crate::messages::post::PostMsg;
use crate::messages::submit::SubmitMsg;
use crate::messages::Message as _;
use anyhow::Result;
use clap::Args;
use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::entry::EntryBody;
use ledger_core::keys::parse_verifier_key;
use ledger_core::receipt::SignedReceipt;
use ledger_core::rules::MAX_VALIDITY_MS;
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use rand_core::RngCore as _;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Default validity of a single submission.
pub const DEFAULT_VALIDITY_MS: u64 = 24 * 3600 * 1000;

/// How to sign and where to send.
#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// Signing key file (PRIVATE+KEY+…, mode 0600); repeat for co-signatures.
    #[arg(long = "key", required = true, value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// The node to post to, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "LEDGER_NODE", value_name = "URL")]
    pub node: Option<String>,
    /// The log's origin (needed only with --out and no --node).
    #[arg(long)]
    pub origin: Option<String>,
    /// Last time the node may sequence it: YYYY-MM-DD (end of day) or
    /// YYYY-MM-DD HH:MM, Beijing time; at most 7 days ahead.
    #[arg(long, value_name = "TIME")]
    pub valid_until: Option<String>,
    /// Write the signed submission(s) as JSON lines to FILE instead of posting.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Append receipts as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub receipts: Option<PathBuf>,
    /// The log's verifier key to check receipts against (default: the key the node states).
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
}

/// Where submissions go, and what the log is.
#[derive(Debug)]
pub struct Target {
    /// The node, if posting.
    pub node: Option<Node>,
    /// The log's origin.
    pub origin: String,
    /// Log keys to check receipts against.
    pub log_vkeys: Vec<String>,
}

impl Target {
    /// The node to post to (absent when signing offline, `--out`).
    pub fn posting_node(&self) -> Result<&Node> {
        self.node.as_ref().ok_or_else(|| usage(SubmitMsg::NodeRequired.text()))
    }

    /// Resolve the origin and log keys from the node or the flags.
    pub fn resolve(args: &SignArgs, timeout_s: u64) -> Result<Target> {
        let node = match &args.node {
            Some(url) => Some(Node::new(url, timeout_s)?),
            None => None,
        };
        if node.is_none() && args.out.is_none() {
            return Err(usage(SubmitMsg::NodeOrOut.text()));
        }
        let log = match &node {
            Some(n) => Some(n.log()?),
            None => None,
        };
        let origin = match (&log, &args.origin) {
            (Some(l), Some(o)) if l.origin != *o => {
                return Err(usage(
                    SubmitMsg::OriginMismatch {
                        given: o.clone(),
                        node: l.origin.clone(),
                    }
                    .text(),
                ))
            }
            (Some(l), _) => l.origin.clone(),
            (None, Some(o)) => o.clone(),
            (None, None) => return Err(usage(SubmitMsg::OriginNeeded.text())),
        };
        let mut log_vkeys = Vec::new();
        if let Some(k) = &args.log_key {
            log_vkeys.push(keys::vkey_arg(k)?);
        } else if let Some(l) = &log {
            log_vkeys.push(l.log_vkey.clone());
            log_vkeys.extend(l.log_keys.iter().map(|k| k.vkey.clone()));
        }
        Ok(Target {
            node,
            origin,
            log_vkeys,
        })
    }
}

/// The not-after time: `--valid-until`, or now + `default_ms`; checked to be
/// in the future and within the node's 7-day window.
pub fn not_after(valid_until: Option<&str>, default_ms: u64, now_ms: u64) -> Result<u64> {
    let t = match valid_until {
        Some(text) => crate::time::parse_until(text).usage_err("--valid-until")?,
        None => now_ms.saturating_add(default_ms),
    };
    if t <= now_ms {
        return Err(usage(
            SubmitMsg::ValidUntilPast {
                time: crate::time::format_ms(t),
            }
            .text(),
        ));
    }
    if t - now_ms > MAX_VALIDITY_MS {
        return Err(usage(
            SubmitMsg::ValidUntilTooFar {
                time: crate::time::format_ms(t),
            }
            .text(),
        ));
    }
    Ok(t)
}

/// A fresh random nonce.
pub fn random_nonce() -> Bytes<16> {
    let mut nonce = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut nonce);
    Bytes(nonce)
}

/// Build and sign.
pub fn sign(
    origin: &str,
    nonce: Bytes<16>,
    not_after_ms: u64,
    body: EntryBody,
    keys: &[(String, SigningKey)],
) -> SignedSubmission {
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce,
        not_after_ms,
        body,
    };
    let refs: Vec<&SigningKey> = keys.iter().map(|(_, k)| k).collect();
    submission.sign(&refs)
}

/// The answer for one submission.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemAnswer {
    /// Durable.
    Accepted {
        /// The receipt.
        receipt: SignedReceipt,
    },
    /// Refused.
    Rejected {
        /// Why.
        error: ErrorDetail,
    },
}

#[derive(Debug, Deserialize)]
struct SubmitAnswer {
    results: Vec<ItemAnswer>,
}

/// Frame submissions as `u32 LE length ‖ canonical bytes` records.
pub fn frame(batch: &[SignedSubmission]) -> Vec<u8> {
    let mut body = Vec::new();
    for s in batch {
        body.extend_from_slice(&ledger_core::bundle::encode_record(&s.encode()));
    }
    body
}

/// Post a batch (retried on network failure: identical submissions are
/// idempotent). One answer per submission, in order.
pub fn post_batch(node: &Node, batch: &[SignedSubmission]) -> Result<Vec<ItemAnswer>> {
    let answer = node.post("/v1/submissions", "application/octet-stream", frame(batch))?;
    if answer.status == 200 {
        let parsed: SubmitAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| network(SubmitMsg::AnswerNotJson { why: e.to_string() }.text()))?;
        if parsed.results.len() != batch.len() {
            return Err(network(
                SubmitMsg::ResultCount {
                    got: parsed.results.len(),
                    sent: batch.len(),
                }
                .text(),
            ));
        }
        return Ok(parsed.results);
    }
    match answer.error() {
        Some(error) if batch.len() == 1 && answer.status < 500 && answer.status != 429 => {
            Ok(vec![ItemAnswer::Rejected { error }])
        }
        Some(e) => Err(network(
            SubmitMsg::RequestRefused {
                status: answer.status,
                why: e.human(),
                code: e.code,
            }
            .text(),
        )),
        None => Err(network(SubmitMsg::AnswerStatus { status: answer.status }.text())),
    }
}

/// How a group of submissions is posted (docs/API.md "Atomic groups and
/// check-only submission"). The default is today's plain batch: each item
/// sequenced on its own, for real.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupMode {
    /// All sequenced in one commit, or none (a refusal names every failing
    /// item; the others answer `group_refused`).
    pub atomic: bool,
    /// Every check, nothing written, no nonce used: the pre-flight. The same
    /// signed submissions may be posted for real afterwards.
    pub check_only: bool,
}

impl GroupMode {
    /// The request path with the mode as query parameters (the binary body
    /// has no other place for them).
    pub fn path(self) -> String {
        let mut params = Vec::new();
        if self.atomic {
            params.push("atomic=1");
        }
        if self.check_only {
            params.push("check_only=1");
        }
        if params.is_empty() {
            "/v1/submissions".to_string()
        } else {
            format!("/v1/submissions?{}", params.join("&"))
        }
    }
}

/// A refusal with the machine facts the node gives for some codes, so a
/// client can print them its own way (the shortfall in 元). The node also
/// sends `failed_index` (group_refused) and `earlier_seq`
/// (duplicate_payment); nothing here prints them, so they are not read.
#[derive(Debug, Clone, Deserialize)]
pub struct Refusal {
    /// Code and messages.
    #[serde(flatten)]
    pub detail: ErrorDetail,
    /// `overdraft`: the account that lacks the money.
    #[serde(default)]
    pub account: Option<String>,
    /// `overdraft`: the fund.
    #[serde(default)]
    pub fund: Option<String>,
    /// `overdraft`: the amount asked, in fen.
    #[serde(default)]
    pub needed_fen: Option<u64>,
    /// `overdraft`: what the account holds of the fund, in fen.
    #[serde(default)]
    pub available_fen: Option<u64>,
}

/// The outcome of one submission of a group.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemOutcome {
    /// Durable (not check-only): the receipt, to be checked with [`check_receipt`].
    Accepted {
        /// The receipt.
        receipt: SignedReceipt,
    },
    /// Check-only: a real submission would be accepted.
    WouldAccept,
    /// Refused (or, in an atomic group, not written because another was).
    Rejected {
        /// Why.
        error: Refusal,
    },
}

#[derive(Debug, Deserialize)]
struct GroupAnswer {
    results: Vec<ItemOutcome>,
}

#[derive(Debug, Deserialize)]
struct RefusalAnswer {
    error: Refusal,
}

/// Post a group of submissions with `mode` (retried on network failure:
/// identical submissions are idempotent, and a check-only request writes
/// nothing). One outcome per submission, in order. An atomic group is at
/// most the node's `--max-batch-submissions` (default 10,000); a larger
/// one is refused whole (`too_large`), never split here.
pub fn submit_group(node: &Node, batch: &[SignedSubmission], mode: GroupMode) -> Result<Vec<ItemOutcome>> {
    let answer = node.post(&mode.path(), "application/octet-stream", frame(batch))?;
    if answer.status == 200 {
        let parsed: GroupAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| network(SubmitMsg::AnswerNotJson { why: e.to_string() }.text()))?;
        if parsed.results.len() != batch.len() {
            return Err(network(
                SubmitMsg::ResultCount {
                    got: parsed.results.len(),
                    sent: batch.len(),
                }
                .text(),
            ));
        }
        return Ok(parsed.results);
    }
    let refusal = serde_json::from_slice::<RefusalAnswer>(&answer.body)
        .ok()
        .map(|a| a.error);
    match refusal {
        // A lone submission's refusal is the request's error status.
        Some(error) if batch.len() == 1 && answer.status < 500 && answer.status != 429 => {
            Ok(vec![ItemOutcome::Rejected { error }])
        }
        Some(e) => Err(network(
            SubmitMsg::RequestRefused {
                status: answer.status,
                why: e.detail.human(),
                code: e.detail.code,
            }
            .text(),
        )),
        None => Err(network(SubmitMsg::AnswerStatus { status: answer.status }.text())),
    }
}

/// Check a receipt: signed by one of the log's keys, for this very submission.
pub fn check_receipt(receipt: &SignedReceipt, signed: &SignedSubmission, target: &Target) -> Result<()> {
    if receipt.receipt.submission_id != signed.id() {
        return Err(network(
            SubmitMsg::ReceiptWrongSubmission {
                named: receipt.receipt.submission_id.to_string(),
                sent: signed.id().to_string(),
            }
            .text(),
        ));
    }
    if receipt.receipt.origin != target.origin {
        return Err(network(
            SubmitMsg::ReceiptWrongLog {
                got: receipt.receipt.origin.to_string(),
                want: target.origin.clone(),
            }
            .text(),
        ));
    }
    if target.log_vkeys.is_empty() {
        return Ok(());
    }
    for vkey in &target.log_vkeys {
        if let Ok((_, key)) = parse_verifier_key(vkey) {
            if receipt.verify(&key).is_ok() {
                return Ok(());
            }
        }
    }
    Err(crate::exit::verify(
        SubmitMsg::ReceiptNotSigned {
            seq: receipt.receipt.seq,
            vkey: target.log_vkeys.first().cloned().unwrap_or_default(),
        }
        .text(),
    ))
}

/// One line of a receipts file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptLine {
    /// CSV line, for batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Row key (the nonce, hex), for batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_key: Option<String>,
    /// Sequence number.
    pub seq: u64,
    /// Kind of entry.
    pub kind: String,
    /// The signed receipt.
    pub receipt: SignedReceipt,
}

/// Append JSON lines to a file (created if missing), flushed.
pub fn append_lines(path: &Path, lines: &[String]) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .input_err(format!("cannot open {} for appending", path.display()))?;
    for line in lines {
        writeln!(file, "{line}").input_err(format!("writing {}", path.display()))?;
    }
    file.sync_data().input_err(format!("writing {}", path.display()))?;
    Ok(())
}

/// Post one submission (or write it with `--out`) and report.
pub fn send_one(args: &SignArgs, target: &Target, signed: SignedSubmission, quiet: bool) -> Result<()> {
    let kind = signed.submission.body.kind();
    if let Some(out) = &args.out {
        let line = serde_json::to_string(&signed).input_err("encoding the submission")?;
        append_lines(out, &[line])?;
        crate::progress::note(
            quiet,
            &PostMsg::Wrote {
                kind,
                signatures: signed.signatures.len(),
                id: signed.id().to_string(),
                out: out.display().to_string(),
            }
            .text(),
        );
        return Ok(());
    }
    let node = target.posting_node()?;
    let answers = post_batch(node, std::slice::from_ref(&signed))?;
    match answers.into_iter().next() {
        Some(ItemAnswer::Accepted { receipt }) => {
            check_receipt(&receipt, &signed, target)?;
            let line = ReceiptLine {
                line: None,
                row_key: None,
                seq: receipt.receipt.seq,
                kind: kind.name().into(),
                receipt,
            };
            let json = serde_json::to_string(&line).input_err("encoding the receipt")?;
            if let Some(path) = &args.receipts {
                append_lines(path, std::slice::from_ref(&json))?;
            }
            println!("{json}");
            crate::progress::note(
                quiet,
                &PostMsg::Accepted {
                    kind,
                    seq: line.seq,
                    when: crate::time::format_ms(line.receipt.receipt.time_ms),
                    hash: line.receipt.receipt.entry_hash.to_string(),
                }
                .text(),
            );
            Ok(())
        }
        Some(ItemAnswer::Rejected { error }) => Err(network(
            PostMsg::Refused {
                kind,
                why: error.human(),
                code: error.code,
            }
            .text(),
        )),
        None => Err(network(PostMsg::NoAnswer.text())),
    }
}

/// Read signed submissions from a JSON-lines (or single JSON) file.
pub fn read_signed_file(path: &Path) -> Result<Vec<SignedSubmission>> {
    let text = keys::read_small(path, 256 * 1024 * 1024)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return serde_json::from_str(trimmed).input_err(format!("{}", path.display()));
    }
    if let Ok(one) = serde_json::from_str::<SignedSubmission>(trimmed) {
        return Ok(vec![one]);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let s: SignedSubmission = serde_json::from_str(line).input_err(format!("{} line {}", path.display(), i + 1))?;
        s.check_structure()
            .input_err(format!("{} line {}", path.display(), i + 1))?;
        out.push(s);
    }
    if out.is_empty() {
        return Err(input(
            crate::messages::admin::AdminMsg::NoSubmissionIn {
                file: path.display().to_string(),
            }
            .text(),
        ));
    }
    Ok(out)
}

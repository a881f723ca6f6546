//! `ledger prove`: fetch an entry (or a household's entries) and its
//! inclusion proof, and check locally that it is in the signed log.

use crate::exit::{input, network, usage, verify, Tag as _};
use crate::http::{parse_hashes, EntryJson, InclusionJson, LogKey, Node};
use crate::keys;
use crate::messages::proof_check::ProofCheckMsg;
use crate::messages::prove::ProveMsg;
use crate::messages::Message as _;
use crate::table::Table;
use anyhow::Result;
use clap::Args;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::{count_valid_cosignatures, LogVerifier, TlogProof, VerifiedCheckpoint, WitnessVerifier};
use ledger_core::entry::EntryBody;
use ledger_core::household::{HouseholdRef, ResidentId};
use ledger_core::merkle::{leaf_hash, verify_inclusion};
use serde::Deserialize;
use std::path::PathBuf;

/// `ledger prove`.
#[derive(Debug, Clone, Args)]
pub struct ProveArgs {
    /// The node.
    #[arg(long, env = "LEDGER_NODE", value_name = "URL")]
    pub node: Option<String>,
    /// The entry's sequence number.
    #[arg(long, conflicts_with_all = ["household", "resident_id", "proof", "finding"])]
    pub seq: Option<u64>,
    /// A household reference (64 hex digits, as on the payment slip; with --bundle any unique prefix of 8 or more).
    #[arg(long, value_name = "REF")]
    pub household: Option<String>,
    /// Prove offline against a bundle's signed checkpoint instead of a node (LEDGER_NODE is then ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "proof")]
    pub bundle: Option<PathBuf>,
    /// Every entry of a `ledger audit` finding (its id, or a unique prefix); needs --bundle.
    #[arg(long, value_name = "ID", requires = "bundle", conflicts_with_all = ["household", "resident_id"])]
    pub finding: Option<String>,
    /// The `ledger audit --format json` report the finding is from (default: audit the bundle again with the default settings).
    #[arg(long, value_name = "FILE", requires = "finding")]
    pub report: Option<PathBuf>,
    /// Or the resident ID, hashed here with --pseudonym-key (never sent).
    #[arg(long, value_name = "ID", requires = "pseudonym_key")]
    pub resident_id: Option<String>,
    /// The pseudonym key file, for --resident-id.
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
    /// Check an offline proof file (C2SP tlog-proof, as --out writes) instead; needs --log-key.
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
    /// Pin the log's verifier key (default: the key the node states, with a warning).
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
    /// Witness verifier key whose cosignature to check; repeat.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// Require this many valid witness cosignatures.
    #[arg(long, default_value_t = 0)]
    pub min_witnesses: usize,
    /// Write the proof of --seq as a C2SP tlog-proof file (entry bytes in its extra line).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct EntryWithProof {
    entry: EntryJson,
    #[serde(default)]
    proof: Option<InclusionJson>,
}

#[derive(Debug, Deserialize)]
struct HouseholdAnswer {
    #[serde(default)]
    masked_name: Option<String>,
    entries: Vec<EntryJson>,
}

pub(crate) struct Checked {
    entry: SequencedEntry,
    pub(crate) checkpoint: VerifiedCheckpoint,
    proof: Vec<ledger_core::merkle::TreeHash>,
    raw: Vec<u8>,
}

fn verifier_for(args: &ProveArgs, node: &Node, tree_size: u64, quiet: bool) -> Result<LogVerifier> {
    let vkey = match &args.log_key {
        Some(k) => follow_rotations(node, &keys::vkey_arg(k)?, tree_size)?,
        None => {
            let vkey = node.log()?.vkey_for_size(tree_size);
            crate::progress::note(
                quiet,
                &format!("warning: checking against the log key the node itself states ({vkey}); pin the key you trust with --log-key"),
            );
            vkey
        }
    };
    LogVerifier::from_vkey(&vkey).usage_err(format!("log key {vkey}"))
}

/// The log key that signs a checkpoint of `tree_size`, reached from the
/// pinned key through the log's rotations, as `ledger verify` follows them:
/// each `LogKeyRotate` entry the node lists after the pinned key must be
/// endorsed by the key before it (`keys::check_rotation`, the rule replay
/// applies). The endorsements carry the trust, so a node cannot substitute a
/// key the pinned key never endorsed; without a rotation this is the pinned
/// key itself.
fn follow_rotations(node: &Node, pinned: &str, tree_size: u64) -> Result<String> {
    let log = node.log()?;
    let target = log.vkey_for_size(tree_size);
    if target == pinned {
        return Ok(target);
    }
    let mut chain: Vec<&LogKey> = log.log_keys.iter().filter(|k| k.from_size <= tree_size).collect();
    chain.sort_by_key(|k| k.from_size);
    let start = chain.iter().position(|k| k.vkey == pinned).ok_or_else(|| {
        verify(
            ProofCheckMsg::NoRotationListed {
                size: tree_size,
                target: target.clone(),
                pinned: pinned.to_string(),
            }
            .text(),
        )
    })?;
    let mut current = pinned.to_string();
    for next in chain.iter().skip(start + 1) {
        let seq = next.from_size.checked_sub(1).ok_or_else(|| {
            verify(
                ProofCheckMsg::RotationAtZero {
                    vkey: next.vkey.clone(),
                }
                .text(),
            )
        })?;
        let entry = node
            .get_json::<EntryWithProof>(&format!("/v1/entries/{seq}"))?
            .entry
            .decode()?
            .entry;
        let body = &entry.signed.submission.body;
        let EntryBody::LogKeyRotate {
            log_vkey, endorsement, ..
        } = body
        else {
            return Err(verify(
                ProofCheckMsg::NotARotation {
                    vkey: next.vkey.clone(),
                    from: next.from_size,
                    seq,
                    kind: body.kind().name().to_string(),
                }
                .text(),
            ));
        };
        if *log_vkey != next.vkey {
            return Err(verify(
                ProofCheckMsg::RotatesElsewhere {
                    seq,
                    to: log_vkey.clone(),
                    said: next.vkey.clone(),
                }
                .text(),
            ));
        }
        ledger_core::keys::check_rotation(&entry.signed.submission.origin, &current, log_vkey, endorsement).map_err(
            |e| {
                verify(
                    ProofCheckMsg::RotationInvalid {
                        seq,
                        from: current.clone(),
                        why: e.to_string(),
                    }
                    .text(),
                )
            },
        )?;
        current = log_vkey.clone();
    }
    if current != target {
        return Err(verify(
            ProofCheckMsg::RotationsLeadElsewhere {
                current,
                size: tree_size,
                target,
            }
            .text(),
        ));
    }
    Ok(current)
}

pub(crate) fn check(raw: Vec<u8>, seq: u64, proof: &InclusionJson, verifier: &LogVerifier) -> Result<Checked> {
    let decoded = SequencedEntry::decode(&raw).map_err(|e| {
        verify(
            ProofCheckMsg::NotCanonical {
                seq,
                why: e.to_string(),
            }
            .text(),
        )
    })?;
    if decoded.entry.seq != seq || proof.leaf_index != seq {
        return Err(verify(
            ProofCheckMsg::WrongEntry {
                seq,
                got: decoded.entry.seq,
                leaf: proof.leaf_index,
            }
            .text(),
        ));
    }
    decoded.entry.signed.clone().verify().map_err(|e| {
        verify(
            ProofCheckMsg::EntrySignature {
                seq,
                why: e.to_string(),
            }
            .text(),
        )
    })?;
    let checkpoint = verifier.verify_checkpoint(proof.checkpoint.as_bytes()).map_err(|e| {
        verify(
            ProofCheckMsg::CheckpointKey {
                vkey: verifier.vkey().to_string(),
                why: e.to_string(),
            }
            .text(),
        )
    })?;
    if checkpoint.size() != proof.tree_size {
        return Err(verify(
            ProofCheckMsg::ProofSize {
                proof: proof.tree_size,
                checkpoint: checkpoint.size(),
            }
            .text(),
        ));
    }
    let hashes = parse_hashes(&proof.hashes)?;
    let leaf = leaf_hash(&raw);
    verify_inclusion(&hashes, checkpoint.size(), checkpoint.root(), seq, &leaf).map_err(|e| {
        verify(
            ProofCheckMsg::InclusionRejected {
                seq,
                why: e.to_string(),
            }
            .text(),
        )
    })?;
    Ok(Checked {
        entry: decoded.entry,
        checkpoint,
        proof: hashes,
        raw,
    })
}

fn fetch_checked(node: &Node, seq: u64, args: &ProveArgs, quiet: bool) -> Result<Checked> {
    let (entry, proof) = match node.get_json::<EntryWithProof>(&format!("/v1/entries/{seq}?proof=true")) {
        Ok(EntryWithProof { entry, proof: Some(p) }) => (entry, p),
        Ok(EntryWithProof { entry, proof: None }) => (
            entry,
            node.get_json::<InclusionJson>(&format!("/v1/proof/inclusion?seq={seq}"))?,
        ),
        Err(e) => return Err(e),
    };
    let raw = entry.bytes()?;
    let verifier = verifier_for(args, node, proof.tree_size, quiet)?;
    check(raw, seq, &proof, &verifier)
}

pub(crate) fn witnesses(args: &ProveArgs, checkpoint: &VerifiedCheckpoint) -> Result<usize> {
    let list: Vec<WitnessVerifier> = args
        .witnesses
        .iter()
        .map(|w| WitnessVerifier::from_vkey(w.trim()).usage_err(format!("--witness {w}")))
        .collect::<Result<_>>()?;
    let n = count_valid_cosignatures(checkpoint, &list);
    if n < args.min_witnesses {
        return Err(verify(
            ProofCheckMsg::FewCosignatures {
                found: n,
                required: args.min_witnesses,
            }
            .text(),
        ));
    }
    Ok(n)
}

fn describe(entry: &SequencedEntry) -> String {
    let body = &entry.signed.submission.body;
    let amount = body
        .amount()
        .map(|a| format!(" {} 元", a.to_yuan_string()))
        .unwrap_or_default();
    let detail = detail(body);
    // The business date (the day the money moved or the step was taken),
    // which the sequencing time shown beside it is not.
    let date = body.business_date().map(|d| format!(" {d}")).unwrap_or_default();
    format!("{}{detail}{amount}{date}", body.kind().label_zh())
}

/// A budget's total in yuan, e.g. `1,200,000.00`.
fn budget_total(budgets: &[ledger_core::project::FundBudget]) -> String {
    let total = budgets.iter().map(|b| b.amount.get()).fold(0u64, u64::saturating_add);
    ledger_core::Fen::from_raw(total).to_yuan_string()
}

/// What identifies an entry beside its kind: the project, document and
/// outcome of a project stage (项目库), the parties of money, the notice
/// or household of a procedure step.
fn detail(body: &EntryBody) -> String {
    match body {
        EntryBody::ProjectRegister(p) => format!(" {} {}", p.project, p.name),
        EntryBody::ProjectReview(r) => format!(
            " {} {} {}",
            r.project,
            r.document_no,
            if r.passed { "通过" } else { "未通过" }
        ),
        EntryBody::ProjectApprove(a) => format!(
            " {} {} 批复预算 {} 元 施工单位 {}",
            a.project,
            a.document_no,
            budget_total(&a.budgets),
            a.contract.contractor.name
        ),
        EntryBody::ProjectStart(m) | EntryBody::ProjectAccept(m) | EntryBody::ProjectHandover(m) => {
            format!(" {} {}", m.project, m.document_no)
        }
        EntryBody::ProjectEvaluate(e) => format!(" {} {} {}分", e.project, e.document_no, e.score),
        EntryBody::ProjectAdjust(a) => format!(
            " {} {} 调整后预算 {} 元{}",
            a.project,
            a.document_no,
            budget_total(&a.budgets),
            a.contract
                .as_ref()
                .map(|c| format!(" 变更施工单位 {}", c.contractor.name))
                .unwrap_or_default()
        ),
        EntryBody::ProjectCancel(c) => format!(" {} {}", c.project, c.reason),
        _ => money_or_procedure_detail(body),
    }
}

fn money_or_procedure_detail(body: &EntryBody) -> String {
    match body {
        EntryBody::HouseholdSubsidy(s) => format!(
            " {} {} {} {}",
            s.masked_name,
            s.category.label_zh(),
            s.period,
            s.village
        ),
        EntryBody::Transfer(t) => format!(" {} {} → {}", t.fund, t.from.key(), t.to.key()),
        EntryBody::ProjectDisbursement(d) => format!(" {} {} → {}", d.project, d.from.key(), d.payee.name),
        EntryBody::FundIssue(f) => format!(" {} {}", f.fund, f.document_no),
        EntryBody::Reversal(r) => format!(" of entry {}", r.target_seq),
        EntryBody::Notice(n) => format!(" {} {} {}", n.notice, n.stage.label_zh(), n.region),
        EntryBody::HouseholdRegister(r) => format!(" {} {} {}", r.masked_name, r.category.label_zh(), r.village),
        EntryBody::PaymentConfirm(c) => format!(" of entry {} {}", c.payment_seq, c.method.label_zh()),
        EntryBody::Objection(o) => format!(" {}", o.case_no),
        EntryBody::ObjectionResolve(r) => format!(" {} {}", r.case_no, r.outcome.label_zh()),
        _ => String::new(),
    }
}

pub(crate) fn print_checked(c: &Checked, cosigned: usize) {
    let lines = [
        ProveMsg::Entry {
            seq: c.entry.seq,
            what: describe(&c.entry),
        },
        ProveMsg::BytesOk {
            signatures: c.entry.signed.signatures.len(),
        },
        ProveMsg::Included {
            leaf: hex::encode(leaf_hash(&c.raw).0),
            hashes: c.proof.len(),
            size: c.checkpoint.size(),
        },
        ProveMsg::Root {
            root: c.checkpoint.root().to_string(),
            origin: c.checkpoint.origin().to_string(),
        },
        ProveMsg::Cosigned {
            cosigned,
            time: crate::time::format_ms(c.entry.time_ms),
        },
    ];
    for line in lines {
        println!("{}", line.text());
    }
}

/// Run `ledger prove`.
pub fn run(args: &ProveArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    if args.bundle.is_some() {
        return crate::audit::prove_bundle::run(args, quiet);
    }
    if let Some(path) = &args.proof {
        let vkey = keys::vkey_arg(
            args.log_key
                .as_deref()
                .ok_or_else(|| usage(ProveMsg::NeedLogKey.text()))?,
        )?;
        let verifier = LogVerifier::from_vkey(&vkey).usage_err("--log-key")?;
        let text = keys::read_small(path, ledger_core::checkpoint::MAX_TLOG_PROOF_BYTES as u64)?;
        let proof = TlogProof::parse(&text).input_err(format!("{}", path.display()))?;
        let raw = proof
            .extra_data
            .clone()
            .ok_or_else(|| input(ProveMsg::NoEntryBytes.text()))?;
        let json = InclusionJson {
            leaf_index: proof.index,
            tree_size: proof
                .checkpoint
                .lines()
                .nth(1)
                .and_then(|l| l.parse().ok())
                .unwrap_or(0),
            hashes: proof.inclusion_proof.iter().map(|h| hex::encode(h.0)).collect(),
            checkpoint: proof.checkpoint.clone(),
        };
        let checked = check(raw, proof.index, &json, &verifier)?;
        let n = witnesses(args, &checked.checkpoint)?;
        print_checked(&checked, n);
        return Ok(());
    }
    let url = args.node.as_deref().ok_or_else(|| usage(ProveMsg::NeedNode.text()))?;
    let node = Node::new(url, timeout_s)?;
    if let Some(seq) = args.seq {
        let checked = fetch_checked(&node, seq, args, quiet)?;
        let n = witnesses(args, &checked.checkpoint)?;
        print_checked(&checked, n);
        if let Some(out) = &args.out {
            let proof = TlogProof::new(
                Some(checked.raw.clone()),
                seq,
                checked.proof.clone(),
                &checked.checkpoint,
            );
            let file = out.display().to_string();
            std::fs::write(out, proof.to_text()).input_err(ProveMsg::CannotWrite { file: file.clone() }.text())?;
            println!("{}", ProveMsg::Wrote { file }.text());
        }
        return Ok(());
    }
    let reference = match (&args.household, &args.resident_id, &args.pseudonym_key) {
        (Some(r), _, _) if r.trim().len() < 64 => return Err(usage(ProveMsg::HouseholdPrefix.text())),
        (Some(r), _, _) => HouseholdRef::parse(r).usage_err("--household")?,
        (None, Some(id), Some(key)) => {
            let key = keys::read_pseudonym_key(key)?;
            key.household_ref(&ResidentId::parse(id).usage_err("--resident-id")?)
        }
        _ => return Err(usage(ProveMsg::NeedWhat.text())),
    };
    let path = format!("/v1/households/{reference}");
    let no_entries = || {
        network(
            ProveMsg::NoEntries {
                reference: reference.to_string(),
            }
            .text(),
        )
    };
    // A household the node never saw is a 404: the same answer as none.
    if node.get_any(&path)?.status == 404 {
        return Err(no_entries());
    }
    let answer: HouseholdAnswer = node.get_json(&path)?;
    if answer.entries.is_empty() {
        return Err(no_entries());
    }
    let mut table = Table::new(&["条目", "类别", "期间", "金额(元)", "村", "冲正", "证明"]).right_align(&[0, 3]);
    let mut size = 0;
    let mut cosigned = usize::MAX;
    for e in &answer.entries {
        let checked = fetch_checked(&node, e.seq, args, true)?;
        let EntryBody::HouseholdSubsidy(s) = &checked.entry.signed.submission.body else {
            return Err(verify(ProveMsg::NotSubsidy { seq: e.seq }.text()));
        };
        if s.household != reference {
            return Err(verify(
                ProveMsg::OtherHousehold {
                    seq: e.seq,
                    found: s.household.to_string(),
                    reference: reference.to_string(),
                }
                .text(),
            ));
        }
        cosigned = cosigned.min(witnesses(args, &checked.checkpoint)?);
        size = checked.checkpoint.size();
        table.row(vec![
            format!("#{}", e.seq),
            s.category.label_zh().into(),
            s.period.to_string(),
            s.amount.to_yuan_string(),
            s.village.to_string(),
            e.reversed_by.map(|r| format!("#{r}")).unwrap_or_default(),
            "✓".into(),
        ]);
    }
    println!(
        "{}",
        ProveMsg::Household {
            reference: reference.to_string(),
            masked_name: answer.masked_name.unwrap_or_default(),
        }
        .text()
    );
    print!("{}", table.render());
    println!(
        "{}",
        ProveMsg::AllEntries {
            entries: answer.entries.len(),
            size,
            cosigned: if cosigned == usize::MAX { 0 } else { cosigned },
        }
        .text()
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ledger_core::entry::Payee;
    use ledger_core::ids::{Date, Ident, Text};
    use ledger_core::procedure::NoticeLineRef;
    use ledger_core::project::{
        Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectCancel, ProjectEvaluate, ProjectMilestone,
        ProjectReview,
    };

    fn t(s: &str) -> Text {
        Text::new(s).unwrap()
    }
    fn i(s: &str) -> Ident {
        Ident::new(s).unwrap()
    }

    #[test]
    fn project_stages_are_described_by_project_document_and_outcome() {
        let date = Date::new(20190320).unwrap();
        let p = i("P2019-101201-01");
        let budgets = vec![
            FundBudget {
                fund: i("F2019-SCN-012"),
                amount: ledger_core::Fen::from_raw(100_000_000),
            },
            FundBudget {
                fund: i("F2019-HQC-008"),
                amount: ledger_core::Fen::from_raw(20_000_050),
            },
        ];
        let contract = Contract {
            contractor: Payee {
                id: i("91320803MA1XXXXXX0"),
                name: t("淮安市瑞丰建设工程有限公司"),
            },
            contract_no: t("HAFP-2019-001"),
        };
        let milestone = ProjectMilestone {
            project: p.clone(),
            date,
            document_no: t("施河镇开工令〔2019〕2号"),
            note: t("进场施工"),
        };
        let cases = [
            (
                EntryBody::ProjectReview(ProjectReview {
                    project: p.clone(),
                    date,
                    document_no: t("淮区扶贫论〔2019〕3号"),
                    passed: false,
                    note: t("需调整选址"),
                }),
                " P2019-101201-01 淮区扶贫论〔2019〕3号 未通过",
            ),
            (
                EntryBody::ProjectApprove(ProjectApprove {
                    project: p.clone(),
                    date,
                    document_no: t("淮区扶贫〔2019〕12号"),
                    plan: NoticeLineRef {
                        notice: i("N-1"),
                        line: 0,
                    },
                    budgets: budgets.clone(),
                    contract: contract.clone(),
                }),
                " P2019-101201-01 淮区扶贫〔2019〕12号 批复预算 1,200,000.50 元 施工单位 淮安市瑞丰建设工程有限公司",
            ),
            (
                EntryBody::ProjectStart(milestone.clone()),
                " P2019-101201-01 施河镇开工令〔2019〕2号",
            ),
            (
                EntryBody::ProjectEvaluate(ProjectEvaluate {
                    project: p.clone(),
                    date,
                    document_no: t("淮区扶贫绩〔2019〕9号"),
                    score: 92,
                    note: t("群众满意"),
                }),
                " P2019-101201-01 淮区扶贫绩〔2019〕9号 92分",
            ),
            (
                EntryBody::ProjectAdjust(ProjectAdjust {
                    project: p.clone(),
                    date,
                    document_no: t("淮区扶贫〔2019〕31号"),
                    budgets: budgets[..1].to_vec(),
                    contract: Some(contract),
                    reason: t("变更施工单位"),
                }),
                " P2019-101201-01 淮区扶贫〔2019〕31号 调整后预算 1,000,000.00 元 变更施工单位 淮安市瑞丰建设工程有限公司",
            ),
            (
                EntryBody::ProjectCancel(ProjectCancel {
                    project: p,
                    date,
                    reason: t("选址与规划冲突"),
                }),
                " P2019-101201-01 选址与规划冲突",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(detail(&body), expected);
        }
    }
}

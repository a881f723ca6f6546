//! `ledger prove --bundle FILE`: the same checks as against a node, offline
//! against a bundle's signed checkpoint — the entry's bytes decode and its
//! signatures verify, its leaf is included in the tree the checkpoint signs,
//! and the checkpoint verifies against the pinned log key. Also what only a
//! bundle allows: a household by any unique prefix of its reference (at
//! least 8 hex digits), and a finding of `ledger audit` by its id (its
//! entries, from `--report FILE.json` or by auditing the bundle again with
//! the default settings).

use crate::exit::{input, usage, verify, Tag as _};
use crate::http::InclusionJson;
use crate::keys;
use crate::messages::prove::ProveMsg;
use crate::messages::Message as _;
use crate::prove::{check, print_checked, witnesses, ProveArgs};
use crate::verify_cmd;
use anyhow::Result;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::LogVerifier;
use ledger_core::entry::EntryBody;
use ledger_core::household::HouseholdRef;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Shortest household-reference prefix accepted.
pub const MIN_PREFIX: usize = 8;

/// Which households' references start with `prefix` (lower-case hex), and
/// their subsidy entries.
fn households_with_prefix(entries: &[&[u8]], prefix: &str) -> Result<BTreeMap<HouseholdRef, Vec<u64>>> {
    let found: Vec<(HouseholdRef, u64)> = entries
        .par_iter()
        .filter_map(|b| {
            let d = SequencedEntry::decode(b).ok()?;
            match &d.entry.signed.submission.body {
                EntryBody::HouseholdSubsidy(s) if s.household.0.to_hex().starts_with(prefix) => {
                    Some((s.household, d.entry.seq))
                }
                _ => None,
            }
        })
        .collect();
    let mut map: BTreeMap<HouseholdRef, Vec<u64>> = BTreeMap::new();
    for (h, s) in found {
        map.entry(h).or_default().push(s);
    }
    Ok(map)
}

/// Resolve a household reference or a unique prefix of one.
pub fn resolve_household(entries: &[&[u8]], text: &str) -> Result<(HouseholdRef, Vec<u64>)> {
    let prefix = text.trim().to_ascii_lowercase();
    if prefix.len() < MIN_PREFIX || prefix.len() > 64 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(usage(ProveMsg::BundleHouseholdForm { min: MIN_PREFIX }.text()));
    }
    let map = households_with_prefix(entries, &prefix)?;
    match map.len() {
        0 => Err(input(ProveMsg::NoHouseholdPrefix { prefix }.text())),
        1 => Ok(map
            .into_iter()
            .next()
            .map(|(h, mut s)| {
                s.sort_unstable();
                (h, s)
            })
            .ok_or_else(|| input("no household"))?),
        n => Err(usage(
            ProveMsg::HouseholdAmbiguous {
                count: n,
                listed: format!(
                    "{}{}",
                    map.keys().take(10).map(|h| h.0.to_hex()).collect::<Vec<_>>().join(", "),
                    if n > 10 { ", …" } else { "" }
                ),
                prefix,
            }
            .text(),
        )),
    }
}

#[derive(serde::Deserialize)]
struct ReportFile {
    report: ReportFindings,
}
#[derive(serde::Deserialize)]
struct ReportFindings {
    findings: Vec<FindingRef>,
}
#[derive(serde::Deserialize)]
struct FindingRef {
    id: String,
    entries: Vec<u64>,
}

fn finding_entries(
    args: &ProveArgs,
    id: &str,
    path: &Path,
    view: &ledger_core::bundle::BundleView<'_>,
    quiet: bool,
) -> Result<Vec<u64>> {
    let findings: Vec<(String, Vec<u64>)> = match &args.report {
        Some(report) => {
            let text = keys::read_small(report, 512 * 1024 * 1024)?;
            let doc: ReportFile = serde_json::from_str(&text).input_err(format!(
                "{}: not a `ledger audit --format json` report",
                report.display()
            ))?;
            doc.report.findings.into_iter().map(|f| (f.id, f.entries)).collect()
        }
        None => {
            let trust = verify_cmd::TrustArgs {
                checkpoint: None,
                log_key: args.log_key.clone(),
                evidence: None,
                threads: None,
            };
            let (_, report) = crate::audit_cmd::verify_and_audit(
                path,
                view,
                &trust,
                &ledger_audit::AuditConfig::default(),
                ledger_audit::lists::ExternalLists::default(),
                Default::default(),
                &mut crate::audit::strict_cache::Strict::default(),
                quiet,
            )?;
            report.findings.into_iter().map(|f| (f.id, f.entries)).collect()
        }
    };
    let want = id.trim();
    let matching: Vec<&(String, Vec<u64>)> = findings.iter().filter(|(fid, _)| fid.starts_with(want)).collect();
    match matching.as_slice() {
        [one] => Ok(one.1.clone()),
        [] => Err(input(
            ProveMsg::NoFinding {
                id: want.to_string(),
                in_report: args.report.is_some(),
            }
            .text(),
        )),
        many => Err(usage(
            ProveMsg::FindingAmbiguous {
                id: want.to_string(),
                listed: many.iter().map(|f| f.0.as_str()).collect::<Vec<_>>().join(", "),
            }
            .text(),
        )),
    }
}

/// Run `ledger prove --bundle`.
pub fn run(args: &ProveArgs, quiet: bool) -> Result<()> {
    let path = args.bundle.as_ref().ok_or_else(|| usage("--bundle FILE"))?;
    let bytes = verify_cmd::read_bundle(path)?;
    let view = verify_cmd::parse(path, &bytes)?;
    let vkey = match &args.log_key {
        Some(k) => keys::vkey_arg(k)?,
        None => {
            crate::progress::note(
                quiet,
                &format!(
                    "warning: checking against the log key the bundle itself states ({}); pin the key you trust with --log-key",
                    view.header.log_vkey
                ),
            );
            view.header.log_vkey.clone()
        }
    };
    let verifier = LogVerifier::from_vkey(&vkey).usage_err(format!("log key {vkey}"))?;
    let checkpoint = verifier
        .verify_checkpoint(view.header.checkpoint.as_bytes())
        .map_err(|e| {
            verify(format!(
                "{}: the checkpoint does not verify against log key {vkey}: {e}",
                path.display()
            ))
        })?;
    let size = checkpoint.size();
    let (title, seqs) = match (&args.seq, &args.household, &args.finding) {
        (Some(seq), None, None) => (None, vec![*seq]),
        (None, Some(h), None) => {
            let (href, seqs) = resolve_household(&view.entries, h)?;
            (Some(format!("household {}", href.0.to_hex())), seqs)
        }
        (None, None, Some(id)) => {
            let seqs = finding_entries(args, id, path, &view, quiet)?;
            (Some(format!("finding {id}")), seqs)
        }
        _ => {
            return Err(usage(
                "with --bundle give one of --seq N, --household REF-OR-PREFIX, --finding ID",
            ))
        }
    };
    if seqs.is_empty() {
        return Err(input(ProveMsg::FindingNamesNoEntry.text()));
    }
    let leaves: Vec<_> = view.entries.par_iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaves(&leaves);
    if let Some(t) = &title {
        println!("{t}: {} entries", seqs.len());
    }
    for seq in &seqs {
        let raw = view
            .entries
            .get(usize::try_from(*seq).unwrap_or(usize::MAX))
            .filter(|_| *seq < size)
            .ok_or_else(|| usage(format!("entry {seq} is not in the bundle's signed tree of size {size}")))?
            .to_vec();
        let proof = tree
            .inclusion_proof(*seq, size)
            .map_err(|e| verify(format!("entry {seq}: no inclusion proof: {e}")))?;
        let json = InclusionJson {
            leaf_index: *seq,
            tree_size: size,
            hashes: proof.iter().map(|h| hex::encode(h.0)).collect(),
            checkpoint: view.header.checkpoint.clone(),
        };
        let checked = check(raw, *seq, &json, &verifier)?;
        let n = witnesses(args, &checked.checkpoint)?;
        print_checked(&checked, n);
    }
    if seqs.len() > 1 {
        println!(
            "✓ all {} entries are included in the signed log of size {size} ({})",
            seqs.len(),
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use ledger_core::chain::{entry_hash, ChainHead};
    use ledger_core::encoding::Bytes;
    use ledger_core::entry::{Account, HouseholdSubsidy, SubsidyCategory};
    use ledger_core::household::MaskedName;
    use ledger_core::ids::{Date, Ident, Period};
    use ledger_core::submission::{Submission, SUBMISSION_VERSION};

    /// Entries paying households whose references start with these bytes.
    fn entries(prefixes: &[[u8; 5]]) -> Vec<Vec<u8>> {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let mut head = ChainHead::EMPTY;
        let mut out = Vec::new();
        for (n, p) in prefixes.iter().enumerate() {
            let mut r = [0x11u8; 32];
            r[..5].copy_from_slice(p);
            let body = EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                fund: Ident::new("F1").unwrap(),
                from: Account::Treasury(ledger_core::RegionCode::parse("320803001000").unwrap()),
                household: HouseholdRef(Bytes(r)),
                masked_name: MaskedName::mask("张三").unwrap(),
                village: ledger_core::RegionCode::parse("320803001001").unwrap(),
                category: SubsidyCategory::MinimumLiving,
                period: Period::new(2019, 1).unwrap(),
                amount: ledger_core::Fen::new(100).unwrap(),
                date: Date::new(20190101).unwrap(),
                notice: None,
                supplementary: None,
            });
            let mut nonce = [0u8; 16];
            nonce[0] = n as u8;
            let signed = Submission {
                v: SUBMISSION_VERSION,
                origin: "o".into(),
                nonce: Bytes(nonce),
                not_after_ms: 1,
                body,
            }
            .sign(&[&key]);
            let entry = head.next_entry(signed, 1);
            let bytes = entry.encode();
            head.link(&entry, entry_hash(&bytes)).unwrap();
            out.push(bytes);
        }
        out
    }

    #[test]
    fn household_prefixes() {
        let owned = entries(&[
            [0xab, 0xab, 0xab, 0xab, 0x01],
            [0xab, 0xab, 0xab, 0xab, 0x02],
            [0xab, 0xab, 0xab, 0xab, 0x01],
        ]);
        let view: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        // Unique: the household and both its entries.
        let (h, seqs) = resolve_household(&view, "ABABABAB01").unwrap();
        assert_eq!(h.0 .0[4], 0x01);
        assert_eq!(seqs, vec![0, 2]);
        // Ambiguous: both candidates named in full.
        let err = crate::exit::one_line(&resolve_household(&view, "abababab").unwrap_err());
        // (Unit tests run in the default language, Chinese.)
        assert!(err.contains("--household abababab 不唯一：有 2 户以它开头："), "{err}");
        assert!(err.contains(&format!("abababab01{}", "11".repeat(27))), "{err}");
        assert!(err.contains(&format!("abababab02{}", "11".repeat(27))), "{err}");
        // Too short, not hex, absent.
        for bad in ["abababa", "abababzz", "cdcdcdcd"] {
            assert!(resolve_household(&view, bad).is_err(), "{bad}");
        }
    }
}

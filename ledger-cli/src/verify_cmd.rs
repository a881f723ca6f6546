//! `ledger verify`: offline verification of a bundle, trusting nothing but
//! the maths (see `ledger_core::verify`), and fork evidence.

use crate::exit::{input, usage, verify, ExitKind, Tag as _};
use crate::keys;
use crate::messages::verify::VerifyMsg;
use crate::messages::Message as _;
use anyhow::Result;
use clap::Args;
use ledger_core::bundle::{parse_bundle, BundleError, BundleView};
use ledger_core::checkpoint::{count_valid_cosignatures, WitnessVerifier};
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_core::verify::{verify_ledger_observed, Applied, VerifyFailure, VerifyOptions, VerifyReport};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Largest bundle read (it is held in memory while verified).
pub const MAX_BUNDLE_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// What `verify` and `audit` share: the bundle and the trust anchors.
#[derive(Debug, Clone, Args)]
pub struct TrustArgs {
    /// An older signed checkpoint you saved earlier: the ledger must extend it.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Pin the log's verifier key (default: the key declared in genesis).
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
    /// Where to write fork evidence (default: next to the bundle, FILE.fork-evidence.json).
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `ledger verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The bundle (from `ledger export`).
    pub file: PathBuf,
    /// Trust anchors.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Witness verifier key whose cosignature to check; repeat.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// Require at least this many valid witness cosignatures.
    #[arg(long, default_value_t = 0)]
    pub min_witnesses: usize,
    /// Save the verified checkpoint to FILE, for the next `--checkpoint`.
    #[arg(long, value_name = "FILE")]
    pub save_checkpoint: Option<PathBuf>,
}

/// Two signed checkpoints that cannot both be true, with what links them:
/// the one evidence file format of ledger-core, which a mirror writes too,
/// so that `ledger verify`, `ledger witness` and `ledger-node mirror` cannot
/// drift apart (this name stays for the CLI's callers).
pub use ledger_core::checkpoint::ForkEvidenceFile as EvidenceFile;

/// Write an evidence file; returns its path.
pub fn write_evidence(path: &Path, evidence: &EvidenceFile) -> Result<()> {
    let text = serde_json::to_string_pretty(evidence).input_err("encoding the evidence")?;
    std::fs::write(path, text + "\n").input_err(format!("writing the evidence file {}", path.display()))
}

/// Default evidence path next to a file.
pub fn evidence_path(file: &Path, given: Option<&PathBuf>) -> PathBuf {
    given.cloned().unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".fork-evidence.json");
        PathBuf::from(p)
    })
}

/// Read a bundle file into memory (bounded).
pub fn read_bundle(path: &Path) -> Result<Vec<u8>> {
    let file = path.display().to_string();
    let cannot_read = || VerifyMsg::CannotRead { file: file.clone() }.text();
    let meta = std::fs::metadata(path).input_err(cannot_read())?;
    if meta.len() > MAX_BUNDLE_BYTES {
        return Err(input(
            VerifyMsg::TooBig {
                file: file.clone(),
                max: MAX_BUNDLE_BYTES,
            }
            .text(),
        ));
    }
    std::fs::read(path).input_err(cannot_read())
}

/// Parse a bundle; a damaged one is a verification failure.
pub fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<BundleView<'a>> {
    parse_bundle(bytes).map_err(|e| match e {
        BundleError::BadMagic => input(
            VerifyMsg::NotABundle {
                file: path.display().to_string(),
            }
            .text(),
        ),
        other => verify(
            VerifyMsg::Damaged {
                file: path.display().to_string(),
                why: other.to_string(),
            }
            .text(),
        ),
    })
}

/// Set the rayon pool size once.
pub fn set_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        if n == 0 || n > 1024 {
            return Err(usage(VerifyMsg::Threads.text()));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .usage_err("--threads")?;
    }
    Ok(())
}

/// Verify a bundle (with progress); on a fork, write the evidence file.
pub fn verify_bundle(path: &Path, view: &BundleView<'_>, trust: &TrustArgs, quiet: bool) -> Result<VerifyReport> {
    verify_bundle_observed(path, view, trust, quiet, "verifying", None, &mut |_| {})
}

/// [`verify_bundle`] handing each entry, once applied, to `on_entry`
/// (`ledger audit`'s one pass; `strict_from` as in
/// `ledger_core::verify::Replay::push_observed`). On an error the caller
/// must discard what `on_entry` built: the bundle did not verify.
pub fn verify_bundle_observed(
    path: &Path,
    view: &BundleView<'_>,
    trust: &TrustArgs,
    quiet: bool,
    label: &str,
    strict_from: Option<u64>,
    on_entry: &mut dyn FnMut(Applied<'_>),
) -> Result<VerifyReport> {
    let trusted = match &trust.log_key {
        Some(k) => Some(keys::vkey_arg(k)?),
        None => None,
    };
    let old = match &trust.checkpoint {
        Some(p) => Some(keys::read_small(p, ledger_core::checkpoint::MAX_NOTE_BYTES as u64)?.into_bytes()),
        None => None,
    };
    let options = VerifyOptions {
        trusted_log_vkey: trusted.clone(),
        old_checkpoint: old.clone(),
    };
    let bar = crate::progress::bar(view.entries.len() as u64, label, quiet);
    let result = verify_ledger_observed(
        &view.entries,
        view.header.checkpoint.as_bytes(),
        &options,
        &|n| bar.set_position(n),
        strict_from,
        on_entry,
    );
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if trusted.is_none() {
                crate::progress::note(
                    quiet,
                    &VerifyMsg::KeyFromGenesis {
                        vkey: report.log_vkey.clone(),
                    }
                    .text(),
                );
            }
            Ok(report)
        }
        Err(failure) => Err(failure_error(path, view, trust, failure, old.as_deref())),
    }
}

fn failure_error(
    path: &Path,
    view: &BundleView<'_>,
    trust: &TrustArgs,
    failure: VerifyFailure,
    old: Option<&[u8]>,
) -> anyhow::Error {
    let Some(fork) = &failure.fork else {
        return verify(
            VerifyMsg::Failed {
                file: path.display().to_string(),
                why: failure.to_string(),
            }
            .text(),
        );
    };
    let older = String::from_utf8_lossy(&fork.a).into_owned();
    let newer = String::from_utf8_lossy(&fork.b).into_owned();
    let old_size = old
        .and_then(|o| std::str::from_utf8(o).ok())
        .and_then(|t| t.lines().nth(1))
        .and_then(|l| l.parse::<u64>().ok());
    let mut proof = Vec::new();
    let mut root_at = None;
    if let Some(old_size) = old_size.filter(|s| *s > 0 && (*s as usize) <= view.entries.len()) {
        let leaves: Vec<_> = view.entries.par_iter().map(|e| leaf_hash(e)).collect();
        let tree = MemoryTree::from_leaves(&leaves);
        if let (Ok(p), Ok(r)) = (tree.consistency_proof(old_size, tree.size()), tree.root_at(old_size)) {
            proof = p.iter().map(|h| hex::encode(h.0)).collect();
            root_at = Some(hex::encode(r.0));
        }
    }
    let evidence = EvidenceFile {
        kind: ledger_core::checkpoint::FORK_EVIDENCE_KIND.into(),
        origin: view.header.origin.clone(),
        reason: failure.message.clone(),
        log_vkey: trust.log_key.clone().unwrap_or_else(|| view.header.log_vkey.clone()),
        older_checkpoint: older,
        newer_checkpoint: newer,
        newer_root_at_older_size: root_at,
        consistency_proof: proof,
        found_ms: crate::time::now_ms(),
    };
    let target = evidence_path(path, trust.evidence.as_ref());
    match write_evidence(&target, &evidence) {
        Ok(()) => verify(
            VerifyMsg::Fork {
                file: path.display().to_string(),
                why: failure.message.clone(),
                evidence: target.display().to_string(),
            }
            .text(),
        ),
        Err(e) => crate::exit::fail(
            ExitKind::Verify,
            VerifyMsg::ForkUnsaved {
                file: path.display().to_string(),
                why: failure.message.clone(),
                error: crate::exit::one_line(&e),
            }
            .text(),
        ),
    }
}

/// Run `ledger verify`.
pub fn run(args: &VerifyArgs, quiet: bool) -> Result<()> {
    set_threads(args.trust.threads)?;
    let bytes = read_bundle(&args.file)?;
    let view = parse(&args.file, &bytes)?;
    let started = std::time::Instant::now();
    let report = verify_bundle(&args.file, &view, &args.trust, quiet)?;
    let seconds = started.elapsed().as_secs_f64();
    let witnesses: Vec<WitnessVerifier> = args
        .witnesses
        .iter()
        .map(|w| WitnessVerifier::from_vkey(w.trim()).usage_err(format!("--witness {w}")))
        .collect::<Result<_>>()?;
    let cosigned = count_valid_cosignatures(&report.checkpoint, &witnesses);
    if cosigned < args.min_witnesses {
        return Err(verify(
            VerifyMsg::FewWitnesses {
                file: args.file.display().to_string(),
                found: cosigned,
                required: args.min_witnesses,
            }
            .text(),
        ));
    }
    if let Some(path) = &args.save_checkpoint {
        std::fs::write(path, report.checkpoint.note_bytes()).input_err(
            VerifyMsg::CannotWrite {
                file: path.display().to_string(),
            }
            .text(),
        )?;
    }
    println!(
        "{}",
        VerifyMsg::Ok {
            file: args.file.display().to_string()
        }
        .text()
    );
    println!("{}{}", VerifyMsg::Origin.text(), report.origin);
    println!("{}{}", VerifyMsg::Entries.text(), report.entries);
    println!("{}", VerifyMsg::Signatures(report.signatures).text());
    println!("{}", VerifyMsg::Root(report.root.to_string()).text());
    println!("{}", VerifyMsg::HeadHash(report.head_hash.to_string()).text());
    println!("{}{}", VerifyMsg::LogKey.text(), report.log_vkey);
    println!(
        "{}",
        VerifyMsg::Checkpoint {
            size: report.checkpoint.size(),
            others: report.checkpoint.other_signatures().len(),
            cosigned,
        }
        .text()
    );
    if let Some(size) = report.consistent_with_size {
        println!("{}", VerifyMsg::Consistent { size }.text());
    }
    if !quiet {
        let rate = report.entries as f64 / seconds.max(1e-9);
        eprintln!("{}", VerifyMsg::Speed { seconds, rate }.text());
    }
    Ok(())
}

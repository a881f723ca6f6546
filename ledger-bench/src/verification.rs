//! Offline verification against its physical limit: the bundle of the
//! workload is verified with `verify::verify_ledger` (and once with the
//! `ledger verify` CLI), and the same signatures are verified raw with
//! `ed25519_dalek::verify_batch` on all cores (rayon, batches of 512). The
//! ratio of the two rates is the figure.

use crate::data::Workload;
use crate::stats::Throughput;
use anyhow::{bail, Context, Result};
use ed25519_dalek::{Signature, VerifyingKey};
use ledger_core::bundle::{encode_header, encode_record, parse_bundle, BundleHeader, BUNDLE_VERSION};
use ledger_core::checkpoint::LogSigner;
use ledger_core::keys::verifier_key_string;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_core::verify::{verify_ledger, VerifyOptions};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Signatures per raw `verify_batch` call.
pub const RAW_BATCH: usize = 512;

/// CPU seconds (user + system, every thread) this process has used, from
/// /proc/self/stat (clock ticks of 1/100 s, Linux's USER_HZ).
pub fn cpu_seconds() -> f64 {
    process_cpu_seconds("self").unwrap_or(0.0)
}

/// CPU seconds (user + system, every thread) of process `pid` ("self" or a
/// number), from /proc/PID/stat.
pub fn process_cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    Some((ticks(11) + ticks(12)) / 100.0)
}

/// What the verification phase measured.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyFigures {
    /// Entries in the bundle.
    pub entries: u64,
    /// Signatures in it.
    pub signatures: u64,
    /// Bundle size in bytes.
    pub bundle_bytes: u64,
    /// Raw batch verification of the same signatures, all cores (best run).
    pub raw_batch: Throughput,
    /// Raw ZIP-215 batch verification (`ed25519-zebra`, the verifier's own
    /// batch equation) of the same signatures, all cores (best run).
    pub raw_zip215_batch: Throughput,
    /// library entries/s ÷ raw ZIP-215 batch entries/s.
    pub ratio_zip215: f64,
    /// Raw one-by-one `verify_strict` on one core (a sample).
    pub raw_single_one_core: Throughput,
    /// `verify_ledger` over the bundle read from disk (best run).
    pub library: Throughput,
    /// `ledger verify FILE` wall time, when the CLI binary exists.
    pub cli: Option<Throughput>,
    /// Why the CLI was not timed.
    pub cli_note: Option<String>,
    /// library entries/s ÷ raw-batch entries/s.
    pub ratio: f64,
    /// CPU seconds of the best raw run and of the best library run: their
    /// ratio is the intrinsic cost, whatever else the machine was doing.
    pub raw_cpu_seconds: f64,
    /// See `raw_cpu_seconds`.
    pub library_cpu_seconds: f64,
    /// CLI entries/s ÷ raw-batch entries/s.
    pub cli_ratio: Option<f64>,
}

/// Write the workload's bundle: magic, header with a checkpoint signed by the
/// log key, every sequenced entry.
pub fn write_bundle(w: &Workload, path: &Path) -> Result<u64> {
    let entries = w.sequenced();
    crate::data::check_decodes(&entries)?;
    let leaves: Vec<_> = entries.par_iter().map(|e| leaf_hash(e)).collect();
    let mut tree = MemoryTree::new();
    for leaf in leaves {
        tree.append(leaf);
    }
    let signer = LogSigner::new(&w.log.origin, w.log.log_key.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let checkpoint = signer.sign_checkpoint(tree.size(), &tree.root());
    let header = BundleHeader {
        v: BUNDLE_VERSION,
        origin: w.log.origin.clone(),
        log_vkey: verifier_key_string(&w.log.origin, &w.log.log_key.verifying_key()),
        checkpoint: String::from_utf8(checkpoint.to_bytes())?,
        entry_count: entries.len() as u64,
    };
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(&encode_header(&header))?;
    for e in &entries {
        out.write_all(&encode_record(e))?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

struct RawSignature {
    message: Vec<u8>,
    signature: Signature,
    key: VerifyingKey,
}

fn raw_signatures(w: &Workload) -> Result<Vec<RawSignature>> {
    let per_entry: Vec<Result<Vec<RawSignature>>> = w
        .log
        .submissions
        .par_iter()
        .map(|s| {
            let message = s.submission.signing_message();
            s.signatures
                .iter()
                .map(|sig| {
                    Ok(RawSignature {
                        message: message.clone(),
                        signature: Signature::from_bytes(sig.signature.as_bytes()),
                        key: VerifyingKey::from_bytes(sig.key.as_bytes())?,
                    })
                })
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for item in per_entry {
        out.extend(item?);
    }
    Ok(out)
}

fn raw_batch_seconds(sigs: &[RawSignature]) -> Result<f64> {
    let started = Instant::now();
    let ok = sigs.par_chunks(RAW_BATCH).all(|chunk| {
        let messages: Vec<&[u8]> = chunk.iter().map(|s| s.message.as_slice()).collect();
        let signatures: Vec<Signature> = chunk.iter().map(|s| s.signature).collect();
        let keys: Vec<VerifyingKey> = chunk.iter().map(|s| s.key).collect();
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    });
    let seconds = started.elapsed().as_secs_f64();
    if !ok {
        bail!("raw batch verification failed: the workload's signatures do not verify");
    }
    Ok(seconds)
}

/// The same signatures through ZIP-215 batch verification (`ed25519-zebra`,
/// what `verify_ledger` uses), same batches, same cores: the reference that
/// isolates the verifier's own overhead from the choice of batch equation.
fn raw_zip215_seconds(sigs: &[RawSignature]) -> Result<f64> {
    let started = Instant::now();
    let ok = sigs.par_chunks(RAW_BATCH).all(|chunk| {
        let mut verifier = ed25519_zebra::batch::Verifier::new();
        for s in chunk {
            verifier.queue((
                ed25519_zebra::VerificationKeyBytes::from(s.key.to_bytes()),
                ed25519_zebra::Signature::from_bytes(&s.signature.to_bytes()),
                s.message.as_slice(),
            ));
        }
        verifier.verify(rand::thread_rng()).is_ok()
    });
    let seconds = started.elapsed().as_secs_f64();
    if !ok {
        bail!("raw ZIP-215 batch verification failed: the workload's signatures do not verify");
    }
    Ok(seconds)
}

fn library_seconds(bundle: &Path) -> Result<(f64, u64)> {
    let started = Instant::now();
    let bytes = std::fs::read(bundle)?;
    let view = parse_bundle(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = verify_ledger(
        &view.entries,
        view.header.checkpoint.as_bytes(),
        &VerifyOptions::default(),
        &|_| {},
    )
    .map_err(|e| anyhow::anyhow!("verify_ledger refused the bundle: {e}"))?;
    Ok((started.elapsed().as_secs_f64(), report.entries))
}

/// Run the verification phase. `reps` repetitions of each timed part; the
/// best of each is kept (so the reference is never understated).
pub fn run(w: &Workload, dir: &Path, cli: Option<PathBuf>, reps: usize) -> Result<VerifyFigures> {
    let bundle = dir.join("bench.bundle");
    let bundle_bytes = write_bundle(w, &bundle)?;
    let entries = w.records.len() as u64;
    let sigs = raw_signatures(w)?;
    let signatures = sigs.len() as u64;

    let mut raw_best = f64::INFINITY;
    let mut zip215_best = f64::INFINITY;
    let mut lib_best = f64::INFINITY;
    let mut raw_cpu = f64::INFINITY;
    let mut lib_cpu = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let cpu = cpu_seconds();
        raw_best = raw_best.min(raw_batch_seconds(&sigs)?);
        raw_cpu = raw_cpu.min(cpu_seconds() - cpu);
        zip215_best = zip215_best.min(raw_zip215_seconds(&sigs)?);
        let cpu = cpu_seconds();
        let (seconds, verified) = library_seconds(&bundle)?;
        lib_cpu = lib_cpu.min(cpu_seconds() - cpu);
        if verified != entries {
            bail!("verify_ledger verified {verified} of {entries} entries");
        }
        lib_best = lib_best.min(seconds);
    }
    // One core, one by one: the slow reference (a sample keeps it short).
    let sample = &sigs[..sigs.len().min(20_000)];
    let started = Instant::now();
    for s in sample {
        s.key
            .verify_strict(&s.message, &s.signature)
            .map_err(|e| anyhow::anyhow!("verify_strict: {e}"))?;
    }
    let single_seconds = started.elapsed().as_secs_f64();
    let sample_n = sample.len() as u64;
    drop(sigs);

    let raw_batch = Throughput {
        count: signatures,
        seconds: raw_best,
        requests: 0,
    };
    let library = Throughput {
        count: entries,
        seconds: lib_best,
        requests: 0,
    };
    // Same signatures both ways: the ratio of times is the ratio of rates.
    let ratio = raw_best / lib_best;
    let (cli_t, cli_note) = match cli {
        None => (
            None,
            Some("ledger CLI binary not found next to ledger-bench".to_string()),
        ),
        Some(bin) => {
            let started = Instant::now();
            let output = Command::new(&bin).arg("verify").arg(&bundle).output();
            let seconds = started.elapsed().as_secs_f64();
            match output {
                Err(e) => (None, Some(format!("could not run {}: {e}", bin.display()))),
                Ok(output) if output.status.success() => (
                    Some(Throughput {
                        count: entries,
                        seconds,
                        requests: 0,
                    }),
                    None,
                ),
                Ok(output) => (
                    None,
                    Some(format!(
                        "`{} verify` exited {}: {}",
                        bin.display(),
                        output.status,
                        String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
                    )),
                ),
            }
        }
    };
    let cli_ratio = cli_t.map(|c| raw_best / c.seconds);
    let _ = std::fs::remove_file(&bundle);
    Ok(VerifyFigures {
        entries,
        signatures,
        bundle_bytes,
        raw_batch,
        raw_zip215_batch: Throughput {
            count: signatures,
            seconds: zip215_best,
            requests: 0,
        },
        ratio_zip215: zip215_best / lib_best,
        raw_single_one_core: Throughput {
            count: sample_n,
            seconds: single_seconds,
            requests: 0,
        },
        library,
        cli: cli_t,
        cli_note,
        ratio,
        raw_cpu_seconds: raw_cpu,
        library_cpu_seconds: lib_cpu,
        cli_ratio,
    })
}

//! Fork evidence in the mirror's data folder: the file `ledger verify`
//! writes (`ledger_core::checkpoint::ForkEvidenceFile`), under a new name
//! each time — evidence is never overwritten.

use anyhow::{Context, Result};
use ledger_core::checkpoint::ForkEvidenceFile;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// File names of the evidence: `fork-evidence-<found_ms>[-<n>].json`.
const PREFIX: &str = "fork-evidence-";

/// Most names tried for one evidence file.
const MAX_NAME_ATTEMPTS: u32 = 1_000;

/// The first evidence file in `dir`, if any.
pub fn existing_evidence(dir: &Path) -> Result<Option<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".json"))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

/// Write `evidence` into `dir` under a name not yet taken, synced; returns its path.
pub fn write_evidence(dir: &Path, evidence: &ForkEvidenceFile) -> Result<PathBuf> {
    let text = serde_json::to_string_pretty(evidence).context("encoding the fork evidence")? + "\n";
    for n in 0..MAX_NAME_ATTEMPTS {
        let name = if n == 0 {
            format!("{PREFIX}{}.json", evidence.found_ms)
        } else {
            format!("{PREFIX}{}-{n}.json", evidence.found_ms)
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("writing {}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(anyhow::Error::new(e).context(format!("creating {}", path.display()))),
        }
    }
    anyhow::bail!("no free name for the fork evidence in {}", dir.display())
}

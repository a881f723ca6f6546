//! What the witness remembers, per log: the latest checkpoint it cosigned
//! (size, root, and the cosigned note it serves to monitors), one JSON file
//! per log in the state folder, named by the SHA-256 of the origin (the
//! same hash the tlog-witness monitoring path uses).
//!
//! Each log has one async lock around its state: the `old` size check, the
//! durable write and the in-memory update happen under it, so two requests
//! for one log cannot interleave (the rollback race the spec describes).

use anyhow::{bail, Context as _, Result};
use ledger_core::checkpoint::{LogVerifier, WitnessState};
use ledger_core::merkle::TreeHash;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Largest state file read back (a cosigned note is at most 128 KiB).
const MAX_STATE_FILE_BYTES: u64 = 1024 * 1024;

/// The state file's kind tag (a file of another format is refused).
pub const STATE_KIND: &str = "sunshine-ledger/witness-state/v1";

/// The state of one log, as held in memory and on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// Size, root and origin of the latest cosigned checkpoint.
    pub state: WitnessState,
    /// That checkpoint with the log's signature and this witness's
    /// cosignature (served at `GET /<origin hash>/checkpoint`).
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct StateFile {
    kind: String,
    origin: String,
    size: u64,
    /// Root hash, hex.
    root: String,
    /// The cosigned checkpoint note.
    checkpoint: String,
}

/// One log the witness is configured for.
#[derive(Debug)]
pub struct LogSlot {
    /// The log's origin.
    pub origin: String,
    /// Its trusted keys (more than one during a key rotation).
    pub keys: Vec<LogVerifier>,
    /// Its state file.
    pub file: PathBuf,
    /// Its state, under the per-log lock.
    pub held: Mutex<Option<Held>>,
}

impl LogSlot {
    /// Persist `held` durably (before the cosignature is released).
    ///
    /// # Errors
    /// An I/O error: the caller then must not release the cosignature.
    pub fn persist(&self, held: &Held) -> Result<()> {
        let file = StateFile {
            kind: STATE_KIND.into(),
            origin: held.state.origin.clone(),
            size: held.state.size,
            root: hex::encode(held.state.root.0),
            checkpoint: held.note.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).context("encoding the witness state")?;
        bytes.push(b'\n');
        // Durably (write, fsync, rename, fsync the folder): a witness that
        // forgets the size it cosigned after a power cut can be walked back
        // and made to cosign a fork (tlog-witness: "The witness MUST persist
        // the new checkpoint before responding"). Not secret: 0644.
        ledger_store::durable::replace_file(&self.file, &bytes, 0o644)
            .with_context(|| format!("writing {}", self.file.display()))
    }
}

/// Lowercase hex SHA-256 of an origin: the state file's name and the
/// monitoring path's `<origin hash>`.
pub fn origin_hash(origin: &str) -> String {
    hex::encode(Sha256::digest(origin.as_bytes()))
}

/// The trusted keys of each log, by origin (the `--log` flags). Read before
/// anything is written, so a bad flag changes nothing on disk.
///
/// # Errors
/// A `--log` value that is not a log verifier key.
pub fn trusted_keys(vkeys: &[String]) -> Result<BTreeMap<String, Vec<LogVerifier>>> {
    let mut keys: BTreeMap<String, Vec<LogVerifier>> = BTreeMap::new();
    for vkey in vkeys {
        let verifier = LogVerifier::from_vkey(vkey.trim()).with_context(|| format!("--log {vkey}"))?;
        let entry = keys.entry(verifier.name().to_owned()).or_default();
        if !entry.iter().any(|k| k.vkey() == verifier.vkey()) {
            entry.push(verifier);
        }
    }
    Ok(keys)
}

/// Every configured log by origin, with its state loaded from `dir`.
///
/// # Errors
/// An unreadable or inconsistent state file.
pub fn load_logs(dir: &Path, keys: BTreeMap<String, Vec<LogVerifier>>) -> Result<BTreeMap<String, Arc<LogSlot>>> {
    let mut logs = BTreeMap::new();
    for (origin, keys) in keys {
        let file = dir.join(format!("{}.json", origin_hash(&origin)));
        let held = read_state(&file, &origin)?;
        logs.insert(
            origin.clone(),
            Arc::new(LogSlot {
                origin,
                keys,
                file,
                held: Mutex::new(held),
            }),
        );
    }
    Ok(logs)
}

fn read_state(file: &Path, origin: &str) -> Result<Option<Held>> {
    let meta = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    if meta.len() > MAX_STATE_FILE_BYTES {
        bail!(
            "{} is {} bytes, more than the {MAX_STATE_FILE_BYTES}-byte limit",
            file.display(),
            meta.len()
        );
    }
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed: StateFile =
        serde_json::from_str(&text).with_context(|| format!("{} is not a witness state file", file.display()))?;
    if parsed.kind != STATE_KIND || parsed.origin != origin {
        bail!(
            "{} holds {:?} for origin {:?}, expected {STATE_KIND:?} for {origin:?}",
            file.display(),
            parsed.kind,
            parsed.origin
        );
    }
    let root: [u8; 32] = hex::decode(&parsed.root)
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{}: root is not 32 bytes of hex", file.display()))?;
    Ok(Some(Held {
        state: WitnessState {
            origin: parsed.origin,
            size: parsed.size,
            root: TreeHash(root),
        },
        note: parsed.checkpoint,
    }))
}

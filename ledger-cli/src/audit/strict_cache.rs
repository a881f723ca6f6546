//! `ledger audit --strict-cache FILE`: the strict signature check (one full
//! Ed25519 verification per signature, the audit's largest cost) done once
//! per entry across audits. The file records the tree size and root it
//! covers and the entries whose signatures strict verification refused;
//! the next audit of a bundle whose tree at that size has the same root
//! (so the same entries, byte for byte) takes those results and checks only
//! the new entries, then writes the file again. A file for another log or
//! another history is ignored with a note.

use crate::exit::{input, Tag as _};
use crate::keys;
use ledger_core::bundle::BundleView;
use ledger_core::keys::PublicKey;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Largest cache file read.
const MAX_CACHE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    kind: String,
    origin: String,
    size: u64,
    root: String,
    /// Entry → keys whose signature on it strict verification refused.
    non_strict: BTreeMap<u64, Vec<String>>,
}

const KIND: &str = "sunshine-ledger/audit-strict-cache/v1";

/// What is known before the audit and what it found.
#[derive(Debug, Default)]
pub struct Strict {
    /// Entries below this were checked by an earlier audit.
    pub known_size: u64,
    /// Their refused signatures.
    pub known: HashMap<u64, Vec<PublicKey>>,
    /// Refused signatures found (or taken from the cache) in this audit.
    pub found: BTreeMap<u64, Vec<PublicKey>>,
}

/// Load the cache if it covers a prefix of this bundle.
pub fn load(path: &Path, view: &BundleView<'_>, quiet: bool) -> Result<Strict, anyhow::Error> {
    if !path.exists() {
        return Ok(Strict::default());
    }
    let text = keys::read_small(path, MAX_CACHE_BYTES)?;
    let file: CacheFile = serde_json::from_str(&text).input_err(format!("{}", path.display()))?;
    let ignore = |why: &str| {
        crate::progress::note(
            quiet,
            &format!("note: {}: {why}; checking every signature", path.display()),
        );
        Ok(Strict::default())
    };
    if file.kind != KIND || file.origin != view.header.origin {
        return ignore("not a strict-check cache of this log");
    }
    if file.size == 0 || file.size > view.entries.len() as u64 {
        return ignore("covers more entries than the bundle holds");
    }
    let leaves: Vec<_> = view.entries.par_iter().map(|e| leaf_hash(e)).collect();
    let root = MemoryTree::from_leaves(&leaves)
        .root_at(file.size)
        .map_err(|e| input(format!("{}: {e}", path.display())))?;
    if hex::encode(root.0) != file.root {
        return ignore("the bundle's history differs from the one the cache covers");
    }
    let mut known = HashMap::new();
    for (seq, keys) in file.non_strict {
        let parsed: Result<Vec<PublicKey>, String> = keys.iter().map(|k| PublicKey::from_hex(k)).collect();
        known.insert(seq, parsed.map_err(|e| input(format!("{}: {e}", path.display())))?);
    }
    Ok(Strict {
        known_size: file.size,
        known,
        found: BTreeMap::new(),
    })
}

/// Write the cache for the whole bundle.
pub fn save(path: &Path, origin: &str, size: u64, root: &[u8; 32], strict: &Strict) -> Result<(), anyhow::Error> {
    let file = CacheFile {
        kind: KIND.into(),
        origin: origin.into(),
        size,
        root: hex::encode(root),
        non_strict: strict
            .found
            .iter()
            .map(|(s, keys)| (*s, keys.iter().map(|k| k.to_hex()).collect()))
            .collect(),
    };
    let text = serde_json::to_string_pretty(&file).input_err("encoding the strict-check cache")?;
    std::fs::write(path, text + "\n").input_err(format!("writing {}", path.display()))
}

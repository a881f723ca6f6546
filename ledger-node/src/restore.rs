//! `ledger-node restore`: rebuild a data folder's store from an export bundle.
//!
//! The bundle is verified completely first (the same replay as `ledger
//! verify`); only a bundle that verifies is written. Entries are written in
//! commits of [`RESTORE_CHUNK`] with their indexes, each commit
//! carrying the bundle's checkpoint: if the restore is interrupted, the store
//! holds fewer entries than its checkpoint and the node refuses to start on
//! it, rather than serving half a ledger.

use crate::ledger::index_keys;
use crate::signed_state::{self, SignedState};
use crate::store::{CommitBatch, NewEntry, Store, StoreOptions};
use anyhow::{bail, Context, Result};
use ledger_core::bundle::parse_bundle;
use ledger_core::verify::{verify_ledger, Replay, VerifyOptions};
use std::path::Path;

/// Entries per restore commit.
pub const RESTORE_CHUNK: usize = 16_384;

/// Restore `bundle_path` into `data_dir/store`; returns the entry count.
pub fn restore(data_dir: &Path, bundle_path: &Path, store_options: StoreOptions) -> Result<u64> {
    let store_dir = data_dir.join("store");
    if store_dir.exists() {
        bail!(
            "{} already exists: restore only into a data folder without a store",
            store_dir.display()
        );
    }
    let bytes = std::fs::read(bundle_path).with_context(|| format!("reading {}", bundle_path.display()))?;
    let bundle = parse_bundle(&bytes).with_context(|| format!("bundle {}", bundle_path.display()))?;
    let report = verify_ledger(
        &bundle.entries,
        bundle.header.checkpoint.as_bytes(),
        &VerifyOptions::default(),
        &|_| {},
    )
    .map_err(|e| anyhow::anyhow!("the bundle does not verify, nothing restored: {e}"))?;
    tracing::info!(entries = report.entries, "bundle verified; writing the store");

    // The bundle must hold everything the log key has signed: restoring an
    // older bundle would make the node sign a second history.
    let signed = signed_state::read(data_dir)?;
    if let Some(state) = &signed {
        let mut tree = ledger_core::merkle::MemoryTree::new();
        for bytes in &bundle.entries {
            tree.append(ledger_core::merkle::leaf_hash(bytes));
        }
        if let Err(mismatch) = signed_state::check_tree(state, &tree) {
            bail!(
                "{mismatch} ({}); nothing restored: use a newer bundle, one that covers the last checkpoint this node signed",
                signed_state::path(data_dir).display()
            );
        }
    }

    let store =
        Store::create(&store_dir, store_options).with_context(|| format!("creating {}", store_dir.display()))?;
    let mut replay = Replay::new();
    for chunk in bundle.entries.chunks(RESTORE_CHUNK) {
        let mut batch = CommitBatch {
            checkpoint: bundle.header.checkpoint.as_bytes().to_vec(),
            ..CommitBatch::default()
        };
        replay
            .push(chunk, &mut |entry, effects, _leaf| {
                batch.entries.push(NewEntry {
                    seq: entry.seq,
                    bytes: entry.encode(),
                    indexes: index_keys(effects),
                });
            })
            .map_err(|e| anyhow::anyhow!("replaying the verified bundle: {e}"))?;
        store.commit(&batch).context("writing the restored store")?;
    }
    // A node restored onto a new machine: the bundle's checkpoint is the
    // last one known to be signed.
    if !matches!(signed, Some(SignedState::Signed { .. })) && keyfile_exists(data_dir) {
        signed_state::record(data_dir, &bundle.header.checkpoint)?;
    }
    Ok(replay.head.size)
}

fn keyfile_exists(data_dir: &Path) -> bool {
    crate::keyfile::keys_dir(data_dir).is_dir()
}

//! `ledger-node init`: the one way a new log starts.
//!
//! A node never starts a log by itself. Before this step existed, a node
//! whose store had been wiped (or whose data volume had not mounted) came up
//! with an empty log, and the first genesis anyone posted was signed with the
//! real log key: a second history under the same key. Now a log is created
//! here, in an empty data folder, with the record that its key has signed
//! nothing yet (`signed_state`); from then on the node only ever extends
//! what that record says the key signed.
//!
//! Here, not in ledger-node, so that ledger-bench and tests prepare a folder
//! with this very code instead of a copy (the store is created through
//! ledger-store directly; the node's `Store` only adds its indexes on open).

use crate::keyfile;
use crate::signed_state;
use anyhow::{bail, Context, Result};
use ed25519_dalek::SigningKey;
use ledger_store::{EntryLog, LogOptions};
use std::path::Path;

/// `DIR/store`.
pub fn store_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("store")
}

/// Create a new log in `data_dir`: a new log key named `origin`, the empty
/// store and the record that the key has signed nothing. Returns the log's
/// verifier key (it goes into the genesis entry).
pub fn init(data_dir: &Path, origin: &str, options: LogOptions) -> Result<String> {
    refuse_existing(data_dir)?;
    let key = keyfile::create_signing_key(&keyfile::log_key_path(data_dir), origin)?;
    create_log(data_dir, options)?;
    Ok(ledger_core::keys::verifier_key_string(origin, &key.verifying_key()))
}

/// Create a new log in `data_dir` with a log key that has never signed
/// (the demo's fixed key, a test's): writes the key file, the empty store
/// and the record.
pub fn init_with_key(data_dir: &Path, origin: &str, key: &SigningKey, options: LogOptions) -> Result<()> {
    refuse_existing(data_dir)?;
    keyfile::write_secret(
        &keyfile::log_key_path(data_dir),
        &ledger_core::keys::format_signing_key(origin, key),
    )?;
    create_log(data_dir, options)
}

fn refuse_existing(data_dir: &Path) -> Result<()> {
    for (path, what) in [
        (keyfile::log_key_path(data_dir), "a log key"),
        (signed_state::path(data_dir), "a record of what a log key signed"),
        (store_dir(data_dir), "a store"),
    ] {
        if path.exists() {
            bail!(
                "{} already holds {what} ({}): `init` only starts a new log in an empty data folder",
                data_dir.display(),
                path.display()
            );
        }
    }
    Ok(())
}

/// The record first (so that an interrupted init leaves a folder the node
/// can finish: nothing signed, no store yet), then the store.
fn create_log(data_dir: &Path, options: LogOptions) -> Result<()> {
    signed_state::record_nothing_signed(data_dir)?;
    let dir = store_dir(data_dir);
    EntryLog::create(&dir, options).with_context(|| format!("creating the store in {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_creates_key_store_and_record_once() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let vkey = init(dir.path(), "example.org/log", LogOptions::default())?;
        assert!(vkey.starts_with("example.org/log+"), "{vkey}");
        assert!(keyfile::log_key_path(dir.path()).exists());
        assert_eq!(
            signed_state::read(dir.path())?,
            Some(signed_state::SignedState::NothingSigned)
        );
        assert_eq!(
            ledger_store::EntryLog::open(
                &store_dir(dir.path()),
                ledger_store::OpenMode::ReadOnly,
                LogOptions::default()
            )?
            .entry_count(),
            0
        );
        let again = init(dir.path(), "example.org/log", LogOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(again.contains("already holds a log key"), "{again}");
        Ok(())
    }
}

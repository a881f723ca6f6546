//! A log-key rotation's file work, off the committer's path.
//!
//! Why a thread of its own: renaming key files and syncing `keys/` costs
//! several `fsync`s, and the committer holds every client of the next batch
//! while it works. Nothing waits for this work: the new key was written and
//! synced by `prepare-rotation` before the rotation could be sequenced, and
//! the sequencer signs with the key held in memory (`Signers`) from the
//! rotation's entry on. The files only say which key is in force for the
//! next start and the next `prepare-rotation`; if the node stops before this
//! thread is done, `server::start` finishes the same work from the chain's
//! key in force (`keyfile::promote_next_log_key` is safe to repeat after a
//! crash at any step; `tests/rotation.rs`).

use crate::keyfile;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// The committer's side: tells the thread which key a durable rotation put
/// in force.
#[derive(Debug)]
pub(super) struct KeyFiles {
    tx: mpsc::Sender<String>,
}

impl KeyFiles {
    /// A rotation to `vkey` is durable. Never blocks (rotations are rare and
    /// the channel unbounded); if the thread is gone, the next start
    /// finishes the work.
    pub(super) fn rotated(&self, vkey: &str) {
        if self.tx.send(vkey.to_string()).is_err() {
            tracing::error!(
                vkey,
                "the key-file thread is gone; the next start renames the key files"
            );
        }
    }
}

/// Start the thread; it ends once the returned [`KeyFiles`] is dropped and
/// the work already queued is done.
pub(super) fn spawn(data_dir: PathBuf) -> std::io::Result<(KeyFiles, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<String>();
    let handle = std::thread::Builder::new().name("key-files".into()).spawn(move || {
        while let Ok(vkey) = rx.recv() {
            match keyfile::promote_next_log_key(&data_dir, &vkey) {
                Ok(true) => tracing::info!(vkey, "log key rotated: keys/log.key is the new key"),
                Ok(false) => tracing::warn!(vkey, "log key rotated, but keys/log-next.key does not hold it"),
                // The node goes on signing with the key in memory; the next
                // start tries again before it serves.
                Err(e) => tracing::error!(error = %e, vkey, "rotated the log key in the chain but could not rename the key files"),
            }
        }
    })?;
    Ok((KeyFiles { tx }, handle))
}

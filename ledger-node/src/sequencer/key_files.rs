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
    let killed = killed_before_renaming();
    let handle = std::thread::Builder::new().name("key-files".into()).spawn(move || {
        while let Ok(vkey) = rx.recv() {
            if killed {
                // Dies at once, like kill -9: no unwinding, no flush.
                std::process::abort();
            }
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

/// Test-only fault injection (debug builds only; release builds ignore the
/// variable): `LEDGER_TEST_KEY_FILES=kill` ends the process the moment a
/// durable rotation reaches this thread, before any rename, so that a
/// real-process test (`tests/rotation.rs`) can restart a node cut short
/// between the commit and the file work.
fn killed_before_renaming() -> bool {
    cfg!(debug_assertions) && std::env::var("LEDGER_TEST_KEY_FILES").is_ok_and(|v| v == "kill")
}

//! The log keys the sequencer signs with, held in memory: a rotation
//! switches keys here, with no file work on the sequencing path.

use crate::keyfile;
use ledger_core::checkpoint::LogSigner;
use std::collections::HashMap;

/// The log keys the sequencer can sign with, by verifier key string.
pub struct Signers {
    by_vkey: HashMap<String, (LogSigner, ed25519_dalek::SigningKey)>,
}

impl std::fmt::Debug for Signers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signers")
            .field("keys", &self.by_vkey.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Signers {
    /// From key pairs `(origin, key)`.
    pub fn new(keys: Vec<(String, ed25519_dalek::SigningKey)>) -> anyhow::Result<Signers> {
        let mut by_vkey = HashMap::new();
        for (origin, key) in keys {
            let signer = LogSigner::new(&origin, key.clone()).map_err(|e| anyhow::anyhow!("log key: {e}"))?;
            by_vkey.insert(signer.verifier_key(), (signer, key));
        }
        Ok(Signers { by_vkey })
    }

    /// Does the node hold the private key of this vkey?
    pub fn has(&self, vkey: &str) -> bool {
        self.by_vkey.contains_key(vkey)
    }

    /// Load `keys/log-next.key` (prepared for a rotation) if present.
    pub fn load_next(&mut self, data_dir: &std::path::Path) {
        let path = keyfile::next_log_key_path(data_dir);
        if !path.exists() {
            return;
        }
        match keyfile::read_signing_key(&path) {
            Ok((origin, key)) => match LogSigner::new(&origin, key.clone()) {
                Ok(signer) => {
                    self.by_vkey.insert(signer.verifier_key(), (signer, key));
                }
                Err(e) => tracing::error!(error = %e, "log-next.key is not a usable log key"),
            },
            Err(e) => tracing::error!(error = %e, "reading log-next.key"),
        }
    }

    pub(super) fn get(&self, vkey: &str) -> Option<&(LogSigner, ed25519_dalek::SigningKey)> {
        self.by_vkey.get(vkey)
    }
}

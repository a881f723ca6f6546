//! Keys, trees and hand-made notes that the checkpoint tests share.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};

use crate::merkle::TreeHash;

use super::note::{ed25519_key_id, signature_line};
use super::*;
use crate::merkle::{leaf_hash, MemoryTree};

pub(super) const ORIGIN: &str = "ledger.example.gov.cn/sunshine";

pub(super) fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

pub(super) fn log() -> LogSigner {
    LogSigner::new(ORIGIN, key(1)).unwrap()
}

pub(super) fn tree(n: u64) -> MemoryTree {
    let leaves: Vec<TreeHash> = (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
    MemoryTree::from_leaves(&leaves)
}

/// A note with `body` and one signature line by `key` under `name`,
/// bypassing LogSigner's checks (to build hostile inputs).
pub(super) fn hand_signed(body: &str, name: &str, key: &SigningKey) -> Vec<u8> {
    let id = ed25519_key_id(name, ALG_ED25519, &key.verifying_key());
    let sig = key.sign(body.as_bytes());
    format!("{body}\n{}", signature_line(name, id, &sig.to_bytes())).into_bytes()
}

pub(super) fn root_b64(t: &MemoryTree) -> String {
    BASE64.encode(t.root().0)
}

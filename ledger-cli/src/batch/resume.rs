//! What makes a rerun safe: the batch's identity (its content), the
//! deterministic nonce of each row, and what an earlier run left in the
//! receipts file.

use super::{BatchHeader, HeaderLine, Row};
use crate::exit::input;
use crate::keys;
use crate::submit::ReceiptLine;
use anyhow::Result;
use ed25519_dalek::SigningKey;
use ledger_core::encoding::{self, Bytes};
use ledger_core::entry::EntryBody;
use ledger_core::ids::Date;
use std::collections::HashMap;
use std::path::Path;

/// The prefix of a batch id derived from the rows' content.
const CONTENT_PREFIX: &str = "content:";

/// Which nonces a batch uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchIdentity {
    /// The default: `content:` and a hash of the normalised rows. Each
    /// row's nonce depends on the row alone, so the same payment has the
    /// same nonce in any file that holds it (renamed, reordered, merged).
    Content(String),
    /// An id given with `--batch-id`, or one read from a receipts file
    /// written before content ids: the nonces of that id (a rerun of an
    /// old batch must rebuild its old nonces to be recognised).
    Named(String),
}

impl BatchIdentity {
    /// `--batch-id`, else the receipts file's named id, else the content.
    pub fn choose(flag: Option<&str>, header: Option<&BatchHeader>, rows: &[Row]) -> BatchIdentity {
        if let Some(id) = flag {
            return BatchIdentity::Named(id.to_string());
        }
        if let Some(h) = header.filter(|h| !h.id.starts_with(CONTENT_PREFIX)) {
            return BatchIdentity::Named(h.id.clone());
        }
        BatchIdentity::Content(content_id(rows))
    }

    /// The id written in the receipts file.
    pub fn id(&self) -> &str {
        match self {
            BatchIdentity::Content(id) | BatchIdentity::Named(id) => id,
        }
    }
}

/// A row's body as it identifies the payment: the business date left out
/// (the same row is the same payment whatever day it is dated, so a rerun
/// that dates it differently — another `--date`, or "today" moved on and
/// the receipts file that recorded the first date was lost — reuses the
/// nonce and is refused by the node as a replay instead of paying twice).
fn normalised(body: &EntryBody) -> Vec<u8> {
    let mut body = body.clone();
    match &mut body {
        EntryBody::HouseholdSubsidy(s) => s.date = Date::LAST,
        EntryBody::ProjectDisbursement(d) => d.date = Date::LAST,
        _ => {}
    }
    encoding::encode(&body)
}

/// `content:` and the first 16 bytes (hex) of a BLAKE3 hash over the
/// sorted normalised rows: independent of the file's name, its encoding
/// (UTF-8, GBK, .xlsx), its row order and its column order.
pub fn content_id(rows: &[Row]) -> String {
    let mut bodies: Vec<Vec<u8>> = rows.iter().map(|r| normalised(&r.body)).collect();
    bodies.sort();
    let mut hasher = blake3::Hasher::new();
    for b in &bodies {
        hasher.update(&(b.len() as u64).to_le_bytes());
        hasher.update(b);
    }
    format!("{CONTENT_PREFIX}{}", hex::encode(&hasher.finalize().as_bytes()[..16]))
}

/// The deterministic nonce of a row (also its key in the receipts file):
/// `blake3` keyed with a key derived from the first signing key and the
/// log's origin, over the row's normalised body — and, for a named batch,
/// over the batch id first.
pub fn row_nonce(key: &SigningKey, origin: &str, identity: &BatchIdentity, body: &EntryBody) -> Bytes<16> {
    let secret = blake3::derive_key(
        "SunshineLedger/v1/cli-row-nonce",
        &[key.as_bytes().as_slice(), origin.as_bytes()].concat(),
    );
    let mut hasher = blake3::Hasher::new_keyed(&secret);
    match identity {
        BatchIdentity::Named(batch_id) => {
            hasher.update(&(batch_id.len() as u64).to_le_bytes());
            hasher.update(batch_id.as_bytes());
        }
        // A content batch's rows are hashed without a batch id, under
        // their own domain tag, so no named batch's nonce can equal one.
        BatchIdentity::Content(_) => {
            hasher.update(b"\xffcontent-row");
        }
    }
    hasher.update(&normalised(body));
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    Bytes(nonce)
}

/// What a receipts file already holds.
#[derive(Debug, Default)]
pub(super) struct Done {
    /// The batch's first line, if written.
    pub(super) header: Option<BatchHeader>,
    /// Rows posted: row key to sequence number.
    pub(super) rows: HashMap<String, u64>,
}

pub(super) fn read_done(path: &Path) -> Result<Done> {
    let mut done = Done::default();
    if !path.exists() {
        return Ok(done);
    }
    let text = keys::read_small(path, 512 * 1024 * 1024)?;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if let Ok(h) = serde_json::from_str::<HeaderLine>(line) {
            done.header = Some(h.batch);
            continue;
        }
        // A group's line names its rows; the receipts after it say which
        // were posted.
        if serde_json::from_str::<super::group::GroupLine>(line).is_ok() {
            continue;
        }
        // A payment slip's line (`ledger slips`).
        if serde_json::from_str::<crate::slips::SlipLine>(line).is_ok() {
            continue;
        }
        match serde_json::from_str::<ReceiptLine>(line) {
            Ok(r) => {
                if let Some(k) = r.row_key {
                    done.rows.insert(k, r.seq);
                }
            }
            // A torn last line after a crash is harmless: that row is resent.
            Err(_) if i + 1 == text.lines().count() => {}
            Err(e) => return Err(input(format!("{} line {}: {e}", path.display(), i + 1))),
        }
    }
    Ok(done)
}

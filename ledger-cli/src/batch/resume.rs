//! What makes a rerun safe: the deterministic nonce of each row, and what
//! an earlier run left in the receipts file.

use super::{BatchHeader, HeaderLine};
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

/// The deterministic nonce of a row (also its key in the receipts file).
///
/// The business date is left out: the same row of the same batch is the
/// same payment whatever day it is dated, so a rerun that dates it
/// differently (another `--date`, or "today" moved on and the receipts file
/// that recorded the first date was lost) reuses the nonce and is refused
/// by the node as a replay instead of paying the household twice.
pub fn row_nonce(key: &SigningKey, origin: &str, batch_id: &str, body: &EntryBody) -> Bytes<16> {
    let mut body = body.clone();
    match &mut body {
        EntryBody::HouseholdSubsidy(s) => s.date = Date::LAST,
        EntryBody::ProjectDisbursement(d) => d.date = Date::LAST,
        _ => {}
    }
    let body = &body;
    let secret = blake3::derive_key(
        "SunshineLedger/v1/cli-row-nonce",
        &[key.as_bytes().as_slice(), origin.as_bytes()].concat(),
    );
    let mut hasher = blake3::Hasher::new_keyed(&secret);
    hasher.update(&(batch_id.len() as u64).to_le_bytes());
    hasher.update(batch_id.as_bytes());
    hasher.update(&encoding::encode(body));
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

//! The binary answer to a batch of submissions (docs/FORMAT.md §10.1): per
//! submission, in request order, `u8 status ‖ u32 LE length ‖ canonical
//! bytes` of a `SignedReceipt` or a [`RejectedRecord`].
//!
//! The node writes it and clients (ledger-bench, scripts) read it; it lives
//! here, beside the receipt it frames, so that a client decodes it without
//! linking the node. Pure framing: no I/O.

use crate::encoding;
use crate::receipt::SignedReceipt;
use serde::{Deserialize, Serialize};

/// Binary answer: the submission was accepted; a canonical `SignedReceipt` follows.
pub const ANSWER_ACCEPTED: u8 = 0;
/// Binary answer: the submission was refused; a canonical [`RejectedRecord`] follows.
pub const ANSWER_REJECTED: u8 = 1;

/// A refusal in the binary answer: the same code and messages as the JSON one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRecord {
    /// Stable code.
    pub code: String,
    /// Human message (English).
    pub message: String,
    /// The same in Chinese; empty where the node has none (errors outside
    /// the rule engine's, which are software errors a client's own checks
    /// prevent).
    pub message_zh: String,
}

/// One result of a binary answer, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryResult {
    /// Durable; the signed receipt (not yet checked against the log key).
    Accepted(SignedReceipt),
    /// Refused; nothing was recorded for it.
    Rejected(RejectedRecord),
}

/// Append one framed record (status, length, bytes).
pub fn push_framed(out: &mut Vec<u8>, status: u8, bytes: &[u8]) {
    out.push(status);
    // A record is a receipt (under 1 KiB for batches up to 2^20) or an
    // error message; neither comes near 4 GiB.
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Decode a binary answer of at most `max_items` results. The error names
/// the record and what is wrong with it.
pub fn decode_binary_answer(body: &[u8], max_items: usize) -> Result<Vec<BinaryResult>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < body.len() {
        let index = out.len();
        if index >= max_items {
            return Err(format!("more than {max_items} results"));
        }
        let status = body[at];
        let len = body
            .get(at + 1..at + 5)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| u32::from_le_bytes(b) as usize)
            .ok_or_else(|| format!("result {index}: truncated length prefix"))?;
        let bytes = (at + 5)
            .checked_add(len)
            .and_then(|end| body.get(at + 5..end))
            .ok_or_else(|| format!("result {index}: truncated record"))?;
        out.push(match status {
            ANSWER_ACCEPTED => BinaryResult::Accepted(
                encoding::decode_canonical(bytes).map_err(|e| format!("result {index}: receipt: {e}"))?,
            ),
            ANSWER_REJECTED => BinaryResult::Rejected(
                encoding::decode_canonical(bytes).map_err(|e| format!("result {index}: error record: {e}"))?,
            ),
            other => return Err(format!("result {index}: unknown status byte {other}")),
        });
        at += 5 + len;
    }
    Ok(out)
}

//! Posting a batch as atomic groups: all of a group is sequenced in one
//! commit or none of it (docs/API.md "Atomic groups and check-only
//! submission"; FORMAT.md). One group per batch unless it is larger than
//! the node's limit, and then only with `--split`, each group named in the
//! receipts file.
//!
//! The wire form is the node's: the framed submissions to
//! `POST /v1/submissions?atomic=1`. A node without atomic groups ignores
//! the parameter and sequences the items one by one; the summary counts
//! receipts, so it stays exact either way. (`ledger_cli::submit` on branch
//! s4-ops has the same call as `submit_group(node, batch, GroupMode {
//! atomic: true, check_only: false })`: once merged, [`post_atomic`] is
//! that call.)

use crate::exit::network;
use crate::http::Node;
use crate::submit::{frame, ItemAnswer};
use anyhow::Result;
use ledger_core::submission::SignedSubmission;
use serde::{Deserialize, Serialize};

/// Most submissions in one atomic group: the node's default
/// `--max-batch-submissions`. A larger batch needs `--split`.
pub const MAX_GROUP_SUBMISSIONS: usize = 10_000;

/// The code of a group member not written because another was refused.
pub const GROUP_REFUSED: &str = "group_refused";

/// A receipts-file line naming a group before its receipts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupLine {
    /// The group.
    pub group: GroupInfo,
}

/// Which group, of how many, and its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupInfo {
    /// 1-based.
    pub index: usize,
    /// Groups in this run.
    pub of: usize,
    /// The rows (file row numbers) of the group.
    pub rows: Vec<u64>,
}

#[derive(Debug, Deserialize)]
struct GroupAnswer {
    results: Vec<ItemAnswer>,
}

/// Post one atomic group; one answer per submission, in order.
pub fn post_atomic(node: &Node, batch: &[SignedSubmission]) -> Result<Vec<ItemAnswer>> {
    let answer = node.post("/v1/submissions?atomic=1", "application/octet-stream", frame(batch))?;
    if answer.status == 200 {
        let parsed: GroupAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| network(format!("the node's answer to the group is not the expected JSON: {e}")))?;
        if parsed.results.len() != batch.len() {
            return Err(network(format!(
                "the node answered {} results for {} submissions",
                parsed.results.len(),
                batch.len()
            )));
        }
        return Ok(parsed.results);
    }
    match answer.error() {
        // A group of one is a plain submission: its refusal is the status.
        Some(error) if batch.len() == 1 && answer.status < 500 && answer.status != 429 => {
            Ok(vec![ItemAnswer::Rejected { error }])
        }
        Some(e) => Err(network(format!(
            "the node refused the request ({} {}): {}",
            answer.status,
            e.code,
            e.human()
        ))),
        None => Err(network(format!(
            "the node answered HTTP {} to the group",
            answer.status
        ))),
    }
}

//! Posting a batch as atomic groups: all of a group is sequenced in one
//! commit or none of it (docs/API.md "Atomic groups and check-only
//! submission"; FORMAT.md). One group per batch unless it is larger than
//! the node's limit, and then only with `--split`, each group named in the
//! receipts file.
//!
//! The wire form is the node's, through the one client call
//! [`crate::submit::submit_group`]: the framed submissions to
//! `POST /v1/submissions?atomic=1`, and for `--dry-run` the same group with
//! `check_only=1` (every check of a real run, nothing written, no nonce
//! used), so a dry run lists exactly what the real run would be refused.

use crate::messages::batch::RunMsg;
use crate::messages::Message as _;
use crate::submit::Refusal;
use serde::{Deserialize, Serialize};

/// Most submissions in one atomic group: the node's default
/// `--max-batch-submissions`. A larger batch needs `--split`.
pub const MAX_GROUP_SUBMISSIONS: usize = 10_000;

/// The code of a group member not written because another was refused.
pub const GROUP_REFUSED: &str = "group_refused";

/// The code of a member already in the log under another validity window:
/// it is posted, so it counts as done, not refused.
pub const REPLAYED_NONCE: &str = "replayed_nonce";

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

/// A node's refusal for people: the node's words and its code; an
/// overdraft in 元 from the machine fields (the node's text says fen).
pub fn refusal_text(error: &Refusal) -> String {
    match (&error.account, &error.fund, error.needed_fen, error.available_fen) {
        (Some(account), Some(fund), Some(needed), Some(available)) if error.detail.code == "overdraft" => {
            RunMsg::RowOverdraft {
                account: account.clone(),
                fund: fund.clone(),
                needed,
                available,
            }
            .text()
        }
        _ => format!("{} ({})", error.detail.human(), error.detail.code),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The node's overdraft refusal (docs/API.md) is shown in 元 from its
    /// machine fields; any other keeps the node's words and code.
    #[test]
    fn an_overdraft_in_yuan_others_as_the_node_says() {
        let overdraft: Refusal = serde_json::from_value(serde_json::json!({
            "code": "overdraft", "account": "treasury:320803101000", "fund": "F2019-SCN-012",
            "needed_fen": 120000, "available_fen": 50000,
            "message": "overdraft", "message_zh": "余额不足"
        }))
        .unwrap();
        assert_eq!(
            refusal_text(&overdraft),
            "treasury:320803101000 资金 F2019-SCN-012 余额不足：此笔需要 1,200.00 元，可用 500.00 元（overdraft）"
        );
        let scope: Refusal = serde_json::from_value(serde_json::json!({
            "code": "scope", "message": "out of scope", "message_zh": "超出授权范围"
        }))
        .unwrap();
        assert_eq!(refusal_text(&scope), "超出授权范围（out of scope） (scope)");
    }
}

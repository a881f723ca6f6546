//! What `ledger post <kind>` (one entry from flags) says: written for a
//! co-signer, accepted with its entry number, or refused with the node's
//! words and code. The entry kind is named in Chinese (到户补贴) or by its
//! stable name (`household_subsidy`) in English.

use super::Message;
use ledger_core::entry::EntryKind;

/// The outcome of posting one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostMsg {
    /// `--out`: signed and written, not posted.
    Wrote {
        /// Kind.
        kind: EntryKind,
        /// Signatures on it.
        signatures: usize,
        /// Submission id.
        id: String,
        /// The file.
        out: String,
    },
    /// Sequenced and durable.
    Accepted {
        /// Kind.
        kind: EntryKind,
        /// Entry number.
        seq: u64,
        /// When sequenced.
        when: String,
        /// Entry hash.
        hash: String,
    },
    /// Refused by the node.
    Refused {
        /// Kind.
        kind: EntryKind,
        /// The node's words (Chinese first where it has them).
        why: String,
        /// The stable code.
        code: String,
    },
    /// The node answered nothing for it.
    NoAnswer,
}

impl Message for PostMsg {
    fn zh(&self) -> String {
        match self {
            PostMsg::Wrote {
                kind,
                signatures,
                id,
                out,
            } => format!(
                "已把签名的{}提交（{signatures} 个签名，编号 {id}）写入 {out}（未记账）",
                kind.label_zh()
            ),
            PostMsg::Accepted { kind, seq, when, hash } => format!(
                "已记账：{}为账本第 {seq} 条（{when} 记账，条目哈希 {hash}）",
                kind.label_zh()
            ),
            PostMsg::Refused { kind, why, code } => {
                format!("节点拒绝了这条{}：{why} ({code})", kind.label_zh())
            }
            PostMsg::NoAnswer => "节点没有答复这笔提交".to_string(),
        }
    }
    fn en(&self) -> String {
        match self {
            PostMsg::Wrote {
                kind,
                signatures,
                id,
                out,
            } => format!(
                "wrote the signed {} submission ({signatures} signature(s), id {id}) to {out}",
                kind.name()
            ),
            PostMsg::Accepted { kind, seq, when, hash } => format!(
                "accepted: {} is entry {seq} (sequenced {when}, entry hash {hash})",
                kind.name()
            ),
            PostMsg::Refused { kind, why, code } => {
                format!("the node refused the {} entry: {why} ({code})", kind.name())
            }
            PostMsg::NoAnswer => "the node gave no answer for the submission".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_kind_and_keeps_the_code() {
        let m = PostMsg::Refused {
            kind: EntryKind::HouseholdSubsidy,
            why: "重复发放（already paid）".into(),
            code: "duplicate_payment".into(),
        };
        assert_eq!(
            m.zh(),
            "节点拒绝了这条到户补贴：重复发放（already paid） (duplicate_payment)"
        );
        assert_eq!(
            m.en(),
            "the node refused the household_subsidy entry: 重复发放（already paid） (duplicate_payment)"
        );
    }
}

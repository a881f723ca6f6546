//! Why a proof or checkpoint the node (or a tiles mirror) answered does not
//! hold, as `ledger prove` and `ledger export` say it. The core's own
//! reason (`why`) stays inside as the core words it, as in `ledger verify`
//! (`verify::VerifyMsg::Failed`); log keys and sizes are printed as given
//! so they can be compared by eye or by script.

use super::Message;

/// A proof or checkpoint that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofCheckMsg {
    /// The checkpoint is not signed by the pinned log key.
    CheckpointKey { vkey: String, why: String },
    /// A checkpoint by another key, and no rotation to it listed.
    NoRotationListed { size: u64, target: String, pinned: String },
    /// The node claims a rotation at size 0.
    RotationAtZero { vkey: String },
    /// The entry the node names as the rotation is not one.
    NotARotation {
        vkey: String,
        from: u64,
        seq: u64,
        kind: String,
    },
    /// The rotation entry names another key than the node said.
    RotatesElsewhere { seq: u64, to: String, said: String },
    /// The rotation entry is not signed by the key before it.
    RotationInvalid { seq: u64, from: String, why: String },
    /// The rotations end at another key than the checkpoint's.
    RotationsLeadElsewhere { current: String, size: u64, target: String },
    /// The entry bytes are not canonical.
    NotCanonical { seq: u64, why: String },
    /// The node answered another entry or leaf.
    WrongEntry { seq: u64, got: u64, leaf: u64 },
    /// The entry's signatures do not hold.
    EntrySignature { seq: u64, why: String },
    /// The proof and the checkpoint are of different sizes.
    ProofSize { proof: u64, checkpoint: u64 },
    /// The inclusion proof does not lead to the signed root.
    InclusionRejected { seq: u64, why: String },
    /// Too few witness cosignatures.
    FewCosignatures { found: usize, required: usize },
    /// The checkpoint is of another log than the entries.
    OtherLog { checkpoint: String, source: String },
}

impl Message for ProofCheckMsg {
    fn zh(&self) -> String {
        match self {
            ProofCheckMsg::CheckpointKey { vkey, why } => format!("检查点没有通过账本密钥 {vkey} 的验证：{why}"),
            ProofCheckMsg::NoRotationListed { size, target, pinned } => {
                format!("大小为 {size} 的检查点由 {target} 签名，而节点没有列出从固定的密钥 {pinned} 到它的密钥轮换")
            }
            ProofCheckMsg::RotationAtZero { vkey } => format!("节点声称账本密钥 {vkey} 从大小 0 起签名"),
            ProofCheckMsg::NotARotation { vkey, from, seq, kind } => {
                format!("节点声称账本密钥 {vkey} 从大小 {from} 起签名，但第 {seq} 条记录是 {kind}，不是账本密钥轮换")
            }
            ProofCheckMsg::RotatesElsewhere { seq, to, said } => {
                format!("第 {seq} 条记录轮换到 {to}，而不是节点所说的 {said}")
            }
            ProofCheckMsg::RotationInvalid { seq, from, why } => {
                format!("第 {seq} 条记录：自 {from} 的轮换无效：{why}")
            }
            ProofCheckMsg::RotationsLeadElsewhere { current, size, target } => {
                format!("从固定的密钥起的轮换通向 {current}，但大小为 {size} 的检查点由 {target} 签名")
            }
            ProofCheckMsg::NotCanonical { seq, why } => format!("第 {seq} 条记录：字节不是规范编码：{why}"),
            ProofCheckMsg::WrongEntry { seq, got, leaf } => {
                format!("请求的是第 {seq} 条记录，得到的却是第 {got} 条、叶子 {leaf} 的证明")
            }
            ProofCheckMsg::EntrySignature { seq, why } => format!("第 {seq} 条记录：{why}"),
            ProofCheckMsg::ProofSize { proof, checkpoint } => {
                format!("证明针对的树大小是 {proof}，检查点的却是 {checkpoint}")
            }
            ProofCheckMsg::InclusionRejected { seq, why } => format!("第 {seq} 条记录：包含证明不成立：{why}"),
            ProofCheckMsg::FewCosignatures { found, required } => {
                format!("只有 {found} 个有效的见证副署，要求 {required} 个")
            }
            ProofCheckMsg::OtherLog { checkpoint, source } => {
                format!("检查点属于账本 {checkpoint:?}，来源却是账本 {source:?}")
            }
        }
    }
    fn en(&self) -> String {
        match self {
            ProofCheckMsg::CheckpointKey { vkey, why } => {
                format!("the checkpoint does not verify against the log key {vkey}: {why}")
            }
            ProofCheckMsg::NoRotationListed { size, target, pinned } => format!(
                "the checkpoint of size {size} is signed by {target}, and the node lists no rotation from the pinned key {pinned} to it"
            ),
            ProofCheckMsg::RotationAtZero { vkey } => format!("the node says log key {vkey} signs from size 0"),
            ProofCheckMsg::NotARotation { vkey, from, seq, kind } => format!(
                "the node says log key {vkey} signs from size {from}, but entry {seq} is a {kind}, not a log-key rotation"
            ),
            ProofCheckMsg::RotatesElsewhere { seq, to, said } => {
                format!("entry {seq} rotates to {to}, not to {said} as the node says")
            }
            ProofCheckMsg::RotationInvalid { seq, from, why } => format!("entry {seq}: rotation from {from}: {why}"),
            ProofCheckMsg::RotationsLeadElsewhere { current, size, target } => format!(
                "the rotations from the pinned key lead to {current}, but the checkpoint of size {size} is signed by {target}"
            ),
            ProofCheckMsg::NotCanonical { seq, why } => {
                format!("entry {seq}: the bytes do not decode canonically: {why}")
            }
            ProofCheckMsg::WrongEntry { seq, got, leaf } => {
                format!("asked for entry {seq}, got entry {got} with a proof for leaf {leaf}")
            }
            ProofCheckMsg::EntrySignature { seq, why } => format!("entry {seq}: {why}"),
            ProofCheckMsg::ProofSize { proof, checkpoint } => {
                format!("the proof is for tree size {proof}, the checkpoint for {checkpoint}")
            }
            ProofCheckMsg::InclusionRejected { seq, why } => format!("entry {seq}: inclusion proof rejected: {why}"),
            ProofCheckMsg::FewCosignatures { found, required } => {
                format!("only {found} valid witness cosignature(s), {required} required")
            }
            ProofCheckMsg::OtherLog { checkpoint, source } => {
                format!("the checkpoint is for log {checkpoint:?}, the source is log {source:?}")
            }
        }
    }
}

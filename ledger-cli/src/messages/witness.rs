//! `ledger witness` (pull mode): what the witness says to the office that
//! runs it. Words as the witness server (ledger-witness) uses them:
//! 见证人 (witness), 检查点 (checkpoint), 联署 (cosign), 一致性证明
//! (consistency proof), 分叉证据 (fork evidence).

use super::Message;

/// A message of `ledger witness`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessMsg {
    /// clap normally enforces these; said again rather than unwrapped.
    NeedFlags,
    /// The key file's name is not a valid witness name.
    KeyName { name: String },
    /// The state file is not the witness's JSON.
    StateFile { file: String },
    /// `--log-key` differs from the key the state file keeps.
    LogKeyDiffers { file: String, kept: String },
    /// No state file and no `--log-key`.
    FirstRunNeedsLogKey,
    /// The node answered a consistency proof from another size.
    ProofFromWrongSize { asked: u64, got: u64 },
    /// The proof's checkpoint is not of the size the proof is to.
    ProofCheckpointOtherSize { to: u64 },
    /// The node's checkpoint is not signed by the trusted log key.
    CheckpointDoesNotVerify { vkey: String, why: String },
    /// The new checkpoint does not extend the cosigned one: fork evidence kept.
    Refused { why: String, file: String },
    /// Signing the cosignature failed.
    Cosigning,
    /// The state cannot be encoded.
    EncodingState,
    /// A file cannot be written.
    Writing { file: String },
    /// The cosignature cannot be added to the note.
    AddingCosignature { why: String },
    /// `--submit`: the node said no.
    NodeRefused { why: String },
    /// Done.
    Cosigned {
        size: u64,
        origin: String,
        previous: Option<u64>,
    },
}

impl Message for WitnessMsg {
    fn zh(&self) -> String {
        match self {
            WitnessMsg::NeedFlags => {
                "ledger witness 需要 --node、--key 和 --state（或者：ledger witness serve …）".to_string()
            }
            WitnessMsg::KeyName { name } => format!("见证人密钥的名字 {name:?} 不能用"),
            WitnessMsg::StateFile { file } => format!("见证人状态文件 {file} 有误"),
            WitnessMsg::LogKeyDiffers { file, kept } => format!(
                "--log-key 与 {file} 中保存的账本密钥（{kept}）不同；账本换了密钥，请另起一个新的状态文件"
            ),
            WitnessMsg::FirstRunNeedsLogKey => {
                "第一次运行需要 --log-key VKEY（您信任的账本验证密钥）".to_string()
            }
            WitnessMsg::ProofFromWrongSize { asked, got } => {
                format!("请求的是自大小 {asked} 起的一致性证明，节点给的却是自 {got} 起的")
            }
            WitnessMsg::ProofCheckpointOtherSize { to } => {
                format!("一致性证明到大小 {to}，但随附的检查点是另一个大小")
            }
            WitnessMsg::CheckpointDoesNotVerify { vkey, why } => {
                format!("节点的检查点没有通过账本密钥 {vkey} 的验证：{why}")
            }
            WitnessMsg::Refused { why, file } => format!(
                "拒绝联署：{why}；账本给出的历史没有延续本见证人已联署的检查点。两个检查点和证明已作为分叉证据保存在 {file}"
            ),
            WitnessMsg::Cosigning => "联署签名失败".to_string(),
            WitnessMsg::EncodingState => "无法编码见证人状态".to_string(),
            WitnessMsg::Writing { file } => format!("无法写入 {file}"),
            WitnessMsg::AddingCosignature { why } => format!("无法把联署加到检查点上：{why}"),
            WitnessMsg::NodeRefused { why } => format!("节点拒收这份联署：{why}"),
            WitnessMsg::Cosigned { size, origin, previous } => format!(
                "已联署 {origin} 大小为 {size} 的检查点（上次大小：{}）",
                previous.map(|p| p.to_string()).unwrap_or_else(|| "无，首次运行".into())
            ),
        }
    }
    fn en(&self) -> String {
        match self {
            WitnessMsg::NeedFlags => {
                "ledger witness needs --node, --key and --state (or: ledger witness serve …)".to_string()
            }
            WitnessMsg::KeyName { name } => format!("witness key name {name:?}"),
            WitnessMsg::StateFile { file } => format!("witness state {file}"),
            WitnessMsg::LogKeyDiffers { file, kept } => format!(
                "--log-key differs from the key in {file} ({kept}); a log-key rotation is followed by starting a new state file"
            ),
            WitnessMsg::FirstRunNeedsLogKey => {
                "the first run needs --log-key VKEY (the log's verifier key you trust)".to_string()
            }
            WitnessMsg::ProofFromWrongSize { asked, got } => {
                format!("asked for a consistency proof from size {asked}, got one from {got}")
            }
            WitnessMsg::ProofCheckpointOtherSize { to } => {
                format!("the consistency proof is to size {to}, but its checkpoint is of another size")
            }
            WitnessMsg::CheckpointDoesNotVerify { vkey, why } => {
                format!("the node's checkpoint does not verify against {vkey}: {why}")
            }
            WitnessMsg::Refused { why, file } => format!(
                "REFUSED: {why}; the log shows a history that does not extend the checkpoint this witness cosigned. Both checkpoints and the proof are saved in {file}"
            ),
            WitnessMsg::Cosigning => "cosigning".to_string(),
            WitnessMsg::EncodingState => "encoding the state".to_string(),
            WitnessMsg::Writing { file } => format!("writing {file}"),
            WitnessMsg::AddingCosignature { why } => format!("adding the cosignature: {why}"),
            WitnessMsg::NodeRefused { why } => format!("the node refused the cosignature: {why}"),
            WitnessMsg::Cosigned { size, origin, previous } => format!(
                "cosigned checkpoint size {size} of {origin} (previous size {})",
                previous.map(|p| p.to_string()).unwrap_or_else(|| "none: first use".into())
            ),
        }
    }
}

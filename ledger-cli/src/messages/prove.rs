//! `ledger prove`: what it checked, and why it cannot. The cryptographic
//! names in the lines (Ed25519, leaf hash, root) stay as they are: they are
//! what a reader looks up; the verifier's own reasons inside a failure stay
//! as the core gives them.

use super::Message;

/// A message of `ledger prove`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProveMsg {
    /// The first line of a proven entry.
    Entry { seq: u64, what: String },
    /// Its bytes and signatures.
    BytesOk { signatures: usize },
    /// Its inclusion.
    Included { leaf: String, hashes: usize, size: u64 },
    /// The signed root.
    Root { root: String, origin: String },
    /// The witnesses and the sequencing time.
    Cosigned { cosigned: usize, time: String },
    /// `--proof` without `--log-key`.
    NeedLogKey,
    /// A proof file without the entry's bytes.
    NoEntryBytes,
    /// Neither `--node` nor `--proof`.
    NeedNode,
    /// `--out`: the offline proof is written.
    Wrote { file: String },
    /// `--out` could not be written.
    CannotWrite { file: String },
    /// `--household` with a prefix against a node.
    HouseholdPrefix,
    /// Nothing to prove named.
    NeedWhat,
    /// The node knows no entry of the household.
    NoEntries { reference: String },
    /// The node answered an entry of another kind.
    NotSubsidy { seq: u64 },
    /// The node answered another household's entry.
    OtherHousehold { seq: u64, found: String, reference: String },
    /// The household's heading.
    Household { reference: String, masked_name: String },
    /// The household's summary line.
    AllEntries { entries: usize, size: u64, cosigned: usize },
    /// `--bundle --household`: not hex, or shorter than the minimum prefix.
    BundleHouseholdForm { min: usize },
    /// `--bundle --household`: no household starts with the prefix.
    NoHouseholdPrefix { prefix: String },
    /// `--bundle --household`: several households start with it (up to 10 listed).
    HouseholdAmbiguous {
        prefix: String,
        count: usize,
        listed: String,
    },
    /// `--finding`: no such finding (in the report file, or in a fresh audit).
    NoFinding { id: String, in_report: bool },
    /// `--finding`: a prefix of several.
    FindingAmbiguous { id: String, listed: String },
    /// `--finding`: the finding names no entry.
    FindingNamesNoEntry,
}

impl Message for ProveMsg {
    fn zh(&self) -> String {
        match self {
            ProveMsg::Entry { seq, what } => format!("第 {seq} 条：{what}"),
            ProveMsg::BytesOk { signatures } => {
                format!("  ✓ 记录字节按规范格式解码；其 {signatures} 个签名验证通过（Ed25519）")
            }
            ProveMsg::Included { leaf, hashes, size } => {
                format!("  ✓ 叶子哈希 {leaf} 包含在大小为 {size} 的树中（证明含 {hashes} 个哈希）")
            }
            ProveMsg::Root { root, origin } => format!("  ✓ 根 {root} 由 {origin} 的账本密钥签名"),
            ProveMsg::Cosigned { cosigned, time } => format!("  ✓ 已验证 {cosigned} 个见证副署；记账时间 {time}"),
            ProveMsg::NeedLogKey => "离线核对证明文件需要 --log-key".to_string(),
            ProveMsg::NoEntryBytes => "证明文件中没有记录字节（缺少附加行）".to_string(),
            ProveMsg::NeedNode => "请给 --node URL（或用 --proof FILE 离线核对）".to_string(),
            ProveMsg::Wrote { file } => {
                format!("离线证明已写入 {file}（核对方法：ledger prove --proof {file} --log-key VKEY）")
            }
            ProveMsg::CannotWrite { file } => format!("无法写入 {file}"),
            ProveMsg::HouseholdPrefix => {
                "--household：节点只接受完整的户号（64 位十六进制）；按前缀查找请对导出包证明：--bundle FILE"
                    .to_string()
            }
            ProveMsg::NeedWhat => "请给 --seq N、--household REF，或 --resident-id ID --pseudonym-key FILE".to_string(),
            ProveMsg::NoEntries { reference } => format!("节点上没有户号 {reference} 的记录"),
            ProveMsg::NotSubsidy { seq } => format!("第 {seq} 条不是到户补贴"),
            ProveMsg::OtherHousehold { seq, found, reference } => {
                format!("第 {seq} 条属于户号 {found}，不是 {reference}")
            }
            ProveMsg::Household { reference, masked_name } => format!("户号 {reference}（{masked_name}）"),
            ProveMsg::BundleHouseholdForm { min } => {
                format!("--household：户号为 64 位十六进制，请给完整户号或至少 {min} 位的前缀")
            }
            ProveMsg::NoHouseholdPrefix { prefix } => format!("导出包中没有以 {prefix} 开头的户号"),
            ProveMsg::HouseholdAmbiguous { prefix, count, listed } => {
                format!("--household {prefix} 不唯一：有 {count} 户以它开头：{listed}")
            }
            ProveMsg::NoFinding { id, in_report: true } => format!("报告中没有问题 {id}"),
            ProveMsg::NoFinding { id, in_report: false } => format!(
                "按默认设置审计该导出包，没有问题 {id}（若审计用了其他设置或名单，请给 --report FILE.json）"
            ),
            ProveMsg::FindingAmbiguous { id, listed } => format!("--finding {id} 不唯一：{listed}"),
            ProveMsg::FindingNamesNoEntry => "无可证明的内容：该问题没有列出任何条目".to_string(),
            ProveMsg::AllEntries { entries, size, cosigned } => format!(
                "✓ 全部 {entries} 条记录都能解码、签名有效，并包含在大小为 {size} 的已签名账本中（见证副署 {cosigned} 个）"
            ),
        }
    }
    fn en(&self) -> String {
        match self {
            ProveMsg::Entry { seq, what } => format!("entry {seq}: {what}"),
            ProveMsg::BytesOk { signatures } => {
                format!("  ✓ the entry's bytes decode canonically; its {signatures} signature(s) verify (Ed25519)")
            }
            ProveMsg::Included { leaf, hashes, size } => {
                format!("  ✓ leaf hash {leaf} is included ({hashes} proof hashes) in the tree of size {size}")
            }
            ProveMsg::Root { root, origin } => format!("  ✓ root {root} is signed by the log key of {origin}"),
            ProveMsg::Cosigned { cosigned, time } => {
                format!("  ✓ {cosigned} witness cosignature(s) verified; sequenced {time}")
            }
            ProveMsg::NeedLogKey => "checking a proof file offline needs --log-key".to_string(),
            ProveMsg::NoEntryBytes => "the proof file carries no entry bytes (extra line)".to_string(),
            ProveMsg::NeedNode => "give --node URL (or --proof FILE to check offline)".to_string(),
            ProveMsg::Wrote { file } => {
                format!("wrote the offline proof to {file} (check it with: ledger prove --proof {file} --log-key VKEY)")
            }
            ProveMsg::CannotWrite { file } => format!("writing {file}"),
            ProveMsg::HouseholdPrefix => "--household: the node takes the whole reference (64 hex digits); for a prefix, prove against the bundle: --bundle FILE".to_string(),
            ProveMsg::NeedWhat => "give --seq N, --household REF, or --resident-id ID --pseudonym-key FILE".to_string(),
            ProveMsg::NoEntries { reference } => format!("the node has no entries for household {reference}"),
            ProveMsg::NotSubsidy { seq } => format!("entry {seq} is not a household subsidy"),
            ProveMsg::OtherHousehold { seq, found, reference } => {
                format!("entry {seq} is for household {found}, not {reference}")
            }
            ProveMsg::Household { reference, masked_name } => format!("household {reference} ({masked_name})"),
            ProveMsg::BundleHouseholdForm { min } => {
                format!("--household: a reference is 64 hex digits; give it or a prefix of at least {min}")
            }
            ProveMsg::NoHouseholdPrefix { prefix } => {
                format!("no household reference starting with {prefix} in the bundle")
            }
            ProveMsg::HouseholdAmbiguous { prefix, count, listed } => {
                format!("--household {prefix} is ambiguous: {count} households start with it: {listed}")
            }
            ProveMsg::NoFinding { id, in_report: true } => format!("no finding {id} in the report"),
            ProveMsg::NoFinding { id, in_report: false } => format!(
                "no finding {id} in the audit of the bundle with the default settings (give --report FILE.json for an audit run with other settings or lists)"
            ),
            ProveMsg::FindingAmbiguous { id, listed } => format!("--finding {id} is ambiguous: {listed}"),
            ProveMsg::FindingNamesNoEntry => "nothing to prove: the finding names no entry".to_string(),
            ProveMsg::AllEntries { entries, size, cosigned } => format!(
                "✓ all {entries} entries decode, carry valid signatures and are included in the signed log of size {size} ({cosigned} witness cosignature(s))"
            ),
        }
    }
}

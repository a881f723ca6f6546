//! `ledger verify` (and the bundle reading `ledger audit` shares with it):
//! its report and its failures. The verifier's own reason (`entry 10
//! [signature] …`, from ledger-core) stays as the core gives it, inside
//! the sentence: its bracketed check names are stable ASCII, and tests and
//! scripts match them.

use super::Message;

/// A message of `ledger verify`.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyMsg {
    /// The bundle cannot be read.
    CannotRead { file: String },
    /// The bundle is over the size limit.
    TooBig { file: String, max: u64 },
    /// Not a bundle at all (wrong magic).
    NotABundle { file: String },
    /// A bundle whose framing is broken.
    Damaged { file: String, why: String },
    /// `--threads` out of range.
    Threads,
    /// A check failed.
    Failed { file: String, why: String },
    /// Two signed checkpoints that disagree: the evidence is saved.
    Fork {
        file: String,
        why: String,
        evidence: String,
    },
    /// A fork whose evidence could not be written.
    ForkUnsaved { file: String, why: String, error: String },
    /// Too few witness cosignatures.
    FewWitnesses {
        file: String,
        found: usize,
        required: usize,
    },
    /// `--save-checkpoint` could not be written.
    CannotWrite { file: String },
    /// The log key was read from the bundle, not pinned.
    KeyFromGenesis { vkey: String },
    /// The first line of the report.
    Ok { file: String },
    /// A line of the report: the label, padded (values follow).
    Origin,
    /// Entries.
    Entries,
    /// Signatures (the count).
    Signatures(u64),
    /// Merkle root (hex).
    Root(String),
    /// Head hash (hex).
    HeadHash(String),
    /// Log key.
    LogKey,
    /// The checkpoint line.
    Checkpoint { size: u64, others: usize, cosigned: usize },
    /// Extends the saved checkpoint.
    Consistent { size: u64 },
    /// Speed, on standard error.
    Speed { seconds: f64, rate: f64 },
}

impl Message for VerifyMsg {
    fn zh(&self) -> String {
        match self {
            VerifyMsg::CannotRead { file } => format!("无法读取 {file}"),
            VerifyMsg::TooBig { file, max } => format!("{file} 超过 {max} 字节"),
            VerifyMsg::NotABundle { file } => format!("{file} 不是阳光账本的导出包（bundle）"),
            VerifyMsg::Damaged { file, why } => format!("{file}：导出包已损坏：{why}"),
            VerifyMsg::Threads => "--threads 须为 1-1024".to_string(),
            VerifyMsg::Failed { file, why } => format!("{file}：校验未通过：{why}"),
            VerifyMsg::Fork { file, why, evidence } => {
                format!("{file}：发现分叉（FORK）：{why}。两个签名检查点都已作为证据保存在 {evidence}")
            }
            VerifyMsg::ForkUnsaved { file, why, error } => {
                format!("{file}：发现分叉（FORK）：{why}；证据写入失败：{error}")
            }
            VerifyMsg::FewWitnesses { file, found, required } => {
                format!("{file}：检查点上只有 {found} 个有效的见证副署，要求 {required} 个")
            }
            VerifyMsg::CannotWrite { file } => format!("无法写入 {file}"),
            VerifyMsg::KeyFromGenesis { vkey } => {
                format!("提示：账本密钥取自导出包的创世记录（{vkey}）；请用 --log-key 固定它")
            }
            VerifyMsg::Ok { file } => format!("OK {file}：每条记录、链接、叶子、签名和规则都成立"),
            VerifyMsg::Origin => "  账本：      ".to_string(),
            VerifyMsg::Entries => "  记录数：    ".to_string(),
            VerifyMsg::Signatures(n) => format!("  签名数：    {n}（Ed25519，批量验证）"),
            VerifyMsg::Root(root) => format!("  默克尔根：  {root}（与签名检查点的一致）"),
            VerifyMsg::HeadHash(hash) => format!("  链头哈希：  {hash}（blake3 哈希链）"),
            VerifyMsg::LogKey => "  账本密钥：  ".to_string(),
            VerifyMsg::Checkpoint { size, others, cosigned } => {
                format!("  检查点：    大小 {size}，其他签名 {others} 行，已验证的见证副署 {cosigned} 个")
            }
            VerifyMsg::Consistent { size } => format!("  一致性：    延续已保存的大小为 {size} 的检查点"),
            VerifyMsg::Speed { seconds, rate } => format!("校验用时 {seconds:.2} 秒（每秒 {rate:.0} 条）"),
        }
    }
    fn en(&self) -> String {
        match self {
            VerifyMsg::CannotRead { file } => format!("cannot read {file}"),
            VerifyMsg::TooBig { file, max } => format!("{file} is over {max} bytes"),
            VerifyMsg::NotABundle { file } => format!("{file} is not a Sunshine Ledger bundle"),
            VerifyMsg::Damaged { file, why } => format!("{file}: the bundle is damaged: {why}"),
            VerifyMsg::Threads => "--threads must be 1-1024".to_string(),
            VerifyMsg::Failed { file, why } => format!("{file}: verification failed: {why}"),
            VerifyMsg::Fork { file, why, evidence } => format!(
                "{file}: FORK: {why} — both signed checkpoints are saved as evidence in {evidence}"
            ),
            VerifyMsg::ForkUnsaved { file, why, error } => {
                format!("{file}: FORK: {why}; writing the evidence failed: {error}")
            }
            VerifyMsg::FewWitnesses { file, found, required } => format!(
                "{file}: only {found} valid witness cosignature(s) on the checkpoint, {required} required"
            ),
            VerifyMsg::CannotWrite { file } => format!("writing {file}"),
            VerifyMsg::KeyFromGenesis { vkey } => {
                format!("note: the log key was taken from the bundle's genesis ({vkey}); pin it with --log-key")
            }
            VerifyMsg::Ok { file } => format!("OK {file}: every entry, link, leaf, signature and rule holds"),
            VerifyMsg::Origin => "  log:          ".to_string(),
            VerifyMsg::Entries => "  entries:      ".to_string(),
            VerifyMsg::Signatures(n) => format!("  signatures:   {n} (Ed25519, batch-verified)"),
            VerifyMsg::Root(root) => format!("  merkle root:  {root} = the signed checkpoint's"),
            VerifyMsg::HeadHash(hash) => format!("  head hash:    {hash} (blake3 chain)"),
            VerifyMsg::LogKey => "  log key:      ".to_string(),
            VerifyMsg::Checkpoint { size, others, cosigned } => format!(
                "  checkpoint:   size {size}, {others} other signature line(s), {cosigned} verified witness cosignature(s)"
            ),
            VerifyMsg::Consistent { size } => format!("  consistent:   extends the saved checkpoint of size {size}"),
            VerifyMsg::Speed { seconds, rate } => format!("verified in {seconds:.2} s ({rate:.0} entries/s)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The failure sentence keeps the verifier's ASCII reason inside it.
    #[test]
    fn a_failure_in_both_languages() {
        let m = VerifyMsg::Failed {
            file: "a.bundle".into(),
            why: "entry 10 [signature] does not verify".into(),
        };
        assert_eq!(m.zh(), "a.bundle：校验未通过：entry 10 [signature] does not verify");
        assert_eq!(
            m.en(),
            "a.bundle: verification failed: entry 10 [signature] does not verify"
        );
        let w = VerifyMsg::FewWitnesses {
            file: "a.bundle".into(),
            found: 0,
            required: 2,
        };
        assert_eq!(w.zh(), "a.bundle：检查点上只有 0 个有效的见证副署，要求 2 个");
    }
}

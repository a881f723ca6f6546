//! `ledger export`: where the bundle goes and what it holds. The
//! verifier's reasons (a root that does not match, an entry out of place)
//! stay as the core and the checks word them; the sentences people read
//! around the output file are here.

use super::Message;

/// A message of `ledger export`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportMsg {
    /// Neither `--node` nor `--data`.
    NeedSource,
    /// The checkpoint is checked against the key the source states.
    KeyFromSource { vkey: String },
    /// The output cannot be created.
    Creating { file: String },
    /// The partial output cannot be opened.
    Opening { file: String },
    /// The partial output cannot be cut back.
    Truncating { file: String },
    /// The output cannot be written.
    Writing { file: String },
    /// A partial export is continued.
    Resuming { file: String, done: u64, total: u64 },
    /// `--data DIR`: no readable store there (a mistyped folder).
    NoStore { dir: String, why: String },
    /// `--data DIR`: a torn tail after the last commit is left out.
    TornTail { file: String, bytes: u64 },
    /// `--data DIR`: the store has no checkpoint.
    NoCheckpoint { dir: String },
    /// Done.
    Exported {
        total: u64,
        origin: String,
        file: String,
        size: u64,
        root: String,
        cosignatures: usize,
    },
}

impl Message for ExportMsg {
    fn zh(&self) -> String {
        match self {
            ExportMsg::NeedSource => "请给 --node URL、--data DIR 或 --tiles URL".to_string(),
            ExportMsg::NoStore { dir, why } => format!("无法读取数据目录 {dir} 中的账本存储：{why}"),
            ExportMsg::TornTail { file, bytes } => format!(
                "提示：{file} 在最后一次完整提交之后还有 {bytes} 字节（崩溃时未完成、从未确认的提交），不导出"
            ),
            ExportMsg::NoCheckpoint { dir } => format!("{dir} 中没有检查点（账本是空的？）"),
            ExportMsg::KeyFromSource { vkey } => {
                format!("提示：按来源声明的账本密钥（{vkey}）核对检查点；请用 --log-key 固定它")
            }
            ExportMsg::Creating { file } => format!("无法创建 {file}"),
            ExportMsg::Opening { file } => format!("无法打开 {file}"),
            ExportMsg::Truncating { file } => format!("无法截断 {file}"),
            ExportMsg::Writing { file } => format!("无法写入 {file}"),
            ExportMsg::Resuming { file, done, total } => {
                format!("继续导出 {file}：已有 {done} / {total} 条")
            }
            ExportMsg::Exported { total, origin, file, size, root, cosignatures } => format!(
                "已把 {origin} 的 {total} 条记录导出到 {file}（检查点大小 {size}，根 {root}，副署 {cosignatures} 行）；校验：ledger verify {file}"
            ),
        }
    }
    fn en(&self) -> String {
        match self {
            ExportMsg::NeedSource => "give --node URL, --data DIR or --tiles URL".to_string(),
            ExportMsg::NoStore { dir, why } => format!("cannot read the store of the data folder {dir}: {why}"),
            ExportMsg::TornTail { file, bytes } => format!(
                "note: {file} has {bytes} bytes after its last complete commit (a commit cut short by a crash, never acknowledged); they are not exported"
            ),
            ExportMsg::NoCheckpoint { dir } => format!("{dir} holds no checkpoint (an empty log?)"),
            ExportMsg::KeyFromSource { vkey } => format!(
                "note: checking the checkpoint against the log key the source states ({vkey}); pin it with --log-key"
            ),
            ExportMsg::Creating { file } => format!("creating {file}"),
            ExportMsg::Opening { file } => format!("opening {file}"),
            ExportMsg::Truncating { file } => format!("truncating {file}"),
            ExportMsg::Writing { file } => format!("writing {file}"),
            ExportMsg::Resuming { file, done, total } => format!("resuming {file} after {done} of {total} entries"),
            ExportMsg::Exported { total, origin, file, size, root, cosignatures } => format!(
                "exported {total} entries of {origin} to {file} (checkpoint size {size}, root {root}, {cosignatures} cosignature line(s)); verify it with: ledger verify {file}"
            ),
        }
    }
}

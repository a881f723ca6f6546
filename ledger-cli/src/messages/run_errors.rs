//! What stops a batch run before or while it posts (`ledger post csv`):
//! flags that do not fit, the file, the batch's validity window, the
//! receipts file of another batch, a connection lost mid-group. Each says
//! what to do next; the flags stay as typed (they are what the user types).

use super::Message;

/// A batch run's stopping reasons and its offline summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunErr {
    /// `--batch-size` outside 1-10000.
    BatchSize,
    /// The file cannot be read.
    CannotRead {
        /// The file.
        file: String,
    },
    /// The file is over the size limit.
    TooBig {
        /// The file.
        file: String,
        /// The limit in bytes.
        max: u64,
    },
    /// No `--key`.
    NoKey,
    /// Neither `--node`, `--out` nor `--dry-run`.
    NoNode,
    /// Subsidies without `--pseudonym-key`.
    NoPseudonymKey,
    /// The clock is outside the dates the format holds.
    Clock,
    /// The receipts file is another batch's.
    OtherBatch {
        /// The receipts file.
        receipts: String,
        /// Its batch id.
        id: String,
        /// Its log.
        origin: String,
        /// This file's batch id.
        this: String,
    },
    /// The batch's validity window has passed.
    WindowEnded {
        /// When it ended.
        at: String,
        /// Rows still to post.
        rows: usize,
        /// The receipts file.
        receipts: String,
    },
    /// `--out`: signed, written, not posted.
    Wrote {
        /// Submissions.
        count: usize,
        /// The file.
        out: String,
    },
    /// The connection failed while a group was posted.
    Interrupted {
        /// What failed.
        why: String,
        /// Posted so far in this run.
        new: usize,
        /// Already in the log.
        original: usize,
        /// Refused so far.
        rejected: usize,
        /// The group whose outcome is unknown (1-based).
        group: usize,
        /// Groups.
        of: usize,
        /// The receipts file.
        receipts: String,
    },
    /// The node lacks `GET /v1/policy` / `GET /v1/keys/{key}` (older than
    /// issue 14's node).
    OldNode,
}

impl Message for RunErr {
    fn zh(&self) -> String {
        match self {
            RunErr::BatchSize => "--batch-size 须为 1-10000".to_string(),
            RunErr::CannotRead { file } => format!("无法读取 {file}"),
            RunErr::TooBig { file, max } => format!("{file} 超过 {max} 字节：请拆分"),
            RunErr::NoKey => "请至少给一个 --key（签名密钥文件）".to_string(),
            RunErr::NoNode => "请给 --node URL 记账（或 --out FILE 只签名、--dry-run 只预检）".to_string(),
            RunErr::NoPseudonymKey => {
                "到户补贴需要 --pseudonym-key FILE（在本机把身份证号码假名化）".to_string()
            }
            RunErr::Clock => "本机时钟不在 2000-2099 年之间：请用 --date 给出发放日期".to_string(),
            RunErr::OtherBatch { receipts, id, origin, this } => format!(
                "{receipts} 是账本 {origin:?} 的批次 {id:?} 的回执文件：请用 --receipts 另给一个文件（本文件内容的批次为 {this:?}）"
            ),
            RunErr::WindowEnded { at, rows, receipts } => format!(
                "本批的有效期已于 {at} 结束，还有 {rows} 笔未记账：加 --new-window 重新运行即可记账（已记账的行按 {receipts} 跳过，不会重复）"
            ),
            RunErr::Wrote { count, out } => format!("已把 {count} 笔签名后的提交写入 {out}（未记账）"),
            RunErr::OldNode => {
                "节点不提供 GET /v1/policy 和 GET /v1/keys/{key}（版本过旧）：请先升级节点再批量记账".to_string()
            }
            RunErr::Interrupted { why, new, original, rejected, group, of, receipts } => format!(
                "{why}；本次已记账 {new} 笔，此前已在账本 {original} 笔，被拒绝 {rejected} 笔；第 {group}/{of} 组结果未知。收到的回执都在 {receipts}。重新运行同一命令即可完成：安全，不会重复记账"
            ),
        }
    }
    fn en(&self) -> String {
        match self {
            RunErr::BatchSize => "--batch-size must be 1-10000".to_string(),
            RunErr::CannotRead { file } => format!("cannot read {file}"),
            RunErr::TooBig { file, max } => format!("{file} is over {max} bytes; split it"),
            RunErr::NoKey => "give at least one --key".to_string(),
            RunErr::NoNode => "give --node URL to post (or --out FILE / --dry-run)".to_string(),
            RunErr::NoPseudonymKey => "subsidies need --pseudonym-key FILE to hash resident IDs".to_string(),
            RunErr::Clock => "the clock is outside 2000-2099; give --date".to_string(),
            RunErr::OtherBatch { receipts, id, origin, this } => format!(
                "{receipts} belongs to batch {id:?} of log {origin:?}; give another --receipts file (this file's content is batch {this:?})"
            ),
            RunErr::WindowEnded { at, rows, receipts } => format!(
                "this batch's validity window ended at {at}; {rows} row(s) are not posted yet. Rerun with --new-window to post them (rows already posted are skipped through {receipts})"
            ),
            RunErr::Wrote { count, out } => format!("wrote {count} signed submission(s) to {out} (not posted)"),
            RunErr::OldNode => {
                "the node does not serve GET /v1/policy and GET /v1/keys/{key} (too old): upgrade it before posting a batch".to_string()
            }
            RunErr::Interrupted { why, new, original, rejected, group, of, receipts } => format!(
                "{why}; so far {new} row(s) posted, {original} already in the log, {rejected} rejected; the outcome of group {group} of {of} is unknown. Every receipt received is in {receipts}. Rerun the same command to finish: it is safe (nothing is posted twice)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_name_the_flag_to_use() {
        let m = RunErr::WindowEnded {
            at: "2026-12-07 10:00:00".into(),
            rows: 3,
            receipts: "a.receipts.jsonl".into(),
        };
        assert_eq!(
            m.zh(),
            "本批的有效期已于 2026-12-07 10:00:00 结束，还有 3 笔未记账：加 --new-window 重新运行即可记账（已记账的行按 a.receipts.jsonl 跳过，不会重复）"
        );
        assert_eq!(
            m.en(),
            "this batch's validity window ended at 2026-12-07 10:00:00; 3 row(s) are not posted yet. Rerun with --new-window to post them (rows already posted are skipped through a.receipts.jsonl)"
        );
        assert_eq!(
            RunErr::Wrote {
                count: 2,
                out: "s.jsonl".into()
            }
            .zh(),
            "已把 2 笔签名后的提交写入 s.jsonl（未记账）"
        );
    }
}

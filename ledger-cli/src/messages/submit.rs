//! What the signing path says before and after a submission goes to the
//! node (every `ledger post` kind, `grant`, `revoke`, `submit` …): the
//! flags that decide where it goes, how long it is valid, and an answer or
//! receipt that is not what was sent. A refusal of the entry itself is
//! `post::PostMsg::Refused`.

use super::Message;

/// A message of the signing and sending path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitMsg {
    /// Posting without `--node`.
    NodeRequired,
    /// Neither `--node` nor `--out`.
    NodeOrOut,
    /// `--origin` differs from the node's.
    OriginMismatch {
        /// Given.
        given: String,
        /// The node's.
        node: String,
    },
    /// `--out` without `--node` needs `--origin`.
    OriginNeeded,
    /// `--valid-until` in the past.
    ValidUntilPast {
        /// The time given.
        time: String,
    },
    /// `--valid-until` beyond the node's 7-day window.
    ValidUntilTooFar {
        /// The time given.
        time: String,
    },
    /// The node's 200 answer is not the submission answer.
    AnswerNotJson {
        /// The parser's words.
        why: String,
    },
    /// Not one result per submission.
    ResultCount {
        /// Results.
        got: usize,
        /// Submissions.
        sent: usize,
    },
    /// The whole request was refused.
    RequestRefused {
        /// HTTP status.
        status: u16,
        /// The node's code.
        code: String,
        /// The node's words.
        why: String,
    },
    /// An error status without the node's error body.
    AnswerStatus {
        /// HTTP status.
        status: u16,
    },
    /// The receipt is for another submission.
    ReceiptWrongSubmission {
        /// Named in the receipt.
        named: String,
        /// Sent.
        sent: String,
    },
    /// The receipt is for another log.
    ReceiptWrongLog {
        /// In the receipt.
        got: String,
        /// Ours.
        want: String,
    },
    /// The receipt's signature is not the log key's.
    ReceiptNotSigned {
        /// Entry number.
        seq: u64,
        /// The key expected.
        vkey: String,
    },
    /// A time flag (`--valid-from`, `--valid-until`, `--key-valid-until`)
    /// that is not a date or time.
    NotATime {
        /// What was given.
        given: String,
    },
}

impl Message for SubmitMsg {
    fn zh(&self) -> String {
        match self {
            SubmitMsg::NodeRequired => "记账需要 --node（节点网址）".to_string(),
            SubmitMsg::NodeOrOut => {
                "请给出 --node URL 直接记账，或给出 --out FILE（及 --origin）把签名的提交写入文件".to_string()
            }
            SubmitMsg::OriginMismatch { given, node } => {
                format!("--origin {given} 与节点的来源标识 {node} 不符")
            }
            SubmitMsg::OriginNeeded => "用 --out 写文件且不给 --node 时，请给出 --origin（账本的来源标识）".to_string(),
            SubmitMsg::ValidUntilPast { time } => format!("--valid-until {time} 已经过去"),
            SubmitMsg::ValidUntilTooFar { time } => {
                format!("--valid-until {time} 超过 7 天之后；节点不接受有效期更长的提交")
            }
            SubmitMsg::AnswerNotJson { why } => format!("节点对提交的答复不是预期的 JSON：{why}"),
            SubmitMsg::ResultCount { got, sent } => format!("节点对 {sent} 笔提交答复了 {got} 个结果"),
            SubmitMsg::RequestRefused { status, code, why } => {
                format!("节点拒绝了这次请求（{status} {code}）：{why}")
            }
            SubmitMsg::AnswerStatus { status } => format!("节点对提交答复 HTTP {status}"),
            SubmitMsg::ReceiptWrongSubmission { named, sent } => {
                format!("节点的回执写的是提交 {named}，而发送的是 {sent}")
            }
            SubmitMsg::ReceiptWrongLog { got, want } => format!("回执属于账本 {got:?}，不是 {want:?}"),
            SubmitMsg::ReceiptNotSigned { seq, vkey } => {
                format!("第 {seq} 条的回执不是账本密钥 {vkey} 签的")
            }
            SubmitMsg::NotATime { given } => {
                format!("{given:?} 不是日期或时间（YYYY-MM-DD 或 YYYY-MM-DD HH:MM，北京时间）")
            }
        }
    }
    fn en(&self) -> String {
        match self {
            SubmitMsg::NodeRequired => "--node is required to post".to_string(),
            SubmitMsg::NodeOrOut => {
                "give --node URL to post, or --out FILE (with --origin) to write the signed submission".to_string()
            }
            SubmitMsg::OriginMismatch { given, node } => {
                format!("--origin {given} is not the node's origin {node}")
            }
            SubmitMsg::OriginNeeded => {
                "give --origin (the log's origin) when writing with --out and no --node".to_string()
            }
            SubmitMsg::ValidUntilPast { time } => format!("--valid-until {time} is in the past"),
            SubmitMsg::ValidUntilTooFar { time } => {
                format!("--valid-until {time} is more than 7 days ahead; the node refuses submissions valid for longer")
            }
            SubmitMsg::AnswerNotJson { why } => {
                format!("the node's answer to the submission is not the expected JSON: {why}")
            }
            SubmitMsg::ResultCount { got, sent } => {
                format!("the node answered {got} results for {sent} submissions")
            }
            SubmitMsg::RequestRefused { status, code, why } => {
                format!("the node refused the request ({status} {code}): {why}")
            }
            SubmitMsg::AnswerStatus { status } => format!("the node answered HTTP {status} to the submission"),
            SubmitMsg::ReceiptWrongSubmission { named, sent } => {
                format!("the node's receipt names submission {named} but {sent} was sent")
            }
            SubmitMsg::ReceiptWrongLog { got, want } => format!("the receipt is for log {got:?}, not {want:?}"),
            SubmitMsg::ReceiptNotSigned { seq, vkey } => {
                format!("the receipt for entry {seq} is not signed by the log key {vkey}")
            }
            SubmitMsg::NotATime { given } => {
                format!("not a date or time (YYYY-MM-DD or YYYY-MM-DD HH:MM, Beijing time): {given:?}")
            }
        }
    }
}

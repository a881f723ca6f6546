//! What any command says when talking to a node goes wrong: unreachable,
//! too slow, an error answer, an answer that is not what was asked. Every
//! command that takes `--node` goes through `http.rs`, so these are the
//! network errors people see most (exit 3). The node's own code
//! (`bad_parameter`, `overdraft`) is kept as it is: programs match it.

use super::Message;

/// A failed exchange with a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeMsg {
    /// `--node` is not an http(s) URL.
    BadUrl {
        /// What was given.
        given: String,
    },
    /// The HTTP client could not be built (TLS roots missing …).
    NoClient {
        /// The library's words.
        why: String,
    },
    /// No answer within `--timeout`.
    TimedOut {
        /// The URL asked.
        url: String,
    },
    /// Nothing listens there (or the network is down).
    CannotConnect {
        /// The URL asked.
        url: String,
    },
    /// Another transport error.
    Transport {
        /// The URL asked.
        url: String,
        /// The library's words.
        why: String,
    },
    /// Every attempt failed without an answer.
    NoAnswer {
        /// The URL asked.
        url: String,
    },
    /// The answer broke off.
    Reading {
        /// The URL asked.
        url: String,
        /// The library's words.
        why: String,
    },
    /// The answer is larger than we read.
    TooLarge {
        /// The URL asked.
        url: String,
        /// The limit.
        max_bytes: u64,
    },
    /// An error answer with the node's code and words.
    Refused {
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// The node's stable code.
        code: String,
        /// The node's words (Chinese first where it has them).
        why: String,
    },
    /// An error status without the node's error body (a proxy, say).
    Status {
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// The body is not the JSON this command reads.
    NotJson {
        /// The URL asked.
        url: String,
        /// The parser's words.
        why: String,
    },
    /// The body is not UTF-8 text.
    NotText {
        /// The URL asked.
        url: String,
    },
}

impl Message for NodeMsg {
    fn zh(&self) -> String {
        match self {
            NodeMsg::BadUrl { given } => format!("--node 应为 http:// 或 https:// 开头的网址，而不是 {given:?}"),
            NodeMsg::NoClient { why } => format!("无法建立 HTTP 客户端：{why}"),
            NodeMsg::TimedOut { url } => format!("{url}：节点超时未答复（可用 --timeout 加长等待）"),
            NodeMsg::CannotConnect { url } => format!("{url}：无法连接节点（地址是否正确、节点是否在运行？）"),
            NodeMsg::Transport { url, why } => format!("{url}：{why}"),
            NodeMsg::NoAnswer { url } => format!("{url}：节点没有答复"),
            NodeMsg::Reading { url, why } => format!("读取 {url} 的答复时出错：{why}"),
            NodeMsg::TooLarge { url, max_bytes } => format!("{url} 的答复超过 {max_bytes} 字节上限"),
            NodeMsg::Refused { url, status, code, why } => format!("{url}：节点答复 {status} {code}：{why}"),
            NodeMsg::Status { url, status } => format!("{url}：节点答复 HTTP {status}"),
            NodeMsg::NotJson { url, why } => format!("{url}：节点的答复不是预期的 JSON：{why}"),
            NodeMsg::NotText { url } => format!("{url}：节点的答复不是 UTF-8 文本"),
        }
    }
    fn en(&self) -> String {
        match self {
            NodeMsg::BadUrl { given } => format!("--node must be an http:// or https:// URL, not {given:?}"),
            NodeMsg::NoClient { why } => format!("cannot build the HTTP client: {why}"),
            NodeMsg::TimedOut { url } => format!("{url}: timed out (a longer --timeout may help)"),
            NodeMsg::CannotConnect { url } => {
                format!("{url}: cannot connect (is the address right, is the node running?)")
            }
            NodeMsg::Transport { url, why } => format!("{url}: {why}"),
            NodeMsg::NoAnswer { url } => format!("{url}: no answer"),
            NodeMsg::Reading { url, why } => format!("reading the answer of {url}: {why}"),
            NodeMsg::TooLarge { url, max_bytes } => format!("the answer of {url} is over {max_bytes} bytes"),
            NodeMsg::Refused { url, status, code, why } => format!("{url}: the node answered {status} {code}: {why}"),
            NodeMsg::Status { url, status } => format!("{url}: the node answered HTTP {status}"),
            NodeMsg::NotJson { url, why } => format!("{url}: the node's answer is not the expected JSON: {why}"),
            NodeMsg::NotText { url } => format!("{url}: the answer is not UTF-8 text"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_the_status_and_the_code_in_both_languages() {
        let m = NodeMsg::Refused {
            url: "http://n/v1/households/x".into(),
            status: 400,
            code: "bad_parameter".into(),
            why: "户号应为 64 位十六进制".into(),
        };
        assert_eq!(
            m.zh(),
            "http://n/v1/households/x：节点答复 400 bad_parameter：户号应为 64 位十六进制"
        );
        assert_eq!(
            m.en(),
            "http://n/v1/households/x: the node answered 400 bad_parameter: 户号应为 64 位十六进制"
        );
        let m = NodeMsg::CannotConnect {
            url: "http://127.0.0.1:9/v1/log".into(),
        };
        assert_eq!(
            m.zh(),
            "http://127.0.0.1:9/v1/log：无法连接节点（地址是否正确、节点是否在运行？）"
        );
    }
}

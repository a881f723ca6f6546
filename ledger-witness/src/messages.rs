//! Every sentence `ledger-witness` prints for people, in Chinese and in
//! English (`--lang`, else the locale, else Chinese: the same rule as
//! `ledger`, from `ledger_datadir::locale`). Codes for programs (the HTTP
//! bodies' `unknown_log`, `inconsistent`, …) are stable ASCII and are not
//! here: a log's client matches them, whatever the witness's language.
//! The operator's log lines (tracing) stay English key=value, like the
//! node's, for log tools.

use std::fmt::Display;
use std::sync::OnceLock;

/// The language of messages for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

static LANG: OnceLock<Lang> = OnceLock::new();

/// Fix the language for this run (first call wins): the flag, else the
/// locale.
pub fn init(flag: Option<Lang>) {
    let lang = flag.unwrap_or(if ledger_datadir::locale::env_is_english() {
        Lang::En
    } else {
        Lang::Zh
    });
    let _ = LANG.set(lang);
}

/// The language of this run (Chinese before [`init`]).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::Zh)
}

/// A sentence for people.
// No Debug: it holds `dyn Display` details; `zh`/`en` are its renderings.
#[derive(Clone, Copy)]
pub enum Msg<'a> {
    /// `--request-timeout-ms` out of range.
    BadTimeout {
        /// The value given.
        value: u64,
        /// The largest allowed.
        max: u64,
    },
    /// The key file cannot be read.
    KeyFile(&'a dyn Display),
    /// The key's name is not a valid witness name.
    KeyName {
        /// The name.
        name: &'a str,
        /// Why not.
        detail: &'a dyn Display,
    },
    /// The state folder cannot be created.
    StateDir {
        /// The folder.
        path: &'a dyn Display,
        /// Why not.
        detail: &'a dyn Display,
    },
    /// A `--log` value is not a log verifier key.
    LogKey(&'a dyn Display),
    /// A state file cannot be read or is not this log's.
    StateFile(&'a dyn Display),
    /// The async runtime did not start.
    Runtime(&'a dyn Display),
    /// Cannot listen on the address.
    Listen {
        /// The address.
        addr: &'a dyn Display,
        /// Why not.
        detail: &'a dyn Display,
    },
    /// The server stopped with an error.
    Serving(&'a dyn Display),
    /// The ready line on stdout (scripts and tests read the address in it:
    /// keep the URL a word of its own).
    Ready {
        /// `http://ADDR/add-checkpoint`.
        url: &'a str,
        /// The witness's verifier key.
        vkey: &'a str,
    },
}

impl Msg<'_> {
    /// 中文.
    pub fn zh(&self) -> String {
        match self {
            Msg::BadTimeout { value, max } => {
                format!("--request-timeout-ms 须在 1 到 {max} 之间（给的是 {value}）")
            }
            Msg::KeyFile(e) => format!("见证人密钥文件不能用：{e}"),
            Msg::KeyName { name, detail } => format!("见证人密钥的名字 {name:?} 不能用：{detail}"),
            Msg::StateDir { path, detail } => format!("不能创建状态文件夹 {path}：{detail}"),
            Msg::LogKey(e) => format!("账本公钥有误：{e}"),
            Msg::StateFile(e) => format!("状态文件有误（不会被覆盖，请检查或移走）：{e}"),
            Msg::Runtime(e) => format!("不能启动异步运行时：{e}"),
            Msg::Listen { addr, detail } => {
                format!("不能在 {addr} 上监听：{detail}（端口已被占用？用 --listen 换一个）")
            }
            Msg::Serving(e) => format!("服务出错停止：{e}"),
            Msg::Ready { url, vkey } => format!("阳光账本见证人已就绪： {url}  （{vkey}）"),
        }
    }

    /// English.
    pub fn en(&self) -> String {
        match self {
            Msg::BadTimeout { value, max } => format!("--request-timeout-ms must be 1-{max} (got {value})"),
            Msg::KeyFile(e) => format!("the witness key file cannot be used: {e}"),
            Msg::KeyName { name, detail } => format!("witness key name {name:?}: {detail}"),
            Msg::StateDir { path, detail } => format!("creating the state folder {path}: {detail}"),
            Msg::LogKey(e) => format!("a log key is wrong: {e}"),
            Msg::StateFile(e) => format!("a state file is wrong (it is never overwritten: check or move it): {e}"),
            Msg::Runtime(e) => format!("starting the async runtime: {e}"),
            Msg::Listen { addr, detail } => {
                format!("listening on {addr}: {detail} (is the port in use? pass --listen)")
            }
            Msg::Serving(e) => format!("serving: {e}"),
            Msg::Ready { url, vkey } => format!("Sunshine Ledger witness ready: {url}  ({vkey})"),
        }
    }

    /// In the run's language.
    pub fn text(&self) -> String {
        match lang() {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Msg;

    #[test]
    fn the_ready_line_keeps_the_url_a_word_of_its_own() {
        let m = Msg::Ready {
            url: "http://127.0.0.1:7380/add-checkpoint",
            vkey: "w+1+AQ",
        };
        for line in [m.zh(), m.en()] {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert!(words.contains(&"http://127.0.0.1:7380/add-checkpoint"), "{line}");
        }
        assert_eq!(
            m.zh(),
            "阳光账本见证人已就绪： http://127.0.0.1:7380/add-checkpoint  （w+1+AQ）"
        );
    }
}

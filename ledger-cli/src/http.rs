//! The node's HTTP API, from the blocking side: explicit timeouts, size
//! limits on every answer, bounded retries for reads (and for idempotent
//! submissions), and errors that say what the node answered.

use crate::exit::{network, usage};
use crate::messages::node::NodeMsg;
use crate::messages::Message as _;
use anyhow::Result;
use base64::Engine as _;
use ledger_core::chain::{DecodedEntry, SequencedEntry};
use ledger_core::entry::{EntryBody, Genesis};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::io::Read as _;
use std::time::Duration;

/// Largest JSON answer read (a page of 1,000 entries is ~1.5 MiB).
pub const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;
/// Attempts for a read or an idempotent submission.
pub const ATTEMPTS: u32 = 5;

/// `GET /v1/log`.
#[derive(Debug, Clone, Deserialize)]
pub struct LogInfo {
    /// Origin.
    pub origin: String,
    /// Log key in force.
    pub log_vkey: String,
    /// Every log key with the size from which it signs.
    #[serde(default)]
    pub log_keys: Vec<LogKey>,
    /// Size.
    pub size: u64,
}

/// One log key.
#[derive(Debug, Clone, Deserialize)]
pub struct LogKey {
    /// From this tree size on.
    pub from_size: u64,
    /// The vkey.
    pub vkey: String,
}

impl LogInfo {
    /// The key the node says signs a checkpoint of `size`.
    pub fn vkey_for_size(&self, size: u64) -> String {
        self.log_keys
            .iter()
            .filter(|k| k.from_size <= size)
            .max_by_key(|k| k.from_size)
            .map(|k| k.vkey.clone())
            .unwrap_or_else(|| self.log_vkey.clone())
    }
}

/// One entry as the read API returns it (only what the CLI needs).
#[derive(Debug, Clone, Deserialize)]
pub struct EntryJson {
    /// Sequence number.
    pub seq: u64,
    /// Base64 canonical entry bytes.
    pub raw: String,
    /// Reversed by, if any.
    #[serde(default)]
    pub reversed_by: Option<u64>,
}

impl EntryJson {
    /// The canonical bytes.
    pub fn bytes(&self) -> Result<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(self.raw.trim())
            .map_err(|e| {
                network(format!(
                    "entry {}: the node sent raw bytes that are not base64: {e}",
                    self.seq
                ))
            })
    }

    /// Decoded (canonical form checked).
    pub fn decode(&self) -> Result<DecodedEntry> {
        let bytes = self.bytes()?;
        let decoded = SequencedEntry::decode(&bytes).map_err(|e| {
            network(format!(
                "entry {}: the node sent bytes that do not decode: {e}",
                self.seq
            ))
        })?;
        if decoded.entry.seq != self.seq {
            return Err(network(format!(
                "the node sent entry {} as entry {}",
                decoded.entry.seq, self.seq
            )));
        }
        Ok(decoded)
    }
}

/// `GET /v1/entries`.
#[derive(Debug, Clone, Deserialize)]
pub struct EntriesPage {
    /// Entries.
    pub entries: Vec<EntryJson>,
}

/// An inclusion proof answer.
#[derive(Debug, Clone, Deserialize)]
pub struct InclusionJson {
    /// Leaf index.
    pub leaf_index: u64,
    /// Tree size.
    pub tree_size: u64,
    /// Hex hashes.
    pub hashes: Vec<String>,
    /// The checkpoint note of `tree_size`.
    pub checkpoint: String,
}

/// A consistency proof answer.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsistencyJson {
    /// Old size.
    pub from: u64,
    /// New size.
    pub to: u64,
    /// Hex hashes.
    pub hashes: Vec<String>,
    /// The checkpoint note of `to`.
    pub checkpoint: String,
}

#[derive(Debug, Deserialize)]
struct ErrorAnswer {
    error: ErrorDetail,
}

/// An error the node answered.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: String,
    /// Message (English).
    pub message: String,
    /// The same in Chinese, where the node has it (rule refusals).
    #[serde(default)]
    pub message_zh: Option<String>,
}

impl ErrorDetail {
    /// For people: the Chinese first, the English after it.
    pub fn human(&self) -> String {
        match &self.message_zh {
            Some(zh) if !zh.is_empty() => format!("{zh}（{}）", self.message),
            _ => self.message.clone(),
        }
    }
}

/// A client for one node.
#[derive(Debug, Clone)]
pub struct Node {
    base: String,
    client: reqwest::blocking::Client,
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The node's `{"error":{code,message}}`, if that is what it is.
    pub fn error(&self) -> Option<ErrorDetail> {
        serde_json::from_slice::<ErrorAnswer>(&self.body).ok().map(|e| e.error)
    }
}

fn read_limited(response: reqwest::blocking::Response, url: &str) -> Result<Answer> {
    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .take(MAX_ANSWER_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            network(
                NodeMsg::Reading {
                    url: url.to_string(),
                    why: e.to_string(),
                }
                .text(),
            )
        })?;
    if body.len() as u64 > MAX_ANSWER_BYTES {
        return Err(network(
            NodeMsg::TooLarge {
                url: url.to_string(),
                max_bytes: MAX_ANSWER_BYTES,
            }
            .text(),
        ));
    }
    Ok(Answer { status, body })
}

impl Node {
    /// A client for `url` (`http://host:port`), with a per-request timeout.
    pub fn new(url: &str, timeout_s: u64) -> Result<Node> {
        let base = url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(usage(NodeMsg::BadUrl { given: url.to_string() }.text()));
        }
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(timeout_s.clamp(1, 3600)))
            .user_agent(concat!("ledger-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| network(NodeMsg::NoClient { why: e.to_string() }.text()))?;
        Ok(Node { base, client })
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder, url: &str) -> Result<Answer> {
        let response = request.send().map_err(|e| {
            let url = url.to_string();
            let message = if e.is_timeout() {
                NodeMsg::TimedOut { url }
            } else if e.is_connect() {
                NodeMsg::CannotConnect { url }
            } else {
                NodeMsg::Transport {
                    url,
                    why: e.to_string(),
                }
            };
            network(message.text())
        })?;
        read_limited(response, url)
    }

    /// Send with retries on connection errors, timeouts, 429 and 503.
    fn with_retries(&self, url: &str, make: &dyn Fn() -> reqwest::blocking::RequestBuilder) -> Result<Answer> {
        let mut delay = Duration::from_millis(300);
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(8));
            }
            match self.send(make(), url) {
                Ok(answer) if answer.status == 429 || answer.status == 503 => {
                    last = Some(Ok(answer));
                }
                Ok(answer) => return Ok(answer),
                Err(e) => last = Some(Err(e)),
            }
        }
        last.unwrap_or_else(|| Err(network(NodeMsg::NoAnswer { url: url.to_string() }.text())))
    }

    /// GET a path; an error status is an error.
    pub fn get(&self, path: &str) -> Result<Answer> {
        let url = format!("{}{path}", self.base);
        let answer = self.with_retries(&url, &|| self.client.get(&url))?;
        if answer.status >= 400 {
            return Err(match answer.error() {
                Some(e) => network(
                    NodeMsg::Refused {
                        url: url.clone(),
                        status: answer.status,
                        why: e.human(),
                        code: e.code,
                    }
                    .text(),
                ),
                None => network(
                    NodeMsg::Status {
                        url: url.clone(),
                        status: answer.status,
                    }
                    .text(),
                ),
            });
        }
        Ok(answer)
    }

    /// GET a path; the answer whatever its status (a 404 that means
    /// "nothing yet" is an answer, not a failure).
    pub fn get_any(&self, path: &str) -> Result<Answer> {
        let url = format!("{}{path}", self.base);
        self.with_retries(&url, &|| self.client.get(&url))
    }

    /// GET JSON.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let answer = self.get(path)?;
        serde_json::from_slice(&answer.body).map_err(|e| {
            network(
                NodeMsg::NotJson {
                    url: format!("{}{path}", self.base),
                    why: e.to_string(),
                }
                .text(),
            )
        })
    }

    /// GET text.
    pub fn get_text(&self, path: &str) -> Result<String> {
        let answer = self.get(path)?;
        String::from_utf8(answer.body).map_err(|_| {
            network(
                NodeMsg::NotText {
                    url: format!("{}{path}", self.base),
                }
                .text(),
            )
        })
    }

    /// POST a body (retried: only for idempotent requests). Returns the
    /// answer whatever its status.
    pub fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> Result<Answer> {
        let url = format!("{}{path}", self.base);
        self.with_retries(&url, &|| {
            self.client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.clone())
        })
    }

    /// `GET /v1/log`.
    pub fn log(&self) -> Result<LogInfo> {
        self.get_json("/v1/log")
    }

    /// `GET /v1/checkpoint`.
    pub fn checkpoint(&self) -> Result<String> {
        self.get_text("/v1/checkpoint")
    }

    /// `GET /v1/entries?start=&limit=`.
    pub fn entries(&self, start: u64, limit: u64) -> Result<EntriesPage> {
        self.get_json(&format!("/v1/entries?start={start}&limit={limit}"))
    }

    /// The genesis entry (entry 0), decoded.
    pub fn genesis(&self) -> Result<Genesis> {
        let page = self.entries(0, 1)?;
        let first = page
            .entries
            .first()
            .ok_or_else(|| network("the node has no genesis entry yet"))?;
        let decoded = first.decode()?;
        match decoded.entry.signed.submission.body {
            EntryBody::Genesis(g) => Ok(g),
            _ => Err(network("the node's entry 0 is not a genesis entry")),
        }
    }
}

/// Parse hex proof hashes.
pub fn parse_hashes(hashes: &[String]) -> Result<Vec<ledger_core::merkle::TreeHash>> {
    if hashes.len() > 64 {
        return Err(network("a proof with more than 64 hashes"));
    }
    hashes
        .iter()
        .map(|h| {
            ledger_core::encoding::Bytes::<32>::from_hex(h)
                .map(|b| ledger_core::merkle::TreeHash(b.0))
                .map_err(|e| network(format!("a proof hash is not 32 bytes of hex: {e}")))
        })
        .collect()
}

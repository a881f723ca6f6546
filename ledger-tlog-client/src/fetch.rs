//! Reading tiles: HTTP(S) with time-outs, size limits and retries with
//! back-off, or a local folder (`file://`), behind one `get`.

use crate::{ClientError, MAX_BUNDLE_BYTES, MAX_HASH_TILE_BYTES};
use ledger_core::checkpoint::MAX_NOTE_BYTES;
use ledger_core::merkle::{leaf_hash, TileKind, TileRef, TreeHash, TILE_WIDTH};
use ledger_core::tiles::{decode_entry_bundle, decode_hash_tile, tile_for_leaf};
use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

/// Limits and retry policy of a [`TilesClient`].
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// Whole-request time-out of one HTTP attempt.
    pub timeout_ms: u64,
    /// Attempts per resource (network errors, 5xx, 429 and 404 on a tile the
    /// checkpoint covers are retried; other answers are not).
    pub attempts: u32,
    /// First back-off; doubled after each failed attempt.
    pub backoff_ms: u64,
    /// Longest back-off.
    pub max_backoff_ms: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout_ms: 30_000,
            attempts: 4,
            backoff_ms: 200,
            max_backoff_ms: 5_000,
        }
    }
}

/// Where the tiles are.
#[derive(Debug, Clone)]
enum Prefix {
    /// `http(s)://…/` (always ending with `/`).
    Http(String),
    /// A local folder laid out like the bucket.
    Dir(PathBuf),
}

/// A blocking tlog-tiles reader of one prefix.
#[derive(Debug, Clone)]
pub struct TilesClient {
    prefix: Prefix,
    http: reqwest::blocking::Client,
    options: ClientOptions,
}

/// One attempt's outcome.
enum Attempt {
    Found(Vec<u8>),
    NotFound,
    /// Worth retrying.
    Transient(String),
    /// Not worth retrying.
    Fatal(ClientError),
}

impl TilesClient {
    /// A client of the tiles prefix `url` (`http://`, `https://` or `file://`).
    ///
    /// # Errors
    /// [`ClientError::BadUrl`].
    pub fn new(url: &str, options: ClientOptions) -> Result<TilesClient, ClientError> {
        let prefix = if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err(ClientError::BadUrl(format!("{url}: no folder after file://")));
            }
            Prefix::Dir(PathBuf::from(path))
        } else if url.starts_with("http://") || url.starts_with("https://") {
            let mut base = url.to_string();
            if !base.ends_with('/') {
                base.push('/');
            }
            Prefix::Http(base)
        } else {
            return Err(ClientError::BadUrl(format!(
                "{url}: a tiles prefix is an http://, https:// or file:// URL"
            )));
        };
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_millis(options.timeout_ms.max(1)))
            .build()
            .map_err(|e| ClientError::BadUrl(format!("{url}: {e}")))?;
        Ok(TilesClient {
            prefix,
            http,
            options: ClientOptions {
                attempts: options.attempts.max(1),
                ..options
            },
        })
    }

    /// The prefix, as given (for logs and `/readyz`).
    pub fn url(&self) -> String {
        match &self.prefix {
            Prefix::Http(u) => u.clone(),
            Prefix::Dir(d) => format!("file://{}", d.display()),
        }
    }

    /// The signed checkpoint note, unverified.
    ///
    /// # Errors
    /// [`ClientError::Unavailable`], [`ClientError::TooLarge`].
    pub fn checkpoint_note(&self) -> Result<Vec<u8>, ClientError> {
        match self.get("checkpoint", MAX_NOTE_BYTES as u64, false)? {
            Some(bytes) => Ok(bytes),
            None => Err(ClientError::Unavailable {
                path: "checkpoint".into(),
                detail: "the source has no checkpoint (404): not a tlog-tiles prefix, or an empty log".into(),
            }),
        }
    }

    /// The canonical bytes of entries `[start, end)` of the tree of `size`
    /// entries, each checked against the level-0 hash tile at its position.
    ///
    /// # Errors
    /// [`ClientError::TileMismatch`] (naming the bundle), [`ClientError::TilesMissing`],
    /// [`ClientError::Unavailable`], [`ClientError::TooLarge`].
    pub fn entries(&self, start: u64, end: u64, size: u64) -> Result<Vec<Vec<u8>>, ClientError> {
        let end = end.min(size);
        let mut out = Vec::with_capacity(end.saturating_sub(start).min(1 << 20) as usize);
        let mut next = start;
        while next < end {
            let Some(bundle) = tile_for_leaf(TileKind::Entries, next, size) else {
                break;
            };
            let hashes_tile = TileRef {
                kind: TileKind::Hash { level: 0 },
                ..bundle
            };
            let bundle_path = bundle.path();
            let bundle_bytes = self.tile(&bundle_path, MAX_BUNDLE_BYTES, size)?;
            let entries = decode_entry_bundle(&bundle_bytes, bundle.width).map_err(|e| ClientError::TileMismatch {
                path: bundle_path.clone(),
                detail: e.to_string(),
            })?;
            let hash_path = hashes_tile.path();
            let hash_bytes = self.tile(&hash_path, MAX_HASH_TILE_BYTES, size)?;
            let hashes = decode_hash_tile(&hash_bytes, bundle.width).map_err(|e| ClientError::TileMismatch {
                path: hash_path.clone(),
                detail: e.to_string(),
            })?;
            let first = bundle.index * u64::from(TILE_WIDTH);
            for (i, (entry, hash)) in entries.iter().zip(&hashes).enumerate() {
                let seq = first + i as u64;
                if leaf_hash(entry) != *hash {
                    return Err(ClientError::TileMismatch {
                        path: bundle_path,
                        detail: format!("entry {seq} does not hash to the leaf hash {hash_path} holds for it"),
                    });
                }
                if seq >= next && seq < end {
                    out.push(entry.to_vec());
                }
            }
            next = first + u64::from(bundle.width);
        }
        Ok(out)
    }

    /// The leaf hashes `[start, end)` of the tree of `size` entries, from the
    /// level-0 hash tiles alone (32 bytes an entry: a mirror checks a whole
    /// catch-up against the signed root before it reads any entry bundle).
    ///
    /// # Errors
    /// [`ClientError::TileMismatch`] (a tile of the wrong length),
    /// [`ClientError::TilesMissing`], [`ClientError::Unavailable`], [`ClientError::TooLarge`].
    pub fn leaf_hashes(&self, start: u64, end: u64, size: u64) -> Result<Vec<TreeHash>, ClientError> {
        let end = end.min(size);
        let mut out = Vec::with_capacity(end.saturating_sub(start).min(1 << 24) as usize);
        let mut next = start;
        while next < end {
            let Some(tile) = tile_for_leaf(TileKind::Hash { level: 0 }, next, size) else {
                break;
            };
            let path = tile.path();
            let bytes = self.tile(&path, MAX_HASH_TILE_BYTES, size)?;
            let hashes = decode_hash_tile(&bytes, tile.width).map_err(|e| ClientError::TileMismatch {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            let first = tile.index * u64::from(TILE_WIDTH);
            for (i, hash) in hashes.into_iter().enumerate() {
                let seq = first + i as u64;
                if seq >= next && seq < end {
                    out.push(hash);
                }
            }
            next = first + u64::from(tile.width);
        }
        Ok(out)
    }

    /// A tile the checkpoint of `size` covers: a 404 is [`ClientError::TilesMissing`].
    fn tile(&self, path: &str, max_bytes: u64, size: u64) -> Result<Vec<u8>, ClientError> {
        self.get(path, max_bytes, true)?
            .ok_or_else(|| ClientError::TilesMissing {
                path: path.to_string(),
                size,
            })
    }

    /// Read `path` under the prefix; `None` on 404 (after retries when
    /// `retry_not_found`: a tile published just after its checkpoint).
    fn get(&self, path: &str, max_bytes: u64, retry_not_found: bool) -> Result<Option<Vec<u8>>, ClientError> {
        let mut backoff_ms = self.options.backoff_ms;
        let mut last = String::new();
        for attempt in 0..self.options.attempts {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(backoff_ms));
                backoff_ms = backoff_ms.saturating_mul(2).min(self.options.max_backoff_ms);
            }
            match self.attempt(path, max_bytes) {
                Attempt::Found(bytes) => return Ok(Some(bytes)),
                Attempt::NotFound if retry_not_found => last = "404".into(),
                Attempt::NotFound => return Ok(None),
                Attempt::Transient(e) => last = e,
                Attempt::Fatal(e) => return Err(e),
            }
        }
        if last == "404" {
            return Ok(None);
        }
        Err(ClientError::Unavailable {
            path: path.to_string(),
            detail: format!("{last} (after {} attempts)", self.options.attempts),
        })
    }

    fn attempt(&self, path: &str, max_bytes: u64) -> Attempt {
        let too_large = || {
            Attempt::Fatal(ClientError::TooLarge {
                path: path.to_string(),
                max_bytes,
            })
        };
        match &self.prefix {
            Prefix::Dir(dir) => {
                let file = dir.join(path);
                match std::fs::metadata(&file) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Attempt::NotFound,
                    Err(e) => Attempt::Transient(format!("{}: {e}", file.display())),
                    Ok(meta) if meta.len() > max_bytes => too_large(),
                    Ok(_) => match std::fs::read(&file) {
                        Ok(bytes) => Attempt::Found(bytes),
                        Err(e) => Attempt::Transient(format!("{}: {e}", file.display())),
                    },
                }
            }
            Prefix::Http(base) => {
                let url = format!("{base}{path}");
                let response = match self.http.get(&url).send() {
                    Ok(r) => r,
                    Err(e) => return Attempt::Transient(format!("{url}: {e}")),
                };
                let status = response.status();
                if status == reqwest::StatusCode::NOT_FOUND {
                    return Attempt::NotFound;
                }
                if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                    return Attempt::Transient(format!("{url}: HTTP {status}"));
                }
                if !status.is_success() {
                    return Attempt::Fatal(ClientError::Unavailable {
                        path: path.to_string(),
                        detail: format!("{url}: HTTP {status}"),
                    });
                }
                if response.content_length().is_some_and(|l| l > max_bytes) {
                    return too_large();
                }
                let mut bytes = Vec::new();
                match response.take(max_bytes + 1).read_to_end(&mut bytes) {
                    Ok(_) if bytes.len() as u64 > max_bytes => too_large(),
                    Ok(_) => Attempt::Found(bytes),
                    Err(e) => Attempt::Transient(format!("{url}: reading the answer: {e}")),
                }
            }
        }
    }
}

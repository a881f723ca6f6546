//! Writing one object, with a time-out per request and capped exponential
//! back-off between attempts. Each failed attempt is counted by kind
//! (`timeout`, `storage`); after the last one the round fails and the
//! bucket keeps its previous checkpoint.

use super::metrics::PublishMetrics;
use super::target::PublishTarget;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};
use std::time::Duration;

/// `Cache-Control` of a tile: its bytes never change once written (the
/// same value the node's `/tile/...` routes answer with).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the checkpoint: it moves with every round.
pub const MUTABLE: &str = "no-cache";

/// Retry and time-out policy of the uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Longest one request may take.
    pub request_timeout_ms: u64,
    /// Attempts per object before the round gives up.
    pub max_attempts: u32,
    /// First back-off.
    pub initial_backoff_ms: u64,
    /// Back-off ceiling (also between failed rounds).
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            request_timeout_ms: 10_000,
            max_attempts: 4,
            initial_backoff_ms: 100,
            max_backoff_ms: 5_000,
        }
    }
}

impl RetryPolicy {
    /// The back-off before attempt `attempt` (1 = the first retry):
    /// doubling from `initial_backoff_ms`, at most `max_backoff_ms`.
    pub fn backoff_ms(&self, attempt: u32) -> u64 {
        let factor = 1u64.checked_shl(attempt.saturating_sub(1).min(32)).unwrap_or(u64::MAX);
        self.initial_backoff_ms.saturating_mul(factor).min(self.max_backoff_ms)
    }
}

/// One object to write.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Path under the target's prefix (a tlog-tiles path, `checkpoint`, or
    /// an extra object's path).
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Immutable (written once, cached forever) or mutable (no-cache).
    pub immutable: bool,
}

/// Why an object could not be written, after every attempt.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Every attempt timed out.
    #[error("writing {path}: no answer within {timeout_ms} ms ({attempts} attempts)")]
    Timeout {
        /// The object.
        path: String,
        /// The per-request limit.
        timeout_ms: u64,
        /// Attempts made.
        attempts: u32,
    },
    /// The store answered an error.
    #[error("writing {path}: {message} ({attempts} attempts)")]
    Storage {
        /// The object.
        path: String,
        /// The store's error.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
}

/// Write `upload`, retrying. Counts objects, bytes and errors.
pub async fn put(
    store: &dyn ObjectStore,
    target: &PublishTarget,
    upload: &Upload,
    policy: &RetryPolicy,
    metrics: &PublishMetrics,
) -> Result<(), UploadError> {
    let location = target.object_path(&upload.path);
    let mut attributes = Attributes::new();
    if target.supports_attributes() {
        attributes.insert(Attribute::ContentType, upload.content_type.into());
        attributes.insert(
            Attribute::CacheControl,
            if upload.immutable { IMMUTABLE } else { MUTABLE }.into(),
        );
    }
    let attempts = policy.max_attempts.max(1);
    let mut last = None;
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(policy.backoff_ms(attempt))).await;
        }
        let options = PutOptions {
            attributes: attributes.clone(),
            ..PutOptions::default()
        };
        let payload = PutPayload::from(upload.bytes.clone());
        let request = store.put_opts(&location, payload, options);
        match tokio::time::timeout(Duration::from_millis(policy.request_timeout_ms.max(1)), request).await {
            Ok(Ok(_)) => {
                metrics.objects.inc();
                metrics.bytes.inc_by(upload.bytes.len() as u64);
                return Ok(());
            }
            Ok(Err(e)) => {
                metrics.error("storage");
                last = Some(UploadError::Storage {
                    path: upload.path.clone(),
                    message: e.to_string(),
                    attempts: attempt + 1,
                });
            }
            Err(_) => {
                metrics.error("timeout");
                last = Some(UploadError::Timeout {
                    path: upload.path.clone(),
                    timeout_ms: policy.request_timeout_ms,
                    attempts: attempt + 1,
                });
            }
        }
    }
    Err(last.unwrap_or(UploadError::Storage {
        path: upload.path.clone(),
        message: "no attempt was made".into(),
        attempts: 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_ceiling() {
        let p = RetryPolicy::default();
        let waits: Vec<u64> = (1..=8).map(|a| p.backoff_ms(a)).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
        assert_eq!(p.backoff_ms(200), 5_000);
    }

    #[tokio::test]
    async fn a_folder_target_receives_the_bytes_and_counts_them() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let target = PublishTarget::File {
            dir: dir.path().to_path_buf(),
        };
        let store = target.open(None, false, 1_000)?;
        let metrics = PublishMetrics::default();
        let upload = Upload {
            path: "tile/0/000.p/1".into(),
            bytes: vec![7; 32],
            content_type: "application/octet-stream",
            immutable: true,
        };
        put(store.as_ref(), &target, &upload, &RetryPolicy::default(), &metrics).await?;
        assert_eq!(std::fs::read(dir.path().join("tile/0/000.p/1"))?, vec![7; 32]);
        assert_eq!((metrics.objects.get(), metrics.bytes.get()), (1, 32));
        Ok(())
    }
}

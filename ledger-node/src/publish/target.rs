//! Where the log is published: an S3-compatible bucket (`s3://bucket/prefix`
//! with an endpoint URL) or a local folder (`file:///dir`), opened with the
//! `object_store` crate. Credentials come from the environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`…), never from
//! the command line, and are never shown: [`PublishTarget`]'s `Display` is
//! the URL alone.

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
use std::sync::Arc;
use std::time::Duration;

/// Longest `--publish` URL accepted.
pub const MAX_PUBLISH_URL_BYTES: usize = 1_024;

/// A parsed `--publish` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishTarget {
    /// An S3-compatible bucket and a key prefix (no leading or trailing `/`).
    S3 {
        /// The bucket.
        bucket: String,
        /// The prefix under which the log's paths go ("" for the bucket's root).
        prefix: String,
    },
    /// A local folder (created when missing).
    File {
        /// The folder.
        dir: std::path::PathBuf,
    },
}

/// Why a `--publish` setting is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    /// Not `s3://bucket[/prefix]` or `file:///dir`.
    #[error("--publish {0:?}: expected s3://BUCKET[/PREFIX] (with --publish-endpoint URL) or file:///DIR")]
    BadUrl(String),
    /// An S3 target without an endpoint.
    #[error("--publish {0}: an s3:// target needs --publish-endpoint URL (the S3 service, e.g. https://s3.example.gov.cn or http://127.0.0.1:9000)")]
    NoEndpoint(String),
    /// The endpoint is not an http(s) URL.
    #[error("--publish-endpoint {0:?}: expected an http:// or https:// URL")]
    BadEndpoint(String),
}

impl std::fmt::Display for PublishTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishTarget::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            PublishTarget::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            PublishTarget::File { dir } => write!(f, "file://{}", dir.display()),
        }
    }
}

impl PublishTarget {
    /// Parse `s3://bucket[/prefix]` or `file:///absolute/dir`.
    pub fn parse(url: &str) -> Result<PublishTarget, TargetError> {
        let bad = || TargetError::BadUrl(url.chars().take(200).collect());
        if url.len() > MAX_PUBLISH_URL_BYTES || url.chars().any(char::is_control) {
            return Err(bad());
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            // S3 bucket names: 3-63 of lower-case letters, digits, '-' and '.'.
            let bucket_ok = (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
            let prefix = prefix.trim_matches('/');
            if !bucket_ok || prefix.split('/').any(|p| p == "." || p == "..") || prefix.contains("//") {
                return Err(bad());
            }
            return Ok(PublishTarget::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
            });
        }
        if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') || path.split('/').any(|p| p == "..") {
                return Err(bad());
            }
            return Ok(PublishTarget::File { dir: path.into() });
        }
        Err(bad())
    }

    /// The prefix under which object paths go (`file://` targets write at
    /// their folder's root).
    pub fn prefix(&self) -> &str {
        match self {
            PublishTarget::S3 { prefix, .. } => prefix,
            PublishTarget::File { .. } => "",
        }
    }

    /// Whether the store accepts `Cache-Control`/`Content-Type` attributes
    /// (object_store's local folder refuses every attribute).
    pub fn supports_attributes(&self) -> bool {
        matches!(self, PublishTarget::S3 { .. })
    }

    /// Open the store. `endpoint` is required for S3; a plain `http://`
    /// endpoint is allowed (a loopback test server, or an in-house gateway
    /// behind a TLS proxy). object_store's own retries are turned off: the
    /// publisher retries with its own capped back-off and counts each
    /// failure (`upload`), and a request never outlives `request_timeout_ms`.
    pub fn open(
        &self,
        endpoint: Option<&str>,
        virtual_hosted: bool,
        request_timeout_ms: u64,
    ) -> Result<Arc<dyn ObjectStore>, anyhow::Error> {
        match self {
            PublishTarget::S3 { bucket, .. } => {
                let endpoint = endpoint.ok_or_else(|| TargetError::NoEndpoint(self.to_string()))?;
                if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                    return Err(TargetError::BadEndpoint(endpoint.chars().take(200).collect()).into());
                }
                let timeout = Duration::from_millis(request_timeout_ms.max(1));
                let retry = RetryConfig {
                    max_retries: 0,
                    retry_timeout: timeout,
                    ..RetryConfig::default()
                };
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(virtual_hosted)
                    .with_retry(retry)
                    .with_client_options(
                        ClientOptions::new()
                            .with_timeout(timeout)
                            .with_connect_timeout(timeout)
                            .with_allow_http(endpoint.starts_with("http://")),
                    );
                // A region is part of the request signature; S3-compatible
                // servers accept any, AWS needs the right one (AWS_REGION).
                if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
                    builder = builder.with_region("us-east-1");
                }
                Ok(Arc::new(builder.build()?))
            }
            PublishTarget::File { dir } => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("--publish {self}: cannot create the folder: {e}"))?;
                Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?))
            }
        }
    }

    /// The object path of `relative` (a tlog-tiles path) under the prefix.
    pub fn object_path(&self, relative: &str) -> ObjectPath {
        let prefix = self.prefix();
        if prefix.is_empty() {
            ObjectPath::from(relative)
        } else {
            ObjectPath::from(format!("{prefix}/{relative}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_into_targets_and_print_without_credentials() {
        assert_eq!(
            PublishTarget::parse("s3://ledger-huaian/county/320803/"),
            Ok(PublishTarget::S3 {
                bucket: "ledger-huaian".into(),
                prefix: "county/320803".into()
            })
        );
        let root = PublishTarget::parse("s3://logs").ok();
        assert_eq!(root.as_ref().map(ToString::to_string).as_deref(), Some("s3://logs"));
        assert_eq!(
            root.map(|t| t.object_path("tile/0/000").to_string()).as_deref(),
            Some("tile/0/000")
        );
        let t = PublishTarget::parse("s3://logs/a/b").ok();
        assert_eq!(
            t.map(|t| t.object_path("checkpoint").to_string()).as_deref(),
            Some("a/b/checkpoint")
        );
        assert_eq!(
            PublishTarget::parse("file:///srv/bucket"),
            Ok(PublishTarget::File {
                dir: "/srv/bucket".into()
            })
        );
        for bad in [
            "http://x/y",
            "s3://",
            "s3://UPPER",
            "s3://ab",
            "s3://logs/../x",
            "file://relative",
            "file:///a/../b",
            "s3://logs/a\nb",
        ] {
            assert_eq!(
                PublishTarget::parse(bad).map(|_| ()),
                Err(TargetError::BadUrl(bad.to_string())),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_s3_target_needs_an_http_endpoint() {
        let t = PublishTarget::S3 {
            bucket: "logs".into(),
            prefix: String::new(),
        };
        let err = t.open(None, false, 1_000).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("--publish s3://logs: an s3:// target needs --publish-endpoint URL (the S3 service, e.g. https://s3.example.gov.cn or http://127.0.0.1:9000)")
        );
        let err = t.open(Some("ftp://x"), false, 1_000).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("--publish-endpoint \"ftp://x\": expected an http:// or https:// URL")
        );
    }
}

//! The push configuration: `--witness-url VKEY=URL` (repeatable),
//! `--witness-interval-ms`, `--witness-timeout-ms`.

use anyhow::{bail, Result};

/// Default pause between two pushes to one witness, and the first back-off
/// step: a witness sees at most one request per interval.
pub const DEFAULT_WITNESS_INTERVAL_MS: u64 = 1_000;
/// Default time-out of one `add-checkpoint` request (connect + answer).
pub const DEFAULT_WITNESS_TIMEOUT_MS: u64 = 5_000;
/// Longest pause after repeated failures: a witness down for a day is
/// retried every minute, not hammered, and not forgotten.
pub const MAX_WITNESS_BACKOFF_MS: u64 = 60_000;

/// One witness the node pushes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessTarget {
    /// The witness's verifier key (also one of `--witness`).
    pub vkey: String,
    /// Its submission prefix: `add-checkpoint` is POSTed to `URL/add-checkpoint`.
    pub url: String,
}

/// Everything the push task needs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPushConfig {
    /// The witnesses pushed to.
    pub targets: Vec<WitnessTarget>,
    /// Pause between pushes to one witness, ms.
    pub interval_ms: u64,
    /// Time-out of one request, ms.
    pub timeout_ms: u64,
}

impl Default for WitnessPushConfig {
    fn default() -> Self {
        WitnessPushConfig {
            targets: Vec::new(),
            interval_ms: DEFAULT_WITNESS_INTERVAL_MS,
            timeout_ms: DEFAULT_WITNESS_TIMEOUT_MS,
        }
    }
}

/// Parses `VKEY=URL`. A key name may itself contain `=`, so the split is
/// at the first `=http`, not the first `=`.
///
/// # Errors
/// A value without `=http://URL`, an https URL (this build has no TLS
/// client: reach an https witness through a local forward proxy), or a vkey
/// that is not a witness key.
pub fn parse_witness_url(arg: &str) -> Result<WitnessTarget> {
    let Some(at) = arg.find("=http") else {
        bail!("--witness-url {arg:?}: expected VKEY=http://HOST:PORT (the witness's verifier key, '=', its URL)");
    };
    let (vkey, url) = (&arg[..at], &arg[at + 1..]);
    if url.starts_with("https://") {
        bail!("--witness-url {url}: only http:// URLs are supported (this node has no TLS client); reach an https witness through a local forward proxy");
    }
    if !url.starts_with("http://") || url.len() <= "http://".len() {
        bail!("--witness-url {url:?}: expected an http://HOST:PORT URL");
    }
    ledger_core::checkpoint::WitnessVerifier::from_vkey(vkey)
        .map_err(|e| anyhow::anyhow!("--witness-url {vkey}: not a witness verifier key: {e}"))?;
    Ok(WitnessTarget {
        vkey: vkey.to_owned(),
        url: url.trim_end_matches('/').to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use ledger_core::checkpoint::WitnessSigner;

    #[test]
    fn vkey_equals_url_is_split_at_the_url() -> Result<()> {
        let vkey = WitnessSigner::new("a=b.example", SigningKey::from_bytes(&[3; 32]))?.verifier_key();
        let t = parse_witness_url(&format!("{vkey}=http://127.0.0.1:7380/"))?;
        assert_eq!(
            t,
            WitnessTarget {
                vkey: vkey.clone(),
                url: "http://127.0.0.1:7380".into()
            }
        );
        for (bad, says) in [
            (vkey.clone(), "expected VKEY=http://"),
            (format!("{vkey}=https://w.example"), "only http:// URLs"),
            ("w+00000000+AA=http://x".to_string(), "not a witness verifier key"),
        ] {
            let e = parse_witness_url(&bad).map(|_| ()).map_err(|e| e.to_string());
            assert!(e.as_ref().is_err_and(|e| e.contains(says)), "{bad}: {e:?}");
        }
        Ok(())
    }
}

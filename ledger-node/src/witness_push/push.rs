//! One `add-checkpoint` request to one witness, and what its answer means.

use super::Pusher;
use crate::api::witness::accept_cosigned_note;
use crate::ledger::Latest;
use ledger_core::checkpoint::{add_cosignature, AddCheckpointRequest, CosignatureLine};

/// Largest witness answer read: a few signature lines (an ML-DSA-44 line is
/// about 3.3 kB); a witness streaming more is cut off, not buffered.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why a push did not produce a merged cosignature. [`PushError::kind`] is
/// the stable label of `ledger_witness_push_errors_total` and of the logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// 409 with a well-formed size: the witness holds `held`.
    #[error("the witness holds size {held} (409)")]
    Conflict {
        /// The size the witness says it holds.
        held: u64,
    },
    /// The witness holds a larger tree than this log has: a rolled-back
    /// store, or another log under this origin. Never retried from there.
    #[error(
        "the witness holds size {held}, more than this log's {ours}: it cosigned a history this node does not have"
    )]
    WitnessAhead {
        /// The witness's size.
        held: u64,
        /// This log's size.
        ours: u64,
    },
    /// 403: the witness does not trust this log's key.
    #[error("the witness refused the log's signature (403): {0}")]
    Forbidden(String),
    /// 404: the witness does not know this log.
    #[error("the witness does not witness this log (404): {0}")]
    UnknownLog(String),
    /// 422: the witness found the checkpoint inconsistent with what it holds.
    #[error("the witness found the checkpoint inconsistent (422): {0}")]
    Inconsistent(String),
    /// 400: the witness could not read the request.
    #[error("the witness called the request malformed (400): {0}")]
    BadRequest(String),
    /// Another HTTP status.
    #[error("the witness answered HTTP {status}: {body}")]
    Status {
        /// The status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// An answer that is not what the protocol says (a 409 without a size,
    /// a 200 without this witness's cosignature line, too long).
    #[error("the witness's answer is malformed: {0}")]
    Garbage(String),
    /// The cosignature does not verify, or the node refused to merge it.
    #[error("the witness's cosignature was not accepted: {0}")]
    BadCosignature(String),
    /// No answer within `--witness-timeout-ms`.
    #[error("no answer within the time-out")]
    Timeout,
    /// The witness could not be reached.
    #[error("cannot reach the witness: {0}")]
    Unreachable(String),
    /// Building the request failed on the node's side.
    #[error("internal: {0}")]
    Internal(String),
}

impl PushError {
    /// Stable ASCII kind (metric label, log field, `/readyz`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Conflict { .. } => "conflict",
            Self::WitnessAhead { .. } => "witness_ahead",
            Self::Forbidden(_) => "forbidden",
            Self::UnknownLog(_) => "unknown_log",
            Self::Inconsistent(_) => "inconsistent",
            Self::BadRequest(_) => "bad_request",
            Self::Status { .. } => "http_status",
            Self::Garbage(_) => "garbage",
            Self::BadCosignature(_) => "bad_cosignature",
            Self::Timeout => "timeout",
            Self::Unreachable(_) => "unreachable",
            Self::Internal(_) => "internal",
        }
    }
}

fn network(e: &reqwest::Error) -> PushError {
    if e.is_timeout() {
        PushError::Timeout
    } else {
        PushError::Unreachable(e.to_string())
    }
}

/// The first 200 characters of an answer, for messages.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(200)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// Parses a 409 body: a canonical decimal and a newline (`text/x.tlog.size`).
fn parse_size(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?.strip_suffix('\n')?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

impl Pusher {
    /// Push `latest` with a proof from `old`; on success the size cosigned.
    pub(super) async fn push(&self, old: u64, latest: &Latest) -> Result<u64, PushError> {
        if old > latest.size {
            return Err(PushError::WitnessAhead {
                held: old,
                ours: latest.size,
            });
        }
        let consistency_proof = if old == 0 || old == latest.size {
            Vec::new()
        } else {
            let shared = self.shared.clone();
            let new = latest.size;
            // The ledger lock may be held by the sequencer for a batch.
            tokio::task::spawn_blocking(move || {
                let ledger = shared
                    .ledger
                    .read()
                    .map_err(|_| PushError::Internal("state lock".into()))?;
                ledger
                    .tree
                    .consistency_proof(old, new)
                    .map_err(|e| PushError::Internal(format!("consistency proof {old} → {new}: {e}")))
            })
            .await
            .map_err(|_| PushError::Internal("the proof task failed".into()))??
        };
        let body = AddCheckpointRequest {
            old_size: old,
            consistency_proof,
            checkpoint: latest.note.as_bytes().to_vec(),
        }
        .to_bytes();
        let mut response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| network(&e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network(&e))? {
            if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(PushError::Garbage(format!(
                    "answer longer than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            answer.extend_from_slice(&chunk);
        }
        match status {
            200 => self.merge(latest, &answer).await,
            409 => match parse_size(&answer) {
                Some(held) if content_type.starts_with("text/x.tlog.size") => {
                    if held > latest.size {
                        Err(PushError::WitnessAhead {
                            held,
                            ours: latest.size,
                        })
                    } else {
                        Err(PushError::Conflict { held })
                    }
                }
                _ => Err(PushError::Garbage(format!(
                    "409 without a text/x.tlog.size body: {:?} {:?}",
                    content_type,
                    excerpt(&answer)
                ))),
            },
            403 => Err(PushError::Forbidden(excerpt(&answer))),
            404 => Err(PushError::UnknownLog(excerpt(&answer))),
            422 => Err(PushError::Inconsistent(excerpt(&answer))),
            400 => Err(PushError::BadRequest(excerpt(&answer))),
            _ => Err(PushError::Status {
                status,
                body: excerpt(&answer),
            }),
        }
    }

    /// Keep this witness's lines from a 200 answer (ignoring other keys',
    /// as the spec asks), add them to the checkpoint, and merge through the
    /// same function as `POST /v1/cosignatures`, which verifies them.
    async fn merge(&self, latest: &Latest, answer: &[u8]) -> Result<u64, PushError> {
        let text = std::str::from_utf8(answer).map_err(|_| PushError::Garbage("answer is not UTF-8".into()))?;
        let mut note = latest.note.as_bytes().to_vec();
        let mut found = 0usize;
        for line in text.split_terminator('\n') {
            let Ok(line) = CosignatureLine::parse(line) else {
                return Err(PushError::Garbage(format!(
                    "not a cosignature line: {:?}",
                    excerpt(line.as_bytes())
                )));
            };
            if line.name() != self.witness.name() || line.key_id() != self.witness.key_id() {
                continue;
            }
            note = add_cosignature(&note, &line).map_err(|e| PushError::Garbage(e.to_string()))?;
            found += 1;
        }
        if found == 0 {
            return Err(PushError::Garbage(format!(
                "200 without a cosignature line by {}: {:?}",
                self.witness.name(),
                excerpt(answer)
            )));
        }
        let (shared, witnesses, lock) = (self.shared.clone(), self.witnesses.clone(), self.cosign_lock.clone());
        let accepted = tokio::task::spawn_blocking(move || accept_cosigned_note(&shared, &witnesses, &lock, &note))
            .await
            .map_err(|_| PushError::Internal("the merge task failed".into()))?;
        match accepted {
            Ok(a) => Ok(a.size),
            // A slower witness's cosignature of an older checkpoint, after a
            // newer one was merged: it did cosign (its size moves on), the
            // note just keeps the newer one.
            Err(e) if e.code == "stale_checkpoint" => Ok(latest.size),
            Err(e) => Err(PushError::BadCosignature(format!("{}: {}", e.code, e.message))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_409_body_is_a_canonical_size_and_a_newline() {
        assert_eq!(parse_size(b"20852014\n"), Some(20_852_014));
        assert_eq!(parse_size(b"0\n"), Some(0));
        for bad in [
            &b"20"[..],
            b"020\n",
            b"-1\n",
            b"\n",
            b"1 \n",
            b"99999999999999999999999\n",
            b"<html>",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }
}

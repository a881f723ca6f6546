//! `POST /v1/submissions`: the authenticated write API.
//!
//! There are no accounts or passwords: a submission is authorised by its own
//! Ed25519 signatures, checked here, and by the keys granted in the chain,
//! checked by the sequencer's rule engine at the moment of sequencing.
//!
//! Bodies: `application/json` — `{"submissions": [SignedSubmission, …]}` with
//! the JSON form of the core types (bytes as hex) — or
//! `application/octet-stream` — records of `u32 LE length ‖ canonical
//! SignedSubmission bytes` (the same framing as the export bundle).
//!
//! Options (docs/API.md "Atomic groups and check-only submission"):
//! `atomic` and `check_only`, as JSON fields or, for either body, query
//! parameters (`?atomic=1&check_only=1`); see [`GroupMode`].
//!
//! Answers: JSON ([`SubmitResponse`]), or, when the request says
//! `Accept: application/octet-stream`, the binary answer of FORMAT.md §10.1
//! ([`encode_binary_answer`], [`decode_binary_answer`]): per submission a
//! status byte and a framed canonical `SignedReceipt` or error. A bulk
//! client saves the node and itself about 1 KB of JSON per receipt (its
//! hex batch path), measured at 4 µs of node CPU per entry.

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::sequencer::{Answer, GroupMode, Job};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ledger_core::encoding::{self, MAX_ENCODED_BYTES};
use ledger_core::entry::EntryBody;
use ledger_core::keys::PublicKey;
use ledger_core::receipt::SignedReceipt;
use ledger_core::rules::RuleError;
use ledger_core::submission::SignedSubmission;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::oneshot;

/// Submissions per batch verification on the write path: a request of 1,000
/// gives two batches, so both cores work on a lone request. A ZIP-215 batch
/// costs less per signature the larger it is (one multiscalar
/// multiplication; criterion, two runs: 52 / 57 / 70 k and 78 / 80 / 80 k
/// sig/s at 256 / 512 / 1,024 on one core), and with several requests in
/// flight all cores are busy anyway; 256 measured 1-2 µs more node CPU per
/// entry at ingest.
const WRITE_SIGNATURE_BATCH: usize = 512;

/// JSON request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// One or more signed submissions.
    pub submissions: Vec<SignedSubmission>,
    /// All or none (docs/API.md "Atomic groups and check-only submission").
    #[serde(default)]
    pub atomic: bool,
    /// Check everything, write nothing.
    #[serde(default)]
    pub check_only: bool,
}

/// The outcome of one submission.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemResult {
    /// Durable; here is the signed receipt.
    Accepted {
        /// The receipt.
        receipt: Box<SignedReceipt>,
    },
    /// Refused; nothing was recorded for it.
    Rejected {
        /// Code and message.
        error: ErrorJson,
    },
    /// Check-only: a real submission would be accepted; nothing was recorded.
    WouldAccept,
}

/// An error inside a batch answer.
#[derive(Debug, Serialize)]
pub struct ErrorJson {
    /// Stable code.
    pub code: &'static str,
    /// Human message.
    pub message: String,
    /// The same in Chinese, where the node has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
    /// Machine facts of some refusals (`overdraft`, `group_refused`, …).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub facts: Option<Box<crate::api::error::ErrorFacts>>,
}

/// The answer to a submission request.
#[derive(Debug, Serialize)]
pub struct SubmitResponse {
    /// Number accepted.
    pub accepted: usize,
    /// Number rejected.
    pub rejected: usize,
    /// One result per submission, in request order.
    pub results: Vec<ItemResult>,
}

/// The media type of the binary request body and answer.
pub const OCTET_STREAM: &str = "application/octet-stream";

// The framing and its decoder are ledger-core's (`answer`), shared with
// clients; re-exported under the paths the tests and docs name.
use ledger_core::answer::push_framed;
pub use ledger_core::answer::{decode_binary_answer, BinaryResult, RejectedRecord, ANSWER_ACCEPTED, ANSWER_REJECTED};

/// Encode results as the binary answer: per submission, in request order,
/// `u8 status ‖ u32 LE length ‖ canonical bytes` (FORMAT.md §10.1).
pub fn encode_binary_answer(results: &[Result<SignedReceipt, ApiError>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(results.len() * 512);
    for result in results {
        match result {
            Ok(receipt) => push_framed(&mut out, ANSWER_ACCEPTED, &encoding::encode(receipt)),
            Err(e) => {
                let record = RejectedRecord {
                    code: e.code.to_string(),
                    message: e.message.clone(),
                    message_zh: e.message_zh.clone().unwrap_or_default(),
                };
                push_framed(&mut out, ANSWER_REJECTED, &encoding::encode(&record));
            }
        }
    }
    out
}

/// Does the request's `Accept` name `application/octet-stream` (with a
/// non-zero quality)?
fn wants_binary_answer(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            let mut parts = media.split(';').map(str::trim);
            let is_octet_stream = parts.next().is_some_and(|m| m.eq_ignore_ascii_case(OCTET_STREAM));
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .or_else(|| param.strip_prefix("Q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            is_octet_stream && !refused
        })
}

/// Parse an `application/octet-stream` request body: records of `u32 LE
/// length ‖ canonical SignedSubmission bytes`, at most `max_items`. One
/// result per record (a record that does not decode is refused alone), or
/// an error for the whole request when the framing itself is broken. Public
/// for the fuzz targets (`tests/fuzz_write.rs`).
pub fn parse_framed(body: &[u8], max_items: usize) -> Result<Vec<Result<SignedSubmission, ApiError>>, ApiError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < body.len() {
        if out.len() >= max_items {
            return Err(ApiError::too_large(format!(
                "at most {max_items} submissions per request"
            )));
        }
        let len_bytes: [u8; 4] = body
            .get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| ApiError::malformed(format!("record {} has a truncated length prefix", out.len())))?;
        let len = u32::from_le_bytes(len_bytes) as usize;
        if len > MAX_ENCODED_BYTES {
            return Err(ApiError::too_large(format!(
                "record {} is {len} bytes, over {MAX_ENCODED_BYTES}",
                out.len()
            )));
        }
        let record = body
            .get(at + 4..at + 4 + len)
            .ok_or_else(|| ApiError::malformed(format!("record {} is truncated", out.len())))?;
        out.push(SignedSubmission::decode(record).map_err(|e| ApiError::from_submission(&e)));
        at += 4 + len;
    }
    Ok(out)
}

/// Parse an `application/json` request body, `{"submissions": [...]}`, of
/// at most `max_items` submissions. One result per submission (over the
/// size limit, or a bad version or signature count, refuses it alone), or an
/// error for the whole request. JSON is only the transport: what is signed,
/// hashed and stored is each value's canonical encoding. Public for the
/// fuzz targets (`tests/fuzz_write.rs`).
pub fn parse_json_body(body: &[u8], max_items: usize) -> Result<Vec<Result<SignedSubmission, ApiError>>, ApiError> {
    parse_json_request(body, max_items).map(|(items, _)| items)
}

/// [`parse_json_body`] with the request's options.
pub fn parse_json_request(
    body: &[u8],
    max_items: usize,
) -> Result<(Vec<Result<SignedSubmission, ApiError>>, GroupMode), ApiError> {
    let request: SubmitRequest =
        serde_json::from_slice(body).map_err(|e| ApiError::malformed(format!("JSON body: {e}")))?;
    let mode = GroupMode {
        atomic: request.atomic,
        check_only: request.check_only,
    };
    if request.submissions.len() > max_items {
        return Err(ApiError::too_large(format!(
            "at most {max_items} submissions per request"
        )));
    }
    let items = request
        .submissions
        .into_iter()
        .map(|s| {
            if encoding::encode(&s).len() > MAX_ENCODED_BYTES {
                return Err(ApiError::too_large(format!(
                    "a submission is over {MAX_ENCODED_BYTES} bytes"
                )));
            }
            s.check_structure().map_err(|e| ApiError::from_submission(&e))?;
            Ok(s)
        })
        .collect();
    Ok((items, mode))
}

/// The options of the query string: `atomic` and `check_only`, each `1`,
/// `true`, `0` or `false`. Anything else is refused, so that a misspelt
/// option never silently posts for real what was meant as a check.
pub fn parse_mode_query(query: Option<&str>) -> Result<GroupMode, ApiError> {
    let mut mode = GroupMode::default();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let flag = match value {
            "1" | "true" => true,
            "0" | "false" => false,
            _ => {
                return Err(ApiError::bad_param(format!(
                    "{name} must be 1, true, 0 or false, not {value:?}"
                )))
            }
        };
        match name {
            "atomic" => mode.atomic = flag,
            "check_only" => mode.check_only = flag,
            _ => {
                return Err(ApiError::bad_param(format!(
                    "unknown parameter {name:?} (atomic, check_only)"
                )))
            }
        }
    }
    Ok(mode)
}

/// Handle `POST /v1/submissions`.
pub async fn submit(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // The body is read: from here a graceful shutdown answers this request
    // (the SIGTERM test waits for this gauge before signalling).
    let _in_flight = crate::metrics::InFlight::enter(&app.shared.metrics.submit_requests_in_flight);
    match submit_inner(app, query, headers, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn submit_inner(
    app: AppState,
    query: Option<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!("request body over {} bytes", app.limits.max_body_bytes))
        } else {
            ApiError::malformed(e.body_text())
        }
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let max = app.limits.max_batch_submissions;
    let query_mode = parse_mode_query(query.as_deref())?;
    let (parsed, body_mode): (Vec<Result<SignedSubmission, ApiError>>, GroupMode) =
        if content_type.starts_with(OCTET_STREAM) {
            (parse_framed(&body, max)?, GroupMode::default())
        } else if content_type.starts_with("application/json") {
            parse_json_request(&body, max)?
        } else {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send application/json or application/octet-stream",
            ));
        };
    if parsed.is_empty() {
        return Err(ApiError::malformed("no submissions in the request"));
    }
    let single = parsed.len() == 1;
    let mode = GroupMode {
        atomic: query_mode.atomic || body_mode.atomic,
        check_only: query_mode.check_only || body_mode.check_only,
    };
    // A check writes no receipt, so its answer is JSON whatever `Accept` says.
    let binary_answer = wants_binary_answer(&headers) && !mode.check_only;

    let results = submit_group_parsed(&app, parsed, mode).await?;

    if single {
        if let Some(Err(e)) = results.first() {
            return Err(e.clone());
        }
    }
    if binary_answer {
        let receipts: Vec<Result<SignedReceipt, ApiError>> = results
            .into_iter()
            .map(|r| match r {
                Ok(Answer::Receipt(receipt)) => Ok(receipt),
                Ok(Answer::WouldAccept) => Err(ApiError::internal("a check-only answer in a binary answer")),
                Err(e) => Err(e),
            })
            .collect();
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, OCTET_STREAM)],
            encode_binary_answer(&receipts),
        )
            .into_response());
    }
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    let response = SubmitResponse {
        accepted,
        rejected: results.len() - accepted,
        results: results
            .into_iter()
            .map(|r| match r {
                Ok(Answer::Receipt(receipt)) => ItemResult::Accepted {
                    receipt: Box::new(receipt),
                },
                Ok(Answer::WouldAccept) => ItemResult::WouldAccept,
                Err(e) => ItemResult::Rejected {
                    error: ErrorJson {
                        code: e.code,
                        message: e.message,
                        message_zh: e.message_zh,
                        facts: e.facts,
                    },
                },
            })
            .collect(),
    };
    Ok((StatusCode::OK, Json(response)).into_response())
}

/// The first signer of `s` that is neither a key the log granted (and did
/// not revoke) nor in `granted_here`, as the rule engine would refuse it.
fn unauthorised_signer(
    state: &ledger_core::rules::LedgerState,
    s: &SignedSubmission,
    granted_here: &HashSet<PublicKey>,
) -> Option<RuleError> {
    s.signatures.iter().find_map(|sig| match state.key(&sig.key) {
        None if granted_here.contains(&sig.key) => None,
        None => Some(RuleError::UnknownKey(sig.key)),
        Some(rec) => rec.revoked_seq.map(|revoked_seq| RuleError::RevokedKey {
            key: sig.key,
            revoked_seq,
        }),
    })
}

/// The keys granted by key grants of this request that can be trusted
/// before the request's own verification: every signer of the grant is a
/// key the committed log granted and did not revoke, and the grant's
/// signatures verify. A grant signed by a stranger (or forged in the name of
/// an admin) vouches for nothing, so the submissions "granted" by it are
/// refused `unknown_key` by the cheap check instead of costing a signature
/// verification each. Grants are rare and few; they are verified here and
/// again with the rest of the request.
async fn trusted_grants(
    app: &AppState,
    parsed: &[Result<SignedSubmission, ApiError>],
) -> Result<HashSet<PublicKey>, ApiError> {
    let candidates: Vec<SignedSubmission> = {
        let ledger = app.shared.ledger.read().map_err(|_| ApiError::internal("state lock"))?;
        parsed
            .iter()
            .filter_map(|item| item.as_ref().ok())
            .filter(|s| matches!(s.submission.body, EntryBody::KeyGrant(_)))
            .filter(|s| unauthorised_signer(&ledger.state, s, &HashSet::new()).is_none())
            .cloned()
            .collect()
    };
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    let verified = tokio::task::spawn_blocking(move || ledger_core::submission::verify_batch_each(candidates))
        .await
        .map_err(|_| ApiError::internal("signature verification task failed"))?;
    Ok(verified
        .iter()
        .filter_map(|v| match v.as_ref().map(|v| &v.submission().body) {
            Ok(EntryBody::KeyGrant(grant)) => Some(grant.key),
            _ => None,
        })
        .collect())
}

/// [`submit_group_parsed`] of plain submissions (each on its own, for
/// real): the demo loader's and the tests' path.
pub async fn submit_parsed(
    app: &AppState,
    parsed: Vec<Result<SignedSubmission, ApiError>>,
) -> Result<Vec<Result<SignedReceipt, ApiError>>, ApiError> {
    Ok(submit_group_parsed(app, parsed, GroupMode::default())
        .await?
        .into_iter()
        .map(|r| match r {
            Ok(Answer::Receipt(receipt)) => Ok(receipt),
            Ok(Answer::WouldAccept) => Err(ApiError::internal("a check-only answer to a real submission")),
            Err(e) => Err(e),
        })
        .collect())
}

/// Verify signatures (batched, off the async workers) and hand the good
/// submissions to the sequencer; one result per input, in order. This is the
/// one write path: the HTTP handler and the demo loader both use it.
///
/// An atomic group with a member refused here (a bad signature, an unknown
/// key) is written by no one: the rest still go to the sequencer, as a
/// check only, so that the answer names every member refused with its own
/// code; the others answer `group_refused` naming the first refused one.
pub async fn submit_group_parsed(
    app: &AppState,
    parsed: Vec<Result<SignedSubmission, ApiError>>,
    mode: GroupMode,
) -> Result<Vec<Result<Answer, ApiError>>, ApiError> {
    let mut results: Vec<Option<Result<Answer, ApiError>>> = Vec::with_capacity(parsed.len());
    let mut positions = Vec::new();
    let mut to_verify = Vec::new();
    // Keys granted by this very request count as known (a request may grant
    // a key and then use it), but only those whose grant is itself trusted.
    let granted_here = trusted_grants(app, &parsed).await?;
    {
        // Cheap first: refuse submissions signed by keys this log never granted
        // (or revoked) before spending a signature verification on them.
        let ledger = app.shared.ledger.read().map_err(|_| ApiError::internal("state lock"))?;
        let has_genesis = ledger.state.origin().is_some();
        for item in parsed {
            let outcome = item.and_then(|s| match unauthorised_signer(&ledger.state, &s, &granted_here) {
                Some(e) if has_genesis => Err(ApiError::from_rule(&e)),
                _ => Ok(s),
            });
            match outcome {
                Ok(s) => {
                    positions.push(results.len());
                    to_verify.push(s);
                    results.push(None);
                }
                Err(e) => {
                    app.shared.metrics.reject(e.code);
                    results.push(Some(Err(e)));
                }
            }
        }
    }
    // Batch verification (ZIP-215, see `submission::verify_batch_each`:
    // batch and single checks always agree, so what is accepted here every
    // replay accepts), then the write path's extra encoding rule (canonical,
    // not small-order R and key: what RFC 8032 verifiers refuse, so the page
    // and third-party verifiers agree on every new entry; docs/FORMAT.md
    // §8.1), in batches spread over all cores, off the async workers.
    let verified = tokio::task::spawn_blocking(move || {
        use rayon::prelude::*;
        let mut batches: Vec<Vec<SignedSubmission>> = Vec::new();
        let mut rest = to_verify.into_iter().peekable();
        while rest.peek().is_some() {
            batches.push(rest.by_ref().take(WRITE_SIGNATURE_BATCH).collect());
        }
        batches
            .into_par_iter()
            .map(ledger_core::submission::verify_batch_for_write)
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|_| ApiError::internal("signature verification task failed"))?;
    let mut job_items = Vec::new();
    let mut job_positions = Vec::new();
    for (position, outcome) in positions.into_iter().zip(verified) {
        match outcome {
            Ok(v) => {
                job_items.push(v);
                job_positions.push(position);
            }
            Err(e) => {
                let e = ApiError::from_submission(&e);
                app.shared.metrics.reject(e.code);
                if let Some(slot) = results.get_mut(position) {
                    *slot = Some(Err(e));
                }
            }
        }
    }
    if !job_items.is_empty() {
        let (reply_tx, reply_rx) = oneshot::channel();
        let refused_before = results.iter().any(|r| matches!(r, Some(Err(_))));
        let job_mode = GroupMode {
            atomic: mode.atomic,
            check_only: mode.check_only || (mode.atomic && refused_before),
        };
        app.submit
            .as_ref()
            .ok_or_else(crate::mirror::read_only_error)?
            .try_send(Job {
                items: job_items,
                mode: job_mode,
                reply: reply_tx,
            })
            .map_err(|e| match e {
                tokio::sync::mpsc::error::TrySendError::Full(_) => {
                    app.shared.metrics.reject("overloaded");
                    ApiError::overloaded()
                }
                tokio::sync::mpsc::error::TrySendError::Closed(_) => ApiError::unavailable("the node is shutting down"),
            })?;
        let answers = tokio::time::timeout(Duration::from_millis(app.limits.submit_timeout_ms), reply_rx)
            .await
            .map_err(|_| {
                ApiError::unavailable(
                    "the sequencer did not answer in time; retry the same submissions (retries are idempotent)",
                )
            })?
            .map_err(|_| ApiError::unavailable("the node stopped before answering; retry the same submissions"))?;
        for (position, answer) in job_positions.into_iter().zip(answers) {
            if let Some(slot) = results.get_mut(position) {
                // The sequencer's refusals become HTTP answers here, and only here.
                *slot = Some(answer.map_err(ApiError::from));
            }
        }
    }
    let mut results: Vec<Result<Answer, ApiError>> = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(ApiError::internal("no answer"))))
        .collect();
    if mode.atomic {
        // The first member refused for itself, counted in the request (the
        // sequencer counts in the part of the group it got).
        let first = results
            .iter()
            .position(|r| matches!(r, Err(e) if e.code != "group_refused"));
        if let Some(failed_index) = first {
            for r in &mut results {
                if r.is_ok() || matches!(r, Err(e) if e.code == "group_refused") {
                    *r = Err(ApiError::group_refused(failed_index));
                }
            }
        }
    }
    Ok(results)
}

//! API errors: an HTTP status, a stable machine-readable code and a human
//! message, as JSON `{"error": {"code": "...", "message": "..."}}`.

use crate::sequencer::SequenceError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ledger_core::rules::RuleError;
use ledger_core::submission::SubmissionError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// What is wrong, for a person (English, or both languages).
    pub message: String,
    /// The same in Chinese, for the refusals an operator meets in a day's
    /// work (the rule engine's, the signatures'); `None` for the rest.
    pub message_zh: Option<String>,
    /// Machine facts beside the code, for the refusals whose numbers a
    /// client prints its own way (docs/API.md "Atomic groups"): `None` for
    /// the rest.
    pub facts: Option<Box<ErrorFacts>>,
}

/// The facts of a refusal, each field only where the code has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorFacts {
    /// `group_refused`: the 0-based index in the request of the first
    /// refused member of the atomic group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_index: Option<usize>,
    /// `overdraft`: the account short of money.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `overdraft`: the fund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fund: Option<String>,
    /// `overdraft`: the amount asked, fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_fen: Option<u64>,
    /// `overdraft`: the balance, fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_fen: Option<u64>,
    /// `duplicate_payment`: the entry that already paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier_seq: Option<u64>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    /// The error.
    pub error: ErrorDetail<'a>,
}

/// Code and message.
#[derive(Debug, Serialize)]
pub struct ErrorDetail<'a> {
    /// Stable code.
    pub code: &'a str,
    /// Human message.
    pub message: &'a str,
    /// The same in Chinese, where the node has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<&'a str>,
    /// The refusal's facts, flattened beside the code.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub facts: Option<&'a ErrorFacts>,
}

impl ApiError {
    /// Any error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            message_zh: None,
            facts: None,
        }
    }

    /// 409 `group_refused`: a member of an atomic group that was not written
    /// because the member at `failed_index` (of the request) was refused.
    pub fn group_refused(failed_index: usize) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::CONFLICT,
            "group_refused",
            format!("not written: item {failed_index} of this atomic group was refused, so nothing of the group was written"),
        )
        .with_zh(format!("未写入：同一原子组的第 {failed_index} 项（从 0 数起）被拒绝，整组均未写入"));
        e.facts = Some(Box::new(ErrorFacts {
            failed_index: Some(failed_index),
            ..ErrorFacts::default()
        }));
        e
    }

    /// The same error with its Chinese message.
    pub fn with_zh(mut self, message_zh: impl Into<String>) -> ApiError {
        self.message_zh = Some(message_zh.into());
        self
    }
    /// 400 `malformed`.
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed", message)
    }
    /// 400 `bad_request` for query parameters.
    pub fn bad_param(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
    }
    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    /// 413 `too_large`.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }
    /// 503 `overloaded` (with Retry-After).
    pub fn overloaded() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the submission queue is full; retry in a second",
        )
    }
    /// 503 `storage_failed`. The message is true whether or not the data
    /// reached the disk before the failure: the client cannot know, so it
    /// retries the same submission (same nonce), which the restarted node
    /// either accepts or answers with the original receipt.
    pub fn storage_failed() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_failed",
            "节点存储故障，本批未能确认写入，节点将重启并从磁盘恢复；请稍后原样重试同一提交（相同 nonce），已写入的会返回原回执，不会重复记账。 The node's storage failed and this batch was not acknowledged; it may or may not have reached the disk. The node restarts and replays its store: retry the same submission (same nonce) later — if it was recorded you get its original receipt, it is never recorded twice.",
        )
    }
    /// 507 `storage_full`: the data folder's file system is below its
    /// free-space reserve; nothing was sequenced, reads go on.
    pub fn storage_full() -> ApiError {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "storage_full",
            "节点磁盘空间不足，暂停写入（查询照常）；本提交未被记录，请在管理员腾出空间后重试。 The node's disk is below its free-space reserve: writes are paused (reads go on); this submission was not recorded, retry once space is freed.",
        )
    }
    /// 409 `receipt_unavailable`: a retry of a submission already in the log
    /// as entry `seq`, whose receipt the node can no longer sign because it
    /// does not hold the log key that was in force for that entry (its
    /// `keys/log-retired-*.key` file is gone). The entry itself is durable
    /// and public; its inclusion proof is the evidence.
    pub fn receipt_unavailable(seq: u64) -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            "receipt_unavailable",
            format!(
                "this submission is already entry {seq}; the node no longer holds the log key in force for it and cannot sign its receipt again; fetch the entry and its inclusion proof at /v1/entries/{seq}"
            ),
        )
    }
    /// 503 `unavailable` (shutting down / not ready).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
    /// 422 `unknown_log_key`.
    pub fn unknown_log_key(vkey: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_log_key",
            format!("this node does not hold the private key of {vkey}; run `ledger-node prepare-rotation` first"),
        )
    }
    /// 500 `internal`.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// Map a signature/structure error.
    pub fn from_submission(e: &SubmissionError) -> ApiError {
        match e {
            SubmissionError::Decode(_) | SubmissionError::SignatureCount => {
                ApiError::malformed(e.to_string()).with_zh(format!("提交无法解码或签名个数不对：{e}"))
            }
            SubmissionError::BadKey(_) | SubmissionError::BadSignature(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string())
                    .with_zh("签名无效：提交内容与签名不符，或公钥无效")
            }
            // Valid under ZIP-215 (replay would accept it) but refused for new
            // entries because common RFC 8032 verifiers refuse it
            // (docs/FORMAT.md §8.1); its own code, so a client knows that
            // re-signing with a standard Ed25519 library fixes it.
            SubmissionError::NonCanonicalSignature { .. } => {
                ApiError::new(StatusCode::UNAUTHORIZED, "non_canonical_signature", e.to_string())
                    .with_zh("签名不是标准编码（请用标准 Ed25519 库重新签名）")
            }
        }
    }

    /// Map a rule violation: authorization failures are 403, the rest 409/422.
    pub fn from_rule(e: &RuleError) -> ApiError {
        let status = match e {
            RuleError::UnknownKey(_) | RuleError::RevokedKey { .. } | RuleError::KeyNotValid(_) => {
                StatusCode::FORBIDDEN
            }
            RuleError::OutOfScope { .. } | RuleError::MissingCosignature { .. } | RuleError::MissingRole { .. } => {
                StatusCode::FORBIDDEN
            }
            RuleError::ReplayedNonce(_) | RuleError::DuplicateFund(_) | RuleError::DuplicateProject(_) => {
                StatusCode::CONFLICT
            }
            RuleError::AlreadyReversed { .. } | RuleError::DuplicateKey(_) => StatusCode::CONFLICT,
            // The same thing a second time: a notice, a case number, a
            // registration in force, a line already paid, a decision, a confirmation.
            RuleError::DuplicateNotice(_)
            | RuleError::DuplicateObjection(_)
            | RuleError::AlreadyRegistered { .. }
            | RuleError::LinePaid { .. }
            | RuleError::DuplicatePayment { .. }
            | RuleError::ObjectionClosed { .. }
            | RuleError::AlreadyConfirmed(_) => StatusCode::CONFLICT,
            RuleError::Malformed(_) => StatusCode::BAD_REQUEST,
            // The project library (issue 13): a submission that is well
            // formed and authorised but breaks the library's order, budget,
            // contract or retention — unprocessable as it stands, like the
            // other business rules; named so that a new variant is a choice.
            RuleError::BudgetExceeded { .. }
            | RuleError::StageOrder { .. }
            | RuleError::ProjectCancelled { .. }
            | RuleError::NotApproved { .. }
            | RuleError::PayeeNotContracted { .. }
            | RuleError::FinalPaymentBeforeAcceptance { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let mut error = ApiError::new(status, e.code(), e.to_string()).with_zh(e.message_zh());
        if let RuleError::Overdraft {
            account,
            fund,
            balance,
            amount,
        } = e
        {
            error.facts = Some(Box::new(ErrorFacts {
                account: Some(account.clone()),
                fund: Some(fund.to_string()),
                needed_fen: Some(*amount),
                available_fen: Some(*balance),
                ..ErrorFacts::default()
            }));
        }
        if let RuleError::DuplicatePayment { earlier_seq, .. } = e {
            error.facts = Some(Box::new(ErrorFacts {
                earlier_seq: Some(*earlier_seq),
                ..ErrorFacts::default()
            }));
        }
        error
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                message_zh: self.message_zh.as_deref(),
                facts: self.facts.as_deref(),
            },
        }
    }
}

/// The sequencer's refusals, answered exactly as they were when the
/// sequencer built `ApiError`s itself (the tests in `tests/api/` match the
/// status, the code and the message).
impl From<SequenceError> for ApiError {
    fn from(e: SequenceError) -> ApiError {
        match e {
            SequenceError::StorageFull => ApiError::storage_full(),
            SequenceError::StorageFailed => ApiError::storage_failed(),
            SequenceError::ReceiptUnavailable { seq } => ApiError::receipt_unavailable(seq),
            SequenceError::UnknownLogKey { vkey } => ApiError::unknown_log_key(&vkey),
            SequenceError::TooLarge { .. } => ApiError::too_large(e.to_string()),
            SequenceError::Rule(rule) => ApiError::from_rule(&rule),
            SequenceError::IndexDamaged { .. } => ApiError::internal(e.to_string()),
            // The request index is set by the write handler, which knows
            // the request's positions (`api::write`).
            SequenceError::GroupRefused { failed_index } => ApiError::group_refused(failed_index),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE || self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sequencer's refusals keep the exact answers they had when the
    /// sequencer built `ApiError`s itself (before issue 18).
    #[test]
    fn sequence_errors_keep_their_http_answers() {
        let too_large = ApiError::from(SequenceError::TooLarge {
            bytes: 70_000,
            max: 65_535,
        });
        assert_eq!(
            too_large,
            ApiError::too_large("the sequenced entry would be 70000 bytes, over 65535")
        );
        assert_eq!(
            ApiError::from(SequenceError::IndexDamaged { seq: 7 }),
            ApiError::internal("the store's idempotency index is damaged at entry 7")
        );
        let unknown = ApiError::from(SequenceError::UnknownLogKey { vkey: "k".into() });
        assert_eq!(
            (unknown.status, unknown.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "unknown_log_key")
        );
        assert_eq!(
            unknown.message,
            "this node does not hold the private key of k; run `ledger-node prepare-rotation` first"
        );
        let unavailable = ApiError::from(SequenceError::ReceiptUnavailable { seq: 3 });
        assert_eq!(
            (unavailable.status, unavailable.code),
            (StatusCode::CONFLICT, "receipt_unavailable")
        );
        assert_eq!(ApiError::from(SequenceError::StorageFull).code, "storage_full");
        assert_eq!(
            ApiError::from(SequenceError::StorageFailed).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let rule = RuleError::Malformed("x".into());
        assert_eq!(
            ApiError::from(SequenceError::Rule(rule.clone())),
            ApiError::from_rule(&rule)
        );
    }

    /// Issue 14: the refusals a client prints its own way carry their facts.
    #[test]
    fn overdraft_duplicate_and_group_refusals_carry_their_facts() {
        let overdraft = ApiError::from_rule(&RuleError::Overdraft {
            account: "treasury:320803101000".into(),
            fund: ledger_core::ids::Ident::new("F2019-SCN-012").unwrap_or_else(|_| unreachable!()),
            balance: 50_000,
            amount: 120_000,
        });
        assert_eq!(
            (overdraft.status, overdraft.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "overdraft")
        );
        let body = serde_json::to_value(overdraft.body()).unwrap_or_default();
        assert_eq!(body["error"]["account"], "treasury:320803101000");
        assert_eq!(body["error"]["fund"], "F2019-SCN-012");
        assert_eq!(body["error"]["needed_fen"], 120_000);
        assert_eq!(body["error"]["available_fen"], 50_000);
        assert_eq!(body["error"].get("failed_index"), None);

        let duplicate = ApiError::from_rule(&RuleError::DuplicatePayment {
            household: "ab".into(),
            category: ledger_core::entry::SubsidyCategory::MinimumLiving,
            period: ledger_core::ids::Period { year: 2019, month: 5 },
            earlier_seq: 17,
            earlier_date: ledger_core::ids::Date::new(20190520).unwrap_or(ledger_core::ids::Date::LAST),
            earlier_amount: 40_000,
        });
        assert_eq!(
            (duplicate.status, duplicate.code),
            (StatusCode::CONFLICT, "duplicate_payment")
        );
        assert_eq!(duplicate.facts.as_ref().and_then(|f| f.earlier_seq), Some(17));

        let group = ApiError::from(SequenceError::GroupRefused { failed_index: 36 });
        assert_eq!((group.status, group.code), (StatusCode::CONFLICT, "group_refused"));
        let body = serde_json::to_value(group.body()).unwrap_or_default();
        assert_eq!(body["error"]["failed_index"], 36);
        assert_eq!(
            body["error"]["message_zh"],
            "未写入：同一原子组的第 36 项（从 0 数起）被拒绝，整组均未写入"
        );
    }
}

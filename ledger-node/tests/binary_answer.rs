//! The binary answer of `POST /v1/submissions` (`Accept:
//! application/octet-stream`, FORMAT.md §10.1): the same results as the JSON
//! answer, in request order, each receipt verifying against the log key.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{empty_node_for, fresh_client, post_all_but_trailing_subsidies, send, TestResult};
use ledger_core::bundle::encode_record;
use ledger_core::submission::SignedSubmission;
use ledger_node::api::write::{decode_binary_answer, BinaryResult, RejectedRecord, ANSWER_ACCEPTED};
use ledger_node::api::Limits;

fn framed(submissions: &[SignedSubmission]) -> Vec<u8> {
    submissions.iter().flat_map(|s| encode_record(&s.encode())).collect()
}

async fn post_framed(app: &ledger_node::api::AppState, accept: &str, body: Vec<u8>) -> TestResult<common::Answer> {
    let mut request = Request::post("/v1/submissions")
        .header("content-type", "application/octet-stream")
        .header("accept", accept)
        .body(Body::from(body))?;
    request.extensions_mut().insert(ConnectInfo(fresh_client()));
    send(app, request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_answer_carries_the_same_results_as_json() -> TestResult {
    let node = empty_node_for("binary-answer", 11, 400, Limits::default())?;
    let log_key = node.log.log_key.verifying_key();
    let rest = post_all_but_trailing_subsidies(&node, 20).await?;
    let size_before = node.app.shared.committed();

    // Ten subsidies, the fourth with a flipped signature byte, and the first
    // again at the end (one entry, the same receipt twice).
    let mut batch: Vec<SignedSubmission> = rest[..10].to_vec();
    batch[3].signatures[0].signature.0[5] ^= 0x01;
    batch.push(batch[0].clone());
    let answer = post_framed(&node.app, "application/octet-stream", framed(&batch)).await?;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/octet-stream");
    assert_eq!(answer.body[0], ANSWER_ACCEPTED);
    let results = decode_binary_answer(&answer.body, 11).map_err(|e| e.to_string())?;
    assert_eq!(results.len(), 11);
    assert_eq!(
        results[10], results[0],
        "a copy in the same request gets the same receipt"
    );
    let mut next_seq = size_before;
    for (i, (result, submission)) in results.iter().zip(&batch).enumerate().take(10) {
        match result {
            BinaryResult::Accepted(receipt) => {
                assert_ne!(i, 3, "the tampered submission was accepted");
                receipt.verify(&log_key)?;
                assert_eq!(receipt.receipt.seq, next_seq, "result {i}");
                assert_eq!(receipt.receipt.submission_id, submission.id(), "result {i}");
                next_seq += 1;
            }
            BinaryResult::Rejected(RejectedRecord {
                code,
                message,
                message_zh,
            }) => {
                assert_eq!(i, 3, "result {i} rejected: {code}: {message}");
                assert_eq!(code, "bad_signature");
                assert!(message.contains("does not verify"), "{message}");
                assert_eq!(message_zh, "签名无效：提交内容与签名不符，或公钥无效");
            }
        }
    }
    assert_eq!(node.app.shared.committed(), size_before + 9);

    // The same request again, answered in JSON: the same receipts (idempotent)
    // and the same refusal.
    let again = post_framed(&node.app, "application/json", framed(&batch)).await?;
    assert_eq!(again.header("content-type"), "application/json");
    let json = again.json()?;
    assert_eq!(json["accepted"], 10);
    assert_eq!(json["rejected"], 1);
    for (i, result) in results.iter().enumerate() {
        let item = &json["results"][i];
        match result {
            BinaryResult::Accepted(receipt) => {
                assert_eq!(item["status"], "accepted");
                assert_eq!(item["receipt"]["receipt"], serde_json::to_value(&receipt.receipt)?);
            }
            BinaryResult::Rejected(record) => {
                assert_eq!(item["status"], "rejected");
                assert_eq!(item["error"]["code"], record.code.as_str());
            }
        }
    }
    // Accept lists are honoured wherever the binary type appears in them.
    let listed = post_framed(
        &node.app,
        "text/html, application/octet-stream;q=0.9",
        framed(&batch[..1]),
    )
    .await?;
    assert_eq!(listed.header("content-type"), "application/octet-stream");
    // …and not when it is refused (quality 0).
    let refused = post_framed(
        &node.app,
        "application/octet-stream;q=0, application/json",
        framed(&batch[..1]),
    )
    .await?;
    assert_eq!(refused.header("content-type"), "application/json");
    assert_eq!(node.app.shared.committed(), size_before + 9, "retries append nothing");
    Ok(())
}

#[test]
fn a_damaged_binary_answer_is_refused_naming_the_result() -> TestResult {
    let good = ledger_node::api::write::encode_binary_answer(&[
        Err(ledger_node::api::error::ApiError::malformed("first")),
        Err(ledger_node::api::error::ApiError::malformed("second")),
    ]);
    let decoded = decode_binary_answer(&good, 2).map_err(|e| e.to_string())?;
    let malformed = |message: &str| {
        BinaryResult::Rejected(RejectedRecord {
            code: "malformed".into(),
            message: message.into(),
            message_zh: String::new(),
        })
    };
    assert_eq!(decoded, vec![malformed("first"), malformed("second")]);
    let first_len = 5 + u32::from_le_bytes(good[1..5].try_into()?) as usize;
    let cases: Vec<(Vec<u8>, usize, &str)> = vec![
        (good[..good.len() - 1].to_vec(), 2, "result 1: truncated record"),
        (good[..first_len + 3].to_vec(), 2, "result 1: truncated length prefix"),
        (
            [&good[..first_len], &[7u8, 0, 0, 0, 0][..]].concat(),
            2,
            "result 1: unknown status byte 7",
        ),
        (good.clone(), 1, "more than 1 results"),
        (
            [&[ANSWER_ACCEPTED][..], &good[1..first_len]].concat(),
            2,
            "result 0: receipt:",
        ),
    ];
    for (bytes, max, expected) in cases {
        let err = decode_binary_answer(&bytes, max).err().unwrap_or_default();
        assert!(err.starts_with(expected), "{expected:?}: got {err:?}");
    }
    Ok(())
}

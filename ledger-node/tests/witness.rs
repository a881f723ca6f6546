//! Witness cosignatures: the node accepts cosignatures only from configured
//! witnesses, on checkpoints of its own history, and serves the cosigned note.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{demo_folder, folder_config as config, post_all, stop, TestResult};
use ledger_core::checkpoint::{add_cosignature, count_valid_cosignatures, LogSigner, LogVerifier, WitnessSigner};
use ledger_node::server::start;
use tower::ServiceExt as _;

async fn call(app: &axum::Router, method: &str, path: &str, body: Vec<u8>) -> TestResult<(StatusCode, String)> {
    let request = Request::builder().method(method).uri(path).body(Body::from(body))?;
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok((status, String::from_utf8(bytes.to_vec())?))
}

#[test]
fn configured_witness_cosignatures_are_collected_and_others_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = demo_folder(dir.path(), 5, 200)?;
    let commission = WitnessSigner::new(
        "witness.jiwei.huaian.example",
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
    )?;
    let audit = WitnessSigner::new(
        "witness.audit.huaian.example",
        ed25519_dalek::SigningKey::from_bytes(&[8; 32]),
    )?;
    let stranger = WitnessSigner::new(
        "witness.stranger.example",
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
    )?;
    let mut config = config(dir.path())?;
    config.witnesses = vec![commission.verifier_key(), audit.verifier_key()];
    let runtime = tokio::runtime::Runtime::new()?;
    let started = start(&config)?;
    post_all(&runtime, &started, &log.submissions)?;
    let router = ledger_node::api::router(started.app.clone());
    let log_verifier = LogVerifier::from_vkey(&LogSigner::new(&log.origin, log.log_key.clone())?.verifier_key())?;

    runtime.block_on(async {
        let (status, _) = call(&router, "GET", "/v1/checkpoint/cosigned", vec![]).await?;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, note) = call(&router, "GET", "/v1/checkpoint", vec![]).await?;
        let checkpoint = log_verifier.verify_checkpoint(note.as_bytes())?;

        // A stranger's cosignature is refused.
        let by_stranger = add_cosignature(note.as_bytes(), &stranger.cosign(&checkpoint, 1_800_000_000)?)?;
        let (status, body) = call(&router, "POST", "/v1/cosignatures", by_stranger).await?;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("unknown_witness"), "{body}");

        // A tampered cosignature is refused.
        let line = commission.cosign(&checkpoint, 1_800_000_000)?;
        let good = add_cosignature(note.as_bytes(), &line)?;
        let text = String::from_utf8(good.clone())?;
        let sig_line = text.lines().last().unwrap_or_default().to_string();
        let mut chars: Vec<char> = sig_line.chars().collect();
        let at = chars.len() - 5;
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        let tampered = text.replace(&sig_line, &chars.into_iter().collect::<String>());
        let (status, body) = call(&router, "POST", "/v1/cosignatures", tampered.into_bytes()).await?;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("bad_cosignature"), "{body}");

        // Two witnesses cosign; the node serves one note with both.
        let (status, body) = call(&router, "POST", "/v1/cosignatures", good).await?;
        assert_eq!(status, StatusCode::OK, "{body}");
        let by_audit = add_cosignature(note.as_bytes(), &audit.cosign(&checkpoint, 1_800_000_100)?)?;
        let (status, body) = call(&router, "POST", "/v1/cosignatures", by_audit).await?;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("\"cosignatures\":2"), "{body}");
        let (status, cosigned) = call(&router, "GET", "/v1/checkpoint/cosigned", vec![]).await?;
        assert_eq!(status, StatusCode::OK);
        let verified = log_verifier.verify_checkpoint(cosigned.as_bytes())?;
        assert_eq!(verified.size(), log.submissions.len() as u64);
        assert_eq!(
            count_valid_cosignatures(&verified, &[commission.verifier(), audit.verifier()]),
            2
        );

        // A checkpoint the log key signed over a history this node does not have.
        let forged = LogSigner::new(&log.origin, log.log_key.clone())?
            .sign_checkpoint(150, &ledger_core::merkle::TreeHash([1; 32]));
        let forged_checkpoint = log_verifier.verify_checkpoint(forged.as_bytes())?;
        let forged_note = add_cosignature(
            forged.as_bytes(),
            &commission.cosign(&forged_checkpoint, 1_800_000_200)?,
        )?;
        let (status, body) = call(&router, "POST", "/v1/cosignatures", forged_note).await?;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body.contains("not_our_checkpoint"), "{body}");
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })?;
    drop(router);
    stop(started)
}

//! Inclusion and consistency proofs against the signed checkpoint.

use super::*;

#[tokio::test]
pub(crate) async fn entry_with_inclusion_proof_verifies_against_the_signed_checkpoint() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let vkey = node.log.log_vkey().unwrap_or_default();
    for seq in [0, 1, 7, n / 2, n - 1] {
        let answer = get_json(app, &format!("/v1/entries/{seq}?proof=true")).await?;
        assert_schema("EntryWithProof", &answer)?;
        let entry = &answer["entry"];
        let proof = &answer["proof"];
        assert_eq!(u(&entry["seq"]), seq);
        assert_eq!(u(&proof["leaf_index"]), seq);
        assert_eq!(u(&proof["tree_size"]), n);
        let raw = base64::engine::general_purpose::STANDARD.decode(entry["raw"].as_str().unwrap_or_default())?;
        let leaf = leaf_hash(&raw);
        assert_eq!(proof["leaf_hash"], hex::encode(leaf.0));
        let checkpoint = LogVerifier::from_vkey(vkey)?
            .verify_checkpoint(proof["checkpoint"].as_str().unwrap_or_default().as_bytes())?;
        assert_eq!(checkpoint.size(), n);
        assert_eq!(proof["root"], hex::encode(checkpoint.root().0));
        verify_inclusion(&hashes(&proof["hashes"]), n, checkpoint.root(), seq, &leaf)?;
        // And the separate proof endpoint gives the same proof.
        let same = get_json(app, &format!("/v1/proof/inclusion?seq={seq}")).await?;
        assert_eq!(&same, proof);
        assert_schema("InclusionProof", &same)?;
    }
    // Without ?proof there is no proof field.
    let plain = get_json(app, "/v1/entries/3").await?;
    assert!(plain.get("proof").is_none());
    let plain = get_json(app, "/v1/entries/3?proof=false").await?;
    assert!(plain.get("proof").is_none());

    for (uri, status, code) in [
        (format!("/v1/entries/{n}"), StatusCode::NOT_FOUND, "not_found"),
        ("/v1/entries/abc".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            "/v1/entries/99999999999999999999999".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/entries/1?proof=maybe".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/proof/inclusion?seq={n}"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/v1/proof/inclusion".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            "/v1/proof/inclusion?seq=x".to_string(),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!((answer.status, answer.code().as_str()), (status, code), "{uri}");
        assert_schema("Error", &answer.json()?)?;
    }
    Ok(())
}

#[tokio::test]
pub(crate) async fn consistency_proofs_from_any_older_size() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let n = node.log.submissions.len() as u64;
    let entries = all_entries(app).await?;
    let tree = MemoryTree::from_leaves(&entries.iter().map(|b| leaf_hash(b)).collect::<Vec<_>>());
    for from in [1, 2, 3, 255, 256, 1000, n - 1, n] {
        let answer = get_json(app, &format!("/v1/proof/consistency?from={from}")).await?;
        assert_schema("ConsistencyProof", &answer)?;
        assert_eq!(u(&answer["from"]), from);
        assert_eq!(u(&answer["to"]), n);
        let old_root = tree.root_at(from)?;
        verify_consistency(&hashes(&answer["hashes"]), from, &old_root, n, &tree.root())?;
        assert!(answer["checkpoint"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("\n{n}\n")));
    }
    for uri in [
        "/v1/proof/consistency?from=0".to_string(),
        format!("/v1/proof/consistency?from={}", n + 1),
        "/v1/proof/consistency".to_string(),
        "/v1/proof/consistency?from=-3".to_string(),
    ] {
        let answer = get(app, &uri).await?;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::BAD_REQUEST, "bad_parameter"),
            "{uri}"
        );
    }
    Ok(())
}

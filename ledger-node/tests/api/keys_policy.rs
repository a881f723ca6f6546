//! `GET /v1/keys/{key}` and `GET /v1/policy` (issue 14): a key's grant and
//! the policy in force, from the rule state, checked against the demo's
//! own submissions (the latest grant of the key, the genesis policy and
//! its updates).

use super::*;

/// The demo's latest grant of `key`: (seq, grant).
fn latest_grant(node: &TestNode, key: &[u8; 32]) -> Option<(u64, ledger_core::keys::KeyGrant)> {
    let mut found = None;
    for (seq, s) in node.log.submissions.iter().enumerate().take(ENTRIES as usize) {
        match &s.submission.body {
            EntryBody::Genesis(g) => {
                if let Some(grant) = g.grants.iter().find(|g| &g.key.0 == key) {
                    found = Some((seq as u64, grant.clone()));
                }
            }
            EntryBody::KeyGrant(g) if &g.key.0 == key => found = Some((seq as u64, g.clone())),
            _ => {}
        }
    }
    found
}

#[tokio::test]
async fn a_key_s_grant_by_hex_or_verifier_key() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let op = node
        .log
        .operators
        .iter()
        .find(|o| o.grant.office == ledger_core::keys::Office::TownFinance && o.revoked_at_seq.is_none())
        .ok_or("a town finance operator")?;
    let public = op.key.verifying_key();
    let hex = Bytes(public.to_bytes()).to_hex();
    let (seq, grant) = latest_grant(node, &public.to_bytes()).ok_or("its grant")?;
    let answer = get_json(app, &format!("/v1/keys/{hex}")).await?;
    assert_schema("KeyAnswer", &answer)?;
    assert_eq!(
        answer,
        serde_json::json!({
            "key": hex,
            "holder": grant.holder.to_string(),
            "role": "operator",
            "office": "town_finance",
            "office_zh": "镇财政所",
            "scope": {
                "regions": grant.scope.regions.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "kinds": grant.scope.kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
            },
            "valid_from_ms": grant.valid_from_ms,
            "valid_until_ms": grant.valid_until_ms,
            "granted_seq": seq,
            "revoked_seq": null,
            "revoked": false,
        })
    );
    // The same key as a verifier key string (`name+id+base64`), with the
    // base64's `/` and `+` percent-encoded in the path; upper-case hex.
    let vkey = ledger_core::keys::verifier_key_string("operator", &public);
    let encoded = vkey.replace('+', "%2B").replace('/', "%2F");
    assert_eq!(get_json(app, &format!("/v1/keys/{encoded}")).await?, answer);
    assert_eq!(
        get_json(app, &format!("/v1/keys/{}", hex.to_uppercase())).await?,
        answer
    );

    for (uri, status, code) in [
        (
            format!("/v1/keys/{}", "ab".repeat(32)),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("/v1/keys/abc".to_string(), StatusCode::BAD_REQUEST, "bad_parameter"),
        (
            format!("/v1/keys/{}", "g".repeat(64)),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
        (
            format!("/v1/keys/{}", "a".repeat(300)),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        ),
    ] {
        let got = get(app, &uri).await?;
        assert_eq!((got.status, got.code()), (status, code.to_string()), "{uri}");
        assert!(got.json()?["error"]["message_zh"].is_string(), "{uri}");
    }
    Ok(())
}

#[tokio::test]
async fn the_policy_in_force() -> TestResult {
    let node = node()?;
    let mut policy = None;
    for s in node.log.submissions.iter().take(ENTRIES as usize) {
        match &s.submission.body {
            EntryBody::Genesis(g) => policy = Some(g.policy.clone()),
            EntryBody::PolicyUpdate { policy: p, .. } => policy = Some(p.clone()),
            _ => {}
        }
    }
    let answer = get_json(&node.app, "/v1/policy").await?;
    assert_schema("PolicyAnswer", &answer)?;
    assert_eq!(answer["size"], ENTRIES);
    assert_eq!(answer["policy"], serde_json::to_value(policy.ok_or("a genesis")?)?);
    // It reads back as the core type (what the CLI does with it).
    let back: ledger_core::policy::Policy = serde_json::from_value(answer["policy"].clone())?;
    assert_eq!(back.enforced_from.duplicates.to_string(), "2019-03-01");
    Ok(())
}

//! The write API's error codes (each leaves the log unchanged).

use super::*;

// ---------------------------------------------------------------------------
// The write API's error codes (each leaves the log unchanged)

pub(crate) struct Keys {
    district_op: ed25519_dalek::SigningKey,
    town_op: ed25519_dalek::SigningKey,
    other_town_op: ed25519_dalek::SigningKey,
    revoked: ed25519_dalek::SigningKey,
}

pub(crate) fn keys(node: &TestNode, town: RegionCode) -> TestResult<Keys> {
    let district_op = node
        .log
        .district_operators()
        .first()
        .map(|o| o.key.clone())
        .ok_or("district operator")?;
    let town_op = node
        .log
        .town_operator(town)
        .map(|o| o.key.clone())
        .ok_or("town operator")?;
    let other_town_op = node
        .log
        .operators
        .iter()
        .find(|o| {
            o.revoked_at_seq.is_none()
                && o.grant.scope.regions.len() == 1
                && o.grant.scope.regions[0].level() == ledger_core::region::RegionLevel::Town
                && o.grant.scope.regions[0] != town
        })
        .map(|o| o.key.clone())
        .ok_or("another town's operator")?;
    let revoked = node
        .log
        .operators
        .iter()
        .find(|o| o.revoked_at_seq.is_some())
        .map(|o| o.key.clone())
        .ok_or("a revoked operator")?;
    Ok(Keys {
        district_op,
        town_op,
        other_town_op,
        revoked,
    })
}

pub(crate) fn submission(
    origin: &str,
    nonce: [u8; 16],
    not_after_ms: u64,
    body: EntryBody,
    signers: &[&ed25519_dalek::SigningKey],
) -> SignedSubmission {
    Submission {
        v: SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce: Bytes(nonce),
        not_after_ms,
        body,
    }
    .sign(signers)
}

pub(crate) async fn post_json(
    app: &ledger_node::api::AppState,
    submissions: &[SignedSubmission],
) -> TestResult<Answer> {
    post(
        app,
        "application/json",
        serde_json::to_vec(&serde_json::json!({ "submissions": submissions }))?,
    )
    .await
}

#[tokio::test]
pub(crate) async fn write_api_error_codes() -> TestResult {
    let node = node()?;
    let app = &node.app;
    let model = Model::new(node);
    let size_before = u(&get_json(app, "/v1/log").await?["size"]);
    let origin = node.log.origin.clone();
    let later = now_ms() + 3_600_000;
    // A town-paid subsidy of the demo dated before its controls (history:
    // no registration or payment-list line needed, so each case below fails
    // only in the way it means to): its fund, town and village are real,
    // and the town still holds money of that fund.
    let controls_from = match &node.log.submissions[0].submission.body {
        EntryBody::Genesis(g) => g
            .policy
            .enforced_from
            .payment_list
            .min(g.policy.enforced_from.registration),
        _ => return Err("genesis".into()),
    };
    let (template, template_nonce) = node
        .log
        .submissions
        .iter()
        .rev()
        .find_map(|s| match &s.submission.body {
            EntryBody::HouseholdSubsidy(x)
                if matches!(x.from, Account::Treasury(c) if c.level() == ledger_core::region::RegionLevel::Town)
                    && x.date < controls_from
                    && model
                        .fund_balances(x.fund.as_str())
                        .get(&x.from.key())
                        .copied()
                        .unwrap_or(0)
                        > 1 =>
            {
                Some((x.clone(), s.submission.nonce.0))
            }
            _ => None,
        })
        .ok_or("a town-paid history subsidy whose town still holds money of its fund")?;
    let Account::Treasury(town) = template.from else {
        return Err("town".into());
    };
    let balances = model.fund_balances(template.fund.as_str());
    assert!(
        balances.get(&template.from.key()).copied().unwrap_or(0) > 1,
        "the town still holds money of the fund"
    );
    let keys = keys(node, town)?;
    let one_fen = |mut s: HouseholdSubsidy| {
        s.amount = Fen::new(1).unwrap_or(Fen::ZERO);
        EntryBody::HouseholdSubsidy(s)
    };
    let mut nonce_counter = 0u8;
    let mut nonce = || {
        nonce_counter += 1;
        let mut n = [0xA5u8; 16];
        n[0] = nonce_counter;
        n
    };

    // A valid submission (never posted) that each case breaks in one way.
    let valid = submission(&origin, nonce(), later, one_fen(template.clone()), &[&keys.town_op]);
    let mut cases: Vec<(&str, StatusCode, Answer)> = Vec::new();

    let mut bad_sig = valid.clone();
    bad_sig.signatures[0].signature.0[5] ^= 1;
    cases.push((
        "bad_signature",
        StatusCode::UNAUTHORIZED,
        post_json(app, &[bad_sig]).await?,
    ));

    // Issue 11: a signature by the granted town operator whose R is the
    // identity encoded with y = p + 1. Valid under ZIP-215 (replay's rule),
    // refused by RFC 8032 verifiers: the write path refuses it with its own code.
    let mut non_canonical = valid.clone();
    let message = non_canonical.submission.signing_message();
    non_canonical.signatures[0].signature = ledger_core::signature_rule::crafted::identity_r(&keys.town_op, &message);
    assert!(non_canonical.clone().verify().is_ok(), "replay's rule accepts it");
    cases.push((
        "non_canonical_signature",
        StatusCode::UNAUTHORIZED,
        post_json(app, &[non_canonical]).await?,
    ));

    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let s = submission(&origin, nonce(), later, one_fen(template.clone()), &[&stranger]);
    cases.push(("unknown_key", StatusCode::FORBIDDEN, post_json(app, &[s]).await?));

    // The rotated town operator, after its revocation.
    let revoked_town = node
        .log
        .operators
        .iter()
        .find(|o| o.revoked_at_seq.is_some())
        .and_then(|o| o.grant.scope.regions.first().copied())
        .ok_or("revoked scope")?;
    let revoked_template = node
        .log
        .submissions
        .iter()
        .rev()
        .find_map(|s| match &s.submission.body {
            EntryBody::HouseholdSubsidy(x) if x.from == Account::Treasury(revoked_town) => Some(x.clone()),
            _ => None,
        })
        .ok_or("a subsidy of the rotated town")?;
    let s = submission(&origin, nonce(), later, one_fen(revoked_template), &[&keys.revoked]);
    cases.push(("revoked_key", StatusCode::FORBIDDEN, post_json(app, &[s]).await?));

    let s = submission(
        &origin,
        nonce(),
        later,
        one_fen(template.clone()),
        &[&keys.other_town_op],
    );
    cases.push(("out_of_scope", StatusCode::FORBIDDEN, post_json(app, &[s]).await?));

    // A fund issue of 2,000,000 元 needs two signatures.
    let issue = EntryBody::FundIssue(FundIssue {
        fund: Ident::new("F2099-TEST-001")?,
        title: Text::new("测试资金")?,
        document_no: Text::new("测〔2099〕1号")?,
        source: ledger_core::entry::FundSource::District,
        category: ledger_core::entry::FundCategory::Other,
        fiscal_year: 2099,
        to: Account::Treasury(*model.district()),
        amount: Fen::new(200_000_000)?,
        date: ledger_core::ids::Date::new(20200110)?,
    });
    let s = submission(&origin, nonce(), later, issue, &[&keys.district_op]);
    cases.push((
        "missing_cosignature",
        StatusCode::FORBIDDEN,
        post_json(app, &[s]).await?,
    ));

    let s = submission(
        &origin,
        template_nonce,
        later,
        one_fen(template.clone()),
        &[&keys.town_op],
    );
    cases.push(("replayed_nonce", StatusCode::CONFLICT, post_json(app, &[s]).await?));

    let s = submission(
        &origin,
        nonce(),
        now_ms() - 60_000,
        one_fen(template.clone()),
        &[&keys.town_op],
    );
    cases.push(("expired", StatusCode::UNPROCESSABLE_ENTITY, post_json(app, &[s]).await?));

    let s = submission(
        "other.example/log",
        nonce(),
        later,
        one_fen(template.clone()),
        &[&keys.town_op],
    );
    cases.push((
        "wrong_origin",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    let mut huge = template.clone();
    huge.amount = Fen::new(ledger_core::amount::MAX_ENTRY_FEN)?;
    let s = submission(
        &origin,
        nonce(),
        later,
        EntryBody::HouseholdSubsidy(huge),
        &[&keys.town_op],
    );
    cases.push((
        "overdraft",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    let disbursement = EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund: template.fund.clone(),
        project: Ident::new("NO-SUCH-PROJECT")?,
        from: Account::Treasury(town),
        payee: Payee {
            id: Ident::new("91320803MA0000000X")?,
            name: Text::new("测试公司")?,
        },
        amount: Fen::new(1)?,
        contract_ref: Text::new("HT-1")?,
        milestone: Text::new("预付款")?,
        date: template.date,
    });
    let s = submission(&origin, nonce(), later, disbursement, &[&keys.town_op]);
    cases.push((
        "unknown_project",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    let mut elsewhere = template.clone();
    elsewhere.village = RegionCode::new(320_803_999_999)?;
    let s = submission(&origin, nonce(), later, one_fen(elsewhere), &[&keys.town_op]);
    cases.push((
        "unknown_region",
        StatusCode::UNPROCESSABLE_ENTITY,
        post_json(app, &[s]).await?,
    ));

    // malformed: not the request shape; not JSON; a record that does not decode.
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/json", br#"{"submissions": "x"}"#.to_vec()).await?,
    ));
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/json", b"{not json".to_vec()).await?,
    ));
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/json", br#"{"submissions": []}"#.to_vec()).await?,
    ));
    let mut framed = 3u32.to_le_bytes().to_vec();
    framed.extend_from_slice(&[1, 2, 3]);
    cases.push((
        "malformed",
        StatusCode::BAD_REQUEST,
        post(app, "application/octet-stream", framed).await?,
    ));
    let mut twice = valid.clone();
    twice.signatures.push(twice.signatures[0].clone());
    cases.push(("malformed", StatusCode::BAD_REQUEST, post_json(app, &[twice]).await?));

    // too_large: a body over the limit; a record over the entry limit; too many submissions.
    cases.push((
        "too_large",
        StatusCode::PAYLOAD_TOO_LARGE,
        post(app, "application/octet-stream", vec![0u8; MAX_BODY + 1]).await?,
    ));
    let record = ((ledger_core::encoding::MAX_ENCODED_BYTES + 1) as u32)
        .to_le_bytes()
        .to_vec();
    cases.push((
        "too_large",
        StatusCode::PAYLOAD_TOO_LARGE,
        post(app, "application/octet-stream", record).await?,
    ));
    let many: Vec<SignedSubmission> = (0..=MAX_BATCH).map(|_| valid.clone()).collect();
    cases.push(("too_large", StatusCode::PAYLOAD_TOO_LARGE, post_json(app, &many).await?));

    for (code, status, answer) in &cases {
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (*status, *code),
            "{code}: {}",
            answer.text()
        );
        let message = answer.json()?["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(!message.is_empty(), "{code} has a message");
        assert_schema("Error", &answer.json()?)?;
    }
    let codes: BTreeSet<&str> = cases.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(codes.len(), 14, "every write error code: {codes:?}");
    let refused = cases
        .iter()
        .find(|(c, _, _)| *c == "non_canonical_signature")
        .ok_or("case")?;
    assert_eq!(
        refused.2.json()?["error"]["message"],
        format!(
            "signature by key {} is refused for new entries: R is not the canonical encoding of a curve point; sign with a standard Ed25519 library",
            Bytes(keys.town_op.verifying_key().to_bytes())
        )
    );

    // A rule refusal carries the same facts in Chinese for the operator.
    let cosign = cases
        .iter()
        .find(|(c, _, _)| *c == "missing_cosignature")
        .ok_or("case")?;
    assert_eq!(
        cosign.2.json()?["error"]["message_zh"],
        "“资金下达”需要 2 个不同授权密钥签名，现有 1 个"
    );
    assert_eq!(
        refused.2.json()?["error"]["message_zh"],
        "签名不是标准编码（请用标准 Ed25519 库重新签名）"
    );

    // In a batch, a rejected item is reported in place and the batch answer is 200.
    let batch = vec![
        submission(
            "other.example/log",
            nonce(),
            later,
            one_fen(template.clone()),
            &[&keys.town_op],
        ),
        submission(&origin, nonce(), later, one_fen(template.clone()), &[&stranger]),
    ];
    let answer = post_json(app, &batch).await?;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json()?;
    assert_eq!((u(&json["accepted"]), u(&json["rejected"])), (0, 2));
    assert_eq!(json["results"][0]["error"]["code"], "wrong_origin");
    assert_eq!(json["results"][1]["error"]["code"], "unknown_key");

    // Nothing was recorded.
    assert_eq!(u(&get_json(app, "/v1/log").await?["size"]), size_before);
    Ok(())
}

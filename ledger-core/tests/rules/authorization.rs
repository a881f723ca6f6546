//! Signatures and authorisation: who may sign what, replay, expiry, origin,
//! scope, revocation, cosignatures and key grants.

use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{Account, EntryBody, FundCategory, FundIssue, FundSource};
use ledger_core::rules::RuleError;
use ledger_core::submission::{
    verify_batch_each, EntrySignature, SignedSubmission, Submission, SubmissionError, SUBMISSION_VERSION,
};
use ledger_demo as demo;

use crate::support::*;

#[test]
fn tampered_byte_fails_the_signature() {
    let m = town_money(0);
    let signed = sign(subsidy(m.town, m.village, &m.fund, 10_000), 1, &[&m.op.key]);
    let mut bytes = signed.encode();
    // Flip a bit of the nonce: still canonical bytes, no longer what was signed.
    let at = bytes
        .windows(16)
        .position(|w| w == [1u8; 16])
        .unwrap_or_else(|| panic!("nonce in the bytes"));
    bytes[at + 3] ^= 0x01;
    let decoded = SignedSubmission::decode(&bytes).unwrap_or_else(|e| panic!("still decodes: {e}"));
    let key = Bytes(m.op.key.verifying_key().to_bytes());
    assert_eq!(decoded.verify().err(), Some(SubmissionError::BadSignature(key)));

    // The same for a tampered amount (re-encoded, signature kept).
    let mut forged = signed.clone();
    if let EntryBody::HouseholdSubsidy(s) = &mut forged.submission.body {
        s.amount = fen(1_000_000);
    }
    assert_eq!(forged.verify().err(), Some(SubmissionError::BadSignature(key)));
    assert!(signed.verify().is_ok(), "the untampered submission verifies");
}

/// A signature by `a` whose `R` is `r·B + T`, `T` of order 4: valid under the
/// cofactored (ZIP-215) equation, refused by `verify_strict`.
fn torsioned_signature(submission: &Submission, a: &curve25519_dalek::Scalar) -> SignedSubmission {
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use sha2::{Digest, Sha512};
    let public = (a * B).compress();
    let torsion = CompressedEdwardsY([0u8; 32])
        .decompress()
        .unwrap_or_else(|| panic!("y = 0 is a point"));
    assert!(torsion.is_small_order(), "y = 0 is the point of order 4");
    let r = curve25519_dalek::Scalar::from_bytes_mod_order([9u8; 32]);
    let big_r = (r * B + torsion).compress();
    let message = submission.signing_message();
    let k = curve25519_dalek::Scalar::from_hash(
        Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(public.as_bytes())
            .chain_update(&message),
    );
    let s = r + k * a;
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(big_r.as_bytes());
    signature[32..].copy_from_slice(s.as_bytes());
    SignedSubmission {
        submission: submission.clone(),
        signatures: vec![EntrySignature {
            key: Bytes(public.to_bytes()),
            signature: Bytes(signature),
        }],
    }
}

#[test]
fn batch_and_single_verification_agree_on_a_torsioned_signature() {
    // The case that made dalek's verify_batch unsafe next to verify_strict:
    // its answer on this signature depends on the batch's random coefficients.
    let m = town_money(0);
    let submission = Submission {
        v: SUBMISSION_VERSION,
        origin: demo::DEMO_ORIGIN.to_string(),
        nonce: Bytes([77; 16]),
        not_after_ms: T_MS + VALID_MS,
        body: subsidy(m.town, m.village, &m.fund, 10_000),
    };
    let a = curve25519_dalek::Scalar::from_bytes_mod_order([7u8; 32]);
    let torsioned = torsioned_signature(&submission, &a);
    let sig = &torsioned.signatures[0];
    let dalek_key = ed25519_dalek::VerifyingKey::from_bytes(sig.key.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let message = submission.signing_message();
    assert!(
        dalek_key
            .verify_strict(
                &message,
                &ed25519_dalek::Signature::from_bytes(sig.signature.as_bytes())
            )
            .is_err(),
        "verify_strict refuses a torsioned R"
    );
    // ZIP-215: one by one and in any batch, always accepted.
    assert!(torsioned.clone().verify().is_ok());
    let honest = sign(subsidy(m.town, m.village, &m.fund, 20_000), 78, &[&m.op.key]);
    for round in 0..64 {
        let results = verify_batch_each(vec![honest.clone(), torsioned.clone(), honest.clone()]);
        assert_eq!(results.len(), 3);
        assert!(results.iter().all(Result::is_ok), "round {round}: {results:?}");
    }
}

#[test]
fn a_bad_signature_in_a_batch_is_named_and_the_rest_verify() {
    let m = town_money(0);
    let key = Bytes(m.op.key.verifying_key().to_bytes());
    let good: Vec<SignedSubmission> = (0..5)
        .map(|i| {
            sign(
                subsidy(m.town, m.village, &m.fund, 10_000 + i),
                90 + i as u8,
                &[&m.op.key],
            )
        })
        .collect();
    let mut batch = good.clone();
    batch[3].signatures[0].signature.0[40] ^= 0x01;
    // Another key's valid signature over different bytes: wrong key.
    batch[1].signatures[0].key = Bytes(district(0).key.verifying_key().to_bytes());
    let results = verify_batch_each(batch);
    assert_eq!(results.len(), 5);
    for (i, r) in results.iter().enumerate() {
        match i {
            1 => assert_eq!(
                r.as_ref().err(),
                Some(&SubmissionError::BadSignature(Bytes(
                    district(0).key.verifying_key().to_bytes()
                )))
            ),
            3 => assert_eq!(r.as_ref().err(), Some(&SubmissionError::BadSignature(key))),
            _ => {
                assert_eq!(r.as_ref().map(|v| v.signed()), Ok(&good[i]), "entry {i}");
                // The id computed during verification is the submission's id.
                assert_eq!(r.as_ref().map(|v| v.id()), Ok(good[i].id()), "entry {i}");
            }
        }
    }
    // The batch that verifies at once (no one-by-one fallback) carries the ids too.
    for (verified, signed) in verify_batch_each(good.clone()).iter().zip(&good) {
        assert_eq!(verified.as_ref().map(|v| v.id()), Ok(signed.id()));
    }
    // The offline verifier's entry point does not hash ids; asked, it computes them.
    let messages = good.iter().map(|s| s.submission.signing_message()).collect();
    let offline = ledger_core::submission::verify_batch_each_with_messages(good.clone(), messages);
    for (verified, signed) in offline.iter().zip(&good) {
        assert_eq!(verified.as_ref().map(|v| v.id()), Ok(signed.id()));
    }
    // A key that is not a curve point is named as such.
    let mut not_a_point = good[0].clone();
    let off_curve = (2u8..=255)
        .map(|k| {
            let mut y = [0u8; 32];
            y[0] = k;
            y
        })
        .find(|y| curve25519_dalek::edwards::CompressedEdwardsY(*y).decompress().is_none())
        .unwrap_or_else(|| panic!("some small y is off the curve"));
    not_a_point.signatures[0].key = Bytes(off_curve);
    let results = verify_batch_each(vec![not_a_point, good[2].clone()]);
    assert!(
        matches!(results[0], Err(SubmissionError::BadKey(_))),
        "{:?}",
        results[0]
    );
    assert!(results[1].is_ok());
}

#[test]
fn key_never_granted_is_unknown() {
    let m = town_money(0);
    let stranger = SigningKey::from_bytes(&[42; 32]);
    let mut state = fx().state.clone();
    let signed = sign(subsidy(m.town, m.village, &m.fund, 10_000), 2, &[&stranger]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::UnknownKey(Bytes(stranger.verifying_key().to_bytes())),
        "unknown_key",
    );
}

#[test]
fn replayed_nonce_is_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let first = sign(
        subsidy(m.town, m.village, &m.fund, 10_000),
        3,
        &[&m.op.key, &m.cosigner.key],
    );
    ok(apply(&mut state, &first));
    // The very same submission again, and another body under the same nonce.
    assert_rule(
        apply(&mut state, &first),
        RuleError::ReplayedNonce(Bytes([3; 16])),
        "replayed_nonce",
    );
    let other = sign(subsidy(m.town, m.village, &m.fund, 20_000), 3, &[&m.op.key]);
    assert_rule(
        apply(&mut state, &other),
        RuleError::ReplayedNonce(Bytes([3; 16])),
        "replayed_nonce",
    );
    // A demo nonce replayed in a new submission.
    let demo_nonce = fx().log.submissions[5].submission.nonce;
    let replay = Submission {
        v: SUBMISSION_VERSION,
        origin: demo::DEMO_ORIGIN.into(),
        nonce: demo_nonce,
        not_after_ms: T_MS + VALID_MS,
        body: subsidy(m.town, m.village, &m.fund, 10_000),
    }
    .sign(&[&m.op.key]);
    assert_rule(
        apply(&mut state, &replay),
        RuleError::ReplayedNonce(demo_nonce),
        "replayed_nonce",
    );
}

#[test]
fn expired_and_too_long_lived_submissions_are_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let signed = sign(subsidy(m.town, m.village, &m.fund, 10_000), 4, &[&m.op.key]);
    let late = T_MS + VALID_MS + 1;
    assert_rule(
        apply_at(&mut state, &signed, late),
        RuleError::Expired {
            not_after_ms: T_MS + VALID_MS,
            now_ms: late,
        },
        "expired",
    );
    let mut long = Submission {
        v: SUBMISSION_VERSION,
        origin: demo::DEMO_ORIGIN.into(),
        nonce: Bytes([5; 16]),
        not_after_ms: T_MS + 8 * 24 * 3_600_000,
        body: subsidy(m.town, m.village, &m.fund, 10_000),
    }
    .sign(&[&m.op.key]);
    assert_rule(
        apply(&mut state, &long),
        RuleError::ValidityTooLong {
            not_after_ms: long.submission.not_after_ms,
            now_ms: T_MS,
        },
        "validity_too_long",
    );
    // Exactly at the limit is fine.
    long.submission.not_after_ms = T_MS;
    let at_limit = long.submission.clone().sign(&[&m.op.key, &m.cosigner.key]);
    ok(apply(&mut state, &at_limit));
}

#[test]
fn wrong_origin_is_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let signed = Submission {
        v: SUBMISSION_VERSION,
        origin: "another.log.example/demo".into(),
        nonce: Bytes([6; 16]),
        not_after_ms: T_MS + VALID_MS,
        body: subsidy(m.town, m.village, &m.fund, 10_000),
    }
    .sign(&[&m.op.key]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::WrongOrigin {
            expected: demo::DEMO_ORIGIN.into(),
            found: "another.log.example/demo".into(),
        },
        "wrong_origin",
    );
}

#[test]
fn town_operator_cannot_pay_from_another_town() {
    let a = town_money(0);
    let b = town_money(1);
    assert_ne!(a.town, b.town);
    let mut state = fx().state.clone();
    // A's operator pays a household of B's village out of B's treasury.
    let signed = sign(subsidy(b.town, b.village, &b.fund, 10_000), 7, &[&a.op.key]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::OutOfScope {
            key: Bytes(a.op.key.verifying_key().to_bytes()),
            kind: "household_subsidy",
            region: b.town,
        },
        "out_of_scope",
    );
    // And an operator may not sign admin entries at all, even in its own town.
    let newcomer = SigningKey::from_bytes(&[77; 32]);
    let mut grant = a.op.grant.clone();
    grant.key = Bytes(newcomer.verifying_key().to_bytes());
    let signed = sign(EntryBody::KeyGrant(grant), 8, &[&a.op.key]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::OutOfScope {
            key: Bytes(a.op.key.verifying_key().to_bytes()),
            kind: "key_grant",
            region: a.town,
        },
        "out_of_scope",
    );
}

#[test]
fn revoked_key_is_refused_from_the_next_entry_on() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let admin = &fx().log.admins[0];
    let revoke = sign(
        EntryBody::KeyRevoke {
            key: m.op.grant.key,
            reason: text("测试：经办人离岗"),
        },
        9,
        &[&admin.key],
    );
    let revoked_seq = state.size();
    ok(apply(&mut state, &revoke));
    let signed = sign(subsidy(m.town, m.village, &m.fund, 10_000), 10, &[&m.op.key]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::RevokedKey {
            key: m.op.grant.key,
            revoked_seq,
        },
        "revoked_key",
    );
    // Revoking twice is refused too.
    let again = sign(
        EntryBody::KeyRevoke {
            key: m.op.grant.key,
            reason: text("再次撤销"),
        },
        11,
        &[&admin.key],
    );
    assert_rule(
        apply(&mut state, &again),
        RuleError::RevokedKey {
            key: m.op.grant.key,
            revoked_seq,
        },
        "revoked_key",
    );
}

#[test]
fn the_demo_rotated_operator_is_revoked() {
    let f = fx();
    let old = f
        .log
        .operators
        .iter()
        .find(|o| o.revoked_at_seq.is_some())
        .unwrap_or_else(|| panic!("the demo rotates one operator"));
    let revoked_seq = old.revoked_at_seq.unwrap_or_default();
    let town = old.grant.scope.regions[0];
    let successor = f.log.town_operator(town).unwrap_or_else(|| panic!("a successor"));
    assert_ne!(successor.grant.key, old.grant.key);
    let village = f.state.regions().children(town)[0];
    // The demo's towns pass on all their early money, so the test issues a
    // small fund to the town, dated before the subsidy's business date
    // (2019-02-25, history before the demo's controls).
    let mut state = f.state.clone();
    let fund = ident("F2019-TEST-ROT");
    let issue = EntryBody::FundIssue(FundIssue {
        fund: fund.clone(),
        title: text("2019年测试资金"),
        document_no: text("淮区财〔2019〕98号"),
        source: FundSource::District,
        category: FundCategory::SpecialPoverty,
        fiscal_year: 2019,
        to: Account::Treasury(town),
        amount: fen(100_000),
        date: day(20190110),
    });
    ok(apply(&mut state, &sign(issue, 11, &[&district(0).key])));
    let by_old = sign(subsidy(town, village, &fund, 100), 12, &[&old.key]);
    assert_rule(
        apply(&mut state, &by_old),
        RuleError::RevokedKey {
            key: old.grant.key,
            revoked_seq,
        },
        "revoked_key",
    );
    let poverty_office = f
        .log
        .town_poverty_office(town)
        .unwrap_or_else(|| panic!("a town poverty office"));
    let by_new = sign(
        subsidy(town, village, &fund, 100),
        13,
        &[&successor.key, &poverty_office.key],
    );
    ok(apply(&mut state, &by_new));
}

#[test]
fn big_fund_issue_needs_a_cosignature() {
    let mut state = fx().state.clone();
    let issue = |amount_yuan: u64| {
        EntryBody::FundIssue(FundIssue {
            fund: ident("F2020-TEST-001"),
            title: text("2020年测试专项资金"),
            document_no: text("淮区财〔2020〕99号"),
            source: FundSource::District,
            category: FundCategory::SpecialPoverty,
            fiscal_year: 2020,
            to: Account::Treasury(code(demo::DISTRICT_CODE)),
            amount: fen(amount_yuan * 100),
            date: day(20201201),
        })
    };
    let alone = sign(issue(2_000_000), 14, &[&district(0).key]);
    assert_rule(
        apply(&mut state, &alone),
        RuleError::MissingCosignature {
            kind: "fund_issue",
            required: 2,
            found: 1,
        },
        "missing_cosignature",
    );
    // Below the threshold one signature is enough; above it, two distinct keys.
    let pair = sign(issue(2_000_000), 15, &[&district(0).key, &district(2).key]);
    ok(apply(&mut state, &pair));
    assert_eq!(
        state.fund(&ident("F2020-TEST-001")).map(|f| f.issued),
        Some(fen(200_000_000))
    );
    // Two signatures by the same key count once (`sign` drops the duplicate).
    let twice = sign(issue(3_000_000), 16, &[&district(0).key, &district(0).key]);
    assert_eq!(twice.signatures.len(), 1);
}

#[test]
fn duplicate_fund_is_refused() {
    let f = fx();
    let existing = f.state.funds().next().unwrap_or_else(|| panic!("funds")).id.clone();
    let mut state = f.state.clone();
    let signed = sign(
        EntryBody::FundIssue(FundIssue {
            fund: existing.clone(),
            title: text("重复下达"),
            document_no: text("淮区财〔2020〕98号"),
            source: FundSource::District,
            category: FundCategory::Other,
            fiscal_year: 2020,
            to: Account::Treasury(code(demo::DISTRICT_CODE)),
            amount: fen(100),
            date: day(20201201),
        }),
        17,
        &[&district(0).key],
    );
    assert_rule(
        apply(&mut state, &signed),
        RuleError::DuplicateFund(existing),
        "duplicate_fund",
    );
}

#[test]
fn auditor_keys_are_granted_without_kinds_and_sign_nothing() -> Result<(), Box<dyn std::error::Error>> {
    use ledger_core::keys::{KeyGrant, Role, Scope};
    use ledger_core::rules::LedgerState;
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: 5,
        target_entries: 300,
        now_ms: 1_800_000_000_000,
    })?;
    let mut state = LedgerState::new();
    let mut seq = 0u64;
    for s in &log.submissions {
        state.apply(seq, 1_800_000_000_000, &s.clone().verify()?)?;
        seq += 1;
    }
    let auditor = ed25519_dalek::SigningKey::from_bytes(&[61; 32]);
    let district = ledger_core::RegionCode::parse("320803000000")?;
    let grant = |kinds: Vec<ledger_core::entry::EntryKind>| KeyGrant {
        key: ledger_core::encoding::Bytes(auditor.verifying_key().to_bytes()),
        holder: ledger_core::ids::Text::new("淮安区审计局 审计员").unwrap_or_else(|_| unreachable!()),
        role: Role::Auditor,
        office: ledger_core::keys::Office::Auditor,
        scope: Scope {
            regions: vec![district],
            kinds,
        },
        valid_from_ms: 1_546_272_000_000,
        valid_until_ms: 4_102_415_999_999,
    };
    let submit = |body: ledger_core::entry::EntryBody, nonce: u8| ledger_core::submission::Submission {
        v: SUBMISSION_VERSION,
        origin: log.origin.clone(),
        nonce: ledger_core::encoding::Bytes([nonce; 16]),
        not_after_ms: 1_800_000_000_000 + 3_600_000,
        body,
    };
    let admins: Vec<&ed25519_dalek::SigningKey> = log.admins.iter().map(|a| &a.key).collect();
    // With a kind: refused as malformed.
    let bad = submit(
        ledger_core::entry::EntryBody::KeyGrant(grant(vec![ledger_core::entry::EntryKind::Transfer])),
        201,
    )
    .sign(&admins)
    .verify()?;
    assert_eq!(
        state.apply(seq, 1_800_000_000_000, &bad).map_err(|e| e.code()),
        Err("malformed")
    );
    // Without kinds: granted.
    let good = submit(ledger_core::entry::EntryBody::KeyGrant(grant(vec![])), 202)
        .sign(&admins)
        .verify()?;
    state.apply(seq, 1_800_000_000_000, &good)?;
    seq += 1;
    // And it may not sign a money entry (the reversal of the demo's last
    // payment, which its content rules allow).
    let last_payment = log
        .submissions
        .iter()
        .rposition(|s| {
            matches!(
                s.submission.body,
                ledger_core::entry::EntryBody::HouseholdSubsidy(_)
                    | ledger_core::entry::EntryBody::ProjectDisbursement(_)
            )
        })
        .ok_or("the demo pays someone")?;
    let reversal = submit(
        ledger_core::entry::EntryBody::Reversal(ledger_core::entry::Reversal {
            target_seq: last_payment as u64,
            reason: ledger_core::ids::Text::new("审计发现")?,
            date: day(20210110),
        }),
        203,
    )
    .sign(&[&auditor])
    .verify()?;
    assert_eq!(
        state.apply(seq, 1_800_000_000_000, &reversal).map_err(|e| e.code()),
        Err("out_of_scope")
    );
    Ok(())
}

#[test]
fn an_admin_cannot_grant_more_than_it_holds() -> Result<(), Box<dyn std::error::Error>> {
    use ledger_core::entry::{EntryBody, EntryKind};
    use ledger_core::keys::{KeyGrant, Role, Scope};
    let (log, mut state, seq) = demo_state()?;
    let admins: Vec<&ed25519_dalek::SigningKey> = log.admins.iter().map(|a| &a.key).collect();
    let new_admin = ed25519_dalek::SigningKey::from_bytes(&[71; 32]);
    let grant = |valid_until_ms: u64| -> Result<EntryBody, Box<dyn std::error::Error>> {
        Ok(EntryBody::KeyGrant(KeyGrant {
            key: ledger_core::encoding::Bytes(new_admin.verifying_key().to_bytes()),
            holder: ledger_core::ids::Text::new("区财政局 新管理员")?,
            role: Role::Admin,
            office: ledger_core::keys::Office::Admin,
            scope: Scope {
                regions: vec![ledger_core::RegionCode::parse("320803000000")?],
                kinds: vec![EntryKind::KeyGrant],
            },
            valid_from_ms: 1_546_272_000_000,
            valid_until_ms,
        }))
    };
    // Valid for longer than the granting admins' own keys: refused.
    let too_long = body_submission(&log.origin, grant(u64::MAX - 1)?, 211)
        .sign(&admins)
        .verify()?;
    assert_eq!(
        state.apply(seq, 1_800_000_000_000, &too_long).map_err(|e| e.code()),
        Err("out_of_scope")
    );
    // Within their window and kinds: granted.
    let within = body_submission(&log.origin, grant(4_000_000_000_000)?, 212)
        .sign(&admins)
        .verify()?;
    assert!(state.apply(seq, 1_800_000_000_000, &within).is_ok());
    Ok(())
}

//! The rule engine and the chain verifier against the demo ledger: one test
//! per refusal, each asserting the exact error and its stable code, and the
//! verifier naming the first bad entry of a damaged ledger.
//!
//! One file on purpose (issue 18): every test shares the demo fixture built
//! once for the binary, and each is one refusal of the same engine; split
//! files would each rebuild the fixture.

use ed25519_dalek::SigningKey;
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::{LogSigner, SignedCheckpoint};
use ledger_core::encoding::Bytes;
use ledger_core::entry::{
    Account, EntryBody, FundCategory, FundIssue, FundSource, HouseholdSubsidy, Payee, ProjectDisbursement, Reversal,
    SubsidyCategory, Transfer,
};
use ledger_core::ids::{Ident, Period, Text};
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::rules::{Effects, LedgerState, RuleError};
use ledger_core::submission::{
    verify_batch_each, EntrySignature, SignedSubmission, Submission, SubmissionError, SUBMISSION_VERSION,
};
use ledger_core::verify::{verify_ledger, VerifyFailure, VerifyOptions, VerifyReport};
use ledger_core::Fen;
use ledger_demo::{self as demo, DemoConfig, DemoLog, DemoOperator};
use std::sync::OnceLock;

/// When the demo entries are sequenced (2021-01-15 09:00 China time, after the demo's last business date).
const NOW_MS: u64 = 1_610_672_400_000;
/// When the test submissions are sequenced: after every demo entry.
const T_MS: u64 = NOW_MS + 100_000;
/// Test submissions are valid for an hour.
const VALID_MS: u64 = 3_600_000;

struct Fixture {
    log: DemoLog,
    /// The state after the whole demo log.
    state: LedgerState,
    /// The demo's sequenced entries.
    entries: Vec<Vec<u8>>,
}

/// A small demo (every kind of entry, a few hundred subsidies), replayed
/// once and shared by every test (each clones the state it mutates).
fn fx() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let config = DemoConfig {
            seed: 11,
            target_entries: 700,
            now_ms: NOW_MS,
        };
        let log = demo::generate(&config).unwrap_or_else(|e| panic!("{e}"));
        let mut state = LedgerState::new();
        for (seq, signed) in log.submissions.iter().enumerate() {
            let verified = signed.clone().verify().unwrap_or_else(|e| panic!("{seq}: {e}"));
            state
                .apply(seq as u64, NOW_MS + seq as u64, &verified)
                .unwrap_or_else(|e| panic!("demo entry {seq}: {e}"));
        }
        let entries = demo::demo_entries(&log, NOW_MS);
        Fixture { log, state, entries }
    })
}

fn sign(body: EntryBody, nonce: u8, keys: &[&SigningKey]) -> SignedSubmission {
    Submission {
        v: SUBMISSION_VERSION,
        origin: demo::DEMO_ORIGIN.to_string(),
        nonce: Bytes([nonce; 16]),
        not_after_ms: T_MS + VALID_MS,
        body,
    }
    .sign(keys)
}

/// Verify the signatures and apply at the next sequence number, at `T_MS`.
fn apply_at(state: &mut LedgerState, signed: &SignedSubmission, time_ms: u64) -> Result<Effects, RuleError> {
    let verified = signed.clone().verify().unwrap_or_else(|e| panic!("signatures: {e}"));
    state.apply(state.size(), time_ms, &verified)
}

fn apply(state: &mut LedgerState, signed: &SignedSubmission) -> Result<Effects, RuleError> {
    apply_at(state, signed, T_MS)
}

fn ok(result: Result<Effects, RuleError>) -> Effects {
    result.unwrap_or_else(|e| panic!("expected acceptance, got [{}] {e}", e.code()))
}

fn text(s: &str) -> Text {
    Text::new(s).unwrap_or_else(|e| panic!("{e}"))
}

fn ident(s: &str) -> Ident {
    Ident::new(s).unwrap_or_else(|e| panic!("{e}"))
}

fn code(c: u64) -> RegionCode {
    RegionCode::new(c).unwrap_or_else(|e| panic!("{e}"))
}

fn day(yyyymmdd: u32) -> ledger_core::ids::Date {
    ledger_core::ids::Date::new(yyyymmdd).unwrap_or_else(|e| panic!("{e}"))
}

fn fen(f: u64) -> Fen {
    Fen::new(f).unwrap_or_else(|e| panic!("{e}"))
}

/// A town finance office with money: its operator, the town's poverty
/// office (the co-signer of household subsidies), the town, one of its
/// villages, a 2019 fund it holds and the balance.
struct TownMoney {
    op: &'static DemoOperator,
    cosigner: &'static DemoOperator,
    town: RegionCode,
    village: RegionCode,
    fund: Ident,
    balance: Fen,
}

fn town_money(skip: usize) -> TownMoney {
    let f = fx();
    f.log
        .operators
        .iter()
        .filter(|o| o.revoked_at_seq.is_none() && o.grant.office == ledger_core::keys::Office::TownFinance)
        .filter_map(|op| {
            let town = *op.grant.scope.regions.first()?;
            if town.level() != RegionLevel::Town {
                return None;
            }
            let cosigner = f.log.town_poverty_office(town)?;
            let village = *f.state.regions().children(town).first()?;
            // A 2019 fund: the test subsidies are history from February
            // 2019, before the demo policy's controls (registration,
            // payment list, roles) apply; only the signature count does.
            let (fund, balance) = f
                .state
                .balances_of(&Account::Treasury(town))
                .into_iter()
                .filter(|(fund, _)| f.state.fund(fund).is_some_and(|r| r.fiscal_year == 2019))
                .max_by_key(|(_, b)| *b)?;
            Some(TownMoney {
                op,
                cosigner,
                town,
                village,
                fund,
                balance,
            })
        })
        .nth(skip)
        .unwrap_or_else(|| panic!("the demo has towns holding money"))
}

fn subsidy(from: RegionCode, village: RegionCode, fund: &Ident, amount: u64) -> EntryBody {
    let household = &fx().log.households[0];
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: fund.clone(),
        from: Account::Treasury(from),
        household: household.reference,
        masked_name: household.masked_name.clone(),
        village,
        category: SubsidyCategory::Other,
        period: Period { year: 2019, month: 2 },
        amount: fen(amount),
        // Before the demo policy's controls (2019-03-01): history.
        date: day(20190225),
        notice: None,
        supplementary: None,
    })
}

/// The district operators: finance bureau (funds), social security,
/// then the two co-signers.
fn district(i: usize) -> &'static DemoOperator {
    fx().log.district_operators()[i]
}

fn assert_rule(result: Result<Effects, RuleError>, expected: RuleError, code: &str) {
    match result {
        Ok(_) => panic!("expected [{code}] {expected}, the entry was accepted"),
        Err(e) => {
            assert_eq!(e, expected);
            assert_eq!(e.code(), code);
        }
    }
}

// ---------------------------------------------------------------------------
// Signatures and authorisation

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

// ---------------------------------------------------------------------------
// Money

#[test]
fn overdraft_is_refused_and_changes_nothing() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let account = Account::Treasury(m.town);
    let before = state.balances_of(&account);
    let size = state.size();
    let too_much = m.balance.get() + 1;
    let signed = sign(subsidy(m.town, m.village, &m.fund, too_much), 20, &[&m.op.key]);
    assert_rule(
        apply(&mut state, &signed),
        RuleError::Overdraft {
            account: account.key(),
            fund: m.fund.clone(),
            balance: m.balance.get(),
            amount: too_much,
        },
        "overdraft",
    );
    // Nothing changed: balances, size, and the nonce is still free.
    assert_eq!(state.balances_of(&account), before);
    assert_eq!(state.size(), size);
    assert!(!state.nonce_used(&Bytes([20; 16])));
    // Exactly the balance is fine, and empties the account for that fund.
    let exact = sign(
        subsidy(m.town, m.village, &m.fund, m.balance.get()),
        20,
        &[&m.op.key, &m.cosigner.key],
    );
    ok(apply(&mut state, &exact));
    assert_eq!(state.balance(&account, &m.fund), Fen::ZERO);
}

#[test]
fn unknown_project_is_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let signed = sign(
        EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: m.fund.clone(),
            project: ident("P2099-000000-99"),
            from: Account::Treasury(m.town),
            payee: Payee {
                id: ident("91320803MA1XXXXXX0"),
                name: text("淮安市测试建设工程有限公司"),
            },
            amount: fen(100),
            contract_ref: text("测试合同"),
            milestone: text("预付款"),
            date: day(20201201),
        }),
        21,
        &[&m.op.key],
    );
    assert_rule(
        apply(&mut state, &signed),
        RuleError::UnknownProject(ident("P2099-000000-99")),
        "unknown_project",
    );
}

#[test]
fn unknown_region_is_refused() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    // Syntactically a village of the town, but not in the log's region table.
    let ghost = code(m.town.get() + 999);
    let signed = sign(subsidy(m.town, ghost, &m.fund, 100), 22, &[&m.op.key]);
    let err = apply(&mut state, &signed).err();
    assert!(
        matches!(&err, Some(RuleError::UnknownRegion(msg)) if msg.contains(&ghost.to_string())),
        "{err:?}"
    );
    assert_eq!(err.map(|e| e.code()), Some("unknown_region"));
    // A town is not a village.
    let signed = sign(subsidy(m.town, m.town, &m.fund, 100), 23, &[&m.op.key]);
    assert_eq!(
        apply(&mut state, &signed).err().map(|e| e.code()),
        Some("unknown_region")
    );
}

#[test]
fn money_may_not_move_up() {
    let m = town_money(0);
    let mut state = fx().state.clone();
    let district_treasury = Account::Treasury(code(demo::DISTRICT_CODE));
    let up = sign(
        EntryBody::Transfer(Transfer {
            fund: m.fund.clone(),
            from: Account::Treasury(m.town),
            to: district_treasury.clone(),
            amount: fen(100),
            memo: text("上缴"),
            date: day(20201201),
        }),
        24,
        &[&district(0).key],
    );
    assert_rule(
        apply(&mut state, &up),
        RuleError::BadPath {
            from: Account::Treasury(m.town).key(),
            to: district_treasury.key(),
        },
        "bad_path",
    );
    // Sideways (town to town) is not down either.
    let other = town_money(1);
    let sideways = sign(
        EntryBody::Transfer(Transfer {
            fund: m.fund.clone(),
            from: Account::Treasury(m.town),
            to: Account::Treasury(other.town),
            amount: fen(100),
            memo: text("平调"),
            date: day(20201201),
        }),
        25,
        &[&district(0).key],
    );
    assert_eq!(apply(&mut state, &sideways).err().map(|e| e.code()), Some("bad_path"));
}

#[test]
fn reversal_returns_the_money_exactly_once() {
    let m = town_money(0);
    let cosigner = district(3);
    let mut state = fx().state.clone();
    let account = Account::Treasury(m.town);
    let before = state.balance(&account, &m.fund);
    let pay = sign(
        subsidy(m.town, m.village, &m.fund, 12_345),
        30,
        &[&m.op.key, &m.cosigner.key],
    );
    let paid_seq = state.size();
    ok(apply(&mut state, &pay));
    assert_eq!(state.balance(&account, &m.fund).get(), before.get() - 12_345);

    let reverse = |target_seq: u64, nonce: u8| {
        sign(
            EntryBody::Reversal(Reversal {
                target_seq,
                reason: text("误发冲正"),
                date: day(20210110),
            }),
            nonce,
            &[&m.op.key, &cosigner.key],
        )
    };
    // A reversal needs two signatures under the demo policy.
    let alone = sign(
        EntryBody::Reversal(Reversal {
            target_seq: paid_seq,
            reason: text("误发冲正"),
            date: day(20210110),
        }),
        31,
        &[&m.op.key],
    );
    assert_rule(
        apply(&mut state, &alone),
        RuleError::MissingCosignature {
            kind: "reversal",
            required: 2,
            found: 1,
        },
        "missing_cosignature",
    );
    let reversal_seq = state.size();
    ok(apply(&mut state, &reverse(paid_seq, 32)));
    assert_eq!(
        state.balance(&account, &m.fund),
        before,
        "the money is back, to the fen"
    );
    assert_eq!(state.reversed_by(paid_seq), Some(reversal_seq));

    // Double reversal, and reversal of a reversal.
    assert_rule(
        apply(&mut state, &reverse(paid_seq, 33)),
        RuleError::AlreadyReversed {
            target: paid_seq,
            by: reversal_seq,
        },
        "already_reversed",
    );
    assert_rule(
        apply(&mut state, &reverse(reversal_seq, 34)),
        RuleError::NotReversible(reversal_seq),
        "not_reversible",
    );
    // Nor can a non-money entry (genesis) or a future entry be reversed.
    assert_rule(
        apply(&mut state, &reverse(0, 35)),
        RuleError::NotReversible(0),
        "not_reversible",
    );
    assert_rule(
        apply(&mut state, &reverse(1_000_000, 36)),
        RuleError::NotReversible(1_000_000),
        "not_reversible",
    );
    assert_eq!(state.balance(&account, &m.fund), before);
}

#[test]
fn a_spent_transfer_cannot_be_reversed() {
    // District → town transfer, then the town spends it; reversing the
    // transfer would take back money the town no longer has.
    let m = town_money(0);
    let mut state = fx().state.clone();
    let issue = sign(
        EntryBody::FundIssue(FundIssue {
            fund: ident("F2020-TEST-002"),
            title: text("测试资金"),
            document_no: text("淮区财〔2020〕97号"),
            source: FundSource::District,
            category: FundCategory::Other,
            fiscal_year: 2020,
            to: Account::Treasury(code(demo::DISTRICT_CODE)),
            amount: fen(50_000),
            // February 2019, before the test subsidy (history).
            date: day(20190215),
        }),
        40,
        &[&district(0).key],
    );
    ok(apply(&mut state, &issue));
    let transfer_seq = state.size();
    let transfer = sign(
        EntryBody::Transfer(Transfer {
            fund: ident("F2020-TEST-002"),
            from: Account::Treasury(code(demo::DISTRICT_CODE)),
            to: Account::Treasury(m.town),
            amount: fen(50_000),
            memo: text("测试拨付"),
            // February 2019, before the test subsidy (history).
            date: day(20190215),
        }),
        41,
        &[&district(0).key],
    );
    ok(apply(&mut state, &transfer));
    ok(apply(
        &mut state,
        &sign(
            subsidy(m.town, m.village, &ident("F2020-TEST-002"), 1),
            42,
            &[&m.op.key, &m.cosigner.key],
        ),
    ));
    let reverse = sign(
        EntryBody::Reversal(Reversal {
            target_seq: transfer_seq,
            reason: text("拨付冲正"),
            date: day(20210110),
        }),
        43,
        &[&district(0).key, &district(2).key],
    );
    assert_rule(
        apply(&mut state, &reverse),
        RuleError::Overdraft {
            account: Account::Treasury(m.town).key(),
            fund: ident("F2020-TEST-002"),
            balance: 49_999,
            amount: 50_000,
        },
        "overdraft",
    );
}

// ---------------------------------------------------------------------------
// The chain verifier

fn checkpoint(entries: &[Vec<u8>], size: usize, key: &SigningKey) -> SignedCheckpoint {
    let leaves: Vec<_> = entries[..size].iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaves(&leaves);
    LogSigner::new(demo::DEMO_ORIGIN, key.clone())
        .unwrap_or_else(|e| panic!("{e}"))
        .sign_checkpoint(size as u64, &tree.root())
}

fn verify(entries: &[Vec<u8>], note: &[u8], old: Option<&SignedCheckpoint>) -> Result<VerifyReport, VerifyFailure> {
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    let options = VerifyOptions {
        old_checkpoint: old.map(SignedCheckpoint::to_bytes),
        ..VerifyOptions::default()
    };
    verify_ledger(&refs, note, &options, &|_| {})
}

fn failure(result: Result<VerifyReport, VerifyFailure>) -> VerifyFailure {
    match result {
        Ok(report) => panic!("a damaged ledger of {} entries verified", report.entries),
        Err(f) => f,
    }
}

/// The position of the first demo entry of a kind after `after`.
fn first_of(kind: &str, after: usize) -> usize {
    fx().log
        .submissions
        .iter()
        .enumerate()
        .skip(after)
        .find(|(_, s)| s.submission.body.kind().name() == kind)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn clean_demo_ledger_verifies() {
    let f = fx();
    let n = f.entries.len();
    let cp = checkpoint(&f.entries, n, &f.log.log_key);
    let older = checkpoint(&f.entries, n / 2, &f.log.log_key);
    let report = verify(&f.entries, cp.as_bytes(), Some(&older)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.entries, n as u64);
    assert_eq!(report.origin, demo::DEMO_ORIGIN);
    assert_eq!(Some(report.log_vkey.as_str()), f.log.log_vkey());
    assert_eq!(report.root, *cp.root());
    assert_eq!(report.consistent_with_size, Some((n / 2) as u64));
    let expected_signatures: usize = f.log.submissions.iter().map(|s| s.signatures.len()).sum();
    assert_eq!(report.signatures, expected_signatures as u64);
    assert_eq!(report.state.size(), f.state.size());
}

#[test]
fn flipped_byte_names_the_entry() {
    let f = fx();
    let n = f.entries.len();
    let k = first_of("household_subsidy", 100);
    let decoded = SequencedEntry::decode(&f.entries[k]).unwrap_or_else(|e| panic!("{e}"));

    // Inside the signed submission (a nonce byte): the signature fails at k.
    let mut entries = f.entries.clone();
    let nonce = decoded.entry.signed.submission.nonce.0;
    let at = entries[k]
        .windows(16)
        .position(|w| w == nonce)
        .unwrap_or_else(|| panic!("nonce"));
    entries[k][at] ^= 0x80;
    let cp = checkpoint(&entries, n, &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "signature"), "{fail}");

    // In the link (a prev_hash byte): the link fails at k.
    let mut entries = f.entries.clone();
    let prev = decoded.entry.prev_hash.0;
    let at = entries[k]
        .windows(32)
        .position(|w| w == prev)
        .unwrap_or_else(|| panic!("prev_hash"));
    entries[k][at + 31] ^= 0x01;
    let cp = checkpoint(&entries, n, &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "link"), "{fail}");

    // Checked against the clean ledger's checkpoint (what an auditor holds),
    // the damaged entry is still the one named.
    let clean_cp = checkpoint(&f.entries, n, &f.log.log_key);
    let mut entries = f.entries.clone();
    entries[k][at] ^= 0x01;
    let fail = failure(verify(&entries, clean_cp.as_bytes(), None));
    assert_eq!(fail.seq, Some(k as u64), "{fail}");

    // A byte that makes the entry non-canonical (a trailing byte): decode.
    let mut entries = f.entries.clone();
    entries[k].push(0);
    let fail = failure(verify(&entries, clean_cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "decode"), "{fail}");
}

#[test]
fn dropped_entry_names_the_gap() {
    let f = fx();
    let k = 200;
    let mut entries = f.entries.clone();
    entries.remove(k);
    let cp = checkpoint(&entries, entries.len(), &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "link"), "{fail}");
    assert!(fail.message.contains(&format!("claims sequence {}", k + 1)), "{fail}");
}

#[test]
fn swapped_entries_are_caught() {
    let f = fx();
    let k = 300;
    let mut entries = f.entries.clone();
    entries.swap(k, k + 1);
    let cp = checkpoint(&entries, entries.len(), &f.log.log_key);
    let fail = failure(verify(&entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (Some(k as u64), "link"), "{fail}");
}

#[test]
fn checkpoint_signed_by_another_key_is_refused() {
    let f = fx();
    let impostor = SigningKey::from_bytes(&[9; 32]);
    let cp = checkpoint(&f.entries, f.entries.len(), &impostor);
    let fail = failure(verify(&f.entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (None, "checkpoint"), "{fail}");
    // A byte changed in a correctly signed checkpoint (the size line).
    let good = checkpoint(&f.entries, f.entries.len(), &f.log.log_key);
    let text = good.as_text().replacen(
        &format!("\n{}\n", f.entries.len()),
        &format!("\n{}\n", f.entries.len() + 1),
        1,
    );
    let fail = failure(verify(&f.entries, text.as_bytes(), None));
    assert_eq!(fail.code, "checkpoint", "{fail}");
}

#[test]
fn checkpoint_root_must_match_the_entries() {
    let f = fx();
    let n = f.entries.len();
    // Correctly signed, right size, but the root of other entries.
    let leaves: Vec<_> = f.entries[..n - 1].iter().map(|e| leaf_hash(e)).collect();
    let wrong_root = MemoryTree::from_leaves(&leaves).root();
    let signer = LogSigner::new(demo::DEMO_ORIGIN, f.log.log_key.clone()).unwrap_or_else(|e| panic!("{e}"));
    let cp = signer.sign_checkpoint(n as u64, &wrong_root);
    let fail = failure(verify(&f.entries, cp.as_bytes(), None));
    assert_eq!((fail.seq, fail.code), (None, "root_mismatch"), "{fail}");
    // And a checkpoint of another size.
    let short = checkpoint(&f.entries, n - 1, &f.log.log_key);
    let fail = failure(verify(&f.entries, short.as_bytes(), None));
    assert_eq!(fail.code, "size_mismatch", "{fail}");
}

/// The signing keys of the demo, by public key.
fn key_of(public: &Bytes<32>) -> &'static SigningKey {
    let log = &fx().log;
    log.admins
        .iter()
        .chain(log.operators.iter())
        .find(|o| o.grant.key == *public)
        .map(|o| &o.key)
        .unwrap_or_else(|| panic!("a demo key"))
}

#[test]
fn rewritten_history_is_a_fork_against_a_saved_checkpoint() {
    let f = fx();
    let n = f.entries.len();
    // An auditor saved the checkpoint at size n - 100.
    let saved = checkpoint(&f.entries, n - 100, &f.log.log_key);
    // Later the log presents a history in which an earlier payment was
    // quietly lowered by 1 fen — re-signed by the same operator, re-chained,
    // valid under every rule, and with a correctly signed checkpoint.
    let k = first_of("household_subsidy", n - 300);
    let mut rewritten = f.log.clone();
    let original = rewritten.submissions[k].clone();
    let mut submission = original.submission.clone();
    if let EntryBody::HouseholdSubsidy(s) = &mut submission.body {
        s.amount = fen(s.amount.get() - 1);
    }
    let keys: Vec<&SigningKey> = original.signatures.iter().map(|s| key_of(&s.key)).collect();
    rewritten.submissions[k] = submission.sign(&keys);
    let entries = demo::demo_entries(&rewritten, NOW_MS);
    assert_eq!(entries[..k], f.entries[..k], "the prefix is shared");
    let cp = checkpoint(&entries, n, &f.log.log_key);
    // On its own, the rewritten ledger is perfectly valid ...
    assert!(verify(&entries, cp.as_bytes(), None).is_ok());
    // ... but not an extension of what the auditor saw.
    let fail = failure(verify(&entries, cp.as_bytes(), Some(&saved)));
    assert_eq!(fail.code, "fork", "{fail}");
    let evidence = fail.fork.unwrap_or_else(|| panic!("fork evidence"));
    assert_eq!(evidence.a, saved.to_bytes());
    assert_eq!(evidence.b, cp.to_bytes());

    // A truncated history (a rollback below the saved size) is a fork too.
    let truncated = &f.entries[..n - 150];
    let cp = checkpoint(truncated, truncated.len(), &f.log.log_key);
    let fail = failure(verify(truncated, cp.as_bytes(), Some(&saved)));
    assert_eq!(fail.code, "fork", "{fail}");
    assert!(fail.fork.is_some());
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

/// A replayed demo state and a helper to sign bodies for it.
fn demo_state() -> Result<(ledger_demo::DemoLog, ledger_core::rules::LedgerState, u64), Box<dyn std::error::Error>> {
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: 5,
        target_entries: 300,
        now_ms: 1_800_000_000_000,
    })?;
    let mut state = ledger_core::rules::LedgerState::new();
    let mut seq = 0u64;
    for s in &log.submissions {
        state.apply(seq, 1_800_000_000_000, &s.clone().verify()?)?;
        seq += 1;
    }
    Ok((log, state, seq))
}

fn body_submission(
    origin: &str,
    body: ledger_core::entry::EntryBody,
    nonce: u8,
) -> ledger_core::submission::Submission {
    ledger_core::submission::Submission {
        v: SUBMISSION_VERSION,
        origin: origin.to_string(),
        nonce: ledger_core::encoding::Bytes([nonce; 16]),
        not_after_ms: 1_800_000_000_000 + 3_600_000,
        body,
    }
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

#[test]
fn a_resident_id_is_never_accepted_as_a_payee_id() -> Result<(), Box<dyn std::error::Error>> {
    use ledger_core::entry::{Account, EntryBody, Payee, ProjectDisbursement};
    let (log, mut state, seq) = demo_state()?;
    let project = state.projects().next().ok_or("no project")?.clone();
    let fund = state.funds().next().ok_or("no fund")?.id.clone();
    let operator = log
        .district_operators()
        .first()
        .map(|o| o.key.clone())
        .ok_or("no operator")?;
    let body = EntryBody::ProjectDisbursement(ProjectDisbursement {
        fund,
        project: project.id.clone(),
        from: Account::Project(project.id.clone()),
        payee: Payee {
            id: ledger_core::ids::Ident::new("11010519491231002X")?,
            name: ledger_core::ids::Text::new("张小三")?,
        },
        amount: ledger_core::Fen::new(100)?,
        contract_ref: ledger_core::ids::Text::new("HT-1")?,
        milestone: ledger_core::ids::Text::new("进度款")?,
        date: day(20201201),
    });
    let submission = body_submission(&log.origin, body, 213).sign(&[&operator]).verify()?;
    let err = state
        .apply(seq, 1_800_000_000_000, &submission)
        .err()
        .ok_or("accepted a resident ID as payee")?;
    assert_eq!(err.code(), "malformed");
    assert!(err.to_string().contains("resident ID"), "{err}");
    Ok(())
}

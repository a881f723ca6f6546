//! `ledger audit` on a ledger built for it: planted duplicate payments, an
//! overdraft covered by a reversal, idle funds, a payment above the standard,
//! one person holding admin and money keys, a superseded key still signing,
//! and a crafted (ZIP-215-valid, not strict) signature. Every planted
//! finding is found, with the right entries. Business dates are the
//! sequencing days, and every control of the policy starts after the last
//! of them: the subsidies are pre-rule history, which the audit reports.

mod common;

use common::{checkpoint, ok, resident_id, sequence, write_bundle};
use ed25519_dalek::SigningKey;
use ledger_core::amount::Fen;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{
    Account, EntryBody, EntryKind, FundCategory, FundIssue, FundSource, Genesis, HouseholdSubsidy, Reversal,
    SubsidyCategory, Transfer,
};
use ledger_core::household::{MaskedName, PseudonymKey, ResidentId};
use ledger_core::ids::{Date, Ident, Period, Text};
use ledger_core::keys::{verifier_key_string, KeyGrant, Office, Role, Scope};
use ledger_core::policy::{CategoryRule, ControlDates, FundLimits, Policy, PublicityDays};
use ledger_core::procedure::AssistanceCategory;
use ledger_core::region::{RegionCode, RegionDef};
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};

const ORIGIN: &str = "audit.fixture.example/ledger";
const T0: u64 = 1_546_272_000_000; // 2019-01-01 00:00 Beijing
const DAY: u64 = 24 * 3600 * 1000;
const HOUR: u64 = 3600 * 1000;

fn code(c: &str) -> RegionCode {
    RegionCode::parse(c).expect("code")
}
fn text(t: &str) -> Text {
    Text::new(t).expect("text")
}
fn fen(yuan: u64) -> Fen {
    Fen::new(yuan * 100).expect("fen")
}
fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}
fn public(k: &SigningKey) -> Bytes<32> {
    Bytes(k.verifying_key().to_bytes())
}

fn grant(k: &SigningKey, holder: &str, role: Role, region: &str) -> KeyGrant {
    let kinds = match role {
        Role::Admin => vec![
            EntryKind::KeyGrant,
            EntryKind::KeyRevoke,
            EntryKind::RegionRegister,
            EntryKind::PolicyUpdate,
        ],
        _ => vec![
            EntryKind::FundIssue,
            EntryKind::Transfer,
            EntryKind::ProjectRegister,
            EntryKind::ProjectDisbursement,
            EntryKind::HouseholdSubsidy,
            EntryKind::Reversal,
        ],
    };
    KeyGrant {
        key: public(k),
        holder: text(holder),
        role,
        office: match role {
            Role::Admin => Office::Admin,
            Role::Auditor => Office::Auditor,
            Role::Operator => Office::TownFinance,
        },
        scope: Scope {
            regions: vec![code(region)],
            kinds,
        },
        valid_from_ms: T0 - DAY,
        valid_until_ms: T0 + 3_000 * DAY,
    }
}

struct Builder {
    subs: Vec<(SignedSubmission, u64)>,
    pseudonym: PseudonymKey,
}

impl Builder {
    fn add(&mut self, time: u64, mut body: EntryBody, signers: &[&SigningKey]) -> u64 {
        // The business date is the sequencing day (China time).
        let day = Date::in_china_at(time).expect("date");
        match &mut body {
            EntryBody::FundIssue(e) => e.date = day,
            EntryBody::Transfer(e) => e.date = day,
            EntryBody::HouseholdSubsidy(e) => e.date = day,
            EntryBody::Reversal(e) => e.date = day,
            _ => {}
        }
        let n = self.subs.len() as u64;
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&n.to_le_bytes());
        let s = Submission {
            v: SUBMISSION_VERSION,
            origin: ORIGIN.into(),
            nonce: Bytes(nonce),
            not_after_ms: time + DAY,
            body,
        };
        self.subs.push((s.sign(signers), time));
        n
    }
    fn subsidy(&self, serial: u16, name: &str, village: &str, from: &str, month: u8, yuan: u64) -> EntryBody {
        let id = ResidentId::parse(&resident_id("19700101", serial)).expect("id");
        EntryBody::HouseholdSubsidy(HouseholdSubsidy {
            fund: Ident::new("F1").expect("id"),
            from: Account::Treasury(code(from)),
            household: self.pseudonym.household_ref(&id),
            masked_name: MaskedName::mask(name).expect("name"),
            village: code(village),
            category: SubsidyCategory::MinimumLiving,
            period: Period::new(2019, month).expect("period"),
            amount: fen(yuan),
            date: Date::LAST, // set by `add`
            notice: None,
            supplementary: None,
        })
    }
}

/// No co-signatures; every control starts after the ledger's last date.
fn policy() -> Policy {
    let later = Date::new(20300101).expect("date");
    Policy {
        cosign_rules: Vec::new(),
        publicity_days: PublicityDays::DEFAULT,
        categories: vec![CategoryRule {
            category: AssistanceCategory::MinimumLiving,
            subsidies: vec![SubsidyCategory::MinimumLiving],
            ends_with_exit: false,
        }],
        confirmation_days: 30,
        enforced_from: ControlDates {
            registration: later,
            payment_list: later,
            roles: later,
            confirmation: later,
            projects: Date::LAST,
            duplicates: Date::LAST,
        },
        retention_bp: 0,
        fund_limits: FundLimits::DEFAULT,
    }
}

fn transfer(from: &str, to: &str, yuan: u64) -> EntryBody {
    EntryBody::Transfer(Transfer {
        fund: Ident::new("F1").expect("id"),
        from: Account::Treasury(code(from)),
        to: Account::Treasury(code(to)),
        amount: fen(yuan),
        memo: text("拨付"),
        date: Date::LAST, // set by `add`
    })
}

#[test]
fn audit_finds_what_was_planted() {
    let (district, town1, town2) = ("320803000000", "320803001000", "320803002000");
    let (v1, v2, v3) = ("320803001001", "320803001002", "320803002001");
    let log_key = key(1);
    let (admin1, admin2) = (key(2), key(3));
    let (op_district, op_town, op_twin, op_town_new) = (key(4), key(5), key(6), key(7));
    let pseudonym = PseudonymKey::from_bytes([9; 32]);
    let regions = vec![
        RegionDef {
            code: code(district),
            name: "淮安区".into(),
        },
        RegionDef {
            code: code(town1),
            name: "一号镇".into(),
        },
        RegionDef {
            code: code(v1),
            name: "东村村委会".into(),
        },
        RegionDef {
            code: code(v2),
            name: "西村村委会".into(),
        },
        RegionDef {
            code: code(town2),
            name: "二号镇".into(),
        },
        RegionDef {
            code: code(v3),
            name: "南村村委会".into(),
        },
    ];
    let mut b = Builder {
        subs: Vec::new(),
        pseudonym: pseudonym.clone(),
    };
    let genesis = EntryBody::Genesis(Genesis {
        title: text("审计测试账本"),
        grants: vec![
            grant(&admin1, "区财政局 李*明", Role::Admin, district),
            grant(&admin2, "区纪委监委 周*", Role::Admin, district),
        ],
        regions,
        policy: policy(),
        pseudonym_commitment: pseudonym.commitment(),
        log_vkey: verifier_key_string(ORIGIN, &log_key.verifying_key()),
    });
    b.add(T0, genesis, &[&admin1]);
    b.add(
        T0 + 60_000,
        EntryBody::KeyGrant(grant(&op_district, "区财政局农业科 陈*", Role::Operator, district)),
        &[&admin1],
    );
    b.add(
        T0 + 60_000,
        EntryBody::KeyGrant(grant(&op_town, "一号镇财政所 赵*", Role::Operator, town1)),
        &[&admin1],
    );
    // The admin 李*明 also gets an operator key (granted by the other admin).
    let twin_grant = b.add(
        T0 + 60_000,
        EntryBody::KeyGrant(grant(&op_twin, "区财政局 李*明", Role::Operator, district)),
        &[&admin2],
    );
    b.add(
        T0 + DAY,
        EntryBody::FundIssue(FundIssue {
            fund: Ident::new("F1").expect("id"),
            title: text("2019年困难群众救助补助资金"),
            document_no: text("苏财社〔2019〕31号"),
            source: FundSource::Provincial,
            category: FundCategory::SocialSecurity,
            fiscal_year: 2019,
            to: Account::Treasury(code(district)),
            amount: fen(100_000),
            date: Date::LAST, // set by `add`
        }),
        &[&op_district],
    );
    b.add(T0 + DAY, transfer(district, town1, 20_000), &[&op_district]);
    let idle_transfer = b.add(T0 + 2 * DAY, transfer(district, town2, 30_000), &[&op_district]);
    b.add(T0 + 3 * DAY, transfer(town1, v2, 1_000), &[&op_town]);
    // Duplicate payment: same household, category and period, twice.
    let dup1 = b.add(T0 + 60 * DAY, b.subsidy(1, "张小三", v1, town1, 3, 500), &[&op_town]);
    let dup2 = b.add(T0 + 61 * DAY, b.subsidy(1, "张小三", v1, town1, 3, 500), &[&op_town]);
    // The village pays its whole allocation to one household, reverses it within
    // the hour, and pays another household with the returned money.
    let paid = b.add(T0 + 62 * DAY, b.subsidy(2, "李四", v2, v2, 4, 1_000), &[&op_town]);
    let reversed = b.add(
        T0 + 62 * DAY + HOUR,
        EntryBody::Reversal(Reversal {
            target_seq: paid,
            reason: text("录入错误"),
            date: Date::LAST, // set by `add`
        }),
        &[&op_town, &op_district],
    );
    let repaid = b.add(
        T0 + 62 * DAY + 2 * HOUR,
        b.subsidy(3, "王五", v2, v2, 4, 800),
        &[&op_town],
    );
    // The admin's twin key pays a household.
    let twin_paid = b.add(T0 + 70 * DAY, b.subsidy(4, "赵六", v1, district, 5, 300), &[&op_twin]);
    // Above the monthly standard (3,000).
    let above = b.add(T0 + 80 * DAY, b.subsidy(5, "钱七", v1, town1, 6, 4_500), &[&op_town]);
    // 一号镇财政所 赵* gets a new key; the old one keeps signing.
    let newer = b.add(
        T0 + 100 * DAY,
        EntryBody::KeyGrant(grant(&op_town_new, "一号镇财政所 赵*", Role::Operator, town1)),
        &[&admin1],
    );
    let old_signed = b.add(T0 + 101 * DAY, b.subsidy(6, "孙八", v1, town1, 7, 400), &[&op_town]);
    // The district operator signs one transfer with a crafted signature
    // (R = r·B + a point of order 8): valid under ZIP-215, so the chain
    // verifies, but strict verifiers refuse it.
    let crafted = b.add(T0 + 102 * DAY, transfer(district, town1, 100), &[&op_district]);
    {
        let (signed, _) = &mut b.subs[crafted as usize];
        let message = signed.submission.signing_message();
        signed.signatures[0].signature = ledger_core::signature_rule::crafted::mixed_order_r(&op_district, &message);
    }
    // A year later the district still moves money: 二号镇's allocation sat idle all along.
    b.add(T0 + 400 * DAY, transfer(district, town1, 1_000), &[&op_district]);

    let entries = sequence(&b.subs);
    let note = checkpoint(ORIGIN, &log_key, &entries, entries.len() as u64);
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("fixture.bundle");
    let vkey = verifier_key_string(ORIGIN, &log_key.verifying_key());
    write_bundle(&bundle, ORIGIN, &vkey, &entries, &note);
    let bundle = bundle.display().to_string();
    ok(&["verify", &bundle, "--log-key", &vkey]);

    let json = ok(&["audit", &bundle, "--format", "json", "--log-key", &vkey]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    let findings = doc["report"]["findings"].as_array().expect("findings").clone();
    let find = |rule: &str, seqs: &[u64]| -> serde_json::Value {
        findings
            .iter()
            .find(|f| {
                f["rule"] == rule
                    && seqs.iter().all(|s| {
                        f["entries"]
                            .as_array()
                            .map(|e| e.iter().any(|x| x.as_u64() == Some(*s)))
                            .unwrap_or(false)
                    })
            })
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "no {rule} finding naming {seqs:?} in {}",
                    serde_json::to_string_pretty(&findings).unwrap_or_default()
                )
            })
    };
    let dup = find("duplicate_payment", &[dup1, dup2]);
    assert_eq!(dup["severity"], "high");
    assert!(
        dup["explanation_zh"].as_str().unwrap_or("").contains("重复")
            || dup["explanation_zh"].as_str().unwrap_or("").contains("2次")
    );
    assert!(
        dup["explanation_en"].as_str().unwrap_or("").contains("2 times"),
        "{dup}"
    );
    let rev = find("reversed_soon", &[paid, reversed, repaid]);
    assert_eq!(rev["severity"], "high");
    assert!(
        rev["explanation_en"].as_str().unwrap_or("").contains("overdrawn"),
        "{rev}"
    );
    let idle = find("idle_funds", &[idle_transfer]);
    assert_eq!(idle["region"], town2);
    assert_eq!(idle["amount"], 3_000_000);
    let twin = find("signer_anomaly", &[twin_grant, twin_paid]);
    assert!(
        twin["explanation_en"]
            .as_str()
            .unwrap_or("")
            .contains("separation of duties"),
        "{twin}"
    );
    let stale = find("signer_anomaly", &[newer, old_signed]);
    assert!(
        stale["explanation_en"].as_str().unwrap_or("").contains("new key"),
        "{stale}"
    );
    // The crafted signature is named, with its key and holder (holders are
    // compared, and shown, without spaces); no honest one is.
    let non_strict: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "non_strict_signature")
        .collect();
    assert_eq!(non_strict.len(), 1, "{non_strict:?}");
    assert_eq!(non_strict[0]["severity"], "high");
    assert_eq!(non_strict[0]["entries"], serde_json::json!([crafted]));
    let zh = non_strict[0]["explanation_zh"].as_str().unwrap_or("");
    assert!(
        zh.contains(&public(&op_district).to_hex())
            && zh.contains("区财政局农业科陈*")
            && zh.contains(&format!("#{crafted}")),
        "{zh}"
    );
    // Pre-rule history: the households were never registered, the payments
    // never publicised nor confirmed (the controls start in 2030).
    let unregistered = find("paid_unregistered", &[dup1]);
    assert_eq!(unregistered["severity"], "high");
    assert!(
        unregistered["explanation_zh"]
            .as_str()
            .unwrap_or("")
            .contains("建档立卡控制实施日2030-01-01"),
        "{unregistered}"
    );
    find("paid_without_notice", &[dup2]);
    let unconfirmed = find("unconfirmed_payment", &[dup1]);
    assert_eq!(unconfirmed["severity"], "low", "{unconfirmed}");
    assert_eq!(doc["report"]["as_of_date"], 20200205);
    let std_finding = find("above_standard", &[above]);
    assert_eq!(std_finding["severity"], "medium");
    // Nothing else: the village that received 1,000 and paid 800 is not retaining money.
    assert!(
        findings.iter().all(|f| f["rule"] != "village_retention"),
        "{findings:?}"
    );

    // Summary per town and village carries the findings.
    let regions = doc["report"]["regions"].as_array().expect("regions");
    let town1_row = regions.iter().find(|r| r["code"] == town1).expect("town row");
    assert!(town1_row["high"].as_u64().unwrap_or(0) >= 2, "{town1_row}");

    // Table and CSV forms; --fail-on exits 1; a custom standard removes the above-standard finding.
    let table = ok(&["audit", &bundle]);
    if std::env::var("SHOW").is_ok() {
        eprintln!("{table}");
    }
    assert!(
        table.contains("重复发放") && table.contains("资金闲置") && table.contains("二号镇"),
        "{table}"
    );
    let csv = ok(&["audit", &bundle, "--format", "csv", "--lang", "en"]);
    assert!(csv.lines().count() > findings.len(), "{csv}");
    let (code, _, err) = common::run(&["audit", &bundle, "--fail-on", "high"]);
    assert_eq!(code, 1, "{err}");
    let standards = dir.path().join("standards.json");
    std::fs::write(
        &standards,
        r#"{"最低生活保障": {"per_month": "5000", "per_year": "60000"}}"#,
    )
    .expect("write");
    let json = ok(&[
        "audit",
        &bundle,
        "--format",
        "json",
        "--standards",
        &standards.display().to_string(),
    ]);
    let custom: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(
        custom["report"]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["rule"] != "above_standard"),
        "{json}"
    );

    // 资金滞留 per account and fund, on the last business date or on
    // `--as-of`: each row's age counts to that day.
    let idle_rows = doc["report"]["idle_money"].as_array().expect("idle_money");
    assert!(!idle_rows.is_empty(), "{doc}");
    let as_of_json = ok(&["audit", &bundle, "--format", "json", "--as-of", "2020-06-30"]);
    let later: serde_json::Value = serde_json::from_str(&as_of_json).expect("json");
    assert_eq!(later["report"]["as_of_date"], 20200630);
    assert_eq!(later["config"]["as_of"], 20200630);
    for row in later["report"]["idle_money"].as_array().expect("idle_money") {
        let since = Date::new(row["since"].as_u64().expect("since") as u32).expect("date");
        let as_of = Date::new(20200630).expect("date");
        assert_eq!(row["days"].as_i64(), Some(since.days_until(as_of)), "{row}");
        assert!(row["days"].as_i64() > row["limit_days"].as_i64(), "{row}");
    }
    let idle_findings = later["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "idle_money")
        .count();
    assert_eq!(
        idle_findings,
        later["report"]["idle_money"].as_array().map_or(0, Vec::len)
    );
    // --strict-cache: the first audit writes which signatures strict
    // verification refused; the next takes them from it (same report), and
    // a cache of another history is ignored.
    let cache = dir.path().join("strict.json").display().to_string();
    let first = ok(&["audit", &bundle, "--format", "json", "--strict-cache", &cache]);
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).expect("cache")).expect("json");
    assert_eq!(cached["size"], entries.len() as u64);
    let listed: Vec<u64> = cached["non_strict"]
        .as_object()
        .expect("map")
        .keys()
        .map(|k| k.parse().expect("seq"))
        .collect();
    assert_eq!(listed, vec![crafted]);
    let second = ok(&["audit", &bundle, "--format", "json", "--strict-cache", &cache]);
    assert_eq!(first, second);
    let mut forged = cached.clone();
    forged["non_strict"] = serde_json::json!({});
    forged["root"] = serde_json::json!("00".repeat(32));
    std::fs::write(&cache, forged.to_string()).expect("write");
    let third = ok(&["audit", &bundle, "--format", "json", "--strict-cache", &cache]);
    assert_eq!(first, third);
    // A bad date: one line naming the flag, exit 2 (usage), no report.
    for bad in ["2020-02-30", "yesterday", "2020-6-1"] {
        let (code, out, err) = common::run(&["audit", &bundle, "--as-of", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("--as-of"), "{err}");
    }
}

/// The demo (ledger-demo's default, 3,000 entries): the project history it
/// plants (what the rule engine warns about as history) is what the audit
/// reports under the issue-13 rules, each under its rule with the entry as
/// evidence, and nothing else; its idle money is the engine's. Derived from
/// the replay rather than pinned, so a deliberate demo change keeps it true.
#[test]
fn the_demo_s_planted_project_history_is_found() {
    use ledger_audit::{audit_entries, AuditConfig};
    use ledger_core::chain::SequencedEntry;
    use ledger_core::rules::LedgerState;
    let now_ms = 1_610_672_400_000; // 2021-01-15, after the demo's last date
    let log = ledger_demo::generate(&ledger_demo::DemoConfig {
        seed: ledger_demo::DEFAULT_SEED,
        target_entries: ledger_demo::DEFAULT_TARGET_ENTRIES,
        now_ms,
    })
    .expect("demo");
    let entries: Vec<SequencedEntry> = ledger_demo::demo_entries(&log, now_ms)
        .iter()
        .map(|b| SequencedEntry::decode(b).expect("decode").entry)
        .collect();
    let mut state = LedgerState::new();
    let mut planted: Vec<(u64, &'static str)> = Vec::new();
    for e in &entries {
        let verified = e.signed.clone().verify().expect("verify");
        let effects = state.apply(e.seq, e.time_ms, &verified).expect("apply");
        planted.extend(
            effects
                .history_warnings
                .iter()
                .filter(|w| w.code.starts_with("project_"))
                .map(|w| (e.seq, w.code)),
        );
    }
    assert!(planted.len() >= 3, "{planted:?}");
    let report = audit_entries(&entries, &state, AuditConfig::default());
    let issue13 = [
        "project_paid_before_approval",
        "project_payee_not_contracted",
        "project_overrun",
        "project_final_before_acceptance",
        "project_stage_order",
        "fund_year_mismatch",
    ];
    let found: Vec<&ledger_audit::Finding> = report
        .findings
        .iter()
        .filter(|f| issue13.contains(&f.rule.id()))
        .collect();
    // The rule ids are the engine's codes (a payment after a cancellation
    // is a broken stage order).
    for (seq, code) in &planted {
        let rule = if *code == "project_paid_after_cancel" {
            "project_stage_order"
        } else {
            code
        };
        assert!(
            found.iter().any(|f| f.rule.id() == rule && f.entries.contains(seq)),
            "#{seq} {code} not reported: {found:#?}"
        );
    }
    // Nothing but the planted payments: no business date contradicts a
    // stage and no fund pays another year.
    for f in &found {
        assert!(f.entries.iter().all(|s| planted.iter().any(|(p, _)| p == s)), "{f:#?}");
        assert!(f.explanation_zh.contains("项目库控制实施日"), "{}", f.explanation_zh);
    }
    // Idle money: the engine's, on the last business date.
    let as_of = report.as_of_date.expect("as of");
    let engine: Vec<(String, u64, u32, i64)> = state
        .idle_money(as_of)
        .iter()
        .map(|m| (m.account.key(), m.amount, m.since.get(), m.days))
        .collect();
    let audited: Vec<(String, u64, u32, i64)> = report
        .idle_money
        .iter()
        .map(|m| (m.account.clone(), m.amount.get(), m.since.get(), m.days))
        .collect();
    assert_eq!(audited, engine);
    assert_eq!(
        report.findings.iter().filter(|f| f.rule.id() == "idle_money").count(),
        engine.len()
    );
}

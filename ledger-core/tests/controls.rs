//! The policy's controls (issue 12): business dates, 两公告两比对四公示
//! registration, payment lists, objections, role sign-off and
//! confirmation. Each test starts from a small ledger built here (not the
//! demo, so every date and line is known), shows one rule refusing with its
//! exact code, and the same history accepted once the control is
//! satisfied. A refused entry changes nothing; the accepted ledger replays
//! in the offline verifier, and a tampered notice line or confirmation is
//! caught.
//!
//! One file on purpose (issue 18): one subject, the controls, over one
//! small ledger whose builders the tests share.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_core::testkit::*;

fn household_notice(
    id: &str,
    stage: NoticeStage,
    region: u64,
    start: u32,
    lines: &[(u8, AssistanceCategory)],
) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: ident(id),
        stage,
        region: code(region),
        start: date(start),
        title: text(stage.label_zh()),
        lines: NoticeLines::Households(
            lines
                .iter()
                .map(|(h, category)| HouseholdLine {
                    household: household(*h),
                    masked_name: masked("王*明"),
                    village: code(VILLAGE),
                    category: *category,
                })
                .collect(),
        ),
    })
}

fn check(application: NoticeLineRef, kind: CheckKind, on: u32, passed: bool) -> EntryBody {
    EntryBody::HouseholdCheck(HouseholdCheck {
        application,
        check: kind,
        date: date(on),
        passed,
        note: text("无车辆、无财政供养人员"),
    })
}

/// The whole 两公告两比对四公示 of households 1 (低保) and 2 (建档立卡) in
/// the village, April 2019, up to (not including) registration: windows of
/// 7 days back to back; the objection review ends on 2019-05-08.
/// The publicity stages after the checks (village, town, district,
/// objection review) of procedure `n` (notices V-n, T-n, D-n, R-n) for
/// `households`, starting on the given days.
fn publicise(l: &mut Ledger, k: &Keys, n: u32, starts: [u32; 4], households: &[(u8, AssistanceCategory)]) {
    let stages = [
        (NoticeStage::VillagePublicity, "V", VILLAGE, &k.village),
        (NoticeStage::TownPublicity, "T", TOWN, &k.town_poverty),
        (NoticeStage::DistrictPublicity, "D", DISTRICT, &k.district_poverty),
        (NoticeStage::ObjectionReview, "R", VILLAGE, &k.village),
    ];
    for ((stage, prefix, region, signer), start) in stages.into_iter().zip(starts) {
        l.ok(
            household_notice(&format!("{prefix}-{n}"), stage, region, start, households),
            &[signer],
        );
    }
}

/// Both checks of line `i` of application A-`n`, passed on `on`.
fn checked(l: &mut Ledger, k: &Keys, n: u32, i: u32, on: u32) {
    let application = || line(&format!("A-{n}"), i);
    l.ok(
        check(application(), CheckKind::DataComparison, on, true),
        &[&k.town_poverty],
    );
    l.ok(
        check(application(), CheckKind::HomeVerification, on, true),
        &[&k.village],
    );
}

/// The whole 两公告两比对四公示 of households 1 (低保) and 2 (建档立卡) in
/// the village, April 2019, up to (not including) registration: windows of
/// 7 days back to back; the objection review ends on 2019-05-08.
fn publicised(l: &mut Ledger, k: &Keys) {
    use AssistanceCategory::{MinimumLiving as DB, RegisteredLowIncome as LI};
    let both = [(1, DB), (2, LI)];
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &both),
        &[&k.village, &k.town_poverty],
    );
    checked(l, k, 1, 0, 20190409);
    checked(l, k, 1, 1, 20190409);
    publicise(l, k, 1, [20190410, 20190417, 20190424, 20190501], &both);
}

/// The lines of household line `i` in procedure `n`'s notices.
fn procedure_n(n: u32, i: u32) -> RegistrationNotices {
    let at = |prefix: &str| line(&format!("{prefix}-{n}"), i);
    RegistrationNotices {
        application: at("A"),
        village: at("V"),
        town: at("T"),
        district: at("D"),
        objection_review: at("R"),
    }
}

fn procedure(i: u32) -> RegistrationNotices {
    procedure_n(1, i)
}

fn register(h: u8, category: AssistanceCategory, on: u32, notices: Option<RegistrationNotices>) -> EntryBody {
    EntryBody::HouseholdRegister(HouseholdRegister {
        household: household(h),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category,
        date: date(on),
        notices,
    })
}

fn payment_list(id: &str, start: u32, lines: &[(u8, SubsidyCategory, Period, u64)]) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: ident(id),
        stage: NoticeStage::PaymentList,
        region: code(VILLAGE),
        start: date(start),
        title: text("低保金发放公示"),
        lines: NoticeLines::Payments(
            lines
                .iter()
                .map(|(h, category, period, yuan)| PaymentLine {
                    household: household(*h),
                    masked_name: masked("王*明"),
                    category: *category,
                    period: *period,
                    amount: fen(*yuan),
                })
                .collect(),
        ),
    })
}

fn may() -> Period {
    Period::new(2019, 5).unwrap()
}

fn subsidy(
    h: u8,
    category: SubsidyCategory,
    period: Period,
    yuan: u64,
    on: u32,
    notice: Option<NoticeLineRef>,
) -> EntryBody {
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: ident("F2019-01"),
        from: Account::Treasury(code(TOWN)),
        household: household(h),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category,
        period,
        amount: fen(yuan),
        date: date(on),
        notice,
        supplementary: None,
    })
}

/// Households 1 and 2 registered on 2019-05-08 and a payment list for
/// household 1's May allowance (500 元) posted on 2019-05-10 (window ends
/// 2019-05-17).
fn registered_and_listed() -> (Ledger, Keys) {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
    );
    l.ok(
        register(2, AssistanceCategory::RegisteredLowIncome, 20190508, Some(procedure(1))),
        &[&k.town_poverty],
    );
    l.ok(
        payment_list("P-1", 20190510, &[(1, SubsidyCategory::MinimumLiving, may(), 500)]),
        &[&k.village, &k.town_poverty],
    );
    (l, k)
}

fn pay_p1(on: u32) -> EntryBody {
    subsidy(1, SubsidyCategory::MinimumLiving, may(), 500, on, Some(line("P-1", 0)))
}

// ---------------------------------------------------------------------------
// The whole flow, then the verifier

#[test]
fn the_whole_flow_is_accepted_and_replays_offline() {
    let (mut l, k) = registered_and_listed();
    let paid = l.state.size();
    l.ok(pay_p1(20190517), &[&k.town_poverty, &k.town_finance]);
    l.ok(
        EntryBody::PaymentConfirm(PaymentConfirm {
            payment_seq: paid,
            method: ConfirmMethod::CardSignature,
            date: date(20190520),
        }),
        &[&k.village],
    );
    assert!(l.state.is_confirmed(paid));
    assert!(!l.state.is_confirmed(paid - 1));
    let notice = l.state.notice(&ident("P-1")).unwrap().clone();
    assert_eq!(notice.ends, date(20190517));
    assert_eq!(l.state.line_status(&notice, 0), Some(LineStatus::Paid));
    let h = l.state.household(&household(1)).unwrap();
    assert_eq!(h.registrations.len(), 1);
    assert_eq!(h.registrations[0].from, date(20190508));
    assert_eq!(
        l.state.balance(&Account::Treasury(code(TOWN)), &ident("F2019-01")),
        fen(199_500)
    );
    assert_eq!(l.state.money_date(paid), Some(date(20190517)));

    // The offline verifier replays the same rules over the chain.
    let leaves: Vec<_> = l.entries.iter().map(|e| leaf_hash(e)).collect();
    let root = MemoryTree::from_leaves(&leaves).root();
    let note = LogSigner::new(ORIGIN, k.log.clone())
        .unwrap()
        .sign_checkpoint(l.entries.len() as u64, &root)
        .to_bytes();
    let refs: Vec<&[u8]> = l.entries.iter().map(Vec::as_slice).collect();
    let report = verify_ledger(&refs, &note, &VerifyOptions::default(), &|_| {}).unwrap();
    assert_eq!(report.entries, l.entries.len() as u64);
}

/// Find `needle` in `haystack` (the tamper tests change a known value).
fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("value not found in the entry"))
}

#[test]
fn a_tampered_notice_line_or_confirmation_fails_verification() {
    let (mut l, k) = registered_and_listed();
    let paid = l.state.size();
    l.ok(pay_p1(20190517), &[&k.town_poverty, &k.town_finance]);
    l.ok(
        EntryBody::PaymentConfirm(PaymentConfirm {
            payment_seq: paid,
            method: ConfirmMethod::CardSignature,
            date: date(20190520),
        }),
        &[&k.village],
    );
    let note_for = |entries: &[Vec<u8>]| {
        let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
        LogSigner::new(ORIGIN, k.log.clone())
            .unwrap()
            .sign_checkpoint(entries.len() as u64, &MemoryTree::from_leaves(&leaves).root())
            .to_bytes()
    };
    let list_seq = (paid - 1) as usize;
    let confirm_seq = (paid + 1) as usize;
    // The payment list's line amount (500 元 = 50,000 fen, a postcard varint).
    let mut amount = Vec::new();
    let mut v: u64 = 50_000;
    while v >= 0x80 {
        amount.push((v as u8) | 0x80);
        v >>= 7;
    }
    amount.push(v as u8);
    // The confirmation's date, 20190520 as a varint.
    let mut day = Vec::new();
    let mut v: u64 = 20_190_520;
    while v >= 0x80 {
        day.push((v as u8) | 0x80);
        v >>= 7;
    }
    day.push(v as u8);
    for (seq, needle) in [(list_seq, amount), (confirm_seq, day)] {
        let mut entries = l.entries.clone();
        let at = position(&entries[seq], &needle);
        entries[seq][at] ^= 0x01;
        // The log re-signs the tampered tree: only the entry's own
        // signature and the chain can catch it.
        let note = note_for(&entries);
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let failure = verify_ledger(&refs, &note, &VerifyOptions::default(), &|_| {}).unwrap_err();
        assert_eq!(failure.seq, Some(seq as u64), "{failure:?}");
    }
}

// ---------------------------------------------------------------------------
// Business dates

#[test]
fn a_date_after_today_is_refused() {
    let (mut l, k) = base();
    // Sequencing day is 2020-07-01 in China; one day of tolerance.
    l.ok(transfer(1_000, 20200702), &[&k.district_finance]);
    let e = l.refused(transfer(1_000, 20200703), &[&k.district_finance], "date_in_future");
    assert_eq!(
        e,
        RuleError::DateInFuture {
            date: date(20200703),
            today: date(20200701)
        }
    );
}

#[test]
fn money_dated_before_its_fund_was_issued_is_refused() {
    let (mut l, k) = base();
    let e = l.refused(transfer(1_000, 20190228), &[&k.district_finance], "date_before_fund");
    assert_eq!(
        e,
        RuleError::DateBeforeFund {
            date: date(20190228),
            fund: ident("F2019-01"),
            issued: date(20190301)
        }
    );
    l.ok(transfer(1_000, 20190301), &[&k.district_finance]);
}

#[test]
fn a_reversal_dated_before_its_payment_is_refused() {
    let (mut l, k) = base();
    let seq = l.state.size() - 1; // the transfer of 2019-03-10
    let reversal = |on| {
        EntryBody::Reversal(Reversal {
            target_seq: seq,
            reason: text("重复拨付"),
            date: date(on),
        })
    };
    l.refused(reversal(20190309), &[&k.district_finance], "date_out_of_order");
    // The policy's reversal rule names the town finance office; this
    // district transfer's reversal is signed before the roles control
    // (2019-07-01), so only the count applies.
    l.ok(reversal(20190310), &[&k.district_finance]);
}

// ---------------------------------------------------------------------------
// Roles (五签字)

#[test]
fn a_transfer_over_the_threshold_needs_the_leader_not_just_two_keys() {
    let (mut l, k) = base();
    // Two distinct authorised finance keys, no district leader, after 2019-07-01.
    let e = l.refused(
        transfer(60_000, 20190801),
        &[&k.district_finance, &k.district_finance_2],
        "missing_role",
    );
    assert_eq!(
        e,
        RuleError::MissingRole {
            kind: "transfer",
            office: "district_leader",
            office_zh: "区分管领导"
        }
    );
    // One signature is short of the count before any role is looked at.
    l.refused(
        transfer(60_000, 20190801),
        &[&k.district_finance],
        "missing_cosignature",
    );
    // Under the threshold one key of any office is enough.
    l.ok(transfer(49_999, 20190801), &[&k.district_finance_2]);
    l.ok(transfer(60_000, 20190801), &[&k.district_finance, &k.leader]);
}

#[test]
fn a_subsidy_signed_by_two_finance_keys_misses_the_poverty_office() {
    let (mut l, k) = registered_and_listed();
    // Move the payment after the roles control (2019-07-01): a July list.
    let july = Period::new(2019, 7).unwrap();
    l.ok(
        payment_list("P-7", 20190701, &[(1, SubsidyCategory::MinimumLiving, july, 500)]),
        &[&k.village, &k.town_poverty],
    );
    let pay = || {
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            july,
            500,
            20190710,
            Some(line("P-7", 0)),
        )
    };
    let e = l.refused(pay(), &[&k.town_finance, &k.town_finance_2], "missing_role");
    assert_eq!(
        e,
        RuleError::MissingRole {
            kind: "household_subsidy",
            office: "town_poverty_office",
            office_zh: "镇扶贫办"
        }
    );
    l.ok(pay(), &[&k.town_finance, &k.town_poverty]);
}

#[test]
fn before_the_roles_control_only_the_count_applies() {
    let (mut l, k) = registered_and_listed();
    // May 2019 is history for roles: two finance keys are accepted, with
    // the missing office reported.
    let effects = l.ok(pay_p1(20190517), &[&k.town_finance, &k.town_finance_2]);
    assert_eq!(codes(&effects), ["missing_role"]);
    let w = &effects.history_warnings[0];
    assert!(w.message.contains("town_poverty_office"));
    // The office is a field: readers need not parse the message.
    assert_eq!(w.office, Some(ledger_core::keys::Office::TownPovertyOffice));
    assert_eq!(w.message_zh, "缺少政策规定的镇扶贫办签字");
}

fn codes(effects: &Effects) -> Vec<&'static str> {
    effects.history_warnings.iter().map(|w| w.code).collect()
}

#[test]
fn history_that_broke_a_control_is_accepted_with_its_warnings() {
    let (mut l, k) = registered_and_listed();
    // An April list (before payment lists were enforced, 2019-05-01), paid
    // on its fifth day, above the line, under an open objection, to a
    // household registered only in May (registration: 2019-06-01).
    let april = Period::new(2019, 4).unwrap();
    l.ok(
        payment_list("P-4", 20190420, &[(1, SubsidyCategory::MinimumLiving, april, 500)]),
        &[&k.village, &k.town_poverty],
    );
    l.ok(
        objection("YY-H", ObjectionTarget::NoticeLine(line("P-4", 0)), 20190421),
        &[&k.village],
    );
    let effects = l.ok(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            april,
            600,
            20190424,
            Some(line("P-4", 0)),
        ),
        &[&k.town_poverty, &k.town_finance],
    );
    // The first thing the line did not allow is named.
    assert_eq!(codes(&effects), ["paid_unregistered", "paid_above_notice"]);
    // Paying the same line again is refused whatever the date.
    l.refused(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            april,
            500,
            20190425,
            Some(line("P-4", 0)),
        ),
        &[&k.town_poverty, &k.town_finance],
        "line_already_paid",
    );
    // A compliant payment after the controls carries no warning.
    let july = Period::new(2019, 7).unwrap();
    l.ok(
        payment_list("P-7", 20190701, &[(1, SubsidyCategory::MinimumLiving, july, 500)]),
        &[&k.village, &k.town_poverty],
    );
    let effects = l.ok(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            july,
            500,
            20190710,
            Some(line("P-7", 0)),
        ),
        &[&k.town_poverty, &k.town_finance],
    );
    assert!(effects.history_warnings.is_empty(), "{:?}", effects.history_warnings);
}

// ---------------------------------------------------------------------------
// Registration (两公告两比对四公示)

#[test]
fn a_household_is_paid_only_while_registered_in_an_entitling_category() {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    let july = Period::new(2019, 7).unwrap();
    l.ok(
        payment_list(
            "P-7",
            20190701,
            &[
                (1, SubsidyCategory::MinimumLiving, july, 500),
                (2, SubsidyCategory::MinimumLiving, july, 500),
            ],
        ),
        &[&k.village, &k.town_poverty],
    );
    let pay = |h: u8, idx: u32| {
        subsidy(
            h,
            SubsidyCategory::MinimumLiving,
            july,
            500,
            20190710,
            Some(line("P-7", idx)),
        )
    };
    let signers = [&k.town_poverty, &k.town_finance];
    // Not registered at all.
    let e = l.refused(pay(1, 0), &signers, "not_registered");
    assert_eq!(
        e,
        RuleError::NotRegistered {
            household: household(1).to_string(),
            category: "minimum_living",
            date: date(20190710)
        }
    );
    // Household 2 is registered, but in 建档立卡, which does not entitle to 低保金.
    l.ok(
        register(2, AssistanceCategory::RegisteredLowIncome, 20190508, Some(procedure(1))),
        &[&k.town_poverty],
    );
    l.refused(pay(2, 1), &signers, "not_registered");
    // Registered in 低保: paid.
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
    );
    l.ok(pay(1, 0), &signers);
}

#[test]
fn registration_needs_every_step_of_the_procedure() {
    let (mut l, k) = base();
    use AssistanceCategory::MinimumLiving as DB;
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &[(1, DB)]),
        &[&k.village],
    );
    l.ok(
        check(line("A-1", 0), CheckKind::DataComparison, 20190405, true),
        &[&k.town_poverty],
    );
    // The home verification is missing when the village publicity goes up.
    publicise(&mut l, &k, 1, [20190410, 20190417, 20190424, 20190501], &[(1, DB)]);
    let e = l.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    assert!(e.to_string().contains("入户核对"), "{e}");
    // A failed check is named as such.
    let mut failed = l.clone();
    failed.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190409, false),
        &[&k.village],
    );
    let e = failed.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    assert!(e.to_string().contains("did not pass"), "{e}");
    // A check done after the village publicity began does not count.
    let mut late = l.clone();
    late.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190411, true),
        &[&k.village],
    );
    late.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    // Done in time: registered.
    l.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190409, true),
        &[&k.village],
    );
    // A stage cited with the wrong notice.
    let mut wrong = procedure(0);
    wrong.town = line("V-1", 0);
    l.refused(
        register(1, DB, 20190508, Some(wrong)),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    // Before the review window ended (2019-05-08).
    let e = l.refused(
        register(1, DB, 20190507, Some(procedure(0))),
        &[&k.town_poverty],
        "publicity_not_ended",
    );
    assert_eq!(
        e,
        RuleError::PublicityNotEnded {
            notice: ident("R-1"),
            ends: date(20190508),
            what: "household_register",
            date: date(20190507)
        }
    );
    // After 2019-07-01 a registration without notices is refused.
    l.refused(
        register(1, DB, 20190710, None),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    l.ok(register(1, DB, 20190508, Some(procedure(0))), &[&k.town_poverty]);
    l.refused(
        register(1, DB, 20190601, Some(procedure(0))),
        &[&k.town_poverty],
        "already_registered",
    );
}

#[test]
fn a_stage_that_starts_before_the_previous_window_ended_is_refused() {
    let (mut l, k) = base();
    use AssistanceCategory::MinimumLiving as DB;
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &[(1, DB)]),
        &[&k.village],
    );
    l.ok(
        check(line("A-1", 0), CheckKind::DataComparison, 20190402, true),
        &[&k.town_poverty],
    );
    l.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190402, true),
        &[&k.village],
    );
    // The village publicity starts on day 5 of the application's 7 days.
    publicise(&mut l, &k, 1, [20190405, 20190417, 20190424, 20190501], &[(1, DB)]);
    let e = l.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "publicity_not_ended",
    );
    assert_eq!(
        e,
        RuleError::PublicityNotEnded {
            notice: ident("A-1"),
            ends: date(20190408),
            what: "village_publicity",
            date: date(20190405)
        }
    );
}

#[test]
fn history_before_the_controls_loads_without_notices_or_registration() {
    let (mut l, k) = base();
    // March 2019: before every control: no registration, no list, no roles.
    let march = Period::new(2019, 3).unwrap();
    let effects = l.ok(
        subsidy(9, SubsidyCategory::MinimumLiving, march, 300, 20190320, None),
        &[&k.town_finance, &k.town_finance_2],
    );
    assert_eq!(
        codes(&effects),
        ["missing_role", "paid_unregistered", "paid_without_notice"]
    );
    let effects = l.ok(
        register(9, AssistanceCategory::MinimumLiving, 20190315, None),
        &[&k.town_poverty],
    );
    assert_eq!(codes(&effects), ["registered_without_procedure"]);
    // From May (payment lists enforced): the same payment needs its line.
    let may = Period::new(2019, 5).unwrap();
    let e = l.refused(
        subsidy(9, SubsidyCategory::MinimumLiving, may, 300, 20190520, None),
        &[&k.town_finance, &k.town_poverty],
        "not_publicized",
    );
    assert!(e.to_string().contains("2019-05-01"), "{e}");
}

#[test]
fn an_exit_ends_the_categories_that_end_with_it_and_a_return_re_enters() {
    let (mut l, k) = registered_and_listed();
    use AssistanceCategory::{MinimumLiving as DB, RegisteredLowIncome as LI};
    let exit = |on| {
        EntryBody::HouseholdExit(HouseholdExit {
            household: household(2),
            village: code(VILLAGE),
            date: date(on),
            announcement: line("X-1", 0),
            reason: text("人均纯收入稳定超过标准"),
        })
    };
    // No announcement yet.
    l.refused(exit(20190801), &[&k.town_poverty], "not_publicized");
    l.ok(
        household_notice("X-1", NoticeStage::ExitAnnouncement, VILLAGE, 20190720, &[(2, LI)]),
        &[&k.village],
    );
    l.refused(exit(20190726), &[&k.town_poverty], "publicity_not_ended");
    // Household 1 holds only 低保: an announcement of a poverty exit (建档立卡)
    // for it names a category it is not registered in.
    let mut db = l.clone();
    db.ok(
        household_notice(
            "X-2",
            NoticeStage::ExitAnnouncement,
            VILLAGE,
            20190720,
            &[(1, LI), (1, DB)],
        ),
        &[&k.village],
    );
    let exit_1 = |line_no, on| {
        EntryBody::HouseholdExit(HouseholdExit {
            household: household(1),
            village: code(VILLAGE),
            date: date(on),
            announcement: line("X-2", line_no),
            reason: text("收入超标"),
        })
    };
    db.refused(exit_1(0, 20190801), &[&k.town_poverty], "not_registered");
    // 低保 ends by its own review, announced the same way (line 1), not
    // before the registration began.
    db.refused(exit_1(1, 20190507), &[&k.town_poverty], "date_out_of_order");
    db.ok(exit_1(1, 20190801), &[&k.town_poverty]);
    assert_eq!(
        db.state.household(&household(1)).unwrap().registrations[0].until,
        Some(date(20190801))
    );
    // Household 2's 低保-free exit leaves household 1 alone, and vice versa.
    assert_eq!(db.state.household(&household(2)).unwrap().registrations[0].until, None);
    l.ok(exit(20190801), &[&k.town_poverty]);
    let h = l.state.household(&household(2)).unwrap();
    assert_eq!(h.registrations[0].until, Some(date(20190801)));
    // Education money dated on the exit day is refused; the day before is fine.
    let autumn = Period::new(2019, 0).unwrap();
    l.ok(
        payment_list("P-E", 20190705, &[(2, SubsidyCategory::Education, autumn, 1_000)]),
        &[&k.village, &k.town_poverty],
    );
    let pay = |on| subsidy(2, SubsidyCategory::Education, autumn, 1_000, on, Some(line("P-E", 0)));
    let mut later = l.clone();
    later.refused(pay(20190801), &[&k.town_poverty, &k.town_finance], "not_registered");
    later.ok(pay(20190731), &[&k.town_poverty, &k.town_finance]);
    // A return to poverty goes through the procedure again (a new
    // registration of the same category is accepted once the old one ended).
    let (mut again, k2) = (l, k);
    again.ok(
        household_notice("A-2", NoticeStage::Application, VILLAGE, 20190901, &[(2, LI)]),
        &[&k2.village],
    );
    checked(&mut again, &k2, 2, 0, 20190905);
    publicise(&mut again, &k2, 2, [20190910, 20190917, 20190924, 20191001], &[(2, LI)]);
    again.ok(register(2, LI, 20191008, Some(procedure_n(2, 0))), &[&k2.town_poverty]);
    assert_eq!(again.state.household(&household(2)).unwrap().registrations.len(), 2);
}

// ---------------------------------------------------------------------------
// Payment lists (发放公示)

#[test]
fn a_payment_must_be_covered_by_its_list_line() {
    let (mut l, k) = registered_and_listed();
    let signers = [&k.town_poverty, &k.town_finance];
    // Before the window ended (it ends 2019-05-17).
    let e = l.refused(pay_p1(20190516), &signers, "publicity_not_ended");
    assert_eq!(
        e,
        RuleError::PublicityNotEnded {
            notice: ident("P-1"),
            ends: date(20190517),
            what: "household_subsidy",
            date: date(20190516)
        }
    );
    // More than the line.
    let e = l.refused(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            may(),
            501,
            20190520,
            Some(line("P-1", 0)),
        ),
        &signers,
        "amount_above_notice",
    );
    assert_eq!(
        e,
        RuleError::AmountAboveNotice {
            notice: ident("P-1"),
            line: 0,
            allowed: 50_000,
            amount: 50_100
        }
    );
    // Another period, another line number, a notice that does not exist.
    l.refused(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            Period::new(2019, 6).unwrap(),
            500,
            20190520,
            Some(line("P-1", 0)),
        ),
        &signers,
        "not_publicized",
    );
    l.refused(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            may(),
            500,
            20190520,
            Some(line("P-1", 1)),
        ),
        &signers,
        "not_publicized",
    );
    l.refused(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            may(),
            500,
            20190520,
            Some(line("P-9", 0)),
        ),
        &signers,
        "not_publicized",
    );
    // Covered: paid once, and not twice.
    l.ok(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            may(),
            450,
            20190520,
            Some(line("P-1", 0)),
        ),
        &signers,
    );
    l.refused(pay_p1(20190521), &signers, "line_already_paid");
}

#[test]
fn a_reversed_payment_frees_its_line() {
    let (mut l, k) = registered_and_listed();
    let signers = [&k.town_poverty, &k.town_finance];
    let paid = l.state.size();
    l.ok(pay_p1(20190517), &signers);
    l.ok(
        EntryBody::Reversal(Reversal {
            target_seq: paid,
            reason: text("金额录入错误"),
            date: date(20190518),
        }),
        &[&k.town_finance],
    );
    let notice = l.state.notice(&ident("P-1")).unwrap().clone();
    assert_eq!(l.state.line_status(&notice, 0), Some(LineStatus::Open));
    l.ok(pay_p1(20190519), &signers);
}

// ---------------------------------------------------------------------------
// Objections (异议)

fn objection(case: &str, target: ObjectionTarget, on: u32) -> EntryBody {
    EntryBody::Objection(Objection {
        case_no: ident(case),
        target,
        channel: ObjectionChannel::Hotline12317,
        received: date(on),
        summary: text("反映该户有经营性车辆"),
    })
}

fn resolve(case: &str, outcome: ObjectionOutcome, on: u32) -> EntryBody {
    EntryBody::ObjectionResolve(ObjectionResolve {
        case_no: ident(case),
        outcome,
        date: date(on),
        reason: text("经核实"),
    })
}

#[test]
fn an_open_objection_blocks_the_payment_until_it_is_dismissed() {
    let (mut l, k) = registered_and_listed();
    let signers = [&k.town_poverty, &k.town_finance];
    l.ok(
        objection("YY-1", ObjectionTarget::NoticeLine(line("P-1", 0)), 20190512),
        &[&k.village],
    );
    l.refused(
        objection("YY-1", ObjectionTarget::NoticeLine(line("P-1", 0)), 20190512),
        &[&k.village],
        "duplicate_objection",
    );
    let e = l.refused(pay_p1(20190517), &signers, "objection_open");
    assert_eq!(
        e,
        RuleError::ObjectionOpen {
            case_no: ident("YY-1"),
            target: ledger_core::rules::Detail::new("公告 P-1 第 0 行", "line 0 of notice P-1")
        }
    );
    assert_eq!(e.message_zh(), "针对公告 P-1 第 0 行的异议 YY-1 尚未处理完毕");
    let notice = l.state.notice(&ident("P-1")).unwrap().clone();
    assert_eq!(l.state.line_status(&notice, 0), Some(LineStatus::Objected));
    // Only the discipline inspector may decide (the policy's role).
    l.refused(
        resolve("YY-1", ObjectionOutcome::Dismissed, 20190515),
        &[&k.town_poverty],
        "out_of_scope",
    );
    l.refused(
        resolve("YY-1", ObjectionOutcome::Dismissed, 20190511),
        &[&k.inspector],
        "date_out_of_order",
    );
    l.refused(
        resolve("YY-9", ObjectionOutcome::Dismissed, 20190515),
        &[&k.inspector],
        "unknown_objection",
    );
    l.ok(resolve("YY-1", ObjectionOutcome::Dismissed, 20190515), &[&k.inspector]);
    l.refused(
        resolve("YY-1", ObjectionOutcome::Upheld, 20190516),
        &[&k.inspector],
        "objection_closed",
    );
    l.ok(pay_p1(20190517), &signers);
    let record = l.state.objection(&ident("YY-1")).unwrap();
    assert!(matches!(record.decided, Some((_, ObjectionOutcome::Dismissed, d)) if d == date(20190515)));
}

#[test]
fn an_upheld_objection_withdraws_the_line() {
    let (mut l, k) = registered_and_listed();
    l.ok(
        objection("YY-2", ObjectionTarget::NoticeLine(line("P-1", 0)), 20190512),
        &[&k.village],
    );
    l.ok(resolve("YY-2", ObjectionOutcome::Upheld, 20190515), &[&k.inspector]);
    let e = l.refused(pay_p1(20190517), &[&k.town_poverty, &k.town_finance], "line_withdrawn");
    assert_eq!(
        e,
        RuleError::LineWithdrawn {
            notice: ident("P-1"),
            line: 0,
            case_no: ident("YY-2")
        }
    );
}

#[test]
fn an_open_objection_on_a_registration_notice_blocks_the_registration() {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    l.ok(
        objection("YY-3", ObjectionTarget::NoticeLine(line("T-1", 0)), 20190418),
        &[&k.town_poverty],
    );
    l.refused(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "objection_open",
    );
    l.ok(resolve("YY-3", ObjectionOutcome::Upheld, 20190420), &[&k.inspector]);
    l.refused(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "line_withdrawn",
    );
}

#[test]
fn an_objection_against_a_payment_is_upheld_only_after_its_reversal() {
    let (mut l, k) = registered_and_listed();
    let paid = l.state.size();
    l.ok(pay_p1(20190517), &[&k.town_poverty, &k.town_finance]);
    l.refused(
        objection("YY-4", ObjectionTarget::Entry(paid + 5), 20190520),
        &[&k.inspector],
        "unknown_target",
    );
    l.refused(
        objection("YY-4", ObjectionTarget::Entry(paid), 20190516),
        &[&k.inspector],
        "date_out_of_order",
    );
    let effects = l.ok(
        objection("YY-4", ObjectionTarget::Entry(paid), 20190520),
        &[&k.inspector],
    );
    // Paid from the town treasury to a household of the village: the
    // objection concerns the town and, most specific last, the village
    // (known from the payment's list line), so the village's readers find it.
    assert_eq!(effects.regions, vec![code(TOWN), code(VILLAGE)]);
    assert_eq!(l.state.open_objections_on_entry(paid), &[ident("YY-4")]);
    let e = l.refused(
        resolve("YY-4", ObjectionOutcome::Upheld, 20190525),
        &[&k.inspector],
        "payment_not_reversed",
    );
    assert_eq!(e, RuleError::PaymentNotReversed(paid));
    l.ok(
        EntryBody::Reversal(Reversal {
            target_seq: paid,
            reason: text("异议属实，追回"),
            date: date(20190524),
        }),
        &[&k.town_finance],
    );
    l.ok(resolve("YY-4", ObjectionOutcome::Upheld, 20190525), &[&k.inspector]);
    assert!(l.state.open_objections_on_entry(paid).is_empty());
}

// ---------------------------------------------------------------------------
// Confirmation (确认)

#[test]
fn a_confirmation_names_a_standing_household_payment_once() {
    let (mut l, k) = registered_and_listed();
    let paid = l.state.size();
    l.ok(pay_p1(20190517), &[&k.town_poverty, &k.town_finance]);
    let confirm = |seq, on| {
        EntryBody::PaymentConfirm(PaymentConfirm {
            payment_seq: seq,
            method: ConfirmMethod::BankStatement,
            date: date(on),
        })
    };
    // The transfer at seq 2 is not a household payment.
    assert_eq!(
        l.refused(confirm(2, 20190520), &[&k.village], "not_a_payment"),
        RuleError::NotAPayment(2)
    );
    l.refused(confirm(paid, 20190516), &[&k.village], "date_out_of_order");
    // Only a key granted confirmations (the village cadre's) may sign one.
    l.refused(confirm(paid, 20190520), &[&k.town_poverty], "out_of_scope");
    l.ok(confirm(paid, 20190520), &[&k.village]);
    l.refused(confirm(paid, 20190521), &[&k.village], "already_confirmed");
}

// ---------------------------------------------------------------------------
// Notices

#[test]
fn notices_are_checked_for_shape() {
    let (mut l, k) = base();
    use AssistanceCategory::MinimumLiving as DB;
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &[(1, DB)]),
        &[&k.village],
    );
    l.refused(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190402, &[(2, DB)]),
        &[&k.village],
        "duplicate_notice",
    );
    // A town publicity posted in a village.
    l.refused(
        household_notice("T-X", NoticeStage::TownPublicity, VILLAGE, 20190417, &[(1, DB)]),
        &[&k.town_poverty],
        "unknown_region",
    );
    // Payment lines on a household stage.
    l.refused(
        EntryBody::Notice(Notice {
            notice: ident("A-X"),
            stage: NoticeStage::Application,
            region: code(VILLAGE),
            start: date(20190401),
            title: text("申报公告"),
            lines: NoticeLines::Payments(vec![PaymentLine {
                household: household(1),
                masked_name: masked("王*明"),
                category: SubsidyCategory::MinimumLiving,
                period: may(),
                amount: fen(10),
            }]),
        }),
        &[&k.village],
        "malformed",
    );
    // The same household twice for the same category.
    l.refused(
        household_notice("A-Y", NoticeStage::Application, VILLAGE, 20190401, &[(3, DB), (3, DB)]),
        &[&k.village],
        "malformed",
    );
}

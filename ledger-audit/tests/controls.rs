//! The audit's view of the policy's controls (issue 12): history accepted
//! before a control was enforced is reported with one finding per broken
//! control, naming the entry; unconfirmed payments past the deadline are
//! reported; the age-based rules count business dates, not sequencing
//! times; a compliant history produces no finding at all.
//!
//! The small ledger and its builder are ledger-core's test kit
//! (`ledger_core::testkit`, feature `testkit`), with the confirmation
//! control starting earlier than the others so that history payments are
//! held to the confirmation deadline.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_audit::{audit_entries, AuditConfig, AuditReport, Finding, Rule};
use ledger_core::testkit::procedure::*;
use ledger_core::testkit::*;

/// The kit's policy, with the confirmation control starting earlier than
/// the others (history payments are held to the confirmation deadline:
/// medium findings, not low), the project controls never enforced, and
/// the longest fund time limits (the kit's district keeps most of its fund
/// for months: idle money has its own tests, tests/projects.rs).
fn audit_policy() -> Policy {
    let mut p = policy();
    p.enforced_from.confirmation = date(20190101);
    p.enforced_from.projects = Date::LAST;
    p.retention_bp = 0;
    p.fund_limits = FundLimits {
        district_days: 365,
        town_days: 365,
        village_days: 365,
        project_days: 365,
    };
    p
}

/// The kit's small ledger under [`audit_policy`].
fn base() -> (Ledger, Keys) {
    base_with(audit_policy())
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
    for (i, _) in both.iter().enumerate() {
        l.ok(
            check(line("A-1", i as u32), CheckKind::DataComparison, 20190405, true),
            &[&k.town_poverty],
        );
        l.ok(
            check(line("A-1", i as u32), CheckKind::HomeVerification, 20190409, true),
            &[&k.village],
        );
    }
    l.ok(
        household_notice("V-1", NoticeStage::VillagePublicity, VILLAGE, 20190410, &both),
        &[&k.village, &k.town_poverty],
    );
    l.ok(
        household_notice("T-1", NoticeStage::TownPublicity, TOWN, 20190417, &both),
        &[&k.town_poverty],
    );
    l.ok(
        household_notice("D-1", NoticeStage::DistrictPublicity, DISTRICT, 20190424, &both),
        &[&k.district_poverty],
    );
    l.ok(
        household_notice("R-1", NoticeStage::ObjectionReview, VILLAGE, 20190501, &both),
        &[&k.village, &k.town_poverty],
    );
}

/// Households 1 and 2 registered on 2019-05-08 and a payment list for
/// household 1's May allowance (500 元) posted on 2019-05-10 (window ends
/// 2019-05-17).
fn registered_and_listed() -> (Ledger, Keys) {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    register_and_list(&mut l, &k);
    (l, k)
}

// ---------------------------------------------------------------------------
// The audit

fn audit(l: &Ledger) -> AuditReport {
    audit_entries(&l.sequenced, &l.state, AuditConfig::default())
}

/// (rule id, severity, entries) of every finding, sorted.
fn summary(report: &AuditReport) -> Vec<(&'static str, &'static str, Vec<u64>)> {
    let mut rows: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.rule.id(), f.severity.name(), f.entries.clone()))
        .collect();
    rows.sort();
    rows
}

fn finding(report: &AuditReport, rule: Rule, first: u64) -> &Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.entries.first() == Some(&first))
        .unwrap_or_else(|| panic!("no {} finding on #{first}: {:#?}", rule.id(), report.findings))
}

fn confirm(seq: u64, on: u32) -> EntryBody {
    EntryBody::PaymentConfirm(PaymentConfirm {
        payment_seq: seq,
        method: ConfirmMethod::CardSignature,
        date: date(on),
    })
}

fn period(y: u16, m: u8) -> Period {
    Period::new(y, m).unwrap()
}

/// The negative case: the whole procedure followed on history dated
/// before the controls (registration through 两公告两比对四公示, payment
/// list, window, payment signed by both offices, confirmation in time).
#[test]
fn compliant_history_produces_no_finding() {
    let (mut l, k) = registered_and_listed();
    let paid = l.state.size();
    let effects = l.ok(pay_p1(20190517), &[&k.town_poverty, &k.town_finance]);
    assert!(effects.history_warnings.is_empty(), "{:?}", effects.history_warnings);
    l.ok(confirm(paid, 20190520), &[&k.village]);
    let report = audit(&l);
    assert_eq!(summary(&report), vec![], "{:#?}", report.findings);
    assert_eq!(report.as_of_date, Some(date(20190520)));
}

/// Every control broken by history accepted before it was enforced, one
/// finding each with the entry as evidence, and the confirmation deadline.
#[test]
fn pre_rule_history_is_reported_with_its_entries() {
    use SubsidyCategory::MinimumLiving as ML;
    let (mut l, k) = base();
    // #3: registered without 两公告四公示 (accepted: dated before the
    // registration control, 2019-06-01; payment lists from 2019-05-01,
    // roles from 2019-07-01).
    let registered = l.state.size();
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190315, None),
        &[&k.town_poverty],
    );
    // #4: household 2 was never registered, there is no payment list, and
    // the two signers are both of the town finance station (no 镇扶贫办).
    let unregistered = l.state.size();
    l.ok(
        subsidy(2, ML, period(2019, 3), 300, 20190320, None),
        &[&k.town_finance, &k.town_finance_2],
    );
    // #5: a payment list for household 1, window 2019-04-01 … 04-07.
    l.ok(
        payment_list(
            "P-H",
            20190401,
            &[
                (1, ML, period(2019, 4), 300),
                (1, ML, period(2019, 5), 300),
                (1, ML, period(2019, 6), 300),
            ],
        ),
        &[&k.village, &k.town_poverty],
    );
    // #6: paid on 2019-04-03, before the window ended.
    let early = l.state.size();
    l.ok(
        subsidy(1, ML, period(2019, 4), 300, 20190403, Some(line("P-H", 0))),
        &[&k.town_poverty, &k.town_finance],
    );
    // #7, #8: an objection against line 1, then line 1 paid while it is open.
    l.ok(
        EntryBody::Objection(Objection {
            case_no: ident("YY-2019-0001"),
            target: ObjectionTarget::NoticeLine(line("P-H", 1)),
            channel: ObjectionChannel::Hotline12317,
            received: date(20190409),
            summary: text("反映该户家庭收入超过标准"),
        }),
        &[&k.inspector],
    );
    let objected = l.state.size();
    l.ok(
        subsidy(1, ML, period(2019, 5), 300, 20190420, Some(line("P-H", 1))),
        &[&k.town_poverty, &k.town_finance],
    );
    // #9: 400 元 on a 300 元 line.
    let above = l.state.size();
    l.ok(
        subsidy(1, ML, period(2019, 6), 400, 20190425, Some(line("P-H", 2))),
        &[&k.town_poverty, &k.town_finance],
    );
    // #10: #6 confirmed in time; #11: #8 confirmed 42 days after payment;
    // #9 never confirmed.
    l.ok(confirm(early, 20190410), &[&k.village]);
    let late = l.state.size();
    l.ok(confirm(objected, 20190601), &[&k.village]);

    let report = audit(&l);
    assert_eq!(report.as_of_date, Some(date(20190601)));
    assert_eq!(
        summary(&report),
        vec![
            ("missing_role", "medium", vec![unregistered]),
            ("paid_above_notice", "high", vec![above]),
            ("paid_before_window_end", "medium", vec![early]),
            ("paid_under_objection", "high", vec![objected]),
            ("paid_unregistered", "high", vec![unregistered]),
            ("paid_without_notice", "medium", vec![unregistered]),
            ("registered_without_procedure", "medium", vec![registered]),
            // #8 confirmed late (#11); #4 (73 days) and #9 (37 days)
            // without a confirmation.
            ("unconfirmed_payment", "low", vec![objected, late]),
            ("unconfirmed_payment", "medium", vec![unregistered, above]),
        ],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::PaidWithoutNotice, unregistered);
    assert!(
        f.explanation_zh.contains("发放公示控制实施日2019-05-01"),
        "{}",
        f.explanation_zh
    );
    let f = finding(&report, Rule::MissingRole, unregistered);
    assert!(
        f.explanation_zh.contains("缺少政策规定的镇扶贫办签字"),
        "{}",
        f.explanation_zh
    );
    assert!(f.explanation_en.contains("town_poverty_office"), "{}", f.explanation_en);
    assert!(f.explanation_zh.contains("2019-07-01"), "{}", f.explanation_zh);
    let f = finding(&report, Rule::PaidUnregistered, unregistered);
    assert_eq!(f.region, Some(code(VILLAGE)));
    assert_eq!(f.entry_count, 1);
    assert!(
        f.explanation_zh.starts_with(&format!(
            "一村（{VILLAGE}）：1个条目向发放日未在有权类别中建档立卡的户发放补贴（#{unregistered}）"
        )),
        "{}",
        f.explanation_zh
    );
    assert_eq!(f.amount, Some(fen(300)));
    assert!(
        f.explanation_zh.contains("未在有权享受此项补贴的类别中建档立卡"),
        "{}",
        f.explanation_zh
    );
    let f = finding(&report, Rule::PaidUnderObjection, objected);
    assert!(f.explanation_en.contains("YY-2019-0001"), "{}", f.explanation_en);
    let f = finding(&report, Rule::PaidAboveNotice, above);
    assert!(
        f.explanation_en
            .contains("40000 fen is more than line 2 of notice P-H allows (30000 fen)"),
        "{}",
        f.explanation_en
    );
    let f = finding(&report, Rule::UnconfirmedPayment, unregistered);
    assert!(
        f.explanation_zh.contains(&format!(
            "2笔到户补贴发放后超过30天仍无到户确认（#{unregistered}, #{above}），合计700.00元，最久73天，截至账本最后业务日期2019-06-01"
        )),
        "{}",
        f.explanation_zh
    );
    assert!(
        f.explanation_en
            .contains("as of the ledger's last business date, 2019-06-01"),
        "{}",
        f.explanation_en
    );
    let f = finding(&report, Rule::UnconfirmedPayment, objected);
    assert!(
        f.explanation_zh.contains("晚于期限30天") && f.explanation_zh.contains("最晚一笔用时42天"),
        "{}",
        f.explanation_zh
    );
    assert_eq!(f.entry_count, 2);
}

/// Reversing an unconfirmed payment takes it out of the confirmation rule.
#[test]
fn a_reversed_payment_needs_no_confirmation() {
    let (mut l, k) = registered_and_listed();
    let paid = l.state.size();
    l.ok(pay_p1(20190517), &[&k.town_poverty, &k.town_finance]);
    l.ok(
        EntryBody::Reversal(Reversal {
            target_seq: paid,
            reason: text("重复录入，予以冲正"),
            date: date(20190520),
        }),
        &[&k.town_finance],
    );
    // Something dated much later, so the deadline has long passed.
    l.ok(transfer(1_000, 20191201), &[&k.district_finance]);
    let report = audit(&l);
    assert!(
        report.findings.iter().all(|f| f.rule != Rule::UnconfirmedPayment),
        "{:#?}",
        report.findings
    );
}

/// The idle-funds rule counts from the business dates: every entry here
/// was sequenced within milliseconds, yet the district's money has sat
/// since the transfer of 2019-03-10 until the next business date,
/// 2020-06-01 (449 days); the same ledger as of 2019-12-01 shows nothing.
#[test]
fn age_based_rules_count_business_dates_not_sequencing_times() {
    let issue = |fund: &str, on: u32| {
        EntryBody::FundIssue(FundIssue {
            fund: ident(fund),
            title: text("财政专项扶贫资金"),
            document_no: text("淮区财〔2020〕3号"),
            source: FundSource::District,
            category: FundCategory::SpecialPoverty,
            fiscal_year: 2020,
            to: Account::Treasury(code(TOWN)),
            amount: fen(1_000),
            date: date(on),
        })
    };
    let (mut young, k) = base();
    young.ok(issue("F2019-02", 20191201), &[&k.district_finance]);
    let report = audit(&young);
    assert_eq!(report.as_of_date, Some(date(20191201)));
    assert!(
        report.findings.iter().all(|f| f.rule != Rule::IdleFunds),
        "{:#?}",
        report.findings
    );

    let (mut old, k) = base();
    old.ok(issue("F2020-01", 20200601), &[&k.district_finance]);
    let span = old.sequenced.last().unwrap().time_ms - old.sequenced[0].time_ms;
    assert!(span < 1_000, "sequenced within a second");
    let report = audit(&old);
    let idle: Vec<(Option<RegionCode>, u64, Vec<u64>)> = report
        .findings
        .iter()
        .filter(|f| f.rule == Rule::IdleFunds)
        .map(|f| (f.region, f.amount.map_or(0, Fen::get), f.entries.clone()))
        .collect();
    assert_eq!(
        idle,
        vec![
            (Some(code(DISTRICT)), fen(800_000).get(), vec![1]),
            (Some(code(TOWN)), fen(200_000).get(), vec![2]),
        ]
    );
    let district = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::IdleFunds && f.region == Some(code(DISTRICT)))
        .unwrap();
    assert!(
        district.explanation_zh.contains("已449天无任何支出"),
        "{}",
        district.explanation_zh
    );
}

/// A line withdrawn after an upheld objection, then paid anyway (history):
/// reported under `paid_under_objection`, naming the withdrawal.
#[test]
fn paying_a_withdrawn_line_is_reported() {
    use SubsidyCategory::MinimumLiving as ML;
    let (mut l, k) = base();
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190315, None),
        &[&k.town_poverty],
    );
    l.ok(
        payment_list("P-W", 20190401, &[(1, ML, period(2019, 4), 300)]),
        &[&k.village, &k.town_poverty],
    );
    l.ok(
        EntryBody::Objection(Objection {
            case_no: ident("YY-2019-0002"),
            target: ObjectionTarget::NoticeLine(line("P-W", 0)),
            channel: ObjectionChannel::Letter,
            received: date(20190403),
            summary: text("反映该户已迁出本村"),
        }),
        &[&k.inspector],
    );
    l.ok(
        EntryBody::ObjectionResolve(ObjectionResolve {
            case_no: ident("YY-2019-0002"),
            outcome: ObjectionOutcome::Upheld,
            date: date(20190406),
            reason: text("经核实属实，撤回该行"),
        }),
        &[&k.inspector],
    );
    let paid = l.state.size();
    let effects = l.ok(
        subsidy(1, ML, period(2019, 4), 300, 20190410, Some(line("P-W", 0))),
        &[&k.town_poverty, &k.town_finance],
    );
    assert_eq!(
        effects.history_warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
        ["paid_on_withdrawn_line"]
    );
    l.ok(confirm(paid, 20190412), &[&k.village]);
    let report = audit(&l);
    assert_eq!(
        summary(&report),
        vec![
            ("paid_under_objection", "high", vec![paid]),
            ("registered_without_procedure", "medium", vec![3]),
        ],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::PaidUnderObjection, paid);
    assert!(f.explanation_zh.contains("已因异议属实而撤回"), "{}", f.explanation_zh);
    assert!(f.explanation_en.contains("YY-2019-0002"), "{}", f.explanation_en);
}

/// Many history payments in one village make one finding per rule, with
/// the full count and the first entries as evidence.
#[test]
fn history_is_grouped_per_rule_and_village() {
    use SubsidyCategory::MinimumLiving as ML;
    let (mut l, k) = base();
    let mut seqs = Vec::new();
    for h in 0..60u8 {
        seqs.push(l.state.size());
        l.ok(
            subsidy(100 + h, ML, period(2019, 4), 10, 20190401, None),
            &[&k.town_poverty, &k.town_finance],
        );
    }
    let report = audit(&l);
    let rows: Vec<(&str, usize, usize, Option<u64>)> = report
        .findings
        .iter()
        .map(|f| (f.rule.id(), f.entries.len(), f.entry_count, f.amount.map(Fen::get)))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("paid_unregistered", 50, 60, Some(fen(600).get())),
            ("paid_without_notice", 50, 60, Some(fen(600).get())),
        ],
        "{:#?}",
        report.findings
    );
    assert_eq!(report.findings[0].entries, seqs[..50].to_vec());
    assert!(
        report.findings[0].explanation_zh.contains("60个条目"),
        "{}",
        report.findings[0].explanation_zh
    );
    assert!(
        report.findings[0].explanation_en.contains("… (60)"),
        "{}",
        report.findings[0].explanation_en
    );
}

/// Entries fed without their start (the replay cannot apply them) are not
/// silently skipped: the report says the control rules did not run.
#[test]
fn a_replay_that_cannot_start_is_reported() {
    let (l, _) = base();
    let report = audit_entries(&l.sequenced[1..], &l.state, AuditConfig::default());
    let rows: Vec<(&str, &str, Vec<u64>)> = summary(&report);
    assert_eq!(
        rows,
        vec![("controls_not_checked", "high", vec![1])],
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings[0].explanation_en.contains("[malformed]"),
        "{}",
        report.findings[0].explanation_en
    );
}

/// A supplementary payment (补发, issue 14) is the one second payment of a
/// household, category and period the ledger lets through: the audit does
/// not report it as a duplicate, but a plain second payment (history,
/// before the duplicate control) still is, and the yearly total counts
/// the 补发.
#[test]
fn a_supplementary_payment_is_not_a_duplicate_finding() {
    // The duplicate and payment-list controls never enforced, so the plain
    // second payment (its line already paid) is history the ledger accepts
    // and only the audit reports.
    let mut p = audit_policy();
    p.enforced_from.duplicates = Date::LAST;
    p.enforced_from.payment_list = Date::LAST;
    let (mut l, k) = base_with(p);
    publicised(&mut l, &k);
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
    );
    l.ok(
        payment_list(
            "P-1",
            20190510,
            &[
                (1, SubsidyCategory::MinimumLiving, may(), 500),
                (1, SubsidyCategory::MinimumLiving, period(2019, 6), 500),
            ],
        ),
        &[&k.village, &k.town_poverty],
    );
    let signers = [&k.town_poverty, &k.town_finance];
    // May: 400 元, then 100 元 补发 on the same line.
    let may_paid = l.state.size();
    l.ok(
        subsidy(
            1,
            SubsidyCategory::MinimumLiving,
            may(),
            400,
            20190517,
            Some(line("P-1", 0)),
        ),
        &signers,
    );
    let back_pay = l.state.size();
    let mut body = subsidy(
        1,
        SubsidyCategory::MinimumLiving,
        may(),
        100,
        20190524,
        Some(line("P-1", 0)),
    );
    if let EntryBody::HouseholdSubsidy(h) = &mut body {
        h.supplementary = Some(ledger_core::entry::Supplement {
            reason: ledger_core::entry::SupplementReason::BackPay,
            of_seq: may_paid,
            note: text("核查发现少发100.00元，经镇财政所审核补发"),
        });
    }
    l.ok(body, &signers);
    // June: paid twice, plainly.
    let june = l.state.size();
    for notice in [Some(line("P-1", 1)), None] {
        l.ok(
            subsidy(
                1,
                SubsidyCategory::MinimumLiving,
                period(2019, 6),
                500,
                20190603,
                notice,
            ),
            &signers,
        );
    }
    let report = audit(&l);
    let duplicates: Vec<(&str, Vec<u64>, Option<u64>, &str)> = report
        .findings
        .iter()
        .filter(|f| f.rule == Rule::DuplicatePayment)
        .map(|f| {
            (
                f.severity.name(),
                f.entries.clone(),
                f.amount.map(|a| a.get()),
                f.explanation_zh.as_str(),
            )
        })
        .collect();
    assert_eq!(
        duplicates,
        vec![(
            "high",
            vec![june, june + 1],
            Some(50_000),
            "同一户0101010101010101010101010101010101010101010101010101010101010101（王*明）的最低生活保障（2019-06）被发放2次（#16, #17），合计1,000.00元，均未冲正；多发500.00元。"
        )],
        "{:#?}",
        report.findings
    );
    assert_eq!((may_paid, back_pay, june), (14, 15, 16));
}

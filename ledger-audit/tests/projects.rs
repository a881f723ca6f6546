//! The audit's view of the project library (issue 13) and of idle money.
//!
//! Each test plants one violation the write path could not refuse — history
//! dated before `enforced_from.projects` (2019-06-01 in the kit's policy),
//! or business dates that contradict the stages — and asserts that the
//! audit finds exactly it: the rule id, severity, entries and amount, and
//! messages naming the project, stage, budget and amounts. A compliant
//! project (history and enforced alike) yields no project finding, and the
//! idle-money figures are the rule engine's.
//!
//! The ledger is ledger-core's test kit: project P, a 100,000 元 road in the
//! village, reviewed 2019-05-05, its plan publicised 05-10 to 05-17,
//! approved 05-20 with contractor CONTRACTOR, started 06-05; a 5 % retention.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

use ledger_audit::{audit_entries, AuditConfig, AuditReport, Finding, IdleMoney, Rule};
use ledger_core::testkit::project::*;
use ledger_core::testkit::*;

/// The issue-13 rules.
const PROJECT_RULES: [Rule; 6] = [
    Rule::ProjectPaidBeforeApproval,
    Rule::ProjectPayeeNotContracted,
    Rule::ProjectOverrun,
    Rule::ProjectFinalBeforeAcceptance,
    Rule::ProjectStageOrder,
    Rule::FundYearMismatch,
];

fn audit(l: &Ledger) -> AuditReport {
    audit_entries(&l.sequenced, &l.state, AuditConfig::default())
}

/// (rule id, severity, entries, amount in fen) of the issue-13 findings.
fn project_findings(report: &AuditReport) -> Vec<(&'static str, &'static str, Vec<u64>, Option<u64>)> {
    let mut rows: Vec<_> = report
        .findings
        .iter()
        .filter(|f| PROJECT_RULES.contains(&f.rule))
        .map(|f| {
            (
                f.rule.id(),
                f.severity.name(),
                f.entries.clone(),
                f.amount.map(Fen::get),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn finding(report: &AuditReport, rule: Rule) -> &Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {} finding: {:#?}", rule.id(), report.findings))
}

/// Post `body` and return its sequence number.
fn post(l: &mut Ledger, body: EntryBody, signers: &[&SigningKey]) -> u64 {
    let seq = l.state.size();
    l.ok(body, signers);
    seq
}

fn yuan(y: u64) -> u64 {
    fen(y).get()
}

fn cancel(on: u32) -> EntryBody {
    EntryBody::ProjectCancel(ProjectCancel {
        project: ident(P),
        date: date(on),
        reason: text("村民大会否决，终止实施"),
    })
}

/// P reviewed, publicised and approved (05-20), not started.
fn approved() -> (Ledger, Keys) {
    let (mut l, k) = proposed();
    l.ok(review(20190505, true), &[&k.town_poverty]);
    l.ok(plan("PP-1", 20190510), &[&k.village]);
    l.ok(approve(20190520, "PP-1"), &[&k.district_poverty]);
    (l, k)
}

fn approve_seq(l: &Ledger) -> u64 {
    let p = l.state.project(&ident(P)).unwrap();
    p.approval.as_ref().unwrap().seq
}

/// A compliant project, history and enforced: paid before 06-01 within
/// the rules, 95 % before the acceptance, the rest after it, handed over
/// and evaluated; no project finding.
#[test]
fn a_compliant_project_has_no_project_finding() {
    let (mut l, k) = started();
    let effects = l.ok(pay(yuan(10_000), CONTRACTOR, 20190525), &signers_of(&k));
    assert!(effects.history_warnings.is_empty(), "{:?}", effects.history_warnings);
    l.ok(pay(yuan(85_000), CONTRACTOR, 20190801), &signers_of(&k));
    l.ok(accept(20190901), &[&k.town_poverty]);
    l.ok(pay(yuan(5_000), CONTRACTOR, 20190910), &signers_of(&k));
    l.ok(handover(20190920), &[&k.town_poverty]);
    l.ok(evaluate(20191201), &[&k.town_poverty]);
    let report = audit(&l);
    assert_eq!(project_findings(&report), vec![], "{:#?}", report.findings);
}

/// History: a proposed project paid (the engine's
/// `project_paid_before_approval`).
#[test]
fn history_paid_before_approval() {
    let (mut l, k) = proposed();
    let paid = post(&mut l, pay(yuan(10_000), CONTRACTOR, 20190525), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![("project_paid_before_approval", "high", vec![paid], Some(yuan(10_000)))],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectPaidBeforeApproval);
    assert_eq!(f.region, Some(code(VILLAGE)));
    assert_eq!(f.entry_count, 1);
    assert_eq!(
        f.explanation_zh,
        format!(
            "一村（{VILLAGE}）项目P2019-001“一村组道路硬化”（现处申报阶段；未批复，申报预算100,000.00元，已付10,000.00元）：\
             1笔支付在批复入库之前支付（#{paid}），合计10,000.00元；均早于项目库控制实施日2019-06-01，作为历史数据接受而未被拒绝。\
             例如第{paid}号（2019-05-25）向淮安市某建设工程有限公司（{CONTRACTOR}）支付10,000.00元（资金F2019-01），支付时项目处于申报阶段，尚未批复入库。"
        )
    );
    assert!(
        f.explanation_en
            .contains("(the rule engine: project P2019-001 is not approved"),
        "{}",
        f.explanation_en
    );
}

/// By business date: sequenced after the approval (so the write path saw
/// an approved project) but dated before it.
#[test]
fn paid_dated_before_the_approval() {
    let (mut l, k) = started();
    let paid = post(&mut l, pay(yuan(10_000), CONTRACTOR, 20190515), &signers_of(&k));
    let report = audit(&l);
    let approval = approve_seq(&l);
    assert_eq!(
        project_findings(&report),
        vec![(
            "project_paid_before_approval",
            "high",
            vec![approval, paid],
            Some(yuan(10_000))
        )],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectPaidBeforeApproval);
    assert!(
        f.explanation_zh
            .contains(&format!("业务日期早于第{approval}号批复（2019-05-20）")),
        "{}",
        f.explanation_zh
    );
    assert!(f.explanation_zh.contains("现处实施阶段"), "{}", f.explanation_zh);
    // Dated before the project rules too, but no rule of the write path
    // was broken: the dates contradict each other.
    assert!(f.explanation_zh.contains("均按业务日期判断"), "{}", f.explanation_zh);
}

/// History: paid to a company that is not the contractor, with no
/// adjustment changing the contract.
#[test]
fn history_payee_not_contracted() {
    let (mut l, k) = started();
    let paid = post(&mut l, pay(yuan(2_000), OTHER_COMPANY, 20190525), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![("project_payee_not_contracted", "high", vec![paid], Some(yuan(2_000)))],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectPayeeNotContracted);
    assert!(
        f.explanation_zh.contains(&format!(
            "收款人不是合同（淮区建〔2019〕HT-031）约定的实施单位淮安市某建设工程有限公司（{CONTRACTOR}），且无调整记录变更合同"
        )),
        "{}",
        f.explanation_zh
    );
    assert!(
        f.explanation_zh
            .contains("批复预算合计100,000.00元（淮区扶贫〔2019〕12号），已付2,000.00元"),
        "{}",
        f.explanation_zh
    );
}

/// History: paid beyond the fund's approved budget (no retention in this
/// policy, so the overrun is the only finding).
#[test]
fn history_overrun_per_fund() {
    let mut policy = policy();
    policy.retention_bp = 0;
    let (mut l, k) = started_in(base_with(policy));
    // 20,000 元 more into the project's account, so it can overpay.
    l.ok(
        EntryBody::Transfer(Transfer {
            fund: ident("F2019-01"),
            from: Account::Treasury(code(TOWN)),
            to: Account::Project(ident(P)),
            amount: fen(20_000),
            memo: text("追加项目资金"),
            date: date(20190521),
        }),
        &[&k.district_finance, &k.leader],
    );
    let first = post(&mut l, pay(yuan(90_000), CONTRACTOR, 20190525), &signers_of(&k));
    let over = post(&mut l, pay(yuan(15_000), CONTRACTOR, 20190528), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        // The amount is the overrun: 105,000 paid of 100,000.
        vec![("project_overrun", "high", vec![over], Some(yuan(5_000)))],
        "{:#?}",
        report.findings
    );
    assert!(first < over);
    let f = finding(&report, Rule::ProjectOverrun);
    assert!(
        f.explanation_zh.contains(
            "资金F2019-01现批复预算100,000.00元（淮区扶贫〔2019〕12号），已付105,000.00元，最多超支5,000.00元"
        ),
        "{}",
        f.explanation_zh
    );
    assert!(
        f.explanation_zh.contains(&format!(
            "第{over}号（2019-05-28）向淮安市某建设工程有限公司（{CONTRACTOR}）支付15,000.00元（资金F2019-01），此前已付90,000.00元，累计105,000.00元，超过该资金批复预算100,000.00元（淮区扶贫〔2019〕12号）5,000.00元"
        )),
        "{}",
        f.explanation_zh
    );
}

/// History: beyond 95 % of the budget before the acceptance.
#[test]
fn history_final_payment_before_acceptance() {
    let (mut l, k) = started();
    let paid = post(&mut l, pay(yuan(96_000), CONTRACTOR, 20190528), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![(
            "project_final_before_acceptance",
            "medium",
            vec![paid],
            Some(yuan(96_000))
        )],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectFinalBeforeAcceptance);
    assert!(
        f.explanation_zh.contains(
            "累计支付96,000.00元，超过验收前可付的95,000.00元（批复预算合计100,000.00元，预留5%尾款/质保金），而项目尚未竣工验收"
        ),
        "{}",
        f.explanation_zh
    );
}

/// By business date, after the rules: sequenced after the acceptance but
/// dated before it, beyond the share payable before it.
#[test]
fn final_payment_dated_before_the_acceptance() {
    let (mut l, k) = started();
    let accepted = post(&mut l, accept(20190901), &[&k.town_poverty]);
    let paid = post(&mut l, pay(yuan(96_000), CONTRACTOR, 20190815), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![(
            "project_final_before_acceptance",
            "medium",
            vec![accepted, paid],
            Some(yuan(96_000))
        )],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectFinalBeforeAcceptance);
    assert!(
        f.explanation_zh
            .contains(&format!("业务日期早于第{accepted}号竣工验收（2019-09-01）")),
        "{}",
        f.explanation_zh
    );
    assert!(f.explanation_zh.contains("均按业务日期判断"), "{}", f.explanation_zh);
}

/// History: paid after the project was cancelled (the engine's
/// `project_paid_after_cancel`).
#[test]
fn history_paid_after_cancellation() {
    let (mut l, k) = approved();
    let cancelled = post(&mut l, cancel(20190522), &[&k.district_poverty]);
    let paid = post(&mut l, pay(yuan(1_000), CONTRACTOR, 20190525), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![("project_stage_order", "high", vec![cancelled, paid], Some(yuan(1_000)))],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectStageOrder);
    assert!(
        f.explanation_zh.contains("（批复入库阶段终止；"),
        "{}",
        f.explanation_zh
    );
    assert!(
        f.explanation_zh
            .contains(&format!("而项目已于2019-05-22由第{cancelled}号终止")),
        "{}",
        f.explanation_zh
    );
}

/// By business date, after the rules: a payment dated after the
/// cancellation that was sequenced later.
#[test]
fn paid_dated_after_the_cancellation() {
    let (mut l, k) = approved();
    let paid = post(&mut l, pay(yuan(1_000), CONTRACTOR, 20190610), &signers_of(&k));
    let cancelled = post(&mut l, cancel(20190605), &[&k.district_poverty]);
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![("project_stage_order", "high", vec![paid, cancelled], Some(yuan(1_000)))],
        "{:#?}",
        report.findings
    );
    let f = finding(&report, Rule::ProjectStageOrder);
    assert!(
        f.explanation_zh.contains(&format!(
            "第{paid}号支付1,000.00元，业务日期2019-06-10晚于第{cancelled}号终止项目的日期2019-06-05"
        )),
        "{}",
        f.explanation_zh
    );
}

fn subsidy(fund: &str, period: Period, yuan: u64, on: u32) -> EntryBody {
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: ident(fund),
        from: Account::Treasury(code(TOWN)),
        household: household(1),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category: SubsidyCategory::MinimumLiving,
        period,
        amount: fen(yuan),
        date: date(on),
        notice: None,
        supplementary: None,
    })
}

/// A fund of 2019 paying a 2018 subsidy (a later fund: medium), a fund of
/// 2018 paying a 2019 subsidy (carried over: low); a 2019 project paid in
/// 2020 from its 2019 fund (its retention, say) is not a mismatch.
#[test]
fn fund_year_mismatch_both_ways() {
    let (mut l, k) = started();
    l.ok(
        EntryBody::FundIssue(FundIssue {
            fund: ident("F2018-07"),
            title: text("2018年结转扶贫资金"),
            document_no: text("淮区财〔2018〕77号"),
            source: FundSource::District,
            category: FundCategory::SpecialPoverty,
            fiscal_year: 2018,
            to: Account::Treasury(code(TOWN)),
            amount: fen(1_000),
            date: date(20190301),
        }),
        &[&k.district_finance],
    );
    let signers = [&k.town_poverty, &k.town_finance];
    let arrears = post(
        &mut l,
        subsidy("F2019-01", Period::new(2018, 12).unwrap(), 300, 20190320),
        &signers,
    );
    let carried = post(
        &mut l,
        subsidy("F2018-07", Period::new(2019, 3).unwrap(), 200, 20190321),
        &signers,
    );
    l.ok(pay(yuan(1_000), CONTRACTOR, 20200110), &signers_of(&k));
    let report = audit(&l);
    assert_eq!(
        project_findings(&report),
        vec![
            ("fund_year_mismatch", "low", vec![carried], Some(yuan(200))),
            ("fund_year_mismatch", "medium", vec![arrears], Some(yuan(300))),
        ],
        "{:#?}",
        report.findings
    );
    let earlier = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::FundYearMismatch && f.severity.name() == "medium")
        .unwrap();
    assert!(
        earlier.explanation_zh.starts_with(&format!(
            "一村（{VILLAGE}）：1笔支付使用2019年度资金F2019-01（2019年财政专项扶贫资金）支付2018年度的补贴或项目（#{arrears}），合计300.00元"
        )),
        "{}",
        earlier.explanation_zh
    );
    assert!(
        earlier
            .explanation_en
            .contains("for 2018, from fund F2019-01 of fiscal year 2019"),
        "{}",
        earlier.explanation_en
    );
}

/// The idle money of the report is the rule engine's, on the ledger's last
/// business date or on the date given, and each town and village sums its
/// own and its descendants'.
#[test]
fn idle_money_is_the_engines_figure() {
    let (l, _) = proposed();
    let report = audit(&l);
    // The last business date is the transfer to the project, 2019-05-20.
    assert_eq!(report.as_of_date, Some(date(20190520)));
    let rows = |report: &AuditReport| -> Vec<(String, u64, u32, i64, u16)> {
        report
            .idle_money
            .iter()
            .map(|m: &IdleMoney| (m.account.clone(), m.amount.get(), m.since.get(), m.days, m.limit_days))
            .collect()
    };
    let engine = |on: u32| -> Vec<(String, u64, u32, i64, u16)> {
        l.state
            .idle_money(date(on))
            .iter()
            .map(|m| (m.account.key(), m.amount, m.since.get(), m.days, m.limit_days))
            .collect()
    };
    assert_eq!(
        rows(&report),
        vec![
            (format!("treasury:{DISTRICT}"), yuan(800_000), 20190301, 80, 30),
            (format!("treasury:{TOWN}"), yuan(100_000), 20190310, 71, 30),
        ]
    );
    assert_eq!(rows(&report), engine(20190520));
    // One low finding per account and fund, naming amount, since and days.
    type Row<'a> = (Option<RegionCode>, &'a str, Vec<u64>, Option<u64>);
    let idle: Vec<Row> = report
        .findings
        .iter()
        .filter(|f| f.rule == Rule::IdleMoney)
        .map(|f| (f.region, f.severity.name(), f.entries.clone(), f.amount.map(Fen::get)))
        .collect();
    assert_eq!(
        idle,
        vec![
            (Some(code(DISTRICT)), "low", vec![1], Some(yuan(800_000))),
            (Some(code(TOWN)), "low", vec![2], Some(yuan(100_000))),
        ]
    );
    let town = report
        .findings
        .iter()
        .find(|f| f.rule == Rule::IdleMoney && f.region == Some(code(TOWN)))
        .unwrap();
    assert_eq!(
        town.explanation_zh,
        "施河镇（320803101000）财政持有的资金F2019-01中有100,000.00元超过30天时限未拨付或支出：最早一笔于2019-03-10到达，截至2019-05-20已71天（资金滞留）。"
    );

    // As of a later day: the project's account is over its 90 days too,
    // and the town's row sums its own and its village's project.
    let config = AuditConfig {
        as_of: Some(date(20190820)),
        ..AuditConfig::default()
    };
    let later = audit_entries(&l.sequenced, &l.state, config);
    assert_eq!(later.as_of_date, Some(date(20190820)));
    assert_eq!(rows(&later), engine(20190820));
    assert_eq!(
        rows(&later)[2],
        (format!("project:{P}"), yuan(100_000), 20190520, 92, 90)
    );
    assert_eq!(later.idle_money[2].region, Some(code(VILLAGE)));
    let summary = |code_: u64| {
        later
            .regions
            .iter()
            .find(|r| r.code == code(code_))
            .map(|r| r.idle_money.get())
    };
    assert_eq!(summary(VILLAGE), Some(yuan(100_000)));
    assert_eq!(summary(TOWN), Some(yuan(200_000)));
    // Before anything is over its limit: nothing.
    let early = audit_entries(
        &l.sequenced,
        &l.state,
        AuditConfig {
            as_of: Some(date(20190320)),
            ..AuditConfig::default()
        },
    );
    assert_eq!(early.idle_money, vec![]);
    assert!(early.findings.iter().all(|f| f.rule != Rule::IdleMoney));
}

/// A treasury paying the contractor directly with a fund the approved
/// budget names is the project library's way (no `fund_mismatch`); a fund
/// neither in the budget nor ever moved into the project's account is
/// still flagged (and, as history, an overrun: its budget is zero).
#[test]
fn a_treasury_may_pay_a_fund_the_approval_names() {
    let (mut l, k) = started();
    let from_town = |fund: &str, yuan_: u64, on: u32| {
        EntryBody::ProjectDisbursement(ProjectDisbursement {
            fund: ident(fund),
            project: ident(P),
            from: Account::Treasury(code(TOWN)),
            payee: payee(CONTRACTOR),
            amount: fen(yuan_),
            contract_ref: text("淮区建〔2019〕HT-031"),
            milestone: text("进度款"),
            date: date(on),
        })
    };
    l.ok(from_town("F2019-01", 10_000, 20190610), &signers_of(&k));
    let report = audit(&l);
    assert!(
        report.findings.iter().all(|f| f.rule != Rule::FundMismatch),
        "{:#?}",
        report.findings
    );
    l.ok(
        EntryBody::FundIssue(FundIssue {
            fund: ident("F2019-09"),
            title: text("2019年追加扶贫资金"),
            document_no: text("淮区财〔2019〕90号"),
            source: FundSource::District,
            category: FundCategory::SpecialPoverty,
            fiscal_year: 2019,
            to: Account::Treasury(code(TOWN)),
            amount: fen(1_000),
            date: date(20190301),
        }),
        &[&k.district_finance],
    );
    let stray = post(&mut l, from_town("F2019-09", 500, 20190525), &signers_of(&k));
    let report = audit(&l);
    let rows: Vec<(&str, Vec<u64>, Option<u64>)> = report
        .findings
        .iter()
        .filter(|f| matches!(f.rule, Rule::FundMismatch | Rule::ProjectOverrun))
        .map(|f| (f.rule.id(), f.entries.clone(), f.amount.map(Fen::get)))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("project_overrun", vec![stray], Some(yuan(500))),
            ("fund_mismatch", vec![stray], Some(yuan(500))),
        ],
        "{:#?}",
        report.findings
    );
}

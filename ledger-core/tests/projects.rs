//! The project library (issue 13): stages in order, approval after a
//! publicised plan, the approved budget per fund as a hard limit (one fen
//! over is refused), payments only to the contractor, the retention share
//! only after acceptance, adjustments, cancellation, history before the
//! rules, and money idle past the policy's time limits. Each refusal is
//! shown with its exact code and then the same history accepted once the
//! stage or adjustment is in place.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_core::project::{ProjectAdjust, ProjectCancel, ProjectStage};
use ledger_core::rules::IdleFinding;
use ledger_core::testkit::project::*;
use ledger_core::testkit::*;

fn stage_of(l: &Ledger) -> ProjectStage {
    l.state.project(&ident(P)).unwrap().stage
}

#[test]
fn stages_follow_their_order() {
    let (mut l, k) = proposed();
    let e = l.refused(approve(20190520, "PP-1"), &[&k.district_poverty], "stage_order");
    assert_eq!(
        e,
        RuleError::StageOrder {
            project: ident(P),
            stage: "proposed",
            why: "an approval follows a passed review",
            why_zh: "批复入库须在审核论证通过之后"
        }
    );
    l.refused(start(20190605), &[&k.town_poverty], "stage_order");
    // A failed review leaves the project proposed.
    l.ok(review(20190503, false), &[&k.town_poverty]);
    assert_eq!(stage_of(&l), ProjectStage::Proposed);
    l.refused(review(20190501, true), &[&k.town_poverty], "date_out_of_order");
    l.ok(review(20190505, true), &[&k.town_poverty]);
    l.ok(plan("PP-1", 20190510), &[&k.village]);
    l.ok(approve(20190520, "PP-1"), &[&k.district_poverty]);
    l.refused(accept(20190901), &[&k.town_poverty], "stage_order");
    l.ok(start(20190605), &[&k.town_poverty]);
    l.refused(handover(20190902), &[&k.town_poverty], "stage_order");
    l.refused(evaluate(20200301), &[&k.town_poverty], "stage_order");
    l.ok(accept(20190901), &[&k.town_poverty]);
    l.ok(handover(20190902), &[&k.town_poverty]);
    l.ok(evaluate(20200301), &[&k.town_poverty]);
    let p = l.state.project(&ident(P)).unwrap();
    assert_eq!(p.stage, ProjectStage::Evaluated);
    let timeline: Vec<(ProjectStage, u32)> = p.timeline.iter().map(|(s, d, _)| (*s, d.get())).collect();
    assert_eq!(
        timeline,
        [
            (ProjectStage::Proposed, 20190503),
            (ProjectStage::Reviewed, 20190505),
            (ProjectStage::Approved, 20190520),
            (ProjectStage::Started, 20190605),
            (ProjectStage::Accepted, 20190901),
            (ProjectStage::HandedOver, 20190902),
            (ProjectStage::Evaluated, 20200301),
        ]
    );
    // Only the district poverty office may approve (its grant's kinds).
    let (mut other, k2) = proposed();
    other.ok(review(20190505, true), &[&k2.town_poverty]);
    other.ok(plan("PP-1", 20190510), &[&k2.village]);
    other.refused(approve(20190520, "PP-1"), &[&k2.town_poverty], "out_of_scope");
}

#[test]
fn approval_needs_its_plan_publicised_and_over() {
    let (mut l, k) = proposed();
    l.ok(review(20190505, true), &[&k.town_poverty]);
    l.refused(approve(20190520, "PP-1"), &[&k.district_poverty], "not_publicized");
    l.ok(plan("PP-1", 20190515), &[&k.village]);
    let e = l.refused(approve(20190521, "PP-1"), &[&k.district_poverty], "publicity_not_ended");
    assert_eq!(
        e,
        RuleError::PublicityNotEnded {
            notice: ident("PP-1"),
            ends: date(20190522),
            what: "project_approve",
            date: date(20190521)
        }
    );
    // An objection against the plan's line holds the approval.
    l.ok(
        EntryBody::Objection(Objection {
            case_no: ident("YY-P1"),
            target: ObjectionTarget::NoticeLine(line("PP-1", 0)),
            channel: ObjectionChannel::Letter,
            received: date(20190516),
            summary: text("反映选址占用基本农田"),
        }),
        &[&k.village],
    );
    l.refused(approve(20190522, "PP-1"), &[&k.district_poverty], "objection_open");
    l.ok(
        EntryBody::ObjectionResolve(ObjectionResolve {
            case_no: ident("YY-P1"),
            outcome: ObjectionOutcome::Dismissed,
            date: date(20190520),
            reason: text("经核实未占用基本农田"),
        }),
        &[&k.inspector],
    );
    l.ok(approve(20190522, "PP-1"), &[&k.district_poverty]);
    assert_eq!(stage_of(&l), ProjectStage::Approved);
}

#[test]
fn a_plan_names_registered_projects_of_its_village() {
    let (mut l, k) = base();
    l.refused(plan("PP-1", 20190510), &[&k.village], "unknown_project");
}

#[test]
fn payments_need_the_approval_and_go_to_the_contractor_only() {
    let (mut l, k) = proposed();
    let signers = [&k.town_poverty, &k.town_finance];
    // After 2019-06-01 (projects enforced) a proposed project is not paid.
    let e = l.refused(pay(100, CONTRACTOR, 20190610), &signers, "not_approved");
    assert_eq!(
        e,
        RuleError::NotApproved {
            project: ident(P),
            stage: "proposed"
        }
    );
    let (mut l, k) = started();
    let e = l.refused(
        pay(100, OTHER_COMPANY, 20190610),
        &signers_of(&k),
        "payee_not_contracted",
    );
    assert_eq!(
        e,
        RuleError::PayeeNotContracted {
            project: ident(P),
            contractor: ident(CONTRACTOR),
            payee: ident(OTHER_COMPANY)
        }
    );
    l.ok(pay(100, CONTRACTOR, 20190610), &signers_of(&k));
}

#[test]
fn the_budget_is_a_hard_limit_and_the_retention_waits_for_acceptance() {
    let (mut l, k) = started();
    // 5 % retained: 95,000 元 may be paid before the acceptance.
    let e = l.refused(
        pay(9_500_001, CONTRACTOR, 20190801),
        &signers_of(&k),
        "final_payment_before_acceptance",
    );
    assert_eq!(
        e,
        RuleError::FinalPaymentBeforeAcceptance {
            project: ident(P),
            payable: 9_500_000,
            paid: 0,
            amount: 9_500_001
        }
    );
    l.ok(pay(9_500_000, CONTRACTOR, 20190801), &signers_of(&k));
    l.refused(
        pay(1, CONTRACTOR, 20190802),
        &signers_of(&k),
        "final_payment_before_acceptance",
    );
    l.ok(accept(20190901), &[&k.town_poverty]);
    // One fen over the approved budget is refused.
    let e = l.refused(pay(500_001, CONTRACTOR, 20190910), &signers_of(&k), "budget_exceeded");
    assert_eq!(
        e,
        RuleError::BudgetExceeded {
            project: ident(P),
            budget: 10_000_000,
            paid: 9_500_000,
            amount: 500_001
        }
    );
    l.ok(pay(500_000, CONTRACTOR, 20190910), &signers_of(&k));
    let p = l.state.project(&ident(P)).unwrap();
    assert_eq!(p.paid_of(&ident("F2019-01")), 10_000_000);
    // A fund not in the approved budget has a budget of zero.
    assert_eq!(p.approval.as_ref().unwrap().budget_of(&ident("F2020-01")), 0);
}

#[test]
fn an_adjustment_moves_the_budget_and_the_contractor() {
    let (mut l, k) = started();
    l.ok(pay(5_000_000, CONTRACTOR, 20190801), &signers_of(&k));
    let adjust = |yuan: u64, to: Option<&str>| {
        EntryBody::ProjectAdjust(ProjectAdjust {
            project: ident(P),
            date: date(20190805),
            document_no: text("淮区扶贫调〔2019〕4号"),
            budgets: budget(yuan),
            contract: to.map(contract),
            reason: text("设计变更，增加排水沟"),
        })
    };
    // Not below what was paid (50,000 元).
    l.refused(adjust(49_999, None), &[&k.district_poverty], "budget_exceeded");
    l.ok(adjust(120_000, Some(OTHER_COMPANY)), &[&k.district_poverty]);
    let approval = l.state.project(&ident(P)).unwrap().approval.clone().unwrap();
    assert_eq!(approval.total(), 12_000_000);
    assert_eq!(approval.document_no, "淮区扶贫调〔2019〕4号");
    // The old contractor is no longer paid; the new one is.
    l.refused(pay(100, CONTRACTOR, 20190810), &signers_of(&k), "payee_not_contracted");
    l.ok(pay(100, OTHER_COMPANY, 20190810), &signers_of(&k));
    // After the acceptance no adjustment.
    l.ok(accept(20190901), &[&k.town_poverty]);
    l.refused(adjust(130_000, None), &[&k.district_poverty], "stage_order");
}

#[test]
fn a_cancelled_project_takes_nothing_more() {
    let (mut l, k) = started();
    let cancel = |on| {
        EntryBody::ProjectCancel(ProjectCancel {
            project: ident(P),
            date: date(on),
            reason: text("村民大会否决，终止实施"),
        })
    };
    l.ok(cancel(20190701), &[&k.district_poverty]);
    let seq = l.state.size() - 1;
    let e = l.refused(pay(100, CONTRACTOR, 20190710), &signers_of(&k), "project_cancelled");
    assert_eq!(e, RuleError::ProjectCancelled { project: ident(P), seq });
    l.refused(accept(20190901), &[&k.town_poverty], "project_cancelled");
    l.refused(cancel(20190702), &[&k.district_poverty], "project_cancelled");
    // A handed-over project cannot be cancelled.
    let (mut done, k2) = started();
    done.ok(accept(20190901), &[&k2.town_poverty]);
    done.ok(handover(20190902), &[&k2.town_poverty]);
    done.refused(cancel(20190903), &[&k2.district_poverty], "stage_order");
}

#[test]
fn history_before_the_project_rules_is_accepted_with_its_warnings() {
    let (mut l, k) = proposed();
    // 2019-05-25, before the rules (2019-06-01): a proposed project paid.
    let effects = l.ok(pay(1_000_000, OTHER_COMPANY, 20190525), &signers_of(&k));
    let codes: Vec<&str> = effects.history_warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, ["project_paid_before_approval"]);
    // The budget of a project never approved is still a hard limit.
    l.refused(
        pay(9_000_001, OTHER_COMPANY, 20190526),
        &signers_of(&k),
        "budget_exceeded",
    );
}

#[test]
fn money_idle_past_its_limit_is_found_by_business_date() {
    let (l, _) = proposed();
    // District: 800,000 元 since 2019-03-01; town: 100,000 元 left of what
    // arrived on 2019-03-10; the project's 100,000 元 since 2019-05-20.
    let on = |d: u32| l.state.idle_money(date(d));
    assert_eq!(on(20190331), []);
    assert_eq!(
        on(20190601),
        [
            IdleFinding {
                account: Account::Treasury(code(DISTRICT)),
                fund: ident("F2019-01"),
                amount: 80_000_000,
                since: date(20190301),
                days: 92,
                limit_days: 30
            },
            IdleFinding {
                account: Account::Treasury(code(TOWN)),
                fund: ident("F2019-01"),
                amount: 10_000_000,
                since: date(20190310),
                days: 83,
                limit_days: 30
            },
        ]
    );
    // The project account's limit is 90 days.
    let later = on(20190820);
    assert_eq!(later.len(), 3);
    assert_eq!(later[2].account, Account::Project(ident(P)));
    assert_eq!(
        (later[2].amount, later[2].days, later[2].limit_days),
        (10_000_000, 92, 90)
    );
}

#[test]
fn the_project_flow_replays_offline() {
    let (mut l, k) = started();
    l.ok(pay(9_500_000, CONTRACTOR, 20190801), &signers_of(&k));
    l.ok(accept(20190901), &[&k.town_poverty]);
    l.ok(pay(500_000, CONTRACTOR, 20190910), &signers_of(&k));
    l.ok(handover(20190920), &[&k.town_poverty]);
    let leaves: Vec<_> = l.entries.iter().map(|e| leaf_hash(e)).collect();
    let note = LogSigner::new(ORIGIN, k.log.clone())
        .unwrap()
        .sign_checkpoint(l.entries.len() as u64, &MemoryTree::from_leaves(&leaves).root())
        .to_bytes();
    let refs: Vec<&[u8]> = l.entries.iter().map(Vec::as_slice).collect();
    let report = verify_ledger(&refs, &note, &VerifyOptions::default(), &|_| {}).unwrap();
    assert_eq!(report.entries, l.entries.len() as u64);
}

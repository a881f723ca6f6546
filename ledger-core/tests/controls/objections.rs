//! Objections (异议): an open objection blocks what it names until it is
//! resolved; upheld ones withdraw the line.

use ledger_core::testkit::*;

use crate::support::*;

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

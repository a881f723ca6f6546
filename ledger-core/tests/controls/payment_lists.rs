//! Payment lists (发放公示): a payment must be covered by its list line;
//! a reversal frees the line.

use ledger_core::testkit::*;

use crate::support::*;

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

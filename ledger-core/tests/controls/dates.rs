//! Business dates: no date after today, no money before its fund, no
//! reversal before its payment.

use ledger_core::testkit::*;

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

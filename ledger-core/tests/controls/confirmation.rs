//! Confirmation (确认): a confirmation names a standing household payment
//! once.

use ledger_core::testkit::*;

use crate::support::*;

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

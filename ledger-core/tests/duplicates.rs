//! The duplicate-payment control (issue 14, format 3): a household paid
//! twice for one category and period is refused `duplicate_payment` from
//! the policy's `enforced_from.duplicates` on, unless the second payment is
//! supplementary (补发, 差额补足) and names the standing payment it adds to,
//! or the first was reversed. A supplementary payment on a payment-list
//! line keeps the line's total within its amount.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use ledger_core::entry::{Supplement, SupplementReason};
use ledger_core::testkit::*;

/// Registration and payment lists not enforced (so payments need neither),
/// duplicates refused from 2019-05-01.
fn ledger() -> (Ledger, Keys) {
    let mut policy = policy();
    policy.enforced_from.registration = Date::LAST;
    policy.enforced_from.payment_list = Date::LAST;
    policy.enforced_from.duplicates = date(20190501);
    base_with(policy)
}

fn may() -> Period {
    Period::new(2019, 5).unwrap()
}

fn pay(h: u8, yuan: u64, on: u32, notice: Option<NoticeLineRef>, supplementary: Option<Supplement>) -> EntryBody {
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: ident("F2019-01"),
        from: Account::Treasury(code(TOWN)),
        household: household(h),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category: SubsidyCategory::MinimumLiving,
        period: may(),
        amount: fen(yuan),
        date: date(on),
        notice,
        supplementary,
    })
}

/// The offline verifier replays the same rules over the chain.
fn replays(l: &Ledger, k: &Keys) {
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

fn back_pay(of_seq: u64) -> Option<Supplement> {
    Some(Supplement {
        reason: SupplementReason::BackPay,
        of_seq,
        note: text("5月低保金少发100元，经镇审核补发"),
    })
}

#[test]
fn a_second_payment_is_refused_naming_the_first() {
    let (mut l, k) = ledger();
    let signers = [&k.town_poverty, &k.town_finance];
    let first = l.state.size();
    l.ok(pay(1, 400, 20190520, None, None), &signers);
    let e = l.refused(pay(1, 400, 20190521, None, None), &signers, "duplicate_payment");
    assert_eq!(
        e,
        RuleError::DuplicatePayment {
            household: household(1).to_string(),
            category: SubsidyCategory::MinimumLiving,
            period: may(),
            earlier_seq: first,
            earlier_date: date(20190520),
            earlier_amount: 40_000,
        }
    );
    assert_eq!(
        e.message_zh(),
        format!(
            "重复发放：农户 {} 的“最低生活保障”2019-05 已由第 {first} 号条目于 2019-05-20 发放 400.00 元；再次发放须标明为补发（或差额补足）并注明原发放，或先冲正原发放",
            household(1)
        )
    );
    // Another household, another period: not a duplicate.
    l.ok(pay(2, 400, 20190521, None, None), &signers);
    // Supplementary, naming the first: accepted.
    l.ok(pay(1, 100, 20190522, None, back_pay(first)), &signers);
    // A supplement must name a standing payment of the same key.
    let other = first + 1;
    let e = l.refused(
        pay(1, 100, 20190523, None, back_pay(other)),
        &signers,
        "not_supplementing",
    );
    assert_eq!(
        e.to_string(),
        format!(
            "entry {other} is not a standing payment of household {} for minimum_living 2019-05; a supplementary payment adds to one",
            household(1)
        )
    );
    l.refused(
        pay(3, 100, 20190523, None, back_pay(9_999)),
        &signers,
        "not_supplementing",
    );
    // The whole ledger replays offline.
    replays(&l, &k);
}

#[test]
fn a_reversed_payment_does_not_count_and_history_is_accepted() {
    let (mut l, k) = ledger();
    let signers = [&k.town_poverty, &k.town_finance];
    // Before the control: two payments of one key are history, accepted.
    l.ok(pay(1, 400, 20190420, None, None), &signers);
    l.ok(pay(1, 400, 20190425, None, None), &signers);
    // After it, a third is refused, naming the first standing one.
    let e = l.refused(pay(1, 400, 20190520, None, None), &signers, "duplicate_payment");
    assert!(matches!(e, RuleError::DuplicatePayment { earlier_seq, .. } if earlier_seq == l.state.size() - 2));
    // Paid, reversed, paid again: the reversed one does not count.
    let paid = l.state.size();
    l.ok(pay(2, 400, 20190520, None, None), &signers);
    l.ok(
        EntryBody::Reversal(Reversal {
            target_seq: paid,
            reason: text("金额录入错误"),
            date: date(20190521),
        }),
        &[&k.town_finance],
    );
    l.ok(pay(2, 400, 20190522, None, None), &signers);
    // …and a reversed payment cannot be supplemented.
    l.refused(
        pay(2, 100, 20190523, None, back_pay(paid)),
        &signers,
        "not_supplementing",
    );
}

#[test]
fn a_supplement_on_a_paid_line_stays_within_its_amount() {
    let (mut l, k) = ledger();
    let signers = [&k.town_poverty, &k.town_finance];
    l.ok(
        EntryBody::Notice(Notice {
            notice: ident("P-1"),
            stage: NoticeStage::PaymentList,
            region: code(VILLAGE),
            start: date(20190505),
            title: text("低保金发放公示"),
            lines: NoticeLines::Payments(vec![PaymentLine {
                household: household(1),
                masked_name: masked("王*明"),
                category: SubsidyCategory::MinimumLiving,
                period: may(),
                amount: fen(500),
            }]),
        }),
        &[&k.village, &k.town_poverty],
    );
    let first = l.state.size();
    // Underpaid: 400 of the 500 publicised.
    l.ok(pay(1, 400, 20190520, Some(line("P-1", 0)), None), &signers);
    // Not supplementary: the line is paid.
    l.refused(
        pay(1, 100, 20190521, Some(line("P-1", 0)), None),
        &signers,
        "line_already_paid",
    );
    // 补发 of 101 would take the line to 501.
    let e = l.refused(
        pay(1, 101, 20190521, Some(line("P-1", 0)), back_pay(first)),
        &signers,
        "amount_above_notice",
    );
    assert_eq!(
        e,
        RuleError::AmountAboveNotice {
            notice: ident("P-1"),
            line: 0,
            allowed: 50_000,
            amount: 50_100,
        }
    );
    // 补发 of the 100 underpaid: accepted; then nothing more fits.
    l.ok(pay(1, 100, 20190521, Some(line("P-1", 0)), back_pay(first)), &signers);
    l.refused(
        pay(1, 1, 20190522, Some(line("P-1", 0)), back_pay(first)),
        &signers,
        "amount_above_notice",
    );
    replays(&l, &k);
}

#[test]
fn a_group_taken_back_forgets_its_payments() {
    let (mut l, k) = ledger();
    let signers = [&k.town_poverty, &k.town_finance];
    l.state.begin_group();
    l.ok(pay(1, 400, 20190520, None, None), &signers);
    l.state.rollback_group();
    l.entries.pop();
    l.sequenced.pop();
    // The payment taken back does not make the next one a duplicate.
    l.ok(pay(1, 400, 20190520, None, None), &signers);
    l.refused(pay(1, 400, 20190521, None, None), &signers, "duplicate_payment");
}

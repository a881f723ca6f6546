//! The whole flow, accepted and replayed by the offline verifier; a
//! tampered notice line or confirmation is caught.

use ledger_core::testkit::*;

use crate::support::*;

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

//! Roles (五签字): the offices that must sign above a threshold, and
//! history from before the control accepted with its warnings.

use ledger_core::testkit::*;

use crate::support::*;

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

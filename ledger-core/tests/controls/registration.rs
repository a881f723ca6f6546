//! Registration (两公告两比对四公示): every step of the procedure, the
//! order of its windows, exits and returns.

use ledger_core::testkit::*;

use crate::support::*;

#[test]
fn a_household_is_paid_only_while_registered_in_an_entitling_category() {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    let july = Period::new(2019, 7).unwrap();
    l.ok(
        payment_list(
            "P-7",
            20190701,
            &[
                (1, SubsidyCategory::MinimumLiving, july, 500),
                (2, SubsidyCategory::MinimumLiving, july, 500),
            ],
        ),
        &[&k.village, &k.town_poverty],
    );
    let pay = |h: u8, idx: u32| {
        subsidy(
            h,
            SubsidyCategory::MinimumLiving,
            july,
            500,
            20190710,
            Some(line("P-7", idx)),
        )
    };
    let signers = [&k.town_poverty, &k.town_finance];
    // Not registered at all.
    let e = l.refused(pay(1, 0), &signers, "not_registered");
    assert_eq!(
        e,
        RuleError::NotRegistered {
            household: household(1).to_string(),
            category: "minimum_living",
            date: date(20190710)
        }
    );
    // Household 2 is registered, but in 建档立卡, which does not entitle to 低保金.
    l.ok(
        register(2, AssistanceCategory::RegisteredLowIncome, 20190508, Some(procedure(1))),
        &[&k.town_poverty],
    );
    l.refused(pay(2, 1), &signers, "not_registered");
    // Registered in 低保: paid.
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
    );
    l.ok(pay(1, 0), &signers);
}

#[test]
fn registration_needs_every_step_of_the_procedure() {
    let (mut l, k) = base();
    use AssistanceCategory::MinimumLiving as DB;
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &[(1, DB)]),
        &[&k.village],
    );
    l.ok(
        check(line("A-1", 0), CheckKind::DataComparison, 20190405, true),
        &[&k.town_poverty],
    );
    // The home verification is missing when the village publicity goes up.
    publicise(&mut l, &k, 1, [20190410, 20190417, 20190424, 20190501], &[(1, DB)]);
    let e = l.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    assert!(e.to_string().contains("入户核对"), "{e}");
    // A failed check is named as such.
    let mut failed = l.clone();
    failed.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190409, false),
        &[&k.village],
    );
    let e = failed.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    assert!(e.to_string().contains("did not pass"), "{e}");
    // A check done after the village publicity began does not count.
    let mut late = l.clone();
    late.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190411, true),
        &[&k.village],
    );
    late.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    // Done in time: registered.
    l.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190409, true),
        &[&k.village],
    );
    // A stage cited with the wrong notice.
    let mut wrong = procedure(0);
    wrong.town = line("V-1", 0);
    l.refused(
        register(1, DB, 20190508, Some(wrong)),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    // Before the review window ended (2019-05-08).
    let e = l.refused(
        register(1, DB, 20190507, Some(procedure(0))),
        &[&k.town_poverty],
        "publicity_not_ended",
    );
    assert_eq!(
        e,
        RuleError::PublicityNotEnded {
            notice: ident("R-1"),
            ends: date(20190508),
            what: "household_register",
            date: date(20190507)
        }
    );
    // After 2019-07-01 a registration without notices is refused.
    l.refused(
        register(1, DB, 20190710, None),
        &[&k.town_poverty],
        "procedure_incomplete",
    );
    l.ok(register(1, DB, 20190508, Some(procedure(0))), &[&k.town_poverty]);
    l.refused(
        register(1, DB, 20190601, Some(procedure(0))),
        &[&k.town_poverty],
        "already_registered",
    );
}

#[test]
fn a_stage_that_starts_before_the_previous_window_ended_is_refused() {
    let (mut l, k) = base();
    use AssistanceCategory::MinimumLiving as DB;
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &[(1, DB)]),
        &[&k.village],
    );
    l.ok(
        check(line("A-1", 0), CheckKind::DataComparison, 20190402, true),
        &[&k.town_poverty],
    );
    l.ok(
        check(line("A-1", 0), CheckKind::HomeVerification, 20190402, true),
        &[&k.village],
    );
    // The village publicity starts on day 5 of the application's 7 days.
    publicise(&mut l, &k, 1, [20190405, 20190417, 20190424, 20190501], &[(1, DB)]);
    let e = l.refused(
        register(1, DB, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
        "publicity_not_ended",
    );
    assert_eq!(
        e,
        RuleError::PublicityNotEnded {
            notice: ident("A-1"),
            ends: date(20190408),
            what: "village_publicity",
            date: date(20190405)
        }
    );
}

#[test]
fn history_before_the_controls_loads_without_notices_or_registration() {
    let (mut l, k) = base();
    // March 2019: before every control: no registration, no list, no roles.
    let march = Period::new(2019, 3).unwrap();
    let effects = l.ok(
        subsidy(9, SubsidyCategory::MinimumLiving, march, 300, 20190320, None),
        &[&k.town_finance, &k.town_finance_2],
    );
    assert_eq!(
        codes(&effects),
        ["missing_role", "paid_unregistered", "paid_without_notice"]
    );
    let effects = l.ok(
        register(9, AssistanceCategory::MinimumLiving, 20190315, None),
        &[&k.town_poverty],
    );
    assert_eq!(codes(&effects), ["registered_without_procedure"]);
    // From May (payment lists enforced): the same payment needs its line.
    let may = Period::new(2019, 5).unwrap();
    let e = l.refused(
        subsidy(9, SubsidyCategory::MinimumLiving, may, 300, 20190520, None),
        &[&k.town_finance, &k.town_poverty],
        "not_publicized",
    );
    assert!(e.to_string().contains("2019-05-01"), "{e}");
}

#[test]
fn an_exit_ends_the_categories_that_end_with_it_and_a_return_re_enters() {
    let (mut l, k) = registered_and_listed();
    use AssistanceCategory::{MinimumLiving as DB, RegisteredLowIncome as LI};
    let exit = |on| {
        EntryBody::HouseholdExit(HouseholdExit {
            household: household(2),
            village: code(VILLAGE),
            date: date(on),
            announcement: line("X-1", 0),
            reason: text("人均纯收入稳定超过标准"),
        })
    };
    // No announcement yet.
    l.refused(exit(20190801), &[&k.town_poverty], "not_publicized");
    l.ok(
        household_notice("X-1", NoticeStage::ExitAnnouncement, VILLAGE, 20190720, &[(2, LI)]),
        &[&k.village],
    );
    l.refused(exit(20190726), &[&k.town_poverty], "publicity_not_ended");
    // Household 1 holds only 低保: an announcement of a poverty exit (建档立卡)
    // for it names a category it is not registered in.
    let mut db = l.clone();
    db.ok(
        household_notice(
            "X-2",
            NoticeStage::ExitAnnouncement,
            VILLAGE,
            20190720,
            &[(1, LI), (1, DB)],
        ),
        &[&k.village],
    );
    let exit_1 = |line_no, on| {
        EntryBody::HouseholdExit(HouseholdExit {
            household: household(1),
            village: code(VILLAGE),
            date: date(on),
            announcement: line("X-2", line_no),
            reason: text("收入超标"),
        })
    };
    db.refused(exit_1(0, 20190801), &[&k.town_poverty], "not_registered");
    // 低保 ends by its own review, announced the same way (line 1), not
    // before the registration began.
    db.refused(exit_1(1, 20190507), &[&k.town_poverty], "date_out_of_order");
    db.ok(exit_1(1, 20190801), &[&k.town_poverty]);
    assert_eq!(
        db.state.household(&household(1)).unwrap().registrations[0].until,
        Some(date(20190801))
    );
    // Household 2's 低保-free exit leaves household 1 alone, and vice versa.
    assert_eq!(db.state.household(&household(2)).unwrap().registrations[0].until, None);
    l.ok(exit(20190801), &[&k.town_poverty]);
    let h = l.state.household(&household(2)).unwrap();
    assert_eq!(h.registrations[0].until, Some(date(20190801)));
    // Education money dated on the exit day is refused; the day before is fine.
    let autumn = Period::new(2019, 0).unwrap();
    l.ok(
        payment_list("P-E", 20190705, &[(2, SubsidyCategory::Education, autumn, 1_000)]),
        &[&k.village, &k.town_poverty],
    );
    let pay = |on| subsidy(2, SubsidyCategory::Education, autumn, 1_000, on, Some(line("P-E", 0)));
    let mut later = l.clone();
    later.refused(pay(20190801), &[&k.town_poverty, &k.town_finance], "not_registered");
    later.ok(pay(20190731), &[&k.town_poverty, &k.town_finance]);
    // A return to poverty goes through the procedure again (a new
    // registration of the same category is accepted once the old one ended).
    let (mut again, k2) = (l, k);
    again.ok(
        household_notice("A-2", NoticeStage::Application, VILLAGE, 20190901, &[(2, LI)]),
        &[&k2.village],
    );
    checked(&mut again, &k2, 2, 0, 20190905);
    publicise(&mut again, &k2, 2, [20190910, 20190917, 20190924, 20191001], &[(2, LI)]);
    again.ok(register(2, LI, 20191008, Some(procedure_n(2, 0))), &[&k2.town_poverty]);
    assert_eq!(again.state.household(&household(2)).unwrap().registrations.len(), 2);
}

//! Builders of the small ledger every control test starts from: notices,
//! checks, registrations, payment lists and subsidies with known dates.

use ledger_core::testkit::*;
// Re-exported so that each control module gets the builders with one glob.
pub(crate) use ledger_core::testkit::procedure::*;

/// The whole 两公告两比对四公示 of households 1 (低保) and 2 (建档立卡) in
/// the village, April 2019, up to (not including) registration: windows of
/// 7 days back to back; the objection review ends on 2019-05-08.
/// The publicity stages after the checks (village, town, district,
/// objection review) of procedure `n` (notices V-n, T-n, D-n, R-n) for
/// `households`, starting on the given days.
pub(crate) fn publicise(l: &mut Ledger, k: &Keys, n: u32, starts: [u32; 4], households: &[(u8, AssistanceCategory)]) {
    let stages = [
        (NoticeStage::VillagePublicity, "V", VILLAGE, &k.village),
        (NoticeStage::TownPublicity, "T", TOWN, &k.town_poverty),
        (NoticeStage::DistrictPublicity, "D", DISTRICT, &k.district_poverty),
        (NoticeStage::ObjectionReview, "R", VILLAGE, &k.village),
    ];
    for ((stage, prefix, region, signer), start) in stages.into_iter().zip(starts) {
        l.ok(
            household_notice(&format!("{prefix}-{n}"), stage, region, start, households),
            &[signer],
        );
    }
}

/// Both checks of line `i` of application A-`n`, passed on `on`.
pub(crate) fn checked(l: &mut Ledger, k: &Keys, n: u32, i: u32, on: u32) {
    let application = || line(&format!("A-{n}"), i);
    l.ok(
        check(application(), CheckKind::DataComparison, on, true),
        &[&k.town_poverty],
    );
    l.ok(
        check(application(), CheckKind::HomeVerification, on, true),
        &[&k.village],
    );
}

/// The whole 两公告两比对四公示 of households 1 (低保) and 2 (建档立卡) in
/// the village, April 2019, up to (not including) registration: windows of
/// 7 days back to back; the objection review ends on 2019-05-08.
pub(crate) fn publicised(l: &mut Ledger, k: &Keys) {
    use AssistanceCategory::{MinimumLiving as DB, RegisteredLowIncome as LI};
    let both = [(1, DB), (2, LI)];
    l.ok(
        household_notice("A-1", NoticeStage::Application, VILLAGE, 20190401, &both),
        &[&k.village, &k.town_poverty],
    );
    checked(l, k, 1, 0, 20190409);
    checked(l, k, 1, 1, 20190409);
    publicise(l, k, 1, [20190410, 20190417, 20190424, 20190501], &both);
}

/// Households 1 and 2 registered on 2019-05-08 and a payment list for
/// household 1's May allowance (500 元) posted on 2019-05-10 (window ends
/// 2019-05-17).
pub(crate) fn registered_and_listed() -> (Ledger, Keys) {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    register_and_list(&mut l, &k);
    (l, k)
}

pub(crate) fn codes(effects: &Effects) -> Vec<&'static str> {
    effects.history_warnings.iter().map(|w| w.code).collect()
}

pub(crate) fn objection(case: &str, target: ObjectionTarget, on: u32) -> EntryBody {
    EntryBody::Objection(Objection {
        case_no: ident(case),
        target,
        channel: ObjectionChannel::Hotline12317,
        received: date(on),
        summary: text("反映该户有经营性车辆"),
    })
}

pub(crate) fn resolve(case: &str, outcome: ObjectionOutcome, on: u32) -> EntryBody {
    EntryBody::ObjectionResolve(ObjectionResolve {
        case_no: ident(case),
        outcome,
        date: date(on),
        reason: text("经核实"),
    })
}

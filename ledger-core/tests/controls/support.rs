//! Builders of the small ledger every control test starts from: notices,
//! checks, registrations, payment lists and subsidies with known dates.

use ledger_core::testkit::*;

pub(crate) fn household_notice(
    id: &str,
    stage: NoticeStage,
    region: u64,
    start: u32,
    lines: &[(u8, AssistanceCategory)],
) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: ident(id),
        stage,
        region: code(region),
        start: date(start),
        title: text(stage.label_zh()),
        lines: NoticeLines::Households(
            lines
                .iter()
                .map(|(h, category)| HouseholdLine {
                    household: household(*h),
                    masked_name: masked("王*明"),
                    village: code(VILLAGE),
                    category: *category,
                })
                .collect(),
        ),
    })
}

pub(crate) fn check(application: NoticeLineRef, kind: CheckKind, on: u32, passed: bool) -> EntryBody {
    EntryBody::HouseholdCheck(HouseholdCheck {
        application,
        check: kind,
        date: date(on),
        passed,
        note: text("无车辆、无财政供养人员"),
    })
}

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

/// The lines of household line `i` in procedure `n`'s notices.
pub(crate) fn procedure_n(n: u32, i: u32) -> RegistrationNotices {
    let at = |prefix: &str| line(&format!("{prefix}-{n}"), i);
    RegistrationNotices {
        application: at("A"),
        village: at("V"),
        town: at("T"),
        district: at("D"),
        objection_review: at("R"),
    }
}

pub(crate) fn procedure(i: u32) -> RegistrationNotices {
    procedure_n(1, i)
}

pub(crate) fn register(
    h: u8,
    category: AssistanceCategory,
    on: u32,
    notices: Option<RegistrationNotices>,
) -> EntryBody {
    EntryBody::HouseholdRegister(HouseholdRegister {
        household: household(h),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category,
        date: date(on),
        notices,
    })
}

pub(crate) fn payment_list(id: &str, start: u32, lines: &[(u8, SubsidyCategory, Period, u64)]) -> EntryBody {
    EntryBody::Notice(Notice {
        notice: ident(id),
        stage: NoticeStage::PaymentList,
        region: code(VILLAGE),
        start: date(start),
        title: text("低保金发放公示"),
        lines: NoticeLines::Payments(
            lines
                .iter()
                .map(|(h, category, period, yuan)| PaymentLine {
                    household: household(*h),
                    masked_name: masked("王*明"),
                    category: *category,
                    period: *period,
                    amount: fen(*yuan),
                })
                .collect(),
        ),
    })
}

pub(crate) fn may() -> Period {
    Period::new(2019, 5).unwrap()
}

pub(crate) fn subsidy(
    h: u8,
    category: SubsidyCategory,
    period: Period,
    yuan: u64,
    on: u32,
    notice: Option<NoticeLineRef>,
) -> EntryBody {
    EntryBody::HouseholdSubsidy(HouseholdSubsidy {
        fund: ident("F2019-01"),
        from: Account::Treasury(code(TOWN)),
        household: household(h),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category,
        period,
        amount: fen(yuan),
        date: date(on),
        notice,
        supplementary: None,
    })
}

/// Households 1 and 2 registered on 2019-05-08 and a payment list for
/// household 1's May allowance (500 元) posted on 2019-05-10 (window ends
/// 2019-05-17).
pub(crate) fn registered_and_listed() -> (Ledger, Keys) {
    let (mut l, k) = base();
    publicised(&mut l, &k);
    l.ok(
        register(1, AssistanceCategory::MinimumLiving, 20190508, Some(procedure(0))),
        &[&k.town_poverty],
    );
    l.ok(
        register(2, AssistanceCategory::RegisteredLowIncome, 20190508, Some(procedure(1))),
        &[&k.town_poverty],
    );
    l.ok(
        payment_list("P-1", 20190510, &[(1, SubsidyCategory::MinimumLiving, may(), 500)]),
        &[&k.village, &k.town_poverty],
    );
    (l, k)
}

pub(crate) fn pay_p1(on: u32) -> EntryBody {
    subsidy(1, SubsidyCategory::MinimumLiving, may(), 500, on, Some(line("P-1", 0)))
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

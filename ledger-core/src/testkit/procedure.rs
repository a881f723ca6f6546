//! Builders of the policy's procedure entries (两公告两比对四公示 notices,
//! checks, registrations, payment lists, subsidies) on the kit's village,
//! shared by ledger-core's tests/controls and ledger-audit's tests/controls:
//! both build the same small history, and a copied builder drifts.

use super::*;

/// A notice of `stage` listing households (number, category) of the kit's
/// village, posted in `region` from `start` (yyyymmdd).
pub fn household_notice(
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

/// A household check (比对) of one application line, dated `on`.
pub fn check(application: NoticeLineRef, kind: CheckKind, on: u32, passed: bool) -> EntryBody {
    EntryBody::HouseholdCheck(HouseholdCheck {
        application,
        check: kind,
        date: date(on),
        passed,
        note: text("无车辆、无财政供养人员"),
    })
}

/// The lines of household line `i` in procedure `n`'s notices.
pub fn procedure_n(n: u32, i: u32) -> RegistrationNotices {
    let at = |prefix: &str| line(&format!("{prefix}-{n}"), i);
    RegistrationNotices {
        application: at("A"),
        village: at("V"),
        town: at("T"),
        district: at("D"),
        objection_review: at("R"),
    }
}

/// The lines of household line `i` in procedure 1's notices (A-1 … R-1).
pub fn procedure(i: u32) -> RegistrationNotices {
    procedure_n(1, i)
}

/// Registers household `h` in `category` on `on`, naming the notice lines
/// of its procedure (or none, for history from before the control).
pub fn register(h: u8, category: AssistanceCategory, on: u32, notices: Option<RegistrationNotices>) -> EntryBody {
    EntryBody::HouseholdRegister(HouseholdRegister {
        household: household(h),
        masked_name: masked("王*明"),
        village: code(VILLAGE),
        category,
        date: date(on),
        notices,
    })
}

/// A payment list (发放公示) of the kit's village posted on `start`: lines of
/// (household, category, period, 元).
pub fn payment_list(id: &str, start: u32, lines: &[(u8, SubsidyCategory, Period, u64)]) -> EntryBody {
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

/// May 2019, the period the payment-list tests pay.
pub fn may() -> Period {
    Period::new(2019, 5).unwrap()
}

/// A subsidy from the town's treasury (fund F2019-01) to household `h`, in
/// 元, dated `on`, naming its payment-list line if any.
pub fn subsidy(
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

/// Household 1's May allowance (500 元), paid on `on` against line 0 of P-1.
pub fn pay_p1(on: u32) -> EntryBody {
    subsidy(1, SubsidyCategory::MinimumLiving, may(), 500, on, Some(line("P-1", 0)))
}

/// After the procedure of households 1 and 2 (notices A-1 … R-1): both
/// registered on 2019-05-08, and a payment list for household 1's May
/// allowance (500 元) posted on 2019-05-10 (window ends 2019-05-17).
pub fn register_and_list(l: &mut Ledger, k: &Keys) {
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
}

//! The demo's calendar: when the registration procedure runs, when payment
//! lists go up and payments are made, when exits happen. Every business
//! date of the demo comes from here, so the order the rules need (windows
//! ended before what relies on them, money after its fund arrived) is
//! stated once.

use crate::error::DemoError;
use crate::FIRST_YEAR;
use ledger_core::ids::Date;

/// A date from its parts (a bug in the generator if invalid).
pub(crate) fn ymd(year: u16, month: u8, day: u8) -> Result<Date, DemoError> {
    Date::new(u32::from(year) * 10_000 + u32::from(month) * 100 + u32::from(day)).map_err(DemoError)
}

/// `date` plus `days`.
pub(crate) fn plus(date: Date, days: u32) -> Result<Date, DemoError> {
    date.plus_days(days)
        .ok_or_else(|| DemoError(format!("{date} + {days} days is out of range")))
}

/// The two registration cohorts: 1, every household, in March 2019 (the
/// controls start on 2019-03-01); 2, the household that returned to poverty,
/// in September 2020.
pub(crate) const COHORTS: [(u16, u8); 2] = [(FIRST_YEAR, 3), (FIRST_YEAR + 1, 9)];

/// Days from a cohort's application announcement to each stage's start
/// (each window is the policy's 7 days), and to the registration.
pub(crate) const STAGE_OFFSETS: [u32; 5] = [0, 7, 14, 21, 28];
/// Days from the application announcement to the registration.
pub(crate) const REGISTRATION_OFFSET: u32 = 35;
/// Days from the application to the data comparison (比对) and to the
/// home verification (核对): both before the village publicity.
pub(crate) const CHECK_OFFSETS: [u32; 2] = [2, 4];

/// The first day of cohort `c`'s application announcement.
pub(crate) fn cohort_start(c: usize) -> Result<Date, DemoError> {
    let (year, month) = COHORTS[c.min(1)];
    ymd(year, month, 1)
}

/// The day cohort `c`'s households are registered.
pub(crate) fn registration_date(c: usize) -> Result<Date, DemoError> {
    plus(cohort_start(c)?, REGISTRATION_OFFSET)
}

/// 脱贫公告: the exit announcement goes up on this day …
pub(crate) fn exit_notice_date() -> Result<Date, DemoError> {
    ymd(FIRST_YEAR + 1, 6, 1)
}
/// … and the exits take effect after its window, on this day.
pub(crate) fn exit_date() -> Result<Date, DemoError> {
    ymd(FIRST_YEAR + 1, 6, 10)
}

/// A payment round: a quarter of a year, 0-7 over the demo's two years.
pub(crate) fn round_of(year: u16, month: u8) -> u8 {
    ((year.saturating_sub(FIRST_YEAR)) * 4) as u8 + (month.saturating_sub(1) / 3)
}

/// The first day of round `r`'s payment lists (发放公示): the quarter's first
/// day, except the first regular round (after the March 2019 registration)
/// and 2020's first (after the year's funds reached the towns).
pub(crate) fn round_start(r: u8) -> Result<Date, DemoError> {
    let year = FIRST_YEAR + u16::from(r / 4);
    let quarter = r % 4;
    match (year == FIRST_YEAR, quarter) {
        (true, 0) | (true, 1) => ymd(year, 4, 6),
        (false, 0) => ymd(year, 2, 20),
        _ => ymd(year, quarter * 3 + 1, 1),
    }
}

/// The month a planned payment of `year`'s month `month` is made: in 2019
/// from April on (after the registration), in 2020 from March on (after the
/// year's funds reached the towns); earlier months are paid in arrears.
pub(crate) fn payment_month(year: u16, month: u8) -> u8 {
    if year == FIRST_YEAR {
        month.max(4)
    } else {
        month.max(3)
    }
}

/// The day of the month village `v` pays (15th-24th: after every payment
/// list's window has ended).
pub(crate) fn payment_day(v: u16) -> u8 {
    15 + (v % 10) as u8
}

/// The day of February 2019 village `v` paid its pre-ledger 低保 (history).
pub(crate) fn history_day(v: u16) -> u8 {
    20 + (v % 8) as u8
}

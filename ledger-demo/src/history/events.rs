//! The dated events of the two years, in business-date order: the order of
//! the log. Within a day: the key rotation, fund issues, transfers,
//! project stages, project payments, notices, checks, objections, decisions, registrations, exits,
//! payments, reversals, decisions that need a reversal first, confirmations.

use super::History;
use crate::calendar::{
    cohort_start, exit_date, exit_notice_date, history_day, plus, registration_date, round_start, ymd, CHECK_OFFSETS,
    STAGE_OFFSETS,
};
use crate::corrections::OBJECTION_ROUND;
use crate::error::DemoError;
use crate::{FIRST_YEAR, YEARS};

/// One dated event; each posts one entry or a batch of entries of a kind.
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    /// A town operator hands over (start of the second year).
    Rotate,
    /// A fund is issued (fund position).
    Issue(usize),
    /// A fund is passed to the towns (fund position).
    TownTransfers(usize),
    /// A fund is passed to a weak village (fund, town, village).
    VillageTransfer(usize, u16, u16),
    /// A step of a project in the library: a stage, its plan's publicity
    /// notice or a payment (project, step).
    ProjectStep(usize, usize),
    /// The notices of one stage of a cohort's registration procedure.
    Stage(usize, usize),
    /// One check (0 data comparison, 1 home verification) of a cohort.
    Check(usize, usize),
    /// A cohort's registrations.
    Register(usize),
    /// The 特困 registrations imported from before the ledger.
    Imports,
    /// The exit announcements (脱贫公告).
    ExitNotices,
    /// The exits.
    Exits,
    /// A round's payment lists (发放公示).
    Lists(u8),
    /// The February 2019 payment list of one village (history).
    HistoryList,
    /// An objection against a payment-list line (upheld later or not).
    LineObjection(bool),
    /// Its decision.
    LineResolve(bool),
    /// A household payment (payment index).
    Subsidy(usize),
    /// An objection against a payment made.
    PaymentObjection(usize),
    /// A payment is reversed.
    Reverse(usize),
    /// The objection against a payment is upheld (after the reversal).
    PaymentResolve(usize),
    /// A household confirms a payment.
    Confirm(usize),
}

/// The sort key: business date, phase within the day, then a tiebreak.
type Key = (u32, u8, u32);

impl History<'_> {
    /// Every dated event, in log order.
    pub(super) fn schedule(&self) -> Result<Vec<(Key, Event)>, DemoError> {
        let plan = self.plan;
        let mut events: Vec<(Key, Event)> = Vec::with_capacity(plan.items.len() * 2 + 1_000);
        let mut at = |date: ledger_core::ids::Date, phase: u8, tiebreak: usize, event: Event| {
            events.push(((date.get(), phase, tiebreak as u32), event));
        };
        at(ymd(FIRST_YEAR + 1, 1, 1)?, 0, 0, Event::Rotate);
        for (f, def) in plan.funds.defs.iter().enumerate() {
            // 下达 in January, a few days apart; passed on to the towns in February.
            at(ymd(def.year, 1, 5 + (f % 20) as u8)?, 1, f, Event::Issue(f));
            at(ymd(def.year, 2, 10)?, 2, f, Event::TownTransfers(f));
        }
        for (i, &(f, t, v)) in plan.budget.village.keys().enumerate() {
            let year = plan.funds.defs[f].year;
            at(ymd(year, 3, 1 + (v % 20) as u8)?, 3, i, Event::VillageTransfer(f, t, v));
        }
        for (i, p) in plan.projects.iter().enumerate() {
            // A project's steps keep their order within a day (stages in
            // phase 4, payments in phase 5).
            for (k, step) in p.steps.iter().enumerate() {
                let phase = if matches!(step.action, crate::library::Action::Pay { .. }) {
                    5
                } else {
                    4
                };
                at(step.date, phase, i * 32 + k, Event::ProjectStep(i, k));
            }
        }
        if plan.plans.iter().any(|h| h.extreme_poverty) {
            at(ymd(FIRST_YEAR, 1, 15)?, 10, 0, Event::Imports);
        }
        let cohorts = if plan.plans.iter().any(|h| h.returns) { 2 } else { 1 };
        for c in 0..cohorts {
            let start = cohort_start(c)?;
            for (s, offset) in STAGE_OFFSETS.iter().enumerate() {
                at(plus(start, *offset)?, 6, s, Event::Stage(c, s));
            }
            for (k, offset) in CHECK_OFFSETS.iter().enumerate() {
                at(plus(start, *offset)?, 7, k, Event::Check(c, k));
            }
            at(registration_date(c)?, 10, c, Event::Register(c));
        }
        if plan.plans.iter().any(|h| h.exits) {
            at(exit_notice_date()?, 6, 0, Event::ExitNotices);
            at(exit_date()?, 11, 0, Event::Exits);
        }
        for r in 0..(YEARS.len() * 4) as u8 {
            at(round_start(r)?, 6, 10 + usize::from(r), Event::Lists(r));
        }
        if let Some((_, v)) = self.history_list {
            at(ymd(FIRST_YEAR, 2, history_day(v) - 1)?, 6, 9, Event::HistoryList);
        }
        let c = &plan.corrections;
        let objected = round_start(OBJECTION_ROUND)?;
        for (upheld, present, decided) in [(true, c.line_upheld, 6), (false, c.line_dismissed, 5)] {
            if present.is_some() {
                at(
                    plus(objected, 2)?,
                    8,
                    usize::from(!upheld),
                    Event::LineObjection(upheld),
                );
                at(
                    plus(objected, decided)?,
                    9,
                    usize::from(!upheld),
                    Event::LineResolve(upheld),
                );
            }
        }
        for (k, item) in plan.items.iter().enumerate() {
            if Some(k) == c.line_upheld {
                continue;
            }
            at(item.date, 12, k, Event::Subsidy(k));
            if Some(k) == c.payment_upheld {
                at(plus(item.date, 3)?, 8, k, Event::PaymentObjection(k));
                at(plus(item.date, 8)?, 13, k, Event::Reverse(k));
                at(plus(item.date, 12)?, 14, k, Event::PaymentResolve(k));
            } else if c.reversal_reasons.contains_key(&k) {
                // The duplicate of February's history, found in March.
                at(ymd(FIRST_YEAR, 3, 5)?, 13, k, Event::Reverse(k));
            } else if let Some(days) = item.confirm_after {
                at(plus(item.date, u32::from(days))?, 15, k, Event::Confirm(k));
            }
        }
        events.sort_by_key(|(key, _)| *key);
        Ok(events)
    }

    /// Post every dated event, in order.
    pub(crate) fn post_events(&mut self) -> Result<(), DemoError> {
        for (_, event) in self.schedule()? {
            match event {
                Event::Rotate => self.rotate_town_operator()?,
                Event::Issue(f) => self.issue_fund(f)?,
                Event::TownTransfers(f) => self.pass_fund_to_towns(f)?,
                Event::VillageTransfer(f, t, v) => self.pass_fund_to_village(f, t, v)?,
                Event::ProjectStep(i, k) => self.post_project_step(i, k)?,
                Event::Stage(c, s) => self.post_stage(c, s)?,
                Event::Check(c, k) => self.post_checks(c, k)?,
                Event::Register(c) => self.register(c)?,
                Event::Imports => self.import_registrations()?,
                Event::ExitNotices => self.post_exit_notices()?,
                Event::Exits => self.post_exits()?,
                Event::Lists(r) => self.post_payment_lists(r)?,
                Event::HistoryList => self.post_history_list()?,
                Event::LineObjection(upheld) => self.object_to_line(upheld)?,
                Event::LineResolve(upheld) => self.decide_line(upheld)?,
                Event::Subsidy(k) => self.pay_household(k)?,
                Event::PaymentObjection(k) => self.object_to_payment(k)?,
                Event::Reverse(k) => self.reverse_payment(k)?,
                Event::PaymentResolve(k) => self.decide_payment(k)?,
                Event::Confirm(k) => self.confirm(k)?,
            }
        }
        Ok(())
    }
}

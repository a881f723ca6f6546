//! The month-by-month part of a fiscal year: project registrations and
//! milestone payments, household payments, and their reversals.

use super::{business_date, History};
use crate::error::{fen, text, DemoError};
use crate::funds::subsidy_fund;
use crate::households::Payer;
use crate::keys::{COSIGN_POVERTY, DISTRICT_SOCIAL};
use ledger_core::entry::{Account, EntryBody, HouseholdSubsidy, ProjectDisbursement, Reversal, Transfer};

/// What happens in a month, in the order it is posted.
enum Event {
    /// A project is registered and funded (project index).
    Register(usize),
    /// A project milestone is paid (project index, milestone index).
    Disburse(usize, usize),
    /// A household payment (payment index).
    Subsidy(usize),
    /// A household payment is reversed (payment index, reason).
    Reverse(usize, &'static str),
}

impl History<'_> {
    /// The year's events, month by month: within a month, project
    /// registrations, then milestone payments, then household payments,
    /// then reversals.
    pub(super) fn post_months(&mut self, year: u16) -> Result<(), DemoError> {
        let plan = self.plan;
        let mut events: Vec<(u8, u8, usize, Event)> = Vec::new();
        for (i, p) in plan.projects.iter().enumerate().filter(|(_, p)| p.year == year) {
            events.push((p.month, 0, i, Event::Register(i)));
            for (m, (month, _, _)) in p.milestones.iter().enumerate() {
                events.push((*month, 1, i, Event::Disburse(i, m)));
            }
        }
        for (k, item) in plan.items.iter().enumerate().filter(|(_, i)| i.year == year) {
            events.push((item.month, 2, k, Event::Subsidy(k)));
            if let Some(reason) = plan.reversal_reasons.get(&k) {
                events.push((item.month + 1, 3, k, Event::Reverse(k, reason)));
            }
        }
        events.sort_by_key(|(month, phase, index, _)| (*month, *phase, *index));
        for (_, _, _, event) in events {
            match event {
                Event::Register(i) => self.register_project(year, i)?,
                Event::Disburse(i, m) => self.pay_project(year, i, m)?,
                Event::Subsidy(k) => self.pay_household(year, k)?,
                Event::Reverse(k, reason) => self.reverse_payment(year, k, reason)?,
            }
        }
        Ok(())
    }

    /// ProjectRegister, then the transfer of its budget into the project
    /// account.
    fn register_project(&mut self, year: u16, i: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let p = &plan.projects[i];
        let op = plan.ring.town_operator(p.town, year);
        self.emitter
            .emit(EntryBody::ProjectRegister(p.body.clone()), op, COSIGN_POVERTY);
        let f = plan.funds.position(year, p.fund);
        self.emitter.emit(
            EntryBody::Transfer(Transfer {
                fund: plan.funds.defs[f].id.clone(),
                from: Account::Treasury(plan.district.towns[p.town as usize].code),
                to: Account::Project(p.id.clone()),
                amount: p.body.budget,
                memo: text(&format!("拨付项目资金：{}", p.body.name))?,
                date: business_date(year, p.month.max(3), 12)?,
            }),
            op,
            COSIGN_POVERTY,
        );
        Ok(())
    }

    /// ProjectDisbursement of milestone `m` to the contractor.
    fn pay_project(&mut self, year: u16, i: usize, m: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let p = &plan.projects[i];
        let (_, percent, milestone) = p.milestones[m];
        let f = plan.funds.position(year, p.fund);
        self.emitter.emit(
            EntryBody::ProjectDisbursement(ProjectDisbursement {
                fund: plan.funds.defs[f].id.clone(),
                project: p.id.clone(),
                from: Account::Project(p.id.clone()),
                payee: p.payee.clone(),
                amount: fen(p.body.budget.get() * percent / 100)?,
                contract_ref: p.contract.clone(),
                milestone: text(milestone)?,
                date: business_date(year, p.milestones[m].0.max(p.month.max(3)), 18)?,
            }),
            plan.ring.town_operator(p.town, year),
            COSIGN_POVERTY,
        );
        Ok(())
    }

    /// HouseholdSubsidy `k`, from the district, a town or a weak village.
    fn pay_household(&mut self, year: u16, k: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let item = plan.items[k];
        let household = plan
            .households
            .get(item.household as usize)
            .ok_or_else(|| DemoError("payment for an unknown household".into()))?;
        let f = plan.funds.position(item.year, subsidy_fund(item.category));
        let towns = &plan.district.towns;
        let (from, op) = match item.payer {
            Payer::District => (plan.district.code, DISTRICT_SOCIAL),
            Payer::Town(t) => (towns[t as usize].code, plan.ring.town_operator(t, year)),
            Payer::Village(t, v) => (
                towns[t as usize].villages[v as usize].code,
                plan.ring.town_operator(t, year),
            ),
        };
        let seq = self.emitter.emit(
            EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                fund: plan.funds.defs[f].id.clone(),
                from: Account::Treasury(from),
                household: household.reference,
                masked_name: household.masked_name.clone(),
                village: household.village,
                category: item.category,
                period: item.period,
                amount: fen(item.amount)?,
                date: business_date(item.year, item.month.max(3), 26)?,
                notice: None,
            }),
            op,
            COSIGN_POVERTY,
        );
        if plan.reversal_reasons.contains_key(&k) {
            self.item_seq.insert(k, seq);
        }
        Ok(())
    }

    /// Reversal of household payment `k`, by whoever paid it.
    fn reverse_payment(&mut self, year: u16, k: usize, reason: &str) -> Result<(), DemoError> {
        let Some(&target_seq) = self.item_seq.get(&k) else {
            return Ok(());
        };
        let op = match self.plan.items[k].payer {
            Payer::District => DISTRICT_SOCIAL,
            Payer::Town(t) | Payer::Village(t, _) => self.plan.ring.town_operator(t, year),
        };
        self.emitter.emit(
            EntryBody::Reversal(Reversal {
                target_seq,
                reason: text(reason)?,
                date: business_date(year, self.plan.items[k].month.max(3) + 1, 5)?,
            }),
            op,
            COSIGN_POVERTY,
        );
        Ok(())
    }
}

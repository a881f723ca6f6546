//! Money by month and by fund source, for the report's timeline and
//! fund-flow picture (issue 16). Business dates; reversals are not netted
//! here (the region totals are).

use super::*;
use ledger_core::entry::FundSource;

#[derive(Debug, Default)]
pub(super) struct Flows {
    months: BTreeMap<u32, [u64; 4]>,
    sources: BTreeMap<FundSource, u64>,
}

fn month_of(date: Date) -> u32 {
    date.get() / 100
}

impl Flows {
    pub(super) fn observe(&mut self, body: &EntryBody) {
        let (slot, date, amount) = match body {
            EntryBody::FundIssue(f) => {
                let s = self.sources.entry(f.source).or_default();
                *s = s.saturating_add(f.amount.get());
                (0, f.date, f.amount.get())
            }
            EntryBody::Transfer(t) => (1, t.date, t.amount.get()),
            EntryBody::HouseholdSubsidy(s) => (2, s.date, s.amount.get()),
            EntryBody::ProjectDisbursement(d) => (3, d.date, d.amount.get()),
            _ => return,
        };
        let m = self.months.entry(month_of(date)).or_default();
        m[slot] = m[slot].saturating_add(amount);
    }

    pub(super) fn months(&self) -> Vec<MonthMoney> {
        self.months
            .iter()
            .map(|(month, m)| MonthMoney {
                month: *month,
                issued: Fen::from_raw(m[0]),
                transferred: Fen::from_raw(m[1]),
                households: Fen::from_raw(m[2]),
                projects: Fen::from_raw(m[3]),
            })
            .collect()
    }

    pub(super) fn sources(&self) -> Vec<SourceMoney> {
        self.sources
            .iter()
            .map(|(source, amount)| SourceMoney {
                source: source.name().to_string(),
                label: source.label_zh().to_string(),
                amount: Fen::from_raw(*amount),
            })
            .collect()
    }
}

//! The budget: what each payer must pay out of each fund, and so how much
//! each fund issues and how much each town and weak village receives.
//!
//! Every allocation is exactly what its payer pays out within the demo
//! (核定: the district passes down what the towns' payment plans need), so
//! money never overdraws and, at the end, almost nothing is left over: the
//! idle money (资金滞留) the page and the audit show is the few places
//! where money stays, each for a reason the log tells (a cancelled project's
//! budget, a budget cut after the money arrived, reversed payments, the
//! payments of late December cut off the end of the log, the district's
//! reserve of the first year's 低保 fund).

use crate::funds::{subsidy_fund, FundKey, Funds};
use crate::households::{Payer, SubsidyItem};
use crate::projects::ProjectPlan;
use crate::{FIRST_YEAR, YUAN};
use std::collections::BTreeMap;

/// What a fund that pays nothing in the demo (a small one) still issues.
const MIN_ISSUE_FEN: u64 = 100_000 * YUAN;

/// `value` rounded up to a multiple of `step`.
pub(crate) fn round_up(value: u64, step: u64) -> u64 {
    value.div_ceil(step).saturating_mul(step)
}

/// The amounts, in fen, keyed by fund position (in [`Funds::defs`]).
pub(crate) struct Budget {
    /// What each fund issues into the district treasury.
    pub(crate) issue: Vec<u64>,
    /// What the district passes down to each town, by (fund, town).
    pub(crate) town: BTreeMap<(usize, u16), u64>,
    /// What a town passes down to each weak village, by (fund, town, village).
    pub(crate) village: BTreeMap<(usize, u16, u16), u64>,
}

/// What each payer pays out, by fund.
#[derive(Default)]
struct Needs {
    town: BTreeMap<(usize, u16), u64>,
    village: BTreeMap<(usize, u16, u16), u64>,
}

impl Budget {
    /// Work out the allocations from the planned payments and projects.
    pub(crate) fn allocate(funds: &Funds, items: &[SubsidyItem], projects: &[ProjectPlan]) -> Budget {
        let needs = Needs::of(funds, items, projects);
        // A weak village's collective receives what it pays out; its town
        // passes it on.
        let mut town = needs.town;
        for (&(f, t, _), &amount) in &needs.village {
            *town.entry((f, t)).or_insert(0) += amount;
        }
        town.retain(|_, amount| *amount > 0);
        let mut issue: Vec<u64> = vec![0; funds.defs.len()];
        for (&(f, _), &a) in &town {
            issue[f] += a;
        }
        for amount in issue.iter_mut().filter(|a| **a == 0) {
            *amount = MIN_ISSUE_FEN;
        }
        // The first year's 低保 fund keeps a reserve at the district (to the
        // next 100,000 元, and at least the smallest town's share): the
        // transfer sent to the wrong town is re-sent before its reversal's
        // money is needed, and the reserve then stays (the district's own
        // 资金滞留).
        let f = funds.position(FIRST_YEAR, FundKey::MinLiving);
        let smallest = town
            .iter()
            .filter(|((g, _), _)| *g == f)
            .map(|(_, a)| *a)
            .min()
            .unwrap_or(0);
        if let Some(amount) = issue.get_mut(f) {
            *amount = round_up(*amount + smallest, MIN_ISSUE_FEN);
        }
        Budget {
            issue,
            town,
            village: needs.village,
        }
    }
}

impl Needs {
    /// What the payments and the projects need, by payer and fund.
    fn of(funds: &Funds, items: &[SubsidyItem], projects: &[ProjectPlan]) -> Needs {
        let mut needs = Needs::default();
        for item in items {
            let f = funds.position(item.year, subsidy_fund(item.category));
            match item.payer {
                Payer::Town(t) => *needs.town.entry((f, t)).or_insert(0) += item.amount,
                Payer::Village(t, v) => *needs.village.entry((f, t, v)).or_insert(0) += item.amount,
            }
        }
        for p in projects {
            let f = funds.position(p.year, p.fund);
            if p.allocation > 0 {
                *needs.town.entry((f, p.town)).or_insert(0) += p.allocation;
            }
        }
        needs
    }
}

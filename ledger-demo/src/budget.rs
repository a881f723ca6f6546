//! The budget: what each payer must pay out of each fund, and so how much
//! each fund issues and how much each town and weak village receives.
//!
//! Every allocation is computed from the payments it must cover, rounded
//! up, so money never overdraws.

use crate::dice::Dice;
use crate::funds::{subsidy_fund, FundKey, Funds, TOWN_SUBSIDY_FUNDS};
use crate::households::{Payer, SubsidyItem};
use crate::projects::ProjectPlan;
use crate::{YEARS, YUAN};
use std::collections::BTreeMap;

/// Town allocations are rounded up to 10,000 元, as budget documents are.
const TOWN_ROUNDING_FEN: u64 = 10_000 * YUAN;
/// Village allocations are rounded up to 1,000 元.
const VILLAGE_ROUNDING_FEN: u64 = 1_000 * YUAN;

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
    /// Work out the allocations from the planned payments and projects, then
    /// draw each fund's small reserve.
    pub(crate) fn allocate(
        dice: &mut Dice,
        funds: &Funds,
        items: &[SubsidyItem],
        projects: &[ProjectPlan],
        weak_villages: &[(u16, u16)],
        subsidy_towns: &[u16],
    ) -> Budget {
        let mut needs = Needs::of(funds, items, projects);
        // Weak villages receive their industry support allocation every year.
        let mut village: BTreeMap<(usize, u16, u16), u64> = BTreeMap::new();
        for year in YEARS {
            let f = funds.position(year, FundKey::Provincial);
            for (t, v) in weak_villages {
                let need = needs.village.get(&(f, *t, *v)).copied().unwrap_or(0);
                let alloc = round_up(need, VILLAGE_ROUNDING_FEN).max(5 * VILLAGE_ROUNDING_FEN);
                village.insert((f, *t, *v), alloc);
                *needs.town.entry((f, *t)).or_insert(0) += alloc;
            }
        }
        // Every town with residents receives each subsidy fund; the others
        // what their projects need.
        let mut town: BTreeMap<(usize, u16), u64> = BTreeMap::new();
        for (f, def) in funds.defs.iter().enumerate() {
            if TOWN_SUBSIDY_FUNDS.contains(&def.key) {
                for t in subsidy_towns {
                    let need = needs.town.get(&(f, *t)).copied().unwrap_or(0);
                    town.insert((f, *t), round_up(need, TOWN_ROUNDING_FEN).max(TOWN_ROUNDING_FEN));
                }
            }
        }
        for (&(f, t), &need) in &needs.town {
            town.entry((f, t)).or_insert_with(|| round_up(need, TOWN_ROUNDING_FEN));
        }
        let mut issue: Vec<u64> = vec![0; funds.defs.len()];
        for (&(f, _), &a) in &town {
            issue[f] += a;
        }
        for amount in issue.iter_mut() {
            // A small reserve stays at the district, as budgets do.
            let reserve = dice.range(0, 3);
            *amount = round_up(*amount * (100 + reserve) / 100, 100_000 * YUAN).max(100_000 * YUAN);
        }
        Budget { issue, town, village }
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
            *needs.town.entry((f, p.town)).or_insert(0) += p.body.budget.get();
        }
        needs
    }
}

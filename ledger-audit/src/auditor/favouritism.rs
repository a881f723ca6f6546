//! 优亲厚友 (favouring relatives and friends) — a lead, not a finding
//! (issue 16). Given the cadres' office roster (surnames per village or
//! town, from `ledger audit --roster`), a village whose households sharing
//! a surname with its cadres received, on average, at least
//! [`LEAD_RATIO_PERCENT`] % of what the village's other households received,
//! with at least [`LEAD_MIN_HOUSEHOLDS`] such households, is named as a
//! lead to check in the field. Surnames are the first character of the
//! masked name (`张*华` → 张); compound surnames are not told apart. No time
//! plays a part; reversed payments are left out.

use super::*;

/// Households sharing a cadre surname needed for a lead.
pub const LEAD_MIN_HOUSEHOLDS: usize = 2;
/// Their average against the other households', percent.
pub const LEAD_RATIO_PERCENT: u64 = 150;

#[derive(Debug, Default)]
struct Side {
    households: usize,
    amount: u64,
    seqs: Vec<u64>,
}

impl Auditor {
    /// The cadres' surnames per village or town (a town's apply to its
    /// villages); before the first entry.
    pub fn set_roster(&mut self, roster: BTreeMap<RegionCode, BTreeSet<char>>) {
        self.roster = roster;
    }

    fn cadre_surnames(&self, village: RegionCode) -> BTreeSet<char> {
        let mut out = BTreeSet::new();
        for code in [Some(village), village.town()].into_iter().flatten() {
            if let Some(s) = self.roster.get(&code) {
                out.extend(s.iter().copied());
            }
        }
        out
    }

    pub(super) fn finish_favouritism(&mut self, state: &LedgerState) {
        if self.roster.is_empty() {
            return;
        }
        // village → (same surname, others)
        let mut villages: BTreeMap<RegionCode, (Side, Side, BTreeSet<char>)> = BTreeMap::new();
        for (household, by_village) in &self.household_villages {
            let surname = self
                .household_names_masked
                .get(household)
                .and_then(|n| n.chars().next());
            for (village, seqs) in by_village {
                let cadres = self.cadre_surnames(*village);
                if cadres.is_empty() {
                    continue;
                }
                let live: Vec<u64> = seqs
                    .iter()
                    .copied()
                    .filter(|s| state.reversed_by(*s).is_none())
                    .collect();
                if live.is_empty() {
                    continue;
                }
                let amount = live
                    .iter()
                    .filter_map(|s| self.moves.get(s))
                    .fold(0u64, |t, m| t.saturating_add(m.amount));
                let v = villages.entry(*village).or_default();
                let same = surname.is_some_and(|c| cadres.contains(&c));
                let side = if same { &mut v.0 } else { &mut v.1 };
                side.households += 1;
                side.amount = side.amount.saturating_add(amount);
                side.seqs.extend(live);
                if same {
                    if let Some(c) = surname {
                        v.2.insert(c);
                    }
                }
            }
        }
        for (village, (same, others, surnames)) in villages {
            if same.households < LEAD_MIN_HOUSEHOLDS || others.households == 0 {
                continue;
            }
            // Averages compared without division: same/hs ≥ r% · others/ho.
            let lhs = u128::from(same.amount) * others.households as u128 * 100;
            let rhs = u128::from(others.amount) * same.households as u128 * u128::from(LEAD_RATIO_PERCENT);
            if lhs < rhs {
                continue;
            }
            let avg = |s: &Side| Fen::from_raw(s.amount / s.households.max(1) as u64).to_yuan_string();
            let names = surnames.iter().map(char::to_string).collect::<Vec<_>>().join("、");
            let place = state
                .regions()
                .name(village)
                .map_or_else(|| village.to_string(), str::to_string);
            let (n_same, n_other) = (same.households, others.households);
            let (avg_same, avg_other) = (avg(&same), avg(&others));
            self.push(
                Rule::FavouritismLead,
                Severity::Low,
                same.seqs,
                Some(village),
                Some(same.amount),
                format!("线索（非认定）：{place}与村镇干部名册同姓（{names}）的{n_same}户平均每户领取{avg_same}元，其余{n_other}户平均{avg_other}元，明显偏高；同姓不等于亲属，请实地核实是否优亲厚友。"),
                format!("Lead, not a finding: in {place} the {n_same} households sharing a surname ({names}) with the cadres' roster received {avg_same} yuan each on average, the other {n_other} households {avg_other} yuan: a shared surname is not kinship; check in the field for favouritism."),
            );
        }
    }
}

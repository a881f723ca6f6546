//! Payees (contractors, suppliers) and households: who was paid.

use ledger_core::entry::HouseholdSubsidy;
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::money::Sign;
use ledger_core::region::RegionCode;

use super::tally::{apply_at, signed};
use super::{FlowNode, QueryIndex};

/// A contractor or supplier.
#[derive(Debug, Clone)]
pub struct PayeeInfo {
    /// Id (unified social credit code).
    pub id: Ident,
    /// Name, as first paid.
    pub name: String,
}

impl QueryIndex {
    /// A payee by index.
    pub fn payee_at(&self, index: u32) -> Option<&PayeeInfo> {
        self.payees.get(index as usize)
    }

    pub(super) fn intern_payee(&mut self, id: &Ident, name: &str) -> u32 {
        if let Some(i) = self.payee_ids.get(id) {
            return *i;
        }
        let index = self.payees.len() as u32;
        self.payees.push(PayeeInfo {
            id: id.clone(),
            name: name.to_string(),
        });
        self.payee_ids.insert(id.clone(), index);
        index
    }

    /// Payments that are live for a household in a village (net of reversals).
    pub fn household_payments(&self, household: &HouseholdRef, village: RegionCode) -> u32 {
        self.households.get(&(*household, village)).copied().unwrap_or(0)
    }

    /// Distinct (household, village) pairs with live payments.
    pub fn household_count(&self) -> usize {
        self.households.len()
    }

    pub(super) fn apply_subsidy(&mut self, s: &HouseholdSubsidy, sign: Sign) {
        let (Some(fund), Some(from)) = (self.fund_ids.get(&s.fund).copied(), self.intern_account(&s.from)) else {
            return;
        };
        let amount = s.amount.get();
        let Some(f) = self.funds.get_mut(fund as usize) else {
            return;
        };
        let source = f.source;
        let sink = FlowNode::Households(s.village);
        apply_at(&mut f.flows, (FlowNode::Account(from), sink), amount, sign);
        apply_at(&mut f.payees, sink, amount, sign);
        // Distinct households: count a (household, village) pair while it has
        // at least one live payment.
        let key = (s.household, s.village);
        let live = self.households.get(&key).copied().unwrap_or(0);
        let now = super::tally::signed32(live, 1, sign);
        let households_delta = match (live, now) {
            (0, n) if n > 0 => Some(Sign::Add),
            (l, 0) if l > 0 => Some(Sign::Sub),
            _ => None,
        };
        if now == 0 {
            self.households.remove(&key);
        } else {
            self.households.insert(key, now);
        }
        for code in self.lineage(s.village) {
            if let Some(r) = self.regions.get_mut(&code) {
                r.agg.subsidies.apply(amount, sign);
                r.agg.subsidies_by_category[s.category as usize].apply(amount, sign);
                apply_at(&mut r.agg.subsidies_by_year, s.period.year, amount, sign);
                if let Some(delta) = households_delta {
                    r.agg.households = signed(r.agg.households, 1, delta);
                }
            }
        }
        let payer = self.account_region(from);
        self.pay_out(payer, s.village, source, amount, sign);
    }
}

//! The regions view: per-subtree totals, received and paid out.

use ledger_core::entry::FundSource;
use ledger_core::money::Sign;
use ledger_core::region::{RegionCode, RegionDef};
use std::collections::BTreeMap;

use super::tally::{apply_at, signed};
use super::{QueryIndex, Tally, PROJECT_CATEGORY_COUNT, SOURCE_COUNT, SUBSIDY_CATEGORY_COUNT};

/// Totals of a region's subtree (the region and everything below it).
#[derive(Debug, Clone, Default)]
pub struct RegionAgg {
    /// Money that entered the subtree's accounts from outside it (fund
    /// issues into it, transfers from above it), net of reversals.
    pub received: Tally,
    /// `received` per fund (fund index).
    pub received_by_fund: BTreeMap<u32, Tally>,
    /// Money held in the subtree's accounts now, by fund source.
    pub held_by_source: [u64; SOURCE_COUNT],
    /// Money paid to the subtree's households and projects, by fund source.
    pub benefit_by_source: [u64; SOURCE_COUNT],
    /// Subsidies to households of the subtree.
    pub subsidies: Tally,
    /// `subsidies` per [`SubsidyCategory`] (format order).
    pub subsidies_by_category: [Tally; SUBSIDY_CATEGORY_COUNT],
    /// `subsidies` per period year.
    pub subsidies_by_year: BTreeMap<u16, Tally>,
    /// Distinct (household, village) pairs with at least one live payment.
    pub households: u64,
    /// Payments to contractors for projects of the subtree.
    pub project_payments: Tally,
    /// `project_payments` per [`ProjectCategory`] (format order).
    pub project_payments_by_category: [Tally; PROJECT_CATEGORY_COUNT],
    /// Projects registered in the subtree (indexes, registration order).
    pub projects: Vec<u32>,
}

impl RegionAgg {
    /// Money held in the subtree's accounts.
    pub fn balance(&self) -> u64 {
        self.held_by_source.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// A registered region.
#[derive(Debug, Clone)]
pub struct RegionInfo {
    /// Official name.
    pub name: String,
    /// Registered children, in code order.
    pub children: Vec<RegionCode>,
    /// Subtree totals.
    pub agg: RegionAgg,
    /// The household payments to the subtree (sequence numbers, ascending):
    /// the village page's rows. The store's region index also lists every
    /// notice, check, registration and confirmation of the region, so a
    /// page of payments paged from it read and decoded up to eight entries
    /// per row, notices with a line per household among them
    /// (docs/PERFORMANCE.md, "The village query at its root"); 4 bytes per
    /// payment and level.
    pub payments: Vec<u32>,
}

impl QueryIndex {
    /// Every region, in code order.
    pub fn regions(&self) -> &BTreeMap<RegionCode, RegionInfo> {
        &self.regions
    }

    /// A region.
    pub fn region(&self, code: RegionCode) -> Option<&RegionInfo> {
        self.regions.get(&code)
    }

    /// A region's name, or its code if unknown.
    pub fn region_name(&self, code: RegionCode) -> String {
        self.regions
            .get(&code)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    pub(super) fn register_regions(&mut self, defs: &[RegionDef]) {
        for def in defs {
            if self.regions.contains_key(&def.code) {
                continue; // re-registering with the same name is allowed
            }
            self.regions.insert(
                def.code,
                RegionInfo {
                    name: def.name.clone(),
                    children: Vec::new(),
                    agg: RegionAgg::default(),
                    payments: Vec::new(),
                },
            );
            if let Some(parent) = def.code.parent().and_then(|p| self.regions.get_mut(&p)) {
                // Defs come in any order within the parent's registration;
                // keep children sorted for stable answers.
                if let Err(at) = parent.children.binary_search(&def.code) {
                    parent.children.insert(at, def.code);
                }
            }
        }
    }

    /// Household payments to `code`'s subtree: ascending sequence numbers
    /// after `after` (if given) and below `below` (the durable size), at
    /// most `limit`. A reversed payment stays listed (its row says so).
    pub fn region_payments(&self, code: RegionCode, after: Option<u64>, below: u64, limit: usize) -> Vec<u64> {
        let Some(list) = self.regions.get(&code).map(|r| &r.payments) else {
            return Vec::new();
        };
        let start = after.map_or(0, |a| list.partition_point(|s| u64::from(*s) <= a));
        list.get(start..)
            .unwrap_or_default()
            .iter()
            .map(|s| u64::from(*s))
            .take_while(|s| *s < below)
            .take(limit)
            .collect()
    }

    /// List payment `seq` in `village`'s subtree and its ancestors'.
    pub(super) fn post_payment(&mut self, seq: u64, village: RegionCode) {
        // The store refuses entries beyond u32 (`Store::add_to_indexes`), so
        // a larger number never reaches here; skip rather than truncate.
        let Ok(seq) = u32::try_from(seq) else { return };
        for code in self.lineage(village) {
            if let Some(r) = self.regions.get_mut(&code) {
                // Entries arrive in order; the replay never records twice.
                if r.payments.last().is_none_or(|last| *last < seq) {
                    r.payments.push(seq);
                }
            }
        }
    }

    /// Give back the spare capacity of the payment lists (after the
    /// start-up replay: lists grown by doubling hold up to twice their size).
    pub fn shrink_payment_lists(&mut self) {
        for r in self.regions.values_mut() {
            r.payments.shrink_to_fit();
        }
    }

    /// A code and its registered ancestors, most specific first.
    pub(super) fn lineage(&self, code: RegionCode) -> Vec<RegionCode> {
        let mut out = Vec::with_capacity(3);
        let mut cursor = Some(code);
        while let Some(c) = cursor {
            if self.regions.contains_key(&c) {
                out.push(c);
            }
            cursor = c.parent();
        }
        out
    }

    /// Money of `fund` entered the subtrees of `regions` from outside them.
    pub(super) fn receive(&mut self, regions: &[RegionCode], fund: u32, source: FundSource, amount: u64, sign: Sign) {
        for code in regions {
            if let Some(r) = self.regions.get_mut(code) {
                r.agg.received.apply(amount, sign);
                apply_at(&mut r.agg.received_by_fund, fund, amount, sign);
                let held = &mut r.agg.held_by_source[source as usize];
                *held = signed(*held, amount, sign);
            }
        }
    }

    /// Money of `source` left custody from an account in `payer_region`'s
    /// subtree, for the benefit of `beneficiary`'s subtree.
    pub(super) fn pay_out(
        &mut self,
        payer_region: Option<RegionCode>,
        beneficiary: RegionCode,
        source: FundSource,
        amount: u64,
        sign: Sign,
    ) {
        for code in payer_region.map(|r| self.lineage(r)).unwrap_or_default() {
            if let Some(r) = self.regions.get_mut(&code) {
                let held = &mut r.agg.held_by_source[source as usize];
                *held = signed(*held, amount, sign.flip());
            }
        }
        for code in self.lineage(beneficiary) {
            if let Some(r) = self.regions.get_mut(&code) {
                let benefit = &mut r.agg.benefit_by_source[source as usize];
                *benefit = signed(*benefit, amount, sign);
            }
        }
    }
}

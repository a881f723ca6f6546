//! The memory budget: what the aggregates hold on the heap.

use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::region::RegionCode;

use super::{AccountId, FlowNode, FundInfo, PayeeInfo, ProjectInfo, QueryIndex, RegionInfo, Tally};

impl QueryIndex {
    /// Approximate heap bytes held (for the memory budget and metrics): the
    /// tables' capacities times their element sizes, plus strings and map
    /// nodes (counted at 48 bytes of overhead per B-tree entry).
    pub fn approx_heap_bytes(&self) -> usize {
        use std::mem::size_of;
        const NODE: usize = 48;
        let regions: usize = self
            .regions
            .values()
            .map(|r| {
                size_of::<(RegionCode, RegionInfo)>()
                    + NODE
                    + r.name.capacity()
                    + r.children.capacity() * size_of::<RegionCode>()
                    + r.agg.received_by_fund.len() * (size_of::<(u32, Tally)>() + NODE)
                    + r.agg.subsidies_by_year.len() * (size_of::<(u16, Tally)>() + NODE)
                    + r.agg.projects.capacity() * size_of::<u32>()
                    + r.payments.capacity() * size_of::<u32>()
            })
            .sum();
        let funds: usize = self
            .funds
            .iter()
            .map(|f| {
                f.title.len()
                    + f.document_no.len()
                    + f.flows.len() * (size_of::<((FlowNode, FlowNode), Tally)>() + NODE)
                    + f.balances.len() * (size_of::<(AccountId, u64)>() + NODE)
                    + f.payees.len() * (size_of::<(FlowNode, Tally)>() + NODE)
            })
            .sum::<usize>()
            + self.funds.capacity() * size_of::<FundInfo>();
        let projects: usize = self
            .projects
            .iter()
            .map(|p| p.name.capacity() + p.implementer.capacity() + p.stages.heap_bytes())
            .sum::<usize>()
            + self.projects.capacity() * size_of::<ProjectInfo>();
        let payees: usize = self.payees.iter().map(|p| p.name.capacity()).sum::<usize>()
            + self.payees.capacity() * size_of::<PayeeInfo>();
        // hashbrown: one control byte per bucket besides the slot.
        let hash_map = |capacity: usize, slot: usize| capacity * (slot + 1);
        let ids = hash_map(self.fund_ids.capacity(), size_of::<(Ident, u32)>())
            + hash_map(self.project_ids.capacity(), size_of::<(Ident, u32)>())
            + hash_map(self.payee_ids.capacity(), size_of::<(Ident, u32)>());
        let households = hash_map(
            self.households.capacity(),
            size_of::<((HouseholdRef, RegionCode), u32)>(),
        );
        regions
            + funds
            + projects
            + payees
            + ids
            + households
            + self.pending.capacity() * 16
            + self.controls_heap_bytes()
            + self.directory.approx_heap_bytes()
            + self.idle.heap_bytes()
    }
}

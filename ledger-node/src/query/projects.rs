//! The projects view: registered projects and what was paid for them.

use ledger_core::entry::{ProjectCategory, ProjectDisbursement};
use ledger_core::ids::Ident;
use ledger_core::money::Sign;
use ledger_core::region::RegionCode;

use super::tally::apply_at;
use super::{FlowNode, ProjectStages, QueryIndex, Tally};

/// A registered project.
#[derive(Debug, Clone)]
pub struct ProjectInfo {
    /// Id.
    pub id: Ident,
    /// Name.
    pub name: String,
    /// Village.
    pub village: RegionCode,
    /// Category.
    pub category: ProjectCategory,
    /// Budget.
    pub budget: u64,
    /// Paid to contractors, net of reversals.
    pub paid: Tally,
    /// 实施单位.
    pub implementer: String,
    /// Planned start, YYYYMMDD.
    pub start: u32,
    /// Planned end, YYYYMMDD.
    pub end: u32,
    /// The registering entry.
    pub register_seq: u64,
    /// Its stages, approval, contracts and payments per fund (项目库).
    pub stages: ProjectStages,
}

impl QueryIndex {
    /// Every project, in registration order.
    pub fn projects(&self) -> &[ProjectInfo] {
        &self.projects
    }

    /// A project by id.
    pub fn project(&self, id: &Ident) -> Option<&ProjectInfo> {
        self.project_ids.get(id).and_then(|i| self.projects.get(*i as usize))
    }

    /// A project by index.
    pub fn project_at(&self, index: u32) -> Option<&ProjectInfo> {
        self.projects.get(index as usize)
    }

    pub(super) fn apply_disbursement(&mut self, d: &ProjectDisbursement, sign: Sign) {
        let (Some(fund), Some(from), Some(project)) = (
            self.fund_ids.get(&d.fund).copied(),
            self.intern_account(&d.from),
            self.project_ids.get(&d.project).copied(),
        ) else {
            return;
        };
        let amount = d.amount.get();
        let payee = self.intern_payee(&d.payee.id, d.payee.name.as_str());
        let Some(f) = self.funds.get_mut(fund as usize) else {
            return;
        };
        let source = f.source;
        apply_at(
            &mut f.flows,
            (FlowNode::Account(from), FlowNode::Payee(payee)),
            amount,
            sign,
        );
        apply_at(&mut f.payees, FlowNode::Payee(payee), amount, sign);
        let Some(p) = self.projects.get_mut(project as usize) else {
            return;
        };
        p.paid.apply(amount, sign);
        p.stages.apply_payment(fund, amount, sign);
        let (village, category) = (p.village, p.category);
        for code in self.lineage(village) {
            if let Some(r) = self.regions.get_mut(&code) {
                r.agg.project_payments.apply(amount, sign);
                r.agg.project_payments_by_category[category as usize].apply(amount, sign);
            }
        }
        let payer = self.account_region(from);
        self.pay_out(payer, village, source, amount, sign);
    }
}

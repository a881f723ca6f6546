//! The project library as readers see it (issue 13): each project's stage
//! entries, its approval as it stands after adjustments, its contracts and
//! what it was paid per fund.
//!
//! Recorded after the flush from the entries themselves, like every
//! aggregate here, never from the rule state (which runs ahead of the disk).
//! The rule engine accepted every entry recorded, so the stages are mirrored
//! without checking their order again. Projects are hundreds and their stage
//! entries about ten each: keeping the contracts' names and numbers here is
//! cheap; notes, reasons and document numbers stay in the entries and are
//! read back by the read API.

use ledger_core::ids::{Date, Ident};
use ledger_core::money::Sign;
use ledger_core::project::{Contract, FundBudget, ProjectStage};

use super::{ProjectInfo, QueryIndex, Tally};

/// What a stage entry is: the core's list of steps, shared with the rule
/// engine (`name()` and `label_zh()` are the API's `kind` and `kind_zh`).
pub use ledger_core::project::StageKind;

/// One stage entry of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMark {
    /// The entry (its document number and note are read from it).
    pub seq: u64,
    /// What it is.
    pub kind: StageKind,
    /// Its business date.
    pub date: Date,
    /// Where it left the project.
    pub stage: ProjectStage,
}

/// A contract with the entry that recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractMark {
    /// The approval or adjustment.
    pub seq: u64,
    /// Its date.
    pub date: Date,
    /// The contract.
    pub contract: Contract,
}

/// A project's approval as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalInfo {
    /// The approval, or the latest adjustment: whose 批复文号 is in force.
    pub document_seq: u64,
    /// The approved budget per fund.
    pub budgets: Vec<FundBudget>,
    /// Every contract, oldest first; the last is in force (never empty).
    pub contracts: Vec<ContractMark>,
}

impl ApprovalInfo {
    /// The approved budget of `fund` (0 if not in it).
    pub fn budget_of(&self, fund: &Ident) -> u64 {
        FundBudget::of(&self.budgets, fund)
    }

    /// The whole approved budget.
    pub fn total(&self) -> u64 {
        FundBudget::total(&self.budgets)
    }

    /// The contract in force.
    pub fn contract(&self) -> Option<&ContractMark> {
        self.contracts.last()
    }
}

/// A project's library record.
#[derive(Debug, Clone, Default)]
pub struct ProjectStages {
    /// Every stage entry after the registration, in order.
    pub marks: Vec<StageMark>,
    /// The approval in force (after adjustments).
    pub approval: Option<ApprovalInfo>,
    /// The cancelling entry and its date.
    pub cancelled: Option<(u64, Date)>,
    /// Paid per fund (fund index), net of reversals.
    pub paid_by_fund: Vec<(u32, Tally)>,
}

impl ProjectStages {
    /// The furthest stage reached (a cancelled project keeps its stage).
    pub fn stage(&self) -> ProjectStage {
        self.marks.last().map_or(ProjectStage::Proposed, |m| m.stage)
    }

    /// The date of the latest stage entry.
    pub fn last_date(&self) -> Option<Date> {
        self.marks.last().map(|m| m.date)
    }

    /// The start of work (开工), if recorded.
    pub fn started(&self) -> Option<Date> {
        self.marks.iter().find(|m| m.kind == StageKind::Start).map(|m| m.date)
    }

    /// Paid from fund `index`, net of reversals.
    pub fn paid_of(&self, index: u32) -> u64 {
        self.paid_by_fund
            .iter()
            .find(|(f, _)| *f == index)
            .map_or(0, |(_, t)| t.amount)
    }

    pub(super) fn apply_payment(&mut self, fund: u32, amount: u64, sign: Sign) {
        match self.paid_by_fund.iter_mut().find(|(f, _)| *f == fund) {
            Some((_, t)) => t.apply(amount, sign),
            None => {
                let mut t = Tally::default();
                t.apply(amount, sign);
                self.paid_by_fund.push((fund, t));
            }
        }
    }

    /// Heap bytes held.
    pub(super) fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let contracts = self.approval.as_ref().map_or(0, |a| {
            a.budgets.capacity() * size_of::<FundBudget>()
                + a.contracts
                    .iter()
                    .map(|c| size_of::<ContractMark>() + c.contract.contract_no.as_str().len() + 64)
                    .sum::<usize>()
        });
        self.marks.capacity() * size_of::<StageMark>()
            + self.paid_by_fund.capacity() * size_of::<(u32, Tally)>()
            + contracts
    }
}

impl QueryIndex {
    /// A project by id, to record into (None for a project the index does
    /// not know, never on an accepted chain: the entry is then skipped).
    fn project_mut(&mut self, project: &Ident) -> Option<&mut ProjectInfo> {
        let i = *self.project_ids.get(project)?;
        self.projects.get_mut(i as usize)
    }

    /// Record a stage entry of `project`, dated `date`.
    pub(super) fn record_stage(&mut self, seq: u64, project: &Ident, date: Date, kind: StageKind, passed: bool) {
        let Some(p) = self.project_mut(project) else {
            return;
        };
        let s = &mut p.stages;
        let at = s.stage();
        let stage = match kind {
            StageKind::Review if passed => ProjectStage::Reviewed,
            StageKind::Approve => ProjectStage::Approved,
            StageKind::Start => ProjectStage::Started,
            StageKind::Accept => ProjectStage::Accepted,
            StageKind::Handover => ProjectStage::HandedOver,
            StageKind::Evaluate => ProjectStage::Evaluated,
            StageKind::Review | StageKind::Adjust | StageKind::Cancel => at,
        };
        if kind == StageKind::Cancel {
            s.cancelled = Some((seq, date));
        }
        s.marks.push(StageMark { seq, kind, date, stage });
    }

    /// Record an approval (入库批复) or adjustment (调整): the budget in force,
    /// and a contract when one is given.
    pub(super) fn record_budget(
        &mut self,
        seq: u64,
        project: &Ident,
        date: Date,
        budgets: &[FundBudget],
        contract: Option<&Contract>,
    ) {
        let Some(p) = self.project_mut(project) else {
            return;
        };
        let approval = p.stages.approval.get_or_insert_with(|| ApprovalInfo {
            document_seq: seq,
            budgets: Vec::new(),
            contracts: Vec::new(),
        });
        approval.document_seq = seq;
        approval.budgets = budgets.to_vec();
        if let Some(c) = contract {
            approval.contracts.push(ContractMark {
                seq,
                date,
                contract: c.clone(),
            });
        }
    }
}

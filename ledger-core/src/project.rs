//! The project library's stages as entries (项目库, docs/FORMAT.md §5.10):
//! a project is proposed (`ProjectRegister`, 申报), reviewed (审核论证),
//! publicised (a `ProjectPlan` notice, 公示), approved with its budget per
//! fund and its contractor (入库/批复), started (实施), accepted (验收), handed
//! over as an asset (资产移交) and evaluated (绩效评价); it may be adjusted
//! (调整) while under way and cancelled (终止) before the hand-over.

use crate::amount::Fen;
use crate::entry::Payee;
use crate::ids::{Date, Ident, Text};
use crate::procedure::NoticeLineRef;
use serde::{Deserialize, Serialize};

/// Most funds one project's budget draws on.
pub const MAX_PROJECT_FUNDS: usize = 16;

labelled_enum! {
    /// Where a project stands, in order (a cancelled project stays where it
    /// was cancelled, marked cancelled).
    ProjectStage {
        /// 申报: registered in the library as a proposal.
        Proposed => "proposed", "申报";
        /// 审核论证: reviewed and found sound.
        Reviewed => "reviewed", "审核论证";
        /// 入库批复: approved with its budget and contractor.
        Approved => "approved", "批复入库";
        /// 实施: work started.
        Started => "started", "实施";
        /// 验收: accepted on completion.
        Accepted => "accepted", "竣工验收";
        /// 资产移交: the asset handed over.
        HandedOver => "handed_over", "资产移交";
        /// 绩效评价: evaluated.
        Evaluated => "evaluated", "绩效评价";
    }
}

labelled_enum! {
    /// What a stage entry of a project is: the one list of the steps, for
    /// the rule engine's order of stages and the node's project view (issue
    /// 18: they were two enums). Not part of the canonical format.
    StageKind {
        /// 审核论证 (`ProjectReview`).
        Review => "review", "审核论证";
        /// 批复入库 (`ProjectApprove`).
        Approve => "approve", "批复入库";
        /// 开工实施 (`ProjectStart`).
        Start => "start", "开工实施";
        /// 竣工验收 (`ProjectAccept`).
        Accept => "accept", "竣工验收";
        /// 资产移交 (`ProjectHandover`).
        Handover => "handover", "资产移交";
        /// 绩效评价 (`ProjectEvaluate`).
        Evaluate => "evaluate", "绩效评价";
        /// 项目调整 (`ProjectAdjust`).
        Adjust => "adjust", "项目调整";
        /// 项目终止 (`ProjectCancel`).
        Cancel => "cancel", "项目终止";
    }
}

/// A fund's share of a project's approved budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundBudget {
    /// The fund.
    pub fund: Ident,
    /// The most the project may be paid from it.
    pub amount: Fen,
}

impl FundBudget {
    /// The budget of `fund` in `budgets` (zero if the fund is not in it):
    /// the one reading of a budget list, for the rule engine's approval and
    /// the node's project view.
    pub fn of(budgets: &[FundBudget], fund: &Ident) -> u64 {
        budgets.iter().find(|b| b.fund == *fund).map_or(0, |b| b.amount.get())
    }

    /// The whole of `budgets` (saturating: at most a few funds, each within
    /// the entry limit, so it never saturates on an accepted chain).
    pub fn total(budgets: &[FundBudget]) -> u64 {
        budgets.iter().map(|b| b.amount.get()).fold(0, u64::saturating_add)
    }
}

/// The contractor a project pays (施工合同).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// The contractor (an organisation).
    pub contractor: Payee,
    /// Contract number, e.g. `淮区建〔2019〕HT-031`.
    pub contract_no: Text,
}

/// 审核论证: the project's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectReview {
    /// The project.
    pub project: Ident,
    /// When.
    pub date: Date,
    /// The review's document number.
    pub document_no: Text,
    /// Found sound? (A failed review leaves the project proposed.)
    pub passed: bool,
    /// What was found.
    pub note: Text,
}

/// 入库批复: the project is approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectApprove {
    /// The project.
    pub project: Ident,
    /// When.
    pub date: Date,
    /// 批复文号, e.g. `淮区扶贫〔2019〕12号`.
    pub document_no: Text,
    /// The project's line on its plan's publicity notice (项目公示).
    pub plan: NoticeLineRef,
    /// The approved budget, per fund (1-16 funds, each once).
    pub budgets: Vec<FundBudget>,
    /// The contractor and contract.
    pub contract: Contract,
}

/// A stage that records only its date and document: 实施, 验收, 资产移交.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectMilestone {
    /// The project.
    pub project: Ident,
    /// When.
    pub date: Date,
    /// The document (开工令, 验收报告, 移交书).
    pub document_no: Text,
    /// Who or what, e.g. the asset's new owner on a hand-over.
    pub note: Text,
}

/// 绩效评价: the project's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectEvaluate {
    /// The project.
    pub project: Ident,
    /// When.
    pub date: Date,
    /// The report's number.
    pub document_no: Text,
    /// Score, 0-100.
    pub score: u8,
    /// Summary, e.g. the income it brings the village.
    pub note: Text,
}

/// 调整: the approved budget or the contractor changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectAdjust {
    /// The project.
    pub project: Ident,
    /// When.
    pub date: Date,
    /// The adjustment's approval document.
    pub document_no: Text,
    /// The new budget per fund, whole (replaces the approved one).
    pub budgets: Vec<FundBudget>,
    /// A new contract, if the contractor changes (变更).
    pub contract: Option<Contract>,
    /// Why.
    pub reason: Text,
}

/// 终止: the project is cancelled before its hand-over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectCancel {
    /// The project.
    pub project: Ident,
    /// When.
    pub date: Date,
    /// Why.
    pub reason: Text,
}

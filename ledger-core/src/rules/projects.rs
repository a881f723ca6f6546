//! The project library (项目库, docs/FORMAT.md §6.5): stages in order,
//! approval after a publicised plan, the approved budget per fund as a hard
//! limit, payments only to the contractor, the retention share only after
//! acceptance, nothing for a cancelled project. Checks never mutate; the
//! `commit_*` functions apply what was checked.

use crate::amount::Fen;
use crate::entry::{Payee, ProjectDisbursement};
use crate::ids::{Date, Ident};
use crate::procedure::NoticeStage;
use crate::project::{Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectStage, StageKind, MAX_PROJECT_FUNDS};
use crate::region::RegionCode;

use super::error::Detail;
use super::state::HistoryWarning;
use super::{LedgerState, ProjectRecord, RuleError};

/// A project's approval as it stands (after adjustments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The approving entry.
    pub seq: u64,
    /// 批复文号 (of the approval or, after an adjustment, of that).
    pub document_no: String,
    /// The approved budget per fund.
    pub budgets: Vec<FundBudget>,
    /// The contractor now in force.
    pub contract: Contract,
}

impl Approval {
    /// The approved budget of `fund` (zero if the fund is not in it).
    pub fn budget_of(&self, fund: &Ident) -> u64 {
        FundBudget::of(&self.budgets, fund)
    }
    /// The whole approved budget.
    pub fn total(&self) -> u64 {
        FundBudget::total(&self.budgets)
    }
}

/// Which stage-like entry is being checked: its kind (the one list of
/// steps, `project::StageKind`), and for a review whether it passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StageStep {
    pub(super) kind: StageKind,
    pub(super) passed: bool,
}

impl StageStep {
    /// A step that is not a review (it cannot fail the way a review can).
    pub(super) fn of(kind: StageKind) -> StageStep {
        StageStep { kind, passed: true }
    }

    /// A review, passed or not.
    pub(super) fn review(passed: bool) -> StageStep {
        StageStep {
            kind: StageKind::Review,
            passed,
        }
    }

    /// The stage a project must be at for this step, and the stage it moves to.
    /// The next stage, or why not (in English and Chinese).
    fn transition(self, at: ProjectStage) -> Result<ProjectStage, (&'static str, &'static str)> {
        use ProjectStage as S;
        match (self.kind, at) {
            (StageKind::Review, S::Proposed) if self.passed => Ok(S::Reviewed),
            (StageKind::Review, S::Proposed) => Ok(S::Proposed),
            (StageKind::Review, _) => Err(("a review follows the proposal", "审核论证须在申报之后")),
            (StageKind::Approve, S::Reviewed) => Ok(S::Approved),
            (StageKind::Approve, _) => Err(("an approval follows a passed review", "批复入库须在审核论证通过之后")),
            (StageKind::Start, S::Approved) => Ok(S::Started),
            (StageKind::Start, _) => Err(("work starts after the approval", "批复入库之后才能开工实施")),
            (StageKind::Accept, S::Started) => Ok(S::Accepted),
            (StageKind::Accept, _) => Err(("an acceptance follows the start of work", "开工实施之后才能竣工验收")),
            (StageKind::Handover, S::Accepted) => Ok(S::HandedOver),
            (StageKind::Handover, _) => Err(("a hand-over follows the acceptance", "竣工验收之后才能资产移交")),
            (StageKind::Evaluate, S::HandedOver) => Ok(S::Evaluated),
            (StageKind::Evaluate, _) => Err(("an evaluation follows the hand-over", "资产移交之后才能绩效评价")),
            (StageKind::Adjust, S::Approved | S::Started) => Ok(at),
            (StageKind::Adjust, _) => Err((
                "a project is adjusted between its approval and its acceptance",
                "项目调整只能在批复入库之后、竣工验收之前",
            )),
            (StageKind::Cancel, S::HandedOver | S::Evaluated) => {
                Err(("a handed-over project cannot be cancelled", "已移交的项目不能终止"))
            }
            (StageKind::Cancel, _) => Ok(at),
        }
    }
}

fn check_budgets(budgets: &[FundBudget], state: &LedgerState) -> Result<(), RuleError> {
    if budgets.is_empty() || budgets.len() > MAX_PROJECT_FUNDS {
        return Err(RuleError::Malformed(format!(
            "an approved budget names 1-{MAX_PROJECT_FUNDS} funds"
        )));
    }
    for (i, b) in budgets.iter().enumerate() {
        if budgets[..i].iter().any(|o| o.fund == b.fund) {
            return Err(RuleError::Malformed(format!(
                "fund {} is named twice in the budget",
                b.fund
            )));
        }
        Fen::new(b.amount.get())?;
        if state.fund(&b.fund).is_none() {
            return Err(RuleError::UnknownFund(b.fund.clone()));
        }
    }
    Ok(())
}

fn check_contractor(payee: &Payee) -> Result<(), RuleError> {
    // Contractors are organisations, as payees are.
    if crate::household::ResidentId::parse(payee.id.as_str()).is_ok() {
        return Err(RuleError::Malformed("a contractor id must not be a resident ID".into()));
    }
    Ok(())
}

impl LedgerState {
    fn live_project(&self, id: &Ident) -> Result<&ProjectRecord, RuleError> {
        let p = self
            .projects
            .get(id)
            .ok_or_else(|| RuleError::UnknownProject(id.clone()))?;
        if let Some((seq, _)) = p.cancelled {
            return Err(RuleError::ProjectCancelled {
                project: id.clone(),
                seq,
            });
        }
        Ok(p)
    }

    /// A stage entry of `project` dated `date`: the project exists, is not
    /// cancelled, is at the stage the step follows, and the date is not
    /// before the project's last stage. Returns its village and next stage.
    pub(super) fn check_stage(
        &self,
        project: &Ident,
        date: Date,
        step: StageStep,
    ) -> Result<(RegionCode, ProjectStage), RuleError> {
        let p = self.live_project(project)?;
        let next = step
            .transition(p.stage)
            .map_err(|(why, why_zh)| RuleError::StageOrder {
                project: project.clone(),
                stage: p.stage.name(),
                why,
                why_zh,
            })?;
        if let Some(&(_, last, _)) = p.timeline.last() {
            if date < last {
                return Err(RuleError::DateOutOfOrder {
                    date,
                    what: Detail::new(
                        format!("项目 {project} 上一阶段的日期"),
                        format!("project {project}'s last stage"),
                    ),
                    earlier: last,
                });
            }
        }
        Ok((p.village, next))
    }

    pub(super) fn check_approve(&self, a: &ProjectApprove) -> Result<RegionCode, RuleError> {
        let (village, _) = self.check_stage(&a.project, a.date, StageStep::of(StageKind::Approve))?;
        check_budgets(&a.budgets, self)?;
        check_contractor(&a.contract.contractor)?;
        // 公示: the plan was publicised and its window is over.
        let notice = self.notice(&a.plan.notice).ok_or_else(|| {
            RuleError::NotPublicized(Detail::new(
                format!("公告 {} 不存在", a.plan.notice),
                format!("notice {} does not exist", a.plan.notice),
            ))
        })?;
        let subject = self.plan_line_project(notice.stage, notice.first_line, notice.lines, a.plan.line);
        let this = self.project_index.get(&a.project).copied();
        if notice.stage != NoticeStage::ProjectPlan || subject.is_none() || subject != this {
            return Err(RuleError::NotPublicized(Detail::new(
                format!(
                    "公告 {} 第 {} 行不是项目公示上的项目 {}",
                    a.plan.notice, a.plan.line, a.project
                ),
                format!(
                    "line {} of notice {} is not project {} on a project plan (项目公示)",
                    a.plan.line, a.plan.notice, a.project
                ),
            )));
        }
        self.plan_line_standing(&a.plan)?;
        if a.date < notice.ends {
            return Err(RuleError::PublicityNotEnded {
                notice: notice.id.clone(),
                ends: notice.ends,
                what: "project_approve",
                date: a.date,
            });
        }
        Ok(village)
    }

    pub(super) fn check_adjust(&self, a: &ProjectAdjust) -> Result<RegionCode, RuleError> {
        let (village, _) = self.check_stage(&a.project, a.date, StageStep::of(StageKind::Adjust))?;
        check_budgets(&a.budgets, self)?;
        if let Some(c) = &a.contract {
            check_contractor(&c.contractor)?;
        }
        // A budget may not be cut below what its fund already paid.
        let p = self.live_project(&a.project)?;
        for (fund, paid) in &p.paid_by_fund {
            let budget = a.budgets.iter().find(|b| b.fund == *fund).map_or(0, |b| b.amount.get());
            if *paid > budget {
                return Err(RuleError::BudgetExceeded {
                    project: a.project.clone(),
                    budget,
                    paid: *paid,
                    amount: 0,
                });
            }
        }
        Ok(village)
    }

    /// The project rules of a payment dated on or after
    /// `enforced_from.projects`; before it, the same checks become history
    /// warnings ([`LedgerState::project_history`]). The budget of a project
    /// never approved is its registration's, and is enforced whatever the date
    /// unless the payment is history.
    pub(super) fn check_project_payment(&self, d: &ProjectDisbursement) -> Result<(), RuleError> {
        if d.date < self.policy.enforced_from.projects {
            return Ok(());
        }
        self.project_payment_rules(d)
    }

    /// Every project rule of a payment, whatever its date.
    pub(super) fn project_payment_rules(&self, d: &ProjectDisbursement) -> Result<(), RuleError> {
        let p = self.live_project(&d.project)?;
        let Some(approval) = &p.approval else {
            return Err(RuleError::NotApproved {
                project: d.project.clone(),
                stage: p.stage.name(),
            });
        };
        if approval.contract.contractor.id != d.payee.id {
            return Err(RuleError::PayeeNotContracted {
                project: d.project.clone(),
                contractor: approval.contract.contractor.id.clone(),
                payee: d.payee.id.clone(),
            });
        }
        let amount = d.amount.get();
        let paid = p.paid_of(&d.fund);
        let budget = approval.budget_of(&d.fund);
        if paid.saturating_add(amount) > budget {
            return Err(RuleError::BudgetExceeded {
                project: d.project.clone(),
                budget,
                paid,
                amount,
            });
        }
        if p.stage < ProjectStage::Accepted {
            // 尾款/质保金: the retention share waits for the acceptance.
            let total = approval.total();
            let retained = total.saturating_mul(u64::from(self.policy.retention_bp)) / 10_000;
            let payable = total - retained;
            if p.paid.get().saturating_add(amount) > payable {
                return Err(RuleError::FinalPaymentBeforeAcceptance {
                    project: d.project.clone(),
                    payable,
                    paid: p.paid.get(),
                    amount,
                });
            }
        }
        Ok(())
    }

    /// What a history payment (dated before `enforced_from.projects`) broke.
    pub(super) fn project_history(&self, d: &ProjectDisbursement, warnings: &mut Vec<HistoryWarning>) {
        if d.date >= self.policy.enforced_from.projects {
            return;
        }
        if let Err(e) = self.project_payment_rules(d) {
            let code = match e {
                RuleError::NotApproved { .. } => "project_paid_before_approval",
                RuleError::PayeeNotContracted { .. } => "project_payee_not_contracted",
                RuleError::BudgetExceeded { .. } => "project_overrun",
                RuleError::FinalPaymentBeforeAcceptance { .. } => "project_final_before_acceptance",
                RuleError::ProjectCancelled { .. } => "project_paid_after_cancel",
                _ => "project_rule",
            };
            warnings.push(HistoryWarning::from_rule(code, &e));
        }
    }

    /// The project a project-plan line names (an index into `project_ids`).
    fn plan_line_project(&self, stage: NoticeStage, first_line: u32, lines: u32, line: u32) -> Option<u32> {
        if stage != NoticeStage::ProjectPlan || line >= lines {
            return None;
        }
        self.controls
            .lines
            .get((first_line + line) as usize)
            .map(|l| l.subject())
            .filter(|s| *s != u32::MAX)
    }

    // ---- commits ----------------------------------------------------------

    pub(super) fn commit_stage(&mut self, seq: u64, project: &Ident, date: Date, step: StageStep) {
        let Some(p) = self.projects.get_mut(project) else {
            return;
        };
        if step.kind == StageKind::Cancel {
            p.cancelled = Some((seq, date));
            return;
        }
        // Every stage entry goes on the timeline, a failed review (the
        // project stays proposed) and an adjustment (it stays where it is)
        // included: the next entry may not be dated before any of them.
        if let Ok(next) = step.transition(p.stage) {
            p.timeline.push((next, date, seq));
            p.stage = next;
        }
    }

    pub(super) fn commit_approve(&mut self, seq: u64, a: &ProjectApprove) {
        self.commit_stage(seq, &a.project, a.date, StageStep::of(StageKind::Approve));
        if let Some(p) = self.projects.get_mut(&a.project) {
            p.approval = Some(Approval {
                seq,
                document_no: a.document_no.to_string(),
                budgets: a.budgets.clone(),
                contract: a.contract.clone(),
            });
        }
    }

    pub(super) fn commit_adjust(&mut self, seq: u64, a: &ProjectAdjust) {
        self.commit_stage(seq, &a.project, a.date, StageStep::of(StageKind::Adjust));
        if let Some(approval) = self.projects.get_mut(&a.project).and_then(|p| p.approval.as_mut()) {
            approval.document_no = a.document_no.to_string();
            approval.budgets = a.budgets.clone();
            if let Some(c) = &a.contract {
                approval.contract = c.clone();
            }
        }
    }
}

impl ProjectRecord {
    /// Paid from `fund`, net of reversals.
    pub fn paid_of(&self, fund: &Ident) -> u64 {
        self.paid_by_fund.iter().find(|(f, _)| f == fund).map_or(0, |(_, v)| *v)
    }

    /// Add (or, for a reversal, take back) a payment from `fund`.
    pub(super) fn record_payment(&mut self, fund: &Ident, amount: u64, add: bool) {
        match self.paid_by_fund.iter_mut().find(|(f, _)| f == fund) {
            Some((_, v)) => {
                *v = if add {
                    v.saturating_add(amount)
                } else {
                    v.saturating_sub(amount)
                }
            }
            None if add => self.paid_by_fund.push((fund.clone(), amount)),
            None => {}
        }
    }
}

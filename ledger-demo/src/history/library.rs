//! The project library's entries (项目库): each project's steps as planned
//! by `crate::library`, posted in date order with the offices that sign
//! them: the town finance station (财政所) registers the proposal; the town
//! poverty office (镇扶贫办) reviews, starts,
//! hands over and (with the finance station) accepts; the village posts the
//! plan's publicity notice; the district poverty office (区扶贫办) and the
//! district finance bureau (区财政局) approve and adjust; the district
//! poverty office evaluates and cancels; the town finance station pays the
//! contractor from the town treasury, co-signed by the district poverty
//! office.

use super::History;
use crate::error::{fen, ident, text, DemoError};
use crate::keys::{COSIGN_POVERTY, DISTRICT_FUNDS};
use crate::library::{evaluation_note, handover_note, Action};
use crate::projects::ProjectPlan;
use ledger_core::entry::{Account, EntryBody, ProjectDisbursement, Transfer};
use ledger_core::ids::Ident;
use ledger_core::procedure::{Notice, NoticeLineRef, NoticeLines, NoticeStage};
use ledger_core::project::{
    Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectCancel, ProjectEvaluate, ProjectMilestone,
    ProjectReview,
};

/// The id of a project's plan publicity notice (项目公示).
fn plan_notice_id(p: &ProjectPlan) -> Result<Ident, DemoError> {
    ident(&format!("N-{}-PLAN", p.id))
}

impl History<'_> {
    /// Post step `k` of project `i`.
    pub(super) fn post_project_step(&mut self, i: usize, k: usize) -> Result<(), DemoError> {
        let plan = self.plan;
        let p = &plan.projects[i];
        let step = &p.steps[k];
        let town = &plan.district.towns[p.town as usize];
        let village = &town.villages[p.village as usize];
        let poverty = plan.ring.town_poverty(p.town);
        let finance = self.town_finance(p.town, step.date);
        let fund = plan.funds.defs[plan.funds.position(p.year, p.fund)].id.clone();
        let budgets = |amount: u64| -> Result<Vec<FundBudget>, DemoError> {
            Ok(vec![FundBudget {
                fund: fund.clone(),
                amount: fen(amount)?,
            }])
        };
        let milestone = |note: &str| -> Result<ProjectMilestone, DemoError> {
            Ok(ProjectMilestone {
                project: p.id.clone(),
                date: step.date,
                document_no: text(&step.document_no)?,
                note: text(note)?,
            })
        };
        let district = [COSIGN_POVERTY, DISTRICT_FUNDS];
        let (body, signers): (EntryBody, Vec<usize>) = match &step.action {
            Action::Register => (
                EntryBody::ProjectRegister(p.body.clone()),
                vec![finance, COSIGN_POVERTY],
            ),
            Action::Review { passed, note } => (
                EntryBody::ProjectReview(ProjectReview {
                    project: p.id.clone(),
                    date: step.date,
                    document_no: text(&step.document_no)?,
                    passed: *passed,
                    note: text(note)?,
                }),
                vec![poverty],
            ),
            Action::Plan => (
                EntryBody::Notice(Notice {
                    notice: plan_notice_id(p)?,
                    stage: NoticeStage::ProjectPlan,
                    region: village.code,
                    start: step.date,
                    // The plan's year: the year its work starts (next year
                    // for a project proposed in the autumn).
                    title: text(&format!(
                        "{}年度{}扶贫项目计划公示（{}）",
                        p.body.start.get() / 10_000,
                        village.short,
                        p.body.name
                    ))?,
                    lines: NoticeLines::Projects(vec![p.id.clone()]),
                }),
                vec![plan.ring.village(p.town, p.village)],
            ),
            Action::Approve { budget } => (
                EntryBody::ProjectApprove(ProjectApprove {
                    project: p.id.clone(),
                    date: step.date,
                    document_no: text(&step.document_no)?,
                    plan: NoticeLineRef {
                        notice: plan_notice_id(p)?,
                        line: 0,
                    },
                    budgets: budgets(*budget)?,
                    contract: Contract {
                        contractor: p.payee.clone(),
                        contract_no: p.contract.clone(),
                    },
                }),
                district.to_vec(),
            ),
            Action::Start => (
                EntryBody::ProjectStart(milestone(&format!("施工单位{}进场施工", p.payee.name))?),
                vec![poverty],
            ),
            Action::Pay {
                amount,
                milestone,
                payee,
                contract,
            } => {
                // 按进度拨付: the town passes the milestone's money into the
                // project's account, which pays the contractor the same day
                // (no money waits in the project account).
                self.emitter.emit(
                    EntryBody::Transfer(Transfer {
                        fund: fund.clone(),
                        from: Account::Treasury(town.code),
                        to: Account::Project(p.id.clone()),
                        amount: fen(*amount)?,
                        memo: text(&format!("按进度拨付项目资金：{}（{milestone}）", p.body.name))?,
                        date: step.date,
                    }),
                    &[finance, COSIGN_POVERTY],
                )?;
                (
                    EntryBody::ProjectDisbursement(ProjectDisbursement {
                        fund: fund.clone(),
                        project: p.id.clone(),
                        from: Account::Project(p.id.clone()),
                        payee: payee.clone(),
                        amount: fen(*amount)?,
                        contract_ref: contract.clone(),
                        milestone: text(milestone)?,
                        date: step.date,
                    }),
                    vec![finance, COSIGN_POVERTY],
                )
            }
            Action::Adjust {
                budget,
                contract,
                reason,
            } => (
                EntryBody::ProjectAdjust(ProjectAdjust {
                    project: p.id.clone(),
                    date: step.date,
                    document_no: text(&step.document_no)?,
                    budgets: budgets(*budget)?,
                    contract: contract.as_ref().map(|(payee, no)| Contract {
                        contractor: payee.clone(),
                        contract_no: no.clone(),
                    }),
                    reason: text(reason)?,
                }),
                district.to_vec(),
            ),
            Action::Accept => (
                EntryBody::ProjectAccept(milestone(&format!(
                    "{}会同区扶贫办、区财政局组织竣工验收，工程质量合格",
                    town.name
                ))?),
                vec![poverty, finance],
            ),
            Action::Handover => (
                EntryBody::ProjectHandover(milestone(&handover_note(p.body.category, &village.short))?),
                vec![poverty],
            ),
            Action::Evaluate { score } => (
                EntryBody::ProjectEvaluate(ProjectEvaluate {
                    project: p.id.clone(),
                    date: step.date,
                    document_no: text(&step.document_no)?,
                    score: *score,
                    note: text(&evaluation_note(p.body.category, p.body.budget.get()))?,
                }),
                vec![COSIGN_POVERTY],
            ),
            Action::Cancel { reason } => (
                EntryBody::ProjectCancel(ProjectCancel {
                    project: p.id.clone(),
                    date: step.date,
                    reason: text(reason)?,
                }),
                vec![COSIGN_POVERTY],
            ),
        };
        self.emitter.emit(body, &signers)?;
        Ok(())
    }
}

//! The project library (项目库, issue 13): each project's way through the
//! stages, planned before anything is posted. Most projects go all the way:
//! proposal (申报), review (审核论证), a publicity notice of the plan
//! (项目公示, 7 days), approval with the budget and the contractor
//! (批复入库), start (开工), an advance and a progress payment, acceptance
//! (竣工验收), the payment on completion, hand-over of the asset (资产移交),
//! the evaluation (绩效评价) and, a year after acceptance, the retention
//! money (质保金, the policy's `retention_bp`). A 2020 project not finished
//! by the end of the demo stops after its progress payment.
//!
//! A few projects tell the stories the ledger is for (see [`Twist`]): three
//! 2019 projects paid against the rules before they were enforced
//! ([`PROJECTS_FROM`], 2019-07-01: history the audit flags), one cancelled
//! (终止), one that failed its first review, and 2020 adjustments (调整): a
//! contractor replaced, a budget raised, a budget cut after the tender
//! (the cut stays at the town: 资金滞留). The last 2020 projects stand at
//! each earlier stage when the demo ends: accepted, handed over, and three
//! of next year's library, approved, reviewed and publicised, or only
//! proposed.
//!
//! Document numbers (文号) are given per series and year in date order, as
//! an office numbers its documents: the approvals of 2019 start at
//! 淮区扶贫〔2019〕12号.

use crate::calendar::ymd;
use crate::dice::Dice;
use crate::error::{text, DemoError};
use crate::projects::{Contractor, ProjectPlan};
use crate::regions::District;
use crate::{FIRST_YEAR, YUAN};
use ledger_core::entry::{Payee, ProjectCategory};
use ledger_core::ids::{Date, Text};
use std::collections::HashMap;

/// The business date from which the project rules are enforced (the
/// policy's `enforced_from.projects`): the district's project-library
/// measures took effect on 1 July 2019.
pub const PROJECTS_FROM: u32 = 20190701;

/// Budgets are approved and adjusted in whole thousands of yuan.
const BUDGET_STEP: u64 = 1_000 * YUAN;

/// What happens on one dated step of a project.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// `ProjectRegister` (申报; no business date of its own).
    Register,
    /// `ProjectReview` (审核论证), passed or not.
    Review { passed: bool, note: &'static str },
    /// The project plan's publicity notice (项目公示).
    Plan,
    /// `ProjectApprove` with the approved budget (批复入库).
    Approve { budget: u64 },
    /// `ProjectStart` (开工).
    Start,
    /// A `ProjectDisbursement` from the town treasury.
    Pay {
        amount: u64,
        milestone: &'static str,
        payee: Payee,
        contract: Text,
    },
    /// `ProjectAdjust` (调整): the new budget, maybe a new contract.
    Adjust {
        budget: u64,
        contract: Option<(Payee, Text)>,
        reason: &'static str,
    },
    /// `ProjectAccept` (竣工验收).
    Accept,
    /// `ProjectHandover` (资产移交).
    Handover,
    /// `ProjectEvaluate` (绩效评价).
    Evaluate { score: u8 },
    /// `ProjectCancel` (终止).
    Cancel { reason: &'static str },
}

/// One dated step of a project.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) date: Date,
    pub(crate) action: Action,
    /// Its document number, if it has one (given by [`number_documents`]).
    pub(crate) document_no: String,
}

/// The story a project tells, by its position in the plan (2019 projects
/// are the even ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Twist {
    /// Everything in order.
    None,
    /// History: the advance paid a week before the approval (未批先付).
    PaidBeforeApproval,
    /// History: the advance paid to a company that is not the contractor.
    PayeeSwitch,
    /// History: an extra progress payment beyond the approved budget
    /// (超概算), regularised by an adjustment in July (补办调整).
    Overrun,
    /// Cancelled after its approval, before work started; its money stays
    /// at the town (资金滞留).
    Cancelled,
    /// Its first review fails (the site must move); the second passes.
    FailedReview,
    /// 2020: the contractor is replaced after the advance (变更施工单位).
    ContractChange,
    /// 2020: the budget is raised by 15 % (设计变更).
    BudgetUp,
    /// 2020: the budget is cut by 12 % after the tender (招标结余); the cut
    /// stays at the town.
    BudgetCut,
    /// 2020, finished: accepted and paid, the hand-over still to come.
    AcceptedOnly,
    /// 2020, finished: handed over, the evaluation still to come.
    HandedOverOnly,
    /// Next year's library (2021年度项目库): approved in October 2020, work
    /// starts next spring.
    LateApproved,
    /// Next year's library: reviewed and publicised in November, not yet
    /// approved.
    LateReviewed,
    /// Next year's library: proposed in November (申报), nothing else yet.
    LateProposed,
}

impl Twist {
    /// The twist of the project at position `i` of `count`: the first nine
    /// tell the stories above; the last 2020 projects (odd positions from 7
    /// on, counted from the end) stand at each earlier stage at the end of
    /// the demo, so that a village's projects show every stage.
    pub(crate) fn of(i: usize, count: usize) -> Twist {
        match i {
            0 => return Twist::PaidBeforeApproval,
            1 => return Twist::ContractChange,
            2 => return Twist::PayeeSwitch,
            3 => return Twist::BudgetUp,
            4 => return Twist::Overrun,
            5 => return Twist::BudgetCut,
            6 => return Twist::Cancelled,
            8 => return Twist::FailedReview,
            _ => {}
        }
        if i < 7 || i % 2 == 0 {
            return Twist::None;
        }
        // Odd positions from the end: the last is proposed only, …
        let last_odd = if count % 2 == 0 {
            count - 1
        } else {
            count.saturating_sub(2)
        };
        match (last_odd.saturating_sub(i)) / 2 {
            0 => Twist::LateProposed,
            1 => Twist::LateReviewed,
            2 => Twist::LateApproved,
            3 => Twist::HandedOverOnly,
            4 => Twist::AcceptedOnly,
            _ => Twist::None,
        }
    }

    /// The month of the proposal a twist needs: history twists happen
    /// before [`PROJECTS_FROM`] (February); next year's library is
    /// proposed in the autumn.
    pub(crate) fn month(self) -> Option<u8> {
        match self {
            Twist::PaidBeforeApproval | Twist::PayeeSwitch | Twist::Overrun => Some(2),
            Twist::LateApproved => Some(10),
            Twist::LateReviewed | Twist::LateProposed => Some(11),
            _ => None,
        }
    }

    /// Does the project's work finish within the demo?
    pub(crate) fn finishes(self) -> bool {
        matches!(self, Twist::AcceptedOnly | Twist::HandedOverOnly)
    }
}

/// Plan every project's steps and its town's allocation for it, then
/// number the documents.
pub(crate) fn plan_library(
    dice: &mut Dice,
    district: &District,
    pool: &[Contractor],
    projects: &mut [ProjectPlan],
) -> Result<(), DemoError> {
    let count = projects.len();
    for (i, p) in projects.iter_mut().enumerate() {
        plan_steps(dice, pool, p, Twist::of(i, count))?;
    }
    number_documents(district, projects)
}

/// A project's steps under construction, with what has been paid.
struct Schedule {
    steps: Vec<Step>,
    /// Paid so far.
    paid: u64,
    /// The amount the milestones' shares are of: the budget in force (for
    /// the overrun project, the budget it was first approved with).
    base: u64,
}

impl Schedule {
    fn push(&mut self, date: Date, action: Action) {
        self.steps.push(Step {
            date,
            action,
            document_no: String::new(),
        });
    }

    /// Pay `to` what brings the project's payments to `percent` of the base.
    fn pay(&mut self, date: Date, percent: u64, milestone: &'static str, to: &(Payee, Text)) {
        let target = self.base * percent / 100;
        let amount = target.saturating_sub(self.paid);
        if amount > 0 {
            self.paid = target;
            self.push(
                date,
                Action::Pay {
                    amount,
                    milestone,
                    payee: to.0.clone(),
                    contract: to.1.clone(),
                },
            );
        }
    }
}

/// The steps of one project.
fn plan_steps(dice: &mut Dice, pool: &[Contractor], p: &mut ProjectPlan, twist: Twist) -> Result<(), DemoError> {
    let (y, m) = (p.year, p.month);
    let day = |month: u8, d: u8| ymd(y, month, d);
    // The review trims the request a little (0-8 %).
    let requested = p.body.budget.get();
    let cut = dice.range(0, 8);
    let approved = (requested * (100 - cut) / 100 / BUDGET_STEP * BUDGET_STEP).max(BUDGET_STEP);
    let mut s = Schedule {
        steps: Vec::new(),
        paid: 0,
        base: approved,
    };
    s.push(day(m, 3)?, Action::Register);
    let (plan_day, approve_day) = if twist == Twist::FailedReview {
        s.push(
            day(m, 8)?,
            Action::Review {
                passed: false,
                note: "选址位于基本农田保护区，需调整选址后重新论证",
            },
        );
        s.push(
            day(m, 15)?,
            Action::Review {
                passed: true,
                note: REVIEW_NOTE,
            },
        );
        (day(m, 16)?, day(m, 26)?)
    } else {
        s.push(
            day(m, 8)?,
            Action::Review {
                passed: true,
                note: REVIEW_NOTE,
            },
        );
        (day(m, 10)?, day(m, 20)?)
    };
    if twist == Twist::LateProposed {
        // Only the proposal: its review comes next year.
        s.steps.truncate(1);
        p.steps = s.steps;
        return Ok(());
    }
    s.push(plan_day, Action::Plan);
    if twist == Twist::LateReviewed {
        p.steps = s.steps;
        return Ok(());
    }
    let contractor = (p.payee.clone(), p.contract.clone());
    if twist == Twist::LateApproved {
        s.push(approve_day, Action::Approve { budget: approved });
        p.steps = s.steps;
        return Ok(());
    }
    if twist == Twist::Cancelled {
        s.push(approve_day, Action::Approve { budget: approved });
        s.push(
            day(m + 1, 5)?,
            Action::Cancel {
                reason: "项目选址与村庄规划调整冲突，经区扶贫开发领导小组研究决定终止实施，资金另行统筹安排",
            },
        );
        // The town received its budget, and nobody passes it on.
        p.allocation = approved;
        p.steps = s.steps;
        return Ok(());
    }
    match twist {
        Twist::PaidBeforeApproval => {
            // 未批先付: the advance goes out on the 18th, the approval
            // follows on the 25th, then the start.
            s.pay(day(m + 1, 18)?, 30, "预付款", &contractor);
            s.push(day(m + 1, 25)?, Action::Approve { budget: approved });
            s.push(day(m + 1, 26)?, Action::Start);
        }
        Twist::PayeeSwitch => {
            s.push(approve_day, Action::Approve { budget: approved });
            s.push(p.body.start, Action::Start);
            // The advance paid to another company, citing the contract.
            let other = pool
                .iter()
                .find(|c| c.kind != p.kind)
                .map(|c| (c.payee.clone(), p.contract.clone()))
                .ok_or_else(|| DemoError("no other company in the pool".into()))?;
            s.pay(day(m + 1, 18)?, 30, "预付款（材料款）", &other);
        }
        _ => {
            s.push(approve_day, Action::Approve { budget: approved });
            s.push(p.body.start, Action::Start);
            s.pay(day(m + 1, 18)?, 30, "预付款", &contractor);
        }
    }
    let mut current = contractor;
    match twist {
        Twist::ContractChange => {
            let same_kind: Vec<&Contractor> = pool
                .iter()
                .filter(|c| c.kind == p.kind && c.payee.id != p.payee.id)
                .collect();
            let replacement = same_kind
                .get(dice.index(same_kind.len().max(1)))
                .ok_or_else(|| DemoError("no replacement contractor".into()))?;
            current = (replacement.payee.clone(), text(&format!("{}-BG", p.contract))?);
            s.push(
                day(m + 2, 10)?,
                Action::Adjust {
                    budget: approved,
                    contract: Some(current.clone()),
                    reason: "原施工单位资金链断裂无法继续履约，经重新招标变更施工单位",
                },
            );
        }
        Twist::BudgetUp => {
            s.base = (approved * 115 / 100).div_ceil(BUDGET_STEP) * BUDGET_STEP;
            s.push(
                day(m + 2, 10)?,
                Action::Adjust {
                    budget: s.base,
                    contract: None,
                    reason: "设计变更：实施中增加建设内容，追加项目预算",
                },
            );
        }
        Twist::BudgetCut => {
            s.base = approved * 88 / 100 / BUDGET_STEP * BUDGET_STEP;
            s.push(
                day(m + 2, 10)?,
                Action::Adjust {
                    budget: s.base,
                    contract: None,
                    reason: "公开招标中标价低于预算，按中标价核减项目预算",
                },
            );
        }
        _ => {}
    }
    s.pay(day(m + 3, 18)?, 70, "进度款", &current);
    if twist == Twist::Overrun {
        // 超概算: another 35 % (history), regularised in July by raising
        // the budget to 110 %.
        s.pay(day(m + 4, 18)?, 105, "进度款（增加工程量）", &current);
        s.push(
            day(7, 10)?,
            Action::Adjust {
                budget: approved * 110 / 100,
                contract: None,
                reason: "补办预算调整批复：实际完成工程量超出批复概算",
            },
        );
    }
    if p.complete {
        s.push(day(m + 6, 10)?, Action::Accept);
        if twist == Twist::Overrun {
            s.pay(day(m + 6, 18)?, 110, "竣工结算款", &current);
        } else {
            s.pay(day(m + 6, 18)?, 95, "竣工验收款", &current);
        }
        if twist != Twist::AcceptedOnly {
            s.push(day(m + 6, 25)?, Action::Handover);
        }
        // The evaluation's score is drawn for every finished project, so
        // that the dice stay in step whichever stops before it.
        let score = dice.range(82, 97) as u8;
        if !matches!(twist, Twist::AcceptedOnly | Twist::HandedOverOnly) {
            s.push(day(12, 15)?, Action::Evaluate { score });
        }
        // 质保金: a year after the acceptance, within the demo's two years.
        if y == FIRST_YEAR && twist != Twist::Overrun {
            s.pay(ymd(y + 1, m + 6, 18)?, 100, "质保金", &current);
        }
    }
    // The town receives what the project is paid within the demo; a budget
    // cut after the money arrived stays there.
    p.allocation = s.paid
        + if twist == Twist::BudgetCut {
            approved - s.base
        } else {
            0
        };
    p.steps = s.steps;
    Ok(())
}

/// What the review found.
const REVIEW_NOTE: &str = "经实地踏勘和专家论证，项目选址合理、建设内容可行、带贫机制明确";

/// The document series a step is numbered in, if any: (series, year).
fn series(district: &District, p: &ProjectPlan, step: &Step) -> Option<String> {
    let town = &district.towns.get(p.town as usize)?.name;
    let y = step.date.get() / 10_000;
    Some(match step.action {
        Action::Review { .. } => format!("淮区扶贫论〔{y}〕"),
        Action::Approve { .. } | Action::Adjust { .. } => format!("淮区扶贫〔{y}〕"),
        Action::Start => format!("{town}开工令〔{y}〕"),
        Action::Accept => format!("淮区扶贫验〔{y}〕"),
        Action::Handover => format!("{town}资产移交〔{y}〕"),
        Action::Evaluate { .. } => format!("淮区扶贫绩〔{y}〕"),
        _ => return None,
    })
}

/// Number every document per series in date order (ties by project, then
/// step). The approvals of the first year start at 12.
fn number_documents(district: &District, projects: &mut [ProjectPlan]) -> Result<(), DemoError> {
    let mut order: Vec<(u32, usize, usize, String)> = Vec::new();
    for (i, p) in projects.iter().enumerate() {
        for (k, step) in p.steps.iter().enumerate() {
            if let Some(s) = series(district, p, step) {
                order.push((step.date.get(), i, k, s));
            }
        }
    }
    order.sort();
    let mut next: HashMap<String, u32> = HashMap::new();
    let first_approvals = format!("淮区扶贫〔{FIRST_YEAR}〕");
    for (_, i, k, s) in order {
        let n = next
            .entry(s.clone())
            .or_insert(if s == first_approvals { 12 } else { 1 });
        projects[i].steps[k].document_no = format!("{s}{n}号");
        *n += 1;
    }
    Ok(())
}

/// The asset's new keeper, written on the hand-over (资产移交).
pub(crate) fn handover_note(category: ProjectCategory, village: &str) -> String {
    match category {
        ProjectCategory::Solar => format!("电站资产确权至{village}集体，发电收益用于扶贫公益岗位和低收入户分红"),
        ProjectCategory::IndustryBase => format!("大棚资产确权至{village}集体，对外发包收取租金"),
        ProjectCategory::Water | ProjectCategory::Irrigation => {
            format!("移交{village}村委会及用水户协会管护")
        }
        ProjectCategory::HousingRenovation => "移交受益农户，一户一档".to_string(),
        _ => format!("移交{village}村委会管护"),
    }
}

/// What the evaluation found (绩效评价).
pub(crate) fn evaluation_note(category: ProjectCategory, budget: u64) -> String {
    // Figures in proportion to the investment, as the reports give them.
    let wan = budget / (10_000 * YUAN);
    match category {
        ProjectCategory::Solar => format!("年发电收益约{}万元，带动低收入户{}户", wan / 10 + 1, wan / 4 + 5),
        ProjectCategory::IndustryBase => format!(
            "村集体年增收{}万元，吸纳低收入劳动力{}人务工",
            wan / 12 + 1,
            wan / 10 + 4
        ),
        ProjectCategory::VillageRoad => format!("受益群众{}人，群众满意度96%", wan * 9 + 300),
        ProjectCategory::Water => format!("解决{}户群众安全饮水问题", wan * 4 + 60),
        ProjectCategory::Irrigation => format!("改善灌溉面积{}亩", wan * 30 + 200),
        _ => format!("改造危房{}户，均已入住", wan / 4 + 3),
    }
}

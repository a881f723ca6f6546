//! `ledger post` for the project library's stages (项目库, issue 13):
//! review (审核论证), approve with the budget per fund and the contractor
//! (批复入库), start (开工), accept (竣工验收), hand over (资产移交),
//! evaluate (绩效评价), adjust (调整) and cancel (终止).
//!
//! Every value is checked here first, so a typo is a usage error naming the
//! flag (exit 2) and nothing is sent; the node still checks every rule
//! (stage order, the plan's publicity, budgets) and refuses with its code
//! (exit 3).

use crate::exit::usage;
use crate::messages::flags::FlagMsg;
use crate::messages::Message as _;
use crate::post::parse;
use anyhow::Result;
use clap::Args;
use ledger_core::entry::{EntryBody, Payee};
use ledger_core::household::ResidentId;
use ledger_core::ids::{Date, Ident, Text};
use ledger_core::project::{
    Contract, FundBudget, ProjectAdjust, ProjectApprove, ProjectCancel, ProjectEvaluate, ProjectMilestone,
    ProjectReview, MAX_PROJECT_FUNDS,
};

/// The flags every stage has: the project, the day, the document.
#[derive(Debug, Clone, Args)]
pub struct StageArgs {
    /// 项目编号, e.g. P2019-101201-01.
    #[arg(long, value_name = "ID")]
    pub project: String,
    /// 日期: the day of the stage, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// 文号, e.g. 淮区扶贫〔2019〕12号.
    #[arg(long, value_name = "TEXT")]
    pub document_no: String,
}

/// `post review`.
#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// 论证结论: pass/通过 or fail/未通过 (a failed review leaves the project proposed).
    #[arg(long)]
    pub result: String,
    /// 论证意见, e.g. 选址合理、效益可行.
    #[arg(long)]
    pub note: String,
}

/// The contractor flags of `approve` and `adjust`.
#[derive(Debug, Clone, Args)]
pub struct ContractorArgs {
    /// 施工单位统一社会信用代码 (an organisation, never a resident ID).
    #[arg(long, value_name = "ID")]
    pub contractor: Option<String>,
    /// 施工单位名称.
    #[arg(long, value_name = "NAME")]
    pub contractor_name: Option<String>,
    /// 合同编号, e.g. 淮区扶贫项目合同 HAFP-2019-001.
    #[arg(long, value_name = "TEXT")]
    pub contract_no: Option<String>,
}

/// `post approve`.
#[derive(Debug, Clone, Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// 项目公示 line, NOTICE:LINE: the project's line on its plan's publicity notice.
    #[arg(long, value_name = "NOTICE:LINE")]
    pub plan: String,
    /// 批复预算 per fund, FUND=YUAN (e.g. F2019-SCN-012=1,200,000); repeat for each fund (1-16).
    #[arg(long = "budget", value_name = "FUND=YUAN", required = true)]
    pub budgets: Vec<String>,
    #[command(flatten)]
    pub contractor: ContractorArgs,
}

/// `post start`, `post accept`, `post handover`.
#[derive(Debug, Clone, Args)]
pub struct MilestoneArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// 说明, e.g. 施工单位进场施工 / 工程质量合格 / 移交村委会管护.
    #[arg(long)]
    pub note: String,
}

/// `post evaluate`.
#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// 评分: 0-100.
    #[arg(long)]
    pub score: String,
    /// 评价结论, e.g. 村集体年增收4.2万元.
    #[arg(long)]
    pub note: String,
}

/// `post adjust`.
#[derive(Debug, Clone, Args)]
pub struct AdjustArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// 调整后预算 per fund, FUND=YUAN, the whole new budget; repeat for each fund (1-16).
    #[arg(long = "budget", value_name = "FUND=YUAN", required = true)]
    pub budgets: Vec<String>,
    /// A new contractor (变更施工单位): give --contractor, --contractor-name and --contract-no together.
    #[command(flatten)]
    pub contractor: ContractorArgs,
    /// 调整原因.
    #[arg(long)]
    pub reason: String,
}

/// `post cancel`.
#[derive(Debug, Clone, Args)]
pub struct CancelArgs {
    /// 项目编号.
    #[arg(long, value_name = "ID")]
    pub project: String,
    /// 终止日期, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: String,
    /// 终止原因.
    #[arg(long)]
    pub reason: String,
}

fn u<T>(r: Result<T, String>) -> Result<T> {
    r.map_err(usage)
}

/// A project id: the ledger's identifier rules (1-64 of A-Z a-z 0-9 . _ -).
pub fn project_id(text: &str) -> Result<Ident, String> {
    parse::ident(text, "--project")
}

/// The project, day and document of a stage.
fn stage(a: &StageArgs) -> Result<(Ident, Date, Text)> {
    Ok((
        u(project_id(&a.project))?,
        u(parse::date(&a.date, "--date"))?,
        u(parse::text(&a.document_no, "--document-no"))?,
    ))
}

/// `FUND=YUAN`, each fund once, 1-16 of them.
pub fn budgets(values: &[String]) -> Result<Vec<FundBudget>, String> {
    if values.is_empty() || values.len() > MAX_PROJECT_FUNDS {
        return Err(FlagMsg::BudgetCount { max: MAX_PROJECT_FUNDS }.text());
    }
    let mut out: Vec<FundBudget> = Vec::with_capacity(values.len());
    for value in values {
        let (fund, yuan) = value
            .split_once('=')
            .ok_or_else(|| FlagMsg::BudgetForm { value: value.clone() }.text())?;
        let fund = parse::ident(fund, "--budget fund")?;
        if out.iter().any(|b| b.fund == fund) {
            return Err(FlagMsg::BudgetTwice { fund: fund.to_string() }.text());
        }
        let amount = parse::yuan(yuan, &format!("--budget {fund}"))?;
        out.push(FundBudget { fund, amount });
    }
    Ok(out)
}

/// The contract from the three contractor flags: all of them, or (where
/// allowed) none.
fn contract(a: &ContractorArgs, required: bool) -> Result<Option<Contract>, String> {
    match (&a.contractor, &a.contractor_name, &a.contract_no) {
        (None, None, None) if !required => Ok(None),
        (Some(id), Some(name), Some(no)) => {
            // A contractor is an organisation: a resident ID must never be
            // published as one.
            if ResidentId::parse(id.trim()).is_ok() {
                return Err(FlagMsg::ContractorIsPerson.text());
            }
            Ok(Some(Contract {
                contractor: Payee {
                    id: parse::ident(id, "--contractor")?,
                    name: parse::text(name, "--contractor-name")?,
                },
                contract_no: parse::text(no, "--contract-no")?,
            }))
        }
        _ => Err(if required {
            FlagMsg::ContractorNeeded.text()
        } else {
            FlagMsg::ContractChangeNeedsAll.text()
        }),
    }
}

/// A score 0-100.
fn score(text: &str) -> Result<u8, String> {
    text.trim().parse::<u8>().ok().filter(|s| *s <= 100).ok_or_else(|| {
        FlagMsg::Score {
            value: text.to_string(),
        }
        .text()
    })
}

fn pass_or_fail(text: &str) -> Result<bool, String> {
    match text.trim() {
        "pass" | "passed" | "通过" => Ok(true),
        "fail" | "failed" | "未通过" | "不通过" => Ok(false),
        other => Err(FlagMsg::PassOrFail {
            value: other.to_string(),
        }
        .text()),
    }
}

/// The project-library subcommands of `ledger post`.
#[derive(Debug, Clone)]
pub enum ProjectPost<'a> {
    /// `review`.
    Review(&'a ReviewArgs),
    /// `approve`.
    Approve(&'a ApproveArgs),
    /// `start`.
    Start(&'a MilestoneArgs),
    /// `accept`.
    Accept(&'a MilestoneArgs),
    /// `handover`.
    Handover(&'a MilestoneArgs),
    /// `evaluate`.
    Evaluate(&'a EvaluateArgs),
    /// `adjust`.
    Adjust(&'a AdjustArgs),
    /// `cancel`.
    Cancel(&'a CancelArgs),
}

fn milestone(a: &MilestoneArgs) -> Result<ProjectMilestone> {
    let (project, date, document_no) = stage(&a.stage)?;
    Ok(ProjectMilestone {
        project,
        date,
        document_no,
        note: u(parse::text(&a.note, "--note"))?,
    })
}

/// The entry body of a project-library subcommand.
pub fn body(what: ProjectPost<'_>) -> Result<EntryBody> {
    Ok(match what {
        ProjectPost::Review(a) => {
            let (project, date, document_no) = stage(&a.stage)?;
            EntryBody::ProjectReview(ProjectReview {
                project,
                date,
                document_no,
                passed: u(pass_or_fail(&a.result))?,
                note: u(parse::text(&a.note, "--note"))?,
            })
        }
        ProjectPost::Approve(a) => {
            let (project, date, document_no) = stage(&a.stage)?;
            let contract = u(contract(&a.contractor, true))?.ok_or_else(|| usage(FlagMsg::ContractorNeeded.text()))?;
            EntryBody::ProjectApprove(ProjectApprove {
                project,
                date,
                document_no,
                plan: u(crate::controls_cmd::line_ref(&a.plan, "--plan"))?,
                budgets: u(budgets(&a.budgets))?,
                contract,
            })
        }
        ProjectPost::Start(a) => EntryBody::ProjectStart(milestone(a)?),
        ProjectPost::Accept(a) => EntryBody::ProjectAccept(milestone(a)?),
        ProjectPost::Handover(a) => EntryBody::ProjectHandover(milestone(a)?),
        ProjectPost::Evaluate(a) => {
            let (project, date, document_no) = stage(&a.stage)?;
            EntryBody::ProjectEvaluate(ProjectEvaluate {
                project,
                date,
                document_no,
                score: u(score(&a.score))?,
                note: u(parse::text(&a.note, "--note"))?,
            })
        }
        ProjectPost::Adjust(a) => {
            let (project, date, document_no) = stage(&a.stage)?;
            EntryBody::ProjectAdjust(ProjectAdjust {
                project,
                date,
                document_no,
                budgets: u(budgets(&a.budgets))?,
                contract: u(contract(&a.contractor, false))?,
                reason: u(parse::text(&a.reason, "--reason"))?,
            })
        }
        ProjectPost::Cancel(a) => EntryBody::ProjectCancel(ProjectCancel {
            project: u(project_id(&a.project))?,
            date: u(parse::date(&a.date, "--date"))?,
            reason: u(parse::text(&a.reason, "--reason"))?,
        }),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn budgets_are_fund_equals_yuan_each_fund_once() {
        let b = budgets(&strings(&["F2019-SCN-012=1,200,000", "F2019-HQC-008=300000.5"])).unwrap();
        assert_eq!(
            b.iter().map(|b| (b.fund.as_str(), b.amount.get())).collect::<Vec<_>>(),
            [("F2019-SCN-012", 120_000_000), ("F2019-HQC-008", 30_000_050)]
        );
        let cases: [(&[&str], &str); 6] = [
            (&[], "--budget：请给 1-16 个资金，每个写成 FUND=YUAN"),
            (
                &["F2019-SCN-012"],
                "--budget \"F2019-SCN-012\"：应写成 FUND=YUAN，例如 F2019-SCN-012=1,200,000",
            ),
            (&["F2019-SCN-012=abc"], "--budget F2019-SCN-012: "),
            (&["F 1=100"], "--budget fund: "),
            (&["F1=100", "F1=200"], "--budget：资金 F1 给了两次"),
            (&["F1=0"], "--budget F1: amount must be greater than zero"),
        ];
        for (input, expected) in cases {
            let e = budgets(&strings(input)).unwrap_err();
            assert!(e.starts_with(expected), "{input:?}: {e}");
        }
        let many: Vec<String> = (0..17).map(|i| format!("F{i}=1")).collect();
        assert_eq!(
            budgets(&many).unwrap_err(),
            "--budget：请给 1-16 个资金，每个写成 FUND=YUAN"
        );
    }

    #[test]
    fn scores_results_and_project_ids() {
        assert_eq!(score("92"), Ok(92));
        assert_eq!(score("100"), Ok(100));
        assert_eq!(score("101").unwrap_err(), "--score \"101\"：分数是 0-100 的整数");
        assert!(score("-1").is_err());
        assert!(score("9.5").is_err());
        assert_eq!(pass_or_fail("通过"), Ok(true));
        assert_eq!(pass_or_fail("fail"), Ok(false));
        assert_eq!(
            pass_or_fail("ok").unwrap_err(),
            "--result \"ok\" 不是 pass/通过 或 fail/未通过"
        );
        assert!(project_id("P2019-101201-01").is_ok());
        assert!(project_id("P2019 101201").unwrap_err().starts_with("--project: "));
        assert!(project_id("").unwrap_err().starts_with("--project: "));
    }

    #[test]
    fn a_contract_is_all_three_flags_and_never_a_person() {
        let c = |id: Option<&str>, name: Option<&str>, no: Option<&str>| ContractorArgs {
            contractor: id.map(String::from),
            contractor_name: name.map(String::from),
            contract_no: no.map(String::from),
        };
        let full = c(
            Some("91320803MA1XXXXXX0"),
            Some("淮安市瑞丰建设工程有限公司"),
            Some("HAFP-2019-001"),
        );
        assert_eq!(
            contract(&full, true).unwrap().unwrap().contractor.id.as_str(),
            "91320803MA1XXXXXX0"
        );
        assert_eq!(contract(&c(None, None, None), false), Ok(None));
        assert_eq!(
            contract(&c(None, None, None), true).unwrap_err(),
            "请给出承包方：--contractor、--contractor-name 和 --contract-no"
        );
        assert_eq!(
            contract(&c(Some("91320803MA1XXXXXX0"), None, None), false).unwrap_err(),
            "变更合同需要同时给出 --contractor、--contractor-name 和 --contract-no"
        );
        assert_eq!(
            contract(&c(Some("11010519491231002X"), Some("张三"), Some("HT-1")), true).unwrap_err(),
            "--contractor：承包方是单位（统一社会信用代码），不能是居民身份证号"
        );
    }
}

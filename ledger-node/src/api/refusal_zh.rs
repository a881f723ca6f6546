//! The Chinese sentence of a project-library refusal (issue 13), put before
//! the rule engine's English message: the people who read these are the
//! town and district offices, and the issue asks that each refusal name the
//! project, the stage, the budget and the amounts. The code stays the
//! stable ASCII one of `RuleError::code`.

use ledger_core::amount::Fen;
use ledger_core::project::ProjectStage;
use ledger_core::rules::RuleError;

fn yuan(fen: u64) -> String {
    Fen::from_raw(fen).to_yuan_string()
}

/// The Chinese label of a stage code (`approved` → 批复入库).
fn stage_zh(code: &str) -> &'static str {
    ProjectStage::ALL
        .iter()
        .find(|s| s.name() == code)
        .map_or("未知阶段", |s| s.label_zh())
}

/// The Chinese sentence for a project refusal, or None for other errors.
pub(crate) fn project_refusal_zh(e: &RuleError) -> Option<String> {
    Some(match e {
        RuleError::BudgetExceeded {
            project,
            budget,
            paid,
            amount,
        } => format!(
            "项目 {project} 批复预算 {} 元，已支付 {} 元，本次 {} 元将超出预算，不予支付。",
            yuan(*budget),
            yuan(*paid),
            yuan(*amount)
        ),
        RuleError::StageOrder { project, stage, .. } => format!(
            "项目 {project} 当前处于“{}”阶段，不能跳过或倒退项目库程序（申报 → 审核论证 → 公示 → 批复入库 → 实施 → 验收 → 资产移交 → 绩效评价）。",
            stage_zh(stage)
        ),
        RuleError::ProjectCancelled { project, seq } => {
            format!("项目 {project} 已于第 {seq} 条记录终止，不能再支付或办理后续程序。")
        }
        RuleError::NotApproved { project, stage } => format!(
            "项目 {project} 尚未批复入库（当前“{}”阶段），不能支付项目资金。",
            stage_zh(stage)
        ),
        RuleError::PayeeNotContracted {
            project,
            contractor,
            payee,
        } => format!(
            "项目 {project} 的合同实施单位是 {contractor}，收款单位 {payee} 不是；如变更施工单位，请先办理项目调整。"
        ),
        RuleError::FinalPaymentBeforeAcceptance {
            project,
            payable,
            paid,
            amount,
        } => format!(
            "项目 {project} 竣工验收前最多支付 {} 元（其余为尾款/质保金），已支付 {} 元，本次 {} 元将动用尾款，须验收后支付。",
            yuan(*payable),
            yuan(*paid),
            yuan(*amount)
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::ids::Ident;

    #[test]
    fn a_budget_refusal_names_project_budget_paid_and_amount() -> Result<(), Box<dyn std::error::Error>> {
        let project = Ident::new("P1")?;
        let e = RuleError::BudgetExceeded {
            project: project.clone(),
            budget: 5_000_000,
            paid: 0,
            amount: 5_000_001,
        };
        assert_eq!(
            project_refusal_zh(&e).as_deref(),
            Some("项目 P1 批复预算 50,000.00 元，已支付 0.00 元，本次 50,000.01 元将超出预算，不予支付。")
        );
        let e = RuleError::NotApproved {
            project,
            stage: "reviewed",
        };
        assert_eq!(
            project_refusal_zh(&e).as_deref(),
            Some("项目 P1 尚未批复入库（当前“审核论证”阶段），不能支付项目资金。")
        );
        assert_eq!(project_refusal_zh(&RuleError::Malformed("x".into())), None);
        Ok(())
    }
}

//! The refusals in Chinese, for the people who read them (operators at a
//! finance station, a clerk at the village terminal). The English text is
//! `RuleError`'s `Display`; this is the same message, built from the same
//! fields, so the two never say different things. Amounts are shown in 元
//! (the unit on every form), the fen stay in the structured fields.
//!
//! Free-text details come in two sorts: the domain ones (`Detail`: not
//! publicised, procedure incomplete, dates out of order, unknown objection
//! targets) carry their own Chinese; the structural ones (`Malformed`,
//! `Genesis`, `UnknownRegion`) are software or setup errors a client's own
//! validation should have caught, so they get a Chinese lead-in with the
//! English detail after it.

use super::RuleError;
use crate::amount::Fen;
use crate::entry::{EntryKind, SubsidyCategory};
use crate::procedure::{AssistanceCategory, NoticeStage};
use crate::project::ProjectStage;

/// A detail for people, in Chinese and English (the error's `Display` is
/// the English; [`RuleError::message_zh`] uses the Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Detail {
    /// Both languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Detail {
        Detail {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

fn yuan(fen: u64) -> String {
    format!("{} 元", Fen::from_raw(fen).to_yuan_string())
}

fn kind_zh(kind: &str) -> &str {
    EntryKind::from_name(kind).map_or(kind, |k| k.label_zh())
}

fn category_zh(name: &str) -> &str {
    SubsidyCategory::parse(name)
        .map(|c| c.label_zh())
        .or_else(|| AssistanceCategory::parse(name).map(|c| c.label_zh()))
        .unwrap_or(name)
}

/// `what` of a publicity window: an entry kind or a notice stage.
fn step_zh(what: &str) -> &str {
    EntryKind::from_name(what)
        .map(|k| k.label_zh())
        .or_else(|| NoticeStage::parse(what).map(|s| s.label_zh()))
        .unwrap_or(what)
}

fn stage_zh(name: &str) -> &str {
    ProjectStage::parse(name).map_or(name, |s| s.label_zh())
}

impl RuleError {
    /// The message in Chinese (the English one is `to_string()`).
    pub fn message_zh(&self) -> String {
        use RuleError as E;
        match self {
            E::Malformed(detail) => format!("条目内容不合格式：{detail}"),
            E::WrongOrigin { expected, found } => format!("提交写明的账本是 {found}，本账本是 {expected}"),
            E::ReplayedNonce(nonce) => format!("随机数 {nonce} 已用过：同一提交不能记两次"),
            E::Expired { not_after_ms, now_ms } => {
                format!("提交已过有效期（有效至 {not_after_ms} 毫秒，现在 {now_ms} 毫秒），请重新签名")
            }
            E::ValidityTooLong { not_after_ms, now_ms } => {
                format!("提交有效期至 {not_after_ms} 毫秒，超过现在（{now_ms} 毫秒）起 7 天")
            }
            E::UnknownKey(key) => format!("密钥 {key} 未在本账本授权"),
            E::RevokedKey { key, revoked_seq } => format!("密钥 {key} 已于第 {revoked_seq} 号条目吊销"),
            E::KeyNotValid(key) => format!("密钥 {key} 此时不在有效期内"),
            E::OutOfScope { key, kind, region } => {
                format!("密钥 {key} 无权在区划 {region} 签署“{}”", kind_zh(kind))
            }
            E::MissingCosignature { kind, required, found } => {
                format!("“{}”需要 {required} 个不同授权密钥签名，现有 {found} 个", kind_zh(kind))
            }
            E::UnknownRegion(detail) => format!("区划不存在或级别不对：{detail}"),
            E::UnknownFund(fund) => format!("资金 {fund} 尚未下达"),
            E::DuplicateFund(fund) => format!("资金 {fund} 已经下达过"),
            E::UnknownProject(project) => format!("项目 {project} 未入库"),
            E::DuplicateProject(project) => format!("项目 {project} 已入库"),
            E::Overdraft {
                account,
                fund,
                balance,
                amount,
            } => format!(
                "余额不足：{account} 的资金 {fund} 余额 {}，不能支付 {}",
                yuan(*balance),
                yuan(*amount)
            ),
            E::BadPath { from, to } => format!("资金不能从 {from} 拨到 {to}（只能逐级向下拨付）"),
            E::NotReversible(seq) => format!("第 {seq} 号条目不是可冲正的资金条目"),
            E::AlreadyReversed { target, by } => format!("第 {target} 号条目已由第 {by} 号条目冲正"),
            E::WeakKey(key) => format!("密钥 {key} 是弱密钥或不是有效的 Ed25519 公钥"),
            E::DuplicateKey(key) => format!("密钥 {key} 已经授权过"),
            E::Genesis(detail) => format!("创世条目有误：{detail}"),
            E::DateInFuture { date, today } => format!("业务日期 {date} 晚于今天（{today}，北京时间）"),
            E::DateBeforeFund { date, fund, issued } => {
                format!("业务日期 {date} 早于资金 {fund} 的下达日期（{issued}）")
            }
            E::DateOutOfOrder { date, what, earlier } => {
                format!("业务日期 {date} 早于{}（{earlier}）", what.zh)
            }
            E::MissingRole { kind, office_zh, .. } => {
                format!("“{}”须由{office_zh}签字确认，签名者中没有该部门的授权人", kind_zh(kind))
            }
            E::NotRegistered {
                household,
                category,
                date,
            } => format!(
                "农户 {household} 在 {date} 没有可享受“{}”的建档立卡登记",
                category_zh(category)
            ),
            E::AlreadyRegistered {
                household,
                category,
                seq,
            } => format!(
                "农户 {household} 已登记为“{}”（第 {seq} 号条目）",
                category_zh(category)
            ),
            E::NotPublicized(detail) => format!("未经公示：{}", detail.zh),
            E::PublicityNotEnded {
                notice,
                ends,
                what,
                date,
            } => format!(
                "公告 {notice} 的公示期到 {ends} 才结束（公示期满后第一天）；{}的日期是 {date}",
                step_zh(what)
            ),
            E::ProcedureIncomplete(detail) => format!("程序不完整：{}", detail.zh),
            E::ObjectionOpen { case_no, target } => format!("针对{}的异议 {case_no} 尚未处理完毕", target.zh),
            E::LineWithdrawn { notice, line, case_no } => {
                format!("公告 {notice} 第 {line} 行已撤回（异议 {case_no} 成立）")
            }
            E::AmountAboveNotice {
                notice,
                line,
                allowed,
                amount,
            } => format!(
                "金额 {} 超过公告 {notice} 第 {line} 行公示的 {}",
                yuan(*amount),
                yuan(*allowed)
            ),
            E::LinePaid { notice, line } => {
                format!("公告 {notice} 第 {line} 行已经发放过（如需重发，先冲正原发放）")
            }
            E::DuplicateNotice(notice) => format!("公告 {notice} 已存在"),
            E::DuplicateObjection(case_no) => format!("异议 {case_no} 已存在"),
            E::UnknownObjection(case_no) => format!("异议 {case_no} 不存在"),
            E::ObjectionClosed { case_no, seq } => format!("异议 {case_no} 已在第 {seq} 号条目作出处理"),
            E::UnknownTarget(detail) => format!("异议对象不存在：{}", detail.zh),
            E::PaymentNotReversed(seq) => format!("针对第 {seq} 号发放的异议成立前，须先冲正该笔发放"),
            E::NotAPayment(seq) => format!("第 {seq} 号条目不是可确认的到户补助"),
            E::DuplicatePayment {
                household,
                category,
                period,
                earlier_seq,
                earlier_date,
                earlier_amount,
            } => format!(
                "重复发放：农户 {household} 的“{}”{period} 已由第 {earlier_seq} 号条目于 {earlier_date} 发放 {}；再次发放须标明为补发（或差额补足）并注明原发放，或先冲正原发放",
                category.label_zh(),
                yuan(*earlier_amount)
            ),
            E::NotSupplementing {
                of_seq,
                household,
                category,
                period,
            } => format!(
                "第 {of_seq} 号条目不是农户 {household} 的“{}”{period} 的有效发放，补发须注明所补的原发放",
                category.label_zh()
            ),
            E::AlreadyConfirmed(seq) => format!("第 {seq} 号发放已经确认过"),
            E::BudgetExceeded {
                project,
                budget,
                paid,
                amount,
            } => format!(
                "超出预算：项目 {project} 批复预算 {}，已支付 {}，本次 {}将超出预算",
                yuan(*budget),
                yuan(*paid),
                yuan(*amount)
            ),
            E::StageOrder {
                project,
                stage,
                why_zh,
                ..
            } => format!(
                "项目 {project} 处于“{}”阶段：{why_zh}（项目库程序：申报 → 审核论证 → 公示 → 批复入库 → 实施 → 竣工验收 → 资产移交 → 绩效评价）",
                stage_zh(stage)
            ),
            E::ProjectCancelled { project, seq } => {
                format!("项目 {project} 已于第 {seq} 号条目终止，不能再支付或办理后续程序")
            }
            E::NotApproved { project, stage } => format!(
                "项目 {project} 尚未批复入库（处于“{}”阶段），不能支付项目资金",
                stage_zh(stage)
            ),
            E::PayeeNotContracted {
                project,
                contractor,
                payee,
            } => format!(
                "项目 {project} 的合同实施单位是 {contractor}，收款单位 {payee} 不是；如变更施工单位，请先办理项目调整"
            ),
            E::FinalPaymentBeforeAcceptance {
                project,
                payable,
                paid,
                amount,
            } => format!(
                "项目 {project} 竣工验收前最多支付 {}（其余为尾款/质保金），已支付 {}，本次 {}将动用尾款，须验收后支付",
                yuan(*payable),
                yuan(*paid),
                yuan(*amount)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Date, Ident};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn refusals_read_in_chinese_with_amounts_in_yuan() -> TestResult {
        let ident = |s: &str| Ident::new(s);
        let date = |d: u32| Date::new(d);
        let budget = RuleError::BudgetExceeded {
            project: ident("P-2019-001")?,
            budget: 145_100_000,
            paid: 145_000_000,
            amount: 100_001,
        };
        assert_eq!(
            budget.message_zh(),
            "超出预算：项目 P-2019-001 批复预算 1,451,000.00 元，已支付 1,450,000.00 元，本次 1,000.01 元将超出预算"
        );
        let role = RuleError::MissingRole {
            kind: "household_subsidy",
            office: "town_civil_affairs",
            office_zh: "镇民政办",
        };
        assert_eq!(
            role.message_zh(),
            "“到户补贴”须由镇民政办签字确认，签名者中没有该部门的授权人"
        );
        let order = RuleError::StageOrder {
            project: ident("P-1")?,
            stage: "proposed",
            why: "an approval follows a passed review",
            why_zh: "批复入库须在审核论证通过之后",
        };
        assert_eq!(
            order.message_zh(),
            "项目 P-1 处于“申报”阶段：批复入库须在审核论证通过之后（项目库程序：申报 → 审核论证 → 公示 → 批复入库 → 实施 → 竣工验收 → 资产移交 → 绩效评价）"
        );
        let window = RuleError::PublicityNotEnded {
            notice: ident("N-1")?,
            ends: date(20190310)?,
            what: "village_publicity",
            date: date(20190305)?,
        };
        assert_eq!(
            window.message_zh(),
            "公告 N-1 的公示期到 2019-03-10 才结束（公示期满后第一天）；村级公示的日期是 2019-03-05"
        );
        let detail = RuleError::NotPublicized(Detail::new("公告 N-9 不存在", "notice N-9 does not exist"));
        assert_eq!(detail.message_zh(), "未经公示：公告 N-9 不存在");
        // The English stays the Display, for logs and English readers.
        assert_eq!(detail.to_string(), "not publicised: notice N-9 does not exist");
        Ok(())
    }
}

//! Flag values the admin commands refuse (`project`, `controls`,
//! `genesis`/`policy-update`'s `--fund-limit` and `--cosign-rule`): which
//! flag, what was given, what is expected. The flag names and the accepted
//! spellings (`pass/通过`) stay as typed; only the sentence is translated.

use super::Message;

/// A flag value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagMsg {
    /// `--budget` with none or too many funds.
    BudgetCount { max: usize },
    /// `--budget` without `=`.
    BudgetForm { value: String },
    /// `--budget` names a fund twice.
    BudgetTwice { fund: String },
    /// `--contractor` is a resident ID.
    ContractorIsPerson,
    /// A contract needs all three flags (a new project).
    ContractorNeeded,
    /// A contract change needs all three flags.
    ContractChangeNeedsAll,
    /// `--score` out of 0-100.
    Score { value: String },
    /// `--result` not pass or fail.
    PassOrFail { value: String },
    /// A value not in a fixed list.
    NotOneOf { flag: String, value: String, list: String },
    /// A household that is neither 64 hex nor a resident ID.
    HouseholdNeither { flag: String, why: String },
    /// A resident ID without `--pseudonym-key`.
    HouseholdNeedsKey { flag: String, start: String },
    /// `NOTICE:LINE` without the colon.
    LineRefForm { flag: String, value: String },
    /// `NOTICE:LINE` whose line is not a number.
    LineRefNumber { flag: String, value: String },
    /// A registration with some of the five notice lines.
    RegisterMissing { flag: String },
    /// An objection with no target.
    ObjectionTarget,
    /// A date that is not digits.
    NotADate { flag: String, value: String },
    /// A region code that is not a village's.
    NotVillageLevel { code: String },
    /// No date given and the clock outside the format's years.
    ClockOutside { flag: String },
    /// `--fund-limit` without `=`.
    FundLimitForm { value: String },
    /// `--fund-limit` days not a number.
    FundLimitDays { value: String },
    /// `--fund-limit` unknown level.
    FundLimitLevel { level: String },
    /// `--cosign-rule` not `KIND:MIN_YUAN:SIGNATURES[:OFFICES]`.
    CosignRuleForm { value: String },
    /// `--cosign-rule` unknown kind.
    CosignRuleKind { kind: String },
    /// `--cosign-rule` amount.
    CosignRuleAmount,
    /// `--cosign-rule` signatures not a number.
    CosignRuleSignatures,
    /// `--cosign-rule` signatures out of 1-8.
    CosignRuleRange,
    /// `--cosign-rule` names an office twice.
    CosignRuleOfficeTwice { value: String, office: String },
    /// `--cosign-rule` names more offices than signatures.
    CosignRuleTooManyOffices {
        value: String,
        offices: usize,
        signatures: u8,
    },
}

impl Message for FlagMsg {
    fn zh(&self) -> String {
        match self {
            FlagMsg::BudgetCount { max } => format!("--budget：请给 1-{max} 个资金，每个写成 FUND=YUAN"),
            FlagMsg::BudgetForm { value } => {
                format!("--budget {value:?}：应写成 FUND=YUAN，例如 F2019-SCN-012=1,200,000")
            }
            FlagMsg::BudgetTwice { fund } => format!("--budget：资金 {fund} 给了两次"),
            FlagMsg::ContractorIsPerson => {
                "--contractor：承包方是单位（统一社会信用代码），不能是居民身份证号".to_string()
            }
            FlagMsg::ContractorNeeded => "请给出承包方：--contractor、--contractor-name 和 --contract-no".to_string(),
            FlagMsg::ContractChangeNeedsAll => {
                "变更合同需要同时给出 --contractor、--contractor-name 和 --contract-no".to_string()
            }
            FlagMsg::Score { value } => format!("--score {value:?}：分数是 0-100 的整数"),
            FlagMsg::PassOrFail { value } => format!("--result {value:?} 不是 pass/通过 或 fail/未通过"),
            FlagMsg::NotOneOf { flag, value, list } => format!("{flag} {value:?} 不是以下之一：{list}"),
            FlagMsg::HouseholdNeither { flag, why } => {
                format!("{flag}：既不是 64 位十六进制的户编号，也不是居民身份证号：{why}")
            }
            FlagMsg::HouseholdNeedsKey { flag, start } => {
                format!("{flag}：{start} 不是 64 位十六进制的户编号（用居民身份证号时请给 --pseudonym-key）")
            }
            FlagMsg::LineRefForm { flag, value } => {
                format!("{flag} {value:?}：应写成 公告编号:行号，例如 N-2019-APP:3")
            }
            FlagMsg::LineRefNumber { flag, value } => format!("{flag} {value:?}：行号是从 0 起的整数"),
            FlagMsg::RegisterMissing { flag } => {
                format!("缺少 {flag}：登记要么引用全部五个公告公示行，要么一个都不引用")
            }
            FlagMsg::ObjectionTarget => "请说明异议针对什么：--notice ID --line N，或 --seq SEQ".to_string(),
            FlagMsg::NotADate { flag, value } => format!("{flag}：不是 YYYY-MM-DD 格式的日期：{value:?}"),
            FlagMsg::NotVillageLevel { code } => format!("village：{code} 不是村级区划代码"),
            FlagMsg::ClockOutside { flag } => format!("{flag}：系统时钟不在 2000-2099 年之间，请给出日期"),
            FlagMsg::FundLimitForm { value } => {
                format!("--fund-limit {value:?}：应写成 LEVEL=DAYS，例如 town=30")
            }
            FlagMsg::FundLimitDays { value } => format!("--fund-limit {value:?}：天数是整数"),
            FlagMsg::FundLimitLevel { level } => {
                format!("--fund-limit：级别 {level:?} 不是 district/区、town/镇、village/村 或 project/项目")
            }
            FlagMsg::CosignRuleForm { value } => {
                format!("--cosign-rule {value:?}：应写成 KIND:MIN_YUAN:SIGNATURES[:OFFICE+OFFICE…]")
            }
            FlagMsg::CosignRuleKind { kind } => format!("--cosign-rule：未知的记录类型 {kind:?}"),
            FlagMsg::CosignRuleAmount => "--cosign-rule 的金额".to_string(),
            FlagMsg::CosignRuleSignatures => "--cosign-rule 的签名数".to_string(),
            FlagMsg::CosignRuleRange => "--cosign-rule：签名数为 1-8".to_string(),
            FlagMsg::CosignRuleOfficeTwice { value, office } => {
                format!("--cosign-rule {value:?} 把岗位 {office} 写了两次")
            }
            FlagMsg::CosignRuleTooManyOffices {
                value,
                offices,
                signatures,
            } => format!("--cosign-rule {value:?} 列了 {offices} 个岗位，但只需要 {signatures} 个签名"),
        }
    }
    fn en(&self) -> String {
        match self {
            FlagMsg::BudgetCount { max } => format!("--budget: give 1-{max} funds, FUND=YUAN each"),
            FlagMsg::BudgetForm { value } => {
                format!("--budget {value:?}: expected FUND=YUAN, e.g. F2019-SCN-012=1,200,000")
            }
            FlagMsg::BudgetTwice { fund } => format!("--budget: fund {fund} is given twice"),
            FlagMsg::ContractorIsPerson => {
                "--contractor: a contractor is an organisation (统一社会信用代码), never a resident ID".to_string()
            }
            FlagMsg::ContractorNeeded => {
                "give the contractor: --contractor, --contractor-name and --contract-no".to_string()
            }
            FlagMsg::ContractChangeNeedsAll => {
                "a contract change needs all of --contractor, --contractor-name and --contract-no".to_string()
            }
            FlagMsg::Score { value } => format!("--score {value:?}: a score is a whole number 0-100"),
            FlagMsg::PassOrFail { value } => format!("--result {value:?} is not pass/通过 or fail/未通过"),
            FlagMsg::NotOneOf { flag, value, list } => format!("{flag} {value:?} is not one of {list}"),
            FlagMsg::HouseholdNeither { flag, why } => {
                format!("{flag}: neither a 64-hex household reference nor a resident ID: {why}")
            }
            FlagMsg::HouseholdNeedsKey { flag, start } => format!(
                "{flag}: {start} is not a 64-hex household reference (give --pseudonym-key to use resident IDs)"
            ),
            FlagMsg::LineRefForm { flag, value } => {
                format!("{flag} {value:?}: expected NOTICE:LINE, e.g. N-2019-APP:3")
            }
            FlagMsg::LineRefNumber { flag, value } => format!("{flag} {value:?}: the line is a number from 0"),
            FlagMsg::RegisterMissing { flag } => {
                format!("{flag} is missing: a registration cites all five notice lines or none")
            }
            FlagMsg::ObjectionTarget => {
                "say what the objection is against: --notice ID --line N, or --seq SEQ".to_string()
            }
            FlagMsg::NotADate { flag, value } => format!("{flag}: not a date YYYY-MM-DD: {value:?}"),
            FlagMsg::NotVillageLevel { code } => format!("village: {code} is not a village-level code"),
            FlagMsg::ClockOutside { flag } => format!("{flag}: the clock is outside 2000-2099; give the date"),
            FlagMsg::FundLimitForm { value } => format!("--fund-limit {value:?}: expected LEVEL=DAYS, e.g. town=30"),
            FlagMsg::FundLimitDays { value } => format!("--fund-limit {value:?}: the days are a whole number"),
            FlagMsg::FundLimitLevel { level } => {
                format!("--fund-limit: level {level:?} is not district/区, town/镇, village/村 or project/项目")
            }
            FlagMsg::CosignRuleForm { value } => {
                format!("--cosign-rule {value:?}: expected KIND:MIN_YUAN:SIGNATURES[:OFFICE+OFFICE…]")
            }
            FlagMsg::CosignRuleKind { kind } => format!("--cosign-rule: unknown kind {kind:?}"),
            FlagMsg::CosignRuleAmount => "--cosign-rule amount".to_string(),
            FlagMsg::CosignRuleSignatures => "--cosign-rule signatures".to_string(),
            FlagMsg::CosignRuleRange => "--cosign-rule: 1-8 signatures".to_string(),
            FlagMsg::CosignRuleOfficeTwice { value, office } => format!("--cosign-rule {value:?} names {office} twice"),
            FlagMsg::CosignRuleTooManyOffices {
                value,
                offices,
                signatures,
            } => format!("--cosign-rule {value:?} names {offices} offices but needs only {signatures} signatures"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_name_the_flag_and_the_value() {
        let m = FlagMsg::CosignRuleTooManyOffices {
            value: "household_subsidy:0:1:a+b".into(),
            offices: 2,
            signatures: 1,
        };
        assert_eq!(
            m.zh(),
            "--cosign-rule \"household_subsidy:0:1:a+b\" 列了 2 个岗位，但只需要 1 个签名"
        );
        assert_eq!(
            m.en(),
            "--cosign-rule \"household_subsidy:0:1:a+b\" names 2 offices but needs only 1 signatures"
        );
        let m = FlagMsg::LineRefForm {
            flag: "--application".into(),
            value: "N-1".into(),
        };
        assert_eq!(m.zh(), "--application \"N-1\"：应写成 公告编号:行号，例如 N-2019-APP:3");
        assert_eq!(m.en(), "--application \"N-1\": expected NOTICE:LINE, e.g. N-2019-APP:3");
    }
}

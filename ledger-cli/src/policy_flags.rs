//! The project library's policy settings (项目库, issue 13) as flags of
//! `ledger genesis` and `ledger policy-update`: the retention share
//! (质保金), the fund time limits per level (资金滞留) and the date from
//! which the project payment rules are enforced. Applied on top of the
//! default policy or a `--policy` file; the whole policy is then checked
//! (`Policy::check`) before anything is signed.

use crate::exit::usage;
use crate::messages::flags::FlagMsg;
use crate::messages::Message as _;
use anyhow::Result;
use clap::Args;
use ledger_core::policy::{FundLimits, Policy};

/// `--retention-bp`, `--fund-limit`, `--projects-from`.
#[derive(Debug, Clone, Default, Args)]
pub struct ProjectPolicyArgs {
    /// 质保金比例: the share of a project's approved budget held back until its
    /// acceptance, in basis points (500 = 5 %), 0-3000.
    #[arg(long, value_name = "BP")]
    pub retention_bp: Option<u16>,
    /// 资金滞留时限 LEVEL=DAYS: how long money may sit at a district/区,
    /// town/镇, village/村 treasury or in a project/项目 account; repeat
    /// (default 30 days at each treasury, 90 in a project account).
    #[arg(long = "fund-limit", value_name = "LEVEL=DAYS")]
    pub fund_limits: Vec<String>,
    /// 项目库 payment rules (approval, contractor, budget, retention) enforced
    /// from this business date, YYYY-MM-DD; earlier project payments load as
    /// history and `ledger audit` reports them.
    #[arg(long, value_name = "DATE")]
    pub projects_from: Option<String>,
}

/// Set one level's limit from `LEVEL=DAYS`.
pub fn fund_limit(limits: &mut FundLimits, text: &str) -> Result<(), String> {
    let (level, days) = text.split_once('=').ok_or_else(|| {
        FlagMsg::FundLimitForm {
            value: text.to_string(),
        }
        .text()
    })?;
    let days: u16 = days.trim().parse().map_err(|_| {
        FlagMsg::FundLimitDays {
            value: text.to_string(),
        }
        .text()
    })?;
    let slot = match level.trim() {
        "district" | "区" | "区级" => &mut limits.district_days,
        "town" | "镇" | "镇级" => &mut limits.town_days,
        "village" | "村" | "村级" => &mut limits.village_days,
        "project" | "项目" => &mut limits.project_days,
        other => {
            return Err(FlagMsg::FundLimitLevel {
                level: other.to_string(),
            }
            .text())
        }
    };
    *slot = days;
    Ok(())
}

impl ProjectPolicyArgs {
    /// Apply the flags given to `policy` (the others leave it as it is).
    pub fn apply(&self, policy: &mut Policy) -> Result<()> {
        if let Some(bp) = self.retention_bp {
            policy.retention_bp = bp;
        }
        for text in &self.fund_limits {
            fund_limit(&mut policy.fund_limits, text).map_err(usage)?;
        }
        if let Some(date) = &self.projects_from {
            policy.enforced_from.projects = crate::post::parse::date(date, "--projects-from").map_err(usage)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fund_limits_by_level_in_english_or_chinese() {
        let mut limits = FundLimits::DEFAULT;
        fund_limit(&mut limits, "town=45").unwrap();
        fund_limit(&mut limits, "项目=120").unwrap();
        assert_eq!(
            limits,
            FundLimits {
                district_days: 30,
                town_days: 45,
                village_days: 30,
                project_days: 120
            }
        );
        assert_eq!(
            fund_limit(&mut limits, "town").unwrap_err(),
            "--fund-limit \"town\"：应写成 LEVEL=DAYS，例如 town=30"
        );
        assert_eq!(
            fund_limit(&mut limits, "town=x").unwrap_err(),
            "--fund-limit \"town=x\"：天数是整数"
        );
        assert_eq!(
            fund_limit(&mut limits, "county=30").unwrap_err(),
            "--fund-limit：级别 \"county\" 不是 district/区、town/镇、village/村 或 project/项目"
        );
    }
}

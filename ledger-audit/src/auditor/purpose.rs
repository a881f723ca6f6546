//! Purposes and standards: which fund categories may pay which subsidies and
//! projects (rule `fund_mismatch`), and a single household payment above the
//! policy's standard (rule `above_standard`). Kept apart from the streaming
//! engine because they are the policy's tables, not the engine's bookkeeping.

use super::*;

/// Which subsidy categories a fund category may pay.
pub(super) fn fund_allows_subsidy(fund: FundCategory, subsidy: SubsidyCategory) -> bool {
    use SubsidyCategory as S;
    match fund {
        FundCategory::SpecialPoverty | FundCategory::Other => true,
        FundCategory::Industry => matches!(subsidy, S::IndustrySupport | S::Employment),
        FundCategory::Infrastructure => false,
        FundCategory::Housing => matches!(subsidy, S::HousingRenovation),
        FundCategory::Education => matches!(subsidy, S::Education),
        FundCategory::Medical => matches!(subsidy, S::MedicalInsurance),
        FundCategory::SocialSecurity => {
            matches!(
                subsidy,
                S::MinimumLiving | S::Pension | S::MedicalInsurance | S::Employment | S::Other
            )
        }
    }
}

/// Which project categories a fund category may pay.
pub(super) fn fund_allows_project(fund: FundCategory, project: ProjectCategory) -> bool {
    use ProjectCategory as P;
    match fund {
        FundCategory::SpecialPoverty | FundCategory::Other => true,
        FundCategory::Industry => matches!(project, P::IndustryBase | P::Solar | P::Other),
        FundCategory::Infrastructure => {
            matches!(project, P::VillageRoad | P::Water | P::Irrigation | P::Solar | P::Other)
        }
        FundCategory::Housing => matches!(project, P::HousingRenovation),
        FundCategory::Education | FundCategory::Medical | FundCategory::SocialSecurity => false,
    }
}

impl Auditor {
    pub(super) fn check_single_standard(&mut self, seq: u64, s: &HouseholdSubsidy) {
        let (category, period, amount, village, household) =
            (s.category, s.period, s.amount.get(), s.village, &s.household);
        let masked = s.masked_name.as_str();
        let Some(standard) = self.config.standards.subsidy.get(&category).copied() else {
            return;
        };
        let (cap, what_zh, what_en) = match (period.month, standard.per_month) {
            (0, _) | (_, None) => (standard.per_year, "年度标准", "yearly standard"),
            (_, Some(m)) => (m, "月度标准", "monthly standard"),
        };
        if amount > cap.get() {
            let severity = if amount >= cap.get().saturating_mul(2) {
                Severity::High
            } else {
                Severity::Medium
            };
            self.push(
                Rule::AboveStandard,
                severity,
                vec![seq],
                Some(village),
                Some(amount),
                format!(
                    "第{seq}号向户{}（{masked}）发放{}{}元（{period}），超过{what_zh}{}元。",
                    short_ref(household),
                    category.label_zh(),
                    Fen::from_raw(amount).to_yuan_string(),
                    cap.to_yuan_string()
                ),
                format!(
                    "Entry #{seq} pays household {} ({masked}) {} yuan of {} for {period}, above the {what_en} of {} yuan.",
                    short_ref(household),
                    Fen::from_raw(amount).to_yuan_string(),
                    category.name(),
                    cap.to_yuan_string()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fund_purposes() {
        assert!(fund_allows_subsidy(
            FundCategory::SocialSecurity,
            SubsidyCategory::MinimumLiving
        ));
        assert!(!fund_allows_subsidy(
            FundCategory::Housing,
            SubsidyCategory::MinimumLiving
        ));
        assert!(fund_allows_project(
            FundCategory::Infrastructure,
            ProjectCategory::VillageRoad
        ));
        assert!(!fund_allows_project(
            FundCategory::Education,
            ProjectCategory::VillageRoad
        ));
    }
}

//! 资金年度不符 (`fund_year_mismatch`): a payment from a fund of one fiscal
//! year for another year.
//!
//! What each side carries: a fund has its fiscal year
//! (`FundIssue.fiscal_year`, the budget year it was appropriated for); a
//! household subsidy has the period it pays (`HouseholdSubsidy.period`,
//! year and month, or the whole year); a project payment pays the project,
//! whose registration plans it from a start to an end date
//! (`ProjectRegister.start`, `.end`). So the years a payment pays are the
//! subsidy's period's year, or the project's planned years (start year to
//! end year: a 2019 project's retention paid in 2020 from its 2019 fund is
//! still the 2019 project's money). The rule fires when the fund's fiscal
//! year is outside them:
//!
//! - **a later fund** (medium): money of a later budget year paying an
//!   earlier year's subsidies or project — arrears covered with new money,
//!   or funds issued ahead of their year (提前下达) spent on the year before;
//! - **an earlier fund** (low): a fund carried over past its year (结转)
//!   into a later year's subsidies or project, which the policy allows with
//!   approval but wants explained.
//!
//! Transfers between treasuries pass a fund on and pay nothing, so they are
//! not judged. One finding per fund, village and direction.

use super::*;

/// The payments of one fund in one village paying another year.
#[derive(Debug, Clone, Default)]
pub(super) struct YearGroup {
    seqs: Vec<u64>,
    count: usize,
    amount: u64,
    /// The years paid.
    years: BTreeSet<u16>,
    example: Option<(String, String)>,
}

impl Auditor {
    /// A payment from `fund` for the years `years` (first, last) in
    /// `village` (called after the replay accepted it, so the fund exists).
    // `state`: the rule state after the payment (the verifier's in the one
    // pass, issue 16), where the fund's fiscal year is read.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fund_year(
        &mut self,
        seq: u64,
        fund: &Ident,
        years: (u16, u16),
        village: RegionCode,
        amount: u64,
        what: (String, String),
        state: &LedgerState,
    ) {
        let Some(fiscal) = state.fund(fund).map(|f| f.fiscal_year) else {
            return;
        };
        if (years.0..=years.1).contains(&fiscal) {
            return;
        }
        // `later`: the payment is for years after the fund's (carried over).
        let later = fiscal < years.0;
        let year = if later { years.0 } else { years.1 };
        let g = self.fund_years.entry((fund.clone(), village, later)).or_default();
        if g.seqs.len() < MAX_ENTRIES_PER_FINDING {
            g.seqs.push(seq);
        }
        g.count += 1;
        g.amount = g.amount.saturating_add(amount);
        g.years.insert(year);
        if g.example.is_none() {
            let (zh, en) = what;
            g.example = Some((
                format!("第{seq}号{zh}，为{year}年度，而资金{fund}属{fiscal}年度"),
                format!("entry #{seq} {en}, for {year}, from fund {fund} of fiscal year {fiscal}"),
            ));
        }
    }

    /// One finding per fund, village and direction.
    pub(super) fn finish_fund_years(&mut self, state: &LedgerState) {
        for ((fund, village, later), g) in std::mem::take(&mut self.fund_years) {
            let record = state.fund(&fund);
            let fiscal = record.map_or(0, |f| f.fiscal_year);
            let title = record.map(|f| f.title.clone()).unwrap_or_default();
            let (place_zh, place_en) = controls::place(state, Some(village));
            let years = g.years.iter().map(u16::to_string).collect::<Vec<_>>().join("、");
            let years_en = g.years.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let list = seq_text(&g.seqs, g.count);
            let count = g.count;
            let money = Fen::from_raw(g.amount).to_yuan_string();
            let (severity, why_zh, why_en) = if later {
                (
                    Severity::Low,
                    "资金跨年度结转使用，应有结转批复",
                    "the fund was carried over past its year (结转), which needs an approval",
                )
            } else {
                (
                    Severity::Medium,
                    "以后年度资金用于以前年度，疑为抵补欠账或提前下达资金提前使用",
                    "money of a later budget year paid an earlier year: arrears covered with new money, or funds issued ahead of their year spent early",
                )
            };
            let (example_zh, example_en) = g.example.clone().unwrap_or_default();
            self.findings.push(Finding {
                id: String::new(),
                reference: None,
                lead: false,
                list_rows: Vec::new(),
                rule_zh: "",
                severity_zh: "",
                rule: Rule::FundYearMismatch,
                severity,
                entries: g.seqs,
                entry_count: count,
                region: Some(village),
                amount: Some(Fen::from_raw(g.amount)),
                explanation_zh: format!(
                    "{place_zh}：{count}笔支付使用{fiscal}年度资金{fund}（{title}）支付{years}年度的补贴或项目（{list}），合计{money}元：{why_zh}。例如{example_zh}。"
                ),
                explanation_en: format!(
                    "{place_en}: {count} payment(s) from fund {fund} ({title}) of fiscal year {fiscal} pay {years_en} ({list}), {money} yuan in all: {why_en}. For example, {example_en}."
                ),
            });
        }
    }
}

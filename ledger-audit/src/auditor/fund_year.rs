//! 资金年度不符 (`fund_year_mismatch`): a payment from a fund of one fiscal
//! year for another year.
//!
//! What each side carries: a fund has its fiscal year
//! (`FundIssue.fiscal_year`, the budget year it was appropriated for); a
//! household subsidy has the period it pays (`HouseholdSubsidy.period`,
//! year and month, or the whole year); a project payment has only its
//! business date, the day the work was paid for. So the year a payment
//! pays is the subsidy's period's year, and a project payment's business
//! date's year. The rule fires when that year is not the fund's fiscal
//! year:
//!
//! - **earlier** (medium): money of a later budget year paying an earlier
//!   year's subsidies or works — arrears covered with new money, or funds
//!   issued ahead of their year (提前下达) spent before it;
//! - **later** (low): a fund carried over past its year (结转), which the
//!   policy allows with approval but wants explained.
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
    /// A payment from `fund` for `year` in `village` (called after the
    /// replay accepted it, so the fund exists).
    pub(super) fn fund_year(
        &mut self,
        seq: u64,
        fund: &Ident,
        year: u16,
        village: RegionCode,
        amount: u64,
        what: (String, String),
    ) {
        let Some(fiscal) = self.replay.fund(fund).map(|f| f.fiscal_year) else {
            return;
        };
        if fiscal == year {
            return;
        }
        let later = year > fiscal;
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

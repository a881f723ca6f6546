//! 资金滞留 (`idle_money`): money at an account longer than the policy's
//! time limit for its level (`Policy::fund_limits`), per account and fund,
//! with its amount, the day the oldest of it arrived and its age in days.
//!
//! The figures are the rule engine's own (`LedgerState::idle_money`, first
//! in first out over business dates), taken from the verified final state
//! on the report's "now": the node's read API and page show the same
//! numbers for the same day, so a supervisor comparing the two finds no
//! difference to explain. The older `idle_funds` rule (no outflow at all
//! for a year) stays: it is about an account that stopped moving, this one
//! about money passed on too slowly under the policy.
//!
//! A warning (low), never a refusal: the money may be waiting for a
//! documented reason.

use super::*;
use ledger_core::rules::IdleFinding;

impl Auditor {
    /// The idle money on `today` from the final state, one finding per
    /// account and fund, and the rows for the report.
    pub(super) fn finish_idle_money(&mut self, state: &LedgerState, today: Option<Date>) -> Vec<IdleMoney> {
        let Some(today) = today else { return Vec::new() };
        let rows = state.idle_money(today);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let region = match &row.account {
                Account::Treasury(code) => Some(*code),
                Account::Project(id) => state.project(id).map(|p| p.village),
            };
            let evidence = self.idle_evidence(&row, today);
            let (who_zh, who_en) = holder(state, &row.account);
            let amount = Fen::from_raw(row.amount).to_yuan_string();
            let IdleFinding {
                fund,
                since,
                days,
                limit_days,
                ..
            } = &row;
            self.push(
                Rule::IdleMoney,
                Severity::Low,
                evidence,
                region,
                Some(row.amount),
                format!(
                    "{who_zh}持有的资金{fund}中有{amount}元超过{limit_days}天时限未拨付或支出：最早一笔于{since}到达，截至{today}已{days}天（资金滞留）。"
                ),
                format!(
                    "{who_en} has held {amount} yuan of fund {fund} beyond the {limit_days}-day limit without passing it on or spending it: the oldest arrived on {since}, {days} days before {today} (idle money)."
                ),
            );
            out.push(IdleMoney {
                account: row.account.key(),
                region,
                fund: row.fund.clone(),
                amount: Fen::from_raw(row.amount),
                since: row.since,
                days: row.days,
                limit_days: row.limit_days,
            });
        }
        out
    }

    /// The credits that brought the idle money: those since the balance last
    /// rose from zero, dated from the oldest idle day to the limit's edge
    /// (all of them if dates do not single any out).
    fn idle_evidence(&self, row: &IdleFinding, today: Date) -> Vec<u64> {
        let (Some(a), Some(f)) = (self.accounts.index_of(&row.account), self.funds.index_of(&row.fund)) else {
            return Vec::new();
        };
        let Some(pot) = self.pots.get(&(a, f)) else {
            return Vec::new();
        };
        let from = date_ms(row.since);
        let until = date_ms(today).saturating_sub(u64::from(row.limit_days).saturating_mul(DAY_MS));
        let dated: Vec<u64> = pot
            .recent_credits
            .iter()
            .copied()
            .filter(|s| {
                self.moves
                    .get(s)
                    .is_some_and(|m| m.time_ms >= from && m.time_ms < until)
            })
            .collect();
        if dated.is_empty() {
            pot.recent_credits.clone()
        } else {
            dated
        }
    }
}

/// Who holds an account, for people: 施河镇（320803101000）财政 / project P.
fn holder(state: &LedgerState, account: &Account) -> (String, String) {
    match account {
        Account::Treasury(code) => {
            let name = state.regions().name(*code).unwrap_or("");
            (
                format!("{name}（{code}）财政"),
                format!("The treasury of {name} ({code})"),
            )
        }
        Account::Project(id) => {
            let name = state.project(id).map(|p| p.name.as_str()).unwrap_or("");
            (format!("项目{id}“{name}”"), format!("Project {id} \"{name}\""))
        }
    }
}

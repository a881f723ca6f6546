//! The money the audit tracks: balances per (account, fund) with the date
//! since which each has sat untouched (rule `idle_funds`), flows per village
//! (rule `village_retention`), money per region for the summaries, and
//! reversals, with the watchers that notice a reversal's money paying
//! something the account could not otherwise pay (rule `reversed_soon`).
//! Every movement goes through the one money model of ledger-core
//! (`ledger_core::money`), so these balances equal the rule state's.

use super::*;

impl Auditor {
    pub(super) fn add_money(&mut self, region: RegionCode, f: impl Fn(&mut RegionMoney)) {
        // A region's figures include its descendants: credit it and its ancestors.
        let mut cursor = Some(region);
        while let Some(code) = cursor {
            if code.level() != RegionLevel::District {
                f(self.money.entry(code).or_default());
            }
            cursor = code.parent();
        }
    }

    /// Apply one movement (an entry's, or a reversal's) to the pots, leg by
    /// leg, debit first.
    pub(super) fn apply_movement(&mut self, m: Movement<u32, u32>, seq: u64, time_ms: u64) {
        for (account, direction) in m.legs() {
            match direction {
                Direction::Debit => {
                    self.debit(account, m.fund, m.amount, seq, time_ms);
                }
                Direction::Credit => self.credit(account, m.fund, m.amount, seq, time_ms),
            }
        }
    }

    /// The balance the audit tracks for `account` in `fund` (zero if it
    /// never saw them): equal to the rule state's by construction.
    pub fn balance(&self, account: &Account, fund: &Ident) -> Fen {
        let (Some(a), Some(f)) = (self.accounts.index_of(account), self.funds.index_of(fund)) else {
            return Fen::ZERO;
        };
        Fen::from_raw(self.pots.get(&(a, f)).map(|p| p.balance).unwrap_or(0))
    }

    /// Credit a pot (money arrives).
    pub(super) fn credit(&mut self, account: u32, fund: u32, amount: u64, seq: u64, time_ms: u64) {
        let pot = self.pots.entry((account, fund)).or_default();
        if pot.balance == 0 {
            pot.still_since_ms = time_ms;
            pot.recent_credits.clear();
        }
        pot.balance = pot.balance.saturating_add(amount);
        if pot.recent_credits.len() < MAX_ENTRIES_PER_FINDING {
            pot.recent_credits.push(seq);
        }
    }

    /// Debit a pot (money leaves); checks whether it needed money returned by
    /// a recent reversal. Returns the balance before the debit.
    pub(super) fn debit(&mut self, account: u32, fund: u32, amount: u64, seq: u64, time_ms: u64) -> u64 {
        let pot = self.pots.entry((account, fund)).or_default();
        let before = pot.balance;
        pot.balance = pot.balance.saturating_sub(amount);
        // Business dates need not rise in log order: keep the latest outflow.
        pot.still_since_ms = pot.still_since_ms.max(time_ms);
        if pot.balance == 0 {
            pot.recent_credits.clear();
        }
        let watchers = self.returned.remove(&(account, fund)).unwrap_or_default();
        let mut keep = Vec::new();
        for w in watchers {
            if time_ms > w.until_ms {
                continue;
            }
            if before < amount.saturating_add(w.credit) {
                // Without the reversal's money this payment would have overdrawn.
                let who = self.account_name(account);
                let fund_name = self.fund_name(fund);
                let severity = if w.target_was_sink {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let region = self.account_region(account);
                self.push(
                    Rule::ReversedSoon,
                    severity,
                    vec![w.target, w.reversal, seq],
                    region,
                    Some(amount),
                    format!(
                        "第{}号被第{}号冲正后不久，{}用退回的资金（资金{}）支付了第{}号（{}元）；若无该冲正，此笔支付将透支账户。疑以冲正掩盖透支或改换收款对象。",
                        w.target,
                        w.reversal,
                        who,
                        fund_name,
                        seq,
                        Fen::from_raw(amount).to_yuan_string()
                    ),
                    format!(
                        "Entry #{} was reversed by #{} and, soon after, {} paid #{} ({} yuan of fund {}) with the returned money; without that reversal the payment would have overdrawn the account. A reversal may have been used to cover an overdraft or to switch the payee.",
                        w.target,
                        w.reversal,
                        who,
                        seq,
                        Fen::from_raw(amount).to_yuan_string(),
                        fund_name
                    ),
                );
                continue; // reported once
            }
            keep.push(w);
        }
        if !keep.is_empty() {
            self.returned.insert((account, fund), keep);
        }
        before
    }

    pub(super) fn observe_reversal(&mut self, seq: u64, time_ms: u64, target: u64, signers: &[u32]) {
        let Some(m) = self.moves.get(&target).cloned() else {
            return;
        };
        // Undo through the money model: the target's movement backwards.
        let back = Movement {
            fund: m.fund,
            amount: m.amount,
            from: m.from,
            to: m.to,
        }
        .reversed();
        self.apply_movement(back, seq, time_ms);
        if let Some(to) = m.to {
            self.add_received(to, m.from, -i128::from(m.amount));
            if let Some(flow) = self.village_of(to).and_then(|v| self.villages.get_mut(&v)) {
                flow.received = flow.received.saturating_sub(m.amount);
            }
        }
        if let Some(from) = m.from {
            if m.village_payout {
                if let Some(flow) = self.village_of(from).and_then(|v| self.villages.get_mut(&v)) {
                    flow.paid_out = flow.paid_out.saturating_sub(m.amount);
                }
            }
        }
        match m.sink {
            Some(Sink::Household(v)) => self.add_money(v, |x| x.households -= i128::from(m.amount)),
            Some(Sink::Project(v)) => self.add_money(v, |x| x.projects -= i128::from(m.amount)),
            None => {}
        }
        let soon = time_ms.saturating_sub(m.time_ms) <= self.config.reversal_window_ms;
        if !soon {
            return;
        }
        // (a) One person paid and un-paid alone.
        if let [only] = signers {
            if m.signers.contains(only) {
                // Business dates have day granularity: say "the same day"
                // or how many days, never hours.
                let (when_zh, when_en) = match days(time_ms.saturating_sub(m.time_ms)) {
                    0 => ("在同一业务日".to_string(), "on the same business day".to_string()),
                    d => (format!("在{d}天后"), format!("{d} day(s) later")),
                };
                let region = m
                    .from
                    .and_then(|a| self.account_region(a))
                    .or_else(|| m.to.and_then(|a| self.account_region(a)));
                self.push(
                    Rule::ReversedSoon,
                    Severity::Medium,
                    vec![target, seq],
                    region,
                    Some(m.amount),
                    format!(
                        "第{target}号（{}元）{when_zh}即被第{seq}号冲正，且冲正仅由原经办人一人签署，无他人复核。",
                        Fen::from_raw(m.amount).to_yuan_string()
                    ),
                    format!(
                        "Entry #{target} ({} yuan) was reversed by #{seq} {when_en}, and the reversal was signed only by the key that made the payment: no second person confirmed it.",
                        Fen::from_raw(m.amount).to_yuan_string()
                    ),
                );
            }
        }
        // (b) Watch whether the returned money pays something the account could not otherwise pay.
        if let Some(from) = m.from {
            self.returned.entry((from, m.fund)).or_default().push(ReturnedMoney {
                reversal: seq,
                target,
                credit: m.amount,
                until_ms: time_ms.saturating_add(self.config.reversal_window_ms),
                target_was_sink: m.sink.is_some(),
            });
        }
    }

    pub(super) fn village_of(&self, account: u32) -> Option<RegionCode> {
        match self.accounts.get(account)? {
            Account::Treasury(code) if code.level() == RegionLevel::Village => Some(*code),
            _ => None,
        }
    }

    /// Money reaching a treasury: counted for it and for each ancestor that
    /// does not also hold the paying account (a move inside a town is not
    /// money the town received).
    pub(super) fn add_received(&mut self, to: u32, from: Option<u32>, delta: i128) {
        let Some(Account::Treasury(code)) = self.accounts.get(to) else {
            return;
        };
        let from_region = from.and_then(|f| self.account_region(f));
        let mut cursor = Some(*code);
        while let Some(c) = cursor {
            if c.level() != RegionLevel::District && !from_region.map(|f| c.covers(f)).unwrap_or(false) {
                self.money.entry(c).or_default().received += delta;
            }
            cursor = c.parent();
        }
    }

    pub(super) fn on_credit_region(&mut self, to: u32, from: Option<u32>, amount: u64, seq: u64, time_ms: u64) {
        let Some(Account::Treasury(code)) = self.accounts.get(to) else {
            return;
        };
        let code = *code;
        self.add_received(to, from, i128::from(amount));
        if code.level() == RegionLevel::Village {
            let flow = self.villages.entry(code).or_default();
            flow.received = flow.received.saturating_add(amount);
            // The earliest business date, whatever order the entries came in.
            let first = flow.first_received_ms.get_or_insert(time_ms);
            *first = (*first).min(time_ms);
            if flow.credits.len() < MAX_ENTRIES_PER_FINDING {
                flow.credits.push(seq);
            }
        }
    }

    /// Money leaving a village treasury toward households or projects.
    /// Returns whether it counted as reaching them.
    pub(super) fn on_debit_village(&mut self, from: u32, amount: u64, toward: &Account) -> bool {
        let Some(v) = self.village_of(from) else { return false };
        let reaches = match toward {
            Account::Project(_) => true,
            Account::Treasury(code) => code.level() == RegionLevel::Village,
        };
        if reaches {
            let flow = self.villages.entry(v).or_default();
            flow.paid_out = flow.paid_out.saturating_add(amount);
        }
        reaches
    }
}

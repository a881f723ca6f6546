//! Patterns over many entries (issue 16):
//!
//! - `two_villages_same_period`: one household paid in two or more villages
//!   for the same period (the subsidy's period: a business date).
//! - `back_dated`: an entry sequenced more than `backdate_days` after its
//!   business date (the one rule comparing both clocks), one finding per
//!   region. Only entries whose business date is on or after the day of
//!   genesis: history from before the ledger existed is necessarily
//!   recorded late (an import), and is not back-dating.
//! - `split_below_threshold`: payments to one household or contractor
//!   within `split_window_days` (business dates), each just below the
//!   policy's co-signature threshold for its kind, together at or above it.
//! - `round_amounts`: a contractor paid at least `round_min_payments` times,
//!   every time a multiple of `round_unit_fen`.
//!
//! Reversed payments are left out of all but back-dating.

use super::*;
use ledger_core::entry::EntryKind;

/// Who was paid, for splitting and round amounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Payee {
    Household(HouseholdRef),
    Contractor(Ident),
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    date_ms: u64,
    seq: u64,
    amount: u64,
    threshold: u64,
}

#[derive(Debug, Default)]
struct BackGroup {
    seqs: Vec<u64>,
    amount: u64,
    max_days: i64,
}

#[derive(Debug, Default)]
struct RoundCount {
    payments: usize,
    round: usize,
    seqs: Vec<u64>,
    amount: u64,
    village: Option<RegionCode>,
    name: String,
}

/// Payments (seq, fen) per village.
type PaidByVillage = BTreeMap<RegionCode, Vec<(u64, u64)>>;

#[derive(Debug, Default)]
pub(super) struct Patterns {
    genesis_day: Option<Date>,
    back: BTreeMap<Option<RegionCode>, BackGroup>,
    split: HashMap<Payee, Vec<Candidate>>,
    split_village: HashMap<Payee, RegionCode>,
    round: BTreeMap<Ident, RoundCount>,
}

/// The lowest amount from which the policy asks more signatures than for
/// a small entry of `kind` (None: no such threshold).
fn cosign_threshold(state: &LedgerState, kind: EntryKind) -> Option<u64> {
    let rules = &state.policy().cosign_rules;
    let base = ledger_core::policy::required_signatures(rules, kind, Some(Fen::ZERO));
    rules
        .iter()
        .filter(|r| r.kind == kind && r.min_amount.get() > 0 && r.signatures > base)
        .map(|r| r.min_amount.get())
        .min()
}

impl Auditor {
    fn entry_region(&self, body: &EntryBody) -> Option<RegionCode> {
        let of = |a: &Account| match a {
            Account::Treasury(c) => Some(*c),
            Account::Project(p) => self.projects.get(p).map(|x| x.0),
        };
        match body {
            EntryBody::HouseholdSubsidy(s) => Some(s.village),
            EntryBody::Transfer(t) => of(&t.to),
            EntryBody::FundIssue(f) => of(&f.to),
            EntryBody::ProjectDisbursement(d) => self.projects.get(&d.project).map(|x| x.0),
            _ => None,
        }
    }

    pub(super) fn observe_patterns(&mut self, seq: u64, time_ms: u64, body: &EntryBody, state: &LedgerState) {
        if seq == 0 {
            self.patterns.genesis_day = Date::in_china_at(time_ms);
        }
        if let (Some(business), Some(sequenced), Some(genesis)) = (
            body.business_date(),
            Date::in_china_at(time_ms),
            self.patterns.genesis_day,
        ) {
            let late = business.days_until(sequenced);
            if business >= genesis && late > i64::from(self.config.backdate_days) {
                let region = self.entry_region(body);
                let g = self.patterns.back.entry(region).or_default();
                g.seqs.push(seq);
                g.amount = g.amount.saturating_add(body.amount().map_or(0, |a| a.get()));
                g.max_days = g.max_days.max(late);
            }
        }
        let (payee, village, amount, date) = match body {
            EntryBody::HouseholdSubsidy(s) => (Payee::Household(s.household), Some(s.village), s.amount.get(), s.date),
            EntryBody::ProjectDisbursement(d) => {
                let village = self.projects.get(&d.project).map(|x| x.0);
                let unit = self.config.round_unit_fen.max(1);
                let r = self.patterns.round.entry(d.payee.id.clone()).or_default();
                r.payments += 1;
                if d.amount.get() % unit == 0 {
                    r.round += 1;
                }
                r.seqs.push(seq);
                r.amount = r.amount.saturating_add(d.amount.get());
                if r.village.is_none() {
                    r.village = village;
                }
                if r.name.is_empty() {
                    r.name = d.payee.name.to_string();
                }
                (Payee::Contractor(d.payee.id.clone()), village, d.amount.get(), d.date)
            }
            _ => return,
        };
        let Some(threshold) = cosign_threshold(state, body.kind()) else {
            return;
        };
        let floor = threshold.saturating_mul(self.config.split_floor_percent.min(100)) / 100;
        if amount >= floor && amount < threshold {
            if let Some(v) = village {
                self.patterns.split_village.entry(payee.clone()).or_insert(v);
            }
            self.patterns.split.entry(payee).or_default().push(Candidate {
                date_ms: date_ms(date),
                seq,
                amount,
                threshold,
            });
        }
    }

    pub(super) fn finish_patterns(&mut self, state: &LedgerState) {
        self.finish_two_villages(state);
        self.finish_backdated();
        self.finish_split(state);
        self.finish_round(state);
    }

    fn finish_two_villages(&mut self, state: &LedgerState) {
        let multi: BTreeSet<HouseholdRef> = self
            .household_villages
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(h, _)| *h)
            .collect();
        if multi.is_empty() {
            return;
        }
        let mut village_of: HashMap<u64, RegionCode> = HashMap::new();
        for h in &multi {
            if let Some(vs) = self.household_villages.get(h) {
                for (v, seqs) in vs {
                    for s in seqs {
                        village_of.insert(*s, *v);
                    }
                }
            }
        }
        let mut groups: BTreeMap<(HouseholdRef, Period), PaidByVillage> = BTreeMap::new();
        for ((h, _, period), paid) in &self.subsidies {
            if !multi.contains(h) {
                continue;
            }
            for p in paid {
                if state.reversed_by(p.seq).is_some() {
                    continue;
                }
                if let Some(v) = village_of.get(&p.seq) {
                    groups
                        .entry((*h, *period))
                        .or_default()
                        .entry(*v)
                        .or_default()
                        .push((p.seq, p.amount));
                }
            }
        }
        for ((household, period), villages) in groups {
            if villages.len() < 2 {
                continue;
            }
            let all: Vec<(u64, u64)> = villages.values().flatten().copied().collect();
            let seqs: Vec<u64> = all.iter().map(|(s, _)| *s).collect();
            let amount = all.iter().fold(0u64, |t, (_, a)| t.saturating_add(*a));
            let names: Vec<String> = villages
                .keys()
                .map(|v| state.regions().name(*v).map_or_else(|| v.to_string(), str::to_string))
                .collect();
            let masked = self.household_names_masked.get(&household).cloned().unwrap_or_default();
            let href = household.0.to_hex();
            let list = seq_text(&seqs, seqs.len());
            let first = villages.keys().next().copied();
            self.push(
                Rule::TwoVillagesSamePeriod,
                Severity::High,
                seqs.clone(),
                first,
                Some(amount),
                format!("户{href}（{masked}）在同一期间{period}于{}个村（{}）领取补贴（{list}），合计{}元：同一身份同期在多地领取。", villages.len(), names.join("、"), Fen::from_raw(amount).to_yuan_string()),
                format!("Household {href} ({masked}) was paid for period {period} in {} villages ({}) ({list}), {} yuan in all: one identity paid in several places for the same period.", villages.len(), names.join(", "), Fen::from_raw(amount).to_yuan_string()),
            );
        }
    }

    fn finish_backdated(&mut self) {
        let groups = std::mem::take(&mut self.patterns.back);
        let days = self.config.backdate_days;
        for (region, g) in groups {
            let count = g.seqs.len();
            let list = seq_text(&g.seqs, count);
            let yuan = Fen::from_raw(g.amount).to_yuan_string();
            let place = region.map(|r| r.to_string()).unwrap_or_else(|| "全区".into());
            self.push(
                Rule::BackDated,
                Severity::Medium,
                g.seqs,
                region,
                (g.amount > 0).then_some(g.amount),
                format!("{place}：{count}个条目的记账（排序）日期比业务日期晚{days}天以上（{list}），最长{}天，涉及{yuan}元：事后补记或倒签日期，须核对原始凭证。", g.max_days),
                format!("{place}: {count} entries were sequenced more than {days} days after their business date ({list}), at most {} days, {yuan} yuan: recorded after the fact or back-dated; check the vouchers.", g.max_days),
            );
        }
    }

    fn finish_split(&mut self, state: &LedgerState) {
        let split = std::mem::take(&mut self.patterns.split);
        let window = u64::from(self.config.split_window_days).saturating_mul(DAY_MS);
        let mut keys: Vec<&Payee> = split.keys().collect();
        keys.sort();
        let mut out = Vec::new();
        for payee in keys {
            let mut c: Vec<Candidate> = split[payee]
                .iter()
                .copied()
                .filter(|c| state.reversed_by(c.seq).is_none())
                .collect();
            c.sort_by_key(|c| (c.date_ms, c.seq));
            let mut i = 0;
            while i < c.len() {
                let mut j = i;
                while j + 1 < c.len() && c[j + 1].date_ms.saturating_sub(c[i].date_ms) <= window {
                    j += 1;
                }
                let group = &c[i..=j];
                let sum = group.iter().fold(0u64, |t, x| t.saturating_add(x.amount));
                let threshold = group.iter().map(|x| x.threshold).min().unwrap_or(u64::MAX);
                if group.len() >= 2 && sum >= threshold {
                    out.push((payee.clone(), group.to_vec(), sum, threshold));
                    i = j + 1;
                } else {
                    i += 1;
                }
            }
        }
        let days = self.config.split_window_days;
        for (payee, group, sum, threshold) in out {
            let seqs: Vec<u64> = group.iter().map(|x| x.seq).collect();
            let list = seq_text(&seqs, seqs.len());
            let (who_zh, who_en) = match &payee {
                Payee::Household(h) => {
                    let masked = self.household_names_masked.get(h).cloned().unwrap_or_default();
                    (
                        format!("户{}（{masked}）", h.0.to_hex()),
                        format!("household {} ({masked})", h.0.to_hex()),
                    )
                }
                Payee::Contractor(id) => {
                    let name = self.patterns.round.get(id).map(|r| r.name.clone()).unwrap_or_default();
                    (format!("收款单位{name}（{id}）"), format!("payee {name} ({id})"))
                }
            };
            let village = self.patterns.split_village.get(&payee).copied();
            let (sum_y, th_y) = (
                Fen::from_raw(sum).to_yuan_string(),
                Fen::from_raw(threshold).to_yuan_string(),
            );
            self.push(
                Rule::SplitBelowThreshold,
                Severity::High,
                seqs,
                village,
                Some(sum),
                format!("{who_zh}在{days}天内收到{}笔支付（{list}），每笔略低于会签门槛{th_y}元，合计{sum_y}元：疑拆分支付以规避会签。", group.len()),
                format!("{who_en} received {} payments within {days} days ({list}), each just below the co-signature threshold of {th_y} yuan, {sum_y} yuan together: possibly split to avoid co-signature.", group.len()),
            );
        }
    }

    fn finish_round(&mut self, state: &LedgerState) {
        let round = std::mem::take(&mut self.patterns.round);
        let min = self.config.round_min_payments.max(1);
        let unit = Fen::from_raw(self.config.round_unit_fen).to_yuan_string();
        for (id, r) in round {
            let live: Vec<u64> = r
                .seqs
                .iter()
                .copied()
                .filter(|s| state.reversed_by(*s).is_none())
                .collect();
            if r.payments < min || r.round < r.payments || live.len() < min {
                continue;
            }
            let list = seq_text(&live, live.len());
            let yuan = Fen::from_raw(r.amount).to_yuan_string();
            self.push(
                Rule::RoundAmounts,
                Severity::Low,
                live.clone(),
                r.village,
                Some(r.amount),
                format!("收款单位{}（{id}）的{}笔项目支付均为{unit}元的整数倍（{list}），合计{yuan}元：金额疑按估算而非发票结算，须核对合同与发票。", r.name, live.len()),
                format!("Contractor {} ({id}) was paid {} times, every amount a multiple of {unit} yuan ({list}), {yuan} yuan in all: amounts look estimated rather than invoiced; check contract and invoices.", r.name, live.len()),
            );
        }
    }
}

//! The policy's controls in the audit (issue 12): what history accepted
//! before a control was enforced broke (`Policy::enforced_from`), and
//! household payments not confirmed within the policy's deadline.
//!
//! The rule engine is the one authority on registration, notices and
//! objections: the auditor replays every entry through a
//! [`LedgerState`] of its own and turns the `history_warnings` the engine
//! reports into findings, so the audit cannot disagree with the node about
//! which household was registered or which line was open on a given day.

use super::*;
use ledger_core::keys::Office;

/// A household subsidy, for the confirmation deadline.
#[derive(Debug, Clone)]
pub(super) struct Payment {
    date: Date,
    village: RegionCode,
    household: HouseholdRef,
    masked: String,
    category: SubsidyCategory,
    amount: u64,
    /// The policy's deadline in force when it was paid.
    days: u16,
    /// From when the policy expects confirmations.
    enforced: Date,
}

/// Which control a history warning is about, its rule and severity.
fn classify(code: &str) -> (Rule, Severity, &'static str, &'static str) {
    match code {
        "paid_unregistered" => (Rule::PaidUnregistered, Severity::High, "建档立卡", "registration"),
        "paid_without_notice" => (Rule::PaidWithoutNotice, Severity::Medium, "发放公示", "payment list"),
        "paid_before_window_end" => (Rule::PaidBeforeWindowEnd, Severity::Medium, "发放公示", "payment list"),
        "paid_under_open_objection" | "paid_on_withdrawn_line" => {
            (Rule::PaidUnderObjection, Severity::High, "发放公示", "payment list")
        }
        "paid_above_notice" => (Rule::PaidAboveNotice, Severity::High, "发放公示", "payment list"),
        "missing_role" => (Rule::MissingRole, Severity::Medium, "岗位签字", "roles"),
        "registered_without_procedure" => (
            Rule::RegisteredWithoutProcedure,
            Severity::Medium,
            "建档立卡",
            "registration",
        ),
        _ => (Rule::PreRuleHistory, Severity::Medium, "政策控制", "policy"),
    }
}

impl Auditor {
    /// "Now" for the age-based rules and whether it is a business date:
    /// the ledger's last business date, else its last sequencing day in
    /// China (a ledger of admin entries only).
    pub(super) fn as_of(&self) -> (Option<Date>, bool) {
        match self.last_date {
            Some(d) => (Some(d), true),
            None if self.entries > 0 => (Date::in_china_at(self.last_time_ms), false),
            None => (None, false),
        }
    }

    /// Replay the entry through the rule engine and report what it broke
    /// before the controls applied.
    pub(super) fn replay_controls(&mut self, entry: &SequencedEntry, verified: Option<&VerifiedSubmission>) {
        if self.replay_failed {
            return;
        }
        let Some(verified) = verified else {
            self.replay_failed = true;
            return;
        };
        let effects = match self.replay.apply(entry.seq, entry.time_ms, verified) {
            Ok(effects) => effects,
            Err(_) => {
                // A verified ledger always replays; if not, report nothing
                // from a state that no longer matches the log.
                self.replay_failed = true;
                return;
            }
        };
        let seq = entry.seq;
        let body = &entry.signed.submission.body;
        match body {
            EntryBody::HouseholdSubsidy(s) => {
                let policy = self.replay.policy();
                self.payments.insert(
                    seq,
                    Payment {
                        date: s.date,
                        village: s.village,
                        household: s.household,
                        masked: s.masked_name.as_str().to_string(),
                        category: s.category,
                        amount: s.amount.get(),
                        days: policy.confirmation_days,
                        enforced: policy.enforced_from.confirmation,
                    },
                );
            }
            EntryBody::PaymentConfirm(c) => {
                self.confirmations.insert(c.payment_seq, (c.date, seq));
            }
            _ => {}
        }
        for warning in &effects.history_warnings {
            self.history_finding(seq, body, warning);
        }
    }

    fn history_finding(&mut self, seq: u64, body: &EntryBody, w: &HistoryWarning) {
        let (rule, severity, control_zh, control_en) = classify(w.code);
        let enforced = self.replay.policy().enforced_from;
        let starts = match rule {
            Rule::PaidUnregistered | Rule::RegisteredWithoutProcedure => enforced.registration,
            Rule::MissingRole => enforced.roles,
            _ => enforced.payment_list,
        };
        let date = body.business_date().map(|d| d.to_string()).unwrap_or_default();
        let (what_zh, what_en, region, amount) = match body {
            EntryBody::HouseholdSubsidy(s) => (
                format!(
                    "向户{}（{}）发放{}{}元（{}，发放日期{}）",
                    short_ref(&s.household),
                    s.masked_name,
                    s.category.label_zh(),
                    s.amount.to_yuan_string(),
                    s.period,
                    s.date
                ),
                format!(
                    "pays household {} ({}) {} yuan of {} for {}, dated {}",
                    short_ref(&s.household),
                    s.masked_name,
                    s.amount.to_yuan_string(),
                    s.category.name(),
                    s.period,
                    s.date
                ),
                Some(s.village),
                Some(s.amount.get()),
            ),
            EntryBody::HouseholdRegister(r) => (
                format!(
                    "将户{}（{}）登记为{}（认定日期{}）",
                    short_ref(&r.household),
                    r.masked_name,
                    r.category.label_zh(),
                    r.date
                ),
                format!(
                    "registers household {} ({}) as {}, dated {}",
                    short_ref(&r.household),
                    r.masked_name,
                    r.category.name(),
                    r.date
                ),
                Some(r.village),
                None,
            ),
            other => (
                format!("（{}，业务日期{date}）", other.kind().label_zh()),
                format!("is a {} dated {date}", other.kind().name()),
                None,
                other.amount().map(Fen::get),
            ),
        };
        let problem_zh = match w.code {
            "paid_unregistered" => "发放日该户未在有权享受此项补贴的类别中建档立卡".to_string(),
            "paid_without_notice" => "未引用任何发放公示名单行".to_string(),
            "paid_before_window_end" => "发放公示的公示期尚未结束即已发放".to_string(),
            "paid_under_open_objection" => "所依据的公示行尚有未处理的异议".to_string(),
            "paid_on_withdrawn_line" => "所依据的公示行已因异议属实而撤回".to_string(),
            "paid_above_notice" => "发放金额超过公示行金额".to_string(),
            "missing_role" => {
                // The engine names the office by its code in its message.
                let office = Office::ALL
                    .iter()
                    .find(|o| w.message.contains(&format!("the {} the policy", o.name())));
                match office {
                    Some(o) => format!("缺少政策规定的{}签字", o.label_zh()),
                    None => "缺少政策规定的岗位签字".to_string(),
                }
            }
            "registered_without_procedure" => "未经两公告四公示程序".to_string(),
            other => format!("违反了尚未实施的控制（{other}）"),
        };
        let zh = format!(
            "第{seq}号{what_zh}：{problem_zh}。该条目早于{control_zh}控制实施日{starts}，作为历史数据接受，未被拒绝，应核查。"
        );
        let en = format!(
            "Entry #{seq} {what_en}: {}. It is dated before the {control_en} control took effect ({starts}), so it was accepted as history rather than refused; check it.",
            w.message
        );
        self.push(rule, severity, vec![seq], region, amount, zh, en);
    }

    /// Household payments not confirmed within the policy's deadline,
    /// counted from the payment's business date to "now" ([`Auditor::as_of`]).
    pub(super) fn finish_confirmations(&mut self, state: &LedgerState) {
        if self.replay_failed {
            return;
        }
        let (Some(as_of), business) = self.as_of() else { return };
        let (now_zh, now_en) = if business {
            (
                format!("账本最后业务日期{as_of}"),
                format!("the ledger's last business date, {as_of}"),
            )
        } else {
            (
                format!("账本最后记账日{as_of}"),
                format!("the ledger's last sequencing day, {as_of}"),
            )
        };
        let payments = std::mem::take(&mut self.payments);
        for (seq, p) in &payments {
            if state.reversed_by(*seq).is_some() {
                continue;
            }
            let days = i64::from(p.days);
            let who_zh = format!(
                "第{seq}号向户{}（{}）发放{}{}元（发放日期{}）",
                short_ref(&p.household),
                p.masked,
                p.category.label_zh(),
                Fen::from_raw(p.amount).to_yuan_string(),
                p.date
            );
            let who_en = format!(
                "Entry #{seq} paid household {} ({}) {} yuan of {} on {}",
                short_ref(&p.household),
                p.masked,
                Fen::from_raw(p.amount).to_yuan_string(),
                p.category.name(),
                p.date
            );
            // Before the confirmation control nobody was asked to confirm:
            // still shown, but as low.
            let (severity, history_zh, history_en) = if p.date < p.enforced {
                (
                    Severity::Low,
                    format!("（发放早于确认控制实施日{}，系历史数据）", p.enforced),
                    format!(
                        " (paid before the confirmation control took effect on {}: history)",
                        p.enforced
                    ),
                )
            } else {
                (Severity::Medium, String::new(), String::new())
            };
            match self.confirmations.get(seq).copied() {
                None => {
                    let waited = p.date.days_until(as_of);
                    if waited <= days {
                        continue;
                    }
                    self.push(
                        Rule::UnconfirmedPayment,
                        severity,
                        vec![*seq],
                        Some(p.village),
                        Some(p.amount),
                        format!("{who_zh}，截至{now_zh}已{waited}天，仍无到户确认（期限{days}天）{history_zh}。"),
                        format!(
                            "{who_en}; {waited} days later, as of {now_en}, the household has not confirmed it (deadline {days} days){history_en}."
                        ),
                    );
                }
                Some((confirmed, by)) => {
                    let took = p.date.days_until(confirmed);
                    if took <= days {
                        continue;
                    }
                    self.push(
                        Rule::UnconfirmedPayment,
                        Severity::Low,
                        vec![*seq, by],
                        Some(p.village),
                        Some(p.amount),
                        format!("{who_zh}，直到{confirmed}才由第{by}号确认，用时{took}天，超过期限{days}天{history_zh}。"),
                        format!(
                            "{who_en}; it was confirmed only on {confirmed} (entry #{by}), {took} days later, past the {days}-day deadline{history_en}."
                        ),
                    );
                }
            }
        }
    }
}

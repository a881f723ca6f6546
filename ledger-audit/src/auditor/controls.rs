//! The policy's controls in the audit (issue 12): what history accepted
//! before a control was enforced broke (`Policy::enforced_from`), and
//! household payments not confirmed within the policy's deadline.
//!
//! The rule engine is the one authority on registration, notices and
//! objections: the auditor replays every entry through a
//! [`LedgerState`] of its own and turns the `history_warnings` the engine
//! reports into findings, so the audit cannot disagree with the node about
//! which household was registered or which line was open on a given day.
//!
//! Findings are grouped per rule and region (village), each listing its
//! entries (the first [`MAX_ENTRIES_PER_FINDING`], with the full count)
//! and describing the first one in full: an imported history of a million
//! payments then gives a few findings per village, not millions, and the
//! memory kept per entry is a few words.

use super::*;

/// A household subsidy, for the confirmation deadline.
#[derive(Debug, Clone)]
pub(super) struct Payment {
    date: Date,
    village: RegionCode,
    amount: u64,
    /// The policy's deadline in force when it was paid.
    days: u16,
    /// From when the policy expects confirmations.
    enforced: Date,
}

/// Entries that broke one control in one region.
#[derive(Debug, Clone, Default)]
pub(super) struct Group {
    /// The first entries, ascending (log order).
    seqs: Vec<u64>,
    /// All of them.
    count: usize,
    /// Money involved.
    amount: u64,
    /// The first entry, described in full (Chinese, English).
    example: Option<(String, String)>,
    /// The control's start date (as of the first entry).
    starts: Option<Date>,
    /// Unconfirmed payments: the longest wait, in days.
    longest: i64,
    /// Unconfirmed payments: the deadline, in days.
    deadline: i64,
}

impl Group {
    fn add(&mut self, seqs: &[u64], amount: u64) {
        for s in seqs {
            if self.seqs.len() < MAX_ENTRIES_PER_FINDING {
                self.seqs.push(*s);
            }
        }
        self.count += 1;
        self.amount = self.amount.saturating_add(amount);
    }
}

/// The rule, severity and control of a history warning code.
fn classify(code: &str) -> (Rule, Severity, &'static str, &'static str) {
    match code {
        "paid_unregistered" => (Rule::PaidUnregistered, Severity::High, "建档立卡", "registration"),
        "paid_without_notice" => (Rule::PaidWithoutNotice, Severity::Medium, "发放公示", "payment list"),
        "paid_before_window_end" => (Rule::PaidBeforeWindowEnd, Severity::Medium, "发放公示", "payment list"),
        // The two codes of the engine, and the rule's own id.
        "paid_under_open_objection" | "paid_on_withdrawn_line" | "paid_under_objection" => {
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

/// What the entries of a history rule did, for the grouped message.
fn rule_text(rule: Rule) -> (&'static str, &'static str) {
    match rule {
        Rule::PaidUnregistered => (
            "向发放日未在有权类别中建档立卡的户发放补贴",
            "paid a household not registered in an entitling category on the payment date",
        ),
        Rule::PaidWithoutNotice => ("未引用发放公示名单行即发放", "paid without a payment-list line"),
        Rule::PaidBeforeWindowEnd => ("在发放公示期结束前发放", "paid before the payment list's window ended"),
        Rule::PaidUnderObjection => (
            "在公示行有未决异议或已因异议撤回时发放",
            "paid on a line with an open objection or withdrawn after one",
        ),
        Rule::PaidAboveNotice => ("发放金额超过公示行金额", "paid more than the payment-list line allows"),
        Rule::MissingRole => (
            "缺少政策规定的岗位签字",
            "lack a signature by an office the policy names",
        ),
        Rule::RegisteredWithoutProcedure => (
            "未经两公告四公示程序即建档立卡",
            "registered a household without the notices of 两公告四公示",
        ),
        _ => ("违反了尚未实施的政策控制", "broke a control not yet enforced"),
    }
}

pub(super) fn place(state: &LedgerState, region: Option<RegionCode>) -> (String, String) {
    match region {
        Some(code) => {
            let name = state.regions().name(code).unwrap_or("");
            (format!("{name}（{code}）"), format!("{name} ({code})"))
        }
        None => ("账本".to_string(), "The ledger".to_string()),
    }
}

fn money_text(amount: u64) -> (String, String) {
    if amount == 0 {
        return (String::new(), String::new());
    }
    let yuan = Fen::from_raw(amount).to_yuan_string();
    (format!("，合计{yuan}元"), format!(", {yuan} yuan in all"))
}

impl Auditor {
    /// "Now" for the age-based rules and whether it is a business date:
    /// the date given (`AuditConfig::as_of`), else the ledger's last
    /// business date, else its last sequencing day in China (a ledger of
    /// admin entries only).
    pub(super) fn as_of(&self) -> (Option<Date>, bool) {
        match (self.config.as_of, self.last_date) {
            (Some(d), _) => (Some(d), true),
            (None, Some(d)) => (Some(d), true),
            (None, None) if self.entries > 0 => (Date::in_china_at(self.last_time_ms), false),
            (None, None) => (None, false),
        }
    }

    /// "As of …" for the findings of the age-based rules (Chinese, English).
    pub(super) fn as_of_text(&self) -> (String, String) {
        match self.as_of() {
            (Some(d), _) if self.config.as_of.is_some() => {
                (format!("审计指定日期{d}"), format!("the audit date given, {d}"))
            }
            (Some(d), true) => (
                format!("账本最后业务日期{d}"),
                format!("the ledger's last business date, {d}"),
            ),
            (Some(d), false) => (
                format!("账本最后记账日{d}"),
                format!("the ledger's last sequencing day, {d}"),
            ),
            (None, _) => (
                "账本最后业务日期".to_string(),
                "the ledger's last business date".to_string(),
            ),
        }
    }

    /// Replay the entry through the auditor's own rule state (when entries
    /// come without the verifier's effects: [`Auditor::observe_verified`]).
    /// `None` once an entry did not replay: the control rules stop there.
    pub(super) fn replay_own(
        &mut self,
        entry: &SequencedEntry,
        verified: Option<&VerifiedSubmission>,
    ) -> Option<Effects> {
        if self.replay_failed {
            return None;
        }
        let Some(verified) = verified else {
            self.replay_failed = true;
            self.replay_failure = Some((entry.seq, "its signatures do not verify".into()));
            return None;
        };
        match self.replay.apply(entry.seq, entry.time_ms, verified) {
            Ok(effects) => Some(effects),
            Err(e) => {
                // A verified ledger fed from genesis always replays; if not,
                // report nothing from a state that no longer matches the log.
                self.replay_failed = true;
                self.replay_failure = Some((entry.seq, format!("[{}] {e}", e.code())));
                None
            }
        }
    }

    /// Collect what an entry the rule engine applied (`effects`, `state`
    /// after it) broke before the controls applied.
    pub(super) fn controls(&mut self, entry: &SequencedEntry, effects: &Effects, state: &LedgerState) {
        let seq = entry.seq;
        let body = &entry.signed.submission.body;
        match body {
            EntryBody::HouseholdSubsidy(s) => {
                let policy = state.policy();
                self.payments.insert(
                    seq,
                    Payment {
                        date: s.date,
                        village: s.village,
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
        self.replay_projects(seq, body, &effects.history_warnings, state);
        for warning in &effects.history_warnings {
            if projects::project_rule(warning.code).is_some() {
                continue; // reported per project (`replay_projects`)
            }
            self.history_warning(seq, body, warning, state);
        }
    }

    fn history_warning(&mut self, seq: u64, body: &EntryBody, w: &HistoryWarning, state: &LedgerState) {
        let (rule, _, _, _) = classify(w.code);
        let enforced = state.policy().enforced_from;
        let starts = match rule {
            Rule::PaidUnregistered | Rule::RegisteredWithoutProcedure => enforced.registration,
            Rule::MissingRole => enforced.roles,
            _ => enforced.payment_list,
        };
        let date = body.business_date().map(|d| d.to_string()).unwrap_or_default();
        let (what_zh, what_en, region, amount) = match body {
            EntryBody::HouseholdSubsidy(s) => {
                let (zh, en) = subsidy_what(s);
                (zh, en, Some(s.village), s.amount.get())
            }
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
                0,
            ),
            other => (
                format!("（{}，业务日期{date}）", other.kind().label_zh()),
                format!("is a {} dated {date}", other.kind().name()),
                None,
                other.amount().map_or(0, Fen::get),
            ),
        };
        let group = self.history.entry((rule, region)).or_default();
        group.add(&[seq], amount);
        if group.example.is_some() {
            return;
        }
        let problem_zh = match w.code {
            "paid_unregistered" => "发放日该户未在有权享受此项补贴的类别中建档立卡".to_string(),
            "paid_without_notice" => "未引用任何发放公示名单行".to_string(),
            "paid_before_window_end" => "发放公示的公示期尚未结束即已发放".to_string(),
            "paid_under_open_objection" => "所依据的公示行尚有未处理的异议".to_string(),
            "paid_on_withdrawn_line" => "所依据的公示行已因异议属实而撤回".to_string(),
            "paid_above_notice" => "发放金额超过公示行金额".to_string(),
            "missing_role" => match w.office {
                Some(o) => format!("缺少政策规定的{}签字", o.label_zh()),
                None => "缺少政策规定的岗位签字".to_string(),
            },
            "registered_without_procedure" => "未经两公告四公示程序".to_string(),
            other => format!("违反了尚未实施的控制（{other}）"),
        };
        group.example = Some((
            format!("第{seq}号{what_zh}：{problem_zh}"),
            format!("entry #{seq} {what_en}: {}", w.message),
        ));
        group.starts = Some(starts);
    }

    /// One finding per rule and region of pre-rule history.
    pub(super) fn finish_history(&mut self, state: &LedgerState) {
        for ((rule, region), g) in std::mem::take(&mut self.history) {
            // A rule's id is one of the codes `classify` knows.
            let (_, severity, control_zh, control_en) = classify(rule.id());
            let (place_zh, place_en) = place(state, region);
            let (did_zh, did_en) = rule_text(rule);
            let (money_zh, money_en) = money_text(g.amount);
            let list = seq_text(&g.seqs, g.count);
            let starts = g.starts.map(|d| d.to_string()).unwrap_or_default();
            let (example_zh, example_en) = g.example.clone().unwrap_or_default();
            let count = g.count;
            self.findings.push(Finding {
                id: String::new(),
                reference: None,
                lead: false,
                list_rows: Vec::new(),
                rule_zh: "",
                severity_zh: "",
                rule,
                severity,
                entries: g.seqs,
                entry_count: count,
                region,
                amount: (g.amount > 0).then(|| Fen::from_raw(g.amount)),
                explanation_zh: format!(
                    "{place_zh}：{count}个条目{did_zh}（{list}）{money_zh}。均早于{control_zh}控制实施日{starts}，作为历史数据接受而未被拒绝，应逐笔核查。例如{example_zh}。"
                ),
                explanation_en: format!(
                    "{place_en}: {count} entries {did_en} ({list}){money_en}. All are dated before the {control_en} control took effect ({starts}), so they were accepted as history rather than refused; check each. For example, {example_en}."
                ),
            });
        }
    }

    /// Household payments not confirmed within the policy's deadline,
    /// counted from the payment's business date to "now"
    /// ([`Auditor::as_of`], named in the finding), one finding per village
    /// and kind: unconfirmed (medium), unconfirmed but paid before the
    /// confirmation control (low), confirmed late (low).
    pub(super) fn finish_confirmations(&mut self, state: &LedgerState) {
        if let Some((seq, why)) = self.replay_failure.take() {
            // Say what was not checked rather than report a clean ledger.
            self.findings.push(Finding {
                id: String::new(),
                reference: None,
                lead: false,
                list_rows: Vec::new(),
                rule_zh: "",
                severity_zh: "",
                rule: Rule::ControlsNotChecked,
                severity: Severity::High,
                entries: vec![seq],
                entry_count: 1,
                region: None,
                amount: None,
                explanation_zh: format!(
                    "审计无法用规则引擎重放第{seq}号（{why}）：自该条目起，规则实施前历史和到户确认均未检查。请用 ledger verify 核验账本后从创世条目起重新审计。"
                ),
                explanation_en: format!(
                    "The audit could not replay entry #{seq} through the rule engine ({why}): from there on, pre-rule history and confirmations were not checked. Verify the ledger and audit it again from genesis."
                ),
            });
            return;
        }
        let (Some(as_of), _) = self.as_of() else { return };
        let (now_zh, now_en) = self.as_of_text();
        const UNCONFIRMED: u8 = 0;
        const UNCONFIRMED_HISTORY: u8 = 1;
        const LATE: u8 = 2;
        let mut groups: BTreeMap<(RegionCode, u8), Group> = BTreeMap::new();
        let payments = std::mem::take(&mut self.payments);
        for (seq, p) in &payments {
            if state.reversed_by(*seq).is_some() {
                continue;
            }
            let days = i64::from(p.days);
            match self.confirmations.get(seq).copied() {
                None => {
                    let waited = p.date.days_until(as_of);
                    if waited <= days {
                        continue;
                    }
                    let kind = if p.date < p.enforced {
                        UNCONFIRMED_HISTORY
                    } else {
                        UNCONFIRMED
                    };
                    let g = groups.entry((p.village, kind)).or_default();
                    g.add(&[*seq], p.amount);
                    g.longest = g.longest.max(waited);
                    g.deadline = days;
                    g.starts.get_or_insert(p.enforced);
                }
                Some((confirmed, by)) => {
                    let took = p.date.days_until(confirmed);
                    if took <= days {
                        continue;
                    }
                    let g = groups.entry((p.village, LATE)).or_default();
                    g.add(&[*seq, by], p.amount);
                    g.longest = g.longest.max(took);
                    g.deadline = days;
                }
            }
        }
        for ((village, kind), mut g) in groups {
            let (place_zh, place_en) = place(state, Some(village));
            let (money_zh, money_en) = money_text(g.amount);
            g.seqs.sort_unstable();
            let count = g.count;
            let list = seq_text(&g.seqs, g.seqs.len());
            let (longest, deadline) = (g.longest, g.deadline);
            let starts = g.starts.map(|d| d.to_string()).unwrap_or_default();
            let (severity, zh, en) = match kind {
                LATE => (
                    Severity::Low,
                    format!(
                        "{place_zh}：{count}笔到户补贴的到户确认晚于期限{deadline}天（发放与确认条目：{list}）{money_zh}，最晚一笔用时{longest}天。"
                    ),
                    format!(
                        "{place_en}: {count} household payments were confirmed later than the {deadline}-day deadline (payments and confirmations: {list}){money_en}; the slowest took {longest} days."
                    ),
                ),
                UNCONFIRMED_HISTORY => (
                    Severity::Low,
                    format!(
                        "{place_zh}：{count}笔到户补贴发放后超过{deadline}天仍无到户确认（{list}）{money_zh}，最久{longest}天，截至{now_zh}。均发放于确认控制实施日{starts}之前，系历史数据。"
                    ),
                    format!(
                        "{place_en}: {count} household payments have no confirmation more than {deadline} days after payment ({list}){money_en}, the oldest {longest} days, as of {now_en}. All were paid before the confirmation control took effect on {starts}: history."
                    ),
                ),
                _ => (
                    Severity::Medium,
                    format!(
                        "{place_zh}：{count}笔到户补贴发放后超过{deadline}天仍无到户确认（{list}）{money_zh}，最久{longest}天，截至{now_zh}。"
                    ),
                    format!(
                        "{place_en}: {count} household payments have no confirmation more than {deadline} days after payment ({list}){money_en}, the oldest {longest} days, as of {now_en}."
                    ),
                ),
            };
            self.findings.push(Finding {
                id: String::new(),
                reference: None,
                lead: false,
                list_rows: Vec::new(),
                rule_zh: "",
                severity_zh: "",
                rule: Rule::UnconfirmedPayment,
                severity,
                entries: g.seqs,
                entry_count: if kind == LATE { count * 2 } else { count },
                region: Some(village),
                amount: Some(Fen::from_raw(g.amount)),
                explanation_zh: zh,
                explanation_en: en,
            });
        }
    }
}

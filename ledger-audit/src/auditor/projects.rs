//! The project library in the audit (issue 13): what a project's payments
//! broke that the write path could not refuse — history dated before
//! `Policy::enforced_from.projects` (or imported from elsewhere) and the
//! business dates the write path does not compare.
//!
//! The rule engine is the authority on a project's stage, approval,
//! contract, budget and payments: the auditor's replayed [`LedgerState`]
//! holds them (`ProjectRecord`, `Approval`), and the engine's own history
//! warnings (`project_paid_before_approval`, `project_payee_not_contracted`,
//! `project_overrun`, `project_final_before_acceptance`,
//! `project_paid_after_cancel`) name what it found. The engine stops at the
//! first rule a history payment breaks; the audit checks each payment
//! against all of them on the same record, and adds what only business
//! dates show, which the write path never compares for payments:
//!
//! - a payment sequenced after the approval but dated before it;
//! - a payment sequenced after the acceptance but dated before it, beyond
//!   the budget less the retention (尾款/质保金);
//! - a payment dated after the project's cancellation, sequenced before
//!   the cancelling entry.
//!
//! Stage entries themselves are always in order in a verified ledger (the
//! write path refuses any other order, history included); should the engine
//! report a stage warning, it is reported here as `project_stage_order`.
//!
//! One finding per rule and project (and fund, for an overrun), naming the
//! project, its stage, the budget and the amounts: projects are few, and a
//! supervisor asks about one project at a time.

use super::*;
use ledger_core::entry::ProjectDisbursement;
use ledger_core::project::ProjectStage;
use ledger_core::rules::ProjectRecord;

/// The project rule of an engine warning code, if it is one.
pub(super) fn project_rule(code: &str) -> Option<Rule> {
    match code {
        "project_paid_before_approval" | "not_approved" => Some(Rule::ProjectPaidBeforeApproval),
        "project_payee_not_contracted" | "payee_not_contracted" => Some(Rule::ProjectPayeeNotContracted),
        "project_overrun" | "budget_exceeded" => Some(Rule::ProjectOverrun),
        "project_final_before_acceptance" | "final_payment_before_acceptance" => {
            Some(Rule::ProjectFinalBeforeAcceptance)
        }
        "project_paid_after_cancel" | "project_cancelled" | "project_stage_order" | "stage_order" => {
            Some(Rule::ProjectStageOrder)
        }
        _ => None,
    }
}

fn severity(rule: Rule) -> Severity {
    match rule {
        Rule::ProjectFinalBeforeAcceptance => Severity::Medium,
        _ => Severity::High,
    }
}

/// A project payment, kept for a cancellation dated before it but
/// sequenced after it.
#[derive(Debug, Clone)]
pub(super) struct ProjectPayment {
    seq: u64,
    date: Date,
    amount: u64,
}

/// The entries of one project that broke one rule (one fund, for overruns).
#[derive(Debug, Clone)]
pub(super) struct ProjectGroup {
    village: RegionCode,
    /// The entries as evidence (payments and the stage entries they
    /// contradict), the first [`MAX_ENTRIES_PER_FINDING`].
    seqs: Vec<u64>,
    /// Payments that broke the rule.
    count: usize,
    /// Their money.
    amount: u64,
    /// Overruns: the most a fund's payments exceeded its budget.
    excess: u64,
    /// How many were history (dated before `enforced_from.projects`).
    history: usize,
    /// The first, described in full (Chinese, English).
    example: (String, String),
}

/// Groups by (rule, project, fund for overruns).
pub(super) type ProjectGroups = BTreeMap<(Rule, Ident, Option<Ident>), ProjectGroup>;

/// One broken rule of one payment, before grouping.
struct Broken {
    rule: Rule,
    fund: Option<Ident>,
    /// Other entries that show it (the approval, acceptance, cancellation).
    related: Option<u64>,
    excess: u64,
    /// Found by business dates, not a rule the write path applies.
    by_date: bool,
    zh: String,
    en: String,
}

fn yuan(fen: u64) -> String {
    Fen::from_raw(fen).to_yuan_string()
}

/// The first entry that left the project at `stage`: (date, seq).
fn reached(p: &ProjectRecord, stage: ProjectStage) -> Option<(Date, u64)> {
    p.timeline
        .iter()
        .find(|(s, _, _)| *s == stage)
        .map(|(_, d, s)| (*d, *s))
}

/// The project a stage entry concerns.
fn stage_project(body: &EntryBody) -> Option<&Ident> {
    match body {
        EntryBody::ProjectReview(r) => Some(&r.project),
        EntryBody::ProjectApprove(a) => Some(&a.project),
        EntryBody::ProjectStart(m) | EntryBody::ProjectAccept(m) | EntryBody::ProjectHandover(m) => Some(&m.project),
        EntryBody::ProjectEvaluate(e) => Some(&e.project),
        EntryBody::ProjectAdjust(a) => Some(&a.project),
        EntryBody::ProjectCancel(c) => Some(&c.project),
        _ => None,
    }
}

impl Auditor {
    /// The issue-13 rules of an entry the replay accepted: project payments
    /// and stages, and the fund year of every payment.
    pub(super) fn replay_projects(
        &mut self,
        seq: u64,
        body: &EntryBody,
        warnings: &[HistoryWarning],
        state: &LedgerState,
    ) {
        match body {
            EntryBody::ProjectDisbursement(d) => {
                self.project_payment(seq, d, warnings, state);
                let village = state.project(&d.project).map(|p| p.village);
                if let (Some(village), Some(&years)) = (village, self.project_years.get(&d.project)) {
                    // A project payment pays the project, whose years are
                    // its planned start's to its planned end's.
                    let what = (
                        format!(
                            "向项目{}（计划{}—{}年）支付{}元（{}）",
                            d.project,
                            years.0,
                            years.1,
                            d.amount.to_yuan_string(),
                            d.date
                        ),
                        format!(
                            "pays project {} (planned {}-{}) {} yuan on {}",
                            d.project,
                            years.0,
                            years.1,
                            d.amount.to_yuan_string(),
                            d.date
                        ),
                    );
                    self.fund_year(seq, &d.fund, years, village, d.amount.get(), what, state);
                }
            }
            EntryBody::HouseholdSubsidy(s) => {
                let what = subsidy_what(s);
                let year = s.period.year;
                self.fund_year(seq, &s.fund, (year, year), s.village, s.amount.get(), what, state);
            }
            EntryBody::ProjectRegister(p) => {
                let year = |d: Date| u16::try_from(d.get() / 10_000).unwrap_or(0);
                self.project_years
                    .insert(p.project.clone(), (year(p.start), year(p.end)));
            }
            _ => {
                let Some(project) = stage_project(body) else { return };
                for w in warnings {
                    if let Some(rule) = project_rule(w.code) {
                        self.project_stage_warning(seq, project, rule, w, state);
                    }
                }
                if let EntryBody::ProjectCancel(c) = body {
                    self.project_cancel(seq, &c.project, c.date, state);
                }
            }
        }
    }

    /// A project payment that the replay accepted: every project rule it
    /// broke, from the record as it stands after it (`warnings`: what the
    /// engine reported for it).
    pub(super) fn project_payment(
        &mut self,
        seq: u64,
        d: &ProjectDisbursement,
        warnings: &[HistoryWarning],
        state: &LedgerState,
    ) {
        let policy = state.policy();
        let history = d.date < policy.enforced_from.projects;
        let retention_bp = policy.retention_bp;
        let Some(p) = state.project(&d.project) else {
            return;
        };
        let amount = d.amount.get();
        let paid_zh = format!(
            "第{seq}号（{}）向{}（{}）支付{}元（资金{}）",
            d.date,
            d.payee.name,
            d.payee.id,
            d.amount.to_yuan_string(),
            d.fund
        );
        let paid_en = format!(
            "entry #{seq} (dated {}) pays {} ({}) {} yuan of fund {}",
            d.date,
            d.payee.name,
            d.payee.id,
            d.amount.to_yuan_string(),
            d.fund
        );
        // The engine's words for what it found, for the English example.
        let engine = |rule: Rule| {
            warnings
                .iter()
                .find(|w| project_rule(w.code) == Some(rule))
                .map(|w| format!(" (the rule engine: {})", w.message))
                .unwrap_or_default()
        };
        let mut broken: Vec<Broken> = Vec::new();
        if let Some((cseq, cdate)) = p.cancelled {
            broken.push(Broken {
                rule: Rule::ProjectStageOrder,
                fund: None,
                related: Some(cseq),
                excess: 0,
                by_date: false,
                zh: format!("{paid_zh}，而项目已于{cdate}由第{cseq}号终止"),
                en: format!(
                    "{paid_en}, but the project was cancelled on {cdate} by #{cseq}{}",
                    engine(Rule::ProjectStageOrder)
                ),
            });
        }
        match &p.approval {
            None => broken.push(Broken {
                rule: Rule::ProjectPaidBeforeApproval,
                fund: None,
                related: None,
                excess: 0,
                by_date: false,
                zh: format!("{paid_zh}，支付时项目处于{}阶段，尚未批复入库", p.stage.label_zh()),
                en: format!(
                    "{paid_en} while the project was at stage {}, not approved{}",
                    p.stage.name(),
                    engine(Rule::ProjectPaidBeforeApproval)
                ),
            }),
            Some(a) => {
                if let Some((adate, aseq)) = reached(p, ProjectStage::Approved) {
                    if d.date < adate {
                        broken.push(Broken {
                            rule: Rule::ProjectPaidBeforeApproval,
                            fund: None,
                            related: Some(aseq),
                            excess: 0,
                            by_date: true,
                            zh: format!("{paid_zh}，业务日期早于第{aseq}号批复（{adate}）"),
                            en: format!("{paid_en}, dated before its approval #{aseq} of {adate}"),
                        });
                    }
                }
                let contractor = &a.contract.contractor;
                if contractor.id != d.payee.id {
                    broken.push(Broken {
                        rule: Rule::ProjectPayeeNotContracted,
                        fund: None,
                        related: None,
                        excess: 0,
                        by_date: false,
                        zh: format!(
                            "{paid_zh}，收款人不是合同（{}）约定的实施单位{}（{}），且无调整记录变更合同",
                            a.contract.contract_no, contractor.name, contractor.id
                        ),
                        en: format!(
                            "{paid_en}, not the contractor {} ({}) of contract {}, and no adjustment changed the contract{}",
                            contractor.name,
                            contractor.id,
                            a.contract.contract_no,
                            engine(Rule::ProjectPayeeNotContracted)
                        ),
                    });
                }
                let paid = p.paid_of(&d.fund);
                let budget = a.budget_of(&d.fund);
                if paid > budget {
                    let before = paid.saturating_sub(amount);
                    broken.push(Broken {
                        rule: Rule::ProjectOverrun,
                        fund: Some(d.fund.clone()),
                        related: None,
                        excess: paid - budget,
                        by_date: false,
                        zh: format!(
                            "{paid_zh}，此前已付{}元，累计{}元，超过该资金批复预算{}元（{}）{}元",
                            yuan(before),
                            yuan(paid),
                            yuan(budget),
                            a.document_no,
                            yuan(paid - budget)
                        ),
                        en: format!(
                            "{paid_en}: {} yuan paid before, {} in all, {} over the fund's approved budget of {} yuan ({}){}",
                            yuan(before),
                            yuan(paid),
                            yuan(paid - budget),
                            yuan(budget),
                            a.document_no,
                            engine(Rule::ProjectOverrun)
                        ),
                    });
                }
                let total = a.total();
                let payable = total - total.saturating_mul(u64::from(retention_bp)) / 10_000;
                let paid_all = p.paid.get();
                let accepted = reached(p, ProjectStage::Accepted);
                let early = match accepted {
                    None => true,
                    Some((adate, _)) => d.date < adate,
                };
                // Only the retained share itself counts here: what goes past
                // the whole budget is an overrun (reported above), and with
                // no retention nothing is held back.
                if early && paid_all.min(total) > payable {
                    let (when_zh, when_en) = match accepted {
                        None => (
                            "项目尚未竣工验收".to_string(),
                            "the project was not accepted".to_string(),
                        ),
                        Some((adate, aseq)) => (
                            format!("业务日期早于第{aseq}号竣工验收（{adate}）"),
                            format!("dated before its acceptance #{aseq} of {adate}"),
                        ),
                    };
                    broken.push(Broken {
                        rule: Rule::ProjectFinalBeforeAcceptance,
                        fund: None,
                        related: accepted.map(|(_, s)| s),
                        excess: 0,
                        by_date: accepted.is_some(),
                        zh: format!(
                            "{paid_zh}，累计支付{}元，超过验收前可付的{}元（批复预算合计{}元，预留{}%尾款/质保金），而{when_zh}",
                            yuan(paid_all),
                            yuan(payable),
                            yuan(total),
                            retention_percent(retention_bp)
                        ),
                        en: format!(
                            "{paid_en}, {} yuan in all, more than the {} payable before acceptance (approved total {} yuan less {} % retention), and {when_en}{}",
                            yuan(paid_all),
                            yuan(payable),
                            yuan(total),
                            retention_percent(retention_bp),
                            engine(Rule::ProjectFinalBeforeAcceptance)
                        ),
                    });
                }
            }
        }
        let village = p.village;
        self.project_payments
            .entry(d.project.clone())
            .or_default()
            .push(ProjectPayment {
                seq,
                date: d.date,
                amount,
            });
        for b in broken {
            self.project_finding(&d.project, village, seq, amount, history, b);
        }
    }

    /// A cancellation: the project's payments sequenced before it but dated
    /// after it broke the stage order.
    pub(super) fn project_cancel(&mut self, seq: u64, project: &Ident, date: Date, state: &LedgerState) {
        let Some(village) = state.project(project).map(|p| p.village) else {
            return;
        };
        let late: Vec<ProjectPayment> = self
            .project_payments
            .get(project)
            .map(|ps| ps.iter().filter(|p| p.date > date).cloned().collect())
            .unwrap_or_default();
        let enforced = state.policy().enforced_from.projects;
        for p in late {
            let b = Broken {
                rule: Rule::ProjectStageOrder,
                fund: None,
                related: Some(seq),
                excess: 0,
                by_date: true,
                zh: format!(
                    "第{}号支付{}元，业务日期{}晚于第{seq}号终止项目的日期{date}",
                    p.seq,
                    yuan(p.amount),
                    p.date
                ),
                en: format!(
                    "entry #{} pays {} yuan dated {}, after the project's cancellation #{seq} of {date}",
                    p.seq,
                    yuan(p.amount),
                    p.date
                ),
            };
            self.project_finding(project, village, p.seq, p.amount, p.date < enforced, b);
        }
    }

    /// An engine warning about a project entry that is not a payment (none
    /// today: stage entries are never history; kept so that a future
    /// warning is reported under its rule, not lost).
    pub(super) fn project_stage_warning(
        &mut self,
        seq: u64,
        project: &Ident,
        rule: Rule,
        w: &HistoryWarning,
        state: &LedgerState,
    ) {
        let Some(village) = state.project(project).map(|p| p.village) else {
            return;
        };
        let b = Broken {
            rule,
            fund: None,
            related: None,
            excess: 0,
            by_date: false,
            zh: format!("第{seq}号：{}", w.message),
            en: format!("entry #{seq}: {}", w.message),
        };
        self.project_finding(project, village, seq, 0, true, b);
    }

    fn project_finding(
        &mut self,
        project: &Ident,
        village: RegionCode,
        seq: u64,
        amount: u64,
        history: bool,
        b: Broken,
    ) {
        let group = self
            .project_groups
            .entry((b.rule, project.clone(), b.fund))
            .or_insert_with(|| ProjectGroup {
                village,
                seqs: Vec::new(),
                count: 0,
                amount: 0,
                excess: 0,
                history: 0,
                example: (b.zh, b.en),
            });
        for s in std::iter::once(seq).chain(b.related) {
            if group.seqs.len() < MAX_ENTRIES_PER_FINDING && !group.seqs.contains(&s) {
                group.seqs.push(s);
            }
        }
        group.count += 1;
        group.amount = group.amount.saturating_add(amount);
        group.excess = group.excess.max(b.excess);
        // Counted as history only if a rule of the write path was broken
        // before it applied; a contradiction of business dates is not.
        group.history += usize::from(history && !b.by_date);
    }

    /// One finding per rule and project (and fund), described from the
    /// final state.
    pub(super) fn finish_projects(&mut self, state: &LedgerState) {
        let starts = state.policy().enforced_from.projects;
        for ((rule, project, fund), mut g) in std::mem::take(&mut self.project_groups) {
            let record = state.project(&project);
            let name = record.map(|p| p.name.clone()).unwrap_or_default();
            let (stage_zh, stage_en) = match record {
                Some(p) if p.cancelled.is_some() => (
                    format!("{}阶段终止", p.stage.label_zh()),
                    format!("cancelled at stage {}", p.stage.name()),
                ),
                Some(p) => (
                    format!("现处{}阶段", p.stage.label_zh()),
                    format!("now at stage {}", p.stage.name()),
                ),
                None => (String::new(), String::new()),
            };
            let (place_zh, place_en) = controls::place(state, Some(g.village));
            g.seqs.sort_unstable();
            let list = seq_text(&g.seqs, g.seqs.len());
            let count = g.count;
            let money = yuan(g.amount);
            let (did_zh, did_en) = match rule {
                Rule::ProjectPaidBeforeApproval => ("在批复入库之前支付", "paid before the approval (入库批复)"),
                Rule::ProjectPayeeNotContracted => (
                    "支付给合同约定的实施单位以外的收款人",
                    "paid someone other than the contracted implementer",
                ),
                Rule::ProjectOverrun => ("超出批复预算支付", "paid beyond the approved budget"),
                Rule::ProjectFinalBeforeAcceptance => (
                    "在竣工验收之前支付了预留的尾款/质保金",
                    "paid the retention (尾款/质保金) before the acceptance",
                ),
                _ => (
                    "违反项目阶段顺序（项目终止后仍支付）",
                    "broke the stage order (paid after the cancellation)",
                ),
            };
            let (budget_zh, budget_en) = match (&fund, record.and_then(|p| p.approval.as_ref())) {
                (Some(f), Some(a)) => (
                    format!(
                        "资金{f}现批复预算{}元（{}），已付{}元，最多超支{}元",
                        yuan(a.budget_of(f)),
                        a.document_no,
                        yuan(record.map_or(0, |p| p.paid_of(f))),
                        yuan(g.excess)
                    ),
                    format!(
                        "fund {f}: approved budget now {} yuan ({}), paid {}, at most {} over",
                        yuan(a.budget_of(f)),
                        a.document_no,
                        yuan(record.map_or(0, |p| p.paid_of(f))),
                        yuan(g.excess)
                    ),
                ),
                (_, Some(a)) => (
                    format!(
                        "批复预算合计{}元（{}），已付{}元",
                        yuan(a.total()),
                        a.document_no,
                        yuan(record.map_or(0, |p| p.paid.get()))
                    ),
                    format!(
                        "approved budget {} yuan in all ({}), paid {}",
                        yuan(a.total()),
                        a.document_no,
                        yuan(record.map_or(0, |p| p.paid.get()))
                    ),
                ),
                (_, None) => (
                    format!(
                        "未批复，申报预算{}元，已付{}元",
                        record.map_or_else(String::new, |p| p.budget.to_yuan_string()),
                        yuan(record.map_or(0, |p| p.paid.get()))
                    ),
                    format!(
                        "not approved, proposed budget {} yuan, paid {}",
                        record.map_or_else(String::new, |p| p.budget.to_yuan_string()),
                        yuan(record.map_or(0, |p| p.paid.get()))
                    ),
                ),
            };
            let (when_zh, when_en) = match g.history {
                0 => (
                    "均按业务日期判断：写入时按记账顺序合规，但业务日期与项目阶段矛盾".to_string(),
                    "all by business date: in order as sequenced, but their dates contradict the stages".to_string(),
                ),
                h if h == count => (
                    format!("均早于项目库控制实施日{starts}，作为历史数据接受而未被拒绝"),
                    format!("all dated before the project controls took effect ({starts}), so accepted as history"),
                ),
                h => (
                    format!("其中{h}笔早于项目库控制实施日{starts}（历史数据），其余按业务日期判断"),
                    format!("{h} dated before the project controls took effect ({starts}), the rest by business date"),
                ),
            };
            let (example_zh, example_en) = &g.example;
            let amount = if rule == Rule::ProjectOverrun {
                g.excess
            } else {
                g.amount
            };
            self.findings.push(Finding {
                id: String::new(),
                reference: None,
                lead: false,
                list_rows: Vec::new(),
                rule_zh: "",
                severity_zh: "",
                rule,
                severity: severity(rule),
                entries: g.seqs,
                entry_count: count,
                region: Some(g.village),
                amount: (amount > 0).then(|| Fen::from_raw(amount)),
                explanation_zh: format!(
                    "{place_zh}项目{project}“{name}”（{stage_zh}；{budget_zh}）：{count}笔支付{did_zh}（{list}），合计{money}元；{when_zh}。例如{example_zh}。"
                ),
                explanation_en: format!(
                    "{place_en}, project {project} \"{name}\" ({stage_en}; {budget_en}): {count} payment(s) {did_en} ({list}), {money} yuan in all; {when_en}. For example, {example_en}."
                ),
            });
        }
    }
}

/// `retention_bp` as a percentage for people: 500 → "5", 250 → "2.5".
fn retention_percent(bp: u16) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => whole.to_string(),
        r if r % 10 == 0 => format!("{whole}.{}", r / 10),
        r => format!("{whole}.{r:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_as_percent() {
        assert_eq!(retention_percent(500), "5");
        assert_eq!(retention_percent(250), "2.5");
        assert_eq!(retention_percent(1), "0.01");
        assert_eq!(retention_percent(0), "0");
    }

    #[test]
    fn engine_codes_map_to_rules() {
        assert_eq!(project_rule("project_paid_after_cancel"), Some(Rule::ProjectStageOrder));
        assert_eq!(project_rule("project_overrun"), Some(Rule::ProjectOverrun));
        assert_eq!(project_rule("paid_unregistered"), None);
        // Each project rule's id maps back to itself.
        for rule in Rule::ALL {
            if let Some(r) = project_rule(rule.id()) {
                assert_eq!(r, rule);
            }
        }
    }
}

//! Audit rules: the risk points of the 2019 policy ("防范风险源点"), run over
//! a ledger that has already been verified.
//!
//! The verifier proves that every entry obeys the *hard* rules (signatures,
//! authorization, conservation). A verified ledger can still show abuse that
//! no single entry breaks: the same household paid twice, money idle for
//! years, a village that never passes its allocation on. This module finds
//! those patterns. It is pure: entries go in in log order (streaming, so
//! memory is bounded by the indexes, not by the ledger) — through
//! [`Auditor::observe_applied`] straight from the verifier's pass, with the
//! rule engine's effects and state (`ledger audit`: one pass, issue 16), or
//! through [`Auditor::observe`], which verifies and replays them itself —
//! and [`Auditor::finish`] returns the findings and a summary per town and
//! village. No I/O, no clock: the age-based rules count business
//! dates, and "now" is the ledger's last business date.
//!
//! The rules, their ids and what they mean are documented in docs/CLI.md
//! (section "Audit rules"); each [`Finding`] explains itself in Chinese and
//! English and names the entries involved.
//!
//! This module holds the engine's state (the indexes it keeps), the shared
//! helpers and [`Auditor::finish`]; by subject: `observe` (the per-entry
//! engine), `pots` (balances, village flows, reversals), `purpose` (fund
//! purposes and standards), `controls` (the policy's controls, pre-rule
//! history), `whole_ledger` (rules run once at the end); the report types
//! are in `crate::report`.

use ledger_core::amount::Fen;
use ledger_core::chain::SequencedEntry;
use ledger_core::entry::{Account, EntryBody, FundCategory, HouseholdSubsidy, ProjectCategory, SubsidyCategory};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::{Date, Ident, Period};
use ledger_core::keys::{PublicKey, Role};
use ledger_core::money::{self, Direction, Movement};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::rules::{Effects, HistoryWarning, LedgerState};
use ledger_core::submission::VerifiedSubmission;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod controls;
mod external;
mod favouritism;
mod flows;
mod fund_year;
mod idle_money;
mod observe;
mod patterns;
mod pots;
mod projects;
mod purpose;
mod whole_ledger;

use purpose::{fund_allows_project, fund_allows_subsidy};

use ledger_core::intern::Interner;

use crate::report::*;

/// A money entry as the rules need it.
#[derive(Debug, Clone)]
struct Move {
    /// Its business date as ms (start of the day): the age-based rules
    /// count days between business dates, never sequencing times.
    time_ms: u64,
    fund: u32,
    from: Option<u32>,
    to: Option<u32>,
    amount: u64,
    signers: Box<[u32]>,
    /// For subsidies and project payments: who was paid (for region totals).
    sink: Option<Sink>,
    /// Money that left a village treasury toward households or projects.
    village_payout: bool,
}

#[derive(Debug, Clone, Copy)]
enum Sink {
    Household(RegionCode),
    Project(RegionCode),
}

/// Running state of one (account, fund).
#[derive(Debug, Clone, Default)]
struct Pot {
    balance: u64,
    /// Since when money has been sitting untouched: the later of the last
    /// debit and the moment the balance last rose from zero.
    still_since_ms: u64,
    /// Credits since the balance last rose from zero (for naming entries).
    recent_credits: Vec<u64>,
}

/// A village treasury's inflow and outflow to households and projects.
#[derive(Debug, Clone, Default)]
struct VillageFlow {
    received: u64,
    paid_out: u64,
    first_received_ms: Option<u64>,
    credits: Vec<u64>,
}

/// One household payment, as the duplicate and yearly rules need it.
#[derive(Debug, Clone, Copy)]
struct SubsidyPaid {
    seq: u64,
    amount: u64,
    /// A supplementary payment (补发/差额补足, issue 14): the one second
    /// payment of a household, category and period the ledger's own
    /// `duplicate_payment` rule lets through, so the audit must not report
    /// it as a duplicate either; it still counts in the yearly totals.
    supplementary: bool,
}

/// One household's payments of one category in one year.
#[derive(Debug, Clone, Default)]
struct YearTotal {
    total: u64,
    seqs: Vec<u64>,
    has_year: bool,
    has_month: bool,
}

#[derive(Debug, Clone, Default)]
struct RegionMoney {
    received: i128,
    households: i128,
    projects: i128,
}

/// A watcher: money returned by a reversal, and whether a later payment from
/// that pot needed it.
#[derive(Debug, Clone)]
struct ReturnedMoney {
    reversal: u64,
    target: u64,
    credit: u64,
    until_ms: u64,
    target_was_sink: bool,
}

#[derive(Debug, Clone)]
struct GrantInfo {
    seq: u64,
    holder: String,
    role: Role,
    money_entries: Vec<u64>,
}

/// The streaming rule engine. Feed every verified entry in order.
#[derive(Debug, Default)]
pub struct Auditor {
    config: AuditConfig,
    entries: u64,
    last_time_ms: u64,
    // interning
    accounts: Interner<Account>,
    funds: Interner<Ident>,
    keys: Interner<PublicKey>,
    // facts
    fund_category: HashMap<u32, FundCategory>,
    projects: HashMap<Ident, (RegionCode, ProjectCategory)>,
    project_funds: BTreeSet<(Ident, u32)>,
    moves: HashMap<u64, Move>,
    pots: HashMap<(u32, u32), Pot>,
    villages: BTreeMap<RegionCode, VillageFlow>,
    money: BTreeMap<RegionCode, RegionMoney>,
    subsidies: HashMap<(HouseholdRef, SubsidyCategory, Period), Vec<SubsidyPaid>>,
    household_names: HashMap<HouseholdRef, BTreeMap<String, Vec<u64>>>,
    household_villages: HashMap<HouseholdRef, BTreeMap<RegionCode, Vec<u64>>>,
    household_names_masked: HashMap<HouseholdRef, String>,
    payee_names: BTreeMap<Ident, BTreeMap<String, Vec<u64>>>,
    grants: HashMap<u32, GrantInfo>,
    returned: HashMap<(u32, u32), Vec<ReturnedMoney>>,
    /// Per key: entries whose signature by it is ZIP-215-valid but not strict.
    non_strict: BTreeMap<u32, Vec<u64>>,
    findings: Vec<Finding>,
    /// The latest business date seen: "now" for the age-based rules.
    last_date: Option<Date>,
    /// The rule state replayed alongside (issue 12): what a payment broke
    /// before the policy's controls were enforced is what the rule engine
    /// itself reports (`Effects::history_warnings`), so the audit and the
    /// node cannot disagree about registration, notices or objections.
    replay: LedgerState,
    /// Set if an entry did not replay (never for a verified ledger fed from
    /// genesis): the control rules stop rather than report from a wrong
    /// state, and the report says so.
    replay_failed: bool,
    /// The entry that did not replay, and why.
    replay_failure: Option<(u64, String)>,
    /// Household subsidies, for the confirmation deadline.
    payments: BTreeMap<u64, controls::Payment>,
    /// Pre-rule history, grouped by rule and region: one finding each, so
    /// a ledger of a million imported payments gives a few findings per
    /// village, not millions.
    history: BTreeMap<(Rule, Option<RegionCode>), controls::Group>,
    /// Confirmed payments: seq → (confirmation date, confirming entry).
    confirmations: HashMap<u64, (Date, u64)>,
    /// Project payments with their business dates, per project (issue 13).
    project_payments: HashMap<Ident, Vec<projects::ProjectPayment>>,
    /// What project payments broke, per rule and project (and fund).
    project_groups: projects::ProjectGroups,
    /// Payments from a fund for another year, per fund, village and
    /// direction (later: true).
    fund_years: BTreeMap<(Ident, RegionCode, bool), fund_year::YearGroup>,
    /// Each project's planned years (start's, end's), for the fund year.
    project_years: HashMap<Ident, (u16, u16)>,
    /// Who each household subsidy and project payment is for (issue 16):
    /// a finding names its household or project in full.
    subjects: Interner<Subject>,
    subject_of: HashMap<u64, u32>,
    /// Back-dating, splitting, round amounts (issue 16).
    patterns: patterns::Patterns,
    /// Money by month and by source, for the report (issue 16).
    flows: flows::Flows,
    /// The external lists (比对) and what matched them (issue 16).
    lists: crate::lists::ExternalLists,
    list_matches: BTreeMap<(HouseholdRef, usize), external::Matched>,
    /// The cadres' surnames per village or town (优亲厚友 leads, issue 16).
    roster: BTreeMap<RegionCode, BTreeSet<char>>,
}

/// What a household payment or a project payment is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Household(HouseholdRef),
    Project(Ident),
}

impl Subject {
    fn reference(&self) -> String {
        match self {
            Subject::Household(r) => r.0.to_hex(),
            Subject::Project(p) => format!("project:{p}"),
        }
    }
}

/// Start of `date` as ms since the epoch: business dates and sequencing
/// times share the rules' arithmetic this way (day granularity).
pub(crate) fn date_ms(date: Date) -> u64 {
    u64::try_from(date.days_since_epoch())
        .unwrap_or(0)
        .saturating_mul(DAY_MS)
}

/// The keys whose signature on `entry` strict verification refuses
/// ([`ledger_core::signature_rule::strict_verify`], ed25519-dalek `verify_strict`).
/// In a verified ledger every signature is ZIP-215-valid, so these are the
/// signatures that verifiers stricter than the ledger's rule would reject:
/// entries written before the node's write path refused non-canonical and
/// small-order encodings, or crafted with a mixed-order `R`, which only a
/// second full verification can see (docs/FORMAT.md §8.1). A full signature
/// check each: callers may run it in parallel and pass the result to
/// [`Auditor::observe_checked`].
pub fn non_strict_signers(entry: &SequencedEntry) -> Vec<PublicKey> {
    let message = entry.signed.submission.signing_message();
    entry
        .signed
        .signatures
        .iter()
        .filter(|s| !ledger_core::signature_rule::strict_verify(&s.key, &s.signature, &message))
        .map(|s| s.key)
        .collect()
}

fn entries_list(mut seqs: Vec<u64>) -> (Vec<u64>, usize) {
    seqs.sort_unstable();
    seqs.dedup();
    let count = seqs.len();
    seqs.truncate(MAX_ENTRIES_PER_FINDING);
    (seqs, count)
}

fn seq_text(seqs: &[u64], count: usize) -> String {
    let mut text = seqs
        .iter()
        .take(8)
        .map(|s| format!("#{s}"))
        .collect::<Vec<_>>()
        .join(", ");
    if count > 8 {
        text.push_str(&format!(" … ({count})"));
    }
    text
}

/// A household's reference in full (64 hex digits: what `ledger prove
/// --household` takes; issue 16 retired the 12-digit prefix).
/// A household payment in a finding's words: (Chinese, English). One
/// wording for every rule that quotes a payment.
fn subsidy_what(s: &ledger_core::entry::HouseholdSubsidy) -> (String, String) {
    (
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
    )
}

fn short_ref(r: &HouseholdRef) -> String {
    r.0.to_hex()
}

fn days(ms: u64) -> u64 {
    ms / DAY_MS
}

fn normalize_holder(holder: &str) -> String {
    holder.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Auditor {
    /// A new auditor with these thresholds.
    pub fn new(config: AuditConfig) -> Auditor {
        Auditor {
            config,
            ..Auditor::default()
        }
    }

    fn account_region(&self, account: u32) -> Option<RegionCode> {
        match self.accounts.get(account)? {
            Account::Treasury(code) => Some(*code),
            Account::Project(id) => self.projects.get(id).map(|p| p.0),
        }
    }

    fn account_name(&self, account: u32) -> String {
        self.accounts.get(account).map(Account::key).unwrap_or_default()
    }

    fn fund_name(&self, fund: u32) -> String {
        self.funds.get(fund).map(|f| f.to_string()).unwrap_or_default()
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        severity: Severity,
        seqs: Vec<u64>,
        region: Option<RegionCode>,
        amount: Option<u64>,
        zh: String,
        en: String,
    ) {
        let (entries, entry_count) = entries_list(seqs);
        let lead = rule == Rule::FavouritismLead;
        self.findings.push(Finding {
            id: String::new(),
            reference: None,
            lead,
            list_rows: Vec::new(),
            rule_zh: "",
            severity_zh: "",
            rule,
            severity,
            entries,
            entry_count,
            region,
            amount: amount.map(Fen::from_raw),
            explanation_zh: zh,
            explanation_en: en,
        });
    }

    /// Finish: run the whole-ledger rules and return the report. `state` is
    /// the verified final ledger state (for reversals, keys and names).
    pub fn finish(mut self, state: &LedgerState) -> AuditReport {
        let (as_of, _) = self.as_of();
        let now = as_of.map(date_ms).unwrap_or(self.last_time_ms);
        self.finish_duplicates_and_yearly(state);
        self.finish_idle(now);
        self.finish_villages(state, now);
        self.finish_signers(state);
        self.finish_shared(state);
        self.finish_non_strict();
        self.finish_history(state);
        self.finish_confirmations(state);
        self.finish_projects(state);
        self.finish_fund_years(state);
        self.finish_patterns(state);
        self.finish_lists(state);
        self.finish_favouritism(state);
        let idle_money = self.finish_idle_money(state, as_of);
        let mut findings = std::mem::take(&mut self.findings);
        for f in &mut findings {
            if f.reference.is_none() {
                f.reference = self.reference_of(&f.entries);
            }
            f.id = finding_id(f);
            f.rule_zh = f.rule.label_zh();
            f.severity_zh = f.severity.label_zh();
        }
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.rule.cmp(&b.rule))
                .then(a.entries.first().cmp(&b.entries.first()))
        });
        let regions = self.summaries(state, &findings, &idle_money);
        AuditReport {
            entries: self.entries,
            as_of_ms: self.last_time_ms,
            as_of_date: as_of,
            findings,
            regions,
            idle_money,
            months: self.flows.months(),
            sources: self.flows.sources(),
        }
    }
}

impl Auditor {
    /// The external lists to cross-check (比对); before the first entry.
    pub fn set_lists(&mut self, lists: crate::lists::ExternalLists) {
        self.lists = lists;
    }

    fn note_subject(&mut self, seq: u64, subject: Subject) {
        let i = self.subjects.intern(&subject);
        self.subject_of.insert(seq, i);
    }

    /// The household or project all of these entries concern, if one.
    fn reference_of(&self, seqs: &[u64]) -> Option<String> {
        let mut found: Option<u32> = None;
        for s in seqs {
            if let Some(i) = self.subject_of.get(s) {
                match found {
                    None => found = Some(*i),
                    Some(f) if f == *i => {}
                    Some(_) => return None,
                }
            }
        }
        found.and_then(|i| self.subjects.get(i)).map(Subject::reference)
    }
}

/// A finding's stable id: `F-` and the first 12 hex digits of
/// blake3(rule id, reference, every listed entry, the entry count).
fn finding_id(f: &Finding) -> String {
    let mut h = blake3::Hasher::new();
    h.update(f.rule.id().as_bytes());
    h.update(b"\0");
    h.update(f.reference.as_deref().unwrap_or("").as_bytes());
    h.update(b"\0");
    for s in &f.entries {
        h.update(&s.to_le_bytes());
    }
    h.update(&(f.entry_count as u64).to_le_bytes());
    if f.entries.is_empty() {
        // Findings without entries (idle accounts): their region tells them apart.
        h.update(f.region.map(|r| r.to_string()).unwrap_or_default().as_bytes());
        h.update(f.explanation_en.as_bytes());
    }
    let hex = h.finalize().to_hex();
    format!("F-{}", &hex.as_str()[..12])
}

/// Audit a whole verified ledger held in memory (tests, small ledgers).
pub fn audit_entries<'a>(
    entries: impl IntoIterator<Item = &'a SequencedEntry>,
    state: &LedgerState,
    config: AuditConfig,
) -> AuditReport {
    let mut auditor = Auditor::new(config);
    for entry in entries {
        auditor.observe(entry);
    }
    auditor.finish(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_severities() {
        assert_eq!(Severity::parse("高"), Some(Severity::High));
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert!(Severity::High > Severity::Low);
        let ids: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), Rule::ALL.len());
    }

    #[test]
    fn standards_cover_every_category() {
        let s = Standards::jiangsu_2019();
        for c in SubsidyCategory::ALL {
            assert!(s.subsidy.contains_key(c), "{c:?}");
        }
    }

    #[test]
    fn empty_ledger_has_no_findings() {
        let report = audit_entries(std::iter::empty(), &LedgerState::new(), AuditConfig::default());
        assert!(report.findings.is_empty());
        assert!(report.regions.is_empty());
    }
}

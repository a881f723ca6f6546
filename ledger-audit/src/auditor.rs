//! Audit rules: the risk points of the 2019 policy ("防范风险源点"), run over
//! a ledger that has already been verified.
//!
//! The verifier proves that every entry obeys the *hard* rules (signatures,
//! authorization, conservation). A verified ledger can still show abuse that
//! no single entry breaks: the same household paid twice, money idle for
//! years, a village that never passes its allocation on. This module finds
//! those patterns. It is pure: entries go in through [`Auditor::observe`] in
//! log order (streaming, so memory is bounded by the indexes, not by the
//! ledger), and [`Auditor::finish`] returns the findings and a summary per
//! town and village. No I/O, no clock: the age-based rules count business
//! dates, and "now" is the ledger's last business date.
//!
//! The rules, their ids and what they mean are documented in docs/CLI.md
//! (section "Audit rules"); each [`Finding`] explains itself in Chinese and
//! English and names the entries involved.
//!
//! About 900 lines and one subject: the streaming per-entry engine and the
//! indexes it keeps; the whole-ledger rules that read those indexes are in
//! `whole_ledger`, the report types in `crate::report`.

use ledger_core::amount::Fen;
use ledger_core::chain::SequencedEntry;
use ledger_core::entry::{Account, EntryBody, FundCategory, HouseholdSubsidy, ProjectCategory, SubsidyCategory};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::{Date, Ident, Period};
use ledger_core::keys::{PublicKey, Role};
use ledger_core::money::{self, Direction, Movement};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::rules::{HistoryWarning, LedgerState};
use ledger_core::submission::VerifiedSubmission;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod controls;
mod whole_ledger;

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
    subsidies: HashMap<(HouseholdRef, SubsidyCategory, Period), Vec<(u64, u64)>>,
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

fn short_ref(r: &HouseholdRef) -> String {
    r.0.to_hex().chars().take(12).collect()
}

fn days(ms: u64) -> u64 {
    ms / DAY_MS
}

fn normalize_holder(holder: &str) -> String {
    holder.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Which subsidy categories a fund category may pay.
fn fund_allows_subsidy(fund: FundCategory, subsidy: SubsidyCategory) -> bool {
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
fn fund_allows_project(fund: FundCategory, project: ProjectCategory) -> bool {
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
        self.findings.push(Finding {
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

    fn add_money(&mut self, region: RegionCode, f: impl Fn(&mut RegionMoney)) {
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
    fn apply_movement(&mut self, m: Movement<u32, u32>, seq: u64, time_ms: u64) {
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
    fn credit(&mut self, account: u32, fund: u32, amount: u64, seq: u64, time_ms: u64) {
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
    fn debit(&mut self, account: u32, fund: u32, amount: u64, seq: u64, time_ms: u64) -> u64 {
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

    /// Examine the next verified entry (entries must come in log order).
    pub fn observe(&mut self, entry: &SequencedEntry) {
        self.observe_checked(entry, &non_strict_signers(entry));
    }

    /// [`Auditor::observe`] with [`non_strict_signers`] of the entry already
    /// computed (the expensive part, which `ledger audit` runs in parallel).
    pub fn observe_checked(&mut self, entry: &SequencedEntry, non_strict: &[PublicKey]) {
        let verified = entry.signed.clone().verify().ok();
        self.observe_verified(entry, verified.as_ref(), non_strict);
    }

    /// [`Auditor::observe_checked`] with the entry's signatures already
    /// verified too (`ledger audit` verifies in parallel): the control rules
    /// replay it through the rule engine, which takes only verified
    /// submissions. `None` (signatures that do not verify: impossible in a
    /// verified ledger) stops the control rules.
    pub fn observe_verified(
        &mut self,
        entry: &SequencedEntry,
        verified: Option<&VerifiedSubmission>,
        non_strict: &[PublicKey],
    ) {
        self.replay_controls(entry, verified);
        for key in non_strict {
            let k = self.keys.intern(key);
            self.non_strict.entry(k).or_default().push(entry.seq);
        }
        self.entries = self.entries.max(entry.seq + 1);
        self.last_time_ms = self.last_time_ms.max(entry.time_ms);
        let seq = entry.seq;
        // Age-based rules run on business dates (the day the money moved),
        // not on sequencing times: history imported in one sitting carries
        // one sequencing minute but years of business dates (issue 12).
        // Entries without one (admin kinds) move no money.
        let business = entry.signed.submission.body.business_date();
        if business.is_some() {
            self.last_date = self.last_date.max(business);
        }
        let time_ms = business.map(date_ms).unwrap_or(entry.time_ms);
        let mut signers: Vec<u32> = Vec::with_capacity(entry.signed.signatures.len());
        for s in &entry.signed.signatures {
            signers.push(self.keys.intern(&s.key));
        }
        let body = &entry.signed.submission.body;
        if !body.kind().is_admin() {
            self.check_money_signers(seq, &signers);
        }
        // Pots follow the one money model; the arms below add what only the
        // audit tracks (flows per village, watchers, sinks).
        if let Some(m) = money::movement(body) {
            let f = self.funds.intern(m.fund);
            let m = m.map(|a| self.accounts.intern(a), |_| f);
            self.apply_movement(m, seq, time_ms);
        }
        match body {
            EntryBody::Genesis(g) => {
                for grant in &g.grants {
                    let k = self.keys.intern(&grant.key);
                    self.grants.insert(
                        k,
                        GrantInfo {
                            seq,
                            holder: normalize_holder(grant.holder.as_str()),
                            role: grant.role,
                            money_entries: Vec::new(),
                        },
                    );
                }
            }
            EntryBody::KeyGrant(grant) => {
                let k = self.keys.intern(&grant.key);
                let holder = normalize_holder(grant.holder.as_str());
                // A person granting themselves a key.
                let self_granted: Vec<u32> = signers
                    .iter()
                    .copied()
                    .filter(|s| self.grants.get(s).map(|g| g.holder == holder).unwrap_or(false))
                    .collect();
                if !self_granted.is_empty() {
                    self.push(
                        Rule::SignerAnomaly,
                        Severity::High,
                        vec![seq],
                        None,
                        None,
                        format!("第{seq}号授权由持有人“{}”本人签署：自己给自己授权，违反职责分离。", grant.holder),
                        format!("Entry #{seq} grants a key to \"{}\" and is signed by that same holder: a self-grant, against the separation of duties.", grant.holder),
                    );
                }
                self.grants.insert(
                    k,
                    GrantInfo {
                        seq,
                        holder,
                        role: grant.role,
                        money_entries: Vec::new(),
                    },
                );
            }
            EntryBody::FundIssue(issue) => {
                let f = self.funds.intern(&issue.fund);
                self.fund_category.insert(f, issue.category);
                let to = self.accounts.intern(&issue.to);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: None,
                        to: Some(to),
                        amount: issue.amount.get(),
                        signers: signers.into(),
                        sink: None,
                        village_payout: false,
                    },
                );
                self.on_credit_region(to, None, issue.amount.get(), seq, time_ms);
            }
            EntryBody::Transfer(t) => {
                let f = self.funds.intern(&t.fund);
                let from = self.accounts.intern(&t.from);
                let to = self.accounts.intern(&t.to);
                let amount = t.amount.get();
                if let Account::Project(p) = &t.to {
                    self.project_funds.insert((p.clone(), f));
                }
                let village_payout = self.on_debit_village(from, amount, &t.to);
                self.on_credit_region(to, Some(from), amount, seq, time_ms);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: Some(from),
                        to: Some(to),
                        amount,
                        signers: signers.into(),
                        sink: None,
                        village_payout,
                    },
                );
            }
            EntryBody::ProjectRegister(p) => {
                self.projects.insert(p.project.clone(), (p.village, p.category));
            }
            EntryBody::ProjectDisbursement(d) => {
                let f = self.funds.intern(&d.fund);
                let from = self.accounts.intern(&d.from);
                let amount = d.amount.get();
                let project = self.projects.get(&d.project).copied();
                let village = project.map(|p| p.0);
                if let Some((village, category)) = project {
                    self.add_money(village, |m| m.projects += i128::from(amount));
                    if let Some(fc) = self.fund_category.get(&f).copied() {
                        if !fund_allows_project(fc, category) {
                            self.push(
                                Rule::FundMismatch,
                                Severity::Medium,
                                vec![seq],
                                Some(village),
                                Some(amount),
                                format!(
                                    "第{seq}号从{}类资金{}支付{}项目{}（{}元），资金用途与项目类别不符。",
                                    fc.label_zh(),
                                    d.fund,
                                    category.label_zh(),
                                    d.project,
                                    d.amount.to_yuan_string()
                                ),
                                format!(
                                    "Entry #{seq} pays project {} ({}) {} yuan from fund {}, whose purpose is {}: the fund is not meant for this kind of project.",
                                    d.project,
                                    category.name(),
                                    d.amount.to_yuan_string(),
                                    d.fund,
                                    fc.name()
                                ),
                            );
                        }
                    }
                }
                if matches!(d.from, Account::Treasury(_)) && !self.project_funds.contains(&(d.project.clone(), f)) {
                    self.push(
                        Rule::FundMismatch,
                        Severity::Medium,
                        vec![seq],
                        village,
                        Some(amount),
                        format!(
                            "第{seq}号由{}直接支付项目{}（资金{}，{}元），但该资金从未拨入此项目：支付绕过了项目资金拨付。",
                            d.from.key(),
                            d.project,
                            d.fund,
                            d.amount.to_yuan_string()
                        ),
                        format!(
                            "Entry #{seq} pays project {} straight from {} ({} yuan of fund {}), but that fund was never allocated to the project: the payment bypasses the project's allocation.",
                            d.project,
                            d.from.key(),
                            d.amount.to_yuan_string(),
                            d.fund
                        ),
                    );
                }
                let village_payout = self.on_debit_village(from, amount, &Account::Project(d.project.clone()));
                let names = self.payee_names.entry(d.payee.id.clone()).or_default();
                names.entry(d.payee.name.to_string()).or_default().push(seq);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: Some(from),
                        to: None,
                        amount,
                        signers: signers.into(),
                        sink: village.map(Sink::Project),
                        village_payout,
                    },
                );
            }
            EntryBody::HouseholdSubsidy(s) => {
                let f = self.funds.intern(&s.fund);
                let from = self.accounts.intern(&s.from);
                let amount = s.amount.get();
                self.add_money(s.village, |m| m.households += i128::from(amount));
                let village_payout = self.on_debit_village(from, amount, &Account::Treasury(s.village));
                self.subsidies
                    .entry((s.household, s.category, s.period))
                    .or_default()
                    .push((seq, amount));
                self.household_names
                    .entry(s.household)
                    .or_default()
                    .entry(s.masked_name.as_str().to_string())
                    .or_default()
                    .push(seq);
                self.household_names_masked
                    .entry(s.household)
                    .or_insert_with(|| s.masked_name.as_str().to_string());
                self.household_villages
                    .entry(s.household)
                    .or_default()
                    .entry(s.village)
                    .or_default()
                    .push(seq);
                if let Some(fc) = self.fund_category.get(&f).copied() {
                    if !fund_allows_subsidy(fc, s.category) {
                        self.push(
                            Rule::FundMismatch,
                            Severity::Medium,
                            vec![seq],
                            Some(s.village),
                            Some(amount),
                            format!(
                                "第{seq}号从{}类资金{}发放{}（{}元，{}），资金用途与补贴类别不符。",
                                fc.label_zh(),
                                s.fund,
                                s.category.label_zh(),
                                s.amount.to_yuan_string(),
                                s.masked_name
                            ),
                            format!(
                                "Entry #{seq} pays a {} subsidy ({} yuan, {}) from fund {}, whose purpose is {}: the fund is not meant for this subsidy.",
                                s.category.name(),
                                s.amount.to_yuan_string(),
                                s.masked_name,
                                s.fund,
                                fc.name()
                            ),
                        );
                    }
                }
                self.check_single_standard(seq, s);
                self.moves.insert(
                    seq,
                    Move {
                        time_ms,
                        fund: f,
                        from: Some(from),
                        to: None,
                        amount,
                        signers: signers.into(),
                        sink: Some(Sink::Household(s.village)),
                        village_payout,
                    },
                );
            }
            EntryBody::Reversal(r) => self.observe_reversal(seq, time_ms, r.target_seq, &signers),
            EntryBody::KeyRevoke { .. }
            | EntryBody::RegionRegister { .. }
            | EntryBody::PolicyUpdate { .. }
            | EntryBody::LogKeyRotate { .. }
            | EntryBody::Notice(_)
            | EntryBody::HouseholdCheck(_)
            | EntryBody::HouseholdRegister(_)
            | EntryBody::HouseholdExit(_)
            | EntryBody::Objection(_)
            | EntryBody::ObjectionResolve(_)
            | EntryBody::ProjectReview(_)
            | EntryBody::ProjectApprove(_)
            | EntryBody::ProjectStart(_)
            | EntryBody::ProjectAccept(_)
            | EntryBody::ProjectHandover(_)
            | EntryBody::ProjectEvaluate(_)
            | EntryBody::ProjectAdjust(_)
            | EntryBody::ProjectCancel(_)
            | EntryBody::PaymentConfirm(_) => {}
        }
    }

    fn observe_reversal(&mut self, seq: u64, time_ms: u64, target: u64, signers: &[u32]) {
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

    fn village_of(&self, account: u32) -> Option<RegionCode> {
        match self.accounts.get(account)? {
            Account::Treasury(code) if code.level() == RegionLevel::Village => Some(*code),
            _ => None,
        }
    }

    /// Money reaching a treasury: counted for it and for each ancestor that
    /// does not also hold the paying account (a move inside a town is not
    /// money the town received).
    fn add_received(&mut self, to: u32, from: Option<u32>, delta: i128) {
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

    fn on_credit_region(&mut self, to: u32, from: Option<u32>, amount: u64, seq: u64, time_ms: u64) {
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
    fn on_debit_village(&mut self, from: u32, amount: u64, toward: &Account) -> bool {
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

    fn check_money_signers(&mut self, seq: u64, signers: &[u32]) {
        // One person signing twice to meet a co-signature rule.
        let mut by_holder: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for s in signers {
            if let Some(g) = self.grants.get(s) {
                by_holder.entry(g.holder.clone()).or_default().push(*s);
            }
        }
        for (holder, keys) in &by_holder {
            if keys.len() > 1 {
                self.push(
                    Rule::SignerAnomaly,
                    Severity::High,
                    vec![seq],
                    None,
                    None,
                    format!("第{seq}号的{}个签名来自同一持有人“{holder}”的不同密钥：会签（五签五核）形同虚设。", keys.len()),
                    format!("Entry #{seq} carries {} signatures from different keys of the same holder \"{holder}\": the co-signature rule was met by one person.", keys.len()),
                );
            }
        }
        for s in signers {
            if let Some(g) = self.grants.get_mut(s) {
                g.money_entries.push(seq);
            }
        }
    }

    fn check_single_standard(&mut self, seq: u64, s: &HouseholdSubsidy) {
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
        let mut findings = std::mem::take(&mut self.findings);
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.rule.cmp(&b.rule))
                .then(a.entries.first().cmp(&b.entries.first()))
        });
        let regions = self.summaries(state, &findings);
        AuditReport {
            entries: self.entries,
            as_of_ms: self.last_time_ms,
            as_of_date: as_of,
            findings,
            regions,
        }
    }
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

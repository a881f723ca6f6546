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
//! town and village. No I/O, no clock: "now" is the ledger's last entry time.
//!
//! The rules, their ids and what they mean are documented in docs/CLI.md
//! (section "Audit rules"); each [`Finding`] explains itself in Chinese and
//! English and names the entries involved.

use crate::amount::Fen;
use crate::chain::SequencedEntry;
use crate::entry::{Account, EntryBody, FundCategory, HouseholdSubsidy, ProjectCategory, SubsidyCategory};
use crate::household::HouseholdRef;
use crate::ids::{Ident, Period};
use crate::keys::{PublicKey, Role};
use crate::money::{self, Direction, Movement};
use crate::region::{RegionCode, RegionLevel};
use crate::rules::LedgerState;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One day in milliseconds.
pub const DAY_MS: u64 = 24 * 3600 * 1000;
/// Most entries listed in one finding (the count is always given in full).
pub const MAX_ENTRIES_PER_FINDING: usize = 50;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Needs an explanation from the office concerned.
    Medium,
    /// A likely violation; investigate.
    High,
}

impl Severity {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }
    /// Parse a name or Chinese label.
    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .find(|s| s.name() == text.trim() || s.label_zh() == text.trim())
    }
}

/// The audit rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// 重复发放: same household, category and period paid more than once.
    DuplicatePayment,
    /// 超标准发放: a subsidy above the policy standard.
    AboveStandard,
    /// 资金用途不符: money paid from a fund not meant (or not allocated) for it.
    FundMismatch,
    /// 资金闲置: money sitting in an account with no outflow for over a year.
    IdleFunds,
    /// 截留挪用: a village's allocation that never reached households or projects.
    VillageRetention,
    /// 签名异常: a signer acting at the edge of its rights.
    SignerAnomaly,
    /// 冲正异常: an entry reversed suspiciously soon.
    ReversedSoon,
    /// 身份共用: one payee or household identity shared by several.
    SharedPayee,
    /// 签名不规范: a signature valid under ZIP-215 (the ledger's rule) that
    /// strict RFC 8032 verification refuses — a crafted signature.
    NonStrictSignature,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 9] = [
        Rule::DuplicatePayment,
        Rule::AboveStandard,
        Rule::FundMismatch,
        Rule::IdleFunds,
        Rule::VillageRetention,
        Rule::SignerAnomaly,
        Rule::ReversedSoon,
        Rule::SharedPayee,
        Rule::NonStrictSignature,
    ];
    /// Stable id (reports, scripts).
    pub fn id(self) -> &'static str {
        match self {
            Rule::DuplicatePayment => "duplicate_payment",
            Rule::AboveStandard => "above_standard",
            Rule::FundMismatch => "fund_mismatch",
            Rule::IdleFunds => "idle_funds",
            Rule::VillageRetention => "village_retention",
            Rule::SignerAnomaly => "signer_anomaly",
            Rule::ReversedSoon => "reversed_soon",
            Rule::SharedPayee => "shared_payee",
            Rule::NonStrictSignature => "non_strict_signature",
        }
    }
    /// Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Rule::DuplicatePayment => "重复发放",
            Rule::AboveStandard => "超标准发放",
            Rule::FundMismatch => "资金用途不符",
            Rule::IdleFunds => "资金闲置",
            Rule::VillageRetention => "截留挪用",
            Rule::SignerAnomaly => "签名异常",
            Rule::ReversedSoon => "冲正异常",
            Rule::SharedPayee => "身份共用",
            Rule::NonStrictSignature => "签名不规范",
        }
    }
}

/// One household-subsidy standard: the most one household may receive in one
/// category for a month and for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standard {
    /// Most for a one-month period (None: only the yearly cap applies).
    pub per_month: Option<Fen>,
    /// Most for a whole year, all periods of the year together.
    pub per_year: Fen,
}

/// The policy standards per subsidy category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standards {
    /// Standard per category (a category without one is not checked).
    pub subsidy: BTreeMap<SubsidyCategory, Standard>,
}

const fn yuan(y: u64) -> Fen {
    Fen::from_raw(y * 100)
}

impl Standards {
    /// Per-household caps drawn from Jiangsu's 2019 standards (Huai'an
    /// District), generous enough to cover large households:
    ///
    /// | category | month | year | basis |
    /// | --- | --- | --- | --- |
    /// | 最低生活保障 | 3,000 | 36,000 | rural 低保 standard ≈ 610 元/person/month, households up to 5 |
    /// | 危房改造 | — | 40,000 | provincial D-grade rebuild subsidy up to 4 万元 |
    /// | 教育资助 | — | 10,000 | 建档立卡 student aid 1,000-5,000 元/year, up to two students |
    /// | 医疗保险 | — | 2,500 | 城乡居民医保 premium paid for members, 250 元/person (2020) |
    /// | 养老保险 | — | 1,000 | 城乡居民养老保险 lowest tier 100 元/adult (代缴) |
    /// | 就业补贴 | — | 5,000 | one-off employment and transport subsidies |
    /// | 产业扶持 | — | 10,000 | household industry support, typically ≤ 5,000 元 |
    /// | 其他（临时救助） | — | 10,000 | temporary assistance |
    pub fn jiangsu_2019() -> Standards {
        let mut subsidy = BTreeMap::new();
        let year_only = |y: u64| Standard {
            per_month: None,
            per_year: yuan(y),
        };
        subsidy.insert(
            SubsidyCategory::MinimumLiving,
            Standard {
                per_month: Some(yuan(3_000)),
                per_year: yuan(36_000),
            },
        );
        subsidy.insert(SubsidyCategory::HousingRenovation, year_only(40_000));
        subsidy.insert(SubsidyCategory::Education, year_only(10_000));
        subsidy.insert(SubsidyCategory::MedicalInsurance, year_only(2_500));
        subsidy.insert(SubsidyCategory::Pension, year_only(1_000));
        subsidy.insert(SubsidyCategory::Employment, year_only(5_000));
        subsidy.insert(SubsidyCategory::IndustrySupport, year_only(10_000));
        subsidy.insert(SubsidyCategory::Other, year_only(10_000));
        Standards { subsidy }
    }
}

impl Default for Standards {
    fn default() -> Self {
        Standards::jiangsu_2019()
    }
}

/// Thresholds of the time-based rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditConfig {
    /// Subsidy standards.
    pub standards: Standards,
    /// Money untouched this long is idle (default 365 days).
    pub idle_after_ms: u64,
    /// A reversal this soon after its entry is examined (default 24 h).
    pub reversal_window_ms: u64,
    /// A village allocation older than this is expected to have reached
    /// households or projects (default 180 days).
    pub retention_after_ms: u64,
    /// Share (percent) of a village's allocation that must have been paid
    /// out once it is older than `retention_after_ms` (default 50).
    pub retention_min_paid_percent: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            standards: Standards::default(),
            idle_after_ms: 365 * DAY_MS,
            reversal_window_ms: DAY_MS,
            retention_after_ms: 180 * DAY_MS,
            retention_min_paid_percent: 50,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which rule.
    pub rule: Rule,
    /// How serious.
    pub severity: Severity,
    /// The entries involved (at most [`MAX_ENTRIES_PER_FINDING`]), ascending.
    pub entries: Vec<u64>,
    /// How many entries are involved in all.
    pub entry_count: usize,
    /// The region concerned (a village, town or the district), if any.
    pub region: Option<RegionCode>,
    /// The money concerned, if any.
    pub amount: Option<Fen>,
    /// What was found, in Chinese.
    pub explanation_zh: String,
    /// What was found, in English.
    pub explanation_en: String,
}

/// Findings and money per town or village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionSummary {
    /// Region code.
    pub code: RegionCode,
    /// Official name.
    pub name: String,
    /// Town or village.
    pub level: RegionLevel,
    /// Money that reached its treasury (and, for a town, its villages'), net of reversals.
    pub received: Fen,
    /// Subsidies to its households, net of reversals.
    pub households_paid: Fen,
    /// Project payments for its projects, net of reversals.
    pub projects_paid: Fen,
    /// Findings concerning it (a town counts its villages' findings).
    pub high: usize,
    /// Medium findings.
    pub medium: usize,
    /// Low findings.
    pub low: usize,
}

/// The audit's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries examined.
    pub entries: u64,
    /// The ledger's last entry time (Unix ms): "now" for the time rules.
    pub as_of_ms: u64,
    /// Findings, most severe first, then by rule and first entry.
    pub findings: Vec<Finding>,
    /// Per town and village with money or findings, by code.
    pub regions: Vec<RegionSummary>,
}

/// A money entry as the rules need it.
#[derive(Debug, Clone)]
struct Move {
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
    accounts: Vec<Account>,
    account_index: HashMap<Account, u32>,
    funds: Vec<Ident>,
    fund_index: HashMap<Ident, u32>,
    keys: Vec<PublicKey>,
    key_index: HashMap<PublicKey, u32>,
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
}

/// The keys whose signature on `entry` strict verification refuses
/// ([`crate::signature_rule::strict_verify`], ed25519-dalek `verify_strict`).
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
        .filter(|s| !crate::signature_rule::strict_verify(&s.key, &s.signature, &message))
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

    fn account(&mut self, account: &Account) -> u32 {
        if let Some(i) = self.account_index.get(account) {
            return *i;
        }
        let i = self.accounts.len() as u32;
        self.accounts.push(account.clone());
        self.account_index.insert(account.clone(), i);
        i
    }

    fn fund(&mut self, fund: &Ident) -> u32 {
        if let Some(i) = self.fund_index.get(fund) {
            return *i;
        }
        let i = self.funds.len() as u32;
        self.funds.push(fund.clone());
        self.fund_index.insert(fund.clone(), i);
        i
    }

    fn key(&mut self, key: &PublicKey) -> u32 {
        if let Some(i) = self.key_index.get(key) {
            return *i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(*key);
        self.key_index.insert(*key, i);
        i
    }

    fn account_region(&self, account: u32) -> Option<RegionCode> {
        match self.accounts.get(account as usize)? {
            Account::Treasury(code) => Some(*code),
            Account::Project(id) => self.projects.get(id).map(|p| p.0),
        }
    }

    fn account_name(&self, account: u32) -> String {
        self.accounts
            .get(account as usize)
            .map(Account::key)
            .unwrap_or_default()
    }

    fn fund_name(&self, fund: u32) -> String {
        self.funds.get(fund as usize).map(|f| f.to_string()).unwrap_or_default()
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
        let (Some(a), Some(f)) = (self.account_index.get(account), self.fund_index.get(fund)) else {
            return Fen::ZERO;
        };
        Fen::from_raw(self.pots.get(&(*a, *f)).map(|p| p.balance).unwrap_or(0))
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
        pot.still_since_ms = time_ms;
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
        for key in non_strict {
            let k = self.key(key);
            self.non_strict.entry(k).or_default().push(entry.seq);
        }
        self.entries = self.entries.max(entry.seq + 1);
        self.last_time_ms = self.last_time_ms.max(entry.time_ms);
        let seq = entry.seq;
        let time_ms = entry.time_ms;
        let mut signers: Vec<u32> = Vec::with_capacity(entry.signed.signatures.len());
        for s in &entry.signed.signatures {
            signers.push(self.key(&s.key));
        }
        let body = &entry.signed.submission.body;
        if !body.kind().is_admin() {
            self.check_money_signers(seq, &signers);
        }
        // Pots follow the one money model; the arms below add what only the
        // audit tracks (flows per village, watchers, sinks).
        if let Some(m) = money::movement(body) {
            let f = self.fund(m.fund);
            let m = m.map(|a| self.account(a), |_| f);
            self.apply_movement(m, seq, time_ms);
        }
        match body {
            EntryBody::Genesis(g) => {
                for grant in &g.grants {
                    let k = self.key(&grant.key);
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
                let k = self.key(&grant.key);
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
                let f = self.fund(&issue.fund);
                self.fund_category.insert(f, issue.category);
                let to = self.account(&issue.to);
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
                let f = self.fund(&t.fund);
                let from = self.account(&t.from);
                let to = self.account(&t.to);
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
                let f = self.fund(&d.fund);
                let from = self.account(&d.from);
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
                let f = self.fund(&s.fund);
                let from = self.account(&s.from);
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
            | EntryBody::LogKeyRotate { .. } => {}
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
                let hours = time_ms.saturating_sub(m.time_ms) / 3_600_000;
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
                        "第{target}号（{}元）在{hours}小时内被第{seq}号冲正，且冲正仅由原经办人一人签署，无他人复核。",
                        Fen::from_raw(m.amount).to_yuan_string()
                    ),
                    format!(
                        "Entry #{target} ({} yuan) was reversed by #{seq} within {hours} h, and the reversal was signed only by the key that made the payment: no second person confirmed it.",
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
        match self.accounts.get(account as usize)? {
            Account::Treasury(code) if code.level() == RegionLevel::Village => Some(*code),
            _ => None,
        }
    }

    /// Money reaching a treasury: counted for it and for each ancestor that
    /// does not also hold the paying account (a move inside a town is not
    /// money the town received).
    fn add_received(&mut self, to: u32, from: Option<u32>, delta: i128) {
        let Some(Account::Treasury(code)) = self.accounts.get(to as usize) else {
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
        let Some(Account::Treasury(code)) = self.accounts.get(to as usize) else {
            return;
        };
        let code = *code;
        self.add_received(to, from, i128::from(amount));
        if code.level() == RegionLevel::Village {
            let flow = self.villages.entry(code).or_default();
            flow.received = flow.received.saturating_add(amount);
            flow.first_received_ms.get_or_insert(time_ms);
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
        let now = self.last_time_ms;
        self.finish_duplicates_and_yearly(state);
        self.finish_idle(now);
        self.finish_villages(state, now);
        self.finish_signers(state);
        self.finish_shared(state);
        self.finish_non_strict();
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
            as_of_ms: now,
            findings,
            regions,
        }
    }

    fn finish_duplicates_and_yearly(&mut self, state: &LedgerState) {
        let mut keys: Vec<(HouseholdRef, SubsidyCategory, Period)> = self.subsidies.keys().copied().collect();
        keys.sort();
        let mut yearly: BTreeMap<(HouseholdRef, SubsidyCategory, u16), YearTotal> = BTreeMap::new();
        for key in keys {
            let (household, category, period) = key;
            let live: Vec<(u64, u64)> = self
                .subsidies
                .get(&key)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|(s, _)| state.reversed_by(*s).is_none())
                        .collect()
                })
                .unwrap_or_default();
            if live.is_empty() {
                continue;
            }
            let y = yearly.entry((household, category, period.year)).or_default();
            for (s, a) in &live {
                y.total = y.total.saturating_add(*a);
                y.seqs.push(*s);
            }
            if period.month == 0 {
                y.has_year = true;
            } else {
                y.has_month = true;
            }
            if live.len() > 1 {
                // Saturating: release builds check overflow (and would panic).
                let total = live.iter().fold(0u64, |t, (_, a)| t.saturating_add(*a));
                let extra = live.iter().skip(1).fold(0u64, |t, (_, a)| t.saturating_add(*a));
                let seqs: Vec<u64> = live.iter().map(|(s, _)| *s).collect();
                let village = self
                    .household_villages
                    .get(&household)
                    .and_then(|m| m.keys().next().copied());
                let masked = self.household_names_masked.get(&household).cloned().unwrap_or_default();
                let list = seq_text(&seqs, seqs.len());
                self.push(
                    Rule::DuplicatePayment,
                    Severity::High,
                    seqs.clone(),
                    village,
                    Some(extra),
                    format!(
                        "同一户{}（{masked}）的{}（{period}）被发放{}次（{list}），合计{}元，均未冲正；多发{}元。",
                        short_ref(&household),
                        category.label_zh(),
                        live.len(),
                        Fen::from_raw(total).to_yuan_string(),
                        Fen::from_raw(extra).to_yuan_string()
                    ),
                    format!(
                        "Household {} ({masked}) was paid {} for {period} {} times ({list}), {} yuan in all, none reversed: {} yuan paid twice.",
                        short_ref(&household),
                        category.name(),
                        live.len(),
                        Fen::from_raw(total).to_yuan_string(),
                        Fen::from_raw(extra).to_yuan_string()
                    ),
                );
            }
        }
        for (
            (household, category, year),
            YearTotal {
                total,
                seqs,
                has_year,
                has_month,
            },
        ) in yearly
        {
            let village = self
                .household_villages
                .get(&household)
                .and_then(|m| m.keys().next().copied());
            let masked = self.household_names_masked.get(&household).cloned().unwrap_or_default();
            if has_year && has_month {
                let list = seq_text(&seqs, seqs.len());
                self.push(
                    Rule::DuplicatePayment,
                    Severity::Medium,
                    seqs.clone(),
                    village,
                    Some(total),
                    format!(
                        "户{}（{masked}）{year}年的{}既按全年又按月发放（{list}），期间重叠，疑重复。",
                        short_ref(&household),
                        category.label_zh()
                    ),
                    format!(
                        "Household {} ({masked}) was paid {} for {year} both as a whole year and by month ({list}): overlapping periods, possibly paid twice.",
                        short_ref(&household),
                        category.name()
                    ),
                );
            }
            let Some(standard) = self.config.standards.subsidy.get(&category).copied() else {
                continue;
            };
            if total > standard.per_year.get() && seqs.len() > 1 {
                let list = seq_text(&seqs, seqs.len());
                self.push(
                    Rule::AboveStandard,
                    Severity::Medium,
                    seqs.clone(),
                    village,
                    Some(total),
                    format!(
                        "户{}（{masked}）{year}年{}累计{}元（{list}），超过年度标准{}元。",
                        short_ref(&household),
                        category.label_zh(),
                        Fen::from_raw(total).to_yuan_string(),
                        standard.per_year.to_yuan_string()
                    ),
                    format!(
                        "Household {} ({masked}) received {} yuan of {} in {year} ({list}), above the yearly standard of {} yuan.",
                        short_ref(&household),
                        Fen::from_raw(total).to_yuan_string(),
                        category.name(),
                        standard.per_year.to_yuan_string()
                    ),
                );
            }
        }
    }

    fn finish_idle(&mut self, now: u64) {
        let mut pots: Vec<((u32, u32), Pot)> = self.pots.iter().map(|(k, v)| (*k, v.clone())).collect();
        pots.sort_by_key(|(k, _)| *k);
        for ((account, fund), pot) in pots {
            if pot.balance == 0 {
                continue;
            }
            let idle = now.saturating_sub(pot.still_since_ms);
            if idle <= self.config.idle_after_ms {
                continue;
            }
            let who = self.account_name(account);
            let fund_name = self.fund_name(fund);
            let region = self.account_region(account);
            let severity = if idle > 2 * self.config.idle_after_ms {
                Severity::High
            } else {
                Severity::Medium
            };
            self.push(
                Rule::IdleFunds,
                severity,
                pot.recent_credits.clone(),
                region,
                Some(pot.balance),
                format!(
                    "{who}持有资金{fund_name}共{}元，已{}天无任何支出（截至账本最后时间）。",
                    Fen::from_raw(pot.balance).to_yuan_string(),
                    days(idle)
                ),
                format!(
                    "{who} has held {} yuan of fund {fund_name} for {} days with no outflow (as of the ledger's last entry).",
                    Fen::from_raw(pot.balance).to_yuan_string(),
                    days(idle)
                ),
            );
        }
    }

    fn finish_villages(&mut self, state: &LedgerState, now: u64) {
        let villages: Vec<(RegionCode, VillageFlow)> = self.villages.iter().map(|(k, v)| (*k, v.clone())).collect();
        for (code, flow) in villages {
            let Some(first) = flow.first_received_ms else { continue };
            if flow.received == 0 || now.saturating_sub(first) <= self.config.retention_after_ms {
                continue;
            }
            let paid = flow.paid_out.min(flow.received);
            let percent = (u128::from(paid) * 100 / u128::from(flow.received)) as u64;
            if percent >= self.config.retention_min_paid_percent {
                continue;
            }
            let name = state.regions().name(code).unwrap_or("").to_string();
            let severity = if paid == 0 { Severity::High } else { Severity::Medium };
            self.push(
                Rule::VillageRetention,
                severity,
                flow.credits.clone(),
                Some(code),
                Some(flow.received - paid),
                format!(
                    "{name}（{code}）收到拨款{}元已逾{}天，仅{}元（{percent}%）发放到户或用于项目，其余滞留村账。",
                    Fen::from_raw(flow.received).to_yuan_string(),
                    days(now.saturating_sub(first)),
                    Fen::from_raw(paid).to_yuan_string()
                ),
                format!(
                    "Village {name} ({code}) received {} yuan more than {} days ago, but only {} yuan ({percent}%) reached households or projects; the rest stayed in the village account.",
                    Fen::from_raw(flow.received).to_yuan_string(),
                    days(now.saturating_sub(first)),
                    Fen::from_raw(paid).to_yuan_string()
                ),
            );
        }
    }

    fn finish_signers(&mut self, state: &LedgerState) {
        let mut by_holder: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (k, g) in &self.grants {
            by_holder.entry(g.holder.clone()).or_default().push(*k);
        }
        for (holder, mut keys) in by_holder {
            if keys.len() < 2 {
                continue;
            }
            keys.sort_by_key(|k| self.grants.get(k).map(|g| g.seq).unwrap_or(0));
            let infos: Vec<(u32, GrantInfo)> = keys
                .iter()
                .filter_map(|k| self.grants.get(k).map(|g| (*k, g.clone())))
                .collect();
            // Admin rights and money rights in one hand.
            let admin = infos.iter().find(|(_, g)| g.role == Role::Admin);
            let money = infos
                .iter()
                .find(|(_, g)| g.role == Role::Operator && !g.money_entries.is_empty());
            if let (Some((_, a)), Some((_, m))) = (admin, money) {
                let mut seqs = vec![a.seq, m.seq];
                seqs.extend(m.money_entries.iter().copied());
                self.push(
                    Rule::SignerAnomaly,
                    Severity::High,
                    seqs,
                    None,
                    None,
                    format!(
                        "持有人“{holder}”既持有管理员密钥（授权于第{}号），又用另一把经办密钥签署了{}笔资金条目：同一人既管授权又管资金，违反职责分离。",
                        a.seq,
                        m.money_entries.len()
                    ),
                    format!(
                        "Holder \"{holder}\" has an admin key (granted at #{}) and signed {} money entries with another, operator key: one person both grants rights and moves money, against the separation of duties.",
                        a.seq,
                        m.money_entries.len()
                    ),
                );
            }
            // A key that keeps signing after its holder was given a newer one.
            for (i, (old_key, old)) in infos.iter().enumerate() {
                let Some((_, newer)) = infos.iter().skip(i + 1).find(|(_, g)| g.role == old.role) else {
                    continue;
                };
                let after: Vec<u64> = old.money_entries.iter().copied().filter(|s| *s > newer.seq).collect();
                if after.is_empty() {
                    continue;
                }
                let revoked = self
                    .keys
                    .get(*old_key as usize)
                    .and_then(|k| state.key(k))
                    .and_then(|r| r.revoked_seq);
                let key_hex: String = self
                    .keys
                    .get(*old_key as usize)
                    .map(|k| k.to_hex().chars().take(16).collect())
                    .unwrap_or_default();
                let mut seqs = vec![newer.seq];
                seqs.extend(after.iter().copied());
                let revoked_zh = revoked
                    .map(|r| format!("（直至第{r}号才撤销）"))
                    .unwrap_or_else(|| "（至今未撤销）".into());
                let revoked_en = revoked
                    .map(|r| format!(" (revoked only at #{r})"))
                    .unwrap_or_else(|| " (never revoked)".into());
                self.push(
                    Rule::SignerAnomaly,
                    Severity::High,
                    seqs,
                    None,
                    None,
                    format!(
                        "持有人“{holder}”已于第{}号换发新密钥，旧密钥{key_hex}…{revoked_zh}仍签署了{}笔资金条目。",
                        newer.seq,
                        after.len()
                    ),
                    format!(
                        "Holder \"{holder}\" was given a new key at #{}, yet the old key {key_hex}…{revoked_en} signed {} more money entries.",
                        newer.seq,
                        after.len()
                    ),
                );
            }
        }
    }

    fn finish_shared(&mut self, _state: &LedgerState) {
        let payees: Vec<(Ident, BTreeMap<String, Vec<u64>>)> =
            self.payee_names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (id, names) in payees {
            if names.len() < 2 {
                continue;
            }
            let seqs: Vec<u64> = names.values().flatten().copied().collect();
            let list = names.keys().cloned().collect::<Vec<_>>().join("、");
            self.push(
                Rule::SharedPayee,
                Severity::Medium,
                seqs,
                None,
                None,
                format!("收款方代码{id}对应{}个不同名称（{list}）：一个代码被多个单位共用，疑为虚假收款方。", names.len()),
                format!("Payee id {id} appears under {} different names ({list}): one id shared by several payees, possibly a fictitious payee.", names.len()),
            );
        }
        let mut refs: Vec<HouseholdRef> = self.household_names.keys().copied().collect();
        refs.sort();
        for r in refs {
            let names = self.household_names.get(&r).cloned().unwrap_or_default();
            let villages = self.household_villages.get(&r).cloned().unwrap_or_default();
            let first_village = villages.keys().next().copied();
            if names.len() >= 2 {
                let seqs: Vec<u64> = names.values().flatten().copied().collect();
                let list = names.keys().cloned().collect::<Vec<_>>().join("、");
                let severity = if names.len() >= 3 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                self.push(
                    Rule::SharedPayee,
                    severity,
                    seqs,
                    first_village,
                    None,
                    format!("同一户编号{}下出现{}个不同户主姓名（{list}）：多户共用一个身份证号领取补贴，疑冒领。", short_ref(&r), names.len()),
                    format!("Household reference {} is paid under {} different names ({list}): several households share one resident ID, possibly fraudulent claims.", short_ref(&r), names.len()),
                );
            }
            if villages.len() >= 2 {
                let seqs: Vec<u64> = villages.values().flatten().copied().collect();
                let list = villages.keys().map(|c| c.to_string()).collect::<Vec<_>>().join("、");
                self.push(
                    Rule::SharedPayee,
                    Severity::High,
                    seqs,
                    first_village,
                    None,
                    format!("同一户编号{}在{}个村领取补贴（{list}）：同一身份在多地享受补贴。", short_ref(&r), villages.len()),
                    format!("Household reference {} is paid in {} villages ({list}): one identity drawing subsidies in several places.", short_ref(&r), villages.len()),
                );
            }
        }
    }

    fn finish_non_strict(&mut self) {
        for (k, seqs) in std::mem::take(&mut self.non_strict) {
            let key = self.keys.get(k as usize).map(|k| k.to_hex()).unwrap_or_default();
            let holder = self.grants.get(&k).map(|g| g.holder.clone()).unwrap_or_default();
            let (shown, count) = entries_list(seqs.clone());
            let list = seq_text(&shown, count);
            self.push(
                Rule::NonStrictSignature,
                Severity::High,
                seqs,
                None,
                None,
                format!(
                    "密钥 {key}（持有人“{holder}”）在{count}个条目（{list}）上的签名按本账本规则（ZIP-215）有效，但严格的 RFC 8032 验证（ed25519-dalek verify_strict：不含余因子的验证方程，拒绝小阶点和非规范编码）不予承认。正常的签名程序不会产生这种签名，应是刻意构造：其他验证程序可能据此判定这些条目无效。请核实持有人，必要时撤销该密钥。"
                ),
                format!(
                    "The signatures of key {key} (holder \"{holder}\") on {count} entries ({list}) are valid under the ledger's rule (ZIP-215) but refused by strict RFC 8032 verification (ed25519-dalek verify_strict: cofactorless equation, no small-order or non-canonical points). No standard signer produces such a signature, so it was crafted; other verifiers may declare these entries invalid. Ask the holder why, and revoke the key if needed."
                ),
            );
        }
    }

    fn summaries(&self, state: &LedgerState, findings: &[Finding]) -> Vec<RegionSummary> {
        let mut rows: BTreeMap<RegionCode, RegionSummary> = BTreeMap::new();
        let blank = |code: RegionCode| RegionSummary {
            code,
            name: state.regions().name(code).unwrap_or("").to_string(),
            level: code.level(),
            received: Fen::ZERO,
            households_paid: Fen::ZERO,
            projects_paid: Fen::ZERO,
            high: 0,
            medium: 0,
            low: 0,
        };
        let clamp = |v: i128| Fen::from_raw(u64::try_from(v.max(0)).unwrap_or(u64::MAX));
        for (code, m) in &self.money {
            if m.received == 0 && m.households == 0 && m.projects == 0 {
                continue;
            }
            let row = rows.entry(*code).or_insert_with(|| blank(*code));
            row.received = clamp(m.received);
            row.households_paid = clamp(m.households);
            row.projects_paid = clamp(m.projects);
        }
        for f in findings {
            let Some(region) = f.region else { continue };
            let mut cursor = Some(region);
            while let Some(code) = cursor {
                if code.level() != RegionLevel::District {
                    let row = rows.entry(code).or_insert_with(|| blank(code));
                    match f.severity {
                        Severity::High => row.high += 1,
                        Severity::Medium => row.medium += 1,
                        Severity::Low => row.low += 1,
                    }
                }
                cursor = code.parent();
            }
        }
        rows.into_values().collect()
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

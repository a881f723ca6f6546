//! What an audit produces and how it is tuned: severities, the rule ids
//! (stable: docs/CLI.md "Audit rules" and the CSV/JSON outputs name them),
//! the subsidy standards, the thresholds and the report itself.

use ledger_core::amount::Fen;
use ledger_core::entry::SubsidyCategory;
use ledger_core::ids::{Date, Ident};
use ledger_core::region::{RegionCode, RegionLevel};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// 未建档发放: history from before the registration control: a household
    /// paid while not registered in a category entitling it on the payment date.
    PaidUnregistered,
    /// 未公示发放: history from before the payment-list control: paid without
    /// a payment-list line (发放公示).
    PaidWithoutNotice,
    /// 公示期未满发放: history: paid before its payment list's window ended.
    PaidBeforeWindowEnd,
    /// 异议未决发放: history: paid while an objection against its line was
    /// open, or on a line withdrawn after an upheld objection.
    PaidUnderObjection,
    /// 超公示金额发放: history: paid more than its payment-list line allows.
    PaidAboveNotice,
    /// 缺少岗位签字: history from before the role control: not signed by an
    /// office the policy names (五签字).
    MissingRole,
    /// 未经程序建档: history: a registration without the notices of 两公告四公示.
    RegisteredWithoutProcedure,
    /// 未按期确认: a household payment not confirmed (确认) within the
    /// policy's deadline.
    UnconfirmedPayment,
    /// 未批复先支付: a project paid before its approval (入库批复): with no
    /// approval at all (history), or dated before the approval's date.
    ProjectPaidBeforeApproval,
    /// 非合同单位收款: a project paid to someone other than the contracted
    /// implementer, with no contract change recorded by an adjustment (history).
    ProjectPayeeNotContracted,
    /// 超预算支付: a project's payments from a fund above its approved
    /// (adjusted) budget for that fund (history).
    ProjectOverrun,
    /// 验收前付尾款: a project paid beyond its budget less the retention
    /// (尾款/质保金) before its acceptance (验收), by log order (history) or
    /// by business date.
    ProjectFinalBeforeAcceptance,
    /// 项目阶段倒置: a project's stages out of order, e.g. paid after its
    /// cancellation (终止).
    ProjectStageOrder,
    /// 资金年度不符: a payment from a fund of one fiscal year for another
    /// year (a subsidy's period, a project payment's business date).
    FundYearMismatch,
    /// 资金滞留: money at an account longer than the policy's time limit for
    /// its level (the same figures as the node's 资金滞留预警).
    IdleMoney,
    /// 同期多村领取: one household paid in two or more villages for the
    /// same period (the subsidy's period).
    TwoVillagesSamePeriod,
    /// 事后补记: an entry posted long after its business date (sequencing
    /// day minus business date above the threshold).
    BackDated,
    /// 拆分规避会签: several payments to one payee or household within a
    /// short window (business dates), each just below the policy's
    /// co-signature threshold, together above it.
    SplitBelowThreshold,
    /// 整数金额: a contractor paid only round amounts (multiples of 10,000
    /// yuan), which suggests estimates rather than invoices.
    RoundAmounts,
    /// 死亡后发放 (比对): paid after the date of death on a 公安/民政 list.
    PaidAfterDeath,
    /// 财政供养人员享受补贴 (比对): a household whose ID is on the public
    /// employees' payroll list.
    PublicEmployee,
    /// 有车家庭享受补贴 (比对): the ID owns vehicles above the threshold.
    VehicleOwner,
    /// 有工商注册享受补贴 (比对): the ID holds a business registration above
    /// the threshold.
    BusinessOwner,
    /// 有房产享受补贴 (比对): the ID owns property above the threshold.
    PropertyOwner,
    /// 优亲厚友线索: a village's payments concentrated on households sharing
    /// a (masked) surname with the signing cadres' office roster — a lead,
    /// not a finding.
    FavouritismLead,
    /// 规则实施前历史: another control that history from before its start
    /// broke (a warning code this audit does not know yet).
    PreRuleHistory,
    /// 控制未核查: the audit could not replay an entry through the rule
    /// engine (a ledger not fed from genesis), so the control rules above
    /// did not run from there on.
    ControlsNotChecked,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 36] = [
        Rule::DuplicatePayment,
        Rule::AboveStandard,
        Rule::FundMismatch,
        Rule::IdleFunds,
        Rule::VillageRetention,
        Rule::SignerAnomaly,
        Rule::ReversedSoon,
        Rule::SharedPayee,
        Rule::NonStrictSignature,
        Rule::PaidUnregistered,
        Rule::PaidWithoutNotice,
        Rule::PaidBeforeWindowEnd,
        Rule::PaidUnderObjection,
        Rule::PaidAboveNotice,
        Rule::MissingRole,
        Rule::RegisteredWithoutProcedure,
        Rule::UnconfirmedPayment,
        Rule::ProjectPaidBeforeApproval,
        Rule::ProjectPayeeNotContracted,
        Rule::ProjectOverrun,
        Rule::ProjectFinalBeforeAcceptance,
        Rule::ProjectStageOrder,
        Rule::FundYearMismatch,
        Rule::IdleMoney,
        Rule::TwoVillagesSamePeriod,
        Rule::BackDated,
        Rule::SplitBelowThreshold,
        Rule::RoundAmounts,
        Rule::PaidAfterDeath,
        Rule::PublicEmployee,
        Rule::VehicleOwner,
        Rule::BusinessOwner,
        Rule::PropertyOwner,
        Rule::FavouritismLead,
        Rule::PreRuleHistory,
        Rule::ControlsNotChecked,
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
            Rule::PaidUnregistered => "paid_unregistered",
            Rule::PaidWithoutNotice => "paid_without_notice",
            Rule::PaidBeforeWindowEnd => "paid_before_window_end",
            Rule::PaidUnderObjection => "paid_under_objection",
            Rule::PaidAboveNotice => "paid_above_notice",
            Rule::MissingRole => "missing_role",
            Rule::RegisteredWithoutProcedure => "registered_without_procedure",
            Rule::UnconfirmedPayment => "unconfirmed_payment",
            Rule::ProjectPaidBeforeApproval => "project_paid_before_approval",
            Rule::ProjectPayeeNotContracted => "project_payee_not_contracted",
            Rule::ProjectOverrun => "project_overrun",
            Rule::ProjectFinalBeforeAcceptance => "project_final_before_acceptance",
            Rule::ProjectStageOrder => "project_stage_order",
            Rule::FundYearMismatch => "fund_year_mismatch",
            Rule::IdleMoney => "idle_money",
            Rule::TwoVillagesSamePeriod => "two_villages_same_period",
            Rule::BackDated => "back_dated",
            Rule::SplitBelowThreshold => "split_below_threshold",
            Rule::RoundAmounts => "round_amounts",
            Rule::PaidAfterDeath => "paid_after_death",
            Rule::PublicEmployee => "public_employee",
            Rule::VehicleOwner => "vehicle_owner",
            Rule::BusinessOwner => "business_owner",
            Rule::PropertyOwner => "property_owner",
            Rule::FavouritismLead => "favouritism_lead",
            Rule::PreRuleHistory => "pre_rule_history",
            Rule::ControlsNotChecked => "controls_not_checked",
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
            Rule::PaidUnregistered => "未建档发放",
            Rule::PaidWithoutNotice => "未公示发放",
            Rule::PaidBeforeWindowEnd => "公示期未满发放",
            Rule::PaidUnderObjection => "异议未决发放",
            Rule::PaidAboveNotice => "超公示金额发放",
            Rule::MissingRole => "缺少岗位签字",
            Rule::RegisteredWithoutProcedure => "未经程序建档",
            Rule::UnconfirmedPayment => "未按期确认",
            Rule::ProjectPaidBeforeApproval => "未批复先支付",
            Rule::ProjectPayeeNotContracted => "非合同单位收款",
            Rule::ProjectOverrun => "超预算支付",
            Rule::ProjectFinalBeforeAcceptance => "验收前付尾款",
            Rule::ProjectStageOrder => "项目阶段倒置",
            Rule::FundYearMismatch => "资金年度不符",
            Rule::IdleMoney => "资金滞留",
            Rule::TwoVillagesSamePeriod => "同期多村领取",
            Rule::BackDated => "事后补记",
            Rule::SplitBelowThreshold => "拆分规避会签",
            Rule::RoundAmounts => "整数金额支付",
            Rule::PaidAfterDeath => "死亡后发放",
            Rule::PublicEmployee => "财政供养人员享受补贴",
            Rule::VehicleOwner => "有车家庭享受补贴",
            Rule::BusinessOwner => "有工商注册享受补贴",
            Rule::PropertyOwner => "有房产家庭享受补贴",
            Rule::FavouritismLead => "优亲厚友线索",
            Rule::PreRuleHistory => "规则实施前历史",
            Rule::ControlsNotChecked => "控制未核查",
        }
    }
}

impl Rule {
    /// English name (`--lang en`).
    pub fn label_en(self) -> &'static str {
        match self {
            Rule::DuplicatePayment => "duplicate payment",
            Rule::AboveStandard => "above the standard",
            Rule::FundMismatch => "fund purpose mismatch",
            Rule::IdleFunds => "idle funds",
            Rule::VillageRetention => "village retention",
            Rule::SignerAnomaly => "signer anomaly",
            Rule::ReversedSoon => "suspicious reversal",
            Rule::SharedPayee => "shared identity",
            Rule::NonStrictSignature => "non-strict signature",
            Rule::PaidUnregistered => "paid while not registered",
            Rule::PaidWithoutNotice => "paid without public notice",
            Rule::PaidBeforeWindowEnd => "paid before the notice window ended",
            Rule::PaidUnderObjection => "paid under objection",
            Rule::PaidAboveNotice => "paid above the notice",
            Rule::MissingRole => "missing office signature",
            Rule::RegisteredWithoutProcedure => "registered without procedure",
            Rule::UnconfirmedPayment => "unconfirmed payment",
            Rule::ProjectPaidBeforeApproval => "project paid before approval",
            Rule::ProjectPayeeNotContracted => "payee not the contractor",
            Rule::ProjectOverrun => "project over budget",
            Rule::ProjectFinalBeforeAcceptance => "final payment before acceptance",
            Rule::ProjectStageOrder => "project stages out of order",
            Rule::FundYearMismatch => "fund year mismatch",
            Rule::IdleMoney => "money held too long",
            Rule::TwoVillagesSamePeriod => "paid in two villages in one period",
            Rule::BackDated => "back-dated entry",
            Rule::SplitBelowThreshold => "split below the co-signature threshold",
            Rule::RoundAmounts => "round amounts",
            Rule::PaidAfterDeath => "paid after death",
            Rule::PublicEmployee => "public employee's household assisted",
            Rule::VehicleOwner => "vehicle owner assisted",
            Rule::BusinessOwner => "business owner assisted",
            Rule::PropertyOwner => "property owner assisted",
            Rule::FavouritismLead => "favouritism lead",
            Rule::PreRuleHistory => "pre-rule history",
            Rule::ControlsNotChecked => "controls not checked",
        }
    }
    /// Name in the report's language.
    pub fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.label_zh(),
            Lang::En => self.label_en(),
        }
    }
    /// Which time the rule counts with (docs/CLI.md "Audit rules").
    pub fn clock(self) -> Clock {
        match self {
            Rule::BackDated => Clock::Both,
            Rule::SignerAnomaly | Rule::NonStrictSignature | Rule::SharedPayee => Clock::LogOrder,
            Rule::PublicEmployee
            | Rule::VehicleOwner
            | Rule::BusinessOwner
            | Rule::PropertyOwner
            | Rule::FavouritismLead
            | Rule::ControlsNotChecked => Clock::None,
            _ => Clock::Business,
        }
    }
}

/// Which time a rule counts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Business dates (the day the money moved, a subsidy's period).
    Business,
    /// Log order (sequence numbers), no dates.
    LogOrder,
    /// Business date against sequencing time.
    Both,
    /// No time at all.
    None,
}

/// The report's language: Chinese by default, English with `--lang en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Severity {
    /// Label in the report's language.
    pub fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.label_zh(),
            Lang::En => self.name(),
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
    /// A reversal this soon after its entry is examined (default 24 h),
    /// counted between business dates (day granularity: the same or the
    /// next day).
    pub reversal_window_ms: u64,
    /// A village allocation older than this is expected to have reached
    /// households or projects (default 180 days).
    pub retention_after_ms: u64,
    /// Share (percent) of a village's allocation that must have been paid
    /// out once it is older than `retention_after_ms` (default 50).
    pub retention_min_paid_percent: u64,
    /// "Now" for the age-based rules (`ledger audit --as-of`); `None`: the
    /// ledger's last business date. Entries after it are still examined.
    pub as_of: Option<Date>,
    /// 事后补记: an entry sequenced more than this many days after its
    /// business date (default 90).
    pub backdate_days: u32,
    /// 拆分规避会签: payments to one payee within this many days (business
    /// dates) are examined together (default 30).
    pub split_window_days: u32,
    /// "Just below" the co-signature threshold: at least this percentage of
    /// it (default 80).
    pub split_floor_percent: u64,
    /// 整数金额: the unit a round amount is a multiple of (default 10,000
    /// yuan, in fen).
    pub round_unit_fen: u64,
    /// 整数金额: at least this many payments to one contractor, all round
    /// (default 3).
    pub round_min_payments: usize,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            standards: Standards::default(),
            idle_after_ms: 365 * DAY_MS,
            reversal_window_ms: DAY_MS,
            retention_after_ms: 180 * DAY_MS,
            retention_min_paid_percent: 50,
            as_of: None,
            backdate_days: 90,
            split_window_days: 30,
            split_floor_percent: 80,
            round_unit_fen: 1_000_000,
            round_min_payments: 3,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id: `F-` and 12 hex digits of a hash of the rule, the
    /// subject and the entries, so the same finding on a longer ledger (or
    /// a rerun) keeps its id; `ledger prove --finding ID` takes it.
    pub id: String,
    /// Which rule.
    pub rule: Rule,
    /// The rule's Chinese name (filled in by `finish`).
    pub rule_zh: &'static str,
    /// How serious.
    pub severity: Severity,
    /// 高, 中 or 低 (filled in by `finish`).
    pub severity_zh: &'static str,
    /// The entries involved (at most [`MAX_ENTRIES_PER_FINDING`]), ascending.
    pub entries: Vec<u64>,
    /// How many entries are involved in all.
    pub entry_count: usize,
    /// The region concerned (a village, town or the district), if any.
    pub region: Option<RegionCode>,
    /// The money concerned, if any.
    pub amount: Option<Fen>,
    /// The household (64 hex digits) or project (`project:ID`) concerned,
    /// when every entry of the finding concerns the same one.
    pub reference: Option<String>,
    /// A lead (线索) for a human to follow up, not a finding.
    pub lead: bool,
    /// The rows of external lists (比对) behind it: `FILE:ROW`.
    pub list_rows: Vec<String>,
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
    /// 资金滞留: money over the policy's time limit at its treasury and
    /// (for a town) its villages' and at its projects' accounts, on the
    /// report's `as_of_date` (the sum of [`AuditReport::idle_money`]).
    pub idle_money: Fen,
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
    /// The ledger's last entry time (Unix ms, sequencing).
    pub as_of_ms: u64,
    /// "Now" for the age-based rules (idle funds, idle money, village
    /// retention, reversals, confirmation deadlines): `AuditConfig::as_of`
    /// if given, else the ledger's last business date (`YYYYMMDD`), or its
    /// last sequencing day in China when no entry carries a business date.
    pub as_of_date: Option<ledger_core::ids::Date>,
    /// Findings, most severe first, then by rule and first entry.
    pub findings: Vec<Finding>,
    /// Per town and village with money or findings, by code.
    pub regions: Vec<RegionSummary>,
    /// 资金滞留 on `as_of_date`: per account and fund, the money over the
    /// policy's time limit for the account's level, by account then fund
    /// (`LedgerState::idle_money`: the node's figures).
    pub idle_money: Vec<IdleMoney>,
    /// Money by month (business dates; reversals not netted), for the
    /// report's timeline.
    pub months: Vec<MonthMoney>,
    /// Money issued per fund source (中央/省/市/区财政, 社会捐赠): the
    /// first column of the fund-flow picture.
    pub sources: Vec<SourceMoney>,
}

/// Money moved in one month (by business date).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonthMoney {
    /// `YYYYMM`.
    pub month: u32,
    /// Funds issued (下达).
    pub issued: Fen,
    /// Transfers between accounts (拨付).
    pub transferred: Fen,
    /// Paid to households (到户).
    pub households: Fen,
    /// Paid for projects (项目).
    pub projects: Fen,
}

/// Money issued from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceMoney {
    /// Stable name, e.g. `provincial`.
    pub source: String,
    /// Chinese label, e.g. `省级财政`.
    pub label: String,
    /// Issued in all.
    pub amount: Fen,
}

/// Money over its time limit at one account, in one fund (资金滞留).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdleMoney {
    /// The account, e.g. `treasury:320803101000` or `project:P2019-001`.
    pub account: String,
    /// Its region: the treasury's, or the project's village.
    pub region: Option<RegionCode>,
    /// The fund.
    pub fund: Ident,
    /// Money that arrived more than `limit_days` before `as_of_date`.
    pub amount: Fen,
    /// When the oldest of it arrived (business date).
    pub since: Date,
    /// Days from `since` to `as_of_date`.
    pub days: i64,
    /// The policy's limit for the account's level (`fund_limits`).
    pub limit_days: u16,
}

//! The district policy the ledger enforces, as data: who must co-sign what
//! (五签字), how long each publicity window runs (公示期), which assistance
//! category entitles a household to which subsidies (建档立卡), how long a
//! household has to confirm a payment (确认), and from which business date
//! each control is enforced (history imported from before a control existed
//! still loads and is reported by the audit instead).
//!
//! The policy is part of genesis and changes only through a co-signed
//! `PolicyUpdate`, which replaces it whole.

use crate::amount::Fen;
use crate::entry::{EntryKind, SubsidyCategory};
use crate::ids::Date;
use crate::keys::Office;
use crate::procedure::{AssistanceCategory, NoticeStage};
use serde::{Deserialize, Serialize};

/// Most co-signature rules in a policy.
pub const MAX_COSIGN_RULES: usize = 64;
/// Most offices one co-signature rule names.
pub const MAX_RULE_ROLES: usize = 8;
/// Longest publicity window, in days.
pub const MAX_WINDOW_DAYS: u16 = 90;
/// Longest confirmation deadline, in days.
pub const MAX_CONFIRMATION_DAYS: u16 = 365;
/// Largest retention share, in basis points (30 %).
pub const MAX_RETENTION_BP: u16 = 3_000;
/// Longest fund time limit, in days.
pub const MAX_FUND_LIMIT_DAYS: u16 = 365;

/// One co-signature rule: entries of `kind` with an amount of at least
/// `min_amount` need `signatures` distinct authorised signatures, among
/// them one by each office in `roles` (五签字五确认).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignRule {
    /// The kind it applies to.
    pub kind: EntryKind,
    /// Threshold amount (zero: every entry of the kind).
    pub min_amount: Fen,
    /// Distinct authorised signatures needed, 1-8.
    pub signatures: u8,
    /// Offices that must each be among the signers (0-8, distinct).
    pub roles: Vec<Office>,
}

/// Distinct authorised signatures `rules` require for an entry of `kind`
/// moving `amount` (at least 1): the strictest rule whose threshold the
/// amount reaches. The one statement of the co-signature count: the rule
/// engine and the demo generator both call it, so they cannot disagree.
pub fn required_signatures(rules: &[CosignRule], kind: EntryKind, amount: Option<Fen>) -> u8 {
    let amount = amount.unwrap_or(Fen::ZERO);
    rules
        .iter()
        .filter(|r| r.kind == kind && amount >= r.min_amount)
        .map(|r| r.signatures)
        .max()
        .unwrap_or(1)
        .max(1)
}

/// Offices that must sign an entry of `kind` moving `amount`: the union of
/// the roles of every rule whose threshold the amount reaches, in policy
/// order without repeats (a larger amount needs at least what a smaller
/// one needs).
pub fn required_roles(rules: &[CosignRule], kind: EntryKind, amount: Option<Fen>) -> Vec<Office> {
    let amount = amount.unwrap_or(Fen::ZERO);
    let mut roles: Vec<Office> = Vec::new();
    for rule in rules.iter().filter(|r| r.kind == kind && amount >= r.min_amount) {
        for office in &rule.roles {
            if !roles.contains(office) {
                roles.push(*office);
            }
        }
    }
    roles
}

/// Days each publicity window runs (公示期; the policy's default is 7).
/// A window that starts on day S with D days runs S … S+D-1: it has ended
/// on day S+D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicityDays {
    /// 申报公告.
    pub application: u16,
    /// 行政村公示.
    pub village: u16,
    /// 镇公示.
    pub town: u16,
    /// 区公示.
    pub district: u16,
    /// 异议审核公示.
    pub objection_review: u16,
    /// 脱贫公告.
    pub exit: u16,
    /// 发放公示: the payment list before a payment.
    pub payment_list: u16,
    /// 项目公示: a project plan.
    pub project_plan: u16,
}

impl PublicityDays {
    /// Seven days everywhere, as the policy says.
    pub const DEFAULT: PublicityDays = PublicityDays {
        application: 7,
        village: 7,
        town: 7,
        district: 7,
        objection_review: 7,
        exit: 7,
        payment_list: 7,
        project_plan: 7,
    };

    /// The window length of a notice stage.
    pub fn of(&self, stage: NoticeStage) -> u16 {
        match stage {
            NoticeStage::Application => self.application,
            NoticeStage::VillagePublicity => self.village,
            NoticeStage::TownPublicity => self.town,
            NoticeStage::DistrictPublicity => self.district,
            NoticeStage::ObjectionReview => self.objection_review,
            NoticeStage::ExitAnnouncement => self.exit,
            NoticeStage::PaymentList => self.payment_list,
            NoticeStage::ProjectPlan => self.project_plan,
        }
    }
}

/// What registration in an assistance category means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRule {
    /// The assistance category (低保, 特困供养, 建档立卡低收入户, …).
    pub category: AssistanceCategory,
    /// Subsidy categories a household registered in it may be paid.
    pub subsidies: Vec<SubsidyCategory>,
    /// Does a poverty exit (脱贫) end it? (建档立卡 does; 低保 ends by its
    /// own review.)
    pub ends_with_exit: bool,
}

/// From which business date each control is enforced. Entries dated
/// before are accepted as history and reported by `ledger audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlDates {
    /// A household subsidy needs a registration in a category that entitles it.
    pub registration: Date,
    /// A household subsidy needs a payment-list line whose window has ended.
    pub payment_list: Date,
    /// The policy's offices must sign (the signature count is always enforced).
    pub roles: Date,
    /// A payment must be confirmed within the deadline (shown, never refused).
    pub confirmation: Date,
    /// Project payments need an approved project, its contractor, and the
    /// retention held back until acceptance (项目库).
    pub projects: Date,
    /// Format 3 (issue 14): a second payment of a household, category and
    /// period already paid (and not reversed) is refused `duplicate_payment`
    /// unless it is marked supplementary. Earlier history is accepted and
    /// reported by `ledger audit`.
    pub duplicates: Date,
}

/// Days money may sit at an account of each level before it must be passed
/// on or spent (资金滞留: a warning, never a refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundLimits {
    /// At the district treasury (区财政).
    pub district_days: u16,
    /// At a town's finance office (镇财政所).
    pub town_days: u16,
    /// At a village collective (村集体).
    pub village_days: u16,
    /// In a project's account (项目).
    pub project_days: u16,
}

impl FundLimits {
    /// 30 days at each treasury level and 90 in a project account.
    pub const DEFAULT: FundLimits = FundLimits {
        district_days: 30,
        town_days: 30,
        village_days: 30,
        project_days: 90,
    };
}

/// The district policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Co-signature rules with their offices.
    pub cosign_rules: Vec<CosignRule>,
    /// Publicity window lengths.
    pub publicity_days: PublicityDays,
    /// Assistance categories and what each entitles to (1-16, distinct).
    pub categories: Vec<CategoryRule>,
    /// Days a household has to confirm a payment (确认), 1-365.
    pub confirmation_days: u16,
    /// When each control starts.
    pub enforced_from: ControlDates,
    /// Share of a project's approved budget held back until its acceptance
    /// (尾款/质保金), in basis points (0-3000: up to 30 %).
    pub retention_bp: u16,
    /// How long money may sit at each level.
    pub fund_limits: FundLimits,
}

impl Default for Policy {
    /// The empty policy of a state before genesis (never in force: genesis
    /// sets the log's own).
    fn default() -> Policy {
        let far = Date::LAST;
        Policy {
            cosign_rules: Vec::new(),
            publicity_days: PublicityDays::DEFAULT,
            categories: Vec::new(),
            confirmation_days: 30,
            enforced_from: ControlDates {
                registration: far,
                payment_list: far,
                roles: far,
                confirmation: far,
                projects: far,
                duplicates: far,
            },
            retention_bp: 0,
            fund_limits: FundLimits::DEFAULT,
        }
    }
}

/// Why a policy is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

impl Policy {
    /// Check the policy's shape (bounds, no repeats): done when genesis or
    /// a policy update is applied, so a state never holds a bad policy.
    pub fn check(&self) -> Result<(), PolicyError> {
        let bad = |m: String| Err(PolicyError(m));
        if self.cosign_rules.len() > MAX_COSIGN_RULES {
            return bad(format!("at most {MAX_COSIGN_RULES} co-signature rules"));
        }
        for rule in &self.cosign_rules {
            if rule.signatures == 0 || usize::from(rule.signatures) > crate::submission::MAX_SIGNATURES {
                return bad(format!(
                    "co-signature rule for {} needs 1-8 signatures",
                    rule.kind.name()
                ));
            }
            if rule.roles.len() > MAX_RULE_ROLES {
                return bad(format!(
                    "co-signature rule for {} names more than {MAX_RULE_ROLES} offices",
                    rule.kind.name()
                ));
            }
            if usize::from(rule.signatures) < rule.roles.len() {
                return bad(format!(
                    "co-signature rule for {} names {} offices but needs only {} signatures",
                    rule.kind.name(),
                    rule.roles.len(),
                    rule.signatures
                ));
            }
            for (i, office) in rule.roles.iter().enumerate() {
                if rule.roles[..i].contains(office) {
                    return bad(format!(
                        "co-signature rule for {} names {} twice",
                        rule.kind.name(),
                        office.name()
                    ));
                }
            }
        }
        for stage in NoticeStage::ALL {
            let days = self.publicity_days.of(*stage);
            if days == 0 || days > MAX_WINDOW_DAYS {
                return bad(format!(
                    "the {} window must be 1-{MAX_WINDOW_DAYS} days, not {days}",
                    stage.name()
                ));
            }
        }
        if self.categories.is_empty() || self.categories.len() > AssistanceCategory::ALL.len() {
            return bad("the policy lists 1 or more assistance categories, each once".into());
        }
        for (i, rule) in self.categories.iter().enumerate() {
            if self.categories[..i].iter().any(|r| r.category == rule.category) {
                return bad(format!("assistance category {} is listed twice", rule.category.name()));
            }
            if rule.subsidies.len() > SubsidyCategory::ALL.len() {
                return bad(format!(
                    "assistance category {} lists too many subsidies",
                    rule.category.name()
                ));
            }
        }
        if self.retention_bp > MAX_RETENTION_BP {
            return bad(format!("the retention share must be 0-{MAX_RETENTION_BP} basis points"));
        }
        let limits = self.fund_limits;
        for days in [
            limits.district_days,
            limits.town_days,
            limits.village_days,
            limits.project_days,
        ] {
            if days == 0 || days > MAX_FUND_LIMIT_DAYS {
                return bad(format!(
                    "a fund time limit must be 1-{MAX_FUND_LIMIT_DAYS} days, not {days}"
                ));
            }
        }
        if self.confirmation_days == 0 || self.confirmation_days > MAX_CONFIRMATION_DAYS {
            return bad(format!(
                "the confirmation deadline must be 1-{MAX_CONFIRMATION_DAYS} days"
            ));
        }
        Ok(())
    }

    /// The assistance categories whose registration entitles a household
    /// to a subsidy of `category`.
    pub fn entitling(&self, category: SubsidyCategory) -> impl Iterator<Item = AssistanceCategory> + '_ {
        self.categories
            .iter()
            .filter(move |r| r.subsidies.contains(&category))
            .map(|r| r.category)
    }

    /// Does a poverty exit end `category`?
    pub fn ends_with_exit(&self, category: AssistanceCategory) -> bool {
        self.categories
            .iter()
            .any(|r| r.category == category && r.ends_with_exit)
    }
}

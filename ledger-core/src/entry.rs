//! The entry kinds: what can happen to the money, and to the log's own rules.
//!
//! These are the signed, versioned types. Their postcard encoding is the
//! format (see docs/FORMAT.md); the enum variant order is part of it and must
//! never change — new kinds go at the end.

use crate::amount::Fen;
use crate::encoding::Bytes;
use crate::household::{HouseholdRef, MaskedName};
use crate::ids::{Date, Ident, Period, Text};
use crate::keys::{KeyGrant, PublicKey};
pub use crate::policy::{required_signatures, CosignRule, Policy};
pub use crate::procedure::{
    HouseholdCheck, HouseholdExit, HouseholdRegister, Notice, NoticeLineRef, Objection, ObjectionResolve,
    PaymentConfirm,
};
use crate::region::{RegionCode, RegionDef};
use serde::{Deserialize, Serialize};

/// The kind of an entry, without its data (for scopes and policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EntryKind {
    /// The log's origin.
    Genesis,
    /// A key is granted rights.
    KeyGrant,
    /// A key loses its rights.
    KeyRevoke,
    /// More regions become valid.
    RegionRegister,
    /// The co-signature policy changes.
    PolicyUpdate,
    /// 资金下达: a fund enters the ledger.
    FundIssue,
    /// 拨付: fund money moves down the hierarchy.
    Transfer,
    /// 项目入库: a project enters the project library.
    ProjectRegister,
    /// 项目支出: a payment for a project.
    ProjectDisbursement,
    /// 到户补贴: a payment to a household.
    HouseholdSubsidy,
    /// 冲正: an earlier money entry is undone.
    Reversal,
    /// The log's checkpoint and receipt key is rotated.
    LogKeyRotate,
    /// 公告/公示: a notice with its publicity window.
    Notice,
    /// 比对/核对: a check of an applying household.
    HouseholdCheck,
    /// 建档立卡: a household registered in an assistance category.
    HouseholdRegister,
    /// 脱贫: a household leaves the categories that end with an exit.
    HouseholdExit,
    /// 异议: an objection received.
    Objection,
    /// 异议处理: an objection decided.
    ObjectionResolve,
    /// 确认: a household confirmed a payment.
    PaymentConfirm,
    /// 审核论证 (the project library).
    ProjectReview,
    /// 批复入库 (the project library).
    ProjectApprove,
    /// 项目实施 (the project library).
    ProjectStart,
    /// 竣工验收 (the project library).
    ProjectAccept,
    /// 资产移交 (the project library).
    ProjectHandover,
    /// 绩效评价 (the project library).
    ProjectEvaluate,
    /// 项目调整 (the project library).
    ProjectAdjust,
    /// 项目终止 (the project library).
    ProjectCancel,
    /// 联系方式: whom to ask about a region's money (有疑问？).
    ContactsUpdate,
}

impl EntryKind {
    /// Every kind, in format order.
    pub const ALL: [EntryKind; 28] = [
        EntryKind::Genesis,
        EntryKind::KeyGrant,
        EntryKind::KeyRevoke,
        EntryKind::RegionRegister,
        EntryKind::PolicyUpdate,
        EntryKind::FundIssue,
        EntryKind::Transfer,
        EntryKind::ProjectRegister,
        EntryKind::ProjectDisbursement,
        EntryKind::HouseholdSubsidy,
        EntryKind::Reversal,
        EntryKind::LogKeyRotate,
        EntryKind::Notice,
        EntryKind::HouseholdCheck,
        EntryKind::HouseholdRegister,
        EntryKind::HouseholdExit,
        EntryKind::Objection,
        EntryKind::ObjectionResolve,
        EntryKind::PaymentConfirm,
        EntryKind::ProjectReview,
        EntryKind::ProjectApprove,
        EntryKind::ProjectStart,
        EntryKind::ProjectAccept,
        EntryKind::ProjectHandover,
        EntryKind::ProjectEvaluate,
        EntryKind::ProjectAdjust,
        EntryKind::ProjectCancel,
        EntryKind::ContactsUpdate,
    ];

    /// Kinds that change the log's rules rather than the books.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            EntryKind::Genesis
                | EntryKind::KeyGrant
                | EntryKind::KeyRevoke
                | EntryKind::RegionRegister
                | EntryKind::PolicyUpdate
                | EntryKind::LogKeyRotate
        )
    }

    /// Stable snake_case name (API, CSV, CLI).
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Genesis => "genesis",
            EntryKind::KeyGrant => "key_grant",
            EntryKind::KeyRevoke => "key_revoke",
            EntryKind::RegionRegister => "region_register",
            EntryKind::PolicyUpdate => "policy_update",
            EntryKind::FundIssue => "fund_issue",
            EntryKind::Transfer => "transfer",
            EntryKind::ProjectRegister => "project_register",
            EntryKind::ProjectDisbursement => "project_disbursement",
            EntryKind::HouseholdSubsidy => "household_subsidy",
            EntryKind::Reversal => "reversal",
            EntryKind::LogKeyRotate => "log_key_rotate",
            EntryKind::Notice => "notice",
            EntryKind::HouseholdCheck => "household_check",
            EntryKind::HouseholdRegister => "household_register",
            EntryKind::HouseholdExit => "household_exit",
            EntryKind::Objection => "objection",
            EntryKind::ObjectionResolve => "objection_resolve",
            EntryKind::PaymentConfirm => "payment_confirm",
            EntryKind::ProjectReview => "project_review",
            EntryKind::ProjectApprove => "project_approve",
            EntryKind::ProjectStart => "project_start",
            EntryKind::ProjectAccept => "project_accept",
            EntryKind::ProjectHandover => "project_handover",
            EntryKind::ProjectEvaluate => "project_evaluate",
            EntryKind::ProjectAdjust => "project_adjust",
            EntryKind::ProjectCancel => "project_cancel",
            EntryKind::ContactsUpdate => "contacts_update",
        }
    }

    /// Chinese label for the public page and reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            EntryKind::Genesis => "创世",
            EntryKind::KeyGrant => "授权",
            EntryKind::KeyRevoke => "撤销授权",
            EntryKind::RegionRegister => "登记区划",
            EntryKind::PolicyUpdate => "会签规则",
            EntryKind::FundIssue => "资金下达",
            EntryKind::Transfer => "资金拨付",
            EntryKind::ProjectRegister => "项目入库",
            EntryKind::ProjectDisbursement => "项目支出",
            EntryKind::HouseholdSubsidy => "到户补贴",
            EntryKind::Reversal => "冲正",
            EntryKind::LogKeyRotate => "日志密钥轮换",
            EntryKind::Notice => "公告公示",
            EntryKind::HouseholdCheck => "比对核对",
            EntryKind::HouseholdRegister => "建档立卡",
            EntryKind::HouseholdExit => "脱贫退出",
            EntryKind::Objection => "异议",
            EntryKind::ObjectionResolve => "异议处理",
            EntryKind::PaymentConfirm => "到户确认",
            EntryKind::ProjectReview => "审核论证",
            EntryKind::ProjectApprove => "批复入库",
            EntryKind::ProjectStart => "项目实施",
            EntryKind::ProjectAccept => "竣工验收",
            EntryKind::ProjectHandover => "资产移交",
            EntryKind::ProjectEvaluate => "绩效评价",
            EntryKind::ProjectAdjust => "项目调整",
            EntryKind::ProjectCancel => "项目终止",
            EntryKind::ContactsUpdate => "联系方式",
        }
    }

    /// Parse a [`EntryKind::name`].
    pub fn from_name(name: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

labelled_enum! {
    /// Where a fund's money comes from.
    FundSource {
        /// 中央财政
        Central => "central", "中央财政";
        /// 省级财政
        Provincial => "provincial", "省级财政";
        /// 市级财政
        Municipal => "municipal", "市级财政";
        /// 区级财政
        District => "district", "区级财政";
        /// 社会捐赠
        SocialDonation => "social_donation", "社会捐赠";
    }
}

labelled_enum! {
    /// What a fund is for.
    FundCategory {
        /// 财政专项扶贫资金
        SpecialPoverty => "special_poverty", "财政专项扶贫资金";
        /// 产业发展
        Industry => "industry", "产业发展";
        /// 基础设施
        Infrastructure => "infrastructure", "基础设施";
        /// 住房保障
        Housing => "housing", "住房保障";
        /// 教育资助
        Education => "education", "教育资助";
        /// 医疗保障
        Medical => "medical", "医疗保障";
        /// 社会保障
        SocialSecurity => "social_security", "社会保障";
        /// 其他
        Other => "other", "其他";
    }
}

labelled_enum! {
    /// What a project builds.
    ProjectCategory {
        /// 村组道路
        VillageRoad => "village_road", "村组道路";
        /// 危房改造
        HousingRenovation => "housing_renovation", "危房改造";
        /// 产业基地
        IndustryBase => "industry_base", "产业基地";
        /// 光伏扶贫
        Solar => "solar", "光伏扶贫";
        /// 饮水安全
        Water => "water", "饮水安全";
        /// 农田水利
        Irrigation => "irrigation", "农田水利";
        /// 其他
        Other => "other", "其他";
    }
}

labelled_enum! {
    /// What a household subsidy is for.
    SubsidyCategory {
        /// 危房改造
        HousingRenovation => "housing_renovation", "危房改造";
        /// 教育资助
        Education => "education", "教育资助";
        /// 医疗保险
        MedicalInsurance => "medical_insurance", "医疗保险";
        /// 就业补贴
        Employment => "employment", "就业补贴";
        /// 养老保险
        Pension => "pension", "养老保险";
        /// 最低生活保障
        MinimumLiving => "minimum_living", "最低生活保障";
        /// 产业扶持
        IndustrySupport => "industry_support", "产业扶持";
        /// 其他
        Other => "other", "其他";
    }
}

/// An account that holds fund money inside the ledger's custody.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Account {
    /// The treasury of a region: the district treasury (区财政), a town's
    /// finance office (镇财政所) or a village collective (村集体).
    Treasury(RegionCode),
    /// A registered project's account.
    Project(Ident),
}

impl Account {
    /// A stable text form: `treasury:320803001000` or `project:P2019-001`.
    pub fn key(&self) -> String {
        match self {
            Account::Treasury(code) => format!("treasury:{code}"),
            Account::Project(id) => format!("project:{id}"),
        }
    }

    /// Parse [`Account::key`].
    pub fn parse(text: &str) -> Result<Account, String> {
        match text.split_once(':') {
            Some(("treasury", code)) => RegionCode::parse(code)
                .map(Account::Treasury)
                .map_err(|e| e.to_string()),
            Some(("project", id)) => Ident::new(id).map(Account::Project).map_err(|e| e.to_string()),
            _ => Err(format!(
                "an account is treasury:<region code> or project:<id>, not {text:?}"
            )),
        }
    }
}

/// A payee outside the ledger's custody: a contractor or supplier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Payee {
    /// Unified social credit code or another stable id.
    pub id: Ident,
    /// The payee's name (an organisation; not a private person).
    pub name: Text,
}

/// The log's origin entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Human title, e.g. `淮安区阳光扶贫资金账本`.
    pub title: Text,
    /// The first admin (and possibly operator) keys.
    pub grants: Vec<KeyGrant>,
    /// The region table.
    pub regions: Vec<RegionDef>,
    /// The policy: co-signatures and roles, publicity windows, categories,
    /// the confirmation deadline and when each control is enforced.
    pub policy: Policy,
    /// blake3 commitment to the pseudonym key (see `PseudonymKey::commitment`).
    pub pseudonym_commitment: Bytes<32>,
    /// The log's checkpoint verifier key in signed-note form.
    pub log_vkey: String,
}

/// 资金下达: a fund enters from its external source into an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundIssue {
    /// New, unique fund id.
    pub fund: Ident,
    /// The fund's title.
    pub title: Text,
    /// 文号, e.g. `苏财农〔2019〕12号`.
    pub document_no: Text,
    /// Budget source.
    pub source: FundSource,
    /// Purpose.
    pub category: FundCategory,
    /// Fiscal year.
    pub fiscal_year: u16,
    /// Receiving account (a treasury).
    pub to: Account,
    /// Amount.
    pub amount: Fen,
    /// 下达日期: the day the money arrived (business date).
    pub date: Date,
}

/// A fund's descriptive facts, as its issue states them: what the rule
/// state ([`crate::rules::FundRecord`]) and the node's query index both keep
/// of every fund, in one type so that a new fact is added once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFacts {
    /// Id.
    pub id: Ident,
    /// Title.
    pub title: String,
    /// 文号.
    pub document_no: String,
    /// Source.
    pub source: FundSource,
    /// Category.
    pub category: FundCategory,
    /// Fiscal year.
    pub fiscal_year: u16,
}

impl FundIssue {
    /// The fund's descriptive facts.
    pub fn facts(&self) -> FundFacts {
        FundFacts {
            id: self.fund.clone(),
            title: self.title.to_string(),
            document_no: self.document_no.to_string(),
            source: self.source,
            category: self.category,
            fiscal_year: self.fiscal_year,
        }
    }
}

/// 拨付: fund money moves down the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The fund.
    pub fund: Ident,
    /// Paying account.
    pub from: Account,
    /// Receiving account (a child treasury or a project in the subtree).
    pub to: Account,
    /// Amount.
    pub amount: Fen,
    /// Memo / approval reference.
    pub memo: Text,
    /// 拨付日期: the day the money moved.
    pub date: Date,
}

/// 项目入库: a project of the district project library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRegister {
    /// New, unique project id.
    pub project: Ident,
    /// Project name.
    pub name: Text,
    /// The village where it is built.
    pub village: RegionCode,
    /// Category.
    pub category: ProjectCategory,
    /// Approved budget.
    pub budget: Fen,
    /// Implementing unit (实施单位).
    pub implementer: Text,
    /// Planned start.
    pub start: Date,
    /// Planned end.
    pub end: Date,
}

/// 项目支出: fund money paid to a payee for a registered project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDisbursement {
    /// The fund.
    pub fund: Ident,
    /// The project.
    pub project: Ident,
    /// Paying account (the project's account or a treasury above it).
    pub from: Account,
    /// Contractor or supplier.
    pub payee: Payee,
    /// Amount.
    pub amount: Fen,
    /// Contract or invoice reference.
    pub contract_ref: Text,
    /// Milestone, e.g. `竣工验收`.
    pub milestone: Text,
    /// 支付日期: the day the money was paid.
    pub date: Date,
}

/// 到户补贴: fund money paid to a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdSubsidy {
    /// The fund.
    pub fund: Ident,
    /// Paying account (a treasury above or at the village).
    pub from: Account,
    /// Household reference.
    pub household: HouseholdRef,
    /// Masked name of the head of household.
    pub masked_name: MaskedName,
    /// The household's village.
    pub village: RegionCode,
    /// Category.
    pub category: SubsidyCategory,
    /// Period covered.
    pub period: Period,
    /// Amount.
    pub amount: Fen,
    /// 发放日期: the day the money was paid.
    pub date: Date,
    /// The payment-list line that publicised it (发放公示); required from
    /// the policy's `enforced_from.payment_list` on.
    pub notice: Option<NoticeLineRef>,
    /// Format 3 (issue 14): set on a second payment of a household,
    /// category and period already paid (补发, 差额补足), naming the payment
    /// it adds to. Without it such a payment is refused `duplicate_payment`
    /// from the policy's `enforced_from.duplicates` on. A reversed payment
    /// does not count as paid: paying again after a reversal needs none.
    pub supplementary: Option<Supplement>,
}

/// A supplementary payment's link to the payment it adds to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplement {
    /// Why.
    pub reason: SupplementReason,
    /// The earlier payment (not reversed) of the same household, category
    /// and period.
    pub of_seq: u64,
    /// The explanation a citizen reads (批准文号, what was underpaid).
    pub note: Text,
}

/// Why a payment is supplementary. Variant order is the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SupplementReason {
    /// 补发: an amount underpaid by the earlier payment.
    BackPay,
    /// 差额补足: the difference after the standard rose for the period.
    TopUp,
}

impl SupplementReason {
    /// Stable ASCII name.
    pub fn name(self) -> &'static str {
        match self {
            SupplementReason::BackPay => "back_pay",
            SupplementReason::TopUp => "top_up",
        }
    }
    /// 中文.
    pub fn label_zh(self) -> &'static str {
        match self {
            SupplementReason::BackPay => "补发",
            SupplementReason::TopUp => "差额补足",
        }
    }
}

/// 冲正: undo an earlier money entry; the money returns where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    /// Sequence number of the entry undone.
    pub target_seq: u64,
    /// Why.
    pub reason: Text,
    /// 冲正日期: the day the money went back.
    pub date: Date,
}

/// The body of an entry. Variant order is the format: never reorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryBody {
    /// See [`Genesis`].
    Genesis(Genesis),
    /// See [`KeyGrant`].
    KeyGrant(KeyGrant),
    /// A key loses its rights from the entry's time on.
    KeyRevoke {
        /// The key.
        key: PublicKey,
        /// Why.
        reason: Text,
    },
    /// Register more regions.
    RegionRegister {
        /// Regions, parents first.
        regions: Vec<RegionDef>,
    },
    /// Replace the policy (a co-signed admin entry).
    PolicyUpdate {
        /// The new policy, whole.
        policy: Policy,
    },
    /// See [`FundIssue`].
    FundIssue(FundIssue),
    /// See [`Transfer`].
    Transfer(Transfer),
    /// See [`ProjectRegister`].
    ProjectRegister(ProjectRegister),
    /// See [`ProjectDisbursement`].
    ProjectDisbursement(ProjectDisbursement),
    /// See [`HouseholdSubsidy`].
    HouseholdSubsidy(HouseholdSubsidy),
    /// See [`Reversal`].
    Reversal(Reversal),
    /// From the next entry on, checkpoints and receipts are signed by this
    /// key (signed-note vkey whose name is the origin). Entries before keep
    /// the key that was in force when they were sequenced.
    LogKeyRotate {
        /// The new log verifier key.
        log_vkey: String,
        /// Why (scheduled rotation, suspected compromise, …).
        reason: Text,
        /// Signature by the *outgoing* log key over
        /// `DOMAIN_LOG_ROTATION ‖ origin ‖ 0x00 ‖ new log_vkey`: admins alone
        /// cannot move the log to a key of their choosing, so an auditor who
        /// pins the log key can follow every rotation from it.
        endorsement: crate::keys::SignatureBytes,
    },
    /// See [`Notice`].
    Notice(Notice),
    /// See [`HouseholdCheck`].
    HouseholdCheck(HouseholdCheck),
    /// See [`HouseholdRegister`].
    HouseholdRegister(HouseholdRegister),
    /// See [`HouseholdExit`].
    HouseholdExit(HouseholdExit),
    /// See [`Objection`].
    Objection(Objection),
    /// See [`ObjectionResolve`].
    ObjectionResolve(ObjectionResolve),
    /// See [`PaymentConfirm`].
    PaymentConfirm(PaymentConfirm),
    /// See [`crate::project::ProjectReview`].
    ProjectReview(crate::project::ProjectReview),
    /// See [`crate::project::ProjectApprove`].
    ProjectApprove(crate::project::ProjectApprove),
    /// See [`crate::project::ProjectMilestone`].
    ProjectStart(crate::project::ProjectMilestone),
    /// See [`crate::project::ProjectMilestone`].
    ProjectAccept(crate::project::ProjectMilestone),
    /// See [`crate::project::ProjectMilestone`].
    ProjectHandover(crate::project::ProjectMilestone),
    /// See [`crate::project::ProjectEvaluate`].
    ProjectEvaluate(crate::project::ProjectEvaluate),
    /// See [`crate::project::ProjectAdjust`].
    ProjectAdjust(crate::project::ProjectAdjust),
    /// See [`crate::project::ProjectCancel`].
    ProjectCancel(crate::project::ProjectCancel),
    /// See [`crate::contacts::ContactsUpdate`] (an operator kind: see
    /// `rules::contacts` for why).
    ContactsUpdate(crate::contacts::ContactsUpdate),
}

impl EntryBody {
    /// The kind.
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryBody::Genesis(_) => EntryKind::Genesis,
            EntryBody::KeyGrant(_) => EntryKind::KeyGrant,
            EntryBody::KeyRevoke { .. } => EntryKind::KeyRevoke,
            EntryBody::RegionRegister { .. } => EntryKind::RegionRegister,
            EntryBody::PolicyUpdate { .. } => EntryKind::PolicyUpdate,
            EntryBody::FundIssue(_) => EntryKind::FundIssue,
            EntryBody::Transfer(_) => EntryKind::Transfer,
            EntryBody::ProjectRegister(_) => EntryKind::ProjectRegister,
            EntryBody::ProjectDisbursement(_) => EntryKind::ProjectDisbursement,
            EntryBody::HouseholdSubsidy(_) => EntryKind::HouseholdSubsidy,
            EntryBody::Reversal(_) => EntryKind::Reversal,
            EntryBody::LogKeyRotate { .. } => EntryKind::LogKeyRotate,
            EntryBody::Notice(_) => EntryKind::Notice,
            EntryBody::HouseholdCheck(_) => EntryKind::HouseholdCheck,
            EntryBody::HouseholdRegister(_) => EntryKind::HouseholdRegister,
            EntryBody::HouseholdExit(_) => EntryKind::HouseholdExit,
            EntryBody::Objection(_) => EntryKind::Objection,
            EntryBody::ObjectionResolve(_) => EntryKind::ObjectionResolve,
            EntryBody::PaymentConfirm(_) => EntryKind::PaymentConfirm,
            EntryBody::ProjectReview(_) => EntryKind::ProjectReview,
            EntryBody::ProjectApprove(_) => EntryKind::ProjectApprove,
            EntryBody::ProjectStart(_) => EntryKind::ProjectStart,
            EntryBody::ProjectAccept(_) => EntryKind::ProjectAccept,
            EntryBody::ProjectHandover(_) => EntryKind::ProjectHandover,
            EntryBody::ProjectEvaluate(_) => EntryKind::ProjectEvaluate,
            EntryBody::ProjectAdjust(_) => EntryKind::ProjectAdjust,
            EntryBody::ProjectCancel(_) => EntryKind::ProjectCancel,
            EntryBody::ContactsUpdate(_) => EntryKind::ContactsUpdate,
        }
    }

    /// The money amount of a money entry (and a project's budget), used by the
    /// co-signature policy.
    pub fn amount(&self) -> Option<Fen> {
        match self {
            EntryBody::FundIssue(e) => Some(e.amount),
            EntryBody::Transfer(e) => Some(e.amount),
            EntryBody::ProjectRegister(e) => Some(e.budget),
            EntryBody::ProjectDisbursement(e) => Some(e.amount),
            EntryBody::HouseholdSubsidy(e) => Some(e.amount),
            _ => None,
        }
    }

    /// The business date: the day the fact happened (money moved, a notice
    /// went up, a check was done), as opposed to the sequencing time. Every
    /// entry but the admin kinds and project registration has one; every
    /// age-based rule uses it.
    pub fn business_date(&self) -> Option<Date> {
        match self {
            EntryBody::FundIssue(e) => Some(e.date),
            EntryBody::Transfer(e) => Some(e.date),
            EntryBody::ProjectDisbursement(e) => Some(e.date),
            EntryBody::HouseholdSubsidy(e) => Some(e.date),
            EntryBody::Reversal(e) => Some(e.date),
            EntryBody::Notice(e) => Some(e.start),
            EntryBody::HouseholdCheck(e) => Some(e.date),
            EntryBody::HouseholdRegister(e) => Some(e.date),
            EntryBody::HouseholdExit(e) => Some(e.date),
            EntryBody::Objection(e) => Some(e.received),
            EntryBody::ObjectionResolve(e) => Some(e.date),
            EntryBody::PaymentConfirm(e) => Some(e.date),
            EntryBody::ProjectReview(e) => Some(e.date),
            EntryBody::ProjectApprove(e) => Some(e.date),
            EntryBody::ProjectStart(e) => Some(e.date),
            EntryBody::ProjectAccept(e) => Some(e.date),
            EntryBody::ProjectHandover(e) => Some(e.date),
            EntryBody::ProjectEvaluate(e) => Some(e.date),
            EntryBody::ProjectAdjust(e) => Some(e.date),
            EntryBody::ProjectCancel(e) => Some(e.date),
            // A project's registration is dated by its planned start, which
            // may lie ahead: it is not a fact that happened on that day.
            EntryBody::ProjectRegister(_)
            | EntryBody::Genesis(_)
            | EntryBody::KeyGrant(_)
            | EntryBody::KeyRevoke { .. }
            | EntryBody::RegionRegister { .. }
            | EntryBody::PolicyUpdate { .. }
            | EntryBody::LogKeyRotate { .. }
            | EntryBody::ContactsUpdate(_) => None,
        }
    }

    /// The fund of a money entry.
    pub fn fund(&self) -> Option<&Ident> {
        match self {
            EntryBody::FundIssue(e) => Some(&e.fund),
            EntryBody::Transfer(e) => Some(&e.fund),
            EntryBody::ProjectDisbursement(e) => Some(&e.fund),
            EntryBody::HouseholdSubsidy(e) => Some(&e.fund),
            _ => None,
        }
    }
}

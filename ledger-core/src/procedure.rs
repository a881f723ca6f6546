//! The policy's public procedures as entries (docs/FORMAT.md §5.9, rules §6.4):
//! notices with publicity windows (两公告四公示, payment lists), the
//! comparisons and home checks (两比对), household registration and exit
//! (建档立卡, 脱贫), objections and their resolution (异议), and the
//! household's confirmation of a payment (确认).
//!
//! None of these carries personal data beyond a household reference and a
//! masked name; an objection never names the person who objected.

use crate::amount::Fen;
use crate::entry::SubsidyCategory;
use crate::household::{HouseholdRef, MaskedName};
use crate::ids::{Date, Ident, Period, Text};
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

/// Most lines on one notice.
pub const MAX_NOTICE_LINES: usize = 500;

labelled_enum! {
    /// An assistance category a household can be registered in (the policy
    /// entry lists which are in use and what each entitles to).
    AssistanceCategory {
        /// 农村最低生活保障.
        MinimumLiving => "minimum_living", "低保";
        /// 特困人员供养.
        ExtremePoverty => "extreme_poverty", "特困供养";
        /// 建档立卡低收入户.
        RegisteredLowIncome => "registered_low_income", "建档立卡低收入户";
        /// 困境儿童.
        ChildInDifficulty => "child_in_difficulty", "困境儿童";
        /// 重度残疾人.
        SevereDisability => "severe_disability", "重度残疾人";
        /// 计划生育特殊困难家庭.
        FamilyPlanningHardship => "family_planning_hardship", "计划生育特殊困难家庭";
    }
}

labelled_enum! {
    /// What a notice announces. Its window length comes from the policy.
    NoticeStage {
        /// 申报公告: households applying in a village.
        Application => "application", "申报公告";
        /// 行政村公示.
        VillagePublicity => "village_publicity", "村级公示";
        /// 镇公示.
        TownPublicity => "town_publicity", "镇级公示";
        /// 区公示.
        DistrictPublicity => "district_publicity", "区级公示";
        /// 异议审核公示: the list after objections were handled.
        ObjectionReview => "objection_review", "异议审核公示";
        /// 脱贫公告: households leaving poverty.
        ExitAnnouncement => "exit_announcement", "脱贫公告";
        /// 发放公示: the payments a village intends to make.
        PaymentList => "payment_list", "发放公示";
        /// 项目公示: a project plan (the project library).
        ProjectPlan => "project_plan", "项目公示";
    }
}

impl NoticeStage {
    /// The registration procedure's stages, in order.
    pub const REGISTRATION: [NoticeStage; 5] = [
        NoticeStage::Application,
        NoticeStage::VillagePublicity,
        NoticeStage::TownPublicity,
        NoticeStage::DistrictPublicity,
        NoticeStage::ObjectionReview,
    ];

    /// Does a notice of this stage list households (rather than payments
    /// or projects)?
    pub fn lists_households(self) -> bool {
        !matches!(self, NoticeStage::PaymentList | NoticeStage::ProjectPlan)
    }
}

/// A household on a registration or exit notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdLine {
    /// The household.
    pub household: HouseholdRef,
    /// Masked name of the head of household.
    pub masked_name: MaskedName,
    /// Its village (a town or district notice lists several villages).
    pub village: RegionCode,
    /// The category applied for (or left, on an exit announcement).
    pub category: AssistanceCategory,
}

/// An intended payment on a payment list (发放公示).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    /// The household.
    pub household: HouseholdRef,
    /// Masked name of the head of household.
    pub masked_name: MaskedName,
    /// What for.
    pub category: SubsidyCategory,
    /// Period covered.
    pub period: Period,
    /// The most that may be paid on this line.
    pub amount: Fen,
}

/// The lines of a notice; which variant follows from the stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeLines {
    /// Registration and exit notices.
    Households(Vec<HouseholdLine>),
    /// Payment lists.
    Payments(Vec<PaymentLine>),
    /// Project plans: project ids (the project library).
    Projects(Vec<Ident>),
}

impl NoticeLines {
    /// How many lines.
    pub fn len(&self) -> usize {
        match self {
            NoticeLines::Households(l) => l.len(),
            NoticeLines::Payments(l) => l.len(),
            NoticeLines::Projects(l) => l.len(),
        }
    }
    /// No lines?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// 公告 / 公示: a publicity notice with its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// New, unique notice id, e.g. `N-320803101201-2019-03-PAY`.
    pub notice: Ident,
    /// What it announces.
    pub stage: NoticeStage,
    /// Where it is posted: a village (application, village publicity,
    /// exit, payment list, project plan), a town or the district.
    pub region: RegionCode,
    /// First day of the window; the window's length is the policy's.
    pub start: Date,
    /// Title as posted, e.g. `2019年3月低保金发放公示`.
    pub title: Text,
    /// The lines, 1-500.
    pub lines: NoticeLines,
}

/// One line of one notice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NoticeLineRef {
    /// The notice.
    pub notice: Ident,
    /// Line index, from 0.
    pub line: u32,
}

labelled_enum! {
    /// 两比对: which check.
    CheckKind {
        /// 相关部门数据比对 (civil affairs, public security, housing,
        /// vehicles, business registration, public payroll).
        DataComparison => "data_comparison", "部门数据比对";
        /// 入户人工核对.
        HomeVerification => "home_verification", "入户核对";
    }
}

/// 比对 / 核对: a check of an applying household was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdCheck {
    /// The household's line on the application announcement.
    pub application: NoticeLineRef,
    /// Which check.
    pub check: CheckKind,
    /// When it was done.
    pub date: Date,
    /// Did the household pass?
    pub passed: bool,
    /// What was found, without personal data (e.g. `无车辆、无财政供养人员`).
    pub note: Text,
}

/// The notice lines a registration went through (两公告四公示), one per
/// stage of [`NoticeStage::REGISTRATION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationNotices {
    /// 申报公告.
    pub application: NoticeLineRef,
    /// 行政村公示.
    pub village: NoticeLineRef,
    /// 镇公示.
    pub town: NoticeLineRef,
    /// 区公示.
    pub district: NoticeLineRef,
    /// 异议审核公示.
    pub objection_review: NoticeLineRef,
}

impl RegistrationNotices {
    /// The line of each stage, in procedure order.
    pub fn in_order(&self) -> [(NoticeStage, &NoticeLineRef); 5] {
        [
            (NoticeStage::Application, &self.application),
            (NoticeStage::VillagePublicity, &self.village),
            (NoticeStage::TownPublicity, &self.town),
            (NoticeStage::DistrictPublicity, &self.district),
            (NoticeStage::ObjectionReview, &self.objection_review),
        ]
    }
}

/// 建档立卡: a household is registered in an assistance category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRegister {
    /// The household.
    pub household: HouseholdRef,
    /// Masked name of the head of household.
    pub masked_name: MaskedName,
    /// Its village.
    pub village: RegionCode,
    /// The category.
    pub category: AssistanceCategory,
    /// The date the registration takes effect.
    pub date: Date,
    /// The procedure it went through. `None` only for a registration dated
    /// before the policy's `enforced_from.registration` (history imported
    /// from before the ledger; the audit reports it).
    pub notices: Option<RegistrationNotices>,
}

/// 脱贫 / 退出: a household leaves the categories that end with a poverty exit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdExit {
    /// The household.
    pub household: HouseholdRef,
    /// Its village.
    pub village: RegionCode,
    /// The date eligibility ends (payments dated from then on are refused).
    pub date: Date,
    /// Its line on the exit announcement (脱贫公告).
    pub announcement: NoticeLineRef,
    /// Why, e.g. `人均纯收入稳定超过标准`.
    pub reason: Text,
}

labelled_enum! {
    /// How an objection reached the office.
    ObjectionChannel {
        /// 12317 扶贫监督举报电话.
        Hotline12317 => "hotline_12317", "12317热线";
        /// 当面反映.
        InPerson => "in_person", "当面反映";
        /// 来信.
        Letter => "letter", "来信";
        /// 网上反映.
        Web => "web", "网上反映";
    }
}

/// What an objection is against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectionTarget {
    /// A line of a notice (registration, exit or payment list).
    NoticeLine(NoticeLineRef),
    /// A sequenced money entry or project registration, by sequence number.
    Entry(u64),
}

/// 异议: an objection was received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// New, unique case number, e.g. `YY-2019-0012`.
    pub case_no: Ident,
    /// What it is against.
    pub target: ObjectionTarget,
    /// How it came in.
    pub channel: ObjectionChannel,
    /// When it was received.
    pub received: Date,
    /// What it says, without personal data of whoever objected.
    pub summary: Text,
}

labelled_enum! {
    /// How an objection was decided.
    ObjectionOutcome {
        /// 属实: the line is withdrawn (or the payment was reversed first).
        Upheld => "upheld", "属实";
        /// 不属实: with the reason.
        Dismissed => "dismissed", "不属实";
    }
}

/// 异议处理: an objection is decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionResolve {
    /// The objection.
    pub case_no: Ident,
    /// The decision.
    pub outcome: ObjectionOutcome,
    /// When.
    pub date: Date,
    /// Why.
    pub reason: Text,
}

labelled_enum! {
    /// How a household confirmed a payment.
    ConfirmMethod {
        /// 银行流水.
        BankStatement => "bank_statement", "银行流水";
        /// 明白卡签字.
        CardSignature => "card_signature", "明白卡签字";
        /// 当面确认.
        InPerson => "in_person", "当面确认";
    }
}

/// 确认: a household confirmed it received a payment, witnessed by the
/// signing village cadre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentConfirm {
    /// The household subsidy confirmed, by sequence number.
    pub payment_seq: u64,
    /// How.
    pub method: ConfirmMethod,
    /// When.
    pub date: Date,
}

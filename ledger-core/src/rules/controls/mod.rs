//! The policy's controls (docs/FORMAT.md §6.4): notices and their windows,
//! the registration procedure (两公告两比对四公示), exits, objections,
//! payment lists and confirmations. Checks here never mutate; the
//! `commit_*` functions apply what was checked.
//!
//! Memory: a ledger of a million subsidies holds about as many payment-list
//! lines, so a line is a packed 24-byte record in one vector, found by its
//! notice's first index plus the line number; households are interned.

mod notices;
mod objections;
mod payments;
mod registration;
mod undo;

pub(super) use undo::ControlsUndo;

use std::collections::HashMap;

use crate::entry::{HouseholdSubsidy, SubsidyCategory};
use crate::household::HouseholdRef;
use crate::ids::{Date, Ident, Period};
use crate::procedure::{
    AssistanceCategory, CheckKind, HouseholdCheck, HouseholdExit, HouseholdRegister, Notice, NoticeLineRef,
    NoticeLines, NoticeStage, Objection, ObjectionOutcome, ObjectionResolve, ObjectionTarget, PaymentConfirm,
    MAX_NOTICE_LINES,
};
use crate::region::{RegionCode, RegionLevel};

use super::error::Detail;
use super::{LedgerState, RuleError};

/// What the ledger knows about a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    /// Id.
    pub id: Ident,
    /// The entry that posted it.
    pub seq: u64,
    /// Stage.
    pub stage: NoticeStage,
    /// Where it was posted.
    pub region: RegionCode,
    /// First day of the window.
    pub start: Date,
    /// First day after the window (start + the policy's days then).
    pub ends: Date,
    /// Global index of its first line.
    pub first_line: u32,
    /// Number of lines.
    pub lines: u32,
}

/// A line's state bits.
const PAID: u8 = 1;
const WITHDRAWN: u8 = 2;

/// One notice line, packed (see the module note on memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineRecord {
    /// Payment lines: the most that may be paid. Zero on household lines.
    amount: u64,
    /// Interned household; `u32::MAX` on project lines.
    household: u32,
    /// Index of the notice in `notice_ids`.
    notice: u32,
    /// Payment lines: the period.
    period: Period,
    /// `AssistanceCategory` or `SubsidyCategory` index, by the notice's stage.
    category: u8,
    /// PAID, WITHDRAWN.
    flags: u8,
}

/// A household's registration in one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The category.
    pub category: AssistanceCategory,
    /// From this date on.
    pub from: Date,
    /// Until the day before this date (an exit), if it ended.
    pub until: Option<Date>,
    /// The registering entry.
    pub seq: u64,
    /// The exit entry that ended it.
    pub ended_seq: Option<u64>,
}

/// What the ledger knows about a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    /// The household.
    pub household: HouseholdRef,
    /// Its village (from its first notice line).
    pub village: RegionCode,
    /// Its registrations, oldest first.
    pub registrations: Vec<Registration>,
}

impl HouseholdRecord {
    /// The registration in `category` in force on `date`.
    pub fn registered_on(&self, category: AssistanceCategory, date: Date) -> Option<&Registration> {
        self.registrations
            .iter()
            .rev()
            .find(|r| r.category == category && r.from <= date && r.until.is_none_or(|u| date < u))
    }
    /// The registration in `category` that has not ended.
    pub fn current(&self, category: AssistanceCategory) -> Option<&Registration> {
        self.registrations
            .iter()
            .rev()
            .find(|r| r.category == category && r.until.is_none())
    }
}

/// An objection and its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionRecord {
    /// Case number.
    pub case_no: Ident,
    /// The entry that recorded it.
    pub seq: u64,
    /// What it is against.
    pub target: ObjectionTarget,
    /// When received.
    pub received: Date,
    /// The region of its target (for signer scope and the page).
    pub region: RegionCode,
    /// The deciding entry, its outcome and date.
    pub decided: Option<(u64, ObjectionOutcome, Date)>,
}

/// The controls' state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Controls {
    pub(super) notices: HashMap<Ident, u32>,
    pub(super) notice_records: Vec<NoticeRecord>,
    pub(super) lines: Vec<LineRecord>,
    pub(super) households: HashMap<HouseholdRef, u32>,
    pub(super) household_records: Vec<HouseholdRecord>,
    /// Application line → latest result of each check (data, home).
    pub(super) checks: HashMap<u32, [Option<(Date, bool)>; 2]>,
    pub(super) objections: HashMap<Ident, ObjectionRecord>,
    pub(super) objection_order: Vec<Ident>,
    /// Open objections by line / by entry (rare: kept aside).
    pub(super) open_on_line: HashMap<u32, Vec<Ident>>,
    pub(super) open_on_entry: HashMap<u64, Vec<Ident>>,
    /// Withdrawn line → the upheld objection.
    pub(super) withdrawn_by: HashMap<u32, Ident>,
    /// Confirmed payments: one bit per sequence number.
    pub(super) confirmed: Vec<u64>,
}

/// The status of a notice line, for readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStatus {
    /// Standing; nothing against it.
    Open,
    /// A payment used it.
    Paid,
    /// An objection against it is open.
    Objected,
    /// Withdrawn after an upheld objection.
    Withdrawn,
}

impl LineStatus {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            LineStatus::Open => "open",
            LineStatus::Paid => "paid",
            LineStatus::Objected => "objected",
            LineStatus::Withdrawn => "withdrawn",
        }
    }
}

fn expected_level(stage: NoticeStage) -> RegionLevel {
    match stage {
        NoticeStage::TownPublicity => RegionLevel::Town,
        NoticeStage::DistrictPublicity => RegionLevel::District,
        _ => RegionLevel::Village,
    }
}

impl LineRecord {
    /// The interned household (household lines, payment lines) or project
    /// (project-plan lines) the line names; `u32::MAX` if none.
    pub(super) fn subject(&self) -> u32 {
        self.household
    }
}

fn line_name_zh(r: &NoticeLineRef) -> String {
    format!("公告 {} 第 {} 行", r.notice, r.line)
}

fn line_detail(r: &NoticeLineRef) -> Detail {
    Detail::new(line_name_zh(r), line_name(r))
}

fn line_name(r: &NoticeLineRef) -> String {
    format!("line {} of notice {}", r.line, r.notice)
}

impl LedgerState {
    // ---- readers -------------------------------------------------------

    /// A notice.
    pub fn notice(&self, id: &Ident) -> Option<&NoticeRecord> {
        let i = *self.controls.notices.get(id)?;
        self.controls.notice_records.get(i as usize)
    }
    /// Every notice, in posting order.
    pub fn notices(&self) -> &[NoticeRecord] {
        &self.controls.notice_records
    }
    /// A line's status.
    pub fn line_status(&self, notice: &NoticeRecord, line: u32) -> Option<LineStatus> {
        if line >= notice.lines {
            return None;
        }
        let index = notice.first_line.checked_add(line)?;
        let rec = self.controls.lines.get(index as usize)?;
        Some(if rec.flags & WITHDRAWN != 0 {
            LineStatus::Withdrawn
        } else if self.controls.open_on_line.contains_key(&index) {
            LineStatus::Objected
        } else if rec.flags & PAID != 0 {
            LineStatus::Paid
        } else {
            LineStatus::Open
        })
    }
    /// A household's record.
    pub fn household(&self, household: &HouseholdRef) -> Option<&HouseholdRecord> {
        let i = *self.controls.households.get(household)?;
        self.controls.household_records.get(i as usize)
    }
    /// Every household known from a notice, in order of first sight.
    pub fn households(&self) -> &[HouseholdRecord] {
        &self.controls.household_records
    }
    /// An objection.
    pub fn objection(&self, case_no: &Ident) -> Option<&ObjectionRecord> {
        self.controls.objections.get(case_no)
    }
    /// Every objection, in order received.
    pub fn objections(&self) -> impl Iterator<Item = &ObjectionRecord> {
        self.controls
            .objection_order
            .iter()
            .filter_map(|id| self.controls.objections.get(id))
    }
    /// Was household subsidy `seq` confirmed?
    pub fn is_confirmed(&self, seq: u64) -> bool {
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        self.controls.confirmed.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }
    /// The business date (`YYYYMMDD`) of money entry `seq`.
    pub fn money_date(&self, seq: u64) -> Option<Date> {
        self.moves.get(seq).and_then(|m| Date::new(m.date).ok())
    }

    // ---- lookups shared by the checks ----------------------------------

    fn resolve_line(&self, r: &NoticeLineRef) -> Result<(&NoticeRecord, u32, &LineRecord), RuleError> {
        let notice = self.notice(&r.notice).ok_or_else(|| {
            RuleError::NotPublicized(Detail::new(
                format!("公告 {} 不存在", r.notice),
                format!("notice {} does not exist", r.notice),
            ))
        })?;
        if r.line >= notice.lines {
            return Err(RuleError::NotPublicized(Detail::new(
                format!("公告 {} 共 {} 行，没有第 {} 行", r.notice, notice.lines, r.line),
                format!(
                    "notice {} has {} lines, there is no line {}",
                    r.notice, notice.lines, r.line
                ),
            )));
        }
        let index = notice.first_line + r.line;
        let line = self
            .controls
            .lines
            .get(index as usize)
            .ok_or_else(|| RuleError::NotPublicized(line_detail(r)))?;
        Ok((notice, index, line))
    }

    /// The line may be relied on: not withdrawn, no open objection.
    fn line_standing(&self, r: &NoticeLineRef, index: u32, line: &LineRecord) -> Result<(), RuleError> {
        if line.flags & WITHDRAWN != 0 {
            let case_no = self
                .controls
                .withdrawn_by
                .get(&index)
                .cloned()
                .unwrap_or_else(|| r.notice.clone());
            return Err(RuleError::LineWithdrawn {
                notice: r.notice.clone(),
                line: r.line,
                case_no,
            });
        }
        if let Some(case_no) = self.controls.open_on_line.get(&index).and_then(|v| v.first()) {
            return Err(RuleError::ObjectionOpen {
                case_no: case_no.clone(),
                target: line_detail(r),
            });
        }
        Ok(())
    }

    /// A cited line may be relied on (exists, not withdrawn, no open objection).
    pub(in crate::rules) fn plan_line_standing(&self, r: &NoticeLineRef) -> Result<(), RuleError> {
        let (_, index, line) = self.resolve_line(r)?;
        self.line_standing(r, index, line)
    }

    fn household_index(&self, household: &HouseholdRef) -> Option<u32> {
        self.controls.households.get(household).copied()
    }

    // ---- checks --------------------------------------------------------

    // ---- commits (infallible: checked before) ---------------------------

    fn intern_household(&mut self, household: &HouseholdRef, village: RegionCode) -> u32 {
        if let Some(i) = self.controls.households.get(household) {
            return *i;
        }
        let i = u32::try_from(self.controls.household_records.len()).unwrap_or(u32::MAX - 1);
        self.controls.household_records.push(HouseholdRecord {
            household: *household,
            village,
            registrations: Vec::new(),
        });
        self.controls.households.insert(*household, i);
        i
    }
}

fn remove_open<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<Ident>>, key: K, case_no: &Ident) {
    if let Some(open) = map.get_mut(&key) {
        open.retain(|c| c != case_no);
        if open.is_empty() {
            map.remove(&key);
        }
    }
}

/// The period stored on household and project lines (never compared).
const NO_PERIOD: Period = Period { year: 2000, month: 0 };

fn category_index(c: AssistanceCategory) -> usize {
    AssistanceCategory::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(usize::MAX)
}

/// The assistance category stored on a household line.
fn assistance_category(index: u8) -> Option<AssistanceCategory> {
    AssistanceCategory::ALL.get(usize::from(index)).copied()
}

fn subsidy_index(c: SubsidyCategory) -> usize {
    SubsidyCategory::ALL.iter().position(|x| *x == c).unwrap_or(usize::MAX)
}

fn check_index(c: CheckKind) -> usize {
    match c {
        CheckKind::DataComparison => 0,
        CheckKind::HomeVerification => 1,
    }
}

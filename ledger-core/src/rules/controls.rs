//! The policy's controls (docs/FORMAT.md §6.4): notices and their windows,
//! the registration procedure (两公告两比对四公示), exits, objections,
//! payment lists and confirmations. Checks here never mutate; the
//! `commit_*` functions apply what was checked.
//!
//! Memory: a ledger of a million subsidies holds about as many payment-list
//! lines, so a line is a packed 24-byte record in one vector, found by its
//! notice's first index plus the line number; households are interned.

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
#[derive(Debug, Clone, Default)]
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
        let notice = self
            .notice(&r.notice)
            .ok_or_else(|| RuleError::NotPublicized(format!("notice {} does not exist", r.notice)))?;
        if r.line >= notice.lines {
            return Err(RuleError::NotPublicized(format!(
                "notice {} has {} lines, there is no line {}",
                r.notice, notice.lines, r.line
            )));
        }
        let index = notice.first_line + r.line;
        let line = self
            .controls
            .lines
            .get(index as usize)
            .ok_or_else(|| RuleError::NotPublicized(line_name(r)))?;
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
                target: line_name(r),
            });
        }
        Ok(())
    }

    fn household_index(&self, household: &HouseholdRef) -> Option<u32> {
        self.controls.households.get(household).copied()
    }

    // ---- checks --------------------------------------------------------

    pub(super) fn check_notice(&self, n: &Notice) -> Result<Vec<RegionCode>, RuleError> {
        if self.controls.notices.contains_key(&n.notice) {
            return Err(RuleError::DuplicateNotice(n.notice.clone()));
        }
        if n.lines.is_empty() || n.lines.len() > MAX_NOTICE_LINES {
            return Err(RuleError::Malformed(format!("a notice has 1-{MAX_NOTICE_LINES} lines")));
        }
        self.regions.require(n.region)?;
        if n.region.level() != expected_level(n.stage) {
            return Err(RuleError::UnknownRegion(format!(
                "a {} is posted in a {:?}-level region, not {}",
                n.stage.name(),
                expected_level(n.stage),
                n.region
            )));
        }
        let days = self.policy.publicity_days.of(n.stage);
        if n.start.plus_days(u32::from(days)).is_none() {
            return Err(RuleError::Malformed("the window ends after 2099".into()));
        }
        match (&n.lines, n.stage.lists_households(), n.stage) {
            (NoticeLines::Households(lines), true, _) => {
                for (i, line) in lines.iter().enumerate() {
                    self.regions.require(line.village)?;
                    if line.village.level() != RegionLevel::Village || !n.region.covers(line.village) {
                        return Err(RuleError::UnknownRegion(format!(
                            "line {i}: village {} is not a village under {}",
                            line.village, n.region
                        )));
                    }
                    if let Some(h) = self.household(&line.household) {
                        if h.village != line.village {
                            return Err(RuleError::Malformed(format!(
                                "line {i}: household {} belongs to village {}, not {}",
                                line.household, h.village, line.village
                            )));
                        }
                    }
                    if lines[..i]
                        .iter()
                        .any(|l| l.household == line.household && l.category == line.category)
                    {
                        return Err(RuleError::Malformed(format!(
                            "line {i}: household {} is listed twice for {}",
                            line.household,
                            line.category.name()
                        )));
                    }
                }
            }
            (NoticeLines::Payments(lines), false, NoticeStage::PaymentList) => {
                for (i, line) in lines.iter().enumerate() {
                    crate::amount::Fen::new(line.amount.get())?;
                    if let Some(h) = self.household(&line.household) {
                        if h.village != n.region {
                            return Err(RuleError::Malformed(format!(
                                "line {i}: household {} belongs to village {}, not {}",
                                line.household, h.village, n.region
                            )));
                        }
                    }
                    if lines[..i].iter().any(|l| {
                        l.household == line.household && l.category == line.category && l.period == line.period
                    }) {
                        return Err(RuleError::Malformed(format!(
                            "line {i}: household {} is listed twice for {} {}",
                            line.household,
                            line.category.name(),
                            line.period
                        )));
                    }
                }
            }
            (NoticeLines::Projects(ids), false, NoticeStage::ProjectPlan) => {
                for (i, id) in ids.iter().enumerate() {
                    if ids[..i].contains(id) {
                        return Err(RuleError::Malformed(format!("line {i}: project {id} is listed twice")));
                    }
                }
            }
            _ => {
                return Err(RuleError::Malformed(format!(
                    "a {} lists {}",
                    n.stage.name(),
                    match n.stage {
                        NoticeStage::PaymentList => "payments",
                        NoticeStage::ProjectPlan => "projects",
                        _ => "households",
                    }
                )))
            }
        }
        Ok(vec![n.region])
    }

    pub(super) fn check_household_check(&self, c: &HouseholdCheck) -> Result<Vec<RegionCode>, RuleError> {
        let (notice, _, _) = self.resolve_line(&c.application)?;
        if notice.stage != NoticeStage::Application {
            return Err(RuleError::ProcedureIncomplete(format!(
                "{} is on a {}, not an application announcement",
                line_name(&c.application),
                notice.stage.name()
            )));
        }
        if c.date < notice.start {
            return Err(RuleError::DateOutOfOrder {
                date: c.date,
                what: format!("application notice {}", notice.id),
                earlier: notice.start,
            });
        }
        Ok(vec![notice.region])
    }

    pub(super) fn check_register(&self, r: &HouseholdRegister) -> Result<Vec<RegionCode>, RuleError> {
        self.require_village(r.village)?;
        if let Some(h) = self.household(&r.household) {
            if h.village != r.village {
                return Err(RuleError::Malformed(format!(
                    "household {} belongs to village {}, not {}",
                    r.household, h.village, r.village
                )));
            }
            if let Some(current) = h.current(r.category) {
                return Err(RuleError::AlreadyRegistered {
                    household: r.household.to_string(),
                    category: r.category.name(),
                    seq: current.seq,
                });
            }
        }
        if !self.policy.categories.iter().any(|c| c.category == r.category) {
            return Err(RuleError::Malformed(format!(
                "assistance category {} is not in the policy",
                r.category.name()
            )));
        }
        let Some(notices) = &r.notices else {
            // History from before the control: accepted, reported by the audit.
            if r.date >= self.policy.enforced_from.registration {
                return Err(RuleError::ProcedureIncomplete(format!(
                    "registrations dated from {} on must cite the notices of 两公告四公示",
                    self.policy.enforced_from.registration
                )));
            }
            return Ok(vec![r.village]);
        };
        let mut previous_end: Option<(Date, &Ident)> = None;
        let mut application_index = 0;
        for (stage, line_ref) in notices.in_order() {
            let (notice, index, line) = self.resolve_line(line_ref).map_err(|_| {
                RuleError::ProcedureIncomplete(format!(
                    "the {} ({}) does not exist",
                    stage.label_zh(),
                    line_name(line_ref)
                ))
            })?;
            if notice.stage != stage {
                return Err(RuleError::ProcedureIncomplete(format!(
                    "{} is on a {}, where the {} was expected",
                    line_name(line_ref),
                    notice.stage.name(),
                    stage.name()
                )));
            }
            let household_ok = self.household_index(&r.household) == Some(line.household)
                && usize::from(line.category) == category_index(r.category);
            if !household_ok {
                return Err(RuleError::ProcedureIncomplete(format!(
                    "{} is not household {} applying for {}",
                    line_name(line_ref),
                    r.household,
                    r.category.name()
                )));
            }
            self.line_standing(line_ref, index, line)?;
            if let Some((ends, id)) = previous_end {
                if notice.start < ends {
                    return Err(RuleError::PublicityNotEnded {
                        notice: id.clone(),
                        ends,
                        what: stage.name(),
                        date: notice.start,
                    });
                }
            }
            if stage == NoticeStage::Application {
                application_index = index;
            }
            if stage == NoticeStage::VillagePublicity {
                // 两比对: both checks passed between the application and
                // the village publicity.
                let checks = self.controls.checks.get(&application_index);
                for kind in CheckKind::ALL {
                    match checks.and_then(|c| c[check_index(*kind)]) {
                        Some((date, true)) if date <= notice.start => {}
                        Some((_, false)) => {
                            return Err(RuleError::ProcedureIncomplete(format!(
                                "household {} did not pass the {}",
                                r.household,
                                kind.label_zh()
                            )))
                        }
                        _ => {
                            return Err(RuleError::ProcedureIncomplete(format!(
                                "no {} of household {} before the village publicity {}",
                                kind.label_zh(),
                                r.household,
                                notice.id
                            )))
                        }
                    }
                }
            }
            previous_end = Some((notice.ends, &notice.id));
        }
        if let Some((ends, id)) = previous_end {
            if r.date < ends {
                return Err(RuleError::PublicityNotEnded {
                    notice: id.clone(),
                    ends,
                    what: "household_register",
                    date: r.date,
                });
            }
        }
        Ok(vec![r.village])
    }

    /// An exit ends the category named on its announcement line (低保 ends
    /// by its own review, announced the same way); if that category ends
    /// with a poverty exit (脱贫), every other current category that does
    /// ends with it.
    pub(super) fn check_exit(&self, e: &HouseholdExit) -> Result<Vec<RegionCode>, RuleError> {
        self.require_village(e.village)?;
        let (notice, index, line) = self.resolve_line(&e.announcement)?;
        if notice.stage != NoticeStage::ExitAnnouncement || self.household_index(&e.household) != Some(line.household) {
            return Err(RuleError::ProcedureIncomplete(format!(
                "{} is not household {} on an exit announcement",
                line_name(&e.announcement),
                e.household
            )));
        }
        let category = assistance_category(line.category);
        let current = self
            .household(&e.household)
            .filter(|h| h.village == e.village)
            .and_then(|h| category.and_then(|c| h.current(c)));
        let Some(current) = current else {
            return Err(RuleError::NotRegistered {
                household: e.household.to_string(),
                category: category.map_or("the announced category", |c| c.name()),
                date: e.date,
            });
        };
        if e.date < current.from {
            return Err(RuleError::DateOutOfOrder {
                date: e.date,
                what: format!("the registration at entry {}", current.seq),
                earlier: current.from,
            });
        }
        self.line_standing(&e.announcement, index, line)?;
        if e.date < notice.ends {
            return Err(RuleError::PublicityNotEnded {
                notice: notice.id.clone(),
                ends: notice.ends,
                what: "household_exit",
                date: e.date,
            });
        }
        Ok(vec![e.village])
    }

    /// Is the household registered in `s.village`, on the payment's date, in
    /// a category that entitles it to the payment's category?
    pub(super) fn entitled(&self, s: &HouseholdSubsidy) -> bool {
        self.household(&s.household).is_some_and(|h| {
            h.village == s.village
                && self
                    .policy
                    .entitling(s.category)
                    .any(|c| h.registered_on(c, s.date).is_some())
        })
    }

    /// The payment-list and registration controls of a household subsidy
    /// (the money rules are in `content`). Returns the line it uses.
    pub(super) fn check_subsidy_controls(&self, s: &HouseholdSubsidy) -> Result<Option<u32>, RuleError> {
        let enforced = &self.policy.enforced_from;
        if s.date >= enforced.registration && !self.entitled(s) {
            return Err(RuleError::NotRegistered {
                household: s.household.to_string(),
                category: s.category.name(),
                date: s.date,
            });
        }
        let Some(r) = &s.notice else {
            if s.date >= enforced.payment_list {
                return Err(RuleError::NotPublicized(format!(
                    "payments dated from {} on must cite their payment-list line (发放公示)",
                    enforced.payment_list
                )));
            }
            return Ok(None);
        };
        let (notice, index, line) = self.resolve_line(r)?;
        let matches = notice.stage == NoticeStage::PaymentList
            && notice.region == s.village
            && self.household_index(&s.household) == Some(line.household)
            && usize::from(line.category) == subsidy_index(s.category)
            && line.period == s.period;
        if !matches {
            return Err(RuleError::NotPublicized(format!(
                "{} is not a payment-list line for household {} in {}, {} {}",
                line_name(r),
                s.household,
                s.village,
                s.category.name(),
                s.period
            )));
        }
        // Paying a line twice is refused whatever the date.
        if line.flags & PAID != 0 {
            return Err(RuleError::LinePaid {
                notice: r.notice.clone(),
                line: r.line,
            });
        }
        // History from before the control cites its line, but what the
        // line did not allow is reported (rules::history), not refused.
        if s.date >= enforced.payment_list {
            self.line_allows(s, r)?;
        }
        Ok(Some(index))
    }

    /// What a payment-list line allows: no more than its amount, nothing
    /// against it, its window over. `r` is known to resolve to a matching line.
    pub(super) fn line_allows(&self, s: &HouseholdSubsidy, r: &NoticeLineRef) -> Result<(), RuleError> {
        let (notice, index, line) = self.resolve_line(r)?;
        if s.amount.get() > line.amount {
            return Err(RuleError::AmountAboveNotice {
                notice: r.notice.clone(),
                line: r.line,
                allowed: line.amount,
                amount: s.amount.get(),
            });
        }
        self.line_standing(r, index, line)?;
        if s.date < notice.ends {
            return Err(RuleError::PublicityNotEnded {
                notice: notice.id.clone(),
                ends: notice.ends,
                what: "household_subsidy",
                date: s.date,
            });
        }
        Ok(())
    }

    fn target_region_and_date(&self, target: &ObjectionTarget) -> Result<(RegionCode, Date), RuleError> {
        match target {
            ObjectionTarget::NoticeLine(r) => {
                let (notice, _, _) = self
                    .resolve_line(r)
                    .map_err(|_| RuleError::UnknownTarget(line_name(r)))?;
                Ok((notice.region, notice.start))
            }
            ObjectionTarget::Entry(seq) => {
                let Some(m) = self.moves.get(*seq) else {
                    // A project registration (项目入库) may be objected to as
                    // well; a scan, on this rare path only.
                    let project = self.projects.values().find(|p| p.register_seq == *seq).ok_or_else(|| {
                        RuleError::UnknownTarget(format!("entry {seq} (a money entry or project registration)"))
                    })?;
                    return Ok((project.village, project.start));
                };
                let region = match m.project.and_then(|p| self.project_ids.get(p as usize)) {
                    Some(id) => self.projects.get(id).map(|p| p.village),
                    None => None,
                };
                let region = match region {
                    Some(r) => r,
                    None => {
                        let account = m
                            .from
                            .or(m.to)
                            .and_then(|a| self.accounts.get(a))
                            .ok_or_else(|| RuleError::UnknownTarget(format!("money entry {seq}")))?;
                        self.account_region(account)?
                    }
                };
                let date = Date::new(m.date).map_err(|_| RuleError::UnknownTarget(format!("money entry {seq}")))?;
                Ok((region, date))
            }
        }
    }

    pub(super) fn check_objection(&self, o: &Objection) -> Result<Vec<RegionCode>, RuleError> {
        if self.controls.objections.contains_key(&o.case_no) {
            return Err(RuleError::DuplicateObjection(o.case_no.clone()));
        }
        let (region, date) = self.target_region_and_date(&o.target)?;
        if o.received < date {
            return Err(RuleError::DateOutOfOrder {
                date: o.received,
                what: "the notice or entry objected to".into(),
                earlier: date,
            });
        }
        Ok(vec![region])
    }

    pub(super) fn check_resolve(&self, r: &ObjectionResolve) -> Result<Vec<RegionCode>, RuleError> {
        let rec = self
            .controls
            .objections
            .get(&r.case_no)
            .ok_or_else(|| RuleError::UnknownObjection(r.case_no.clone()))?;
        if let Some((seq, _, _)) = rec.decided {
            return Err(RuleError::ObjectionClosed {
                case_no: r.case_no.clone(),
                seq,
            });
        }
        if r.date < rec.received {
            return Err(RuleError::DateOutOfOrder {
                date: r.date,
                what: format!("objection {}", r.case_no),
                earlier: rec.received,
            });
        }
        if r.outcome == ObjectionOutcome::Upheld {
            match &rec.target {
                ObjectionTarget::Entry(seq) => {
                    if self.moves.reversed_by(*seq).is_none() {
                        return Err(RuleError::PaymentNotReversed(*seq));
                    }
                }
                ObjectionTarget::NoticeLine(line_ref) => {
                    // A line already paid is withdrawn only once its payment is undone.
                    let (_, index, line) = self.resolve_line(line_ref)?;
                    if line.flags & PAID != 0 {
                        let seq = self.paid_by(index).unwrap_or_default();
                        return Err(RuleError::PaymentNotReversed(seq));
                    }
                }
            }
        }
        Ok(vec![rec.region])
    }

    /// The standing payment that used line `index` (a scan: only on the
    /// rare path of an upheld objection against a paid line).
    fn paid_by(&self, index: u32) -> Option<u64> {
        (0..self.next_seq).rev().find(|seq| {
            self.moves.get(*seq).is_some_and(|m| m.line == Some(index)) && self.moves.reversed_by(*seq).is_none()
        })
    }

    pub(super) fn check_confirm(&self, c: &PaymentConfirm) -> Result<Vec<RegionCode>, RuleError> {
        let m = self
            .moves
            .get(c.payment_seq)
            .filter(|m| m.from.is_some() && m.to.is_none() && m.project.is_none())
            .ok_or(RuleError::NotAPayment(c.payment_seq))?;
        if self.moves.reversed_by(c.payment_seq).is_some() {
            return Err(RuleError::NotAPayment(c.payment_seq));
        }
        if self.is_confirmed(c.payment_seq) {
            return Err(RuleError::AlreadyConfirmed(c.payment_seq));
        }
        let paid = Date::new(m.date).map_err(|_| RuleError::NotAPayment(c.payment_seq))?;
        if c.date < paid {
            return Err(RuleError::DateOutOfOrder {
                date: c.date,
                what: format!("payment entry {}", c.payment_seq),
                earlier: paid,
            });
        }
        // The household's village: its payment-list line's notice. History
        // paid without a line (before payment lists were enforced, when
        // confirmations are not required either) has only the paying
        // treasury to go by, so a key of that treasury's region confirms it.
        let region = match m.line.and_then(|l| self.controls.lines.get(l as usize)) {
            Some(line) => self
                .controls
                .notice_records
                .get(line.notice as usize)
                .map(|n| n.region)
                .ok_or(RuleError::NotAPayment(c.payment_seq))?,
            None => {
                let account = m
                    .from
                    .and_then(|a| self.accounts.get(a))
                    .ok_or(RuleError::NotAPayment(c.payment_seq))?;
                self.account_region(account)?
            }
        };
        Ok(vec![region])
    }

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

    pub(super) fn commit_notice(&mut self, seq: u64, n: &Notice) {
        let days = self.policy.publicity_days.of(n.stage);
        let ends = n.start.plus_days(u32::from(days)).unwrap_or(n.start);
        let notice_index = u32::try_from(self.controls.notice_records.len()).unwrap_or(u32::MAX);
        let first_line = u32::try_from(self.controls.lines.len()).unwrap_or(u32::MAX);
        let count = u32::try_from(n.lines.len()).unwrap_or(0);
        match &n.lines {
            NoticeLines::Households(lines) => {
                for line in lines {
                    let household = self.intern_household(&line.household, line.village);
                    self.controls.lines.push(LineRecord {
                        amount: 0,
                        household,
                        notice: notice_index,
                        period: NO_PERIOD,
                        category: category_index(line.category) as u8,
                        flags: 0,
                    });
                }
            }
            NoticeLines::Payments(lines) => {
                for line in lines {
                    let household = self.intern_household(&line.household, n.region);
                    self.controls.lines.push(LineRecord {
                        amount: line.amount.get(),
                        household,
                        notice: notice_index,
                        period: line.period,
                        category: subsidy_index(line.category) as u8,
                        flags: 0,
                    });
                }
            }
            NoticeLines::Projects(ids) => {
                for _ in ids {
                    self.controls.lines.push(LineRecord {
                        amount: 0,
                        household: u32::MAX,
                        notice: notice_index,
                        period: NO_PERIOD,
                        category: 0,
                        flags: 0,
                    });
                }
            }
        }
        self.controls.notices.insert(n.notice.clone(), notice_index);
        self.controls.notice_records.push(NoticeRecord {
            id: n.notice.clone(),
            seq,
            stage: n.stage,
            region: n.region,
            start: n.start,
            ends,
            first_line,
            lines: count,
        });
    }

    pub(super) fn commit_check(&mut self, c: &HouseholdCheck) {
        let Some(notice) = self.notice(&c.application.notice) else {
            return;
        };
        let index = notice.first_line + c.application.line;
        let slot = self.controls.checks.entry(index).or_default();
        slot[check_index(c.check)] = Some((c.date, c.passed));
    }

    pub(super) fn commit_register(&mut self, seq: u64, r: &HouseholdRegister) {
        let i = self.intern_household(&r.household, r.village);
        if let Some(h) = self.controls.household_records.get_mut(i as usize) {
            h.registrations.push(Registration {
                category: r.category,
                from: r.date,
                until: None,
                seq,
                ended_seq: None,
            });
        }
    }

    pub(super) fn commit_exit(&mut self, seq: u64, e: &HouseholdExit) {
        let Some(i) = self.household_index(&e.household) else {
            return;
        };
        let announced = self
            .notice(&e.announcement.notice)
            .and_then(|n| self.controls.lines.get((n.first_line + e.announcement.line) as usize))
            .and_then(|l| assistance_category(l.category));
        let Some(announced) = announced else { return };
        let poverty_exit = self.policy.ends_with_exit(announced);
        let policy = &self.policy;
        if let Some(h) = self.controls.household_records.get_mut(i as usize) {
            for r in h.registrations.iter_mut() {
                let ends = r.category == announced || (poverty_exit && policy.ends_with_exit(r.category));
                if r.until.is_none() && ends {
                    r.until = Some(e.date);
                    r.ended_seq = Some(seq);
                }
            }
        }
    }

    pub(super) fn commit_objection(&mut self, seq: u64, o: &Objection, region: RegionCode) {
        match &o.target {
            ObjectionTarget::NoticeLine(r) => {
                if let Some(notice) = self.notice(&r.notice) {
                    let index = notice.first_line + r.line;
                    self.controls
                        .open_on_line
                        .entry(index)
                        .or_default()
                        .push(o.case_no.clone());
                }
            }
            ObjectionTarget::Entry(target) => {
                self.controls
                    .open_on_entry
                    .entry(*target)
                    .or_default()
                    .push(o.case_no.clone());
            }
        }
        self.controls.objection_order.push(o.case_no.clone());
        self.controls.objections.insert(
            o.case_no.clone(),
            ObjectionRecord {
                case_no: o.case_no.clone(),
                seq,
                target: o.target.clone(),
                received: o.received,
                region,
                decided: None,
            },
        );
    }

    pub(super) fn commit_resolve(&mut self, seq: u64, r: &ObjectionResolve) {
        let Some(rec) = self.controls.objections.get_mut(&r.case_no) else {
            return;
        };
        rec.decided = Some((seq, r.outcome, r.date));
        let target = rec.target.clone();
        match target {
            ObjectionTarget::NoticeLine(line_ref) => {
                let Some(index) = self.notice(&line_ref.notice).map(|n| n.first_line + line_ref.line) else {
                    return;
                };
                remove_open(&mut self.controls.open_on_line, index, &r.case_no);
                if r.outcome == ObjectionOutcome::Upheld {
                    if let Some(line) = self.controls.lines.get_mut(index as usize) {
                        line.flags |= WITHDRAWN;
                    }
                    self.controls.withdrawn_by.insert(index, r.case_no.clone());
                }
            }
            ObjectionTarget::Entry(target) => remove_open(&mut self.controls.open_on_entry, target, &r.case_no),
        }
    }

    pub(super) fn commit_confirm(&mut self, c: &PaymentConfirm) {
        let (word, bit) = ((c.payment_seq / 64) as usize, c.payment_seq % 64);
        if self.controls.confirmed.len() <= word {
            self.controls.confirmed.resize(word + 1, 0);
        }
        if let Some(w) = self.controls.confirmed.get_mut(word) {
            *w |= 1 << bit;
        }
    }

    /// Mark a payment-list line paid (a subsidy) or free again (its reversal).
    pub(super) fn set_line_paid(&mut self, index: u32, paid: bool) {
        if let Some(line) = self.controls.lines.get_mut(index as usize) {
            if paid {
                line.flags |= PAID;
            } else {
                line.flags &= !PAID;
            }
        }
    }

    /// Open objections against money entry `seq`.
    pub fn open_objections_on_entry(&self, seq: u64) -> &[Ident] {
        self.controls.open_on_entry.get(&seq).map_or(&[], Vec::as_slice)
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

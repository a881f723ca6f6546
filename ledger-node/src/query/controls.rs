//! The policy's controls as readers see them (issue 12): notices with their
//! windows and the status of each line, households registered per village,
//! objections and their decisions, and per household payment its
//! confirmation and the history warnings it carries.
//!
//! Recorded by the committer after the flush, like every aggregate here
//! (never by a read handler, never from the rule state, which may run
//! ahead of the disk).
//!
//! # Memory
//!
//! A million subsidies means about as many payment-list lines and
//! confirmations, so what is kept per line and per payment is small and
//! fixed: a line is the 8-byte sequence number of the payment that used it
//! (`NO_SEQ` while unpaid); a confirmation is one (payment, confirming
//! entry) pair of 32-bit sequence numbers (≈ 16 MiB at a million, measured
//! by `controls_scale_one_million_listed_and_confirmed_payments`). Titles, masked names, amounts, summaries, reasons, dates
//! and methods of confirmations stay in the entries: the read API fetches
//! them from the store by sequence number, as it does for every entry it
//! shows. Withdrawn lines, objections and history warnings are rare and
//! kept in maps.

use ledger_core::entry::{EntryBody, HouseholdSubsidy};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::{Date, Ident};
use ledger_core::policy::Policy;
use ledger_core::procedure::{
    AssistanceCategory, ConfirmMethod, HouseholdExit, HouseholdRegister, Notice, NoticeLineRef, NoticeLines,
    NoticeStage, Objection, ObjectionChannel, ObjectionOutcome, ObjectionResolve, ObjectionTarget, PaymentConfirm,
};
use ledger_core::region::{RegionCode, RegionLevel};
use ledger_core::rules::{Effects, HistoryWarning};
use std::collections::HashMap;

use super::QueryIndex;

/// A line no payment used.
const NO_SEQ: u64 = u64::MAX;

/// A notice as the read API lists it.
#[derive(Debug, Clone)]
pub struct NoticeInfo {
    /// Id.
    pub id: Ident,
    /// The posting entry (its title and lines are read from it).
    pub seq: u64,
    /// Stage.
    pub stage: NoticeStage,
    /// Where it was posted.
    pub region: RegionCode,
    /// Title as posted (notices are few: a title per notice is cheap).
    pub title: String,
    /// First day of the window.
    pub start: Date,
    /// First day after the window (start + the policy's days at posting).
    pub ends: Date,
    /// Index of its first line in the line table.
    pub first_line: u32,
    /// Number of lines.
    pub lines: u32,
}

/// Where a notice line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineState {
    /// Nothing against it, not paid.
    Open,
    /// A standing payment used it (payment lists).
    Paid(u64),
    /// An objection against it is open.
    Objected,
    /// Withdrawn after an upheld objection.
    Withdrawn,
}

/// A household's registration in one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationInfo {
    /// The category.
    pub category: AssistanceCategory,
    /// From this date on.
    pub from: Date,
    /// Ended from this date on (an exit), if it ended.
    pub until: Option<Date>,
    /// The registering entry.
    pub seq: u64,
    /// The exit that ended it.
    pub ended_seq: Option<u64>,
    /// Did it go through the notices of 两公告四公示 (false: history
    /// registered before the control)?
    pub procedure: bool,
}

/// A registered household.
#[derive(Debug, Clone)]
pub struct HouseholdInfo {
    /// The household.
    pub household: HouseholdRef,
    /// Its village.
    pub village: RegionCode,
    /// Its registrations, oldest first.
    pub registrations: Vec<RegistrationInfo>,
}

impl HouseholdInfo {
    /// Is it registered in some category now (a registration not ended)?
    pub fn registered_now(&self) -> bool {
        self.registrations.iter().any(|r| r.until.is_none())
    }
}

/// An objection and its decision.
#[derive(Debug, Clone)]
pub struct ObjectionInfo {
    /// Case number.
    pub case_no: Ident,
    /// The recording entry (its summary is read from it).
    pub seq: u64,
    /// What it is against.
    pub target: ObjectionTarget,
    /// How it came in.
    pub channel: ObjectionChannel,
    /// When it was received.
    pub received: Date,
    /// The region of its target (the notice's, or the paying account's).
    pub region: RegionCode,
    /// For a household line of a town or district notice, the household's
    /// village (so the village's page lists it).
    pub village: Option<RegionCode>,
    /// The deciding entry, outcome and date (its reason is read from it).
    pub decided: Option<(u64, ObjectionOutcome, Date)>,
}

/// What the read API shows of the controls.
#[derive(Debug, Default)]
pub struct Controls {
    /// The policy in force (genesis, then each update).
    pub(super) policy: Policy,
    pub(super) notices: Vec<NoticeInfo>,
    pub(super) notice_ids: HashMap<Ident, u32>,
    /// Per region: notices posted in it or below it, and, for a village,
    /// the town and district notices listing its households (posting order).
    pub(super) notices_by_region: HashMap<RegionCode, Vec<u32>>,
    /// Town and district household notices (by first line): each line's
    /// village (such notices are few: one per round of publicity).
    pub(super) notice_villages: HashMap<u32, Vec<RegionCode>>,
    /// Per line: the payment that used it, or `NO_SEQ`.
    pub(super) line_paid: Vec<u64>,
    /// Withdrawn lines → the upheld objection (index).
    pub(super) line_withdrawn: HashMap<u32, u32>,
    /// Lines → every objection against them (indexes, in order received).
    pub(super) line_objections: HashMap<u32, Vec<u32>>,
    pub(super) households: Vec<HouseholdInfo>,
    pub(super) household_ids: HashMap<HouseholdRef, u32>,
    /// Per village: households ever registered there (indexes).
    pub(super) village_households: HashMap<RegionCode, Vec<u32>>,
    pub(super) objections: Vec<ObjectionInfo>,
    pub(super) objection_ids: HashMap<Ident, u32>,
    /// Payment → the entry confirming it and its date and method packed
    /// ([`pack_confirmed`]), all below 2^32 (every real log: ≈ 24 MiB at a
    /// million). Kept here so a village's payments are answered without
    /// reading every confirming entry back from the store (the read path's
    /// cost doubled with those reads; the entries were verified when
    /// recorded, like every aggregate of this index).
    pub(super) confirmations: HashMap<u32, (u32, u32)>,
    /// The same beyond 2^32 entries.
    pub(super) confirmations_wide: HashMap<u64, (u64, u32)>,
    /// Entry → the controls it broke before they were enforced.
    pub(super) warnings: HashMap<u64, Vec<HistoryWarning>>,
}

/// A payment's confirmation as the index knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Dated before confirmations were required.
    NotRequired,
    /// Confirmed by entry `by`, on `date`, by `method`.
    Confirmed {
        /// The confirming entry.
        by: u64,
        /// Its business date.
        date: Date,
        /// How.
        method: ConfirmMethod,
    },
    /// Not confirmed; the deadline (last day) is not past.
    Pending(Date),
    /// Not confirmed and the deadline (last day) is past.
    Overdue(Date),
}

/// A confirmation's date (`YYYYMMDD` < 2^25) and method (index < 8) in one
/// `u32`: the method in the top 4 bits.
fn pack_confirmed(date: Date, method: ConfirmMethod) -> u32 {
    let index = ConfirmMethod::ALL.iter().position(|m| *m == method).unwrap_or(0) as u32;
    date.get() | (index << 28)
}

fn unpack_confirmed(packed: u32) -> Option<(Date, ConfirmMethod)> {
    let date = Date::new(packed & 0x0fff_ffff).ok()?;
    let method = *ConfirmMethod::ALL.get((packed >> 28) as usize)?;
    Some((date, method))
}

impl QueryIndex {
    /// Record the control entries (called from [`QueryIndex::record`]).
    pub(super) fn record_controls(&mut self, seq: u64, body: &EntryBody, effects: &Effects) {
        if !effects.history_warnings.is_empty() {
            self.controls.warnings.insert(seq, effects.history_warnings.clone());
        }
        match body {
            EntryBody::Genesis(g) => self.controls.policy = g.policy.clone(),
            EntryBody::PolicyUpdate { policy } => self.controls.policy = policy.clone(),
            EntryBody::Notice(n) => self.record_notice(seq, n),
            EntryBody::HouseholdRegister(r) => self.record_register(seq, r),
            EntryBody::HouseholdExit(e) => self.record_exit(seq, e),
            EntryBody::Objection(o) => self.record_objection(seq, o, effects),
            EntryBody::ObjectionResolve(r) => self.record_resolve(seq, r),
            EntryBody::PaymentConfirm(c) => self.record_confirm(seq, c),
            EntryBody::HouseholdSubsidy(s) => self.mark_line(s, seq),
            _ => {}
        }
    }

    /// Subsidy `seq` used its line (the rule engine refuses a second
    /// payment on a line already paid).
    pub(super) fn mark_line(&mut self, s: &HouseholdSubsidy, seq: u64) {
        let Some(index) = s.notice.as_ref().and_then(|r| self.line_index(r)) else {
            return;
        };
        if let Some(slot) = self.controls.line_paid.get_mut(index as usize) {
            *slot = seq;
        }
    }

    /// A subsidy's reversal was folded in: its line is free again (if no
    /// later payment took it, which the rule engine does not allow anyway).
    pub(super) fn unmark_line(&mut self, target_seq: u64, s: &HouseholdSubsidy) {
        let Some(index) = s.notice.as_ref().and_then(|r| self.line_index(r)) else {
            return;
        };
        if let Some(slot) = self.controls.line_paid.get_mut(index as usize) {
            if *slot == target_seq {
                *slot = NO_SEQ;
            }
        }
    }

    fn line_index(&self, r: &NoticeLineRef) -> Option<u32> {
        let notice = self.notice(&r.notice)?;
        (r.line < notice.lines).then(|| notice.first_line.saturating_add(r.line))
    }

    fn record_notice(&mut self, seq: u64, n: &Notice) {
        if self.controls.notice_ids.contains_key(&n.notice) {
            return; // the rule engine refuses duplicates
        }
        let days = self.controls.policy.publicity_days.of(n.stage);
        let ends = n.start.plus_days(u32::from(days)).unwrap_or(n.start);
        let index = self.controls.notices.len() as u32;
        let first_line = self.controls.line_paid.len() as u32;
        let lines = n.lines.len() as u32;
        self.controls
            .line_paid
            .extend(std::iter::repeat_n(NO_SEQ, lines as usize));
        self.controls.notices.push(NoticeInfo {
            id: n.notice.clone(),
            seq,
            stage: n.stage,
            region: n.region,
            title: n.title.to_string(),
            start: n.start,
            ends,
            first_line,
            lines,
        });
        self.controls.notice_ids.insert(n.notice.clone(), index);
        let mut regions = self.lineage(n.region);
        if n.region.level() != RegionLevel::Village {
            if let NoticeLines::Households(list) = &n.lines {
                for line in list {
                    if !regions.contains(&line.village) {
                        regions.push(line.village);
                    }
                }
                self.controls
                    .notice_villages
                    .insert(first_line, list.iter().map(|l| l.village).collect());
            }
        }
        for code in regions {
            self.controls.notices_by_region.entry(code).or_default().push(index);
        }
    }

    fn record_register(&mut self, seq: u64, r: &HouseholdRegister) {
        let index = match self.controls.household_ids.get(&r.household) {
            Some(i) => *i,
            None => {
                let i = self.controls.households.len() as u32;
                self.controls.households.push(HouseholdInfo {
                    household: r.household,
                    village: r.village,
                    registrations: Vec::new(),
                });
                self.controls.household_ids.insert(r.household, i);
                self.controls.village_households.entry(r.village).or_default().push(i);
                i
            }
        };
        if let Some(h) = self.controls.households.get_mut(index as usize) {
            h.registrations.push(RegistrationInfo {
                category: r.category,
                from: r.date,
                until: None,
                seq,
                ended_seq: None,
                procedure: r.notices.is_some(),
            });
        }
    }

    fn record_exit(&mut self, seq: u64, e: &HouseholdExit) {
        let Some(index) = self.controls.household_ids.get(&e.household).copied() else {
            return;
        };
        let policy = &self.controls.policy;
        if let Some(h) = self.controls.households.get_mut(index as usize) {
            for r in h.registrations.iter_mut() {
                if r.until.is_none() && policy.ends_with_exit(r.category) {
                    r.until = Some(e.date);
                    r.ended_seq = Some(seq);
                }
            }
        }
    }

    fn record_objection(&mut self, seq: u64, o: &Objection, effects: &Effects) {
        if self.controls.objection_ids.contains_key(&o.case_no) {
            return;
        }
        let index = self.controls.objections.len() as u32;
        let mut village = None;
        let mut region = effects.regions.first().copied();
        if let ObjectionTarget::NoticeLine(r) = &o.target {
            if let Some(line) = self.line_index(r) {
                self.controls.line_objections.entry(line).or_default().push(index);
            }
            if let Some(n) = self.notice(&r.notice) {
                region = region.or(Some(n.region));
            }
        }
        if let ObjectionTarget::NoticeLine(r) = &o.target {
            // A household line of a town or district notice: its village.
            village = self
                .notice(&r.notice)
                .and_then(|n| self.controls.notice_villages.get(&n.first_line))
                .and_then(|v| v.get(r.line as usize).copied());
        }
        if let ObjectionTarget::Entry(_) = &o.target {
            // A household payment's village, when the rule engine knows it
            // from the payment's list line (most specific region last).
            village = effects.regions.get(1).copied();
        }
        let Some(region) = region else {
            return;
        };
        self.controls.objections.push(ObjectionInfo {
            case_no: o.case_no.clone(),
            seq,
            target: o.target.clone(),
            channel: o.channel,
            received: o.received,
            region,
            village,
            decided: None,
        });
        self.controls.objection_ids.insert(o.case_no.clone(), index);
    }

    fn record_resolve(&mut self, seq: u64, r: &ObjectionResolve) {
        let Some(index) = self.controls.objection_ids.get(&r.case_no).copied() else {
            return;
        };
        let Some(o) = self.controls.objections.get_mut(index as usize) else {
            return;
        };
        o.decided = Some((seq, r.outcome, r.date));
        if r.outcome == ObjectionOutcome::Upheld {
            if let ObjectionTarget::NoticeLine(line) = o.target.clone() {
                if let Some(line) = self.line_index(&line) {
                    self.controls.line_withdrawn.insert(line, index);
                }
            }
        }
    }

    fn record_confirm(&mut self, seq: u64, c: &PaymentConfirm) {
        let packed = pack_confirmed(c.date, c.method);
        match (u32::try_from(c.payment_seq), u32::try_from(seq)) {
            (Ok(payment), Ok(by)) => {
                self.controls.confirmations.entry(payment).or_insert((by, packed));
            }
            _ => {
                self.controls
                    .confirmations_wide
                    .entry(c.payment_seq)
                    .or_insert((seq, packed));
            }
        }
    }

    // ---- readers ---------------------------------------------------------

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.controls.policy
    }

    /// A notice by id.
    pub fn notice(&self, id: &Ident) -> Option<&NoticeInfo> {
        let i = *self.controls.notice_ids.get(id)?;
        self.controls.notices.get(i as usize)
    }

    /// A notice by index.
    pub fn notice_at(&self, index: u32) -> Option<&NoticeInfo> {
        self.controls.notices.get(index as usize)
    }

    /// The notices of a region (posted in it or below it; for a village also
    /// the higher notices listing its households), in posting order.
    pub fn notices_of(&self, code: RegionCode) -> &[u32] {
        self.controls.notices_by_region.get(&code).map_or(&[], Vec::as_slice)
    }

    /// Where line `line` of `notice` stands.
    pub fn line_state(&self, notice: &NoticeInfo, line: u32) -> LineState {
        let index = notice.first_line.saturating_add(line);
        if self.controls.line_withdrawn.contains_key(&index) {
            return LineState::Withdrawn;
        }
        let open = self.controls.line_objections.get(&index).is_some_and(|list| {
            list.iter()
                .any(|o| self.objection_at(*o).is_some_and(|o| o.decided.is_none()))
        });
        if open {
            return LineState::Objected;
        }
        match self.controls.line_paid.get(index as usize) {
            Some(&seq) if seq != NO_SEQ => LineState::Paid(seq),
            _ => LineState::Open,
        }
    }

    /// Every objection against line `line` of `notice`, in order received.
    pub fn line_objections(&self, notice: &NoticeInfo, line: u32) -> Vec<&ObjectionInfo> {
        let index = notice.first_line.saturating_add(line);
        self.controls
            .line_objections
            .get(&index)
            .map(|list| list.iter().filter_map(|o| self.objection_at(*o)).collect())
            .unwrap_or_default()
    }

    /// Households ever registered in `village`, in order of first registration.
    pub fn village_households(&self, village: RegionCode) -> &[u32] {
        self.controls
            .village_households
            .get(&village)
            .map_or(&[], Vec::as_slice)
    }

    /// A registered household by index.
    pub fn household_at(&self, index: u32) -> Option<&HouseholdInfo> {
        self.controls.households.get(index as usize)
    }

    /// A household's registrations, if it was ever registered.
    pub fn registered_household(&self, household: &HouseholdRef) -> Option<&HouseholdInfo> {
        let i = *self.controls.household_ids.get(household)?;
        self.controls.households.get(i as usize)
    }

    /// Every objection, in order received.
    pub fn objections(&self) -> &[ObjectionInfo] {
        &self.controls.objections
    }

    /// An objection by index.
    pub fn objection_at(&self, index: u32) -> Option<&ObjectionInfo> {
        self.controls.objections.get(index as usize)
    }

    /// The history warnings of entry `seq`.
    pub fn warnings(&self, seq: u64) -> &[HistoryWarning] {
        self.controls.warnings.get(&seq).map_or(&[], Vec::as_slice)
    }

    /// The confirmation status of household payment `seq` dated `date`, on `today`.
    pub fn confirmation(&self, seq: u64, date: Date, today: Date) -> Confirmation {
        let found = match u32::try_from(seq) {
            Ok(narrow) => self
                .controls
                .confirmations
                .get(&narrow)
                .map(|(by, packed)| (u64::from(*by), *packed)),
            Err(_) => None,
        }
        .or_else(|| self.controls.confirmations_wide.get(&seq).copied());
        if let Some((by, packed)) = found {
            if let Some((date, method)) = unpack_confirmed(packed) {
                return Confirmation::Confirmed { by, date, method };
            }
        }
        if date < self.controls.policy.enforced_from.confirmation {
            return Confirmation::NotRequired;
        }
        let deadline = date
            .plus_days(u32::from(self.controls.policy.confirmation_days))
            .unwrap_or(Date::LAST);
        if today > deadline {
            Confirmation::Overdue(deadline)
        } else {
            Confirmation::Pending(deadline)
        }
    }

    /// Approximate heap bytes of the controls' tables.
    pub(super) fn controls_heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let c = &self.controls;
        let hash_map = |capacity: usize, slot: usize| capacity * (slot + 1);
        c.notices.capacity() * size_of::<NoticeInfo>()
            + c.notices.iter().map(|n| n.title.capacity()).sum::<usize>()
            + hash_map(c.notice_ids.capacity(), size_of::<(Ident, u32)>())
            + c.notices_by_region
                .values()
                .map(|v| v.capacity() * 4 + size_of::<(RegionCode, Vec<u32>)>() + 1)
                .sum::<usize>()
            + c.line_paid.capacity() * 8
            + hash_map(c.line_withdrawn.capacity(), 8)
            + c.notice_villages
                .values()
                .map(|v| v.capacity() * size_of::<RegionCode>() + 40)
                .sum::<usize>()
            + c.line_objections
                .values()
                .map(|v| v.capacity() * 4 + size_of::<(u32, Vec<u32>)>() + 1)
                .sum::<usize>()
            + c.households
                .iter()
                .map(|h| h.registrations.capacity() * size_of::<RegistrationInfo>())
                .sum::<usize>()
            + c.households.capacity() * size_of::<HouseholdInfo>()
            + hash_map(c.household_ids.capacity(), size_of::<(HouseholdRef, u32)>())
            + c.village_households
                .values()
                .map(|v| v.capacity() * 4 + size_of::<(RegionCode, Vec<u32>)>() + 1)
                .sum::<usize>()
            + c.objections.capacity() * size_of::<ObjectionInfo>()
            + hash_map(c.objection_ids.capacity(), size_of::<(Ident, u32)>())
            + hash_map(c.confirmations.capacity(), 12)
            + hash_map(c.confirmations_wide.capacity(), 20)
            + c.warnings
                .values()
                .map(|v| {
                    v.iter()
                        .map(|w| w.message.capacity() + size_of::<HistoryWarning>())
                        .sum::<usize>()
                        + 32
                })
                .sum::<usize>()
    }
}

//! The controls' part of an atomic group's undo (`rules::group`): the
//! pre-images of exactly what committing one entry will change, so taking
//! a group back never copies the controls' tables (a line per payment-list
//! line: a million at a million payments).
//!
//! Appends (notices, lines, households, objections, confirmation words)
//! are undone by the tables' lengths before the entry; the few changes in
//! place (a line's flags, a check's result, a household's registrations,
//! an objection's decision and the open lists) by their old values.

use crate::entry::EntryBody;
use crate::ids::{Date, Ident};
use crate::procedure::ObjectionTarget;

use super::super::LedgerState;
use super::{ObjectionRecord, Registration};

/// The lengths of the controls' append-only tables.
#[derive(Debug, Clone, Copy)]
pub(in crate::rules) struct Lens {
    notices: usize,
    lines: usize,
    households: usize,
    objections: usize,
    confirmed: usize,
}

/// One pre-image of the controls.
#[derive(Debug, Clone)]
pub(in crate::rules) enum ControlsUndo {
    /// The append-only tables' lengths.
    Lens(Lens),
    /// A line's flags (paid, withdrawn).
    LineFlags { index: u32, flags: u8 },
    /// An application line's check results.
    Check {
        index: u32,
        old: Option<[Option<(Date, bool)>; 2]>,
    },
    /// A household's registrations.
    Registrations { household: u32, old: Vec<Registration> },
    /// The open objections on a line.
    OpenOnLine { index: u32, old: Option<Vec<Ident>> },
    /// The open objections on an entry.
    OpenOnEntry { seq: u64, old: Option<Vec<Ident>> },
    /// An objection before its decision.
    Objection { old: Box<ObjectionRecord> },
    /// Which objection withdrew a line.
    WithdrawnBy { index: u32, old: Option<Ident> },
    /// A word of the confirmation bits.
    Confirmed { word: usize, old: u64 },
}

impl LedgerState {
    fn lens(&self) -> ControlsUndo {
        let c = &self.controls;
        ControlsUndo::Lens(Lens {
            notices: c.notice_records.len(),
            lines: c.lines.len(),
            households: c.household_records.len(),
            objections: c.objection_order.len(),
            confirmed: c.confirmed.len(),
        })
    }

    fn line_flags(&self, index: u32) -> Option<ControlsUndo> {
        let flags = self.controls.lines.get(index as usize)?.flags;
        Some(ControlsUndo::LineFlags { index, flags })
    }

    fn open_on_line_was(&self, index: u32) -> ControlsUndo {
        ControlsUndo::OpenOnLine {
            index,
            old: self.controls.open_on_line.get(&index).cloned(),
        }
    }

    fn open_on_entry_was(&self, seq: u64) -> ControlsUndo {
        ControlsUndo::OpenOnEntry {
            seq,
            old: self.controls.open_on_entry.get(&seq).cloned(),
        }
    }

    fn registrations_was(&self, household: u32) -> Option<ControlsUndo> {
        let record = self.controls.household_records.get(household as usize)?;
        Some(ControlsUndo::Registrations {
            household,
            old: record.registrations.clone(),
        })
    }

    /// What committing `body` (checked) will change in the controls, as
    /// it is now (a household payment's line is journalled by the hot
    /// path, `journal_line`). Mirrors the `commit_*` functions of this module: a new
    /// change there needs its pre-image here (the groups tests compare
    /// the whole state after taking back groups of every kind).
    pub(in crate::rules) fn controls_preimages(&self, body: &EntryBody) -> Vec<ControlsUndo> {
        let mut out = Vec::new();
        match body {
            EntryBody::Notice(_) => out.push(self.lens()),
            EntryBody::HouseholdCheck(c) => {
                if let Some(n) = self.notice(&c.application.notice) {
                    let index = n.first_line + c.application.line;
                    out.push(ControlsUndo::Check {
                        index,
                        old: self.controls.checks.get(&index).copied(),
                    });
                }
            }
            EntryBody::HouseholdRegister(r) => {
                out.push(self.lens());
                out.extend(
                    self.household_index(&r.household)
                        .and_then(|i| self.registrations_was(i)),
                );
            }
            EntryBody::HouseholdExit(e) => {
                out.extend(
                    self.household_index(&e.household)
                        .and_then(|i| self.registrations_was(i)),
                );
            }
            EntryBody::Objection(o) => {
                out.push(self.lens());
                match &o.target {
                    ObjectionTarget::NoticeLine(r) => {
                        if let Some(n) = self.notice(&r.notice) {
                            out.push(self.open_on_line_was(n.first_line + r.line));
                        }
                    }
                    ObjectionTarget::Entry(seq) => out.push(self.open_on_entry_was(*seq)),
                }
            }
            EntryBody::ObjectionResolve(r) => {
                if let Some(rec) = self.controls.objections.get(&r.case_no) {
                    out.push(ControlsUndo::Objection {
                        old: Box::new(rec.clone()),
                    });
                    match &rec.target {
                        ObjectionTarget::NoticeLine(line_ref) => {
                            if let Some(n) = self.notice(&line_ref.notice) {
                                let index = n.first_line + line_ref.line;
                                out.push(self.open_on_line_was(index));
                                out.extend(self.line_flags(index));
                                out.push(ControlsUndo::WithdrawnBy {
                                    index,
                                    old: self.controls.withdrawn_by.get(&index).cloned(),
                                });
                            }
                        }
                        ObjectionTarget::Entry(seq) => out.push(self.open_on_entry_was(*seq)),
                    }
                }
            }
            EntryBody::PaymentConfirm(c) => {
                out.push(self.lens());
                let word = (c.payment_seq / 64) as usize;
                if let Some(old) = self.controls.confirmed.get(word) {
                    out.push(ControlsUndo::Confirmed { word, old: *old });
                }
            }
            EntryBody::Reversal(r) => {
                // The payment-list line it frees.
                let line = self.moves.get(r.target_seq).and_then(|m| m.line);
                out.extend(line.and_then(|i| self.line_flags(i)));
            }
            _ => {}
        }
        out
    }

    /// Restore one pre-image.
    pub(in crate::rules) fn undo_controls(&mut self, step: ControlsUndo) {
        let c = &mut self.controls;
        match step {
            ControlsUndo::Lens(lens) => {
                for n in c.notice_records.drain(lens.notices.min(c.notice_records.len())..) {
                    c.notices.remove(&n.id);
                }
                c.lines.truncate(lens.lines);
                for h in c
                    .household_records
                    .drain(lens.households.min(c.household_records.len())..)
                {
                    c.households.remove(&h.household);
                }
                for case_no in c.objection_order.drain(lens.objections.min(c.objection_order.len())..) {
                    c.objections.remove(&case_no);
                }
                c.confirmed.truncate(lens.confirmed);
            }
            ControlsUndo::LineFlags { index, flags } => {
                if let Some(line) = c.lines.get_mut(index as usize) {
                    line.flags = flags;
                }
            }
            ControlsUndo::Check { index, old } => match old {
                Some(v) => {
                    c.checks.insert(index, v);
                }
                None => {
                    c.checks.remove(&index);
                }
            },
            ControlsUndo::Registrations { household, old } => {
                if let Some(h) = c.household_records.get_mut(household as usize) {
                    h.registrations = old;
                }
            }
            ControlsUndo::OpenOnLine { index, old } => match old {
                Some(v) => {
                    c.open_on_line.insert(index, v);
                }
                None => {
                    c.open_on_line.remove(&index);
                }
            },
            ControlsUndo::OpenOnEntry { seq, old } => match old {
                Some(v) => {
                    c.open_on_entry.insert(seq, v);
                }
                None => {
                    c.open_on_entry.remove(&seq);
                }
            },
            ControlsUndo::Objection { old } => {
                c.objections.insert(old.case_no.clone(), *old);
            }
            ControlsUndo::WithdrawnBy { index, old } => match old {
                Some(v) => {
                    c.withdrawn_by.insert(index, v);
                }
                None => {
                    c.withdrawn_by.remove(&index);
                }
            },
            ControlsUndo::Confirmed { word, old } => {
                if let Some(w) = c.confirmed.get_mut(word) {
                    *w = old;
                }
            }
        }
    }
}

//! Committing a checked entry: records, balances, the movement table and
//! the effects the node indexes.

use crate::amount::{Fen, MAX_ENTRY_FEN};
use crate::entry::EntryBody;
use crate::moves::{MoneyMove, MAX_INTERNED};
use crate::region::RegionCode;

use super::projects::StageStep;
use super::state::Staged;
use super::{Effects, FundRecord, KeyRecord, LedgerState, ProjectRecord};
use crate::money::{apply_leg, Direction};

impl LedgerState {
    /// Apply a checked entry. Infallible: every check was done before.
    pub(super) fn commit(&mut self, seq: u64, body: &EntryBody, regions: Vec<RegionCode>, staged: Staged) -> Effects {
        let mut effects = Effects {
            regions,
            ..Effects::default()
        };
        let mut line: Option<u32> = None;
        match body {
            EntryBody::KeyGrant(grant) => {
                self.keys.insert(
                    grant.key,
                    KeyRecord {
                        grant: grant.clone(),
                        granted_seq: seq,
                        revoked_seq: None,
                    },
                );
            }
            EntryBody::KeyRevoke { key, .. } => {
                if let Some(rec) = self.keys.get_mut(key) {
                    rec.revoked_seq = Some(seq);
                }
            }
            EntryBody::RegionRegister { regions } => {
                // Checked on a clone in check_content; cannot fail here.
                let _ = self.regions.register(regions);
            }
            EntryBody::PolicyUpdate { policy } => self.policy = policy.clone(),
            EntryBody::LogKeyRotate { log_vkey, .. } => self.log_vkeys.push((seq + 1, log_vkey.clone())),
            EntryBody::ContactsUpdate(update) => self.contacts.record(seq, update),
            EntryBody::FundIssue(issue) => {
                self.funds.insert(
                    issue.fund.clone(),
                    FundRecord {
                        facts: issue.facts(),
                        issued: issue.amount,
                        issue_seq: seq,
                        issued_to: issue.to.clone(),
                        issue_date: issue.date,
                    },
                );
            }
            EntryBody::ProjectRegister(p) => {
                let i = u32::try_from(self.project_ids.len())
                    .unwrap_or(MAX_INTERNED)
                    .min(MAX_INTERNED);
                self.project_ids.push(p.project.clone());
                self.project_index.insert(p.project.clone(), i);
                self.projects.insert(
                    p.project.clone(),
                    ProjectRecord {
                        id: p.project.clone(),
                        name: p.name.to_string(),
                        village: p.village,
                        category: p.category,
                        budget: p.budget,
                        paid: Fen::ZERO,
                        register_seq: seq,
                        start: p.start,
                        stage: crate::project::ProjectStage::Proposed,
                        timeline: Vec::new(),
                        approval: None,
                        paid_by_fund: Vec::new(),
                        cancelled: None,
                    },
                );
                effects.project = Some(p.project.clone());
            }
            EntryBody::ProjectDisbursement(d) => {
                if let Some(p) = self.projects.get_mut(&d.project) {
                    p.paid = Fen::from_raw(p.paid.get().saturating_add(d.amount.get()));
                    p.record_payment(&d.fund, d.amount.get(), true);
                }
                effects.project = Some(d.project.clone());
            }
            EntryBody::HouseholdSubsidy(s) => {
                effects.household = Some(s.household);
                let (households, key) = self.payments.record(seq, s);
                self.journal_paid(key, households);
                line = s
                    .notice
                    .as_ref()
                    .and_then(|r| self.notice(&r.notice).map(|n| n.first_line + r.line));
                if let Some(index) = line {
                    self.journal_line(index);
                    self.set_line_paid(index, true);
                }
            }
            EntryBody::Notice(n) => self.commit_notice(seq, n),
            EntryBody::HouseholdCheck(c) => self.commit_check(c),
            EntryBody::HouseholdRegister(r) => {
                effects.household = Some(r.household);
                self.commit_register(seq, r);
            }
            EntryBody::HouseholdExit(e) => {
                effects.household = Some(e.household);
                self.commit_exit(seq, e);
            }
            EntryBody::Objection(o) => {
                let region = effects.regions.first().copied();
                if let Some(region) = region {
                    self.commit_objection(seq, o, region);
                }
            }
            EntryBody::ObjectionResolve(r) => self.commit_resolve(seq, r),
            EntryBody::ProjectReview(r) => {
                effects.project = Some(r.project.clone());
                self.commit_stage(seq, &r.project, r.date, StageStep::Review { passed: r.passed });
            }
            EntryBody::ProjectApprove(a) => {
                effects.project = Some(a.project.clone());
                self.commit_approve(seq, a);
            }
            EntryBody::ProjectStart(m) | EntryBody::ProjectAccept(m) | EntryBody::ProjectHandover(m) => {
                let step = match body {
                    EntryBody::ProjectStart(_) => StageStep::Start,
                    EntryBody::ProjectAccept(_) => StageStep::Accept,
                    _ => StageStep::Handover,
                };
                effects.project = Some(m.project.clone());
                self.commit_stage(seq, &m.project, m.date, step);
            }
            EntryBody::ProjectEvaluate(e) => {
                effects.project = Some(e.project.clone());
                self.commit_stage(seq, &e.project, e.date, StageStep::Evaluate);
            }
            EntryBody::ProjectAdjust(a) => {
                effects.project = Some(a.project.clone());
                self.commit_adjust(seq, a);
            }
            EntryBody::ProjectCancel(c) => {
                effects.project = Some(c.project.clone());
                self.commit_stage(seq, &c.project, c.date, StageStep::Cancel);
            }
            EntryBody::PaymentConfirm(c) => {
                effects.reverses = None;
                self.commit_confirm(c);
            }
            EntryBody::Reversal(r) => {
                effects.reverses = Some(r.target_seq);
                if let Some(m) = self.moves.get(r.target_seq) {
                    self.moves.set_reversed_by(r.target_seq, seq);
                    // An undone household payment frees its payment-list line.
                    if let Some(index) = m.line {
                        self.set_line_paid(index, false);
                    }
                    let (fund, project, amount) = (m.fund, m.project, m.amount);
                    if let Some(id) = project.and_then(|i| self.project_ids.get(i as usize)) {
                        effects.project = Some(id.clone());
                        let fund_id = self.fund_ids.get(fund).cloned();
                        if let Some(p) = self.projects.get_mut(id) {
                            p.paid = Fen::from_raw(p.paid.get().saturating_sub(amount));
                            if let Some(fund_id) = fund_id {
                                p.record_payment(&fund_id, amount, false);
                            }
                        }
                    }
                    if let Some(id) = self.fund_ids.get(fund).cloned() {
                        if let Some(f) = self.funds.get_mut(&id) {
                            if f.issue_seq == r.target_seq {
                                f.issued = Fen::ZERO;
                            }
                        }
                        effects.fund = Some(id);
                    }
                }
            }
            EntryBody::Genesis(_) | EntryBody::Transfer(_) => {}
        }
        if let Some(movement) = staged {
            let f = self.fund_ids.intern(&movement.fund);
            let (mut from, mut to) = (None, None);
            // The business date of the money: a reversal's own (the money
            // is back at its payer from that day on).
            let money_date = body.business_date();
            for (account, direction) in movement.clone().legs() {
                let ai = self.accounts.intern(&account);
                self.journal_leg((ai, f));
                match (direction, money_date) {
                    (Direction::Credit, Some(date)) => self.aging.credit(ai, f, date, movement.amount),
                    (Direction::Debit, _) => self.aging.debit(ai, f, movement.amount),
                    (Direction::Credit, None) => {}
                }
                let b = self.balances.entry((ai, f)).or_insert(0);
                // Bounded: every credit is at most MAX_ENTRY_FEN and sums of
                // fund money never exceed what was issued into the fund.
                *b = apply_leg(*b, movement.amount, direction).min(u64::MAX - MAX_ENTRY_FEN);
                match direction {
                    Direction::Debit => from = Some(ai),
                    Direction::Credit => to = Some(ai),
                }
                effects.accounts.push(account);
            }
            if !matches!(body, EntryBody::Reversal(_)) {
                let project = match body {
                    EntryBody::ProjectDisbursement(d) => self.project_index.get(&d.project).copied(),
                    _ => None,
                };
                self.moves.insert(
                    seq,
                    MoneyMove {
                        fund: f,
                        from,
                        to,
                        amount: movement.amount,
                        project,
                        date: body.business_date().map_or(0, |d| d.get()),
                        line,
                    },
                );
            }
            effects.fund = Some(movement.fund);
        }
        effects
    }
}

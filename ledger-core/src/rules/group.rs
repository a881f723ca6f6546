//! Atomic groups: undoing entries already applied when a later member of
//! their group is refused (the node's `atomic` and `check_only`
//! submissions, docs/API.md).
//!
//! [`LedgerState::apply`] leaves the state untouched when it refuses one
//! entry, but a group is checked entry by entry *on the state the earlier
//! members left* (a group may pay out of money it moved in earlier), so a
//! refusal of member `k` must take back members `0..k`. Cloning the state
//! for every group would copy its per-entry tables (a million movements and
//! nonces) and cost more than the group itself; instead, while a group is
//! open, `apply` journals the pre-image of exactly what it is about to
//! change, and [`LedgerState::rollback_group`] restores those in reverse.
//!
//! The hot kinds (household subsidies, transfers, project payments: the
//! bulk path) journal a few values each: the balances and aging lots of the
//! two accounts, the payment-list line, the project, the duplicate-payment
//! index (`duplicates`), the entry's nonce and movement slot. Every other kind (admin entries, notices, registrations,
//! objections, reversals…) is rare in a group, and the first of them in a
//! group journals a copy of the tables such kinds may touch (`Rare`): keys,
//! regions, policy, controls, funds, projects. One copy per group is enough:
//! taking the group back restores that copy over whatever later members
//! changed in those tables, and then undoes the members before it. The copy
//! grows with the ledger (the controls hold a line per payment-list line),
//! so a group with an admin, notice or procedure entry costs one such copy;
//! a group of payments and transfers costs none. Outside a group nothing is journalled: the single
//! submission path pays one `Option` test per entry.

use std::collections::HashMap;

use crate::aging::Lots;
use crate::encoding::{Bytes, Hash32};
use crate::entry::{EntryBody, Policy};
use crate::ids::Ident;
use crate::keys::PublicKey;
use crate::region::RegionTable;

use super::controls::Controls;
use super::{FundRecord, KeyRecord, LedgerState, ProjectRecord};

/// One pre-image, undone in reverse order of recording.
#[derive(Debug, Clone)]
pub(super) enum Undo {
    /// Entry `seq` was applied: the sequence, its nonce, its movement slot,
    /// and the interners' lengths before it.
    Entry {
        seq: u64,
        nonce: Bytes<16>,
        fund_ids: usize,
        accounts: usize,
    },
    /// A balance before a money leg (`None`: the key was absent).
    Balance { key: (u32, u32), old: Option<u64> },
    /// The aging lots before a money leg.
    Lots { key: (u32, u32), old: Option<Lots> },
    /// A payment-list line's paid bit before a payment.
    LinePaid { index: u32, was: bool },
    /// A project before a project payment.
    Project { id: Ident, old: Option<Box<ProjectRecord>> },
    /// A household payment recorded for the duplicate control, and the
    /// number of households known before it.
    Paid { key: u64, households: usize },
    /// A reversal mark set on `target`.
    ReversedBy { target: u64 },
    /// The small tables before a rare kind.
    Rare(Box<RareParts>),
}

/// The tables a rare kind may change, copied whole.
#[derive(Debug, Clone)]
pub(super) struct RareParts {
    origin: Option<String>,
    regions: RegionTable,
    keys: HashMap<PublicKey, KeyRecord>,
    policy: Policy,
    controls: Controls,
    funds: HashMap<Ident, FundRecord>,
    projects: HashMap<Ident, ProjectRecord>,
    project_ids: Vec<Ident>,
    project_index: HashMap<Ident, u32>,
    pseudonym_commitment: Option<Hash32>,
    log_vkeys: Vec<(u64, String)>,
    contacts: crate::contacts::ContactsTable,
}

/// Does applying this kind journal only the hot pre-images?
fn is_hot(body: &EntryBody) -> bool {
    matches!(
        body,
        EntryBody::HouseholdSubsidy(_) | EntryBody::Transfer(_) | EntryBody::ProjectDisbursement(_)
    )
}

impl LedgerState {
    /// Open a group: from now on every applied entry can be taken back with
    /// [`LedgerState::rollback_group`] until [`LedgerState::keep_group`].
    /// Opening a group while one is open keeps the open one's journal.
    pub fn begin_group(&mut self) {
        if self.journal.is_none() {
            self.journal = Some(Vec::new());
            self.journal_has_rare = false;
        }
    }

    /// Close the group, keeping every entry applied in it.
    pub fn keep_group(&mut self) {
        self.journal = None;
        self.journal_has_rare = false;
    }

    /// Close the group, taking back every entry applied since
    /// [`LedgerState::begin_group`]: the state is as it was then.
    pub fn rollback_group(&mut self) {
        let Some(steps) = self.journal.take() else { return };
        self.journal_has_rare = false;
        for step in steps.into_iter().rev() {
            self.undo(step);
        }
    }

    /// Is a group open?
    pub fn in_group(&self) -> bool {
        self.journal.is_some()
    }

    fn record(&mut self, step: Undo) {
        if let Some(journal) = &mut self.journal {
            journal.push(step);
        }
    }

    /// Before entry `seq` with `nonce` changes anything (every check passed).
    pub(super) fn journal_entry(&mut self, seq: u64, nonce: Bytes<16>, body: &EntryBody) {
        if self.journal.is_none() {
            return;
        }
        self.record(Undo::Entry {
            seq,
            nonce,
            fund_ids: self.fund_ids.len(),
            accounts: self.accounts.len(),
        });
        if !is_hot(body) && !self.journal_has_rare {
            self.journal_has_rare = true;
            let parts = RareParts {
                origin: self.origin.clone(),
                regions: self.regions.clone(),
                keys: self.keys.clone(),
                policy: self.policy.clone(),
                controls: self.controls.clone(),
                funds: self.funds.clone(),
                projects: self.projects.clone(),
                project_ids: self.project_ids.clone(),
                project_index: self.project_index.clone(),
                pseudonym_commitment: self.pseudonym_commitment,
                log_vkeys: self.log_vkeys.clone(),
                contacts: self.contacts.clone(),
            };
            self.record(Undo::Rare(Box::new(parts)));
        }
        if let EntryBody::ProjectDisbursement(d) = body {
            let old = self.projects.get(&d.project).cloned().map(Box::new);
            self.record(Undo::Project {
                id: d.project.clone(),
                old,
            });
        }
        if let EntryBody::Reversal(r) = body {
            self.record(Undo::ReversedBy { target: r.target_seq });
        }
    }

    /// Before a money leg changes `(account, fund)`.
    pub(super) fn journal_leg(&mut self, key: (u32, u32)) {
        if self.journal.is_none() {
            return;
        }
        let balance = self.balances.get(&key).copied();
        let lots = self.aging.lots(key);
        self.record(Undo::Balance { key, old: balance });
        self.record(Undo::Lots { key, old: lots });
    }

    /// Before a payment marks line `index` paid.
    pub(super) fn journal_line(&mut self, index: u32) {
        if self.journal.is_none() {
            return;
        }
        let was = self.line_paid(index);
        self.record(Undo::LinePaid { index, was });
    }

    /// After a household payment was recorded for the duplicate control.
    pub(super) fn journal_paid(&mut self, key: u64, households: usize) {
        self.record(Undo::Paid { key, households });
    }

    fn undo(&mut self, step: Undo) {
        match step {
            Undo::Entry {
                seq,
                nonce,
                fund_ids,
                accounts,
            } => {
                self.next_seq = seq;
                self.nonces.remove(&nonce);
                self.moves.truncate(seq);
                self.fund_ids.truncate(fund_ids);
                self.accounts.truncate(accounts);
            }
            Undo::Balance { key, old } => match old {
                Some(v) => {
                    self.balances.insert(key, v);
                }
                None => {
                    self.balances.remove(&key);
                }
            },
            Undo::Lots { key, old } => self.aging.restore(key, old),
            Undo::LinePaid { index, was } => self.set_line_paid(index, was),
            Undo::Project { id, old } => match old {
                Some(p) => {
                    self.projects.insert(id, *p);
                }
                None => {
                    self.projects.remove(&id);
                }
            },
            Undo::Paid { key, households } => self.payments.forget_last(key, households),
            Undo::ReversedBy { target } => self.moves.clear_reversed_by(target),
            Undo::Rare(parts) => {
                let parts = *parts;
                self.origin = parts.origin;
                self.regions = parts.regions;
                self.keys = parts.keys;
                self.policy = parts.policy;
                self.controls = parts.controls;
                self.funds = parts.funds;
                self.projects = parts.projects;
                self.project_ids = parts.project_ids;
                self.project_index = parts.project_index;
                self.pseudonym_commitment = parts.pseudonym_commitment;
                self.log_vkeys = parts.log_vkeys;
                self.contacts = parts.contacts;
            }
        }
    }
}

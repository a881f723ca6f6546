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
//! Every kind journals only what it is about to change, never a whole
//! table that grows with the ledger. The hot kinds (household subsidies,
//! transfers, project payments: the bulk path) journal a few values each:
//! the balances and aging lots of the two accounts, the payment-list line,
//! the project, the duplicate-payment index (`duplicates`), the entry's
//! nonce and movement slot. The other kinds journal their one record (a
//! key, a fund, a project), the lengths of the tables they append to, or
//! the pre-images of the controls they change (`controls::undo`); only the
//! small district-wide tables a rare admin entry replaces (the region
//! table, the policy, the contacts) are copied, and only by that entry.
//! The genesis, applied to an empty state, copies that empty state. Outside
//! a group nothing is journalled: the single submission path pays one
//! `Option` test per entry.

use std::collections::HashMap;

use crate::aging::Lots;
use crate::encoding::{Bytes, Hash32};
use crate::entry::{EntryBody, Policy};
use crate::ids::Ident;
use crate::keys::PublicKey;
use crate::region::RegionTable;

use super::controls::{Controls, ControlsUndo};
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
    /// A key's record before a grant or revocation.
    Key {
        key: PublicKey,
        old: Option<Box<KeyRecord>>,
    },
    /// A fund's record before its issue or the reversal of its issue.
    Fund { id: Ident, old: Option<Box<FundRecord>> },
    /// The projects interned before a project registration.
    ProjectIds { len: usize },
    /// The log keys before a rotation.
    LogVkeys { len: usize },
    /// The region table before a registration (district-wide, small).
    Regions(Box<RegionTable>),
    /// The policy before an update.
    Policy(Box<Policy>),
    /// The contacts before an update (one list per region, small).
    Contacts(Box<crate::contacts::ContactsTable>),
    /// A pre-image of the controls (`controls::undo`).
    Controls(ControlsUndo),
    /// The whole state's tables before the genesis (empty then: cheap).
    Genesis(Box<GenesisParts>),
}

/// What the genesis sets, as it was before (an empty state).
#[derive(Debug, Clone)]
pub(super) struct GenesisParts {
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
        }
    }

    /// Close the group, keeping every entry applied in it.
    pub fn keep_group(&mut self) {
        self.journal = None;
    }

    /// Close the group, taking back every entry applied since
    /// [`LedgerState::begin_group`]: the state is as it was then.
    pub fn rollback_group(&mut self) {
        let Some(steps) = self.journal.take() else { return };
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
        if is_hot(body) {
            if let EntryBody::ProjectDisbursement(d) = body {
                self.journal_project(&d.project);
            }
            return;
        }
        match body {
            EntryBody::Genesis(_) => {
                let parts = GenesisParts {
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
                self.record(Undo::Genesis(Box::new(parts)));
            }
            EntryBody::KeyGrant(g) => self.journal_key(g.key),
            EntryBody::KeyRevoke { key, .. } => self.journal_key(*key),
            EntryBody::RegionRegister { .. } => self.record(Undo::Regions(Box::new(self.regions.clone()))),
            EntryBody::PolicyUpdate { .. } => self.record(Undo::Policy(Box::new(self.policy.clone()))),
            EntryBody::LogKeyRotate { .. } => self.record(Undo::LogVkeys {
                len: self.log_vkeys.len(),
            }),
            EntryBody::ContactsUpdate(_) => self.record(Undo::Contacts(Box::new(self.contacts.clone()))),
            EntryBody::FundIssue(i) => self.journal_fund(&i.fund),
            EntryBody::ProjectRegister(p) => {
                self.journal_project(&p.project);
                self.record(Undo::ProjectIds {
                    len: self.project_ids.len(),
                });
            }
            EntryBody::ProjectReview(r) => self.journal_project(&r.project),
            EntryBody::ProjectApprove(a) => self.journal_project(&a.project),
            EntryBody::ProjectStart(m) | EntryBody::ProjectAccept(m) | EntryBody::ProjectHandover(m) => {
                self.journal_project(&m.project)
            }
            EntryBody::ProjectEvaluate(e) => self.journal_project(&e.project),
            EntryBody::ProjectAdjust(a) => self.journal_project(&a.project),
            EntryBody::ProjectCancel(c) => self.journal_project(&c.project),
            EntryBody::Reversal(r) => {
                self.record(Undo::ReversedBy { target: r.target_seq });
                // What a reversal changes besides the money legs: its
                // target's project and fund records.
                if let Some(m) = self.moves.get(r.target_seq) {
                    if let Some(id) = m.project.and_then(|i| self.project_ids.get(i as usize)).cloned() {
                        self.journal_project(&id);
                    }
                    if let Some(id) = self.fund_ids.get(m.fund).cloned() {
                        self.journal_fund(&id);
                    }
                }
            }
            _ => {}
        }
        for step in self.controls_preimages(body) {
            self.record(Undo::Controls(step));
        }
    }

    fn journal_project(&mut self, id: &Ident) {
        let old = self.projects.get(id).cloned().map(Box::new);
        self.record(Undo::Project { id: id.clone(), old });
    }

    fn journal_key(&mut self, key: PublicKey) {
        let old = self.keys.get(&key).cloned().map(Box::new);
        self.record(Undo::Key { key, old });
    }

    fn journal_fund(&mut self, id: &Ident) {
        let old = self.funds.get(id).cloned().map(Box::new);
        self.record(Undo::Fund { id: id.clone(), old });
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
            Undo::Key { key, old } => match old {
                Some(r) => {
                    self.keys.insert(key, *r);
                }
                None => {
                    self.keys.remove(&key);
                }
            },
            Undo::Fund { id, old } => match old {
                Some(r) => {
                    self.funds.insert(id, *r);
                }
                None => {
                    self.funds.remove(&id);
                }
            },
            Undo::ProjectIds { len } => {
                for id in self.project_ids.drain(len.min(self.project_ids.len())..) {
                    self.project_index.remove(&id);
                }
            }
            Undo::LogVkeys { len } => self.log_vkeys.truncate(len),
            Undo::Regions(old) => self.regions = *old,
            Undo::Policy(old) => self.policy = *old,
            Undo::Contacts(old) => self.contacts = *old,
            Undo::Controls(step) => self.undo_controls(step),
            Undo::Genesis(parts) => {
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

/// Two states are equal when every table is, as a reader sees it (the open
/// group's journal aside): what a group taken back must restore, and what
/// the groups tests compare. Destructured whole, so a new table cannot be
/// left out of the comparison.
impl PartialEq for LedgerState {
    fn eq(&self, other: &LedgerState) -> bool {
        let LedgerState {
            origin,
            next_seq,
            regions,
            keys,
            policy,
            controls,
            aging,
            funds,
            fund_ids,
            projects,
            project_ids,
            project_index,
            accounts,
            balances,
            moves,
            nonces,
            pseudonym_commitment,
            log_vkeys,
            contacts,
            payments,
            journal: _,
        } = self;
        *origin == other.origin
            && *next_seq == other.next_seq
            && *regions == other.regions
            && *keys == other.keys
            && *policy == other.policy
            && *controls == other.controls
            && *aging == other.aging
            && *funds == other.funds
            && *fund_ids == other.fund_ids
            && *projects == other.projects
            && *project_ids == other.project_ids
            && *project_index == other.project_index
            && *accounts == other.accounts
            && *balances == other.balances
            && *moves == other.moves
            && *nonces == other.nonces
            && *pseudonym_commitment == other.pseudonym_commitment
            && *log_vkeys == other.log_vkeys
            && *contacts == other.contacts
            && *payments == other.payments
    }
}

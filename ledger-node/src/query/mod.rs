//! In-memory aggregates for the public queries, updated after each durable
//! commit and rebuilt at start-up by the replay.
//!
//! # Memory
//!
//! Almost nothing here grows with the number of entries. What is kept grows
//! with the *things* the ledger talks about:
//!
//! * per region (a district has a few hundred): totals received, paid to
//!   households and to projects, held, by fund, source, category and year;
//! * per fund (tens per year): its metadata, its flows between accounts and
//!   to payees (one cell per (from, to) pair, households grouped per
//!   village), and its balance in each account;
//! * per project (hundreds): metadata, the amount paid per fund, and its
//!   library record (`stages`): about ten stage marks, the approved budget
//!   and its contracts;
//! * for idle money (`idle`): the dated lots of every (account, fund) —
//!   only credits make lots, so thousands, not one per entry;
//! * per payee (contractors: tens): id and name;
//! * per (household, village): the number of live payments (a 32-byte
//!   reference and a counter, ≈ 50 bytes), so that a region can say how many
//!   distinct households it paid without a store scan.
//!
//! * for the policy's controls (`controls`): per notice its id, title and
//!   window; per payment-list line the 8-byte sequence number of the payment
//!   that used it; per confirmed payment one (payment, confirmation) pair
//!   of 32-bit numbers in a hash map; per registered household its
//!   registrations; objections, withdrawn lines and history warnings (rare).
//!   Lines and confirmations are the only tables that grow with the entries:
//!   a million payments, each listed and confirmed, take ≈ 24 MiB
//!   (`controls_scale_one_million_listed_and_confirmed_payments`); masked
//!   names, amounts, summaries and reasons stay in the entries.
//!
//! Lists (a fund's movements, an account's entries) are not held here: the
//! read API pages them from the store's secondary indexes and reads the
//! entries themselves from the store. One exception, a region's household
//! payments (`RegionInfo::payments`, 4 bytes per payment and level): the
//! village page's rows, the hottest read, which paged from the region index
//! decoded every notice, check and confirmation of the village on the way.
//!
//! # Reversals
//!
//! Every aggregate is a sum, and a reversal is the exact negation of its
//! target's contribution. To negate it, the target's body is needed, which
//! is in the store, not here (keeping a copy of every money entry is what
//! this module avoids). So [`QueryIndex::record`] notes the pair
//! (reversal, target) as pending, and the writer — the committer after
//! each durable commit, `open_ledger` after the replay — reads the targets
//! from the store outside the lock, checks them against the Merkle tree,
//! and folds them in with [`QueryIndex::resolve_reversal`] in the same write
//! that records the batch (`ledger::load_reversal_targets`). Read handlers
//! only take read locks. Reversals are rare (a correction), so this costs
//! nothing in the common case and keeps `record` free of I/O. The writers
//! fold each reversal right after recording it when they can (the target is
//! read before the write lock is taken): the idle-money lots are the one
//! aggregate whose result depends on the order (`idle`). Because the
//! fold comes after the rest of its batch (at start-up, after the whole
//! replay), the money a reversal returns may already have been spent again
//! when it is folded: every sum is kept modulo 2^64 (`tally::signed`), so
//! the order does not matter and the folded result is exact
//! (`a_reversal_folded_after_the_money_was_spent_again_is_exact`).
//!
//! # Durability
//!
//! `record` is only ever called for durable entries (after the group
//! commit's flush, or during the replay of the store), so these aggregates
//! never show data a crash could take back. The rule state
//! ([`LedgerState`]) may run ahead of the disk while a batch is being
//! built; nothing here reads it.

//!
//! One module per view: `regions`, `funds`, `projects`, `stages` (the
//! project library), `idle` (资金滞留), `payees` (payees and households),
//! `accounts`; `tally` holds the signed updates they share and `memory` the
//! heap estimate. Paths stay `query::Name`.

mod accounts;
mod controls;
mod directory;
mod funds;
mod idle;
mod memory;
mod payees;
mod projects;
mod regions;
mod stages;
mod tally;
#[cfg(test)]
mod tests;

pub use accounts::AccountId;
pub use controls::{Confirmation, HouseholdInfo, LineState, NoticeInfo, ObjectionInfo, RegistrationInfo};
pub use directory::{KnownHousehold, Lookup};
pub use funds::{FlowNode, FundInfo};
pub use idle::IdleMoney;
pub use payees::PayeeInfo;
pub use projects::ProjectInfo;
pub use regions::{RegionAgg, RegionInfo};
pub use stages::{ApprovalInfo, ContractMark, ProjectStages, StageKind, StageMark};
pub use tally::Tally;

use ledger_core::chain::SequencedEntry;
use ledger_core::entry::{EntryBody, FundSource, ProjectCategory, SubsidyCategory};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::money::Sign;
use ledger_core::region::RegionCode;
use ledger_core::rules::Effects;
use std::collections::{BTreeMap, HashMap};
use tally::{apply_at, signed};

/// Number of [`FundSource`] values.
pub const SOURCE_COUNT: usize = FundSource::ALL.len();
/// Number of [`SubsidyCategory`] values.
pub const SUBSIDY_CATEGORY_COUNT: usize = SubsidyCategory::ALL.len();
/// Number of [`ProjectCategory`] values.
pub const PROJECT_CATEGORY_COUNT: usize = ProjectCategory::ALL.len();

/// Aggregates for the public queries.
#[derive(Debug, Default)]
pub struct QueryIndex {
    pub(super) title: String,
    pub(super) origin: String,
    pub(super) recorded: u64,
    pub(super) regions: BTreeMap<RegionCode, RegionInfo>,
    pub(super) funds: Vec<FundInfo>,
    pub(super) fund_ids: HashMap<Ident, u32>,
    pub(super) projects: Vec<ProjectInfo>,
    pub(super) project_ids: HashMap<Ident, u32>,
    pub(super) payees: Vec<PayeeInfo>,
    pub(super) payee_ids: HashMap<Ident, u32>,
    /// Live payments per (household, village).
    pub(super) households: HashMap<(HouseholdRef, RegionCode), u32>,
    /// Reversals recorded but not yet folded in: (reversal seq, target seq).
    pub(super) pending: Vec<(u64, u64)>,
    /// Notices, registrations, objections, confirmations, history warnings.
    pub(super) controls: controls::Controls,
    /// Dated lots per (account, fund) and the latest business date.
    pub(super) idle: idle::IdleIndex,
    /// Household codes, short references, village lists (`directory`).
    pub(super) directory: directory::Directory,
    /// The contacts in force per region (有疑问？; a few per region).
    pub(super) contacts: ledger_core::contacts::ContactsTable,
}

impl QueryIndex {
    /// Record a durable entry. Entries arrive in sequence order. Nothing here
    /// reads the rule state, which may run ahead of the disk (module docs).
    pub fn record(&mut self, entry: &SequencedEntry, effects: &Effects) {
        self.recorded = self.recorded.max(entry.seq.saturating_add(1));
        self.record_controls(entry.seq, &entry.signed.submission.body, effects);
        self.record_date(entry.seq, &entry.signed.submission.body);
        self.record_directory(&entry.signed.submission.body);
        let seq = entry.seq;
        match &entry.signed.submission.body {
            EntryBody::Genesis(g) => {
                self.title = g.title.to_string();
                self.origin = entry.signed.submission.origin.clone();
                self.register_regions(&g.regions);
            }
            EntryBody::RegionRegister { regions } => self.register_regions(regions),
            EntryBody::ProjectRegister(p) => {
                if self.project_ids.contains_key(&p.project) {
                    return; // the rule engine refuses duplicates; never twice here
                }
                let index = self.projects.len() as u32;
                self.projects.push(ProjectInfo {
                    id: p.project.clone(),
                    name: p.name.to_string(),
                    village: p.village,
                    category: p.category,
                    budget: p.budget.get(),
                    paid: Tally::default(),
                    implementer: p.implementer.to_string(),
                    start: p.start.get(),
                    end: p.end.get(),
                    register_seq: entry.seq,
                    stages: ProjectStages::default(),
                });
                self.project_ids.insert(p.project.clone(), index);
                for code in self.lineage(p.village) {
                    if let Some(r) = self.regions.get_mut(&code) {
                        r.agg.projects.push(index);
                    }
                }
            }
            EntryBody::Reversal(r) => self.pending.push((entry.seq, r.target_seq)),
            body @ (EntryBody::FundIssue(_)
            | EntryBody::Transfer(_)
            | EntryBody::ProjectDisbursement(_)
            | EntryBody::HouseholdSubsidy(_)) => {
                if let EntryBody::HouseholdSubsidy(s) = body {
                    self.post_payment(seq, s.village);
                }
                self.apply_money(entry.seq, body, Sign::Add);
                self.apply_aging(body, Sign::Add, None);
            }
            EntryBody::ProjectReview(r) => self.record_stage(seq, &r.project, r.date, StageKind::Review, r.passed),
            EntryBody::ProjectApprove(a) => {
                self.record_stage(seq, &a.project, a.date, StageKind::Approve, true);
                self.record_budget(seq, &a.project, a.date, &a.budgets, Some(&a.contract));
            }
            EntryBody::ProjectStart(m) => self.record_stage(seq, &m.project, m.date, StageKind::Start, true),
            EntryBody::ProjectAccept(m) => self.record_stage(seq, &m.project, m.date, StageKind::Accept, true),
            EntryBody::ProjectHandover(m) => self.record_stage(seq, &m.project, m.date, StageKind::Handover, true),
            EntryBody::ProjectEvaluate(e) => self.record_stage(seq, &e.project, e.date, StageKind::Evaluate, true),
            EntryBody::ProjectAdjust(a) => {
                self.record_stage(seq, &a.project, a.date, StageKind::Adjust, true);
                self.record_budget(seq, &a.project, a.date, &a.budgets, a.contract.as_ref());
            }
            EntryBody::ProjectCancel(c) => self.record_stage(seq, &c.project, c.date, StageKind::Cancel, true),
            EntryBody::ContactsUpdate(c) => self.contacts.record(seq, c),
            // The rest of the administration and the procedures (kept by
            // `record_controls` above) fold nothing here: their kinds are
            // listed once, in ledger-core's `EntryBody::book_effect`.
            _ => {}
        }
    }

    /// Reversals whose targets are not yet folded in: (reversal seq, target seq).
    pub fn pending_reversals(&self) -> &[(u64, u64)] {
        &self.pending
    }

    /// Fold in a pending reversal: take back everything its target added.
    /// `target` must be the body of entry `target_seq`, read from the store
    /// and checked against the Merkle tree by the caller. Returns false (and
    /// changes nothing) if the pair is not pending — another reader folded
    /// it in first.
    pub fn resolve_reversal(&mut self, reversal_seq: u64, target_seq: u64, target: &EntryBody) -> bool {
        let Some(position) = self.pending.iter().position(|p| *p == (reversal_seq, target_seq)) else {
            return false;
        };
        self.pending.remove(position);
        if let EntryBody::HouseholdSubsidy(s) = target {
            self.unmark_line(target_seq, s);
            self.directory.record_payment(s, Sign::Sub);
        }
        if matches!(
            target,
            EntryBody::FundIssue(_)
                | EntryBody::Transfer(_)
                | EntryBody::ProjectDisbursement(_)
                | EntryBody::HouseholdSubsidy(_)
        ) {
            self.apply_money(target_seq, target, Sign::Sub);
            self.apply_aging(target, Sign::Sub, Some(reversal_seq));
        }
        true
    }

    /// The log's title from genesis.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The log's origin from genesis.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Entries recorded so far.
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// Add (or take back) a money entry's contribution to every aggregate.
    pub(super) fn apply_money(&mut self, seq: u64, body: &EntryBody, sign: Sign) {
        match body {
            EntryBody::FundIssue(issue) => {
                let Some(to) = self.intern_account(&issue.to) else {
                    return;
                };
                let amount = issue.amount.get();
                let fund = match self.fund_ids.get(&issue.fund) {
                    Some(i) => *i,
                    None if sign == Sign::Add => {
                        let index = self.funds.len() as u32;
                        self.funds.push(FundInfo {
                            facts: issue.facts(),
                            issued: 0,
                            issue_seq: seq,
                            issued_to: to,
                            flows: BTreeMap::new(),
                            balances: BTreeMap::new(),
                            payees: BTreeMap::new(),
                        });
                        self.fund_ids.insert(issue.fund.clone(), index);
                        index
                    }
                    None => return,
                };
                if let Some(f) = self.funds.get_mut(fund as usize) {
                    f.issued = signed(f.issued, amount, sign);
                    apply_at(&mut f.flows, (FlowNode::Source, FlowNode::Account(to)), amount, sign);
                }
                let gained = self.account_region(to).map(|r| self.lineage(r)).unwrap_or_default();
                self.receive(&gained, fund, issue.source, amount, sign);
            }
            EntryBody::Transfer(t) => {
                let (Some(fund), Some(from), Some(to)) = (
                    self.fund_ids.get(&t.fund).copied(),
                    self.intern_account(&t.from),
                    self.intern_account(&t.to),
                ) else {
                    return;
                };
                let amount = t.amount.get();
                let Some(f) = self.funds.get_mut(fund as usize) else {
                    return;
                };
                let source = f.source;
                apply_at(
                    &mut f.flows,
                    (FlowNode::Account(from), FlowNode::Account(to)),
                    amount,
                    sign,
                );
                // Regions the money entered: above the receiver, not above the payer.
                let from_lineage = self.account_region(from).map(|r| self.lineage(r)).unwrap_or_default();
                let gained: Vec<RegionCode> = self
                    .account_region(to)
                    .map(|r| self.lineage(r))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| !from_lineage.contains(c))
                    .collect();
                self.receive(&gained, fund, source, amount, sign);
            }
            EntryBody::ProjectDisbursement(d) => self.apply_disbursement(d, sign),
            EntryBody::HouseholdSubsidy(s) => self.apply_subsidy(s, sign),
            _ => {}
        }
        self.apply_balances(body, sign);
    }
}

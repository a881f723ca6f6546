//! In-memory aggregates for the public queries, updated after each durable
//! commit and rebuilt at start-up by the replay.
//!
//! # Memory
//!
//! Nothing here grows with the number of entries. What is kept grows with
//! the *things* the ledger talks about:
//!
//! * per region (a district has a few hundred): totals received, paid to
//!   households and to projects, held, by fund, source, category and year;
//! * per fund (tens per year): its metadata, its flows between accounts and
//!   to payees (one cell per (from, to) pair, households grouped per
//!   village), and its balance in each account;
//! * per project (hundreds): metadata and the amount paid;
//! * per payee (contractors: tens): id and name;
//! * per (household, village): the number of live payments (a 32-byte
//!   reference and a counter, ≈ 50 bytes), so that a region can say how many
//!   distinct households it paid without a store scan.
//!
//! Lists (a village's subsidies, a fund's movements, an account's entries)
//! are never held here: the read API pages them from the store's secondary
//! indexes and reads the entries themselves from the store.
//!
//! # Reversals
//!
//! Every aggregate is a sum, and a reversal is the exact negation of its
//! target's contribution. To negate it, the target's body is needed, which
//! is in the store, not here (keeping a copy of every money entry is what
//! this module avoids). So [`QueryIndex::record`] notes the pair
//! (reversal, target) as pending, and the read API, before it reads any
//! aggregate, reads the pending targets from the store, checks them against
//! the Merkle tree, and folds them in with [`QueryIndex::resolve_reversal`].
//! Reversals are rare (a correction), so this costs nothing in the common
//! case and keeps `record` free of I/O.
//!
//! # Durability
//!
//! `record` is only ever called for durable entries (after the group
//! commit's flush, or during the replay of the store), so these aggregates
//! never show data a crash could take back. The rule state
//! ([`LedgerState`]) may run ahead of the disk while a batch is being
//! built; nothing here reads it.

use ledger_core::chain::SequencedEntry;
use ledger_core::entry::{
    Account, EntryBody, FundCategory, FundSource, HouseholdSubsidy, ProjectCategory, ProjectDisbursement,
    SubsidyCategory,
};
use ledger_core::household::HouseholdRef;
use ledger_core::ids::Ident;
use ledger_core::money::{self, apply_leg, Movement, Sign};
use ledger_core::region::{RegionCode, RegionDef, RegionLevel};
use ledger_core::rules::Effects;
use std::collections::{BTreeMap, HashMap};

/// Number of [`FundSource`] values.
pub const SOURCE_COUNT: usize = FundSource::ALL.len();
/// Number of [`SubsidyCategory`] values.
pub const SUBSIDY_CATEGORY_COUNT: usize = SubsidyCategory::ALL.len();
/// Number of [`ProjectCategory`] values.
pub const PROJECT_CATEGORY_COUNT: usize = ProjectCategory::ALL.len();

/// `value ± amount`, saturating. A reversal only ever takes back what its
/// target added, so saturation never actually happens; it only rules out a
/// panic (debug builds) or a wrap on a bug.
fn signed(value: u64, amount: u64, sign: Sign) -> u64 {
    match sign {
        Sign::Add => value.saturating_add(amount),
        Sign::Sub => value.saturating_sub(amount),
    }
}

/// Apply to the tally under `key`, dropping it once a reversal has taken
/// everything back (so a wholly reversed entry leaves no trace in memory).
fn apply_at<K: Ord>(map: &mut BTreeMap<K, Tally>, key: K, amount: u64, sign: Sign) {
    let tally = map.entry(key);
    match tally {
        std::collections::btree_map::Entry::Occupied(mut e) => {
            e.get_mut().apply(amount, sign);
            if *e.get() == Tally::default() {
                e.remove();
            }
        }
        std::collections::btree_map::Entry::Vacant(e) => {
            if sign == Sign::Add {
                e.insert(Tally::default()).apply(amount, sign);
            }
        }
    }
}

/// An amount with the number of entries that make it up (net of reversals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Fen.
    pub amount: u64,
    /// Entries.
    pub count: u64,
}

impl Tally {
    fn apply(&mut self, amount: u64, sign: Sign) {
        self.amount = signed(self.amount, amount, sign);
        self.count = signed(self.count, 1, sign);
    }
}

/// An account, with projects interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountId {
    /// A region's treasury.
    Treasury(RegionCode),
    /// A project's account (index into [`QueryIndex::projects`]).
    Project(u32),
}

/// A node of a fund's flow graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlowNode {
    /// The fund's external source (central budget, donation, …).
    Source,
    /// An account inside the ledger's custody.
    Account(AccountId),
    /// A contractor or supplier (index into [`QueryIndex::payees`]).
    Payee(u32),
    /// The households of one village, grouped: per-household cells would
    /// grow with the entries.
    Households(RegionCode),
}

/// Totals of a region's subtree (the region and everything below it).
#[derive(Debug, Clone, Default)]
pub struct RegionAgg {
    /// Money that entered the subtree's accounts from outside it (fund
    /// issues into it, transfers from above it), net of reversals.
    pub received: Tally,
    /// `received` per fund (fund index).
    pub received_by_fund: BTreeMap<u32, Tally>,
    /// Money held in the subtree's accounts now, by fund source.
    pub held_by_source: [u64; SOURCE_COUNT],
    /// Money paid to the subtree's households and projects, by fund source.
    pub benefit_by_source: [u64; SOURCE_COUNT],
    /// Subsidies to households of the subtree.
    pub subsidies: Tally,
    /// `subsidies` per [`SubsidyCategory`] (format order).
    pub subsidies_by_category: [Tally; SUBSIDY_CATEGORY_COUNT],
    /// `subsidies` per period year.
    pub subsidies_by_year: BTreeMap<u16, Tally>,
    /// Distinct (household, village) pairs with at least one live payment.
    pub households: u64,
    /// Payments to contractors for projects of the subtree.
    pub project_payments: Tally,
    /// `project_payments` per [`ProjectCategory`] (format order).
    pub project_payments_by_category: [Tally; PROJECT_CATEGORY_COUNT],
    /// Projects registered in the subtree (indexes, registration order).
    pub projects: Vec<u32>,
}

impl RegionAgg {
    /// Money held in the subtree's accounts.
    pub fn balance(&self) -> u64 {
        self.held_by_source.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// A registered region.
#[derive(Debug, Clone)]
pub struct RegionInfo {
    /// Official name.
    pub name: String,
    /// Registered children, in code order.
    pub children: Vec<RegionCode>,
    /// Subtree totals.
    pub agg: RegionAgg,
}

/// A fund and where its money went.
#[derive(Debug, Clone)]
pub struct FundInfo {
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
    /// Issued, net of a reversal of the issue.
    pub issued: u64,
    /// The issuing entry.
    pub issue_seq: u64,
    /// Where it was issued.
    pub issued_to: AccountId,
    /// Amount moved along each edge, net of reversals.
    pub flows: BTreeMap<(FlowNode, FlowNode), Tally>,
    /// What each account holds of the fund now.
    pub balances: BTreeMap<AccountId, u64>,
    /// Paid to each payee or village's households.
    pub payees: BTreeMap<FlowNode, Tally>,
}

/// A registered project.
#[derive(Debug, Clone)]
pub struct ProjectInfo {
    /// Id.
    pub id: Ident,
    /// Name.
    pub name: String,
    /// Village.
    pub village: RegionCode,
    /// Category.
    pub category: ProjectCategory,
    /// Budget.
    pub budget: u64,
    /// Paid to contractors, net of reversals.
    pub paid: Tally,
    /// 实施单位.
    pub implementer: String,
    /// Planned start, YYYYMMDD.
    pub start: u32,
    /// Planned end, YYYYMMDD.
    pub end: u32,
    /// The registering entry.
    pub register_seq: u64,
}

/// A contractor or supplier.
#[derive(Debug, Clone)]
pub struct PayeeInfo {
    /// Id (unified social credit code).
    pub id: Ident,
    /// Name, as first paid.
    pub name: String,
}

/// Aggregates for the public queries.
#[derive(Debug, Default)]
pub struct QueryIndex {
    title: String,
    origin: String,
    recorded: u64,
    regions: BTreeMap<RegionCode, RegionInfo>,
    funds: Vec<FundInfo>,
    fund_ids: HashMap<Ident, u32>,
    projects: Vec<ProjectInfo>,
    project_ids: HashMap<Ident, u32>,
    payees: Vec<PayeeInfo>,
    payee_ids: HashMap<Ident, u32>,
    /// Live payments per (household, village).
    households: HashMap<(HouseholdRef, RegionCode), u32>,
    /// Reversals recorded but not yet folded in: (reversal seq, target seq).
    pending: Vec<(u64, u64)>,
}

impl QueryIndex {
    /// Record a durable entry. Entries arrive in sequence order. Nothing here
    /// reads the rule state, which may run ahead of the disk (module docs).
    pub fn record(&mut self, entry: &SequencedEntry, _effects: &Effects) {
        self.recorded = self.recorded.max(entry.seq.saturating_add(1));
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
            | EntryBody::HouseholdSubsidy(_)) => self.apply_money(entry.seq, body, Sign::Add),
            EntryBody::KeyGrant(_)
            | EntryBody::KeyRevoke { .. }
            | EntryBody::PolicyUpdate { .. }
            | EntryBody::LogKeyRotate { .. } => {}
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
        if matches!(
            target,
            EntryBody::FundIssue(_)
                | EntryBody::Transfer(_)
                | EntryBody::ProjectDisbursement(_)
                | EntryBody::HouseholdSubsidy(_)
        ) {
            self.apply_money(target_seq, target, Sign::Sub);
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

    /// Every region, in code order.
    pub fn regions(&self) -> &BTreeMap<RegionCode, RegionInfo> {
        &self.regions
    }

    /// A region.
    pub fn region(&self, code: RegionCode) -> Option<&RegionInfo> {
        self.regions.get(&code)
    }

    /// A region's name, or its code if unknown.
    pub fn region_name(&self, code: RegionCode) -> String {
        self.regions
            .get(&code)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// Every fund, in issue order.
    pub fn funds(&self) -> &[FundInfo] {
        &self.funds
    }

    /// A fund by id.
    pub fn fund(&self, id: &Ident) -> Option<&FundInfo> {
        self.fund_ids.get(id).and_then(|i| self.funds.get(*i as usize))
    }

    /// A fund by index.
    pub fn fund_at(&self, index: u32) -> Option<&FundInfo> {
        self.funds.get(index as usize)
    }

    /// Every project, in registration order.
    pub fn projects(&self) -> &[ProjectInfo] {
        &self.projects
    }

    /// A project by id.
    pub fn project(&self, id: &Ident) -> Option<&ProjectInfo> {
        self.project_ids.get(id).and_then(|i| self.projects.get(*i as usize))
    }

    /// A project by index.
    pub fn project_at(&self, index: u32) -> Option<&ProjectInfo> {
        self.projects.get(index as usize)
    }

    /// A payee by index.
    pub fn payee_at(&self, index: u32) -> Option<&PayeeInfo> {
        self.payees.get(index as usize)
    }

    /// The interned id of an account, if the ledger knows it.
    pub fn account_id(&self, account: &Account) -> Option<AccountId> {
        match account {
            Account::Treasury(code) => self.regions.contains_key(code).then_some(AccountId::Treasury(*code)),
            Account::Project(id) => self.project_ids.get(id).map(|i| AccountId::Project(*i)),
        }
    }

    /// The public form of an account id (`treasury:…`, `project:…`).
    pub fn account_key(&self, account: AccountId) -> String {
        match account {
            AccountId::Treasury(code) => format!("treasury:{code}"),
            AccountId::Project(i) => match self.project_at(i) {
                Some(p) => format!("project:{}", p.id),
                None => format!("project:#{i}"),
            },
        }
    }

    /// A human name for an account: 区财政局, 镇财政所, 村集体, or the project.
    pub fn account_name(&self, account: AccountId) -> String {
        match account {
            AccountId::Treasury(code) => {
                let name = self.region_name(code);
                match code.level() {
                    RegionLevel::District => format!("{name}财政局"),
                    RegionLevel::Town => format!("{name}财政所"),
                    RegionLevel::Village => format!("{name}集体账户"),
                }
            }
            AccountId::Project(i) => self
                .project_at(i)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| self.account_key(account)),
        }
    }

    /// The region an account belongs to (a project's village).
    pub fn account_region(&self, account: AccountId) -> Option<RegionCode> {
        match account {
            AccountId::Treasury(code) => Some(code),
            AccountId::Project(i) => self.project_at(i).map(|p| p.village),
        }
    }

    /// Every fund an account holds a non-zero balance of: (fund index, fen).
    pub fn balances_of(&self, account: AccountId) -> Vec<(u32, u64)> {
        self.funds
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.balances.get(&account).filter(|b| **b > 0).map(|b| (i as u32, *b)))
            .collect()
    }

    /// Payments that are live for a household in a village (net of reversals).
    pub fn household_payments(&self, household: &HouseholdRef, village: RegionCode) -> u32 {
        self.households.get(&(*household, village)).copied().unwrap_or(0)
    }

    fn register_regions(&mut self, defs: &[RegionDef]) {
        for def in defs {
            if self.regions.contains_key(&def.code) {
                continue; // re-registering with the same name is allowed
            }
            self.regions.insert(
                def.code,
                RegionInfo {
                    name: def.name.clone(),
                    children: Vec::new(),
                    agg: RegionAgg::default(),
                },
            );
            if let Some(parent) = def.code.parent().and_then(|p| self.regions.get_mut(&p)) {
                // Defs come in any order within the parent's registration;
                // keep children sorted for stable answers.
                if let Err(at) = parent.children.binary_search(&def.code) {
                    parent.children.insert(at, def.code);
                }
            }
        }
    }

    /// A code and its registered ancestors, most specific first.
    fn lineage(&self, code: RegionCode) -> Vec<RegionCode> {
        let mut out = Vec::with_capacity(3);
        let mut cursor = Some(code);
        while let Some(c) = cursor {
            if self.regions.contains_key(&c) {
                out.push(c);
            }
            cursor = c.parent();
        }
        out
    }

    fn intern_account(&self, account: &Account) -> Option<AccountId> {
        self.account_id(account)
    }

    fn intern_payee(&mut self, id: &Ident, name: &str) -> u32 {
        if let Some(i) = self.payee_ids.get(id) {
            return *i;
        }
        let index = self.payees.len() as u32;
        self.payees.push(PayeeInfo {
            id: id.clone(),
            name: name.to_string(),
        });
        self.payee_ids.insert(id.clone(), index);
        index
    }

    /// Add (or take back) a money entry's contribution to every aggregate.
    fn apply_money(&mut self, seq: u64, body: &EntryBody, sign: Sign) {
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
                            id: issue.fund.clone(),
                            title: issue.title.to_string(),
                            document_no: issue.document_no.to_string(),
                            source: issue.source,
                            category: issue.category,
                            fiscal_year: issue.fiscal_year,
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

    /// Fund balances per account, through the one money model (a reversal is
    /// the target's movement backwards); a balance is dropped at zero.
    fn apply_balances(&mut self, body: &EntryBody, sign: Sign) {
        let Some(m) = money::movement(body) else {
            return;
        };
        let Some(fund) = self.fund_ids.get(m.fund).copied() else {
            return;
        };
        // An account the index does not know (never on an accepted chain)
        // leaves the balances untouched rather than half-applied.
        let resolve = |a: Option<&Account>| match a {
            None => Some(None),
            Some(a) => self.intern_account(a).map(Some),
        };
        let (Some(from), Some(to)) = (resolve(m.from), resolve(m.to)) else {
            return;
        };
        let Some(f) = self.funds.get_mut(fund as usize) else {
            return;
        };
        let m = Movement {
            fund,
            amount: m.amount,
            from,
            to,
        }
        .signed(sign);
        for (account, direction) in m.legs() {
            let balance = f.balances.entry(account).or_insert(0);
            *balance = apply_leg(*balance, m.amount, direction);
            if *balance == 0 {
                f.balances.remove(&account);
            }
        }
    }

    /// Money of `fund` entered the subtrees of `regions` from outside them.
    fn receive(&mut self, regions: &[RegionCode], fund: u32, source: FundSource, amount: u64, sign: Sign) {
        for code in regions {
            if let Some(r) = self.regions.get_mut(code) {
                r.agg.received.apply(amount, sign);
                apply_at(&mut r.agg.received_by_fund, fund, amount, sign);
                let held = &mut r.agg.held_by_source[source as usize];
                *held = signed(*held, amount, sign);
            }
        }
    }

    /// Money of `source` left custody from an account in `payer_region`'s
    /// subtree, for the benefit of `beneficiary`'s subtree.
    fn pay_out(
        &mut self,
        payer_region: Option<RegionCode>,
        beneficiary: RegionCode,
        source: FundSource,
        amount: u64,
        sign: Sign,
    ) {
        for code in payer_region.map(|r| self.lineage(r)).unwrap_or_default() {
            if let Some(r) = self.regions.get_mut(&code) {
                let held = &mut r.agg.held_by_source[source as usize];
                *held = signed(*held, amount, sign.flip());
            }
        }
        for code in self.lineage(beneficiary) {
            if let Some(r) = self.regions.get_mut(&code) {
                let benefit = &mut r.agg.benefit_by_source[source as usize];
                *benefit = signed(*benefit, amount, sign);
            }
        }
    }

    fn apply_disbursement(&mut self, d: &ProjectDisbursement, sign: Sign) {
        let (Some(fund), Some(from), Some(project)) = (
            self.fund_ids.get(&d.fund).copied(),
            self.intern_account(&d.from),
            self.project_ids.get(&d.project).copied(),
        ) else {
            return;
        };
        let amount = d.amount.get();
        let payee = self.intern_payee(&d.payee.id, d.payee.name.as_str());
        let Some(f) = self.funds.get_mut(fund as usize) else {
            return;
        };
        let source = f.source;
        apply_at(
            &mut f.flows,
            (FlowNode::Account(from), FlowNode::Payee(payee)),
            amount,
            sign,
        );
        apply_at(&mut f.payees, FlowNode::Payee(payee), amount, sign);
        let Some(p) = self.projects.get_mut(project as usize) else {
            return;
        };
        p.paid.apply(amount, sign);
        let (village, category) = (p.village, p.category);
        for code in self.lineage(village) {
            if let Some(r) = self.regions.get_mut(&code) {
                r.agg.project_payments.apply(amount, sign);
                r.agg.project_payments_by_category[category as usize].apply(amount, sign);
            }
        }
        let payer = self.account_region(from);
        self.pay_out(payer, village, source, amount, sign);
    }

    fn apply_subsidy(&mut self, s: &HouseholdSubsidy, sign: Sign) {
        let (Some(fund), Some(from)) = (self.fund_ids.get(&s.fund).copied(), self.intern_account(&s.from)) else {
            return;
        };
        let amount = s.amount.get();
        let Some(f) = self.funds.get_mut(fund as usize) else {
            return;
        };
        let source = f.source;
        let sink = FlowNode::Households(s.village);
        apply_at(&mut f.flows, (FlowNode::Account(from), sink), amount, sign);
        apply_at(&mut f.payees, sink, amount, sign);
        // Distinct households: count a (household, village) pair while it has
        // at least one live payment.
        let key = (s.household, s.village);
        let live = self.households.get(&key).copied().unwrap_or(0);
        let now = match sign {
            Sign::Add => live.saturating_add(1),
            Sign::Sub => live.saturating_sub(1),
        };
        let households_delta = match (live, now) {
            (0, n) if n > 0 => Some(Sign::Add),
            (l, 0) if l > 0 => Some(Sign::Sub),
            _ => None,
        };
        if now == 0 {
            self.households.remove(&key);
        } else {
            self.households.insert(key, now);
        }
        for code in self.lineage(s.village) {
            if let Some(r) = self.regions.get_mut(&code) {
                r.agg.subsidies.apply(amount, sign);
                r.agg.subsidies_by_category[s.category as usize].apply(amount, sign);
                apply_at(&mut r.agg.subsidies_by_year, s.period.year, amount, sign);
                if let Some(delta) = households_delta {
                    r.agg.households = signed(r.agg.households, 1, delta);
                }
            }
        }
        let payer = self.account_region(from);
        self.pay_out(payer, s.village, source, amount, sign);
    }
}

impl QueryIndex {
    /// Approximate heap bytes held (for the memory budget and metrics): the
    /// tables' capacities times their element sizes, plus strings and map
    /// nodes (counted at 48 bytes of overhead per B-tree entry).
    pub fn approx_heap_bytes(&self) -> usize {
        use std::mem::size_of;
        const NODE: usize = 48;
        let regions: usize = self
            .regions
            .values()
            .map(|r| {
                size_of::<(RegionCode, RegionInfo)>()
                    + NODE
                    + r.name.capacity()
                    + r.children.capacity() * size_of::<RegionCode>()
                    + r.agg.received_by_fund.len() * (size_of::<(u32, Tally)>() + NODE)
                    + r.agg.subsidies_by_year.len() * (size_of::<(u16, Tally)>() + NODE)
                    + r.agg.projects.capacity() * size_of::<u32>()
            })
            .sum();
        let funds: usize = self
            .funds
            .iter()
            .map(|f| {
                f.title.capacity()
                    + f.document_no.capacity()
                    + f.flows.len() * (size_of::<((FlowNode, FlowNode), Tally)>() + NODE)
                    + f.balances.len() * (size_of::<(AccountId, u64)>() + NODE)
                    + f.payees.len() * (size_of::<(FlowNode, Tally)>() + NODE)
            })
            .sum::<usize>()
            + self.funds.capacity() * size_of::<FundInfo>();
        let projects: usize = self
            .projects
            .iter()
            .map(|p| p.name.capacity() + p.implementer.capacity())
            .sum::<usize>()
            + self.projects.capacity() * size_of::<ProjectInfo>();
        let payees: usize = self.payees.iter().map(|p| p.name.capacity()).sum::<usize>()
            + self.payees.capacity() * size_of::<PayeeInfo>();
        // hashbrown: one control byte per bucket besides the slot.
        let hash_map = |capacity: usize, slot: usize| capacity * (slot + 1);
        let ids = hash_map(self.fund_ids.capacity(), size_of::<(Ident, u32)>())
            + hash_map(self.project_ids.capacity(), size_of::<(Ident, u32)>())
            + hash_map(self.payee_ids.capacity(), size_of::<(Ident, u32)>());
        let households = hash_map(
            self.households.capacity(),
            size_of::<((HouseholdRef, RegionCode), u32)>(),
        );
        regions + funds + projects + payees + ids + households + self.pending.capacity() * 16
    }

    /// Distinct (household, village) pairs with live payments.
    pub fn household_count(&self) -> usize {
        self.households.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::encoding::Bytes;
    use ledger_core::entry::{FundIssue, Genesis, Payee, ProjectRegister, Reversal, Transfer};
    use ledger_core::ids::{Date, Period, Text};
    use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};

    type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

    fn entry(seq: u64, body: EntryBody) -> SequencedEntry {
        // The index reads only the body: no signature is needed here.
        let submission = Submission {
            v: SUBMISSION_VERSION,
            origin: "t.example/log".into(),
            nonce: Bytes([seq as u8; 16]),
            not_after_ms: 0,
            body,
        };
        SequencedEntry {
            v: 1,
            seq,
            time_ms: seq,
            prev_hash: Bytes([0; 32]),
            signed: SignedSubmission {
                submission,
                signatures: Vec::new(),
            },
        }
    }

    fn code(n: u64) -> R<RegionCode> {
        Ok(RegionCode::new(n)?)
    }

    /// Everything a reader can see of the index, for before/after comparisons.
    fn snapshot(q: &QueryIndex) -> String {
        let regions: Vec<String> = q.regions().iter().map(|(c, r)| format!("{c}:{:?}", r.agg)).collect();
        // A fund whose issue was reversed stays known, empty.
        let funds: Vec<String> = q
            .funds()
            .iter()
            .filter(|f| f.issued > 0 || !f.flows.is_empty())
            .map(|f| format!("{} {} {:?} {:?} {:?}", f.id, f.issued, f.flows, f.balances, f.payees))
            .collect();
        let projects: Vec<String> = q.projects().iter().map(|p| format!("{} {:?}", p.id, p.paid)).collect();
        format!("{regions:?}\n{funds:?}\n{projects:?}\n{:?}", q.households)
    }

    /// Each kind of money entry, reversed, leaves every aggregate exactly as
    /// it was before the entry — and only reading the target back folds it in.
    #[test]
    fn a_reversal_exactly_negates_each_kind_of_money_entry() -> R {
        let (district, town, village) = (code(320_803_000_000)?, code(320_803_101_000)?, code(320_803_101_201)?);
        let fund = Ident::new("F1")?;
        let project = Ident::new("P1")?;
        let t = |s: &str| Text::new(s);
        let setup = [
            EntryBody::Genesis(Genesis {
                title: t("测试")?,
                grants: Vec::new(),
                regions: vec![
                    RegionDef {
                        code: district,
                        name: "区".into(),
                    },
                    RegionDef {
                        code: town,
                        name: "镇".into(),
                    },
                    RegionDef {
                        code: village,
                        name: "村".into(),
                    },
                ],
                cosign_rules: Vec::new(),
                pseudonym_commitment: Bytes([0; 32]),
                log_vkey: "t.example/log+00000000+AA".into(),
            }),
            EntryBody::FundIssue(FundIssue {
                fund: fund.clone(),
                title: t("资金")?,
                document_no: t("文号")?,
                source: FundSource::Central,
                category: FundCategory::SpecialPoverty,
                fiscal_year: 2019,
                to: Account::Treasury(district),
                amount: ledger_core::Fen::new(1_000_000)?,
            }),
            EntryBody::ProjectRegister(ProjectRegister {
                project: project.clone(),
                name: t("道路")?,
                village,
                category: ProjectCategory::VillageRoad,
                budget: ledger_core::Fen::new(500_000)?,
                implementer: t("镇政府")?,
                start: Date::new(20190101)?,
                end: Date::new(20191231)?,
            }),
        ];
        let amount = ledger_core::Fen::new(1_000)?;
        let money = vec![
            EntryBody::FundIssue(FundIssue {
                fund: Ident::new("F2")?,
                title: t("资金二")?,
                document_no: t("文号二")?,
                source: FundSource::SocialDonation,
                category: FundCategory::Other,
                fiscal_year: 2020,
                to: Account::Treasury(town),
                amount,
            }),
            EntryBody::Transfer(Transfer {
                fund: fund.clone(),
                from: Account::Treasury(district),
                to: Account::Treasury(village),
                amount,
                memo: t("拨付")?,
            }),
            EntryBody::Transfer(Transfer {
                fund: fund.clone(),
                from: Account::Treasury(district),
                to: Account::Project(project.clone()),
                amount,
                memo: t("拨付")?,
            }),
            EntryBody::ProjectDisbursement(ProjectDisbursement {
                fund: fund.clone(),
                project: project.clone(),
                from: Account::Treasury(district),
                payee: Payee {
                    id: Ident::new("C1")?,
                    name: t("公司")?,
                },
                amount,
                contract_ref: t("合同")?,
                milestone: t("预付款")?,
            }),
            EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                fund: fund.clone(),
                from: Account::Treasury(town),
                household: HouseholdRef(Bytes([7; 32])),
                masked_name: ledger_core::household::MaskedName::parse_masked("张*三")?,
                village,
                category: SubsidyCategory::MinimumLiving,
                period: Period::new(2019, 3)?,
                amount,
            }),
        ];
        let effects = Effects::default();
        for target in money {
            let mut q = QueryIndex::default();
            for (seq, body) in setup.iter().enumerate() {
                q.record(&entry(seq as u64, body.clone()), &effects);
            }
            // The town needs money of F1 for the subsidy case.
            q.record(
                &entry(
                    3,
                    EntryBody::Transfer(Transfer {
                        fund: fund.clone(),
                        from: Account::Treasury(district),
                        to: Account::Treasury(town),
                        amount: ledger_core::Fen::new(10_000)?,
                        memo: t("拨付")?,
                    }),
                ),
                &effects,
            );
            let before = snapshot(&q);
            q.record(&entry(4, target.clone()), &effects);
            let during = snapshot(&q);
            assert_ne!(before, during, "{target:?} changes the aggregates");
            q.record(
                &entry(
                    5,
                    EntryBody::Reversal(Reversal {
                        target_seq: 4,
                        reason: t("冲正")?,
                    }),
                ),
                &effects,
            );
            assert_eq!(q.pending_reversals(), &[(5, 4)]);
            assert_eq!(snapshot(&q), during, "nothing changes until the target is folded in");
            assert!(!q.resolve_reversal(5, 3, &target), "only the pending pair");
            assert!(q.resolve_reversal(5, 4, &target));
            assert!(!q.resolve_reversal(5, 4, &target), "folded in once");
            assert_eq!(snapshot(&q), before, "{target:?} reversed");
        }
        Ok(())
    }

    #[test]
    fn memory_is_per_thing_not_per_entry() -> R {
        let q = QueryIndex::default();
        assert!(q.approx_heap_bytes() < 1024);
        Ok(())
    }

    /// The memory budget at a million entries: 1,000,000 subsidies to
    /// 125,000 households (the demo's ratio) in 342 villages. Run with
    /// `cargo test -p ledger-node --lib -- --ignored --nocapture scale`.
    #[test]
    #[ignore = "a million records: a measurement, not a check"]
    fn scale_one_million_subsidies() -> R {
        let district = code(320_803_000_000)?;
        let mut regions = vec![RegionDef {
            code: district,
            name: "区".into(),
        }];
        let mut villages = Vec::new();
        for t in 1..=19u64 {
            let town = code(320_803_000_000 + t * 1000)?;
            regions.push(RegionDef {
                code: town,
                name: format!("镇{t}"),
            });
            for v in 1..=18u64 {
                let village = code(town.get() + 200 + v)?;
                regions.push(RegionDef {
                    code: village,
                    name: format!("村{t}-{v}"),
                });
                villages.push((town, village));
            }
        }
        let effects = Effects::default();
        let mut q = QueryIndex::default();
        let genesis = Genesis {
            title: Text::new("测试")?,
            grants: Vec::new(),
            regions,
            cosign_rules: Vec::new(),
            pseudonym_commitment: Bytes([0; 32]),
            log_vkey: "t.example/log+00000000+AA".into(),
        };
        q.record(&entry(0, EntryBody::Genesis(genesis)), &effects);
        for f in 0..20u64 {
            let issue = FundIssue {
                fund: Ident::new(&format!("F{f}"))?,
                title: Text::new("资金")?,
                document_no: Text::new("文号")?,
                source: FundSource::Provincial,
                category: FundCategory::SocialSecurity,
                fiscal_year: 2019,
                to: Account::Treasury(district),
                amount: ledger_core::Fen::new(10_000_000_000_000)?,
            };
            q.record(&entry(1 + f, EntryBody::FundIssue(issue)), &effects);
        }
        let mut template = entry(
            0,
            EntryBody::Reversal(Reversal {
                target_seq: 0,
                reason: Text::new("x")?,
            }),
        );
        let started = std::time::Instant::now();
        for i in 0..1_000_000u64 {
            let household = i % 125_000;
            let (town, village) = villages[(household % villages.len() as u64) as usize];
            let mut href = [0u8; 32];
            href[..8].copy_from_slice(&household.to_le_bytes());
            template.seq = 100 + i;
            template.signed.submission.body = EntryBody::HouseholdSubsidy(HouseholdSubsidy {
                fund: Ident::new(&format!("F{}", i % 20))?,
                from: Account::Treasury(if i % 3 == 0 { district } else { town }),
                household: HouseholdRef(Bytes(href)),
                masked_name: ledger_core::household::MaskedName::parse_masked("张*三")?,
                village,
                category: SubsidyCategory::ALL[(i % 8) as usize],
                period: Period::new(2019 + (i % 2) as u16, (i % 12) as u8 + 1)?,
                amount: ledger_core::Fen::new(10_000)?,
            });
            q.record(&template, &effects);
        }
        let bytes = q.approx_heap_bytes();
        println!(
            "1,000,000 subsidies, {} (household, village) pairs: ≈ {:.1} MiB, {:.1} s",
            q.household_count(),
            bytes as f64 / 1_048_576.0,
            started.elapsed().as_secs_f64()
        );
        assert_eq!(q.household_count(), 125_000);
        assert!(bytes < 16 * 1024 * 1024);
        Ok(())
    }
}

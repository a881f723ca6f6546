//! The ledger state (what is known after a prefix of the chain), its
//! read accessors, and [`LedgerState::apply`], which runs the checks in
//! order and commits only when all pass.

use crate::amount::Fen;
use crate::encoding::Bytes;
use crate::entry::{Account, CosignRule, EntryBody, FundFacts, Policy, ProjectCategory};
use crate::household::HouseholdRef;
use crate::ids::Date;
use crate::ids::Ident;
use crate::intern::Interner;
use crate::keys::{KeyGrant, PublicKey};
use crate::moves::MoveTable;
use crate::nonces::NonceIndex;
use crate::region::{RegionCode, RegionTable};
use crate::submission::VerifiedSubmission;
use std::collections::HashMap;

use super::{RuleError, MAX_VALIDITY_MS};

/// A key's grant and, if revoked, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The grant.
    pub grant: KeyGrant,
    /// Entry that granted it.
    pub granted_seq: u64,
    /// Entry that revoked it.
    pub revoked_seq: Option<u64>,
}

/// What the ledger knows about a fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundRecord {
    /// Id, title, 文号, source, category and fiscal year (also read through
    /// `Deref`, see below).
    pub facts: FundFacts,
    /// Issued amount (less reversed issue).
    pub issued: Fen,
    /// The issuing entry.
    pub issue_seq: u64,
    /// Account it was issued into.
    pub issued_to: Account,
    /// 下达日期: no money of the fund moves before it.
    pub issue_date: Date,
}

/// `record.title`, `record.fiscal_year`, … read the facts directly: a fund
/// record *is* its facts plus the money, and every reader (the rules, the
/// audit rules, the node) reads them by these names. Deref keeps those
/// reads unchanged while the facts are stored in one shared type.
impl std::ops::Deref for FundRecord {
    type Target = FundFacts;
    fn deref(&self) -> &FundFacts {
        &self.facts
    }
}

/// What the ledger knows about a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    /// Id.
    pub id: Ident,
    /// Name.
    pub name: String,
    /// Village.
    pub village: RegionCode,
    /// Category.
    pub category: ProjectCategory,
    /// Budget.
    pub budget: Fen,
    /// Paid so far (net of reversals).
    pub paid: Fen,
    /// Registering entry.
    pub register_seq: u64,
    /// Planned start.
    pub start: Date,
    /// Where it stands (申报 … 绩效评价).
    pub stage: crate::project::ProjectStage,
    /// Each stage entry after the proposal: the stage it left the project
    /// at, its business date, the entry.
    pub timeline: Vec<(crate::project::ProjectStage, Date, u64)>,
    /// The approval in force (after adjustments).
    pub approval: Option<super::projects::Approval>,
    /// Paid per fund, net of reversals.
    pub paid_by_fund: Vec<(Ident, u64)>,
    /// The cancelling entry and its date (终止).
    pub cancelled: Option<(u64, Date)>,
}

/// What applying an entry touched: used by the node for secondary indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// Regions the entry concerns (for the by-region index), most specific last.
    pub regions: Vec<RegionCode>,
    /// Accounts debited or credited.
    pub accounts: Vec<Account>,
    /// The fund, for money entries.
    pub fund: Option<Ident>,
    /// The project, for project entries.
    pub project: Option<Ident>,
    /// The household, for subsidies.
    pub household: Option<HouseholdRef>,
    /// For a reversal, the entry undone.
    pub reverses: Option<u64>,
    /// Controls this entry broke that were not yet enforced on its business
    /// date (history imported from before a control existed): accepted, and
    /// shown with a warning by the node, the page and the audit.
    pub history_warnings: Vec<HistoryWarning>,
}

/// A control an accepted entry broke before it was enforced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryWarning {
    /// Stable code: `paid_unregistered`, `paid_without_notice`,
    /// `paid_before_window_end`, `paid_under_open_objection`,
    /// `paid_on_withdrawn_line`, `paid_above_notice`, `missing_role`,
    /// `registered_without_procedure`.
    pub code: &'static str,
    /// What was wrong, in English.
    pub message: String,
    /// The same, in Chinese.
    pub message_zh: String,
    /// For `missing_role`: the office that did not sign (so a reader needs
    /// no parsing of the message to know which).
    pub office: Option<crate::keys::Office>,
}

impl HistoryWarning {
    /// A warning whose facts are a rule the entry would break today.
    pub fn from_rule(code: &'static str, e: &RuleError) -> HistoryWarning {
        HistoryWarning {
            code,
            message: e.to_string(),
            message_zh: e.message_zh(),
            office: match e {
                RuleError::MissingRole { office, .. } => crate::keys::Office::parse(office),
                _ => None,
            },
        }
    }

    /// A warning with its own words.
    pub(super) fn text(code: &'static str, message_zh: String, message: String) -> HistoryWarning {
        HistoryWarning {
            code,
            message,
            message_zh,
            office: None,
        }
    }
}

/// The ledger's state after applying a prefix of the chain.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    pub(super) origin: Option<String>,
    pub(super) next_seq: u64,
    pub(super) regions: RegionTable,
    pub(super) keys: HashMap<PublicKey, KeyRecord>,
    pub(super) policy: Policy,
    /// Notices, households, objections, confirmations.
    pub(super) controls: super::controls::Controls,
    /// How long money has sat at each account (资金滞留).
    pub(super) aging: crate::aging::Aging,
    pub(super) funds: HashMap<Ident, FundRecord>,
    pub(super) fund_ids: Interner<Ident>,
    pub(super) projects: HashMap<Ident, ProjectRecord>,
    pub(super) project_ids: Vec<Ident>,
    pub(super) project_index: HashMap<Ident, u32>,
    pub(super) accounts: Interner<Account>,
    pub(super) balances: HashMap<(u32, u32), u64>,
    /// Where each money entry moved money: the inverse is applied on reversal.
    pub(super) moves: MoveTable,
    /// Every nonce used, with the sequence number of the entry that used it.
    pub(super) nonces: NonceIndex,
    pub(super) pseudonym_commitment: Option<Bytes<32>>,
    /// Every log key with the first entry sequence it signs for: genesis's
    /// key from 0, each rotation's from the entry after it.
    pub(super) log_vkeys: Vec<(u64, String)>,
    /// The contacts in force per region (`rules::contacts`).
    pub(super) contacts: crate::contacts::ContactsTable,
    /// Household payments by (household, category, period), for the
    /// duplicate-payment control (`duplicates`).
    pub(super) payments: super::duplicates::Payments,
    /// While an atomic group is open, what its applied entries changed
    /// (`group`); `None` outside a group.
    pub(super) journal: Option<Vec<super::group::Undo>>,
}

/// The money movement an entry will make, staged before committing (None:
/// it moves none).
pub(super) type Staged = Option<crate::money::Movement<Account, Ident>>;

impl LedgerState {
    /// An empty state, before genesis.
    pub fn new() -> LedgerState {
        LedgerState::default()
    }

    /// The log's origin, once genesis is applied.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }
    /// The log key in force now (signed-note vkey): genesis's, or the latest rotation's.
    pub fn log_vkey(&self) -> Option<&str> {
        self.log_vkeys.last().map(|(_, k)| k.as_str())
    }
    /// The log key that signs a checkpoint of `tree_size` entries: the one in
    /// force once entry `tree_size - 1` is sequenced (a rotation at entry `s`
    /// takes effect from tree size `s + 1`).
    pub fn log_vkey_for_size(&self, tree_size: u64) -> Option<&str> {
        self.log_vkeys
            .iter()
            .rev()
            .find(|(from, _)| *from <= tree_size)
            .map(|(_, k)| k.as_str())
    }
    /// Every log key with the first entry sequence after which it signs.
    pub fn log_vkey_history(&self) -> &[(u64, String)] {
        &self.log_vkeys
    }
    /// Pseudonym key commitment from genesis.
    pub fn pseudonym_commitment(&self) -> Option<Bytes<32>> {
        self.pseudonym_commitment
    }
    /// The number of entries applied.
    pub fn size(&self) -> u64 {
        self.next_seq
    }
    /// The region table.
    pub fn regions(&self) -> &RegionTable {
        &self.regions
    }
    /// A key's record.
    pub fn key(&self, key: &PublicKey) -> Option<&KeyRecord> {
        self.keys.get(key)
    }
    /// Every key record.
    pub fn keys(&self) -> impl Iterator<Item = &KeyRecord> {
        self.keys.values()
    }
    /// A fund.
    pub fn fund(&self, id: &Ident) -> Option<&FundRecord> {
        self.funds.get(id)
    }
    /// Every fund, in issue order.
    pub fn funds(&self) -> impl Iterator<Item = &FundRecord> {
        self.fund_ids.iter().filter_map(|id| self.funds.get(id))
    }
    /// A project.
    pub fn project(&self, id: &Ident) -> Option<&ProjectRecord> {
        self.projects.get(id)
    }
    /// Every project, in registration order.
    pub fn projects(&self) -> impl Iterator<Item = &ProjectRecord> {
        self.project_ids.iter().filter_map(|id| self.projects.get(id))
    }
    /// The co-signature rules in force.
    pub fn cosign_rules(&self) -> &[CosignRule] {
        &self.policy.cosign_rules
    }
    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// Balance of `fund` held by `account`.
    pub fn balance(&self, account: &Account, fund: &Ident) -> Fen {
        let (Some(a), Some(f)) = (self.accounts.index_of(account), self.fund_ids.index_of(fund)) else {
            return Fen::ZERO;
        };
        Fen::from_raw(self.balances.get(&(a, f)).copied().unwrap_or(0))
    }
    /// Every (fund, balance) held by an account, non-zero only.
    pub fn balances_of(&self, account: &Account) -> Vec<(Ident, Fen)> {
        let Some(a) = self.accounts.index_of(account) else {
            return Vec::new();
        };
        let mut out: Vec<(Ident, Fen)> = self
            .balances
            .iter()
            .filter(|((acc, _), v)| *acc == a && **v > 0)
            .filter_map(|((_, f), v)| self.fund_ids.get(*f).map(|id| (id.clone(), Fen::from_raw(*v))))
            .collect();
        out.sort();
        out
    }
    /// Approximate heap bytes of the per-entry parts of the state (money
    /// movements and nonces), which grow with the ledger; the rest grows with
    /// keys, funds, projects and accounts.
    pub fn per_entry_heap_bytes(&self) -> (usize, usize) {
        (self.moves.heap_bytes(), self.nonces.heap_bytes())
    }

    /// Which entry reversed `seq`, if any.
    pub fn reversed_by(&self, seq: u64) -> Option<u64> {
        self.moves.reversed_by(seq)
    }
    /// Has this nonce been used? Nonces are never forgotten: the node and
    /// every replay must agree on which nonces are taken, whatever the time.
    pub fn nonce_used(&self, nonce: &Bytes<16>) -> bool {
        self.nonces.contains(nonce)
    }

    /// The sequence number of the entry that used this nonce (the node's
    /// idempotency lookup: a retry of that very submission gets its receipt).
    pub fn nonce_seq(&self, nonce: &Bytes<16>) -> Option<u64> {
        self.nonces.get(nonce)
    }

    /// Check every rule for the entry `seq` sequenced at `time_ms` and, only if
    /// all pass, apply it. On error nothing has changed.
    pub fn apply(&mut self, seq: u64, time_ms: u64, verified: &VerifiedSubmission) -> Result<Effects, RuleError> {
        if seq != self.next_seq {
            return Err(RuleError::Malformed(format!(
                "entry sequence {seq}, expected {}",
                self.next_seq
            )));
        }
        let submission = verified.submission();
        let body = &submission.body;
        let kind = body.kind();

        // Replay protection: origin, expiry window, nonce.
        if let EntryBody::Genesis(_) = body {
            if seq != 0 || self.origin.is_some() {
                return Err(RuleError::Genesis("genesis may only be the first entry".into()));
            }
        } else {
            let Some(origin) = &self.origin else {
                return Err(RuleError::Genesis("the first entry must be genesis".into()));
            };
            if *origin != submission.origin {
                return Err(RuleError::WrongOrigin {
                    expected: origin.clone(),
                    found: submission.origin.clone(),
                });
            }
        }
        if submission.not_after_ms < time_ms {
            return Err(RuleError::Expired {
                not_after_ms: submission.not_after_ms,
                now_ms: time_ms,
            });
        }
        if submission.not_after_ms - time_ms > MAX_VALIDITY_MS {
            return Err(RuleError::ValidityTooLong {
                not_after_ms: submission.not_after_ms,
                now_ms: time_ms,
            });
        }
        if self.nonces.contains(&submission.nonce) {
            return Err(RuleError::ReplayedNonce(submission.nonce));
        }
        if let Some(amount) = body.amount() {
            Fen::new(amount.get())?;
        }
        // A business date is a real day no later than the sequencing day
        // in China, with one day's tolerance for a client's clock and zone.
        if let Some(date) = body.business_date() {
            let today = Date::in_china_at(time_ms)
                .ok_or_else(|| RuleError::Malformed("sequencing time out of range".into()))?;
            if today.days_until(date) > 1 {
                return Err(RuleError::DateInFuture { date, today });
            }
        }

        if let EntryBody::Genesis(genesis) = body {
            self.journal_entry(seq, submission.nonce, body);
            return self.apply_genesis(seq, time_ms, verified, genesis);
        }

        // Content rules, computing what the entry touches, without mutating.
        // Cheap first: every signer must be a key this log granted and did not
        // revoke, before any content work is done for an unauthorised sender.
        let signers: Vec<PublicKey> = verified.signers().copied().collect();
        for signer in &signers {
            let rec = self.keys.get(signer).ok_or(RuleError::UnknownKey(*signer))?;
            if let Some(revoked_seq) = rec.revoked_seq {
                return Err(RuleError::RevokedKey {
                    key: *signer,
                    revoked_seq,
                });
            }
        }
        let (regions, staged) = self.check_content(seq, body, &signers)?;

        // Authorization: every signer known, valid, in role and scope; enough of them.
        let authorised = self.check_signers(seq, time_ms, kind, &regions, verified)?;
        // A reversal moves its target's amount back, so the policy applies
        // to that amount (reversing 5,000,000 元 needs what paying it needed).
        let policy_amount = match body {
            EntryBody::Reversal(r) => self.moves.get(r.target_seq).map(|m| Fen::from_raw(m.amount)),
            _ => body.amount(),
        };
        let required = self.required_signatures(kind, policy_amount);
        if authorised < required {
            return Err(RuleError::MissingCosignature {
                kind: kind.name(),
                required,
                found: authorised,
            });
        }
        self.check_roles(kind, policy_amount, body.business_date(), &signers)?;

        // Every check passed. Controls not yet enforced on the entry's date
        // are still looked at, to be reported rather than refused.
        let warnings = self.history_warnings(kind, body, policy_amount, &signers);
        self.journal_entry(seq, submission.nonce, body);
        self.nonces.insert(submission.nonce, seq);
        self.next_seq += 1;
        let mut effects = self.commit(seq, body, regions, staged);
        effects.history_warnings = warnings;
        Ok(effects)
    }
}

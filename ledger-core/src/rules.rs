//! The rule engine: may this verified submission be appended, and what does
//! it change?
//!
//! [`LedgerState::apply`] checks every rule first and mutates nothing until
//! all have passed, so a rejected entry leaves the state exactly as it was
//! (the node relies on this to reject one submission of a batch without
//! affecting the others). The node runs it before appending; the offline
//! verifier runs the very same code over the whole chain.

use crate::amount::{AmountError, Fen, MAX_ENTRY_FEN};
use crate::encoding::Bytes;
use crate::entry::{Account, CosignRule, EntryBody, EntryKind, FundCategory, FundSource, ProjectCategory};
use crate::household::HouseholdRef;
use crate::ids::Ident;
use crate::keys::{is_strong_key, KeyGrant, PublicKey, Role, MAX_SCOPE_ITEMS};
use crate::moves::{MoneyMove, MoveTable, MAX_INTERNED};
use crate::nonces::NonceIndex;
use crate::region::{RegionCode, RegionError, RegionLevel, RegionTable};
use crate::submission::VerifiedSubmission;
use std::collections::HashMap;

/// The longest a submission may stay valid: 7 days. It bounds how long the
/// node must remember nonces and how stale a signed submission can be.
pub const MAX_VALIDITY_MS: u64 = 7 * 24 * 3600 * 1000;
/// Most grants, regions or rules in one admin entry.
pub const MAX_ITEMS_PER_ENTRY: usize = 1_000;

/// A rule an entry breaks. [`RuleError::code`] is the stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Structurally invalid content (zero amount, empty scope, …).
    #[error("malformed entry: {0}")]
    Malformed(String),
    /// Origin is not this log's.
    #[error("submission is for log {found:?}, this log is {expected:?}")]
    WrongOrigin {
        /// This log.
        expected: String,
        /// The submission's.
        found: String,
    },
    /// The nonce was used before.
    #[error("nonce {0} was already used")]
    ReplayedNonce(Bytes<16>),
    /// Sequenced after its not-after time.
    #[error("submission expired at {not_after_ms} ms, it is now {now_ms} ms")]
    Expired {
        /// Its limit.
        not_after_ms: u64,
        /// Sequencing time.
        now_ms: u64,
    },
    /// not_after too far in the future.
    #[error("submission valid until {not_after_ms} ms, more than 7 days after {now_ms} ms")]
    ValidityTooLong {
        /// Its limit.
        not_after_ms: u64,
        /// Sequencing time.
        now_ms: u64,
    },
    /// Signed by a key never granted.
    #[error("key {0} is not granted in this log")]
    UnknownKey(PublicKey),
    /// Signed by a revoked key.
    #[error("key {key} was revoked at entry {revoked_seq}")]
    RevokedKey {
        /// The key.
        key: PublicKey,
        /// The revocation entry.
        revoked_seq: u64,
    },
    /// Signed outside the key's validity window.
    #[error("key {0} is not valid at this time")]
    KeyNotValid(PublicKey),
    /// The key's role or scope does not allow this kind in this region.
    #[error("key {key} may not sign {kind} in region {region}")]
    OutOfScope {
        /// The key.
        key: PublicKey,
        /// The entry kind.
        kind: &'static str,
        /// The region concerned.
        region: RegionCode,
    },
    /// Fewer distinct authorised signatures than the policy requires.
    #[error("{kind} needs {required} signatures from distinct authorised keys, has {found}")]
    MissingCosignature {
        /// Entry kind.
        kind: &'static str,
        /// Needed.
        required: u8,
        /// Present.
        found: u8,
    },
    /// A region the log does not know, or of the wrong level.
    #[error("{0}")]
    UnknownRegion(String),
    /// Fund not issued.
    #[error("fund {0} has not been issued")]
    UnknownFund(Ident),
    /// Fund issued twice.
    #[error("fund {0} was already issued")]
    DuplicateFund(Ident),
    /// Project not registered.
    #[error("project {0} is not registered")]
    UnknownProject(Ident),
    /// Project registered twice.
    #[error("project {0} is already registered")]
    DuplicateProject(Ident),
    /// Outflow beyond the account's balance of the fund.
    #[error("overdraft: {account} holds {balance} fen of fund {fund}, cannot pay {amount} fen")]
    Overdraft {
        /// The account.
        account: String,
        /// The fund.
        fund: Ident,
        /// Its balance.
        balance: u64,
        /// The amount asked.
        amount: u64,
    },
    /// Money may only move down the hierarchy.
    #[error("money may not move from {from} to {to}")]
    BadPath {
        /// From.
        from: String,
        /// To.
        to: String,
    },
    /// The reversal target does not exist or is not a money entry.
    #[error("entry {0} is not a money entry that can be reversed")]
    NotReversible(u64),
    /// Already reversed.
    #[error("entry {target} was already reversed by entry {by}")]
    AlreadyReversed {
        /// Target.
        target: u64,
        /// The earlier reversal.
        by: u64,
    },
    /// A weak or invalid key in a grant.
    #[error("key {0} is weak or not a valid Ed25519 key")]
    WeakKey(PublicKey),
    /// A key granted twice.
    #[error("key {0} is already granted")]
    DuplicateKey(PublicKey),
    /// Genesis missing, repeated, or badly formed.
    #[error("genesis: {0}")]
    Genesis(String),
}

impl RuleError {
    /// Stable machine-readable code (HTTP API, CLI, reports).
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Malformed(_) => "malformed",
            RuleError::WrongOrigin { .. } => "wrong_origin",
            RuleError::ReplayedNonce(_) => "replayed_nonce",
            RuleError::Expired { .. } => "expired",
            RuleError::ValidityTooLong { .. } => "validity_too_long",
            RuleError::UnknownKey(_) => "unknown_key",
            RuleError::RevokedKey { .. } => "revoked_key",
            RuleError::KeyNotValid(_) => "key_not_valid",
            RuleError::OutOfScope { .. } => "out_of_scope",
            RuleError::MissingCosignature { .. } => "missing_cosignature",
            RuleError::UnknownRegion(_) => "unknown_region",
            RuleError::UnknownFund(_) => "unknown_fund",
            RuleError::DuplicateFund(_) => "duplicate_fund",
            RuleError::UnknownProject(_) => "unknown_project",
            RuleError::DuplicateProject(_) => "duplicate_project",
            RuleError::Overdraft { .. } => "overdraft",
            RuleError::BadPath { .. } => "bad_path",
            RuleError::NotReversible(_) => "not_reversible",
            RuleError::AlreadyReversed { .. } => "already_reversed",
            RuleError::WeakKey(_) => "weak_key",
            RuleError::DuplicateKey(_) => "duplicate_key",
            RuleError::Genesis(_) => "genesis",
        }
    }
}

impl From<RegionError> for RuleError {
    fn from(e: RegionError) -> Self {
        RuleError::UnknownRegion(e.to_string())
    }
}

impl From<AmountError> for RuleError {
    fn from(e: AmountError) -> Self {
        RuleError::Malformed(e.to_string())
    }
}

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
    /// Issued amount (less reversed issue).
    pub issued: Fen,
    /// The issuing entry.
    pub issue_seq: u64,
    /// Account it was issued into.
    pub issued_to: Account,
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
}

/// The ledger's state after applying a prefix of the chain.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    origin: Option<String>,
    next_seq: u64,
    regions: RegionTable,
    keys: HashMap<PublicKey, KeyRecord>,
    cosign_rules: Vec<CosignRule>,
    funds: HashMap<Ident, FundRecord>,
    fund_ids: Vec<Ident>,
    fund_index: HashMap<Ident, u32>,
    projects: HashMap<Ident, ProjectRecord>,
    project_ids: Vec<Ident>,
    project_index: HashMap<Ident, u32>,
    accounts: Vec<Account>,
    account_index: HashMap<Account, u32>,
    balances: HashMap<(u32, u32), u64>,
    /// Where each money entry moved money: the inverse is applied on reversal.
    moves: MoveTable,
    /// Every nonce used, with the sequence number of the entry that used it.
    nonces: NonceIndex,
    pseudonym_commitment: Option<Bytes<32>>,
    /// Every log key with the first entry sequence it signs for: genesis's
    /// key from 0, each rotation's from the entry after it.
    log_vkeys: Vec<(u64, String)>,
}

/// A money movement to stage before committing.
struct Staged {
    debit: Option<(Account, u64)>,
    credit: Option<(Account, u64)>,
}

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
        &self.cosign_rules
    }
    /// Balance of `fund` held by `account`.
    pub fn balance(&self, account: &Account, fund: &Ident) -> Fen {
        let (Some(a), Some(f)) = (self.account_index.get(account), self.fund_index.get(fund)) else {
            return Fen::ZERO;
        };
        Fen::from_raw(self.balances.get(&(*a, *f)).copied().unwrap_or(0))
    }
    /// Every (fund, balance) held by an account, non-zero only.
    pub fn balances_of(&self, account: &Account) -> Vec<(Ident, Fen)> {
        let Some(a) = self.account_index.get(account) else {
            return Vec::new();
        };
        let mut out: Vec<(Ident, Fen)> = self
            .balances
            .iter()
            .filter(|((acc, _), v)| acc == a && **v > 0)
            .filter_map(|((_, f), v)| self.fund_ids.get(*f as usize).map(|id| (id.clone(), Fen::from_raw(*v))))
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

        if let EntryBody::Genesis(genesis) = body {
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

        // Every check passed: mutate.
        self.nonces.insert(submission.nonce, seq);
        self.next_seq += 1;
        Ok(self.commit(seq, body, regions, staged))
    }

    fn apply_genesis(
        &mut self,
        seq: u64,
        time_ms: u64,
        verified: &VerifiedSubmission,
        genesis: &crate::entry::Genesis,
    ) -> Result<Effects, RuleError> {
        let origin = &verified.submission().origin;
        if origin.is_empty() || origin.len() > 128 || origin.contains(char::is_whitespace) || origin.contains('+') {
            return Err(RuleError::Genesis(
                "origin must be 1-128 characters without spaces or '+'".into(),
            ));
        }
        if genesis.log_vkey.split('+').next() != Some(origin.as_str())
            || crate::checkpoint::LogVerifier::from_vkey(&genesis.log_vkey).is_err()
        {
            return Err(RuleError::Genesis(
                "the log key must be an Ed25519 signed-note key named after the origin".into(),
            ));
        }
        if genesis.grants.len() > MAX_ITEMS_PER_ENTRY || genesis.regions.len() > crate::region::MAX_REGIONS {
            return Err(RuleError::Genesis("too many grants or regions".into()));
        }
        let mut regions = RegionTable::new();
        regions.register(&genesis.regions)?;
        if !regions.iter().any(|(c, _)| c.level() == RegionLevel::District) {
            return Err(RuleError::Genesis("the region table needs a district".into()));
        }
        let mut keys = HashMap::new();
        for grant in &genesis.grants {
            check_grant_shape(grant, &regions)?;
            if keys
                .insert(
                    grant.key,
                    KeyRecord {
                        grant: grant.clone(),
                        granted_seq: seq,
                        revoked_seq: None,
                    },
                )
                .is_some()
            {
                return Err(RuleError::DuplicateKey(grant.key));
            }
        }
        check_cosign_rules(&genesis.cosign_rules)?;
        // Genesis is self-signed: every signer must be an admin it grants.
        for signer in verified.signers() {
            match keys.get(signer) {
                Some(rec) if rec.grant.role == Role::Admin => {
                    if time_ms < rec.grant.valid_from_ms || time_ms > rec.grant.valid_until_ms {
                        return Err(RuleError::KeyNotValid(*signer));
                    }
                }
                Some(_) => {
                    return Err(RuleError::OutOfScope {
                        key: *signer,
                        kind: "genesis",
                        region: first_district(&regions)?,
                    })
                }
                None => return Err(RuleError::UnknownKey(*signer)),
            }
        }
        let submission = verified.submission();
        self.origin = Some(origin.clone());
        self.regions = regions;
        self.keys = keys;
        self.cosign_rules = genesis.cosign_rules.clone();
        self.pseudonym_commitment = Some(genesis.pseudonym_commitment);
        self.log_vkeys = vec![(0, genesis.log_vkey.clone())];
        self.nonces.insert(submission.nonce, seq);
        self.next_seq += 1;
        let district = first_district(&self.regions)?;
        Ok(Effects {
            regions: vec![district],
            ..Effects::default()
        })
    }

    fn account_region(&self, account: &Account) -> Result<RegionCode, RuleError> {
        match account {
            Account::Treasury(code) => Ok(self.regions.require(*code)?),
            Account::Project(id) => self
                .projects
                .get(id)
                .map(|p| p.village)
                .ok_or_else(|| RuleError::UnknownProject(id.clone())),
        }
    }

    fn require_village(&self, code: RegionCode) -> Result<(), RuleError> {
        self.regions.require(code)?;
        if code.level() != RegionLevel::Village {
            return Err(RuleError::UnknownRegion(format!(
                "{code} is not a village-level region"
            )));
        }
        Ok(())
    }

    fn require_fund(&self, fund: &Ident) -> Result<(), RuleError> {
        if self.funds.contains_key(fund) {
            Ok(())
        } else {
            Err(RuleError::UnknownFund(fund.clone()))
        }
    }

    fn require_balance(&self, account: &Account, fund: &Ident, amount: u64) -> Result<(), RuleError> {
        let balance = self.balance(account, fund).get();
        if balance < amount {
            return Err(RuleError::Overdraft {
                account: account.key(),
                fund: fund.clone(),
                balance,
                amount,
            });
        }
        Ok(())
    }

    /// Content rules; returns the regions concerned and the staged money move.
    fn check_content(
        &self,
        seq: u64,
        body: &EntryBody,
        signers: &[PublicKey],
    ) -> Result<(Vec<RegionCode>, Staged), RuleError> {
        let none = Staged {
            debit: None,
            credit: None,
        };
        match body {
            EntryBody::Genesis(_) => Err(RuleError::Genesis("genesis may only be the first entry".into())),
            EntryBody::KeyGrant(grant) => {
                check_grant_shape(grant, &self.regions)?;
                if self.keys.contains_key(&grant.key) {
                    return Err(RuleError::DuplicateKey(grant.key));
                }
                // No one grants more than they hold: an admin grant's kinds and
                // validity must lie within every signing admin's own.
                if grant.role == Role::Admin {
                    for signer in signers {
                        let Some(rec) = self.keys.get(signer) else { continue };
                        let kinds_held = grant.scope.kinds.iter().all(|k| rec.grant.scope.kinds.contains(k));
                        let window_held = grant.valid_from_ms >= rec.grant.valid_from_ms
                            && grant.valid_until_ms <= rec.grant.valid_until_ms;
                        if !kinds_held || !window_held {
                            return Err(RuleError::OutOfScope {
                                key: *signer,
                                kind: EntryKind::KeyGrant.name(),
                                region: grant
                                    .scope
                                    .regions
                                    .first()
                                    .copied()
                                    .unwrap_or(first_district(&self.regions)?),
                            });
                        }
                    }
                }
                Ok((grant.scope.regions.clone(), none))
            }
            EntryBody::KeyRevoke { key, .. } => {
                let rec = self.keys.get(key).ok_or(RuleError::UnknownKey(*key))?;
                if let Some(revoked_seq) = rec.revoked_seq {
                    return Err(RuleError::RevokedKey { key: *key, revoked_seq });
                }
                Ok((rec.grant.scope.regions.clone(), none))
            }
            EntryBody::RegionRegister { regions } => {
                if regions.is_empty() || regions.len() > MAX_ITEMS_PER_ENTRY {
                    return Err(RuleError::Malformed("1-1000 regions per entry".into()));
                }
                let mut staged = self.regions.clone();
                staged.register(regions)?;
                let concerned = regions.iter().map(|r| r.code.parent().unwrap_or(r.code)).collect();
                Ok((concerned, none))
            }
            EntryBody::PolicyUpdate { cosign_rules } => {
                check_cosign_rules(cosign_rules)?;
                Ok((vec![first_district(&self.regions)?], none))
            }
            EntryBody::LogKeyRotate {
                log_vkey, endorsement, ..
            } => {
                let origin = self.origin.as_deref().unwrap_or_default();
                // The outgoing log key must endorse its successor (the same
                // check `ledger prove` applies when it follows rotations).
                let current = self.log_vkey().unwrap_or_default();
                crate::keys::check_rotation(origin, current, log_vkey, endorsement)
                    .map_err(|e| RuleError::Malformed(e.to_string()))?;
                if self.log_vkeys.iter().any(|(_, k)| k == log_vkey) {
                    return Err(RuleError::Malformed(
                        "the new log key was already used by this log".into(),
                    ));
                }
                Ok((vec![first_district(&self.regions)?], none))
            }
            EntryBody::FundIssue(issue) => {
                if self.funds.contains_key(&issue.fund) {
                    return Err(RuleError::DuplicateFund(issue.fund.clone()));
                }
                if !(2000..=2099).contains(&issue.fiscal_year) {
                    return Err(RuleError::Malformed(format!(
                        "fiscal year {} out of range",
                        issue.fiscal_year
                    )));
                }
                let Account::Treasury(_) = issue.to else {
                    return Err(RuleError::BadPath {
                        from: "external source".into(),
                        to: issue.to.key(),
                    });
                };
                let region = self.account_region(&issue.to)?;
                Ok((
                    vec![region],
                    Staged {
                        debit: None,
                        credit: Some((issue.to.clone(), issue.amount.get())),
                    },
                ))
            }
            EntryBody::Transfer(t) => {
                self.require_fund(&t.fund)?;
                let from_region = self.account_region(&t.from)?;
                let to_region = self.account_region(&t.to)?;
                let downward = match (&t.from, &t.to) {
                    (Account::Treasury(a), Account::Treasury(b)) => a != b && a.covers(*b),
                    (Account::Treasury(a), Account::Project(_)) => a.covers(to_region),
                    _ => false,
                };
                if !downward {
                    return Err(RuleError::BadPath {
                        from: t.from.key(),
                        to: t.to.key(),
                    });
                }
                self.require_balance(&t.from, &t.fund, t.amount.get())?;
                Ok((
                    vec![from_region, to_region],
                    Staged {
                        debit: Some((t.from.clone(), t.amount.get())),
                        credit: Some((t.to.clone(), t.amount.get())),
                    },
                ))
            }
            EntryBody::ProjectRegister(p) => {
                if self.projects.contains_key(&p.project) {
                    return Err(RuleError::DuplicateProject(p.project.clone()));
                }
                self.require_village(p.village)?;
                if p.end < p.start {
                    return Err(RuleError::Malformed("project ends before it starts".into()));
                }
                Ok((vec![p.village], none))
            }
            EntryBody::ProjectDisbursement(d) => {
                // Payees are organisations; a private person's resident ID
                // must never be published as a payee id.
                if crate::household::ResidentId::parse(d.payee.id.as_str()).is_ok() {
                    return Err(RuleError::Malformed(
                        "a payee id must not be a resident ID (pay households with household_subsidy)".into(),
                    ));
                }
                self.require_fund(&d.fund)?;
                let project = self
                    .projects
                    .get(&d.project)
                    .ok_or_else(|| RuleError::UnknownProject(d.project.clone()))?;
                let from_region = self.account_region(&d.from)?;
                let ok = match &d.from {
                    Account::Project(id) => *id == d.project,
                    Account::Treasury(code) => code.covers(project.village),
                };
                if !ok {
                    return Err(RuleError::BadPath {
                        from: d.from.key(),
                        to: format!("payee for project:{}", d.project),
                    });
                }
                self.require_balance(&d.from, &d.fund, d.amount.get())?;
                Ok((
                    vec![from_region, project.village],
                    Staged {
                        debit: Some((d.from.clone(), d.amount.get())),
                        credit: None,
                    },
                ))
            }
            EntryBody::HouseholdSubsidy(s) => {
                self.require_fund(&s.fund)?;
                self.require_village(s.village)?;
                let Account::Treasury(code) = &s.from else {
                    return Err(RuleError::BadPath {
                        from: s.from.key(),
                        to: format!("household in {}", s.village),
                    });
                };
                self.regions.require(*code)?;
                if !code.covers(s.village) {
                    return Err(RuleError::BadPath {
                        from: s.from.key(),
                        to: format!("household in {}", s.village),
                    });
                }
                self.require_balance(&s.from, &s.fund, s.amount.get())?;
                Ok((
                    vec![*code, s.village],
                    Staged {
                        debit: Some((s.from.clone(), s.amount.get())),
                        credit: None,
                    },
                ))
            }
            EntryBody::Reversal(r) => {
                let target = self
                    .moves
                    .get(r.target_seq)
                    .ok_or(RuleError::NotReversible(r.target_seq))?;
                if r.target_seq >= seq {
                    return Err(RuleError::NotReversible(r.target_seq));
                }
                if let Some(by) = self.moves.reversed_by(r.target_seq) {
                    return Err(RuleError::AlreadyReversed {
                        target: r.target_seq,
                        by,
                    });
                }
                let from = target.from.and_then(|i| self.accounts.get(i as usize).cloned());
                let to = target.to.and_then(|i| self.accounts.get(i as usize).cloned());
                let fund = self
                    .fund_ids
                    .get(target.fund as usize)
                    .cloned()
                    .ok_or(RuleError::NotReversible(r.target_seq))?;
                // Undo: what was credited is debited back (and must still be there).
                if let Some(to) = &to {
                    self.require_balance(to, &fund, target.amount)?;
                }
                let mut regions = Vec::new();
                for account in from.iter().chain(to.iter()) {
                    regions.push(self.account_region(account)?);
                }
                if let Some(p) = target
                    .project
                    .and_then(|i| self.project_ids.get(i as usize))
                    .and_then(|id| self.projects.get(id))
                {
                    regions.push(p.village);
                }
                Ok((
                    regions,
                    Staged {
                        debit: to.map(|a| (a, target.amount)),
                        credit: from.map(|a| (a, target.amount)),
                    },
                ))
            }
        }
    }

    /// Count distinct signers that are granted, unrevoked, valid now, and
    /// whose role and scope allow `kind` in every region concerned. Any signer
    /// that fails is an error: a submission carries no decorative signatures.
    fn check_signers(
        &self,
        seq: u64,
        time_ms: u64,
        kind: EntryKind,
        regions: &[RegionCode],
        verified: &VerifiedSubmission,
    ) -> Result<u8, RuleError> {
        let mut count: u8 = 0;
        for signer in verified.signers() {
            let rec = self.keys.get(signer).ok_or(RuleError::UnknownKey(*signer))?;
            if let Some(revoked_seq) = rec.revoked_seq {
                if revoked_seq < seq {
                    return Err(RuleError::RevokedKey {
                        key: *signer,
                        revoked_seq,
                    });
                }
            }
            if time_ms < rec.grant.valid_from_ms || time_ms > rec.grant.valid_until_ms {
                return Err(RuleError::KeyNotValid(*signer));
            }
            if !rec.grant.role.may_sign(kind) {
                // Only on this error path: finding the district scans the table.
                let region = match regions.first() {
                    Some(r) => *r,
                    None => first_district(&self.regions)?,
                };
                return Err(RuleError::OutOfScope {
                    key: *signer,
                    kind: kind.name(),
                    region,
                });
            }
            for region in regions {
                if !rec.grant.scope.allows(kind, *region) {
                    return Err(RuleError::OutOfScope {
                        key: *signer,
                        kind: kind.name(),
                        region: *region,
                    });
                }
            }
            count = count.saturating_add(1);
        }
        Ok(count)
    }

    /// Signatures the policy requires for this kind and amount (at least 1).
    pub fn required_signatures(&self, kind: EntryKind, amount: Option<Fen>) -> u8 {
        crate::entry::required_signatures(&self.cosign_rules, kind, amount)
    }

    fn intern_account(&mut self, account: &Account) -> u32 {
        if let Some(i) = self.account_index.get(account) {
            return *i;
        }
        // Indexes must fit a packed movement slot (`moves::MAX_INTERNED`).
        let i = u32::try_from(self.accounts.len())
            .unwrap_or(MAX_INTERNED)
            .min(MAX_INTERNED);
        debug_assert!(i < MAX_INTERNED);
        self.accounts.push(account.clone());
        self.account_index.insert(account.clone(), i);
        i
    }

    fn intern_fund(&mut self, fund: &Ident) -> u32 {
        if let Some(i) = self.fund_index.get(fund) {
            return *i;
        }
        // Indexes must fit a packed movement slot (`moves::MAX_INTERNED`).
        let i = u32::try_from(self.fund_ids.len())
            .unwrap_or(MAX_INTERNED)
            .min(MAX_INTERNED);
        debug_assert!(i < MAX_INTERNED);
        self.fund_ids.push(fund.clone());
        self.fund_index.insert(fund.clone(), i);
        i
    }

    /// Apply a checked entry. Infallible: every check was done before.
    fn commit(&mut self, seq: u64, body: &EntryBody, regions: Vec<RegionCode>, staged: Staged) -> Effects {
        let mut effects = Effects {
            regions,
            ..Effects::default()
        };
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
            EntryBody::PolicyUpdate { cosign_rules } => self.cosign_rules = cosign_rules.clone(),
            EntryBody::LogKeyRotate { log_vkey, .. } => self.log_vkeys.push((seq + 1, log_vkey.clone())),
            EntryBody::FundIssue(issue) => {
                self.funds.insert(
                    issue.fund.clone(),
                    FundRecord {
                        id: issue.fund.clone(),
                        title: issue.title.to_string(),
                        document_no: issue.document_no.to_string(),
                        source: issue.source,
                        category: issue.category,
                        fiscal_year: issue.fiscal_year,
                        issued: issue.amount,
                        issue_seq: seq,
                        issued_to: issue.to.clone(),
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
                    },
                );
                effects.project = Some(p.project.clone());
            }
            EntryBody::ProjectDisbursement(d) => {
                if let Some(p) = self.projects.get_mut(&d.project) {
                    p.paid = Fen::from_raw(p.paid.get().saturating_add(d.amount.get()));
                }
                effects.project = Some(d.project.clone());
            }
            EntryBody::HouseholdSubsidy(s) => effects.household = Some(s.household),
            EntryBody::Reversal(r) => {
                effects.reverses = Some(r.target_seq);
                if let Some(m) = self.moves.get(r.target_seq) {
                    self.moves.set_reversed_by(r.target_seq, seq);
                    let (fund, project, amount) = (m.fund, m.project, m.amount);
                    if let Some(id) = project.and_then(|i| self.project_ids.get(i as usize)) {
                        effects.project = Some(id.clone());
                        if let Some(p) = self.projects.get_mut(id) {
                            p.paid = Fen::from_raw(p.paid.get().saturating_sub(amount));
                        }
                    }
                    if let Some(id) = self.fund_ids.get(fund as usize).cloned() {
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
        let fund = body.fund().cloned().or_else(|| effects.fund.clone());
        if let Some(fund_id) = &fund {
            let f = self.intern_fund(fund_id);
            let debit = staged.debit.map(|(a, amount)| (self.intern_account(&a), a, amount));
            let credit = staged.credit.map(|(a, amount)| (self.intern_account(&a), a, amount));
            if let Some((ai, a, amount)) = &debit {
                let b = self.balances.entry((*ai, f)).or_insert(0);
                *b = b.saturating_sub(*amount);
                effects.accounts.push(a.clone());
            }
            if let Some((ai, a, amount)) = &credit {
                let b = self.balances.entry((*ai, f)).or_insert(0);
                // Bounded: every credit is at most MAX_ENTRY_FEN and sums of
                // fund money never exceed what was issued into the fund.
                *b = b.saturating_add(*amount).min(u64::MAX - MAX_ENTRY_FEN);
                effects.accounts.push(a.clone());
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
                        from: debit.as_ref().map(|d| d.0),
                        to: credit.as_ref().map(|c| c.0),
                        amount: body.amount().map(Fen::get).unwrap_or(0),
                        project,
                    },
                );
            }
            effects.fund = fund;
        }
        effects
    }
}

fn first_district(regions: &RegionTable) -> Result<RegionCode, RuleError> {
    regions
        .iter()
        .map(|(c, _)| c)
        .find(|c| c.level() == RegionLevel::District)
        .ok_or_else(|| RuleError::Genesis("no district registered".into()))
}

fn check_grant_shape(grant: &KeyGrant, regions: &RegionTable) -> Result<(), RuleError> {
    if !is_strong_key(&grant.key) {
        return Err(RuleError::WeakKey(grant.key));
    }
    let scope = &grant.scope;
    // An auditor's key is registered (so its witness cosignatures and
    // findings can be attributed to a granted holder) but signs no entry:
    // its scope lists regions and no kinds. Every other role needs kinds.
    let kinds_ok = match grant.role {
        Role::Auditor => scope.kinds.is_empty(),
        Role::Admin | Role::Operator => !scope.kinds.is_empty(),
    };
    if scope.regions.is_empty()
        || !kinds_ok
        || scope.regions.len() > MAX_SCOPE_ITEMS
        || scope.kinds.len() > MAX_SCOPE_ITEMS
    {
        return Err(RuleError::Malformed(format!(
            "a scope has 1-{MAX_SCOPE_ITEMS} regions and 1-{MAX_SCOPE_ITEMS} kinds (an auditor's has none)"
        )));
    }
    for region in &scope.regions {
        regions.require(*region)?;
    }
    if let Some(kind) = scope
        .kinds
        .iter()
        .find(|k| !grant.role.may_sign(**k) || **k == EntryKind::Genesis)
    {
        return Err(RuleError::Malformed(format!(
            "role {:?} may not be granted {}",
            grant.role,
            kind.name()
        )));
    }
    if grant.valid_until_ms <= grant.valid_from_ms {
        return Err(RuleError::Malformed("key validity ends before it starts".into()));
    }
    Ok(())
}

fn check_cosign_rules(rules: &[CosignRule]) -> Result<(), RuleError> {
    if rules.len() > 64 {
        return Err(RuleError::Malformed("at most 64 co-signature rules".into()));
    }
    if let Some(rule) = rules
        .iter()
        .find(|r| r.signatures == 0 || usize::from(r.signatures) > crate::submission::MAX_SIGNATURES)
    {
        return Err(RuleError::Malformed(format!(
            "co-signature rule for {} needs 1-8 signatures",
            rule.kind.name()
        )));
    }
    Ok(())
}

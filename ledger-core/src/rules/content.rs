//! Per-kind content rules (keys, regions, policy, funds, transfers,
//! projects, subsidies, reversals): what an entry concerns and the money it
//! would move, checked without mutating.

use crate::entry::{Account, EntryBody, EntryKind};
use crate::ids::Ident;
use crate::keys::{PublicKey, Role};
use crate::region::{RegionCode, RegionLevel};

use super::authorization::check_grant_shape;
use super::genesis::first_district;
use super::projects::StageStep;
use super::state::Staged;
use super::{LedgerState, RuleError, MAX_ITEMS_PER_ENTRY};
use crate::money::{self, Movement};

impl LedgerState {
    pub(super) fn account_region(&self, account: &Account) -> Result<RegionCode, RuleError> {
        match account {
            Account::Treasury(code) => Ok(self.regions.require(*code)?),
            Account::Project(id) => self
                .projects
                .get(id)
                .map(|p| p.village)
                .ok_or_else(|| RuleError::UnknownProject(id.clone())),
        }
    }

    pub(super) fn require_village(&self, code: RegionCode) -> Result<(), RuleError> {
        self.regions.require(code)?;
        if code.level() != RegionLevel::Village {
            return Err(RuleError::UnknownRegion(format!(
                "{code} is not a village-level region"
            )));
        }
        Ok(())
    }

    /// The fund exists and was issued no later than `date`.
    pub(super) fn require_fund_by(&self, fund: &Ident, date: crate::ids::Date) -> Result<(), RuleError> {
        let record = self
            .funds
            .get(fund)
            .ok_or_else(|| RuleError::UnknownFund(fund.clone()))?;
        if date < record.issue_date {
            return Err(RuleError::DateBeforeFund {
                date,
                fund: fund.clone(),
                issued: record.issue_date,
            });
        }
        Ok(())
    }

    pub(super) fn require_balance(&self, account: &Account, fund: &Ident, amount: u64) -> Result<(), RuleError> {
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
    pub(super) fn check_content(
        &self,
        seq: u64,
        body: &EntryBody,
        signers: &[PublicKey],
    ) -> Result<(Vec<RegionCode>, Staged), RuleError> {
        let none: Staged = None;
        match body {
            EntryBody::Genesis(_) => Err(RuleError::Genesis("genesis may only be the first entry".into())),
            EntryBody::ContactsUpdate(update) => Ok((self.check_contacts(update)?, none)),
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
            EntryBody::PolicyUpdate { policy } => {
                policy.check().map_err(|e| RuleError::Malformed(e.to_string()))?;
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
                Ok((vec![region], staged(body)))
            }
            EntryBody::Transfer(t) => {
                self.require_fund_by(&t.fund, t.date)?;
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
                Ok((vec![from_region, to_region], staged(body)))
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
                self.require_fund_by(&d.fund, d.date)?;
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
                // The budget is a hard limit (项目库): for a project never
                // approved, its registration's, whatever the date; an
                // approved one's per fund, from `enforced_from.projects`
                // (`check_project_payment`).
                let paid = project.paid.get();
                if project.approval.is_none() && paid.saturating_add(d.amount.get()) > project.budget.get() {
                    return Err(RuleError::BudgetExceeded {
                        project: d.project.clone(),
                        budget: project.budget.get(),
                        paid,
                        amount: d.amount.get(),
                    });
                }
                self.check_project_payment(d)?;
                self.require_balance(&d.from, &d.fund, d.amount.get())?;
                Ok((vec![from_region, project.village], staged(body)))
            }
            EntryBody::HouseholdSubsidy(s) => {
                self.require_fund_by(&s.fund, s.date)?;
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
                // After the controls: a second payment citing the line
                // already paid keeps its `line_already_paid`.
                self.check_subsidy_controls(s)?;
                self.check_duplicate(s)?;
                Ok((vec![*code, s.village], staged(body)))
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
                if let Ok(paid) = crate::ids::Date::new(target.date) {
                    if r.date < paid {
                        return Err(RuleError::DateOutOfOrder {
                            date: r.date,
                            what: super::error::Detail::new(
                                format!("被冲正的第 {} 号条目", r.target_seq),
                                format!("entry {}", r.target_seq),
                            ),
                            earlier: paid,
                        });
                    }
                }
                let from = target.from.and_then(|i| self.accounts.get(i).cloned());
                let to = target.to.and_then(|i| self.accounts.get(i).cloned());
                let fund = self
                    .fund_ids
                    .get(target.fund)
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
                    Some(
                        Movement {
                            fund,
                            amount: target.amount,
                            from,
                            to,
                        }
                        .reversed(),
                    ),
                ))
            }
            EntryBody::Notice(n) => Ok((self.check_notice(n)?, none)),
            EntryBody::HouseholdCheck(c) => Ok((self.check_household_check(c)?, none)),
            EntryBody::HouseholdRegister(r) => Ok((self.check_register(r)?, none)),
            EntryBody::HouseholdExit(e) => Ok((self.check_exit(e)?, none)),
            EntryBody::Objection(o) => Ok((self.check_objection(o)?, none)),
            EntryBody::ObjectionResolve(r) => Ok((self.check_resolve(r)?, none)),
            EntryBody::PaymentConfirm(c) => Ok((self.check_confirm(c)?, none)),
            EntryBody::ProjectReview(r) => {
                let (village, _) = self.check_stage(&r.project, r.date, StageStep::Review { passed: r.passed })?;
                Ok((vec![village], none))
            }
            EntryBody::ProjectApprove(a) => Ok((vec![self.check_approve(a)?], none)),
            EntryBody::ProjectStart(m) => Ok((vec![self.check_stage(&m.project, m.date, StageStep::Start)?.0], none)),
            EntryBody::ProjectAccept(m) => Ok((vec![self.check_stage(&m.project, m.date, StageStep::Accept)?.0], none)),
            EntryBody::ProjectHandover(m) => {
                Ok((vec![self.check_stage(&m.project, m.date, StageStep::Handover)?.0], none))
            }
            EntryBody::ProjectEvaluate(e) => {
                if e.score > 100 {
                    return Err(RuleError::Malformed("an evaluation scores 0-100".into()));
                }
                Ok((vec![self.check_stage(&e.project, e.date, StageStep::Evaluate)?.0], none))
            }
            EntryBody::ProjectAdjust(a) => Ok((vec![self.check_adjust(a)?], none)),
            EntryBody::ProjectCancel(c) => Ok((vec![self.check_stage(&c.project, c.date, StageStep::Cancel)?.0], none)),
        }
    }
}

/// An owned copy of the money `body` moves, to commit once every check has
/// passed.
fn staged(body: &EntryBody) -> Staged {
    money::movement(body).map(|m| m.map(Account::clone, Ident::clone))
}

//! The history: the entries posted in log order from the [`Plan`]: genesis
//! and the key grants first, then every dated event of the two years in
//! business-date order (`events`): the rotation of a town operator (start of
//! 2020), fund issues, transfers to the towns and weak villages, projects
//! and their payments (`money`), the registration procedure, exits,
//! payment lists, household payments, objections, reversals and
//! confirmations (`procedure`, `payments`).

use crate::dice::Dice;
use crate::error::{text, DemoError};
use crate::generate::Plan;
use crate::genesis::{demo_cosign_rules, genesis_submission, GenesisParts, CONTROLS_FROM};
use crate::keys::{ADMIN_DISCIPLINE, ADMIN_FINANCE, TOWN_BASE};
use crate::signing::{Emitter, Planned};
use crate::{DEMO_ORIGIN, DEMO_TITLE, SUBMISSION_VALIDITY_MS};
use ed25519_dalek::SigningKey;
use ledger_core::entry::{Account, EntryBody};
use ledger_core::household::PseudonymKey;
use ledger_core::ids::{Date, Ident};
use ledger_core::procedure::{AssistanceCategory, NoticeLineRef};
use std::collections::HashMap;

mod events;
mod library;
mod money;
mod payments;
mod procedure;

/// One registration of the procedure: a household in a category, in a
/// cohort, with its line on each of the five notices once they are posted.
pub(crate) struct Registration {
    pub(crate) household: u32,
    pub(crate) category: AssistanceCategory,
    /// (notice number, line) per stage of `NoticeStage::REGISTRATION`.
    pub(crate) lines: [(u32, u32); 5],
}

/// The log under construction: the plan it follows, the submissions so far,
/// and what later entries refer to.
pub(crate) struct History<'a> {
    plan: &'a Plan,
    emitter: Emitter<'a>,
    /// The district treasury, where funds are issued.
    treasury: Account,
    /// Key-ring position → sequence number of its revocation.
    revoked_at_seq: HashMap<usize, u64>,
    /// Every notice id posted, by notice number.
    notice_ids: Vec<Ident>,
    /// Per payment: its payment-list line (notice number, line).
    item_line: Vec<(u32, u32)>,
    /// Per payment: its sequence number, once posted.
    item_seq: Vec<Option<u64>>,
    /// The registrations of each cohort.
    registrations: [Vec<Registration>; 2],
    /// Exiting household → its line on the exit announcement.
    exit_lines: HashMap<u32, (u32, u32)>,
    /// The payments confirmed: (payment, confirmation) sequence numbers.
    confirmed: Vec<(u64, u64)>,
    /// The village whose February 2019 payments (history) cite a payment
    /// list posted only the day before: paid before its window ended.
    history_list: Option<(u16, u16)>,
    /// Objection case numbers posted, for their decisions.
    cases: HashMap<&'static str, Ident>,
}

/// What the history gives back for the [`crate::DemoLog`].
pub(crate) struct Finished {
    pub(crate) planned: Vec<Planned>,
    pub(crate) revoked_at_seq: HashMap<usize, u64>,
    pub(crate) confirmed: Vec<(u64, u64)>,
}

impl<'a> History<'a> {
    /// An empty history, posting submissions valid until `now_ms + 24 h`.
    pub(crate) fn new(dice: &'a mut Dice, plan: &'a Plan, now_ms: u64) -> Result<History<'a>, DemoError> {
        let offices = plan.ring.holders.iter().map(|h| h.grant.office).collect();
        let history_list = plan
            .items
            .iter()
            .find(|i| i.history)
            .map(|i| plan.plans[i.household as usize].place);
        Ok(History {
            plan,
            emitter: Emitter {
                dice,
                origin: DEMO_ORIGIN,
                not_after_ms: now_ms.saturating_add(SUBMISSION_VALIDITY_MS),
                rules: demo_cosign_rules()?,
                roles_from: Date::new(CONTROLS_FROM).map_err(DemoError)?,
                offices,
                planned: Vec::new(),
            },
            treasury: Account::Treasury(plan.district.code),
            revoked_at_seq: HashMap::new(),
            notice_ids: Vec::new(),
            item_line: vec![(u32::MAX, 0); plan.items.len()],
            item_seq: vec![None; plan.items.len()],
            registrations: [Vec::new(), Vec::new()],
            exit_lines: HashMap::new(),
            history_list,
            confirmed: Vec::new(),
            cases: HashMap::new(),
        })
    }

    /// The submissions to sign, the revocations by key-ring position, the
    /// confirmed payments.
    pub(crate) fn finish(self) -> Finished {
        Finished {
            planned: self.emitter.planned,
            revoked_at_seq: self.revoked_at_seq,
            confirmed: self.confirmed,
        }
    }

    /// The payments (by index in the plan) that were posted at or after
    /// `target`, or not at all because a later cut would drop them: those
    /// the log cut at `target` leaves out.
    pub(crate) fn items_cut_at(&self, target: u64) -> std::collections::HashSet<usize> {
        self.item_seq
            .iter()
            .enumerate()
            .filter(|(_, seq)| seq.is_some_and(|s| s >= target))
            .map(|(k, _)| k)
            .collect()
    }

    /// Genesis (seq 0), co-signed by both admins. It is signed like every
    /// other entry at the end; only its body is built here.
    pub(crate) fn post_genesis(&mut self, log_key: &SigningKey, pseudonym_key: &PseudonymKey) -> Result<(), DemoError> {
        let nonce = self.emitter.dice.bytes();
        let grants = &self.plan.ring.holders;
        let parts = GenesisParts {
            origin: DEMO_ORIGIN,
            title: DEMO_TITLE,
            regions: self.plan.district.regions.clone(),
            grants: vec![
                grants[ADMIN_FINANCE].grant.clone(),
                grants[ADMIN_DISCIPLINE].grant.clone(),
            ],
            cosign_rules: self.emitter.rules.clone(),
            pseudonym_key,
            log_key,
            nonce,
            not_after_ms: self.emitter.not_after_ms,
        };
        let body = genesis_submission(&parts, &[])?.submission;
        self.emitter.planned.push((body, [ADMIN_FINANCE, ADMIN_DISCIPLINE], 2));
        Ok(())
    }

    /// A KeyGrant for every operator except the successor, co-signed by both
    /// admins.
    pub(crate) fn grant_operator_keys(&mut self) -> Result<(), DemoError> {
        let ring = &self.plan.ring;
        for (i, holder) in ring.holders.iter().enumerate() {
            if i == ADMIN_FINANCE || i == ADMIN_DISCIPLINE || i == ring.replacement {
                continue;
            }
            self.emitter.emit(
                EntryBody::KeyGrant(holder.grant.clone()),
                &[ADMIN_FINANCE, ADMIN_DISCIPLINE],
            )?;
        }
        Ok(())
    }

    /// 人员调整: the rotated town's operator hands over to a successor
    /// (KeyRevoke, then KeyGrant).
    fn rotate_town_operator(&mut self) -> Result<(), DemoError> {
        let ring = &self.plan.ring;
        let old = TOWN_BASE + ring.rotated_town;
        let seq = self.emitter.emit(
            EntryBody::KeyRevoke {
                key: ring.holders[old].grant.key,
                reason: text(&format!("{}经办人工作调动，停用原签名密钥", ring.rotated_office))?,
            },
            &[ADMIN_FINANCE, ADMIN_DISCIPLINE],
        )?;
        self.revoked_at_seq.insert(old, seq);
        self.emitter.emit(
            EntryBody::KeyGrant(ring.holders[ring.replacement].grant.clone()),
            &[ADMIN_FINANCE, ADMIN_DISCIPLINE],
        )?;
        Ok(())
    }

    /// A notice line reference.
    fn line_ref(&self, (notice, line): (u32, u32)) -> Result<NoticeLineRef, DemoError> {
        let notice = self
            .notice_ids
            .get(notice as usize)
            .cloned()
            .ok_or_else(|| DemoError("a line of a notice not yet posted".into()))?;
        Ok(NoticeLineRef { notice, line })
    }

    /// The town finance station of town `t` on `date` (the successor once
    /// the rotated town's operator has handed over, from 2020).
    fn town_finance(&self, t: u16, date: Date) -> usize {
        self.plan.ring.town_operator(t, (date.get() / 10_000) as u16)
    }
}

//! Signing: the submissions under construction ([`Emitter`]), each with the
//! key-ring positions that sign it, and their signing at the end, in
//! parallel with rayon. Signing is >95% of the work and Ed25519 signatures
//! are deterministic, so the result does not depend on the thread count.

use crate::dice::Dice;
use crate::error::DemoError;
use crate::keys::KeyRing;
use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::entry::{CosignRule, EntryBody};
use ledger_core::keys::Office;
use ledger_core::policy::{required_roles, required_signatures};
use ledger_core::submission::{SignedSubmission, Submission, SUBMISSION_VERSION};
use rayon::prelude::*;

/// A submission to sign: by the first `count` of the two signers (key-ring
/// positions).
pub(crate) type Planned = (Submission, [usize; 2], usize);

/// The submissions under construction, in log order, signed at the end.
pub(crate) struct Emitter<'a> {
    pub(crate) dice: &'a mut Dice,
    pub(crate) origin: &'a str,
    pub(crate) not_after_ms: u64,
    pub(crate) rules: Vec<CosignRule>,
    /// The policy's `enforced_from.roles`: entries dated before it need only
    /// the number of signatures (history), as in the rule engine.
    pub(crate) roles_from: ledger_core::ids::Date,
    /// The office of each key-ring position.
    pub(crate) offices: Vec<Office>,
    pub(crate) planned: Vec<Planned>,
}

impl Emitter<'_> {
    fn next_seq(&self) -> u64 {
        self.planned.len() as u64
    }

    /// Add a submission signed by keys chosen among `candidates` (key-ring
    /// positions, the preparer first): for each office the policy requires
    /// ([`required_roles`], the rule engine's own), the first candidate of
    /// that office, then candidates in order up to the required number of
    /// signatures ([`required_signatures`]). `policy_amount` is the amount
    /// the policy applies to (a reversal's is its target's). Returns the
    /// sequence number.
    pub(crate) fn emit_for(
        &mut self,
        body: EntryBody,
        policy_amount: Option<ledger_core::amount::Fen>,
        candidates: &[usize],
    ) -> Result<u64, DemoError> {
        let kind = body.kind();
        let required = usize::from(required_signatures(&self.rules, kind, policy_amount));
        let mut chosen: Vec<usize> = Vec::with_capacity(2);
        let history = body.business_date().is_some_and(|d| d < self.roles_from);
        let roles = if history {
            Vec::new()
        } else {
            required_roles(&self.rules, kind, policy_amount)
        };
        for office in roles {
            let found = candidates
                .iter()
                .find(|c| self.offices.get(**c) == Some(&office))
                .ok_or_else(|| DemoError(format!("no {} among the signers of a {}", office.name(), kind.name())))?;
            if !chosen.contains(found) {
                chosen.push(*found);
            }
        }
        for c in candidates {
            if chosen.len() >= required {
                break;
            }
            if !chosen.contains(c) {
                chosen.push(*c);
            }
        }
        if chosen.len() < required || chosen.len() > 2 || chosen.is_empty() {
            return Err(DemoError(format!(
                "a {} needs {required} signatures, {} chosen",
                kind.name(),
                chosen.len()
            )));
        }
        let submission = Submission {
            v: SUBMISSION_VERSION,
            origin: self.origin.to_string(),
            nonce: Bytes(self.dice.bytes()),
            not_after_ms: self.not_after_ms,
            body,
        };
        let count = chosen.len();
        let second = chosen.get(1).copied().unwrap_or(chosen[0]);
        self.planned.push((submission, [chosen[0], second], count));
        Ok(self.next_seq() - 1)
    }

    /// [`Emitter::emit_for`] with the entry's own amount.
    pub(crate) fn emit(&mut self, body: EntryBody, candidates: &[usize]) -> Result<u64, DemoError> {
        let amount = body.amount();
        self.emit_for(body, amount, candidates)
    }
}

/// Sign every planned submission with its keys from `ring`, in parallel.
pub(crate) fn sign_all(planned: Vec<Planned>, ring: &KeyRing) -> Vec<SignedSubmission> {
    planned
        .into_par_iter()
        .map(|(submission, signers, count)| {
            let chosen: Vec<&SigningKey> = signers.iter().take(count).filter_map(|i| ring.key(*i)).collect();
            submission.sign(&chosen)
        })
        .collect()
}
